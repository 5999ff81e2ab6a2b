"""The email outbox: written with the change that causes it, delivered by a job, retried, never dropped."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from core.db import db, utcnow
from core.mail.delivery import deliver, retry_due
from core.mail.models import OutboxEmail
from core.mail.services import queue_email
from core.mail.transports import SMTPTransport
from core.tenancy.isolation import tenant_scope, unscoped
from tests.helpers import create_tenant, form_post, login, make_user


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def smtp(app, monkeypatch):
    """Point the app at an SMTP server on a port given later (None: nothing listens there)."""

    def use(port):
        config = dict(app.config, MAIL_HOST="127.0.0.1", MAIL_PORT=port or free_port())
        monkeypatch.setitem(app.extensions, "lscp.mail", SMTPTransport(config))

    return use


def emails() -> list[OutboxEmail]:
    with unscoped():
        return db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()


def test_an_email_is_written_in_the_transaction_of_its_cause(outbox):
    alpha = create_tenant("alpha")
    with tenant_scope(alpha):
        queue_email("someone@example.org", "Rolled back", "never sent")
    db.session.rollback()
    assert emails() == [] and outbox == []
    with tenant_scope(alpha):
        queue_email("someone@example.org", "Committed", "sent")
    assert outbox == []  # nothing leaves before the commit
    db.session.commit()
    [email] = emails()
    assert (email.subject, email.status, email.tenant_id, email.attempts) == ("Committed", "sent", alpha.id, 1)
    assert [m["Subject"] for m in outbox] == ["Committed"]


def test_delivery_over_smtp_to_a_real_server(smtp_server, smtp):
    controller, inbox = smtp_server
    smtp(controller.port)
    queue_email("lead@school.example", "Meeting on Thursday", "Agenda attached.",
                attachments=[{"filename": "meeting.ics", "content_type": "text/calendar",
                              "content": "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"}])
    db.session.commit()
    [envelope] = inbox.messages
    assert envelope.rcpt_tos == ["lead@school.example"]
    body = envelope.content.decode()
    assert "Subject: Meeting on Thursday" in body and "Agenda attached." in body and "meeting.ics" in body
    assert emails()[0].status == "sent"


def test_failures_are_retried_then_kept_as_failed_for_admins(app, client, smtp_server, smtp):
    alpha = create_tenant("alpha")
    make_user("admin@alpha.example", alpha)
    smtp(None)  # nobody listens
    with tenant_scope(alpha):
        queue_email("lead@school.example", "Reminder", "Please reply")
    db.session.commit()
    [email] = emails()
    assert email.status == "pending" and email.attempts == 1 and "ConnectionRefusedError" in email.last_error
    assert email.next_attempt_at > utcnow()

    # The sweep hands it over only when its time has come.
    assert retry_due() == 0
    for attempt in range(2, app.config["MAIL_MAX_ATTEMPTS"] + 1):
        with unscoped():
            row = db.session.get(OutboxEmail, email.id)
            row.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert retry_due() == 1
        db.session.expire_all()
        assert emails()[0].attempts == attempt
    assert emails()[0].status == "failed"
    assert retry_due() == 0

    login(client, "admin@alpha.example")
    dashboard = client.get("/alpha/").get_data(as_text=True)
    assert "1 email could not be delivered" in dashboard
    page = client.get("/alpha/admin/outbox/?status=failed").get_data(as_text=True)
    assert "Reminder" in page and "ConnectionRefusedError" in page and "Failed: 1" in page

    controller, inbox = smtp_server
    smtp(controller.port)
    assert form_post(client, f"/alpha/admin/outbox/{email.id}/retry").status_code == 302
    db.session.expire_all()
    assert emails()[0].status == "sent"
    assert [e.rcpt_tos for e in inbox.messages] == [["lead@school.example"]]


def test_a_lost_job_is_found_by_the_sweep(outbox):
    with unscoped():
        db.session.add(OutboxEmail(to_address="a@example.org", subject="Lost", body_text="x",
                                   created_at=utcnow() - timedelta(minutes=30)))
        db.session.add(OutboxEmail(to_address="b@example.org", subject="Just queued", body_text="x"))
    db.session.commit()
    assert retry_due() == 1
    assert [m["Subject"] for m in outbox] == ["Lost"]


def test_delivering_twice_sends_once(outbox):
    queue_email("a@example.org", "Once", "x")
    db.session.commit()
    assert deliver(emails()[0].id) == "sent"
    assert len(outbox) == 1


def test_another_partnerships_failed_email_is_not_shown(client):
    alpha, beta = create_tenant("alpha"), create_tenant("beta")
    make_user("admin@alpha.example", alpha)
    with tenant_scope(beta):
        db.session.add(OutboxEmail(to_address="x@beta.example", subject="Beta secret", body_text="x", status="failed"))
    db.session.commit()
    login(client, "admin@alpha.example")
    assert "Beta secret" not in client.get("/alpha/admin/outbox/").get_data(as_text=True)
    with unscoped():
        beta_email = db.session.scalars(select(OutboxEmail.id)).one()
    assert form_post(client, f"/alpha/admin/outbox/{beta_email}/retry").status_code == 404
