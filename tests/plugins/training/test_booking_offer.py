"""The session page offers "Book a place" only where the booking would be taken, and otherwise says why, in
the words the booking itself would refuse with: the page and the booking ask one rule."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.auth.models import Role
from core.auth.services import MembershipChoice, add_member, user_by_email
from core.db import db
from core.tenancy.isolation import tenant_scope
from core.tenancy.models import Agency
from plugins.training.models import TrainingCourse
from tests.helpers import form_post
from tests.plugins.training.world import add_course, add_session, book, build_world


@pytest.fixture
def world(app):
    return build_world()


def page(response) -> str:
    return response.get_data(as_text=True)


def _offered(html: str) -> bool:
    return 'data-testid="book"' in html


def test_a_missing_prerequisite_is_said_instead_of_offering_the_button(app, world):
    basic = add_course(world.bib, "Safeguarding basics", level=1)
    advanced = add_course(world.bib, "Safeguarding Children and Domestic Abuse", level=2, prerequisite=basic)
    session = add_session(world.bib, advanced)
    worker = world.client(app, "hf.worker@hf.example")
    url = f"/hf/training/sessions/{session}"
    html = page(worker.get(url))
    assert not _offered(html) and "Book a place" not in html
    assert "for people who have completed Safeguarding basics" in html and "you have not attended it yet" in html
    # The booking refuses with the very words the page showed.
    refused = form_post(worker, f"{url}/book", {})
    assert refused.status_code == 409 and "you have not attended it yet" in page(refused)


def test_the_staff_list_says_who_cannot_be_booked_and_why(app, world):
    basic = add_course(world.bib, "Safeguarding basics", level=1)
    advanced = add_course(world.bib, "Safeguarding Children and Domestic Abuse", level=2, prerequisite=basic)
    done = add_session(world.bib, basic)
    attended = book(world.hf, done, "hf.colleague@hf.example")
    from plugins.training.models import TrainingBooking

    with tenant_scope(world.hf):
        db.session.get(TrainingBooking, attended).attendance = "attended"
        db.session.commit()
    session = add_session(world.bib, advanced)
    html = page(world.client(app, "hf.lead@hf.example").get(f"/hf/training/sessions/{session}"))
    choices = html[html.index('id="user_id"'):html.index("</select>", html.index('id="user_id"'))]
    assert "Hf Colleague" in choices and "Hf Worker" not in choices
    refused = html[html.index('data-testid="staff-not-bookable"'):]
    assert "Hf Worker (Hf Primary School)" in refused and "Hf Worker has not attended it yet" in refused


def test_a_withdrawn_course_is_not_offered(app, world):
    course = add_course(world.bib, "Safer Recruitment")
    session = add_session(world.bib, course)
    with tenant_scope(world.bib):
        db.session.get(TrainingCourse, course).active = False
        db.session.commit()
    worker = world.client(app, "hf.worker@hf.example")
    html = page(worker.get(f"/hf/training/sessions/{session}"))
    assert not _offered(html) and "The course has been withdrawn" in html
    lead = page(world.client(app, "hf.lead@hf.example").get(f"/hf/training/sessions/{session}"))
    assert "Book them a place" not in lead
    assert form_post(worker, f"/hf/training/sessions/{session}/book", {}).status_code == 409


def test_no_agency_is_said_before_the_click(app, world):
    session = add_session(world.bib, add_course(world.bib))
    html = page(world.client(app, "hf.noagency@hf.example").get(f"/hf/training/sessions/{session}"))
    assert not _offered(html) and "names no agency" in html


def test_someone_booked_through_another_partnership_is_told_so(app, world):
    """A member of both partnerships of the offer, booked through the Bi-Borough, is not offered a second
    place through H&F."""
    session = add_session(world.bib, add_course(world.bib))
    person = user_by_email("hf.colleague@hf.example")
    with tenant_scope(world.bib):
        practitioner = db.session.scalars(select(Role.id).where(Role.key == "practitioner")).one()
        police = db.session.scalars(select(Agency.id).where(Agency.key == "police")).one()
        add_member(world.bib, person, MembershipChoice(role_ids=[practitioner], agency_id=police))
    db.session.commit()
    book(world.bib, session, "hf.colleague@hf.example")
    html = page(world.client(app, "hf.colleague@hf.example").get(f"/hf/training/sessions/{session}"))
    assert not _offered(html) and "You are already booked on this session" in html


def test_a_session_with_places_is_still_offered(app, world):
    session = add_session(world.bib, add_course(world.bib), capacity=1)
    html = page(world.client(app, "hf.worker@hf.example").get(f"/hf/training/sessions/{session}"))
    assert _offered(html) and "Book a place" in html
    book(world.bib, session, "bib.worker@bib.example")
    html = page(world.client(app, "hf.worker@hf.example").get(f"/hf/training/sessions/{session}"))
    assert _offered(html) and "Join the waiting list" in html  # full, with a waiting list: offered
