"""Education and care settings: counts per local authority and kind, tabulated as the 2019 tri-borough
arrangements did (kinds down the side, local authorities across), the date counted, notes such as
"7 main centres", and the partnership's forums for designated safeguarding leads."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import insert, select

from core.audit.models import AuditEvent
from core.db import db
from core.structure import settings_counts
from core.structure.models import SETTING_KINDS, Body, SettingCount
from core.tenancy.isolation import tenant_scope
from core.tenancy.models import LocalAuthority
from tests.helpers import count_queries, create_tenant, form_post, login, make_user, text_of

TODAY = date(2026, 6, 1)


@pytest.fixture
def alpha():
    tenant = create_tenant("alpha")
    make_user("manager@alpha.example", tenant, roles=("business_manager",))
    make_user("worker@alpha.example", tenant, roles=("practitioner",))
    return tenant


def la(key: str) -> LocalAuthority:
    return db.session.scalars(select(LocalAuthority).where(LocalAuthority.key == key)).one()


def seed_counts(tenant) -> None:
    with tenant_scope(tenant):
        north, south = la("north"), la("south")
        db.session.add_all([
            SettingCount(local_authority=north, kind="primary", count=37, as_of=date(2019, 9, 1)),
            SettingCount(local_authority=south, kind="primary", count=41, as_of=date(2019, 9, 1)),
            SettingCount(local_authority=north, kind="childrens_centres", count=7, note="7 main centres",
                         as_of=date(2019, 9, 1)),
            Body(key="dsl-north", name="North DSL Forum", kind="practitioner_forum", cadence="termly",
                 local_authority=north),
            Body(key="dsl-all", name="Early Years DSL Network", kind="practitioner_forum", cadence="quarterly",
                 status="under_consideration"),
            Body(key="old-forum", name="Old DSL Forum", kind="practitioner_forum", status="dissolved"),
            Body(key="board", name="Executive Board", kind="board"),
        ])
        db.session.commit()


def counts(tenant) -> dict:
    db.session.commit()
    with tenant_scope(tenant):
        return {(c.local_authority.key, c.kind): (c.count, c.note, c.as_of)
                for c in db.session.scalars(select(SettingCount))}


# -- rules ------------------------------------------------------------------------------------------------


def test_a_count_as_typed():
    assert settings_counts.parse_count("") is None
    assert settings_counts.parse_count(" 37 ") == 37
    assert settings_counts.parse_count("1,200") == 1200
    assert settings_counts.parse_count("0") == 0
    for typed, message in (("-3", "cannot be negative"), ("3.5", "whole number"), ("seven", "whole number"),
                           ("100001", "100,000 or fewer"), ("٣", "whole number")):
        with pytest.raises(ValueError, match=message):
            settings_counts.parse_count(typed)


def test_kinds_are_rows_and_local_authorities_columns(alpha):
    seed_counts(alpha)
    with tenant_scope(alpha):
        table = settings_counts.load_table()
    assert [a.key for a in table.local_authorities] == ["north", "south"]
    assert [row.kind for row in table.rows] == list(SETTING_KINDS)  # every kind, counted or not
    primary = table.rows[0]
    assert [cell.count for cell in primary.cells] == [37, 41] and primary.total == 78
    centres = next(row for row in table.rows if row.kind == "childrens_centres")
    assert centres.cells[0] == settings_counts.Cell(7, "7 main centres") and centres.cells[1].count is None
    assert centres.total == 7
    assert next(row for row in table.rows if row.kind == "childminders").total is None
    assert table.counted_on == date(2019, 9, 1) and not table.dates_differ


def test_saving_counts_adds_changes_and_removes_cells_and_is_audited(alpha):
    seed_counts(alpha)
    with tenant_scope(alpha):
        changed = settings_counts.save_counts({
            ("north", "primary"): ("38", ""),  # changed
            ("south", "primary"): ("", ""),  # removed
            ("north", "childrens_centres"): ("7", "7 main centres"),  # as it was, but for the date
            ("south", "childminders"): ("120", "registered with Ofsted"),  # new
            ("beta-only", "primary"): ("5", ""),  # not one of this partnership's: ignored
        }, date(2024, 1, 15), TODAY)
        db.session.commit()
    assert changed == 4
    assert counts(alpha) == {("north", "primary"): (38, "", date(2024, 1, 15)),
                             ("north", "childrens_centres"): (7, "7 main centres", date(2024, 1, 15)),
                             ("south", "childminders"): (120, "registered with Ofsted", date(2024, 1, 15))}
    with tenant_scope(alpha):
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "education.counts.changed")).one()
    assert event.details["as_of"] == "2024-01-15"
    assert {"local_authority": "south", "kind": "primary", "from": 41, "to": None} in event.details["changes"]


def test_counts_that_cannot_be_taken_change_nothing(alpha):
    seed_counts(alpha)
    before = counts(alpha)
    with tenant_scope(alpha):
        with pytest.raises(settings_counts.CountsError) as refused:
            settings_counts.save_counts({
                ("north", "primary"): ("-1", ""),
                ("south", "secondary"): ("", "a note without a number"),
                ("south", "special"): ("3", "x" * 201),
                ("north", "independent"): ("12", ""),
            }, date(2026, 6, 2), TODAY)
    assert refused.value.errors == {
        "as_of": "The date counted cannot be in the future",
        "count-north-primary": "Primary schools in North Borough Council: the number cannot be negative",
        "count-south-secondary": "Enter the number of secondary schools in South Borough Council, or clear the note",
        "note-south-special": "Enter a note of 200 characters or fewer",
    }
    db.session.rollback()
    assert counts(alpha) == before


def test_forums_for_designated_safeguarding_leads(alpha):
    seed_counts(alpha)
    with tenant_scope(alpha):
        forums = settings_counts.forums()
        assert [(f.name, f.cadence_label, f.local_authority.name if f.local_authority else None) for f in forums] == [
            ("Early Years DSL Network", "Quarterly", None), ("North DSL Forum", "Termly", "North Borough Council")]


# -- pages ------------------------------------------------------------------------------------------------


def test_the_page_shows_the_table_the_date_and_the_forums(client, alpha):
    seed_counts(alpha)
    login(client, "worker@alpha.example")  # practitioners see the partnership's structure
    response = client.get("/alpha/education/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    words = text_of(html)
    assert "Setting North Borough Council South Borough Council Total" in words
    assert "Primary schools 37 41 78" in words
    assert "Children's centres 7 7 main centres Not counted 7" in words
    assert "Counted on 1 September 2019" in words
    assert "North DSL Forum North Borough Council Termly" in words
    assert "Early Years DSL Network Under consideration The whole partnership Quarterly" in words
    assert "Old DSL Forum" not in words and "Executive Board" not in words
    assert 'class="govuk-table__header govuk-table__header--numeric"' in html
    assert "Change the counts" not in html
    assert client.get("/alpha/education/counts").status_code == 403
    assert form_post(client, "/alpha/education/counts", {"count-north-primary": "1"}).status_code == 403
    assert counts(alpha)[("north", "primary")][0] == 37


def test_a_business_manager_changes_the_counts(client, alpha):
    seed_counts(alpha)
    login(client, "manager@alpha.example")
    assert "Change the counts" in client.get("/alpha/education/").get_data(as_text=True)
    form = client.get("/alpha/education/counts").get_data(as_text=True)
    assert re.search(r'for="count-north-primary">\s*Number of primary schools in North Borough Council', form)
    assert re.search(r'id="count-north-primary" name="count-north-primary" [^>]*value="37"', form)
    assert 'value="7 main centres"' in form and 'name="as_of-year"' in form
    saved = form_post(client, "/alpha/education/counts", {
        "as_of-day": "1", "as_of-month": "9", "as_of-year": "2025",
        "count-north-primary": "36", "count-south-primary": "41",
        "count-north-childrens_centres": "7", "note-north-childrens_centres": "7 main centres, 2 satellites",
        "count-south-residential_homes": "3",
    })
    assert saved.status_code == 302 and saved.location == "/alpha/education/"
    assert counts(alpha) == {
        ("north", "primary"): (36, "", date(2025, 9, 1)), ("south", "primary"): (41, "", date(2025, 9, 1)),
        ("north", "childrens_centres"): (7, "7 main centres, 2 satellites", date(2025, 9, 1)),
        ("south", "residential_homes"): (3, "", date(2025, 9, 1))}
    words = text_of(client.get("/alpha/education/").get_data(as_text=True))
    assert "Counted on 1 September 2025" in words and "Residential homes for children Not counted 3 3" in words


def test_mistakes_in_the_counts_form_are_named(client, alpha):
    seed_counts(alpha)
    login(client, "manager@alpha.example")
    response = form_post(client, "/alpha/education/counts", {
        "as_of-day": "31", "as_of-month": "2", "as_of-year": "2025", "count-north-primary": "lots"})
    assert response.status_code == 400
    assert '<a href="#as_of">The date counted must be a real date</a>' in response.get_data(as_text=True)
    response = form_post(client, "/alpha/education/counts", {"count-north-primary": "lots",
                                                            "count-south-primary": "-2"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<a href="#count-north-primary">Primary schools in North Borough Council: enter a whole number' in html
    assert 'href="#count-south-primary"' in html and "cannot be negative" in html
    assert 'value="lots"' in html  # what was typed stays, to correct
    assert counts(alpha)[("north", "primary")][0] == 37


def test_queries_per_page_do_not_grow_with_the_data(client, alpha):
    seed_counts(alpha)
    make_user("admin@alpha.example", alpha)
    login(client, "admin@alpha.example")

    def cost(url):
        client.get(url)
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        return counter.n

    few = {url: cost(url) for url in ("/alpha/education/", "/alpha/education/counts")}
    with tenant_scope(alpha):
        las = db.session.scalars(insert(LocalAuthority).returning(LocalAuthority.id), [
            {"key": f"la-{i}", "name": f"Borough {i}"} for i in range(30)]).all()
        db.session.execute(insert(SettingCount), [{"local_authority_id": la_id, "kind": kind, "count": 1, "note": ""}
                                                  for la_id in las for kind in SETTING_KINDS])
        db.session.execute(insert(Body), [{"key": f"dsl-{i}", "name": f"DSL Forum {i}", "kind": "practitioner_forum",
                                           "cadence": "termly", "local_authority_id": las[i], "position": i,
                                           "status": "active", "public_meetings": False} for i in range(30)])
        db.session.commit()
    many = {url: cost(url) for url in few}
    assert many == few
