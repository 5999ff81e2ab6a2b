from __future__ import annotations

from sqlalchemy import select

from core.db import db
from core.plugins import hookimpl
from core.plugins.types import DashboardPanel, ModuleInfo, NavItem, PeriodicJob, Permission, ReportSection

CALLS: list[tuple[str, str]] = []  # (hook, tenant slug): what the enable/disable callbacks saw


@hookimpl
def lscp_module_info():
    return ModuleInfo(name="noticeboard", title="Noticeboard", version="0.1.0",
                      description="Notices for everyone in the partnership.")


@hookimpl
def lscp_blueprints():
    from lscp_noticeboard.views import bp

    return [bp]


@hookimpl
def lscp_api_blueprints():
    from lscp_noticeboard.api import api_bp

    return [api_bp]


@hookimpl
def lscp_permissions():
    return [
        Permission("noticeboard.notices.read", "Read notices"),
        Permission("noticeboard.notices.write", "Post and remove notices"),
    ]


@hookimpl
def lscp_default_grants():
    return {
        "tenant_admin": ["noticeboard.notices.read", "noticeboard.notices.write"],
        "business_manager": ["noticeboard.notices.read", "noticeboard.notices.write"],
        "practitioner": ["noticeboard.notices.read"],
    }


@hookimpl
def lscp_settings_schema():
    from lscp_noticeboard.services import NoticeboardSettings

    return NoticeboardSettings


@hookimpl
def lscp_navigation(tenant, settings):
    return [NavItem(settings["heading"], "noticeboard.index", "noticeboard.notices.read", order=50)]


@hookimpl
def lscp_dashboard_panels(tenant, settings, user):
    from lscp_noticeboard.models import Notice

    def context():
        notices = db.session.scalars(select(Notice).order_by(Notice.id.desc()).limit(settings["max_notices"])).all()
        return {"notices": notices}

    return [DashboardPanel(settings["heading"], "noticeboard/panel.html", "noticeboard.notices.read", context)]


@hookimpl
def lscp_annual_report_sections(tenant, settings, year):
    from lscp_noticeboard.services import count_notices

    return [ReportSection("Notices", f"<p>{count_notices()} notices in {year}/{year + 1 - 2000}.</p>")]


@hookimpl
def lscp_dataset_figures(tenant, settings, year):
    from lscp_noticeboard.services import count_notices

    return {"notices": count_notices()}


@hookimpl
def lscp_periodic_jobs():
    return [PeriodicJob("noticeboard.remind", "lscp_noticeboard.services.remind", "0 7 * * *",
                        "A daily reminder row")]


@hookimpl
def lscp_demo_data(tenant, settings):
    from lscp_noticeboard.models import Notice
    from lscp_noticeboard.services import post_notice

    if db.session.scalar(select(Notice.id).where(Notice.title.startswith("[DEMO]"))) is None:
        post_notice("[DEMO] Welcome to the noticeboard")


@hookimpl
def lscp_module_enabled(tenant, settings):
    CALLS.append(("enabled", tenant.slug))


@hookimpl
def lscp_module_disabled(tenant):
    CALLS.append(("disabled", tenant.slug))
