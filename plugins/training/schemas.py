"""Marshmallow schemas of the training module: its per-partnership settings and the API's bodies."""

from __future__ import annotations

from datetime import date

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.api.schemas import financial_year_field
from plugins.training.models import ATTENDANCE, DELIVERY_MODES, LEVELS

MAX_PENCE = 100_000_00  # £100,000: more than any charge for missing a day's training, so a typo


class TrainingSettings(Schema):
    """What each partnership decides for itself. The chosen offer is checked against the partnership's
    memberships when the module is switched on (the schema is not told which partnership it is)."""

    shared_offer = fields.String(
        load_default=None, allow_none=True,
        validate=[validate.Length(max=60), validate.Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                                                           error="Enter the shared offer's key, like hf-bi-borough-training")],
        metadata={"label": "Shared training offer (optional)",
                  "description": "The key of the shared offer this partnership belongs to, like "
                                 "hf-bi-borough-training. Leave blank to run the partnership's own courses only."},
    )
    cancellation_working_days = fields.Integer(
        load_default=3, validate=validate.Range(min=0, max=20, error="Enter a number of working days from 0 to 20"),
        metadata={"label": "Cancellation deadline (working days before the session)",
                  "description": "Cancelling after this is a late cancellation"},
    )
    charge_no_shows = fields.Boolean(load_default=False, metadata={"label": "Charge agencies for no-shows"})
    charge_late_cancellations = fields.Boolean(
        load_default=False, metadata={"label": "Charge agencies for late cancellations"})
    no_show_charge_half_day = fields.Integer(
        load_default=5000, validate=validate.Range(min=0, max=MAX_PENCE, error="Enter an amount in pence from 0 to 10000000"),
        metadata={"label": "Charge for a course of up to half a day (pence)",
                  "description": "For example 5000 for £50"},
    )
    no_show_charge_full_day = fields.Integer(
        load_default=9000, validate=validate.Range(min=0, max=MAX_PENCE, error="Enter an amount in pence from 0 to 10000000"),
        metadata={"label": "Charge for a longer course (pence)", "description": "For example 9000 for £90"},
    )


# -- API ------------------------------------------------------------------------------------------------


class TrainingCourseSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    description = fields.String()
    audience = fields.String()
    learning_outcomes = fields.String()
    level = fields.Integer(metadata={"description": ", ".join(f"{k}: {v}" for k, v in LEVELS.items())})
    duration_minutes = fields.Integer()
    delivery_mode = fields.String(metadata={"description": ", ".join(DELIVERY_MODES)})
    prerequisite_id = fields.Integer(allow_none=True)
    active = fields.Boolean()
    shared = fields.Boolean(metadata={"description": "Part of a shared offer (run by its coordinator)"})
    owner = fields.String(metadata={"description": "The partnership that runs the course (its slug)"})


class TrainingSessionSchema(Schema):
    id = fields.Integer()
    course_id = fields.Integer()
    course_title = fields.String(attribute="course.title")
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    venue = fields.String()
    joining_link = fields.String()
    trainers = fields.String()
    capacity = fields.Integer()
    status = fields.String(metadata={"description": "scheduled or cancelled"})
    shared = fields.Boolean()
    places_left = fields.Integer(metadata={"description": "Across every partnership of the offer"})
    waiting = fields.Integer(metadata={"description": "People on the waiting list, across every partnership"})


class _Dates(Schema):
    @validates_schema
    def _order(self, data, **_):
        if data.get("from_") and data.get("to") and data["to"] < data["from_"]:
            raise ValidationError("must not be before 'from'", "to")


_DATES = validate.Range(min=date(2000, 1, 1), max=date(2100, 12, 31), error="Give a date from 2000 to 2100")


class TrainingSessionQuerySchema(_Dates):
    course = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1),
                            metadata={"description": "Only the sessions of this course (its id)"})
    from_ = fields.Date(data_key="from", load_default=None, validate=_DATES,
                        metadata={"description": "Sessions on or after this date (London), YYYY-MM-DD"})
    to = fields.Date(load_default=None, validate=_DATES,
                     metadata={"description": "Sessions on or before this date (London), YYYY-MM-DD"})


class TrainingBookingSchema(Schema):
    id = fields.Integer()
    session_id = fields.Integer()
    delegate_name = fields.String()
    agency = fields.String(attribute="agency.name", allow_none=True)
    status = fields.String(metadata={"description": "confirmed, waiting or cancelled"})
    waiting_position = fields.Integer(allow_none=True,
                                      metadata={"description": "Place in the queue, across every partnership"})
    attendance = fields.String(allow_none=True, metadata={"description": ", ".join(ATTENDANCE)})
    charge_pence = fields.Integer()
    requested_at = fields.DateTime()
    confirmed_at = fields.DateTime(allow_none=True)
    cancelled_at = fields.DateTime(allow_none=True)


class TrainingBookRequestSchema(Schema):
    user_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1), metadata={
        "description": "The member of staff to book (training.book.staff); leave out to book yourself"})
    manager_email = fields.Email(load_default="", validate=validate.Length(max=254),
                                 metadata={"description": "The learner's manager, asked to the follow-up evaluation"})
    join_waiting_list = fields.Boolean(load_default=True, metadata={
        "description": "When the session is full, join the waiting list (true) or refuse (false)"})


class TrainingFiguresQuerySchema(Schema):
    year = financial_year_field()


class TrainingCountRowSchema(Schema):
    label = fields.String()
    partnership = fields.String()
    sector = fields.String()
    bookings = fields.Integer()
    attended = fields.Integer()
    left_early = fields.Integer()
    no_shows = fields.Integer()
    late_cancellations = fields.Integer()
    charges_pence = fields.Integer()


class TrainingStageSchema(Schema):
    responses = fields.Integer()
    knowledge = fields.Float(allow_none=True)
    confidence = fields.Float(allow_none=True)


class TrainingCourseEvaluationSchema(Schema):
    course_id = fields.Integer()
    course_title = fields.String()
    before = fields.Nested(TrainingStageSchema)
    after = fields.Nested(TrainingStageSchema)
    follow_up = fields.Nested(TrainingStageSchema)
    knowledge_change = fields.Float(allow_none=True, metadata={"description": "mean(after) - mean(before)"})
    confidence_change = fields.Float(allow_none=True)
    knowledge_change_follow_up = fields.Float(allow_none=True, metadata={
        "description": "mean(follow-up) - mean(before)"})
    confidence_change_follow_up = fields.Float(allow_none=True)


class TrainingFiguresSchema(Schema):
    """Every count and rate has one base: the sessions of the year that have taken place (started) by
    ``as_of``; bookings and evaluations of sessions still to come count once those have started."""

    year = fields.Integer(attribute="year.start_year")
    label = fields.String(attribute="year.label")
    as_of = fields.Date(allow_none=True, metadata={
        "description": "The London day the figures count sessions up to; null once the year is over"})
    base = fields.String(metadata={"description": "The sessions counted, in words"})
    whole_offer = fields.Boolean(metadata={"description": "Whether the figures include other partnerships' "
                                                           "delegates (the coordinator's view)"})
    sessions_run = fields.Integer()
    places_offered = fields.Integer()
    bookings = fields.Integer()
    attended = fields.Integer()
    places_due = fields.Integer(metadata={"description": "Bookings less those cancelled in time"})
    attendance_percent = fields.Integer(allow_none=True, metadata={
        "description": "Attended in full, as a whole percent of places_due (halves up); null when none are due"})
    left_early = fields.Integer()
    no_shows = fields.Integer()
    late_cancellations = fields.Integer()
    cancellations = fields.Integer()
    not_recorded = fields.Integer(metadata={"description": "Places whose attendance the register has not recorded yet"})
    waiting_unplaced = fields.Integer(metadata={"description": "People left on a waiting list, never given a place"})
    charges_pence = fields.Integer()
    by_partnership = fields.List(fields.Nested(TrainingCountRowSchema))
    by_sector = fields.List(fields.Nested(TrainingCountRowSchema))
    by_agency = fields.List(fields.Nested(TrainingCountRowSchema))
    evaluation = fields.List(fields.Nested(TrainingCourseEvaluationSchema))
