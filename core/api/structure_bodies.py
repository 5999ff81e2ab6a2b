"""API for the partnership's bodies (with their chairing and seats) and the people who hold its roles."""

from __future__ import annotations

from flask_smorest import Blueprint, abort

from core import calendar
from core.auth.access import requires
from core.structure.bodies import (
    chair_on,
    describe_rule,
    describe_turn,
    load_bodies_with_members,
    load_body,
    load_partners,
    load_role_holders,
    role_is_current,
    seat_is_current,
    who_chairs,
)
from core.structure.schemas_bodies import BodySchema, PeopleSchema

bp = Blueprint("structure_bodies_api", __name__, description="The partnership's bodies and the people in its roles")


def _chair_rule(rule, day, partners) -> dict:
    turn = chair_on(rule, day)
    rotation = rule.kind == "rotation"
    return {
        "id": rule.id, "position": rule.position, "kind": rule.kind, "role_title": rule.role_title,
        "rotation_agencies": list(rule.rotation_agencies) if rotation else [],
        "rotation_months": rule.rotation_months if rotation else None,
        "rotation_starts_on": rule.rotation_starts_on if rotation else None,
        "description": describe_rule(rule, partners),
        "today": None if turn is None else {
            "kind": turn.kind, "agency": turn.agency_key,
            "title": turn.title or describe_turn(turn, partners), "starts_on": turn.starts_on,
            "ends_on": turn.ends_on, "description": who_chairs(rule, day, partners),
        },
    }


def _body(body, keys: dict[int, str], day, partners) -> dict:
    return {
        "id": body.id, "key": body.key, "name": body.name, "kind": body.kind, "kind_label": body.kind_label,
        "status": body.status, "dissolved_on": body.dissolved_on,
        "accountable_to": keys.get(body.accountable_to_id),
        "local_authority": body.local_authority.key if body.local_authority else None,
        "cadence": body.cadence, "cadence_label": body.cadence_label,
        "min_meetings_a_year": body.min_meetings_a_year, "public_meetings": body.public_meetings,
        "purpose": body.purpose, "terms_of_reference": body.terms_of_reference,
        "chair_rules": [_chair_rule(r, day, partners) for r in body.chair_rules],
        "members": [{
            "id": m.id, "label": m.label, "role_holder": m.role_holder.key if m.role_holder else None,
            "agency": m.represents.key if m.represents else None, "role_title": m.role_title,
            "status": m.status, "starts_on": m.starts_on, "ends_on": m.ends_on, "current": seat_is_current(m, day),
        } for m in body.members],
    }


@bp.route("/bodies", methods=["GET"])
@bp.response(200, BodySchema(many=True))
@requires("core.structure.view")
def list_bodies():
    """Every body (boards, forums, subgroups, groups), whom it is accountable to, who chairs it today, its seats."""
    bodies, partners, day = load_bodies_with_members(), load_partners(), calendar.london_today()
    keys = {b.id: b.key for b in bodies}
    return [_body(b, keys, day, partners) for b in bodies]


@bp.route("/bodies/<int:body_id>", methods=["GET"])
@bp.response(200, BodySchema)
@requires("core.structure.view")
def get_body(body_id):
    body = load_body(body_id)  # scoped to the tenant of the URL: another partnership's body is not found
    if body is None:
        abort(404, message="no such body in this partnership")
    keys = {body.accountable_to.id: body.accountable_to.key} if body.accountable_to else {}
    return _body(body, keys, calendar.london_today(), load_partners())


@bp.route("/people", methods=["GET"])
@bp.response(200, PeopleSchema)
@requires("core.structure.view")
def people():
    """The partnership's role holders, and its safeguarding partners: lead and delegated roles, and whom the
    delegated partners may delegate to."""
    day = calendar.london_today()
    holders = load_role_holders()
    partners = load_partners()
    return {
        "role_holders": [{
            "id": h.id, "key": h.key, "kind": h.kind, "kind_label": h.kind_label, "title": h.title,
            "agency": h.agency.key if h.agency else None, "voting": h.voting, "description": h.description,
            "linked_to_member": h.membership_id is not None, "starts_on": h.starts_on, "ends_on": h.ends_on,
            "current": role_is_current(h, day),
        } for h in holders],
        "partners": [{
            "agency": key, "agency_name": p.agency.name, "partner_type": p.agency.partner_type,
            "lead_role": p.lead_role, "delegated_roles": list(p.delegated_roles or []),
            "delegation_cover": list(p.delegation_cover or []),
        } for key, p in partners.items()],
    }
