"""Tenant administration of people: members (invite, change roles and limits, suspend) and roles."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from core.audit.services import record
from core.auth.access import requires
from core.auth.forms import InviteForm, MembershipForm, RoleForm
from core.auth.models import Membership, Role, User, membership_roles
from core.auth.roles import LOCKED, set_role_permissions
from core.auth.services import (
    AccessError,
    MembershipChoice,
    invite_member,
    set_membership_status,
    update_membership,
)
from core.db import db
from core.plugins.services import registry
from core.tenancy.models import Agency, LocalAuthority
from core.web.forms import FormErrors, validate_form
from core.web.lookup import get_or_404

members_bp = Blueprint("members", __name__)
roles_bp = Blueprint("roles", __name__)
PAGE_SIZE = 50


def _choices():
    roles = db.session.scalars(select(Role).order_by(Role.name)).all()
    agencies = db.session.scalars(select(Agency).order_by(Agency.name)).all()
    las = db.session.scalars(select(LocalAuthority).order_by(LocalAuthority.name)).all()
    return roles, agencies, las


def _choice(data: dict) -> MembershipChoice:
    return MembershipChoice(role_ids=data["roles"], agency_id=data["agency_id"],
                            local_authority_ids=data["local_authority_ids"], job_title=data["job_title"])


@members_bp.route("/")
@requires("core.members.view")
def index():
    q = request.args.get("q", "").strip()
    status = request.args.get("status", "")
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    query = select(Membership).join(User, User.id == Membership.user_id)
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(func.lower(User.name).like(like), User.email.like(like)))
    if status in {"active", "invited", "suspended"}:
        query = query.where(Membership.status == status)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    members = db.session.scalars(
        query.options(
            selectinload(Membership.user), selectinload(Membership.roles), selectinload(Membership.agency),
            selectinload(Membership.local_authorities),
        ).order_by(User.name).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    pages = max(1, -(-total // PAGE_SIZE))
    return render_template("admin/members/index.html", members=members, q=q, status=status, page=page,
                           pages=pages, total=total)


@members_bp.route("/invite", methods=["GET", "POST"])
@requires("core.members.manage")
def invite():
    roles, agencies, las = _choices()
    errors, values = FormErrors(), {"roles": [], "local_authority_ids": []}
    if request.method == "POST":
        values = request.form
        data, errors = validate_form(InviteForm())
        if not errors:
            try:
                invite_member(g.tenant, data["email"], data["name"], _choice(data), g.principal)
            except AccessError as exc:
                db.session.rollback()
                errors.add("email", str(exc))
            else:
                db.session.commit()
                flash(f"Invitation sent to {data['email']}", "success")
                return redirect(url_for("members.index"))
        return render_template("admin/members/invite.html", roles=roles, agencies=agencies, las=las,
                               errors=errors, values=values), 400
    return render_template("admin/members/invite.html", roles=roles, agencies=agencies, las=las,
                           errors=errors, values=values)


@members_bp.route("/<int:membership_id>", methods=["GET", "POST"])
@requires("core.members.view")
def edit(membership_id):
    membership = get_or_404(Membership, membership_id)
    roles, agencies, las = _choices()
    errors = FormErrors()
    status = 200
    if request.method == "POST":
        if not g.access.can("core.members.manage"):
            abort(403)
        data, errors = validate_form(MembershipForm())
        if not errors:
            try:
                update_membership(membership, _choice(data), g.principal)
            except AccessError as exc:
                db.session.rollback()
                errors.add("roles", str(exc))
            else:
                db.session.commit()
                flash("Changes saved", "success")
                return redirect(url_for("members.edit", membership_id=membership_id))
        status = 400
    return render_template("admin/members/edit.html", membership=membership, roles=roles, agencies=agencies,
                           las=las, errors=errors), status


@members_bp.route("/<int:membership_id>/status", methods=["POST"])
@requires("core.members.manage")
def change_status(membership_id):
    membership = get_or_404(Membership, membership_id)
    try:
        set_membership_status(membership, request.form.get("status", ""), g.principal)
    except AccessError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("members.edit", membership_id=membership_id))
    db.session.commit()
    flash(f"{membership.user.name} is now {membership.status}", "success")
    return redirect(url_for("members.edit", membership_id=membership_id))


# -- roles ----------------------------------------------------------------------------------------------


def _permission_groups():
    """Permissions a role can be given here: core's and those of modules enabled for this partnership."""
    reg = registry()
    groups = []
    for name in ["core", *sorted(g.enabled_modules)]:
        module = reg.get(name)
        if module and module.permissions:
            groups.append((module.info.title, module.permissions))
    return groups


@roles_bp.route("/")
@requires("core.roles.manage")
def index():
    roles = db.session.scalars(select(Role).options(selectinload(Role.grants)).order_by(Role.name)).all()
    counts = dict(db.session.execute(
        select(membership_roles.c.role_id, func.count()).join(Membership, Membership.id == membership_roles.c.membership_id)
        .where(Membership.status == "active").group_by(membership_roles.c.role_id)
    ).all())
    return render_template("admin/roles/index.html", roles=roles, counts=counts)


def _save_role(role: Role | None):
    data, errors = validate_form(RoleForm())
    if errors:
        return None, errors
    known = set(registry().permissions(g.enabled_modules))
    creating = role is None
    if creating:
        key = "custom_" + "".join(c if c.isalnum() else "_" for c in data["name"].lower()).strip("_")[:50]
        if db.session.scalar(select(Role.id).where(Role.key == key)) is not None:
            errors.add("name", "A role with this name already exists")
            return None, errors
        role = Role(key=key, is_default=False)
        db.session.add(role)
    role.name, role.description = data["name"], data["description"]
    try:
        added, removed = set_role_permissions(role, set(data["permissions"]), known)
    except ValueError as exc:
        errors.add("permissions", str(exc))
        return None, errors
    db.session.flush()
    record("role.created" if creating else "role.changed", role, summary=f"Role {role.name} saved",
           details={"added": sorted(added), "removed": sorted(removed)})
    db.session.commit()
    return role, errors


@roles_bp.route("/new", methods=["GET", "POST"])
@requires("core.roles.manage")
def new():
    errors = FormErrors()
    if request.method == "POST":
        role, errors = _save_role(None)
        if role is not None:
            flash(f"Role {role.name} created", "success")
            return redirect(url_for("roles.index"))
        db.session.rollback()
    return render_template("admin/roles/edit.html", role=None, groups=_permission_groups(), granted=set(
        request.form.getlist("permissions")), locked=set(), errors=errors), (400 if errors else 200)


@roles_bp.route("/<int:role_id>", methods=["GET", "POST"])
@requires("core.roles.manage")
def edit(role_id):
    role = get_or_404(Role, role_id)
    errors = FormErrors()
    if request.method == "POST":
        saved, errors = _save_role(role)
        if saved is not None:
            flash(f"Role {role.name} saved", "success")
            return redirect(url_for("roles.index"))
        db.session.rollback()
        role = get_or_404(Role, role_id)
    locked = LOCKED.get(role.key, set()) if role.is_default else set()
    granted = set(request.form.getlist("permissions")) if errors else role.permission_names
    return render_template("admin/roles/edit.html", role=role, groups=_permission_groups(), granted=granted,
                           locked=locked, errors=errors), (400 if errors else 200)
