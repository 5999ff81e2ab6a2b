"""Pages for the partnership's plan."""

from __future__ import annotations

from flask import Blueprint

from core.auth.access import requires

bp = Blueprint("plan", __name__)


@bp.route("/")
@requires("core.plan.view")
def index():
    return "plan"  # replaced by the real page
