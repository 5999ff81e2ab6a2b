"""Who may read which cases, for the request in hand: the one place pages, API and downloads ask.

A LADO member limited to some local authorities (``Membership.local_authorities``) reads and changes only
their cases; with no limit, every local authority's. The limit is handed to ``cases.limit_to``, so another
authority's case is simply not found (404).

A platform administrator is not a LADO: core gives them every permission but the confidential ones, so case
files stay closed to them (403) unless they also hold a LADO role through a membership of their own in the
partnership, whose local authority limit then applies. They may still see the figures.
"""

from __future__ import annotations

from flask import abort, g

from core.auth.access import current_access
from core.auth.models import Membership
from core.plugins.services import enabled_modules

READ = "lado.cases.read"


def _limit_of(membership: Membership) -> frozenset[int] | None:
    return frozenset(la.id for la in membership.local_authorities) or None


def case_limit(permission: str = READ) -> frozenset[int] | None:
    """The local authority ids whose cases the principal may use with ``permission`` (None: all).

    Core grants confidential permissions only through a membership (a platform admin's included), so a
    principal who may read cases always has the membership whose limit applies."""
    access = current_access()
    if access.membership is None or not access.can(permission):
        abort(403, "LADO case records are open only to the partnership's LADO roles")
    return _limit_of(access.membership)


def may(permission: str) -> bool:
    """Whether the principal holds a LADO case permission."""
    return current_access().can(permission)


def figures_limit() -> frozenset[int] | None:
    """Figures are aggregates: a member sees those of the local authorities they are limited to."""
    access = current_access()
    if access.platform_admin or access.membership is None:
        return None
    return _limit_of(access.membership)


def settings() -> dict:
    return enabled_modules(g.tenant).get("lado", {})
