"""`flask demo setup`: the shipped partnerships, a demo admin whose login it prints, made-up people."""

from __future__ import annotations

import re

from lscp_noticeboard.models import Notice
from sqlalchemy import func, select

from core.auth.models import Membership, Role, User
from core.auth.services import set_password
from core.db import db
from core.plugins.services import enable_module
from core.structure.models import Meeting
from core.tenancy.isolation import tenant_scope
from core.tenancy.models import Tenant
from tests.helpers import login


def test_demo_setup_prints_a_working_login_and_marks_made_up_people(app, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "setup"])
    assert first.exit_code == 0, first.output
    email = re.search(r"email:\s+(\S+)", first.output).group(1)
    password = re.search(r"password:\s+(\S+)", first.output).group(1)
    assert sorted(db.session.scalars(select(Tenant.slug))) == ["bi-borough", "city-hackney", "hf"]
    people = db.session.scalars(select(User)).all()
    assert all(u.is_demo and u.name.startswith("[DEMO]") and u.email.endswith("@example.org") for u in people)
    # The admin, then per partnership the five default roles and the LADO module's two.
    assert len(people) == 1 + 7 * 3

    login(client, email, password)
    assert client.get("/hf/").status_code == 200 and client.get("/city-hackney/admin/members/").status_code == 200
    lado = app.test_client()
    login(lado, "demo.lado-officer.bi-borough@example.org", password)
    cases = lado.get("/bi-borough/lado/cases/").get_data(as_text=True)
    assert "[DEMO]" in cases
    practitioner = app.test_client()
    login(practitioner, "demo.practitioner.hf@example.org", password)
    assert practitioner.get("/hf/admin/members/").status_code == 403

    # Again: nothing doubles, the password stays what was printed, modules add their demo records once.
    hf = db.session.scalars(select(Tenant).where(Tenant.slug == "hf")).one()
    enable_module(hf, "noticeboard")
    db.session.commit()
    second = runner.invoke(args=["demo", "setup"])
    third = runner.invoke(args=["demo", "setup"])
    assert second.exit_code == third.exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(User)) == 22
    with tenant_scope(hf):
        assert db.session.scalars(select(Notice.title)).all() == ["[DEMO] Welcome to the noticeboard"]
        demo_meetings = db.session.scalars(select(Meeting)).all()
        assert len(demo_meetings) == 3 and all(m.location.startswith("[DEMO]") for m in demo_meetings)
        assert [m.status for m in demo_meetings].count("held") == 1

    assert re.search(r"password:\s+(\S+)", third.output).group(1) == password
    admin = app.test_client()
    login(admin, email, password)
    assert "[DEMO] Committee Room 1" in admin.get("/hf/meetings/").get_data(as_text=True)


def test_every_demo_person_signs_in_to_a_page_they_may_see(app):
    """Whatever role a person holds, default or made by a module, signing in lands on a page that answers."""
    runner = app.test_cli_runner()
    output = runner.invoke(args=["demo", "setup"]).output
    password = re.search(r"password:\s+(\S+)", output).group(1)
    people = re.findall(r"(demo\.[a-z-]+\.[a-z-]+@example\.org)", output)
    roles = {r.key for t in db.session.scalars(select(Tenant)) for r in _roles(t)}
    assert {"lado_officer", "lado_manager", "practitioner", "tenant_admin"} <= roles
    # Every role of every partnership has its demo person, and the output names each one.
    assert len(people) == len(set(people)) == sum(len(_roles(t)) for t in db.session.scalars(select(Tenant)))
    for email in people:
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": password,
                                               "csrf_token": _csrf(client)}, follow_redirects=True)
        assert response.status_code == 200, (email, response.request.path)
        assert response.request.path != "/login", email


def test_demo_set_up_again_keeps_what_people_changed(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "setup"]).output
    hf = db.session.scalars(select(Tenant).where(Tenant.slug == "hf")).one()
    with tenant_scope(hf):
        lead = db.session.scalars(select(User).where(User.email == "demo.practitioner.hf@example.org")).one()
        membership = db.session.scalars(select(Membership).where(Membership.user_id == lead.id)).one()
        scrutineer = db.session.scalars(select(Role).where(Role.key == "independent_scrutineer")).one()
        membership.roles = [scrutineer]
    set_password(lead, "a password of her own")
    db.session.commit()

    second = runner.invoke(args=["demo", "setup"]).output
    assert re.search(r"password:\s+(\S+)", second).group(1) == re.search(r"password:\s+(\S+)", first).group(1)
    with tenant_scope(hf):
        membership = db.session.scalars(select(Membership).where(Membership.user_id == lead.id)).one()
        assert [r.key for r in membership.roles] == ["independent_scrutineer"]
    client = app.test_client()
    login(client, "demo.practitioner.hf@example.org", "a password of her own")


def _roles(tenant):
    with tenant_scope(tenant):
        return db.session.scalars(select(Role)).all()


def _csrf(client):
    from tests.helpers import csrf_token

    return csrf_token(client)
