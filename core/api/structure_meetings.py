"""API for the partnership's meetings: the list (filtered by body and dates) and each meeting with its
agenda, papers, minutes, decisions, actions and attendance by seat."""

from __future__ import annotations

from datetime import date, time, timedelta

from flask_smorest import Blueprint, abort
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core.auth.access import requires
from core.db import db, utcnow
from core.structure import meetings as rules
from core.structure.models import Action, Body, BodyMember, Meeting, RoleHolder
from core.web.lookup import get_or_404

bp = Blueprint("structure_meetings_api", __name__, description="The partnership's meetings")

# Dates far outside these cannot be meetings, and would overflow when turned into London midnights.
_DATES = validate.Range(min=date(2000, 1, 1), max=date(2100, 12, 31), error="Give a date from 2000 to 2100")


class MeetingQuerySchema(Schema):
    body = fields.String(load_default=None, validate=[
        validate.Length(min=1, max=60),
        validate.Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", error="a body's key: lowercase letters, digits and hyphens"),
    ],
                         metadata={"description": "Only the meetings of the body with this key"})
    from_ = fields.Date(data_key="from", load_default=None, validate=_DATES,
                        metadata={"description": "Meetings on or after this date (London), YYYY-MM-DD"})
    to = fields.Date(load_default=None, validate=_DATES,
                     metadata={"description": "Meetings on or before this date (London), YYYY-MM-DD"})

    @validates_schema
    def _order(self, data, **_):
        if data.get("from_") and data.get("to") and data["to"] < data["from_"]:
            raise ValidationError("must not be before 'from'", "to")


class AgencyRefSchema(Schema):
    key = fields.String()
    name = fields.String()


class BodyRefSchema(Schema):
    id = fields.Integer()
    key = fields.String()
    name = fields.String()


class SeatAttendanceSchema(Schema):
    seat_id = fields.Integer(attribute="seat.id")
    seat = fields.String(attribute="seat.label")
    seat_status = fields.String(attribute="seat.status", metadata={"description": "voting, observer or adviser"})
    agency = fields.Nested(AgencyRefSchema, allow_none=True)
    status = fields.String(allow_none=True, metadata={
        "description": "present, apologies, deputy or absent; null when not recorded"})
    deputy_name = fields.String()


class MeetingSchema(Schema):
    id = fields.Integer()
    body = fields.Nested(BodyRefSchema)
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    location = fields.String()
    status = fields.String(metadata={"description": "scheduled, held or cancelled"})
    series = fields.String(metadata={"description": "Shared by meetings scheduled together; empty for a one-off"})
    minutes_status = fields.String(metadata={"description": "none, draft or approved"})
    attendance = fields.Method("_attendance", metadata={
        "description": "Every seat on the body on the meeting's date, with its attendance"})

    def _attendance(self, meeting):
        return SeatAttendanceSchema(many=True).dump(rules.attendance_by_seat(meeting))


class AgendaItemSchema(Schema):
    id = fields.Integer()
    position = fields.Integer()
    title = fields.String()
    presenter = fields.String()


class PaperSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer(metadata={"description": "bytes"})
    uploaded_at = fields.DateTime()


class MinutesSchema(Schema):
    status = fields.String(attribute="minutes_status")
    approved_on = fields.Date(attribute="minutes_approved_on", allow_none=True)
    text = fields.String(attribute="minutes")


class DecisionSchema(Schema):
    id = fields.Integer()
    text = fields.String()


class ActionSchema(Schema):
    id = fields.Integer()
    description = fields.String()
    owner = fields.String()
    owner_agency = fields.Nested(AgencyRefSchema, allow_none=True)
    due_on = fields.Date(allow_none=True)
    status = fields.String(metadata={"description": "open, in_progress, done or dropped"})
    completed_on = fields.Date(allow_none=True)
    overdue = fields.Method("_overdue")

    def _overdue(self, action):
        return rules.is_overdue(action, rules.today_in_london(utcnow()))


class MeetingDetailSchema(MeetingSchema):
    agenda = fields.List(fields.Nested(AgendaItemSchema))
    papers = fields.List(fields.Nested(PaperSchema))
    minutes = fields.Method("_minutes")
    decisions = fields.List(fields.Nested(DecisionSchema))
    actions = fields.Method("_actions")

    def _minutes(self, meeting):
        return MinutesSchema().dump(meeting)

    def _actions(self, meeting):
        # Actions point at their meeting but the meeting maps no list of them: the view loads them.
        return ActionSchema(many=True).dump(getattr(meeting, "api_actions", []))


def _with_seats(stmt):
    return stmt.options(
        selectinload(Meeting.body).selectinload(Body.members).selectinload(BodyMember.agency),
        selectinload(Meeting.body).selectinload(Body.members).selectinload(BodyMember.role_holder)
        .selectinload(RoleHolder.agency),
        selectinload(Meeting.attendance),
    )


@bp.route("/meetings", methods=["GET"])
@bp.arguments(MeetingQuerySchema, location="query")
@bp.response(200, MeetingSchema(many=True))
@bp.paginate()
@requires("core.meetings.view")
def list_meetings(query, pagination_parameters):
    """Meetings in date order, each with the attendance of every seat on the body that day."""
    stmt = select(Meeting)
    if query["body"] is not None:
        body_id = db.session.scalar(select(Body.id).where(Body.key == query["body"]))
        if body_id is None:
            abort(422, errors={"query": {"body": ["no body with this key"]}}, message="unknown body")
        stmt = stmt.where(Meeting.body_id == body_id)
    if query["from_"] is not None:
        stmt = stmt.where(Meeting.starts_at >= rules.at_london(query["from_"], time(0)))
    if query["to"] is not None:
        stmt = stmt.where(Meeting.starts_at < rules.at_london(query["to"] + timedelta(days=1), time(0)))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    pagination_parameters.item_count = total
    if pagination_parameters.first_item >= total:
        return []  # past the end: nothing to ask the database for
    return db.session.scalars(
        _with_seats(stmt).order_by(Meeting.starts_at, Meeting.id)
        .limit(pagination_parameters.page_size).offset(pagination_parameters.first_item)
    ).all()


@bp.route("/meetings/<int:meeting_id>", methods=["GET"])
@bp.response(200, MeetingDetailSchema)
@requires("core.meetings.view")
def get_meeting(meeting_id):
    """One meeting: agenda, papers (without their contents), minutes, decisions, actions, attendance."""
    meeting = get_or_404(Meeting, meeting_id)
    db.session.scalars(_with_seats(select(Meeting).where(Meeting.id == meeting.id)).options(
        selectinload(Meeting.agenda), selectinload(Meeting.papers), selectinload(Meeting.decisions),
    )).one()
    meeting.api_actions = db.session.scalars(
        select(Action).where(Action.meeting_id == meeting.id).options(selectinload(Action.owner_agency))
        .order_by(Action.id)
    ).all()
    return meeting
