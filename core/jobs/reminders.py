"""Reminders sent once: the building block of every deadline sweep."""

from __future__ import annotations

from sqlalchemy import select

from core.db import db
from core.jobs.models import SentReminder
from core.mail.services import queue_email


def remind_once(key: str, recipients: list[str], subject: str, body: str, *, purpose: str = "reminder") -> bool:
    """Email ``recipients`` unless a reminder with this key already went out in the tenant in scope.

    Returns whether it was sent now. The key names the subject and the due date, e.g.
    ``arrangements-review:2026-12-23:28`` (28 days before), so a new due date gives a new reminder. A sweep
    that repeats a reminder (every week while a deadline is overdue) gives each repeat its own key, e.g.
    ``arrangements-review:2026-12-23:-14`` (two weeks after).
    """
    if not recipients or db.session.scalar(select(SentReminder.id).where(SentReminder.key == key)) is not None:
        return False
    db.session.add(SentReminder(key=key))
    for address in sorted(set(recipients)):
        queue_email(address, subject, body, purpose=purpose)
    db.session.flush()
    return True
