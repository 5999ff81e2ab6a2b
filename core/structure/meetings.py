"""Meetings of the partnership's bodies: scheduling, agendas, papers, minutes, decisions, actions,
attendance, the attendance report of a financial year, and iCalendar export.

Plain functions over the models, called by the pages, the API and the tests alike. Each change is recorded
in the audit log in the caller's transaction; the caller commits.

Times are stored in UTC and are scheduled, shown and counted in London time: a body that meets at 10:00
meets at 10:00 on both sides of the clocks changing, and a meeting at 00:30 on 1 April belongs to the new
financial year because that is its date in London, though it is still 31 March in UTC.
"""

from __future__ import annotations

import calendar as month_calendar
import io
import re
import unicodedata
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from icalendar import Calendar, Event
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from core.audit.services import record
from core.calendar import LONDON, FinancialYear, at_london, london_day, next_working_day, years_spanned
from core.db import db
from core.exports import Sheet, csv_bytes, notes_sheet, safe_cell, xlsx_bytes
from core.refusals import Refused
from core.structure.models import (
    ACTION_STATUSES,
    ATTENDANCE,
    CADENCES,
    Action,
    AgendaItem,
    Arrangements,
    Attendance,
    Body,
    BodyMember,
    Decision,
    Meeting,
    Paper,
    RoleHolder,
)

DEFAULT_THRESHOLD = 75  # what Arrangements.attendance_threshold_percent defaults to, for tenants without a row
MAX_SERIES = 60  # five years of monthly meetings: more is a typo, not a plan
MAX_PAPER_BYTES = 10 * 1024 * 1024
REPRESENTED = frozenset({"present", "deputy"})
CLOSED_ACTIONS = frozenset({"done", "dropped"})


class MeetingError(Refused):
    """A rule refused a change to a meeting, its agenda, papers, attendance, minutes or actions."""


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = re.compile(r"[\t\n\r]+")


def _clean(value: str | None, multiline: bool = False) -> str:
    """Typed text without control characters (PostgreSQL refuses a NUL in text), trimmed; one-line fields
    get their line breaks as spaces."""
    value = value or ""
    if not multiline:
        value = _LINE_BREAK.sub(" ", value)
    return _CONTROL.sub("", value).strip()


# -- time ------------------------------------------------------------------------------------------------


def in_london(moment: datetime) -> datetime:
    return moment.astimezone(LONDON)


def today_in_london(now: datetime | None = None) -> date:
    return london_day(now or datetime.now(UTC))


def year_bounds(year: FinancialYear) -> tuple[datetime, datetime]:
    """The financial year as UTC instants, start inclusive and end exclusive: London midnights."""
    return at_london(year.start, time(0)), at_london(year.end + timedelta(days=1), time(0))


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    # The 31st of a month without one becomes its last day, not the first of the next.
    return date(year, month, min(day.day, month_calendar.monthrange(year, month)[1]))


def count_of(n: int, noun: str) -> str:
    """``1 meeting``, ``4 meetings``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _describe(meeting: Meeting) -> str:
    return f"{meeting.body.name}, {in_london(meeting.starts_at):%-d %B %Y %H:%M}"


# -- scheduling ------------------------------------------------------------------------------------------


def schedule_refusal(body: Body, field: str = "body_id") -> MeetingError | None:
    """Why the body cannot have meetings scheduled; None when it can."""
    if body.status != "active":
        return MeetingError(f"{body.name} is not active, so it cannot have meetings scheduled", field)
    return None


def _require_active(body: Body) -> None:
    if (refusal := schedule_refusal(body)) is not None:
        raise refusal


def _require_open(meeting: Meeting) -> None:
    if meeting.status == "cancelled":
        raise MeetingError("The meeting was cancelled")


def _check_location(location: str) -> str:
    location = _clean(location)
    if len(location) > 300:
        raise MeetingError("The location must be 300 characters or fewer", "location")
    return location


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValueError("meeting times must be timezone-aware")  # a programming error, not a user's
    if ends_at <= starts_at:
        raise MeetingError("The meeting must end after it starts", "ends")


def schedule_meeting(body: Body, starts_at: datetime, ends_at: datetime, location: str = "") -> Meeting:
    """A one-off meeting of an active body."""
    _require_active(body)
    _check_times(starts_at, ends_at)
    meeting = Meeting(body=body, starts_at=starts_at.astimezone(UTC), ends_at=ends_at.astimezone(UTC),
                      location=_check_location(location), status="scheduled")
    db.session.add(meeting)
    record("meeting.scheduled", meeting, summary=f"Scheduled a meeting of {_describe(meeting)}")
    return meeting


def _no_cadence(cadence: str) -> MeetingError | None:
    if CADENCES.get(cadence, ("", 0))[1] <= 0:
        return MeetingError("This body meets as needed: schedule its meetings one at a time", "body_id")
    return None


def series_refusal(body: Body) -> MeetingError | None:
    """Why the body cannot have a series of meetings, whatever the dates; None when it can. The series
    form offers only the bodies this allows."""
    return schedule_refusal(body) or _no_cadence(body.cadence)


def series_dates(cadence: str, first_day: date, *, count: int | None = None, until: date | None = None) -> list[date]:
    """The dates of a series at the cadence's interval from ``first_day``, each moved off a weekend or a
    bank holiday to the next working day. The interval counts from the intended dates, not the moved
    ones, so one moved meeting does not push the rest of the year along."""
    if (refusal := _no_cadence(cadence)) is not None:
        raise refusal
    per_year = CADENCES[cadence][1]
    if (count is None) == (until is None):
        raise MeetingError("Give either the number of meetings or the date to schedule them until", "count")
    if count is not None and not 1 <= count <= MAX_SERIES:
        raise MeetingError(f"The number of meetings must be between 1 and {MAX_SERIES}", "count")
    if until is not None and until < first_day:
        raise MeetingError("The last date must be on or after the first meeting", "until")
    step = 12 // per_year
    days: list[date] = []
    while count is None or len(days) < count:
        day = next_working_day(_add_months(first_day, step * len(days)))
        if until is not None and day > until:
            break
        days.append(day)
        if len(days) > MAX_SERIES:
            raise MeetingError(f"A series can have at most {MAX_SERIES} meetings: choose an earlier last date",
                               "until")
    if not days:
        raise MeetingError("No working day falls between the first and the last date", "until")
    return days


def schedule_series(body: Body, first_day: date, starts: time, ends: time, *, count: int | None = None,
                    until: date | None = None, location: str = "") -> list[Meeting]:
    """Meetings at the body's cadence, all at the same London time of day, sharing one series id."""
    if (refusal := series_refusal(body)) is not None:
        raise refusal
    if ends <= starts:
        raise MeetingError("The meeting must end after it starts", "ends")
    location = _check_location(location)
    series = uuid.uuid4().hex
    meetings = [
        Meeting(body=body, starts_at=at_london(day, starts), ends_at=at_london(day, ends), location=location,
                status="scheduled", series=series)
        for day in series_dates(body.cadence, first_day, count=count, until=until)
    ]
    db.session.add_all(meetings)
    db.session.flush()
    record("meeting.series_scheduled", object_type="Meeting series", object_id=series,
           summary=f"Scheduled {count_of(len(meetings), 'meeting')} of {body.name} ({body.cadence_label.lower()})",
           details={"body": body.key, "meetings": [m.id for m in meetings],
                    "from": meetings[0].starts_at.isoformat(), "to": meetings[-1].starts_at.isoformat()})
    return meetings


def reschedule_refusal(meeting: Meeting) -> MeetingError | None:
    """Why the meeting cannot be moved, whatever date is asked for; None when it can. The page asks it
    before offering the form, so that it offers nothing the change would refuse."""
    if meeting.status != "scheduled":
        return MeetingError(f"A meeting that was {meeting.status} cannot be rescheduled")
    return schedule_refusal(meeting.body, "")


def reschedule_meeting(meeting: Meeting, starts_at: datetime, ends_at: datetime, location: str = "") -> Meeting:
    if (refusal := reschedule_refusal(meeting)) is not None:
        raise refusal
    _check_times(starts_at, ends_at)
    before = {"starts_at": meeting.starts_at.isoformat(), "ends_at": meeting.ends_at.isoformat(),
              "location": meeting.location}
    meeting.starts_at, meeting.ends_at = starts_at.astimezone(UTC), ends_at.astimezone(UTC)
    meeting.location = _check_location(location)
    record("meeting.rescheduled", meeting, summary=f"Rescheduled a meeting to {_describe(meeting)}",
           details={"before": before})
    return meeting


def cancel_refusal(meeting: Meeting) -> MeetingError | None:
    """Why the meeting cannot be cancelled; None when it can."""
    if meeting.status == "cancelled":
        return MeetingError("The meeting is already cancelled")
    if meeting.status == "held":
        return MeetingError("The meeting was held, so it cannot be cancelled")
    return None


def cancel_meeting(meeting: Meeting, reason: str = "") -> Meeting:
    if (refusal := cancel_refusal(meeting)) is not None:
        raise refusal
    meeting.status = "cancelled"
    record("meeting.cancelled", meeting, summary=f"Cancelled the meeting of {_describe(meeting)}",
           details={"reason": _clean(reason)[:500]})
    return meeting


# -- agenda ----------------------------------------------------------------------------------------------


def add_agenda_item(meeting: Meeting, title: str, presenter: str = "") -> AgendaItem:
    _require_open(meeting)
    title, presenter = _clean(title), _clean(presenter)
    if not title:
        raise MeetingError("Enter the agenda item", "title")
    if len(title) > 300:
        raise MeetingError("The agenda item must be 300 characters or fewer", "title")
    if len(presenter) > 200:
        raise MeetingError("The presenter must be 200 characters or fewer", "presenter")
    position = max((item.position for item in meeting.agenda), default=0) + 1
    item = AgendaItem(meeting=meeting, position=position, title=title, presenter=presenter)
    db.session.add(item)
    record("meeting.agenda_item_added", item, summary=f"Added '{title}' to the agenda of {_describe(meeting)}",
           details={"meeting": meeting.id})
    return item


def reorder_agenda(meeting: Meeting, item_ids: list[int]) -> None:
    """Put the agenda in the given order of item ids, which must be exactly the meeting's items."""
    items = {item.id: item for item in meeting.agenda}
    if sorted(item_ids) != sorted(items):
        raise MeetingError("Give every item of the agenda once")
    for position, ident in enumerate(item_ids, start=1):
        items[ident].position = position
    meeting.agenda.sort(key=lambda item: item.position)
    record("meeting.agenda_reordered", meeting, summary=f"Reordered the agenda of {_describe(meeting)}",
           details={"order": item_ids})


def move_agenda_item(item: AgendaItem, direction: str) -> None:
    """One place up or down; at the top or bottom already, nothing changes."""
    if direction not in ("up", "down"):
        raise MeetingError("Choose up or down", "direction")
    order = [i.id for i in sorted(item.meeting.agenda, key=lambda i: (i.position, i.id))]
    index = order.index(item.id)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(order):
        order[index], order[other] = order[other], order[index]
        reorder_agenda(item.meeting, order)


def remove_agenda_item(item: AgendaItem) -> None:
    meeting = item.meeting
    record("meeting.agenda_item_removed", item, summary=f"Removed '{item.title}' from the agenda of "
           f"{_describe(meeting)}", details={"meeting": meeting.id})
    meeting.agenda.remove(item)  # delete-orphan: the row goes
    for position, remaining in enumerate(meeting.agenda, start=1):
        remaining.position = position


# -- papers ----------------------------------------------------------------------------------------------

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file of Office 97-2003
_ZIP = b"PK\x03\x04"
_ODF = "application/vnd.oasis.opendocument."
_OOXML = "application/vnd.openxmlformats-officedocument."
# extension: (content type, what to call it with its article, how its first bytes look: "pdf", "ole",
# "ooxml:<part>", "odf" or "text"). The article is written out: "an Excel file", but "a PDF file".
PAPER_TYPES = {
    "pdf": ("application/pdf", "a PDF", "pdf"),
    "doc": ("application/msword", "a Word", "ole"),
    "docx": (_OOXML + "wordprocessingml.document", "a Word", "ooxml:word/"),
    "xls": ("application/vnd.ms-excel", "an Excel", "ole"),
    "xlsx": (_OOXML + "spreadsheetml.sheet", "an Excel", "ooxml:xl/"),
    "ppt": ("application/vnd.ms-powerpoint", "a PowerPoint", "ole"),
    "pptx": (_OOXML + "presentationml.presentation", "a PowerPoint", "ooxml:ppt/"),
    "odt": (_ODF + "text", "an OpenDocument text", "odf"),
    "ods": (_ODF + "spreadsheet", "an OpenDocument spreadsheet", "odf"),
    "odp": (_ODF + "presentation", "an OpenDocument presentation", "odf"),
    "txt": ("text/plain; charset=utf-8", "a plain text", "text"),
}
PAPER_TYPES_TEXT = "a PDF, Word, Excel, PowerPoint, OpenDocument or plain text file"
_NOT_TEXT = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")


def _extension(filename: str) -> str:
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return base.rpartition(".")[2].lower() if "." in base else ""


def safe_filename(filename: str) -> str:
    """A name that is safe in a download header and on anyone's disk: no folders, ASCII letters, digits,
    hyphens and underscores, one dot before the extension (so 'minutes.pdf.exe' cannot pass for a PDF)."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    stem, _dot, _ext = base.rpartition(".") if "." in base else (base, "", "")
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9-]+", "_", ascii_stem).strip("_-")[:100] or "paper"
    extension = _extension(filename)
    return f"{cleaned}.{extension}" if extension else cleaned


def _content_matches(kind: str, content: bytes, content_type: str) -> bool:
    if kind == "pdf":
        return content.startswith(b"%PDF-")
    if kind == "ole":
        return content.startswith(_OLE)
    if kind == "odf":
        # The OpenDocument format requires an uncompressed 'mimetype' entry first in the zip, so the type
        # itself is readable at a fixed offset of the first bytes.
        return content.startswith(_ZIP) and content[30:38] == b"mimetype" and \
            content[38:38 + len(content_type)] == content_type.encode()
    if kind.startswith("ooxml:"):
        if not content.startswith(_ZIP):
            return False
        try:
            # Only the names of the entries are read, never their contents, so a zip bomb costs nothing.
            names = zipfile.ZipFile(io.BytesIO(content)).namelist()
        except (zipfile.BadZipFile, ValueError):
            return False
        part = kind.partition(":")[2]
        return "[Content_Types].xml" in names and any(name.startswith(part) for name in names)
    if kind == "text":
        return not _NOT_TEXT.search(content)
    return False


def check_paper(filename: str, content: bytes) -> tuple[str, str]:
    """``(safe filename, content type)`` of an acceptable paper, or MeetingError on the 'file' field."""
    if not filename or not content:
        raise MeetingError("The selected file is empty", "file")
    if len(content) > MAX_PAPER_BYTES:
        raise MeetingError("The selected file must be smaller than 10 MB", "file")
    extension = _extension(filename)
    if extension not in PAPER_TYPES:
        raise MeetingError(f"The selected file must be {PAPER_TYPES_TEXT}", "file")
    content_type, label, kind = PAPER_TYPES[extension]
    if not _content_matches(kind, content, content_type):
        raise MeetingError(f"The selected file is not {label} file, though its name ends .{extension}", "file")
    return safe_filename(filename), content_type


def add_paper(meeting: Meeting, title: str, filename: str, content: bytes) -> Paper:
    _require_open(meeting)
    name, content_type = check_paper(filename, content)
    title = _clean(title) or name.rpartition(".")[0].replace("_", " ")
    if len(title) > 300:
        raise MeetingError("The title must be 300 characters or fewer", "paper_title")
    paper = Paper(meeting=meeting, title=title, filename=name, content_type=content_type, size=len(content),
                  content=content)
    db.session.add(paper)
    record("meeting.paper_added", paper, summary=f"Added the paper '{title}' to {_describe(meeting)}",
           details={"meeting": meeting.id, "filename": name, "size": len(content)})
    return paper


def remove_paper(paper: Paper) -> None:
    record("meeting.paper_removed", paper, summary=f"Removed the paper '{paper.title}' from "
           f"{_describe(paper.meeting)}", details={"meeting": paper.meeting_id, "filename": paper.filename})
    db.session.delete(paper)


# -- minutes and decisions -------------------------------------------------------------------------------


def _require_minutes_open(meeting: Meeting, what: str) -> None:
    if meeting.minutes_status == "approved":
        raise MeetingError(f"The minutes are approved: reopen them to change {what}")


def save_minutes(meeting: Meeting, text: str) -> Meeting:
    """Write or change the draft minutes. Approved minutes stay as approved until reopened."""
    _require_open(meeting)
    _require_minutes_open(meeting, "them")
    text = _clean(text, multiline=True)
    if not text:
        raise MeetingError("Enter the minutes", "draft_minutes")
    meeting.minutes, meeting.minutes_status = text, "draft"
    record("meeting.minutes_saved", meeting, summary=f"Saved draft minutes of {_describe(meeting)}")
    return meeting


def approval_refusal(meeting: Meeting, on: date) -> MeetingError | None:
    """Why the minutes cannot be approved on ``on``; None when they can. The meeting page asks it before
    offering the button, so that it says why rather than offering what would be refused."""
    if meeting.minutes_status == "approved":
        return MeetingError("The minutes are already approved")
    if meeting.minutes_status != "draft" or not meeting.minutes.strip():
        return MeetingError("Write the minutes before approving them", "draft_minutes")
    day = london_day(meeting.starts_at)
    if on < day:
        return MeetingError(f"Minutes cannot be approved before the meeting: they can be approved from "
                            f"{day:%-d %B %Y}")
    return None


def approve_minutes(meeting: Meeting, on: date) -> Meeting:
    if (refusal := approval_refusal(meeting, on)) is not None:
        raise refusal
    meeting.minutes_status, meeting.minutes_approved_on = "approved", on
    record("meeting.minutes_approved", meeting, summary=f"Approved the minutes of {_describe(meeting)}",
           details={"approved_on": on.isoformat()})
    return meeting


def reopen_minutes(meeting: Meeting, reason: str) -> Meeting:
    """Approved minutes back to draft. The audit log keeps why, and when they had been approved."""
    if meeting.minutes_status != "approved":
        raise MeetingError("Only approved minutes can be reopened")
    reason = _clean(reason)
    if not reason:
        raise MeetingError("Say why the minutes are being reopened", "reason")
    if len(reason) > 500:
        raise MeetingError("The reason must be 500 characters or fewer", "reason")
    approved_on = meeting.minutes_approved_on
    meeting.minutes_status, meeting.minutes_approved_on = "draft", None
    record("meeting.minutes_reopened", meeting, summary=f"Reopened the approved minutes of {_describe(meeting)}",
           details={"reason": reason, "approved_on": approved_on.isoformat() if approved_on else None})
    return meeting


def add_decision(meeting: Meeting, text: str) -> Decision:
    _require_open(meeting)
    _require_minutes_open(meeting, "the decisions")
    text = _clean(text, multiline=True)
    if not text:
        raise MeetingError("Enter the decision", "decision")
    if len(text) > 2000:
        raise MeetingError("The decision must be 2000 characters or fewer", "decision")
    decision = Decision(meeting=meeting, text=text)
    db.session.add(decision)
    record("meeting.decision_added", decision, summary=f"Recorded a decision of {_describe(meeting)}",
           details={"meeting": meeting.id, "text": text[:200]})
    return decision


def remove_decision(decision: Decision) -> None:
    _require_minutes_open(decision.meeting, "the decisions")
    record("meeting.decision_removed", decision, summary=f"Removed a decision of {_describe(decision.meeting)}",
           details={"meeting": decision.meeting_id, "text": decision.text[:200]})
    db.session.delete(decision)


# -- actions ---------------------------------------------------------------------------------------------


def _check_action(description: str, owner: str, status: str) -> tuple[str, str]:
    description, owner = _clean(description, multiline=True), _clean(owner)
    problems = {}
    if not description:
        problems["description"] = "Describe the action"
    elif len(description) > 2000:
        problems["description"] = "The action must be 2000 characters or fewer"
    if not owner:
        problems["owner"] = "Enter who owns the action"
    elif len(owner) > 200:
        problems["owner"] = "The owner must be 200 characters or fewer"
    if status not in ACTION_STATUSES:
        problems["status"] = "Choose a status from the list"
    if problems:
        raise MeetingError(problems)
    return description, owner


def add_action(body: Body, description: str, owner: str, *, owner_agency=None, due_on: date | None = None,
               meeting: Meeting | None = None, today: date | None = None) -> Action:
    description, owner = _check_action(description, owner, "open")
    if meeting is not None and meeting.body_id != body.id:
        raise MeetingError("Choose a meeting of the same body", "meeting_id")
    action = Action(body=body, meeting=meeting, description=description, owner=owner, owner_agency=owner_agency,
                    due_on=due_on, status="open")
    db.session.add(action)
    record("meeting.action_added", action, summary=f"Added an action for {owner} ({body.name})",
           details={"body": body.key, "meeting": meeting.id if meeting else None,
                    "due_on": due_on.isoformat() if due_on else None})
    return action


def set_action_status(action: Action, status: str, today: date) -> Action:
    """Done dates itself the day it is marked done; leaving done clears the date."""
    if status not in ACTION_STATUSES:
        raise MeetingError("Choose a status from the list", "status")
    if status == "done" and action.status != "done":
        action.completed_on = today
    elif status != "done":
        action.completed_on = None
    action.status = status
    return action


def update_action(action: Action, *, description: str, owner: str, owner_agency, due_on: date | None,
                  status: str, today: date) -> Action:
    description, owner = _check_action(description, owner, status)
    before = {"status": action.status, "owner": action.owner,
              "due_on": action.due_on.isoformat() if action.due_on else None}
    action.description, action.owner, action.owner_agency, action.due_on = description, owner, owner_agency, due_on
    set_action_status(action, status, today)
    record("meeting.action_updated", action, summary=f"Updated an action for {owner}: "
           f"{ACTION_STATUSES[status].lower()}", details={"before": before, "status": status})
    return action


def is_overdue(action: Action, today: date) -> bool:
    return action.status not in CLOSED_ACTIONS and action.due_on is not None and action.due_on < today


def overdue_clause(today: date):
    """``is_overdue`` as SQL, for lists and counts."""
    return and_(Action.status.not_in(CLOSED_ACTIONS), Action.due_on.is_not(None), Action.due_on < today)


# -- attendance ------------------------------------------------------------------------------------------


def seat_holds_on(seat: BodyMember, day: date) -> bool:
    """Whether the seat was on the body that day; both ends of its period count."""
    return (seat.starts_on is None or seat.starts_on <= day) and (seat.ends_on is None or seat.ends_on >= day)


def seats_on(body: Body, day: date) -> list[BodyMember]:
    return [seat for seat in body.members if seat_holds_on(seat, day)]


def attendance_field(seat_id: int, part: str = "status") -> str:
    """The form field of a seat's answer (``status-12``, ``deputy-12``), named in errors."""
    return f"{part}-{seat_id}"


@dataclass(frozen=True)
class SeatAttendance:
    seat: BodyMember
    status: str | None  # None: not recorded
    deputy_name: str = ""

    @property
    def agency(self):
        return self.seat.represents

    @property
    def status_label(self) -> str:
        return ATTENDANCE.get(self.status, "Not recorded") if self.status else "Not recorded"


def attendance_by_seat(meeting: Meeting) -> list[SeatAttendance]:
    """Every seat on the body on the meeting's date, with what was recorded for it."""
    recorded = {a.member_id: a for a in meeting.attendance}
    out = []
    for seat in seats_on(meeting.body, london_day(meeting.starts_at)):
        row = recorded.get(seat.id)
        out.append(SeatAttendance(seat, row.status if row else None, row.deputy_name if row else ""))
    return out


def attendance_refusal(meeting: Meeting, now: datetime) -> MeetingError | None:
    """Why attendance cannot be recorded at ``now``, whatever the answers; None when it can."""
    if meeting.status == "cancelled":
        return MeetingError("The meeting was cancelled, so it has no attendance")
    if meeting.starts_at > now:
        return MeetingError("Attendance can be recorded once the meeting has started")
    return None


def record_attendance(meeting: Meeting, answers: dict[int, tuple[str, str]], now: datetime) -> list[Attendance]:
    """Attendance of every seat on the body on the meeting's date (``{seat id: (status, deputy name)}``);
    recording it marks the meeting held. Answering for a seat that was not on the body that day is refused,
    as is leaving one out: a gap would read as an absence in the report."""
    if (refusal := attendance_refusal(meeting, now)) is not None:
        raise refusal
    seats = {seat.id: seat for seat in seats_on(meeting.body, london_day(meeting.starts_at))}
    if set(answers) - set(seats):
        raise MeetingError("Record attendance only for seats on the body on the date of the meeting")
    problems: dict[str, str] = {}
    cleaned: dict[int, tuple[str, str]] = {}
    for seat_id, seat in seats.items():
        status, deputy = answers.get(seat_id, ("", ""))
        deputy = _clean(deputy)
        if status not in ATTENDANCE:
            problems[attendance_field(seat_id)] = f"Choose how {seat.label} attended"
        elif status == "deputy" and not deputy:
            problems[attendance_field(seat_id, "deputy")] = f"Enter the name of the deputy {seat.label} sent"
        elif len(deputy) > 200:
            problems[attendance_field(seat_id, "deputy")] = "The deputy's name must be 200 characters or fewer"
        cleaned[seat_id] = (status, deputy if status == "deputy" else "")
    if problems:
        raise MeetingError(problems)
    existing = {row.member_id: row for row in meeting.attendance}
    for seat_id, row in list(existing.items()):
        if seat_id not in seats:  # the seat's dates changed since: it was not on the body that day
            meeting.attendance.remove(row)
    rows = []
    for seat_id, (status, deputy) in cleaned.items():
        row = existing.get(seat_id)
        if row is None:
            row = Attendance(meeting=meeting, member_id=seat_id)
            db.session.add(row)
        row.status, row.deputy_name = status, deputy
        rows.append(row)
    meeting.status = "held"
    counts = {key: sum(1 for s, _d in cleaned.values() if s == key) for key in ATTENDANCE}
    record("meeting.attendance_recorded", meeting, summary=f"Recorded attendance at {_describe(meeting)}",
           details=counts)
    return rows


# -- the attendance report -------------------------------------------------------------------------------


def attendance_threshold() -> int:
    threshold = db.session.scalar(select(Arrangements.attendance_threshold_percent).limit(1))
    return DEFAULT_THRESHOLD if threshold is None else threshold


def percent_half_up(numerator: int, denominator: int) -> int:
    """A whole percent, halves rounded up (5 of 8 is 63%), in integers so no float decides it."""
    return (200 * numerator + denominator) // (2 * denominator)


@dataclass(frozen=True)
class AgencyAttendance:
    """An agency's attendance at one body's meetings in the year. The percentage shown is rounded; the flag
    compares the exact fraction, so 2 of 3 (66.7%, shown as 67%) is below a threshold of 67."""

    agency_id: int
    agency_name: str
    held: int  # meetings held while the agency had a seat on the body
    attended: int  # of those, meetings where a seat of the agency was present or sent a deputy
    threshold: int

    @property
    def percent(self) -> int | None:
        return percent_half_up(self.attended, self.held) if self.held else None

    @property
    def flagged(self) -> bool:
        return self.held > 0 and 100 * self.attended < self.threshold * self.held


@dataclass(frozen=True)
class BodyYear:
    body_id: int
    body_key: str
    body_name: str
    cadence_label: str
    promised: int  # meetings a year the cadence promises
    minimum: int | None  # the floor the arrangements promise, if any
    expected: bool  # whether the body was meant to meet all year (active, not dissolved in it)
    held: int
    upcoming: int  # scheduled later in the year, not cancelled
    unrecorded: int  # past and not cancelled, with no attendance recorded yet
    agencies: list[AgencyAttendance] = field(default_factory=list)

    @property
    def required(self) -> int:
        return max(self.promised, self.minimum or 0)

    @property
    def short(self) -> bool:
        """Fewer meetings than promised, counting those still to come this year."""
        return self.expected and self.held + self.upcoming < self.required


@dataclass(frozen=True)
class AttendanceReport:
    year: FinancialYear
    threshold: int
    bodies: list[BodyYear]

    @property
    def flagged(self) -> list[tuple[BodyYear, AgencyAttendance]]:
        return [(body, agency) for body in self.bodies for agency in body.agencies if agency.flagged]

    @property
    def short_bodies(self) -> list[BodyYear]:
        return [body for body in self.bodies if body.short]


def _seat_in_year(seat: BodyMember, year: FinancialYear) -> bool:
    return (seat.starts_on is None or seat.starts_on <= year.end) and (seat.ends_on is None or seat.ends_on >= year.start)


def years_with_meetings() -> range:
    """The years from the first meeting to the last, for the attendance report's year picker: one query."""
    first, last = db.session.execute(select(func.min(Meeting.starts_at), func.max(Meeting.starts_at))).one()
    return years_spanned(first and london_day(first), last and london_day(last))


def attendance_report(year: FinancialYear | int, now: datetime | None = None) -> AttendanceReport:
    """For each body: meetings held in the financial year (by their date in London) against its promise,
    and for each agency with a seat on it, meetings held while it had one and how many it was represented
    at. Five queries whatever the number of bodies, seats and meetings."""
    year = year if isinstance(year, FinancialYear) else FinancialYear(year)
    now = now or datetime.now(UTC)
    start, end = year_bounds(year)
    threshold = attendance_threshold()
    bodies = db.session.scalars(
        select(Body).options(
            selectinload(Body.members).selectinload(BodyMember.agency),
            selectinload(Body.members).selectinload(BodyMember.role_holder).selectinload(RoleHolder.agency),
        ).order_by(Body.position, Body.name)
    ).all()
    in_year = and_(Meeting.starts_at >= start, Meeting.starts_at < end, Meeting.status != "cancelled")
    meetings = db.session.execute(
        select(Meeting.id, Meeting.body_id, Meeting.starts_at, Meeting.status).where(in_year)
    ).all()
    represented: set[tuple[int, int]] = set(db.session.execute(
        select(Attendance.meeting_id, Attendance.member_id).join(Meeting, Meeting.id == Attendance.meeting_id)
        .where(in_year, Meeting.status == "held", Attendance.status.in_(REPRESENTED))
    ).all())

    by_body = defaultdict(list)
    for row in meetings:
        by_body[row.body_id].append(row)
    out = []
    for body in bodies:
        rows = by_body.get(body.id, [])
        held = [row for row in rows if row.status == "held"]
        expected = body.status == "active" or (
            body.status == "dissolved" and body.dissolved_on is not None and body.dissolved_on > year.end)
        gone = body.status == "dissolved" and (body.dissolved_on is None or body.dissolved_on < year.start)
        if not rows and (gone or body.status == "under_consideration"):
            continue  # nothing to report of a body that did not exist, or was not meant to meet, that year
        seats = [seat for seat in body.members if seat.represents is not None and _seat_in_year(seat, year)]
        names = {seat.represents.id: seat.represents.name for seat in seats}
        counts = {agency_id: [0, 0] for agency_id in names}
        for meeting in held:
            day = london_day(meeting.starts_at)
            seated: dict[int, bool] = {}
            for seat in seats:
                if seat_holds_on(seat, day):
                    agency_id = seat.represents.id
                    seated[agency_id] = seated.get(agency_id, False) or (meeting.id, seat.id) in represented
            for agency_id, was_represented in seated.items():
                counts[agency_id][0] += 1
                counts[agency_id][1] += int(was_represented)
        agencies = sorted(
            (AgencyAttendance(agency_id, names[agency_id], n_held, n_attended, threshold)
             for agency_id, (n_held, n_attended) in counts.items()),
            key=lambda a: a.agency_name.lower(),
        )
        scheduled = [row for row in rows if row.status == "scheduled"]
        out.append(BodyYear(
            body_id=body.id, body_key=body.key, body_name=body.name, cadence_label=body.cadence_label,
            promised=CADENCES.get(body.cadence, ("", 0))[1], minimum=body.min_meetings_a_year, expected=expected,
            held=len(held), upcoming=sum(1 for row in scheduled if row.starts_at > now),
            unrecorded=sum(1 for row in scheduled if row.starts_at <= now), agencies=agencies,
        ))
    return AttendanceReport(year=year, threshold=threshold, bodies=out)


AGENCY_HEADER = ["Body", "Agency", "Meetings held while it had a seat", "Meetings represented (present or deputy)",
                 "Attendance (%)", "Below the threshold"]
BODY_HEADER = ["Body", "Meets", "Meetings promised", "Minimum promised", "Meetings held", "Still to come this year",
               "Fewer than promised"]


def report_agency_rows(report: AttendanceReport) -> list[list]:
    return [[safe_cell(body.body_name), safe_cell(agency.agency_name), agency.held, agency.attended,
             agency.percent if agency.percent is not None else "", "Yes" if agency.flagged else "No"]
            for body in report.bodies for agency in body.agencies]


def report_body_rows(report: AttendanceReport) -> list[list]:
    return [[safe_cell(body.body_name), body.cadence_label, body.promised, body.minimum if body.minimum else "",
             body.held, body.upcoming, "Yes" if body.short else "No"] for body in report.bodies]


def report_csv(report: AttendanceReport) -> bytes:
    return csv_bytes([AGENCY_HEADER, *report_agency_rows(report)])


def report_xlsx(report: AttendanceReport) -> bytes:
    return xlsx_bytes([
        Sheet("Attendance by agency", report_agency_rows(report), header=AGENCY_HEADER),
        Sheet("Meetings held", report_body_rows(report), header=BODY_HEADER),
        notes_sheet([
            f"Financial year {report.year.label}: {report.year.start:%-d %B %Y} to {report.year.end:%-d %B %Y}",
            f"Threshold: agencies represented at fewer than {report.threshold}% of meetings are flagged",
            "Percentages are rounded to the nearest whole percent, halves up; the flag compares the exact figure.",
        ]),
    ])


# -- iCalendar -------------------------------------------------------------------------------------------

PRODID = "-//Safeguarding partnership platform//Meetings//EN"
UID_DOMAIN = "lscp-platform"


def meeting_uid(meeting: Meeting) -> str:
    """The same for a meeting in every download, so a calendar updates the event rather than adding one."""
    return f"meeting-{meeting.id}@{UID_DOMAIN}"


def meeting_event(meeting: Meeting, stamp: datetime, url: str | None = None) -> Event:
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", meeting.starts_at.astimezone(UTC))
    event.add("dtend", meeting.ends_at.astimezone(UTC))
    cancelled = meeting.status == "cancelled"
    event.add("summary", f"Cancelled: {meeting.body.name}" if cancelled else meeting.body.name)
    if meeting.location:
        event.add("location", meeting.location)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    # No change counter is stored; a cancellation is the change a calendar must not miss.
    event.add("sequence", 1 if cancelled else 0)
    lines = [f"{item.position}. {item.title}" + (f" ({item.presenter})" if item.presenter else "")
             for item in meeting.agenda]
    description = "\n".join((["Agenda:", *lines] if lines else []) + ([url] if url else []))
    if description:
        event.add("description", description)
    if url:
        event.add("url", url)
    return event


def meetings_calendar(meetings: Iterable[Meeting], name: str, stamp: datetime,
                      url_for_meeting=None) -> bytes:
    """A calendar of the meetings; ``url_for_meeting(meeting)`` gives each event a link back."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    for meeting in meetings:
        cal.add_component(meeting_event(meeting, stamp, url_for_meeting(meeting) if url_for_meeting else None))
    return cal.to_ical()


def meetings_for_feed(body: Body | None = None, since: datetime | None = None) -> list[Meeting]:
    """A body's meetings (or every body's) from ``since``, with what an event shows: two queries."""
    stmt = select(Meeting).options(selectinload(Meeting.body), selectinload(Meeting.agenda)).order_by(Meeting.starts_at)
    if body is not None:
        stmt = stmt.where(Meeting.body_id == body.id)
    if since is not None:
        stmt = stmt.where(or_(Meeting.starts_at >= since, Meeting.ends_at >= since))
    return list(db.session.scalars(stmt).all())
