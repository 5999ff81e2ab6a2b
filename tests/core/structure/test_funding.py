"""The rules of the pooled budget: money as typed, financial years, the invoice deadline, contributions and
spending, and an income and expenditure statement exact to the penny."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.db import db
from core.structure import funding
from core.structure.funding import ContributionFields, FundingError, MoneyError
from core.structure.models import Arrangements, Contribution, Spend
from core.tenancy.isolation import tenant_scope
from core.tenancy.models import Agency
from tests.helpers import create_tenant

TODAY = date(2026, 6, 1)


@pytest.fixture
def alpha():
    return create_tenant("alpha")


def agency(key: str) -> Agency:
    return db.session.scalars(select(Agency).where(Agency.key == key)).one()


def contribute(key: str, year: int, pounds: str, **dates) -> Contribution:
    return funding.add_contribution(
        year, ContributionFields(agency_id=agency(key).id, amount_pence=funding.parse_money(pounds), **dates), TODAY)


def set_invoice_by(value: str) -> None:
    db.session.scalars(select(Arrangements)).one().invoice_by = value


def spend(day: date, pounds: str, category: str = "training", description: str = "Course") -> Spend:
    return funding.add_spend(day, category, description, funding.parse_money(pounds), TODAY)


# -- money ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "pence"), [
    ("£12,500", 1_250_000),
    ("12500.50", 1_250_050),
    ("12,500.5", 1_250_050),
    (" £ 0.01 ", 1),
    ("33,333.33", 3_333_333),
    # Amounts a float gets wrong (0.29 * 100 is 28.999...): pence must come out exact all the same.
    ("0.29", 29),
    ("1.15", 115),
    ("4.35", 435),
    ("1,000,000", 100_000_000),
    ("100,000,000", 10_000_000_000),
])
def test_money_as_people_type_it_becomes_exact_pence(typed, pence):
    assert funding.parse_money(typed) == pence


@pytest.mark.parametrize(("typed", "message"), [
    ("-5", "The amount cannot be negative"),
    ("-£12,500", "The amount cannot be negative"),
    ("£-12,500", "The amount cannot be negative"),
    ("12.345", "no more than two decimal places"),
    ("0.001", "no more than two decimal places"),
    ("twelve thousand", "using numbers"),
    ("12,50", "using numbers"),  # a comma for the decimal point is not pence
    ("1e5", "using numbers"),
    ("", "Enter an amount in pounds"),
    ("100,000,000.01", "£100,000,000.00 or less"),
    ("0", "more than £0"),
])
def test_money_that_cannot_be_taken_is_refused_with_a_reason(typed, message):
    with pytest.raises(MoneyError, match=message):
        funding.parse_money(typed)


def test_money_is_shown_in_pounds_and_reads_back_the_same():
    assert funding.format_money(1_250_050) == "£12,500.50"
    assert funding.format_money(1) == "£0.01"
    assert funding.format_money(0) == "£0.00"
    assert funding.format_money(-100_000) == "-£1,000.00"
    assert funding.pounds_string(1_250_050) == "12500.50"
    assert funding.pounds_string(-5) == "-0.05"
    for pence in (1, 99, 100, 3_333_333, 1_250_050, 10_000_000_000):
        assert funding.parse_money(funding.format_money(pence)) == pence
        assert funding.parse_money(funding.format_amount(pence)) == pence


# -- years ------------------------------------------------------------------------------------------------


def test_spending_belongs_to_the_financial_year_of_its_date(alpha):
    with tenant_scope(alpha):
        last_day = spend(date(2026, 3, 31), "100")
        first_day = spend(date(2026, 4, 1), "200")
        db.session.commit()
        assert (last_day.year, first_day.year) == (2025, 2026)
        assert funding.statement_for(2025).expenditure_total == 10_000
        assert funding.statement_for(2026).expenditure_total == 20_000


# -- the invoice deadline --------------------------------------------------------------------------------


def test_without_arrangements_contributions_are_invoiced_by_1_october(alpha):
    with tenant_scope(alpha):
        set_invoice_by("12-25")
        assert funding.invoice_deadline(2025, funding.invoice_by_setting()) == date(2025, 12, 25)
        db.session.delete(db.session.scalars(select(Arrangements)).one())
        db.session.flush()
        assert funding.invoice_by_setting() == "10-01"
        assert funding.invoice_deadline(2025, funding.invoice_by_setting()) == date(2025, 10, 1)


def test_the_invoice_deadline_follows_the_arrangements(alpha):
    with tenant_scope(alpha):
        set_invoice_by("01-31")
        db.session.commit()
        # January is in the financial year's second calendar year.
        assert funding.invoice_deadline(2025, funding.invoice_by_setting()) == date(2026, 1, 31)
    assert funding.invoice_deadline(2025, "06-30") == date(2025, 6, 30)
    assert funding.invoice_deadline(2026, "02-29") == date(2027, 2, 28)
    assert funding.invoice_deadline(2027, "02-29") == date(2028, 2, 29)


def test_a_contribution_is_overdue_from_the_day_after_the_deadline():
    deadline = date(2025, 10, 1)
    on_the_day = funding.invoice_status(None, deadline, date(2025, 10, 1))
    day_after = funding.invoice_status(None, deadline, date(2025, 10, 2))
    assert (on_the_day.state, on_the_day.overdue, on_the_day.tag) == ("due", False, "")
    assert on_the_day.words == "Not invoiced yet: due by 1 October 2025"
    assert (day_after.state, day_after.overdue, day_after.tag) == ("overdue", True, "Overdue")
    # The words follow the tag on the page, so they do not say it again.
    assert day_after.words == "Not invoiced: due by 1 October 2025"


def test_an_invoice_raised_after_the_deadline_is_shown_late():
    deadline = date(2025, 10, 1)
    in_time = funding.invoice_status(date(2025, 10, 1), deadline, date(2026, 1, 1))
    late = funding.invoice_status(date(2025, 10, 2), deadline, date(2026, 1, 1))
    assert (in_time.state, in_time.late, in_time.overdue, in_time.tag) == ("on_time", False, False, "")
    assert in_time.words == "Invoiced 1 October 2025"
    assert (late.state, late.late, late.overdue, late.tag) == ("late", True, False, "Late")
    assert late.words == "Invoiced 2 October 2025, after the deadline of 1 October 2025"


def test_which_contributions_are_overdue_for_invoicing(alpha):
    with tenant_scope(alpha):
        police = contribute("police", 2025, "10,000")
        contribute("icb", 2025, "20,000", invoiced_on=date(2025, 9, 1))
        late = contribute("council", 2025, "30,000", invoiced_on=date(2025, 10, 2))
        db.session.commit()
        assert [c.agency.key for c in funding.year_of_funding(2025, date(2025, 10, 1)).overdue] == []
        year = funding.year_of_funding(2025, date(2025, 10, 2))
        assert year.overdue == [police]
        assert year.late == [late]


# -- contributions ---------------------------------------------------------------------------------------


def test_one_contribution_per_agency_per_year(alpha):
    with tenant_scope(alpha):
        contribute("police", 2025, "10,000")
        with pytest.raises(FundingError) as refused:
            contribute("police", 2025, "5,000")
        assert refused.value.errors == {"agency_id": "Alpha Police already has a contribution for 2025/26: "
                                                       "change that one"}
        contribute("police", 2026, "11,000")  # next year is another contribution
        icb = contribute("icb", 2025, "1")
        with pytest.raises(FundingError, match="already has a contribution"):
            funding.change_contribution(icb, ContributionFields(agency_id=agency("police").id, amount_pence=1), TODAY)
        db.session.commit()
        assert db.session.scalars(select(Contribution.year).where(Contribution.agency_id == agency("police").id)
                                  .order_by(Contribution.year)).all() == [2025, 2026]


def test_large_amounts_are_kept_exactly_up_to_the_limit(alpha):
    # Beyond a 32-bit integer (£21,474,836.47), so the column's width is tested on PostgreSQL too.
    with tenant_scope(alpha):
        with pytest.raises(ValueError, match=r"The amount must be £100,000,000.00 or less"):
            contribute("police", 2025, "100,000,000.01")
        contribute("police", 2025, "100,000,000")
        contribute("icb", 2025, "21,474,836.48")
        spend(date(2025, 5, 1), "50,000,000.01")
        db.session.commit()
        statement = funding.statement_for(2025)
        assert statement.income_total == 12_147_483_648
        assert statement.expenditure_total == 5_000_000_001


def test_only_the_partnerships_own_agencies_can_contribute(alpha):
    beta = create_tenant("beta")
    with tenant_scope(beta):
        beta_police = agency("police").id
    with tenant_scope(alpha):
        with pytest.raises(FundingError) as refused:
            funding.add_contribution(2025, ContributionFields(agency_id=beta_police, amount_pence=100), TODAY)
        assert refused.value.errors["agency_id"] == "Choose an agency from the list"
        with pytest.raises(FundingError, match="Choose an agency from the list"):
            funding.add_contribution(2025, ContributionFields(agency_id=2**40, amount_pence=100), TODAY)
        db.session.rollback()
        assert db.session.scalars(select(Contribution)).all() == []


@pytest.mark.parametrize(("dates", "field", "message"), [
    ({"agreed_on": date(2025, 5, 1), "invoiced_on": date(2025, 4, 30)}, "invoiced_on",
     "The invoice date must be the same as or after the date agreed"),
    ({"paid_on": date(2025, 11, 1)}, "paid_on", "Record the invoice before the payment"),
    ({"invoiced_on": date(2025, 10, 1), "paid_on": date(2025, 9, 30)}, "paid_on",
     "The date paid must be the same as or after the invoice date"),
    ({"agreed_on": date(2026, 6, 2)}, "agreed_on", "The date agreed cannot be in the future"),
    ({"invoice_reference": "INV-1"}, "invoiced_on", "Enter the invoice date as well as its reference"),
    ({"invoiced_on": date(2025, 10, 1), "invoice_reference": "X" * 61}, "invoice_reference", "60 characters"),
])
def test_contribution_dates_come_in_order(alpha, dates, field, message):
    with tenant_scope(alpha):
        with pytest.raises(FundingError) as refused:
            contribute("police", 2025, "1,000", **dates)
        assert message in refused.value.errors[field]


def test_the_invoice_and_the_payment_are_recorded_and_audited(alpha):
    with tenant_scope(alpha):
        c = contribute("police", 2025, "10,000", agreed_on=date(2025, 4, 10))
        with pytest.raises(FundingError, match="Record the invoice before the payment"):
            funding.record_payment(c, date(2025, 11, 1), TODAY)
        funding.record_invoice(c, date(2025, 10, 2), " INV-77 ", TODAY)
        with pytest.raises(FundingError, match="after the invoice date"):
            funding.record_payment(c, date(2025, 10, 1), TODAY)
        funding.record_payment(c, date(2025, 11, 3), TODAY)
        funding.change_contribution(c, ContributionFields(
            agency_id=c.agency_id, amount_pence=1_100_000, agreed_on=c.agreed_on, invoiced_on=c.invoiced_on,
            invoice_reference=c.invoice_reference, paid_on=c.paid_on), TODAY)
        db.session.commit()
        assert (c.invoiced_on, c.invoice_reference, c.paid_on) == (date(2025, 10, 2), "INV-77", date(2025, 11, 3))
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [e.action for e in events] == ["funding.contribution.added", "funding.contribution.invoiced",
                                              "funding.contribution.paid", "funding.contribution.changed"]
        assert all(e.object_id == str(c.id) for e in events)
        assert "(late)" in events[1].summary
        assert events[3].details == {"amount": {"from": "10000.00", "to": "11000.00"}}


# -- spending --------------------------------------------------------------------------------------------


def test_spending_needs_a_category_a_description_an_amount_and_a_past_date(alpha):
    with tenant_scope(alpha):
        with pytest.raises(FundingError) as refused:
            funding.add_spend(date(2026, 6, 2), "parties", " ", None, TODAY)
        assert refused.value.errors == {
            "spent_on": "The date spent cannot be in the future",
            "category": "Choose what the money was spent on",
            "description": "Describe what the money was spent on",
            "amount": "Enter an amount in pounds, like 12,500",
        }


def test_removing_spending_is_audited(alpha):
    with tenant_scope(alpha):
        item = spend(date(2025, 7, 1), "450", "scrutiny", "Scrutineer's fee")
        db.session.commit()
        funding.remove_spend(item)
        db.session.commit()
        assert db.session.scalars(select(Spend)).all() == []
        removed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "funding.spend.removed")).one()
        assert removed.details["amount"] == "450.00" and removed.details["description"] == "Scrutineer's fee"


# -- the statement ---------------------------------------------------------------------------------------


def test_the_statement_adds_up_to_the_penny(alpha):
    with tenant_scope(alpha):
        for key in ("council", "police", "icb"):
            contribute(key, 2025, "33,333.33")
        spend(date(2025, 6, 1), "0.01", "other", "Rounding")
        db.session.commit()
        statement = funding.statement_for(2025)
    assert [(line.label, line.pence) for line in statement.income] == [
        ("Alpha Council", 3_333_333), ("Alpha ICB", 3_333_333), ("Alpha Police", 3_333_333)]
    assert statement.income_total == 9_999_999
    assert funding.format_money(statement.income_total) == "£99,999.99"
    assert statement.expenditure_total == 1
    assert statement.surplus == 9_999_998 and statement.result_label == "Surplus for the year"
    assert funding.format_money(statement.carried_forward) == "£99,999.98"
    # Every category appears, spent on or not, so years compare line by line.
    assert [line.key for line in statement.expenditure] == ["training", "case_reviews", "scrutiny", "staffing",
                                                            "other"]
    assert statement.rows()[-3:] == [("Result", "Surplus for the year", 9_999_998),
                                     ("Balance", "Balance brought forward from earlier years", 0),
                                     ("Balance", "Balance carried forward", 9_999_998)]


def test_the_balance_carried_forward_is_every_earlier_years_income_less_spending(alpha):
    beta = create_tenant("beta")
    with tenant_scope(beta):  # another partnership's money is none of alpha's balance
        contribute("police", 2023, "1,000,000")
        spend(date(2024, 1, 1), "5")
        db.session.commit()
    with tenant_scope(alpha):
        contribute("council", 2023, "1,000.10")
        spend(date(2023, 6, 1), "300.05", "training")
        contribute("council", 2024, "500")
        spend(date(2025, 3, 31), "900.02", "staffing")  # the last day of 2024/25
        contribute("council", 2025, "200")
        spend(date(2025, 4, 1), "250", "case_reviews")  # the first day of 2025/26
        contribute("council", 2026, "9,999")  # a later year does not count
        db.session.commit()
        statement = funding.statement_for(2025)
        assert statement.brought_forward == (100_010 - 30_005) + (50_000 - 90_002) == 30_003
        assert statement.surplus == 20_000 - 25_000 and statement.is_deficit
        assert statement.result_label == "Deficit for the year"
        assert statement.carried_forward == 25_003
        assert funding.statement_for(2026).brought_forward == statement.carried_forward
        assert funding.statement_for(2023).brought_forward == 0


def test_income_received_and_outstanding(alpha):
    with tenant_scope(alpha):
        contribute("council", 2025, "100", invoiced_on=date(2025, 9, 1), paid_on=date(2025, 9, 20))
        contribute("police", 2025, "50.50")
        db.session.commit()
        statement = funding.statement_for(2025)
    assert (statement.received, statement.outstanding) == (10_000, 5_050)


def test_the_dashboard_summary_counts_this_years_money(alpha):
    with tenant_scope(alpha):
        contribute("council", 2025, "100", invoiced_on=date(2025, 9, 1))
        contribute("police", 2025, "50")
        contribute("icb", 2024, "999")
        spend(date(2025, 4, 1), "20")
        spend(date(2025, 3, 31), "7")
        db.session.commit()
        before = funding.funding_summary(date(2025, 10, 1))
        after = funding.funding_summary(date(2025, 10, 2))
    assert (before.label, before.income, before.spent, before.contributions) == ("2025/26", 15_000, 2_000, 2)
    assert (before.not_invoiced, before.overdue) == (1, 0)
    assert (after.not_invoiced, after.overdue) == (1, 1)
