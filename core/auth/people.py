"""Who holds a role in the partnership in scope: the addresses deadline reminders go to."""

from __future__ import annotations

from sqlalchemy import select

from core.auth.models import Membership, Role, User
from core.db import db


def emails_of_role(role_key: str) -> list[str]:
    """Active members of the tenant in scope who hold the role, by email."""
    return list(db.session.scalars(
        select(User.email).join(Membership, Membership.user_id == User.id).join(Membership.roles)
        .where(Role.key == role_key, Membership.status == "active", User.active.is_(True))
        .order_by(User.email).distinct()
    ))


def emails_with_permission(permission: str) -> list[str]:
    """Active members of the tenant in scope whose roles grant the permission, by email."""
    from core.auth.models import RolePermission

    return list(db.session.scalars(
        select(User.email).join(Membership, Membership.user_id == User.id).join(Membership.roles)
        .join(RolePermission, RolePermission.role_id == Role.id)
        .where(RolePermission.permission == permission, Membership.status == "active", User.active.is_(True))
        .order_by(User.email).distinct()
    ))
