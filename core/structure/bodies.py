"""The rules of a partnership's structure: its bodies and reporting lines, who chairs them, their seats, and
the role holders of the partnership. Plain functions on the tenant in scope; no Flask here, so that the
tests, the pages, the API and the command line share one set of rules.

Everything that changes something records it in the audit log in the caller's transaction; the caller
commits (or rolls back on a ``StructureError``).
"""

from __future__ import annotations

import re
import unicodedata
from calendar import monthrange
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core import calendar
from core.audit.services import record
from core.auth.models import Membership
from core.db import db
from core.refusals import Refused
from core.structure.models import (
    BODY_KINDS,
    BODY_STATUSES,
    CADENCES,
    CHAIR_KINDS,
    MEMBER_STATUSES,
    ROLE_KINDS,
    Attendance,
    Body,
    BodyMember,
    ChairRule,
    RoleHolder,
)
from core.tenancy.models import Agency, LocalAuthority, SafeguardingPartner

CHAIR_POSITIONS = {"chair": "Chair", "vice_chair": "Vice chair"}
NON_VOTING_KINDS = {"lead_member"}  # lead members sit as participant observers: the arrangements say so


class StructureError(Refused):
    """A change the rules refuse to a body, its chairing, its seats or the partnership's roles."""


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def period_in_words(starts_on: date | None, ends_on: date | None) -> str:
    """A role's or a seat's dates as a sentence reads them, whichever of the two are known."""
    if starts_on and ends_on:
        return f"{long_date(starts_on)} to {long_date(ends_on)}"
    if starts_on:
        return f"From {long_date(starts_on)}"
    if ends_on:
        return f"Until {long_date(ends_on)}"
    return "No dates recorded"


def times_a_year(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times") + " a year"


def meets_in_words(body: Body) -> str:
    """How often the body meets, with the fewest meetings the arrangements promise, if they do."""
    words = body.cadence_label
    if body.min_meetings_a_year:
        words += f", never fewer than {times_a_year(body.min_meetings_a_year)}"
    return words


# -- chairing --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChairTurn:
    """Who chairs under a rule on a given day. For a rotation: the agency whose turn it is (``agency_key``),
    the first and last day of the turn, and its number (1 for the first turn ever). For a named role or an
    independent person: the title."""

    kind: str
    title: str = ""
    agency_key: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    number: int | None = None


def add_months(day: date, months: int) -> date:
    """The same day of the month ``months`` later, or the month's last day when it is shorter (a turn
    starting on 31 January starts the next on 28 or 29 February)."""
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    month += 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def _turn_start(rule: ChairRule, number: int) -> date:
    # Always counted from the first turn, never from the previous one, so short months do not drift.
    return add_months(rule.rotation_starts_on, number * rule.rotation_months)


def _rotation_ready(rule: ChairRule) -> bool:
    return bool(rule.rotation_starts_on and rule.rotation_agencies and (rule.rotation_months or 0) >= 1)


def _turn(rule: ChairRule, index: int) -> ChairTurn:
    agencies = list(rule.rotation_agencies)
    return ChairTurn(
        kind="rotation", agency_key=agencies[index % len(agencies)], starts_on=_turn_start(rule, index),
        ends_on=_turn_start(rule, index + 1) - timedelta(days=1), number=index + 1,
    )


def chair_on(rule: ChairRule | None, day: date) -> ChairTurn | None:
    """Who chairs under ``rule`` on ``day``. A rotation gives turns of ``rotation_months`` from
    ``rotation_starts_on`` to ``rotation_agencies`` in order, starting again from the first once all have had
    a turn; before the first turn nobody does (None)."""
    if rule is None:
        return None
    if rule.kind != "rotation":
        return ChairTurn(kind=rule.kind, title=rule.role_title)
    if not _rotation_ready(rule) or day < rule.rotation_starts_on:
        return None
    start, months = rule.rotation_starts_on, rule.rotation_months
    index = ((day.year - start.year) * 12 + day.month - start.month) // months
    # The month count is a guess when the day of the month is earlier than the start's: settle it exactly.
    while index > 0 and _turn_start(rule, index) > day:
        index -= 1
    while _turn_start(rule, index + 1) <= day:
        index += 1
    return _turn(rule, index)


def rotation_turns(rule: ChairRule, day: date, count: int | None = None) -> list[ChairTurn]:
    """The turn under way on ``day`` (or the first, before the rotation starts) and those after it: one
    round of every agency by default."""
    if rule.kind != "rotation" or not _rotation_ready(rule):
        return []
    count = count if count is not None else len(rule.rotation_agencies)
    current = chair_on(rule, day)
    first = current.number - 1 if current else 0
    return [_turn(rule, index) for index in range(first, first + count)]


def load_partners() -> dict[str, SafeguardingPartner]:
    """The tenant's safeguarding partners by agency key (two queries)."""
    partners = db.session.scalars(
        select(SafeguardingPartner).options(selectinload(SafeguardingPartner.agency)).order_by(SafeguardingPartner.id)
    ).all()
    return {p.agency.key: p for p in partners}


def _agency_name(key: str, partners: Mapping[str, SafeguardingPartner]) -> str:
    partner = partners.get(key)
    return partner.agency.name if partner is not None else key


def describe_turn(turn: ChairTurn, partners: Mapping[str, SafeguardingPartner]) -> str:
    """A turn in words: the delegated safeguarding partner of the agency whose turn it is, by role title."""
    if turn.kind == "independent":
        return f"{turn.title} (independent)"
    if turn.kind != "rotation":
        return turn.title
    partner = partners.get(turn.agency_key)
    name = _agency_name(turn.agency_key, partners)
    roles = [r for r in (partner.delegated_roles if partner is not None else []) if r]
    who = f"{' or '.join(roles)}, {name}" if roles else f"The delegated safeguarding partner of {name}"
    return f"{who} (delegated safeguarding partner, in turn)"


def describe_rule(rule: ChairRule, partners: Mapping[str, SafeguardingPartner]) -> str:
    """The rule itself in words, as the arrangements would put it."""
    if rule.kind == "role":
        return f"Chaired by the {rule.role_title}" if rule.position == "chair" else f"The {rule.role_title}"
    if rule.kind == "independent":
        return f"An independent person: {rule.role_title}"
    order = ", then ".join(_agency_name(k, partners) for k in rule.rotation_agencies)
    months = rule.rotation_months
    period = "a year" if months == 12 else f"{months} month{'s' if months != 1 else ''}"
    start = f" from {long_date(rule.rotation_starts_on)}" if rule.rotation_starts_on else ""
    return f"Rotates among the delegated safeguarding partners, {period} each{start}: {order}"


def who_chairs(rule: ChairRule | None, day: date, partners: Mapping[str, SafeguardingPartner]) -> str:
    """Who holds the position on ``day``, in words (for a rotation, with the dates of the turn)."""
    if rule is None:
        return "Not set"
    turn = chair_on(rule, day)
    if turn is None:
        if _rotation_ready(rule):
            first = _agency_name(rule.rotation_agencies[0], partners)
            return f"Nobody yet: the rotation starts on {long_date(rule.rotation_starts_on)} with {first}"
        return "Nobody: the rotation is not complete"
    words = describe_turn(turn, partners)
    if turn.kind == "rotation":
        words += f", {long_date(turn.starts_on)} to {long_date(turn.ends_on)}"
    return words


def rule_of(body: Body, position: str) -> ChairRule | None:
    return next((r for r in body.chair_rules if r.position == position), None)


def current_chairs(body: Body, day: date, partners: Mapping[str, SafeguardingPartner]) -> dict[str, str]:
    """``{"chair": words, "vice_chair": words}`` for ``body`` on ``day``."""
    return {position: who_chairs(rule_of(body, position), day, partners) for position in CHAIR_POSITIONS}


def set_chair_rule(body: Body, position: str, *, kind: str, role_title: str = "",
                   rotation_agencies: Iterable[str] = (), rotation_months: int | None = 12,
                   rotation_starts_on: date | None = None, actor=None) -> ChairRule:
    """Make the rule for ``position`` (chair or vice_chair) of ``body`` what is given, replacing any."""
    if position not in CHAIR_POSITIONS:
        raise StructureError("Choose chair or vice chair", "position")
    if kind not in CHAIR_KINDS:
        raise StructureError("Choose how the chair is decided", "kind")
    role_title = (role_title or "").strip()
    agencies = [a for a in rotation_agencies if a]
    if kind == "rotation":
        if len(agencies) < 2:
            raise StructureError("Choose at least two safeguarding partners to take turns", "rotation_agencies")
        if len(set(agencies)) != len(agencies):
            raise StructureError("Choose each safeguarding partner once in the turn order", "rotation_agencies")
        partner_keys = set(db.session.scalars(
            select(Agency.key).join(SafeguardingPartner, SafeguardingPartner.agency_id == Agency.id)))
        for key in agencies:
            if key not in partner_keys:
                raise StructureError(
                    f"'{key}' is not a safeguarding partner: a rotation runs among the delegated partners",
                    "rotation_agencies")
        if rotation_months is None or not 1 <= rotation_months <= 60:
            raise StructureError("Enter the length of each turn, from 1 to 60 months", "rotation_months")
        if rotation_starts_on is None:
            raise StructureError("Enter the date the first turn starts", "rotation_starts_on")
        role_title = ""
    else:
        if not role_title:
            what = "the independent person's title" if kind == "independent" else "the title of the role that chairs"
            raise StructureError(f"Enter {what}", "role_title")
        if len(role_title) > 200:
            raise StructureError("Enter a title of 200 characters or fewer", "role_title")
        agencies, rotation_months, rotation_starts_on = [], 12, None
    rule = rule_of(body, position)
    action = "structure.chair_rule.changed" if rule is not None else "structure.chair_rule.created"
    if rule is None:
        rule = ChairRule(position=position)
        body.chair_rules.append(rule)
    rule.kind, rule.role_title = kind, role_title
    rule.rotation_agencies, rule.rotation_months, rule.rotation_starts_on = agencies, rotation_months, rotation_starts_on
    db.session.flush()
    record(action, rule, actor=actor, summary=f"{CHAIR_POSITIONS[position]} of {body.name}: {kind}",
           details={"body": body.key, "position": position, "kind": kind, "role_title": role_title,
                    "rotation_agencies": agencies, "rotation_months": rotation_months,
                    "rotation_starts_on": rotation_starts_on.isoformat() if rotation_starts_on else None})
    return rule


def remove_chair_rule(rule: ChairRule, actor=None) -> None:
    body = rule.body
    record("structure.chair_rule.removed", rule, actor=actor,
           summary=f"{CHAIR_POSITIONS.get(rule.position, rule.position)} rule of {body.name} removed",
           details={"body": body.key, "position": rule.position, "kind": rule.kind})
    body.chair_rules.remove(rule)
    db.session.flush()


# -- bodies ----------------------------------------------------------------------------------------------

BODY_FIELDS = ("name", "kind", "purpose", "terms_of_reference", "accountable_to_id", "local_authority_id",
               "cadence", "min_meetings_a_year", "public_meetings", "status", "dissolved_on")


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:50].strip("-") or "item"


def _new_key(model, text: str) -> str:
    """A key for a new row, from its name, unique in the tenant (keys are what tenant files and the API use)."""
    base = _slug(text)
    taken = set(db.session.scalars(select(model.key).where(model.key.like(f"{base}%"))))
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}-{n}"
    return key


def _reporting_lines() -> dict[int, int | None]:
    return dict(db.session.execute(select(Body.id, Body.accountable_to_id)).all())


def _check_body(body: Body | None, v: dict) -> tuple[Body | None, LocalAuthority | None]:
    """Check the merged values of a body; give back the body it is accountable to and its local authority."""
    name = (v["name"] or "").strip()
    if not name:
        raise StructureError("Enter the name of the body", "name")
    if len(name) > 200:
        raise StructureError("Enter a name of 200 characters or fewer", "name")
    if v["kind"] not in BODY_KINDS:
        raise StructureError("Choose what kind of body it is", "kind")
    if v["status"] not in BODY_STATUSES:
        raise StructureError("Choose the body's status", "status")
    if v["cadence"] not in CADENCES:
        raise StructureError("Choose how often the body meets", "cadence")
    floor = v["min_meetings_a_year"]
    if floor is not None and not 1 <= floor <= 52:
        raise StructureError("Enter the fewest meetings a year promised, from 1 to 52", "min_meetings_a_year")
    if v["status"] == "dissolved" and v["dissolved_on"] is None:
        raise StructureError("Enter the date the body was dissolved", "dissolved_on")
    if v["status"] != "dissolved" and v["dissolved_on"] is not None:
        raise StructureError("Only a dissolved body has a date it was dissolved: leave the date empty",
                             "dissolved_on")

    parent = None
    if v["accountable_to_id"] is not None:
        parent = db.session.get(Body, v["accountable_to_id"])  # in scope: another tenant's body is None
        if parent is None:
            raise StructureError("Choose a body of this partnership", "accountable_to_id")
        if body is not None and parent.id == body.id:
            raise StructureError("A body cannot be accountable to itself", "accountable_to_id")
        if body is not None and body.id is not None:
            lines, current, seen = _reporting_lines(), parent.id, set()
            while current is not None and current not in seen:
                if current == body.id:
                    raise StructureError(
                        f"{parent.name} already reports to {body.name}, directly or through other groups: "
                        "reporting lines cannot go round in a circle", "accountable_to_id")
                seen.add(current)
                current = lines.get(current)
        moved = body is None or body.accountable_to_id != parent.id
        if moved and parent.status == "dissolved" and v["status"] != "dissolved":
            raise StructureError(f"{parent.name} is dissolved: choose a body that still meets", "accountable_to_id")

    authority = None
    if v["local_authority_id"] is not None:
        authority = db.session.get(LocalAuthority, v["local_authority_id"])
        if authority is None:
            raise StructureError("Choose a local authority of this partnership", "local_authority_id")
    if v["kind"] == "local_group":
        if authority is None:
            raise StructureError("Choose the local authority the local group is for", "local_authority_id")
        placed = body is None or (body.kind, body.local_authority_id, body.status) != (
            v["kind"], authority.id, v["status"])
        if placed and v["status"] != "dissolved":
            clash = db.session.scalar(select(Body.name).where(
                Body.kind == "local_group", Body.local_authority_id == authority.id, Body.status != "dissolved",
                Body.id != (body.id if body is not None and body.id is not None else -1)))
            if clash is not None:
                raise StructureError(f"{authority.name} already has a local group ({clash}): one per local authority",
                                     "local_authority_id")

    if body is not None and body.id is not None and v["status"] == "dissolved" and body.status != "dissolved":
        active = db.session.scalars(select(Body.name).where(
            Body.accountable_to_id == body.id, Body.status != "dissolved").order_by(Body.position, Body.name)).all()
        if active:
            raise StructureError(f"{', '.join(active)} still report{'s' if len(active) == 1 else ''} to "
                                 f"{body.name}: dissolve them or move them under another body first", "status")
    return parent, authority


def _defaults() -> dict:
    return {"name": "", "kind": "", "purpose": "", "terms_of_reference": "", "accountable_to_id": None,
            "local_authority_id": None, "cadence": "quarterly", "min_meetings_a_year": None,
            "public_meetings": False, "status": "active", "dissolved_on": None}


def _clean(values: Mapping) -> dict:
    unknown = set(values) - set(BODY_FIELDS)
    if unknown:
        raise StructureError(f"Unknown field: {', '.join(sorted(unknown))}")
    out = dict(values)
    for name in ("purpose", "terms_of_reference"):
        if name in out:
            out[name] = (out[name] or "").strip()
    if "name" in out:
        out["name"] = (out["name"] or "").strip()
    return out


def _audit_value(value):
    return value.isoformat() if isinstance(value, date) else value


def create_body(values: Mapping, *, actor=None) -> Body:
    """Add a body to the tenant in scope. ``values`` holds the ``BODY_FIELDS`` (ids for references)."""
    v = {**_defaults(), **_clean(values)}
    parent, authority = _check_body(None, v)
    position = (db.session.scalar(select(func.max(Body.position))) or 0) + 1
    body = Body(key=_new_key(Body, v["name"]), position=position)
    for name in BODY_FIELDS:
        setattr(body, name, v[name])
    body.accountable_to, body.local_authority = parent, authority
    db.session.add(body)
    db.session.flush()
    record("structure.body.created", body, actor=actor, summary=f"Body {body.name} added",
           details={name: _audit_value(v[name]) for name in BODY_FIELDS})
    return body


def update_body(body: Body, values: Mapping, *, actor=None) -> Body:
    """Change a body; fields missing from ``values`` keep their value."""
    v = {**{name: getattr(body, name) for name in BODY_FIELDS}, **_clean(values)}
    parent, authority = _check_body(body, v)
    changes = {name: [_audit_value(getattr(body, name)), _audit_value(v[name])]
               for name in BODY_FIELDS if getattr(body, name) != v[name]}
    for name in BODY_FIELDS:
        setattr(body, name, v[name])
    body.accountable_to, body.local_authority = parent, authority
    db.session.flush()
    if changes:
        record("structure.body.changed", body, actor=actor, summary=f"Body {body.name} changed", details=changes)
    return body


# -- seats -----------------------------------------------------------------------------------------------


def _check_period(starts_on: date | None, ends_on: date | None, field: str = "ends_on") -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise StructureError("The end date must be the same as or after the start date", field)


def seat_is_current(seat: BodyMember, day: date) -> bool:
    return (seat.starts_on is None or seat.starts_on <= day) and (seat.ends_on is None or seat.ends_on >= day)


def add_seat(body: Body, *, role_holder_id: int | None = None, agency_id: int | None = None,
             role_title: str = "", status: str = "voting", starts_on: date | None = None,
             ends_on: date | None = None, actor=None) -> BodyMember:
    """Give ``body`` a seat: a role holder of the partnership, or a role title (from an agency, if given)."""
    role_title = (role_title or "").strip()
    if body.status == "dissolved":
        raise StructureError(f"{body.name} is dissolved: it has no seats to fill")
    if (role_holder_id is None) == (not role_title):
        raise StructureError("Choose a role holder, or enter a role title (not both)", "role_holder_id")
    if len(role_title) > 200:
        raise StructureError("Enter a role title of 200 characters or fewer", "role_title")
    if status not in MEMBER_STATUSES:
        raise StructureError("Choose voting member, participant observer or adviser", "status")
    _check_period(starts_on, ends_on)
    holder = agency = None
    if role_holder_id is not None:
        holder = db.session.get(RoleHolder, role_holder_id)
        if holder is None:
            raise StructureError("Choose a role holder of this partnership", "role_holder_id")
        if holder.ends_on is not None and holder.ends_on < (starts_on or calendar.london_today()):
            raise StructureError(f"The role of {holder.title} ended on {long_date(holder.ends_on)}", "role_holder_id")
        if status == "voting" and not holder.voting:
            raise StructureError(f"The {holder.title} does not vote: give the seat observer or adviser status",
                                 "status")
        if agency_id is not None:
            raise StructureError("A role holder's agency comes with the role: leave the agency empty", "agency_id")
    if agency_id is not None:
        agency = db.session.get(Agency, agency_id)
        if agency is None:
            raise StructureError("Choose an agency of this partnership", "agency_id")
    for seat in body.members:
        if seat.ends_on is not None and seat.ends_on < calendar.london_today():
            continue
        same = (holder is not None and seat.role_holder_id == holder.id) or (
            holder is None and seat.role_holder_id is None and seat.role_title.lower() == role_title.lower()
            and seat.agency_id == (agency.id if agency else None))
        if same:
            raise StructureError(f"{seat.label} already has a seat on {body.name}", "role_holder_id"
                                 if holder is not None else "role_title")
    seat = BodyMember(role_holder=holder, agency=agency, role_title="" if holder else role_title, status=status,
                      starts_on=starts_on, ends_on=ends_on)
    body.members.append(seat)
    db.session.flush()
    record("structure.seat.added", seat, actor=actor, summary=f"{seat.label} joins {body.name}",
           details={"body": body.key, "role_holder": holder.key if holder else None,
                    "agency": agency.key if agency else None, "role_title": seat.role_title, "status": status,
                    "starts_on": _audit_value(starts_on), "ends_on": _audit_value(ends_on)})
    return seat


def seat_has_attendance(seat: BodyMember) -> bool:
    return db.session.scalar(select(func.count()).select_from(Attendance).where(Attendance.member_id == seat.id)) > 0


def end_seat(seat: BodyMember, ends_on: date, *, actor=None) -> bool:
    """End a seat on ``ends_on``. A seat with attendance records keeps them and gets the end date (True);
    a seat nobody ever attended in is removed (False), leaving only the audit event."""
    if ends_on is None:
        raise StructureError("Enter the last day of the seat", "ends_on")
    _check_period(seat.starts_on, ends_on)
    body, label = seat.body, seat.label
    details = {"body": body.key, "seat": label, "ends_on": ends_on.isoformat()}
    if seat_has_attendance(seat):
        seat.ends_on = ends_on
        db.session.flush()
        record("structure.seat.ended", seat, actor=actor, summary=f"{label} leaves {body.name}", details=details)
        return True
    record("structure.seat.removed", seat, actor=actor, summary=f"{label} removed from {body.name}", details=details)
    body.members.remove(seat)
    db.session.flush()
    return False


# -- role holders ----------------------------------------------------------------------------------------

ROLE_FIELDS = ("kind", "title", "agency_id", "voting", "description", "membership_id", "starts_on", "ends_on")


def _check_role_holder(v: dict) -> tuple[Agency | None, Membership | None]:
    if v["kind"] not in ROLE_KINDS:
        raise StructureError("Choose the kind of role", "kind")
    title = v["title"]
    if not title:
        raise StructureError("Enter the title of the role", "title")
    if len(title) > 200:
        raise StructureError("Enter a title of 200 characters or fewer", "title")
    if v["kind"] in NON_VOTING_KINDS and v["voting"]:
        raise StructureError("Lead members are participant observers and do not vote: choose 'No'", "voting")
    _check_period(v["starts_on"], v["ends_on"])
    agency = membership = None
    if v["agency_id"] is not None:
        agency = db.session.get(Agency, v["agency_id"])
        if agency is None:
            raise StructureError("Choose an agency of this partnership", "agency_id")
    if v["membership_id"] is not None:
        membership = db.session.get(Membership, v["membership_id"])
        if membership is None:
            raise StructureError("Choose a member of this partnership", "membership_id")
    return agency, membership


def _clean_role(values: Mapping) -> dict:
    unknown = set(values) - set(ROLE_FIELDS)
    if unknown:
        raise StructureError(f"Unknown field: {', '.join(sorted(unknown))}")
    out = dict(values)
    for name in ("title", "description"):
        if name in out:
            out[name] = (out[name] or "").strip()
    return out


def create_role_holder(values: Mapping, *, actor=None) -> RoleHolder:
    """Add a role of the partnership (``ROLE_FIELDS``), optionally held by a platform member of the tenant."""
    v = {"kind": "", "title": "", "agency_id": None, "voting": True, "description": "", "membership_id": None,
         "starts_on": None, "ends_on": None, **_clean_role(values)}
    _check_role_holder(v)
    holder = RoleHolder(key=_new_key(RoleHolder, v["title"]))
    for name in ROLE_FIELDS:
        setattr(holder, name, v[name])
    db.session.add(holder)
    db.session.flush()
    record("structure.role_holder.created", holder, actor=actor, summary=f"Role {holder.title} added",
           details={name: _audit_value(v[name]) for name in ROLE_FIELDS})
    return holder


def update_role_holder(holder: RoleHolder, values: Mapping, *, actor=None) -> RoleHolder:
    v = {**{name: getattr(holder, name) for name in ROLE_FIELDS}, **_clean_role(values)}
    _check_role_holder(v)
    if not v["voting"]:
        voting_seats = db.session.scalars(select(BodyMember).options(selectinload(BodyMember.body)).where(
            BodyMember.role_holder_id == holder.id, BodyMember.status == "voting")).all()
        current = [s for s in voting_seats if s.ends_on is None or s.ends_on >= calendar.london_today()]
        if current:
            raise StructureError(f"The role has a voting seat on {current[0].body.name}: change that seat first",
                                 "voting")
    changes = {name: [_audit_value(getattr(holder, name)), _audit_value(v[name])]
               for name in ROLE_FIELDS if getattr(holder, name) != v[name]}
    for name in ROLE_FIELDS:
        setattr(holder, name, v[name])
    db.session.flush()
    if changes:
        record("structure.role_holder.changed", holder, actor=actor, summary=f"Role {holder.title} changed",
               details=changes)
    return holder


def end_role_holder(holder: RoleHolder, ends_on: date, *, actor=None) -> RoleHolder:
    """End a role on ``ends_on``, and with it every seat it holds that runs past that day."""
    if ends_on is None:
        raise StructureError("Enter the last day of the role", "ends_on")
    _check_period(holder.starts_on, ends_on)
    seats = db.session.scalars(select(BodyMember).options(selectinload(BodyMember.body))
                               .where(BodyMember.role_holder_id == holder.id)).all()
    for seat in seats:
        if seat.starts_on is not None and seat.starts_on > ends_on:
            raise StructureError(f"The role has a seat on {seat.body.name} from {long_date(seat.starts_on)}: "
                                 "end the role on or after that day, or end the seat first", "ends_on")
    for seat in seats:
        if seat.ends_on is None or seat.ends_on > ends_on:
            seat.ends_on = ends_on
    holder.ends_on = ends_on
    db.session.flush()
    record("structure.role_holder.ended", holder, actor=actor, summary=f"Role {holder.title} ends",
           details={"ends_on": ends_on.isoformat(), "seats_ended": len(seats)})
    return holder


def role_is_current(holder: RoleHolder, day: date) -> bool:
    return (holder.starts_on is None or holder.starts_on <= day) and (holder.ends_on is None or holder.ends_on >= day)


# -- loading, a fixed number of queries whatever the size ---------------------------------------------------


def load_bodies() -> list[Body]:
    """Every body of the tenant with its chair rules and local authority, in the partnership's order."""
    return list(db.session.scalars(select(Body).options(
        selectinload(Body.chair_rules), selectinload(Body.local_authority),
    ).order_by(Body.position, Body.name, Body.id)))


def load_bodies_with_members() -> list[Body]:
    return list(db.session.scalars(select(Body).options(
        selectinload(Body.chair_rules), selectinload(Body.local_authority),
        selectinload(Body.members).selectinload(BodyMember.role_holder).selectinload(RoleHolder.agency),
        selectinload(Body.members).selectinload(BodyMember.agency),
    ).order_by(Body.position, Body.name, Body.id)))


def load_body(body_id: int) -> Body | None:
    """One body with everything its page shows."""
    return db.session.scalars(select(Body).where(Body.id == body_id).options(
        selectinload(Body.chair_rules), selectinload(Body.local_authority), selectinload(Body.accountable_to),
        selectinload(Body.reports),
        selectinload(Body.members).selectinload(BodyMember.role_holder).selectinload(RoleHolder.agency),
        selectinload(Body.members).selectinload(BodyMember.agency),
    )).first()


def load_role_holders() -> list[RoleHolder]:
    return list(db.session.scalars(select(RoleHolder).options(selectinload(RoleHolder.agency))
                                   .order_by(RoleHolder.title, RoleHolder.id)))


def body_key_map(bodies: Iterable[Body]) -> dict[int, Body]:
    return {b.id: b for b in bodies}
