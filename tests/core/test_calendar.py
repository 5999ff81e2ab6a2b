"""The working-day calendar for England: weekends and England and Wales bank holidays."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.calendar import add_working_days, bank_holiday_name, is_working_day, working_days_between


@pytest.mark.parametrize("start, days, expected", [
    # Christmas 2026: Friday 25th; Boxing Day falls on a Saturday, so Monday 28th is the substitute holiday.
    (date(2026, 12, 24), 1, date(2026, 12, 29)),
    (date(2026, 12, 21), 5, date(2026, 12, 30)),  # five working days to notify the national panel
    # New Year 2027: Friday 1st.
    (date(2026, 12, 31), 1, date(2027, 1, 4)),
    # Christmas 2027 on a Saturday: Monday 27th and Tuesday 28th are both substitute holidays.
    (date(2027, 12, 24), 1, date(2027, 12, 29)),
    # Easter 2027: Good Friday 26 March, Easter Monday 29 March.
    (date(2027, 3, 25), 1, date(2027, 3, 30)),
    (date(2027, 3, 19), 15, date(2027, 4, 13)),  # fifteen working days for a rapid review across Easter
    (date(2027, 3, 30), -1, date(2027, 3, 25)),
    (date(2026, 11, 20), 0, date(2026, 11, 20)),
    (date(2026, 11, 21), 1, date(2026, 11, 23)),  # from a Saturday, the next Monday
])
def test_add_working_days(start, days, expected):
    assert add_working_days(start, days) == expected


def test_bank_holidays_are_not_working_days():
    assert bank_holiday_name(date(2027, 3, 26)) == "Good Friday"
    assert bank_holiday_name(date(2027, 3, 29)) == "Easter Monday"
    assert not is_working_day(date(2026, 12, 28))  # substitute for Boxing Day
    assert not is_working_day(date(2023, 5, 8))  # the coronation bank holiday
    assert not is_working_day(date(2026, 11, 22))  # a Sunday
    assert is_working_day(date(2026, 11, 23))
    # Scotland's and Northern Ireland's holidays are not England's.
    assert is_working_day(date(2027, 1, 4)) and is_working_day(date(2027, 3, 17))


def test_working_days_between_over_christmas_and_new_year():
    assert working_days_between(date(2026, 12, 24), date(2027, 1, 4)) == 4  # 29th, 30th, 31st and 4th
    assert working_days_between(date(2026, 12, 24), date(2027, 1, 5)) == 5
    assert working_days_between(date(2027, 1, 5), date(2026, 12, 24)) == -5
    assert working_days_between(date(2026, 12, 25), date(2026, 12, 28)) == 0


def test_the_two_functions_are_inverses_over_two_years():
    start = date(2026, 1, 1)
    for offset in range(0, 730, 3):
        day = start + timedelta(days=offset)
        for n in (0, 1, 2, 5, 15, 20, 65):
            later = add_working_days(day, n)
            assert working_days_between(day, later) == n, (day, n)
            assert is_working_day(later) or n == 0


def test_the_day_is_londons_not_the_servers():
    from datetime import UTC, datetime

    from core.calendar import london_day

    assert london_day(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == date(2026, 7, 1)  # 00:30 BST
    assert london_day(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == date(2026, 12, 31)  # GMT
