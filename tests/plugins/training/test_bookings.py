"""Booking rules: places and the waiting list across the partnerships of a shared offer, who may be booked,
prerequisites, cancellation by the deadline with its charges, and changes to a session that move bookings."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.calendar import add_working_days, at_london, london_day
from core.db import db
from core.mail.models import OutboxEmail
from core.tenancy.isolation import tenant_scope, unscoped
from plugins.training import bookings as rules
from plugins.training.models import TrainingBooking
from plugins.training.services import TrainingError
from tests.plugins.training.world import (
    add_course,
    add_session,
    book,
    booking_state,
    build_world,
    cancel,
    future,
    offer_of,
    session_row,
)


@pytest.fixture
def world(app):
    return build_world()


@pytest.fixture
def shared_session(world):
    course = add_course(world.bib)
    return add_session(world.bib, course, capacity=2)


def invites(outbox, to: str) -> list[Calendar]:
    out = []
    for message in outbox:
        if message["To"] == to:
            for part in message.iter_attachments():
                if part.get_content_type() == "text/calendar":
                    out.append(Calendar.from_ical(part.get_content()))
    return out


def test_the_last_place_across_partnerships_then_the_waiting_list_in_order(world, shared_session, outbox):
    first = book(world.hf, shared_session, "hf.worker@hf.example")
    second = book(world.bib, shared_session, "bib.worker@bib.example")
    third = book(world.hf, shared_session, "hf.colleague@hf.example")
    fourth = book(world.bib, shared_session, "bib.other@bib.example")
    assert [booking_state(world.hf, first)[0], booking_state(world.bib, second)[0]] == ["confirmed", "confirmed"]
    assert booking_state(world.hf, third)[0] == "waiting" and booking_state(world.bib, fourth)[0] == "waiting"

    # An H&F place freed goes to H&F's colleague, first in the queue; a Bi-Borough place next goes to the
    # Bi-Borough's waiting delegate: one queue, whichever partnership.
    outcome = cancel(world.hf, first)
    assert [m.booking_id for m in outcome.promoted] == [third]
    assert booking_state(world.hf, third)[0] == "confirmed"
    assert booking_state(world.bib, fourth)[0] == "waiting"
    cancel(world.hf, third)
    assert booking_state(world.bib, fourth)[0] == "confirmed"

    promoted = [m for m in outbox if m["To"] == "bib.other@bib.example" and m["Subject"].startswith("You have a place")]
    assert len(promoted) == 1
    [calendar] = [c for c in invites(outbox, "bib.other@bib.example")]
    assert calendar["METHOD"] == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"training-booking-{fourth}@lscp-platform"


def test_a_confirmation_carries_an_invite_and_a_cancellation_replaces_it(world, shared_session, outbox):
    booking = book(world.hf, shared_session, "hf.worker@hf.example")
    cancel(world.hf, booking)
    requested, cancelled = invites(outbox, "hf.worker@hf.example")
    assert requested["METHOD"] == "REQUEST" and cancelled["METHOD"] == "CANCEL"
    [first], [second] = requested.walk("VEVENT"), cancelled.walk("VEVENT")
    assert str(first["UID"]) == str(second["UID"]) == f"training-booking-{booking}@lscp-platform"
    assert int(second["SEQUENCE"]) > int(first["SEQUENCE"])
    assert str(second["STATUS"]) == "CANCELLED"
    assert first.decoded("DTSTART") == session_row(world.bib, shared_session).starts_at


def test_a_full_session_refuses_when_the_delegate_will_not_wait(world, outbox):
    session = add_session(world.bib, add_course(world.bib), capacity=1)
    book(world.hf, session, "hf.worker@hf.example")
    with pytest.raises(TrainingError, match="full"):
        book(world.bib, session, "bib.worker@bib.example", join_waiting_list=False)
    db.session.rollback()


def test_nobody_is_booked_twice_even_through_two_partnerships(world, shared_session):
    book(world.hf, shared_session, "hf.worker@hf.example")
    with pytest.raises(TrainingError, match="already booked"):
        book(world.hf, shared_session, "hf.worker@hf.example")
    db.session.rollback()


def test_who_may_be_booked(world, shared_session):
    with pytest.raises(TrainingError, match="names no agency"):
        book(world.hf, shared_session, "hf.noagency@hf.example")
    db.session.rollback()
    # The school's safeguarding lead books the school's staff, not the ICB's.
    assert book(world.hf, shared_session, "hf.worker@hf.example", by="hf.lead@hf.example")
    with pytest.raises(TrainingError, match="your own agency"):
        book(world.hf, shared_session, "hf.nurse@hf.example", by="hf.lead@hf.example")
    db.session.rollback()
    # A business manager limited to no agency may book anyone with one.
    assert book(world.hf, shared_session, "hf.nurse@hf.example", by="hf.manager@hf.example")
    with tenant_scope(world.hf):
        lead = rules.staff_choices(_principal(world, "hf.lead@hf.example"))
        assert {m.user.email for m in lead} == {"hf.worker@hf.example", "hf.colleague@hf.example", "hf.lead@hf.example"}


def _principal(world, email):
    from tests.plugins.training.world import principal

    return principal(world.hf, email)


def test_a_partnership_outside_the_offer_cannot_book_its_sessions(world, shared_session):
    with pytest.raises(TrainingError, match="no such session"):
        book(world.hackney, shared_session, "hackney.worker@hackney.example")
    db.session.rollback()


def test_a_level_two_course_needs_its_level_one_attended(world):
    basic = add_course(world.bib, "Safeguarding basics", level=1)
    advanced = add_course(world.bib, "Safeguarding Children and Domestic Abuse", level=2, prerequisite=basic)
    session = add_session(world.bib, advanced)
    with pytest.raises(TrainingError, match="completed Safeguarding basics"):
        book(world.hf, session, "hf.worker@hf.example")
    db.session.rollback()
    past = add_session(world.bib, basic, starts=future(-10))
    with unscoped():
        db.session.add(TrainingBooking(session_id=past, user_id=_user_id("hf.worker@hf.example"), tenant_id=world.hf.id,
                                       delegate_name="HF Worker", delegate_email="hf.worker@hf.example",
                                       status="confirmed", attendance="attended", confirmed_at=future(-20)))
    db.session.commit()
    assert booking_state(world.hf, book(world.hf, session, "hf.worker@hf.example"))[0] == "confirmed"


def _user_id(email):
    from core.auth.services import user_by_email

    return user_by_email(email).id


def test_cancelling_after_the_deadline_is_late_and_charged_by_the_delegates_partnership(world, outbox):
    # A Thursday session: three working days before is the Monday.
    day = london_day(future(40))
    while day.weekday() != 3 or add_working_days(day, -3).weekday() != 0:
        day += timedelta(days=1)
    session = add_session(world.bib, add_course(world.bib, minutes=390), starts=at_london(day, time(10)))
    monday, tuesday = add_working_days(day, -3), add_working_days(day, -2)
    on_time = book(world.hf, session, "hf.worker@hf.example")
    late = book(world.hf, session, "hf.colleague@hf.example")
    outcome = cancel(world.hf, on_time, now=at_london(monday, time(17)))
    assert (outcome.late, outcome.charge_pence) == (False, 0)
    assert booking_state(world.hf, on_time) == ("cancelled", None, 0)
    outcome = cancel(world.hf, late, now=at_london(tuesday, time(9)))
    assert (outcome.late, outcome.charge_pence) == (True, 9000)  # a full day at H&F's rate
    assert booking_state(world.hf, late) == ("cancelled", "cancelled_late", 9000)
    body = next(m for m in outbox if m["To"] == "hf.colleague@hf.example" and m["Subject"].startswith("Cancelled"))
    assert "late cancellation" in body.get_body().get_content() and "£90.00" in body.get_body().get_content()


def test_leaving_the_waiting_list_is_never_late(world):
    session = add_session(world.bib, add_course(world.bib), starts=future(2), capacity=1)
    book(world.bib, session, "bib.worker@bib.example")
    waiting = book(world.hf, session, "hf.worker@hf.example")
    outcome = cancel(world.hf, waiting)
    assert (outcome.late, outcome.charge_pence, outcome.promoted) == (False, 0, [])


def test_a_started_session_cannot_be_booked_or_cancelled(world):
    session = add_session(world.bib, add_course(world.bib), starts=future(3))
    booking = book(world.hf, session, "hf.worker@hf.example")
    later = future(4)
    with pytest.raises(TrainingError, match="started"):
        book(world.hf, session, "hf.colleague@hf.example", now=later)
    db.session.rollback()
    with pytest.raises(TrainingError, match="started"):
        cancel(world.hf, booking, now=later)
    db.session.rollback()


def test_more_places_go_to_the_waiting_list_and_fewer_than_taken_are_refused(world, outbox):
    session = add_session(world.bib, add_course(world.bib), capacity=1)
    book(world.hf, session, "hf.worker@hf.example")
    waiting = book(world.bib, session, "bib.worker@bib.example")
    row = session_row(world.bib, session)
    data = {"starts_at": row.starts_at, "ends_at": row.ends_at, "venue": row.venue, "joining_link": "",
            "trainers": row.trainers, "joining_instructions": "", "capacity": 2}
    with tenant_scope(world.bib):
        moved = rules.change_session(offer_of(world.bib), _session(session), data, datetime.now(UTC))
        db.session.commit()
    assert [m.booking_id for m in moved] == [waiting]
    assert booking_state(world.bib, waiting)[0] == "confirmed"
    with tenant_scope(world.bib), pytest.raises(TrainingError, match="at least 2 places"):
        rules.change_session(offer_of(world.bib), _session(session), {**data, "capacity": 1}, datetime.now(UTC))
    db.session.rollback()
    with tenant_scope(world.bib), pytest.raises(TrainingError, match="date and time cannot change"):
        rules.change_session(offer_of(world.bib), _session(session),
                             {**data, "starts_at": row.starts_at + timedelta(days=1),
                              "ends_at": row.ends_at + timedelta(days=1)}, datetime.now(UTC))
    db.session.rollback()


def _session(session_id):
    from plugins.training.models import TrainingSession

    return db.session.get(TrainingSession, session_id)


def test_cancelling_a_session_ends_every_partnerships_bookings_uncharged(world, outbox):
    session = add_session(world.bib, add_course(world.bib), capacity=1)
    placed = book(world.hf, session, "hf.worker@hf.example")
    queued = book(world.bib, session, "bib.worker@bib.example")
    with tenant_scope(world.bib):
        moved = rules.cancel_session(offer_of(world.bib), _session(session), "Trainer ill", datetime.now(UTC))
        db.session.commit()
    assert sorted(m.booking_id for m in moved) == sorted([placed, queued])
    assert booking_state(world.hf, placed) == ("cancelled", None, 0)
    assert booking_state(world.bib, queued) == ("cancelled", None, 0)
    told = {m["To"] for m in outbox if m["Subject"].startswith("Session cancelled")}
    assert told == {"hf.worker@hf.example", "bib.worker@bib.example"}
    # What happened to H&F's delegate is in H&F's audit log and outbox, not the coordinator's.
    with tenant_scope(world.hf):
        assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "training.cancelled_with_session"))
        assert db.session.scalar(select(OutboxEmail.id).where(OutboxEmail.to_address == "hf.worker@hf.example",
                                                              OutboxEmail.purpose == "training-session-cancelled"))
    with tenant_scope(world.bib):
        assert db.session.scalar(select(OutboxEmail.id).where(OutboxEmail.to_address == "hf.worker@hf.example")) is None


def test_a_member_cannot_change_or_cancel_the_coordinators_sessions(world):
    session = add_session(world.bib, add_course(world.bib))
    with tenant_scope(world.hf), pytest.raises(TrainingError, match="only BI-BOROUGH can change it"):
        rules.cancel_session(offer_of(world.hf), _session(session), "", datetime.now(UTC))
    db.session.rollback()
    assert session_row(world.bib, session).status == "scheduled"
