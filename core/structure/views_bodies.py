"""Pages for the partnership's bodies."""

from __future__ import annotations

from flask import Blueprint

from core.auth.access import requires

bp = Blueprint("structure", __name__)


@bp.route("/")
@requires("core.structure.view")
def index():
    return "bodies"  # replaced by the real page
