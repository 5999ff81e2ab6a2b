"""What switching the module on does in a partnership: check its settings against the partnership, create
the LADO roles once, and bring stored review dates in line with the retention settings."""

from __future__ import annotations

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.auth.models import Role, RolePermission
from core.db import db
from plugins.lado.cases import unknown_authorities
from plugins.lado.models import LadoCase
from plugins.lado.retention import Policy, refresh_review_date

# There is no default LADO role, so the module brings two. A tenant admin gives them to people and may change
# what they grant afterwards: they are ordinary roles, made once and never overwritten.
ROLES = {
    "lado_officer": (
        "LADO officer",
        "Local Authority Designated Officer: reads and manages allegations against people who work with children, "
        "and downloads case lists. Limit the member to their local authorities.",
        ["lado.cases.read", "lado.cases.manage", "lado.cases.export", "lado.figures.view"],
    ),
    "lado_manager": (
        "LADO manager",
        "Manages the LADO service: reads cases, reviews their retention, sees the figures.",
        ["lado.cases.read", "lado.figures.view", "lado.retention.manage"],
    ),
}


def check_settings(settings: dict) -> None:
    """The settings' local authorities must be the partnership's: refused with the keys it does have."""
    unknown = unknown_authorities(settings.get("local_authorities") or [])
    if unknown:
        from core.tenancy.models import LocalAuthority

        known = ", ".join(db.session.scalars(select(LocalAuthority.key).order_by(LocalAuthority.key))) or "none"
        raise ValidationError({"local_authorities": [
            f"{', '.join(unknown)} {'is not a local authority' if len(unknown) == 1 else 'are not local authorities'}"
            f" of this partnership: choose from {known}"]})


def ensure_roles() -> list[str]:
    """Create the LADO roles the tenant in scope lacks; returns the keys created."""
    have = set(db.session.scalars(select(Role.key).where(Role.key.in_(ROLES))))
    created = []
    for key, (name, description, permissions) in ROLES.items():
        if key in have:
            continue
        role = Role(key=key, name=name, description=description, is_default=False)
        role.grants = [RolePermission(permission=p) for p in sorted(permissions)]
        db.session.add(role)
        created.append(key)
    db.session.flush()
    return created


def refresh_review_dates(policy: Policy) -> None:
    cases = db.session.scalars(
        select(LadoCase).where(LadoCase.status == "closed", LadoCase.removed_on.is_(None),
                               LadoCase.review_extended.is_(False))
        .options(selectinload(LadoCase.local_authority))
    ).all()
    for case in cases:
        refresh_review_date(case, policy)
    db.session.flush()


def on_enabled(tenant, settings: dict) -> None:
    check_settings(settings)
    ensure_roles()
    refresh_review_dates(Policy.from_settings(settings))
