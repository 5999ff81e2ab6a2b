"""What switching the module on does in a partnership: check its settings against the partnership, create
the LADO roles once, and bring stored review dates in line with the retention settings."""

from __future__ import annotations

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.auth.models import Role, RolePermission
from core.db import db
from plugins.lado.cases import OFFICER_ROLE, unknown_authorities
from plugins.lado.models import LadoCase
from plugins.lado.retention import Policy, refresh_review_date
from plugins.lado.schemas import service_emails

# There is no default LADO role, so the module brings two. A tenant admin gives them to people and may change
# what they grant afterwards: they are ordinary roles, made once and never overwritten.
ROLES = {
    OFFICER_ROLE: (
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
    """The settings' local authorities (those running a service, those given a service address) must be the
    partnership's: refused with the keys it does have."""
    problems = {}
    for name, keys in (("local_authorities", settings.get("local_authorities") or []),
                       ("service_emails", list(service_emails(settings)))):
        unknown = unknown_authorities(keys)
        if unknown:
            problems[name] = [f"{', '.join(unknown)} {'is not a local authority' if len(unknown) == 1 else 'are not local authorities'}"
                              f" of this partnership: choose from {_known_keys()}"]
    if problems:
        raise ValidationError(problems)


def _known_keys() -> str:
    from core.tenancy.models import LocalAuthority

    return ", ".join(db.session.scalars(select(LocalAuthority.key).order_by(LocalAuthority.key))) or "none"


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
    """Bring every stored review date in line with the settings. A date set at a review keeps its place, but
    one left before the guidance's date (set before that rule existed) is brought up to it."""
    cases = db.session.scalars(
        select(LadoCase).where(LadoCase.status == "closed", LadoCase.removed_on.is_(None))
        .options(selectinload(LadoCase.local_authority))
    ).all()
    for case in cases:
        refresh_review_date(case, policy)
    db.session.flush()


def on_enabled(tenant, settings: dict) -> None:
    check_settings(settings)
    ensure_roles()
    refresh_review_dates(Policy.from_settings(settings))
