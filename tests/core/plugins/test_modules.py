"""Switching modules on and off per partnership: by service, CLI, admin page and API."""

from __future__ import annotations

import json

import pytest
from lscp_noticeboard import plugin as noticeboard_plugin
from lscp_noticeboard.models import Notice
from lscp_noticeboard.services import post_notice
from marshmallow import ValidationError
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.auth.models import Role
from core.auth.roles import set_role_permissions
from core.db import db
from core.plugins.services import ModuleStateError, disable_module, enable_module, enabled_modules, registry
from core.tenancy.isolation import tenant_scope
from tests.helpers import bearer, create_tenant, form_post, login, make_user, token_for


@pytest.fixture
def alpha():
    tenant = create_tenant("alpha")
    make_user("admin@alpha.example", tenant)
    return tenant


def test_enable_validates_settings_with_the_modules_schema(alpha):
    with pytest.raises(ValidationError) as info:
        enable_module(alpha, "noticeboard", {"heading": "URGENT NEWS", "max_notices": 0})
    assert info.value.messages == {"heading": ["write the heading in sentence case"],
                                   "max_notices": ["Must be greater than or equal to 1 and less than or equal to 50."]}
    db.session.rollback()
    assert enabled_modules(alpha) == {}
    enable_module(alpha, "noticeboard", {"heading": "Bulletins"})
    db.session.commit()
    assert enabled_modules(alpha) == {"noticeboard": {"heading": "Bulletins", "max_notices": 5}}


def test_dependencies_are_refused_by_name_never_pulled_in(alpha):
    with pytest.raises(ModuleStateError, match="Notice digest needs Noticeboard enabled first"):
        enable_module(alpha, "digest")
    db.session.rollback()
    assert enabled_modules(alpha) == {}
    enable_module(alpha, "noticeboard")
    enable_module(alpha, "digest")
    db.session.commit()
    with pytest.raises(ModuleStateError, match="Noticeboard cannot be disabled while Notice digest depends on it"):
        disable_module(alpha, "noticeboard")
    db.session.rollback()
    assert set(enabled_modules(alpha)) == {"noticeboard", "digest"}


def test_unknown_modules_and_core_cannot_be_switched(alpha):
    for name in ("lado-not-installed", "core"):
        with pytest.raises(ModuleStateError, match="there is no module called"):
            enable_module(alpha, name)


def test_modules_are_per_tenant_and_callbacks_run_in_the_tenants_transaction(alpha):
    beta = create_tenant("beta")
    noticeboard_plugin.CALLS.clear()
    enable_module(alpha, "noticeboard")
    db.session.commit()
    assert enabled_modules(alpha) == {"noticeboard": {"heading": "Notices", "max_notices": 5}}
    assert enabled_modules(beta) == {}
    disable_module(alpha, "noticeboard")
    db.session.commit()
    assert noticeboard_plugin.CALLS == [("enabled", "alpha"), ("disabled", "alpha")]
    with tenant_scope(alpha):
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["module.enabled", "module.disabled"]


def test_default_grants_are_applied_once_and_an_admins_change_sticks(alpha):
    enable_module(alpha, "noticeboard")
    db.session.commit()
    with tenant_scope(alpha):
        practitioner = db.session.scalars(select(Role).where(Role.key == "practitioner")).one()
        assert "noticeboard.notices.read" in practitioner.permission_names
        known = set(registry().permissions())
        set_role_permissions(practitioner, practitioner.permission_names - {"noticeboard.notices.read"}, known)
    db.session.commit()
    disable_module(alpha, "noticeboard")
    enable_module(alpha, "noticeboard")
    db.session.commit()
    with tenant_scope(alpha):
        practitioner = db.session.scalars(select(Role).where(Role.key == "practitioner")).one()
        assert "noticeboard.notices.read" not in practitioner.permission_names


def test_disabled_module_vanishes_and_its_data_returns_intact(client, alpha):
    enable_module(alpha, "noticeboard", {"heading": "Bulletins"})
    with tenant_scope(alpha):
        notice = post_notice("Strategy meeting moved", "Now on Thursday")
        notice_id = notice.id
    db.session.commit()
    login(client, "admin@alpha.example")
    dashboard = client.get("/alpha/").get_data(as_text=True)
    partnership = client.get("/alpha/partnership").get_data(as_text=True)  # the menu's section of the module
    assert 'href="/alpha/noticeboard/"' in partnership and "Strategy meeting moved" in dashboard
    assert client.get(f"/alpha/noticeboard/{notice_id}").status_code == 200

    assert form_post(client, "/alpha/admin/modules/noticeboard/disable").status_code == 302
    dashboard = client.get("/alpha/").get_data(as_text=True)
    assert "/alpha/noticeboard/" not in dashboard and "Bulletins" not in dashboard
    assert "/alpha/noticeboard/" not in client.get("/alpha/partnership").get_data(as_text=True)
    assert client.get("/alpha/noticeboard/").status_code == 404
    assert client.get(f"/alpha/noticeboard/{notice_id}").status_code == 404
    assert form_post(client, "/alpha/noticeboard/new", {"title": "Sneaked in"}).status_code == 404

    assert form_post(client, "/alpha/admin/modules/noticeboard", {"heading": "Bulletins", "max_notices": "5"}).status_code == 302
    page = client.get(f"/alpha/noticeboard/{notice_id}").get_data(as_text=True)
    assert "Strategy meeting moved" in page and "Now on Thursday" in page
    with tenant_scope(alpha):
        assert db.session.scalars(select(Notice.title)).all() == ["Strategy meeting moved"]


def test_admin_page_shows_settings_errors_and_keeps_the_module_off(client, alpha):
    login(client, "admin@alpha.example")
    page = client.get("/alpha/admin/modules/").get_data(as_text=True)
    assert "Noticeboard" in page and 'data-testid="state-noticeboard">Off' in page
    response = form_post(client, "/alpha/admin/modules/noticeboard", {"heading": "", "max_notices": "many"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and "Not a valid integer." in html
    response = form_post(client, "/alpha/admin/modules/digest", {})
    assert response.status_code == 400 and "Notice digest needs Noticeboard enabled first" in response.get_data(as_text=True)
    assert enabled_modules(alpha) == {}


def test_cli_lists_enables_and_disables(app, alpha):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["modules", "enable", "alpha", "noticeboard", "--settings", json.dumps({"max_notices": 3})])
    assert result.exit_code == 0, result.output
    listing = runner.invoke(args=["modules", "list", "alpha"]).output
    assert "on  noticeboard" in listing and '"max_notices": 3' in listing and "off digest" in listing
    result = runner.invoke(args=["modules", "enable", "alpha", "noticeboard", "--settings", '{"max_notices": "x"}'])
    assert result.exit_code == 1 and "settings.max_notices: Not a valid integer." in result.output
    result = runner.invoke(args=["modules", "enable", "alpha", "noticeboard", "--settings", "{not json"])
    assert result.exit_code == 1 and "not valid JSON" in result.output
    result = runner.invoke(args=["modules", "enable", "nowhere", "noticeboard"])
    assert result.exit_code == 1 and "no partnership with slug 'nowhere'" in result.output
    result = runner.invoke(args=["modules", "disable", "alpha", "noticeboard"])
    assert result.exit_code == 0 and "its data is kept" in result.output
    assert enabled_modules(alpha) == {}


def test_api_enables_with_settings_and_disables(client, alpha):
    token = token_for(alpha, "admin2@alpha.example")
    listing = client.get("/api/v1/alpha/modules", headers=bearer(token)).get_json()
    states = {m["name"]: m["enabled"] for m in listing}
    assert states["digest"] is False and states["noticeboard"] is False and "core" not in states

    bad = client.put("/api/v1/alpha/modules/noticeboard", json={"settings": {"max_notices": 99}}, headers=bearer(token))
    assert bad.status_code == 422
    assert bad.get_json()["errors"]["json"]["settings"] == {
        "max_notices": ["Must be greater than or equal to 1 and less than or equal to 50."]}
    conflict = client.put("/api/v1/alpha/modules/digest", json={}, headers=bearer(token))
    assert conflict.status_code == 409 and "needs Noticeboard" in conflict.get_json()["message"]

    ok = client.put("/api/v1/alpha/modules/noticeboard", json={"settings": {"heading": "News"}}, headers=bearer(token))
    assert ok.status_code == 200
    assert ok.get_json()["enabled"] is True and ok.get_json()["settings"] == {"heading": "News", "max_notices": 5}
    assert client.get("/api/v1/alpha/noticeboard/notices", headers=bearer(token)).status_code == 200

    assert client.delete("/api/v1/alpha/modules/noticeboard", headers=bearer(token)).get_json()["enabled"] is False
    assert client.get("/api/v1/alpha/noticeboard/notices", headers=bearer(token)).status_code == 404
    again = client.delete("/api/v1/alpha/modules/noticeboard", headers=bearer(token))
    assert again.status_code == 409
    assert client.put("/api/v1/alpha/modules/nope", json={}, headers=bearer(token)).status_code == 404


def test_a_module_refusal_gives_the_same_reason_on_the_page_and_the_api(client, alpha):
    # The same rule (a module needs the one it depends on) refused once: on the form by its field, and on the
    # API with the same words (409: it is about the state of the partnership's modules, not what was sent).
    reason = "Notice digest needs Noticeboard enabled first"
    login(client, "admin@alpha.example")
    page = form_post(client, "/alpha/admin/modules/digest", {})
    assert page.status_code == 400 and 'href="#module"' in page.get_data(as_text=True)
    assert reason in page.get_data(as_text=True)
    token = token_for(alpha, "admin2@alpha.example")
    answer = client.put("/api/v1/alpha/modules/digest", json={}, headers=bearer(token))
    assert answer.status_code == 409 and answer.get_json()["message"] == reason
    assert enabled_modules(alpha) == {}
