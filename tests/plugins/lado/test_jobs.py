"""The daily sweep: overdue referrals, stale cases and records due for review, in one email per recipient
and run, each thing once, naming references only, to each officer about their own local authorities."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from core.calendar import LONDON
from core.db import db
from core.jobs.periodic import all_jobs, tick
from core.mail.models import OutboxEmail
from core.plugins.services import enable_module
from core.tenancy.isolation import tenant_scope
from plugins.lado.jobs import due_items, sweep
from plugins.lado.models import LadoCase
from tests.plugins.lado.conftest import make_case, outcome

TODAY = date(2025, 6, 2)  # a Monday


def emails(tenant) -> list[OutboxEmail]:
    db.session.commit()
    with tenant_scope(tenant):
        return db.session.scalars(select(OutboxEmail).where(OutboxEmail.purpose == "lado-reminder")
                                  .order_by(OutboxEmail.id)).all()


def run(world, day=TODAY, **settings):
    with tenant_scope(world.tenant):
        keys = sweep(world.tenant, {"stale_days": 20, "reminder_emails": [], **settings}, day)
    db.session.commit()
    return keys


def touch(tenant, case_id, when: datetime):
    with tenant_scope(tenant):
        db.session.execute(update(LadoCase).where(LadoCase.id == case_id).values(last_activity_at=when))
    db.session.commit()


@pytest.fixture
def overdue(world):
    case_id = make_case(world.tenant, person_name="Pat Secret", received_on=date(2025, 4, 1), today=TODAY,
                        summary="Very private detail")
    touch(world.tenant, case_id, datetime(2025, 5, 28, 9, tzinfo=UTC))  # recent: not stale
    return case_id


def test_an_overdue_referral_is_reminded_once_by_reference_only(world, overdue):
    assert run(world) == [f"lado:overdue:{overdue}:1"]
    sent = emails(world.tenant)
    # the officers without a limit, the North officer; not the South officer, nor anyone else
    assert sorted(e.to_address for e in sent) == ["north@alpha.example", "officer@alpha.example"]
    body = sent[0].body_text
    assert "LADO-NBC-2025-0001: referral open for more than 1 month" in body
    assert "Pat" not in body + sent[0].subject and "private" not in body
    assert run(world) == [] and run(world, TODAY + timedelta(days=1)) == []
    assert len(emails(world.tenant)) == 2
    # past three months: a new reminder
    assert run(world, date(2025, 7, 2), stale_days=250) == [f"lado:overdue:{overdue}:3"]


def test_a_case_without_activity_for_the_set_working_days_is_stale(world):
    case_id = make_case(world.tenant, kind="consultation", received_on=date(2025, 5, 1), today=TODAY)
    touch(world.tenant, case_id, datetime(2025, 5, 2, 12, tzinfo=UTC))  # a Friday
    # the 20th working day after Friday 2 May 2025 is Tuesday 3 June: 5 and 26 May are bank holidays
    assert run(world, date(2025, 6, 2)) == []
    assert run(world, date(2025, 6, 3)) == [f"lado:stale:{case_id}:2025-05-02"]
    # new activity, then stale again later: a new reminder
    touch(world.tenant, case_id, datetime(2025, 6, 3, 12, tzinfo=UTC))
    assert run(world, date(2025, 7, 1)) == [f"lado:stale:{case_id}:2025-06-03"]


def test_records_due_for_review_or_removal(world):
    case_id = make_case(world.tenant, received_on=date(2025, 5, 1), today=TODAY)
    outcome(world.tenant, case_id, "malicious", on=date(2025, 5, 20), today=TODAY)
    assert run(world) == [f"lado:review:{case_id}:2025-05-20"]
    assert "due for removal (malicious)" in emails(world.tenant)[0].body_text


def test_reminder_emails_in_the_settings_get_everything(world, overdue):
    make_case(world.tenant, la="south", received_on=date(2025, 4, 1), today=TODAY)
    keys = run(world, reminder_emails=["lado.team@alpha.example"])
    assert len(keys) == 2
    sent = emails(world.tenant)
    assert [e.to_address for e in sent] == ["lado.team@alpha.example"]
    assert "LADO-NBC-2025-0001" in sent[0].body_text and "LADO-SBC-2025-0001" in sent[0].body_text


def test_what_reaches_nobody_stays_due_until_someone_covers_it(world):
    from sqlalchemy import delete

    from core.auth.models import Role, membership_roles

    make_case(world.tenant, la="south", received_on=date(2025, 4, 1), today=TODAY)
    with tenant_scope(world.tenant):
        officer_role = db.session.scalar(select(Role.id).where(Role.key == "lado_officer"))
        db.session.execute(delete(membership_roles).where(membership_roles.c.role_id == officer_role))
    db.session.commit()
    assert run(world) == [] and emails(world.tenant) == []
    assert run(world, reminder_emails=["team@alpha.example"]) != []


def test_the_sweep_is_a_daily_job_run_by_the_scheduler(world, overdue):
    assert "lado.sweep" in all_jobs()
    tick(datetime(2025, 6, 2, 12, 0, tzinfo=UTC))
    tick(datetime(2025, 6, 2, 12, 5, tzinfo=UTC))
    assert len(emails(world.tenant)) == 2  # the officer and the North officer, once
    other = world.tenant
    enable_module(other, "lado", {"reminder_emails": ["only@alpha.example"]})
    db.session.commit()
    tick(datetime(2025, 6, 3, 12, 0, tzinfo=UTC))
    assert len(emails(world.tenant)) == 2  # nothing new to say


def test_due_items_in_one_query(world, overdue):
    from tests.helpers import count_queries

    for _ in range(5):
        make_case(world.tenant, received_on=date(2025, 4, 1), today=TODAY)
    with tenant_scope(world.tenant):
        with count_queries() as counter:
            items = due_items(TODAY, 20)
    assert len(items) >= 6 and counter.n == 1


def quiet_since(world, day: date) -> int:
    """An open consultation whose last activity was at noon on ``day`` (London)."""
    case_id = make_case(world.tenant, kind="consultation", received_on=day, today=day)
    touch(world.tenant, case_id, datetime.combine(day, datetime.min.time().replace(hour=12), tzinfo=LONDON))
    return case_id


@pytest.mark.parametrize(("touched", "quiet_days", "fifth"), [
    # Monday 14 December 2026: the sweep on Saturday 19 and Sunday 20 counts four working days, as on Friday
    (date(2026, 12, 14), [date(2026, 12, 19), date(2026, 12, 20)], date(2026, 12, 21)),
    # Friday 18 December 2026: Christmas Day (a Friday), the weekend and the Boxing Day substitute (Monday 28)
    (date(2026, 12, 18), [date(2026, 12, 25), date(2026, 12, 26), date(2026, 12, 28)], date(2026, 12, 29)),
    # Friday 19 March 2027: Good Friday, the Easter weekend and Easter Monday (29 March)
    (date(2027, 3, 19), [date(2027, 3, 26), date(2027, 3, 27), date(2027, 3, 29)], date(2027, 3, 30)),
])
def test_a_sweep_on_a_weekend_or_a_bank_holiday_counts_stale_in_working_days(world, touched, quiet_days, fifth):
    """Five working days set: four have gone on each day the service is shut, so nothing is stale before the
    next working day, when the fifth has gone."""
    case_id = quiet_since(world, touched)
    for day in quiet_days:
        assert run(world, day, stale_days=5) == [], day
    assert run(world, fifth, stale_days=5) == [f"lado:stale:{case_id}:{touched.isoformat()}"]


def test_overdue_on_a_weekend_or_a_bank_holiday_is_what_the_next_working_day_says(world):
    """A month from 25 November 2026 ends on Christmas Day: past it from 26 December, as on the next working
    day (Tuesday 29 December), and said once."""
    case_id = make_case(world.tenant, received_on=date(2026, 11, 25), today=date(2026, 11, 25))
    touch(world.tenant, case_id, datetime(2026, 12, 24, 12, tzinfo=UTC))

    def flags(day):
        with tenant_scope(world.tenant):
            return [item.key for item in due_items(day, 250)]

    assert flags(date(2026, 12, 25)) == []
    assert flags(date(2026, 12, 26)) == flags(date(2026, 12, 28)) == flags(date(2026, 12, 29)) == [
        f"lado:overdue:{case_id}:1"]
    assert run(world, date(2026, 12, 26), stale_days=250) == [f"lado:overdue:{case_id}:1"]
    assert run(world, date(2026, 12, 29), stale_days=250) == []
