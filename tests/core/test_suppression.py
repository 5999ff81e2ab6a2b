"""Small-number suppression: what the partnership publishes hides counts below its threshold, and anything that
would give one back; working pages keep the exact counts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from core.calendar import FinancialYear, london_day
from core.db import db
from core.plugins.services import enable_module
from core.structure.arrangements import ArrangementsError, change_arrangements, read_settings
from core.structure.documents import ArrangementsSection, export_structure
from core.suppression import DEFAULT_THRESHOLD, published_threshold, suppress, suppress_cells
from core.tenancy.isolation import tenant_scope, unscoped
from tests.helpers import bearer, create_tenant, login, make_user, token_for
from tests.plugins.lado.conftest import make_case


def test_a_count_below_the_threshold_is_fewer_than_it():
    assert [suppress(n, 5) for n in (0, 1, 4, 5, 12)] == [0, "fewer than 5", "fewer than 5", 5, 12]
    assert suppress(3, 5, "referral") == "fewer than 5 referrals"
    assert suppress(1, 5, "person", "people") == "fewer than 5 people"
    # A threshold of 1 publishes every count, in words that agree.
    assert suppress(1, 1, "referral") == "1 referral" and suppress(0, 5, "referral") == "0 referrals"


def test_one_hidden_cell_takes_the_next_smallest_with_it_so_the_total_does_not_give_it_away():
    # Education 12, faith 3, health 10: total 25 published. 25 - 12 - 10 would be 3.
    assert suppress_cells([12, 3, 10], 5) == [12, "fewer than 5", "fewer than 5"]
    # Two hidden already cannot be told apart: nothing more to hide.
    assert suppress_cells([12, 3, 2], 5) == [12, "fewer than 5", "fewer than 5"]
    assert suppress_cells([12, 7, 0], 5) == [12, 7, 0]
    # A zero may be the second: "fewer than 5" is true of it, and 3 + 0 stays unknown.
    assert suppress_cells([12, 3, 0], 5) == [12, "fewer than 5", "fewer than 5"]
    assert suppress_cells([3], 5) == ["fewer than 5"]  # the total is the cell, and is hidden as well
    assert suppress_cells([12, 3, 10], 1) == [12, 3, 10]


def test_the_threshold_is_a_setting_of_the_arrangements_from_1_to_10(app):
    alpha = create_tenant("alpha")
    with tenant_scope(alpha):
        assert published_threshold() == DEFAULT_THRESHOLD == read_settings().small_numbers_threshold == 5
        for wrong in (0, 11, "5"):
            with pytest.raises(ArrangementsError) as refused:
                change_arrangements(alpha, {"small_numbers_threshold": wrong})
            assert refused.value.errors == {
                "small_numbers_threshold": "Enter the smallest count to publish as a whole number from 1 to 10"}
        change_arrangements(alpha, {"small_numbers_threshold": 10})
        assert published_threshold() == 10
        # The tenant file carries it, and refuses what the page refuses.
        assert export_structure()["arrangements"]["small_numbers_threshold"] == 10
    assert ArrangementsSection().load({})["small_numbers_threshold"] == 5
    assert "small_numbers_threshold" in ArrangementsSection().validate({"small_numbers_threshold": 11})


def _publish(tenant, threshold: int) -> None:
    with tenant_scope(tenant):
        change_arrangements(tenant, {"small_numbers_threshold": threshold})
    db.session.commit()


@pytest.fixture
def lado(app, client):
    """2025/26: six referrals in North, five referred by a school and one by a faith group; none the year before."""
    alpha = create_tenant("alpha")
    enable_module(alpha, "lado", {})
    make_user("bm@alpha.example", alpha, roles=("business_manager",))
    db.session.commit()
    today = datetime(2026, 4, 2).date()
    for day, sector in ((1, "education"), (2, "education"), (3, "education"), (4, "education"), (5, "education"),
                        (6, "faith")):
        make_case(alpha, received_on=datetime(2025, 6, day).date(), today=today, referring_sector=sector,
                  employer_sector="education", category="physical")
    login(client, "bm@alpha.example")
    return alpha


def _row(html: str, label: str) -> list[str]:
    match = re.search(re.escape(label) + r"</th>(.*?)</tr>", html, re.S)
    return [cell.strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)]


def test_the_annual_report_publishes_fewer_than_5_and_the_working_page_the_exact_count(client, lado):
    report = client.get("/alpha/annual-report?year=2025").get_data(as_text=True)
    section = report[report.index("Referrals by referring sector"):]
    # One faith referral, hidden; five from schools hidden with it, or 6 - 5 would give it away; no shares.
    assert _row(section, "Faith organisations") == ["fewer than 5", "Not shown"]
    assert _row(section, "Education (schools and colleges)") == ["fewer than 5", "Not shown"]
    assert "received 6 referrals" in report  # the total is not small
    assert 'data-testid="small-numbers"' in report and "shown as &ldquo;fewer than 5&rdquo;" in report
    working = client.get("/alpha/lado/figures/?year=2025").get_data(as_text=True)
    assert "fewer than" not in working
    sectors = working[working.index('data-testid="breakdown-referring_sector"'):]
    assert _row(sectors, "Faith organisations")[0] == "1" and _row(sectors, "Education (schools and colleges)")[0] == "5"


def test_a_partnership_that_publishes_every_count_sees_them_all(client, lado):
    _publish(lado, 1)
    report = client.get("/alpha/annual-report?year=2025").get_data(as_text=True)
    section = report[report.index("Referrals by referring sector"):]
    assert _row(section, "Faith organisations") == ["1", "16.7%"]
    assert "fewer than" not in report and 'data-testid="small-numbers"' not in report


def test_the_data_set_says_which_figures_are_withheld(client, lado):
    token = token_for(lado, "api@alpha.example", "business_manager")
    # Three referrals a year later against six: the count is hidden, and so is the change that gives it back.
    for day in (1, 2, 3):
        make_case(lado, received_on=datetime(2026, 5, day).date(), today=datetime(2027, 4, 2).date())
    body = client.get("/api/v1/alpha/figures?year=2026", headers=bearer(token)).get_json()["modules"]["lado"]
    assert body["referrals"] == "fewer than 5" and body["referrals_previous_year"] == 6
    assert body["referrals_change_percent"] == "not shown (fewer than 5)"
    assert body["consultations"] == 0  # zero identifies nobody
    _publish(lado, 1)
    body = client.get("/api/v1/alpha/figures?year=2026", headers=bearer(token)).get_json()["modules"]["lado"]
    assert body["referrals"] == 3 and body["referrals_change_percent"] == -50.0


def test_the_training_report_hides_a_small_number_of_bookings(app, client):
    from plugins.training.models import TrainingBooking
    from tests.plugins.training.world import add_course, add_session, book, build_world

    world = build_world()
    session = add_session(world.bib, add_course(world.bib, "Meet the LADO"))
    booking = book(world.hf, session, "hf.worker@hf.example")
    held = datetime.now(UTC) - timedelta(days=2)
    with unscoped():
        row = db.session.get(TrainingBooking, booking)
        row.attendance = "attended"
        row.session.starts_at = held
    db.session.commit()
    year = FinancialYear.containing(london_day(held)).start_year
    login(client, "hf.admin@hf.example")
    html = client.get(f"/hf/annual-report?year={year}").get_data(as_text=True)
    assert "made fewer than 5 bookings: fewer than 5 attended in full" in " ".join(html.split())
    assert "1 multi-agency training session" in html  # sessions are not people: published as they are
    figures = html[html.index('data-testid="figures-training"'):]
    assert "fewer than 5" in figures
    # The working page keeps the exact count, in its table and its chart.
    working = client.get(f"/hf/training/figures?year={year}").get_data(as_text=True)
    assert "fewer than" not in working and 'data-testid="training-sectors-chart"' in working
    assert working.index('data-testid="training-sectors-chart"') < working.index('data-testid="by-sector"')


def test_the_settings_page_shows_the_threshold_with_what_it_does(client, app):
    alpha = create_tenant("alpha")
    make_user("admin@alpha.example", alpha)
    _publish(alpha, 7)
    login(client, "admin@alpha.example")
    html = client.get("/alpha/plan/arrangements").get_data(as_text=True)
    field = re.search(r'<input[^>]*name="small_numbers_threshold"[^>]*>', html).group(0)
    assert 'value="7"' in field and 'inputmode="numeric"' in field
    assert "Smallest count to publish" in html and "Working pages keep the exact counts" in html


def test_the_settings_page_saves_the_threshold(client):
    from core.structure.arrangements import read_settings
    from core.tenancy.isolation import tenant_scope
    from tests.helpers import create_tenant, form_post, login, make_user

    alpha = create_tenant("alpha")
    make_user("bm@alpha.example", alpha, roles=("business_manager",))
    login(client, "bm@alpha.example")
    form = {"review_interval_months": "12", "attendance_threshold_percent": "75", "invoice_by": "10-01",
            "annual_report_due": "09-30", "reminder_days": "28, 7"}
    assert form_post(client, "/alpha/plan/arrangements", {**form, "small_numbers_threshold": "10"}).status_code == 302
    with tenant_scope(alpha):
        assert read_settings().small_numbers_threshold == 10
    refused = form_post(client, "/alpha/plan/arrangements", {**form, "small_numbers_threshold": "11"})
    assert refused.status_code == 400 and "smallest count to publish" in refused.get_data(as_text=True)
    with tenant_scope(alpha):
        assert read_settings().small_numbers_threshold == 10
