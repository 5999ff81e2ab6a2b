"""The tenant document: a partnership's configuration as data (tenants/*.toml, the config API).

Validation is in two layers: the marshmallow schemas check each value, then ``check_references`` checks
what refers to what (an agency's local authorities, a partner's agency, a module's settings against the
module's own schema). Errors come back as ``{"agencies[3].sector": ["reason"]}``: a path a person can
follow to the line in the file.
"""

from __future__ import annotations

import re

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates

from core.structure.documents import SECTIONS as STRUCTURE_SECTIONS
from core.structure.documents import check_structure
from core.tenancy.sectors import PARTNER_TYPES, RESERVED_SLUGS, SECTORS

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
GSS = re.compile(r"^E0[6-9]\d{6}$")


def _slug(value: str) -> None:
    if not SLUG.match(value or ""):
        raise ValidationError("use lowercase letters, digits and single hyphens, e.g. 'city-hackney'")


class Strict(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


class TenantSection(Strict):
    slug = fields.String(required=True, validate=[validate.Length(min=2, max=40), _slug])
    name = fields.String(required=True, validate=validate.Length(min=3, max=200))
    short_name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    arrangements_published = fields.Date(load_default=None)

    @validates("slug")
    def _not_reserved(self, value, **_):
        if value in RESERVED_SLUGS:
            raise ValidationError(f"'{value}' is used by the platform itself; choose another slug")


class LocalAuthoritySection(Strict):
    key = fields.String(required=True, validate=[validate.Length(min=2, max=60), _slug])
    name = fields.String(required=True, validate=validate.Length(min=3, max=200))
    gss_code = fields.String(
        load_default=None,
        validate=validate.Regexp(GSS, error="must be an ONS GSS code of an English district, e.g. E09000012"),
    )


class AgencySection(Strict):
    key = fields.String(required=True, validate=[validate.Length(min=2, max=60), _slug])
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    sector = fields.String(
        required=True, validate=validate.OneOf(list(SECTORS), error="must be one of: {choices}")
    )
    partner_type = fields.String(
        load_default=None, validate=validate.OneOf(list(PARTNER_TYPES), error="must be one of: {choices}")
    )
    local_authorities = fields.List(fields.String(), load_default=list)


class PartnerSection(Strict):
    agency = fields.String(required=True)
    lead_role = fields.String(required=True, validate=validate.Length(min=2, max=200))
    delegated_roles = fields.List(fields.String(validate=validate.Length(min=2, max=200)), load_default=list)
    # Whom a delegated partner may hand the role to when they cannot act ("who they may delegate to").
    delegation_cover = fields.List(fields.String(validate=validate.Length(min=2, max=300)), load_default=list)


class RoleSection(Strict):
    key = fields.String(
        required=True,
        validate=[
            validate.Length(min=2, max=60),
            validate.Regexp(r"^[a-z][a-z0-9_]*$", error="use lowercase letters, digits and underscores"),
        ],
    )
    name = fields.String(required=True, validate=validate.Length(min=2, max=120))
    description = fields.String(load_default="", validate=validate.Length(max=500))
    permissions = fields.List(fields.String(), load_default=list)


class ModuleSection(Strict):
    enabled = fields.Boolean(required=True)
    settings = fields.Dict(keys=fields.String(), load_default=dict)


class TenantDocument(Strict):
    tenant = fields.Nested(TenantSection, required=True)
    arrangements = STRUCTURE_SECTIONS["arrangements"]
    local_authorities = fields.List(
        fields.Nested(LocalAuthoritySection), required=True, validate=validate.Length(min=1)
    )
    agencies = fields.List(fields.Nested(AgencySection), load_default=list)
    safeguarding_partners = fields.List(fields.Nested(PartnerSection), load_default=list)
    roles = fields.List(fields.Nested(RoleSection), load_default=list)
    role_holders = STRUCTURE_SECTIONS["role_holders"]
    bodies = STRUCTURE_SECTIONS["bodies"]
    priorities = STRUCTURE_SECTIONS["priorities"]
    settings_counts = STRUCTURE_SECTIONS["settings_counts"]
    modules = fields.Dict(keys=fields.String(), values=fields.Nested(ModuleSection), load_default=dict)


class OfferSection(Strict):
    slug = fields.String(required=True, validate=[validate.Length(min=2, max=60), _slug])
    name = fields.String(required=True, validate=validate.Length(min=3, max=200))
    description = fields.String(load_default="")
    module = fields.String(required=True, validate=[validate.Length(min=2, max=40), _slug])
    coordinator = fields.String(required=True)
    members = fields.List(fields.String(), required=True, validate=validate.Length(min=2))


class SharedOfferDocument(Strict):
    offer = fields.Nested(OfferSection, required=True)


def flatten_errors(messages, prefix: str = "") -> dict[str, list[str]]:
    """``{"agencies": {3: {"sector": ["x"]}}}`` -> ``{"agencies[3].sector": ["x"]}``."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, list):
        out.setdefault(prefix or "(document)", []).extend(str(m) for m in messages)
        return out
    if isinstance(messages, str):
        out.setdefault(prefix or "(document)", []).append(messages)
        return out
    for key, value in messages.items():
        if isinstance(key, int):
            path = f"{prefix}[{key}]"
        elif key == "_schema":
            path = prefix
        else:
            path = f"{prefix}.{key}" if prefix else str(key)
        for p, msgs in flatten_errors(value, path).items():
            out.setdefault(p, []).extend(msgs)
    return out


def _duplicates(items: list[dict], field: str, section: str, errors: dict) -> set[str]:
    seen: set[str] = set()
    for index, item in enumerate(items):
        value = item[field]
        if value in seen:
            errors.setdefault(f"{section}[{index}].{field}", []).append(f"'{value}' appears more than once")
        seen.add(value)
    return seen


def check_references(doc: dict, registry, known_permissions: set[str]) -> dict[str, list[str]]:
    """Checks across sections of a loaded tenant document; returns flattened errors (empty when sound)."""
    errors: dict[str, list[str]] = {}
    la_keys = _duplicates(doc["local_authorities"], "key", "local_authorities", errors)
    agency_keys = _duplicates(doc["agencies"], "key", "agencies", errors)
    _duplicates(doc["roles"], "key", "roles", errors)
    partner_agencies = {a["key"] for a in doc["agencies"] if a["partner_type"]}
    for i, agency in enumerate(doc["agencies"]):
        for j, key in enumerate(agency["local_authorities"]):
            if key not in la_keys:
                errors.setdefault(f"agencies[{i}].local_authorities[{j}]", []).append(
                    f"no local authority with key '{key}' in this file"
                )
    seen_partners: set[str] = set()
    for i, partner in enumerate(doc["safeguarding_partners"]):
        key = partner["agency"]
        if key not in agency_keys:
            errors.setdefault(f"safeguarding_partners[{i}].agency", []).append(f"no agency with key '{key}'")
        elif key not in partner_agencies:
            errors.setdefault(f"safeguarding_partners[{i}].agency", []).append(
                f"agency '{key}' has no partner_type: only statutory safeguarding partners have lead roles"
            )
        elif key in seen_partners:
            errors.setdefault(f"safeguarding_partners[{i}].agency", []).append(f"'{key}' appears more than once")
        seen_partners.add(key)
    for i, role in enumerate(doc["roles"]):
        for j, permission in enumerate(role["permissions"]):
            if permission not in known_permissions:
                errors.setdefault(f"roles[{i}].permissions[{j}]", []).append(f"no permission '{permission}'")
    check_structure(doc, errors)
    enabled = {name for name, m in doc["modules"].items() if m["enabled"]}
    for name, section in doc["modules"].items():
        module = registry.get(name)
        if module is None or name == "core":
            errors.setdefault(f"modules.{name}", []).append(f"no module called '{name}' is installed")
            continue
        if section["enabled"]:
            for dependency in module.info.depends_on:
                if dependency not in enabled:
                    errors.setdefault(f"modules.{name}.enabled", []).append(
                        f"{module.info.title} needs module '{dependency}' enabled too"
                    )
        try:
            module.load_settings(section["settings"])
        except ValidationError as exc:
            for path, msgs in flatten_errors(exc.messages, f"modules.{name}.settings").items():
                errors.setdefault(path, []).extend(msgs)
    return errors
