"""Pages for the partnership's meetings: the list, each meeting with its agenda, papers, minutes, decisions,
actions and attendance, the actions of every body, the attendance report of a financial year, and
calendar downloads. Reading needs core.meetings.view, changing core.meetings.manage; the rules themselves
are in core.structure.meetings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import Blueprint, Response, current_app, flash, g, redirect, render_template, request, url_for
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core.auth.access import requires
from core.calendar import FinancialYear, chosen_year, years_to_offer
from core.db import db, utcnow
from core.exports import CSV_TYPE, XLSX_TYPE, download_response
from core.plugins.types import DashboardPanel
from core.refusals import show_refusal, submit
from core.structure import meetings as rules
from core.structure.models import (
    ACTION_STATUSES,
    ATTENDANCE,
    Action,
    AgendaItem,
    Body,
    BodyMember,
    Decision,
    Meeting,
    Paper,
    RoleHolder,
)
from core.tenancy.models import Agency
from core.web.form_dates import ClockTime, date_schema, date_values, time_value
from core.web.forms import FormErrors, validate_form
from core.web.ids import Id
from core.web.lookup import get_or_404
from core.web.pagination import page_of

bp = Blueprint("meetings", __name__)
PAGE_SIZE = 25
FEED_HISTORY = timedelta(days=400)  # a calendar feed carries the last year's meetings and every one to come


# -- forms ------------------------------------------------------------------------------------------------

def _text(required_message: str | None, maximum: int, label: str):
    kwargs = {"validate": validate.Length(max=maximum, error=f"{label} must be {maximum} characters or fewer")}
    if required_message:
        return fields.String(required=True, error_messages={"required": required_message}, **kwargs)
    return fields.String(load_default="", **kwargs)


_when = {
    "starts": ClockTime(required=True, error_messages={"required": "Enter the time the meeting starts"}),
    "ends": ClockTime(required=True, error_messages={"required": "Enter the time the meeting ends"}),
    "location": _text(None, 300, "The location"),
}
MeetingForm = date_schema("MeetingForm", {"date": ("the date of the meeting", True)},
                          body_id=Id(required=True, error_messages={"required": "Choose the body that is meeting",
                                                                    "invalid": "Choose a body from the list"}),
                          **_when)
RescheduleForm = date_schema("RescheduleForm", {"date": ("the date of the meeting", True)}, **_when)
SeriesForm = date_schema(
    "SeriesForm", {"first": ("the date of the first meeting", True), "until": ("the last date", False)},
    body_id=Id(required=True, error_messages={"required": "Choose the body that is meeting",
                                              "invalid": "Choose a body from the list"}),
    count=fields.Integer(load_default=None, validate=validate.Range(
        min=1, max=rules.MAX_SERIES, error=f"The number of meetings must be between 1 and {rules.MAX_SERIES}"),
        error_messages={"invalid": "Enter the number of meetings as a whole number, like 4"}),
    **_when,
)
ActionForm = date_schema(
    "ActionForm", {"due": ("the due date", False)},
    description=_text("Describe the action", 2000, "The action"),
    owner=_text("Enter who owns the action", 200, "The owner"),
    owner_agency_id=Id(load_default=None, error_messages={"invalid": "Choose an agency from the list"}),
    status=fields.String(load_default="open", validate=validate.OneOf(list(ACTION_STATUSES),
                                                                      error="Choose a status from the list")),
)


class NewActionForm(ActionForm):
    body_id = Id(required=True, error_messages={"required": "Choose the body the action belongs to",
                                                "invalid": "Choose a body from the list"})
    meeting_id = Id(load_default=None)


class AgendaForm(Schema):
    title = _text("Enter the agenda item", 300, "The agenda item")
    presenter = _text(None, 200, "The presenter")


class MoveForm(Schema):
    direction = fields.String(required=True, validate=validate.OneOf(["up", "down"], error="Choose up or down"))


class MinutesForm(Schema):
    # Named apart from the page's #minutes section, so that its label and error link name the box.
    minutes = fields.String(data_key="draft_minutes", required=True, error_messages={"required": "Enter the minutes"},
                            validate=validate.Length(max=200_000, error="The minutes are too long"))


class ReopenForm(Schema):
    reason = _text("Say why the minutes are being reopened", 500, "The reason")


class DecisionForm(Schema):
    text = fields.String(data_key="decision", required=True, error_messages={"required": "Enter the decision"},
                         validate=validate.Length(max=2000, error="The decision must be 2000 characters or fewer"))


class PaperForm(Schema):
    title = fields.String(data_key="paper_title", load_default="",
                          validate=validate.Length(max=300, error="The title must be 300 characters or fewer"))


class CancelForm(Schema):
    reason = fields.String(data_key="cancel_reason", load_default="",
                           validate=validate.Length(max=500, error="The reason must be 500 characters or fewer"))


# -- helpers ---------------------------------------------------------------------------------------------


def _today() -> date:
    return rules.today_in_london(utcnow())


def _bodies() -> list[Body]:
    return db.session.scalars(select(Body).order_by(Body.position, Body.name)).all()


def _agencies() -> list[Agency]:
    return db.session.scalars(select(Agency).order_by(Agency.name)).all()


def _load_meeting(meeting_id: int) -> Meeting:
    """The meeting of the URL with everything its page shows, in a fixed number of queries."""
    meeting = get_or_404(Meeting, meeting_id)
    db.session.scalars(select(Meeting).where(Meeting.id == meeting.id).options(
        selectinload(Meeting.body).selectinload(Body.members).selectinload(BodyMember.agency),
        selectinload(Meeting.body).selectinload(Body.members).selectinload(BodyMember.role_holder)
        .selectinload(RoleHolder.agency),
        selectinload(Meeting.agenda), selectinload(Meeting.papers), selectinload(Meeting.decisions),
        selectinload(Meeting.attendance),
    )).one()
    return meeting


def _meeting_actions(meeting: Meeting) -> list[Action]:
    return db.session.scalars(select(Action).where(Action.meeting_id == meeting.id)
                              .options(selectinload(Action.owner_agency)).order_by(Action.id)).all()


def _render_meeting(meeting: Meeting, errors: FormErrors | None = None, status: int = 200):
    today, now = _today(), utcnow()
    page = render_template(
        "meetings/meeting.html", meeting=meeting, seats=rules.attendance_by_seat(meeting),
        actions=_meeting_actions(meeting), today=today, errors=errors or FormErrors(),
        values=request.form if request.method == "POST" else {},
        is_overdue=rules.is_overdue, action_statuses=ACTION_STATUSES,
        # What the rules would refuse, asked of them, so that the page says why instead of offering it.
        cannot_approve=rules.approval_refusal(meeting, today), cannot_reschedule=rules.reschedule_refusal(meeting),
        cannot_cancel=rules.cancel_refusal(meeting), cannot_record=rules.attendance_refusal(meeting, now),
    )
    return page, status


def _page_of(meeting: Meeting, anchor: str = "") -> str:
    return url_for("meetings.show", meeting_id=meeting.id) + (f"#{anchor}" if anchor else "")


def _back_to(meeting: Meeting, anchor: str = ""):
    return redirect(_page_of(meeting, anchor))


# -- the list of meetings --------------------------------------------------------------------------------


@bp.route("/")
@requires("core.meetings.view")
def index():
    bodies = _bodies()
    errors = FormErrors()
    key = request.args.get("body", "").strip()
    body = next((b for b in bodies if b.key == key), None)
    if key and body is None:
        errors.add("body", "Choose a body from the list")
    when = "past" if request.args.get("when") == "past" else "upcoming"
    now = utcnow()
    query = select(Meeting)
    if body is not None:
        query = query.where(Meeting.body_id == body.id)
    if when == "past":
        query = query.where(Meeting.ends_at < now).order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    else:
        query = query.where(Meeting.ends_at >= now).order_by(Meeting.starts_at, Meeting.id)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = page_of(total, PAGE_SIZE, request.args.get("page"))
    meetings = db.session.scalars(query.options(selectinload(Meeting.body)).limit(page.size).offset(page.offset)).all()
    return render_template("meetings/index.html", meetings=meetings, bodies=bodies, body=body, when=when,
                           page=page.number, pages=page.pages, total=total, errors=errors), 400 if errors else 200


def _schedule_page(template: str, errors: FormErrors, status: int = 200, refusal=rules.schedule_refusal):
    """The form with the bodies the rule (``refusal``) lets it schedule for: no choice that is refused."""
    bodies = [b for b in _bodies() if refusal(b) is None]
    return render_template(template, bodies=bodies, errors=errors,
                           values=request.form if request.method == "POST" else request.args), status


def _chosen_body(data: dict, errors: FormErrors) -> Body | None:
    body = db.session.get(Body, data["body_id"])
    if body is None:  # another tenant's body is simply not found
        errors.add("body_id", "Choose a body from the list")
    return body


@bp.route("/new", methods=["GET", "POST"])
@requires("core.meetings.manage")
def schedule():
    if request.method == "GET":
        return _schedule_page("meetings/schedule.html", FormErrors())
    data, errors = validate_form(MeetingForm())
    if not errors and (body := _chosen_body(data, errors)) is not None:
        done = submit(lambda: rules.schedule_meeting(body, rules.at_london(data["date"], data["starts"]),
                                                     rules.at_london(data["date"], data["ends"]), data["location"]),
                      errors, done=_page_of, flash_message="Meeting scheduled", whole="date")
        if done:
            return done
    return _schedule_page("meetings/schedule.html", errors, 400)


@bp.route("/series", methods=["GET", "POST"])
@requires("core.meetings.manage")
def schedule_series():
    if request.method == "GET":
        return _schedule_page("meetings/series.html", FormErrors(), refusal=rules.series_refusal)
    data, errors = validate_form(SeriesForm())
    if not errors and (body := _chosen_body(data, errors)) is not None:
        done = submit(lambda: rules.schedule_series(body, data["first"], data["starts"], data["ends"],
                                                    count=data["count"], until=data["until"], location=data["location"]),
                      errors, done=lambda _: url_for("meetings.index", body=body.key),
                      flash_message=lambda created: f"{rules.count_of(len(created), 'meeting')} of {body.name} scheduled",
                      whole="first")
        if done:
            return done
    return _schedule_page("meetings/series.html", errors, 400, refusal=rules.series_refusal)


# -- one meeting -----------------------------------------------------------------------------------------


@bp.route("/<int:meeting_id>")
@requires("core.meetings.view")
def show(meeting_id):
    return _render_meeting(_load_meeting(meeting_id))


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
@requires("core.meetings.manage")
def reschedule(meeting_id):
    meeting = get_or_404(Meeting, meeting_id)
    errors = FormErrors()
    refusal = rules.reschedule_refusal(meeting)
    if request.method == "POST" and refusal is not None:
        # No date typed could be taken: say why, where the page says it, rather than ask for fields it lacks.
        show_refusal(errors, refusal, whole="meeting")
        values = request.form
    elif request.method == "POST":
        data, errors = validate_form(RescheduleForm())
        if not errors:
            done = submit(lambda: rules.reschedule_meeting(meeting, rules.at_london(data["date"], data["starts"]),
                                                           rules.at_london(data["date"], data["ends"]), data["location"]),
                          errors, done=_page_of(meeting), flash_message="Meeting changed", whole="date")
            if done:
                return done
        values = request.form
    else:
        starts, ends = rules.in_london(meeting.starts_at), rules.in_london(meeting.ends_at)
        values = {**date_values("date", starts.date()), "starts": time_value(starts), "ends": time_value(ends),
                  "location": meeting.location}
    return render_template("meetings/reschedule.html", meeting=meeting, errors=errors, values=values,
                           refusal=refusal), 400 if errors else 200


@bp.route("/<int:meeting_id>/cancel", methods=["POST"])
@requires("core.meetings.manage")
def cancel(meeting_id):
    return _change(meeting_id, CancelForm(), lambda m, d: rules.cancel_meeting(m, d["reason"]),
                   "Meeting cancelled", "", "meeting")


def _change(meeting_id: int, schema: Schema, change, message: str, anchor: str, default_field: str):
    """Validate a form of the meeting page, make the change, and return to the page (or show it with the
    errors, where the form was)."""
    meeting = get_or_404(Meeting, meeting_id)
    data, errors = validate_form(schema)
    if not errors:
        done = submit(lambda: change(meeting, data), errors, done=_page_of(meeting, anchor), flash_message=message,
                      whole=default_field)
        if done:
            return done
    return _render_meeting(_load_meeting(meeting_id), errors, 400)


@bp.route("/<int:meeting_id>/agenda", methods=["POST"])
@requires("core.meetings.manage")
def add_agenda_item(meeting_id):
    return _change(meeting_id, AgendaForm(), lambda m, d: rules.add_agenda_item(m, d["title"], d["presenter"]),
                   "Agenda item added", "agenda", "agenda")


@bp.route("/agenda/<int:agenda_item_id>/move", methods=["POST"])
@requires("core.meetings.manage")
def move_agenda_item(agenda_item_id):
    item = get_or_404(AgendaItem, agenda_item_id)
    data, errors = validate_form(MoveForm())
    if errors:
        errors = FormErrors({"agenda": errors.fields["direction"]})
        return _render_meeting(_load_meeting(item.meeting_id), errors, 400)
    rules.move_agenda_item(item, data["direction"])
    db.session.commit()
    return _back_to(item.meeting, "agenda")


@bp.route("/agenda/<int:agenda_item_id>/remove", methods=["POST"])
@requires("core.meetings.manage")
def remove_agenda_item(agenda_item_id):
    item = get_or_404(AgendaItem, agenda_item_id)
    meeting = item.meeting
    rules.remove_agenda_item(item)
    db.session.commit()
    flash("Agenda item removed", "success")
    return _back_to(meeting, "agenda")


@bp.route("/<int:meeting_id>/papers", methods=["POST"])
@requires("core.meetings.manage")
def add_paper(meeting_id):
    meeting = get_or_404(Meeting, meeting_id)
    data, errors = validate_form(PaperForm())
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        errors.add("file", "Choose a file to upload")
    if not errors:
        # One byte past the limit is enough to know the file is too large.
        content = upload.stream.read(rules.MAX_PAPER_BYTES + 1)
        done = submit(lambda: rules.add_paper(meeting, data["title"], upload.filename, content), errors,
                      done=_page_of(meeting, "papers"), flash_message="Paper added", whole="papers")
        if done:
            return done
    return _render_meeting(_load_meeting(meeting_id), errors, 400)


@bp.route("/papers/<int:paper_id>")
@requires("core.meetings.view")
def download_paper(paper_id):
    paper = get_or_404(Paper, paper_id)
    return download_response(paper.content, paper.content_type, paper.filename)


@bp.route("/papers/<int:paper_id>/remove", methods=["POST"])
@requires("core.meetings.manage")
def remove_paper(paper_id):
    paper = get_or_404(Paper, paper_id)
    meeting = paper.meeting
    rules.remove_paper(paper)
    db.session.commit()
    flash("Paper removed", "success")
    return _back_to(meeting, "papers")


@bp.route("/<int:meeting_id>/minutes", methods=["POST"])
@requires("core.meetings.manage")
def save_minutes(meeting_id):
    return _change(meeting_id, MinutesForm(), lambda m, d: rules.save_minutes(m, d["minutes"]),
                   "Draft minutes saved", "minutes", "minutes")


@bp.route("/<int:meeting_id>/minutes/approve", methods=["POST"])
@requires("core.meetings.manage")
def approve_minutes(meeting_id):
    return _change(meeting_id, Schema(), lambda m, d: rules.approve_minutes(m, _today()),
                   "Minutes approved", "minutes", "minutes")


@bp.route("/<int:meeting_id>/minutes/reopen", methods=["POST"])
@requires("core.meetings.manage")
def reopen_minutes(meeting_id):
    return _change(meeting_id, ReopenForm(), lambda m, d: rules.reopen_minutes(m, d["reason"]),
                   "Minutes reopened as a draft", "minutes", "minutes")


@bp.route("/<int:meeting_id>/decisions", methods=["POST"])
@requires("core.meetings.manage")
def add_decision(meeting_id):
    return _change(meeting_id, DecisionForm(), lambda m, d: rules.add_decision(m, d["text"]),
                   "Decision recorded", "decisions", "decisions")


@bp.route("/decisions/<int:decision_id>/remove", methods=["POST"])
@requires("core.meetings.manage")
def remove_decision(decision_id):
    decision = get_or_404(Decision, decision_id)
    meeting_id = decision.meeting_id
    errors = FormErrors()
    done = submit(lambda: rules.remove_decision(decision), errors,
                  done=url_for("meetings.show", meeting_id=meeting_id) + "#decisions",
                  flash_message="Decision removed", whole="decisions")
    return done or _render_meeting(_load_meeting(meeting_id), errors, 400)


@bp.route("/<int:meeting_id>/attendance", methods=["GET", "POST"])
@requires("core.meetings.manage")
def attendance(meeting_id):
    meeting = _load_meeting(meeting_id)
    errors = FormErrors()
    if request.method == "POST":
        seats = rules.seats_on(meeting.body, rules.london_day(meeting.starts_at))
        # Only the seats of the meeting's date are read from the form: an id it does not list is ignored.
        answers = {seat.id: (request.form.get(rules.attendance_field(seat.id), ""),
                             request.form.get(rules.attendance_field(seat.id, "deputy"), "")) for seat in seats}
        done = submit(lambda: rules.record_attendance(meeting, answers, utcnow()), errors,
                      done=_page_of(meeting, "attendance"), flash_message="Attendance recorded", whole="attendance")
        if done:
            return done
        meeting = _load_meeting(meeting_id)  # as it is, after the rollback
    return render_template("meetings/attendance.html", meeting=meeting, seats=rules.attendance_by_seat(meeting),
                           errors=errors, values=request.form, posted=request.method == "POST",
                           statuses=ATTENDANCE, refusal=rules.attendance_refusal(meeting, utcnow())
                           ), 400 if errors else 200


# -- actions ---------------------------------------------------------------------------------------------

ACTION_FILTERS = {"": "All", "outstanding": "Open or in progress", "overdue": "Overdue", **ACTION_STATUSES}


@bp.route("/actions")
@requires("core.meetings.view")
def actions():
    bodies = _bodies()
    errors = FormErrors()
    today = _today()
    key = request.args.get("body", "").strip()
    body = next((b for b in bodies if b.key == key), None)
    if key and body is None:
        errors.add("body", "Choose a body from the list")
    status = request.args.get("status", "outstanding")
    if status not in ACTION_FILTERS:
        errors.add("status", "Choose a status from the list")
        status = ""
    query = select(Action)
    if body is not None:
        query = query.where(Action.body_id == body.id)
    if status == "overdue":
        query = query.where(rules.overdue_clause(today))
    elif status == "outstanding":
        query = query.where(Action.status.not_in(rules.CLOSED_ACTIONS))
    elif status:
        query = query.where(Action.status == status)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = page_of(total, PAGE_SIZE, request.args.get("page"))
    rows = db.session.scalars(
        query.options(selectinload(Action.body), selectinload(Action.owner_agency), selectinload(Action.meeting))
        .order_by(Action.due_on.is_(None), Action.due_on, Action.id).limit(page.size).offset(page.offset)
    ).all()
    return render_template("meetings/actions.html", actions=rows, bodies=bodies, body=body, status=status,
                           filters=ACTION_FILTERS, statuses=ACTION_STATUSES, today=today,
                           is_overdue=rules.is_overdue, page=page.number, pages=page.pages, total=total,
                           errors=errors), 400 if errors else 200


def _action_page(template: str, errors: FormErrors, status: int = 200, **context):
    return render_template(template, bodies=_bodies(), agencies=_agencies(), statuses=ACTION_STATUSES,
                           errors=errors, **context), status


def _agency_of(data: dict, errors: FormErrors) -> Agency | None:
    if data.get("owner_agency_id") is None:
        return None
    agency = db.session.get(Agency, data["owner_agency_id"])
    if agency is None:
        errors.add("owner_agency_id", "Choose an agency from the list")
    return agency


@bp.route("/actions/new", methods=["GET", "POST"])
@requires("core.meetings.manage")
def new_action():
    if request.method == "GET":
        values = dict(request.args)
        meeting = None
        raw = request.args.get("meeting", "")
        if raw.isascii() and raw.isdigit() and len(raw) <= 10 and int(raw) <= 2**31 - 1:
            meeting = db.session.get(Meeting, int(raw))
        if meeting is not None:
            values |= {"meeting_id": meeting.id, "body_id": meeting.body_id}
        return _action_page("meetings/action_new.html", FormErrors(), values=values, meeting=meeting)
    data, errors = validate_form(NewActionForm())
    meeting = None
    if not errors:
        body = _chosen_body(data, errors)
        agency = _agency_of(data, errors)
        if data["meeting_id"] is not None:
            meeting = db.session.get(Meeting, data["meeting_id"])
            if meeting is None:
                errors.add("meeting_id", "Choose a meeting from the list")
        if not errors:
            done = submit(lambda: rules.add_action(body, data["description"], data["owner"], owner_agency=agency,
                                                   due_on=data["due"], meeting=meeting),
                          errors, done=lambda action: (_page_of(meeting, "actions") if meeting is not None
                                                       else url_for("meetings.action", action_id=action.id)),
                          flash_message="Action added", whole="description")
            if done:
                return done
    return _action_page("meetings/action_new.html", errors, 400, values=request.form, meeting=meeting)


@bp.route("/actions/<int:action_id>")
@requires("core.meetings.view")
def action(action_id):
    item = get_or_404(Action, action_id)
    return _action_page("meetings/action.html", FormErrors(), action=item, today=_today(),
                        overdue=rules.is_overdue(item, _today()), values=_action_values(item))


def _action_values(item: Action) -> dict:
    return {"description": item.description, "owner": item.owner, "status": item.status,
            "owner_agency_id": item.owner_agency_id or "", **date_values("due", item.due_on)}


@bp.route("/actions/<int:action_id>", methods=["POST"])
@requires("core.meetings.manage")
def update_action(action_id):
    item = get_or_404(Action, action_id)
    data, errors = validate_form(ActionForm())
    if not errors:
        agency = _agency_of(data, errors)
        if not errors:
            done = submit(lambda: rules.update_action(item, description=data["description"], owner=data["owner"],
                                                      owner_agency=agency, due_on=data["due"], status=data["status"],
                                                      today=_today()),
                          errors, done=url_for("meetings.action", action_id=action_id), flash_message="Action updated",
                          whole="description")
            if done:
                return done
    return _action_page("meetings/action.html", errors, 400, action=item, today=_today(),
                        overdue=rules.is_overdue(item, _today()), values=request.form)


# -- the attendance report -------------------------------------------------------------------------------


def _report_year() -> tuple[FinancialYear, FormErrors]:
    """The year of ``?year=`` (the current one when none), with the message when it is not a year."""
    year, problem = chosen_year(request.args.get("year"), FinancialYear.containing(_today()))
    errors = FormErrors()
    if problem:
        errors.add("year", problem)
    return year, errors


def _report_page(year: FinancialYear, errors: FormErrors, report=None):
    years = years_to_offer(FinancialYear.containing(_today()), year, rules.years_with_meetings())
    return render_template("meetings/report.html", report=report, year=year, errors=errors,
                           years=years), 400 if errors else 200


@bp.route("/attendance")
@requires("core.meetings.view")
def report():
    year, errors = _report_year()
    if errors:
        return _report_page(year, errors)
    return _report_page(year, errors, rules.attendance_report(year, utcnow()))


def _report_download(kind: str):
    year, errors = _report_year()
    if errors:
        return _report_page(year, errors)
    result = rules.attendance_report(year, utcnow())
    name = f"attendance-{g.tenant.slug}-{year.start_year}-{year.start_year + 1}"
    if kind == "csv":
        return download_response(rules.report_csv(result), CSV_TYPE, f"{name}.csv")
    return download_response(rules.report_xlsx(result), XLSX_TYPE, f"{name}.xlsx")


@bp.route("/attendance.csv")
@requires("core.meetings.view")
def report_csv():
    return _report_download("csv")


@bp.route("/attendance.xlsx")
@requires("core.meetings.view")
def report_xlsx():
    return _report_download("xlsx")


# -- calendars -------------------------------------------------------------------------------------------


def _calendar(meetings: list[Meeting], name: str, filename: str) -> Response:
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    content = rules.meetings_calendar(
        meetings, name, datetime.now(UTC),
        url_for_meeting=lambda m: base + url_for("meetings.show", meeting_id=m.id),
    )
    return download_response(content, "text/calendar; charset=utf-8", filename)


@bp.route("/<int:meeting_id>/meeting.ics")
@requires("core.meetings.view")
def meeting_ics(meeting_id):
    meeting = get_or_404(Meeting, meeting_id)
    return _calendar([meeting], f"{g.tenant.short_name}: {meeting.body.name}", f"meeting-{meeting.id}.ics")


@bp.route("/bodies/<int:body_id>/meetings.ics")
@requires("core.meetings.view")
def body_ics(body_id):
    body = get_or_404(Body, body_id)
    meetings = rules.meetings_for_feed(body, utcnow() - FEED_HISTORY)
    return _calendar(meetings, f"{g.tenant.short_name}: {body.name}", f"meetings-{body.key}.ics")


@bp.route("/calendar.ics")
@requires("core.meetings.view")
def all_ics():
    meetings = rules.meetings_for_feed(None, utcnow() - FEED_HISTORY)
    return _calendar(meetings, f"{g.tenant.short_name} partnership meetings", f"meetings-{g.tenant.slug}.ics")


# -- the dashboard panel ---------------------------------------------------------------------------------


def dashboard_panel(tenant) -> DashboardPanel:
    """The next meetings and the overdue actions: five queries at most, whatever the number of either."""

    def context():
        now = utcnow()
        today = rules.today_in_london(now)
        upcoming = db.session.scalars(
            select(Meeting).where(Meeting.ends_at >= now, Meeting.status != "cancelled")
            .options(selectinload(Meeting.body)).order_by(Meeting.starts_at).limit(5)
        ).all()
        overdue_count = db.session.scalar(select(func.count()).select_from(Action).where(rules.overdue_clause(today)))
        overdue = db.session.scalars(
            select(Action).where(rules.overdue_clause(today)).options(selectinload(Action.body))
            .order_by(Action.due_on, Action.id).limit(5)
        ).all() if overdue_count else []
        return {"upcoming": upcoming, "overdue": overdue, "overdue_count": overdue_count, "today": today}

    return DashboardPanel("Meetings", "meetings/panel.html", "core.meetings.view", context, order=30)
