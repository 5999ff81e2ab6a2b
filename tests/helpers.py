"""Building blocks for tests: partnerships, people, signing in, CSRF tokens, counting queries."""

from __future__ import annotations

import re
from contextlib import contextmanager

from flask import current_app
from sqlalchemy import event, select

from core.auth.models import Role
from core.auth.services import MembershipChoice, add_member, create_user
from core.db import db
from core.tenancy.importer import import_documents, validate_documents
from core.tenancy.isolation import tenant_scope
from core.tenancy.models import Agency, LocalAuthority, Tenant

PASSWORD = "correct horse battery staple"


def tenant_doc(slug: str, las: tuple[str, ...] = ("north", "south"), modules: dict | None = None) -> dict:
    return {
        "tenant": {"slug": slug, "name": f"{slug.title()} Safeguarding Children Partnership",
                   "short_name": slug.upper()},
        "local_authorities": [{"key": k, "name": f"{k.title()} Borough Council"} for k in las],
        "agencies": [
            {"key": "council", "name": f"{slug.title()} Council", "sector": "local_government",
             "partner_type": "local_authority"},
            {"key": "police", "name": f"{slug.title()} Police", "sector": "police_immigration",
             "partner_type": "police"},
            {"key": "icb", "name": f"{slug.title()} ICB", "sector": "health_social_care", "partner_type": "icb"},
            {"key": "school", "name": f"{slug.title()} Primary School", "sector": "education_childcare",
             "local_authorities": [las[0]]},
        ],
        "safeguarding_partners": [
            {"agency": "council", "lead_role": "Chief Executive", "delegated_roles": ["Director of Children's Services"]},
            {"agency": "police", "lead_role": "Borough Commander"},
            {"agency": "icb", "lead_role": "Chief Executive Officer", "delegated_roles": ["Chief Nursing Officer"]},
        ],
        "modules": modules or {},
    }


def create_tenant(slug: str, **kwargs) -> Tenant:
    import_documents(validate_documents([(f"{slug}.toml", tenant_doc(slug, **kwargs))]))
    return db.session.scalars(select(Tenant).where(Tenant.slug == slug)).one()


def make_user(email: str, tenant: Tenant | None = None, roles=("tenant_admin",), password: str = PASSWORD,
              agency_key: str | None = None, la_keys: tuple[str, ...] = (), platform_admin: bool = False):
    user = create_user(email, email.split("@")[0].replace(".", " ").title(), password, platform_admin=platform_admin)
    if tenant is not None:
        with tenant_scope(tenant):
            role_ids = [r.id for r in db.session.scalars(select(Role).where(Role.key.in_(roles)))]
            agency = db.session.scalars(select(Agency).where(Agency.key == agency_key)).first() if agency_key else None
            la_ids = [la.id for la in db.session.scalars(select(LocalAuthority).where(LocalAuthority.key.in_(la_keys)))]
            add_member(tenant, user, MembershipChoice(role_ids=role_ids, agency_id=agency.id if agency else None,
                                                      local_authority_ids=la_ids))
    db.session.commit()
    return user


_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client) -> str:
    page = client.get("/login").get_data(as_text=True)
    return _TOKEN.search(page).group(1)


def form_post(client, url: str, data: dict | None = None, **kwargs):
    """POST a form as a browser would: with the CSRF token of the current session."""
    payload = dict(data or {})
    payload["csrf_token"] = csrf_token(client)
    return client.post(url, data=payload, **kwargs)


def login(client, email: str, password: str = PASSWORD):
    response = form_post(client, "/login", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@contextmanager
def count_queries():
    """Count SQL statements sent to the database inside the block: ``with count_queries() as q: ...; q.n``."""

    class Counter:
        n = 0
        statements: list[str] = []

    counter = Counter()
    counter.statements = []
    engine = current_app.extensions["lscp.engine"]

    def before(conn, cursor, statement, parameters, context, executemany):
        counter.n += 1
        counter.statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", before)
