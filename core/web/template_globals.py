from __future__ import annotations

from flask import Flask, g

from core.auth.access import current_access
from core.calendar import LONDON, FinancialYear
from core.web.navigation import navigation
from core.wording import plural

SERVICE_NAME = "Safeguarding partnership platform"


def init_app(app: Flask) -> None:
    @app.context_processor
    def _globals():
        return {
            "service_name": SERVICE_NAME,
            "tenant": g.get("tenant"),
            "principal": g.get("principal"),
            "access": current_access(),
            "can": lambda permission: current_access().can(permission),
            "csp_nonce": g.get("csp_nonce", ""),
            "navigation": navigation,
        }

    @app.template_filter("datetime")
    def _datetime(value, fmt="%-d %B %Y %H:%M"):
        if value is None:
            return ""
        return value.astimezone(LONDON).strftime(fmt)

    app.add_template_filter(plural, "plural")
    app.add_template_filter(lambda start_year: FinancialYear(start_year).label, "financial_year")

    @app.template_filter("date")
    def _date(value, fmt="%-d %B %Y"):
        return value.strftime(fmt) if value else ""
