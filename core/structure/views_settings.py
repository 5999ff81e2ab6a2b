"""Pages for the education and care settings the partnership covers."""

from __future__ import annotations

from flask import Blueprint

from core.auth.access import requires

bp = Blueprint("education", __name__)


@bp.route("/")
@requires("core.structure.view")
def index():
    return "education"  # replaced by the real page
