"""API for the partnership's bodies."""

from __future__ import annotations

from flask_smorest import Blueprint

bp = Blueprint("structure_bodies_api", __name__, description="The partnership's bodies")
