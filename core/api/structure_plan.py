"""API for the partnership's plan: priorities and cross-cutting threads with their business plan actions."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, pre_dump
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core import calendar
from core.auth.access import requires
from core.calendar import FinancialYear
from core.db import db
from core.structure import plan
from core.structure.models import PlanAction, Priority

bp = Blueprint("structure_plan_api", __name__, description="The partnership's plan")


class PlanActionSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    owner_body = fields.String(allow_none=True, metadata={"description": "The key of the body that owns the action"})
    lead = fields.String()
    due_on = fields.Date(allow_none=True)
    rag = fields.String(metadata={"description": "red, amber, green or complete"})
    overdue = fields.Boolean(metadata={"description": "Due before today and not complete"})
    progress = fields.String(metadata={"description": "The latest progress note"})
    updated_at = fields.DateTime()

    @pre_dump
    def _derived(self, action, **_):
        values = {name: getattr(action, name) for name in ("id", "title", "lead", "due_on", "rag", "progress",
                                                            "updated_at")}
        values["owner_body"] = action.owner_body.key if action.owner_body else None
        values["overdue"] = plan.is_overdue(action, calendar.london_today())
        return values


class PrioritySchema(Schema):
    id = fields.Integer()
    key = fields.String()
    kind = fields.String(metadata={"description": "priority, or thread for one that runs through every priority"})
    title = fields.String()
    description = fields.String()
    starts_year = fields.Integer(metadata={"description": "First financial year: 2025 is 1 April 2025 to 31 March 2026"})
    ends_year = fields.Integer(metadata={"description": "Last financial year, inclusive"})
    actions = fields.List(fields.Nested(PlanActionSchema),
                          metadata={"description": "Business plan actions, soonest due first"})

    @pre_dump
    def _ordered(self, priority, **_):
        # The relationship's SQL order puts undated actions first on SQLite and last on PostgreSQL.
        values = {name: getattr(priority, name) for name in ("id", "key", "kind", "title", "description",
                                                              "starts_year", "ends_year")}
        values["actions"] = plan.ordered_actions(priority)
        return values


class PriorityQuerySchema(Schema):
    current = fields.Boolean(load_default=False,
                             metadata={"description": "true: only those whose period includes this financial year"})


@bp.route("/priorities", methods=["GET"])
@bp.arguments(PriorityQuerySchema, location="query")
@bp.response(200, PrioritySchema(many=True))
@requires("core.plan.view")
def list_priorities(query):
    """Priorities and cross-cutting threads, with their business plan actions."""
    stmt = select(Priority).options(selectinload(Priority.actions).selectinload(PlanAction.owner_body))
    if query["current"]:
        year = FinancialYear.containing(calendar.london_today()).start_year
        stmt = stmt.where(Priority.starts_year <= year, Priority.ends_year >= year)
    return db.session.scalars(stmt.order_by(Priority.position, Priority.title, Priority.id)).all()
