"""Pages for the partnership's meetings."""

from __future__ import annotations

from flask import Blueprint

from core.auth.access import requires

bp = Blueprint("meetings", __name__)


@bp.route("/")
@requires("core.meetings.view")
def index():
    return "meetings"  # replaced by the real page
