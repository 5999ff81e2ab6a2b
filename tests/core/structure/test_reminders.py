"""Reminders of the arrangements' deadlines (the review date and the annual report by the end of September)
to the business managers, through the periodic job as the scheduler runs it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from core.auth.models import Membership
from core.auth.services import set_membership_status, user_by_email
from core.db import db
from core.jobs.periodic import all_jobs, tick
from core.structure.arrangements import (
    ArrangementsError,
    annual_report_due_on,
    change_arrangements,
    read_settings,
    record_review,
    reminder_due,
    send_reminders,
)
from core.structure.models import Arrangements
from core.tenancy.isolation import tenant_scope
from tests.helpers import create_tenant, make_user

MANAGERS = ["bm.one@alpha.example", "bm.two@alpha.example"]
JOB = "core.arrangements_reminders"


@pytest.fixture
def alpha():
    tenant = create_tenant("alpha")
    make_user("admin@alpha.example", tenant)
    for email in MANAGERS:
        make_user(email, tenant, roles=("business_manager",))
    make_user("worker@alpha.example", tenant, roles=("practitioner",))
    make_user("scrutineer@alpha.example", tenant, roles=("independent_scrutineer",))
    return tenant


def arrange(tenant, **values) -> None:
    with tenant_scope(tenant):
        change_arrangements(tenant, values)
    db.session.commit()


def run_on(day: date) -> None:
    """The scheduler's tick at midday on ``day``: the job's 06:00 (London) run falls due that day."""
    tick(datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC))


def daily(start: date, end: date, outbox) -> dict[date, list]:
    """Run the scheduler every day from ``start`` to ``end``; the email sent on each day it sent any."""
    sent: dict[date, list] = {}
    day = start
    while day <= end:
        before = len(outbox)
        run_on(day)
        if len(outbox) > before:
            sent[day] = list(outbox[before:])
        day += timedelta(days=1)
    return sent


def recipients(messages) -> list[str]:
    return sorted(m["To"] for m in messages)


def test_the_job_is_scheduled_daily_for_every_partnership(app):
    module, job = all_jobs()[JOB]
    assert module == "core" and job.cron == "0 6 * * *" and job.per_tenant
    assert job.func == "core.structure.arrangements.send_reminders"


def test_review_reminders_go_28_and_7_days_before_and_on_the_day(alpha, outbox):
    beta = create_tenant("beta")
    make_user("bm@beta.example", beta, roles=("business_manager",))
    due = date(2026, 12, 23)
    arrange(alpha, review_due_on=due, reminder_days=[28, 7])

    sent = daily(due - timedelta(days=30), due + timedelta(days=3), outbox)

    assert sorted(sent) == [due - timedelta(days=28), due - timedelta(days=7), due]
    for messages in sent.values():
        # One each to the business managers, and to nobody else (not the admin, practitioner, scrutineer or
        # another partnership's business manager).
        assert recipients(messages) == MANAGERS
        for message in messages:
            assert "23 December 2026" in message["Subject"] and "review" in message["Subject"]
            assert "Alpha Safeguarding Children Partnership" in message.get_content()
    assert "in 28 days" in sent[due - timedelta(days=28)][0].get_content()
    assert "in 7 days" in sent[due - timedelta(days=7)][0].get_content()
    assert "(today)" in sent[due][0].get_content()


def test_the_annual_report_is_reminded_of_by_the_end_of_september(alpha, outbox):
    sent = daily(date(2026, 8, 30), date(2026, 10, 3), outbox)
    assert sorted(sent) == [date(2026, 9, 2), date(2026, 9, 23), date(2026, 9, 30)]
    for messages in sent.values():
        assert recipients(messages) == MANAGERS
        assert all("2025/26 annual report" in m["Subject"] and "30 September 2026" in m["Subject"] for m in messages)


def test_the_annual_report_deadline_follows_the_setting(alpha, outbox):
    arrange(alpha, annual_report_due="12-31", reminder_days=[14])
    sent = daily(date(2026, 12, 16), date(2027, 1, 2), outbox)
    assert sorted(sent) == [date(2026, 12, 17), date(2026, 12, 31)]
    assert all("31 December 2026" in m["Subject"] for m in sent[date(2026, 12, 31)])


@pytest.mark.parametrize("year, due, expected", [
    (2025, "09-30", date(2026, 9, 30)),
    (2024, "09-30", date(2025, 9, 30)),
    (2025, "12-31", date(2026, 12, 31)),
    (2025, "04-01", date(2026, 4, 1)),
    # A day before the year has ended is the next time it comes round.
    (2025, "01-31", date(2027, 1, 31)),
    (2025, "03-31", date(2027, 3, 31)),
    (2026, "02-29", date(2028, 2, 29)),
    (2025, "02-29", date(2027, 2, 28)),
])
def test_annual_report_due_date_for_the_financial_year(year, due, expected):
    assert annual_report_due_on(year, due) == expected


def test_a_reminder_is_not_sent_twice_when_the_job_runs_twice(alpha, outbox):
    due = date(2026, 12, 23)
    arrange(alpha, review_due_on=due)
    day = due - timedelta(days=7)
    run_on(day)
    assert recipients(outbox) == MANAGERS
    run_on(day)  # a second scheduler ticking: nothing new is due
    with tenant_scope(alpha):
        # The job itself run again (a retry after a failure, a run claimed twice): the reminder is known.
        assert send_reminders(alpha, {}, day) == []
    db.session.commit()
    assert recipients(outbox) == MANAGERS


def test_after_missed_days_the_most_recent_reminder_goes_but_not_older_ones(alpha, outbox):
    due = date(2026, 12, 23)
    arrange(alpha, review_due_on=due)
    # The scheduler was down from before the 28-day reminder until 3 days before the deadline.
    run_on(due - timedelta(days=3))
    assert recipients(outbox) == MANAGERS
    assert all("in 3 days" in m.get_content() for m in outbox)
    with tenant_scope(alpha):
        assert send_reminders(alpha, {}, due - timedelta(days=3)) == []
    # Down again over the day itself: the day's reminder goes the next morning, saying it was due.
    run_on(due + timedelta(days=1))
    assert len(outbox) == 4
    assert all("was due" in m["Subject"] and "1 day ago" in m.get_content() for m in outbox[2:])


def test_an_annual_report_deadline_long_past_is_not_news(alpha, outbox):
    # Set up in October: September's deadline is not announced as news (the reminder job cannot know
    # whether the report went out, so it does not chase it).
    assert daily(date(2026, 10, 8), date(2026, 10, 20), outbox) == {}


def test_reminder_due_picks_the_most_recent_reminder_that_has_fallen_due():
    due = date(2026, 12, 23)
    assert reminder_due(due, [28, 7], due - timedelta(days=29)) is None
    assert reminder_due(due, [28, 7], due - timedelta(days=28)) == 28
    assert reminder_due(due, [28, 7], due - timedelta(days=8)) == 28
    assert reminder_due(due, [28, 7], due - timedelta(days=7)) == 7
    assert reminder_due(due, [7, 28], due) == 0
    assert reminder_due(due, [], due - timedelta(days=1)) is None
    assert reminder_due(due, [28, 7], due + timedelta(days=7)) == 0
    assert reminder_due(due, [28, 7], due + timedelta(days=8)) is None
    # What is reminded of until it is done: the day's reminder for the first week, then one a week.
    assert reminder_due(due, [28, 7], due + timedelta(days=6), until_done=True) == 0
    assert reminder_due(due, [28, 7], due + timedelta(days=7), until_done=True) == -7
    assert reminder_due(due, [28, 7], due + timedelta(days=13), until_done=True) == -7
    assert reminder_due(due, [28, 7], due + timedelta(days=14), until_done=True) == -14
    assert reminder_due(due, [], due + timedelta(days=700), until_done=True) == -700
    assert reminder_due(due, [28, 7], due - timedelta(days=7), until_done=True) == 7


def test_a_new_review_date_gets_reminders_of_its_own(alpha, outbox):
    arrange(alpha, review_due_on=date(2026, 12, 23))
    run_on(date(2026, 12, 16))
    assert len(outbox) == 2
    # Moved to the same distance away: a reminder about the new date, although one went out today.
    arrange(alpha, review_due_on=date(2027, 1, 13))
    run_on(date(2027, 1, 6))
    assert len(outbox) == 4 and all("13 January 2027" in m["Subject"] for m in outbox[2:])


def test_only_active_business_managers_are_reminded_and_none_means_it_waits(alpha, outbox):
    with tenant_scope(alpha):
        membership = db.session.scalars(select(Membership).where(
            Membership.user_id == user_by_email(MANAGERS[1]).id)).one()
        set_membership_status(membership, "suspended", actor=user_by_email("admin@alpha.example"))
    db.session.commit()
    lonely = create_tenant("lonely")
    make_user("admin@lonely.example", lonely)
    run_on(date(2026, 9, 30))
    assert recipients(outbox) == [MANAGERS[0]]  # lonely has no business manager: no one to tell
    make_user("bm@lonely.example", lonely, roles=("business_manager",))
    with tenant_scope(lonely):
        assert send_reminders(lonely, {}, date(2026, 10, 1)) == ["annual-report:2026-09-30:0"]
    db.session.commit()
    assert recipients(outbox) == sorted([MANAGERS[0], "bm@lonely.example"])


def test_settings_are_the_defaults_until_changed_and_changes_are_validated(alpha):
    with tenant_scope(alpha):
        settings = read_settings()
        assert (settings.annual_report_due, settings.reminder_days, settings.review_due_on) == ("09-30", [28, 7], None)
        # A partnership without the row (made before it existed) reads the same defaults.
        db.session.delete(db.session.scalars(select(Arrangements)).one())
        db.session.flush()
        assert read_settings() == settings
        with pytest.raises(ArrangementsError) as excinfo:
            change_arrangements(alpha, {"annual_report_due": "31-09", "reminder_days": [400],
                                        "thresholds_document_url": "javascript:alert(1)",
                                        "review_interval_months": 0})
        assert set(excinfo.value.errors) == {"annual_report_due", "reminder_days", "thresholds_document_url",
                                             "review_interval_months"}
        change_arrangements(alpha, {"annual_report_due": "9-30", "reminder_days": [7, 28, 7]},
                            published_on=date(2025, 6, 1))
        db.session.commit()
        assert read_settings().reminder_days == [28, 7] and read_settings().annual_report_due == "09-30"
        assert alpha.arrangements_published == date(2025, 6, 1)


def review_messages(sent: dict[date, list]) -> dict[date, list]:
    return {day: messages for day, messages in sent.items()
            if any("review of the safeguarding arrangements" in m["Subject"] for m in messages)}


def test_an_overdue_review_is_reminded_of_every_week_until_it_is_recorded(alpha, outbox):
    due = date(2027, 1, 15)
    arrange(alpha, review_due_on=due, reminder_days=[7])
    sent = review_messages(daily(due - timedelta(days=8), due + timedelta(days=29), outbox))
    assert sorted(sent) == [due - timedelta(days=7), due, due + timedelta(days=7), due + timedelta(days=14),
                            due + timedelta(days=21), due + timedelta(days=28)]
    for day in sorted(sent)[2:]:
        assert recipients(sent[day]) == MANAGERS
        for message in sent[day]:
            assert message["Subject"] == ("ALPHA: the review of the safeguarding arrangements is overdue: "
                                          "it was due on 15 January 2027")
            assert f"({(day - due).days} days ago)" in message.get_content()
            assert "every week until the review is recorded" in message.get_content()
    # Reviewed on the 30th day: the next review is a year away, and the reminders about this one stop.
    reviewed = due + timedelta(days=30)
    with tenant_scope(alpha):
        record_review(alpha, reviewed, today=reviewed)
    db.session.commit()
    assert review_messages(daily(reviewed, reviewed + timedelta(days=60), outbox)) == {}


def test_a_review_long_overdue_is_reminded_of_at_once_then_weekly(alpha, outbox):
    # As City & Hackney's file has it: the next review was due on 1 July 2020 (a Wednesday).
    arrange(alpha, review_due_on=date(2020, 7, 1))
    start = date(2026, 5, 15)  # a Friday
    sent = review_messages(daily(start, start + timedelta(days=14), outbox))
    assert sorted(sent) == [start, date(2026, 5, 20), date(2026, 5, 27)]
    assert all("overdue" in m["Subject"] and "1 July 2020" in m["Subject"] for m in sent[start])
    # The job run again on the same day (a retry) sends nothing more.
    with tenant_scope(alpha):
        assert send_reminders(alpha, {}, date(2026, 5, 27)) == []
