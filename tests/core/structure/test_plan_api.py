"""GET /api/v1/<tenant>/structure/priorities: priorities and threads with their business plan actions."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.auth.models import Role, RolePermission
from core.db import db
from core.structure import plan
from core.structure.models import Body
from core.tenancy.isolation import tenant_scope
from tests.core.structure.test_plan import make_bodies
from tests.helpers import bearer, count_queries, create_tenant, token_for

TODAY = date(2026, 5, 15)
URL = "/api/v1/alpha/structure/priorities"


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr("core.calendar.london_today", lambda: TODAY)


@pytest.fixture
def alpha():
    tenant = create_tenant("alpha")
    bodies = make_bodies(tenant)
    with tenant_scope(tenant):
        adolescents = plan.create_priority(title="Safeguarding adolescents", starts_year=2025, ends_year=2027)
        plan.add_plan_action(adolescents, title="Train youth workers", owner_body_id=bodies["learning"],
                             lead="Training Manager", due_on=date(2026, 9, 1), rag="green")
        plan.add_plan_action(adolescents, title="Map exploitation", owner_body_id=bodies["forum"],
                             lead="Head of Safeguarding", due_on=date(2026, 4, 30), rag="amber",
                             progress="Police data awaited")
        plan.create_priority(title="Voice of the child", kind="thread", starts_year=2025, ends_year=2027)
        plan.create_priority(title="Recovery from Covid-19", starts_year=2021, ends_year=2022)
    db.session.commit()
    return tenant


def test_priorities_come_with_their_plan_actions(client, alpha):
    token = token_for(alpha, "manager@alpha.example", "business_manager")
    response = client.get(URL, headers=bearer(token))
    assert response.status_code == 200
    body = response.get_json()
    assert [p["title"] for p in body] == ["Safeguarding adolescents", "Voice of the child", "Recovery from Covid-19"]
    adolescents = body[0]
    assert (adolescents["kind"], adolescents["starts_year"], adolescents["ends_year"]) == ("priority", 2025, 2027)
    assert adolescents["key"] == "safeguarding-adolescents"
    first, second = adolescents["actions"]  # soonest due first
    assert first == {
        "id": first["id"], "title": "Map exploitation", "owner_body": "forum", "lead": "Head of Safeguarding",
        "due_on": "2026-04-30", "rag": "amber", "overdue": True, "progress": "Police data awaited",
        "updated_at": first["updated_at"],
    }
    assert (second["owner_body"], second["rag"], second["due_on"], second["overdue"]) == (
        "learning", "green", "2026-09-01", False)
    assert body[1]["kind"] == "thread" and body[1]["actions"] == []


def test_current_only_and_a_validated_query(client, alpha):
    token = token_for(alpha, "manager@alpha.example", "business_manager")
    current = client.get(f"{URL}?current=true", headers=bearer(token)).get_json()
    assert [p["title"] for p in current] == ["Safeguarding adolescents", "Voice of the child"]
    everything = client.get(f"{URL}?current=false", headers=bearer(token)).get_json()
    assert len(everything) == 3
    bad = client.get(f"{URL}?current=sometimes", headers=bearer(token))
    assert bad.status_code == 422 and bad.is_json
    assert "current" in str(bad.get_json()["errors"])


def test_who_may_read_it(client, alpha):
    for role in ("practitioner", "independent_scrutineer", "agency_safeguarding_lead", "tenant_admin"):
        token = token_for(alpha, f"{role}@alpha.example", roles=(role,))
        assert client.get(URL, headers=bearer(token)).status_code == 200, role
    with tenant_scope(alpha):
        role = Role(key="dashboard_only", name="Dashboard only", is_default=False)
        role.grants = [RolePermission(permission="core.partnership.view")]
        db.session.add(role)
    db.session.commit()
    token = token_for(alpha, "limited@alpha.example", roles=("dashboard_only",))
    assert client.get(URL, headers=bearer(token)).status_code == 403
    no_token = client.get(URL)
    assert no_token.status_code == 401 and no_token.is_json


def test_another_partnership_sees_nothing(client, alpha):
    beta = create_tenant("beta")
    beta_token = token_for(beta, "manager@beta.example", "business_manager")
    assert client.get(URL, headers=bearer(beta_token)).status_code == 404
    assert client.get("/api/v1/beta/structure/priorities", headers=bearer(beta_token)).get_json() == []


def test_the_answer_costs_the_same_number_of_queries_whatever_the_size(client, alpha):
    token = token_for(alpha, "manager@alpha.example", "business_manager")

    def count() -> int:
        client.get(URL, headers=bearer(token))
        with count_queries() as queries:
            assert client.get(URL, headers=bearer(token)).status_code == 200
        return queries.n

    few = count()
    with tenant_scope(alpha):
        forum_id = db.session.scalar(select(Body.id).where(Body.key == "forum"))
        for i in range(20):
            priority = plan.create_priority(title=f"Priority {i}", starts_year=2026, ends_year=2026)
            for j in range(5):
                plan.add_plan_action(priority, title=f"Action {i}.{j}", owner_body_id=forum_id, lead="Lead",
                                     due_on=TODAY)
    db.session.commit()
    assert count() == few
