"""Switching the module on: its settings checked against the partnership, the LADO roles made once, default
grants that keep case files from every default role, navigation, and the demo cases."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError
from sqlalchemy import func, select

from core.auth.models import Role, RolePermission
from core.db import db
from core.plugins.services import enable_module, enabled_modules
from core.tenancy.isolation import tenant_scope
from plugins.lado.demo import demo_cases
from plugins.lado.models import LadoCase
from tests.core.web.test_navigation import menu_links
from tests.helpers import bearer, create_tenant, form_post, login, make_user, token_for


@pytest.fixture
def alpha(app):
    tenant = create_tenant("alpha")
    make_user("admin@alpha.example", tenant)
    return tenant


def roles(tenant) -> dict[str, set[str]]:
    db.session.commit()
    with tenant_scope(tenant):
        return {r.key: r.permission_names for r in db.session.scalars(select(Role))}


def test_settings_have_defaults_and_read_lists_typed_in_one_box(alpha):
    enable_module(alpha, "lado", {"local_authorities": "north, south", "reminder_emails": ["a@x.example; b@x.example"]})
    db.session.commit()
    settings = enabled_modules(alpha)["lado"]
    assert settings == {"local_authorities": ["north", "south"], "stale_days": 20,
                        "reminder_emails": ["a@x.example", "b@x.example"], "service_emails": [], "pension_age": 67,
                        "retention_years": 10,
                        "false_unfounded_review_years": 10, "consultation_review_years": 10}


@pytest.mark.parametrize(("settings", "field"), [
    ({"stale_days": 0}, "stale_days"), ({"retention_years": 9}, "retention_years"),
    ({"reminder_emails": ["not an address"]}, "reminder_emails"), ({"pension_age": 90}, "pension_age"),
    ({"local_authorities": ["north", "north"]}, "local_authorities"),
])
def test_settings_are_validated(alpha, settings, field):
    with pytest.raises(ValidationError) as caught:
        enable_module(alpha, "lado", settings)
    assert field in caught.value.messages
    db.session.rollback()


def test_an_unknown_local_authority_is_refused_with_the_partnerships_keys(alpha):
    with pytest.raises(ValidationError) as caught:
        enable_module(alpha, "lado", {"local_authorities": ["north", "narnia"]})
    assert caught.value.messages == {"local_authorities": [
        "narnia is not a local authority of this partnership: choose from north, south"]}
    db.session.rollback()
    assert "lado" not in enabled_modules(alpha)


def test_the_admin_page_shows_the_refusal_by_its_field(app, client, alpha):
    login(client, "admin@alpha.example")
    response = form_post(client, "/alpha/admin/modules/lado", {"local_authorities": "north, narnia", "stale_days": "20"})
    assert response.status_code == 400
    assert "narnia is not a local authority of this partnership" in response.get_data(as_text=True)
    ok = form_post(client, "/alpha/admin/modules/lado", {"local_authorities": "south", "stale_days": "15"})
    assert ok.status_code == 302
    assert enabled_modules(alpha)["lado"]["local_authorities"] == ["south"]


def test_the_api_refuses_an_unknown_local_authority_naming_the_field(app, client, alpha):
    headers = bearer(token_for(alpha, "api@alpha.example"))
    response = client.put("/api/v1/alpha/modules/lado", json={"settings": {"local_authorities": ["narnia"]}},
                          headers=headers)
    assert response.status_code == 422
    assert "local_authorities" in response.get_json()["errors"]["json"]["settings"]


def test_the_lado_roles_are_made_once_and_the_tenants_changes_kept(alpha):
    enable_module(alpha, "lado", {})
    held = roles(alpha)
    assert held["lado_officer"] == {"lado.cases.read", "lado.cases.manage", "lado.cases.export", "lado.figures.view"}
    assert held["lado_manager"] == {"lado.cases.read", "lado.figures.view", "lado.retention.manage"}
    with tenant_scope(alpha):
        manager = db.session.scalars(select(Role).where(Role.key == "lado_manager")).one()
        manager.grants = [g for g in manager.grants if g.permission != "lado.retention.manage"]
    db.session.commit()
    enable_module(alpha, "lado", {"stale_days": 10})  # settings changed: the hook runs again
    db.session.commit()
    assert "lado.retention.manage" not in roles(alpha)["lado_manager"]
    with tenant_scope(alpha):
        assert db.session.scalar(select(func.count()).select_from(Role).where(Role.key.like("lado_%"))) == 2


def test_no_default_role_reads_case_files(alpha):
    enable_module(alpha, "lado", {})
    held = roles(alpha)
    confidential = {"lado.cases.read", "lado.cases.manage", "lado.cases.export", "lado.retention.manage"}
    for key in ("tenant_admin", "business_manager", "independent_scrutineer", "practitioner", "agency_safeguarding_lead"):
        assert not held[key] & confidential, key
    assert "lado.figures.view" in held["tenant_admin"] & held["business_manager"] & held["independent_scrutineer"]
    assert "lado.referrals.submit" in held["practitioner"] & held["agency_safeguarding_lead"]


def test_the_confidential_permissions_are_marked(app):
    module = app.extensions["lscp.modules"].get("lado")
    marked = {p.name for p in module.permissions if p.confidential}
    assert marked == {"lado.cases.read", "lado.cases.manage", "lado.cases.export", "lado.retention.manage"}


def test_a_business_manager_can_still_invite_practitioners(app, client, alpha):
    enable_module(alpha, "lado", {})
    db.session.commit()
    make_user("bm@alpha.example", alpha, roles=("business_manager",))
    login(client, "bm@alpha.example")
    with tenant_scope(alpha):
        practitioner = db.session.scalar(select(Role.id).where(Role.key == "practitioner"))
        officer = db.session.scalar(select(Role.id).where(Role.key == "lado_officer"))
    invited = form_post(client, "/alpha/admin/members/invite", {"email": "new@alpha.example", "name": "New",
                                                                "roles": str(practitioner)})
    assert invited.status_code == 302
    # ... but not make anyone a LADO: that role can do more than a business manager can
    refused = form_post(client, "/alpha/admin/members/invite", {"email": "spy@alpha.example", "name": "Spy",
                                                                "roles": str(officer)})
    assert refused.status_code == 400


def test_the_menu_shows_each_role_its_part(app, alpha):
    enable_module(alpha, "lado", {})
    db.session.commit()
    expected = {("lado_officer", "practitioner"): {"LADO cases", "LADO figures", "Refer to the LADO"},
                ("business_manager",): {"LADO figures", "Refer to the LADO"},
                ("practitioner",): {"Refer to the LADO"}}
    for index, (held, items) in enumerate(expected.items()):
        make_user(f"user{index}@alpha.example", alpha, roles=held)
        client = app.test_client()
        login(client, f"user{index}@alpha.example")
        links = menu_links(client, "/alpha/")
        shown = {label for label, href in (("LADO cases", "/alpha/lado/cases/"), ("LADO figures", "/alpha/lado/figures/"),
                                           ("Refer to the LADO", "/alpha/lado/referrals/")) if href in links}
        assert shown == items, held


def test_demo_cases_are_made_once_and_marked(alpha):
    enable_module(alpha, "lado", {})
    db.session.commit()
    with tenant_scope(alpha):
        demo_cases(alpha, enabled_modules(alpha)["lado"])
        demo_cases(alpha, enabled_modules(alpha)["lado"])
        cases = db.session.scalars(select(LadoCase)).all()
        assert len(cases) == 6
        assert all(c.summary.startswith("[DEMO]") and c.person_name.startswith("[DEMO]") for c in cases)
        assert sum(1 for c in cases if c.awaiting_allocation) == 1  # a referral sent through the form, waiting
        assert {c.kind for c in cases} == {"consultation", "referral"}
        assert {c.outcome for c in cases} >= {"substantiated", "malicious"}
        assert db.session.scalar(select(func.count()).select_from(RolePermission)) > 0


def test_demo_setup_runs_the_hook_for_partnerships_with_the_module(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "setup"]).exit_code == 0
    from core.tenancy.models import Tenant

    hf = db.session.scalars(select(Tenant).where(Tenant.slug == "hf")).one()
    enable_module(hf, "lado", {})
    db.session.commit()
    assert runner.invoke(args=["demo", "setup"]).exit_code == 0
    assert runner.invoke(args=["demo", "setup"]).exit_code == 0
    with tenant_scope(hf):
        assert db.session.scalar(select(func.count()).select_from(LadoCase)) == 6
