"""The tenant's navigation and dashboard, gathered from core and the enabled modules."""

from __future__ import annotations

from flask import g, request, url_for

from core.auth.access import current_access
from core.plugins.services import enabled_modules, registry
from core.plugins.types import DashboardPanel, NavItem


def navigation() -> list[dict]:
    tenant = g.get("tenant")
    access = current_access()
    if tenant is None or not access.is_member:
        return []
    items: list[NavItem] = []
    for _module, result in registry().call_enabled("lscp_navigation", enabled_modules(tenant), tenant=tenant):
        items.extend(result)
    here = request.endpoint or ""
    out = []
    for item in sorted((i for i in items if access.can(i.permission)), key=lambda i: (i.order, i.label)):
        blueprint = item.endpoint.rsplit(".", 1)[0]
        current = here == item.endpoint or (here.startswith(blueprint + ".") and not item.endpoint.endswith(".dashboard"))
        out.append({"text": item.label, "href": url_for(item.endpoint), "active": current})
    return out


def dashboard_panels(user) -> list[tuple[DashboardPanel, dict]]:
    tenant = g.tenant
    access = current_access()
    panels: list[DashboardPanel] = []
    for _module, result in registry().call_enabled(
        "lscp_dashboard_panels", enabled_modules(tenant), tenant=tenant, user=user
    ):
        panels.extend(result)
    out = []
    for panel in sorted(panels, key=lambda p: (p.order, p.title)):
        if access.can(panel.permission):
            context = panel.context() if callable(panel.context) else panel.context
            out.append((panel, context))
    return out
