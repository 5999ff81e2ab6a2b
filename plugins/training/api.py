"""The training API: the catalogue, sessions with the places left across the offer, booking (yourself or
staff), cancelling and the waiting list, and the figures of a financial year."""

from __future__ import annotations

from datetime import time, timedelta

from flask import g
from flask_smorest import Blueprint, abort
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core.auth.access import current_access, requires
from core.calendar import at_london
from core.db import db, utcnow
from core.refusals import api_refusal
from core.tenancy.models import Tenant
from core.web.lookup import get_or_404
from plugins.training import bookings as rules
from plugins.training import context, figures, services, sharing
from plugins.training.models import TrainingBooking, TrainingSession
from plugins.training.schemas import (
    TrainingBookingSchema,
    TrainingBookRequestSchema,
    TrainingCourseSchema,
    TrainingFiguresQuerySchema,
    TrainingFiguresSchema,
    TrainingSessionQuerySchema,
    TrainingSessionSchema,
)
from plugins.training.services import TrainingError

bp = Blueprint("training_api", __name__, description="Multi-agency training: courses, sessions, bookings, figures")


def _slugs(tenant_ids) -> dict[int, str]:
    ids = set(tenant_ids)
    return dict(db.session.execute(select(Tenant.id, Tenant.slug).where(Tenant.id.in_(ids))).all()) if ids else {}


@bp.route("/courses", methods=["GET"])
@bp.response(200, TrainingCourseSchema(many=True))
@requires("training.catalogue.view")
def list_courses():
    """The partnership's own courses and its shared offer's, by level and title (withdrawn ones left out)."""
    courses = services.courses(context.offer())
    slugs = _slugs(c.tenant_id for c in courses)
    for course in courses:
        course.owner = slugs.get(course.tenant_id, "")
    return courses


def _session_rows(sessions: list[TrainingSession]) -> list[TrainingSession]:
    counts = sharing.occupancy(sessions)
    for session in sessions:
        taken, waiting = counts.get(session.id, (0, 0))
        session.places_left = max(session.capacity - taken, 0) if session.status == "scheduled" else 0
        session.waiting = waiting
        session.shared = session.shared_offer_id is not None
    return sessions


@bp.route("/sessions", methods=["GET"])
@bp.arguments(TrainingSessionQuerySchema, location="query")
@bp.response(200, TrainingSessionSchema(many=True))
@bp.paginate()
@requires("training.catalogue.view")
def list_sessions(query, pagination_parameters):
    """Sessions by date, with the places left and the waiting list counted across every partnership."""
    stmt = select(TrainingSession).where(services.in_offer(context.offer())(TrainingSession))
    if query["course"] is not None:
        stmt = stmt.where(TrainingSession.course_id == query["course"])
    if query["from_"] is not None:
        stmt = stmt.where(TrainingSession.starts_at >= at_london(query["from_"], time(0)))
    if query["to"] is not None:
        stmt = stmt.where(TrainingSession.starts_at < at_london(query["to"] + timedelta(days=1), time(0)))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    pagination_parameters.item_count = total
    if pagination_parameters.first_item >= total:
        return []
    sessions = db.session.scalars(
        stmt.options(selectinload(TrainingSession.course)).order_by(TrainingSession.starts_at, TrainingSession.id)
        .limit(pagination_parameters.page_size).offset(pagination_parameters.first_item)
    ).all()
    return _session_rows(list(sessions))


def _session(training_session_id: int) -> TrainingSession:
    session = get_or_404(TrainingSession, training_session_id)
    if not services.visible(context.offer(), session):
        abort(404)
    return session


@bp.route("/sessions/<int:training_session_id>", methods=["GET"])
@bp.response(200, TrainingSessionSchema)
@requires("training.catalogue.view")
def get_session(training_session_id):
    return _session_rows([_session(training_session_id)])[0]


def _with_positions(session: TrainingSession, bookings: list[TrainingBooking]) -> list[TrainingBooking]:
    positions = sharing.waiting_positions(session)
    for booking in bookings:
        booking.waiting_position = positions.get(booking.id)
    return bookings


@bp.route("/sessions/<int:training_session_id>/bookings", methods=["GET"])
@bp.response(200, TrainingBookingSchema(many=True))
@requires("training.catalogue.view")
def list_bookings(training_session_id):
    """This partnership's bookings of the session that you may see (your own, those you made, your agency's
    as its safeguarding lead, all as a register taker), with waiting list positions across the offer."""
    session = _session(training_session_id)
    who = context.principal()
    rows = db.session.scalars(
        select(TrainingBooking).where(TrainingBooking.session_id == session.id)
        .options(selectinload(TrainingBooking.agency)).order_by(TrainingBooking.requested_at, TrainingBooking.id)
    ).all()
    return _with_positions(session, [b for b in rows if rules.may_see(b, who)])


@bp.route("/sessions/<int:training_session_id>/bookings", methods=["POST"])
@bp.arguments(TrainingBookRequestSchema)
@bp.response(201, TrainingBookingSchema)
@bp.alt_response(409, description="Full (and not joining the waiting list), already booked, started or cancelled")
@requires("training.book.self")
def create_booking(body, training_session_id):
    """Book yourself, or (with training.book.staff) a member of staff by ``user_id``. A full session puts the
    delegate on the waiting list unless ``join_waiting_list`` is false."""
    session = _session(training_session_id)
    who = context.principal()
    user_id = body["user_id"]
    if user_id is None or user_id == who.user_id:
        if who.user_id is None or current_access().membership is None:
            abort(409, message="training is booked through a membership of the partnership, with an agency")
        user_id = who.user_id
    elif not who.can("training.book.staff"):
        abort(403, message="booking someone else needs training.book.staff")
    try:
        booking = rules.book(context.offer(), g.tenant, session.id, rules.delegate_membership(user_id), who,
                             utcnow(), context.settings(), manager_email=body["manager_email"],
                             join_waiting_list=body["join_waiting_list"])
    except TrainingError as exc:
        api_refusal(exc, message=str(exc))  # the reason itself, as the API has always worded it
    db.session.commit()
    booking = db.session.get(TrainingBooking, booking.id)
    return _with_positions(booking.session, [booking])[0]


@bp.route("/sessions/<int:training_session_id>/bookings/<int:training_booking_id>", methods=["DELETE"])
@bp.response(200, TrainingBookingSchema)
@bp.alt_response(409, description="Already cancelled, or the session has started")
@requires("training.catalogue.view")
def cancel_booking(training_session_id, training_booking_id):
    """Cancel a place or leave the waiting list. After the partnership's deadline it is a late cancellation
    (``attendance: cancelled_late``), charged by its policy; a freed place goes to the first waiting."""
    session = _session(training_session_id)
    booking = get_or_404(TrainingBooking, training_booking_id)
    if booking.session_id != session.id:
        abort(404)
    if not rules.may_see(booking, context.principal()):
        abort(403, message="you may cancel your own bookings and those you made")
    try:
        rules.cancel(context.offer(), g.tenant, booking, utcnow(), context.settings())
    except TrainingError as exc:
        api_refusal(exc, message=str(exc))
    db.session.commit()
    booking = db.session.get(TrainingBooking, training_booking_id)
    booking.waiting_position = None
    return booking


@bp.route("/figures", methods=["GET"])
@bp.arguments(TrainingFiguresQuerySchema, location="query")
@bp.response(200, TrainingFiguresSchema)
@requires("training.figures.view")
def get_figures(query):
    """The financial year's figures: this partnership's delegates, or (for the coordinator of a shared offer)
    every partnership's on the sessions it runs, partnership by partnership."""
    return figures.gather(context.offer(), g.tenant, query["year"], utcnow())

