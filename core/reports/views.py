"""The annual report page: each enabled module's section for the chosen financial year."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request
from markupsafe import Markup

from core.auth.access import requires
from core.calendar import FinancialYear, chosen_year, london_day, years_to_offer
from core.reports.services import annual_report_sections, dataset_figures
from core.suppression import published_threshold, suppress
from core.web.forms import FormErrors

bp = Blueprint("reports", __name__)
# Every page may publish a count: ``{{ n | suppress(threshold, "referral") }}`` (core.suppression).
bp.add_app_template_filter(suppress, "suppress")


def report_years(tenant, current: FinancialYear) -> range:
    """The years a partnership has reports for: each year since it joined the platform, and the year
    before, whose report is the first one it usually writes here. No report of a year not yet begun."""
    joined = FinancialYear.containing(london_day(tenant.created_at)).start_year
    return range(min(joined - 1, current.start_year), current.start_year + 1)


@bp.route("/annual-report")
@requires("core.reports.view")
def annual_report():
    current = FinancialYear.current()
    # Unless asked for another, the last complete year: the one a report is written about.
    year, problem = chosen_year(request.args.get("year"), current.previous, latest=current.start_year)
    errors = FormErrors()
    if problem:
        errors.add("year", problem)
    sections = [(module, section.title, Markup(section.html))
                for module, section in annual_report_sections(g.tenant, year.start_year)]
    return render_template("reports/annual_report.html", year=year, sections=sections, errors=errors,
                           years=years_to_offer(current, year, report_years(g.tenant, current)),
                           figures=dataset_figures(g.tenant, year.start_year),
                           small_numbers=published_threshold()), (400 if errors else 200)
