"""CSRF on every form, deny-by-default access, what each default role meets, and the session cookie."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.views import MethodView
from lscp_noticeboard import plugin as noticeboard_plugin
from sqlalchemy import select

from config.settings import DEV_SECRET_PREFIX, ConfigurationError, load_settings
from core.app import create_app
from core.auth.access import MEMBER, access_rule, public, requires, undeclared_endpoints
from core.auth.models import LoginAttempt, Membership, Role, User
from core.auth.roles import LOCKED
from core.auth.services import (
    MembershipChoice,
    accept_invitation,
    create_api_token,
    invitation_token,
    invite_member,
    password_reset_token,
    set_membership_status,
)
from core.core_plugin import GRANTS
from core.db import Base, db
from core.plugins.services import enable_module
from core.tenancy.context import TENANT_ARG
from core.tenancy.isolation import tenant_scope, unscoped
from core.web.tenant import ADMIN_AREAS
from tests.conftest import make_app
from tests.helpers import PASSWORD, bearer, create_tenant, csrf_token, form_post, login, make_user
from tests.security.test_isolation_walk import FORM_PAYLOAD, UnknownArgument, populate, value_for

UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
CSRF_PAGE = "Your form expired"  # the title core/web/errors.py gives a CSRFError


def database_snapshot() -> dict[str, list[str]]:
    """Every row of every table."""
    db.session.commit()  # end this session's transaction, to see what the requests committed since
    with unscoped():
        return {
            table.name: [repr(tuple(row)) for row in
                         db.session.execute(select(table).order_by(*table.primary_key.columns))]
            for table in Base.metadata.sorted_tables
        }


def role_id(tenant, key: str) -> int:
    with tenant_scope(tenant):
        return db.session.scalars(select(Role.id).where(Role.key == key)).one()


def membership_of(tenant, user) -> Membership:
    return db.session.scalars(select(Membership).where(Membership.user_id == user.id)).one()


# -- CSRF -----------------------------------------------------------------------------------------------


def test_every_form_refuses_a_post_without_a_valid_csrf_token(app, client):
    tenant = create_tenant("alpha")
    enable_module(tenant, "noticeboard", {})
    db.session.commit()
    admin = make_user("admin@alpha.example", tenant)
    member = make_user("member@alpha.example", tenant, roles=("practitioner",))
    invitee = make_user("invitee@elsewhere.example")
    root = make_user("root@platform.example", platform_admin=True)
    populate(tenant, "alpha", admin)
    with tenant_scope(tenant):
        invitation = invite_member(tenant, invitee.email, "Invitee", MembershipChoice(
            role_ids=[role_id(tenant, "practitioner")]), invited_by=admin)
        # Arguments outside a tenant, by endpoint: real links, so that only the CSRF check can stop the post.
        per_endpoint = {
            "auth.password_reset": {"token": password_reset_token(member)},
            "auth.accept": {"token": invitation_token(invitation)},
        }
    db.session.commit()
    # What a forged form would carry: enough to sign in, change a password, suspend, rename, invite...
    payload = {**FORM_PAYLOAD, "email": root.email, "password": PASSWORD, "confirm": PASSWORD,
               "current_password": PASSWORD, "roles": str(role_id(tenant, "practitioner")),
               "status": "suspended"}

    login(client, root.email)
    other = app.test_client()
    attacker_token = csrf_token(other)  # a valid token, of another session
    csrf_token(client)  # the victim's session holds a token of its own
    problems, unknown, count = [], [], 0
    before = database_snapshot()
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        methods = [m for m in UNSAFE_METHODS if m in (rule.methods or ())]
        if not methods or rule.rule.startswith("/api/"):
            continue
        values = {}
        try:
            for argument in sorted(rule.arguments):
                if argument == TENANT_ARG:
                    values[argument] = tenant.slug
                elif argument in per_endpoint.get(rule.endpoint, {}):
                    values[argument] = per_endpoint[rule.endpoint][argument]
                else:
                    values[argument] = value_for(argument, tenant)[0]
        except UnknownArgument as exc:
            unknown.append(f"{rule.rule} ({rule.endpoint}): {exc}")
            continue
        url = rule.build(values, append_unknown=False)[1]
        for method in methods:
            for what, token in (("no token", None), ("a made-up token", "forged"),
                                ("another session's token", attacker_token)):
                count += 1
                data = dict(payload) if token is None else {**payload, "csrf_token": token}
                response = client.open(url, method=method, data=data)
                if response.status_code != 400 or CSRF_PAGE not in response.get_data(as_text=True):
                    problems.append(f"{method} {url} with {what}: expected the CSRF 400, got {response.status_code}")
                after = database_snapshot()
                if after != before:
                    changed = sorted(name for name in after if after[name] != before.get(name))
                    problems.append(f"{method} {url} with {what}: changed {changed}")
                    before = after
    print(f"CSRF walk: {count} forged posts")
    assert not unknown, "routes with arguments the CSRF walk cannot fill:\n" + "\n".join(unknown)
    assert count, "no form found"
    assert not problems, "\n".join(problems)
    # Nothing happened to the session either: the forged /logout did not sign the admin out.
    assert client.get(f"/{tenant.slug}/admin/").status_code == 200


def test_login_form_refuses_a_post_without_a_token(app, client):
    make_user("someone@example.org")
    csrf_token(client)  # the session has a token; the forged form does not carry it
    response = client.post("/login", data={"email": "someone@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert CSRF_PAGE in response.get_data(as_text=True)
    assert db.session.scalar(select(LoginAttempt.id)) is None  # the password was not even tried
    assert urlsplit(client.get("/account").location).path == "/login"  # not signed in
    assert login(client, "someone@example.org").status_code == 302  # with the token it works


def test_api_needs_no_csrf_token_and_ignores_the_session_cookie(app, client):
    tenant = create_tenant("alpha")
    admin = make_user("admin@alpha.example", tenant)
    with tenant_scope(tenant):
        _token, plain = create_api_token(admin, "integration")
    db.session.commit()
    url = f"/api/v1/{tenant.slug}/modules/noticeboard"

    response = client.put(url, json={"settings": {"heading": "Via the API"}}, headers=bearer(plain))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["enabled"] is True
    assert response.get_json()["settings"]["heading"] == "Via the API"

    # What makes skipping CSRF safe: a browser's session cookie does not authorise the API.
    login(client, admin.email)
    response = client.put(url, json={"settings": {"heading": "Forged"}})
    assert response.status_code == 401 and response.is_json
    assert client.get(url, headers=bearer(plain)).get_json()["settings"]["heading"] == "Via the API"


# -- roles ----------------------------------------------------------------------------------------------

ROLE_KEYS = ("tenant_admin", "business_manager", "independent_scrutineer", "practitioner",
             "agency_safeguarding_lead")
OK = {200, 201, 302}

# What a member with only one default role meets. `permission` is what decides it (core/core_plugin.py
# GRANTS plus the noticeboard's default grants); test_expectations_follow_the_grants checks the table against
# them, so a change of GRANTS shows here.
EXPECTATIONS = [
    # method, path,                                  permission,                  TA   BM   IS   PR   ASL
    ("GET", "/{t}/",                                  MEMBER,                      (200, 200, 200, 200, 200)),
    ("GET", "/{t}/partnership",                       "core.partnership.view",     (200, 200, 200, 200, 200)),
    ("GET", "/{t}/admin/",                            None,                        (200, 200, 200, 403, 200)),
    ("GET", "/{t}/admin/members/",                    "core.members.view",         (200, 200, 200, 403, 200)),
    ("GET", "/{t}/admin/members/{member}",            "core.members.view",         (200, 200, 200, 403, 200)),
    ("POST", "/{t}/admin/members/{member}",           "core.members.manage",       (302, 302, 403, 403, 403)),
    ("GET", "/{t}/admin/members/invite",              "core.members.manage",       (200, 200, 403, 403, 403)),
    ("POST", "/{t}/admin/members/invite",             "core.members.manage",       (302, 302, 403, 403, 403)),
    ("POST", "/{t}/admin/members/{member}/status",    "core.members.manage",       (302, 302, 403, 403, 403)),
    ("GET", "/{t}/admin/roles/",                      "core.roles.manage",         (200, 403, 403, 403, 403)),
    ("GET", "/{t}/admin/roles/{role}",                "core.roles.manage",         (200, 403, 403, 403, 403)),
    ("POST", "/{t}/admin/roles/new",                  "core.roles.manage",         (302, 403, 403, 403, 403)),
    ("GET", "/{t}/admin/modules/",                    "core.modules.manage",       (200, 403, 403, 403, 403)),
    ("GET", "/{t}/admin/modules/noticeboard",         "core.modules.manage",       (200, 403, 403, 403, 403)),
    ("GET", "/{t}/admin/audit/",                      "core.audit.view",           (200, 200, 200, 403, 403)),
    ("GET", "/{t}/admin/outbox/",                     "core.outbox.view",          (200, 200, 403, 403, 403)),
    ("GET", "/{t}/admin/tokens/",                     "core.tokens.manage",        (200, 403, 403, 403, 403)),
    ("POST", "/{t}/admin/tokens/",                    "core.tokens.manage",        (201, 403, 403, 403, 403)),
    ("GET", "/{t}/noticeboard/",                      "noticeboard.notices.read",  (200, 200, 403, 200, 403)),
    ("GET", "/{t}/noticeboard/{notice}",              "noticeboard.notices.read",  (200, 200, 403, 200, 403)),
    ("POST", "/{t}/noticeboard/new",                  "noticeboard.notices.write", (302, 302, 403, 403, 403)),
    ("GET", "/api/v1/{t}/config",                     "core.config.view",          (200, 200, 200, 403, 403)),
    ("GET", "/api/v1/{t}/members",                    "core.members.view",         (200, 200, 200, 403, 200)),
    ("GET", "/api/v1/{t}/modules",                    "core.config.view",          (200, 200, 200, 403, 403)),
    ("PUT", "/api/v1/{t}/modules/noticeboard",        "core.modules.manage",       (200, 403, 403, 403, 403)),
    ("GET", "/api/v1/{t}/noticeboard/notices",        "noticeboard.notices.read",  (200, 200, 403, 200, 403)),
    ("POST", "/api/v1/{t}/noticeboard/notices",       "noticeboard.notices.write", (201, 201, 403, 403, 403)),
]
# Where the endpoint's declared rule is not the table's permission, and why.
CHECKED_IN_VIEW = {
    ("GET", "admin.index"): "any member; 403 unless one of the admin areas is open to them",
    ("POST", "members.edit"): "declared core.members.view; saving needs core.members.manage",
}


def granted(role: str) -> set[str]:
    return set(GRANTS[role]) | set(noticeboard_plugin.lscp_default_grants().get(role, []))


def test_expectations_follow_the_grants(app):
    adapter = app.url_map.bind("platform.test")
    problems = []
    for method, path, permission, statuses in EXPECTATIONS:
        endpoint, _args = adapter.match(path.format(t="alpha", member=1, role=1, notice=1), method=method)
        declared = access_rule(app.view_functions[endpoint], method)
        if (method, endpoint) in CHECKED_IN_VIEW:
            assert declared in (MEMBER, "core.members.view"), (method, path, declared)
        elif declared != permission:
            problems.append(f"{method} {path}: the table says {permission}, the view declares {declared}")
        for role, status in zip(ROLE_KEYS, statuses, strict=True):
            if permission == MEMBER:  # the dashboard: every member's home
                allowed = True
            elif permission is None:  # the administration front page
                allowed = any(area[2] in granted(role) for area in ADMIN_AREAS)
            else:
                allowed = permission in granted(role)
            if allowed != (status in OK):
                problems.append(f"{method} {path} for {role}: the table says {status}, GRANTS say "
                                f"{'allowed' if allowed else 'forbidden'}")
    assert not problems, "\n".join(problems)


def _request(client, method: str, url: str, role: str, token: str, tenant):
    practitioner = str(role_id(tenant, "practitioner"))
    forms = {
        "/admin/members/invite": {"email": f"new.{role}@alpha.example", "name": f"New {role}", "roles": practitioner},
        "/status": {"status": "active"},
        "/admin/roles/new": {"name": f"Custom {role}", "permissions": "core.partnership.view"},
        "/admin/tokens/": {"name": f"token of {role}"},
        "/noticeboard/new": {"title": f"Posted by {role}"},
    }
    if url.startswith("/api/"):
        body = {"settings": {}} if "/modules/" in url else {"title": f"Posted by {role}"}
        return client.open(url, method=method, headers=bearer(token), json=body if method != "GET" else None)
    if method == "GET":
        return client.get(url)
    data = next((form for suffix, form in forms.items() if url.endswith(suffix)),
                {"roles": practitioner, "job_title": f"Changed by {role}"})  # the member edit form
    return form_post(client, url, data)


def test_each_default_role_meets_what_its_grants_say(app):
    tenant = create_tenant("alpha")
    enable_module(tenant, "noticeboard", {})
    db.session.commit()
    admin = make_user("admin@alpha.example", tenant)
    target = make_user("target@alpha.example", tenant, roles=("practitioner",))
    populate(tenant, "alpha", admin)
    db.session.commit()
    with tenant_scope(tenant):
        ids = {"member": membership_of(tenant, target).id, "role": role_id(tenant, "practitioner"),
               "notice": value_for("notice_id", tenant)[0]}
    problems, count = [], 0
    for index, role in enumerate(ROLE_KEYS):
        user = make_user(f"{role.replace('_', '.')}@alpha.example", tenant, roles=(role,))
        with tenant_scope(tenant):
            _token, token = create_api_token(user, f"{role} token")
        db.session.commit()
        client = app.test_client()
        login(client, user.email)
        for method, path, _permission, statuses in EXPECTATIONS:
            url = path.format(t=tenant.slug, **ids)
            response = _request(client, method, url, role, token, tenant)
            count += 1
            if response.status_code != statuses[index]:
                problems.append(f"{role}: {method} {url} expected {statuses[index]}, got {response.status_code}")
    print(f"roles: {count} requests")
    assert not problems, "\n".join(problems)


def test_suspended_member_sees_nothing_of_the_partnership(app, client):
    tenant = create_tenant("alpha")
    enable_module(tenant, "noticeboard", {})
    db.session.commit()
    admin = make_user("admin@alpha.example", tenant)
    user = make_user("member@alpha.example", tenant, roles=("practitioner",))
    with tenant_scope(tenant):
        _token, token = create_api_token(user, "member token")
    db.session.commit()
    login(client, user.email)
    pages = ["/alpha/", "/alpha/partnership", "/alpha/noticeboard/"]
    assert [client.get(p).status_code for p in pages] == [200, 200, 200]
    assert client.get("/api/v1/alpha/noticeboard/notices", headers=bearer(token)).status_code == 200

    with tenant_scope(tenant):
        set_membership_status(membership_of(tenant, user), "suspended", actor=admin)
    db.session.commit()
    # At once, in the session they already have.
    assert [client.get(p).status_code for p in [*pages, "/alpha/admin/"]] == [404, 404, 404, 404]
    assert client.get("/api/v1/alpha/noticeboard/notices", headers=bearer(token)).status_code == 404


def test_invited_member_sees_nothing_until_they_accept(app, client):
    tenant = create_tenant("alpha")
    admin = make_user("admin@alpha.example", tenant)
    invitee = make_user("invitee@elsewhere.example")  # has an account already, so can sign in
    with tenant_scope(tenant):
        membership_id = invite_member(tenant, invitee.email, "Invitee",
                                      MembershipChoice(role_ids=[role_id(tenant, "practitioner")]),
                                      invited_by=admin).id
    db.session.commit()
    login(client, invitee.email)
    assert client.get("/alpha/").status_code == 404
    assert client.get("/alpha/partnership").status_code == 404

    with tenant_scope(tenant):
        accept_invitation(db.session.get(Membership, membership_id), None)
    db.session.commit()
    assert client.get("/alpha/").status_code == 200  # the 404 was the invitation's, not something else


@dataclass
class RoleState:
    id: int
    name: str
    description: str
    permission_names: set[str]


def _role(tenant, key: str) -> RoleState:
    db.session.commit()  # see what the requests committed
    with tenant_scope(tenant):
        role = db.session.scalars(select(Role).where(Role.key == key)).one()
        return RoleState(role.id, role.name, role.description, role.permission_names)


def test_taking_a_permission_from_a_role_takes_effect_at_once(app):
    tenant = create_tenant("alpha")
    enable_module(tenant, "noticeboard", {})
    db.session.commit()
    make_user("admin@alpha.example", tenant)
    make_user("member@alpha.example", tenant, roles=("practitioner",))
    admin, member = app.test_client(), app.test_client()
    login(admin, "admin@alpha.example")
    login(member, "member@alpha.example")
    assert member.get("/alpha/noticeboard/").status_code == 200

    role = _role(tenant, "practitioner")
    assert "noticeboard.notices.read" in role.permission_names
    kept = sorted(role.permission_names - {"noticeboard.notices.read"})
    response = form_post(admin, f"/alpha/admin/roles/{role.id}",
                         {"name": role.name, "description": role.description, "permissions": kept})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert _role(tenant, "practitioner").permission_names == set(kept)
    assert member.get("/alpha/noticeboard/").status_code == 403
    assert member.get("/alpha/").status_code == 200  # the rest of the role stays


def test_tenant_admin_role_keeps_its_locked_permissions(app, client):
    tenant = create_tenant("alpha")
    make_user("admin@alpha.example", tenant)
    login(client, "admin@alpha.example")
    role = _role(tenant, "tenant_admin")
    locked = LOCKED["tenant_admin"]
    assert "core.roles.manage" in locked and locked <= role.permission_names
    wanted = sorted(role.permission_names - locked - {"core.outbox.view"})
    response = form_post(client, f"/alpha/admin/roles/{role.id}",
                         {"name": role.name, "description": role.description, "permissions": wanted})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    after = _role(tenant, "tenant_admin").permission_names
    assert locked <= after  # kept, though the form left them out
    assert "core.outbox.view" not in after  # while the rest of the change was made
    assert client.get("/alpha/admin/roles/").status_code == 200
    assert client.get("/alpha/admin/outbox/").status_code == 403




def test_business_manager_cannot_make_themselves_tenant_admin(app, client):
    tenant = create_tenant("alpha")
    make_user("admin@alpha.example", tenant)
    manager = make_user("manager@alpha.example", tenant, roles=("business_manager",))
    with tenant_scope(tenant):
        own = membership_of(tenant, manager).id
    login(client, manager.email)
    assert client.get("/alpha/admin/roles/").status_code == 403

    response = form_post(client, f"/alpha/admin/members/{own}", {"roles": str(role_id(tenant, "tenant_admin"))})
    db.session.commit()
    with tenant_scope(tenant):
        roles = {r.key for r in membership_of(tenant, manager).roles}
    assert roles == {"business_manager"}, f"answered {response.status_code}; the manager now has {roles}"
    assert client.get("/alpha/admin/roles/").status_code == 403


def test_business_manager_cannot_invite_a_tenant_admin(app, client):
    tenant = create_tenant("alpha")
    make_user("admin@alpha.example", tenant)
    make_user("manager@alpha.example", tenant, roles=("business_manager",))
    login(client, "manager@alpha.example")
    response = form_post(client, "/alpha/admin/members/invite", {
        "email": "accomplice@elsewhere.example", "name": "Accomplice",
        "roles": str(role_id(tenant, "tenant_admin")),
    })
    db.session.commit()
    with tenant_scope(tenant):
        invited = db.session.scalars(select(Membership).join(Membership.user).where(
            User.email == "accomplice@elsewhere.example")).first()
        roles = {r.key for r in invited.roles} if invited else set()
    assert "tenant_admin" not in roles, f"answered {response.status_code}; invited as {roles}"


# -- deny by default ------------------------------------------------------------------------------------


def test_every_endpoint_of_the_app_declares_its_access(app):
    assert undeclared_endpoints(app) == []


def test_an_endpoint_without_an_access_rule_is_reported():
    bare = Flask(__name__)
    bare.add_url_rule("/declared", "declared", public(lambda: "ok"))
    bare.add_url_rule("/forgotten", "forgotten", lambda: "oops", methods=["GET", "POST"])

    class Half(MethodView):
        @requires("core.partnership.view")
        def get(self):
            return "declared"

        def delete(self):
            return "forgotten"

    bare.add_url_rule("/half", view_func=Half.as_view("half"))
    assert sorted(undeclared_endpoints(bare)) == [
        "forgotten GET /forgotten", "forgotten POST /forgotten", "half DELETE /half",
    ]


def test_app_with_an_undeclared_endpoint_refuses_to_start(tmp_path, monkeypatch):
    """A module installed through an entry point, one of whose views declares nothing."""
    (tmp_path / "careless_module.py").write_text(
        "from flask import Blueprint\n"
        "from core.auth.access import requires\n"
        "from core.plugins import hookimpl\n"
        "from core.plugins.types import ModuleInfo\n"
        "bp = Blueprint('careless', __name__)\n"
        "@bp.route('/')\n"
        "@requires('core.partnership.view')\n"
        "def index():\n    return 'fine'\n"
        "@bp.route('/oops', methods=['POST'])\n"
        "def oops():\n    return 'nobody said who may'\n"
        "@hookimpl\n"
        "def lscp_module_info():\n"
        "    return ModuleInfo(name='careless', title='Careless', description='', version='0')\n"
        "@hookimpl\n"
        "def lscp_blueprints():\n    return [bp]\n"
    )
    dist = tmp_path / "careless-0.1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: careless\nVersion: 0.1.0\n")
    (dist / "entry_points.txt").write_text("[lscp.modules]\ncareless = careless_module\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(RuntimeError, match=r"careless\.oops POST /<tenant_slug>/careless/oops"):
        make_app(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'careless.db'}")


# -- cookies and production settings --------------------------------------------------------------------


def test_session_cookie_is_httponly_and_samesite_lax(app, client):
    make_user("someone@example.org")
    response = login(client, "someone@example.org")
    name = app.config["SESSION_COOKIE_NAME"]
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{name}=")]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    attributes = {part.strip().split("=", 1)[0].lower(): part.strip().partition("=")[2]
                  for part in cookies[0].split(";")[1:]}
    assert "httponly" in attributes
    assert attributes.get("samesite") == "Lax"


def test_production_settings_secure_the_cookie_and_refuse_the_development_secret(monkeypatch):
    for variable in ("SESSION_COOKIE_SECURE", "SECRET_KEY"):
        monkeypatch.delenv(variable, raising=False)
    database = "postgresql://u@h/db"
    settings = load_settings("production", SECRET_KEY="x" * 40, DATABASE_URL=database)
    assert settings.SESSION_COOKIE_SECURE is True
    assert settings.REMEMBER_COOKIE_SECURE is True
    assert settings.SESSION_COOKIE_HTTPONLY is True and settings.SESSION_COOKIE_SAMESITE == "Lax"

    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        load_settings("production", SECRET_KEY=DEV_SECRET_PREFIX + "0" * 64, DATABASE_URL=database)
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        load_settings("production", DATABASE_URL=database)  # no SECRET_KEY set: the development default
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app("production", SECRET_KEY=DEV_SECRET_PREFIX + "0" * 64, DATABASE_URL=database)
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "0")
    with pytest.raises(ConfigurationError, match="HTTPS"):
        load_settings("production", SECRET_KEY="x" * 40, DATABASE_URL=database)
