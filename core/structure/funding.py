"""The partnership's pooled budget: what partner agencies agree to contribute each financial year, the
invoices raised for it, what is spent and on what, and the income and expenditure statement of a year.

Money is whole pence (``int``) from the moment it is typed to the moment it is shown: amounts are parsed
with ``Decimal`` and summed as integers, so a statement adds up to the penny however awkward the amounts
(three contributions of 33,333.33 are 99,999.99, not 99999.98999...). A financial year is named by the
calendar year it starts in: 2025 is 1 April 2025 to 31 March 2026.

Plain functions on the session of the tenant in scope; every change is written to the audit log in the
caller's transaction, which the caller commits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from core.audit.services import record
from core.calendar import FIRST_YEAR, LAST_YEAR, FinancialYear
from core.db import db
from core.refusals import Refused
from core.structure.models import SPEND_CATEGORIES, Arrangements, Contribution, Spend
from core.tenancy.models import Agency
from core.web.ids import MAX_ID

DEFAULT_INVOICE_BY = "10-01"
MAX_PENCE = 100_000_000 * 100  # £100m: far beyond any partnership's budget, so a slip of the keyboard
MAX_REFERENCE = 60
MAX_DESCRIPTION = 300


class FundingError(Refused):
    """A change refused, with a message for each field at fault (named as the forms and API name them)."""


class MoneyError(FundingError):
    """An amount someone typed that is not one we can take; the message says why, for them (the field is the
    caller's: the amount's own)."""


# -- days and years -----------------------------------------------------------------------------------


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def year_label(year: int) -> str:
    return FinancialYear(year).label


def adjacent_years(year: int) -> tuple[FinancialYear | None, FinancialYear | None]:
    """The years before and after, for links between years: None past the first or last year a page can
    show, so that no link leads to a refusal."""
    shown = FinancialYear(year)
    before = shown.previous if year - 1 >= FIRST_YEAR else None
    after = shown.next if year + 1 <= LAST_YEAR else None
    return before, after


def years_with_funding() -> set[int]:
    """The years with a contribution or spending, for the year picker: two queries."""
    return (set(db.session.scalars(select(Contribution.year).distinct()))
            | set(db.session.scalars(select(Spend.year).distinct())))


# -- money --------------------------------------------------------------------------------------------

# Digits with commas between every three, or digits with none; then up to any number of decimals, so
# that too many is reported as such rather than as "not a number".
_AMOUNT = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)?(?:\.([0-9]*))?")


def parse_money(text: str | None, *, allow_zero: bool = False) -> int:
    """Pence from what a person types: "£12,500", "12500.50", "12,500.5". Refuses negative amounts, more
    than two decimal places, words, and anything over £100m."""
    raw = (text or "").strip()
    if not raw:
        raise MoneyError("Enter an amount in pounds, like 12,500")
    cleaned = raw.replace("\u2212", "-").replace("\u2013", "-")  # a minus sign pasted from a document
    # "-£5", "£-5" and "- £ 5" are all negative; the sign and the pound sign may come in either order.
    parts = re.fullmatch(r"(-?)\s*(?:£\s*)?(-?)\s*(.*)", cleaned, flags=re.DOTALL)
    negative = bool(parts.group(1) or parts.group(2))
    cleaned = parts.group(3)
    match = _AMOUNT.fullmatch(cleaned)
    if not match or not any(ch.isdigit() for ch in cleaned):
        raise MoneyError("Enter an amount in pounds using numbers, like 12,500 or 12,500.50")
    if negative:
        raise MoneyError("The amount cannot be negative")
    if match.group(1) is not None and len(match.group(1)) > 2:
        raise MoneyError("Enter the amount to the penny, with no more than two decimal places")
    try:
        pounds = Decimal(cleaned.replace(",", "") or "0")
    except InvalidOperation as exc:  # the pattern should make this unreachable; be sure anyway
        raise MoneyError("Enter an amount in pounds using numbers, like 12,500 or 12,500.50") from exc
    pence = int(pounds * 100)  # exact: at most two decimal places
    if pence > MAX_PENCE:
        raise MoneyError(f"The amount must be {format_money(MAX_PENCE)} or less")
    if pence == 0 and not allow_zero:
        raise MoneyError("Enter an amount more than £0")
    return pence


def _split(pence: int) -> tuple[str, int, int]:
    pounds, rest = divmod(abs(int(pence)), 100)
    return ("-" if pence < 0 else ""), pounds, rest


def format_money(pence: int) -> str:
    """"£12,500.50"; a deficit is "-£1,000.00"."""
    sign, pounds, rest = _split(pence)
    return f"{sign}£{pounds:,}.{rest:02d}"


def format_amount(pence: int) -> str:
    """What an amount field shows when changing a record: "12,500.50", which ``parse_money`` reads back."""
    sign, pounds, rest = _split(pence)
    return f"{sign}{pounds:,}.{rest:02d}"


def pounds_string(pence: int) -> str:
    """"12500.50": for the API and CSV, where a machine reads it."""
    sign, pounds, rest = _split(pence)
    return f"{sign}{pounds}.{rest:02d}"


def pounds_decimal(pence: int) -> Decimal:
    """Pounds as an exact decimal, for a spreadsheet cell."""
    return Decimal(int(pence)) / Decimal(100)


# -- the invoice deadline -------------------------------------------------------------------------------


def invoice_by_setting() -> str:
    """The partnership's "invoice by" day (``MM-DD``); a partnership without arrangements has the default."""
    value = db.session.scalar(select(Arrangements.invoice_by).limit(1))
    return value or DEFAULT_INVOICE_BY


def invoice_deadline(year: int, invoice_by: str | None = None) -> date:
    """The last day to invoice contributions for the financial year: ``invoice_by`` is a day of that year,
    so April to December fall in its first calendar year and January to March in its second."""
    month, day = _month_day(invoice_by or DEFAULT_INVOICE_BY)
    calendar_year = year if month >= 4 else year + 1
    try:
        return date(calendar_year, month, day)
    except ValueError:  # 29 February in a year without one: the last day of February
        return date(calendar_year, 3, 1) - timedelta(days=1)


def _month_day(value: str) -> tuple[int, int]:
    match = re.fullmatch(r"([0-9]{2})-([0-9]{2})", value.strip())
    if match:
        month, day = int(match.group(1)), int(match.group(2))
        try:
            date(2024, month, day)  # a leap year: 02-29 is a real day of some years
        except ValueError:
            pass
        else:
            return month, day
    # A setting that is not a day (written around the tenant file's checks) must not stop the page.
    return 10, 1


@dataclass(frozen=True)
class InvoiceStatus:
    """Where a contribution's invoice stands on a day: ``due`` (not invoiced, deadline not passed),
    ``overdue`` (not invoiced, deadline passed), ``on_time`` or ``late``."""

    state: str
    deadline: date
    invoiced_on: date | None = None

    @property
    def overdue(self) -> bool:
        return self.state == "overdue"

    @property
    def late(self) -> bool:
        return self.state == "late"

    @property
    def tag(self) -> str:
        """The word of the tag shown before ``words`` ("" for none): the words do not repeat it."""
        return {"overdue": "Overdue", "late": "Late"}.get(self.state, "")

    @property
    def words(self) -> str:
        due = long_date(self.deadline)
        if self.state == "on_time":
            return f"Invoiced {long_date(self.invoiced_on)}"
        if self.state == "late":
            return f"Invoiced {long_date(self.invoiced_on)}, after the deadline of {due}"
        if self.state == "overdue":
            return f"Not invoiced: due by {due}"
        return f"Not invoiced yet: due by {due}"


def invoice_status(invoiced_on: date | None, deadline: date, today: date) -> InvoiceStatus:
    """The deadline day itself is in time: overdue from the day after."""
    if invoiced_on is not None:
        return InvoiceStatus("late" if invoiced_on > deadline else "on_time", deadline, invoiced_on)
    return InvoiceStatus("overdue" if today > deadline else "due", deadline)


def overdue_for_invoicing(contributions: Iterable[Contribution], deadline: date, today: date) -> list[Contribution]:
    return [c for c in contributions if invoice_status(c.invoiced_on, deadline, today).overdue]


# -- contributions --------------------------------------------------------------------------------------


@dataclass
class ContributionFields:
    agency_id: int | None
    amount_pence: int | None
    agreed_on: date | None = None
    invoiced_on: date | None = None
    invoice_reference: str = ""
    paid_on: date | None = None


def agencies_without_contribution(contributions: Iterable[Contribution]) -> list[Agency]:
    """The agencies with no contribution among ``contributions`` (a year's): each agency has one a year, so
    these are the only ones a new contribution can be for."""
    contributing = {c.agency_id for c in contributions}
    return [a for a in db.session.scalars(select(Agency).order_by(Agency.name)) if a.id not in contributing]


def contributions_of(year: int) -> list[Contribution]:
    return list(db.session.scalars(
        select(Contribution).join(Contribution.agency).options(contains_eager(Contribution.agency))
        .where(Contribution.year == year).order_by(Agency.name, Contribution.id)
    ))


def _check_amount(problems: dict, pence: int | None, name: str = "amount") -> None:
    if pence is None:
        problems.setdefault(name, "Enter an amount in pounds, like 12,500")
    elif pence <= 0:
        problems.setdefault(name, "Enter an amount more than £0")
    elif pence > MAX_PENCE:
        problems.setdefault(name, f"The amount must be {format_money(MAX_PENCE)} or less")


def _check_not_future(problems: dict, name: str, day: date | None, what: str, today: date) -> None:
    if day is not None and day > today:
        problems.setdefault(name, f"{what} cannot be in the future")


def _check_contribution(year: int, values: ContributionFields, today: date,
                        existing: Contribution | None = None) -> Agency | None:
    problems: dict[str, str] = {}
    if not FIRST_YEAR <= year <= LAST_YEAR:
        problems["year"] = f"Enter a financial year between {FIRST_YEAR} and {LAST_YEAR}"
    # Scoped to the tenant: another partnership's agency is simply not found. An id beyond what the column
    # holds cannot exist, and PostgreSQL would fail on it rather than find nothing.
    agency = db.session.get(Agency, values.agency_id) if values.agency_id and 0 < values.agency_id <= MAX_ID else None
    if agency is None:
        problems["agency_id"] = "Choose an agency from the list"
    _check_amount(problems, values.amount_pence)
    _check_not_future(problems, "agreed_on", values.agreed_on, "The date agreed", today)
    _check_not_future(problems, "invoiced_on", values.invoiced_on, "The invoice date", today)
    _check_not_future(problems, "paid_on", values.paid_on, "The date paid", today)
    if values.agreed_on and values.invoiced_on and values.invoiced_on < values.agreed_on:
        problems.setdefault("invoiced_on", "The invoice date must be the same as or after the date agreed")
    if values.paid_on and values.invoiced_on is None:
        problems.setdefault("paid_on", "Record the invoice before the payment")
    if values.paid_on and values.invoiced_on and values.paid_on < values.invoiced_on:
        problems.setdefault("paid_on", "The date paid must be the same as or after the invoice date")
    if values.paid_on and values.agreed_on and values.paid_on < values.agreed_on:
        problems.setdefault("paid_on", "The date paid must be the same as or after the date agreed")
    reference = values.invoice_reference or ""
    if len(reference) > MAX_REFERENCE:
        problems["invoice_reference"] = f"Enter an invoice reference of {MAX_REFERENCE} characters or fewer"
    elif reference and values.invoiced_on is None:
        problems.setdefault("invoiced_on", "Enter the invoice date as well as its reference")
    if agency is not None and "year" not in problems:
        clash = select(Contribution.id).where(Contribution.agency_id == agency.id, Contribution.year == year)
        if existing is not None:
            clash = clash.where(Contribution.id != existing.id)
        if db.session.scalar(clash.limit(1)) is not None:
            problems["agency_id"] = f"{agency.name} already has a contribution for {year_label(year)}: change that one"
    if problems:
        raise FundingError(problems)
    return agency


def _snapshot(c: Contribution) -> dict:
    return {
        "agency": c.agency.key if c.agency is not None else None,
        "year": c.year,
        "amount": pounds_string(c.amount_pence),
        "agreed_on": c.agreed_on.isoformat() if c.agreed_on else None,
        "invoiced_on": c.invoiced_on.isoformat() if c.invoiced_on else None,
        "invoice_reference": c.invoice_reference or "",
        "paid_on": c.paid_on.isoformat() if c.paid_on else None,
    }


def add_contribution(year: int, values: ContributionFields, today: date) -> Contribution:
    agency = _check_contribution(year, values, today)
    contribution = Contribution(
        agency=agency, year=year, amount_pence=values.amount_pence, agreed_on=values.agreed_on,
        invoiced_on=values.invoiced_on, invoice_reference=values.invoice_reference or "", paid_on=values.paid_on,
    )
    db.session.add(contribution)
    record("funding.contribution.added", contribution,
           summary=f"{agency.name} to contribute {format_money(values.amount_pence)} for {year_label(year)}",
           details=_snapshot(contribution))
    return contribution


def change_contribution(contribution: Contribution, values: ContributionFields, today: date) -> Contribution:
    agency = _check_contribution(contribution.year, values, today, existing=contribution)
    before = _snapshot(contribution)
    contribution.agency = agency
    contribution.amount_pence = values.amount_pence
    contribution.agreed_on = values.agreed_on
    contribution.invoiced_on = values.invoiced_on
    contribution.invoice_reference = values.invoice_reference or ""
    contribution.paid_on = values.paid_on
    after = _snapshot(contribution)
    changed = {k: {"from": before[k], "to": after[k]} for k in after if before[k] != after[k]}
    if changed:
        record("funding.contribution.changed", contribution,
               summary=f"Contribution of {agency.name} for {year_label(contribution.year)} changed: "
                       + ", ".join(sorted(changed)),
               details=changed)
    return contribution


def _fields_of(c: Contribution, **changes) -> ContributionFields:
    values = ContributionFields(agency_id=c.agency_id, amount_pence=c.amount_pence, agreed_on=c.agreed_on,
                                invoiced_on=c.invoiced_on, invoice_reference=c.invoice_reference or "",
                                paid_on=c.paid_on)
    for name, value in changes.items():
        setattr(values, name, value)
    return values


def record_invoice(contribution: Contribution, invoiced_on: date | None, reference: str, today: date) -> Contribution:
    if invoiced_on is None:
        raise FundingError({"invoiced_on": "Enter the date the invoice was sent"})
    values = _fields_of(contribution, invoiced_on=invoiced_on, invoice_reference=(reference or "").strip())
    agency = _check_contribution(contribution.year, values, today, existing=contribution)
    contribution.invoiced_on, contribution.invoice_reference = values.invoiced_on, values.invoice_reference
    status = invoice_status(invoiced_on, invoice_deadline(contribution.year, invoice_by_setting()), today)
    record("funding.contribution.invoiced", contribution,
           summary=f"{agency.name} invoiced for {year_label(contribution.year)} on {long_date(invoiced_on)}"
                   + (" (late)" if status.late else ""),
           details={"invoiced_on": invoiced_on.isoformat(), "invoice_reference": values.invoice_reference,
                    "late": status.late})
    return contribution


def payment_refusal(contribution: Contribution) -> FundingError | None:
    """Why no payment can be recorded against the contribution, whatever its date; None when one can. The
    problem is named on the invoice's date, because recording the invoice is what puts it right."""
    if contribution.invoiced_on is None:
        return FundingError({"invoiced_on": "Record the invoice before the payment"})
    return None


def record_payment(contribution: Contribution, paid_on: date | None, today: date) -> Contribution:
    if (refusal := payment_refusal(contribution)) is not None:
        raise refusal
    if paid_on is None:
        raise FundingError({"paid_on": "Enter the date the payment was received"})
    values = _fields_of(contribution, paid_on=paid_on)
    agency = _check_contribution(contribution.year, values, today, existing=contribution)
    contribution.paid_on = paid_on
    record("funding.contribution.paid", contribution,
           summary=f"{agency.name} paid {format_money(contribution.amount_pence)} for "
                   f"{year_label(contribution.year)} on {long_date(paid_on)}",
           details={"paid_on": paid_on.isoformat()})
    return contribution


# -- spend ----------------------------------------------------------------------------------------------


def spend_of(year: int) -> list[Spend]:
    return list(db.session.scalars(select(Spend).where(Spend.year == year).order_by(Spend.spent_on, Spend.id)))


def category_label(category: str) -> str:
    return SPEND_CATEGORIES.get(category, category)


def spending_refusal(year: int, today: date) -> str | None:
    """Why no spending can be recorded in the financial year yet; None when it can. Spending is refused a
    date in the future, and every day of a year that has not begun is one."""
    start = FinancialYear(year).start
    if start > today:
        return f"Spending can be recorded from {long_date(start)}, when {year_label(year)} begins"
    return None


def add_spend(spent_on: date | None, category: str | None, description: str | None, amount_pence: int | None,
              today: date) -> Spend:
    """Spending belongs to the financial year of the day it was spent."""
    problems: dict[str, str] = {}
    if spent_on is None:
        problems["spent_on"] = "Enter the date the money was spent"
    elif spent_on > today:
        problems["spent_on"] = "The date spent cannot be in the future"
    elif not FIRST_YEAR <= FinancialYear.containing(spent_on).start_year <= LAST_YEAR:
        problems["spent_on"] = f"Enter a date in a financial year between {FIRST_YEAR} and {LAST_YEAR}"
    if category not in SPEND_CATEGORIES:
        problems["category"] = "Choose what the money was spent on"
    description = (description or "").strip()
    if not description:
        problems["description"] = "Describe what the money was spent on"
    elif len(description) > MAX_DESCRIPTION:
        problems["description"] = f"Enter a description of {MAX_DESCRIPTION} characters or fewer"
    _check_amount(problems, amount_pence)
    if problems:
        raise FundingError(problems)
    spend = Spend(year=FinancialYear.containing(spent_on).start_year, category=category, description=description,
                  amount_pence=amount_pence, spent_on=spent_on)
    db.session.add(spend)
    record("funding.spend.added", spend,
           summary=f"{format_money(amount_pence)} spent on {category_label(category).lower()}: {description}",
           details=_spend_details(spend))
    return spend


def _spend_details(spend: Spend) -> dict:
    return {"year": spend.year, "spent_on": spend.spent_on.isoformat(), "category": spend.category,
            "description": spend.description, "amount": pounds_string(spend.amount_pence)}


def remove_spend(spend: Spend) -> None:
    record("funding.spend.removed", spend,
           summary=f"Removed {format_money(spend.amount_pence)} spent on {long_date(spend.spent_on)}: "
                   f"{spend.description}",
           details=_spend_details(spend))
    db.session.delete(spend)


# -- the income and expenditure statement ----------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    key: str
    label: str
    pence: int


@dataclass(frozen=True)
class Statement:
    """Income (contributions agreed for the year, by agency) and expenditure (by category) of one financial
    year, with the balance brought forward from every earlier year."""

    year: FinancialYear
    income: list[Line]
    expenditure: list[Line]
    brought_forward: int
    received: int = 0  # of the income, what has been paid

    @property
    def income_total(self) -> int:
        return sum(line.pence for line in self.income)

    @property
    def expenditure_total(self) -> int:
        return sum(line.pence for line in self.expenditure)

    @property
    def surplus(self) -> int:
        """Income less expenditure: negative is a deficit."""
        return self.income_total - self.expenditure_total

    @property
    def is_deficit(self) -> bool:
        return self.surplus < 0

    @property
    def result_label(self) -> str:
        return "Deficit for the year" if self.is_deficit else "Surplus for the year"

    @property
    def carried_forward(self) -> int:
        return self.brought_forward + self.surplus

    @property
    def outstanding(self) -> int:
        return self.income_total - self.received

    def rows(self) -> list[tuple[str, str, int]]:
        """``(section, item, pence)`` in order, for the downloads."""
        rows = [("Income", line.label, line.pence) for line in self.income]
        rows.append(("Income", "Total income", self.income_total))
        rows += [("Expenditure", line.label, line.pence) for line in self.expenditure]
        rows.append(("Expenditure", "Total expenditure", self.expenditure_total))
        rows.append(("Result", self.result_label, self.surplus))
        rows.append(("Balance", "Balance brought forward from earlier years", self.brought_forward))
        rows.append(("Balance", "Balance carried forward", self.carried_forward))
        return rows


def build_statement(year: int, contributions: Iterable[Contribution], spend: Iterable[Spend],
                    brought_forward: int) -> Statement:
    """The statement from a year's rows, without a query: every category is listed, spent on or not, so
    that years compare line by line."""
    contributions = sorted(contributions, key=lambda c: (c.agency.name, c.id or 0))
    income = [Line(c.agency.key, c.agency.name, c.amount_pence) for c in contributions]
    by_category: dict[str, int] = dict.fromkeys(SPEND_CATEGORIES, 0)
    for item in spend:
        by_category[item.category] = by_category.get(item.category, 0) + item.amount_pence
    expenditure = [Line(key, category_label(key), pence) for key, pence in by_category.items()]
    received = sum(c.amount_pence for c in contributions if c.paid_on is not None)
    return Statement(FinancialYear(year), income, expenditure, int(brought_forward), received)


def balance_before(year: int) -> int:
    """Every earlier year's income less every earlier year's spending, in pence."""
    income = db.session.scalar(
        select(func.coalesce(func.sum(Contribution.amount_pence), 0)).where(Contribution.year < year))
    spent = db.session.scalar(select(func.coalesce(func.sum(Spend.amount_pence), 0)).where(Spend.year < year))
    # int(): PostgreSQL's sum of a bigint is a Decimal; it is whole pence all the same.
    return int(income) - int(spent)


@dataclass(frozen=True)
class YearOfFunding:
    """Everything the year page and the API show, in a fixed number of queries."""

    year: int
    contributions: list[Contribution]
    spend: list[Spend]
    statement: Statement
    deadline: date
    today: date

    def status(self, contribution: Contribution) -> InvoiceStatus:
        return invoice_status(contribution.invoiced_on, self.deadline, self.today)

    @property
    def overdue(self) -> list[Contribution]:
        return overdue_for_invoicing(self.contributions, self.deadline, self.today)

    @property
    def late(self) -> list[Contribution]:
        return [c for c in self.contributions if self.status(c).late]


def year_of_funding(year: int, today: date) -> YearOfFunding:
    contributions = contributions_of(year)
    spend = spend_of(year)
    statement = build_statement(year, contributions, spend, balance_before(year))
    return YearOfFunding(year, contributions, spend, statement, invoice_deadline(year, invoice_by_setting()), today)


def statement_for(year: int) -> Statement:
    return build_statement(year, contributions_of(year), spend_of(year), balance_before(year))


# -- the dashboard --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FundingSummary:
    year: int
    income: int
    spent: int
    contributions: int
    not_invoiced: int
    overdue: int
    deadline: date

    @property
    def label(self) -> str:
        return year_label(self.year)


def funding_summary(today: date) -> FundingSummary:
    """This year's agreed income, spending and contributions not yet invoiced: three queries however many
    rows there are."""
    year = FinancialYear.containing(today).start_year
    deadline = invoice_deadline(year, invoice_by_setting())
    income, count, not_invoiced = db.session.execute(
        select(func.coalesce(func.sum(Contribution.amount_pence), 0), func.count(Contribution.id),
               func.count(Contribution.id).filter(Contribution.invoiced_on.is_(None)))
        .where(Contribution.year == year)
    ).one()
    spent = db.session.scalar(select(func.coalesce(func.sum(Spend.amount_pence), 0)).where(Spend.year == year))
    overdue = int(not_invoiced) if today > deadline else 0
    return FundingSummary(year, int(income), int(spent), int(count), int(not_invoiced), overdue, deadline)
