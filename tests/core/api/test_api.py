"""The JSON API: its OpenAPI document, the core endpoints, and errors that name the field and the reason."""

from __future__ import annotations

import pytest

from core.db import db
from core.plugins.services import enable_module
from core.tenancy.documents import TenantDocument
from tests.helpers import bearer, create_tenant, make_user, token_for


@pytest.fixture
def alpha():
    return create_tenant("alpha")


def test_openapi_document_describes_every_endpoint_with_its_tenant(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["info"]["title"] == "Safeguarding partnership platform API"
    paths = spec["paths"]
    for path in ("/api/v1/{tenant_slug}/config", "/api/v1/{tenant_slug}/modules",
                 "/api/v1/{tenant_slug}/modules/{name}", "/api/v1/{tenant_slug}/members",
                 "/api/v1/{tenant_slug}/noticeboard/notices"):
        assert path in paths, path
    assert set(paths["/api/v1/{tenant_slug}/modules/{name}"]) >= {"get", "put", "delete", "parameters"}
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}


def test_browsable_docs_use_only_the_platforms_own_assets(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert 'src="/assets/swagger-ui/swagger-ui-bundle.js"' in page and 'data-spec-url="/api/v1/openapi.json"' in page
    assert "http://" not in page and "https://" not in page
    assert client.get("/assets/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_config_is_the_tenant_document(client, alpha):
    token = token_for(alpha, "admin@alpha.example")
    enable_module(alpha, "noticeboard", {"heading": "News"})
    db.session.commit()
    config = client.get("/api/v1/alpha/config", headers=bearer(token)).get_json()
    assert config["tenant"]["slug"] == "alpha"
    assert [la["key"] for la in config["local_authorities"]] == ["north", "south"]
    assert config["modules"] == {"noticeboard": {"enabled": True, "settings": {"heading": "News", "max_notices": 5}}}
    TenantDocument().load(config)  # what the API gives is a document the importer accepts


def test_members_are_listed_a_page_at_a_time(client, alpha):
    token = token_for(alpha, "admin@alpha.example")
    for n in range(12):
        make_user(f"p{n:02d}@alpha.example", alpha, roles=("practitioner",), la_keys=("north",))
    response = client.get("/api/v1/alpha/members?page=2&page_size=5", headers=bearer(token))
    assert response.status_code == 200
    assert [m["email"] for m in response.get_json()] == [f"p{n:02d}@alpha.example" for n in range(4, 9)]
    assert response.get_json()[0]["roles"] == ["practitioner"]
    assert response.get_json()[0]["local_authorities"] == ["north"]
    assert '"total": 13' in response.headers["X-Pagination"]
    invited = client.get("/api/v1/alpha/members?status=invited", headers=bearer(token)).get_json()
    assert invited == []


def test_errors_are_json_naming_the_field_and_the_reason(client, alpha):
    token = token_for(alpha, "admin@alpha.example")
    enable_module(alpha, "noticeboard")
    db.session.commit()
    bad = client.post("/api/v1/alpha/noticeboard/notices", json={"title": "", "posted_on": "31/12/2026"},
                      headers=bearer(token))
    assert bad.status_code == 422
    assert bad.get_json()["errors"]["json"] == {"title": ["Length must be between 1 and 200."],
                                                "posted_on": ["Not a valid date."]}
    not_json = client.post("/api/v1/alpha/noticeboard/notices", data="title=x", headers=bearer(token),
                           content_type="application/x-www-form-urlencoded")
    assert not_json.status_code == 422 and not_json.is_json
    page_size = client.get("/api/v1/alpha/members?page_size=100000", headers=bearer(token))
    assert page_size.status_code == 422 and "page_size" in page_size.get_json()["errors"]["query"]
    unknown = client.get("/api/v1/nowhere/config", headers=bearer(token))
    assert unknown.status_code == 404 and unknown.get_json()["status"] == "Not Found"
    missing = client.get("/api/v1/alpha/noticeboard/notices/999", headers=bearer(token))
    assert missing.status_code == 404 and missing.is_json


def test_api_permissions_follow_roles(client, alpha):
    token = token_for(alpha, "worker@alpha.example", roles=("practitioner",))
    forbidden = client.get("/api/v1/alpha/config", headers=bearer(token))
    assert forbidden.status_code == 403 and forbidden.is_json
    assert client.put("/api/v1/alpha/modules/noticeboard", json={}, headers=bearer(token)).status_code == 403
