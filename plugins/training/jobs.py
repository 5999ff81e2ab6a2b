"""The daily sweep of each partnership's own bookings: reminders two weeks and two days before a session,
the feedback request the day after, and the follow-up request six weeks after (to the learner and the
manager they named). Each email goes once, by ``remind_once``, however often the sweep runs.
"""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.calendar import at_london, london_day
from core.db import db
from core.jobs.reminders import remind_once
from plugins.training import notices
from plugins.training.evaluation import ATTENDED, FOLLOW_UP_CLOSES, FOLLOW_UP_OPENS
from plugins.training.models import TrainingBooking, TrainingSession

REMINDER_DAYS = (2, 14)  # nearest first
FEEDBACK_WITHIN = timedelta(days=7)


def reminder_due(confirmed_on: date, session_day: date, today: date) -> int | None:
    """The reminder to send today, in days before the session: the nearest of two weeks and two days that
    has come, for a place confirmed before it came (a confirmation that recent says it all). A missed
    two-week reminder is not sent once the two-day one is due."""
    days_left = (session_day - today).days
    for days in REMINDER_DAYS:
        if 0 <= days_left <= days:
            return days if confirmed_on < session_day - timedelta(days=days) else None
    return None


def send_reminders(tenant, settings, today: date) -> list[str]:
    """For the partnership in scope; returns the keys of the reminders sent now."""
    start = at_london(today - FOLLOW_UP_CLOSES, time(0))
    end = at_london(today + timedelta(days=max(REMINDER_DAYS) + 1), time(0))
    bookings = db.session.scalars(
        select(TrainingBooking).join(TrainingSession, TrainingSession.id == TrainingBooking.session_id)
        .where(TrainingBooking.status == "confirmed", TrainingSession.status == "scheduled",
               TrainingSession.starts_at >= start, TrainingSession.starts_at < end)
        .options(selectinload(TrainingBooking.session).selectinload(TrainingSession.course),
                 selectinload(TrainingBooking.evaluations))
        .order_by(TrainingBooking.id)
    ).all()
    sent = []
    for booking in bookings:
        session = booking.session
        session_day = london_day(session.starts_at)
        done = {e.stage for e in booking.evaluations}
        if session_day >= today:
            days = reminder_due(london_day(booking.confirmed_at or booking.requested_at), session_day, today)
            if days is None:
                continue
            key = f"training-reminder:{booking.id}:{session_day.isoformat()}:{days}"
            subject, body = notices.reminder_text(booking, session, tenant, days)
            recipients = [booking.delegate_email]
        elif booking.attendance not in (None, *ATTENDED):
            continue
        elif today - session_day <= FEEDBACK_WITHIN and "after" not in done:
            key = f"training-feedback:{booking.id}"
            subject, body = notices.feedback_text(booking, session, tenant)
            recipients = [booking.delegate_email]
        elif today - session_day >= FOLLOW_UP_OPENS and "follow_up" not in done and booking.attendance in ATTENDED:
            key = f"training-follow-up:{booking.id}"
            subject, body = notices.follow_up_text(booking, session, tenant)
            recipients = [booking.delegate_email, *([booking.manager_email] if booking.manager_email else [])]
        else:
            continue
        if remind_once(key, recipients, subject, body, purpose=key.split(":")[0]):
            sent.append(key)
    return sent
