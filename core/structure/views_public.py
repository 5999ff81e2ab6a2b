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

from core.auth.access import public
from core.db import db
from core.reports.services import FinancialYear
from core.structure import plan
from core.structure.arrangements import read_settings
from core.structure.models import BODY_STATUSES, SETTING_KINDS, Body, ChairRule, RoleHolder, SettingCount
from core.tenancy.models import Agency, LocalAuthority, SafeguardingPartner

bp = Blueprint("published", __name__)

INDEPENDENT_ROLES = ("independent_scrutineer", "independent_chair", "independent_commissioner")


def _agency_list(keys: list[str], names: dict[str, str]) -> str:
    labels = [names.get(k, k) for k in keys]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def _months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)


def chair_in_words(rule: ChairRule, names: dict[str, str], today: date) -> str:
    """Who chairs (or deputises), as the arrangements would say it."""
    role = "Vice-chair" if rule.position == "vice_chair" else "Chair"
    if rule.kind == "independent":
        return f"{role}: an independent person, the {rule.role_title}" if rule.role_title else \
            f"{role}: an independent person"
    if rule.kind != "rotation":
        return f"{role}: the {rule.role_title}" if rule.role_title else f"{role}: a named role"
    agencies = list(rule.rotation_agencies or [])
    if not agencies:
        return f"{role}: rotates among the delegated safeguarding partners"
    months = rule.rotation_months or 12
    period = "a year" if months == 12 else f"{months} months"
    text = (f"{role}: rotates among the delegated safeguarding partners of "
            f"{_agency_list(agencies, names)}, in that order, each for {period}")
    start = rule.rotation_starts_on
    if start is None:
        return text
    if today < start:
        return f"{text}, starting on {start:%-d %B %Y}"
    turn = (_months_between(start, today) // months) % len(agencies)
    return f"{text}, from {start:%-d %B %Y}; now {names.get(agencies[turn], agencies[turn])}"


def _structure(bodies: list[Body]) -> list[dict]:
    """Bodies as nested lists under whom each is accountable to. A body whose line leads nowhere it can be
    shown (a dissolved parent, a circle) starts a list of its own rather than disappearing."""
    children: dict[int | None, list[Body]] = {}
    ids = {b.id for b in bodies}
    for body in bodies:
        parent = body.accountable_to_id if body.accountable_to_id in ids else None
        children.setdefault(parent, []).append(body)
    seen: set[int] = set()

    def node(body: Body) -> dict:
        seen.add(body.id)
        return {"body": body, "children": [node(c) for c in children.get(body.id, []) if c.id not in seen]}

    tree = [node(b) for b in children.get(None, [])]
    for body in bodies:
        if body.id not in seen:
            tree.append(node(body))
    return tree


@bp.route("/")
@public
def index():
    today = plan.london_today()
    local_authorities = db.session.scalars(select(LocalAuthority).order_by(LocalAuthority.name)).all()
    partners = db.session.scalars(
        select(SafeguardingPartner).options(selectinload(SafeguardingPartner.agency)).order_by(SafeguardingPartner.id)
    ).all()
    agency_names = dict(db.session.execute(select(Agency.key, Agency.name)).all())
    bodies = db.session.scalars(
        select(Body).where(Body.status != "dissolved")
        .options(selectinload(Body.chair_rules), selectinload(Body.local_authority), selectinload(Body.accountable_to))
        .order_by(Body.position, Body.name)
    ).all()
    chairs = {b.id: [chair_in_words(r, agency_names, today) for r in b.chair_rules] for b in bodies}
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
    return render_template(
        "published/index.html", local_authorities=local_authorities, partners=partners, structure=_structure(bodies),
        chairs=chairs, statuses=BODY_STATUSES, priorities=priorities, threads=threads, independent=independent,
        settings=read_settings(), counts=counts, setting_kinds=SETTING_KINDS, published_on=g.tenant.arrangements_published,
        year_label=FinancialYear.containing(today).label, period_label=plan.period_label,
    )
