"""The annual report page: each enabled module's section for the chosen financial year."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request
from markupsafe import Markup

from core.auth.access import requires
from core.reports.services import FinancialYear, annual_report_sections, dataset_figures

bp = Blueprint("reports", __name__)


def chosen_year() -> tuple[FinancialYear, str | None]:
    """The year asked for in ``?year=``, or the last complete one; with an error message when unreadable."""
    current = FinancialYear.current()
    raw = request.args.get("year", "").strip()
    if not raw:
        return FinancialYear(current.start_year - 1), None
    if not raw.isdigit() or not 2000 <= int(raw) <= current.start_year:
        return FinancialYear(current.start_year - 1), (
            f"Enter the year the financial year starts in, from 2000 to {current.start_year}, e.g. 2025 for 2025/26")
    return FinancialYear(int(raw)), None


@bp.route("/annual-report")
@requires("core.reports.view")
def annual_report():
    year, error = chosen_year()
    sections = [(module, section.title, Markup(section.html))
                for module, section in annual_report_sections(g.tenant, year.start_year)]
    return render_template("reports/annual_report.html", year=year, sections=sections,
                           figures=dataset_figures(g.tenant, year.start_year), error=error), (400 if error else 200)
