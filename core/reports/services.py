"""The partnership's annual report and data set, gathered from core and the enabled modules' hooks.

A partnership's year is the financial year, 1 April to 31 March, named by the year it starts in
(``core.calendar.FinancialYear``).
"""

from __future__ import annotations

from core.plugins.services import enabled_modules, registry
from core.plugins.types import ReportSection


def annual_report_sections(tenant, year: int) -> list[tuple[str, ReportSection]]:
    """``[(module name, section)]`` in report order."""
    sections = [
        (module, section)
        for module, result in registry().call_enabled(
            "lscp_annual_report_sections", enabled_modules(tenant), tenant=tenant, year=year
        )
        for section in result
    ]
    return sorted(sections, key=lambda pair: (pair[1].order, pair[1].title))


def dataset_figures(tenant, year: int) -> dict[str, dict[str, float]]:
    """``{module name: {figure: number}}`` for the financial year from 1 April ``year``."""
    return {
        module: dict(figures)
        for module, figures in registry().call_enabled(
            "lscp_dataset_figures", enabled_modules(tenant), tenant=tenant, year=year
        )
    }
