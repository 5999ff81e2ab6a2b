from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from sqlalchemy import select

from core.auth.access import requires
from core.db import db
from core.web.forms import validate_form
from core.web.lookup import get_or_404
from lscp_noticeboard.models import Notice
from lscp_noticeboard.services import NoticeSchema, post_notice

bp = Blueprint("noticeboard", __name__, template_folder="templates")


@bp.route("/")
@requires("noticeboard.notices.read")
def index():
    notices = db.session.scalars(select(Notice).order_by(Notice.id)).all()
    return render_template("noticeboard/index.html", notices=notices)


@bp.route("/<int:notice_id>")
@requires("noticeboard.notices.read")
def show(notice_id):
    return render_template("noticeboard/show.html", notice=get_or_404(Notice, notice_id))


@bp.route("/new", methods=["POST"])
@requires("noticeboard.notices.write")
def create():
    data, errors = validate_form(NoticeSchema())
    if errors:
        abort(400)
    post_notice(data["title"], data["body"], data["posted_on"])
    db.session.commit()
    return redirect(url_for("noticeboard.index"))


@bp.route("/<int:notice_id>/delete", methods=["POST"])
@requires("noticeboard.notices.write")
def delete(notice_id):
    db.session.delete(get_or_404(Notice, notice_id))
    db.session.commit()
    return redirect(url_for("noticeboard.index"))
