"""The funding pages: a business manager records a year's contributions, invoices, payments and spending;
a scrutineer sees it all and changes nothing; a practitioner sees none of it; the statement downloads."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from flask import g, render_template
from openpyxl import load_workbook
from sqlalchemy import insert, select

from core.audit.models import AuditEvent
from core.calendar import FinancialYear, london_today
from core.db import db
from core.structure import funding
from core.structure.funding import ContributionFields
from core.structure.models import Contribution, Spend
from core.structure.views_funding import dashboard_panel
from core.tenancy.isolation import tenant_scope
from core.tenancy.models import Agency
from tests.helpers import count_queries, create_tenant, form_post, login, make_user, text_of

PAST = date(2026, 6, 1)  # a day before any test runs, for records made directly


@pytest.fixture
def alpha():
    tenant = create_tenant("alpha")
    make_user("manager@alpha.example", tenant, roles=("business_manager",))
    make_user("scrutineer@alpha.example", tenant, roles=("independent_scrutineer",))
    make_user("worker@alpha.example", tenant, roles=("practitioner",))
    return tenant


def agency_id(tenant, key: str) -> int:
    with tenant_scope(tenant):
        return db.session.scalars(select(Agency.id).where(Agency.key == key)).one()


def add_contribution(tenant, key: str, year: int, pounds: str, **dates) -> int:
    with tenant_scope(tenant):
        c = funding.add_contribution(year, ContributionFields(
            agency_id=db.session.scalars(select(Agency.id).where(Agency.key == key)).one(),
            amount_pence=funding.parse_money(pounds), **dates), PAST)
        db.session.commit()
        return c.id


def add_spend(tenant, day: date, pounds: str, category: str = "training", description: str = "Course") -> int:
    with tenant_scope(tenant):
        s = funding.add_spend(day, category, description, funding.parse_money(pounds), PAST)
        db.session.commit()
        return s.id


def day(prefix: str, d: date) -> dict:
    return {f"{prefix}-day": str(d.day), f"{prefix}-month": str(d.month), f"{prefix}-year": str(d.year)}


def contributions(tenant) -> list[tuple]:
    db.session.commit()
    with tenant_scope(tenant):
        return [(c.agency.key, c.year, c.amount_pence, c.invoiced_on, c.invoice_reference, c.paid_on)
                for c in db.session.scalars(select(Contribution).order_by(Contribution.id))]


def test_a_business_manager_records_a_year_of_funding(client, alpha):
    login(client, "manager@alpha.example")
    page = client.get("/alpha/funding/?year=2025")
    assert page.status_code == 200
    assert "Funding 2025/26" in page.get_data(as_text=True)
    assert "No contributions are recorded for 2025/26" in page.get_data(as_text=True)

    added = form_post(client, "/alpha/funding/contributions/new?year=2025", {
        "agency_id": str(agency_id(alpha, "police")), "amount": "£33,333.33", **day("agreed_on", date(2025, 5, 1))})
    assert added.status_code == 302 and added.location == "/alpha/funding/?year=2025"
    form_post(client, "/alpha/funding/contributions/new?year=2025",
              {"agency_id": str(agency_id(alpha, "icb")), "amount": "12,500.5"})
    police, icb = [row for row in contributions(alpha)]
    assert police[:3] == ("police", 2025, 3_333_333) and icb[:3] == ("icb", 2025, 1_250_050)

    with tenant_scope(alpha):
        police_id = db.session.scalars(select(Contribution.id).join(Contribution.agency)
                                       .where(Agency.key == "police")).one()
    invoiced = form_post(client, f"/alpha/funding/contributions/{police_id}/invoice",
                         {**day("invoiced_on", date(2025, 10, 2)), "invoice_reference": "INV-2025-7"})
    assert invoiced.status_code == 302
    paid = form_post(client, f"/alpha/funding/contributions/{police_id}/payment", day("paid_on", date(2025, 11, 3)))
    assert paid.status_code == 302
    assert contributions(alpha)[0][3:] == (date(2025, 10, 2), "INV-2025-7", date(2025, 11, 3))

    assert form_post(client, "/alpha/funding/spend/new?year=2025", {
        **day("spent_on", date(2026, 3, 31)), "category": "scrutiny", "description": "Scrutineer, last quarter",
        "amount": "0.01"}).location == "/alpha/funding/?year=2025"
    assert form_post(client, "/alpha/funding/spend/new?year=2025", {
        **day("spent_on", date(2026, 4, 1)), "category": "training", "description": "April course",
        "amount": "100"}).location == "/alpha/funding/?year=2026"

    words = text_of(client.get("/alpha/funding/?year=2025").get_data(as_text=True))
    assert "Alpha Police £33,333.33 1 May 2025 Late Invoiced 2 October 2025, after the deadline of 1 October 2025 " \
           "Reference INV-2025-7 3 November 2025" in words
    assert "Alpha ICB £12,500.50 Not recorded Overdue Not invoiced: due by 1 October 2025 Not paid" in words
    assert "1 contribution is overdue for invoicing: Alpha ICB" in words
    assert "31 March 2026 Independent scrutiny Scrutineer, last quarter £0.01" in words
    assert "April course" not in words  # 1 April 2026 is in the next financial year
    assert "Total income £45,833.83" in words and "Total expenditure £0.01" in words
    assert "Surplus for the year £45,833.82" in words
    assert "Contributions received £33,333.33" in words
    assert "Alpha Council" in words and "2 agencies have no contribution recorded for 2025/26" in words
    assert "April course" in client.get("/alpha/funding/?year=2026").get_data(as_text=True)

    db.session.commit()
    with tenant_scope(alpha):
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions.count("funding.contribution.added") == 2
    assert {"funding.contribution.invoiced", "funding.contribution.paid", "funding.spend.added"} <= set(actions)


def test_changing_a_contribution_and_removing_spending(client, alpha):
    c = add_contribution(alpha, "police", 2025, "1,000")
    s = add_spend(alpha, date(2025, 7, 1), "250", "staffing", "Business support")
    login(client, "manager@alpha.example")
    form = client.get(f"/alpha/funding/contributions/{c}/change").get_data(as_text=True)
    assert 'value="1,000.00"' in form
    changed = form_post(client, f"/alpha/funding/contributions/{c}/change", {
        "agency_id": str(agency_id(alpha, "council")), "amount": "1,500", **day("agreed_on", date(2025, 4, 20))})
    assert changed.status_code == 302 and changed.location == f"/alpha/funding/contributions/{c}"
    assert contributions(alpha) == [("council", 2025, 150_000, None, "", None)]

    confirm = client.get(f"/alpha/funding/spend/{s}/remove")
    assert confirm.status_code == 200 and "Business support" in confirm.get_data(as_text=True)
    assert form_post(client, f"/alpha/funding/spend/{s}/remove").location == "/alpha/funding/?year=2025"
    db.session.commit()
    with tenant_scope(alpha):
        assert db.session.scalars(select(Spend)).all() == []
        assert db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("funding.%"))
                                  .order_by(AuditEvent.id)).all()[-2:] == ["funding.contribution.changed",
                                                                           "funding.spend.removed"]


@pytest.mark.parametrize(("amount", "message"), [
    ("-500", "The amount cannot be negative"),
    ("12.345", "Enter the amount to the penny, with no more than two decimal places"),
    ("five hundred", "Enter an amount in pounds using numbers, like 12,500 or 12,500.50"),
    ("", "Enter the amount agreed, in pounds"),
])
def test_money_typed_wrongly_is_refused_with_a_message(client, alpha, amount, message):
    login(client, "manager@alpha.example")
    response = form_post(client, "/alpha/funding/contributions/new?year=2025",
                         {"agency_id": str(agency_id(alpha, "police")), "amount": amount})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html and f'<a href="#amount">{message}</a>' in html
    assert f'value="{amount}"' in html  # what they typed is kept, to correct
    assert contributions(alpha) == []


def test_other_mistakes_on_the_forms_are_named(client, alpha):
    beta = create_tenant("beta")
    c = add_contribution(alpha, "police", 2025, "1,000")
    login(client, "manager@alpha.example")
    duplicate = form_post(client, "/alpha/funding/contributions/new?year=2025",
                          {"agency_id": str(agency_id(alpha, "police")), "amount": "5"})
    assert duplicate.status_code == 400
    assert "Alpha Police already has a contribution for 2025/26" in duplicate.get_data(as_text=True)
    foreign = form_post(client, "/alpha/funding/contributions/new?year=2025",
                        {"agency_id": str(agency_id(beta, "icb")), "amount": "5"})
    assert foreign.status_code == 400 and "Choose an agency from the list" in foreign.get_data(as_text=True)
    huge = form_post(client, "/alpha/funding/contributions/new?year=2025",
                     {"agency_id": "99999999999", "amount": "5"})
    assert huge.status_code == 400 and "Choose from the list" in huge.get_data(as_text=True)
    bad_date = form_post(client, f"/alpha/funding/contributions/{c}/invoice", {
        "invoiced_on-day": "31", "invoiced_on-month": "2", "invoiced_on-year": "2025"})
    assert bad_date.status_code == 400
    assert '<a href="#invoiced_on">The invoice date must be a real date</a>' in bad_date.get_data(as_text=True)
    overflow = form_post(client, f"/alpha/funding/contributions/{c}/invoice", {
        "invoiced_on-day": "9" * 20, "invoiced_on-month": "1", "invoiced_on-year": "2025"})
    assert overflow.status_code == 400 and "The invoice date must be a real date" in overflow.get_data(as_text=True)
    no_date = form_post(client, f"/alpha/funding/contributions/{c}/invoice", {"invoice_reference": "X"})
    assert no_date.status_code == 400 and "Enter the invoice date" in no_date.get_data(as_text=True)
    early = form_post(client, f"/alpha/funding/contributions/{c}/payment", day("paid_on", date(2025, 11, 1)))
    assert early.status_code == 400 and "Record the invoice before the payment" in early.get_data(as_text=True)
    spend = form_post(client, "/alpha/funding/spend/new", {"amount": "1,0,0"})
    html = spend.get_data(as_text=True)
    assert spend.status_code == 400
    for message in ("Enter the date spent", "Choose what the money was spent on",
                    "Describe what the money was spent on", "Enter an amount in pounds using numbers"):
        assert message in html
    assert contributions(alpha) == [("police", 2025, 100_000, None, "", None)]


def test_a_year_that_is_not_one_is_a_400_with_a_message(client, alpha):
    login(client, "manager@alpha.example")
    for url in ("/alpha/funding/?year=twenty", "/alpha/funding/?year=1999", "/alpha/funding/statement.csv?year=x",
                "/alpha/funding/statement.xlsx?year=2025/27", "/alpha/funding/contributions/new?year=-1",
                "/alpha/funding/spend/new?year=99999999999999999999"):
        response = client.get(url)
        assert response.status_code == 400, url
        html = response.get_data(as_text=True)
        assert "Choose a financial year" in html and 'href="#year"' in html, url
    current = FinancialYear.containing(london_today()).label
    assert f"Funding {current}" in client.get("/alpha/funding/").get_data(as_text=True)
    assert "Funding 2025/26" in client.get("/alpha/funding/?year=2025/26").get_data(as_text=True)


def test_a_scrutineer_sees_the_funding_and_changes_nothing(client, alpha):
    c = add_contribution(alpha, "police", 2025, "1,000")
    s = add_spend(alpha, date(2025, 7, 1), "250")
    login(client, "scrutineer@alpha.example")
    index = client.get("/alpha/funding/?year=2025")
    assert index.status_code == 200
    html = index.get_data(as_text=True)
    assert "Alpha Police" in html and "£1,000.00" in html
    assert "Add a contribution" not in html and "Add spending" not in html and "Remove" not in html
    detail = client.get(f"/alpha/funding/contributions/{c}")
    assert detail.status_code == 200
    assert "Record the invoice" not in detail.get_data(as_text=True)
    assert "Change this contribution" not in detail.get_data(as_text=True)
    assert client.get("/alpha/funding/statement.csv?year=2025").status_code == 200
    assert client.get("/alpha/funding/statement.xlsx?year=2025").status_code == 200
    assert client.get("/alpha/funding/contributions/new?year=2025").status_code == 403
    assert client.get(f"/alpha/funding/contributions/{c}/change").status_code == 403
    assert client.get(f"/alpha/funding/spend/{s}/remove").status_code == 403
    for url, data in ((f"/alpha/funding/contributions/{c}/change", {"agency_id": "1", "amount": "1"}),
                      (f"/alpha/funding/contributions/{c}/invoice", day("invoiced_on", date(2025, 9, 1))),
                      (f"/alpha/funding/contributions/{c}/payment", day("paid_on", date(2025, 9, 1))),
                      ("/alpha/funding/contributions/new?year=2025", {"agency_id": "1", "amount": "1"}),
                      ("/alpha/funding/spend/new", {"amount": "1"}),
                      (f"/alpha/funding/spend/{s}/remove", {})):
        assert form_post(client, url, data).status_code == 403, url
    assert contributions(alpha) == [("police", 2025, 100_000, None, "", None)]
    with tenant_scope(alpha):
        assert len(db.session.scalars(select(Spend)).all()) == 1


def test_a_practitioner_sees_no_funding(client, alpha):
    c = add_contribution(alpha, "police", 2025, "1,000")
    login(client, "worker@alpha.example")
    for url in ("/alpha/funding/", "/alpha/funding/?year=2025", f"/alpha/funding/contributions/{c}",
                "/alpha/funding/statement.csv?year=2025", "/alpha/funding/statement.xlsx?year=2025",
                "/alpha/funding/contributions/new"):
        assert client.get(url).status_code == 403, url
    assert "Funding" not in client.get("/alpha/").get_data(as_text=True).split("</header>")[0]


def test_another_partnerships_records_are_not_found(client, alpha):
    beta = create_tenant("beta")
    theirs = add_contribution(beta, "police", 2025, "7,777")
    their_spend = add_spend(beta, date(2025, 7, 1), "77")
    make_user("admin@alpha.example", alpha)
    login(client, "admin@alpha.example")
    assert client.get(f"/alpha/funding/contributions/{theirs}").status_code == 404
    assert client.get(f"/alpha/funding/contributions/{theirs}/change").status_code == 404
    assert client.get(f"/alpha/funding/spend/{their_spend}/remove").status_code == 404
    for url, data in ((f"/alpha/funding/contributions/{theirs}/change", {"agency_id": "1", "amount": "1"}),
                      (f"/alpha/funding/contributions/{theirs}/invoice", day("invoiced_on", date(2025, 9, 1))),
                      (f"/alpha/funding/contributions/{theirs}/payment", day("paid_on", date(2025, 9, 1))),
                      (f"/alpha/funding/spend/{their_spend}/remove", {})):
        assert form_post(client, url, data).status_code == 404, url
    assert "7,777" not in client.get("/alpha/funding/?year=2025").get_data(as_text=True)
    assert contributions(beta) == [("police", 2025, 777_700, None, "", None)]
    with tenant_scope(beta):
        assert len(db.session.scalars(select(Spend)).all()) == 1


def test_the_statement_downloads_as_csv_and_xlsx(client, alpha):
    for key in ("council", "police", "icb"):
        add_contribution(alpha, key, 2025, "33,333.33")
    add_contribution(alpha, "council", 2024, "100")
    add_spend(alpha, date(2024, 5, 1), "40.50", "training")
    add_spend(alpha, date(2025, 4, 1), "0.01", "case_reviews")
    with tenant_scope(alpha):  # a name a spreadsheet would take for a formula
        db.session.scalars(select(Agency).where(Agency.key == "icb")).one().name = "=HYPERLINK(\"http://x\")"
        db.session.commit()
    login(client, "scrutineer@alpha.example")

    response = client.get("/alpha/funding/statement.csv?year=2025")
    assert response.mimetype == "text/csv"
    assert 'filename="income-and-expenditure-2025-26.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["Alpha Safeguarding Children Partnership: income and expenditure statement 2025/26"]
    assert rows[1] == ["1 April 2025 to 31 March 2026"]
    assert rows[3] == ["Section", "Item", "Amount (£)"]
    body = rows[4:]
    assert ["Income", "'=HYPERLINK(\"http://x\")", "33333.33"] in body
    assert ["Income", "Total income", "99999.99"] in body
    assert ["Expenditure", "Case reviews", "0.01"] in body and ["Expenditure", "Training", "0.00"] in body
    assert ["Expenditure", "Total expenditure", "0.01"] in body
    assert body[-3:] == [["Result", "Surplus for the year", "99999.98"],
                         ["Balance", "Balance brought forward from earlier years", "59.50"],
                         ["Balance", "Balance carried forward", "100059.48"]]

    response = client.get("/alpha/funding/statement.xlsx?year=2025")
    assert 'filename="income-and-expenditure-2025-26.xlsx"' in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.title == "2025-26"
    cells = {(r[0].value, r[1].value): r[2] for r in sheet.iter_rows(min_row=5) if r[0].value}
    total = cells[("Income", "Total income")]
    assert isinstance(total.value, int | float) and total.value == 99999.99
    assert total.number_format.startswith("#,##0.00")
    assert cells[("Expenditure", "Total expenditure")].value == 0.01
    assert cells[("Result", "Surplus for the year")].value == 99999.98
    assert cells[("Balance", "Balance brought forward from earlier years")].value == 59.5
    assert cells[("Balance", "Balance carried forward")].value == 100059.48
    formula_name = cells[("Income", "=HYPERLINK(\"http://x\")")]  # kept as the text it is, not a formula
    assert formula_name.value == 33333.33
    name_cell = next(r[1] for r in sheet.iter_rows(min_row=5) if r[1].value == "=HYPERLINK(\"http://x\")")
    assert name_cell.data_type == "s"


def test_queries_per_page_do_not_grow_with_the_data(client, alpha):
    make_user("admin@alpha.example", alpha)
    c = add_contribution(alpha, "police", 2025, "1")
    add_spend(alpha, date(2025, 5, 1), "1")
    login(client, "admin@alpha.example")
    urls = ["/alpha/funding/?year=2025", f"/alpha/funding/contributions/{c}", "/alpha/funding/statement.csv?year=2025",
            "/alpha/funding/statement.xlsx?year=2025", f"/alpha/funding/contributions/{c}/change"]

    def counts():
        out = {}
        for url in urls:
            client.get(url)
            with count_queries() as counter:
                assert client.get(url).status_code == 200, url
            out[url] = counter.n
        return out

    few = counts()
    with tenant_scope(alpha):
        agencies = db.session.scalars(insert(Agency).returning(Agency.id, sort_by_parameter_order=True), [
            {"key": f"bulk-{i}", "name": f"Agency {i}", "sector": "miscellaneous"} for i in range(150)]).all()
        db.session.execute(insert(Contribution), [
            {"agency_id": a, "year": year, "amount_pence": 100 + i, "invoiced_on": date(2025, 9, 1) if i % 2 else None}
            for i, a in enumerate(agencies) for year in (2024, 2025)])
        db.session.execute(insert(Spend), [
            {"year": 2025, "category": "training", "description": f"Course {i}", "amount_pence": i + 1,
             "spent_on": date(2025, 6, 1)} for i in range(300)])
        db.session.commit()
    many = counts()
    assert many == few
    assert "Agency 149" in client.get("/alpha/funding/?year=2025").get_data(as_text=True)


def test_the_dashboard_panel(app, alpha, monkeypatch):
    add_contribution(alpha, "police", 2026, "1,000")
    add_contribution(alpha, "icb", 2026, "2,000", invoiced_on=date(2026, 5, 1))
    add_contribution(alpha, "council", 2025, "5,000")
    add_spend(alpha, date(2026, 4, 2), "300.10")
    add_spend(alpha, date(2026, 3, 31), "99")
    monkeypatch.setattr("core.calendar.london_today", lambda: date(2026, 10, 2))
    with tenant_scope(alpha):
        g.tenant = alpha
        panel = dashboard_panel(alpha)
        assert (panel.permission, panel.template) == ("core.funding.view", "funding/panel.html")
        with count_queries() as counter:
            context = panel.context()
        assert counter.n <= 3
        html = render_template(panel.template, context=context)
    words = text_of(html)
    assert "Financial year 2026/27" in words
    assert "£3,000.00 agreed in contributions" in words and "£300.10 spent" in words
    assert "1 contribution not yet invoiced: overdue , due by 1 October 2026" in words
    assert 'href="/alpha/funding/"' in html


# -- what the pages say and offer ------------------------------------------------------------------------


def error_links(html: str) -> list[str]:
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.S)
    return re.findall(r'href="#([^"]+)"', summary.group(1)) if summary else []


def test_an_overdue_or_late_invoice_says_so_once(client, alpha):
    overdue = add_contribution(alpha, "icb", 2025, "1,000")
    late = add_contribution(alpha, "police", 2025, "2,000", invoiced_on=date(2025, 10, 2))
    login(client, "manager@alpha.example")
    for url in ("/alpha/funding/?year=2025", f"/alpha/funding/contributions/{overdue}",
                f"/alpha/funding/contributions/{late}"):
        words = text_of(client.get(url).get_data(as_text=True))
        assert "Overdue Overdue" not in words and "Late Invoiced late" not in words, url
    index = text_of(client.get("/alpha/funding/?year=2025").get_data(as_text=True))
    assert "Overdue Not invoiced: due by 1 October 2025" in index
    assert "Late Invoiced 2 October 2025, after the deadline of 1 October 2025" in index


def test_the_year_links_stop_at_the_first_and_last_years_there_can_be(client, alpha):
    login(client, "manager@alpha.example")
    for year, gone, kept in ((2000, "Previous year", "Next year"), (2100, "Next year", "Previous year")):
        html = client.get(f"/alpha/funding/?year={year}").get_data(as_text=True)
        assert gone not in html and kept in html, year
    middle = client.get("/alpha/funding/?year=2025").get_data(as_text=True)
    nav = re.search(r'<nav class="govuk-pagination[^>]*>.*?</nav>', middle, re.S).group(0)
    assert "2024/25" in text_of(nav) and "2026/27" in text_of(nav)
    for edge in (2000, 2100, 2025):
        html = client.get(f"/alpha/funding/?year={edge}").get_data(as_text=True)
        nav = re.search(r'<nav class="govuk-pagination[^>]*>.*?</nav>', html, re.S).group(0)
        for href in re.findall(r'href="([^"]+)"', nav):
            assert client.get(href.replace("&amp;", "&")).status_code == 200, href


def test_spending_is_offered_only_for_a_year_that_has_begun(client, alpha):
    login(client, "manager@alpha.example")
    current = FinancialYear.containing(london_today()).start_year
    assert "Add spending" in client.get(f"/alpha/funding/?year={current}").get_data(as_text=True)
    ahead = client.get(f"/alpha/funding/?year={current + 1}").get_data(as_text=True)
    assert "Add spending" not in ahead
    assert f"Spending can be recorded from 1 April {current + 1}" in text_of(ahead)


def test_a_contribution_is_offered_only_while_an_agency_has_none(client, alpha):
    for key in ("council", "police", "icb"):
        add_contribution(alpha, key, 2025, "1,000")
    login(client, "manager@alpha.example")
    assert "Add a contribution" in client.get("/alpha/funding/?year=2025").get_data(as_text=True)
    add_contribution(alpha, "school", 2025, "100")
    full = client.get("/alpha/funding/?year=2025").get_data(as_text=True)
    assert "Add a contribution" not in full and "Every agency has a contribution for 2025/26" in text_of(full)


def test_a_payment_before_the_invoice_is_refused_where_the_invoice_is_asked_for(client, alpha):
    c = add_contribution(alpha, "police", 2025, "1,000")
    login(client, "manager@alpha.example")
    for data in (day("paid_on", date(2025, 11, 3)), {}):
        response = form_post(client, f"/alpha/funding/contributions/{c}/payment", data)
        html = response.get_data(as_text=True)
        assert response.status_code == 400 and "Record the invoice before the payment" in html
        assert error_links(html) == ["invoiced_on"] and 'id="invoiced_on"' in html
    assert contributions(alpha) == [("police", 2025, 100_000, None, "", None)]
