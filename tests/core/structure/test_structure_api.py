"""The structure through the API: bodies with their reporting lines, chairing (and who chairs today) and
seats; the people in the partnership's roles and the safeguarding partners' delegation."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.calendar import london_today as today
from core.db import db
from core.structure.bodies import add_months
from core.tenancy.isolation import tenant_scope
from core.tenancy.models import Agency, SafeguardingPartner
from tests.core.structure.test_structure_pages import build
from tests.helpers import bearer, create_tenant, token_for


@pytest.fixture
def alpha():
    return create_tenant("alpha")


def test_bodies_with_reporting_lines_chair_of_today_and_members(client, alpha):
    made = build(alpha)
    token = token_for(alpha, "worker@alpha.example", roles=("practitioner",))  # reading is everyone's
    response = client.get("/api/v1/alpha/structure/bodies", headers=bearer(token))
    assert response.status_code == 200
    bodies = {b["key"]: b for b in response.get_json()}
    assert list(bodies) == ["executive-board", "safeguarding-children-partnership-forum", "quality-assurance-group",
                            "old-neglect-group"]
    forum = bodies["safeguarding-children-partnership-forum"]
    assert forum["accountable_to"] == "executive-board" and forum["kind"] == "forum"
    assert (forum["cadence"], forum["public_meetings"], forum["status"]) == ("quarterly", True, "active")
    assert bodies["old-neglect-group"]["status"] == "dissolved"
    assert bodies["old-neglect-group"]["dissolved_on"] == "2024-03-31"
    chair = next(r for r in forum["chair_rules"] if r["position"] == "chair")
    assert chair["rotation_agencies"] == ["police", "council", "icb"] and chair["rotation_months"] == 12
    turn_start = add_months(add_months(today(), -13), 12)
    assert chair["today"] == {
        "kind": "rotation", "agency": "council",
        "title": "Director of Children's Services, Alpha Council (delegated safeguarding partner, in turn)",
        "starts_on": turn_start.isoformat(), "ends_on": chair["today"]["ends_on"],
        "description": chair["today"]["description"]}
    assert date.fromisoformat(chair["today"]["starts_on"]) <= today() <= date.fromisoformat(chair["today"]["ends_on"])
    vice = next(r for r in forum["chair_rules"] if r["position"] == "vice_chair")
    assert vice["today"]["title"] == "Independent Scrutineer" and vice["rotation_agencies"] == []
    seats = {m["label"]: m for m in forum["members"]}
    assert seats["Lead Member for Children"]["status"] == "observer"
    assert seats["Lay member"]["role_holder"] == "lay-member" and seats["Lay member"]["current"] is True
    former = seats["Director of Children's Services, Alpha Council"]
    assert (former["agency"], former["ends_on"], former["current"]) == ("council", "2024-12-31", False)

    one = client.get(f"/api/v1/alpha/structure/bodies/{made['forum']}", headers=bearer(token)).get_json()
    assert one == forum


def test_a_rotation_not_started_has_nobody_today(client, alpha):
    build(alpha, start=add_months(today(), 2))
    token = token_for(alpha, "admin@alpha.example")
    forum = client.get("/api/v1/alpha/structure/bodies", headers=bearer(token)).get_json()[1]
    assert forum["chair_rules"][0]["today"] is None


def test_people_are_the_role_holders_and_the_partners_with_their_delegation(client, alpha):
    build(alpha)
    with tenant_scope(alpha):
        council = db.session.scalars(select(SafeguardingPartner).join(SafeguardingPartner.agency)
                                     .where(Agency.key == "council")).one()
        council.delegation_cover = ["Operational Director of Children's Services"]
        db.session.commit()
    token = token_for(alpha, "scrutineer@alpha.example", roles=("independent_scrutineer",))
    people = client.get("/api/v1/alpha/structure/people", headers=bearer(token)).get_json()
    holders = {h["key"]: h for h in people["role_holders"]}
    assert holders["lead-member-for-children"]["voting"] is False
    assert holders["lead-member-for-children"]["kind_label"] == "Lead member (participant observer)"
    assert holders["lay-member"]["linked_to_member"] is False
    partners = {p["agency"]: p for p in people["partners"]}
    assert partners["council"] == {
        "agency": "council", "agency_name": "Alpha Council", "partner_type": "local_authority",
        "lead_role": "Chief Executive", "delegated_roles": ["Director of Children's Services"],
        "delegation_cover": ["Operational Director of Children's Services"]}
    assert partners["police"]["delegated_roles"] == []


def test_another_partnerships_body_is_not_found_and_a_token_is_needed(client, alpha):
    beta = create_tenant("beta")
    theirs = build(beta)
    token = token_for(alpha, "admin@alpha.example")
    missing = client.get(f"/api/v1/alpha/structure/bodies/{theirs['forum']}", headers=bearer(token))
    assert missing.status_code == 404 and missing.is_json
    assert client.get("/api/v1/alpha/structure/bodies").status_code == 401
    assert client.get("/api/v1/beta/structure/bodies", headers=bearer(token)).status_code == 404
    assert client.get("/api/v1/alpha/structure/bodies", headers=bearer(token)).get_json() == []


def test_the_api_is_described_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/{tenant_slug}/structure/bodies", "/api/v1/{tenant_slug}/structure/bodies/{body_id}",
                 "/api/v1/{tenant_slug}/structure/people"):
        assert "get" in paths[path], path


def test_what_a_tenant_file_says_is_what_the_api_gives(client):
    from core.tenancy.importer import export_tenant, import_documents, validate_documents
    from core.tenancy.models import Tenant
    from tests.helpers import tenant_doc

    doc = tenant_doc("alpha")
    doc["safeguarding_partners"][1]["delegated_roles"] = ["Detective Superintendent"]
    doc["role_holders"] = [{"key": "commissioner", "kind": "independent_commissioner",
                            "title": "Independent Child Safeguarding Commissioner"}]
    doc["bodies"] = [
        {"key": "executive", "name": "Executive", "kind": "board", "cadence": "bi_monthly",
         "chair": {"kind": "independent", "role_title": "Independent Child Safeguarding Commissioner"},
         "members": [{"role_holder": "commissioner", "status": "voting"}]},
        {"key": "forum", "name": "Partnership Forum", "kind": "forum", "accountable_to": "executive",
         "chair": {"kind": "rotation", "agencies": ["police", "council", "icb"], "months": 12,
                   "starts_on": date(2025, 1, 1)}},
    ]
    import_documents(validate_documents([("alpha.toml", doc)]))
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "alpha")).one()
    token = token_for(tenant, "admin@alpha.example")
    exported = export_tenant(tenant)["bodies"]
    answered = client.get("/api/v1/alpha/structure/bodies", headers=bearer(token)).get_json()
    assert [(b["key"], b["accountable_to"], b["cadence"]) for b in answered] == [
        (b["key"], b.get("accountable_to"), b["cadence"]) for b in exported]
    forum = answered[1]["chair_rules"][0]
    assert forum["rotation_agencies"] == exported[1]["chair"]["agencies"]
    assert forum["rotation_starts_on"] == "2025-01-01"
    assert forum["today"]["agency"] == ["police", "council", "icb"][(today().year - 2025) % 3]
    assert answered[0]["members"][0]["role_holder"] == "commissioner"
    assert answered[0]["chair_rules"][0]["today"]["title"] == "Independent Child Safeguarding Commissioner"
