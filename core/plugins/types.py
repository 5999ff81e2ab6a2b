"""The small value objects plugins hand to the platform through hooks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ModuleInfo:
    """Who a plugin is. ``name`` is the entry-point name and the URL segment of its pages."""

    name: str
    title: str
    description: str
    version: str
    depends_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class Permission:
    """A named right, ``<module>.<thing>.<verb>``. ``confidential`` marks access to case records."""

    name: str
    description: str
    confidential: bool = False


# The top-level sections of the partnership's navigation, in the menu's order: a fixed few, so that the menu
# stays one row however many modules a partnership switches on.
NAV_SECTIONS = {
    "home": "Dashboard",
    "partnership": "The partnership",
    "casework": "Case work",
    "learning": "Quality and learning",
    "reports": "Reports",
    "admin": "Administration",
}


@dataclass(frozen=True)
class NavItem:
    """A link in the partnership's navigation. ``permission`` None shows it to every member.

    ``section`` is the key (of ``NAV_SECTIONS``) of the section the item is listed in. The item holds every
    page whose address lies under its own, or under the address of ``covers`` (an endpoint without arguments)
    when its pages do not all lie under the page it links to; the deepest such address wins.
    """

    label: str
    endpoint: str
    permission: str | None
    order: int = 100
    section: str = "partnership"
    covers: str | None = None

    def __post_init__(self):
        if self.section not in NAV_SECTIONS:
            raise ValueError(f"{self.label}: no navigation section {self.section!r} (one of {', '.join(NAV_SECTIONS)})")


@dataclass(frozen=True)
class DashboardPanel:
    """A panel on the partnership dashboard: a template rendered with ``context``.

    ``context`` may be a function returning the dict, so that its queries run only for users who may see
    the panel.
    """

    title: str
    template: str
    permission: str | None  # None: every member
    context: dict[str, Any] | Callable[[], dict[str, Any]] = field(default_factory=dict)
    order: int = 100


@dataclass(frozen=True)
class ReportSection:
    """A section of the partnership's annual report, as trusted HTML rendered by the plugin."""

    title: str
    html: str
    order: int = 100


@dataclass(frozen=True)
class PeriodicJob:
    """A job the platform runs on a schedule: ``func`` is a dotted path, ``cron`` a crontab expression.

    A per-tenant job is called as ``func(tenant=..., settings=..., today=...)`` once for each tenant with
    the module enabled, in that tenant's scope; a platform job (``per_tenant=False``) as ``func(today=...)``.
    """

    name: str
    func: str
    cron: str
    description: str = ""
    per_tenant: bool = True
