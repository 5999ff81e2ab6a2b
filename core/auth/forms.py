"""Form schemas for sign-in, passwords, members, roles and tokens."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.web.ids import Id

EMAIL_ERROR = "Enter an email address in the correct format, like name@example.org"


class LoginForm(Schema):
    email = fields.Email(required=True, error_messages={"required": "Enter your email address",
                                                       "invalid": EMAIL_ERROR})
    password = fields.String(required=True, metadata={"raw": True},
                             error_messages={"required": "Enter your password"})


class ResetRequestForm(Schema):
    email = fields.Email(required=True, error_messages={"required": "Enter your email address",
                                                       "invalid": EMAIL_ERROR})


class NewPasswordForm(Schema):
    password = fields.String(required=True, metadata={"raw": True},
                             error_messages={"required": "Enter a new password"})
    confirm = fields.String(required=True, metadata={"raw": True},
                            error_messages={"required": "Enter the password again"})

    @validates_schema
    def _same(self, data, **_):
        if data.get("password") != data.get("confirm"):
            raise ValidationError("The passwords do not match", field_name="confirm")


class MembershipForm(Schema):
    roles = fields.List(Id(), required=True, validate=validate.Length(min=1, error="Choose at least one role"),
                        error_messages={"required": "Choose at least one role"})
    agency_id = Id(load_default=None, allow_none=True, error_messages={"invalid": "Choose an agency from the list"})
    local_authority_ids = fields.List(Id(), load_default=list)
    job_title = fields.String(load_default="", validate=validate.Length(max=200))


class InviteForm(MembershipForm):
    email = fields.Email(required=True, error_messages={"required": "Enter the email address of the person to invite",
                                                       "invalid": EMAIL_ERROR})
    name = fields.String(required=True,
                         validate=validate.Length(min=1, max=200, error="Enter a name of 200 characters or fewer"),
                         error_messages={"required": "Enter the person's full name"})


class RoleForm(Schema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=120),
                         error_messages={"required": "Enter a name for the role"})
    description = fields.String(load_default="", validate=validate.Length(max=500))
    permissions = fields.List(fields.String(), load_default=list)


class TokenForm(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120),
                         error_messages={"required": "Give the token a name that says what uses it"})
