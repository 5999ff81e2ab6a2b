"""Putting email in the outbox. The row is written in the caller's transaction; delivery follows commit."""

from __future__ import annotations

from core.db import db
from core.jobs.queue import enqueue
from core.mail.models import OutboxEmail


def queue_email(to: str, subject: str, body: str, *, purpose: str = "", attachments: list | None = None
                ) -> OutboxEmail:
    email = OutboxEmail(
        to_address=to, subject=subject, body_text=body, purpose=purpose, attachments=attachments or []
    )
    db.session.add(email)
    db.session.flush()
    enqueue("core.mail.delivery.deliver", email_id=email.id)
    return email
