"""Confidentiality: only LADO roles read case files, each of the local authorities they work for; managers and
scrutineers see figures; nobody in another partnership sees anything; a platform administrator is not a LADO;
every view, list and download of a case file is in the audit log, which itself names no one."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.auth.models import Membership, Role
from core.auth.services import create_api_token
from core.db import db
from core.plugins.services import disable_module, enable_module
from core.tenancy.isolation import tenant_scope
from tests.helpers import bearer, create_tenant, form_post, login, make_user
from tests.plugins.lado.conftest import authority, make_case

CASE_PAGES = ["/alpha/lado/cases/{id}", "/alpha/lado/cases/{id}/details", "/alpha/lado/cases/{id}/conversion",
              "/alpha/lado/cases/{id}/meetings/new", "/alpha/lado/cases/{id}/outcome"]
LISTS = ["/alpha/lado/cases/", "/alpha/lado/retention", "/alpha/lado/cases.csv", "/alpha/lado/cases.xlsx",
         "/alpha/lado/cases/new"]
CASE_POSTS = ["/alpha/lado/cases/{id}/notes", "/alpha/lado/cases/{id}/employer-actions",
              "/alpha/lado/cases/{id}/processes", "/alpha/lado/cases/{id}/outcome", "/alpha/lado/cases/{id}/closure",
              "/alpha/lado/cases/{id}/consultation", "/alpha/lado/cases/{id}/meetings/new",
              "/alpha/lado/cases/{id}/details", "/alpha/lado/cases/{id}/conversion", "/alpha/lado/cases/{id}/retention"]
API_READS = ["/api/v1/alpha/lado/cases", "/api/v1/alpha/lado/cases/{id}", "/api/v1/alpha/lado/cases/{id}/meetings"]


def token(world, who: str) -> str:
    from core.auth.services import user_by_email

    with tenant_scope(world.tenant):
        _t, plain = create_api_token(user_by_email(f"{who}@alpha.example"), "test")
    db.session.commit()
    return plain


@pytest.fixture
def cases(world):
    return {"north": make_case(world.tenant, la="north", person_name="Norah North"),
            "south": make_case(world.tenant, la="south", person_name="Sol South")}


def test_a_lado_of_one_authority_cannot_read_the_others_cases(world, cases):
    client = world.client("north")
    for url in CASE_PAGES:
        assert client.get(url.format(id=cases["north"])).status_code == 200, url
        assert client.get(url.format(id=cases["south"])).status_code == 404, url
    for url in CASE_POSTS[:-1]:  # the last, retention, is for LADO managers: 403 before any lookup
        assert form_post(client, url.format(id=cases["south"]), {"note_text": "x"}).status_code == 404, url
    listing = client.get("/alpha/lado/cases/").get_data(as_text=True)
    assert "Norah North" in listing and "Sol South" not in listing
    assert "Sol South" not in client.get("/alpha/lado/cases.csv").get_data(as_text=True)
    assert client.get("/alpha/lado/cases/?la=south").status_code == 400
    api = token(world, "north")
    assert world.app.test_client().get(f"/api/v1/alpha/lado/cases/{cases['south']}", headers=bearer(api)).status_code == 404
    assert world.app.test_client().get(f"/api/v1/alpha/lado/cases/{cases['north']}", headers=bearer(api)).status_code == 200
    listed = world.app.test_client().get("/api/v1/alpha/lado/cases", headers=bearer(api)).get_json()
    assert [c["person_name"] for c in listed] == ["Norah North"]
    # ... nor record one for the other authority
    with tenant_scope(world.tenant):
        south_id = str(authority("south").id)
    refused = form_post(client, "/alpha/lado/cases/new", {"kind": "consultation", "local_authority_id": south_id})
    assert refused.status_code == 400 and "Choose the local authority from the list" in refused.get_data(as_text=True)


def test_a_lado_without_a_limit_reads_every_authority(world, cases):
    client = world.client("officer")
    for case_id in cases.values():
        assert client.get(f"/alpha/lado/cases/{case_id}").status_code == 200


@pytest.mark.parametrize("who", ["admin", "bm", "scrutineer", "practitioner", "lead"])
def test_no_other_role_reads_a_case_by_page_api_or_download(world, cases, who):
    client = world.client(who)
    for url in CASE_PAGES + LISTS:
        assert client.get(url.format(id=cases["north"])).status_code == 403, url
    for url in CASE_POSTS:
        assert form_post(client, url.format(id=cases["north"]), {}).status_code == 403, url
    api = token(world, who)
    for url in API_READS:
        assert world.app.test_client().get(url.format(id=cases["north"]), headers=bearer(api)).status_code == 403, url


@pytest.mark.parametrize(("who", "status"), [("admin", 200), ("bm", 200), ("scrutineer", 200), ("manager", 200),
                                             ("officer", 200), ("practitioner", 403), ("lead", 403)])
def test_figures_are_for_managers_and_oversight(world, cases, who, status):
    assert world.client(who).get("/alpha/lado/figures/").status_code == status
    api = token(world, who)
    assert world.app.test_client().get("/api/v1/alpha/lado/figures?year=2025",
                                       headers=bearer(api)).status_code == status


def test_no_other_partnership_reads_a_case(world, cases):
    beta = create_tenant("beta")
    enable_module(beta, "lado", {})
    db.session.commit()
    make_user("lado@beta.example", beta, roles=("lado_officer", "practitioner"))
    client = world.app.test_client()
    login(client, "lado@beta.example")
    for url in CASE_PAGES + LISTS:
        assert client.get(url.format(id=cases["north"])).status_code == 404, url
    for url in CASE_PAGES:  # beta's own pages with alpha's case id: not found either
        assert client.get(url.format(id=cases["north"]).replace("/alpha/", "/beta/")).status_code == 404, url
    with tenant_scope(beta):
        from core.auth.services import user_by_email

        _t, plain = create_api_token(user_by_email("lado@beta.example"), "beta")
    db.session.commit()
    api = world.app.test_client()
    assert api.get(f"/api/v1/beta/lado/cases/{cases['north']}", headers=bearer(plain)).status_code == 404
    assert api.get(f"/api/v1/alpha/lado/cases/{cases['north']}", headers=bearer(plain)).status_code == 404
    assert "Norah" not in client.get("/beta/lado/cases/").get_data(as_text=True)


def test_a_platform_administrator_is_not_a_lado_unless_they_hold_a_lado_role(world, cases):
    root = make_user("root@platform.example", platform_admin=True)
    client = world.app.test_client()
    login(client, root.email)
    assert client.get(f"/alpha/lado/cases/{cases['north']}").status_code == 403
    assert client.get("/alpha/lado/cases/").status_code == 403
    assert client.get("/alpha/lado/figures/").status_code == 200
    assert 'href="/alpha/lado/cases/"' not in client.get("/alpha/").get_data(as_text=True)
    # Given the LADO role in the partnership (limited to South), they read what that role reads.
    with tenant_scope(world.tenant):
        from core.auth.services import MembershipChoice, add_member

        officer = db.session.scalar(select(Role.id).where(Role.key == "lado_officer"))
        add_member(world.tenant, root, MembershipChoice(role_ids=[officer], local_authority_ids=[authority("south").id]))
    db.session.commit()
    assert client.get(f"/alpha/lado/cases/{cases['south']}").status_code == 200
    assert client.get(f"/alpha/lado/cases/{cases['north']}").status_code == 404


def test_every_view_list_and_api_read_of_a_case_is_audited(world, cases):
    client = world.client("officer")
    client.get(f"/alpha/lado/cases/{cases['north']}")
    client.get("/alpha/lado/cases/")
    api = token(world, "officer")
    world.app.test_client().get(f"/api/v1/alpha/lado/cases/{cases['south']}", headers=bearer(api))
    world.app.test_client().get(f"/api/v1/alpha/lado/cases/{cases['south']}/meetings", headers=bearer(api))
    world.app.test_client().get("/api/v1/alpha/lado/cases", headers=bearer(api))
    db.session.commit()
    with tenant_scope(world.tenant):
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(
            ["lado.case.viewed", "lado.cases.listed"])).order_by(AuditEvent.id)).all()
    seen = [(e.action, e.object_id, e.actor_label) for e in events]
    assert seen == [("lado.case.viewed", str(cases["north"]), "officer@alpha.example"),
                    ("lado.cases.listed", "", "officer@alpha.example"),
                    ("lado.case.viewed", str(cases["south"]), "officer@alpha.example"),
                    ("lado.case.viewed", str(cases["south"]), "officer@alpha.example"),
                    ("lado.cases.listed", "", "officer@alpha.example")]
    assert sorted(events[1].details["cases"]) == sorted(cases.values())


def test_the_audit_log_others_may_read_names_no_one(world, cases, today):
    client = world.client("officer")
    url = f"/alpha/lado/cases/{cases['north']}"
    form_post(client, f"{url}/notes", {"note_text": "Norah North's manager rang", "happened_on-day": str(today.day),
                                       "happened_on-month": str(today.month), "happened_on-year": str(today.year)})
    client.get(url)
    audit = world.client("bm").get("/alpha/admin/audit/").get_data(as_text=True)
    assert "LADO-NBC" in audit and "Norah" not in audit


def test_switching_the_module_off_hides_everything_and_keeps_the_cases(world, cases):
    disable_module(world.tenant, "lado")
    db.session.commit()
    client = world.client("officer")
    assert client.get(f"/alpha/lado/cases/{cases['north']}").status_code == 404
    assert client.get("/alpha/lado/figures/").status_code == 404
    enable_module(world.tenant, "lado", {})
    db.session.commit()
    assert client.get(f"/alpha/lado/cases/{cases['north']}").status_code == 200


def test_a_suspended_lado_sees_nothing(world, cases):
    client = world.client("north")
    assert client.get(f"/alpha/lado/cases/{cases['north']}").status_code == 200
    with tenant_scope(world.tenant):
        from core.auth.services import user_by_email

        membership = db.session.scalars(select(Membership).where(
            Membership.user_id == user_by_email("north@alpha.example").id)).one()
        membership.status = "suspended"
    db.session.commit()
    assert client.get(f"/alpha/lado/cases/{cases['north']}").status_code == 404


def test_a_change_of_local_authorities_changes_what_a_lado_reads_at_once(world, cases):
    client = world.client("north")
    with tenant_scope(world.tenant):
        from core.auth.services import user_by_email

        membership = db.session.scalars(select(Membership).where(
            Membership.user_id == user_by_email("north@alpha.example").id)).one()
        membership.local_authorities = [authority("south")]
    db.session.commit()
    assert client.get(f"/alpha/lado/cases/{cases['north']}").status_code == 404
    assert client.get(f"/alpha/lado/cases/{cases['south']}").status_code == 200
