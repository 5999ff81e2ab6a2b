"""Core's own dashboard panels. Each costs a fixed number of queries whatever the size of the data."""

from __future__ import annotations

from sqlalchemy import func, select

from core.auth.models import Membership
from core.db import db
from core.mail.models import FAILED, OutboxEmail
from core.plugins.types import DashboardPanel
from core.tenancy.models import Agency, LocalAuthority
from core.tenancy.sectors import SECTORS


def partnership_panel(tenant) -> DashboardPanel:
    def context():
        las = db.session.scalars(select(LocalAuthority.name).order_by(LocalAuthority.name)).all()
        sectors = db.session.execute(
            select(Agency.sector, func.count()).group_by(Agency.sector).order_by(func.count().desc())
        ).all()
        return {
            "local_authorities": las,
            "agency_count": sum(n for _s, n in sectors),
            "sectors": [(SECTORS.get(s, s), n) for s, n in sectors],
        }

    return DashboardPanel("The partnership", "panels/partnership.html", "core.partnership.view", context, order=0)


def administration_panel(tenant) -> DashboardPanel:
    def context():
        counts = dict(db.session.execute(
            select(Membership.status, func.count()).group_by(Membership.status)
        ).all())
        failed = db.session.scalar(select(func.count()).select_from(OutboxEmail).where(OutboxEmail.status == FAILED))
        return {"active": counts.get("active", 0), "invited": counts.get("invited", 0), "failed_email": failed}

    return DashboardPanel("Administration", "panels/administration.html", "core.members.view", context, order=900)
