"""Tenant isolation, checked by walking every URL rule the app has.

Two partnerships, alpha and beta, with the same kinds of data in each. Someone who administers alpha only
tries every route of beta (pages signed in, API with alpha's token), then alpha's own routes with beta's
ids in them. Each of those requests must answer 404, show nothing of beta, and leave beta's rows as they
were. The walk reads ``app.url_map``, so a module's routes are checked the day it is installed. A route
argument the walk cannot fill fails the test: whoever adds it must teach the walk (``NON_MODEL_ARGUMENTS``,
or a tenant-owned model the argument's name points to, plus a row of it in ``populate``).

The last test runs the walk on an app with a deliberately leaky view added, to show that it catches one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Blueprint, abort, redirect
from lscp_noticeboard.models import Comment, Notice
from lscp_noticeboard.services import post_notice, remind
from marshmallow import fields
from sqlalchemy import func, inspect, or_, select, text

from core.auth.access import PUBLIC, access_rule, requires
from core.auth.models import Membership, Role, RolePermission
from core.auth.services import create_api_token
from core.db import Base, db
from core.mail.models import FAILED, OutboxEmail
from core.plugins.services import enable_module, enabled_modules
from core.tenancy.context import TENANT_ARG
from core.tenancy.isolation import TenantOwned, tenant_scope, unscoped
from core.tenancy.models import Agency, LocalAuthority, Tenant
from tests.conftest import _reset_schema, make_app
from tests.helpers import (
    bearer,
    create_tenant,
    csrf_token,
    login,
    make_user,
    populate_modules,
    populate_structure,
)

WALKED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")  # HEAD and OPTIONS are answered by Flask itself
SECRET = "7f3a-beta-only"  # in every text of beta's data: no answer to alpha's admin may contain it
UNKNOWN_SLUG = "no-such-partnership"
BETA_ROUTE = "beta's route"

# A form as a hostile admin of alpha would post it: every field a page of the platform reads, filled.
FORM_PAYLOAD = {
    "title": "Written by the isolation walk", "body": "Written by the isolation walk",
    "name": "Written by the isolation walk", "description": "Written by the isolation walk",
    "email": "walk@alpha.example", "status": "suspended", "job_title": "Walker", "heading": "Walked",
    "max_notices": "3", "permissions": "core.partnership.view",
}


# -- the data ---------------------------------------------------------------------------------------------


@dataclass
class World:
    alpha: Tenant
    beta: Tenant
    a_admin_email: str
    a_token: str  # alpha's admin's API token, for alpha


def populate(tenant: Tenant, label: str, admin) -> None:
    """One row of every kind a route can name, in the tenant (the caller commits)."""
    with tenant_scope(tenant):
        first = post_notice(f"{label} notice", f"{label} notice body")
        db.session.add(Comment(notice=first, text=f"{label} comment"))
        post_notice(f"{label} second notice")
        create_api_token(admin, f"{label} token")
        role = Role(key="custom_walk", name=f"{label} role", description=f"{label} role", is_default=False)
        role.grants = [RolePermission(permission="core.partnership.view")]
        db.session.add(role)
        db.session.add(OutboxEmail(to_address=f"someone@{tenant.slug}.example", subject=f"{label} email",
                                   body_text=f"{label} email body", status=FAILED, attempts=5))
        remind(tenant=tenant, settings={}, today=date.today())
    db.session.commit()
    populate_structure(tenant, label)
    populate_modules(tenant, label)


def build_world() -> World:
    alpha, beta = create_tenant("alpha"), create_tenant("beta")
    for tenant in (alpha, beta):
        enable_module(tenant, "noticeboard", {})
    db.session.commit()
    a_admin = make_user("a.admin@alpha.example", alpha)
    b_admin = make_user("b.admin@beta.example", beta)
    make_user("b.member@beta.example", beta, roles=("practitioner",), agency_key="police", la_keys=("north",))
    populate(alpha, "alpha", a_admin)
    populate(beta, f"beta {SECRET}", b_admin)
    with tenant_scope(alpha):
        _token, a_token = create_api_token(a_admin, "walk")
    db.session.commit()
    return World(alpha=alpha, beta=beta, a_admin_email="a.admin@alpha.example", a_token=a_token)


# -- filling route arguments ------------------------------------------------------------------------------


class UnknownArgument(LookupError):
    pass


def _first_module(tenant: Tenant) -> str:
    modules = sorted(enabled_modules(tenant))
    if not modules:
        raise UnknownArgument("the tenant has no module enabled")
    return modules[0]


# Route arguments that are not the id of a tenant-owned row: what to put there, for a tenant.
NON_MODEL_ARGUMENTS = {
    "name": _first_module,  # a module's name: /admin/modules/<name>, /api/v1/<t>/modules/<name>
}


def tenant_models() -> list[type]:
    return sorted({m.class_ for m in Base.registry.mappers if issubclass(m.class_, TenantOwned)},
                  key=lambda cls: cls.__name__)


def model_for_argument(argument: str) -> type | None:
    """``membership_id`` -> Membership, ``token_id`` -> ApiToken (api_tokens), ``email_id`` -> OutboxEmail
    (outbox_emails), ``notice_id`` -> Notice: by class name first, then by the end of the table name."""
    if not argument.endswith("_id"):
        return None
    stem = argument[: -len("_id")]
    models = tenant_models()
    by_name = [m for m in models if m.__name__.lower() == stem.replace("_", "")]
    if len(by_name) == 1:
        return by_name[0]
    by_table = [m for m in models if m.__tablename__ in (f"{stem}s", f"{stem}es") or
                m.__tablename__.endswith((f"_{stem}s", f"_{stem}es"))]
    return by_table[0] if len(by_table) == 1 else None


def value_for(argument: str, tenant: Tenant) -> tuple[object, bool]:
    """A value of ``argument`` that exists in ``tenant``, and whether it is the id of one of its rows."""
    if argument in NON_MODEL_ARGUMENTS:
        return NON_MODEL_ARGUMENTS[argument](tenant), False
    model = model_for_argument(argument)
    if model is None:
        raise UnknownArgument(
            f"the walk does not know what {argument!r} names: add it to NON_MODEL_ARGUMENTS in "
            f"{__name__}, or name it after the tenant-owned model it is the id of"
        )
    key = inspect(model).primary_key[0]
    with unscoped():
        ident = db.session.scalar(select(func.max(key)).where(model.tenant_id == tenant.id))
    if ident is None:
        raise UnknownArgument(f"{argument!r} is the id of a {model.__name__}, and {tenant.slug} has none: "
                              f"add one in populate() of {__name__}")
    return ident, True


def fill(rule, tenant: Tenant) -> tuple[dict, set[str]]:
    """Values for every argument of the rule but the tenant slug, and which of them are row ids."""
    values, ids = {}, set()
    for argument in sorted(rule.arguments - {TENANT_ARG}):
        values[argument], is_id = value_for(argument, tenant)
        if is_id:
            ids.add(argument)
    return values, ids


def build_url(rule, slug: str, values: dict) -> str:
    built = rule.build({TENANT_ARG: slug, **values}, append_unknown=False)
    assert built is not None, f"cannot build {rule.rule} from {values}"
    return built[1]


def tenant_rules(app) -> list:
    return sorted((r for r in app.url_map.iter_rules() if TENANT_ARG in r.arguments), key=lambda r: r.rule)


def methods_of(rule) -> list[str]:
    return [m for m in WALKED_METHODS if m in (rule.methods or ())]


def is_api(rule) -> bool:
    return rule.rule.startswith("/api/")


def _sample(declared: fields.Field):
    if isinstance(declared, fields.Nested):
        return {}
    if isinstance(declared, fields.List):
        return []
    if isinstance(declared, fields.Dict):
        return {}
    if isinstance(declared, fields.Boolean):
        return True
    if isinstance(declared, fields.Number):
        return 1
    if isinstance(declared, fields.Date):
        return "2025-04-01"
    if isinstance(declared, fields.DateTime):
        return "2025-04-01T09:00:00+00:00"
    if isinstance(declared, fields.Email):
        return "walk@alpha.example"
    return "Written by the isolation walk"


def json_body(app, endpoint: str, method: str) -> dict | None:
    """A body the endpoint's own schema accepts (so that it is the tenant check, not validation, that
    answers); None for methods without a body."""
    if method not in ("POST", "PUT", "PATCH"):
        return None
    view = app.view_functions[endpoint]
    handler = getattr(getattr(view, "view_class", None), method.lower(), None) or view
    for parameter in getattr(handler, "_apidoc", {}).get("arguments", {}).get("parameters", []):
        if parameter.get("in") == "json":
            schema = parameter["schema"]
            schema = schema() if isinstance(schema, type) else schema
            return {(f.data_key or name): _sample(f) for name, f in schema.fields.items()
                    if f.required and not f.dump_only}
    return {}


# -- reading a tenant's rows ------------------------------------------------------------------------------


def tenant_snapshot(tenant_id: int) -> dict[str, list[str]]:
    """Every row that belongs to the tenant, table by table: its own rows (tenant_id), its tenants row,
    the users who are its members, and rows of link tables that point at its rows."""
    db.session.commit()  # end this session's transaction, to see what the requests committed since
    tables = Base.metadata.sorted_tables
    owned = {t.name for t in tables if "tenant_id" in t.c}
    memberships = Base.metadata.tables["memberships"]
    snapshot: dict[str, list[str]] = {}
    with unscoped():
        for table in tables:
            if table.name == "tenants":
                where = table.c.id == tenant_id
            elif "tenant_id" in table.c:
                where = table.c.tenant_id == tenant_id
            elif table.name == "users":
                where = table.c.id.in_(select(memberships.c.user_id).where(memberships.c.tenant_id == tenant_id))
            else:
                links = [fk for fk in table.foreign_keys if fk.column.table.name in owned]
                if not links:
                    continue
                where = or_(*(fk.parent.in_(select(fk.column).where(fk.column.table.c.tenant_id == tenant_id))
                              for fk in links))
            rows = db.session.execute(select(table).where(where).order_by(*table.primary_key.columns)).all()
            snapshot[table.name] = [repr(tuple(row)) for row in rows]
    return snapshot


def describe_changes(before: dict, after: dict) -> str:
    out = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, []), after.get(name, [])
        if old != new:
            gone = [r for r in old if r not in new]
            added = [r for r in new if r not in old]
            out.append(f"{name}: was {gone[:2]} now {added[:2]}")
    return "; ".join(out)


# -- the walk ---------------------------------------------------------------------------------------------


@dataclass
class Check:
    method: str
    url: str
    api: bool
    endpoint: str
    why: str
    body: dict | None = None

    def __str__(self) -> str:
        how = "with alpha's API token" if self.api else "signed in to alpha"
        return f"{self.method} {self.url} ({self.endpoint}; {self.why}; {how})"


@dataclass
class Plan:
    rules: list = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)  # must answer 404
    controls: list[Check] = field(default_factory=list)  # alpha's own ids: must not answer 404
    unknown: list[str] = field(default_factory=list)


def plan_walk(app, world: World) -> Plan:
    plan = Plan()
    alpha, beta = world.alpha, world.beta
    for rule in tenant_rules(app):
        try:
            b_values, b_ids = fill(rule, beta)
            a_values, _ = fill(rule, alpha)
        except UnknownArgument as exc:
            plan.unknown.append(f"{rule.rule} ({rule.endpoint}): {exc}")
            continue
        plan.rules.append(rule)
        for method in methods_of(rule):
            if access_rule(app.view_functions[rule.endpoint], method) == PUBLIC:
                continue  # public by design (published arrangements): every partnership's is open to all
            body = json_body(app, rule.endpoint, method) if is_api(rule) else None
            plan.checks.append(Check(method, build_url(rule, beta.slug, b_values), is_api(rule), rule.endpoint,
                                     BETA_ROUTE, body))
            if b_ids:
                # Alpha's own route, where alpha's admin may act, pointed at beta's rows.
                plan.checks.append(Check(method, build_url(rule, alpha.slug, b_values), is_api(rule),
                                         rule.endpoint, f"alpha's route with beta's {', '.join(sorted(b_ids))}",
                                         body))
                if method == "GET":
                    plan.controls.append(Check(method, build_url(rule, alpha.slug, a_values), is_api(rule),
                                               rule.endpoint, "control: alpha's route with alpha's ids"))
    return plan


def send(client, check: Check, token: str):
    if check.api:
        kwargs = {"headers": bearer(token)}
        if check.body is not None:
            kwargs["json"] = check.body
        return client.open(check.url, method=check.method, **kwargs)
    if check.method == "GET":
        return client.get(check.url)
    # With a valid CSRF token, so that it is the tenant check that stops the request.
    return client.open(check.url, method=check.method, data={**FORM_PAYLOAD, "csrf_token": csrf_token(client)})


@dataclass
class Report:
    failures: list[str] = field(default_factory=list)
    requests: int = 0
    summary: str = ""


def run_walk(app, client, world: World, plan: Plan) -> Report:
    report = Report()
    login(client, world.a_admin_email)
    for check in plan.controls:
        # Alpha's admin really can use these routes in alpha: the 404s below are about beta, not about
        # a session or a token that does not work.
        response = send(client, check, world.a_token)
        report.requests += 1
        if response.status_code == 404 or response.status_code >= 500:
            report.failures.append(f"{check}: control answered {response.status_code}; the walk's principal "
                                   "must be able to use alpha's routes, or its 404s prove nothing")
    beta_id = world.beta.id
    before = last = tenant_snapshot(beta_id)
    for check in plan.checks:
        report.requests += 1
        try:
            response = send(client, check, world.a_token)
        except Exception as exc:  # noqa: BLE001 - TESTING re-raises what would have been a 500
            db.session.rollback()
            report.failures.append(f"{check}: raised {type(exc).__name__}: {exc}")
        else:
            body = response.get_data(as_text=True)
            if response.status_code != 404:
                report.failures.append(f"{check}: expected 404, got {response.status_code}")
            if SECRET in body:
                report.failures.append(f"{check}: the answer shows beta's data")
            if check.api and not response.is_json:
                report.failures.append(f"{check}: an API error must be JSON, got {response.mimetype}")
        now = tenant_snapshot(beta_id)
        if now != last:
            report.failures.append(f"{check}: changed beta's rows: {describe_changes(last, now)}")
            last = now
    after = tenant_snapshot(beta_id)
    if after != before:
        report.failures.append(f"beta's rows differ after the walk: {describe_changes(before, after)}")
    pages = sum(1 for r in plan.rules if not is_api(r))
    on_beta = sum(c.why == BETA_ROUTE for c in plan.checks)
    report.summary = (
        f"isolation walk: {len(plan.rules)} tenant routes ({pages} pages, {len(plan.rules) - pages} API), "
        f"{report.requests} requests: {on_beta} on beta's routes, {len(plan.checks) - on_beta} on alpha's "
        f"routes with beta's ids, {len(plan.controls)} controls; "
        f"{sum(len(v) for v in before.values())} rows of beta compared after each request"
    )
    return report


@pytest.fixture
def world(app):
    return build_world()


def test_every_tenant_route_answers_404_to_another_tenants_admin(app, client, world):
    plan = plan_walk(app, world)
    if plan.unknown:
        pytest.fail("routes with arguments the isolation walk cannot fill (teach it, do not skip them):\n"
                    + "\n".join(plan.unknown))
    assert plan.checks, "no route takes a tenant slug: the walk checked nothing"
    report = run_walk(app, client, world, plan)
    print(report.summary)
    assert not report.failures, f"{len(report.failures)} problems:\n" + "\n".join(report.failures)


def test_anonymous_visitor_is_sent_to_sign_in_and_the_api_wants_a_token(app, client, world):
    beta = world.beta
    before = tenant_snapshot(beta.id)
    problems, count = [], 0
    for rule in tenant_rules(app):
        values, _ = fill(rule, beta)
        url = build_url(rule, beta.slug, values)
        view = app.view_functions[rule.endpoint]
        for method in methods_of(rule):
            if access_rule(view, method) == PUBLIC:
                continue
            count += 1
            if is_api(rule):
                response = client.open(url, method=method, json=json_body(app, rule.endpoint, method))
                if response.status_code != 401 or not response.is_json:
                    problems.append(f"{method} {url}: expected a JSON 401, got {response.status_code} "
                                    f"{response.mimetype}")
                continue
            if method == "GET":
                response = client.get(url)
            else:
                response = client.open(url, method=method, data={**FORM_PAYLOAD, "csrf_token": csrf_token(client)})
            target = urlsplit(response.location or "")
            if response.status_code != 302 or target.path != "/login":
                problems.append(f"{method} {url}: expected a redirect to /login, got {response.status_code} "
                                f"{response.location}")
            elif parse_qs(target.query).get("next") != [url]:
                problems.append(f"{method} {url}: the sign-in page should lead back here, got {response.location}")
    print(f"anonymous: {count} requests on beta's routes")
    assert count, "no protected tenant route found"
    assert not problems, "\n".join(problems)
    assert tenant_snapshot(beta.id) == before


def test_unknown_tenant_slug_is_not_found_for_pages_and_api(app, client, world):
    signed_in = app.test_client()
    login(signed_in, world.a_admin_email)
    problems, count = [], 0
    for rule in tenant_rules(app):
        values, _ = fill(rule, world.beta)
        url = build_url(rule, UNKNOWN_SLUG, values)
        for method in methods_of(rule):
            for who, visitor in (("anonymous", client), ("alpha's admin", signed_in)):
                count += 1
                if is_api(rule):
                    headers = bearer(world.a_token) if visitor is signed_in else {}
                    response = visitor.open(url, method=method, headers=headers,
                                            json=json_body(app, rule.endpoint, method))
                    payload = response.get_json(silent=True)
                    if response.status_code != 404 or not isinstance(payload, dict) or payload.get("code") != 404:
                        problems.append(f"{method} {url} ({who}): expected a JSON 404, got {response.status_code} "
                                        f"{response.get_data(as_text=True)[:200]!r}")
                    continue
                if method == "GET":
                    response = visitor.get(url)
                else:
                    response = visitor.open(url, method=method,
                                            data={**FORM_PAYLOAD, "csrf_token": csrf_token(visitor)})
                if response.status_code != 404:
                    problems.append(f"{method} {url} ({who}): expected 404, got {response.status_code}")
    print(f"unknown slug: {count} requests")
    assert not problems, "\n".join(problems)


def test_another_tenants_ids_in_a_form_are_refused(app, client, world):
    """Ids in a form body, not only in the URL: alpha's admin may not give an alpha member beta's role,
    agency or local authority."""
    alpha, beta = world.alpha, world.beta
    with unscoped():
        b_role, b_agency, b_la = (
            db.session.scalar(select(model.id).where(model.tenant_id == beta.id).order_by(model.id))
            for model in (Role, Agency, LocalAuthority)
        )
    with tenant_scope(alpha):
        a_role = db.session.scalar(select(Role.id).where(Role.key == "practitioner"))
        a_membership = db.session.scalar(select(func.max(Membership.id)))
    login(client, world.a_admin_email)
    before_beta, before_alpha = tenant_snapshot(beta.id), tenant_snapshot(alpha.id)
    forms = [
        ("roles", {"roles": str(b_role)}),
        ("agency_id", {"roles": str(a_role), "agency_id": str(b_agency)}),
        ("local_authority_ids", {"roles": str(a_role), "local_authority_ids": str(b_la)}),
    ]
    problems = []
    for field_name, form in forms:
        for url, extra in ((f"/{alpha.slug}/admin/members/invite", {"email": "x@alpha.example", "name": "X"}),
                           (f"/{alpha.slug}/admin/members/{a_membership}", {})):
            response = client.post(url, data={**form, **extra, "csrf_token": csrf_token(client)})
            if response.status_code != 400:
                problems.append(f"POST {url} with beta's {field_name}: expected 400, got {response.status_code}")
    assert not problems, "\n".join(problems)
    assert tenant_snapshot(beta.id) == before_beta
    assert tenant_snapshot(alpha.id) == before_alpha


# -- the walk can fail --------------------------------------------------------------------------------------


def _leaky_blueprint() -> Blueprint:
    """Views with the mistakes the walk is there to catch."""
    bp = Blueprint("leaky", __name__)

    @bp.route("/<int:notice_id>")
    @requires("noticeboard.notices.read")
    def show(notice_id):
        with unscoped():  # the mistake: a lookup not limited to the tenant of the URL (no get_or_404)
            notice = db.session.get(Notice, notice_id)
            if notice is None:
                abort(404)
            return notice.title

    @bp.route("/<int:notice_id>/rename", methods=["POST"])
    @requires("noticeboard.notices.write")
    def rename(notice_id):
        # The mistake: Core SQL, outside the ORM's tenant criteria and write guard.
        db.session.execute(text("UPDATE noticeboard_notices SET title = 'renamed' WHERE id = :id"), {"id": notice_id})
        db.session.commit()
        return redirect("/")

    @bp.route("/widgets/<int:widget_id>")
    @requires("core.partnership.view")
    def widget(widget_id):  # an argument the walk has not been taught
        return "widget"

    return bp


def test_the_walk_catches_a_view_that_crosses_tenants(tmp_path):
    # A separate app (its own SQLite file, whatever DATABASE_URL says) with the leaky views mounted where a
    # module's pages go.
    mutant = make_app(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'mutant.db'}")
    mutant.register_blueprint(_leaky_blueprint(), url_prefix=f"/<{TENANT_ARG}>/leaky")
    try:
        with mutant.app_context():
            _reset_schema(mutant)
            world = build_world()
            plan = plan_walk(mutant, world)
            assert len(plan.unknown) == 1 and "'widget_id'" in plan.unknown[0], plan.unknown
            report = run_walk(mutant, mutant.test_client(), world, plan)
            failures = "\n".join(report.failures)
            read = [f for f in report.failures if f.startswith("GET /alpha/leaky/")]
            assert any("expected 404, got 200" in f for f in read), failures
            assert any("shows beta's data" in f for f in read), failures
            assert any(f.startswith("POST /alpha/leaky/") and "changed beta's rows: noticeboard_notices" in f
                       for f in report.failures), failures
            assert any(f.startswith("beta's rows differ") for f in report.failures), failures
    finally:
        mutant.extensions["lscp.engine"].dispose()
