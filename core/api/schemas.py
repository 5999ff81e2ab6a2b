from __future__ import annotations

from marshmallow import Schema, fields, validate

from core.calendar import FIRST_YEAR, LAST_YEAR, year_message


def financial_year_field() -> fields.Integer:
    """The ``year`` every API query of a financial year takes: the year it starts in, required."""
    return fields.Integer(required=True, validate=validate.Range(min=FIRST_YEAR, max=LAST_YEAR, error=year_message()),
                          metadata={"description": "The year the financial year starts in (2025 for 2025/26)"})


class YearQuery(Schema):
    """The query of an API answer about one financial year: ``?year=2025``."""

    year = financial_year_field()


class ModuleStateSchema(Schema):
    name = fields.String()
    title = fields.String()
    description = fields.String()
    version = fields.String()
    depends_on = fields.List(fields.String())
    enabled = fields.Boolean()
    settings = fields.Dict()


class EnableModuleSchema(Schema):
    settings = fields.Dict(keys=fields.String(), load_default=dict,
                           metadata={"description": "The module's settings, validated by its own schema"})


class MemberSchema(Schema):
    id = fields.Integer()
    email = fields.String(attribute="user.email")
    name = fields.String(attribute="user.name")
    status = fields.String()
    job_title = fields.String()
    roles = fields.Method("_roles")
    agency = fields.Method("_agency")
    local_authorities = fields.Method("_las")

    def _roles(self, m):
        return [r.key for r in m.roles]

    def _agency(self, m):
        return m.agency.key if m.agency else None

    def _las(self, m):
        return [la.key for la in m.local_authorities]


class MemberQuerySchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(["active", "invited", "suspended"]),
                           metadata={"description": "active, invited or suspended"})
