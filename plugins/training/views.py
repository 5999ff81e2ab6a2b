"""Pages of the training module: the catalogue, courses and sessions, booking and the waiting list, each
booking with its evaluation and certificate, the register, the figures with their downloads, and the
training needs analysis. The rules are in the module's plain-function modules; these pages read forms,
call them and show what they say."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from marshmallow import Schema, fields, validate
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from core.auth.access import current_access, requires
from core.auth.models import Membership
from core.calendar import FinancialYear, at_london, chosen_year, london_day, years_to_offer
from core.charts import Chart, bar_chart
from core.db import db, utcnow
from core.exports import CSV_TYPE, XLSX_TYPE, download_response
from core.refusals import show_refusal, submit
from core.tenancy.models import Agency
from core.web.errors import MESSAGES
from core.web.form_dates import ClockTime, date_schema, date_values, time_value
from core.web.forms import FormErrors, validate_form
from core.web.ids import Id
from core.web.lookup import get_or_404
from core.web.pagination import page_of
from core.wording import plural
from plugins.training import bookings as rules
from plugins.training import certificates, context, evaluation, figures, needs, notices, services, sharing
from plugins.training.models import (
    ATTENDANCE,
    DELIVERY_MODES,
    LEVELS,
    NEED_RATINGS,
    STAGES,
    TrainingBooking,
    TrainingCourse,
    TrainingNeedsResponse,
    TrainingNeedsSurvey,
    TrainingSession,
)
from plugins.training.services import TrainingError

bp = Blueprint("training", __name__, template_folder="templates")
PAGE_SIZE = 25


# -- forms ------------------------------------------------------------------------------------------------


def _text(required_message: str | None, maximum: int, label: str):
    kwargs = {"validate": validate.Length(max=maximum, error=f"{label} must be {maximum} characters or fewer")}
    if required_message:
        return fields.String(required=True, error_messages={"required": required_message}, **kwargs)
    return fields.String(load_default="", **kwargs)


class CourseForm(Schema):
    title = _text("Enter the title of the course", 200, "The title")
    description = _text(None, 5000, "The description")
    audience = _text(None, 2000, "Who the course is for")
    learning_outcomes = _text(None, 5000, "The learning outcomes")
    level = fields.Integer(required=True, validate=validate.OneOf(list(LEVELS), error="Choose the level of the course"),
                           error_messages={"required": "Choose the level of the course",
                                           "invalid": "Choose the level of the course"})
    duration_minutes = fields.Integer(required=True, error_messages={
        "required": "Enter the length of the course in minutes", "invalid": "Enter the length in minutes, like 180"})
    delivery_mode = fields.String(required=True, validate=validate.OneOf(list(DELIVERY_MODES),
                                                                         error="Choose how the course is delivered"),
                                  error_messages={"required": "Choose how the course is delivered"})
    prerequisite_id = Id(load_default=None, error_messages={"invalid": "Choose a prerequisite from the list"})
    shared = fields.Boolean(load_default=False)
    withdrawn = fields.Boolean(load_default=False)


SessionForm = date_schema(
    "SessionForm", {"date": ("the date of the session", True)},
    starts=ClockTime(required=True, error_messages={"required": "Enter the time the session starts"}),
    ends=ClockTime(required=True, error_messages={"required": "Enter the time the session ends"}),
    venue=_text(None, 300, "The venue"),
    joining_link=_text(None, 500, "The joining link"),
    trainers=_text(None, 300, "The trainers"),
    capacity=fields.Integer(required=True, error_messages={"required": "Enter the number of places",
                                                           "invalid": "Enter the number of places, like 20"}),
    joining_instructions=_text(None, 5000, "The joining instructions"),
)


class BookForm(Schema):
    manager_email = fields.Email(load_default="", validate=validate.Length(max=254), error_messages={
        "invalid": "Enter the manager's email address in the correct format, like name@example.org"})


class BookStaffForm(Schema):
    user_id = Id(required=True, error_messages={"required": "Choose a member of staff",
                                                "invalid": "Choose a member of staff from the list"})
    manager_email = fields.Email(data_key="staff_manager_email", load_default="", validate=validate.Length(max=254),
                                 error_messages={"invalid": "Enter the manager's email address in the correct format, "
                                                            "like name@example.org"})


class CancelSessionForm(Schema):
    reason = _text(None, 500, "The reason")


class EvaluationForm(Schema):
    knowledge = fields.Integer(required=True, error_messages={
        "required": "Choose how you rate your knowledge, from 1 to 5", "invalid": "Choose a number from 1 to 5"})
    confidence = fields.Integer(required=True, error_messages={
        "required": "Choose how you rate your confidence, from 1 to 5", "invalid": "Choose a number from 1 to 5"})
    comments = _text(None, 5000, "Your comments")
    manager_name = _text(None, 200, "The manager's name")


SurveyForm = date_schema(
    "SurveyForm", {"closes": ("the closing date", False)},
    title=_text("Enter the title of the questionnaire", 200, "The title"),
    plan_year=fields.Integer(required=True, error_messages={
        "required": "Enter the financial year being planned, like 2026",
        "invalid": "Enter the financial year being planned as the year it starts in, like 2026"}),
    topics=_text("Enter at least one training topic, one a line", 10_000, "The topics"),
)


class ResponseForm(Schema):
    preferred_delivery = fields.String(load_default="")
    comments = _text(None, 5000, "Comments")


# -- helpers ---------------------------------------------------------------------------------------------


_settings = context.settings
_offer = context.offer
_principal = context.principal


def _refused(message: str, code: int = 403):
    title = MESSAGES.get(code, ("That cannot be done", ""))[0]
    return render_template("errors/error.html", code=code, title=title, body=message), code


def _status(refusal: TrainingError) -> int:
    """A page's status for a refusal: what was entered is shown again with 400; who may (403), what is not
    there (404) and a conflict with the record's state (409) keep the status the API gives them."""
    return 400 if refusal.api_status == 422 else refusal.api_status


def _course(course_id: int) -> TrainingCourse:
    course = get_or_404(TrainingCourse, course_id)
    if not services.visible(_offer(), course):
        abort(404)  # a shared offer the settings no longer name is not found either
    return course


def _session(session_id: int) -> TrainingSession:
    session = get_or_404(TrainingSession, session_id)
    if not services.visible(_offer(), session):
        abort(404)
    return session


def _booking(booking_id: int) -> TrainingBooking:
    booking = get_or_404(TrainingBooking, booking_id)
    db.session.scalars(select(TrainingBooking).where(TrainingBooking.id == booking.id).options(
        selectinload(TrainingBooking.session).selectinload(TrainingSession.course)
        .selectinload(TrainingCourse.prerequisite),
        selectinload(TrainingBooking.agency), selectinload(TrainingBooking.evaluations),
    )).one()
    if booking.session is None:
        abort(404)  # a session of an offer the partnership has since left is no longer its to show
    return booking


def _my_bookings_of(session_ids) -> dict[int, TrainingBooking]:
    """The signed-in person's live booking of each session (through this partnership)."""
    user_id = getattr(g.principal, "id", None)
    if not session_ids or user_id is None:
        return {}
    rows = db.session.scalars(select(TrainingBooking).where(
        TrainingBooking.user_id == user_id, TrainingBooking.session_id.in_(list(session_ids)),
        TrainingBooking.status.in_(["confirmed", "waiting"])))
    return {b.session_id: b for b in rows}


def _owner_name(row) -> str:
    offer = _offer()
    if row.tenant_id == offer.tenant_id:
        return g.tenant.short_name
    return offer.coordinator_name


# -- the catalogue ---------------------------------------------------------------------------------------


@bp.route("/")
@requires("training.catalogue.view")
def index():
    errors = FormErrors()
    mode = request.args.get("mode", "").strip()
    if mode and mode not in DELIVERY_MODES:
        errors.add("mode", "Choose a way of delivery from the list")
        mode = ""
    raw_level = request.args.get("level", "").strip()
    level = int(raw_level) if raw_level in {str(k) for k in LEVELS} else None
    if raw_level and level is None:
        errors.add("level", "Choose a level from the list")
    offer = _offer()
    now = utcnow()
    catalogue = [c for c in services.courses(offer) if (not mode or c.delivery_mode == mode)
                 and (level is None or c.level == level)]
    upcoming = db.session.scalars(
        select(TrainingSession).where(services.in_offer(offer)(TrainingSession), TrainingSession.status == "scheduled",
                                      TrainingSession.starts_at > now,
                                      TrainingSession.course_id.in_([c.id for c in catalogue]))
        .order_by(TrainingSession.starts_at, TrainingSession.id)
    ).all() if catalogue else []
    by_course = defaultdict(list)
    for session in upcoming:
        by_course[session.course_id].append(session)
    return render_template(
        "training/index.html", courses=catalogue, sessions=by_course, occupancy=sharing.occupancy(upcoming),
        mine=_my_bookings_of([s.id for s in upcoming]), offer=offer, mode=mode, level=level, errors=errors,
        modes=DELIVERY_MODES, levels=LEVELS,
    ), 400 if errors else 200


@bp.route("/courses/<int:training_course_id>")
@requires("training.catalogue.view")
def course(training_course_id):
    item = _course(training_course_id)
    now = utcnow()
    sessions = db.session.scalars(select(TrainingSession).where(TrainingSession.course_id == item.id)
                                  .order_by(TrainingSession.starts_at.desc(), TrainingSession.id.desc())).all()
    upcoming = [s for s in reversed(sessions) if s.starts_at > now and s.status == "scheduled"]
    past = [s for s in sessions if s.starts_at <= now or s.status != "scheduled"][:20]
    return render_template("training/course.html", course=item, upcoming=upcoming, past=past,
                           occupancy=sharing.occupancy(upcoming), mine=_my_bookings_of([s.id for s in upcoming]),
                           owner=_owner_name(item), manage=item.tenant_id == g.tenant.id
                           and current_access().can("training.catalogue.manage"))


def _course_page(template: str, errors: FormErrors, values, status: int = 200, **context):
    offer = _offer()
    current = context.get("course")
    choices = [c for c in services.courses(offer, include_withdrawn=False) if current is None or c.id != current.id]
    return render_template(template, errors=errors, values=values, offer=offer, prerequisites=choices,
                           levels=LEVELS, modes=DELIVERY_MODES, **context), status


def _course_data(data: dict, errors: FormErrors) -> dict | None:
    prerequisite = None
    if data["prerequisite_id"] is not None:
        prerequisite = db.session.get(TrainingCourse, data["prerequisite_id"])
        if prerequisite is None:
            errors.add("prerequisite_id", "Choose a prerequisite from the list")
            return None
    return {**data, "prerequisite": prerequisite, "active": not data["withdrawn"]}


@bp.route("/courses/new", methods=["GET", "POST"])
@requires("training.catalogue.manage")
def new_course():
    offer = _offer()
    if request.method == "GET":
        return _course_page("training/course_form.html", FormErrors(),
                            {"shared": offer.coordinating, "level": 1, "delivery_mode": "in_person",
                             "duration_minutes": 180})
    data, errors = validate_form(CourseForm())
    if not errors and (values := _course_data(data, errors)) is not None:
        done = submit(lambda: services.create_course(offer, values), errors, whole="title",
                      done=lambda created: url_for("training.course", training_course_id=created.id),
                      flash_message=lambda created: f"{created.title} added to the catalogue")
        if done is not None:
            return done
    return _course_page("training/course_form.html", errors, request.form, 400)


@bp.route("/courses/<int:training_course_id>/edit", methods=["GET", "POST"])
@requires("training.catalogue.manage")
def edit_course(training_course_id):
    item = _course(training_course_id)
    offer = _offer()
    try:
        services.require_owner(offer, item)
    except TrainingError as exc:
        return _refused(str(exc), _status(exc))
    if request.method == "GET":
        values = {"title": item.title, "description": item.description, "audience": item.audience,
                  "learning_outcomes": item.learning_outcomes, "level": item.level,
                  "duration_minutes": item.duration_minutes, "delivery_mode": item.delivery_mode,
                  "prerequisite_id": item.prerequisite_id or "", "shared": item.shared, "withdrawn": not item.active}
        return _course_page("training/course_form.html", FormErrors(), values, course=item)
    data, errors = validate_form(CourseForm())
    if not errors and (values := _course_data(data, errors)) is not None:
        done = submit(lambda: services.update_course(offer, item, values), errors, whole="title",
                      done=url_for("training.course", training_course_id=item.id), flash_message="Course changed")
        if done is not None:
            return done
    return _course_page("training/course_form.html", errors, request.form, 400, course=_course(training_course_id))


# -- sessions --------------------------------------------------------------------------------------------


def _session_data(data: dict) -> dict:
    return {**data, "starts_at": at_london(data["date"], data["starts"]),
            "ends_at": at_london(data["date"], data["ends"])}


@bp.route("/courses/<int:training_course_id>/sessions/new", methods=["GET", "POST"])
@requires("training.catalogue.manage")
def new_session(training_course_id):
    item = _course(training_course_id)
    offer = _offer()
    try:
        services.require_owner(offer, item)
    except TrainingError as exc:
        return _refused(str(exc), _status(exc))
    errors = FormErrors()
    if request.method == "POST":
        data, errors = validate_form(SessionForm())
        if not errors:
            done = submit(lambda: services.schedule_session(offer, item, _session_data(data)), errors, whole="date",
                          done=lambda created: url_for("training.session", training_session_id=created.id),
                          flash_message="Session added")
            if done is not None:
                return done
    values = request.form if request.method == "POST" else {"capacity": 20}
    return render_template("training/session_form.html", course=item, session=None, errors=errors,
                           values=values), 400 if errors else 200


def _session_page(item: TrainingSession, errors: FormErrors | None = None, status: int = 200):
    offer = _offer()
    who = _principal()
    now = utcnow()
    occupancy = sharing.occupancy([item])[item.id]
    positions = sharing.waiting_positions(item)
    ours = db.session.scalars(
        select(TrainingBooking).where(TrainingBooking.session_id == item.id,
                                      TrainingBooking.status.in_(["confirmed", "waiting"]))
        .options(selectinload(TrainingBooking.agency)).order_by(TrainingBooking.requested_at, TrainingBooking.id)
    ).all()
    mine = next((b for b in ours if b.user_id == who.user_id), None)
    visible_bookings = [b for b in ours if b is not mine and rules.may_see(b, who)]
    ask_self = mine is None and who.can("training.book.self")
    membership = current_access().membership
    offered = rules.offering(
        item, who, now, ask_self=ask_self,
        me=rules.delegate_membership(membership.user_id) if ask_self and membership is not None else None,
        staff=rules.staff_choices(who) if who.can("training.book.staff") else [])
    return render_template(
        "training/session.html", session=item, course=item.course, occupancy=occupancy, mine=mine,
        positions=positions, bookings=visible_bookings, owner=_owner_name(item), offer=offer, offered=offered,
        open=item.status == "scheduled" and item.starts_at > now, started=item.starts_at <= now,
        manage=item.tenant_id == g.tenant.id and who.can("training.catalogue.manage"),
        takes_register=item.tenant_id == g.tenant.id and who.can("training.register.take"),
        deadline=rules.deadline_text(item, _settings()["cancellation_working_days"]),
        errors=errors or FormErrors(), values=request.form if request.method == "POST" else {},
    ), status


@bp.route("/sessions/<int:training_session_id>")
@requires("training.catalogue.view")
def session(training_session_id):
    return _session_page(_session(training_session_id))


def _session_changed(moved: list[sharing.Moved]) -> str:
    return "Session changed" + (f": {plural(len(moved), 'person', 'people')} from the waiting list now "
                                f"{'has a place' if len(moved) == 1 else 'have places'}" if moved else "")


@bp.route("/sessions/<int:training_session_id>/edit", methods=["GET", "POST"])
@requires("training.catalogue.manage")
def edit_session(training_session_id):
    item = _session(training_session_id)
    offer = _offer()
    try:
        services.require_owner(offer, item)
    except TrainingError as exc:
        return _refused(str(exc), _status(exc))
    errors = FormErrors()
    if request.method == "POST":
        data, errors = validate_form(SessionForm())
        if not errors:
            done = submit(lambda: rules.change_session(offer, item, _session_data(data), utcnow()), errors,
                          whole="date", done=url_for("training.session", training_session_id=training_session_id),
                          flash_message=_session_changed)
            if done is not None:
                return done
            item = _session(training_session_id)
        values = request.form
    else:
        starts, ends = item.starts_at.astimezone(services.LONDON), item.ends_at.astimezone(services.LONDON)
        values = {**date_values("date", starts.date()), "starts": time_value(starts), "ends": time_value(ends),
                  "venue": item.venue,
                  "joining_link": item.joining_link, "trainers": item.trainers, "capacity": item.capacity,
                  "joining_instructions": item.joining_instructions}
    return render_template("training/session_form.html", course=item.course, session=item, errors=errors,
                           values=values), 400 if errors else 200


@bp.route("/sessions/<int:training_session_id>/cancel", methods=["POST"])
@requires("training.catalogue.manage")
def cancel_session(training_session_id):
    item = _session(training_session_id)
    data, errors = validate_form(CancelSessionForm())
    if errors:
        return _session_page(item, errors, 400)
    try:
        moved = rules.cancel_session(_offer(), item, data["reason"], utcnow())
    except TrainingError as exc:
        db.session.rollback()
        if exc.api_status == 403:
            return _refused(str(exc))
        show_refusal(errors, exc, whole="reason")
        return _session_page(_session(training_session_id), errors, _status(exc))
    db.session.commit()
    flash(f"Session cancelled: {plural(len(moved), 'booking')} ended and everyone booked "
          "was emailed", "success")
    return redirect(url_for("training.session", training_session_id=training_session_id))


# -- booking ---------------------------------------------------------------------------------------------


def _book(training_session_id: int, delegate: Membership | None, data: dict, field: str):
    item = _session(training_session_id)
    try:
        booking = rules.book(_offer(), g.tenant, item.id, delegate, _principal(), utcnow(), _settings(),
                             manager_email=data["manager_email"])
    except TrainingError as exc:
        db.session.rollback()
        # the staff form has its own field for the manager's email
        rename = {"manager_email": "staff_manager_email"} if field == "user_id" else None
        errors = show_refusal(FormErrors(), exc, rename=rename, whole=field)
        return _session_page(_session(training_session_id), errors, _status(exc))
    db.session.commit()
    if booking.status == "confirmed":
        flash(f"{booking.delegate_name} is booked. A confirmation with a calendar invitation is on its way.",
              "success")
    else:
        flash(f"The session is full: {booking.delegate_name} is on the waiting list and will get a place "
              "automatically if one comes up.", "success")
    return redirect(url_for("training.booking", training_booking_id=booking.id))


@bp.route("/sessions/<int:training_session_id>/book", methods=["POST"])
@requires("training.book.self")
def book(training_session_id):
    _session(training_session_id)
    data, errors = validate_form(BookForm())
    if errors:
        return _session_page(_session(training_session_id), errors, 400)
    access = current_access()
    if access.membership is None:
        return _refused(rules.NO_MEMBERSHIP, 400)
    membership = rules.delegate_membership(access.membership.user_id)
    return _book(training_session_id, membership, data, "book")


@bp.route("/sessions/<int:training_session_id>/book-staff", methods=["POST"])
@requires("training.book.staff")
def book_staff(training_session_id):
    _session(training_session_id)
    data, errors = validate_form(BookStaffForm())
    if errors:
        return _session_page(_session(training_session_id), errors, 400)
    return _book(training_session_id, rules.delegate_membership(data["user_id"]), data, "user_id")


@bp.route("/bookings/")
@requires("training.catalogue.view")
def my_bookings():
    user_id = getattr(g.principal, "id", None)
    query = select(TrainingBooking).where(or_(TrainingBooking.user_id == user_id, TrainingBooking.booked_by_id == user_id))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = page_of(total, PAGE_SIZE, request.args.get("page"))
    rows = db.session.scalars(
        query.options(selectinload(TrainingBooking.session).selectinload(TrainingSession.course))
        .join(TrainingSession, TrainingSession.id == TrainingBooking.session_id)
        .order_by(TrainingSession.starts_at.desc(), TrainingBooking.id.desc()).limit(page.size).offset(page.offset)
    ).all()
    return render_template("training/my_bookings.html", bookings=rows, page=page.number, pages=page.pages,
                           total=total, now=utcnow())


def _visible_booking(training_booking_id: int) -> TrainingBooking | tuple:
    booking = _booking(training_booking_id)
    if not rules.may_see(booking, _principal()):
        return _refused("You can see your own bookings and those you made. A register taker or your agency's "
                        "safeguarding lead can see the rest.")
    return booking


@bp.route("/bookings/<int:training_booking_id>")
@requires("training.catalogue.view")
def booking(training_booking_id):
    item = _visible_booking(training_booking_id)
    if isinstance(item, tuple):
        return item
    return _booking_page(item)


def _booking_page(item: TrainingBooking, errors: FormErrors | None = None, status: int = 200):
    now = utcnow()
    session_ = item.session
    settings = _settings()
    stages = {stage: evaluation.why_closed(item, session_, stage, now) for stage in STAGES}
    done = {e.stage: e for e in item.evaluations}
    position = sharing.waiting_positions(session_).get(item.id) if item.status == "waiting" else None
    late = item.status == "confirmed" and rules.is_late(session_, now, settings["cancellation_working_days"])
    charge = rules.charge_for("cancelled_late", session_, settings) if late else 0
    return render_template(
        "training/booking.html", booking=item, session=session_, course=session_.course, stages=stages, done=done,
        position=position, late=late, charge=rules.pounds(charge) if charge else "",
        deadline=rules.deadline_text(session_, settings["cancellation_working_days"]),
        cancellable=item.status in ("confirmed", "waiting") and session_.starts_at > now,
        certificate=certificates.why_no_certificate(item) is None, learner=item.user_id == _principal().user_id,
        stage_names=STAGES, errors=errors or FormErrors(),
    ), status


@bp.route("/bookings/<int:training_booking_id>/cancel", methods=["POST"])
@requires("training.catalogue.view")
def cancel_booking(training_booking_id):
    item = _visible_booking(training_booking_id)
    if isinstance(item, tuple):
        return item
    try:
        outcome = rules.cancel(_offer(), g.tenant, item, utcnow(), _settings())
    except TrainingError as exc:
        db.session.rollback()
        errors = show_refusal(FormErrors(), exc, whole="cancel")
        return _booking_page(_booking(training_booking_id), errors, 409)
    db.session.commit()
    message = "Booking cancelled."
    if outcome.late:
        message = "Booking cancelled after the deadline: it is recorded as a late cancellation" + \
            (f" and your agency will be charged {rules.pounds(outcome.charge_pence)}." if outcome.charge_pence else ".")
    if outcome.promoted:
        message += " The place has gone to the first person on the waiting list."
    flash(message, "success")
    return redirect(url_for("training.booking", training_booking_id=training_booking_id))


@bp.route("/bookings/<int:training_booking_id>/invite.ics")
@requires("training.catalogue.view")
def booking_ics(training_booking_id):
    item = _visible_booking(training_booking_id)
    if isinstance(item, tuple):
        return item
    if item.confirmed_at is None:
        return _refused("There is no calendar invitation while the booking is on the waiting list", 404)
    content = notices.invite(item, item.session, g.tenant, cancel=item.status == "cancelled")
    return download_response(content.encode(), "text/calendar; charset=utf-8", f"training-{item.id}.ics")


@bp.route("/bookings/<int:training_booking_id>/certificate.pdf")
@requires("training.catalogue.view")
def certificate(training_booking_id):
    item = _visible_booking(training_booking_id)
    if isinstance(item, tuple):
        return item
    organiser = None if item.session.tenant_id == g.tenant.id else _offer().coordinator_name
    try:
        content = certificates.certificate_pdf(item, g.tenant.short_name, organiser)
    except TrainingError as exc:
        return _refused(str(exc), _status(exc))
    return download_response(content, "application/pdf", f"certificate-{item.id}.pdf")


@bp.route("/bookings/<int:training_booking_id>/evaluation", methods=["GET", "POST"])
@requires("training.catalogue.view")
def evaluate(training_booking_id):
    item = _visible_booking(training_booking_id)
    if isinstance(item, tuple):
        return item
    now = utcnow()
    stage = request.args.get("stage", "").strip()
    if stage not in STAGES:
        stage = next((s for s in STAGES if evaluation.why_closed(item, item.session, s, now) is None), "before")
    done = next((e for e in item.evaluations if e.stage == stage), None)
    learner = item.user_id == _principal().user_id
    errors = FormErrors()
    status = 400
    if request.method == "POST":
        if not learner:
            return _refused("Only the learner completes their evaluation")
        data, errors = validate_form(EvaluationForm())
        if not errors:
            try:
                evaluation.submit(item, stage, data["knowledge"], data["confidence"], data["comments"],
                                  data["manager_name"], now, g.principal.id)
            except TrainingError as exc:
                db.session.rollback()
                show_refusal(errors, exc, whole="stage")
                status = _status(exc)
                item = _booking(training_booking_id)
            else:
                db.session.commit()
                flash("Thank you: your answers are saved", "success")
                return redirect(url_for("training.booking", training_booking_id=training_booking_id))
    return render_template(
        "training/evaluation.html", booking=item, session=item.session, course=item.session.course, stage=stage,
        stage_names=STAGES, closed=evaluation.why_closed(item, item.session, stage, now), done=done, learner=learner,
        errors=errors, values=request.form if request.method == "POST" else {},
    ), status if errors else 200


# -- the register ----------------------------------------------------------------------------------------


@bp.route("/sessions/<int:training_session_id>/register", methods=["GET", "POST"])
@requires("training.register.take")
def register(training_session_id):
    item = _session(training_session_id)
    offer = _offer()
    try:
        entries = rules.register_entries(offer, item)
    except TrainingError as exc:
        return _refused(str(exc), _status(exc))
    errors = FormErrors()
    now = utcnow()
    if request.method == "POST":
        answers = {e.booking_id: request.form.get(rules.outcome_field(e.booking_id), "") for e in entries}
        done = submit(lambda: rules.take_register(offer, item, answers, now), errors, whole="register",
                      done=url_for("training.register", training_session_id=training_session_id),
                      flash_message=lambda changed: f"Register saved ({plural(changed, 'change')})")
        if done is not None:
            return done
        item = _session(training_session_id)
        entries = rules.register_entries(offer, item)
    return render_template("training/register.html", session=item, course=item.course, entries=entries,
                           errors=errors, values=request.form, posted=request.method == "POST",
                           outcomes=ATTENDANCE, started=item.starts_at <= now), 400 if errors else 200


# -- figures ---------------------------------------------------------------------------------------------


def _this_year() -> FinancialYear:
    return FinancialYear.containing(london_day(utcnow()))


def _year() -> tuple[FinancialYear, str | None]:
    return chosen_year(request.args.get("year"), _this_year())


def sector_chart(result: figures.Figures) -> Chart:
    """Bookings and attendance in full by sector: the page's by-sector table, drawn."""
    rows = result.by_sector
    return bar_chart(f"Bookings and attendance in full by sector, {result.year.label}",
                     [(r.label, r.bookings) for r in rows], second=[r.attended for r in rows],
                     series=("Bookings", "Attended in full"), id_prefix="training-sectors")


@bp.route("/figures")
@requires("training.figures.view")
def figures_page():
    year, problem = _year()
    errors = FormErrors()
    years = years_to_offer(_this_year(), year, figures.years_with_sessions(_offer()))
    if problem:
        errors.add("year", problem)
        return render_template("training/figures.html", figures=None, year=year, errors=errors, years=years), 400
    result = figures.gather(_offer(), g.tenant, year, utcnow())
    return render_template("training/figures.html", figures=result, year=year, errors=errors, years=years,
                           shown=evaluation.shown, pounds=rules.pounds, sector_chart=sector_chart(result))


def _figures_download(kind: str):
    year, problem = _year()
    if problem:
        return _refused(problem, 400)
    result = figures.gather(_offer(), g.tenant, year, utcnow())
    name = f"training-{g.tenant.slug}-{year.start_year}-{year.start_year + 1}"
    if kind == "csv":
        return download_response(figures.figures_csv(result), CSV_TYPE, f"{name}.csv")
    return download_response(figures.figures_xlsx(result), XLSX_TYPE, f"{name}.xlsx")


@bp.route("/figures.csv")
@requires("training.figures.view")
def figures_csv():
    return _figures_download("csv")


@bp.route("/figures.xlsx")
@requires("training.figures.view")
def figures_xlsx():
    return _figures_download("xlsx")


# -- training needs analysis -----------------------------------------------------------------------------


@bp.route("/needs/")
@requires("training.needs.manage")
def needs_index():
    surveys = db.session.scalars(select(TrainingNeedsSurvey).order_by(TrainingNeedsSurvey.created_at.desc(),
                                                                      TrainingNeedsSurvey.id.desc())).all()
    counts = dict(db.session.execute(select(TrainingNeedsResponse.survey_id, func.count())
                                     .group_by(TrainingNeedsResponse.survey_id)).all())
    return render_template("training/needs_index.html", surveys=surveys, counts=counts)


def _survey_values(survey: TrainingNeedsSurvey) -> dict:
    return {"title": survey.title, "plan_year": survey.plan_year, "topics": "\n".join(survey.topics),
            **date_values("closes", survey.closes_on)}


@bp.route("/needs/new", methods=["GET", "POST"])
@requires("training.needs.manage")
def new_survey():
    errors = FormErrors()
    today = london_day(utcnow())
    if request.method == "POST":
        data, errors = validate_form(SurveyForm())
        if not errors:
            done = submit(lambda: needs.create_survey(data["title"], data["plan_year"],
                                                      needs.parse_topics(data["topics"]), data["closes"], today),
                          errors, whole="title",
                          done=lambda survey: url_for("training.survey", training_needs_survey_id=survey.id),
                          flash_message="Questionnaire drafted: check it, then open it to email the agencies")
            if done is not None:
                return done
    values = request.form if request.method == "POST" else {
        "plan_year": FinancialYear.containing(today).start_year + 1,
        "title": f"Training needs analysis {FinancialYear(FinancialYear.containing(today).start_year + 1).label}"}
    return render_template("training/needs_form.html", survey=None, errors=errors, values=values), \
        400 if errors else 200


def _survey(survey_id: int) -> TrainingNeedsSurvey:
    survey = get_or_404(TrainingNeedsSurvey, survey_id)
    db.session.scalars(select(TrainingNeedsSurvey).where(TrainingNeedsSurvey.id == survey.id).options(
        selectinload(TrainingNeedsSurvey.responses).selectinload(TrainingNeedsResponse.agency))).one()
    return survey


@bp.route("/needs/<int:training_needs_survey_id>")
@requires("training.needs.manage")
def survey(training_needs_survey_id):
    item = _survey(training_needs_survey_id)
    agencies = db.session.scalar(select(func.count()).select_from(Agency))
    return render_template("training/needs_survey.html", survey=item, summary=needs.summarise(item),
                           agencies=agencies, leads=len(needs.lead_addresses()) if item.status == "draft" else None,
                           modes=DELIVERY_MODES, ratings=NEED_RATINGS, errors=FormErrors())


@bp.route("/needs/<int:training_needs_survey_id>/edit", methods=["GET", "POST"])
@requires("training.needs.manage")
def edit_survey(training_needs_survey_id):
    item = _survey(training_needs_survey_id)
    errors = FormErrors()
    if request.method == "POST":
        data, errors = validate_form(SurveyForm())
        if not errors:
            done = submit(lambda: needs.update_survey(item, data["title"], data["plan_year"],
                                                      needs.parse_topics(data["topics"]), data["closes"],
                                                      london_day(utcnow())),
                          errors, whole="title", done=url_for("training.survey", training_needs_survey_id=item.id),
                          flash_message="Questionnaire changed")
            if done is not None:
                return done
            item = _survey(training_needs_survey_id)
    values = request.form if request.method == "POST" else _survey_values(item)
    return render_template("training/needs_form.html", survey=item, errors=errors, values=values), \
        400 if errors else 200


def _survey_change(training_needs_survey_id: int, change, message):
    item = _survey(training_needs_survey_id)
    try:
        result = change(item)
    except TrainingError as exc:
        db.session.rollback()
        return _refused(str(exc), _status(exc))
    db.session.commit()
    flash(message(result), "success")
    return redirect(url_for("training.survey", training_needs_survey_id=training_needs_survey_id))


@bp.route("/needs/<int:training_needs_survey_id>/open", methods=["POST"])
@requires("training.needs.manage")
def open_survey(training_needs_survey_id):
    return _survey_change(training_needs_survey_id, lambda s: needs.open_survey(s, g.tenant, utcnow()),
                          lambda n: f"Questionnaire opened and sent to {plural(n, 'agency safeguarding lead')}")


@bp.route("/needs/<int:training_needs_survey_id>/close", methods=["POST"])
@requires("training.needs.manage")
def close_survey(training_needs_survey_id):
    return _survey_change(training_needs_survey_id, lambda s: needs.close_survey(s, utcnow()),
                          lambda _n: "Questionnaire closed")


@bp.route("/needs/answer")
@requires("training.needs.respond")
def needs_to_answer():
    agency_id = _principal().agency_id
    surveys = db.session.scalars(select(TrainingNeedsSurvey).where(TrainingNeedsSurvey.status == "open")
                                 .order_by(TrainingNeedsSurvey.opened_at.desc(), TrainingNeedsSurvey.id.desc())).all()
    answered = set(db.session.scalars(select(TrainingNeedsResponse.survey_id).where(
        TrainingNeedsResponse.agency_id == agency_id))) if agency_id else set()
    return render_template("training/needs_answer.html", surveys=surveys, answered=answered,
                           has_agency=agency_id is not None, today=london_day(utcnow()), is_open=needs.is_open)


@bp.route("/needs/<int:training_needs_survey_id>/respond", methods=["GET", "POST"])
@requires("training.needs.respond")
def respond(training_needs_survey_id):
    item = _survey(training_needs_survey_id)
    agency_id = _principal().agency_id
    agency = db.session.get(Agency, agency_id) if agency_id else None
    existing = next((r for r in item.responses if agency is not None and r.agency_id == agency.id), None)
    today = london_day(utcnow())
    errors = FormErrors()
    if request.method == "POST" and agency is None:
        errors.add("agency", "Your membership of the partnership names no agency, so you cannot answer for one")
        values = request.form
    elif request.method == "POST":
        data, errors = validate_form(ResponseForm())
        answers = {}
        for index in range(len(item.topics)):
            need = request.form.get(needs.answer_field(index, "need"), "").strip()
            staff = request.form.get(needs.answer_field(index, "staff"), "").strip()
            answers[index] = (int(need) if need in {str(k) for k in NEED_RATINGS} else None,
                              int(staff) if staff.isascii() and staff.isdigit() and len(staff) <= 6 else
                              (None if not staff else "bad"))
        if not errors:
            done = submit(lambda: needs.respond(item, agency, g.principal.id, answers, data["preferred_delivery"],
                                                data["comments"], utcnow(), today),
                          errors, whole="preferred_delivery", done=url_for("training.needs_to_answer"),
                          flash_message=f"Thank you: {agency.name}'s answers are saved")
            if done is not None:
                return done
            item = _survey(training_needs_survey_id)
        values = request.form
    elif existing is not None:
        values = {"preferred_delivery": existing.preferred_delivery, "comments": existing.comments,
                  **{needs.answer_field(int(i), "need"): str(v) for i, v in existing.needs.items()},
                  **{needs.answer_field(int(i), "staff"): str(v) for i, v in existing.staff.items()}}
    else:
        values = {}
    return render_template("training/needs_respond.html", survey=item, agency=agency, existing=existing,
                           open=needs.is_open(item, today), errors=errors, values=values, ratings=NEED_RATINGS,
                           modes=DELIVERY_MODES, answer_field=needs.answer_field), 400 if errors else 200


# -- the dashboard panel ---------------------------------------------------------------------------------


def dashboard_context(tenant, settings, user) -> dict:
    """The signed-in person's next sessions and how many sessions are coming: four queries at most."""
    now: datetime = utcnow()
    offer = services.offer_for(tenant, settings) if "training_offer" not in g else g.training_offer
    booked = db.session.scalars(
        select(TrainingBooking).join(TrainingSession, TrainingSession.id == TrainingBooking.session_id)
        .where(TrainingBooking.user_id == user.id, TrainingBooking.status.in_(["confirmed", "waiting"]),
               TrainingSession.starts_at > now)
        .options(selectinload(TrainingBooking.session).selectinload(TrainingSession.course))
        .order_by(TrainingSession.starts_at).limit(5)
    ).all()
    return {"booked": booked, "upcoming": figures.upcoming_count(offer, now)}

