"""What the training pages and emails say reads as English: a place said once ("Online", not "Online, and
online"), plurals that agree with their number, the article before an offer's name, no word said twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.calendar import FinancialYear, london_day
from core.db import db
from core.tenancy.isolation import tenant_scope, unscoped
from plugins.training import services
from plugins.training.models import TrainingCourse, TrainingSession
from tests.helpers import form_post
from tests.plugins.training.world import add_course, add_session, book, build_world, future, offer_of


@pytest.fixture
def world(app):
    return build_world()


def page(response) -> str:
    return response.get_data(as_text=True)


def _session(world, course_id, venue, link):
    starts = future(20)
    with tenant_scope(world.bib):
        session = services.schedule_session(offer_of(world.bib), db.session.get(TrainingCourse, course_id), {
            "starts_at": starts, "ends_at": starts + timedelta(hours=2), "venue": venue, "capacity": 2,
            "joining_link": link, "trainers": "", "joining_instructions": ""})
        db.session.commit()
        return session.id


def test_an_online_session_is_said_to_be_online_once(app, world, outbox):
    course = add_course(world.bib, "Meet the LADO", minutes=120, mode="online")
    online = _session(world, course, "Online", "https://example.org/teams/lado")
    both = _session(world, course, "Kensington Town Hall", "https://example.org/teams/lado")
    worker = world.client(app, "hf.worker@hf.example")
    for url in (f"/hf/training/sessions/{online}", f"/hf/training/courses/{course}", "/hf/training/"):
        html = page(worker.get(url))
        assert "Online, and online" not in html and "and online" not in html.replace("Kensington Town Hall and online", "")
    assert "Kensington Town Hall and online" in page(worker.get(f"/hf/training/sessions/{both}"))
    assert "Kensington Town Hall, and online" not in page(worker.get(f"/hf/training/sessions/{both}"))
    book(world.hf, online, "hf.worker@hf.example")
    [email] = [m for m in outbox if m["To"] == "hf.worker@hf.example"]
    body = email.get_body(("plain",)).get_content()
    assert "Where: Online\nJoining link: https://example.org/teams/lado" in body
    assert "Join online" not in body


def test_a_length_of_one_minute_is_a_minute():
    course = TrainingCourse(duration_minutes=61)
    assert course.duration_label == "1 hour 1 minute"
    assert TrainingCourse(duration_minutes=150).duration_label == "2 hours 30 minutes"


def test_plurals_agree_when_more_places_move_people_off_the_waiting_list(app, world):
    session = add_session(world.bib, add_course(world.bib, "Safer Recruitment", minutes=120), capacity=1)
    book(world.hf, session, "hf.worker@hf.example")
    book(world.bib, session, "bib.worker@bib.example")  # waits
    from core.calendar import LONDON

    with tenant_scope(world.bib):
        row = db.session.get(TrainingSession, session)
        starts, ends = row.starts_at.astimezone(LONDON), row.ends_at.astimezone(LONDON)
    fields = {"date-day": str(starts.day), "date-month": str(starts.month), "date-year": str(starts.year),
              "starts": f"{starts:%H:%M}", "ends": f"{ends:%H:%M}", "venue": "Kensington Town Hall", "capacity": "2"}
    manager = world.client(app, "coord.manager@bib.example")
    moved = form_post(manager, f"/bi-borough/training/sessions/{session}/edit", fields)
    assert moved.status_code == 302
    shown = page(manager.get(moved.location))
    assert "1 person from the waiting list now has a place" in shown and "1 from the waiting list now have" not in shown


def test_an_offer_is_named_with_its_article(app, world):
    session = add_session(world.bib, add_course(world.bib, "Meet the LADO", minutes=120))
    worker = world.client(app, "hf.worker@hf.example")
    assert "The courses of the Multi-agency safeguarding training offer, run by" in page(worker.get("/hf/training/"))
    assert "for every partnership of the Multi-agency safeguarding training offer" in page(
        worker.get(f"/hf/training/sessions/{session}"))
    manager = world.client(app, "coord.manager@bib.example")
    assert "Share with every partnership of the Multi-agency safeguarding training offer" in page(
        manager.get("/bi-borough/training/courses/new"))
    assert "Shared with the partnerships of the Multi-agency safeguarding training offer" in page(
        manager.get("/bi-borough/training/"))


def test_the_annual_report_does_not_say_multi_agency_training_twice(app, world):
    session = add_session(world.bib, add_course(world.bib, "Meet the LADO", minutes=120))
    book(world.hf, session, "hf.worker@hf.example")
    held = datetime.now(UTC) - timedelta(hours=2)
    with unscoped():
        row = db.session.get(TrainingSession, session)
        row.starts_at, row.ends_at = held, held + timedelta(hours=1)
    db.session.commit()
    year = FinancialYear.containing(london_day(held)).start_year
    html = page(world.client(app, "coord.admin@bib.example").get(f"/bi-borough/annual-report?year={year}"))
    section = html[html.index("Multi-agency training</h"):]
    assert "multi-agency training (Multi-agency" not in section
    assert "1 multi-agency training session has been run for the partnership" in section \
        or "1 multi-agency training session was run for the partnership" in section
