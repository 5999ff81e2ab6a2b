"""Shared set-up for the LADO tests: a partnership with two local authorities (North Borough Council and
South Borough Council) and the module on, people in each LADO-relevant role, and helpers to make cases."""

from __future__ import annotations

from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from core.calendar import london_today
from core.db import db
from core.plugins.services import enable_module
from core.tenancy.isolation import tenant_scope
from core.tenancy.models import LocalAuthority
from plugins.lado import cases as rules
from plugins.lado.models import LadoCase
from plugins.lado.retention import Policy
from tests.helpers import create_tenant, login, make_user

PEOPLE = {
    # who: (roles, local authorities). A LADO holds a default role too, which opens the dashboard.
    "officer": (("lado_officer", "practitioner"), ()),
    "north": (("lado_officer", "practitioner"), ("north",)),
    "south": (("lado_officer", "practitioner"), ("south",)),
    "manager": (("lado_manager", "practitioner"), ()),
    "admin": (("tenant_admin",), ()),
    "bm": (("business_manager",), ()),
    "scrutineer": (("independent_scrutineer",), ()),
    "practitioner": (("practitioner",), ()),
    "lead": (("agency_safeguarding_lead",), ()),
}


def details(**more) -> dict:
    """What a referral needs, with anything else given."""
    base = {"person_name": "Pat Example", "person_role": "Teaching assistant", "person_employer": "North Primary",
            "employer_sector": "education", "referring_sector": "education", "summary": "Grabbed a pupil's arm",
            "harm_criteria": ["harmed"], "category": "physical"}
    base.update(more)
    return base


def consultation_details(**more) -> dict:
    return details(**{"harm_criteria": [], "category": "", "person_name": "", "person_role": "", **more})


def authority(key: str) -> LocalAuthority:
    return db.session.scalars(select(LocalAuthority).where(LocalAuthority.key == key)).one()


def make_case(tenant, *, kind="referral", la="north", received_on: date | None = None, today: date | None = None,
              children=(), **more) -> int:
    """A case in ``tenant`` (committed); its id."""
    today = today or london_today()
    received_on = received_on or today
    with tenant_scope(tenant):
        case = rules.create_case(kind=kind, local_authority=authority(la), received_on=received_on, today=today,
                                 details=details(**more) if kind == "referral" else consultation_details(**more),
                                 children=list(children))
        case_id = case.id
    db.session.commit()
    return case_id


def load(tenant, case_id: int) -> LadoCase:
    db.session.commit()  # see what requests committed
    with tenant_scope(tenant):
        case = db.session.get(LadoCase, case_id)
        _ = (case.children, case.meetings, case.entries, case.employer_actions, case.processes, case.local_authority)
        return case


def outcome(tenant, case_id: int, result: str = "substantiated", on: date | None = None, note: str = "Evidence",
            today: date | None = None, **more) -> None:
    today = today or london_today()
    with tenant_scope(tenant):
        case = db.session.get(LadoCase, case_id)
        rules.record_outcome(case, result, on or today, note, today, Policy(), **more)
    db.session.commit()


class World:
    def __init__(self, app):
        self.app = app
        self.tenant = create_tenant("alpha")
        enable_module(self.tenant, "lado", {})
        db.session.commit()
        for who, (roles, las) in PEOPLE.items():
            agency = "school" if who in ("practitioner", "lead") else None
            make_user(f"{who}@alpha.example", self.tenant, roles=roles, la_keys=las, agency_key=agency)

    def client(self, who: str):
        client = self.app.test_client()
        login(client, f"{who}@alpha.example")
        return client


def api_token(world: World, who: str) -> dict:
    """Headers with a new API token of one of the world's people."""
    from core.auth.services import create_api_token, user_by_email
    from tests.helpers import bearer

    with tenant_scope(world.tenant):
        _token, plain = create_api_token(user_by_email(f"{who}@alpha.example"), "test")
    db.session.commit()
    return bearer(plain)


class _Page(HTMLParser):
    """The ids of a page's elements, and where its error summary's links lead."""

    def __init__(self, html: str):
        super().__init__()
        self.ids: set[str] = set()
        self.summary_links: list[str] = []
        self._in_summary = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        if "govuk-error-summary__list" in (attributes.get("class") or ""):
            self._in_summary = True
        elif self._in_summary and tag == "a" and (attributes.get("href") or "").startswith("#"):
            self.summary_links.append(attributes["href"][1:])

    def handle_endtag(self, tag):
        if tag == "ul":
            self._in_summary = False


def links_lead_somewhere(response) -> list[str]:
    """The error summary's links (at least one), each checked to lead to an element of the page."""
    page = _Page(response.get_data(as_text=True))
    assert response.status_code == 400 and page.summary_links
    assert [name for name in page.summary_links if name not in page.ids] == []
    return page.summary_links


@pytest.fixture
def alpha(app):
    tenant = create_tenant("alpha")
    enable_module(tenant, "lado", {})
    db.session.commit()
    return tenant


def change(tenant, case_id, fn):
    """Run ``fn(case)`` in the tenant; the CaseError's fields if refused."""
    with tenant_scope(tenant):
        case = db.session.get(LadoCase, case_id)
        try:
            fn(case)
        except rules.CaseError as exc:
            db.session.rollback()
            return exc.errors
    db.session.commit()
    return None


@pytest.fixture
def world(app):
    return World(app)


@pytest.fixture
def today():
    return london_today()


@pytest.fixture
def yesterday(today):
    return today - timedelta(days=1)
