"""Access control: every endpoint declares who may use it, and one check before each request enforces it.

Deny by default twice over: an endpoint that declares nothing stops the app from starting, and a user
with no active membership in a tenant sees that tenant's pages as not found (404), never as forbidden,
so another partnership's ids and slugs reveal nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta

from flask import Flask, abort, current_app, g, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from core.auth.models import ApiToken, Membership, Role, RolePermission, User, membership_roles
from core.db import db, utcnow
from core.tenancy.isolation import unscoped

PUBLIC = "public"
SIGNED_IN = "signed-in"
MEMBER = "member"
PLATFORM_ADMIN = "platform-admin"
_ATTR = "lscp_access"


def _declare(view, rule: str):
    setattr(view, _ATTR, rule)
    return view


def requires(permission: str):
    """The view needs this permission in the tenant of the URL."""
    return lambda view: _declare(view, permission)


def public(view):
    """Anyone, signed in or not."""
    return _declare(view, PUBLIC)


def signed_in(view):
    """Any signed-in user, whatever their memberships (their own account pages)."""
    return _declare(view, SIGNED_IN)


def member(view):
    """Any active member of the tenant of the URL."""
    return _declare(view, MEMBER)


def platform_admin(view):
    return _declare(view, PLATFORM_ADMIN)


def access_rule(view, method: str) -> str | None:
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        handler = getattr(view_class, method.lower(), None)
        if handler is None and method == "HEAD":
            handler = getattr(view_class, "get", None)
        return getattr(handler, _ATTR, None) or getattr(view_class, _ATTR, None)
    return getattr(view, _ATTR, None)


def undeclared_endpoints(app: Flask) -> list[str]:
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        for method in sorted((rule.methods or set()) - {"OPTIONS", "HEAD"}):
            if access_rule(view, method) is None:
                missing.append(f"{rule.endpoint} {method} {rule.rule}")
    return missing


@dataclass
class Access:
    """What the principal may do in the tenant of this request."""

    membership: Membership | None = None
    permissions: frozenset[str] = field(default_factory=frozenset)
    platform_admin: bool = False

    @property
    def is_member(self) -> bool:
        return self.platform_admin or self.membership is not None

    def can(self, permission: str) -> bool:
        return permission in self.permissions


def load_access(user: User, tenant, enabled: frozenset[str]) -> Access:
    """What ``user`` may do in ``tenant`` (in scope) with the modules ``enabled``. One query.

    A platform admin may administer every partnership, but confidential case records (LADO, CDOP, case
    reviews) stay with whoever holds a role that reads them: a platform admin reads them only through a
    membership of their own, like anyone else."""
    from core.plugins.services import registry

    allowed = registry().permissions(enabled)
    rows = db.session.execute(
        select(Membership, RolePermission.permission)
        .outerjoin(membership_roles, membership_roles.c.membership_id == Membership.id)
        .outerjoin(Role, Role.id == membership_roles.c.role_id)
        .outerjoin(RolePermission, RolePermission.role_id == Role.id)
        .where(Membership.user_id == user.id, Membership.status == "active")
    ).all()
    membership = rows[0][0] if rows else None
    held = {permission for _m, permission in rows if permission in allowed}
    if user.is_platform_admin:
        everyday = {name for name, p in allowed.items() if not p.confidential}
        return Access(membership=membership, permissions=frozenset(everyday | held), platform_admin=True)
    if membership is None:
        return Access()
    return Access(membership=membership, permissions=frozenset(held))


def current_access() -> Access:
    return g.get("access") or Access()


def can(permission: str) -> bool:
    return current_access().can(permission)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _bearer_user() -> User | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or "tenant" not in g:
        return None
    digest = hash_token(token.strip())
    # Scoped to the tenant of the URL: another tenant's token finds nothing here.
    api_token = db.session.scalars(
        select(ApiToken).where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None))
    ).first()
    if api_token is None:
        with unscoped():
            elsewhere = db.session.scalar(select(ApiToken.id).where(
                ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None), ApiToken.tenant_id != g.tenant.id
            ))
        if elsewhere is not None:
            abort(404)  # a good token for another partnership: this one does not exist for its holder
        return None
    if not api_token.user.active:
        return None
    now = utcnow()
    if api_token.last_used_at is None or now - api_token.last_used_at > timedelta(minutes=1):
        api_token.last_used_at = now
        db.session.commit()
    return api_token.user


def _is_api_request() -> bool:
    return request.path.startswith("/api/")


def enforce_access() -> None:
    """Runs before every request, after the tenant of the URL is resolved."""
    if request.endpoint is None or request.endpoint == "static":
        return
    from core.plugins.services import enabled_modules, module_of_request

    view = current_app.view_functions[request.endpoint]
    rule = access_rule(view, request.method)
    tenant = g.get("tenant")
    if tenant is not None:
        enabled = frozenset(enabled_modules(tenant))
        g.enabled_modules = enabled
        module = module_of_request()
        if module is not None and module not in enabled:
            abort(404)

    api = _is_api_request()
    if api:
        principal = _bearer_user()
    else:
        principal = current_user._get_current_object() if current_user.is_authenticated else None
    g.principal = principal

    if rule is None:
        abort(404)
    if rule == PUBLIC:
        return
    if principal is None:
        if api:
            abort(401)
        abort(redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path)))
    if rule == SIGNED_IN:
        return
    if rule == PLATFORM_ADMIN:
        if not principal.is_platform_admin:
            abort(404)
        return
    if tenant is None:
        abort(404)
    access = load_access(principal, tenant, g.enabled_modules)
    g.access = access
    if not access.is_member:
        abort(404)
    if rule != MEMBER and not access.can(rule):
        abort(403)
