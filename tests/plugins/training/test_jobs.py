"""The daily sweep as the scheduler runs it: reminders two weeks and two days before, the feedback request
the day after, and the follow-up six weeks on to the learner and their manager; each once, each by the
delegate's own partnership."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from core.calendar import at_london
from core.db import db
from core.jobs.periodic import tick
from core.tenancy.isolation import unscoped
from plugins.training.models import TrainingBooking
from tests.plugins.training.world import add_course, add_session, book, build_world

SESSION_DAY = date(2030, 6, 12)


@pytest.fixture
def world(app):
    return build_world()


def run_daily(start: date, end: date, outbox) -> dict[date, list[tuple[str, str]]]:
    """Tick at midday every day; (to, subject) of the training emails each day sent."""
    sent: dict[date, list[tuple[str, str]]] = {}
    day = start
    while day <= end:
        before = len(outbox)
        tick(datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC))
        new = [(m["To"], m["Subject"]) for m in outbox[before:] if "Safeguarding" in m["Subject"]
               or m["Subject"].startswith(("Reminder", "How was", "Six weeks on"))]
        if new:
            sent[day] = new
        day += timedelta(days=1)
    return sent


def test_reminders_feedback_and_the_follow_up_go_once_each(world, outbox):
    course = add_course(world.bib, "Safeguarding Children and Domestic Abuse")
    session = add_session(world.bib, course, starts=at_london(SESSION_DAY, time(10)))
    booked_on = at_london(date(2030, 5, 1), time(9))
    booking = book(world.hf, session, "hf.worker@hf.example", now=booked_on, manager_email="head@school.example")
    outbox.clear()

    before = run_daily(date(2030, 5, 27), SESSION_DAY, outbox)
    assert before == {
        date(2030, 5, 29): [("hf.worker@hf.example", "Reminder: Safeguarding Children and Domestic Abuse in two weeks, "
                                                     "Wednesday 12 June 2030, 10:00 to 13:00 (London time)")],
        date(2030, 6, 10): [("hf.worker@hf.example", "Reminder: Safeguarding Children and Domestic Abuse in two days, "
                                                     "Wednesday 12 June 2030, 10:00 to 13:00 (London time)")],
    }
    with unscoped():
        db.session.get(TrainingBooking, booking).attendance = "attended"
    db.session.commit()
    after = run_daily(SESSION_DAY + timedelta(days=1), SESSION_DAY + timedelta(days=60), outbox)
    assert after == {
        date(2030, 6, 13): [("hf.worker@hf.example", "How was Safeguarding Children and Domestic Abuse?")],
        date(2030, 7, 24): [("head@school.example", "Six weeks on: Safeguarding Children and Domestic Abuse"),
                            ("hf.worker@hf.example", "Six weeks on: Safeguarding Children and Domestic Abuse")],
    }
    follow_up = next(m for m in outbox if m["To"] == "head@school.example")
    assert f"/hf/training/bookings/{booking}/evaluation?stage=follow_up" in follow_up.get_body().get_content()
    # Ticking the same day again sends nothing more.
    assert run_daily(date(2030, 7, 24), date(2030, 7, 24), outbox) == {}


def test_no_show_and_cancelled_delegates_are_not_asked_for_feedback(world, outbox):
    session = add_session(world.bib, add_course(world.bib, "Meet the LADO"), starts=at_london(SESSION_DAY, time(10)))
    booking = book(world.hf, session, "hf.worker@hf.example", now=at_london(date(2030, 6, 1), time(9)))
    with unscoped():
        db.session.get(TrainingBooking, booking).attendance = "no_show"
    db.session.commit()
    outbox.clear()
    sent = run_daily(SESSION_DAY - timedelta(days=14), SESSION_DAY + timedelta(days=45), outbox)
    # Booked within the two weeks: only the two-day reminder, and nothing after a no-show.
    assert sent == {date(2030, 6, 10): [("hf.worker@hf.example", "Reminder: Meet the LADO in two days, "
                                                                 "Wednesday 12 June 2030, 10:00 to 13:00 (London time)")]}
