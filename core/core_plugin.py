"""Core's own contributions through the same hooks as any module: its permissions, default grants,
navigation and dashboard panels. Core is always on."""

from __future__ import annotations

from core.plugins import hookimpl
from core.plugins.types import ModuleInfo, NavItem, PeriodicJob, Permission

PERMISSIONS = [
    Permission("core.partnership.view", "See the partnership's local authorities, agencies and partners"),
    Permission("core.members.view", "See the partnership's members and their roles"),
    Permission("core.members.manage", "Invite members, change their roles and limits, suspend them"),
    Permission("core.roles.manage", "Change what each role may do"),
    Permission("core.modules.manage", "Switch modules on and off and change their settings"),
    Permission("core.audit.view", "Read the audit log"),
    Permission("core.outbox.view", "See outgoing email and retry failed deliveries"),
    Permission("core.tokens.manage", "Create and revoke API tokens"),
    Permission("core.config.view", "Read the partnership's configuration through the API"),
    Permission("core.reports.view", "Read the annual report and the data set figures"),
    Permission("core.structure.view", "See the partnership's bodies, chairs, members and roles"),
    Permission("core.structure.manage", "Change bodies, reporting lines, chairing, members and roles"),
    Permission("core.meetings.view", "See meetings, agendas, papers, minutes, actions and attendance"),
    Permission("core.meetings.manage", "Schedule meetings; record agendas, papers, minutes, decisions, actions, attendance"),
    Permission("core.plan.view", "See the priorities, the business plan and its progress"),
    Permission("core.plan.manage", "Change priorities, business plan actions and quarterly themes"),
    Permission("core.funding.view", "See contributions, spending and the income and expenditure statement"),
    Permission("core.funding.manage", "Record contributions, invoices and spending"),
    Permission("core.arrangements.manage", "Change the published arrangements and the partnership's settings"),
]

_everyone = ["core.partnership.view", "core.structure.view", "core.plan.view"]
_oversight = ["core.meetings.view", "core.funding.view"]
_running = ["core.structure.manage", "core.meetings.manage", "core.plan.manage", "core.funding.manage",
            "core.arrangements.manage"]
GRANTS = {
    "tenant_admin": [p.name for p in PERMISSIONS],
    "business_manager": _everyone + _oversight + _running + [
        "core.members.view", "core.members.manage", "core.audit.view", "core.outbox.view", "core.config.view",
        "core.reports.view",
    ],
    "independent_scrutineer": _everyone + _oversight + [
        "core.members.view", "core.audit.view", "core.config.view", "core.reports.view",
    ],
    "practitioner": list(_everyone),
    "agency_safeguarding_lead": _everyone + ["core.members.view", "core.meetings.view"],
}


@hookimpl
def lscp_module_info():
    return ModuleInfo(
        name="core",
        title="Partnership platform",
        description="Tenants, people and access, modules, background work and the audit log.",
        version="0.1.0",
    )


@hookimpl
def lscp_permissions():
    return PERMISSIONS


@hookimpl
def lscp_default_grants():
    return GRANTS


@hookimpl
def lscp_navigation(tenant, settings):
    return [
        NavItem("Dashboard", "tenant.dashboard", None, order=0, section="home"),
        NavItem("Partnership", "tenant.partnership", "core.partnership.view", order=10, section="partnership"),
        NavItem("Structure", "structure.index", "core.structure.view", order=20, section="partnership"),
        NavItem("Meetings", "meetings.index", "core.meetings.view", order=30, section="partnership"),
        NavItem("Business plan", "plan.index", "core.plan.view", order=40, section="partnership"),
        NavItem("Education settings", "education.index", "core.structure.view", order=50, section="partnership"),
        NavItem("Funding", "funding.index", "core.funding.view", order=800, section="partnership"),
        NavItem("Annual report", "reports.annual_report", "core.reports.view", order=900, section="reports"),
        NavItem("Administration", "admin.index", "core.members.view", order=1000, section="admin"),
    ]


@hookimpl
def lscp_dashboard_panels(tenant, settings, user):
    from core.structure import views_funding, views_meetings, views_plan
    from core.web.panels import administration_panel, partnership_panel

    # What needs attention: next meetings and overdue actions, the plan's progress, the arrangements' review
    # and report deadlines, invoices, failed email. The structure itself is one click away (its page), so it
    # has no panel of its own.
    return [
        partnership_panel(tenant),
        views_meetings.dashboard_panel(tenant),
        views_plan.dashboard_panel(tenant),
        views_plan.arrangements_panel(tenant),
        views_funding.dashboard_panel(tenant),
        administration_panel(tenant),
    ]


@hookimpl
def lscp_periodic_jobs():
    return [
        PeriodicJob(
            name="core.retry_email",
            func="core.mail.delivery.retry_due",
            cron="*/5 * * * *",
            description="Deliver email whose earlier attempt failed or whose job was lost",
            per_tenant=False,
        ),
        PeriodicJob(
            name="core.arrangements_reminders",
            func="core.structure.arrangements.send_reminders",
            cron="0 6 * * *",
            description="Remind business managers of the arrangements review and the annual report deadline",
        ),
    ]
