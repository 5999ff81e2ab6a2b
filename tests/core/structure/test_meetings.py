"""Meetings: scheduling one-off and by cadence in London time, agendas, papers, minutes, decisions, actions,
attendance per seat, and iCalendar export. The rules are called directly; the pages have their own tests.

The helpers here are shared by the other test_meeting*.py files and test_attendance.py."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.db import db
from core.structure import meetings as rules
from core.structure.models import Action, Body, BodyMember, Meeting, Paper, RoleHolder
from core.tenancy.isolation import tenant_scope
from core.tenancy.models import Agency
from tests.helpers import create_tenant

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


# -- building blocks (used by the other meeting tests too) -------------------------------------------------


def london(y: int, m: int, d: int, h: int = 10, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=LONDON)


def agency_id(tenant, key: str) -> int:
    with tenant_scope(tenant):
        return db.session.scalars(select(Agency.id).where(Agency.key == key)).one()


def add_body(tenant, key: str = "board", cadence: str = "quarterly", status: str = "active",
             min_meetings: int | None = None, name: str | None = None) -> int:
    with tenant_scope(tenant):
        body = Body(key=key, name=name or f"{key.replace('-', ' ').title()} Group", kind="board", cadence=cadence,
                    status=status, min_meetings_a_year=min_meetings)
        db.session.add(body)
        db.session.flush()
        ident = body.id
        db.session.commit()
    return ident


def add_seat(tenant, body_id: int, agency: str | None = None, role_title: str = "Member",
             starts_on: date | None = None, ends_on: date | None = None, role_holder: str | None = None) -> int:
    """A seat for an agency (``agency`` key), or for a role holder (made here, of ``agency`` if given)."""
    with tenant_scope(tenant):
        a_id = db.session.scalars(select(Agency.id).where(Agency.key == agency)).one() if agency else None
        holder = None
        if role_holder:
            holder = RoleHolder(key=role_holder, kind="independent_scrutineer", title=role_title, agency_id=a_id)
            db.session.add(holder)
            a_id = None
        seat = BodyMember(body_id=body_id, agency_id=a_id, role_holder=holder, role_title=role_title,
                          starts_on=starts_on, ends_on=ends_on)
        db.session.add(seat)
        db.session.flush()
        ident = seat.id
        db.session.commit()
    return ident


def add_meeting(tenant, body_id: int, starts_at: datetime, status: str = "scheduled", hours: int = 2,
                location: str = "Town Hall") -> int:
    """A meeting row as it would stand, without the scheduling rules (for past and odd cases)."""
    with tenant_scope(tenant):
        meeting = Meeting(body_id=body_id, starts_at=starts_at.astimezone(UTC),
                          ends_at=(starts_at + timedelta(hours=hours)).astimezone(UTC), status=status,
                          location=location)
        db.session.add(meeting)
        db.session.flush()
        ident = meeting.id
        db.session.commit()
    return ident


def hold(tenant, meeting_id: int, answers: dict[int, str | tuple[str, str]], now: datetime | None = None) -> None:
    """Record attendance: ``{seat id: status}`` or ``{seat id: ("deputy", name)}``."""
    with tenant_scope(tenant):
        meeting = db.session.get(Meeting, meeting_id)
        rules.record_attendance(meeting, {k: v if isinstance(v, tuple) else (v, "") for k, v in answers.items()},
                                now or datetime.now(UTC))
        db.session.commit()


def audit_actions(tenant) -> list[str]:
    with tenant_scope(tenant):
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def pdf_bytes(size: int = 2000) -> bytes:
    return b"%PDF-1.7\n" + b"0" * size


def docx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
    return out.getvalue()


def odt_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text",
                   compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


@pytest.fixture
def alpha():
    return create_tenant("alpha")


# -- scheduling one meeting ------------------------------------------------------------------------------


def test_a_meeting_must_end_after_it_starts_and_needs_an_active_body(alpha):
    board = add_body(alpha)
    dissolved = add_body(alpha, key="old", status="dissolved")
    with tenant_scope(alpha):
        body = db.session.get(Body, board)
        with pytest.raises(rules.MeetingError, match="end after it starts") as caught:
            rules.schedule_meeting(body, london(2026, 7, 1, 12), london(2026, 7, 1, 10))
        assert caught.value.errors == {"ends": "The meeting must end after it starts"}
        with pytest.raises(rules.MeetingError, match="not active"):
            rules.schedule_meeting(db.session.get(Body, dissolved), london(2026, 7, 1, 10), london(2026, 7, 1, 12))
        meeting = rules.schedule_meeting(body, london(2026, 7, 1, 10), london(2026, 7, 1, 12), " Room 1 ")
        db.session.commit()
        assert meeting.starts_at == datetime(2026, 7, 1, 9, 0, tzinfo=UTC)  # 10:00 BST
        assert meeting.location == "Room 1" and meeting.status == "scheduled" and meeting.series == ""
    assert audit_actions(alpha) == ["meeting.scheduled"]


def test_a_scheduled_meeting_can_be_cancelled_but_a_held_one_cannot(alpha):
    board = add_body(alpha)
    seat = add_seat(alpha, board, "police")
    upcoming = add_meeting(alpha, board, london(2026, 7, 1))
    past = add_meeting(alpha, board, london(2026, 5, 1))
    hold(alpha, past, {seat: "present"}, now=NOW)
    with tenant_scope(alpha):
        rules.cancel_meeting(db.session.get(Meeting, upcoming), "Chair unwell")
        with pytest.raises(rules.MeetingError, match="already cancelled"):
            rules.cancel_meeting(db.session.get(Meeting, upcoming))
        with pytest.raises(rules.MeetingError, match="was held"):
            rules.cancel_meeting(db.session.get(Meeting, past))
        db.session.commit()
        assert db.session.get(Meeting, upcoming).status == "cancelled"
    assert "meeting.cancelled" in audit_actions(alpha)


# -- series by cadence -----------------------------------------------------------------------------------


def series_days(tenant, body_id, first, **kwargs) -> list[Meeting]:
    with tenant_scope(tenant):
        made = rules.schedule_series(db.session.get(Body, body_id), first, time(10), time(12), **kwargs)
        db.session.commit()
        return sorted(made, key=lambda m: m.starts_at)


def test_a_quarterly_series_keeps_london_time_across_the_clocks_changing(alpha):
    board = add_body(alpha, cadence="quarterly")
    made = series_days(alpha, board, date(2026, 1, 14), count=4)
    with tenant_scope(alpha):
        starts = [m.starts_at for m in made]
        assert [rules.in_london(s).date() for s in starts] == [
            date(2026, 1, 14), date(2026, 4, 14), date(2026, 7, 14), date(2026, 10, 14)]
        # 10:00 in London each time: GMT in January, BST in April, July and (before the 25th) October.
        assert [s.hour for s in starts] == [10, 9, 9, 9]
        assert {rules.in_london(s).time() for s in starts} == {time(10)}
        assert len({m.series for m in made}) == 1 and made[0].series
        assert all(m.ends_at - m.starts_at == timedelta(hours=2) for m in made)
    assert audit_actions(alpha) == ["meeting.series_scheduled"]


def test_a_monthly_series_skips_christmas_and_boxing_day_and_weekends(alpha):
    board = add_body(alpha, cadence="monthly")
    made = series_days(alpha, board, date(2025, 11, 25), count=3)
    with tenant_scope(alpha):
        # 25 December 2025 is Christmas Day and the 26th Boxing Day; the 27th and 28th a weekend.
        assert [rules.london_day(m.starts_at) for m in made] == [date(2025, 11, 25), date(2025, 12, 29),
                                                                   date(2026, 1, 26)]
        # The interval counts from the intended dates: January is still the 25th (a Sunday), moved to Monday.


def test_a_series_skips_the_easter_bank_holidays(alpha):
    board = add_body(alpha, cadence="monthly")
    made = series_days(alpha, board, date(2026, 3, 3), count=2)
    with tenant_scope(alpha):
        # 3 April 2026 is Good Friday, then a weekend, then Easter Monday: the next working day is Tuesday.
        assert [rules.london_day(m.starts_at) for m in made] == [date(2026, 3, 3), date(2026, 4, 7)]
        assert rules.in_london(made[1].starts_at).time() == time(10)


def test_a_series_until_a_date_and_its_limits(alpha):
    board = add_body(alpha, cadence="bi_monthly")
    made = series_days(alpha, board, date(2026, 4, 1), until=date(2027, 3, 31))
    assert len(made) == 6
    with tenant_scope(alpha):
        body = db.session.get(Body, board)
        assert rules.series_dates("termly", date(2026, 1, 31), count=2) == [date(2026, 2, 2), date(2026, 6, 1)]
        for kwargs, message in [
            ({}, "either the number of meetings or the date"),
            ({"count": 2, "until": date(2027, 1, 1)}, "either the number of meetings or the date"),
            ({"count": 0}, "between 1 and 60"),
            ({"count": 61}, "between 1 and 60"),
            ({"until": date(2026, 3, 1)}, "on or after the first meeting"),
        ]:
            with pytest.raises(rules.MeetingError, match=message):
                rules.schedule_series(body, date(2026, 4, 1), time(10), time(12), **kwargs)
        with pytest.raises(rules.MeetingError, match="No working day"):
            rules.series_dates("quarterly", date(2026, 4, 4), until=date(2026, 4, 5))  # a weekend only
        with pytest.raises(rules.MeetingError, match="at most 60"):
            rules.series_dates("monthly", date(2026, 1, 5), until=date(2036, 1, 1))
        with pytest.raises(rules.MeetingError, match="end after it starts"):
            rules.schedule_series(body, date(2026, 4, 1), time(12), time(10), count=2)
        body.cadence = "as_needed"
        with pytest.raises(rules.MeetingError, match="meets as needed"):
            rules.schedule_series(body, date(2026, 4, 1), time(10), time(12), count=2)


# -- agenda ----------------------------------------------------------------------------------------------


def test_agenda_items_are_added_reordered_and_removed(alpha):
    board = add_body(alpha)
    meeting_id = add_meeting(alpha, board, london(2026, 7, 1))
    with tenant_scope(alpha):
        meeting = db.session.get(Meeting, meeting_id)
        first = rules.add_agenda_item(meeting, "Apologies")
        second = rules.add_agenda_item(meeting, "Section 11 audit", "Business manager")
        third = rules.add_agenda_item(meeting, "Any other\x00 business\n")
        assert third.title == "Any other business"
        with pytest.raises(rules.MeetingError, match="Enter the agenda item"):
            rules.add_agenda_item(meeting, "   ")
        rules.move_agenda_item(third, "up")
        rules.move_agenda_item(first, "up")  # already first: stays
        db.session.commit()
        meeting = db.session.get(Meeting, meeting_id)
        assert [i.title for i in meeting.agenda] == ["Apologies", "Any other business", "Section 11 audit"]
        rules.reorder_agenda(meeting, [second.id, first.id, third.id])
        with pytest.raises(rules.MeetingError):
            rules.reorder_agenda(meeting, [first.id, third.id])
        rules.remove_agenda_item(db.session.get(type(first), first.id))
        db.session.commit()
        meeting = db.session.get(Meeting, meeting_id)
        assert [(i.position, i.title) for i in meeting.agenda] == [(1, "Section 11 audit"), (2, "Any other business")]
    assert audit_actions(alpha).count("meeting.agenda_item_added") == 3
    assert "meeting.agenda_item_removed" in audit_actions(alpha)


# -- papers ----------------------------------------------------------------------------------------------


def test_papers_of_the_allowed_kinds_are_kept_with_a_safe_name(alpha):
    board = add_body(alpha)
    meeting_id = add_meeting(alpha, board, london(2026, 7, 1))
    with tenant_scope(alpha):
        meeting = db.session.get(Meeting, meeting_id)
        pdf = rules.add_paper(meeting, "", "..\\..\\Budget report 2026.pdf", pdf_bytes())
        docx = rules.add_paper(meeting, "Terms of reference", "/etc/tor.final.DOCX", docx_bytes())
        odt = rules.add_paper(meeting, "Notes", "notes.odt", odt_bytes())
        txt = rules.add_paper(meeting, "Plain", "café £ notes.txt", "Agenda: £10 café\r\n".encode())
        old_word = rules.add_paper(meeting, "Old", "old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
        db.session.commit()
        assert (pdf.filename, pdf.title, pdf.content_type) == ("Budget_report_2026.pdf", "Budget report 2026",
                                                               "application/pdf")
        assert docx.filename == "tor_final.docx" and docx.content_type.endswith("wordprocessingml.document")
        assert odt.content_type == "application/vnd.oasis.opendocument.text"
        assert txt.filename == "cafe_notes.txt" and txt.content_type.startswith("text/plain")
        assert old_word.content_type == "application/msword"
        assert db.session.get(Paper, pdf.id).content == pdf_bytes()
    assert audit_actions(alpha).count("meeting.paper_added") == 5


@pytest.mark.parametrize("filename, content, message", [
    ("big.pdf", pdf_bytes(rules.MAX_PAPER_BYTES), "smaller than 10 MB"),
    ("empty.pdf", b"", "is empty"),
    ("virus.exe", b"MZ\x90\x00", "must be a PDF, Word, Excel, PowerPoint, OpenDocument or plain text file"),
    ("page.html", b"<html>", "must be a PDF"),
    ("no-extension", pdf_bytes(), "must be a PDF"),
    ("report.pdf", b"MZ\x90\x00\x03\x00\x00\x00", "not a PDF file"),  # a program renamed
    ("minutes.docx", b"%PDF-1.4 really a pdf", "not a Word file"),
    ("minutes.docx", b"PK\x03\x04 not a zip at all", "not a Word file"),
    ("sheet.xlsx", None, "not an Excel file"),  # a real Word document renamed .xlsx
    ("notes.odt", None, "not an OpenDocument text file"),  # a docx renamed .odt
    ("notes.txt", b"\x7fELF\x02\x01\x01\x00\x00\x00", "not a plain text file"),
    ("old.xls", pdf_bytes(), "not an Excel file"),
])
def test_oversized_or_disguised_papers_are_refused(alpha, filename, content, message):
    board = add_body(alpha)
    meeting_id = add_meeting(alpha, board, london(2026, 7, 1))
    content = docx_bytes() if content is None else content
    with tenant_scope(alpha):
        with pytest.raises(rules.MeetingError, match=message) as caught:
            rules.add_paper(db.session.get(Meeting, meeting_id), "Paper", filename, content)
        assert list(caught.value.errors) == ["file"]
        db.session.rollback()
        assert db.session.scalars(select(Paper)).all() == []


def test_no_papers_or_agenda_for_a_cancelled_meeting(alpha):
    board = add_body(alpha)
    meeting_id = add_meeting(alpha, board, london(2026, 7, 1), status="cancelled")
    with tenant_scope(alpha):
        meeting = db.session.get(Meeting, meeting_id)
        with pytest.raises(rules.MeetingError, match="cancelled"):
            rules.add_paper(meeting, "", "a.pdf", pdf_bytes())
        with pytest.raises(rules.MeetingError, match="cancelled"):
            rules.add_agenda_item(meeting, "Item")


# -- minutes and decisions -------------------------------------------------------------------------------


def test_approved_minutes_are_locked_until_reopened_and_reopening_is_recorded(alpha):
    board = add_body(alpha)
    meeting_id = add_meeting(alpha, board, london(2026, 5, 1))
    with tenant_scope(alpha):
        meeting = db.session.get(Meeting, meeting_id)
        with pytest.raises(rules.MeetingError, match="Write the minutes"):
            rules.approve_minutes(meeting, date(2026, 6, 1))
        rules.save_minutes(meeting, "Present: all partners.\n\nAgreed the plan.")
        assert meeting.minutes_status == "draft"
        rules.add_decision(meeting, "Adopt the business plan")
        with pytest.raises(rules.MeetingError, match="before the meeting"):
            rules.approve_minutes(meeting, date(2026, 4, 30))
        rules.approve_minutes(meeting, date(2026, 6, 1))
        db.session.commit()

        meeting = db.session.get(Meeting, meeting_id)
        assert (meeting.minutes_status, meeting.minutes_approved_on) == ("approved", date(2026, 6, 1))
        with pytest.raises(rules.MeetingError, match="approved: reopen them"):
            rules.save_minutes(meeting, "Quietly changed")
        with pytest.raises(rules.MeetingError, match="approved: reopen them to change the decisions"):
            rules.add_decision(meeting, "Another")
        with pytest.raises(rules.MeetingError, match="approved: reopen them"):
            rules.remove_decision(meeting.decisions[0])
        with pytest.raises(rules.MeetingError, match="Say why"):
            rules.reopen_minutes(meeting, "  ")
        rules.reopen_minutes(meeting, "The police apologies were left out")
        rules.save_minutes(meeting, "Present: all partners. Apologies: police.\n\nAgreed the plan.")
        db.session.commit()
        meeting = db.session.get(Meeting, meeting_id)
        assert meeting.minutes_status == "draft" and meeting.minutes_approved_on is None
        assert "Apologies: police" in meeting.minutes
        reopened = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "meeting.minutes_reopened")).one()
        assert reopened.details == {"reason": "The police apologies were left out", "approved_on": "2026-06-01"}
        assert reopened.object_id == str(meeting_id)


# -- actions ---------------------------------------------------------------------------------------------


def test_actions_complete_with_a_date_and_overdue_means_not_closed_and_due_before_today(alpha):
    board = add_body(alpha)
    other = add_body(alpha, key="other")
    meeting_id = add_meeting(alpha, board, london(2026, 5, 1))
    today = date(2026, 6, 10)
    with tenant_scope(alpha):
        body = db.session.get(Body, board)
        police = db.session.scalars(select(Agency).where(Agency.key == "police")).one()
        with pytest.raises(rules.MeetingError) as caught:
            rules.add_action(body, "", "")
        assert set(caught.value.errors) == {"description", "owner"}
        with pytest.raises(rules.MeetingError, match="same body"):
            rules.add_action(db.session.get(Body, other), "Do it", "Chair", meeting=db.session.get(Meeting, meeting_id))
        action = rules.add_action(body, "Audit the front door", "Head of MASH", owner_agency=police,
                                  due_on=date(2026, 6, 9), meeting=db.session.get(Meeting, meeting_id))
        assert rules.is_overdue(action, today)
        assert not rules.is_overdue(action, date(2026, 6, 9))  # due today is not yet overdue
        rules.update_action(action, description=action.description, owner=action.owner, owner_agency=police,
                            due_on=action.due_on, status="in_progress", today=today)
        assert rules.is_overdue(action, today) and action.completed_on is None
        rules.update_action(action, description=action.description, owner=action.owner, owner_agency=police,
                            due_on=action.due_on, status="done", today=today)
        assert action.completed_on == today and not rules.is_overdue(action, today)
        rules.set_action_status(action, "done", date(2026, 7, 1))
        assert action.completed_on == today  # marking done again keeps the day it was done
        rules.set_action_status(action, "open", today)
        assert action.completed_on is None
        rules.set_action_status(action, "dropped", today)
        assert not rules.is_overdue(action, today)
        with pytest.raises(rules.MeetingError, match="status"):
            rules.set_action_status(action, "finished", today)
        undated = rules.add_action(body, "Think about it", "Chair")
        db.session.commit()
        assert not rules.is_overdue(undated, today)
        rules.set_action_status(action, "open", today)
        overdue = db.session.scalars(select(Action.id).where(rules.overdue_clause(today))).all()
        assert overdue == [action.id]
    assert audit_actions(alpha).count("meeting.action_updated") == 2


# -- attendance ------------------------------------------------------------------------------------------


def test_attendance_is_for_seats_on_the_body_that_day_and_a_deputy_needs_a_name(alpha):
    board = add_body(alpha)
    police = add_seat(alpha, board, "police", "Detective Superintendent")
    council = add_seat(alpha, board, "council", "Director of Children's Services")
    left = add_seat(alpha, board, "icb", "Chief Nurse", ends_on=date(2026, 4, 30))
    joined = add_seat(alpha, board, "school", "Head teacher", starts_on=date(2026, 5, 2))
    meeting_id = add_meeting(alpha, board, london(2026, 5, 1))
    with tenant_scope(alpha):
        meeting = db.session.get(Meeting, meeting_id)
        assert [s.seat.id for s in rules.attendance_by_seat(meeting)] == [police, council]
        with pytest.raises(rules.MeetingError, match="only for seats on the body on the date"):
            rules.record_attendance(meeting, {police: ("present", ""), council: ("present", ""),
                                              left: ("present", "")}, NOW)
        with pytest.raises(rules.MeetingError) as caught:
            rules.record_attendance(meeting, {police: ("deputy", " "), council: ("maybe", "")}, NOW)
        assert caught.value.errors == {
            f"deputy-{police}": "Enter the name of the deputy Detective Superintendent, Alpha Police sent",
            f"status-{council}": "Choose how Director of Children's Services, Alpha Council attended",
        }
        with pytest.raises(rules.MeetingError, match="Choose how"):
            rules.record_attendance(meeting, {police: ("present", "")}, NOW)  # a seat left out
        with pytest.raises(rules.MeetingError, match="once the meeting has started"):
            rules.record_attendance(meeting, {}, london(2026, 4, 30))
        rules.record_attendance(meeting, {police: ("deputy", "DI Jones"), council: ("apologies", "ignored")}, NOW)
        db.session.commit()
        meeting = db.session.get(Meeting, meeting_id)
        assert meeting.status == "held"
        assert {(a.member_id, a.status, a.deputy_name) for a in meeting.attendance} == {
            (police, "deputy", "DI Jones"), (council, "apologies", "")}
        # Recording again replaces, not adds.
        rules.record_attendance(meeting, {police: ("present", ""), council: ("present", "")}, NOW)
        db.session.commit()
        assert sorted(a.status for a in db.session.get(Meeting, meeting_id).attendance) == ["present", "present"]
        assert joined not in {a.member_id for a in db.session.get(Meeting, meeting_id).attendance}
    assert audit_actions(alpha).count("meeting.attendance_recorded") == 2


def test_no_attendance_for_a_cancelled_meeting(alpha):
    board = add_body(alpha)
    meeting_id = add_meeting(alpha, board, london(2026, 5, 1), status="cancelled")
    with tenant_scope(alpha), pytest.raises(rules.MeetingError, match="cancelled"):
        rules.record_attendance(db.session.get(Meeting, meeting_id), {}, NOW)


# -- iCalendar -------------------------------------------------------------------------------------------


def test_a_meeting_exports_to_icalendar_and_parses_back_with_the_right_times(alpha):
    board = add_body(alpha, name="Safeguarding Executive Board")
    summer = add_meeting(alpha, board, london(2026, 7, 1, 14, 30), location="Room 2, Town Hall")
    winter = add_meeting(alpha, board, london(2026, 12, 1, 9, 15), status="cancelled")
    stamp = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    with tenant_scope(alpha):
        rules.add_agenda_item(db.session.get(Meeting, summer), "Annual report")
        db.session.commit()
        meetings = rules.meetings_for_feed(db.session.get(Body, board))
        content = rules.meetings_calendar(meetings, "Alpha: board", stamp, lambda m: f"http://x.test/{m.id}")
        again = rules.meetings_calendar(meetings, "Alpha: board", stamp)
    events = {str(e["uid"]): e for e in Calendar.from_ical(content).walk("VEVENT")}
    assert set(events) == {f"meeting-{summer}@lscp-platform", f"meeting-{winter}@lscp-platform"}
    assert {str(e["uid"]) for e in Calendar.from_ical(again).walk("VEVENT")} == set(events)  # stable
    first = events[f"meeting-{summer}@lscp-platform"]
    assert first.decoded("dtstart") == datetime(2026, 7, 1, 13, 30, tzinfo=UTC)  # 14:30 BST
    assert first.decoded("dtend") == datetime(2026, 7, 1, 15, 30, tzinfo=UTC)
    assert first.decoded("dtstamp") == stamp
    assert str(first["summary"]) == "Safeguarding Executive Board"
    assert str(first["location"]) == "Room 2, Town Hall" and str(first["status"]) == "CONFIRMED"
    assert "1. Annual report" in str(first["description"])
    second = events[f"meeting-{winter}@lscp-platform"]
    assert second.decoded("dtstart") == datetime(2026, 12, 1, 9, 15, tzinfo=UTC)  # GMT
    assert str(second["status"]) == "CANCELLED" and "Safeguarding Executive Board" in str(second["summary"])
    assert b"DTSTART:20260701T133000Z" in content  # UTC on the wire, no floating or local times
