"""The partnership's published arrangements: a public page, no sign-in.

Rendered from the data, so that what a partnership publishes is what it runs by. Public by design: it shows
what the arrangements document itself would (partners by role, structure, priorities, scrutiny, schools and
homes, thresholds, dates) and nothing of its members, meetings or money.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, g, render_template
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from core import calendar
from core.auth.access import public
from core.calendar import FinancialYear
from core.db import db
from core.structure import plan
from core.structure.arrangements import read_settings, review_overdue
from core.structure.bodies import describe_rule, meets_in_words, who_chairs
from core.structure.diagram import structure_svg, structure_tree
from core.structure.models import BODY_STATUSES, SETTING_KINDS, Body, ChairRule, RoleHolder, SettingCount
from core.tenancy.models import LocalAuthority, SafeguardingPartner

bp = Blueprint("published", __name__)

INDEPENDENT_ROLES = ("independent_scrutineer", "independent_chair", "independent_commissioner")


def chair_in_words(rule: ChairRule, partners, day: date) -> str:
    """Who chairs (or deputises), as the arrangements would say it, and who it is today."""
    role = "Vice-chair" if rule.position == "vice_chair" else "Chair"
    if rule.kind == "role":
        return f"{role}: the {rule.role_title}"
    if rule.kind == "independent":
        return f"{role}: an independent person, the {rule.role_title}"
    return f"{role}: {describe_rule(rule, partners)}. Today: {who_chairs(rule, day, partners)}"


@bp.route("/")
@public
def index():
    today = calendar.london_today()
    local_authorities = db.session.scalars(select(LocalAuthority).order_by(LocalAuthority.name)).all()
    partners = db.session.scalars(
        select(SafeguardingPartner).options(selectinload(SafeguardingPartner.agency)).order_by(SafeguardingPartner.id)
    ).all()
    by_agency = {p.agency.key: p for p in partners}
    bodies = db.session.scalars(
        select(Body).where(Body.status != "dissolved")
        .options(selectinload(Body.chair_rules), selectinload(Body.local_authority), selectinload(Body.accountable_to))
        .order_by(Body.position, Body.name)
    ).all()
    chairs = {b.id: [chair_in_words(r, by_agency, today) for r in b.chair_rules] for b in bodies}
    priorities, threads = plan.split_kinds(plan.current_priorities(today))
    independent = db.session.scalars(
        select(RoleHolder).where(RoleHolder.kind.in_(INDEPENDENT_ROLES),
                                 or_(RoleHolder.ends_on.is_(None), RoleHolder.ends_on >= today))
        .order_by(RoleHolder.title)
    ).all()
    counts: dict[int, list[SettingCount]] = {}
    kind_order = list(SETTING_KINDS)
    for count in sorted(
        db.session.scalars(select(SettingCount)).all(),
        key=lambda c: kind_order.index(c.kind) if c.kind in kind_order else len(kind_order),
    ):
        counts.setdefault(count.local_authority_id, []).append(count)
    settings = read_settings()
    return render_template(
        "published/index.html", local_authorities=local_authorities, partners=partners, structure=structure_tree(bodies),
        picture=structure_svg(bodies, id_prefix="published"),
        chairs=chairs, statuses=BODY_STATUSES, priorities=priorities, threads=threads, independent=independent,
        settings=settings, review_overdue=review_overdue(settings.review_due_on, today), counts=counts,
        setting_kinds=SETTING_KINDS, published_on=g.tenant.arrangements_published,
        year_label=FinancialYear.containing(today).label, period_label=plan.period_label, meets_in_words=meets_in_words,
    )
