"""Pages for the partnership's funding."""

from __future__ import annotations

from flask import Blueprint

from core.auth.access import requires

bp = Blueprint("funding", __name__)


@bp.route("/")
@requires("core.funding.view")
def index():
    return "funding"  # replaced by the real page
