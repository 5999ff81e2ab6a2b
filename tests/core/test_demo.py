"""`flask demo setup`: the shipped partnerships, a demo admin whose login it prints, made-up people."""

from __future__ import annotations

import re

from lscp_noticeboard.models import Notice
from sqlalchemy import func, select

from core.auth.models import User
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

    # Again: nothing doubles, the admin gets a fresh password, modules add their demo records once.
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

    new_password = re.search(r"password:\s+(\S+)", third.output).group(1)
    assert new_password != password
    admin = app.test_client()
    login(admin, email, new_password)
    assert "[DEMO] Committee Room 1" in admin.get("/hf/meetings/").get_data(as_text=True)
