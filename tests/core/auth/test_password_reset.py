"""Password reset through the email outbox: one link, one hour, one use."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.db import db
from core.mail.models import OutboxEmail
from tests.helpers import PASSWORD, form_post, login, make_user

LINK = re.compile(r"http://platform\.test(/password-reset/\S+)")


def _reset_link(outbox) -> str:
    assert len(outbox) == 1
    return LINK.search(outbox[0].get_content()).group(1)


def test_reset_by_email_link_sets_a_new_password_once(client, outbox):
    make_user("forgetful@example.org")
    page = form_post(client, "/password-reset", {"email": "forgetful@example.org"})
    assert "Check your email" in page.get_data(as_text=True)
    email = db.session.scalars(select(OutboxEmail)).one()
    assert email.status == "sent" and email.purpose == "password_reset" and email.tenant_id is None
    link = _reset_link(outbox)
    assert outbox[0]["To"] == "forgetful@example.org"

    mismatch = form_post(client, link, {"password": "brand new passphrase", "confirm": "different passphrase"})
    assert mismatch.status_code == 400 and "The passwords do not match" in mismatch.get_data(as_text=True)
    done = form_post(client, link, {"password": "brand new passphrase", "confirm": "brand new passphrase"})
    assert done.status_code == 302 and done.location == "/login"

    assert form_post(client, "/login", {"email": "forgetful@example.org", "password": PASSWORD}).status_code == 400
    login(client, "forgetful@example.org", "brand new passphrase")
    # The link is spent: the password it was made for has changed.
    assert client.get(link).status_code == 404


def test_unknown_address_gets_the_same_answer_and_no_email(client, outbox):
    page = form_post(client, "/password-reset", {"email": "nobody@example.org"})
    assert page.status_code == 200 and "Check your email" in page.get_data(as_text=True)
    assert outbox == []
    assert db.session.scalars(select(OutboxEmail)).all() == []


def test_a_tampered_or_expired_link_is_refused(client, app, outbox):
    make_user("forgetful@example.org")
    form_post(client, "/password-reset", {"email": "forgetful@example.org"})
    link = _reset_link(outbox)
    assert client.get(link[:-3] + "abc").status_code == 404
    app.config["PASSWORD_RESET_MAX_AGE"], before = -1, app.config["PASSWORD_RESET_MAX_AGE"]
    try:
        page = client.get(link)
        assert page.status_code == 404 and "expired" in page.get_data(as_text=True)
    finally:
        app.config["PASSWORD_RESET_MAX_AGE"] = before
