"""Links and tags built inside tables and banners reach the browser as markup, with the data in them
escaped: a name is text, never HTML."""

from __future__ import annotations

from sqlalchemy import select

from core.auth.models import Membership
from core.auth.services import user_by_email
from core.db import db
from core.tenancy.isolation import tenant_scope
from tests.helpers import create_tenant, form_post, login, make_user


def test_tables_and_banners_render_links_and_escape_names(client):
    alpha = create_tenant("alpha")
    make_user("admin@alpha.example", alpha)
    make_user("worker@alpha.example", alpha, roles=("practitioner",))
    worker = user_by_email("worker@alpha.example")
    worker.name = "<b>Bold</b> & Co"
    db.session.commit()
    with tenant_scope(alpha):
        membership_id = db.session.scalars(select(Membership.id).where(Membership.user_id == worker.id)).one()
    login(client, "admin@alpha.example")

    members = client.get("/alpha/admin/members/").get_data(as_text=True)
    assert f'<a class="govuk-link" href="/alpha/admin/members/{membership_id}">&lt;b&gt;Bold&lt;/b&gt; &amp; Co</a>' in members
    assert '<strong class="govuk-tag">Active</strong>' in members
    assert "&lt;a class" not in members

    roles = client.get("/alpha/admin/roles/").get_data(as_text=True)
    assert '<a class="govuk-link" href="/alpha/admin/roles/' in roles and "&lt;a" not in roles

    account = client.get("/account").get_data(as_text=True)
    assert '<a class="govuk-link" href="/alpha/">Alpha Safeguarding Children Partnership</a>' in account

    banner = form_post(client, f"/alpha/admin/members/{membership_id}/status", {"status": "suspended"},
                       follow_redirects=True).get_data(as_text=True)
    assert '<p class="govuk-notification-banner__heading">&lt;b&gt;Bold&lt;/b&gt; &amp; Co is now suspended</p>' in banner
