"""The partnership's annual report and data set, gathered from core and the enabled modules' hooks.

A partnership's year is the financial year, 1 April to 31 March, named by the year it starts in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core import calendar
from core.plugins.services import enabled_modules, registry
from core.plugins.types import ReportSection


@dataclass(frozen=True)
class FinancialYear:
    start_year: int

    @property
    def start(self) -> date:
        return date(self.start_year, 4, 1)

    @property
    def end(self) -> date:
        return date(self.start_year + 1, 3, 31)

    @property
    def label(self) -> str:
        return f"{self.start_year}/{str(self.start_year + 1)[-2:]}"

    @classmethod
    def containing(cls, day: date) -> FinancialYear:
        return cls(day.year if day.month >= 4 else day.year - 1)

    @classmethod
    def current(cls) -> FinancialYear:
        """The year it is now in London: at 00:30 BST on 1 April the new year has begun, though UTC's date
        is still 31 March."""
        return cls.containing(calendar.london_today())


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
