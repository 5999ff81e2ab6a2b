"""Pages for the partnership's bodies: the structure (a picture and tables), each body with its chairing and
seats, the forms that change them, and the roles of the partnership. Reading takes core.structure.view,
changing core.structure.manage; the rules live in core.structure.bodies."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core import calendar
from core.auth.access import requires
from core.auth.models import Membership, User
from core.db import db
from core.refusals import submit
from core.structure.bodies import (
    CHAIR_POSITIONS,
    StructureError,
    add_seat,
    create_body,
    create_role_holder,
    current_chairs,
    describe_rule,
    end_role_holder,
    end_seat,
    load_bodies,
    load_body,
    load_partners,
    load_role_holders,
    meets_in_words,
    period_in_words,
    remove_chair_rule,
    role_is_current,
    rotation_turns,
    rule_of,
    seat_is_current,
    set_chair_rule,
    update_body,
    update_role_holder,
    who_chairs,
)
from core.structure.diagram import status_words, structure_svg, structure_tree
from core.structure.models import (
    BODY_KINDS,
    BODY_STATUSES,
    CADENCES,
    CHAIR_KINDS,
    MEMBER_STATUSES,
    ROLE_KINDS,
    Body,
    BodyMember,
    ChairRule,
    RoleHolder,
)
from core.structure.schemas_bodies import BodyForm, ChairForm, EndForm, RoleHolderForm, SeatForm
from core.tenancy.models import Agency, LocalAuthority
from core.web.form_dates import date_values
from core.web.forms import FormErrors, validate_form
from core.web.lookup import get_or_404

bp = Blueprint("structure", __name__)

KIND_HEADINGS = {
    "board": "Boards", "forum": "Partnership forums", "subgroup": "Subgroups", "thematic_group": "Thematic groups",
    "task_and_finish_group": "Task and finish groups", "local_group": "Local groups",
    "practitioner_forum": "Practitioner forums",
}
FORM_ANCHOR = "structure-form"  # where the error summary points for a problem with no one field


# -- helpers ---------------------------------------------------------------------------------------------


def _can_manage() -> bool:
    return g.access.can("core.structure.manage")


def _render_form(template: str, status: int = 200, **context):
    context.setdefault("form_anchor", FORM_ANCHOR)
    return render_template(template, **context), status


# -- the structure ---------------------------------------------------------------------------------------


@bp.route("/")
@requires("core.structure.view")
def index():
    bodies, partners, day = load_bodies(), load_partners(), calendar.london_today()
    by_kind: dict[str, list[Body]] = {}
    for body in bodies:
        by_kind.setdefault(body.kind, []).append(body)
    groups = [(KIND_HEADINGS.get(kind, BODY_KINDS.get(kind, kind)), by_kind[kind])
              for kind in [*BODY_KINDS, *sorted(set(by_kind) - set(BODY_KINDS))] if kind in by_kind]
    return render_template(
        "structure/index.html", groups=groups, by_id={b.id: b for b in bodies}, count=len(bodies),
        chairs={b.id: who_chairs(rule_of(b, "chair"), day, partners) for b in bodies},
        svg=structure_svg(bodies), tree=structure_tree(bodies), day=day, statuses=BODY_STATUSES,
        status_words=status_words,
    )


@bp.route("/bodies/<int:body_id>")
@requires("core.structure.view")
def body(body_id):
    get_or_404(Body, body_id)
    found = load_body(body_id)
    partners, day = load_partners(), calendar.london_today()
    chairing = []
    for position, label in CHAIR_POSITIONS.items():
        rule = rule_of(found, position)
        chairing.append({
            "position": position, "label": label, "rule": rule,
            "described": describe_rule(rule, partners) if rule else None,
            "today": who_chairs(rule, day, partners) if rule else None,
            "turns": rotation_turns(rule, day) if rule else [],
        })
    seats = sorted(found.members, key=lambda m: (m.starts_on or date.min, m.label.lower(), m.id))
    current = [m for m in seats if m.ends_on is None or m.ends_on >= day]
    former = [m for m in seats if m.ends_on is not None and m.ends_on < day]
    return render_template(
        "structure/body.html", body=found, chairing=chairing, current=current, former=former, day=day,
        chairs=current_chairs(found, day, partners), partners=partners, member_statuses=MEMBER_STATUSES,
        statuses=BODY_STATUSES, seat_is_current=seat_is_current, meets=meets_in_words(found),
        reports=sorted(found.reports, key=lambda b: (b.position, b.name)),
        agency_names={k: p.agency.name for k, p in partners.items()},
    )


# -- bodies: create and change ---------------------------------------------------------------------------


def _body_choices(body: Body | None):
    bodies = db.session.scalars(select(Body).order_by(Body.position, Body.name)).all()
    las = db.session.scalars(select(LocalAuthority).order_by(LocalAuthority.name)).all()
    return [b for b in bodies if body is None or b.id != body.id], las


def _body_values(body: Body | None) -> dict:
    if body is None:
        return {"cadence": "quarterly", "status": "active", "public_meetings": "false", "kind": "",
                **date_values("dissolved_on", None)}
    return {
        "name": body.name, "kind": body.kind, "purpose": body.purpose, "terms_of_reference": body.terms_of_reference,
        "accountable_to_id": str(body.accountable_to_id or ""), "local_authority_id": str(body.local_authority_id or ""),
        "cadence": body.cadence, "min_meetings_a_year": str(body.min_meetings_a_year or ""),
        "public_meetings": "true" if body.public_meetings else "false", "status": body.status,
        **date_values("dissolved_on", body.dissolved_on),
    }


def _body_form(body: Body | None):
    bodies, las = _body_choices(body)
    errors = FormErrors()
    if request.method == "POST":
        data, errors = validate_form(BodyForm())
        if not errors:
            done = submit(lambda: (create_body(data, actor=g.principal) if body is None
                                   else update_body(body, data, actor=g.principal)),
                          errors, done=lambda saved: url_for("structure.body", body_id=saved.id),
                          flash_message=lambda saved: f"{saved.name} {'added' if body is None else 'saved'}",
                          whole=FORM_ANCHOR)
            if done:
                return done
        return _render_form("structure/body_form.html", 400, body=body, bodies=bodies, las=las, errors=errors,
                            values=request.form, kinds=BODY_KINDS, statuses=BODY_STATUSES, cadences=CADENCES)
    return _render_form("structure/body_form.html", body=body, bodies=bodies, las=las, errors=errors,
                        values=_body_values(body), kinds=BODY_KINDS, statuses=BODY_STATUSES, cadences=CADENCES)


@bp.route("/bodies/new", methods=["GET", "POST"])
@requires("core.structure.manage")
def new_body():
    return _body_form(None)


@bp.route("/bodies/<int:body_id>/edit", methods=["GET", "POST"])
@requires("core.structure.manage")
def edit_body(body_id):
    return _body_form(get_or_404(Body, body_id))


# -- chairing --------------------------------------------------------------------------------------------


@bp.route("/bodies/<int:body_id>/chair", methods=["GET", "POST"])
@requires("core.structure.manage")
def set_chair(body_id):
    found = get_or_404(Body, body_id)
    position = request.args.get("position", "chair")
    if position not in CHAIR_POSITIONS:
        abort(404)
    partners = load_partners()
    partner_agencies = [p.agency for p in partners.values()]
    key_of = {a.id: a.key for a in partner_agencies}
    rule = rule_of(found, position)
    errors = FormErrors()
    context = {"body": found, "position": position, "position_label": CHAIR_POSITIONS[position],
               "partner_agencies": partner_agencies, "chair_kinds": CHAIR_KINDS, "rule": rule,
               "slots": max(2, len(partner_agencies))}
    if request.method == "POST":
        data, errors = validate_form(ChairForm())
        if not errors:
            unknown = [i for i in data["rotation_agencies"] if i not in key_of]

            def change():
                if data["kind"] == "rotation" and unknown:
                    raise StructureError("Choose safeguarding partners from the list", "rotation_agencies")
                set_chair_rule(found, position, kind=data["kind"], role_title=data["role_title"],
                               rotation_agencies=[key_of[i] for i in data["rotation_agencies"] if i in key_of],
                               rotation_months=data["rotation_months"],
                               rotation_starts_on=data["rotation_starts_on"], actor=g.principal)

            done = submit(change, errors, done=url_for("structure.body", body_id=found.id),
                          flash_message=f"{CHAIR_POSITIONS[position]} of {found.name} saved", whole=FORM_ANCHOR)
            if done:
                return done
        turn_order = request.form.getlist("rotation_agencies")
        return _render_form("structure/chair_form.html", 400, errors=errors, values=request.form,
                            turn_order=turn_order, **context)
    id_of = {a.key: a.id for a in partner_agencies}
    values = {"kind": rule.kind if rule else "", "role_title": rule.role_title if rule else "",
              "rotation_months": str(rule.rotation_months if rule and rule.kind == "rotation" else 12),
              **date_values("rotation_starts_on", rule.rotation_starts_on if rule else None)}
    turn_order = [str(id_of.get(k, "")) for k in (rule.rotation_agencies if rule and rule.kind == "rotation" else [])]
    return _render_form("structure/chair_form.html", errors=errors, values=values, turn_order=turn_order, **context)


@bp.route("/chair-rules/<int:chair_rule_id>/remove", methods=["POST"])
@requires("core.structure.manage")
def remove_chair(chair_rule_id):
    rule = get_or_404(ChairRule, chair_rule_id)
    body_id, label, name = rule.body_id, CHAIR_POSITIONS.get(rule.position, "Chair"), rule.body.name
    remove_chair_rule(rule, actor=g.principal)
    db.session.commit()
    flash(f"{label} rule of {name} removed", "success")
    return redirect(url_for("structure.body", body_id=body_id))


# -- seats -----------------------------------------------------------------------------------------------


def _seat_choices():
    day = calendar.london_today()
    holders = [h for h in load_role_holders() if role_is_current(h, day) or (h.starts_on and h.starts_on > day)]
    agencies = db.session.scalars(select(Agency).order_by(Agency.name)).all()
    return holders, agencies


@bp.route("/bodies/<int:body_id>/seats/new", methods=["GET", "POST"])
@requires("core.structure.manage")
def new_seat(body_id):
    found = get_or_404(Body, body_id)
    holders, agencies = _seat_choices()
    errors = FormErrors()
    context = {"body": found, "holders": holders, "agencies": agencies, "member_statuses": MEMBER_STATUSES}
    if request.method == "POST":
        data, errors = validate_form(SeatForm())
        if not errors:
            done = submit(lambda: add_seat(found, actor=g.principal, **data), errors,
                          done=url_for("structure.body", body_id=found.id),
                          flash_message=lambda seat: f"{seat.label} now has a seat on {found.name}", whole=FORM_ANCHOR)
            if done:
                return done
        return _render_form("structure/seat_form.html", 400, errors=errors, values=request.form, **context)
    values = {"status": "voting", **date_values("starts_on", None), **date_values("ends_on", None)}
    return _render_form("structure/seat_form.html", errors=errors, values=values, **context)


@bp.route("/seats/<int:body_member_id>/end", methods=["GET", "POST"])
@requires("core.structure.manage")
def end_body_member(body_member_id):
    seat = get_or_404(BodyMember, body_member_id)
    errors = FormErrors()
    context = {"seat": seat, "body": seat.body}
    if request.method == "POST":
        data, errors = validate_form(EndForm())
        if not errors:
            body_id, label, name = seat.body_id, seat.label, seat.body.name
            done = submit(lambda: end_seat(seat, data["ends_on"], actor=g.principal), errors,
                          done=url_for("structure.body", body_id=body_id),
                          flash_message=lambda kept: (f"{label}'s seat on {name} ends on {data['ends_on']:%-d %B %Y}"
                                                      if kept else
                                                      f"{label} removed from {name}: the seat had no attendance to keep"),
                          whole=FORM_ANCHOR)
            if done:
                return done
        return _render_form("structure/end_seat.html", 400, errors=errors, values=request.form, **context)
    return _render_form("structure/end_seat.html", errors=errors, values=date_values("ends_on", seat.ends_on),
                        **context)


# -- role holders ----------------------------------------------------------------------------------------


@bp.route("/role-holders")
@requires("core.structure.view")
def role_holders():
    day = calendar.london_today()
    holders = load_role_holders()
    seats = db.session.scalars(select(BodyMember).options(selectinload(BodyMember.body))
                               .where(BodyMember.role_holder_id.is_not(None))).all()
    sits_on: dict[int, list[Body]] = {}
    for seat in seats:
        if seat_is_current(seat, day):
            sits_on.setdefault(seat.role_holder_id, []).append(seat.body)
    people = {}
    if g.access.can("core.members.view"):
        linked = [h.membership_id for h in holders if h.membership_id]
        if linked:
            people = dict(db.session.execute(select(Membership.id, User.name).join(User, User.id == Membership.user_id)
                                             .where(Membership.id.in_(linked))).all())
    return render_template(
        "structure/role_holders.html", day=day, sits_on=sits_on, people=people, period_in_words=period_in_words,
        current=[h for h in holders if h.ends_on is None or h.ends_on >= day],
        former=[h for h in holders if h.ends_on is not None and h.ends_on < day],
    )


def _member_choices():
    if not g.access.can("core.members.view"):
        return None  # the form does not offer what its user may not see
    return db.session.execute(select(Membership.id, User.name, User.email).join(User, User.id == Membership.user_id)
                              .where(Membership.status != "suspended").order_by(func.lower(User.name))).all()


def _holder_values(holder: RoleHolder | None) -> dict:
    if holder is None:
        return {"kind": "", "voting": "", **date_values("starts_on", None), **date_values("ends_on", None)}
    return {"kind": holder.kind, "title": holder.title, "agency_id": str(holder.agency_id or ""),
            "voting": "true" if holder.voting else "false", "description": holder.description,
            "membership_id": str(holder.membership_id or ""),
            **date_values("starts_on", holder.starts_on), **date_values("ends_on", holder.ends_on)}


def _holder_form(holder: RoleHolder | None):
    agencies = db.session.scalars(select(Agency).order_by(Agency.name)).all()
    members = _member_choices()
    errors = FormErrors()
    context = {"holder": holder, "agencies": agencies, "members": members, "role_kinds": ROLE_KINDS}
    if request.method == "POST":
        data, errors = validate_form(RoleHolderForm())
        if not errors:
            if members is None:
                data.pop("membership_id")
            done = submit(lambda: (create_role_holder(data, actor=g.principal) if holder is None
                                   else update_role_holder(holder, data, actor=g.principal)),
                          errors, done=url_for("structure.role_holders"),
                          flash_message=lambda saved: f"{saved.title} {'added' if holder is None else 'saved'}",
                          whole=FORM_ANCHOR)
            if done:
                return done
        return _render_form("structure/role_holder_form.html", 400, errors=errors, values=request.form, **context)
    return _render_form("structure/role_holder_form.html", errors=errors, values=_holder_values(holder), **context)


@bp.route("/role-holders/new", methods=["GET", "POST"])
@requires("core.structure.manage")
def new_role_holder():
    return _holder_form(None)


@bp.route("/role-holders/<int:role_holder_id>/edit", methods=["GET", "POST"])
@requires("core.structure.manage")
def edit_role_holder(role_holder_id):
    return _holder_form(get_or_404(RoleHolder, role_holder_id))


@bp.route("/role-holders/<int:role_holder_id>/end", methods=["GET", "POST"])
@requires("core.structure.manage")
def end_role(role_holder_id):
    holder = get_or_404(RoleHolder, role_holder_id)
    errors = FormErrors()
    if request.method == "POST":
        data, errors = validate_form(EndForm())
        if not errors:
            done = submit(lambda: end_role_holder(holder, data["ends_on"], actor=g.principal), errors,
                          done=url_for("structure.role_holders"),
                          flash_message=lambda _: f"{holder.title} ends on {data['ends_on']:%-d %B %Y}, with its seats",
                          whole=FORM_ANCHOR)
            if done:
                return done
        return _render_form("structure/end_role.html", 400, errors=errors, values=request.form, holder=holder)
    return _render_form("structure/end_role.html", errors=errors, values=date_values("ends_on", holder.ends_on),
                        holder=holder)
