"""Members of a partnership: invitation by email, roles and limits, suspension, the last administrator."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from core.auth.access import load_access
from core.auth.models import Membership, Role
from core.auth.services import user_by_email
from core.db import db
from core.tenancy.isolation import tenant_scope
from core.tenancy.models import Agency, LocalAuthority
from tests.helpers import PASSWORD, create_tenant, form_post, login, make_user

LINK = re.compile(r"http://platform\.test(/invitations/\S+)")


@pytest.fixture
def alpha():
    tenant = create_tenant("alpha")
    make_user("admin@alpha.example", tenant)
    return tenant


def ids(tenant, model, *keys):
    with tenant_scope(tenant):
        return [db.session.scalars(select(model.id).where(model.key == k)).one() for k in keys]


def test_an_invited_person_joins_with_the_role_they_were_given(client, alpha, outbox):
    login(client, "admin@alpha.example")
    [lead] = ids(alpha, Role, "agency_safeguarding_lead")
    [school] = ids(alpha, Agency, "school")
    response = form_post(client, "/alpha/admin/members/invite", {
        "name": "Sam Patel", "email": "sam.patel@school.example", "roles": str(lead), "agency_id": str(school),
        "job_title": "Designated safeguarding lead"})
    assert response.status_code == 302
    members = client.get("/alpha/admin/members/").get_data(as_text=True)
    assert "Sam Patel" in members and "Invited" in members and "Alpha Primary School" in members

    [message] = outbox
    assert message["To"] == "sam.patel@school.example"
    assert "Alpha Safeguarding Children Partnership" in message["Subject"]
    link = LINK.search(message.get_content()).group(1)

    invitee = client.application.test_client()
    page = invitee.get(link).get_data(as_text=True)
    assert "Agency safeguarding lead" in page and "Choose a password" in page
    assert form_post(invitee, link, {"password": "short", "confirm": "short"}).status_code == 400
    accepted = form_post(invitee, link, {"password": "a long passphrase", "confirm": "a long passphrase"})
    assert accepted.status_code == 302 and accepted.location == "/alpha/"
    assert invitee.get("/alpha/").status_code == 200
    assert invitee.get(link).status_code == 404  # used

    with tenant_scope(alpha):
        membership = db.session.scalars(select(Membership).join(Membership.user)
                                        .where(Membership.user_id == user_by_email("sam.patel@school.example").id)).one()
        assert membership.status == "active" and membership.agency.key == "school"
        assert [r.key for r in membership.roles] == ["agency_safeguarding_lead"]


def test_an_invitation_grants_nothing_until_accepted(client, alpha):
    login(client, "admin@alpha.example")
    [practitioner] = ids(alpha, Role, "practitioner")
    form_post(client, "/alpha/admin/members/invite", {"name": "Pat", "email": "pat@example.org",
                                                     "roles": str(practitioner)})
    user = user_by_email("pat@example.org")
    assert user.password_hash is None
    with tenant_scope(alpha):
        assert not load_access(user, alpha, frozenset()).is_member


def test_invitation_form_names_each_problem_and_refuses_another_partnerships_roles(client, alpha):
    beta = create_tenant("beta")
    login(client, "admin@alpha.example")
    empty = form_post(client, "/alpha/admin/members/invite", {"name": "", "email": "nope"})
    html = empty.get_data(as_text=True)
    assert empty.status_code == 400
    assert "Enter the person&#39;s full name" in html and "Enter an email address in the correct format" in html
    assert "Choose at least one role" in html
    [beta_admin_role] = ids(beta, Role, "tenant_admin")
    foreign = form_post(client, "/alpha/admin/members/invite", {"name": "Eve", "email": "eve@example.org",
                                                               "roles": str(beta_admin_role)})
    assert foreign.status_code == 400 and "Choose roles from this partnership" in foreign.get_data(as_text=True)
    with tenant_scope(beta):
        assert db.session.scalars(select(Membership)).all() == []
    taken = form_post(client, "/alpha/admin/members/invite", {"name": "Admin", "email": "admin@alpha.example",
                                                             "roles": str(ids(alpha, Role, "practitioner")[0])})
    assert "already a member" in taken.get_data(as_text=True)


def test_changing_roles_and_limits(client, alpha):
    make_user("worker@alpha.example", alpha, roles=("practitioner",))
    login(client, "admin@alpha.example")
    with tenant_scope(alpha):
        membership_id = db.session.scalars(select(Membership.id).join(Membership.user)
                                           .where(Membership.user_id == user_by_email("worker@alpha.example").id)).one()
    [manager] = ids(alpha, Role, "business_manager")
    [north] = ids(alpha, LocalAuthority, "north")
    response = form_post(client, f"/alpha/admin/members/{membership_id}",
                         {"roles": str(manager), "local_authority_ids": str(north), "job_title": "Business manager"})
    assert response.status_code == 302
    page = client.get(f"/alpha/admin/members/{membership_id}").get_data(as_text=True)
    assert "Business manager" in page
    with tenant_scope(alpha):
        membership = db.session.get(Membership, membership_id)
        assert [la.key for la in membership.local_authorities] == ["north"]
        assert [r.key for r in membership.roles] == ["business_manager"]


def test_the_last_tenant_admin_cannot_be_demoted_or_suspended(client, alpha):
    login(client, "admin@alpha.example")
    with tenant_scope(alpha):
        mine = db.session.scalars(select(Membership.id)).one()
    [practitioner] = ids(alpha, Role, "practitioner")
    demote = form_post(client, f"/alpha/admin/members/{mine}", {"roles": str(practitioner)})
    assert demote.status_code == 400 and "last tenant administrator" in demote.get_data(as_text=True)
    suspend = form_post(client, f"/alpha/admin/members/{mine}/status", {"status": "suspended"}, follow_redirects=True)
    assert "last tenant administrator" in suspend.get_data(as_text=True)
    assert client.get("/alpha/admin/members/").status_code == 200


def test_a_suspended_member_loses_access_at_once_and_can_be_restored(client, alpha, app):
    make_user("worker@alpha.example", alpha, roles=("practitioner",))
    worker = app.test_client()
    login(worker, "worker@alpha.example")
    assert worker.get("/alpha/").status_code == 200
    login(client, "admin@alpha.example")
    with tenant_scope(alpha):
        membership_id = db.session.scalars(select(Membership.id).where(
            Membership.user_id == user_by_email("worker@alpha.example").id)).one()
    form_post(client, f"/alpha/admin/members/{membership_id}/status", {"status": "suspended"})
    assert worker.get("/alpha/").status_code == 404
    form_post(client, f"/alpha/admin/members/{membership_id}/status", {"status": "active"})
    assert worker.get("/alpha/").status_code == 200


def test_members_list_filters_and_pages(client, alpha):
    for n in range(55):
        make_user(f"person{n:02d}@alpha.example", alpha, roles=("practitioner",))
    login(client, "admin@alpha.example")
    first = client.get("/alpha/admin/members/").get_data(as_text=True)
    assert "56 members" in first and "Page 1 of 2" in first
    found = client.get("/alpha/admin/members/?q=person07").get_data(as_text=True)
    assert "1 member<" in found and "person07@alpha.example" in found
    assert client.get("/alpha/admin/members/?page=zzz").status_code == 200


def test_users_create_command(app):
    alpha = create_tenant("alpha")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--email", "ops@example.org", "--name", "Ops", "--password-stdin",
                                 "--tenant", "alpha", "--role", "business_manager"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    user = user_by_email("ops@example.org")
    with tenant_scope(alpha):
        access = load_access(user, alpha, frozenset())
    assert access.can("core.members.manage") and not access.can("core.roles.manage")
    bad_role = runner.invoke(args=["users", "create", "--email", "x@example.org", "--tenant", "alpha", "--role", "wizard"])
    assert bad_role.exit_code == 1 and "no role wizard in alpha" in bad_role.output
    assert user_by_email("x@example.org") is None  # nothing half-made
    weak = runner.invoke(args=["users", "create", "--email", "y@example.org", "--password-stdin"], input="short\n")
    assert weak.exit_code == 1 and "at least 10 characters" in weak.output
