"""Schemas of the structure's forms (pages) and of its API answers."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from core.structure.models import (
    BODY_KINDS,
    BODY_STATUSES,
    CADENCES,
    CHAIR_KINDS,
    MEMBER_STATUSES,
    ROLE_KINDS,
)
from core.web.form_dates import DateInput, DateInputSchema
from core.web.ids import Id


def _one_of(options: dict, message: str) -> dict:
    return {"validate": validate.OneOf(list(options), error=message), "error_messages": {"required": message}}


# -- forms -----------------------------------------------------------------------------------------------


class BodyForm(DateInputSchema):
    name = fields.String(required=True, validate=validate.Length(max=200, error="Enter a name of 200 characters or fewer"),
                         error_messages={"required": "Enter the name of the body"})
    kind = fields.String(required=True, **_one_of(BODY_KINDS, "Choose what kind of body it is"))
    purpose = fields.String(load_default="")
    terms_of_reference = fields.String(load_default="")
    accountable_to_id = Id(load_default=None, error_messages={"invalid": "Choose a body from the list"})
    local_authority_id = Id(load_default=None, error_messages={"invalid": "Choose a local authority from the list"})
    cadence = fields.String(required=True, **_one_of(CADENCES, "Choose how often the body meets"))
    min_meetings_a_year = fields.Integer(
        load_default=None, validate=validate.Range(min=1, max=52, error="Enter a number from 1 to 52"),
        error_messages={"invalid": "Enter the fewest meetings a year as a number, like 4"})
    public_meetings = fields.Boolean(load_default=False, error_messages={"invalid": "Choose yes or no"})
    status = fields.String(required=True, **_one_of(BODY_STATUSES, "Choose the body's status"))
    dissolved_on = DateInput("the date the body was dissolved")


class ChairForm(DateInputSchema):
    kind = fields.String(required=True, **_one_of(CHAIR_KINDS, "Choose how the chair is decided"))
    role_title = fields.String(load_default="")
    rotation_agencies = fields.List(Id(error_messages={"invalid": "Choose safeguarding partners from the list"}),
                                    load_default=list)
    rotation_months = fields.Integer(load_default=12, validate=validate.Range(
        min=1, max=60, error="Enter the length of each turn, from 1 to 60 months"),
        error_messages={"invalid": "Enter the length of each turn in months, like 12"})
    rotation_starts_on = DateInput("the day the first turn starts")


class SeatForm(DateInputSchema):
    role_holder_id = Id(load_default=None, error_messages={"invalid": "Choose a role holder from the list"})
    agency_id = Id(load_default=None, error_messages={"invalid": "Choose an agency from the list"})
    role_title = fields.String(load_default="")
    status = fields.String(required=True, **_one_of(MEMBER_STATUSES, "Choose voting member, participant observer or adviser"))
    starts_on = DateInput("the date the seat starts")
    ends_on = DateInput("the date the seat ends")


class EndForm(DateInputSchema):
    ends_on = DateInput("the last day", required=True)


class RoleHolderForm(DateInputSchema):
    kind = fields.String(required=True, **_one_of(ROLE_KINDS, "Choose the kind of role"))
    title = fields.String(required=True, error_messages={"required": "Enter the title of the role"})
    agency_id = Id(load_default=None, error_messages={"invalid": "Choose an agency from the list"})
    voting = fields.Boolean(required=True, error_messages={"required": "Choose whether the role votes",
                                                           "invalid": "Choose whether the role votes"})
    description = fields.String(load_default="")
    membership_id = Id(load_default=None, error_messages={"invalid": "Choose a member from the list"})
    starts_on = DateInput("the date the role starts")
    ends_on = DateInput("the date the role ends")


# -- API -------------------------------------------------------------------------------------------------


class ChairTodaySchema(Schema):
    kind = fields.String(metadata={"description": "role, independent or rotation"})
    agency = fields.String(allow_none=True, metadata={"description": "For a rotation: the agency whose turn it is"})
    title = fields.String(metadata={"description": "The role title (rotation: the agency's delegated partner roles)"})
    starts_on = fields.Date(allow_none=True, metadata={"description": "For a rotation: the first day of the turn"})
    ends_on = fields.Date(allow_none=True, metadata={"description": "For a rotation: the last day of the turn"})
    description = fields.String()


class ChairRuleSchema(Schema):
    id = fields.Integer()
    position = fields.String(metadata={"description": "chair or vice_chair"})
    kind = fields.String(metadata={"description": "role, independent or rotation"})
    role_title = fields.String()
    rotation_agencies = fields.List(fields.String(), metadata={"description": "Agency keys, in turn order"})
    rotation_months = fields.Integer(allow_none=True)
    rotation_starts_on = fields.Date(allow_none=True)
    description = fields.String()
    today = fields.Nested(ChairTodaySchema, allow_none=True, metadata={"description": "Who holds it today"})


class SeatSchema(Schema):
    id = fields.Integer()
    label = fields.String()
    role_holder = fields.String(allow_none=True, metadata={"description": "Role holder key"})
    agency = fields.String(allow_none=True, metadata={"description": "Agency key the seat represents"})
    role_title = fields.String()
    status = fields.String(metadata={"description": "voting, observer or adviser"})
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    current = fields.Boolean()


class BodySchema(Schema):
    id = fields.Integer()
    key = fields.String()
    name = fields.String()
    kind = fields.String()
    kind_label = fields.String()
    status = fields.String(metadata={"description": "active, under_consideration or dissolved"})
    dissolved_on = fields.Date(allow_none=True)
    accountable_to = fields.String(allow_none=True, metadata={"description": "Key of the body it reports to"})
    local_authority = fields.String(allow_none=True, metadata={"description": "Local authority key (local groups)"})
    cadence = fields.String()
    cadence_label = fields.String()
    min_meetings_a_year = fields.Integer(allow_none=True)
    public_meetings = fields.Boolean()
    purpose = fields.String()
    terms_of_reference = fields.String()
    chair_rules = fields.List(fields.Nested(ChairRuleSchema))
    members = fields.List(fields.Nested(SeatSchema))


class RoleHolderSchema(Schema):
    id = fields.Integer()
    key = fields.String()
    kind = fields.String()
    kind_label = fields.String()
    title = fields.String()
    agency = fields.String(allow_none=True)
    voting = fields.Boolean()
    description = fields.String()
    linked_to_member = fields.Boolean(metadata={"description": "Whether a platform member holds the role"})
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    current = fields.Boolean()


class PartnerSchema(Schema):
    agency = fields.String(metadata={"description": "Agency key"})
    agency_name = fields.String()
    partner_type = fields.String(allow_none=True)
    lead_role = fields.String(metadata={"description": "The lead safeguarding partner"})
    delegated_roles = fields.List(fields.String(), metadata={"description": "Delegated safeguarding partners"})
    delegation_cover = fields.List(fields.String(), metadata={
        "description": "Whom the delegated safeguarding partners may delegate to"})


class PeopleSchema(Schema):
    role_holders = fields.List(fields.Nested(RoleHolderSchema))
    partners = fields.List(fields.Nested(PartnerSchema))
