"""Tenant administration of members: invite, change roles and limits, suspend."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from core.auth.access import requires
from core.auth.forms import InviteForm, MembershipForm
from core.auth.models import Membership, Role, User
from core.auth.services import (
    AccessError,
    MembershipChoice,
    grantable,
    invite_member,
    set_membership_status,
    update_membership,
)
from core.db import db
from core.refusals import submit
from core.tenancy.models import Agency, LocalAuthority
from core.web.forms import FormErrors, validate_form
from core.web.lookup import get_or_404
from core.web.pagination import page_of

bp = Blueprint("members", __name__)
PAGE_SIZE = 50


def _choices():
    roles = grantable(g.access, db.session.scalars(select(Role).options(selectinload(Role.grants)).order_by(Role.name)).all())
    agencies = db.session.scalars(select(Agency).order_by(Agency.name)).all()
    las = db.session.scalars(select(LocalAuthority).order_by(LocalAuthority.name)).all()
    return roles, agencies, las


def _choice(data: dict) -> MembershipChoice:
    return MembershipChoice(role_ids=data["roles"], agency_id=data["agency_id"],
                            local_authority_ids=data["local_authority_ids"], job_title=data["job_title"])


@bp.route("/")
@requires("core.members.view")
def index():
    q = request.args.get("q", "").strip()
    status = request.args.get("status", "")
    query = select(Membership).join(User, User.id == Membership.user_id)
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(func.lower(User.name).like(like), User.email.like(like)))
    if status in {"active", "invited", "suspended"}:
        query = query.where(Membership.status == status)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = page_of(total, PAGE_SIZE, request.args.get("page"))
    members = db.session.scalars(
        query.options(
            selectinload(Membership.user), selectinload(Membership.roles), selectinload(Membership.agency),
            selectinload(Membership.local_authorities),
        ).order_by(User.name).limit(page.size).offset(page.offset)
    ).all()
    return render_template("admin/members/index.html", members=members, q=q, status=status, page=page.number,
                           pages=page.pages, total=total)


@bp.route("/invite", methods=["GET", "POST"])
@requires("core.members.manage")
def invite():
    roles, agencies, las = _choices()
    errors, values = FormErrors(), {"roles": [], "local_authority_ids": []}
    if request.method == "POST":
        values = request.form
        data, errors = validate_form(InviteForm())
        if not errors:
            done = submit(lambda: invite_member(g.tenant, data["email"], data["name"], _choice(data), g.principal,
                                                g.access),
                          errors, done=url_for("members.index"), flash_message=f"Invitation sent to {data['email']}",
                          whole="email")
            if done:
                return done
        return render_template("admin/members/invite.html", roles=roles, agencies=agencies, las=las,
                               errors=errors, values=values), 400
    return render_template("admin/members/invite.html", roles=roles, agencies=agencies, las=las,
                           errors=errors, values=values)


@bp.route("/<int:membership_id>", methods=["GET", "POST"])
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
            done = submit(lambda: update_membership(membership, _choice(data), g.principal, g.access), errors,
                          done=url_for("members.edit", membership_id=membership_id), flash_message="Changes saved",
                          whole="roles")
            if done:
                return done
        status = 400
    return render_template("admin/members/edit.html", membership=membership, roles=roles, agencies=agencies,
                           las=las, errors=errors), status


@bp.route("/<int:membership_id>/status", methods=["POST"])
@requires("core.members.manage")
def change_status(membership_id):
    membership = get_or_404(Membership, membership_id)
    try:
        set_membership_status(membership, request.form.get("status", ""), g.principal, g.access)
    except AccessError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("members.edit", membership_id=membership_id))
    db.session.commit()
    flash(f"{membership.user.name} is now {membership.status}", "success")
    return redirect(url_for("members.edit", membership_id=membership_id))
