"""Every figure of a year has one base: the sessions that have taken place. A booking or an evaluation of a
session still to come counts for nothing yet, on the page, in the downloads, in the API, in the
coordinator's view of the whole offer, in the annual report and in the data set."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from core.calendar import FinancialYear, london_day
from core.db import db
from core.structure.arrangements import change_arrangements
from core.tenancy.isolation import tenant_scope, unscoped
from plugins.training import bookings as rules
from plugins.training import evaluation, figures
from plugins.training.models import TrainingBooking, TrainingSession
from tests.helpers import bearer, token_for
from tests.plugins.training.world import add_course, add_session, book, build_world, future, offer_of


@pytest.fixture
def world(app):
    return build_world()


def page(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def year_with_one_session_held_and_one_to_come(world):
    """A shared session held two hours ago, which H&F's worker attended in full after answering the
    baseline and the feedback; and a shared session in an hour's time (the same financial year), on which
    H&F's colleague and the Bi-Borough's worker are booked and the colleague has answered the baseline."""
    course = add_course(world.bib, "Meet the LADO", minutes=120)
    held = add_session(world.bib, course, capacity=10)
    attended = book(world.hf, held, "hf.worker@hf.example")
    _evaluate(world.hf, attended, "before", datetime.now(UTC), (1, 1))
    starts = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    with unscoped():
        session = db.session.get(TrainingSession, held)
        session.starts_at, session.ends_at = starts, starts + timedelta(hours=1)
    db.session.commit()
    with tenant_scope(world.bib):
        session = db.session.get(TrainingSession, held)
        rules.take_register(offer_of(world.bib), session, {attended: "attended"}, datetime.now(UTC))
        db.session.commit()
    _evaluate(world.hf, attended, "after", datetime.now(UTC), (3, 3))

    coming = add_session(world.bib, course, starts=datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1))
    waiting_to_come = book(world.hf, coming, "hf.colleague@hf.example")
    book(world.bib, coming, "bib.worker@bib.example")
    _evaluate(world.hf, waiting_to_come, "before", datetime.now(UTC), (5, 5))
    year = FinancialYear.containing(london_day(starts))
    assert FinancialYear.containing(london_day(starts + timedelta(hours=3))) == year
    return year.start_year


def _evaluate(tenant, booking_id, stage, now, scores):
    with tenant_scope(tenant):
        booking = db.session.get(TrainingBooking, booking_id)
        evaluation.submit(booking, stage, scores[0], scores[1], "", "", now, booking.user_id)
        db.session.commit()


def test_the_figures_page_counts_only_sessions_that_have_taken_place(app, world,
                                                                     year_with_one_session_held_and_one_to_come):
    year = year_with_one_session_held_and_one_to_come
    shown = page(world.client(app, "hf.manager@hf.example").get(f"/hf/training/figures?year={year}"))
    summary = shown[shown.index('data-testid="summary"'):]
    assert "100% of 1 place not cancelled in time" in summary
    assert "50%" not in summary
    # The one base is stated where the figures are read.
    assert "that have taken place so far" in page(
        world.client(app, "hf.manager@hf.example").get(f"/hf/training/figures?year={year}"))


def test_the_api_and_the_downloads_count_only_sessions_that_have_taken_place(app, world,
                                                                             year_with_one_session_held_and_one_to_come):
    year = year_with_one_session_held_and_one_to_come
    hf = app.test_client().get(f"/api/v1/hf/training/figures?year={year}",
                               headers=bearer(token_for(world.hf, "hf.figures@hf.example", "business_manager"))).get_json()
    assert (hf["sessions_run"], hf["bookings"], hf["attended"]) == (1, 1, 1)
    assert hf["attendance_percent"] == 100
    # The coordinator's view of the whole offer: no one booked on the session to come is counted.
    bib = app.test_client().get(f"/api/v1/bi-borough/training/figures?year={year}",
                                headers=bearer(token_for(world.bib, "bib.figures@bib.example",
                                                         "business_manager"))).get_json()
    assert sorted((r["label"], r["bookings"]) for r in bib["by_partnership"]) == [("HF", 1)]
    # The change in knowledge compares the baseline and the feedback of the session held only.
    (course,) = bib["evaluation"]
    assert (course["before"]["responses"], course["after"]["responses"]) == (1, 1)
    assert course["knowledge_change"] == 2.0
    manager = world.client(app, "hf.manager@hf.example")
    rows = list(csv.reader(io.StringIO(manager.get(f"/hf/training/figures.csv?year={year}")
                                       .get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][3:5] == ["1", "1"]


def test_the_annual_report_and_the_data_set_count_only_sessions_that_have_taken_place(
        app, world, year_with_one_session_held_and_one_to_come):
    year = year_with_one_session_held_and_one_to_come
    with tenant_scope(world.hf):
        result = figures.gather(offer_of(world.hf), world.hf, year, datetime.now(UTC))
    assert figures.dataset(result)["training_bookings"] == 1
    assert figures.dataset(result)["training_attended"] == 1
    with tenant_scope(world.hf):  # this partnership publishes every count: what is counted is the point here
        change_arrangements(world.hf, {"small_numbers_threshold": 1})
    db.session.commit()
    html = page(world.client(app, "hf.admin@hf.example").get(f"/hf/annual-report?year={year}"))
    assert "made 1 booking:" in html and "1 attended in full" in html
    assert "that have taken place so far" in html


def test_a_year_to_come_counts_nothing_yet(app, world):
    course = add_course(world.bib, "Safer Recruitment", minutes=120)
    book(world.hf, add_session(world.bib, course, starts=future(400)), "hf.worker@hf.example")
    later = FinancialYear.containing(london_day(future(400))).start_year
    with tenant_scope(world.hf):
        result = figures.gather(offer_of(world.hf), world.hf, later, datetime.now(UTC))
    assert (result.sessions_run, result.bookings, result.attendance_percent) == (0, 0, None)


def test_places_whose_register_is_not_taken_are_counted_apart():
    from plugins.training.sharing import BookingFact

    def fact(attendance, status="confirmed"):
        return BookingFact(1, "HF", "School", "education_childcare", 1, 1, status, attendance, True, 0)

    result = figures.compute(FinancialYear(2025), "HF", [(1, 10)], [fact("attended"), fact(None), fact(None, "cancelled")],
                             [], {})
    assert (result.bookings, result.cancellations, result.not_recorded, result.places_due) == (3, 1, 1, 2)
    assert result.attendance_percent == 50
    assert ["Register not yet taken", 1] in figures.summary_rows(result)
