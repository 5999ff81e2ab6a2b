"""GET /api/v1/<tenant>/structure/funding?year=YYYY: a year's contributions, spending and statement, in pence
and in pounds strings, for those who may see the funding."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.db import db
from core.structure import funding
from core.structure.funding import ContributionFields
from core.tenancy.isolation import tenant_scope
from core.tenancy.models import Agency
from tests.helpers import bearer, count_queries, create_tenant, token_for

PAST = date(2026, 6, 1)


def contribute(tenant, key, year, pounds, **dates):
    with tenant_scope(tenant):
        agency_id = db.session.scalars(select(Agency.id).where(Agency.key == key)).one()
        c = funding.add_contribution(year, ContributionFields(agency_id=agency_id,
                                                              amount_pence=funding.parse_money(pounds), **dates), PAST)
        db.session.commit()
        return c.id


def spend(tenant, day, pounds, category="training", description="Course"):
    with tenant_scope(tenant):
        s = funding.add_spend(day, category, description, funding.parse_money(pounds), PAST)
        db.session.commit()
        return s.id


@pytest.fixture
def alpha():
    return create_tenant("alpha")


def test_a_year_of_funding_in_pence_and_pounds(client, alpha):
    token = token_for(alpha, "manager@alpha.example", "business_manager")
    for key in ("council", "police"):
        contribute(alpha, key, 2025, "33,333.33")
    contribute(alpha, "icb", 2025, "33,333.33", agreed_on=date(2025, 4, 2), invoiced_on=date(2025, 10, 2),
               invoice_reference="INV-9", paid_on=date(2025, 10, 20))
    contribute(alpha, "council", 2024, "10")
    spend(alpha, date(2026, 3, 31), "0.01", "scrutiny", "Last day of the year")
    spend(alpha, date(2026, 4, 1), "99", "scrutiny", "First day of the next")
    spend(alpha, date(2024, 6, 1), "2.50")

    response = client.get("/api/v1/alpha/structure/funding?year=2025", headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["year"], body["start"], body["end"]) == ("2025/26", "2025-04-01", "2026-03-31")
    assert body["invoice_deadline"] == "2025-10-01"
    by_agency = {c["agency"]: c for c in body["contributions"]}
    assert by_agency["icb"] == {
        "id": by_agency["icb"]["id"], "agency": "icb", "agency_name": "Alpha ICB", "amount_pence": 3_333_333,
        "amount": "33333.33", "agreed_on": "2025-04-02", "invoiced_on": "2025-10-02", "invoice_reference": "INV-9",
        "paid_on": "2025-10-20", "invoice_status": "late"}
    assert by_agency["police"]["invoice_status"] == "overdue" and by_agency["police"]["invoiced_on"] is None
    assert [(s["spent_on"], s["amount_pence"], s["amount"], s["category_label"]) for s in body["spend"]] == [
        ("2026-03-31", 1, "0.01", "Independent scrutiny")]
    statement = body["statement"]
    assert (statement["income_total_pence"], statement["income_total"]) == (9_999_999, "99999.99")
    assert (statement["expenditure_total_pence"], statement["expenditure_total"]) == (1, "0.01")
    assert (statement["surplus_pence"], statement["result"]) == (9_999_998, "Surplus for the year")
    assert (statement["brought_forward_pence"], statement["brought_forward"]) == (750, "7.50")
    assert (statement["carried_forward_pence"], statement["carried_forward"]) == (10_000_748, "100007.48")
    assert statement["received"] == "33333.33"
    assert {line["key"]: line["amount"] for line in statement["expenditure"]}["scrutiny"] == "0.01"
    assert [line["key"] for line in statement["income"]] == ["council", "icb", "police"]


def test_the_year_is_required_and_checked(client, alpha):
    token = token_for(alpha, "manager@alpha.example", "business_manager")
    missing = client.get("/api/v1/alpha/structure/funding", headers=bearer(token))
    assert missing.status_code == 422 and "year" in missing.get_json()["errors"]["query"]
    for bad in ("abc", "1999", "2101", "2025/26", "99999999999999999999"):
        response = client.get(f"/api/v1/alpha/structure/funding?year={bad}", headers=bearer(token))
        assert response.status_code == 422, bad
        assert "year" in response.get_json()["errors"]["query"], bad


def test_who_may_read_the_funding(client, alpha):
    contribute(alpha, "police", 2025, "1")
    for role, status in (("tenant_admin", 200), ("business_manager", 200), ("independent_scrutineer", 200),
                         ("practitioner", 403), ("agency_safeguarding_lead", 403)):
        token = token_for(alpha, f"{role.replace('_', '.')}@alpha.example", role)
        response = client.get("/api/v1/alpha/structure/funding?year=2025", headers=bearer(token))
        assert response.status_code == status, role
        assert response.is_json
    assert client.get("/api/v1/alpha/structure/funding?year=2025").status_code == 401


def test_another_partnerships_funding_is_neither_shown_nor_reachable(client, alpha):
    beta = create_tenant("beta")
    contribute(beta, "police", 2025, "7,777")
    spend(beta, date(2025, 6, 1), "77")
    token = token_for(alpha, "manager@alpha.example", "business_manager")
    mine = client.get("/api/v1/alpha/structure/funding?year=2025", headers=bearer(token)).get_json()
    assert mine["contributions"] == [] and mine["spend"] == []
    assert mine["statement"]["income_total_pence"] == 0 and mine["statement"]["brought_forward_pence"] == 0
    theirs = client.get("/api/v1/beta/structure/funding?year=2025", headers=bearer(token))
    assert theirs.status_code == 404 and theirs.is_json


def test_the_answer_costs_the_same_queries_however_many_rows(client, alpha):
    token = token_for(alpha, "manager@alpha.example", "business_manager")
    contribute(alpha, "police", 2025, "1")
    url = "/api/v1/alpha/structure/funding?year=2025"
    client.get(url, headers=bearer(token))
    with count_queries() as few:
        client.get(url, headers=bearer(token))
    for key in ("council", "icb", "school"):
        contribute(alpha, key, 2025, "1")
    for n in range(20):
        spend(alpha, date(2025, 5, 1 + n), "1")
    with count_queries() as many:
        assert len(client.get(url, headers=bearer(token)).get_json()["spend"]) == 20
    assert many.n == few.n


def test_the_endpoint_is_documented(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/{tenant_slug}/structure/funding"]["get"]
    assert any(p["name"] == "year" and p["required"] for p in operation["parameters"])
