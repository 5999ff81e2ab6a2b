"""Made-up business for a partnership's real structure (``flask demo setup``): a past meeting with
attendance, the next meetings, actions, business plan actions and this year's contributions. Everything
it writes says [DEMO]; it adds nothing the second time."""

from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import select

from core.calendar import FinancialYear, next_working_day
from core.db import db, utcnow
from core.structure import funding, meetings, plan
from core.structure.models import Body, Contribution, Meeting, Priority
from core.tenancy.models import Agency

DEMO = "[DEMO]"


def demo_business(tenant) -> None:
    """For the tenant in scope."""
    if db.session.scalar(select(Meeting.id).where(Meeting.location.startswith(DEMO))) is not None:
        return
    now = utcnow()
    today = meetings.london_day(now)
    top = db.session.scalars(
        select(Body).where(Body.status == "active", Body.accountable_to_id.is_(None)).order_by(Body.position)
    ).first()
    if top is not None:
        past = meetings.schedule_meeting(top, meetings.at_london(today - timedelta(days=14), time(10)),
                                         meetings.at_london(today - timedelta(days=14), time(12)),
                                         f"{DEMO} Committee Room 1")
        meetings.add_agenda_item(past, f"{DEMO} Minutes of the last meeting")
        meetings.add_agenda_item(past, f"{DEMO} Partnership performance report")
        db.session.flush()
        seats = meetings.seats_on(top, today - timedelta(days=14))
        answers = {seat.id: ("present" if i % 4 else "apologies", "") for i, seat in enumerate(seats)}
        if answers:
            meetings.record_attendance(past, answers, now)
        meetings.save_minutes(past, f"{DEMO} Draft minutes: the partnership reviewed its performance report.")
        meetings.add_action(top, f"{DEMO} Circulate the performance report to every subgroup", f"{DEMO} Business manager",
                            due_on=today - timedelta(days=3), meeting=past)
        meetings.add_action(top, f"{DEMO} Bring the audit findings to the next meeting", f"{DEMO} Chair",
                            due_on=today + timedelta(days=30), meeting=past)
        for weeks in (6, 19):
            day = next_working_day(today + timedelta(weeks=weeks))
            meetings.schedule_meeting(top, meetings.at_london(day, time(10)), meetings.at_london(day, time(12)),
                                      f"{DEMO} Committee Room 1")
    priority = db.session.scalars(select(Priority).where(Priority.kind == "priority").order_by(Priority.position)).first()
    if priority is not None and top is not None:
        for title, rag, days in ((f"{DEMO} Review the multi-agency response", "amber", 60),
                                 (f"{DEMO} Publish a practice guide", "green", 120),
                                 (f"{DEMO} Audit a sample of cases", "red", -10)):
            plan.add_plan_action(priority, title=title, owner_body_id=top.id, lead=f"{DEMO} Lead officer",
                                 due_on=today + timedelta(days=days), rag=rag)
    year = FinancialYear.containing(today).start_year
    partners = db.session.scalars(select(Agency).where(Agency.partner_type.is_not(None)).order_by(Agency.name)).all()
    for agency in partners:
        if db.session.scalar(select(Contribution.id).where(Contribution.agency_id == agency.id,
                                                           Contribution.year == year)) is None:
            funding.add_contribution(year, funding.ContributionFields(
                agency_id=agency.id, amount_pence=5_000_000, agreed_on=FinancialYear(year).start), today)
    db.session.flush()
