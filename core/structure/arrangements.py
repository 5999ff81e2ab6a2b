"""The partnership's published arrangements as settings (review date, scrutiny, schools and homes, the
thresholds document, the annual report deadline, the smallest count it publishes) and the reminders their
deadlines send.

Plain functions on the tenant in scope; the caller commits. A tenant without an ``Arrangements`` row reads
the defaults, so the annual report deadline is reminded of from the day a partnership is set up.

Reviews: the latest review is the one with the latest date, whatever order they were entered in, kept on the
arrangements; each review recorded is also an ``arrangements.reviewed`` audit event, so the history stays
whole. The
next review falls due one review interval after the latest; it is overdue once that day has passed in
London, and it is then shown as overdue (never as a plan) and reminded of every week until it is recorded.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from core import calendar
from core.audit.services import record
from core.auth.people import emails_of_role
from core.calendar import FinancialYear
from core.db import db
from core.jobs.reminders import remind_once
from core.structure.models import Arrangements
from core.structure.plan import FIRST_YEAR, LAST_YEAR, PlanError
from core.suppression import DEFAULT_THRESHOLD, HIGHEST_THRESHOLD, LOWEST_THRESHOLD

RECIPIENT_ROLE = "business_manager"
REVIEWED = "arrangements.reviewed"  # the audit action that records a review, with its date
# A reminder missed because the scheduler was down still goes out when it runs again, for this long after
# the deadline: long enough to cover an outage, short enough that a deadline nobody can mark as done (the
# annual report, for a partnership set up in October) is not announced as news.
CATCH_UP_AFTER_DUE = timedelta(days=7)
# A deadline that is done when it is recorded (the review) is reminded of until then: a week after the
# reminder on the day, and every week after that. Weekly is often enough not to be forgotten between
# meetings, and seldom enough to be read.
OVERDUE_EVERY_DAYS = 7
MAX_REMINDER_DAYS = 365
_MONTH_DAY = re.compile(r"^(\d{1,2})-(\d{1,2})$", re.ASCII)
_URL = re.compile(r"^https?://\S+$")


class ArrangementsError(PlanError):
    """What is wrong with the arrangements settings, by form field."""


@dataclass
class ArrangementSettings:
    """The tenant's arrangements as they stand (the row's values, or the defaults when it has none)."""

    review_due_on: date | None = None
    review_interval_months: int = 12
    independent_scrutiny: str = ""
    education_settings: str = ""
    residential_homes: str = ""
    thresholds_document_title: str = ""
    thresholds_document_url: str = ""
    attendance_threshold_percent: int = 75
    invoice_by: str = "10-01"
    annual_report_due: str = "09-30"
    reminder_days: list[int] = field(default_factory=lambda: [28, 7])
    small_numbers_threshold: int = DEFAULT_THRESHOLD


FIELDS = tuple(ArrangementSettings.__dataclass_fields__)


def _row() -> Arrangements | None:
    return db.session.scalars(select(Arrangements)).first()


def read_settings() -> ArrangementSettings:
    row = _row()
    if row is None:
        return ArrangementSettings()
    values = {name: getattr(row, name) for name in FIELDS}
    values["reminder_days"] = list(values["reminder_days"] or [])
    return ArrangementSettings(**values)


# -- validation ---------------------------------------------------------------------------------------------


def month_day(value: str, year: int) -> date:
    """The day ``MM-DD`` falls on in ``year``; 29 February is the 28th in other years."""
    month, day = (int(part) for part in value.split("-"))
    if (month, day) == (2, 29) and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        day = 28
    return date(year, month, day)


def _check_month_day(errors: dict, name: str, value: str, what: str) -> str:
    value = (value or "").strip()
    match = _MONTH_DAY.match(value)
    try:
        if not match:
            raise ValueError
        normalised = f"{int(match.group(1)):02d}-{int(match.group(2)):02d}"
        month_day(normalised, 2024)  # a leap year: every real day exists in it
    except ValueError:
        errors[name] = f"Enter {what} as month and day, like 09-30 for 30 September"
        return value
    return normalised


def parse_days(text: str) -> list[int]:
    """``"28, 7"`` as typed in a form: numbers of days before a deadline."""
    parts = [p for p in re.split(r"[\s,;]+", text or "") if p]
    if not all(p.isascii() and p.isdigit() for p in parts):
        raise ArrangementsError({"reminder_days": "Enter numbers of days separated by commas, like 28, 7"})
    return [int(p) for p in parts]


def _check_days(errors: dict, days) -> list[int]:
    if isinstance(days, str):
        try:
            days = parse_days(days)
        except ArrangementsError as exc:
            errors.update(exc.errors)
            return []
    days = list(days or [])
    if any(not isinstance(d, int) or not 0 <= d <= MAX_REMINDER_DAYS for d in days):
        errors["reminder_days"] = f"Each reminder must be between 0 and {MAX_REMINDER_DAYS} days before"
        return days
    if len(set(days)) > 10:
        errors["reminder_days"] = "Choose at most 10 reminders"
    return sorted(set(days), reverse=True)


def _check(values: dict) -> dict:
    errors: dict[str, str] = {}
    out = dict(values)

    def text(name, label, max_length):
        out[name] = (values.get(name) or "").strip()
        if len(out[name]) > max_length:
            errors[name] = f"{label} must be {max_length} characters or fewer"

    review = values.get("review_due_on")
    if review is not None and not FIRST_YEAR <= review.year <= LAST_YEAR:
        errors["review_due_on"] = f"Enter a review date between {FIRST_YEAR} and {LAST_YEAR}"
    interval = values.get("review_interval_months")
    if not isinstance(interval, int) or not 1 <= interval <= 60:
        errors["review_interval_months"] = "Enter how many months between reviews, from 1 to 60"
    text("independent_scrutiny", "The independent scrutiny text", 20000)
    text("education_settings", "The text on schools and education settings", 20000)
    text("residential_homes", "The text on residential homes", 20000)
    text("thresholds_document_title", "The title of the thresholds document", 300)
    text("thresholds_document_url", "The address of the thresholds document", 500)
    if out["thresholds_document_url"] and not _URL.match(out["thresholds_document_url"]):
        errors["thresholds_document_url"] = "Enter the web address of the thresholds document, starting https://"
    percent = values.get("attendance_threshold_percent")
    if not isinstance(percent, int) or not 1 <= percent <= 100:
        errors["attendance_threshold_percent"] = "Enter a percentage from 1 to 100"
    out["invoice_by"] = _check_month_day(errors, "invoice_by", values.get("invoice_by"),
                                         "the day contributions are invoiced by")
    out["annual_report_due"] = _check_month_day(errors, "annual_report_due", values.get("annual_report_due"),
                                                "the day the annual report is due")
    out["reminder_days"] = _check_days(errors, values.get("reminder_days"))
    threshold = values.get("small_numbers_threshold")
    if not isinstance(threshold, int) or not LOWEST_THRESHOLD <= threshold <= HIGHEST_THRESHOLD:
        errors["small_numbers_threshold"] = (
            f"Enter the smallest count to publish as a whole number from {LOWEST_THRESHOLD} to {HIGHEST_THRESHOLD}")
    if errors:
        raise ArrangementsError(errors)
    return out


def change_arrangements(tenant, values: dict, *, published_on: date | None | bool = False) -> ArrangementSettings:
    """Save the settings (fields of ``ArrangementSettings``; ``reminder_days`` a list or text like "28, 7")
    and, unless ``published_on`` is left out, the date the arrangements were published."""
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise TypeError(f"not arrangements settings: {sorted(unknown)}")
    merged = {**asdict(read_settings()), **values}
    errors = {}
    try:
        checked = _check(merged)
    except ArrangementsError as exc:
        errors.update(exc.errors)
    if published_on is not False and published_on is not None and not FIRST_YEAR <= published_on.year <= LAST_YEAR:
        errors["arrangements_published"] = f"Enter a publication date between {FIRST_YEAR} and {LAST_YEAR}"
    elif published_on and published_on != tenant.arrangements_published and published_on > calendar.london_today():
        # The public page states it as a fact. Only a change is checked, like the next review below.
        errors["arrangements_published"] = "The date the arrangements were published must be today or in the past"
    if not errors:
        published = tenant.arrangements_published if published_on is False else published_on
        # Only a change is checked, so that a date saved before this rule does not lock the other settings.
        saved_due = getattr(_row(), "review_due_on", None)
        if checked["review_due_on"] != saved_due or published != tenant.arrangements_published:
            errors.update(next_review_errors(checked["review_due_on"], published))
    if errors:
        raise ArrangementsError(errors)
    row = _row()
    if row is None:
        row = Arrangements()
        db.session.add(row)
    changes = {}
    for name in FIELDS:
        old = getattr(row, name)
        new = checked[name]
        if old != new:
            changes[name] = [_plain(old), _plain(new)]
            setattr(row, name, list(new) if isinstance(new, list) else new)
    if published_on is not False and tenant.arrangements_published != published_on:
        changes["arrangements_published"] = [_plain(tenant.arrangements_published), _plain(published_on)]
        tenant.arrangements_published = published_on
    if changes:
        record("arrangements.changed", row, summary="Published arrangements settings changed", details=changes)
    return read_settings()


def add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


# -- reviews ------------------------------------------------------------------------------------------------


def review_date_errors(reviewed_on: date | None, published_on: date | None, today: date) -> dict[str, str]:
    """What is wrong with the date of a review: a review has happened (by London's ``today``) and is of the
    arrangements as published, so it cannot come before the day they were published."""
    if reviewed_on is None or not FIRST_YEAR <= reviewed_on.year <= LAST_YEAR:
        return {"reviewed_on": "Enter the date the arrangements were reviewed"}
    if reviewed_on > today:
        return {"reviewed_on": "The date of the review must be today or in the past"}
    if published_on is not None and reviewed_on < published_on:
        return {"reviewed_on": "The date of the review must be on or after the day the arrangements were "
                               f"published, {published_on:%-d %B %Y}"}
    return {}


def next_review_errors(review_due_on: date | None, published_on: date | None) -> dict[str, str]:
    """A next review set by hand cannot fall before the arrangements it reviews were published."""
    if review_due_on is not None and published_on is not None and review_due_on < published_on:
        return {"review_due_on": "The next review must be on or after the day the arrangements were published, "
                                 f"{published_on:%-d %B %Y}"}
    return {}


def next_review_due(latest_review: date, interval_months: int) -> date:
    return add_months(latest_review, interval_months)


def review_overdue(review_due_on: date | None, today: date) -> bool:
    """Overdue once the due day has passed in London: on the day itself it is due, not late."""
    return review_due_on is not None and review_due_on < today


def latest_review_on() -> date | None:
    """The date of the latest review recorded: the latest date, not the last entry (a review entered late is
    history, not news)."""
    row = _row()
    return row.last_reviewed_on if row is not None else None


def record_review(tenant, reviewed_on: date | None, *, today: date | None = None) -> date:
    """The arrangements were reviewed on ``reviewed_on``. If it is the latest review, the next falls due one
    review interval later; an earlier one is kept in the history and leaves the next review as it was.
    Returns when the next review is due."""
    today = today or calendar.london_today()
    errors = review_date_errors(reviewed_on, tenant.arrangements_published, today)
    if errors:
        raise ArrangementsError(errors)
    settings = read_settings()
    latest = latest_review_on()
    row = _row()
    if row is None:
        row = Arrangements()
        db.session.add(row)
        row.review_interval_months = settings.review_interval_months
    old = row.review_due_on
    newest = max(reviewed_on, latest) if latest else reviewed_on
    row.last_reviewed_on = newest
    if newest == reviewed_on or old is None:
        # An earlier review entered late is history: the next review still follows the latest one.
        row.review_due_on = next_review_due(newest, settings.review_interval_months)
    record(REVIEWED, row, summary=f"Arrangements reviewed on {reviewed_on:%-d %B %Y}",
           details={"reviewed_on": reviewed_on.isoformat(),
                    "review_due_on": [_plain(old), _plain(row.review_due_on)]})
    return row.review_due_on


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


# -- deadlines and reminders --------------------------------------------------------------------------------


def annual_report_due_on(year: int, due: str = "09-30") -> date:
    """When the annual report on the financial year starting 1 April ``year`` is due: the ``due`` day
    ("MM-DD") after the year ends on 31 March, e.g. the 2025/26 report by 30 September 2026."""
    ends = FinancialYear(year).end
    day = month_day(due, ends.year)
    return day if day > ends else month_day(due, ends.year + 1)


@dataclass(frozen=True)
class Deadline:
    key: str  # names what is due; the reminder key adds the date and the day count
    subject: str
    due_on: date
    about: str
    # What ends a deadline that is done when it is recorded (the due date then moves on), such as "the review
    # is recorded": reminded of every week while overdue until then. Empty: not chased once long past.
    until: str = ""


def deadlines(settings: ArrangementSettings, today: date) -> list[Deadline]:
    """The deadlines a reminder may be about around ``today``."""
    out = []
    if settings.review_due_on is not None:
        out.append(Deadline(
            "arrangements-review", "the review of the safeguarding arrangements", settings.review_due_on,
            "The partnership reviews its published safeguarding arrangements and publishes them again. "
            "Record the review on the arrangements settings page to set the next review date.",
            until="the review is recorded",
        ))
    for year in range(today.year - 2, today.year + 1):
        fy = FinancialYear(year)
        out.append(Deadline(
            "annual-report", f"the {fy.label} annual report", annual_report_due_on(year, settings.annual_report_due),
            f"The annual report covers {fy.start:%-d %B %Y} to {fy.end:%-d %B %Y}: priorities and progress, "
            "partners' work, feedback from children and families, training and its effect, learning from "
            "reviews, independent scrutiny, and income and expenditure. Send it to the Child Safeguarding "
            "Practice Review Panel and the What Works Centre within 7 days of publication.",
        ))
    return out


def reminder_due(due_on: date, days: list[int], today: date, *, until_done: bool = False) -> int | None:
    """The reminder (in days before ``due_on``; 0 is the day itself; negative, days after it) that has
    fallen due by ``today``: the most recent one, so that a run after a missed day sends what was missed but
    not older reminders. ``until_done``: once overdue, one every ``OVERDUE_EVERY_DAYS`` days, for as long as
    the deadline stands; otherwise nothing after ``CATCH_UP_AFTER_DUE``."""
    if until_done and today > due_on:
        weeks = (today - due_on).days // OVERDUE_EVERY_DAYS
        return -weeks * OVERDUE_EVERY_DAYS if weeks else 0
    if today > due_on + CATCH_UP_AFTER_DUE:
        return None
    fallen = [d for d in {*days, 0} if 0 <= d and due_on - timedelta(days=d) <= today]
    return min(fallen) if fallen else None


def _when(due_on: date, today: date) -> str:
    left = (due_on - today).days
    if left == 0:
        return "today"
    if left > 0:
        return f"in {left} day{'s' if left != 1 else ''}"
    return f"{-left} day{'s' if left != -1 else ''} ago"


def send_reminders(tenant, settings, today: date) -> list[str]:
    """The daily job: remind the business managers of deadlines. ``settings`` are core's module settings
    (none); the arrangements are read from the tenant in scope. Returns the keys of reminders sent now."""
    arrangements = read_settings()
    recipients = emails_of_role(RECIPIENT_ROLE)
    sent = []
    for deadline in deadlines(arrangements, today):
        days = reminder_due(deadline.due_on, arrangements.reminder_days, today, until_done=bool(deadline.until))
        if days is None:
            continue
        # Each reminder has its own key (days before, or after, the due date), so each goes once.
        key = f"{deadline.key}:{deadline.due_on.isoformat()}:{days}"
        when = _when(deadline.due_on, today)
        verb = "was due" if deadline.due_on < today else "is due"
        subject = f"{tenant.short_name}: {deadline.subject} {verb} on {deadline.due_on:%-d %B %Y}"
        again = ""
        if deadline.until and deadline.due_on < today:
            subject = f"{tenant.short_name}: {deadline.subject} is overdue: it was due on {deadline.due_on:%-d %B %Y}"
            again = f"\n\nIt is overdue. You will be reminded every week until {deadline.until}."
        body = (f"{deadline.subject[0].upper()}{deadline.subject[1:]} of {tenant.name} {verb} on "
                f"{deadline.due_on:%A %-d %B %Y} ({when}).{again}\n\n{deadline.about}\n\n"
                "You are sent this as the partnership's business manager.")
        if remind_once(key, recipients, subject, body, purpose="arrangements-reminder"):
            sent.append(key)
    return sent
