"""Default roles every tenant starts with, and the grants modules add to them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.auth.models import Role, RolePermission
from core.db import db

DEFAULT_ROLES = {
    "tenant_admin": (
        "Tenant administrator",
        "Runs the platform for the partnership: members, roles, modules, API tokens.",
    ),
    "business_manager": (
        "Business manager",
        "Runs the partnership's business: members, the audit log, outgoing email, every module's register.",
    ),
    "independent_scrutineer": (
        "Independent scrutineer",
        "Oversight of the partnership: dashboards, figures and the audit log, without changing records.",
    ),
    "practitioner": ("Practitioner", "Works with children in a partner agency."),
    "agency_safeguarding_lead": (
        "Agency safeguarding lead",
        "Leads safeguarding in one agency: answers audits, books staff on training, raises escalations.",
    ),
}

# Permissions a tenant admin can never take away from the tenant admin role: without them nobody could
# give them back.
LOCKED = {"tenant_admin": {"core.roles.manage", "core.members.manage", "core.members.view"}}


def roles_by_key() -> dict[str, Role]:
    return {r.key: r for r in db.session.scalars(select(Role).options(selectinload(Role.grants)))}


def ensure_default_roles(core_grants: dict[str, list[str]]) -> dict[str, Role]:
    """Create the default roles the tenant in scope lacks, with core's grants."""
    existing = roles_by_key()
    for key, (name, description) in DEFAULT_ROLES.items():
        if key in existing:
            continue
        role = Role(key=key, name=name, description=description, is_default=True)
        role.grants = [RolePermission(permission=p) for p in sorted(core_grants.get(key, []))]
        db.session.add(role)
        existing[key] = role
    db.session.flush()
    return existing


def grant_defaults(grants: dict[str, list[str]]) -> None:
    """Add a module's default grants to the default roles of the tenant in scope."""
    roles = roles_by_key()
    for key, names in grants.items():
        role = roles.get(key)
        if role is None:
            continue
        have = role.permission_names
        role.grants.extend(RolePermission(permission=p) for p in sorted(set(names) - have))
    db.session.flush()


def set_role_permissions(role: Role, wanted: set[str], known: set[str]) -> tuple[set[str], set[str]]:
    """Replace a role's grants with ``wanted`` (restricted to ``known`` permissions); locked grants stay.

    Returns (added, removed).
    """
    unknown = wanted - known
    if unknown:
        raise ValueError(f"unknown permissions: {', '.join(sorted(unknown))}")
    wanted = wanted | LOCKED.get(role.key, set()) if role.is_default else wanted
    have = role.permission_names
    added, removed = wanted - have, (have & known) - wanted
    role.grants = [g for g in role.grants if g.permission not in removed]
    role.grants.extend(RolePermission(permission=p) for p in sorted(added))
    return added, removed
