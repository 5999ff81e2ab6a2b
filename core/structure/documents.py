"""The structure sections of a tenant document: arrangements, role holders, bodies (with chairing and
members), priorities and settings counts. Schemas, cross-checks, import and export.

Run-time business (meetings, attendance, actions, the business plan's actions, funding) is data, not
configuration, and stays out of tenant files. Importing never destroys history: a body with meetings or
actions, or a seat with attendance, cannot be removed by a file; end it (``status = "dissolved"``,
``ends_on``) instead.
"""

from __future__ import annotations

import re
from datetime import date

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core.calendar import FIRST_YEAR, LAST_YEAR
from core.db import db
from core.structure.models import (
    BODY_KINDS,
    BODY_STATUSES,
    CADENCES,
    CHAIR_KINDS,
    MEMBER_STATUSES,
    PRIORITY_KINDS,
    ROLE_KINDS,
    SETTING_KINDS,
    Action,
    Arrangements,
    Attendance,
    Body,
    BodyMember,
    ChairRule,
    Meeting,
    PlanAction,
    Priority,
    RoleHolder,
    SettingCount,
)
from core.suppression import DEFAULT_THRESHOLD, HIGHEST_THRESHOLD, LOWEST_THRESHOLD
from core.tenancy.models import Agency, LocalAuthority

KEY = validate.Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", error="use lowercase letters, digits and single hyphens")
MONTH_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


def _choice(options: dict) -> validate.OneOf:
    return validate.OneOf(list(options), error="must be one of: {choices}")


def _month_day(value: str) -> None:
    match = MONTH_DAY.match(value or "")
    if not match:
        raise ValidationError("write the day as MM-DD, e.g. 10-01 for 1 October")
    try:
        date(2024, int(match.group(1)), int(match.group(2)))  # a leap year: 02-29 is a real day
    except ValueError as exc:
        raise ValidationError("no such day in the year") from exc


class _Strict(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


class ArrangementsSection(_Strict):
    review_due_on = fields.Date(load_default=None)
    review_interval_months = fields.Integer(load_default=12, validate=validate.Range(min=1, max=60))
    independent_scrutiny = fields.String(load_default="")
    education_settings = fields.String(load_default="")
    residential_homes = fields.String(load_default="")
    thresholds_document_title = fields.String(load_default="", validate=validate.Length(max=300))
    thresholds_document_url = fields.String(
        load_default="", validate=validate.Regexp(r"^(|https?://\S+)$", error="must be a web address (https://...)")
    )
    attendance_threshold_percent = fields.Integer(load_default=75, validate=validate.Range(min=1, max=100))
    invoice_by = fields.String(load_default="10-01", validate=_month_day)
    annual_report_due = fields.String(load_default="09-30", validate=_month_day)
    reminder_days = fields.List(fields.Integer(validate=validate.Range(min=0, max=365)), load_default=lambda: [28, 7])
    small_numbers_threshold = fields.Integer(load_default=DEFAULT_THRESHOLD,
                                             validate=validate.Range(min=LOWEST_THRESHOLD, max=HIGHEST_THRESHOLD))


class RoleHolderSection(_Strict):
    key = fields.String(required=True, validate=[validate.Length(min=2, max=60), KEY])
    kind = fields.String(required=True, validate=_choice(ROLE_KINDS))
    title = fields.String(required=True, validate=validate.Length(min=2, max=200))
    agency = fields.String(load_default=None)
    voting = fields.Boolean(load_default=True)
    description = fields.String(load_default="")


class ChairSection(_Strict):
    kind = fields.String(required=True, validate=_choice(CHAIR_KINDS))
    role_title = fields.String(load_default="", validate=validate.Length(max=200))
    agencies = fields.List(fields.String(), load_default=list)
    months = fields.Integer(load_default=12, validate=validate.Range(min=1, max=60))
    starts_on = fields.Date(load_default=None)

    @validates_schema
    def _complete(self, data, **_):
        if data["kind"] == "rotation":
            if len(data["agencies"]) < 2:
                raise ValidationError("a rotation needs at least two agencies, in turn order", "agencies")
            if data["starts_on"] is None:
                raise ValidationError("a rotation needs the date the first turn starts", "starts_on")
        elif not data["role_title"]:
            raise ValidationError("name the role (or the independent person's title) that chairs", "role_title")


class MemberSection(_Strict):
    role_holder = fields.String(load_default=None)
    agency = fields.String(load_default=None)
    role_title = fields.String(load_default="", validate=validate.Length(max=200))
    status = fields.String(load_default="voting", validate=_choice(MEMBER_STATUSES))
    starts_on = fields.Date(load_default=None)
    ends_on = fields.Date(load_default=None)

    @validates_schema
    def _who(self, data, **_):
        if bool(data["role_holder"]) == bool(data["role_title"]):
            raise ValidationError("give either role_holder (a key) or role_title (with an agency if any)")
        if data["starts_on"] and data["ends_on"] and data["ends_on"] < data["starts_on"]:
            raise ValidationError("ends before it starts", "ends_on")


class BodySection(_Strict):
    key = fields.String(required=True, validate=[validate.Length(min=2, max=60), KEY])
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    kind = fields.String(required=True, validate=_choice(BODY_KINDS))
    purpose = fields.String(load_default="")
    terms_of_reference = fields.String(load_default="")
    accountable_to = fields.String(load_default=None)
    local_authority = fields.String(load_default=None)
    cadence = fields.String(load_default="quarterly", validate=_choice(CADENCES))
    min_meetings_a_year = fields.Integer(load_default=None, validate=validate.Range(min=1, max=52))
    public_meetings = fields.Boolean(load_default=False)
    status = fields.String(load_default="active", validate=_choice(BODY_STATUSES))
    dissolved_on = fields.Date(load_default=None)
    chair = fields.Nested(ChairSection, load_default=None)
    vice_chair = fields.Nested(ChairSection, load_default=None)
    members = fields.List(fields.Nested(MemberSection), load_default=list)

    @validates_schema
    def _dissolution(self, data, **_):
        if data["status"] == "dissolved" and data["dissolved_on"] is None:
            raise ValidationError("a dissolved body needs the date it was dissolved", "dissolved_on")
        if data["status"] != "dissolved" and data["dissolved_on"] is not None:
            raise ValidationError("only a dissolved body has a dissolution date", "dissolved_on")


class PrioritySection(_Strict):
    key = fields.String(required=True, validate=[validate.Length(min=2, max=60), KEY])
    kind = fields.String(load_default="priority", validate=_choice(PRIORITY_KINDS))
    title = fields.String(required=True, validate=validate.Length(min=2, max=300))
    description = fields.String(load_default="")
    starts_year = fields.Integer(required=True, validate=validate.Range(min=FIRST_YEAR, max=LAST_YEAR))
    ends_year = fields.Integer(required=True, validate=validate.Range(min=FIRST_YEAR, max=LAST_YEAR))

    @validates_schema
    def _period(self, data, **_):
        if data["ends_year"] < data["starts_year"]:
            raise ValidationError("the period ends before it starts", "ends_year")


class SettingCountSection(_Strict):
    local_authority = fields.String(required=True)
    kind = fields.String(required=True, validate=_choice(SETTING_KINDS))
    count = fields.Integer(required=True, validate=validate.Range(min=0, max=100000))
    note = fields.String(load_default="", validate=validate.Length(max=200))
    as_of = fields.Date(load_default=None)


SECTIONS = {
    "arrangements": fields.Nested(ArrangementsSection, load_default=None),
    "role_holders": fields.List(fields.Nested(RoleHolderSection), load_default=list),
    "bodies": fields.List(fields.Nested(BodySection), load_default=list),
    "priorities": fields.List(fields.Nested(PrioritySection), load_default=list),
    "settings_counts": fields.List(fields.Nested(SettingCountSection), load_default=list),
}


# -- references between sections -----------------------------------------------------------------------


def check_structure(doc: dict, errors: dict[str, list[str]]) -> None:
    def err(path, message):
        errors.setdefault(path, []).append(message)

    agencies = {a["key"] for a in doc["agencies"]}
    partner_agencies = {p["agency"] for p in doc["safeguarding_partners"]}
    las = {la["key"] for la in doc["local_authorities"]}
    holders = set()
    for i, holder in enumerate(doc["role_holders"]):
        if holder["key"] in holders:
            err(f"role_holders[{i}].key", f"'{holder['key']}' appears more than once")
        holders.add(holder["key"])
        if holder["agency"] and holder["agency"] not in agencies:
            err(f"role_holders[{i}].agency", f"no agency with key '{holder['agency']}'")
    bodies = {}
    for i, body in enumerate(doc["bodies"]):
        if body["key"] in bodies:
            err(f"bodies[{i}].key", f"'{body['key']}' appears more than once")
        bodies[body["key"]] = body
    for i, body in enumerate(doc["bodies"]):
        path = f"bodies[{i}]"
        parent = body["accountable_to"]
        if parent is not None and parent not in bodies:
            err(f"{path}.accountable_to", f"no body with key '{parent}'")
        if body["local_authority"] is not None and body["local_authority"] not in las:
            err(f"{path}.local_authority", f"no local authority with key '{body['local_authority']}'")
        for position in ("chair", "vice_chair"):
            rule = body[position]
            for j, agency in enumerate((rule or {}).get("agencies", [])):
                if agency not in partner_agencies:
                    err(f"{path}.{position}.agencies[{j}]",
                        f"'{agency}' is not a safeguarding partner: a rotation runs among the delegated partners")
        for j, member in enumerate(body["members"]):
            if member["role_holder"] and member["role_holder"] not in holders:
                err(f"{path}.members[{j}].role_holder", f"no role holder with key '{member['role_holder']}'")
            if member["agency"] and member["agency"] not in agencies:
                err(f"{path}.members[{j}].agency", f"no agency with key '{member['agency']}'")
    # Reporting lines must end at a top: a body cannot be accountable to itself, however indirectly.
    for i, body in enumerate(doc["bodies"]):
        seen, current = set(), body["key"]
        while current is not None and current in bodies:
            if current in seen:
                err(f"bodies[{i}].accountable_to", "reporting lines go round in a circle")
                break
            seen.add(current)
            current = bodies[current]["accountable_to"]
    keys = set()
    for i, priority in enumerate(doc["priorities"]):
        if priority["key"] in keys:
            err(f"priorities[{i}].key", f"'{priority['key']}' appears more than once")
        keys.add(priority["key"])
    counted = set()
    for i, count in enumerate(doc["settings_counts"]):
        if count["local_authority"] not in las:
            err(f"settings_counts[{i}].local_authority", f"no local authority with key '{count['local_authority']}'")
        pair = (count["local_authority"], count["kind"])
        if pair in counted:
            err(f"settings_counts[{i}].kind", "counted twice for this local authority")
        counted.add(pair)


# -- import ---------------------------------------------------------------------------------------------


class StructureRefused(ValueError):
    """The file would remove something with history behind it; ``path`` says where."""

    def __init__(self, path: str, reason: str):
        self.path, self.reason = path, reason
        super().__init__(f"{path}: {reason}")


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def import_structure(data: dict, agencies: dict[str, Agency], las: dict[str, LocalAuthority]) -> None:
    """Make the structure of the tenant in scope exactly what ``data`` says (the caller's transaction)."""
    _import_arrangements(data["arrangements"])
    holders = _import_role_holders(data["role_holders"], agencies)
    _import_bodies(data["bodies"], holders, agencies, las)
    _import_priorities(data["priorities"])
    _import_settings_counts(data["settings_counts"], las)


def _import_arrangements(section: dict | None) -> None:
    row = db.session.scalars(select(Arrangements)).first()
    if row is None:
        row = Arrangements()
        db.session.add(row)
    values = section if section is not None else ArrangementsSection().load({})
    for name, value in values.items():
        setattr(row, name, list(value) if isinstance(value, list) else value)


def _import_role_holders(items: list[dict], agencies) -> dict[str, RoleHolder]:
    rows = {r.key: r for r in db.session.scalars(select(RoleHolder))}
    for item in items:
        row = rows.get(item["key"])
        if row is None:
            row = rows[item["key"]] = RoleHolder(key=item["key"])
            db.session.add(row)
        row.kind, row.title, row.voting, row.description = item["kind"], item["title"], item["voting"], item["description"]
        row.agency = agencies[item["agency"]] if item["agency"] else None
    wanted = {item["key"] for item in items}
    for key in set(rows) - wanted:
        holder = rows.pop(key)
        seats = db.session.scalars(select(BodyMember.id).where(BodyMember.role_holder_id == holder.id)).all()
        if seats and _count(Attendance, Attendance.member_id.in_(seats)):
            raise StructureRefused("role_holders", f"role holder '{key}' has attendance records: give it an end date")
        db.session.delete(holder)
    db.session.flush()
    return rows


def _set_chair(body: Body, position: str, section: dict | None) -> None:
    existing = next((r for r in body.chair_rules if r.position == position), None)
    if section is None:
        if existing is not None:
            body.chair_rules.remove(existing)
        return
    rule = existing or ChairRule(position=position)
    rule.kind, rule.role_title = section["kind"], section["role_title"]
    rule.rotation_agencies, rule.rotation_months = list(section["agencies"]), section["months"]
    rule.rotation_starts_on = section["starts_on"]
    if existing is None:
        body.chair_rules.append(rule)


def _member_identity(member: BodyMember) -> tuple:
    if member.role_holder_id is not None:
        return ("holder", member.role_holder.key)
    return ("title", member.agency.key if member.agency else None, member.role_title)


def _set_members(body: Body, items: list[dict], holders, agencies, path: str) -> None:
    current = {}
    for member in body.members:
        current.setdefault(_member_identity(member), []).append(member)
    keep = []
    for item in items:
        identity = ("holder", item["role_holder"]) if item["role_holder"] else ("title", item["agency"], item["role_title"])
        matches = current.get(identity) or []
        member = matches.pop(0) if matches else BodyMember()
        member.role_holder = holders[item["role_holder"]] if item["role_holder"] else None
        member.agency = agencies[item["agency"]] if item["agency"] else None
        member.role_title = item["role_title"] if not item["role_holder"] else ""
        member.status, member.starts_on, member.ends_on = item["status"], item["starts_on"], item["ends_on"]
        keep.append(member)
    for members in current.values():
        for member in members:
            if member.id is not None and _count(Attendance, Attendance.member_id == member.id):
                raise StructureRefused(
                    f"{path}.members", f"'{member.label}' has attendance records: give the seat an end date instead"
                )
    body.members = keep


def _import_bodies(items: list[dict], holders, agencies, las) -> None:
    rows = {b.key: b for b in db.session.scalars(
        select(Body).options(selectinload(Body.members), selectinload(Body.chair_rules)))}
    for position, item in enumerate(items):
        body = rows.get(item["key"])
        if body is None:
            body = rows[item["key"]] = Body(key=item["key"], name=item["name"], kind=item["kind"])
            db.session.add(body)
        for name in ("name", "kind", "purpose", "terms_of_reference", "cadence", "min_meetings_a_year",
                     "public_meetings", "status", "dissolved_on"):
            setattr(body, name, item[name])
        body.position = position
        body.local_authority = las[item["local_authority"]] if item["local_authority"] else None
        _set_chair(body, "chair", item["chair"])
        _set_chair(body, "vice_chair", item["vice_chair"])
        _set_members(body, item["members"], holders, agencies, f"bodies[{position}]")
    for item in items:
        rows[item["key"]].accountable_to = rows[item["accountable_to"]] if item["accountable_to"] else None
    for key in set(rows) - {item["key"] for item in items}:
        body = rows[key]
        if body.id is not None and (_count(Meeting, Meeting.body_id == body.id) or _count(Action, Action.body_id == body.id)
                                    or _count(PlanAction, PlanAction.owner_body_id == body.id)):
            raise StructureRefused("bodies", f"body '{key}' has meetings or actions: mark it dissolved instead")
        for child in list(body.reports):
            child.accountable_to = None
        db.session.delete(body)
    db.session.flush()


def _import_priorities(items: list[dict]) -> None:
    rows = {p.key: p for p in db.session.scalars(select(Priority))}
    for position, item in enumerate(items):
        row = rows.get(item["key"])
        if row is None:
            row = rows[item["key"]] = Priority(key=item["key"], title=item["title"],
                                               starts_year=item["starts_year"], ends_year=item["ends_year"])
            db.session.add(row)
        for name in ("kind", "title", "description", "starts_year", "ends_year"):
            setattr(row, name, item[name])
        row.position = position
    for key in set(rows) - {item["key"] for item in items}:
        if _count(PlanAction, PlanAction.priority_id == rows[key].id):
            raise StructureRefused("priorities", f"priority '{key}' has business plan actions: keep it")
        db.session.delete(rows[key])
    db.session.flush()


def _import_settings_counts(items: list[dict], las) -> None:
    rows = {(c.local_authority.key, c.kind): c for c in db.session.scalars(
        select(SettingCount).options(selectinload(SettingCount.local_authority)))}
    wanted = set()
    for item in items:
        pair = (item["local_authority"], item["kind"])
        wanted.add(pair)
        row = rows.get(pair)
        if row is None:
            row = SettingCount(local_authority=las[item["local_authority"]], kind=item["kind"], count=item["count"])
            db.session.add(row)
        row.count, row.note, row.as_of = item["count"], item["note"], item["as_of"]
    for pair in set(rows) - wanted:
        db.session.delete(rows[pair])
    db.session.flush()


# -- export ---------------------------------------------------------------------------------------------


def _drop_empty(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None and v != "" and v != []}


def export_structure() -> dict:
    """The structure sections of the tenant in scope, in the document's shape (Python values)."""
    arrangements = db.session.scalars(select(Arrangements)).first()
    holders = db.session.scalars(select(RoleHolder).options(selectinload(RoleHolder.agency)).order_by(RoleHolder.key)).all()
    bodies = db.session.scalars(select(Body).options(
        selectinload(Body.members).selectinload(BodyMember.role_holder),
        selectinload(Body.members).selectinload(BodyMember.agency),
        selectinload(Body.chair_rules), selectinload(Body.accountable_to), selectinload(Body.local_authority),
    ).order_by(Body.position, Body.key)).all()
    priorities = db.session.scalars(select(Priority).order_by(Priority.position, Priority.key)).all()
    counts = db.session.scalars(select(SettingCount).options(selectinload(SettingCount.local_authority))).all()
    out: dict = {}
    if arrangements is not None:
        out["arrangements"] = _drop_empty({
            name: getattr(arrangements, name) for name in ArrangementsSection().fields
        })
    out["role_holders"] = [
        _drop_empty({"key": h.key, "kind": h.kind, "title": h.title, "agency": h.agency.key if h.agency else None,
                     "voting": h.voting, "description": h.description})
        for h in holders
    ]

    def chair(body, position):
        rule = next((r for r in body.chair_rules if r.position == position), None)
        if rule is None:
            return None
        return _drop_empty({"kind": rule.kind, "role_title": rule.role_title, "agencies": list(rule.rotation_agencies),
                            "months": rule.rotation_months if rule.kind == "rotation" else None,
                            "starts_on": rule.rotation_starts_on})

    out["bodies"] = [
        _drop_empty({
            "key": b.key, "name": b.name, "kind": b.kind, "purpose": b.purpose,
            "terms_of_reference": b.terms_of_reference,
            "accountable_to": b.accountable_to.key if b.accountable_to else None,
            "local_authority": b.local_authority.key if b.local_authority else None,
            "cadence": b.cadence, "min_meetings_a_year": b.min_meetings_a_year,
            "public_meetings": b.public_meetings, "status": b.status, "dissolved_on": b.dissolved_on,
            "chair": chair(b, "chair"), "vice_chair": chair(b, "vice_chair"),
            "members": [
                _drop_empty({
                    "role_holder": m.role_holder.key if m.role_holder else None,
                    "agency": m.agency.key if m.agency and not m.role_holder else None,
                    "role_title": m.role_title if not m.role_holder else None,
                    "status": m.status, "starts_on": m.starts_on, "ends_on": m.ends_on,
                })
                for m in sorted(b.members, key=lambda m: (m.role_holder.key if m.role_holder else "",
                                                          m.agency.key if m.agency else "", m.role_title, m.id or 0))
            ],
        })
        for b in bodies
    ]
    out["priorities"] = [
        _drop_empty({"key": p.key, "kind": p.kind, "title": p.title, "description": p.description,
                     "starts_year": p.starts_year, "ends_year": p.ends_year})
        for p in priorities
    ]
    out["settings_counts"] = [
        _drop_empty({"local_authority": c.local_authority.key, "kind": c.kind, "count": c.count, "note": c.note,
                     "as_of": c.as_of})
        for c in sorted(counts, key=lambda c: (c.local_authority.key, list(SETTING_KINDS).index(c.kind)))
    ]
    return {k: v for k, v in out.items() if v not in ([], None)}
