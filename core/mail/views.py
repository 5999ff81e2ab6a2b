"""Outgoing email of a partnership: what was sent, what waits, and what failed, with a retry."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from core.audit.services import record
from core.auth.access import requires
from core.db import db
from core.mail.delivery import retry_now
from core.mail.models import FAILED, OutboxEmail
from core.web.lookup import get_or_404

bp = Blueprint("outbox", __name__)
PAGE_SIZE = 50


@bp.route("/")
@requires("core.outbox.view")
def index():
    status = request.args.get("status", "")
    query = select(OutboxEmail)
    if status in {"pending", "sent", "failed"}:
        query = query.where(OutboxEmail.status == status)
    counts = dict(db.session.execute(select(OutboxEmail.status, func.count()).group_by(OutboxEmail.status)).all())
    emails = db.session.scalars(query.order_by(OutboxEmail.created_at.desc(), OutboxEmail.id.desc()).limit(PAGE_SIZE)).all()
    return render_template("admin/outbox.html", emails=emails, counts=counts, status=status)


@bp.route("/<int:email_id>/retry", methods=["POST"])
@requires("core.outbox.view")
def retry(email_id):
    email = get_or_404(OutboxEmail, email_id)
    if email.status != FAILED:
        flash("Only a failed email can be retried", "error")
        return redirect(url_for("outbox.index"))
    retry_now(email)
    record("email.retried", email, summary=f"Retry of '{email.subject}' to {email.to_address}")
    db.session.commit()
    flash(f"Trying again to send '{email.subject}' to {email.to_address}", "success")
    return redirect(url_for("outbox.index", status="failed"))
