"""The number of SQL queries a page makes does not grow with the data."""

from __future__ import annotations

from lscp_noticeboard.services import post_notice
from sqlalchemy import insert, select

from core.audit.models import AuditEvent
from core.auth.models import Membership, Role, User, membership_roles
from core.db import db, utcnow
from core.plugins.services import enable_module
from core.tenancy.isolation import tenant_scope
from core.tenancy.models import Agency
from tests.helpers import count_queries, create_tenant, login, make_user

PAGES = ["/alpha/", "/alpha/admin/members/", "/alpha/admin/audit/", "/alpha/admin/roles/", "/alpha/partnership",
         "/alpha/noticeboard/", "/alpha/structure/", "/alpha/meetings/", "/alpha/plan/", "/alpha/funding/",
         "/alpha/education/", "/alpha/arrangements/", "/alpha/meetings/actions"]


def add_data(tenant, n: int) -> None:
    """n members with roles, n agencies, n notices and 10n audit events, inserted in bulk."""
    with tenant_scope(tenant):
        role_id = db.session.scalars(select(Role.id).where(Role.key == "practitioner")).one()
        start = db.session.scalar(select(User.id).order_by(User.id.desc()).limit(1)) or 0
        users = db.session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), [
            {"email": f"bulk{start + i}@alpha.example", "name": f"Bulk {i}", "session_version": 1, "active": True,
             "is_platform_admin": False, "is_demo": False, "created_at": utcnow()} for i in range(n)]).all()
        memberships = db.session.scalars(insert(Membership).returning(Membership.id, sort_by_parameter_order=True), [
            {"user_id": u, "status": "active", "job_title": "", "created_at": utcnow()} for u in users]).all()
        db.session.execute(insert(membership_roles), [{"membership_id": m, "role_id": role_id} for m in memberships])
        db.session.execute(insert(Agency), [{"key": f"bulk-{start + i}", "name": f"Agency {i}",
                                             "sector": "miscellaneous"} for i in range(n)])
        db.session.execute(insert(AuditEvent), [{"action": "bulk.event", "summary": f"event {i}", "at": utcnow(),
                                                 "actor_label": "system", "object_type": "", "object_id": "",
                                                 "details": {}, "ip": ""} for i in range(10 * n)])
        for i in range(n):
            post_notice(f"Notice {i}")
    db.session.commit()


def queries_per_page(client) -> dict[str, int]:
    counts = {}
    for url in PAGES:
        client.get(url)  # warm: the tenant's module cache fills on first sight
        with count_queries() as counter:
            assert client.get(url).status_code == 200, url
        counts[url] = counter.n
    return counts


def test_queries_per_page_do_not_grow_with_the_data(client):
    alpha = create_tenant("alpha")
    enable_module(alpha, "noticeboard")
    make_user("admin@alpha.example", alpha)
    login(client, "admin@alpha.example")
    add_data(alpha, 3)
    small = queries_per_page(client)
    add_data(alpha, 300)
    large = queries_per_page(client)
    assert large == small
    # A tenant admin's dashboard: user, tenant and access, then each panel's own few queries.
    assert small["/alpha/"] <= 18, small
