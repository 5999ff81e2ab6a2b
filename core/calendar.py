"""Working days in England: the one calendar every statutory clock is counted on; and the financial year
(1 April to 31 March) every report, budget and plan is kept by.

A working day is Monday to Friday and not a bank holiday in England and Wales (the ``holidays`` package,
subdivision ENG, which carries substitute days and one-off holidays such as coronations and jubilees).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
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


def next_working_day(day: date) -> date:
    """``day`` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


# -- financial years ------------------------------------------------------------------------------------
# A partnership's year is the financial year, 1 April to 31 March, named by the year it starts in.

FIRST_YEAR, LAST_YEAR = 2000, 2100
# "2025", "2025/26", "2025-26" or "2025/2026"; ASCII digits only, so that "２０２５" is not a year.
_YEAR = re.compile(r"([0-9]{4})(?:\s*[/-]\s*([0-9]{2}|[0-9]{4}))?")


class YearError(ValueError):
    """Text that is not a financial year a page can show; the message says so, for the person."""


def year_message(latest: int = LAST_YEAR) -> str:
    return f"Choose a financial year between {FIRST_YEAR} and {latest}"


@dataclass(frozen=True, order=True)
class FinancialYear:
    start_year: int

    @property
    def start(self) -> date:
        return date(self.start_year, 4, 1)

    @property
    def end(self) -> date:
        return date(self.start_year + 1, 3, 31)

    @property
    def label(self) -> str:
        return f"{self.start_year}/{str(self.start_year + 1)[-2:]}"

    @property
    def previous(self) -> FinancialYear:
        return FinancialYear(self.start_year - 1)

    @property
    def next(self) -> FinancialYear:
        return FinancialYear(self.start_year + 1)

    @classmethod
    def containing(cls, day: date) -> FinancialYear:
        return cls(day.year if day.month >= 4 else day.year - 1)

    @classmethod
    def current(cls) -> FinancialYear:
        """The year it is now in London: at 00:30 BST on 1 April the new year has begun, though UTC's date
        is still 31 March."""
        return cls.containing(london_today())

    @classmethod
    def parse(cls, text: str | None, *, latest: int = LAST_YEAR) -> FinancialYear:
        """The year someone asked for: ``2025`` or ``2025/26``. Anything else (words, ``2025/27``, a year
        before 2000 or after ``latest``) raises ``YearError`` with the one message every page gives."""
        match = _YEAR.fullmatch((text or "").strip())
        if (not match or (match.group(2) and int(match.group(2)) % 100 != (int(match.group(1)) + 1) % 100)
                or not FIRST_YEAR <= int(match.group(1)) <= latest):
            raise YearError(year_message(latest))
        return cls(int(match.group(1)))


def chosen_year(text: str | None, default: FinancialYear, *,
                latest: int = LAST_YEAR) -> tuple[FinancialYear, str | None]:
    """The year a year picker asked for: ``default`` when nothing was asked; ``(default, message)`` when
    what was asked is not a year, so that the page can still show something beside the message."""
    if text is None or not text.strip():
        return default, None
    try:
        return FinancialYear.parse(text, latest=latest), None
    except YearError as exc:
        return default, str(exc)


def years_to_offer(current: FinancialYear | int, shown: FinancialYear | int | None = None,
                   with_data: Iterable[int] = ()) -> list[FinancialYear]:
    """The years a year picker offers, oldest first: every year with data (so that none of it is out of
    reach however old), the current year and the one being shown."""
    years = {_start_year(current), *with_data}
    if shown is not None:
        years.add(_start_year(shown))
    return [FinancialYear(year) for year in sorted(years)]


def years_spanned(first: date | None, last: date | None) -> range:
    """The financial years from the one containing ``first`` to the one containing ``last`` (the earliest
    and latest dates of some records, in London); none when there are no records."""
    if first is None or last is None:
        return range(0)
    return range(FinancialYear.containing(first).start_year, FinancialYear.containing(last).start_year + 1)


def _start_year(year: FinancialYear | int) -> int:
    return year.start_year if isinstance(year, FinancialYear) else year
