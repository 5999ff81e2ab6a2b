"""The clocks: concern to contact in working days (bank holidays do not count), referral to outcome against
the national expectations in calendar months, and the cut-offs the lists and the sweep filter on."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from core.calendar import LONDON, add_working_days, london_day, working_days_between
from plugins.lado.timeliness import Timeliness, add_months, band, overdue_cutoff, stale_before


def clock(concern=None, received=date(2025, 4, 22), referred=None, resolved=None, today=date(2025, 4, 22)):
    return Timeliness(concern_on=concern, received_on=received, referred_on=referred, resolved_on=resolved, today=today)


@pytest.mark.parametrize(("concern", "received", "days", "on_time"), [
    # Thursday before Good Friday, reported the Tuesday after Easter Monday (2025): one working day
    (date(2025, 4, 17), date(2025, 4, 22), 1, True),
    # ... reported on the Wednesday: two
    (date(2025, 4, 17), date(2025, 4, 23), 2, False),
    # Christmas Eve 2025 (Wednesday), reported on Monday 29 December: 25th, 26th, weekend do not count
    (date(2025, 12, 24), date(2025, 12, 29), 1, True),
    # Friday to Monday, an ordinary weekend
    (date(2025, 6, 6), date(2025, 6, 9), 1, True),
    # the same day
    (date(2025, 6, 9), date(2025, 6, 9), 0, True),
    # the late May bank holiday 2025 (Monday 26 May): Friday to Tuesday is one working day
    (date(2025, 5, 23), date(2025, 5, 27), 1, True),
])
def test_concern_to_contact_is_counted_in_working_days(concern, received, days, on_time):
    c = clock(concern=concern, received=received)
    assert (c.contact_working_days, c.contact_on_time) == (days, on_time)


def test_no_concern_date_means_no_contact_clock():
    assert clock().contact_working_days is None and clock().contact_on_time is None


@pytest.mark.parametrize(("referred", "resolved", "months"), [
    (date(2025, 1, 15), date(2025, 2, 15), 1),   # on the day a month later: within
    (date(2025, 1, 15), date(2025, 2, 16), 3),
    (date(2025, 1, 31), date(2025, 2, 28), 1),   # a month from 31 January ends on the last day of February
    (date(2025, 1, 31), date(2025, 3, 1), 3),
    (date(2024, 1, 31), date(2024, 2, 29), 1),   # leap year
    (date(2025, 1, 15), date(2025, 4, 15), 3),
    (date(2025, 1, 15), date(2026, 1, 15), 12),
    (date(2025, 1, 15), date(2026, 1, 16), None),  # beyond twelve months
])
def test_referral_to_outcome_bands_by_calendar_months(referred, resolved, months):
    assert band(referred, resolved) == months
    c = clock(referred=referred, resolved=resolved, received=referred)
    assert c.band == months
    assert c.working_days == working_days_between(referred, resolved)


def test_working_days_to_the_outcome_skip_christmas():
    c = clock(referred=date(2025, 12, 19), received=date(2025, 12, 19), resolved=date(2026, 1, 2))
    # 22, 23, 24, 29, 30, 31 December and 2 January: 25, 26 December and 1 January are bank holidays
    assert c.working_days == 7


def test_an_open_referral_knows_which_expectations_it_has_passed():
    referred = date(2025, 1, 31)
    assert clock(referred=referred, received=referred, today=date(2025, 2, 28)).passed == ()
    assert clock(referred=referred, received=referred, today=date(2025, 3, 1)).passed == (1,)
    late = clock(referred=referred, received=referred, today=date(2026, 2, 1))
    assert late.passed == (1, 3, 12) and late.overdue
    assert "more than 12 months" in late.summary
    done = clock(referred=referred, received=referred, resolved=date(2025, 2, 10), today=date(2026, 2, 1))
    assert done.passed == () and not done.overdue and done.summary.startswith("Resolved within 1 month")


def test_add_months_keeps_the_day_or_takes_the_last_of_a_short_month():
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert add_months(date(2025, 3, 31), -1) == date(2025, 2, 28)
    assert add_months(date(2025, 12, 15), 12) == date(2026, 12, 15)


def test_the_overdue_cutoff_matches_the_rule_on_every_day_of_two_years():
    day = date(2024, 1, 1)
    while day < date(2026, 1, 1):
        cutoff = overdue_cutoff(day, 1)
        assert day > add_months(cutoff, 1), day
        assert not day > add_months(cutoff + timedelta(days=1), 1), day
        day += timedelta(days=1)


def test_stale_means_the_set_number_of_working_days_without_activity():
    today = date(2025, 4, 23)  # the Wednesday after Easter
    moment = stale_before(today, 5)
    # five working days before 23 April 2025 is 14 April (18 and 21 April are bank holidays)
    assert add_working_days(today, -5) == date(2025, 4, 14)
    assert london_day(moment) == date(2025, 4, 15) and moment.astimezone(LONDON).hour == 0
    touched_on_14th = datetime(2025, 4, 14, 22, 30, tzinfo=UTC)  # 23:30 in London: still the 14th
    assert touched_on_14th < moment
    assert not datetime(2025, 4, 14, 23, 30, tzinfo=UTC) < moment  # 00:30 on the 15th in London


def stale_on(today: date, last_touched: date, stale_days: int) -> bool:
    """Whether a case last touched at noon (London) on ``last_touched`` is stale on ``today``."""
    moment = datetime.combine(last_touched, datetime.min.time().replace(hour=12), tzinfo=LONDON)
    return moment < stale_before(today, stale_days)


@pytest.mark.parametrize(("today", "touched", "stale"), [
    # touched on Monday 14 December 2026: Tuesday to Friday is four working days, whatever the weekend
    (date(2026, 12, 18), date(2026, 12, 14), False),   # Friday
    (date(2026, 12, 19), date(2026, 12, 14), False),   # Saturday
    (date(2026, 12, 20), date(2026, 12, 14), False),   # Sunday
    (date(2026, 12, 21), date(2026, 12, 14), True),    # Monday: the fifth
    # touched on Friday 18 December 2026: 21-24 December are four; 25 (Christmas Day, a Friday), the weekend
    # and 28 December (the substitute for Boxing Day) are not working days; 29 December is the fifth
    (date(2026, 12, 25), date(2026, 12, 18), False),
    (date(2026, 12, 26), date(2026, 12, 18), False),
    (date(2026, 12, 28), date(2026, 12, 18), False),
    (date(2026, 12, 29), date(2026, 12, 18), True),
    # touched on Friday 19 March 2027: 22-25 March are four; Good Friday, the weekend and Easter Monday
    # (29 March) do not count; Tuesday 30 March is the fifth
    (date(2027, 3, 26), date(2027, 3, 19), False),
    (date(2027, 3, 27), date(2027, 3, 19), False),
    (date(2027, 3, 29), date(2027, 3, 19), False),
    (date(2027, 3, 30), date(2027, 3, 19), True),
])
def test_stale_on_a_weekend_or_a_bank_holiday_counts_only_the_working_days_gone(today, touched, stale):
    assert working_days_between(touched, today) == (5 if stale else 4)
    assert stale_on(today, touched, 5) is stale


def test_the_stale_cutoff_matches_the_rule_on_every_day_of_two_years():
    """Stale means at least ``stale_days`` working days gone since the day of the last activity, on any
    day the check runs: a Saturday or a bank holiday counts what the working day before it counted."""
    day = date(2026, 1, 1)
    while day < date(2028, 1, 1):
        for stale_days in (1, 5, 20):
            first_fresh = london_day(stale_before(day, stale_days))  # the first day whose activity is not stale
            assert working_days_between(first_fresh - timedelta(days=1), day) >= stale_days, (day, stale_days)
            assert working_days_between(first_fresh, day) < stale_days, (day, stale_days)
        day += timedelta(days=1)
