"""The published arrangements: a public page per partnership, rendered from its data, readable without
signing in and showing nothing confidential."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from config.settings import ROOT
from core.db import db
from core.structure import plan
from core.structure.arrangements import change_arrangements
from core.structure.models import Body, ChairRule, RoleHolder, SettingCount
from core.tenancy.importer import import_paths
from core.tenancy.isolation import tenant_scope
from core.tenancy.models import Agency, LocalAuthority, SafeguardingPartner
from tests.core.structure.test_plan import make_bodies
from tests.helpers import count_queries, create_tenant, login, make_user, text_of

TODAY = date(2026, 5, 15)  # in the financial year 2026/27


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr("core.calendar.london_today", lambda: TODAY)


def main(html: str) -> str:
    """The page's own content, without the header that says who is signed in."""
    return html.split('<main', 1)[1].split("</main>", 1)[0]


@pytest.fixture
def alpha():
    tenant = create_tenant("alpha")
    tenant.arrangements_published = date(2024, 12, 23)
    db.session.commit()
    ids = make_bodies(tenant)
    with tenant_scope(tenant):
        council = db.session.scalars(select(SafeguardingPartner).join(SafeguardingPartner.agency)
                                     .where(Agency.key == "council")).one()
        council.delegation_cover = ["Operational Director of Children's Services"]
        db.session.add(ChairRule(body_id=ids["forum"], position="chair", kind="rotation",
                                 rotation_agencies=["police", "council", "icb"], rotation_months=12,
                                 rotation_starts_on=date(2025, 1, 1)))
        db.session.add(ChairRule(body_id=ids["case-review"], position="chair", kind="role",
                                 role_title="Head of Safeguarding"))
        db.session.add(ChairRule(body_id=ids["executive"], position="chair", kind="independent",
                                 role_title="Independent Chair"))
        db.session.add_all([
            RoleHolder(key="scrutineer", kind="independent_scrutineer", title="Independent Scrutineer"),
            RoleHolder(key="old-chair", kind="independent_chair", title="Former Independent Chair",
                       ends_on=date(2025, 3, 31)),
            RoleHolder(key="bm", kind="business_manager", title="Partnership Business Manager"),
        ])
        north, south = (db.session.scalars(select(LocalAuthority).where(LocalAuthority.key == k)).one()
                        for k in ("north", "south"))
        db.session.add_all([
            SettingCount(local_authority=north, kind="primary", count=37),
            SettingCount(local_authority=north, kind="childrens_centres", count=7, note="7 main centres"),
            SettingCount(local_authority=south, kind="residential_homes", count=3, note="two run by the council"),
        ])
        plan.create_priority(title="Safeguarding adolescents", starts_year=2025, ends_year=2027)
        plan.create_priority(title="Recovery from Covid-19", starts_year=2021, ends_year=2022)
        plan.create_priority(title="Anti-racist practice", kind="thread", starts_year=2025, ends_year=2027)
        change_arrangements(tenant, {
            "review_due_on": date(2026, 12, 23),
            "independent_scrutiny": "An independent scrutineer reports to the partners each year.\n\n"
                                    "They meet children and practitioners.",
            "education_settings": "Schools are represented by the Safeguarding in Education Group.",
            "residential_homes": "Children's homes are visited by the designated officer.",
            "thresholds_document_title": "Continuum of Help and Support",
            "thresholds_document_url": "https://example.org/thresholds.pdf",
        })
    db.session.commit()
    make_user("jo.secretname@alpha.example", tenant, roles=("business_manager",))
    return tenant


def test_an_anonymous_visitor_reads_the_arrangements(client, alpha):
    response = client.get("/alpha/arrangements/")
    assert response.status_code == 200
    html = main(response.get_data(as_text=True))
    text = text_of(html)
    assert "Alpha Safeguarding Children Partnership" in text
    assert "North Borough Council" in text and "South Borough Council" in text
    assert "Published 23 December 2024" in text and "Next review 23 December 2026" in text
    # Partners by role, with whom they may delegate to.
    assert "Lead safeguarding partner Chief Executive" in text
    assert "Director of Children's Services" in html.replace("&#39;", "'")
    assert "May delegate to Operational Director of Children" in text
    # Current priorities and threads; not last years'.
    assert "Safeguarding adolescents" in text and "Anti-racist practice" in text
    assert "Recovery from Covid-19" not in text
    assert "Priorities for 2026/27" in text
    # Scrutiny, with the independent roles' titles, not the ended one, not other roles.
    assert "They meet children and practitioners." in text
    assert "Independent Scrutineer" in text and "Former Independent Chair" not in text
    assert "Partnership Business Manager" not in text
    # Schools and homes, with the settings counted per local authority.
    assert "Safeguarding in Education Group." in text and "Children's homes are visited" in html.replace("&#39;", "'")
    assert re.search(r"Children&#39;s centres</th>\s*<td[^>]*>7</td>\s*<td[^>]*>7 main centres", html)
    assert re.search(r"Residential homes for children</th>\s*<td[^>]*>3</td>", html)
    assert 'href="https://example.org/thresholds.pdf"' in html and "Continuum of Help and Support" in text


def test_the_structure_is_nested_lists_with_chairing_and_cadence_in_words(client, alpha):
    html = main(client.get("/alpha/arrangements/").get_data(as_text=True))
    structure = html.split('data-testid="structure"', 1)[1]
    text = text_of(structure)
    # The forum sits inside the executive's list, its groups inside the forum's.
    assert text.index("Executive Board") < text.index("Partnership Forum") < text.index("Case Review Group")
    assert "Accountable to the Partnership Forum" in text and "Accountable to the Executive Board" in text
    assert "Old Local Group" not in text  # dissolved
    assert "Safeguarding in Education Group (subgroup, under consideration)" in text
    assert "Chair: an independent person, the Independent Chair" in text
    assert "Chair: the Head of Safeguarding" in text
    # From January 2025 police chair for a year, then the council: in May 2026 it is the council's turn.
    assert ("Chair: Rotates among the delegated safeguarding partners, a year each from 1 January 2025: "
            "Alpha Police, then Alpha Council, then Alpha ICB. Today: ") in text
    assert "Alpha Council (delegated safeguarding partner, in turn), 1 January 2026 to 31 December 2026" in text
    assert "Meets: quarterly" in text
    assert '<svg' in html and "Partnership Forum" in html.split("<svg", 1)[1]  # the picture, drawn from the data
    # Nested: a list inside the executive's item holds the forum.
    assert re.search(r"Executive Board</strong>.*?<ul class=\"govuk-list govuk-list--bullet\">.*?Partnership Forum",
                     structure, re.S)


def test_nothing_confidential_and_the_same_page_for_a_signed_in_member(client, alpha):
    anonymous = main(client.get("/alpha/arrangements/").get_data(as_text=True))
    member = client.application.test_client()
    login(member, "jo.secretname@alpha.example")
    signed_in = member.get("/alpha/arrangements/")
    assert signed_in.status_code == 200
    assert main(signed_in.get_data(as_text=True)) == anonymous
    for secret in ("secretname", "@alpha.example", "Secretname"):
        assert secret not in anonymous


def test_an_unknown_partnership_is_not_found(client, alpha):
    assert client.get("/no-such-partnership/arrangements/").status_code == 404


def test_each_partnership_publishes_its_own(client, alpha):
    beta = create_tenant("beta")
    with tenant_scope(beta):
        db.session.add(Body(key="beta-board", name="Beta Board", kind="board"))
        plan.create_priority(title="Beta's own priority", starts_year=2026, ends_year=2026)
    db.session.commit()
    alpha_page = client.get("/alpha/arrangements/").get_data(as_text=True)
    beta_page = client.get("/beta/arrangements/").get_data(as_text=True)
    assert "Beta Board" not in alpha_page and "Beta&#39;s own priority" not in alpha_page
    assert "Beta Board" in beta_page and "Executive Board" not in beta_page
    assert "Beta Safeguarding Children Partnership" in beta_page


def test_a_partnership_with_nothing_published_yet_still_has_a_page(client):
    create_tenant("gamma")
    text = text_of(main(client.get("/gamma/arrangements/").get_data(as_text=True)))
    assert "Not yet published" in text and "has not been published yet" in text


def test_the_page_costs_the_same_number_of_queries_whatever_the_size(client, alpha):
    def count() -> int:
        client.get("/alpha/arrangements/")
        with count_queries() as queries:
            assert client.get("/alpha/arrangements/").status_code == 200
        return queries.n

    few = count()
    with tenant_scope(alpha):
        parent = db.session.scalars(select(Body).where(Body.key == "forum")).one()
        for i in range(30):
            body = Body(key=f"group-{i}", name=f"Group {i}", kind="subgroup", accountable_to=parent, position=10 + i)
            body.chair_rules = [ChairRule(position="chair", kind="role", role_title=f"Chair {i}")]
            db.session.add(body)
            plan.create_priority(title=f"Priority {i}", starts_year=2026, ends_year=2026)
            db.session.add(RoleHolder(key=f"scrutineer-{i}", kind="independent_scrutineer", title=f"Scrutineer {i}"))
        north = db.session.scalars(select(LocalAuthority).where(LocalAuthority.key == "north")).one()
        for kind in ("secondary", "special", "independent", "early_years", "childminders"):
            db.session.add(SettingCount(local_authority=north, kind=kind, count=5))
    db.session.commit()
    assert count() == few


def dates_shown(client, slug: str = "alpha") -> str:
    html = main(client.get(f"/{slug}/arrangements/").get_data(as_text=True))
    return text_of(html.split('data-testid="dates"', 1)[1].split("</dl>", 1)[0]).strip()


def test_a_review_due_today_is_still_the_next_review(client, alpha):
    with tenant_scope(alpha):
        change_arrangements(alpha, {"review_due_on": TODAY})
    db.session.commit()
    assert "Next review 15 May 2026" in dates_shown(client)


def test_an_overdue_review_is_shown_as_overdue_not_as_the_plan(client, alpha):
    with tenant_scope(alpha):
        change_arrangements(alpha, {"review_due_on": date(2026, 5, 14)})
    db.session.commit()
    shown = dates_shown(client)
    assert "Review due 14 May 2026: overdue" in shown
    assert "Next review" not in shown


def test_city_and_hackneys_review_of_july_2020_is_shown_overdue(client):
    # The shipped file keeps the date its arrangements gave; the page says what it means today.
    import_paths([ROOT / "tenants" / "city-hackney.toml"])
    shown = dates_shown(client, "city-hackney")
    assert "Published 26 June 2019" in shown
    assert "Review due 1 July 2020: overdue" in shown and "Next review" not in shown
