"""Pages: the start page, errors, assets served by the app, and a content security policy."""

from __future__ import annotations

import re

from flask import Blueprint

from core.auth.access import public
from tests.conftest import make_app
from tests.helpers import create_tenant, login, make_user


def test_start_page_lists_the_partnerships_without_signing_in(client):
    create_tenant("alpha", las=("north", "south"))
    create_tenant("beta", las=("east",))
    page = client.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Alpha Safeguarding Children Partnership" in html and "North Borough Council, South Borough Council" in html
    assert "Beta Safeguarding Children Partnership" in html and "Sign in" in html
    # Each partnership's name leads to what it publishes, which anyone may read.
    for slug in ("alpha", "beta"):
        assert f'href="/{slug}/arrangements/"' in html
        assert client.get(f"/{slug}/arrangements/").status_code == 200


def test_start_page_links_a_member_to_their_partnerships_only(client):
    alpha, _beta = create_tenant("alpha"), create_tenant("beta")
    make_user("admin@alpha.example", alpha)
    login(client, "admin@alpha.example")
    html = client.get("/").get_data(as_text=True)
    assert 'href="/alpha/"' in html and 'href="/beta/"' not in html


def test_unknown_partnership_gives_the_not_found_page(client):
    page = client.get("/no-such-partnership/")
    assert page.status_code == 404 and "Page not found" in page.get_data(as_text=True)
    assert client.get("/no-such-partnership/admin/members/").status_code == 404


def test_every_page_carries_a_strict_content_security_policy(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "'unsafe-inline'" not in policy
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert f'nonce="{nonce}"' in response.get_data(as_text=True)
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_load_nothing_from_elsewhere_and_the_assets_are_served(client):
    alpha = create_tenant("alpha")
    make_user("admin@alpha.example", alpha)
    login(client, "admin@alpha.example")
    for url in ("/", "/alpha/", "/alpha/partnership", "/alpha/admin/members/", "/login", "/account"):
        html = client.get(url).get_data(as_text=True)
        for attribute in re.findall(r'(?:src|href)="([^"]+)"', html):
            assert not re.match(r"^(https?:)?//", attribute), f"{url} loads {attribute}"
        for asset in re.findall(r'(?:src|href)="(/assets/[^"]+)"', html):
            assert client.get(asset).status_code == 200, asset
    css = client.get("/assets/app.css")
    assert css.mimetype == "text/css" and b"govuk-" in css.data and b"GDS Transport" not in css.data
    assert client.get("/assets/govuk/govuk-frontend.min.js").status_code == 200
    assert client.get("/assets/../config/settings.py").status_code == 404


def test_an_unexpected_error_shows_a_page_and_no_details(app, tmp_path):
    broken = make_app(tmp_path, DATABASE_URL=app.config["DATABASE_URL"], TESTING=False)
    bp = Blueprint("boom", __name__)

    @bp.route("/boom")
    @public
    def boom():
        raise RuntimeError("secret internals")

    broken.register_blueprint(bp)
    response = broken.test_client().get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in html and "secret internals" not in html
    broken.extensions["lscp.engine"].dispose()


def test_health_check(client):
    assert client.get("/health").get_json() == {"status": "ok"}


def test_absurd_input_in_addresses_and_forms_gets_a_4xx_not_an_error(client):
    from tests.helpers import form_post

    alpha = create_tenant("alpha")
    make_user("admin@alpha.example", alpha)
    login(client, "admin@alpha.example")
    huge = "9" * 30
    for url in (f"/alpha/admin/members/?page={huge}", f"/alpha/admin/audit/?page=-{huge}",
                "/alpha/admin/members/?page=abc", f"/alpha/admin/members/?q={'%' * 500}"):
        assert client.get(url).status_code == 200, url
    for url in (f"/alpha/admin/members/{huge}", "/alpha/admin/members/0", f"/alpha/admin/roles/{2**31}"):
        assert client.get(url).status_code == 404, url
    response = form_post(client, "/alpha/admin/members/invite", {
        "name": "X" * 5000, "email": "x@example.org", "roles": huge, "agency_id": "-1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert html.count("Choose from the list") >= 2 and "Enter a name of 200 characters or fewer" in html


def test_nul_characters_and_oversized_requests_are_refused_with_a_reason(client, app):
    from tests.helpers import bearer, form_post

    alpha = create_tenant("alpha")
    make_user("admin@alpha.example", alpha)
    login(client, "admin@alpha.example")
    page = form_post(client, "/alpha/admin/members/invite", {"name": "Nul\x00l", "email": "n@example.org"})
    assert page.status_code == 400 and "Text cannot contain the NUL character" in page.get_data(as_text=True)
    assert client.get("/alpha/admin/members/?q=a%00b").status_code == 400

    from core.auth.services import create_api_token, user_by_email
    from core.db import db
    from core.tenancy.isolation import tenant_scope

    with tenant_scope(alpha):
        _t, token = create_api_token(user_by_email("admin@alpha.example"), "t")
    db.session.commit()
    api = client.put("/api/v1/alpha/modules/noticeboard", json={"settings": {"heading": "a\x00b"}}, headers=bearer(token))
    assert api.status_code == 400 and "NUL" in api.get_json()["message"]

    huge = client.post("/alpha/admin/members/invite", data=b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1),
                       content_type="application/x-www-form-urlencoded")
    assert huge.status_code == 413
