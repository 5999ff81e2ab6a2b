from __future__ import annotations

from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from core.auth.access import requires
from core.reports.services import FinancialYear, dataset_figures

bp = Blueprint("reports_api", __name__, description="Figures for the partnership's data set")


class YearQuery(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100),
                          metadata={"description": "The year the financial year starts in (2025 for 2025/26)"})


class FiguresSchema(Schema):
    year = fields.String(metadata={"description": "The financial year, e.g. 2025/26"})
    start = fields.Date()
    end = fields.Date()
    modules = fields.Dict(keys=fields.String(), values=fields.Dict(),
                          metadata={"description": "Each enabled module's figures"})


@bp.route("", methods=["GET"])
@bp.arguments(YearQuery, location="query")
@bp.response(200, FiguresSchema)
@requires("core.reports.view")
def figures(query):
    """Every enabled module's figures for the financial year."""
    year = FinancialYear(query["year"])
    return {"year": year.label, "start": year.start, "end": year.end,
            "modules": dataset_figures(g.tenant, year.start_year)}
