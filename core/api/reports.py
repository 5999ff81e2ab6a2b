from __future__ import annotations

from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from core.api.schemas import YearQuery
from core.auth.access import requires
from core.calendar import FinancialYear
from core.reports.services import dataset_figures

bp = Blueprint("reports_api", __name__, description="Figures for the partnership's data set")


class FiguresSchema(Schema):
    year = fields.String(metadata={"description": "The financial year, e.g. 2025/26"})
    start = fields.Date()
    end = fields.Date()
    modules = fields.Dict(keys=fields.String(), values=fields.Dict(), metadata={"description": (
        "Each enabled module's figures, as the partnership publishes them: a figure is a number, or, where "
        "small-number suppression withholds it, a string saying so instead. A count of people or cases from 1 to "
        "one below the partnership's threshold (5 unless its arrangements set another, from 1 to 10) is "
        "\"fewer than 5\" (a second count is withheld the same way where a total would give the first away); "
        "a percentage or change taken from a withheld count is \"not shown (fewer than 5)\". Check for a string "
        "before doing arithmetic. A threshold of 1 withholds nothing.")})


@bp.route("", methods=["GET"])
@bp.arguments(YearQuery, location="query")
@bp.response(200, FiguresSchema)
@requires("core.reports.view")
def figures(query):
    """Every enabled module's figures for the financial year."""
    year = FinancialYear(query["year"])
    return {"year": year.label, "start": year.start, "end": year.end,
            "modules": dataset_figures(g.tenant, year.start_year)}
