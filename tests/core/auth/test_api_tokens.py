"""Bearer tokens: hashed at rest, shown once, one partnership only, revocable."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.auth.access import hash_token
from core.auth.models import ApiToken
from core.db import db
from core.tenancy.isolation import unscoped
from tests.helpers import bearer, create_tenant, form_post, login, make_user


def test_a_token_is_shown_once_stored_hashed_and_revocable(client):
    alpha = create_tenant("alpha")
    make_user("admin@alpha.example", alpha)
    login(client, "admin@alpha.example")
    created = form_post(client, "/alpha/admin/tokens/", {"name": "Annual report build"})
    assert created.status_code == 201
    token = re.search(r'data-testid="new-token">([^<]+)<', created.get_data(as_text=True)).group(1)
    assert token not in client.get("/alpha/admin/tokens/").get_data(as_text=True)

    with unscoped():
        row = db.session.scalars(select(ApiToken)).one()
    assert row.token_hash == hash_token(token) and token not in (row.token_hash, row.prefix)

    members = client.get("/api/v1/alpha/members", headers=bearer(token))
    assert members.status_code == 200
    assert [m["email"] for m in members.get_json()] == ["admin@alpha.example"]

    form_post(client, f"/alpha/admin/tokens/{row.id}/revoke")
    assert client.get("/api/v1/alpha/members", headers=bearer(token)).status_code == 401
    assert "Revoked" in client.get("/alpha/admin/tokens/").get_data(as_text=True)


def test_a_token_works_for_its_own_partnership_only(app, client):
    alpha, beta = create_tenant("alpha"), create_tenant("beta")
    make_user("admin@alpha.example", alpha)
    make_user("admin@beta.example", beta)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tokens", "create", "--email", "admin@alpha.example", "--tenant", "alpha"])
    token = result.output.strip()
    assert result.exit_code == 0 and token.startswith("lscp_")
    assert client.get("/api/v1/alpha/config", headers=bearer(token)).status_code == 200
    assert client.get("/api/v1/beta/config", headers=bearer(token)).status_code == 404
    assert client.get("/api/v1/alpha/config", headers=bearer("lscp_made-up")).status_code == 401
    assert client.get("/api/v1/alpha/config").status_code == 401
    refused = runner.invoke(args=["tokens", "create", "--email", "admin@alpha.example", "--tenant", "beta"])
    assert refused.exit_code == 1 and "not a member of beta" in refused.output


def test_a_session_cookie_does_not_authorise_the_api(client):
    alpha = create_tenant("alpha")
    make_user("admin@alpha.example", alpha)
    login(client, "admin@alpha.example")
    assert client.get("/api/v1/alpha/config").status_code == 401
