"""API for the partnership's meetings."""

from __future__ import annotations

from flask_smorest import Blueprint

bp = Blueprint("structure_meetings_api", __name__, description="The partnership's meetings")
