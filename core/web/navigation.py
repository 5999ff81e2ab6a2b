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
    shown = sorted((i for i in items if i.permission is None or access.can(i.permission)),
                   key=lambda i: (i.order, i.label))
    links = [(item, url_for(item.endpoint)) for item in shown]
    current = current_item(request.path, request.endpoint or "", [(i.endpoint, href) for i, href in links])
    # GOV.UK service navigation: "active" marks the section the page is in, "current" the item's own page.
    return [{"text": item.label, "href": href, "active": item.endpoint == current,
             "current": item.endpoint == current and request.path == href} for item, href in links]


def current_item(path: str, endpoint: str, links: list[tuple[str, str]]) -> str | None:
    """The one navigation item (by endpoint) the page at ``path`` belongs to, or None.

    The page's own link wins; then the deepest link whose address the page's lies under (``/hf/admin/``
    covers ``/hf/admin/members/3``), though the partnership's home covers only itself, or every page would
    be under it; then the one link into the page's blueprint, if exactly one. Never more than one: a menu
    with two current items tells a screen reader user nothing."""
    for item_endpoint, _href in links:
        if item_endpoint == endpoint:
            return item_endpoint
    best, depth = None, -1
    for item_endpoint, href in links:
        base = href.rstrip("/")
        if base.count("/") < 2:  # the tenant's home, /<slug>/
            continue
        if (path == base or path.startswith(base + "/")) and len(base) > depth:
            best, depth = item_endpoint, len(base)
    if best is not None:
        return best
    blueprint = endpoint.rsplit(".", 1)[0]
    same = [e for e, _href in links if e.rsplit(".", 1)[0] == blueprint]
    return same[0] if len(same) == 1 else None


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
        if panel.permission is None or access.can(panel.permission):
            context = panel.context() if callable(panel.context) else panel.context
            out.append((panel, context))
    return out
