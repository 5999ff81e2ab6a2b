"""Signing in and out: passwords, throttling, safe redirects, sessions that end when the password changes."""

from __future__ import annotations

from sqlalchemy import func, select

from core.auth.models import LoginAttempt, User
from core.auth.services import set_password, user_by_email
from core.db import db
from tests.helpers import PASSWORD, create_tenant, form_post, login, make_user


def test_sign_in_lands_a_single_partnership_member_on_its_dashboard(client):
    alpha = create_tenant("alpha")
    make_user("lead@alpha.example", alpha, roles=("practitioner",))
    response = login(client, "Lead@Alpha.example ")  # case and spaces do not matter
    assert response.location == "/alpha/"
    assert client.get("/alpha/").status_code == 200


def test_passwords_are_stored_as_argon2_hashes():
    make_user("someone@example.org")
    user = user_by_email("someone@example.org")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_a_wrong_password_is_refused_with_a_message_and_counted(client):
    make_user("someone@example.org")
    response = form_post(client, "/login", {"email": "someone@example.org", "password": "not the password"})
    assert response.status_code == 400
    assert "The email address or password is not right" in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302  # still signed out
    attempts = db.session.scalars(select(LoginAttempt)).all()
    assert [(a.email, a.succeeded) for a in attempts] == [("someone@example.org", False)]


def test_empty_and_malformed_answers_are_named(client):
    response = form_post(client, "/login", {"email": "not-an-email", "password": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter an email address in the correct format" in html and "Enter your password" in html


def test_repeated_failures_lock_the_account_for_a_while_even_with_the_right_password(client, app):
    make_user("target@example.org")
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        assert form_post(client, "/login", {"email": "target@example.org", "password": "guess"}).status_code == 400
    response = form_post(client, "/login", {"email": "target@example.org", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302
    # Another account is not locked by it.
    make_user("other@example.org")
    assert login(client, "other@example.org").status_code == 302


def test_one_address_guessing_many_accounts_is_throttled(client, app):
    app.config["LOGIN_IP_MAX_FAILURES"], before = 3, app.config["LOGIN_IP_MAX_FAILURES"]
    try:
        make_user("victim@example.org")
        for n in range(3):
            form_post(client, "/login", {"email": f"guess{n}@example.org", "password": "guess"})
        response = form_post(client, "/login", {"email": "victim@example.org", "password": PASSWORD})
        assert response.status_code == 429
    finally:
        app.config["LOGIN_IP_MAX_FAILURES"] = before


def test_next_only_ever_leads_within_the_site(client):
    alpha = create_tenant("alpha")
    make_user("admin@alpha.example", alpha)
    assert client.get("/alpha/admin/members/").location == "/login?next=/alpha/admin/members/"
    for target, expected in (("/alpha/admin/members/", "/alpha/admin/members/"), ("https://evil.example/x", "/alpha/"),
                             ("//evil.example/x", "/alpha/"), ("/\\evil.example", "/alpha/")):
        response = form_post(client, f"/login?next={target}", {"email": "admin@alpha.example", "password": PASSWORD})
        assert response.location == expected, target


def test_sign_out_needs_a_post_and_ends_the_session(client):
    make_user("someone@example.org")
    login(client, "someone@example.org")
    client.get("/logout", follow_redirects=True)  # a link or a prefetch cannot sign anyone out
    assert client.get("/account").status_code == 200
    assert form_post(client, "/logout").status_code == 302
    assert client.get("/account").status_code == 302


def test_changing_a_password_ends_every_other_session(app, client):
    make_user("someone@example.org")
    login(client, "someone@example.org")
    other = app.test_client()
    login(other, "someone@example.org")
    response = form_post(client, "/account", {"current_password": PASSWORD, "password": "a whole new passphrase",
                                              "confirm": "a whole new passphrase"})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200  # the session that changed it carries on
    assert other.get("/account").status_code == 302  # the other one is signed out
    refused = form_post(client, "/account", {"current_password": "wrong", "password": "another new passphrase",
                                             "confirm": "another new passphrase"})
    assert refused.status_code == 400 and "Your current password is not right" in refused.get_data(as_text=True)


def test_weak_passwords_are_refused():
    user = User(email="x@example.org", name="X")
    for weak, message in (("short", "at least 10 characters"), ("password123", "too easy to guess"),
                          ("x@example.org", "too easy to guess")):
        try:
            set_password(user, weak)
        except ValueError as exc:
            assert message in str(exc)
        else:
            raise AssertionError(f"{weak!r} was accepted")


def test_a_deactivated_user_cannot_sign_in(client):
    make_user("gone@example.org")
    user = user_by_email("gone@example.org")
    user.active = False
    db.session.commit()
    response = form_post(client, "/login", {"email": "gone@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(LoginAttempt).where(LoginAttempt.succeeded)) == 0
