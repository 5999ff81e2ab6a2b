"""Pages outside any partnership: the start page and a health check."""

from __future__ import annotations

from flask import Blueprint, g, render_template
from sqlalchemy import select, text

from core.auth.access import public
from core.auth.models import Membership
from core.db import db
from core.tenancy.isolation import unscoped
from core.tenancy.models import LocalAuthority, Tenant

bp = Blueprint("public", __name__)


@bp.route("/")
@public
def start():
    tenants = db.session.scalars(select(Tenant).order_by(Tenant.name)).all()
    principal = g.get("principal")
    # The start page names every partnership's local authorities and the partnerships the user is in:
    # both cross tenants by nature.
    with unscoped():
        authorities: dict[int, list[str]] = {}
        for tenant_id, name in db.session.execute(
            select(LocalAuthority.tenant_id, LocalAuthority.name).order_by(LocalAuthority.name)
        ):
            authorities.setdefault(tenant_id, []).append(name)
        mine: set[int] = set()
        if principal is not None:
            mine = set(db.session.scalars(
                select(Membership.tenant_id).where(Membership.user_id == principal.id, Membership.status == "active")
            ))
    return render_template("public/start.html", tenants=tenants, authorities=authorities, mine=mine)


@bp.route("/health")
@public
def health():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
