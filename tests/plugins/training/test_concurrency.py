"""The last places of a shared session, asked for at the same moment by many people of two partnerships:
never more bookings than places, and everyone else on the waiting list in one queue.

Each thread has its own app context, and so its own database session and connection, as concurrent
requests would. A barrier releases them together, after everything but the booking itself is ready. On
PostgreSQL (CI's second pass) the row lock on the session is what serialises them; the same test runs on
SQLite in the first pass, where ``BEGIN IMMEDIATE`` does. Without the lock the counts race and the session
is overbooked (checked by taking the lock out of ``sharing.lock_session``).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from core.auth.services import user_by_email
from core.db import db
from core.tenancy.isolation import tenant_scope, unscoped
from core.tenancy.models import Tenant
from plugins.training import bookings as rules
from plugins.training.models import TrainingBooking
from tests.helpers import make_user
from tests.plugins.training.world import (
    add_course,
    add_session,
    book,
    build_world,
    offer_of,
    principal,
    settings_of,
)

CAPACITY = 10
ALREADY_BOOKED = 7
CONTENDERS = 20


def contend(app, world, monkeypatch) -> tuple[int, list[str], list[BaseException]]:
    session = add_session(world.bib, add_course(world.bib, "Meet the LADO"), capacity=CAPACITY)
    for i in range(ALREADY_BOOKED):
        email = f"early{i}@bib.example"
        make_user(email, world.bib, roles=("practitioner",), agency_key="police")
        book(world.bib, session, email)
    people = []
    for i in range(CONTENDERS):
        tenant = world.hf if i % 2 else world.bib
        email = f"contender{i}@{tenant.slug}.example"
        make_user(email, tenant, roles=("practitioner",), agency_key="school")
        people.append((tenant.id, email))

    barrier = threading.Barrier(CONTENDERS, timeout=30)
    outcomes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def attempt(tenant_id: int, email: str) -> None:
        with app.app_context():
            try:
                tenant = db.session.get(Tenant, tenant_id)
                with tenant_scope(tenant):
                    offer, settings, who = offer_of(tenant), settings_of(tenant), principal(tenant, email)
                    membership = rules.delegate_membership(user_by_email(email).id)
                    db.session.commit()  # nothing held open while waiting at the barrier
                    barrier.wait()
                    booking = rules.book(offer, tenant, session, membership, who, datetime.now(UTC), settings)
                    status = booking.status
                    db.session.commit()
                with lock:
                    outcomes.append(status)
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                db.session.rollback()
                with lock:
                    errors.append(exc)
            finally:
                db.session.remove()

    # The emails each booking queues stay in the outbox: delivering them inline would need a second
    # connection per thread, and this test is about places, not email.
    monkeypatch.setattr("core.jobs.queue._dispatch", lambda app, jobs: None)
    threads = [threading.Thread(target=attempt, args=person) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return session, outcomes, errors


def _check(session: int, outcomes: list[str], errors: list[BaseException], world) -> None:
    assert errors == [], errors
    assert sorted(outcomes) == ["confirmed"] * (CAPACITY - ALREADY_BOOKED) + ["waiting"] * (CONTENDERS - CAPACITY + ALREADY_BOOKED)
    db.session.commit()
    with unscoped():
        counts = dict(db.session.execute(
            select(TrainingBooking.status, func.count()).where(TrainingBooking.session_id == session)
            .group_by(TrainingBooking.status)).all())
        placed_by = dict(db.session.execute(
            select(TrainingBooking.tenant_id, func.count()).where(TrainingBooking.session_id == session,
                                                                  TrainingBooking.status == "confirmed")
            .group_by(TrainingBooking.tenant_id)).all())
    assert counts == {"confirmed": CAPACITY, "waiting": CONTENDERS - CAPACITY + ALREADY_BOOKED}
    assert sum(placed_by.values()) == CAPACITY
    # One queue across both partnerships, each place in it taken once.
    from plugins.training import sharing
    from plugins.training.models import TrainingSession

    positions = []
    for tenant in (world.bib, world.hf):
        with tenant_scope(tenant):
            positions += list(sharing.waiting_positions(db.session.get(TrainingSession, session)).values())
    assert sorted(positions) == list(range(1, CONTENDERS - CAPACITY + ALREADY_BOOKED + 1))
    # Everyone has exactly one booking: no one lost, no one twice.
    with unscoped():
        assert db.session.scalar(select(func.count(func.distinct(TrainingBooking.user_id)))
                                 .where(TrainingBooking.session_id == session)) == CONTENDERS + ALREADY_BOOKED


@pytest.mark.postgres
def test_simultaneous_bookings_for_the_last_places_on_postgresql(app, monkeypatch):
    world = build_world()
    session, outcomes, errors = contend(app, world, monkeypatch)
    _check(session, outcomes, errors, world)


def test_simultaneous_bookings_for_the_last_places_on_this_database(app, monkeypatch):
    """The same race on whichever database the suite runs on (SQLite in the first pass)."""
    world = build_world()
    session, outcomes, errors = contend(app, world, monkeypatch)
    _check(session, outcomes, errors, world)
