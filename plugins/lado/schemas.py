"""Marshmallow schemas: the module's settings and the API's bodies and answers."""

from __future__ import annotations

import re
from datetime import date

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from core.api.schemas import financial_year_field
from core.calendar import london_today
from plugins.lado.models import (
    CATEGORIES,
    EMPLOYER_SECTORS,
    EMPLOYMENT_TYPES,
    GENDERS,
    HARM_TEST,
    KINDS,
    MEETING_KINDS,
    OUTCOMES,
    REGULATORS,
    SECTORS,
)
from plugins.lado.retention import GUIDANCE_YEARS, HIGHEST_PENSION_AGE, LOWEST_PENSION_AGE
from plugins.lado.timeliness import timeliness

_SPLIT = re.compile(r"[,;\s]+")
_PAIR = re.compile(r"\s*=\s*")


def _service_entry_is_valid(entry: str) -> bool:
    key, sign, address = entry.partition("=")
    try:
        validate.Email()(address)
    except ValidationError:
        return False
    return bool(sign and key)


def service_emails(settings: dict | None) -> dict[str, str]:
    """{local authority key: the address of its LADO service}, from the settings' ``key=address`` entries."""
    pairs = (entry.partition("=") for entry in (settings or {}).get("service_emails") or [])
    return {key: address for key, _sign, address in pairs}


_AT_LEAST_TEN = f"Enter a number of years from {GUIDANCE_YEARS} to 100: the guidance keeps records at least {GUIDANCE_YEARS} years"


class LadoSettings(Schema):
    """Per partnership. The local authority keys are checked against the partnership when the module is
    switched on (the schema is not told which partnership it is validating for)."""

    local_authorities = fields.List(
        fields.String(validate=validate.Length(min=1, max=60)), load_default=list,
        metadata={"label": "Local authorities running a LADO service",
                  "description": "Their keys, separated by commas (for example kensington-chelsea, westminster). "
                                 "Leave empty for every local authority of the partnership."})
    service_emails = fields.List(
        fields.String(validate=validate.Length(min=3, max=320)), load_default=list,
        metadata={"label": "Email address of each local authority's LADO service (optional)",
                  "description": "One per local authority, as key=address, separated by commas (for example "
                                 "westminster=lado@westminster.example.org). A referral sent through the form is "
                                 "announced there at once; without one, to who gets the daily reminders."})
    stale_days = fields.Integer(
        load_default=20, validate=validate.Range(min=1, max=250, error="Enter a number of days from 1 to 250"),
        metadata={"label": "Days without activity before a case is stale",
                  "description": "Working days. Open cases with no activity for this long are in the daily reminder."})
    reminder_emails = fields.List(
        fields.Email(error_messages={"invalid": "Enter email addresses like name@example.org"}), load_default=list,
        metadata={"label": "Who gets the daily reminders (optional)",
                  "description": "Email addresses separated by commas. Leave empty to remind the members holding "
                                 "the LADO officer role, each about their own local authorities."})
    # The retention settings cannot go below the guidance's minimums (``retention``): a lower one would let a
    # record's personal data go before the date Keeping Children Safe in Education keeps it to.
    pension_age = fields.Integer(
        load_default=67,
        validate=validate.Range(min=LOWEST_PENSION_AGE, max=HIGHEST_PENSION_AGE,
                                error=f"Enter an age from {LOWEST_PENSION_AGE} to {HIGHEST_PENSION_AGE}: the "
                                      f"State Pension age is at least {LOWEST_PENSION_AGE}"),
        metadata={"label": "Normal pension age (years)",
                  "description": f"Used with a person's date of birth when their pension date is not known. "
                                 f"At least {LOWEST_PENSION_AGE}, the lowest State Pension age."})
    retention_years = fields.Integer(
        load_default=10, validate=validate.Range(min=GUIDANCE_YEARS, max=100, error=_AT_LEAST_TEN),
        metadata={"label": "Years to keep substantiated and unsubstantiated cases at least",
                  "description": "From the allegation, or until the person's pension age if that is later. "
                                 "At least 10, the guidance's minimum."})
    false_unfounded_review_years = fields.Integer(
        load_default=10, validate=validate.Range(min=GUIDANCE_YEARS, max=100, error=_AT_LEAST_TEN),
        metadata={"label": "Years before false and unfounded cases are reviewed",
                  "description": "From the allegation. At least 10, the guidance's minimum."})
    consultation_review_years = fields.Integer(
        load_default=10, validate=validate.Range(min=1, max=100, error="Enter a number of years from 1 to 100"),
        metadata={"label": "Years before consultations are reviewed",
                  "description": "From when they were closed. The guidance sets no minimum for advice given "
                                 "below the harm threshold."})

    @pre_load
    def _split_lists(self, data, **_):
        """A list typed in one box ("north, south") is as good as a list."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for name in ("local_authorities", "reminder_emails", "service_emails"):
            value = data.get(name)
            if isinstance(value, str):
                value = [value]
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                # "key = address" typed with spaces is one entry, not three.
                data[name] = [part for v in value for part in _SPLIT.split(_PAIR.sub("=", v)) if part]
        return data

    @validates_schema
    def _no_repeats(self, data, **_):
        keys = data.get("local_authorities") or []
        if len(set(keys)) != len(keys):
            raise ValidationError("Name each local authority once", "local_authorities")

    @validates_schema
    def _service_emails(self, data, **_):
        entries = data.get("service_emails") or []
        keys = [entry.partition("=")[0] for entry in entries]
        bad = [entry for entry in entries if not _service_entry_is_valid(entry)]
        if bad:
            raise ValidationError(f"Write each as key=address, like westminster=lado@westminster.example.org "
                                  f"(not {bad[0]})", "service_emails")
        if len(set(keys)) != len(keys):
            raise ValidationError("Give each local authority one address", "service_emails")


# -- the API ---------------------------------------------------------------------------------------------

_DATES = validate.Range(min=date(2000, 1, 1), max=date(2100, 12, 31), error="Give a date from 2000 to 2100")
_BIRTH = validate.Range(min=date(1900, 1, 1), max=date(2100, 12, 31), error="Give a date from 1900 to 2100")


def _text(maximum: int = 200, **kwargs):
    return fields.String(validate=validate.Length(max=maximum), **kwargs)


def _one_of(choices, blank: bool = False, **kwargs):
    allowed = list(choices) + ([""] if blank else [])
    return fields.String(validate=validate.OneOf(allowed), **kwargs)


class ChildSchema(Schema):
    initials = fields.String(required=True, validate=validate.Length(min=1, max=5),
                             metadata={"description": "Initials only: the least that tells children apart"})
    age = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=17))
    gender = _one_of(GENDERS, load_default="not_known")


class DetailsSchema(Schema):
    """What a case records about the contact, the person and the children. All optional on a PATCH."""

    concern_on = fields.Date(allow_none=True, validate=_DATES,
                             metadata={"description": "When the allegation was made (the concern arose)"})
    harm_criteria = fields.List(_one_of(HARM_TEST), validate=validate.Length(max=len(HARM_TEST)),
                                metadata={"description": "Harm test criteria met: " + ", ".join(HARM_TEST)})
    outside_work = fields.Boolean(metadata={"description": "Conduct outside work (transferable risk)"})
    category = _one_of(CATEGORIES, blank=True, metadata={"description": ", ".join(CATEGORIES)})
    summary = _text(20_000)
    referrer_agency = fields.String(allow_none=True, validate=validate.Length(max=60),
                                    metadata={"description": "The key of the referring agency, if one of the partnership's"})
    referrer_name = _text()
    referrer_role = _text()
    referrer_contact = _text()
    referring_sector = _one_of(SECTORS, blank=True, metadata={"description": ", ".join(SECTORS)})
    person_name = _text()
    person_role = _text()
    person_employer = _text()
    employer_sector = _one_of(EMPLOYER_SECTORS, blank=True, metadata={"description": ", ".join(EMPLOYER_SECTORS)})
    employment_type = _one_of(EMPLOYMENT_TYPES, metadata={"description": ", ".join(EMPLOYMENT_TYPES)})
    person_born_on = fields.Date(allow_none=True, validate=_BIRTH)
    person_pension_on = fields.Date(allow_none=True, validate=_BIRTH,
                                    metadata={"description": "The person's normal pension age date, if known"})
    children = fields.List(fields.Nested(ChildSchema), validate=validate.Length(max=20))


class CaseCreateSchema(DetailsSchema):
    kind = _one_of(KINDS, required=True, metadata={"description": "consultation or referral"})
    local_authority = fields.String(required=True, validate=validate.Length(min=1, max=60),
                                    metadata={"description": "The key of the local authority the case belongs to"})
    received_on = fields.Date(required=True, validate=_DATES, metadata={"description": "When the LADO was contacted"})


class ReferralCreateSchema(DetailsSchema):
    """An agency's referral: always a referral, received today, the referrer being the token's holder."""

    local_authority = fields.String(required=True, validate=validate.Length(min=1, max=60))


class OutcomeSchema(Schema):
    outcome = _one_of(OUTCOMES, required=True, metadata={"description": ", ".join(OUTCOMES)})
    outcome_on = fields.Date(required=True, validate=_DATES)
    note = _text(20_000, load_default="")
    dbs_referred_on = fields.Date(load_default=None, allow_none=True, validate=_DATES)
    regulator = _one_of(REGULATORS, blank=True, load_default="", metadata={"description": ", ".join(REGULATORS)})
    regulator_referred_on = fields.Date(load_default=None, allow_none=True, validate=_DATES)
    employer_learning = _text(20_000, load_default="")
    confirm_open_processes = fields.Boolean(
        load_default=False, metadata={"description": "Close although a parallel process (police, children's social "
                                                     "care, the employer's disciplinary) is still under way: needs "
                                                     "open_processes_reason"})
    open_processes_reason = _text(20_000, load_default="",
                                  metadata={"description": "Why the case closes before the process ends"})


class ConversionSchema(Schema):
    referred_on = fields.Date(required=True, validate=_DATES)
    harm_criteria = fields.List(_one_of(HARM_TEST), required=True, validate=validate.Length(min=1, max=len(HARM_TEST)))
    category = _one_of(CATEGORIES, required=True)
    reason = _text(20_000, required=True)


class MeetingInSchema(Schema):
    kind = _one_of(MEETING_KINDS, required=True, metadata={"description": "initial or review"})
    held_on = fields.Date(required=True, validate=_DATES)
    attendees = fields.List(fields.String(validate=validate.Length(min=1, max=300)), required=True,
                            validate=validate.Length(min=1, max=60))
    decisions = _text(20_000, required=True)
    actions = _text(20_000, load_default="")
    next_review_on = fields.Date(load_default=None, allow_none=True, validate=_DATES)


class CaseQuerySchema(Schema):
    kind = _one_of(KINDS, load_default=None)
    status = _one_of({"open": "", "closed": ""}, load_default=None)
    local_authority = fields.String(load_default=None, validate=validate.Length(min=1, max=60))
    flag = _one_of({"overdue": "", "stale": "", "review": ""}, load_default=None,
                   metadata={"description": "overdue (referrals past one month), stale (no activity), review (due "
                                            "for review or removal)"})
    q = fields.String(load_default=None, validate=validate.Length(min=1, max=100),
                      metadata={"description": "Part of a reference or of the person's name"})


class YearQuerySchema(Schema):
    year = financial_year_field()


# -- answers ---------------------------------------------------------------------------------------------


class RefSchema(Schema):
    key = fields.String()
    name = fields.String()


class TimelinessSchema(Schema):
    concern_to_contact_working_days = fields.Integer(attribute="contact_working_days", allow_none=True)
    contact_within_one_working_day = fields.Boolean(attribute="contact_on_time", allow_none=True)
    referral_working_days = fields.Integer(attribute="working_days", allow_none=True,
                                           metadata={"description": "From referral to outcome, or to today if open"})
    resolved_within_months = fields.Integer(attribute="band", allow_none=True,
                                            metadata={"description": "1, 3 or 12; null if open or beyond 12"})
    milestones_passed = fields.List(fields.Integer(), attribute="passed",
                                    metadata={"description": "Months an open referral has gone past"})
    summary = fields.String()


class CaseSummarySchema(Schema):
    id = fields.Integer()
    reference = fields.String()
    kind = fields.String()
    status = fields.String()
    source = fields.String()
    local_authority = fields.Nested(RefSchema)
    received_on = fields.Date()
    referred_on = fields.Date(allow_none=True)
    closed_on = fields.Date(allow_none=True)
    category = fields.String()
    outcome = fields.String()
    person_name = fields.String()
    review_on = fields.Date(allow_none=True)
    removed_on = fields.Date(allow_none=True)
    overdue = fields.Method("_overdue", metadata={"description": "An open referral past one month"})
    awaiting_allocation = fields.Boolean(
        metadata={"description": "A referral sent through the form that no LADO has taken on yet"})

    def _overdue(self, case):
        return timeliness(case, london_today()).overdue


class ChildOutSchema(Schema):
    initials = fields.String()
    age = fields.Integer(allow_none=True)
    gender = fields.String()


class MeetingOutSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    held_on = fields.Date()
    attendees = fields.List(fields.String())
    decisions = fields.String()
    actions = fields.String()
    next_review_on = fields.Date(allow_none=True)


class EmployerActionOutSchema(Schema):
    action = fields.String()
    taken_on = fields.Date()
    note = fields.String()


class ProcessOutSchema(Schema):
    kind = fields.String()
    status = fields.String()
    started_on = fields.Date(allow_none=True)
    concluded_on = fields.Date(allow_none=True)
    note = fields.String()


class EntryOutSchema(Schema):
    happened_on = fields.Date()
    kind = fields.String(metadata={"description": "event (what was done) or note"})
    text = fields.String()
    author = fields.String(attribute="author_label")


class CaseDetailSchema(CaseSummarySchema):
    concern_on = fields.Date(allow_none=True)
    converted_on = fields.Date(allow_none=True)
    harm_criteria = fields.List(fields.String())
    outside_work = fields.Boolean()
    summary = fields.String()
    referrer_agency = fields.Nested(RefSchema, allow_none=True)
    referrer_name = fields.String()
    referrer_role = fields.String()
    referrer_contact = fields.String()
    referring_sector = fields.String()
    person_role = fields.String()
    person_employer = fields.String()
    employer_sector = fields.String()
    employment_type = fields.String()
    person_born_on = fields.Date(allow_none=True)
    person_pension_on = fields.Date(allow_none=True)
    advice = fields.String()
    outcome_note = fields.String()
    dbs_referred_on = fields.Date(allow_none=True)
    regulator = fields.String()
    regulator_referred_on = fields.Date(allow_none=True)
    employer_learning = fields.String()
    children = fields.List(fields.Nested(ChildOutSchema))
    meetings = fields.List(fields.Nested(MeetingOutSchema))
    employer_actions = fields.List(fields.Nested(EmployerActionOutSchema))
    processes = fields.List(fields.Nested(ProcessOutSchema))
    record = fields.List(fields.Nested(EntryOutSchema), attribute="entries")
    timeliness = fields.Method("_timeliness")
    allocated_to = fields.Method("_allocated_to", metadata={"description": "The name of the LADO who took the case "
                                                                          "on; null while nobody has"})
    allocated_at = fields.DateTime(allow_none=True)
    closed_while_open = fields.Method(
        "_closed_while_open", metadata={"description": "Null, or the parallel processes still under way when the "
                                                       "case was closed and the LADO's confirmation"})

    def _timeliness(self, case):
        return TimelinessSchema().dump(timeliness(case, london_today()))

    def _allocated_to(self, case):
        return case.allocated_to.name if case.allocated_to is not None else None

    def _closed_while_open(self, case):
        if not case.closed_while_open:
            return None
        at = case.closed_while_open_at
        return {"processes": list(case.closed_while_open), "reason": case.closed_while_open_reason,
                "by": case.closed_while_open_by, "at": at.isoformat() if at else None}


class SubmissionSchema(Schema):
    """What a referrer sees of their own referral: its reference and whether the LADO has closed it."""

    reference = fields.String()
    local_authority = fields.String(attribute="local_authority.name")
    submitted_on = fields.Date(attribute="received_on")
    status = fields.Method("_status", metadata={"description": "with the LADO, or closed"})

    def _status(self, case):
        return "closed" if case.status == "closed" else "with the LADO"


class ChangeSchema(Schema):
    this_year = fields.Integer()
    last_year = fields.Integer()
    change = fields.Integer()
    change_percent = fields.Float(allow_none=True)


class LadoFiguresSchema(Schema):
    year = fields.String()
    start = fields.Date()
    end = fields.Date()
    consultations = fields.Nested(ChangeSchema)
    referrals = fields.Nested(ChangeSchema)
    by_local_authority = fields.List(fields.Dict())
    breakdowns = fields.Dict(keys=fields.String(), values=fields.Dict())
    timeliness = fields.Dict()
