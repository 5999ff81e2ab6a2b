"""The tenant's navigation and dashboard, gathered from core and the enabled modules."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import g, request, url_for

from core.auth.access import current_access
from core.plugins.services import enabled_modules, registry
from core.plugins.types import NAV_SECTIONS, DashboardPanel, NavItem


@dataclass(frozen=True)
class Menu:
    """The partnership's navigation for the page being drawn.

    ``sections`` feed GOV.UK's service navigation: one link per section the member has an item in, the
    page's own section marked. ``side`` lists the items of the page's section (GOV.UK side navigation), the
    page's item marked; it is empty when the section has a single item, which its section link already is.
    """

    sections: list[dict] = field(default_factory=list)
    section: str | None = None
    side: list[dict] = field(default_factory=list)


def navigation() -> Menu:
    """The menu of the current page, worked out once a request (the header and the side column both use it)."""
    if "_menu" not in g:
        g._menu = _menu()
    return g._menu


def _menu() -> Menu:
    tenant = g.get("tenant")
    access = current_access()
    if tenant is None or not access.is_member:
        return Menu()
    items: list[NavItem] = []
    for _module, result in registry().call_enabled("lscp_navigation", enabled_modules(tenant), tenant=tenant):
        items.extend(result)
    shown = sorted((i for i in items if i.permission is None or access.can(i.permission)),
                   key=lambda i: (list(NAV_SECTIONS).index(i.section), i.order, i.label))
    href = {item.endpoint: url_for(item.endpoint) for item in shown}
    current = current_item(request.path, [(i.endpoint, url_for(i.covers) if i.covers else href[i.endpoint])
                                          for i in shown])
    here = next((i.section for i in shown if i.endpoint == current), None)
    sections = []
    for key, label in NAV_SECTIONS.items():
        first = next((i for i in shown if i.section == key), None)
        if first is None:
            continue
        link = href[first.endpoint]
        # GOV.UK service navigation: "active" marks the section the page is in, "current" its own page.
        sections.append({"text": label, "href": link, "active": key == here,
                         "current": key == here and request.path == link})
    side = [{"text": i.label, "href": href[i.endpoint],
             "current": ("page" if request.path == href[i.endpoint] else "true") if i.endpoint == current else None}
            for i in shown if i.section == here]
    return Menu(sections=sections, section=NAV_SECTIONS[here] if here else None,
                side=side if len(side) > 1 else [])


def current_item(path: str, links: list[tuple[str, str]]) -> str | None:
    """The one navigation item (by endpoint) the page at ``path`` lives in, or None.

    ``links`` pairs each item with the address it holds. The page belongs to the deepest address it lies under
    (``/hf/admin/`` holds ``/hf/admin/members/3``; ``/hf/lado/figures/`` wins over ``/hf/lado/``), though the
    partnership's home holds only itself, or every page would be under it. Never more than one: a menu with two
    current items tells a screen reader user nothing. Where the page lives decides, not which blueprint or view
    drew it, so a module may split its views as it likes."""
    best, depth = None, -1
    for item_endpoint, href in links:
        base = href.rstrip("/")
        if base.count("/") < 2:  # the tenant's home, /<slug>/
            if path.rstrip("/") == base:
                return item_endpoint
            continue
        if (path == base or path.startswith(base + "/")) and len(base) > depth:
            best, depth = item_endpoint, len(base)
    return best


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
