"""The LADO's clocks, on the core calendar of working days in England.

Two clocks run on every case:

- **concern to contact**: the employer should tell the LADO within one working day of the concern
  (``working_days_between(concern_on, received_on) <= 1``, so a concern on the Thursday before Good Friday
  reported on the Tuesday after Easter Monday is on time);
- **referral to outcome**: the national expectations are that 80% of cases are resolved within one month,
  90% within three months and all but the most exceptional within twelve months. A month here is a
  calendar month from the referral date (a referral on 31 January is within one month if resolved by
  28 or 29 February), because that is how the expectation is worded; the working days the case took are
  shown beside it.

Plain functions: no Flask, so the tests call them directly.
"""

from __future__ import annotations

import calendar as month_calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from core.calendar import LONDON, add_working_days, is_working_day, working_days_between
from core.wording import plural

EXPECTED_CONTACT_DAYS = 1
MILESTONES = (1, 3, 12)  # months from referral to outcome: the national expectations
EXPECTED_SHARE = {1: 80, 3: 90, 12: 100}  # percent of cases within each, "all but the most exceptional"


def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months later; a day the month lacks becomes its last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, month_calendar.monthrange(year, month)[1]))


def add_years(day: date, years: int) -> date:
    """The anniversary ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def band(referred_on: date, resolved_on: date) -> int | None:
    """The first milestone (1, 3 or 12 months) the outcome came within, or None when beyond twelve."""
    for months in MILESTONES:
        if resolved_on <= add_months(referred_on, months):
            return months
    return None


@dataclass(frozen=True)
class Timeliness:
    concern_on: date | None
    received_on: date
    referred_on: date | None
    resolved_on: date | None
    today: date

    @property
    def contact_working_days(self) -> int | None:
        """Working days from the concern to the contact with the LADO (0 when the same day)."""
        if self.concern_on is None:
            return None
        return max(0, working_days_between(self.concern_on, self.received_on))

    @property
    def contact_on_time(self) -> bool | None:
        days = self.contact_working_days
        return None if days is None else days <= EXPECTED_CONTACT_DAYS

    def milestone_on(self, months: int) -> date | None:
        return add_months(self.referred_on, months) if self.referred_on else None

    @property
    def working_days(self) -> int | None:
        """Working days from the referral to its outcome, or to today while it is open."""
        if self.referred_on is None:
            return None
        return max(0, working_days_between(self.referred_on, self.resolved_on or self.today))

    @property
    def band(self) -> int | None:
        """For a resolved referral: 1, 3 or 12 (months it was resolved within), None beyond twelve."""
        if self.referred_on is None or self.resolved_on is None:
            return None
        return band(self.referred_on, self.resolved_on)

    @property
    def passed(self) -> tuple[int, ...]:
        """The milestones an open referral has gone past without an outcome."""
        if self.referred_on is None or self.resolved_on is not None:
            return ()
        return tuple(m for m in MILESTONES if self.today > add_months(self.referred_on, m))

    @property
    def overdue(self) -> bool:
        return bool(self.passed)

    @property
    def summary(self) -> str:
        """In words, for a page: how the referral did or is doing against the expectations."""
        if self.referred_on is None:
            return "Not a referral: no referral clock runs"
        days = plural(self.working_days, "working day")
        if self.resolved_on is not None:
            months = self.band
            if months is None:
                return f"Resolved in more than 12 months ({days})"
            return f"Resolved within {plural(months, 'month')} ({days})"
        if self.passed:
            return f"Open for more than {plural(self.passed[-1], 'month')} ({days})"
        return f"Open for {days}, within one month"


def timeliness(case, today: date) -> Timeliness:
    resolved = case.closed_on if case.kind == "referral" and case.status == "closed" else None
    return Timeliness(concern_on=case.concern_on, received_on=case.received_on,
                      referred_on=case.referred_on if case.kind == "referral" else None,
                      resolved_on=resolved, today=today)


def overdue_cutoff(today: date, months: int = 1) -> date:
    """The last referral date that is past ``months`` without an outcome today: a referral on or before it
    has ``today > add_months(referred_on, months)``. Exact at the ends of months, for a SQL filter."""
    day = add_months(today, -months) + timedelta(days=4)
    while add_months(day, months) >= today:
        day -= timedelta(days=1)
    return day


def last_working_day(today: date) -> date:
    """``today`` if it is a working day, else the working day before it: the day whose count of working
    days gone a weekend or a bank holiday shares (none passes while the service is shut)."""
    return today if is_working_day(today) else add_working_days(today, -1)


def stale_before(today: date, stale_days: int) -> datetime:
    """The moment before which a case's last activity makes it stale: ``stale_days`` working days have
    passed since the day it was last touched (that day does not count, as with every clock here), that is
    ``working_days_between(last_day, today) >= stale_days``, whatever day it is checked.

    Counted back from the last working day: counting back from a Saturday or a bank holiday would take the
    day before as the first of the days gone and call a case stale one working day early (after four on a
    Saturday, with five set)."""
    last_stale = add_working_days(last_working_day(today), -stale_days)
    # Activity on the weekend or bank holiday after that day is as old, in working days, as on that day.
    first_fresh = add_working_days(last_stale, 1)
    return datetime.combine(first_fresh, time(0), tzinfo=LONDON).astimezone(UTC)
