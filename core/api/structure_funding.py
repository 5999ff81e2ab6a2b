"""API for the partnership's funding."""

from __future__ import annotations

from flask_smorest import Blueprint

bp = Blueprint("structure_funding_api", __name__, description="The partnership's funding")
