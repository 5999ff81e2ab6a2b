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


def token_for(tenant: Tenant, email: str, roles: str | tuple[str, ...] = ("tenant_admin",)) -> str:
    """A new member of ``tenant`` with ``roles`` (one key or several) and an API token of theirs."""
    from core.auth.services import create_api_token

    user = make_user(email, tenant, roles=(roles,) if isinstance(roles, str) else tuple(roles))
    with tenant_scope(tenant):
        _token, plain = create_api_token(user, "tests")
    db.session.commit()
    return plain


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


def populate_structure(tenant: Tenant, label: str = "") -> None:
    """One row of every kind of the partnership's structure and business, in ``tenant`` (commits): for tests
    that walk every page or route and need an id of each kind to put in the URL."""
    from datetime import UTC, date, datetime

    from core.structure.models import (
        Action,
        AgendaItem,
        Arrangements,
        Attendance,
        Body,
        BodyMember,
        ChairRule,
        Contribution,
        Decision,
        Meeting,
        Paper,
        PlanAction,
        Priority,
        QuarterlyTheme,
        RoleHolder,
        SettingCount,
        Spend,
        ThemeFollowUp,
    )

    with tenant_scope(tenant):
        agencies = {a.key: a for a in db.session.scalars(select(Agency))}
        north = db.session.scalars(select(LocalAuthority).order_by(LocalAuthority.key)).first()
        arrangements = db.session.scalars(select(Arrangements)).first() or Arrangements()
        arrangements.independent_scrutiny, arrangements.review_due_on = f"{label} scrutiny", date(2026, 12, 1)
        db.session.add(arrangements)
        scrutineer = RoleHolder(key="scrutineer", kind="independent_scrutineer", title=f"{label} Independent Scrutineer")
        board = Body(key="executive", name=f"{label} Executive Board", kind="board", cadence="three_a_year")
        board.chair_rules = [ChairRule(position="chair", kind="rotation", rotation_agencies=["police", "council", "icb"],
                                       rotation_months=12, rotation_starts_on=date(2025, 1, 1))]
        forum = Body(key="forum", name=f"{label} Partnership Forum", kind="forum", accountable_to=board)
        forum.chair_rules = [ChairRule(position="chair", kind="role", role_title=f"{label} Head of Safeguarding")]
        seat = BodyMember(agency=agencies["council"], role_title=f"{label} Chief Executive")
        board.members = [seat, BodyMember(role_holder=scrutineer, status="adviser")]
        db.session.add_all([scrutineer, board, forum])
        db.session.flush()
        meeting = Meeting(body=board, starts_at=datetime(2025, 6, 3, 9, tzinfo=UTC),
                          ends_at=datetime(2025, 6, 3, 11, tzinfo=UTC), location=f"{label} Town Hall",
                          status="held", minutes=f"{label} minutes", minutes_status="draft")
        meeting.agenda = [AgendaItem(position=1, title=f"{label} agenda item")]
        meeting.papers = [Paper(title=f"{label} paper", filename="paper.txt", content_type="text/plain", size=5,
                                content=b"paper")]
        meeting.decisions = [Decision(text=f"{label} decision")]
        db.session.add(meeting)
        db.session.flush()
        db.session.add(Attendance(meeting_id=meeting.id, member_id=seat.id, status="present"))
        db.session.add(Action(body=board, meeting=meeting, description=f"{label} action", owner=f"{label} owner",
                              due_on=date(2025, 9, 1)))
        priority = Priority(key="adolescents", title=f"{label} Safeguarding adolescents", starts_year=2025, ends_year=2027)
        priority.actions = [PlanAction(title=f"{label} plan action", owner_body=forum, lead=f"{label} lead",
                                       due_on=date(2026, 3, 1), rag="amber")]
        theme = QuarterlyTheme(set_by=board, year=2025, quarter=1, title=f"{label} theme")
        theme.follow_ups = [ThemeFollowUp(body=forum, note=f"{label} follow-up")]
        db.session.add_all([priority, theme])
        db.session.add(Contribution(agency=agencies["council"], year=2025, amount_pence=1_250_000))
        db.session.add(Spend(year=2025, category="training", description=f"{label} spend", amount_pence=50_000,
                             spent_on=date(2025, 7, 1)))
        if north is not None:
            db.session.add(SettingCount(local_authority=north, kind="primary", count=37, note=f"{label} count"))
    db.session.commit()


def populate_modules(tenant: Tenant, label: str = "") -> None:
    """Each built-in module's rows of every kind in ``tenant``, with the module enabled (commits): every
    module under plugins/ keeps a ``populate(tenant, label)`` in tests/plugins/<name>/populate.py, so that
    the walks over every route find an id of each kind its pages and API name."""
    import importlib

    from config.settings import ROOT

    for package in sorted((ROOT / "plugins").iterdir()):
        if (ROOT / "tests" / "plugins" / package.name / "populate.py").exists():
            importlib.import_module(f"tests.plugins.{package.name}.populate").populate(tenant, label)
    db.session.commit()


def set_clock(monkeypatch, moment) -> None:
    """Stop the platform's clock at the UTC ``moment`` (an aware datetime) for what asks ``core.calendar``:
    London's date is then worked out from it exactly as in production."""
    from datetime import datetime as real_datetime

    import core.calendar

    class Stopped(real_datetime):
        @classmethod
        def now(cls, tz=None):
            return moment.astimezone(tz) if tz is not None else moment.replace(tzinfo=None)

    monkeypatch.setattr(core.calendar, "datetime", Stopped)


def text_of(html: str) -> str:
    """The page's words, without tags and with spaces collapsed, as a reader would meet them."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def error_summary(html: str) -> list[str]:
    """The messages of the page's GOV.UK error summary, in order."""
    block = html.split("govuk-error-summary__list", 1)[1].split("</ul>", 1)[0] if "govuk-error-summary" in html else ""
    return [text_of(m).strip() for m in re.findall(r"<a [^>]*>(.*?)</a>", block, re.S)]
