"""Writing to the audit log. Call ``record`` in the same transaction as the change it describes."""

from __future__ import annotations

from flask import g, has_request_context, request
from sqlalchemy import event

from core.audit.models import AuditEvent
from core.db import PlatformSession, db


class AuditLogIsAppendOnly(RuntimeError):
    pass


def _actor():
    if not has_request_context():
        return None
    return getattr(g, "principal", None)


def record(action: str, obj=None, *, summary: str = "", details: dict | None = None, actor=None,
           object_type: str | None = None, object_id=None) -> AuditEvent:
    """Add an audit event to the session. ``actor`` defaults to whoever made the request; pass ``False``
    for events nobody can be credited with (a failed sign-in)."""
    actor = actor if actor is not None else _actor()
    if obj is not None:
        object_type = object_type or type(obj).__name__
        if object_id is None:
            if obj in db.session.new:
                db.session.flush()  # the new row's id is what the event must point at
            object_id = getattr(obj, "id", "")
    event_ = AuditEvent(
        action=action,
        object_type=object_type or "",
        object_id=str(object_id) if object_id is not None else "",
        summary=summary[:500],
        details=details or {},
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", None) or "system",
        ip=(request.remote_addr or "")[:45] if has_request_context() else "",
    )
    db.session.add(event_)
    return event_


@event.listens_for(PlatformSession, "before_flush")
def _refuse_changes(session, _ctx, _instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogIsAppendOnly("audit events cannot be changed or deleted")
