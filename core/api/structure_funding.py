"""API for the partnership's funding: one financial year's contributions, spending and statement.

Amounts are given twice: in whole pence (``*_pence``, integers, exact) and as pounds in a string
("12500.50"), never as a float that could round."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from core import calendar
from core.api.schemas import YearQuery
from core.auth.access import requires
from core.structure import funding

bp = Blueprint("structure_funding_api", __name__, description="The partnership's funding")


def _pence(name: str) -> fields.Integer:
    return fields.Integer(attribute=name, metadata={"description": "In pence"})


def _pounds(name: str) -> fields.Function:
    return fields.Function(lambda obj: funding.pounds_string(_get(obj, name)),
                           metadata={"description": "In pounds, two decimal places"})


def _get(obj, name: str):
    return obj[name] if isinstance(obj, dict) else getattr(obj, name)


class ContributionSchema(Schema):
    id = fields.Integer()
    agency = fields.String(attribute="agency.key", metadata={"description": "The agency's key"})
    agency_name = fields.String(attribute="agency.name")
    amount_pence = _pence("amount_pence")
    amount = _pounds("amount_pence")
    agreed_on = fields.Date(allow_none=True)
    invoiced_on = fields.Date(allow_none=True)
    invoice_reference = fields.String()
    paid_on = fields.Date(allow_none=True)
    invoice_status = fields.String(metadata={
        "description": "due (not invoiced, deadline not passed), overdue (not invoiced, deadline passed), "
                       "on_time or late"})


class SpendSchema(Schema):
    id = fields.Integer()
    spent_on = fields.Date()
    category = fields.String()
    category_label = fields.Function(lambda s: funding.category_label(s.category))
    description = fields.String()
    amount_pence = _pence("amount_pence")
    amount = _pounds("amount_pence")


class LineSchema(Schema):
    key = fields.String(metadata={"description": "The agency's key or the spending category"})
    label = fields.String()
    amount_pence = _pence("pence")
    amount = _pounds("pence")


class StatementSchema(Schema):
    income = fields.List(fields.Nested(LineSchema), metadata={"description": "Contributions agreed, by agency"})
    income_total_pence = _pence("income_total")
    income_total = _pounds("income_total")
    expenditure = fields.List(fields.Nested(LineSchema), metadata={"description": "Spending by category"})
    expenditure_total_pence = _pence("expenditure_total")
    expenditure_total = _pounds("expenditure_total")
    surplus_pence = _pence("surplus")
    surplus = _pounds("surplus")
    result = fields.String(attribute="result_label", metadata={"description": "Surplus or deficit for the year"})
    brought_forward_pence = _pence("brought_forward")
    brought_forward = _pounds("brought_forward")
    carried_forward_pence = _pence("carried_forward")
    carried_forward = _pounds("carried_forward")
    received_pence = _pence("received")
    received = _pounds("received")


class FundingSchema(Schema):
    year = fields.String(metadata={"description": "The financial year, e.g. 2025/26"})
    start = fields.Date()
    end = fields.Date()
    invoice_deadline = fields.Date(metadata={"description": "Contributions are invoiced by this day"})
    contributions = fields.List(fields.Nested(ContributionSchema))
    spend = fields.List(fields.Nested(SpendSchema))
    statement = fields.Nested(StatementSchema)


@bp.route("/funding", methods=["GET"])
@bp.arguments(YearQuery, location="query")
@bp.response(200, FundingSchema)
@requires("core.funding.view")
def year_of_funding(query):
    """A financial year's contributions (with where each invoice stands today), spending and income and
    expenditure statement."""
    data = funding.year_of_funding(query["year"], calendar.london_today())
    year = data.statement.year
    contributions = [
        {"id": c.id, "agency": c.agency, "amount_pence": c.amount_pence, "agreed_on": c.agreed_on,
         "invoiced_on": c.invoiced_on, "invoice_reference": c.invoice_reference or "", "paid_on": c.paid_on,
         "invoice_status": data.status(c).state}
        for c in data.contributions
    ]
    return {"year": year.label, "start": year.start, "end": year.end, "invoice_deadline": data.deadline,
            "contributions": contributions, "spend": data.spend, "statement": data.statement}
