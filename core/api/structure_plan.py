"""API for the partnership's plan."""

from __future__ import annotations

from flask_smorest import Blueprint

bp = Blueprint("structure_plan_api", __name__, description="The partnership's plan")
