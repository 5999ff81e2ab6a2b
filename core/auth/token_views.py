"""API tokens of a partnership: create (shown once), list, revoke."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.auth.access import requires
from core.auth.forms import TokenForm
from core.auth.models import ApiToken
from core.auth.services import AccessError, create_api_token, revoke_api_token
from core.db import db
from core.refusals import show_refusal
from core.web.forms import FormErrors, validate_form
from core.web.lookup import get_or_404

bp = Blueprint("tokens", __name__)


def _tokens():
    return db.session.scalars(
        select(ApiToken).options(selectinload(ApiToken.user)).order_by(ApiToken.created_at.desc())
    ).all()


@bp.route("/", methods=["GET", "POST"])
@requires("core.tokens.manage")
def index():
    errors, plain = FormErrors(), None
    if request.method == "POST":
        data, errors = validate_form(TokenForm())
        if not errors:
            try:
                _token, plain = create_api_token(g.principal, data["name"], actor=g.principal)
            except AccessError as exc:
                show_refusal(errors, exc, whole="name")
            else:
                db.session.commit()
    status = 400 if errors else (201 if plain else 200)
    return render_template("admin/tokens.html", tokens=_tokens(), plain=plain, errors=errors), status


@bp.route("/<int:token_id>/revoke", methods=["POST"])
@requires("core.tokens.manage")
def revoke(token_id):
    token = get_or_404(ApiToken, token_id)
    revoke_api_token(token, g.principal)
    db.session.commit()
    flash(f"Token '{token.name}' revoked: it no longer works", "success")
    return redirect(url_for("tokens.index"))
