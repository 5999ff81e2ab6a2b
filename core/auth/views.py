"""Signing in and out, password reset, accepting an invitation, and a user's own account page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user
from sqlalchemy import select

from core.auth.access import public, signed_in
from core.auth.forms import LoginForm, NewPasswordForm, ResetRequestForm
from core.auth.models import Membership
from core.auth.services import (
    AccessError,
    LoginThrottled,
    accept_invitation,
    authenticate,
    membership_from_invitation,
    request_password_reset,
    set_password,
    user_from_reset_token,
    verify_password,
)
from core.db import db
from core.refusals import show_refusal, submit
from core.tenancy.isolation import unscoped
from core.tenancy.models import Tenant
from core.web.forms import FormErrors, validate_form

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never another host, never a scheme-relative //host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def _landing(user) -> str:
    with unscoped():  # the user's partnerships, wherever they are
        slugs = db.session.scalars(
            select(Tenant.slug).join(Membership, Membership.tenant_id == Tenant.id)
            .where(Membership.user_id == user.id, Membership.status == "active")
        ).all()
    if len(slugs) == 1 and not user.is_platform_admin:
        return url_for("tenant.dashboard", tenant_slug=slugs[0])
    return url_for("public.start")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    errors, values = FormErrors(), {}
    if request.method == "POST":
        values = {"email": request.form.get("email", "")}
        data, errors = validate_form(LoginForm())
        if not errors:
            try:
                user = authenticate(data["email"], data["password"], request.remote_addr or "")
            except LoginThrottled as exc:
                db.session.rollback()
                return render_template("auth/login.html", errors=FormErrors({"email": str(exc).capitalize()}),
                                       values=values), 429
            db.session.commit()
            if user is None:
                errors.add("email", "The email address or password is not right")
            else:
                next_url = _safe_next(request.args.get("next"))
                session.clear()  # nothing from before sign-in carries over
                login_user(user)
                return redirect(next_url or _landing(user))
        status = 400 if errors else 200
        return render_template("auth/login.html", errors=errors, values=values), status
    return render_template("auth/login.html", errors=errors, values=values)


@bp.route("/logout", methods=["POST"])
@public
def logout():
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("public.start"))


@bp.route("/password-reset", methods=["GET", "POST"])
@public
def password_reset_request():
    errors = FormErrors()
    if request.method == "POST":
        data, errors = validate_form(ResetRequestForm())
        if not errors:
            request_password_reset(data["email"])
            db.session.commit()
            return render_template("auth/reset_sent.html", email=data["email"])
        return render_template("auth/reset_request.html", errors=errors), 400
    return render_template("auth/reset_request.html", errors=errors)


@bp.route("/password-reset/<token>", methods=["GET", "POST"])
@public
def password_reset(token):
    user = user_from_reset_token(token)
    if user is None:
        return render_template("auth/link_expired.html"), 404
    errors = FormErrors()
    if request.method == "POST":
        data, errors = validate_form(NewPasswordForm())
        if not errors:
            def change():
                from core.audit.services import record

                set_password(user, data["password"])
                record("auth.password_reset", user, summary=f"{user.email} reset their password", actor=user)

            done = submit(change, errors, done=url_for("auth.login"),
                          flash_message="Your password has been changed. Sign in with the new one.", whole="password")
            if done:
                return done
        return render_template("auth/new_password.html", errors=errors, title="Choose a new password"), 400
    return render_template("auth/new_password.html", errors=errors, title="Choose a new password")


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@public
def accept(token):
    membership = membership_from_invitation(token)
    if membership is None:
        return render_template("auth/link_expired.html"), 404
    tenant = db.session.get(Tenant, membership.tenant_id)
    user = membership.user
    needs_password = user.password_hash is None
    errors = FormErrors()
    if request.method == "POST":
        data = None
        if needs_password:
            data, errors = validate_form(NewPasswordForm())
        if not errors:
            try:
                accept_invitation(membership, data["password"] if data else None)
            except AccessError as exc:
                show_refusal(errors, exc, whole="password")
            else:
                db.session.commit()
                if needs_password or (g.principal is not None and g.principal.id == user.id):
                    session.clear()
                    login_user(user)
                    return redirect(url_for("tenant.dashboard", tenant_slug=tenant.slug))
                flash(f"You have joined {tenant.name}. Sign in to continue.", "success")
                return redirect(url_for("auth.login", next=f"/{tenant.slug}/"))
        status = 400
    else:
        status = 200
    return render_template("auth/accept.html", tenant=tenant, membership=membership, user=user,
                           needs_password=needs_password, errors=errors), status


@bp.route("/account", methods=["GET", "POST"])
@signed_in
def account():
    user = g.principal
    errors = FormErrors()
    if request.method == "POST":
        data, errors = validate_form(NewPasswordForm())
        if not errors:
            if not verify_password(user, request.form.get("current_password", "")):
                errors.add("current_password", "Your current password is not right")
            else:
                try:
                    set_password(user, data["password"])
                except AccessError as exc:
                    show_refusal(errors, exc, whole="password")
                else:
                    db.session.commit()
                    login_user(user)  # the session follows the new version
                    flash("Your password has been changed.", "success")
                    return redirect(url_for("auth.account"))
    with unscoped():  # the user's own memberships, across partnerships
        memberships = db.session.execute(
            select(Membership, Tenant).join(Tenant, Tenant.id == Membership.tenant_id)
            .where(Membership.user_id == user.id).order_by(Tenant.name)
        ).all()
        rows = [(t, m, [r.name for r in m.roles]) for m, t in memberships]
    return render_template("auth/account.html", rows=rows, errors=errors), (400 if errors else 200)
