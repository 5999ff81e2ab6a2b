"""What the module writes reads as English whatever the count: "1 case", "2 cases", "an initial meeting"."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select, update

from core.audit.models import AuditEvent
from core.db import db
from core.mail.models import OutboxEmail
from core.structure.arrangements import change_arrangements
from core.tenancy.isolation import tenant_scope
from core.wording import plural
from plugins.lado import cases as rules
from plugins.lado.jobs import sweep
from plugins.lado.models import LadoCase
from plugins.lado.timeliness import Timeliness
from tests.helpers import login, make_user
from tests.plugins.lado.conftest import api_token, make_case, outcome


def test_a_count_takes_its_noun_in_the_singular_only_for_one():
    assert plural(1, "case") == "1 case"
    assert (plural(0, "case"), plural(2, "case")) == ("0 cases", "2 cases")
    assert plural(3, "new referral") == "3 new referrals"
    assert plural(2, "child", "children") == "2 children"


def summaries(world, action: str) -> list[str]:
    db.session.commit()
    with tenant_scope(world.tenant):
        return list(db.session.scalars(select(AuditEvent.summary).where(AuditEvent.action == action)
                                       .order_by(AuditEvent.id)))


def test_meetings_in_the_audit_log_take_the_right_article(world, today):
    case_id = make_case(world.tenant, received_on=date(2025, 5, 1), today=today)
    with tenant_scope(world.tenant):
        case = db.session.get(LadoCase, case_id)
        rules.record_meeting(case, "initial", date(2025, 5, 2), ["LADO"], "Decided", "", None, today)
        rules.record_meeting(case, "review", date(2025, 5, 9), ["LADO"], "Decided", "", None, today)
        reference = case.reference
    assert summaries(world, "lado.meeting.recorded") == [f"Recorded an initial meeting of {reference}",
                                                         f"Recorded a review meeting of {reference}"]


def test_one_case_listed_through_the_api_is_one_case(world, today):
    make_case(world.tenant)
    listed = world.app.test_client().get("/api/v1/alpha/lado/cases", headers=api_token(world, "officer"))
    assert listed.status_code == 200
    assert summaries(world, "lado.cases.listed") == ["Listed 1 LADO case through the API"]


def test_the_annual_report_counts_one_concluded_referral_as_one(world, client):
    case_id = make_case(world.tenant, received_on=date(2025, 5, 1), today=date(2025, 6, 2))
    outcome(world.tenant, case_id, "substantiated", on=date(2025, 5, 20), today=date(2025, 6, 2))
    make_user("reporter@alpha.example", world.tenant, roles=("business_manager",))
    with tenant_scope(world.tenant):  # this partnership publishes every count: what is counted is the point here
        change_arrangements(world.tenant, {"small_numbers_threshold": 1})
    db.session.commit()
    login(client, "reporter@alpha.example")
    page = client.get("/alpha/annual-report?year=2025").get_data(as_text=True)
    assert "Of the 1 referral concluded in the year" in page
    assert "received 1 referral " in page.replace("\n", " ").replace("  ", " ")


def clock(referred=date(2025, 4, 22), resolved=None, today=date(2025, 4, 22)) -> Timeliness:
    return Timeliness(concern_on=None, received_on=referred, referred_on=referred, resolved_on=resolved, today=today)


def test_the_referral_clock_counts_one_working_day_as_one():
    # Tuesday 22 April 2025 to Wednesday 23 April: one working day
    assert clock(today=date(2025, 4, 23)).summary == "Open for 1 working day, within one month"
    assert clock(today=date(2025, 4, 24)).summary == "Open for 2 working days, within one month"
    assert clock(resolved=date(2025, 4, 23)).summary == "Resolved within 1 month (1 working day)"
    assert clock(resolved=date(2025, 6, 2)).summary == "Resolved within 3 months (27 working days)"
    assert clock(today=date(2025, 5, 23)).summary == "Open for more than 1 month (22 working days)"


SWEEP_DAY = date(2025, 6, 2)


def sweep_emails(world, **settings) -> list[tuple[str, str]]:
    """(subject, first line) of each reminder sent so far, after a sweep."""
    with tenant_scope(world.tenant):
        sweep(world.tenant, {"stale_days": 20, "reminder_emails": ["lado@alpha.example"], **settings}, SWEEP_DAY)
    db.session.commit()
    with tenant_scope(world.tenant):
        return [(e.subject, e.body_text.split("\n")[0]) for e in db.session.scalars(
            select(OutboxEmail).where(OutboxEmail.purpose == "lado-reminder").order_by(OutboxEmail.id))]


def test_the_sweep_email_agrees_with_its_count(world):
    make_case(world.tenant, received_on=date(2025, 4, 1), today=SWEEP_DAY)
    partnership = world.tenant.name
    assert sweep_emails(world) == [("ALPHA LADO: 1 case needs attention",
                                    f"This LADO case of {partnership} needs attention today (2 June 2025):")]
    make_case(world.tenant, received_on=date(2025, 4, 1), today=SWEEP_DAY)
    make_case(world.tenant, received_on=date(2025, 4, 2), today=SWEEP_DAY)
    assert sweep_emails(world)[1:] == [("ALPHA LADO: 2 cases need attention",
                                        f"These LADO cases of {partnership} need attention today (2 June 2025):")]


def test_a_stale_case_after_one_working_day_says_one_working_day(world):
    case_id = make_case(world.tenant, kind="consultation", received_on=date(2025, 5, 28), today=SWEEP_DAY)
    with tenant_scope(world.tenant):
        db.session.execute(update(LadoCase).where(LadoCase.id == case_id)
                           .values(last_activity_at=datetime(2025, 5, 29, 9, tzinfo=UTC)))
    db.session.commit()
    sweep_emails(world, stale_days=1)
    with tenant_scope(world.tenant):
        body = db.session.scalars(select(OutboxEmail.body_text).where(OutboxEmail.purpose == "lado-reminder")).one()
    assert "no activity since 29 May 2025 (1 working day or more)" in body


def test_the_retention_list_in_the_audit_log_counts_one_case_as_one(world, today):
    case_id = make_case(world.tenant, received_on=today)
    outcome(world.tenant, case_id, "malicious", on=today, note="Admitted")
    assert world.client("manager").get("/alpha/lado/retention").status_code == 200
    assert summaries(world, "lado.cases.listed") == ["Listed 1 LADO case due for review"]
