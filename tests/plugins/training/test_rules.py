"""The plain rules: the cancellation deadline in working days, charges by the course's length, reminders,
who may see a booking, the evaluation's exact change per course, the figures, the needs summary, and the
certificate."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from fractions import Fraction
from types import SimpleNamespace

import pytest

from core.calendar import FinancialYear, at_london
from plugins.training import bookings as rules
from plugins.training import certificates, evaluation, figures, needs
from plugins.training.jobs import reminder_due
from plugins.training.sharing import BookingFact

POLICY = {"charge_no_shows": True, "charge_late_cancellations": False, "no_show_charge_half_day": 5000,
          "no_show_charge_full_day": 9000, "cancellation_working_days": 3}


def session_on(day: date, minutes: int = 180):
    return SimpleNamespace(starts_at=at_london(day, time(10)), course=SimpleNamespace(duration_minutes=minutes))


def test_the_deadline_counts_working_days_back_over_weekends_and_bank_holidays():
    # Tuesday 7 April 2026 follows Good Friday (3rd) and Easter Monday (6th): three working days before it
    # are Thursday 2, Wednesday 1 and Tuesday 31 March.
    assert rules.cancellation_deadline(date(2026, 4, 7), 3) == date(2026, 3, 31)
    assert rules.cancellation_deadline(date(2026, 4, 7), 0) == date(2026, 4, 7)
    session = session_on(date(2026, 4, 7))
    assert not rules.is_late(session, at_london(date(2026, 3, 31), time(23, 59)), 3)
    assert rules.is_late(session, at_london(date(2026, 4, 1), time(0, 1)), 3)
    # London's date decides, not UTC's: 23:30 UTC on 31 March is 00:30 on 1 April in London.
    assert rules.is_late(session, datetime(2026, 3, 31, 23, 30, tzinfo=UTC), 3)


@pytest.mark.parametrize(("outcome", "minutes", "policy", "pence"), [
    ("no_show", 180, {}, 5000),
    ("no_show", 240, {}, 5000),
    ("no_show", 241, {}, 9000),
    ("no_show", 180, {"charge_no_shows": False}, 0),
    ("cancelled_late", 390, {}, 0),
    ("cancelled_late", 390, {"charge_late_cancellations": True}, 9000),
    ("left_early", 390, {}, 0),
    ("attended", 390, {}, 0),
])
def test_charges_follow_the_policy_and_the_length_of_the_course(outcome, minutes, policy, pence):
    assert rules.charge_for(outcome, session_on(date(2026, 5, 5), minutes), {**POLICY, **policy}) == pence


def test_pounds():
    assert rules.pounds(9000) == "£90.00" and rules.pounds(123456) == "£1,234.56" and rules.pounds(5) == "£0.05"


@pytest.mark.parametrize(("confirmed", "today", "due"), [
    (date(2026, 5, 1), date(2026, 5, 15), None),  # 17 days before: nothing yet
    (date(2026, 5, 1), date(2026, 5, 18), 14),  # two weeks before
    (date(2026, 5, 1), date(2026, 5, 25), 14),  # missed on the day, still due before the two-day one
    (date(2026, 5, 1), date(2026, 5, 30), 2),  # two days before
    (date(2026, 5, 1), date(2026, 6, 1), 2),  # on the day, if the sweep missed it
    (date(2026, 5, 20), date(2026, 5, 25), None),  # booked inside the two weeks: the confirmation says it all
    (date(2026, 5, 20), date(2026, 5, 30), 2),
    (date(2026, 5, 31), date(2026, 5, 31), None),
    (date(2026, 5, 1), date(2026, 6, 2), None),  # after the session
])
def test_reminders_two_weeks_and_two_days_before(confirmed, today, due):
    assert reminder_due(confirmed, date(2026, 6, 1), today) == due


def test_who_may_see_a_booking():
    booking = SimpleNamespace(user_id=1, booked_by_id=2, agency_id=10)
    assert rules.may_see(booking, rules.Principal(user_id=1))
    assert rules.may_see(booking, rules.Principal(user_id=2))
    assert not rules.may_see(booking, rules.Principal(user_id=3, permissions=frozenset({"training.book.self"})))
    assert rules.may_see(booking, rules.Principal(user_id=3, permissions=frozenset({"training.register.take"})))
    lead = frozenset({"training.book.staff"})
    assert rules.may_see(booking, rules.Principal(user_id=3, agency_id=10, permissions=lead))
    assert not rules.may_see(booking, rules.Principal(user_id=3, agency_id=11, permissions=lead))
    assert rules.may_see(booking, rules.Principal(user_id=3, agency_id=None, permissions=lead))


def test_the_change_per_course_is_exact_and_counts_its_responses():
    rows = [(1, "before", 2, 1), (1, "before", 3, 2), (1, "before", 3, 2),
            (1, "after", 4, 4), (1, "after", 5, 3),
            (1, "follow_up", 4, 5),
            (2, "after", 5, 5)]
    course, other = evaluation.summarise(rows, {1: "Meet the LADO", 2: "Safer Recruitment"})
    assert course.course_title == "Meet the LADO"
    assert course.before.responses == 3 and course.before.knowledge == Fraction(8, 3)
    assert course.knowledge_change == Fraction(9, 2) - Fraction(8, 3) == Fraction(11, 6)
    assert course.confidence_change == Fraction(7, 2) - Fraction(5, 3)
    assert course.knowledge_change_follow_up == 4 - Fraction(8, 3)
    assert evaluation.shown(course.knowledge_change, signed=True) == "+1.83"
    assert evaluation.shown(Fraction(-1, 200), signed=True) == "-0.01"
    assert evaluation.shown(Fraction(0), signed=True) == "0.00"
    assert other.knowledge_change is None and evaluation.shown(other.knowledge_change) == "No responses"


def fact(partnership="HF", agency="School", sector="education_childcare", *, status="confirmed", attendance=None,
         confirmed=True, charge=0):
    return BookingFact(1, partnership, agency, sector, 1, 1, status, attendance, confirmed, charge)


def test_figures_count_bookings_attendance_and_charges_by_partnership_sector_and_agency():
    facts = [
        fact(attendance="attended"), fact(attendance="left_early"), fact(attendance="no_show", charge=5000),
        fact(status="cancelled", attendance="cancelled_late", charge=5000),
        fact(status="cancelled"),  # cancelled in time
        fact(status="waiting", confirmed=False),  # never had a place: not a booking
        fact("BI-BOROUGH", "Police", "police_immigration", attendance="attended"),
    ]
    result = figures.compute(FinancialYear(2025), "HF", [(1, 10), (2, 12)], facts, [], {}, whole_offer=True)
    assert (result.sessions_run, result.places_offered) == (2, 22)
    assert (result.bookings, result.attended, result.left_early, result.no_shows) == (6, 2, 1, 1)
    assert (result.late_cancellations, result.cancellations, result.waiting_unplaced) == (1, 1, 1)
    assert result.charges_pence == 10000
    assert result.attendance_percent == 40  # 2 of the 5 places not cancelled in time
    hf, bib = sorted(result.by_partnership, key=lambda r: r.label)[1], sorted(result.by_partnership, key=lambda r: r.label)[0]
    assert (hf.label, hf.bookings, hf.charges_pence) == ("HF", 5, 10000)
    assert (bib.label, bib.bookings, bib.attended) == ("BI-BOROUGH", 1, 1)
    assert [r.label for r in result.by_sector] == ["Education and childcare", "Police and immigration"]
    assert figures.dataset(result)["training_bookings"] == 5  # the partnership's own delegates only
    rows = figures.agency_rows(result)
    assert rows[1][:3] == ["HF", "School", "Education and childcare"] and rows[1][-1] == "100.00"


def test_a_spreadsheet_never_runs_a_name_as_a_formula():
    result = figures.compute(FinancialYear(2025), "HF", [], [fact(agency="=HYPERLINK(\"x\")")], [], {})
    assert figures.agency_rows(result)[0][1] == "'=HYPERLINK(\"x\")"


def test_the_needs_summary_puts_the_biggest_need_first():
    survey = SimpleNamespace(topics=["Exploitation", "Domestic abuse", "Online safety"], responses=[
        SimpleNamespace(needs={"0": 1, "1": 3, "2": 0}, staff={"0": 4, "1": 30, "2": 0}, preferred_delivery="online"),
        SimpleNamespace(needs={"0": 2, "1": 3, "2": 0}, staff={"0": 4, "1": 10, "2": 0}, preferred_delivery="online"),
        SimpleNamespace(needs={"0": 3, "1": 2, "2": 1}, staff={"0": 8, "1": 0, "2": 1}, preferred_delivery="in_person"),
    ])
    summary = needs.summarise(survey)
    assert [t.topic for t in summary.topics] == ["Domestic abuse", "Exploitation", "Online safety"]
    abuse = summary.topics[0]
    assert (abuse.staff, abuse.high, abuse.responses, abuse.mean_need) == (40, 2, 3, Fraction(8, 3))
    assert abuse.mean_need_text == "2.7"
    assert summary.delivery == [("Online", 2), ("In person", 1)]
    assert needs.parse_topics(" Exploitation \n\nexploitation\nDomestic abuse\n") == ["Exploitation", "Domestic abuse"]


def test_certificates_are_for_full_attendance_only():
    def booking(status, attendance):
        return SimpleNamespace(status=status, attendance=attendance)

    assert certificates.why_no_certificate(booking("confirmed", "attended")) is None
    assert "left early" in certificates.why_no_certificate(booking("confirmed", "left_early"))
    assert "not used" in certificates.why_no_certificate(booking("confirmed", "no_show"))
    assert "not used" in certificates.why_no_certificate(booking("cancelled", "cancelled_late"))
    assert "once the register" in certificates.why_no_certificate(booking("confirmed", None))
    assert certificates.latin1("Łukasz “Zoë” O’Neill – café, Dvořák") == "?ukasz \"Zoë\" O'Neill - café, Dvorák"
