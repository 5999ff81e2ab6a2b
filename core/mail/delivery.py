"""Delivering the outbox: one job per email, and a sweep for retries and for jobs that were lost."""

from __future__ import annotations

import logging
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app
from sqlalchemy import select

from core.db import db, utcnow
from core.jobs.queue import enqueue
from core.mail.models import FAILED, PENDING, SENT, OutboxEmail
from core.mail.transports import transport
from core.tenancy.isolation import unscoped

log = logging.getLogger(__name__)
# Minutes to wait after the n-th failed attempt.
BACKOFF_MINUTES = [1, 5, 30, 120, 480]
# A pending email nobody has tried for this long lost its job (Redis restarted, a worker died).
LOST_AFTER = timedelta(minutes=10)


def build_message(email: OutboxEmail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Message-ID"] = make_msgid(idstring=f"outbox{email.id}", domain="lscp.local")
    message.set_content(email.body_text)
    for attachment in email.attachments or []:
        maintype, _, subtype = attachment["content_type"].partition("/")
        message.add_attachment(
            attachment["content"].encode(), maintype=maintype, subtype=subtype, filename=attachment["filename"]
        )
    return message


def deliver(email_id: int) -> str:
    """Try to send one email; record the outcome on its row. Never raises for a delivery failure."""
    with unscoped():  # the job serves every tenant; the row names its own
        email = db.session.get(OutboxEmail, email_id, with_for_update=True)
        if email is None or email.status != PENDING:
            return email.status if email else "missing"
        email.attempts += 1
        try:
            transport().send(build_message(email))
        except Exception as exc:  # any failure of the transport is the email's, not the job's
            email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if email.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
                email.status = FAILED
                log.error("email %s failed for good after %s attempts: %s", email.id, email.attempts, exc)
            else:
                wait = BACKOFF_MINUTES[min(email.attempts, len(BACKOFF_MINUTES)) - 1]
                email.next_attempt_at = utcnow() + timedelta(minutes=wait)
        else:
            email.status = SENT
            email.sent_at = utcnow()
            email.last_error = ""
        db.session.commit()
        return email.status


def retry_due(today=None) -> int:
    """Hand over every pending email whose retry time has come or whose job was lost."""
    now = utcnow()
    with unscoped():
        due = db.session.scalars(
            select(OutboxEmail.id).where(
                OutboxEmail.status == PENDING,
                OutboxEmail.next_attempt_at <= now,
                (OutboxEmail.attempts > 0) | (OutboxEmail.created_at <= now - LOST_AFTER),
            )
        ).all()
    for email_id in due:
        enqueue("core.mail.delivery.deliver", email_id=email_id)
    db.session.commit()
    return len(due)


def retry_now(email: OutboxEmail) -> None:
    """An admin asks for another go at a failed email: it gets a fresh set of attempts."""
    email.status = PENDING
    email.attempts = 0
    email.next_attempt_at = utcnow()
    enqueue("core.mail.delivery.deliver", email_id=email.id)
