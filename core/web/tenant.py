"""A partnership's own pages: its dashboard, its make-up, and the front page of its administration."""

from __future__ import annotations

from flask import Blueprint, g, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core import calendar
from core.auth.access import member, requires
from core.db import db
from core.structure.bodies import load_role_holders
from core.tenancy.models import Agency, LocalAuthority, SafeguardingPartner
from core.tenancy.sectors import PARTNER_TYPES, SECTORS
from core.web.navigation import dashboard_panels

tenant_bp = Blueprint("tenant", __name__)
admin_bp = Blueprint("admin", __name__)


@tenant_bp.route("/")
@member  # every member's home: whatever their roles, it shows them the panels those roles may see
def dashboard():
    return render_template("tenant/dashboard.html", panels=dashboard_panels(g.principal))


@tenant_bp.route("/partnership")
@requires("core.partnership.view")
def partnership():
    las = db.session.scalars(select(LocalAuthority).order_by(LocalAuthority.name)).all()
    agencies = db.session.scalars(
        select(Agency).options(selectinload(Agency.local_authorities)).order_by(Agency.sector, Agency.name)
    ).all()
    partners = db.session.scalars(
        select(SafeguardingPartner).options(selectinload(SafeguardingPartner.agency))
        .order_by(SafeguardingPartner.id)
    ).all()
    by_sector: dict[str, list[Agency]] = {}
    for agency in agencies:
        by_sector.setdefault(agency.sector, []).append(agency)
    day = calendar.london_today()
    # Only the roles held now: former holders are on the structure's own page.
    role_holders = [h for h in load_role_holders() if h.ends_on is None or h.ends_on >= day]
    return render_template(
        "tenant/partnership.html", local_authorities=las, partners=partners, by_sector=by_sector,
        sectors=SECTORS, partner_types=PARTNER_TYPES, role_holders=role_holders,
    )


ADMIN_AREAS = [
    ("Members", "members.index", "core.members.view", "Who can sign in to this partnership, with which roles."),
    ("Roles", "roles.index", "core.roles.manage", "What each role may do."),
    ("Modules", "modules.index", "core.modules.manage", "Switch modules on and off and change their settings."),
    ("Audit log", "audit.index", "core.audit.view", "Who did what, and when."),
    ("Outgoing email", "outbox.index", "core.outbox.view", "Email sent, waiting, and failed deliveries."),
    ("API tokens", "tokens.index", "core.tokens.manage", "Tokens that let other systems use the API."),
]


@admin_bp.route("/")
@member
def index():
    areas = [a for a in ADMIN_AREAS if g.access.can(a[2])]
    if not areas:
        from flask import abort

        abort(403)
    return render_template("admin/index.html", areas=areas)
