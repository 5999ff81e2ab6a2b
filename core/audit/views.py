"""The audit log page for tenant admins: newest first, filterable, a fixed number of queries a page."""

from __future__ import annotations

from datetime import datetime, time

from flask import Blueprint, render_template, request
from sqlalchemy import func, select

from core.audit.models import AuditEvent
from core.auth.access import requires
from core.calendar import LONDON
from core.db import db
from core.web.pagination import page_of

bp = Blueprint("audit", __name__)
PAGE_SIZE = 50


def _date(value: str, end: bool):
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        return None
    return datetime.combine(day, time.max if end else time.min, tzinfo=LONDON)


@bp.route("/")
@requires("core.audit.view")
def index():
    args = request.args
    query = select(AuditEvent)
    filters = {k: args.get(k, "").strip() for k in ("action", "actor", "object_type", "object_id", "from", "to")}
    errors = {}
    if filters["action"]:
        query = query.where(AuditEvent.action.startswith(filters["action"]))
    if filters["actor"]:
        query = query.where(AuditEvent.actor_label.like(f"%{filters['actor'].lower()}%"))
    if filters["object_type"]:
        query = query.where(AuditEvent.object_type == filters["object_type"])
    if filters["object_id"]:
        query = query.where(AuditEvent.object_id == filters["object_id"])
    for key, end in (("from", False), ("to", True)):
        if filters[key]:
            bound = _date(filters[key], end)
            if bound is None:
                errors[key] = "Enter a date as YYYY-MM-DD"
            else:
                query = query.where(AuditEvent.at >= bound if not end else AuditEvent.at <= bound)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = page_of(total, PAGE_SIZE, args.get("page"))
    events = db.session.scalars(
        query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(page.size).offset(page.offset)
    ).all()
    return render_template("admin/audit.html", events=events, filters=filters, errors=errors, page=page.number,
                           pages=page.pages, total=total), (400 if errors else 200)
