"""The one financial year picker: every page that shows a year offers a list of the years it has something
for, with this year and the year shown; what is not a year gets the same message, in the error summary."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.calendar import FinancialYear
from core.db import db
from core.structure import funding
from core.structure.funding import ContributionFields
from core.tenancy.isolation import tenant_scope
from core.tenancy.models import Agency
from tests.helpers import create_tenant, login, make_user

YEAR_PAGES = ["/alpha/funding/", "/alpha/plan/", "/alpha/meetings/attendance", "/alpha/annual-report"]


def year_options(html: str) -> list[tuple[str, str, bool]]:
    """``(value, text, selected)`` of each option of the picker."""
    picker = re.search(r'<select[^>]*id="year".*?</select>', html, re.S).group(0)
    return [(value, text.strip(), bool(selected)) for value, selected, text in
            re.findall(r'<option value="([^"]*)"( selected)?[^>]*>([^<]*)</option>', picker)]


def signed_in_admin(client):
    alpha = create_tenant("alpha")
    make_user("admin@alpha.example", alpha)
    login(client, "admin@alpha.example")
    return alpha


def test_every_year_page_refuses_what_is_not_a_year_in_the_same_words_linked_from_the_summary(client):
    signed_in_admin(client)
    current = FinancialYear.current()
    for url in YEAR_PAGES:
        # The annual report is of a year that has begun; the other pages go up to 2100.
        last = current.start_year if url.endswith("annual-report") else 2100
        for bad in ("twenty", "2025/27", "1999", "2101"):
            response = client.get(f"{url}?year={bad}")
            html = response.get_data(as_text=True)
            assert response.status_code == 400, (url, bad)
            assert 'class="govuk-error-summary"' in html, (url, bad)
            assert f'<a href="#year">Choose a financial year between 2000 and {last}</a>' in html, (url, bad)
            assert year_options(html), (url, bad)  # the picker is there to choose again


def test_each_page_offers_this_year_and_the_year_shown_and_accepts_a_label(client):
    signed_in_admin(client)
    current = FinancialYear.current()
    for url in YEAR_PAGES:
        html = client.get(f"{url}?year=2019/20").get_data(as_text=True)
        options = year_options(html)
        assert ("2019", "2019/20", True) in options, url
        assert (str(current.start_year), current.label, False) in options, url
        assert [value for value, _, _ in options] == sorted(value for value, _, _ in options), url


def test_the_funding_picker_offers_every_year_with_a_contribution(client):
    alpha = signed_in_admin(client)
    with tenant_scope(alpha):
        police = db.session.scalars(select(Agency).where(Agency.key == "police")).one()
        funding.add_contribution(2021, ContributionFields(agency_id=police.id, amount_pence=100_00),
                                 FinancialYear.current().start)
    db.session.commit()
    options = year_options(client.get("/alpha/funding/").get_data(as_text=True))
    assert ("2021", "2021/22", False) in options
    assert (str(FinancialYear.current().start_year), FinancialYear.current().label, True) in options


def test_the_annual_report_offers_the_last_complete_year_first_chosen_and_no_year_to_come(client):
    signed_in_admin(client)
    current = FinancialYear.current()
    options = year_options(client.get("/alpha/annual-report").get_data(as_text=True))
    assert options[-2:] == [(str(current.previous.start_year), current.previous.label, True),
                            (str(current.start_year), current.label, False)]
