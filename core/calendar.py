"""Working days in England: the one calendar every statutory clock is counted on.

A working day is Monday to Friday and not a bank holiday in England and Wales (the ``holidays`` package,
subdivision ENG, which carries substitute days and one-off holidays such as coronations and jubilees).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def bank_holiday_name(day: date) -> str | None:
    return holidays.country_holidays("GB", subdiv="ENG", years=day.year).get(day)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (before it when negative).

    ``start`` itself never counts: 5 working days from the day a serious incident became known is the
    fifth working day after it. ``add_working_days(d, 0)`` is ``d`` itself.
    """
    step = 1 if days >= 0 else -1
    remaining = abs(days)
    day = start
    while remaining:
        day += timedelta(days=step)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end``; negative when ``end`` is earlier.

    The inverse of ``add_working_days``: ``working_days_between(d, add_working_days(d, n)) == n``.
    """
    if end < start:
        return -working_days_between(end, start)
    full_weeks, rest = divmod((end - start).days, 7)
    count = full_weeks * 5
    day = start + timedelta(days=full_weeks * 7)
    for _ in range(rest):
        day += timedelta(days=1)
        if day.weekday() < 5:
            count += 1
    holidays_in_range = sum(
        1
        for year in range(start.year, end.year + 1)
        for holiday in _bank_holidays(year)
        if start < holiday <= end and holiday.weekday() < 5
    )
    return count - holidays_in_range


LONDON = ZoneInfo("Europe/London")


def at_london(day: date, at: time) -> datetime:
    """The UTC moment of a London wall-clock time. A time the clocks skip (01:30 on the last Sunday of
    March) comes out an hour later, as a clock on the wall would show it."""
    return datetime.combine(day, at.replace(tzinfo=None), tzinfo=LONDON).astimezone(UTC)


def london_day(moment: datetime) -> date:
    """The day a moment falls on in England: what decides a deadline, a financial year, a turn."""
    return moment.astimezone(LONDON).date()


def london_today() -> date:
    # Not the server's date: just after midnight in summer, UTC is still on yesterday.
    return datetime.now(LONDON).date()
