"""The LADO module's hook implementations."""

from __future__ import annotations

from core.plugins import hookimpl
from core.plugins.types import (
    DashboardPanel,
    ModuleInfo,
    NavItem,
    PeriodicJob,
    Permission,
    ReportSection,
)
from plugins.lado import models  # noqa: F401  (mapped before any query)

PERMISSIONS = [
    Permission("lado.referrals.submit", "Refer an allegation to the LADO through the form, and see the reference and "
                                        "status of your own referrals (nothing of the case work)"),
    Permission("lado.cases.read", "Read LADO case files of the local authorities you work for", confidential=True),
    Permission("lado.cases.manage", "Record consultations and referrals, meetings, actions and outcomes",
               confidential=True),
    Permission("lado.cases.export", "Download lists of LADO cases with names", confidential=True),
    Permission("lado.retention.manage", "Review how long LADO cases are kept and remove their personal data",
               confidential=True),
    Permission("lado.figures.view", "See the LADO's figures: counts and percentages, no case details"),
]

# Case files are read by the LADO roles the module creates (see setup.py), never by a default role: not even
# the tenant admin, who administers the platform but is not a LADO. The business manager may refer because a
# member who manages members without managing roles can only hand out roles whose permissions they hold: without
# it they could no longer invite practitioners or agency safeguarding leads.
GRANTS = {
    "tenant_admin": ["lado.figures.view"],
    "business_manager": ["lado.figures.view", "lado.referrals.submit"],
    "independent_scrutineer": ["lado.figures.view"],
    "practitioner": ["lado.referrals.submit"],
    "agency_safeguarding_lead": ["lado.referrals.submit"],
}


@hookimpl
def lscp_module_info():
    return ModuleInfo(
        name="lado",
        title="LADO: allegations against people who work with children",
        description="Consultations and referrals to the Local Authority Designated Officer, case work to an "
                    "outcome, timeliness, retention and the figures of the annual report.",
        version="0.1.0",
    )


@hookimpl
def lscp_blueprints():
    from plugins.lado.views import bp, figures_bp, referrals_bp

    return [bp, figures_bp, referrals_bp]


@hookimpl
def lscp_api_blueprints():
    from plugins.lado.api import api_bp

    return [api_bp]


@hookimpl
def lscp_permissions():
    return PERMISSIONS


@hookimpl
def lscp_default_grants():
    return GRANTS


@hookimpl
def lscp_settings_schema():
    from plugins.lado.schemas import LadoSettings

    return LadoSettings


@hookimpl
def lscp_navigation(tenant, settings):
    return [
        # The case list holds every page under /lado/ (a case, the retention review) but the figures' and
        # the referrers' own pages, which lie deeper and so belong to their items.
        NavItem("LADO cases", "lado.cases", "lado.cases.read", order=60, section="casework", covers="lado.index"),
        NavItem("LADO figures", "lado_figures.index", "lado.figures.view", order=61, section="reports"),
        NavItem("Refer to the LADO", "lado_referrals.mine", "lado.referrals.submit", order=62, section="casework"),
    ]


@hookimpl
def lscp_dashboard_panels(tenant, settings, user):
    from plugins.lado.views import panel_context

    return [DashboardPanel("LADO", "lado/panel.html", "lado.cases.read", panel_context, order=60)]


def _figures(settings, year):
    from plugins.lado.figures import lado_figures

    return lado_figures(year, None, (settings or {}).get("local_authorities") or [])


@hookimpl
def lscp_annual_report_sections(tenant, settings, year):
    from flask import render_template

    from core.suppression import published_threshold
    from plugins.lado.figures import published

    figures = _figures(settings, year)
    html = render_template("lado/report_section.html", figures=figures,
                           published=published(figures, published_threshold()))
    return [ReportSection("Allegations against people who work with children (LADO)", html, order=60)]


@hookimpl
def lscp_dataset_figures(tenant, settings, year):
    from core.suppression import published_threshold
    from plugins.lado.figures import published_dataset

    return published_dataset(_figures(settings, year), published_threshold())


@hookimpl
def lscp_periodic_jobs():
    return [PeriodicJob("lado.sweep", "plugins.lado.jobs.sweep", "0 7 * * *",
                        "Remind LADO officers of overdue referrals, stale cases and records due for review")]


@hookimpl
def lscp_module_enabled(tenant, settings):
    from plugins.lado.setup import on_enabled

    on_enabled(tenant, settings)


@hookimpl
def lscp_demo_data(tenant, settings):
    from plugins.lado.demo import demo_cases

    demo_cases(tenant, settings)
