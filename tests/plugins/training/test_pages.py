"""The training pages: booking and the waiting list, cancelling, the evaluation at its three stages, the
certificate, the figures with their downloads, the training needs analysis, who may do what, bad input,
and a fixed number of queries whatever the number of courses, sessions and bookings."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.db import db
from core.tenancy.isolation import tenant_scope, unscoped
from plugins.training.models import TrainingBooking, TrainingEvaluation, TrainingNeedsSurvey, TrainingSession
from tests.helpers import count_queries, form_post
from tests.plugins.training.world import add_course, add_session, book, booking_state, build_world, future


@pytest.fixture
def world(app):
    return build_world()


@pytest.fixture
def session_id(world):
    return add_session(world.bib, add_course(world.bib, "Safeguarding Children and Domestic Abuse", minutes=210),
                       capacity=1)


def page(response) -> str:
    return response.get_data(as_text=True)


def booking_of(tenant, email: str, session_id: int) -> TrainingBooking:
    db.session.commit()
    with tenant_scope(tenant):
        return db.session.scalars(select(TrainingBooking).join(TrainingBooking.user).where(
            TrainingBooking.session_id == session_id, TrainingBooking.delegate_email == email)
            .order_by(TrainingBooking.id.desc())).first()


def move_session(session_id: int, starts: datetime) -> None:
    with unscoped():
        session = db.session.get(TrainingSession, session_id)
        session.ends_at = starts + (session.ends_at - session.starts_at)
        session.starts_at = starts
    db.session.commit()


def test_booking_the_last_place_then_the_waiting_list_then_moving_up(app, world, session_id, outbox):
    first, second = world.client(app, "hf.worker@hf.example"), world.client(app, "bib.worker@bib.example")
    url = f"/hf/training/sessions/{session_id}"
    assert "Book a place" in page(first.get(url))
    response = form_post(first, f"{url}/book", {"manager_email": "head@school.example"})
    assert response.status_code == 302
    mine = booking_of(world.hf, "hf.worker@hf.example", session_id)
    assert response.location.endswith(f"/hf/training/bookings/{mine.id}")
    assert mine.status == "confirmed" and mine.manager_email == "head@school.example"
    assert "Booked" in page(first.get(response.location))

    other = f"/bi-borough/training/sessions/{session_id}"
    shown = page(second.get(other))
    assert "Join the waiting list" in shown and "Full" in shown
    response = form_post(second, f"{other}/book", {})
    waiting = booking_of(world.bib, "bib.worker@bib.example", session_id)
    assert waiting.status == "waiting"
    assert "Number 1 on the waiting list" in page(second.get(response.location))

    response = form_post(first, f"/hf/training/bookings/{mine.id}/cancel", {})
    assert response.status_code == 302
    assert "first person on the waiting list" in page(first.get(response.location))
    assert booking_state(world.bib, waiting.id)[0] == "confirmed"
    assert "No one is waiting" in page(second.get(other))
    assert any(m["To"] == "bib.worker@bib.example" and m["Subject"].startswith("You have a place") for m in outbox)


def test_bad_booking_input_gets_a_message_not_an_error(app, world, session_id):
    client = world.client(app, "hf.worker@hf.example")
    response = form_post(client, f"/hf/training/sessions/{session_id}/book", {"manager_email": "not an email"})
    assert response.status_code == 400 and "in the correct format" in page(response)
    no_agency = world.client(app, "hf.noagency@hf.example")
    response = form_post(no_agency, f"/hf/training/sessions/{session_id}/book", {})
    assert response.status_code == 400 and "names no agency" in page(response)
    lead = world.client(app, "hf.lead@hf.example")
    for value, message in (("", "Choose a member of staff"), ("abc", "from the list"), ("99999999999", "from the list")):
        response = form_post(lead, f"/hf/training/sessions/{session_id}/book-staff", {"user_id": value})
        assert response.status_code == 400 and message in page(response), value
    nurse = _user_id("hf.nurse@hf.example")
    response = form_post(lead, f"/hf/training/sessions/{session_id}/book-staff", {"user_id": str(nurse)})
    assert response.status_code == 400 and "your own agency" in page(response)
    assert form_post(client, "/hf/training/sessions/2147483647/book", {}).status_code == 404


def _user_id(email):
    from core.auth.services import user_by_email

    return user_by_email(email).id


def test_a_lead_books_staff_and_sees_their_bookings_but_a_colleague_does_not(app, world, session_id):
    lead = world.client(app, "hf.lead@hf.example")
    shown = page(lead.get(f"/hf/training/sessions/{session_id}"))
    assert "Book a member of staff" in shown and "Hf Colleague" in shown and "Hf Nurse" not in shown
    response = form_post(lead, f"/hf/training/sessions/{session_id}/book-staff",
                         {"user_id": str(_user_id("hf.colleague@hf.example")), "staff_manager_email": "head@school.example"})
    assert response.status_code == 302
    booking = booking_of(world.hf, "hf.colleague@hf.example", session_id)
    assert booking.booked_by_id == _user_id("hf.lead@hf.example") and booking.manager_email == "head@school.example"
    assert lead.get(f"/hf/training/bookings/{booking.id}").status_code == 200
    assert world.client(app, "hf.colleague@hf.example").get(f"/hf/training/bookings/{booking.id}").status_code == 200
    refused = world.client(app, "hf.worker@hf.example").get(f"/hf/training/bookings/{booking.id}")
    assert refused.status_code == 403 and "your own bookings" in page(refused)
    assert form_post(world.client(app, "hf.worker@hf.example"), f"/hf/training/bookings/{booking.id}/cancel",
                     {}).status_code == 403
    assert booking_state(world.hf, booking.id)[0] == "confirmed"


def test_the_evaluation_before_after_and_with_the_manager_six_weeks_on(app, world, session_id):
    booking = book(world.hf, session_id, "hf.worker@hf.example")
    client = world.client(app, "hf.worker@hf.example")
    url = f"/hf/training/bookings/{booking}/evaluation"
    response = form_post(client, f"{url}?stage=after", {"knowledge": "4", "confidence": "4"})
    assert response.status_code == 409 and "opens when the session starts" in page(response)
    response = form_post(client, f"{url}?stage=before", {"knowledge": "9"})
    assert response.status_code == 400 and "from 1 to 5" in page(response) and "rate your confidence" in page(response)
    assert form_post(client, f"{url}?stage=before", {"knowledge": "2", "confidence": "1"}).status_code == 302
    response = form_post(client, f"{url}?stage=before", {"knowledge": "5", "confidence": "5"})
    assert response.status_code == 409 and "has been completed" in page(response)

    move_session(session_id, datetime.now(UTC) - timedelta(hours=3))
    assert form_post(client, f"{url}?stage=after", {"knowledge": "4", "confidence": "3",
                                                    "comments": "Useful"}).status_code == 302
    response = form_post(client, f"{url}?stage=follow_up", {"knowledge": "4", "confidence": "4"})
    assert response.status_code == 409 and "six weeks after" in page(response)

    move_session(session_id, datetime.now(UTC) - timedelta(days=45))
    response = form_post(client, f"{url}?stage=follow_up", {"knowledge": "4", "confidence": "5"})
    assert response.status_code == 400 and "name of the manager" in page(response)
    assert form_post(client, f"{url}?stage=follow_up", {"knowledge": "4", "confidence": "5",
                                                        "manager_name": "Head teacher"}).status_code == 302
    with tenant_scope(world.hf):
        stages = {e.stage: (e.knowledge, e.confidence, e.manager_name) for e in db.session.scalars(select(TrainingEvaluation))}
    assert stages == {"before": (2, 1, ""), "after": (4, 3, ""), "follow_up": (4, 5, "Head teacher")}
    # Someone else may read it (the register taker) but not answer for the learner.
    manager = world.client(app, "hf.manager@hf.example")
    assert "Only Hf Worker can answer" in page(manager.get(f"{url}?stage=after")) or \
        "Answers given" in page(manager.get(f"{url}?stage=after"))
    assert form_post(manager, f"{url}?stage=after", {"knowledge": "1", "confidence": "1"}).status_code == 403

    move_session(session_id, datetime.now(UTC) - timedelta(days=60))
    other = book(world.bib, add_session(world.bib, add_course(world.bib, "Other"), starts=future(3)), "bib.worker@bib.example")
    with unscoped():
        db.session.get(TrainingBooking, other).session.starts_at = datetime.now(UTC) - timedelta(days=60)
        db.session.get(TrainingBooking, other).session.ends_at = datetime.now(UTC) - timedelta(days=60, hours=-2)
    db.session.commit()
    late = form_post(world.client(app, "bib.worker@bib.example"),
                     f"/bi-borough/training/bookings/{other}/evaluation?stage=follow_up",
                     {"knowledge": "4", "confidence": "5", "manager_name": "Sergeant"})
    assert late.status_code == 409 and "eight weeks after" in page(late)


def test_a_certificate_for_full_attendance_only(app, world, session_id):
    booking = book(world.hf, session_id, "hf.worker@hf.example")
    client = world.client(app, "hf.worker@hf.example")
    url = f"/hf/training/bookings/{booking}/certificate.pdf"
    refused = client.get(url)
    assert refused.status_code == 403 and "once the register shows" in page(refused)
    for outcome, status, message in (("left_early", 403, "left early"), ("no_show", 403, "not used"),
                                     ("attended", 200, None)):
        with unscoped():
            db.session.get(TrainingBooking, booking).attendance = outcome
        db.session.commit()
        response = client.get(url)
        assert response.status_code == status, outcome
        if message:
            assert message in page(response)
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF-")
    assert b"Certificate of attendance" in response.data or len(response.data) > 1000
    assert "Download the certificate" in page(client.get(f"/hf/training/bookings/{booking}"))


def test_the_figures_download_as_csv_and_xlsx(app, world, session_id):
    booking = book(world.hf, session_id, "hf.worker@hf.example")
    with unscoped():
        db.session.get(TrainingBooking, booking).attendance = "no_show"
        db.session.get(TrainingBooking, booking).charge_pence = 5000
    db.session.commit()
    held = datetime.now(UTC) - timedelta(hours=2)
    move_session(session_id, held)
    client = world.client(app, "hf.manager@hf.example")
    from core.calendar import FinancialYear, london_day

    year = FinancialYear.containing(london_day(held)).start_year
    response = client.get(f"/hf/training/figures.csv?year={year}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Partnership", "Agency", "Sector"]
    assert rows[1] == ["HF", "Hf Primary School", "Education and childcare", "1", "0", "0", "1", "0", "50.00"]
    book_ = load_workbook(io.BytesIO(client.get(f"/hf/training/figures.xlsx?year={year}").data))
    assert book_.sheetnames == ["Summary", "By partnership", "By sector", "By agency", "Evaluation", "About"]
    assert ["No-shows", 1] in [[c.value for c in r] for r in book_["Summary"].iter_rows()]
    response = client.get("/hf/training/figures?year=banana")
    assert response.status_code == 400 and "Choose a financial year between 2000 and 2100" in page(response)
    assert client.get("/hf/training/figures.csv?year=1").status_code == 400


def test_the_figures_year_picker_offers_each_year_with_sessions(app, world, session_id):
    from core.calendar import FinancialYear, london_day

    later = datetime.now(UTC) + timedelta(days=800)
    move_session(session_id, later)
    html = page(world.client(app, "hf.manager@hf.example").get("/hf/training/figures"))
    year = FinancialYear.containing(london_day(later))
    assert f'<option value="{year.start_year}">{year.label}</option>' in html
    assert f'<option value="{FinancialYear.current().start_year}" selected>' in html


def test_the_training_needs_analysis(app, world, outbox):
    manager = world.client(app, "hf.manager@hf.example")
    response = form_post(manager, "/hf/training/needs/new", {"title": "Needs 2027/28", "plan_year": "2027",
                                                             "topics": ""})
    assert response.status_code == 400 and "at least one training topic" in page(response)
    response = form_post(manager, "/hf/training/needs/new", {
        "title": "Needs 2027/28", "plan_year": "2027", "topics": "Domestic abuse\nExploitation\n"})
    assert response.status_code == 302
    survey_url = response.location
    response = form_post(manager, survey_url.replace("http://localhost", "") + "/open", {})
    assert response.status_code == 302
    invited = [m["To"] for m in outbox if m["Subject"].endswith("Needs 2027/28")]
    assert invited == ["hf.lead@hf.example"]  # the agency safeguarding leads, with an agency
    db.session.commit()
    with tenant_scope(world.hf):
        survey = db.session.scalars(select(TrainingNeedsSurvey)).one()
        survey_id = survey.id

    lead = world.client(app, "hf.lead@hf.example")
    assert "To answer" in page(lead.get("/hf/training/needs/answer"))
    url = f"/hf/training/needs/{survey_id}/respond"
    response = form_post(lead, url, {"need-0": "3", "staff-0": "many", "need-1": "1"})
    assert response.status_code == 400
    assert "number of staff who need Domestic abuse" in page(response) and "delivered" in page(response)
    assert form_post(lead, url, {"need-0": "3", "staff-0": "25", "need-1": "1", "staff-1": "2",
                                 "preferred_delivery": "online"}).status_code == 302
    assert form_post(lead, url, {"need-0": "2", "staff-0": "20", "need-1": "1", "staff-1": "2",
                                 "preferred_delivery": "in_person"}).status_code == 302  # replaces the first
    summary = page(manager.get(f"/hf/training/needs/{survey_id}"))
    assert "1 of 4" in summary and "In person: 1 agency" in summary and "Online" not in summary
    assert summary.index("Domestic abuse") < summary.index("Exploitation")
    assert form_post(manager, f"/hf/training/needs/{survey_id}/close", {}).status_code == 302
    response = form_post(lead, url, {"need-0": "1", "staff-0": "1", "need-1": "1", "preferred_delivery": "online"})
    assert response.status_code == 409 or "closed" in page(response)
    assert world.client(app, "hf.worker@hf.example").get(url).status_code == 403


@pytest.mark.parametrize(("email", "allowed", "refused"), [
    ("hf.worker@hf.example", ["/hf/training/", "/hf/training/bookings/"],
     ["/hf/training/figures", "/hf/training/needs/", "/hf/training/courses/new", "/hf/training/needs/answer"]),
    ("hf.lead@hf.example", ["/hf/training/", "/hf/training/needs/answer"],
     ["/hf/training/figures", "/hf/training/needs/", "/hf/training/courses/new"]),
    ("hf.manager@hf.example", ["/hf/training/figures", "/hf/training/needs/", "/hf/training/courses/new"], []),
])
def test_who_may_see_what(app, world, email, allowed, refused):
    client = world.client(app, email)
    for url in allowed:
        assert client.get(url).status_code == 200, url
    for url in refused:
        assert client.get(url).status_code == 403, url


def test_pages_cost_the_same_queries_for_few_or_many_courses_sessions_and_bookings(app, world):
    manager = world.client(app, "coord.manager@bib.example")
    learner = world.client(app, "hf.worker@hf.example")

    def grow(n: int) -> int:
        last = None
        for i in range(n):
            course = add_course(world.bib, f"Course {i} of {n}")
            last = add_session(world.bib, course, capacity=5)
            add_session(world.bib, course, capacity=5, starts=future(40 + i))
            for email in ("hf.colleague@hf.example", "hf.nurse@hf.example"):
                book(world.hf, last, email)
            book(world.bib, last, "bib.other@bib.example")
        return last

    def counts(session_id):
        urls = [(learner, "/hf/training/"), (learner, f"/hf/training/sessions/{session_id}"),
                (learner, "/hf/training/bookings/"), (manager, "/bi-borough/training/"),
                (manager, f"/bi-borough/training/sessions/{session_id}"), (manager, "/bi-borough/training/figures"),
                (manager, "/bi-borough/training/needs/"), (learner, "/hf/")]
        out = {}
        for client, url in urls:
            client.get(url)
            with count_queries() as counter:
                assert client.get(url).status_code == 200, url
            out[url.replace(str(session_id), "<id>")] = counter.n
        return out

    small = counts(grow(1))
    large = counts(grow(6))
    assert small == large
