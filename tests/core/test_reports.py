"""The annual report and data set figures, gathered from the enabled modules through their hooks."""

from __future__ import annotations

from datetime import UTC, date, datetime

from lscp_noticeboard.services import post_notice

from core.calendar import FinancialYear
from core.db import db
from core.plugins.services import disable_module, enable_module
from core.tenancy.isolation import tenant_scope
from tests.helpers import bearer, create_tenant, login, make_user, set_clock


def test_financial_years_run_from_april_to_march():
    assert FinancialYear.containing(date(2026, 3, 31)).start_year == 2025
    assert FinancialYear.containing(date(2026, 4, 1)).start_year == 2026
    year = FinancialYear(2025)
    assert (year.start, year.end, year.label) == (date(2025, 4, 1), date(2026, 3, 31), "2025/26")


def test_the_year_turns_at_midnight_in_london_not_utc(client, monkeypatch):
    """00:30 on 1 April 2027 in London is 23:30 on 31 March in UTC: 2026/27 has ended, so it is the last
    complete year, which the report shows unless asked for another."""
    alpha = create_tenant("alpha")
    make_user("admin@alpha.example", alpha)
    db.session.commit()
    login(client, "admin@alpha.example")
    set_clock(monkeypatch, datetime(2027, 3, 31, 23, 30, tzinfo=UTC))
    assert FinancialYear.current() == FinancialYear(2027)
    assert "Annual report 2026/27" in client.get("/alpha/annual-report").get_data(as_text=True)
    # An hour earlier it is still 31 March in London too.
    set_clock(monkeypatch, datetime(2027, 3, 31, 22, 30, tzinfo=UTC))
    assert "Annual report 2025/26" in client.get("/alpha/annual-report").get_data(as_text=True)


def test_the_report_has_a_section_from_each_enabled_module(client):
    alpha = create_tenant("alpha")
    make_user("admin@alpha.example", alpha)
    enable_module(alpha, "noticeboard")
    with tenant_scope(alpha):
        post_notice("One")
        post_notice("Two")
    db.session.commit()
    login(client, "admin@alpha.example")
    page = client.get("/alpha/annual-report?year=2025").get_data(as_text=True)
    assert "Annual report 2025/26" in page
    assert "<p>2 notices in 2025/26.</p>" in page  # the module's own HTML, not escaped
    disable_module(alpha, "noticeboard")
    db.session.commit()
    page = client.get("/alpha/annual-report?year=2025").get_data(as_text=True)
    assert "notices in" not in page and "No module of this partnership contributes" in page
    bad = client.get("/alpha/annual-report?year=twenty")
    assert bad.status_code == 400
    message = f"Choose a financial year between 2000 and {FinancialYear.current().start_year}"
    assert f'<a href="#year">{message}</a>' in bad.get_data(as_text=True)  # in the error summary, as on every page


def test_figures_through_the_api(client):
    alpha = create_tenant("alpha")
    make_user("admin@alpha.example", alpha)
    enable_module(alpha, "noticeboard")
    with tenant_scope(alpha):
        post_notice("One")
        from core.auth.services import create_api_token, user_by_email

        _t, token = create_api_token(user_by_email("admin@alpha.example"), "report")
    db.session.commit()
    figures = client.get("/api/v1/alpha/figures?year=2025", headers=bearer(token)).get_json()
    assert figures == {"year": "2025/26", "start": "2025-04-01", "end": "2026-03-31",
                       "modules": {"noticeboard": {"notices": 1}}}
    missing = client.get("/api/v1/alpha/figures", headers=bearer(token))
    assert missing.status_code == 422 and "year" in missing.get_json()["errors"]["query"]


def test_practitioners_do_not_see_the_report(client):
    alpha = create_tenant("alpha")
    make_user("worker@alpha.example", alpha, roles=("practitioner",))
    login(client, "worker@alpha.example")
    assert client.get("/alpha/annual-report").status_code == 403
    assert "Annual report" not in client.get("/alpha/").get_data(as_text=True)
