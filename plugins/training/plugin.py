"""The training module's hook implementations."""

from __future__ import annotations

from core.plugins import hookimpl
from core.plugins.types import DashboardPanel, ModuleInfo, NavItem, PeriodicJob, Permission, ReportSection
from plugins.training import models  # noqa: F401  (mapped before any query)

PERMISSIONS = [
    Permission("training.catalogue.view", "See the training courses and sessions, and your own bookings"),
    Permission("training.book.self", "Book yourself on training"),
    Permission("training.book.staff", "Book staff on training: your own agency's when your membership is limited "
                                      "to one"),
    Permission("training.catalogue.manage", "Add and change courses and sessions the partnership runs"),
    Permission("training.register.take", "Take the register of the partnership's sessions and see its bookings"),
    Permission("training.figures.view", "See the training figures, charges and evaluation results"),
    Permission("training.needs.manage", "Run the training needs analysis and read its results"),
    Permission("training.needs.respond", "Answer the training needs analysis for your agency"),
]

GRANTS = {
    "tenant_admin": [p.name for p in PERMISSIONS],
    "business_manager": ["training.catalogue.view", "training.book.self", "training.book.staff",
                         "training.catalogue.manage", "training.register.take", "training.figures.view",
                         "training.needs.manage"],
    "independent_scrutineer": ["training.catalogue.view", "training.figures.view"],
    "practitioner": ["training.catalogue.view", "training.book.self"],
    "agency_safeguarding_lead": ["training.catalogue.view", "training.book.self", "training.book.staff",
                                 "training.needs.respond"],
}


@hookimpl
def lscp_module_info():
    return ModuleInfo(
        name="training",
        title="Multi-agency training",
        description="The multi-agency safeguarding training offer: courses, sessions, bookings, attendance, "
                    "certificates and evaluation, alone or shared with other partnerships.",
        version="0.1.0",
    )


@hookimpl
def lscp_blueprints():
    from plugins.training.views import bp

    return [bp]


@hookimpl
def lscp_api_blueprints():
    from plugins.training.api import bp

    return [bp]


@hookimpl
def lscp_permissions():
    return PERMISSIONS


@hookimpl
def lscp_default_grants():
    return GRANTS


@hookimpl
def lscp_settings_schema():
    from plugins.training.schemas import TrainingSettings

    return TrainingSettings


@hookimpl
def lscp_navigation(tenant, settings):
    return [NavItem("Training", "training.index", "training.catalogue.view", order=60, section="learning")]


@hookimpl
def lscp_dashboard_panels(tenant, settings, user):
    from plugins.training.views import dashboard_context

    return [DashboardPanel("Training", "training/panel.html", "training.catalogue.view",
                           lambda: dashboard_context(tenant, settings, user), order=60)]


def _figures(tenant, settings, year):
    from core.db import utcnow
    from plugins.training.figures import gather
    from plugins.training.services import offer_for

    return gather(offer_for(tenant, settings), tenant, year, utcnow())


@hookimpl
def lscp_annual_report_sections(tenant, settings, year):
    from flask import render_template

    from core.suppression import published_threshold
    from plugins.training.figures import published

    figures = _figures(tenant, settings, year)
    html = render_template("training/report_section.html", figures=figures,
                           published=published(figures, published_threshold()))
    return [ReportSection("Multi-agency training", html, order=60)]


@hookimpl
def lscp_dataset_figures(tenant, settings, year):
    from core.suppression import published_threshold
    from plugins.training.figures import published_dataset

    return published_dataset(_figures(tenant, settings, year), published_threshold())


@hookimpl
def lscp_periodic_jobs():
    return [PeriodicJob("training.reminders", "plugins.training.jobs.send_reminders", "0 7 * * *",
                        "Remind delegates of their sessions and ask for their evaluations")]


@hookimpl
def lscp_module_enabled(tenant, settings):
    from plugins.training.services import check_offer_choice

    check_offer_choice(tenant, settings)


@hookimpl
def lscp_demo_data(tenant, settings):
    from plugins.training.demo import demo_data

    demo_data(tenant, settings)
