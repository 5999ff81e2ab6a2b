"""The figures of a LADO annual report on a known data set: counts by local authority and year with the
change on the year before, breakdowns by referring sector, employer sector, category and outcome, and
timeliness, with percentages computed exactly from the counts."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from core.db import db
from core.plugins.services import enable_module
from core.reports.services import dataset_figures
from core.structure.arrangements import change_arrangements
from core.tenancy.isolation import tenant_scope
from plugins.lado import cases as rules
from plugins.lado.figures import Change, figures_csv, figures_xlsx, lado_figures, percent
from plugins.lado.models import LadoCase
from tests.helpers import bearer, create_tenant, token_for
from tests.plugins.lado.conftest import authority, make_case, outcome

TODAY = date(2026, 6, 1)
D = date


def referral(tenant, la, received, referring="education", employer="education", category="physical", concern=None):
    return make_case(tenant, la=la, received_on=received, today=TODAY, referring_sector=referring,
                     employer_sector=employer, category=category, concern_on=concern)


def consultation(tenant, la, received):
    return make_case(tenant, kind="consultation", la=la, received_on=received, today=TODAY)


def build(tenant) -> None:
    """2025/26 against 2024/25; see the expectations in the tests below."""
    # This year's referrals: six in North (one a consultation of last year converted), two in South.
    one = referral(tenant, "north", D(2025, 4, 1), concern=D(2025, 3, 31))  # first day of the year
    two = referral(tenant, "north", D(2025, 5, 5), concern=D(2025, 5, 1))  # over the early May bank holiday: on time
    three = referral(tenant, "north", D(2025, 6, 10), employer="sport", category="sexual", concern=D(2025, 6, 2))  # late
    four = referral(tenant, "north", D(2025, 7, 1), referring="early_years")
    five = referral(tenant, "north", D(2025, 9, 1), referring="early_years", employer="sport", category="emotional",
                    concern=D(2025, 8, 29))
    converted = make_case(tenant, kind="consultation", la="north", received_on=D(2025, 3, 20), today=TODAY,
                          person_name="Pat", person_role="Nurse", employer_sector="education", referring_sector="health")
    with tenant_scope(tenant):
        rules.convert_to_referral(db.session.get(LadoCase, converted), D(2025, 10, 1), ["harmed"], "sexual",
                                  "A second concern", TODAY)
    db.session.commit()
    referral(tenant, "south", D(2025, 11, 3), referring="social_care", category="neglect")
    referral(tenant, "south", D(2026, 3, 31), referring="faith", employer="sport")  # last day of the year
    # Last year's referrals: four in North (one resolved this year), three in South.
    nine = referral(tenant, "north", D(2024, 6, 3))
    for received in (D(2024, 4, 1), D(2024, 9, 9), D(2025, 1, 6)):
        referral(tenant, "north", received)
    for received in (D(2024, 5, 5), D(2024, 12, 2), D(2025, 3, 31)):
        referral(tenant, "south", received)
    # Consultations: North 2 this year and 3 last year; South 1 and none.
    for la, received in (("north", D(2025, 4, 15)), ("north", D(2026, 3, 1)), ("south", D(2025, 12, 1)),
                         ("north", D(2024, 4, 10)), ("north", D(2024, 8, 8)), ("north", D(2025, 2, 2))):
        consultation(tenant, la, received)
    referral(tenant, "north", D(2026, 4, 1))  # next year: not counted
    # Outcomes recorded this year: within one month x3, within three months x2, within twelve x1.
    outcome(tenant, one, "substantiated", on=D(2025, 4, 20), today=TODAY)
    outcome(tenant, two, "unsubstantiated", on=D(2025, 6, 5), today=TODAY)  # exactly a month: within
    outcome(tenant, three, "false", on=D(2025, 8, 1), today=TODAY)
    outcome(tenant, four, "malicious", on=D(2025, 7, 15), note="Admitted", today=TODAY)
    outcome(tenant, five, "unfounded", on=D(2025, 11, 20), today=TODAY)
    outcome(tenant, nine, "substantiated", on=D(2025, 5, 1), today=TODAY)


@pytest.fixture
def figures(app):
    tenant = create_tenant("alpha")
    enable_module(tenant, "lado", {})
    db.session.commit()
    build(tenant)
    # Another partnership's cases count nowhere in alpha's figures.
    beta = create_tenant("beta")
    enable_module(beta, "lado", {})
    db.session.commit()
    referral(beta, "north", D(2025, 6, 1))
    with tenant_scope(tenant):
        result = lado_figures(2025)
    return tenant, result


def test_percentages_are_exact_fractions_rounded_half_up_to_one_decimal():
    assert percent(2, 3) == Decimal("66.7")
    assert percent(1, 3) == Decimal("33.3")
    assert percent(1, 8) == Decimal("12.5")
    assert percent(1, 16) == Decimal("6.3")  # 6.25: half up, where rounding to even would give 6.2
    assert percent(-1, 16) == Decimal("-6.3")  # a fall rounds away from zero, like a rise
    assert percent(1, 40) == Decimal("2.5")
    assert percent(7, 7) == Decimal("100.0")
    assert percent(0, 5) == Decimal("0.0")
    assert percent(3, 0) is None
    assert str(percent(1, 7)) == "14.3"


def test_change_on_the_year_before():
    assert (Change(8, 7).difference, Change(8, 7).percent) == (1, Decimal("14.3"))
    assert Change(2, 3).percent == Decimal("-33.3") and Change(2, 3).words == "-1 (-33.3%)"
    assert Change(1, 0).percent is None and Change(1, 0).words == "+1 (none the year before)"
    assert Change(0, 0).words == "none either year" and Change(3, 3).words == "no change"


def test_consultations_and_referrals_by_local_authority_with_the_change(figures):
    _tenant, result = figures
    totals = (result.consultations.this_year, result.consultations.last_year, result.referrals.this_year,
              result.referrals.last_year)
    assert totals == (3, 3, 8, 7)
    assert result.referrals.percent == Decimal("14.3") and result.consultations.percent == Decimal("0.0")
    rows = {a.key: a for a in result.authorities}
    assert (rows["north"].consultations, rows["north"].referrals) == (Change(2, 3), Change(6, 4))
    assert rows["north"].referrals.percent == Decimal("50.0") and rows["north"].consultations.percent == Decimal("-33.3")
    assert (rows["south"].consultations, rows["south"].referrals) == (Change(1, 0), Change(2, 3))
    assert rows["south"].consultations.percent is None and rows["south"].referrals.percent == Decimal("-33.3")


def test_breakdowns_by_referring_sector_employer_sector_and_category(figures):
    _tenant, result = figures
    referring = [(r.key, r.referrals.this_year, r.share) for r in result.breakdown("referring_sector").rows]
    assert referring == [("education", 3, Decimal("37.5")), ("early_years", 2, Decimal("25.0")),
                         ("health", 1, Decimal("12.5")), ("social_care", 1, Decimal("12.5")),
                         ("faith", 1, Decimal("12.5"))]
    employer = [(r.key, r.referrals.this_year, r.share) for r in result.breakdown("employer_sector").rows]
    assert employer == [("education", 5, Decimal("62.5")), ("sport", 3, Decimal("37.5"))]
    category = {r.key: (r.referrals.this_year, r.referrals.last_year, r.share, r.referrals.percent)
                for r in result.breakdown("category").rows}
    assert category == {
        "physical": (4, 7, Decimal("50.0"), Decimal("-42.9")), "sexual": (2, 0, Decimal("25.0"), None),
        "emotional": (1, 0, Decimal("12.5"), None), "neglect": (1, 0, Decimal("12.5"), None),
        "suitability": (0, 0, Decimal("0.0"), None),
    }
    # The year's consultations sit beside the referrals, by the same vocabulary.
    assert {r.key: r.consultations for r in result.breakdown("referring_sector").rows}["education"] == 3


def test_outcomes_of_referrals_concluded_in_the_year(figures):
    _tenant, result = figures
    outcomes = {r.key: (r.referrals.this_year, r.share) for r in result.breakdown("outcome").rows}
    assert outcomes == {"substantiated": (2, Decimal("33.3")), "unsubstantiated": (1, Decimal("16.7")),
                        "false": (1, Decimal("16.7")), "malicious": (1, Decimal("16.7")),
                        "unfounded": (1, Decimal("16.7"))}


def test_timeliness_against_the_national_expectations(figures):
    _tenant, result = figures
    t = result.timeliness
    assert (t.resolved, t.within, t.beyond_twelve) == (6, {1: 3, 3: 5, 12: 6}, 0)
    assert (t.share(1), t.share(3), t.share(12)) == (Decimal("50.0"), Decimal("83.3"), Decimal("100.0"))
    assert (t.meets(1), t.meets(3), t.meets(12)) == (False, False, True)
    assert (t.contacts_dated, t.contacts_on_time, t.contact_share) == (4, 3, Decimal("75.0"))


def test_a_member_limited_to_one_authority_sees_its_figures_only(figures):
    tenant, _result = figures
    with tenant_scope(tenant):
        north = lado_figures(2025, frozenset({authority("north").id}))
    assert [a.key for a in north.authorities] == ["north"]
    assert (north.referrals, north.consultations) == (Change(6, 4), Change(2, 3))
    assert north.timeliness.resolved == 6


def test_the_download_the_data_set_and_the_api_say_the_same(app, client, figures):
    tenant, result = figures
    rows = list(csv.reader(io.StringIO(figures_csv(result).decode("utf-8-sig"))))
    assert ["Totals", "Referrals", "8", "7", "1", "14.3", "", ""] in rows
    assert ["Referrals by category", "Physical abuse", "4", "7", "-3", "-42.9", "50.0", "0"] in rows
    with tenant_scope(tenant):
        data = dataset_figures(tenant, 2025)["lado"]
    assert data["referrals"] == 8 and data["referrals_change_percent"] == 14.3
    assert data["resolved_within_3_months_percent"] == 83.3
    token = token_for(tenant, "manager@alpha.example", "business_manager")
    answer = client.get("/api/v1/alpha/lado/figures?year=2025", headers=bearer(token))
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["referrals"] == {"this_year": 8, "last_year": 7, "change": 1, "change_percent": 14.3}
    south = next(a for a in body["by_local_authority"] if a["key"] == "south")
    assert south["consultations"] == {"this_year": 1, "last_year": 0, "change": 1, "change_percent": None}
    assert body["timeliness"]["within"][1] == {"months": 3, "count": 5, "percent": 83.3, "expected_percent": 90,
                                               "meets_expectation": False}
    assert client.get("/api/v1/alpha/lado/figures?year=99", headers=bearer(token)).status_code == 422


def test_the_annual_report_has_a_lado_section(app, client, figures):
    tenant, _result = figures
    from tests.helpers import login, make_user

    make_user("bm@alpha.example", tenant, roles=("business_manager",))
    with tenant_scope(tenant):  # this partnership publishes every count: what is counted is the point here
        change_arrangements(tenant, {"small_numbers_threshold": 1})
    db.session.commit()
    login(client, "bm@alpha.example")
    page = client.get("/alpha/annual-report?year=2025").get_data(as_text=True)
    assert "Allegations against people who work with children (LADO)" in page
    assert "received 8" in page and "+1 (+14.3%)" in page
    assert "50.0% were resolved within one month" in page


def test_outcomes_are_set_beside_the_year_before_in_the_page_download_and_api(app, client):
    """Outcomes count in the year the outcome was recorded: last year's column is the referrals concluded in
    the year before, not 0 (which made every outcome read "+n")."""
    tenant = create_tenant("alpha")
    enable_module(tenant, "lado", {})
    db.session.commit()
    # Concluded in 2024/25: two substantiated, one false. In 2025/26: one substantiated, one unfounded.
    for received, result, on in ((D(2024, 4, 8), "substantiated", D(2024, 6, 1)),
                                 (D(2024, 9, 2), "substantiated", D(2025, 3, 31)),
                                 (D(2024, 10, 1), "false", D(2024, 11, 1)),
                                 (D(2025, 2, 3), "substantiated", D(2025, 4, 1)),  # referred last year, concluded this
                                 (D(2025, 5, 1), "unfounded", D(2025, 6, 1)),
                                 (D(2023, 5, 1), "false", D(2024, 3, 31))):  # concluded two years ago: nowhere
        outcome(tenant, referral(tenant, "north", received), result, on=on, today=TODAY)
    with tenant_scope(tenant):
        result = lado_figures(2025)
    rows = {r.key: r.referrals for r in result.breakdown("outcome").rows}
    assert rows == {"substantiated": Change(1, 2), "malicious": Change(0, 0), "false": Change(0, 1),
                    "unsubstantiated": Change(0, 0), "unfounded": Change(1, 0)}
    assert rows["substantiated"].words == "-1 (-50.0%)"
    # The year's timeliness is still of this year's outcomes only.
    assert result.timeliness.resolved == 2

    title = "Outcomes of referrals concluded in the year"
    csv_rows = list(csv.reader(io.StringIO(figures_csv(result).decode("utf-8-sig"))))
    assert [title, "Substantiated", "1", "2", "-1", "-50.0", "50.0", ""] in csv_rows
    assert [title, "False", "0", "1", "-1", "-100.0", "0.0", ""] in csv_rows
    book = load_workbook(io.BytesIO(figures_xlsx(result)))
    sheet_rows = [list(row) for row in book.active.iter_rows(values_only=True)]
    assert [title, "Substantiated", 1, 2, -1, -50.0, 50.0, ""] in [[c if c is not None else "" for c in r]
                                                                    for r in sheet_rows]

    token = token_for(tenant, "manager@alpha.example", "business_manager")
    body = client.get("/api/v1/alpha/lado/figures?year=2025", headers=bearer(token)).get_json()
    api_rows = {r["key"]: r["referrals"] for r in body["breakdowns"]["outcome"]["rows"]}
    assert api_rows["substantiated"] == {"this_year": 1, "last_year": 2, "change": -1, "change_percent": -50.0}
    assert api_rows["false"]["last_year"] == 1

    # The page shows the change on the year before, as the other breakdowns do.
    from tests.helpers import login, make_user

    make_user("bm@alpha.example", tenant, roles=("business_manager",))
    login(client, "bm@alpha.example")
    html = client.get("/alpha/lado/figures/?year=2025").get_data(as_text=True)
    table = html.split('data-testid="breakdown-outcome"', 1)[1].split("</table>", 1)[0]
    assert "-1 (-50.0%)" in table
