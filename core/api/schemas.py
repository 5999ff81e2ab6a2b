from __future__ import annotations

from marshmallow import Schema, fields, validate


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
