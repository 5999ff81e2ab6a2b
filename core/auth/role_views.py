"""Tenant administration of roles: what each role may do, and roles of the partnership's own."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core.audit.services import record
from core.auth.access import requires
from core.auth.forms import RoleForm
from core.auth.models import Membership, Role, membership_roles
from core.auth.roles import LOCKED, set_role_permissions
from core.db import db
from core.plugins.services import registry
from core.web.forms import FormErrors, validate_form
from core.web.lookup import get_or_404

bp = Blueprint("roles", __name__)


def _permission_groups():
    """Permissions a role can be given here: core's and those of modules enabled for this partnership."""
    reg = registry()
    groups = []
    for name in ["core", *sorted(g.enabled_modules)]:
        module = reg.get(name)
        if module and module.permissions:
            groups.append((module.info.title, module.permissions))
    return groups


@bp.route("/")
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


@bp.route("/new", methods=["GET", "POST"])
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


@bp.route("/<int:role_id>", methods=["GET", "POST"])
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
