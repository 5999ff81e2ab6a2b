"""The meetings pages: what each role may see and do, forms and their errors, uploads and downloads,
the attendance report with its downloads, calendars, another partnership's ids, and query counts."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import g, render_template
from icalendar import Calendar
from openpyxl import load_workbook
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.db import db
from core.structure import meetings as rules
from core.structure.models import Action, AgendaItem, Body, Decision, Meeting, Paper
from core.structure.views_meetings import dashboard_panel
from core.tenancy.isolation import tenant_scope
from core.tenancy.models import Agency
from tests.core.structure.test_meetings import (
    add_body,
    add_meeting,
    add_seat,
    agency_id,
    docx_bytes,
    hold,
    london,
    pdf_bytes,
)
from tests.helpers import count_queries, create_tenant, form_post, login, make_user, text_of

ROLES = {"admin": "tenant_admin", "manager": "business_manager", "scrutineer": "independent_scrutineer",
         "practitioner": "practitioner", "lead": "agency_safeguarding_lead"}


class World:
    def __init__(self):
        self.alpha = create_tenant("alpha")
        for name, role in ROLES.items():
            make_user(f"{name}@alpha.example", self.alpha, roles=(role,))
        self.board = add_body(self.alpha, key="board", name="Safeguarding Executive Board")
        self.police = add_seat(self.alpha, self.board, "police", "Detective Superintendent")
        self.council = add_seat(self.alpha, self.board, "council", "Director of Children's Services")
        self.past = add_meeting(self.alpha, self.board, london(2025, 6, 12))
        self.future = add_meeting(self.alpha, self.board, datetime.now(UTC) + timedelta(days=30))

    def client(self, app, who: str):
        client = app.test_client()
        login(client, f"{who}@alpha.example")
        return client


@pytest.fixture
def world(app):
    return World()


def page(response) -> str:
    return response.get_data(as_text=True)


def meeting(tenant, meeting_id) -> Meeting:
    db.session.commit()  # see what the requests committed
    with tenant_scope(tenant):
        found = db.session.get(Meeting, meeting_id)
        _ = (found.status, found.minutes_status, found.starts_at, list(found.attendance), list(found.agenda),
             list(found.papers))
        return found


# -- who may do what -------------------------------------------------------------------------------------


def test_a_practitioner_has_no_access_to_meetings(app, world):
    client = world.client(app, "practitioner")
    for url in ["/alpha/meetings/", f"/alpha/meetings/{world.past}", "/alpha/meetings/actions",
                "/alpha/meetings/attendance?year=2025", "/alpha/meetings/attendance.csv",
                f"/alpha/meetings/{world.past}/meeting.ics", "/alpha/meetings/calendar.ics"]:
        assert client.get(url).status_code == 403, url
    assert form_post(client, "/alpha/meetings/new", {"body_id": str(world.board)}).status_code == 403


def test_a_scrutineer_sees_meetings_but_cannot_change_them(app, world):
    client = world.client(app, "scrutineer")
    listing = page(client.get("/alpha/meetings/?when=past"))
    assert "Safeguarding Executive Board" in listing and "Schedule a meeting" not in listing
    shown = client.get(f"/alpha/meetings/{world.future}")
    assert shown.status_code == 200
    html = page(shown)
    for control in ("Cancel the meeting", "Add to the agenda", "Upload the paper", "Save draft minutes",
                    "Record attendance", "Add an action", "Record the decision"):
        assert control not in html, control
    refused = [
        ("/alpha/meetings/new", {"body_id": str(world.board)}),
        ("/alpha/meetings/series", {"body_id": str(world.board)}),
        (f"/alpha/meetings/{world.future}/cancel", {}),
        (f"/alpha/meetings/{world.future}/agenda", {"title": "Sneaked in"}),
        (f"/alpha/meetings/{world.past}/minutes", {"minutes": "Rewritten"}),
        (f"/alpha/meetings/{world.past}/attendance", {f"status-{world.police}": "absent"}),
        ("/alpha/meetings/actions/new", {"body_id": str(world.board), "description": "x", "owner": "y"}),
    ]
    for url, data in refused:
        assert form_post(client, url, data).status_code == 403, url
    assert client.get(f"/alpha/meetings/{world.past}/attendance").status_code == 403
    after = meeting(world.alpha, world.future)
    assert after.status == "scheduled" and after.agenda == []


def test_a_business_manager_schedules_and_sees_the_controls(app, world):
    client = world.client(app, "manager")
    assert "Schedule a meeting" in page(client.get("/alpha/meetings/"))
    response = form_post(client, "/alpha/meetings/new", {
        "body_id": str(world.board), "date-day": "15", "date-month": "7", "date-year": "2026",
        "starts": "9:30", "ends": "11.00", "location": "Room 1"})
    assert response.status_code == 302
    with tenant_scope(world.alpha):
        made = db.session.scalars(select(Meeting).where(Meeting.location == "Room 1")).one()
        assert made.starts_at == datetime(2026, 7, 15, 8, 30, tzinfo=UTC)  # 09:30 BST
        assert made.ends_at == datetime(2026, 7, 15, 10, 0, tzinfo=UTC)
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "meeting.scheduled")).one()
        assert event.actor_label == "manager@alpha.example"
    html = page(client.get(response.location))
    assert "Cancel the meeting" in html and "Add to the agenda" in html and "15 July 2026" in html
    assert form_post(client, f"/alpha/meetings/{world.future}/cancel", {"cancel_reason": "Clash"}).status_code == 302
    again = form_post(client, f"/alpha/meetings/{world.future}/cancel", {})
    assert again.status_code == 400 and "The meeting is already cancelled" in page(again)
    assert "Cancelled" in page(client.get(f"/alpha/meetings/{world.future}"))
    lead = world.client(app, "lead")
    assert lead.get(f"/alpha/meetings/{world.past}").status_code == 200
    assert form_post(lead, f"/alpha/meetings/{world.past}/cancel", {}).status_code == 403


def test_another_partnerships_meeting_ids_are_not_found(app, world):
    beta = create_tenant("beta")
    b_board = add_body(beta, key="board")
    b_seat = add_seat(beta, b_board, "police")
    b_meeting = add_meeting(beta, b_board, london(2025, 6, 1))
    hold(beta, b_meeting, {b_seat: "present"})
    with tenant_scope(beta):
        m = db.session.get(Meeting, b_meeting)
        item = rules.add_agenda_item(m, "Beta item")
        paper = rules.add_paper(m, "Beta paper", "beta.pdf", pdf_bytes())
        decision = rules.add_decision(m, "Beta decision")
        action = rules.add_action(m.body, "Beta action", "Beta owner", meeting=m)
        db.session.commit()
        ids = {"item": item.id, "paper": paper.id, "decision": decision.id, "action": action.id}
    client = world.client(app, "admin")
    for url in [f"/alpha/meetings/{b_meeting}", f"/alpha/meetings/{b_meeting}/edit",
                f"/alpha/meetings/{b_meeting}/attendance", f"/alpha/meetings/papers/{ids['paper']}",
                f"/alpha/meetings/{b_meeting}/meeting.ics", f"/alpha/meetings/bodies/{b_board}/meetings.ics",
                f"/alpha/meetings/actions/{ids['action']}"]:
        assert client.get(url).status_code == 404, url
    for url in [f"/alpha/meetings/{b_meeting}/cancel", f"/alpha/meetings/{b_meeting}/agenda",
                f"/alpha/meetings/agenda/{ids['item']}/remove", f"/alpha/meetings/papers/{ids['paper']}/remove",
                f"/alpha/meetings/decisions/{ids['decision']}/remove", f"/alpha/meetings/actions/{ids['action']}",
                f"/alpha/meetings/{b_meeting}/minutes"]:
        assert form_post(client, url, {"title": "x", "minutes": "x", "description": "x", "owner": "x"}
                         ).status_code == 404, url
    # An id of beta's in a form is refused like any unknown choice.
    response = form_post(client, "/alpha/meetings/new", {
        "body_id": str(b_board), "date-day": "1", "date-month": "7", "date-year": "2026", "starts": "10:00",
        "ends": "12:00"})
    assert response.status_code == 400 and "Choose a body from the list" in page(response)
    with tenant_scope(beta):
        kept = db.session.get(Meeting, b_meeting)
        assert kept.status == "held" and [i.title for i in kept.agenda] == ["Beta item"]
        assert db.session.get(Paper, ids["paper"]) and db.session.get(Decision, ids["decision"])
        assert db.session.get(Action, ids["action"]).description == "Beta action"


# -- forms and their errors ------------------------------------------------------------------------------


def test_the_schedule_form_names_each_problem(app, world):
    client = world.client(app, "manager")
    empty = form_post(client, "/alpha/meetings/new", {})
    assert empty.status_code == 400
    html = page(empty)
    for message in ("There is a problem", "Choose the body that is meeting", "Enter the date of the meeting",
                    "Enter the time the meeting starts", "Enter the time the meeting ends"):
        assert message in html, message
    wrong = form_post(client, "/alpha/meetings/new", {
        "body_id": "not-a-number", "date-day": "31", "date-month": "2", "date-year": "2026", "starts": "25:00",
        "ends": "10:00"})
    html = page(wrong)
    assert wrong.status_code == 400
    assert "Choose a body from the list" in html and "must be a real date" in html
    assert "Enter a time in the 24-hour clock" in html
    backwards = form_post(client, "/alpha/meetings/new", {
        "body_id": str(world.board), "date-day": "1", "date-month": "7", "date-year": "2026", "starts": "12:00",
        "ends": "10:00"})
    assert backwards.status_code == 400 and "The meeting must end after it starts" in page(backwards)
    odd_digits = form_post(client, "/alpha/meetings/new", {
        "body_id": str(world.board), "date-day": "\u00b2", "date-month": "\uff17", "date-year": "2026",
        "starts": "10:00", "ends": "12:00"})
    assert odd_digits.status_code == 400 and "must be a real date" in page(odd_digits)
    assert client.get("/alpha/meetings/actions/new?meeting=\u00b2").status_code == 200
    huge_id = form_post(client, "/alpha/meetings/new", {"body_id": str(2**40)})
    assert huge_id.status_code == 400 and "Choose from the list" in page(huge_id)


def test_a_series_is_scheduled_from_the_form(app, world):
    client = world.client(app, "manager")
    both = form_post(client, "/alpha/meetings/series", {
        "body_id": str(world.board), "first-day": "14", "first-month": "1", "first-year": "2027",
        "starts": "10:00", "ends": "12:00", "count": "4", "until-day": "1", "until-month": "1", "until-year": "2028"})
    assert both.status_code == 400 and "Give either the number of meetings or the date" in page(both)
    response = form_post(client, "/alpha/meetings/series", {
        "body_id": str(world.board), "first-day": "14", "first-month": "1", "first-year": "2027",
        "starts": "10:00", "ends": "12:00", "count": "4"})
    assert response.status_code == 302
    with tenant_scope(world.alpha):
        made = db.session.scalars(select(Meeting).where(Meeting.series != "").order_by(Meeting.starts_at)).all()
        assert [rules.london_day(m.starts_at) for m in made] == [
            date(2027, 1, 14), date(2027, 4, 14), date(2027, 7, 14), date(2027, 10, 14)]


def test_an_oversized_or_disguised_upload_is_refused_with_a_message(app, world):
    client = world.client(app, "manager")
    url = f"/alpha/meetings/{world.future}/papers"

    def upload(filename, content, title=""):
        return form_post(client, url, {"paper_title": title, "file": (io.BytesIO(content), filename)},
                         content_type="multipart/form-data")

    too_big = upload("big.pdf", pdf_bytes(rules.MAX_PAPER_BYTES))
    assert too_big.status_code == 400 and "The selected file must be smaller than 10 MB" in page(too_big)
    disguised = upload("minutes.pdf", b"MZ\x90\x00" + b"\x00" * 100)
    assert disguised.status_code == 400 and "The selected file is not a PDF file" in page(disguised)
    wrong_kind = upload("script.js", b"alert(1)")
    assert wrong_kind.status_code == 400 and "must be a PDF, Word, Excel" in page(wrong_kind)
    nothing = form_post(client, url, {"paper_title": "No file"}, content_type="multipart/form-data")
    assert nothing.status_code == 400 and "Choose a file to upload" in page(nothing)
    assert meeting(world.alpha, world.future).papers == []
    huge = upload("huge.pdf", pdf_bytes(3 * rules.MAX_PAPER_BYTES))  # refused before it is read at all
    assert huge.status_code == 413 and "A file must be smaller than 10 MB" in page(huge)

    assert upload("Terms of reference.docx", docx_bytes(), "Terms").status_code == 302
    [paper] = meeting(world.alpha, world.future).papers
    download = world.client(app, "scrutineer").get(f"/alpha/meetings/papers/{paper.id}")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == 'attachment; filename="Terms_of_reference.docx"'
    assert download.headers["Content-Type"] == rules.PAPER_TYPES["docx"][0]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.data == docx_bytes()


def test_minutes_are_approved_locked_and_reopened_with_a_reason(app, world):
    client = world.client(app, "manager")
    base = f"/alpha/meetings/{world.past}"
    assert form_post(client, f"{base}/minutes", {"draft_minutes": ""}).status_code == 400
    assert form_post(client, f"{base}/minutes", {"draft_minutes": "All present.\nPlan agreed."}).status_code == 302
    assert form_post(client, f"{base}/decisions", {"decision": "Adopt the plan"}).status_code == 302
    assert form_post(client, f"{base}/minutes/approve").status_code == 302
    html = page(client.get(base))
    assert "Approved" in html and "Save draft minutes" not in html and "Reopen the minutes" in html
    assert "All present.<br>Plan agreed." in html and "Adopt the plan" in html
    locked = form_post(client, f"{base}/minutes", {"draft_minutes": "Quietly changed"})
    assert locked.status_code == 400 and "The minutes are approved: reopen them to change them" in page(locked)
    no_reason = form_post(client, f"{base}/minutes/reopen", {"reason": ""})
    assert no_reason.status_code == 400 and "Say why the minutes are being reopened" in page(no_reason)
    assert form_post(client, f"{base}/minutes/reopen", {"reason": "Apologies missed"}).status_code == 302
    assert meeting(world.alpha, world.past).minutes_status == "draft"
    with tenant_scope(world.alpha):
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "meeting.minutes_reopened")).one()
        assert event.details["reason"] == "Apologies missed" and event.actor_label == "manager@alpha.example"


def test_agenda_items_are_added_moved_and_removed_from_the_page(app, world):
    client = world.client(app, "manager")
    base = f"/alpha/meetings/{world.future}"
    nul = form_post(client, f"{base}/agenda", {"title": "Welcome\x00"})  # PostgreSQL could not store it
    assert nul.status_code == 400 and "cannot contain the NUL character" in page(nul)
    for title in ("Welcome", "Budget", "AOB"):
        assert form_post(client, f"{base}/agenda", {"title": title}).status_code == 302
    assert form_post(client, f"{base}/agenda", {"title": ""}).status_code == 400
    with tenant_scope(world.alpha):
        aob = db.session.scalars(select(AgendaItem.id).where(AgendaItem.title == "AOB")).one()
        welcome = db.session.scalars(select(AgendaItem.id).where(AgendaItem.title == "Welcome")).one()
    assert form_post(client, f"/alpha/meetings/agenda/{aob}/move", {"direction": "sideways"}).status_code == 400
    assert form_post(client, f"/alpha/meetings/agenda/{aob}/move", {"direction": "up"}).status_code == 302
    assert form_post(client, f"/alpha/meetings/agenda/{welcome}/remove").status_code == 302
    assert [i.title for i in meeting(world.alpha, world.future).agenda] == ["AOB", "Budget"]


def test_attendance_is_recorded_from_the_form_and_a_deputy_needs_a_name(app, world):
    client = world.client(app, "manager")
    url = f"/alpha/meetings/{world.past}/attendance"
    form = page(client.get(url))
    assert "Detective Superintendent, Alpha Police" in form and "Deputy sent" in form
    missing = form_post(client, url, {f"status-{world.police}": "deputy", f"status-{world.council}": "present"})
    assert missing.status_code == 400
    assert "Enter the name of the deputy Detective Superintendent, Alpha Police sent" in page(missing)
    assert meeting(world.alpha, world.past).status == "scheduled"
    ok = form_post(client, url, {f"status-{world.police}": "deputy", f"deputy-{world.police}": "DI Jones",
                                 f"status-{world.council}": "apologies"})
    assert ok.status_code == 302
    html = page(client.get(f"/alpha/meetings/{world.past}"))
    assert "Deputy sent" in html and "DI Jones" in html and "Apologies" in html and "Held" in html
    future_form = page(client.get(f"/alpha/meetings/{world.future}/attendance"))
    assert "once the meeting has started" in future_form


def test_actions_are_listed_across_bodies_with_overdue_ones_said_in_words(app, world):
    other = add_body(world.alpha, key="forum", name="Partnership Forum")
    with tenant_scope(world.alpha):
        late = rules.add_action(db.session.get(Body, world.board), "Chase the audit returns", "Business manager",
                                due_on=date.today() - timedelta(days=3))
        rules.add_action(db.session.get(Body, other), "Plan the conference", "Chair",
                         due_on=date.today() + timedelta(days=30))
        db.session.commit()
        late_id = late.id
    client = world.client(app, "scrutineer")
    html = page(client.get("/alpha/meetings/actions"))
    assert "Chase the audit returns" in html and "Plan the conference" in html
    table = re.search(r'<table[^>]*data-testid="actions".*?</table>', html, re.S).group(0)
    # Said once, in words, by the status: not again beside the date.
    assert html.count(">Overdue</strong>") == 1 and text_of(table).lower().count("overdue") == 1
    overdue = page(client.get("/alpha/meetings/actions?status=overdue"))
    assert "Chase the audit returns" in overdue and "Plan the conference" not in overdue
    by_body = page(client.get("/alpha/meetings/actions?body=forum"))
    assert "Plan the conference" in by_body and "Chase the audit returns" not in by_body
    assert client.get("/alpha/meetings/actions?status=whatever").status_code == 400
    shown = text_of(page(client.get(f"/alpha/meetings/actions/{late_id}")))
    assert "Update the action" not in shown and shown.lower().count("overdue") == 1

    manager = world.client(app, "manager")
    assert form_post(manager, f"/alpha/meetings/actions/{late_id}", {
        "description": "Chase the audit returns", "owner": "Business manager", "status": "done"}).status_code == 302
    with tenant_scope(world.alpha):
        done = db.session.get(Action, late_id)
        assert done.status == "done" and done.completed_on is not None and done.due_on is None
    bad = form_post(manager, "/alpha/meetings/actions/new", {"body_id": str(world.board), "description": "",
                                                             "owner": "", "owner_agency_id": "99999"})
    assert bad.status_code == 400 and "Describe the action" in page(bad) and "Enter who owns the action" in page(bad)
    made = form_post(manager, "/alpha/meetings/actions/new", {
        "body_id": str(world.board), "meeting_id": str(world.past), "description": "Write to the ICB",
        "owner": "Chair", "owner_agency_id": str(agency_id(world.alpha, "icb")), "due-day": "1", "due-month": "9",
        "due-year": "2026"})
    assert made.status_code == 302 and made.location.endswith(f"/alpha/meetings/{world.past}#actions")


def test_the_meetings_list_filters_by_body_and_pages(app, world):
    forum = add_body(world.alpha, key="forum", name="Partnership Forum")
    start = datetime.now(UTC) + timedelta(days=1)
    for n in range(30):
        add_meeting(world.alpha, forum, start + timedelta(days=n))
    client = world.client(app, "scrutineer")
    first = page(client.get("/alpha/meetings/?body=forum"))
    assert "30 meetings" in first and "Page 1 of 2" in first and "Partnership Forum</td>" in first
    assert "Safeguarding Executive Board</td>" not in first
    assert "Page 2 of 2" in page(client.get("/alpha/meetings/?body=forum&page=99"))
    unknown = client.get("/alpha/meetings/?body=nowhere")
    assert unknown.status_code == 400 and "Choose a body from the list" in page(unknown)
    past = page(client.get("/alpha/meetings/?when=past"))
    assert "1 meeting<" in past and "12 June 2025" in past


def test_what_people_typed_is_shown_as_text_and_links_stay_links(app, world):
    with tenant_scope(world.alpha):
        m = db.session.get(Meeting, world.future)
        paper = rules.add_paper(m, "<b>Budget</b>", "budget.pdf", pdf_bytes())
        action = rules.add_action(m.body, "<script>alert(1)</script>", "Chair", meeting=m)
        db.session.commit()
        paper_id, action_id = paper.id, action.id
    client = world.client(app, "manager")
    html = page(client.get(f"/alpha/meetings/{world.future}"))
    assert f'<a class="govuk-link" href="/alpha/meetings/papers/{paper_id}" download>&lt;b&gt;Budget&lt;/b&gt;</a>' in html
    assert f'href="/alpha/meetings/actions/{action_id}">&lt;script&gt;' in html and "<script>alert" not in html
    listing = page(client.get("/alpha/meetings/actions"))
    assert f'href="/alpha/meetings/actions/{action_id}">&lt;script&gt;' in listing and "&lt;a " not in listing


# -- report and downloads --------------------------------------------------------------------------------


def test_the_attendance_report_page_and_its_downloads(app, world):
    hold(world.alpha, world.past, {world.police: "present", world.council: "absent"})
    client = world.client(app, "scrutineer")
    bad = client.get("/alpha/meetings/attendance?year=twenty")
    assert bad.status_code == 400
    assert "Choose a financial year between 2000 and 2100" in page(bad)
    assert client.get("/alpha/meetings/attendance?year=99999").status_code == 400
    assert client.get("/alpha/meetings/attendance?year=\uff12\uff10\uff12\uff15").status_code == 400
    assert client.get("/alpha/meetings/attendance.csv?year=-1").status_code == 400
    html = page(client.get("/alpha/meetings/attendance?year=2025"))
    assert "2025/26" in html and "Below 75%: follow up" in html and "Alpha Council at Safeguarding Executive Board" in html
    assert client.get("/alpha/meetings/attendance").status_code == 200  # the current year

    csv_response = client.get("/alpha/meetings/attendance.csv?year=2025")
    assert csv_response.headers["Content-Disposition"] == 'attachment; filename="attendance-alpha-2025-2026.csv"'
    assert csv_response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(csv_response.data.decode("utf-8-sig"))))
    assert ["Safeguarding Executive Board", "Alpha Council", "1", "0", "0", "Yes"] in rows
    assert ["Safeguarding Executive Board", "Alpha Police", "1", "1", "100", "No"] in rows
    xlsx = client.get("/alpha/meetings/attendance.xlsx?year=2025")
    assert xlsx.headers["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(xlsx.data))["Attendance by agency"]
    assert sheet.max_row == 3


def test_calendar_downloads_parse_back(app, world):
    client = world.client(app, "scrutineer")
    one = client.get(f"/alpha/meetings/{world.past}/meeting.ics")
    assert one.mimetype == "text/calendar" and "attachment" in one.headers["Content-Disposition"]
    [event] = Calendar.from_ical(one.data).walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2025, 6, 12, 9, 0, tzinfo=UTC)
    assert str(event["summary"]) == "Safeguarding Executive Board"
    assert str(event["url"]).endswith(f"/alpha/meetings/{world.past}")
    feed = Calendar.from_ical(client.get(f"/alpha/meetings/bodies/{world.board}/meetings.ics").data)
    assert {str(e["uid"]) for e in feed.walk("VEVENT")} == {f"meeting-{world.future}@lscp-platform"}  # past a year
    assert len(Calendar.from_ical(client.get("/alpha/meetings/calendar.ics").data).walk("VEVENT")) == 1


# -- query counts and the dashboard panel ----------------------------------------------------------------


def add_bulk(world, n: int) -> None:
    """n more agencies and bodies, each body with five seats and three meetings held with attendance, and
    on the board a seat of each new agency, an agenda item, a paper, a decision and an action."""
    for i in range(n):
        tag = f"{world.counter}-{i}"
        with tenant_scope(world.alpha):
            db.session.add(Agency(key=f"bulk-{tag}", name=f"Bulk Agency {tag}", sector="miscellaneous"))
            db.session.commit()
        body = add_body(world.alpha, key=f"bulk-{tag}")
        seats = [add_seat(world.alpha, body, key) for key in ("police", "council", "icb", "school", f"bulk-{tag}")]
        add_seat(world.alpha, world.board, f"bulk-{tag}", f"Head {tag}")
        add_seat(world.alpha, world.board, f"bulk-{tag}", "Adviser", role_holder=f"adviser-{tag}")
        for month in (5, 7, 9):
            meeting_id = add_meeting(world.alpha, body, london(2025, month, 10))
            hold(world.alpha, meeting_id, dict.fromkeys(seats, "present"))
        with tenant_scope(world.alpha):
            m = db.session.get(Meeting, world.past)
            rules.add_agenda_item(m, f"Item {world.counter}-{i}")
            rules.add_paper(m, "", f"paper-{i}.pdf", pdf_bytes(100))
            rules.add_decision(m, f"Decision {i}")
            new_agency = db.session.scalars(select(Agency).where(Agency.key == f"bulk-{tag}")).one()
            rules.add_action(m.body, f"Action {i}", "Owner", meeting=m, due_on=date(2025, 7, 1),
                             owner_agency=new_agency)
            db.session.commit()
    world.counter += 1


def test_pages_cost_the_same_queries_for_few_or_many_meetings_and_seats(app, world):
    world.counter = 0
    client = world.client(app, "admin")
    urls = ["/alpha/meetings/", "/alpha/meetings/?when=past", f"/alpha/meetings/{world.past}",
            f"/alpha/meetings/{world.past}/attendance", "/alpha/meetings/actions",
            "/alpha/meetings/actions?status=overdue", "/alpha/meetings/attendance?year=2025",
            "/alpha/meetings/attendance.csv?year=2025", "/alpha/meetings/calendar.ics",
            f"/alpha/meetings/bodies/{world.board}/meetings.ics"]

    def measure():
        counts = {}
        for url in urls:
            client.get(url)
            with count_queries() as counter:
                assert client.get(url).status_code == 200, url
            counts[url] = counter.n
        return counts

    add_bulk(world, 1)
    few = measure()
    add_bulk(world, 6)
    assert measure() == few


def test_the_dashboard_panel_shows_next_meetings_and_overdue_actions_in_fixed_queries(app, world):
    with tenant_scope(world.alpha):
        rules.add_action(db.session.get(Body, world.board), "Send the returns", "Police lead",
                         due_on=date(2024, 1, 1))
        db.session.commit()
    panel = dashboard_panel(world.alpha)
    assert panel.permission == "core.meetings.view" and callable(panel.context)

    def render():
        with app.test_request_context("/alpha/"), tenant_scope(world.alpha):
            g.tenant = world.alpha
            with count_queries() as counter:
                context = panel.context()
            return render_template(panel.template, context=context), counter.n

    html, few = render()
    assert "Safeguarding Executive Board" in html and "1 action is overdue" in html and "Send the returns" in html
    for n in range(8):
        add_meeting(world.alpha, world.board, datetime.now(UTC) + timedelta(days=40 + n))
        with tenant_scope(world.alpha):
            rules.add_action(db.session.get(Body, world.board), f"Late {n}", "Owner", due_on=date(2024, 2, 1))
            db.session.commit()
    html, many = render()
    assert many == few and "9 actions are overdue" in html


# -- what the page offers, and where its errors lead -------------------------------------------------------


def error_links(html: str) -> list[str]:
    """The ids the error summary's links lead to."""
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.S)
    return re.findall(r'href="#([^"]+)"', summary.group(1)) if summary else []


def elements_with_id(html: str, ident: str) -> int:
    return len(re.findall(rf'\sid="{re.escape(ident)}"', html))


def leads_somewhere(html: str) -> bool:
    """Every link of the error summary leads to exactly one element of the page."""
    links = error_links(html)
    return bool(links) and all(elements_with_id(html, target) == 1 for target in links)


def test_the_draft_minutes_box_is_the_one_element_its_label_names(app, world):
    html = page(world.client(app, "manager").get(f"/alpha/meetings/{world.past}"))
    target = re.search(r'<label[^>]*for="([^"]+)"[^>]*>\s*Draft minutes', html).group(1)
    assert elements_with_id(html, target) == 1
    assert re.search(rf'<textarea[^>]*\sid="{target}"', html)
    empty = form_post(world.client(app, "manager"), f"/alpha/meetings/{world.past}/minutes", {target: ""})
    assert empty.status_code == 400 and error_links(page(empty)) == [target] and leads_somewhere(page(empty))


def test_approving_the_minutes_is_offered_only_once_the_rule_allows_it_and_otherwise_says_why(app, world):
    with tenant_scope(world.alpha):
        for ident in (world.past, world.future):
            rules.save_minutes(db.session.get(Meeting, ident), "Written ahead of the meeting")
        day = rules.london_day(db.session.get(Meeting, world.future).starts_at)
        db.session.commit()
    client = world.client(app, "manager")
    before = page(client.get(f"/alpha/meetings/{world.future}"))
    assert "Approve the minutes" not in before
    assert f"Minutes cannot be approved before the meeting: they can be approved from {day:%-d %B %Y}" in before
    after = page(client.get(f"/alpha/meetings/{world.past}"))
    assert "Approve the minutes" in after and "cannot be approved" not in after
    # The page says what the approval itself would say.
    refused = form_post(client, f"/alpha/meetings/{world.future}/minutes/approve")
    assert refused.status_code == 400 and f"they can be approved from {day:%-d %B %Y}" in page(refused)
    assert leads_somewhere(page(refused))


def test_a_meeting_that_cannot_be_moved_says_why_instead_of_offering_the_form(app, world):
    group = add_body(world.alpha, key="new-group", name="New Group", status="under_consideration")
    waiting = add_meeting(world.alpha, group, datetime.now(UTC) + timedelta(days=10))
    held = add_meeting(world.alpha, world.board, london(2025, 3, 3), status="held")
    client = world.client(app, "manager")
    assert "Change the date, time or place" not in page(client.get(f"/alpha/meetings/{waiting}"))
    assert "Change the date, time or place" in page(client.get(f"/alpha/meetings/{world.future}"))
    for meeting_id, reason in ((waiting, "New Group is not active"), (held, "A meeting that was held")):
        form = page(client.get(f"/alpha/meetings/{meeting_id}/edit"))
        assert reason in form and "Save changes" not in form
        posted = form_post(client, f"/alpha/meetings/{meeting_id}/edit", {})
        assert posted.status_code == 400 and reason in page(posted) and leads_somewhere(page(posted))


def test_a_refusal_that_is_about_no_one_field_leads_to_its_part_of_the_page(app, world):
    cancelled = add_meeting(world.alpha, world.board, london(2025, 9, 9), status="cancelled")
    held = add_meeting(world.alpha, world.board, london(2025, 3, 3), status="held")
    client = world.client(app, "manager")
    for url, data, message in (
        (f"/alpha/meetings/{cancelled}/agenda", {"title": "Late item"}, "The meeting was cancelled"),
        (f"/alpha/meetings/{cancelled}/decisions", {"decision": "Late decision"}, "The meeting was cancelled"),
        (f"/alpha/meetings/{cancelled}/minutes", {"draft_minutes": "Late minutes"}, "The meeting was cancelled"),
        (f"/alpha/meetings/{cancelled}/attendance", {}, "The meeting was cancelled"),
        (f"/alpha/meetings/{held}/cancel", {}, "The meeting was held, so it cannot be cancelled"),
        (f"/alpha/meetings/{held}/minutes/reopen", {"reason": "Typo"}, "Only approved minutes can be reopened"),
    ):
        response = form_post(client, url, data)
        html = page(response)
        assert response.status_code == 400 and message in html, url
        assert leads_somewhere(html), (url, error_links(html))


def test_a_series_of_one_meeting_is_called_one_meeting(app, world):
    client = world.client(app, "manager")
    response = form_post(client, "/alpha/meetings/series", {
        "body_id": str(world.board), "first-day": "14", "first-month": "1", "first-year": "2027",
        "starts": "10:00", "ends": "12:00", "count": "1"}, follow_redirects=True)
    assert "1 meeting of Safeguarding Executive Board scheduled" in page(response)
    with tenant_scope(world.alpha):
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "meeting.series_scheduled")).one()
        assert event.summary.startswith("Scheduled 1 meeting of Safeguarding Executive Board")


def test_a_body_that_meets_as_needed_is_offered_one_meeting_at_a_time_not_a_series(app, world):
    add_body(world.alpha, key="review", name="Rapid Review Panel", cadence="as_needed")
    client = world.client(app, "manager")
    assert "Rapid Review Panel" in page(client.get("/alpha/meetings/new"))
    series = page(client.get("/alpha/meetings/series"))
    assert "Rapid Review Panel" not in series and "Safeguarding Executive Board" in series
