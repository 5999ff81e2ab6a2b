"""Pages for the partnership's funding: the year's contributions, invoices, spending and statement.

Rules live in ``core.structure.funding``; these views read forms, call them, and show what they say.
"""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import calendar
from core.auth.access import requires
from core.db import db
from core.exports import Sheet, csv_response, xlsx_response
from core.plugins.types import DashboardPanel
from core.refusals import show_refusal, submit
from core.structure import funding
from core.structure.models import SPEND_CATEGORIES, Contribution, Spend
from core.tenancy.models import Agency
from core.web.form_dates import date_values, read_date
from core.web.forms import FormErrors, validate_form
from core.web.ids import Id
from core.web.lookup import get_or_404

bp = Blueprint("funding", __name__)

MONEY_HINT = "In pounds, for example 12,500 or 12,500.50"


class Money(fields.Field):
    """An amount typed in pounds, loaded as whole pence."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return funding.parse_money(str(value))
        except funding.MoneyError as exc:
            raise ValidationError(str(exc)) from exc


class ContributionForm(Schema):
    agency_id = Id(required=True, error_messages={"required": "Choose the agency that is contributing",
                                                  "invalid": "Choose an agency from the list"})
    amount = Money(required=True, error_messages={"required": "Enter the amount agreed, in pounds"})
    invoice_reference = fields.String(load_default="", validate=validate.Length(
        max=funding.MAX_REFERENCE, error=f"Enter an invoice reference of {funding.MAX_REFERENCE} characters or fewer"))


class InvoiceForm(Schema):
    invoice_reference = fields.String(load_default="", validate=validate.Length(
        max=funding.MAX_REFERENCE, error=f"Enter an invoice reference of {funding.MAX_REFERENCE} characters or fewer"))


class SpendForm(Schema):
    category = fields.String(required=True, validate=validate.OneOf(
        list(SPEND_CATEGORIES), error="Choose what the money was spent on"),
        error_messages={"required": "Choose what the money was spent on"})
    description = fields.String(required=True, validate=validate.Length(
        max=funding.MAX_DESCRIPTION, error=f"Enter a description of {funding.MAX_DESCRIPTION} characters or fewer"),
        error_messages={"required": "Describe what the money was spent on"})
    amount = Money(required=True, error_messages={"required": "Enter the amount spent, in pounds"})


# -- reading forms --------------------------------------------------------------------------------------


def _merge(errors: FormErrors, more: FormErrors) -> FormErrors:
    for name, message in more.fields.items():
        errors.add(name, message)
    return errors


def _year_or_400():
    """The ``year`` of the query string (the current year when none), or a page (400) saying why it is not
    a year and asking again."""
    current = calendar.FinancialYear.current()
    year, problem = calendar.chosen_year(request.args.get("year"), current)
    if not problem:
        return year.start_year, None
    errors = FormErrors()
    errors.add("year", problem)
    page = render_template("funding/year_error.html", errors=errors, current=current,
                           years=_years_to_offer(current, current))
    return None, (page, 400)


def _years_to_offer(current: calendar.FinancialYear, shown: calendar.FinancialYear):
    return calendar.years_to_offer(current, shown, funding.years_with_funding())


def _agencies() -> list[Agency]:
    return list(db.session.scalars(select(Agency).order_by(Agency.name)))


# -- the year page --------------------------------------------------------------------------------------


@bp.route("/")
@requires("core.funding.view")
def index():
    year, refusal = _year_or_400()
    if refusal:
        return refusal
    today = calendar.london_today()
    data = funding.year_of_funding(year, today)
    before, after = funding.adjacent_years(year)
    return render_template("funding/index.html", data=data, year=year, label=funding.year_label(year),
                           years=_years_to_offer(calendar.FinancialYear.current(), calendar.FinancialYear(year)),
                           missing=funding.agencies_without_contribution(data.contributions),
                           before=before, after=after, cannot_spend=funding.spending_refusal(year, today),
                           money=funding.format_money, long_date=funding.long_date,
                           category_label=funding.category_label)


# -- contributions --------------------------------------------------------------------------------------


def _read_contribution(errors: FormErrors) -> funding.ContributionFields | None:
    agreed_on = read_date("agreed_on", "the date agreed", errors)
    invoiced_on = read_date("invoiced_on", "the invoice date", errors)
    paid_on = read_date("paid_on", "the date paid", errors)
    data, more = validate_form(ContributionForm())
    _merge(errors, more)
    if errors:
        return None
    return funding.ContributionFields(agency_id=data["agency_id"], amount_pence=data["amount"],
                                      agreed_on=agreed_on, invoiced_on=invoiced_on,
                                      invoice_reference=data["invoice_reference"].strip(), paid_on=paid_on)


def _duplicate(errors: FormErrors) -> None:
    db.session.rollback()
    # Two people adding the same agency's contribution at once: the second meets the unique constraint.
    errors.add("agency_id", "That agency already has a contribution for this year: change that one")


@bp.route("/contributions/new", methods=["GET", "POST"])
@requires("core.funding.manage")
def new_contribution():
    year, refusal = _year_or_400()
    if refusal:
        return refusal
    errors, values = FormErrors(), {}
    if request.method == "POST":
        values = request.form
        fields_ = _read_contribution(errors)
        if fields_ is not None:
            try:
                contribution = funding.add_contribution(year, fields_, calendar.london_today())
                db.session.commit()
            except funding.FundingError as exc:
                db.session.rollback()
                show_refusal(errors, exc)
            except IntegrityError:
                _duplicate(errors)
            else:
                flash(f"Contribution of {funding.format_money(contribution.amount_pence)} from "
                      f"{contribution.agency.name} added", "success")
                return redirect(url_for("funding.index", year=year))
    return render_template("funding/contribution_form.html", contribution=None, year=year,
                           label=funding.year_label(year), agencies=_agencies(), errors=errors,
                           values=values), 400 if errors else 200


def _contribution_page(contribution: Contribution, errors: FormErrors | None = None, values=None, status=200):
    today = calendar.london_today()
    deadline = funding.invoice_deadline(contribution.year, funding.invoice_by_setting())
    return render_template(
        "funding/contribution.html", contribution=contribution, label=funding.year_label(contribution.year),
        status=funding.invoice_status(contribution.invoiced_on, deadline, today), money=funding.format_money,
        long_date=funding.long_date, errors=errors or FormErrors(), values=values or {},
    ), status


@bp.route("/contributions/<int:contribution_id>")
@requires("core.funding.view")
def contribution(contribution_id):
    return _contribution_page(get_or_404(Contribution, contribution_id))


@bp.route("/contributions/<int:contribution_id>/change", methods=["GET", "POST"])
@requires("core.funding.manage")
def change_contribution(contribution_id):
    contribution = get_or_404(Contribution, contribution_id)
    errors = FormErrors()
    values = {
        "agency_id": str(contribution.agency_id), "amount": funding.format_amount(contribution.amount_pence),
        "invoice_reference": contribution.invoice_reference or "",
        **date_values("agreed_on", contribution.agreed_on), **date_values("invoiced_on", contribution.invoiced_on),
        **date_values("paid_on", contribution.paid_on),
    }
    if request.method == "POST":
        values = request.form
        fields_ = _read_contribution(errors)
        if fields_ is not None:
            try:
                funding.change_contribution(contribution, fields_, calendar.london_today())
                db.session.commit()
            except funding.FundingError as exc:
                db.session.rollback()
                show_refusal(errors, exc)
            except IntegrityError:
                _duplicate(errors)
            else:
                flash("Contribution changed", "success")
                return redirect(url_for("funding.contribution", contribution_id=contribution_id))
        contribution = get_or_404(Contribution, contribution_id)  # as it is, after any rollback
    return render_template("funding/contribution_form.html", contribution=contribution, year=contribution.year,
                           label=funding.year_label(contribution.year), agencies=_agencies(), errors=errors,
                           values=values), 400 if errors else 200


@bp.route("/contributions/<int:contribution_id>/invoice", methods=["POST"])
@requires("core.funding.manage")
def record_invoice(contribution_id):
    contribution = get_or_404(Contribution, contribution_id)
    errors = FormErrors()
    invoiced_on = read_date("invoiced_on", "the invoice date", errors, required=True)
    data, more = validate_form(InvoiceForm())
    _merge(errors, more)
    if not errors:
        done = submit(lambda: funding.record_invoice(contribution, invoiced_on, data["invoice_reference"],
                                                    calendar.london_today()),
                      errors, done=url_for("funding.contribution", contribution_id=contribution_id),
                      flash_message="Invoice recorded")
        if done:
            return done
    return _contribution_page(get_or_404(Contribution, contribution_id), errors, request.form, 400)


@bp.route("/contributions/<int:contribution_id>/payment", methods=["POST"])
@requires("core.funding.manage")
def record_payment(contribution_id):
    contribution = get_or_404(Contribution, contribution_id)
    errors = FormErrors()
    refusal = funding.payment_refusal(contribution)
    if refusal is not None:
        show_refusal(errors, refusal)  # before the date: the page asks for none while there is no invoice
    paid_on = None if errors else read_date("paid_on", "the date paid", errors, required=True)
    if not errors:
        done = submit(lambda: funding.record_payment(contribution, paid_on, calendar.london_today()), errors,
                      done=url_for("funding.contribution", contribution_id=contribution_id),
                      flash_message="Payment recorded")
        if done:
            return done
    return _contribution_page(get_or_404(Contribution, contribution_id), errors, request.form, 400)


# -- spend ----------------------------------------------------------------------------------------------


@bp.route("/spend/new", methods=["GET", "POST"])
@requires("core.funding.manage")
def new_spend():
    year, refusal = _year_or_400()
    if refusal:
        return refusal
    errors, values = FormErrors(), {}
    if request.method == "POST":
        values = request.form
        spent_on = read_date("spent_on", "the date spent", errors, required=True)
        data, more = validate_form(SpendForm())
        _merge(errors, more)
        if not errors:
            done = submit(
                lambda: funding.add_spend(spent_on, data["category"], data["description"], data["amount"],
                                          calendar.london_today()),
                errors, done=lambda spend: url_for("funding.index", year=spend.year),
                flash_message=lambda spend: f"{funding.format_money(spend.amount_pence)} spent on "
                                            f"{funding.long_date(spend.spent_on)} added to {funding.year_label(spend.year)}")
            if done:
                return done
    return render_template("funding/spend_form.html", year=year, label=funding.year_label(year),
                           categories=SPEND_CATEGORIES, errors=errors, values=values), 400 if errors else 200


@bp.route("/spend/<int:spend_id>/remove", methods=["GET", "POST"])
@requires("core.funding.manage")
def remove_spend(spend_id):
    spend = get_or_404(Spend, spend_id)
    if request.method == "POST":
        year = spend.year
        funding.remove_spend(spend)
        db.session.commit()
        flash("Spending removed", "success")
        return redirect(url_for("funding.index", year=year))
    return render_template("funding/remove_spend.html", spend=spend, label=funding.year_label(spend.year),
                           money=funding.format_money, long_date=funding.long_date,
                           category_label=funding.category_label)


# -- downloads ------------------------------------------------------------------------------------------


def _filename(year: int, extension: str) -> str:
    return f"income-and-expenditure-{calendar.FinancialYear(year).label.replace('/', '-')}.{extension}"


def _heading(statement: funding.Statement) -> list[list[str]]:
    year = statement.year
    return [
        [f"{g.tenant.name}: income and expenditure statement {year.label}"],
        [f"{funding.long_date(year.start)} to {funding.long_date(year.end)}"],
        [],
    ]


STATEMENT_HEADER = ["Section", "Item", "Amount (£)"]


@bp.route("/statement.csv")
@requires("core.funding.view")
def statement_csv():
    year, refusal = _year_or_400()
    if refusal:
        return refusal
    statement = funding.statement_for(year)
    rows = [[section, item, funding.pounds_string(pence)] for section, item, pence in statement.rows()]
    return csv_response([*_heading(statement), STATEMENT_HEADER, *rows], _filename(year, "csv"))


@bp.route("/statement.xlsx")
@requires("core.funding.view")
def statement_xlsx():
    year, refusal = _year_or_400()
    if refusal:
        return refusal
    statement = funding.statement_for(year)
    rows = [[section, item, funding.pounds_decimal(pence)] for section, item, pence in statement.rows()]
    totals = {n for n, (section, item, _pence) in enumerate(rows)
              if section == "Result" or item.startswith(("Total", "Balance carried"))}
    sheet = Sheet(statement.year.label, rows, header=STATEMENT_HEADER, lead=_heading(statement),
                  widths=[14, 48, 16], formats={2: "#,##0.00;-#,##0.00"}, bold_rows=totals)
    return xlsx_response([sheet], _filename(year, "xlsx"))


# -- the dashboard panel --------------------------------------------------------------------------------


def dashboard_panel(tenant) -> DashboardPanel:
    """This year's income, spending and contributions not yet invoiced (three queries)."""

    def context():
        summary = funding.funding_summary(calendar.london_today())
        return {"summary": summary, "income": funding.format_money(summary.income),
                "spent": funding.format_money(summary.spent), "deadline": funding.long_date(summary.deadline)}

    return DashboardPanel("Funding", "funding/panel.html", "core.funding.view", context, order=800)

