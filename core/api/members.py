from __future__ import annotations

from flask_smorest import Blueprint
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core.api.schemas import MemberQuerySchema, MemberSchema
from core.auth.access import requires
from core.auth.models import Membership, User
from core.db import db

bp = Blueprint("members_api", __name__, description="The partnership's members")


@bp.route("", methods=["GET"])
@bp.arguments(MemberQuerySchema, location="query")
@bp.response(200, MemberSchema(many=True))
@bp.paginate()
@requires("core.members.view")
def list_members(query, pagination_parameters):
    """Members with their roles and any limit to an agency or to local authorities."""
    stmt = select(Membership).join(User, User.id == Membership.user_id)
    if query["status"]:
        stmt = stmt.where(Membership.status == query["status"])
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    pagination_parameters.item_count = total
    if pagination_parameters.first_item >= total:
        return []  # past the end: nothing to ask the database for
    return db.session.scalars(
        stmt.options(selectinload(Membership.user), selectinload(Membership.roles),
                     selectinload(Membership.agency), selectinload(Membership.local_authorities))
        .order_by(User.email)
        .limit(pagination_parameters.page_size)
        .offset(pagination_parameters.first_item)
    ).all()
