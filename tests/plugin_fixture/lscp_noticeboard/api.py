from __future__ import annotations

from flask_smorest import Blueprint
from sqlalchemy import select

from core.auth.access import requires
from core.db import db
from core.web.lookup import get_or_404
from lscp_noticeboard.models import Notice
from lscp_noticeboard.services import NoticeSchema, post_notice

api_bp = Blueprint("noticeboard_api", __name__, description="Notices (test module)")


@api_bp.route("/notices", methods=["GET"])
@api_bp.response(200, NoticeSchema(many=True))
@requires("noticeboard.notices.read")
def list_notices():
    return db.session.scalars(select(Notice).order_by(Notice.id)).all()


@api_bp.route("/notices", methods=["POST"])
@api_bp.arguments(NoticeSchema)
@api_bp.response(201, NoticeSchema)
@requires("noticeboard.notices.write")
def create_notice(body):
    notice = post_notice(body["title"], body["body"], body["posted_on"])
    db.session.commit()
    return notice


@api_bp.route("/notices/<int:notice_id>", methods=["GET"])
@api_bp.response(200, NoticeSchema)
@requires("noticeboard.notices.read")
def get_notice(notice_id):
    return get_or_404(Notice, notice_id)


@api_bp.route("/notices/<int:notice_id>", methods=["PUT"])
@api_bp.arguments(NoticeSchema)
@api_bp.response(200, NoticeSchema)
@requires("noticeboard.notices.write")
def update_notice(body, notice_id):
    notice = get_or_404(Notice, notice_id)
    notice.title, notice.body = body["title"], body["body"]
    db.session.commit()
    return notice


@api_bp.route("/notices/<int:notice_id>", methods=["DELETE"])
@api_bp.response(204)
@requires("noticeboard.notices.write")
def delete_notice(notice_id):
    db.session.delete(get_or_404(Notice, notice_id))
    db.session.commit()
