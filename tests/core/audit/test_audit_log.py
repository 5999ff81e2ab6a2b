"""The audit log: who, what, when, which record, which tenant; append-only; a page for tenant admins."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from core.audit.models import AuditEvent
from core.audit.services import AuditLogIsAppendOnly, record
from core.db import db
from core.tenancy.isolation import tenant_scope, unscoped
from tests.helpers import create_tenant, form_post, login, make_user


def test_a_change_made_on_a_page_is_recorded_with_who_what_when_and_which_record(client):
    alpha = create_tenant("alpha")
    make_user("admin@alpha.example", alpha)
    login(client, "admin@alpha.example")
    form_post(client, "/alpha/admin/modules/noticeboard", {"heading": "News", "max_notices": "2"})
    with tenant_scope(alpha):
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "module.enabled")).one()
    assert event.actor_label == "admin@alpha.example" and event.actor_id is not None
    assert event.object_type == "ModuleEnablement" and event.object_id.isdigit()
    assert event.tenant_id == alpha.id and event.at is not None and event.ip == "127.0.0.1"
    assert event.details == {"module": "noticeboard", "settings": {"heading": "News", "max_notices": 2}}
    with unscoped():
        sign_in = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.login")).one()
    assert sign_in.tenant_id is None and sign_in.actor_label == "admin@alpha.example"


def test_events_cannot_be_changed_or_deleted_through_the_orm():
    event = record("test.thing", summary="original")
    db.session.commit()
    event.summary = "rewritten"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.delete(event)
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalars(select(AuditEvent.summary)).all() == ["original"]


@pytest.mark.postgres
def test_the_database_itself_refuses_to_change_the_log():
    record("test.thing", summary="original")
    db.session.commit()
    for statement in ("UPDATE audit_events SET summary = 'rewritten'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
    assert db.session.scalars(select(AuditEvent.summary)).all() == ["original"]


def test_the_page_shows_the_tenants_own_events_with_filters(client):
    alpha, beta = create_tenant("alpha"), create_tenant("beta")
    make_user("admin@alpha.example", alpha)
    make_user("worker@alpha.example", alpha, roles=("practitioner",))
    with tenant_scope(alpha):
        record("case.viewed", summary="Alpha case 17 viewed", object_type="Case", object_id=17)
    with tenant_scope(beta):
        record("case.viewed", summary="Beta case 99 viewed", object_type="Case", object_id=99)
    record("platform.maintenance", summary="Platform upgraded")
    db.session.commit()

    login(client, "admin@alpha.example")
    page = client.get("/alpha/admin/audit/").get_data(as_text=True)
    assert "Alpha case 17 viewed" in page
    assert "Beta case 99 viewed" not in page and "Platform upgraded" not in page
    filtered = client.get("/alpha/admin/audit/?action=case.").get_data(as_text=True)
    assert "Alpha case 17 viewed" in filtered and "member.added" not in filtered
    by_record = client.get("/alpha/admin/audit/?object_type=Case&object_id=17").get_data(as_text=True)
    assert "1 entry" in by_record
    bad = client.get("/alpha/admin/audit/?from=31/12/2026")
    assert bad.status_code == 400 and "Enter a date as YYYY-MM-DD" in bad.get_data(as_text=True)
    assert "0 entries" in client.get("/alpha/admin/audit/?from=2099-01-01").get_data(as_text=True)

    worker = client.application.test_client()
    login(worker, "worker@alpha.example")
    assert worker.get("/alpha/admin/audit/").status_code == 403
