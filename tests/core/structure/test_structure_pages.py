"""The structure's pages: the picture and tables of bodies, a body with who chairs it today and its members,
the forms that change them, the roles of the partnership, and who may do what."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert, select

from core.audit.models import AuditEvent
from core.auth.models import Membership, User
from core.calendar import london_today
from core.db import db
from core.structure.bodies import (
    add_months,
    add_seat,
    create_body,
    create_role_holder,
    set_chair_rule,
)
from core.structure.models import Attendance, Body, BodyMember, ChairRule, Meeting, RoleHolder
from core.tenancy.isolation import tenant_scope
from core.tenancy.models import Agency, SafeguardingPartner
from tests.helpers import count_queries, create_tenant, form_post, login, make_user


@pytest.fixture
def alpha():
    tenant = create_tenant("alpha")
    make_user("admin@alpha.example", tenant)
    return tenant


def build(tenant, start=None) -> dict[str, int]:
    """H&F's shape: an Executive Board over a Forum (chaired by the delegated partners in turn, the police
    first), groups under the Forum, one dissolved; a lay member and an observing lead member."""
    start = start or add_months(london_today(), -13)  # the second turn (the council's) is under way today
    with tenant_scope(tenant):
        board = create_body({"name": "Executive Board", "kind": "board", "cadence": "three_a_year"})
        forum = create_body({"name": "Safeguarding Children Partnership Forum", "kind": "forum",
                             "accountable_to_id": board.id, "public_meetings": True})
        qa = create_body({"name": "Quality Assurance Group", "kind": "subgroup", "accountable_to_id": forum.id,
                          "purpose": "Checks how well agencies work together"})
        old = create_body({"name": "Old Neglect Group", "kind": "thematic_group", "accountable_to_id": forum.id,
                           "status": "dissolved", "dissolved_on": date(2024, 3, 31)})
        set_chair_rule(board, "chair", kind="role", role_title="Chief Executive of the council")
        set_chair_rule(forum, "chair", kind="rotation", rotation_agencies=["police", "council", "icb"],
                       rotation_starts_on=start)
        set_chair_rule(forum, "vice_chair", kind="independent", role_title="Independent Scrutineer")
        lay = create_role_holder({"kind": "lay_member", "title": "Lay member"})
        lead = create_role_holder({"kind": "lead_member", "title": "Lead Member for Children", "voting": False})
        council = db.session.scalars(select(Agency.id).where(Agency.key == "council")).one()
        add_seat(forum, role_holder_id=lay.id, starts_on=date(2024, 4, 1))
        add_seat(forum, role_holder_id=lead.id, status="observer")
        add_seat(forum, agency_id=council, role_title="Director of Children's Services", starts_on=date(2024, 1, 1),
                 ends_on=date(2024, 12, 31))
        db.session.commit()
        return {"board": board.id, "forum": forum.id, "qa": qa.id, "old": old.id, "lay": lay.id, "lead": lead.id}


def page(client, url, status=200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'").replace("&amp;", "&")


def test_structure_page_draws_the_reporting_lines_and_lists_bodies_by_kind(client, alpha):
    made = build(alpha)
    login(client, "admin@alpha.example")
    html = page(client, "/alpha/structure/")
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert "Safeguarding Children Partnership Forum is accountable to Executive Board" in svg
    assert "Old Neglect Group is accountable to Safeguarding Children Partnership Forum" in svg
    assert "Thematic group (dissolved)" in svg
    # The text alternative: the same tree as nested lists.
    listed = re.search(r'<ul class="govuk-list govuk-list--bullet" data-testid="structure-list">.*?</ul>\s*<h2', html, re.S).group(0)
    assert re.search(r"Executive Board</a>\s*\(board\)\s*<ul", listed)
    assert "Old Neglect Group</a>\n    (thematic group) (dissolved)" in listed
    words = text(html)
    assert "Boards" in words and "Partnership forums" in words and "Subgroups" in words and "Thematic groups" in words
    assert "Three times a year" in words and "Quarterly" in words
    # Who chairs the Forum today: the second partner in turn, named by its delegated role.
    assert "Director of Children's Services, Alpha Council (delegated safeguarding partner, in turn)" in words
    assert "Chief Executive of the council" in words
    assert f'href="/alpha/structure/bodies/{made["qa"]}"' in html
    assert "Add a body" in html


def test_body_page_shows_purpose_reporting_chairing_today_and_members(client, alpha):
    made = build(alpha)
    login(client, "admin@alpha.example")
    words = text(page(client, f"/alpha/structure/bodies/{made['forum']}"))
    assert "Accountable to Executive Board" in words
    assert "Quality Assurance Group (subgroup)" in words and "Old Neglect Group (thematic group) (dissolved)" in words
    assert ("Rotates among the delegated safeguarding partners, a year each from "
            f"{add_months(london_today(), -13):%-d %B %Y}: Alpha Police, then Alpha Council, then Alpha ICB") in words
    assert "Today: Director of Children's Services, Alpha Council (delegated safeguarding partner, in turn)" in words
    assert "Vice chair today Independent Scrutineer (independent)" in words
    assert "Lay member None Voting member 1 April 2024 No end date End the seat of Lay member" in words
    assert "Lead Member for Children Lead member (participant observer)" not in words  # by title, not kind
    assert "Lead Member for Children None Participant observer (non-voting)" in words
    assert "Former members" in words and "Director of Children's Services Alpha Council Voting member 1 January 2024 31 December 2024" in words
    qa = text(page(client, f"/alpha/structure/bodies/{made['qa']}"))
    assert "Checks how well agencies work together" in qa and "Chair today Not set" in qa


def test_practitioners_and_scrutineers_read_but_cannot_change(client, alpha):
    made = build(alpha)
    make_user("worker@alpha.example", alpha, roles=("practitioner",))
    make_user("scrutineer@alpha.example", alpha, roles=("independent_scrutineer",))
    with tenant_scope(alpha):
        seat = db.session.scalars(select(BodyMember.id)).first()
        rule = db.session.scalars(select(ChairRule.id)).first()
    forms = ["/alpha/structure/bodies/new", f"/alpha/structure/bodies/{made['forum']}/edit",
             f"/alpha/structure/bodies/{made['forum']}/chair?position=vice_chair",
             f"/alpha/structure/bodies/{made['forum']}/seats/new", f"/alpha/structure/seats/{seat}/end",
             "/alpha/structure/role-holders/new", f"/alpha/structure/role-holders/{made['lay']}/edit",
             f"/alpha/structure/role-holders/{made['lay']}/end"]
    for email in ("worker@alpha.example", "scrutineer@alpha.example"):
        reader = client.application.test_client()
        login(reader, email)
        for url in ("/alpha/structure/", f"/alpha/structure/bodies/{made['forum']}", "/alpha/structure/role-holders"):
            html = page(reader, url)
            assert "/edit" not in html and "/new" not in html and "/end" not in html and "/chair" not in html, url
            assert "Add a body" not in html and "Change this body" not in html
        for url in forms:
            assert reader.get(url).status_code == 403, url
            assert form_post(reader, url, {"name": "Renamed", "ends_on-day": "1", "ends_on-month": "1",
                                           "ends_on-year": "2026"}).status_code == 403, url
        assert form_post(reader, f"/alpha/structure/chair-rules/{rule}/remove").status_code == 403
    with tenant_scope(alpha):
        assert db.session.get(Body, made["forum"]).name == "Safeguarding Children Partnership Forum"
        assert len(db.session.scalars(select(ChairRule)).all()) == 3


def test_a_business_manager_adds_a_body_under_another_and_it_is_recorded(client, alpha):
    made = build(alpha)
    make_user("manager@alpha.example", alpha, roles=("business_manager",))
    login(client, "manager@alpha.example")
    assert "Add a body" in page(client, "/alpha/structure/")
    response = form_post(client, "/alpha/structure/bodies/new", {
        "name": "Child Death Overview Panel", "kind": "task_and_finish_group", "accountable_to_id": str(made["forum"]),
        "cadence": "monthly", "public_meetings": "false", "status": "under_consideration", "purpose": "Reviews"})
    assert response.status_code == 302
    with tenant_scope(alpha):
        new = db.session.scalars(select(Body).where(Body.name == "Child Death Overview Panel")).one()
        assert (new.accountable_to_id, new.cadence, new.status) == (made["forum"], "monthly", "under_consideration")
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "structure.body.created")
                                   .order_by(AuditEvent.id.desc())).first()
        assert event.actor_label == "manager@alpha.example" and event.object_id == str(new.id)
    assert response.location == f"/alpha/structure/bodies/{new.id}"
    svg = page(client, "/alpha/structure/")
    assert "Child Death Overview Panel is accountable to Safeguarding Children Partnership Forum" in svg
    assert "Task and finish group (under consideration)" in svg


def test_body_form_names_each_problem_and_refuses_a_circle(client, alpha):
    made = build(alpha)
    login(client, "admin@alpha.example")
    empty = form_post(client, "/alpha/structure/bodies/new", {"cadence": "weekly", "status": "active"})
    html = empty.get_data(as_text=True)
    assert empty.status_code == 400 and "There is a problem" in html
    assert 'href="#name">Enter the name of the body' in html and 'href="#kind">Choose what kind of body it is' in html
    assert "Choose how often the body meets" in html
    circle = form_post(client, f"/alpha/structure/bodies/{made['board']}/edit", {
        "name": "Executive Board", "kind": "board", "cadence": "three_a_year", "status": "active",
        "accountable_to_id": str(made["qa"])})
    assert circle.status_code == 400
    assert "reporting lines cannot go round in a circle" in circle.get_data(as_text=True)
    bad_date = form_post(client, f"/alpha/structure/bodies/{made['qa']}/edit", {
        "name": "Quality Assurance Group", "kind": "subgroup", "cadence": "quarterly", "status": "dissolved",
        "dissolved_on-day": "31", "dissolved_on-month": "2", "dissolved_on-year": "2025"})
    assert bad_date.status_code == 400
    assert 'href="#dissolved_on">The date the body was dissolved must be a real date' in bad_date.get_data(as_text=True)
    absurd = form_post(client, f"/alpha/structure/bodies/{made['qa']}/edit", {
        "name": "Quality Assurance Group", "kind": "subgroup", "cadence": "quarterly", "status": "active",
        "accountable_to_id": "99999999999999", "min_meetings_a_year": "x"})
    assert absurd.status_code == 400
    dissolved = form_post(client, f"/alpha/structure/bodies/{made['qa']}/edit", {
        "name": "Quality Assurance Group", "kind": "subgroup", "cadence": "quarterly", "status": "dissolved",
        "accountable_to_id": str(made["forum"]), "dissolved_on-day": "31", "dissolved_on-month": "3",
        "dissolved_on-year": "2025"})
    assert dissolved.status_code == 302
    with tenant_scope(alpha):
        qa = db.session.get(Body, made["qa"])
        assert (qa.status, qa.dissolved_on) == ("dissolved", date(2025, 3, 31))
        assert db.session.get(Body, made["board"]).accountable_to_id is None


def test_setting_a_rotation_by_form_keeps_the_turn_order(client, alpha):
    made = build(alpha)
    login(client, "admin@alpha.example")
    with tenant_scope(alpha):
        agency = {a.key: a.id for a in db.session.scalars(select(Agency))}
    url = f"/alpha/structure/bodies/{made['board']}/chair?position=chair"
    form = page(client, url)
    assert 'id="rotation_agencies"' in form and "Turn 3" in form
    school = form_post(client, url, {"kind": "rotation", "rotation_agencies": [str(agency["icb"]), str(agency["school"])],
                                     "rotation_months": "12", "rotation_starts_on-day": "1",
                                     "rotation_starts_on-month": "4", "rotation_starts_on-year": "2025"})
    assert school.status_code == 400 and "Choose safeguarding partners from the list" in school.get_data(as_text=True)
    ok = form_post(client, url, {"kind": "rotation",
                                 "rotation_agencies": [str(agency["icb"]), "", str(agency["police"])],
                                 "rotation_months": "12", "rotation_starts_on-day": "1",
                                 "rotation_starts_on-month": "4", "rotation_starts_on-year": "2025"})
    assert ok.status_code == 302
    with tenant_scope(alpha):
        rule = db.session.scalars(select(ChairRule).where(ChairRule.body_id == made["board"])).one()
        assert (rule.kind, rule.rotation_agencies, rule.rotation_starts_on, rule.role_title) == (
            "rotation", ["icb", "police"], date(2025, 4, 1), "")
    again = page(client, url)  # the form shows the order it was given
    assert re.search(rf'id="rotation_agencies"[^>]*>.*?<option value="{agency["icb"]}" selected', again, re.S)
    assert form_post(client, f"/alpha/structure/bodies/{made['board']}/chair?position=deputy", {}).status_code == 404
    removed = form_post(client, f"/alpha/structure/chair-rules/{rule.id}/remove")
    assert removed.status_code == 302
    assert "Chair today Not set" in text(page(client, f"/alpha/structure/bodies/{made['board']}"))


def test_adding_and_ending_seats_by_form(client, alpha):
    made = build(alpha)
    login(client, "admin@alpha.example")
    url = f"/alpha/structure/bodies/{made['board']}/seats/new"
    refused = form_post(client, url, {"role_holder_id": str(made["lead"]), "status": "voting"})
    assert refused.status_code == 400 and "does not vote" in refused.get_data(as_text=True)
    assert form_post(client, url, {"role_holder_id": str(made["lead"]), "status": "observer",
                                   "starts_on-day": "1", "starts_on-month": "5", "starts_on-year": "2025"}).status_code == 302
    with tenant_scope(alpha):
        seat = db.session.scalars(select(BodyMember).where(BodyMember.body_id == made["board"])).one()
        meeting = Meeting(body_id=made["board"], starts_at=datetime(2025, 6, 1, 10, tzinfo=UTC),
                          ends_at=datetime(2025, 6, 1, 12, tzinfo=UTC))
        db.session.add(meeting)
        db.session.flush()
        db.session.add(Attendance(meeting_id=meeting.id, member_id=seat.id, status="present"))
        db.session.commit()
        seat_id = seat.id
    assert "Lead Member for Children" in text(page(client, f"/alpha/structure/bodies/{made['board']}"))
    early = form_post(client, f"/alpha/structure/seats/{seat_id}/end",
                      {"ends_on-day": "1", "ends_on-month": "1", "ends_on-year": "2025"})
    assert early.status_code == 400 and "end date must be the same as or after" in early.get_data(as_text=True)
    ended = form_post(client, f"/alpha/structure/seats/{seat_id}/end",
                      {"ends_on-day": "30", "ends_on-month": "6", "ends_on-year": "2025"}, follow_redirects=True)
    assert "ends on 30 June 2025" in ended.get_data(as_text=True)
    words = text(ended.get_data(as_text=True))
    assert "Former members" in words and "1 May 2025 30 June 2025" in words


def test_role_holders_page_and_forms(client, alpha):
    made = build(alpha)
    make_user("scrutineer@alpha.example", alpha, roles=("independent_scrutineer",))
    login(client, "admin@alpha.example")
    words = text(page(client, "/alpha/structure/role-holders"))
    assert "Lead Member for Children Lead member (participant observer) None No (non-voting)" in words
    assert "Safeguarding Children Partnership Forum" in words  # where the lay member sits
    bad = form_post(client, "/alpha/structure/role-holders/new", {"kind": "lead_member", "title": "Cabinet Member",
                                                                   "voting": "true"})
    assert bad.status_code == 400 and "Lead members are participant observers" in bad.get_data(as_text=True)
    with tenant_scope(alpha):
        member_id = db.session.scalars(select(Membership.id).join(User, User.id == Membership.user_id)
                                       .where(User.email == "scrutineer@alpha.example")).one()
    added = form_post(client, "/alpha/structure/role-holders/new", {
        "kind": "independent_scrutineer", "title": "Independent Scrutineer", "voting": "false",
        "membership_id": str(member_id), "starts_on-day": "1", "starts_on-month": "4", "starts_on-year": "2024"})
    assert added.status_code == 302
    words = text(page(client, "/alpha/structure/role-holders"))
    assert "Independent Scrutineer Independent scrutineer None No (non-voting) Scrutineer From 1 April 2024" in words
    ended = form_post(client, f"/alpha/structure/role-holders/{made['lay']}/end",
                      {"ends_on-day": "31", "ends_on-month": "3", "ends_on-year": "2025"})
    assert ended.status_code == 302
    assert "Former roles" in text(page(client, "/alpha/structure/role-holders"))
    with tenant_scope(alpha):
        lay_seat = db.session.scalars(select(BodyMember).where(BodyMember.role_holder_id == made["lay"])).one()
        assert lay_seat.ends_on == date(2025, 3, 31)


def test_another_partnerships_ids_are_not_found(client, alpha):
    beta = create_tenant("beta")
    theirs = build(beta)
    build(alpha)
    with tenant_scope(beta):
        seat = db.session.scalars(select(BodyMember.id)).first()
        rule = db.session.scalars(select(ChairRule.id)).first()
    login(client, "admin@alpha.example")
    for url in (f"/alpha/structure/bodies/{theirs['forum']}", f"/alpha/structure/bodies/{theirs['forum']}/edit",
                f"/alpha/structure/bodies/{theirs['forum']}/chair", f"/alpha/structure/bodies/{theirs['forum']}/seats/new",
                f"/alpha/structure/seats/{seat}/end", f"/alpha/structure/role-holders/{theirs['lay']}/edit",
                f"/alpha/structure/role-holders/{theirs['lay']}/end"):
        assert client.get(url).status_code == 404, url
    assert form_post(client, f"/alpha/structure/chair-rules/{rule}/remove").status_code == 404
    # Another partnership's body in a form is refused too.
    response = form_post(client, "/alpha/structure/bodies/new", {
        "name": "Sneaky", "kind": "subgroup", "cadence": "quarterly", "status": "active",
        "accountable_to_id": str(theirs["board"])})
    assert response.status_code == 400 and "Choose a body of this partnership" in response.get_data(as_text=True)


def test_partnership_page_shows_delegation_cover_and_role_holders(client, alpha):
    build(alpha)
    with tenant_scope(alpha):
        council = db.session.scalars(select(SafeguardingPartner).join(SafeguardingPartner.agency)
                                     .where(Agency.key == "council")).one()
        council.delegation_cover = ["Operational Director of Children's Services"]
        db.session.commit()
    make_user("worker@alpha.example", alpha, roles=("practitioner",))
    login(client, "worker@alpha.example")
    words = text(page(client, "/alpha/partnership"))
    assert "May delegate to" in words
    assert "Director of Children's Services Operational Director of Children's Services" in words
    assert "Lead Member for Children Lead member (participant observer) None No (non-voting)" in words


def add_many(tenant, n: int) -> None:
    """n more groups under the Forum, each with two seats (a role holder and an agency role), in bulk."""
    with tenant_scope(tenant):
        forum = db.session.scalars(select(Body).where(Body.kind == "forum")).one()
        council = db.session.scalars(select(Agency).where(Agency.key == "council")).one()
        start = len(db.session.scalars(select(Body.id)).all())
        body_ids = db.session.scalars(insert(Body).returning(Body.id, sort_by_parameter_order=True), [
            {"key": f"bulk-{start + i}", "name": f"Bulk group {start + i}", "kind": "subgroup", "cadence": "quarterly",
             "accountable_to_id": forum.id, "status": "active", "position": 100 + start + i, "purpose": "",
             "terms_of_reference": "", "public_meetings": False} for i in range(n)]).all()
        holder_ids = db.session.scalars(insert(RoleHolder).returning(RoleHolder.id, sort_by_parameter_order=True), [
            {"key": f"holder-{start + i}", "kind": "co_opted_member", "title": f"Co-opted {start + i}", "voting": True,
             "description": "", "agency_id": council.id} for i in range(n)]).all()
        db.session.execute(insert(BodyMember), [
            {"body_id": forum.id, "role_holder_id": h, "role_title": "", "status": "voting"} for h in holder_ids]
            + [{"body_id": b, "agency_id": council.id, "role_title": "Head of Service", "status": "voting"}
               for b in body_ids])
        db.session.execute(insert(ChairRule), [
            {"body_id": b, "position": "chair", "kind": "rotation", "role_title": "",
             "rotation_agencies": ["police", "council"], "rotation_months": 12, "rotation_starts_on": date(2024, 1, 1)}
            for b in body_ids])
    db.session.commit()


def test_queries_per_page_do_not_grow_with_the_structure(client, alpha):
    made = build(alpha)
    login(client, "admin@alpha.example")
    pages = ["/alpha/structure/", f"/alpha/structure/bodies/{made['forum']}", "/alpha/structure/role-holders",
             "/alpha/partnership", f"/alpha/structure/bodies/{made['forum']}/seats/new",
             f"/alpha/structure/bodies/{made['forum']}/edit", f"/alpha/structure/bodies/{made['forum']}/chair"]

    def counts():
        out = {}
        for url in pages:
            client.get(url)
            with count_queries() as counter:
                assert client.get(url).status_code == 200, url
            out[url] = counter.n
        return out

    add_many(alpha, 2)
    small = counts()
    add_many(alpha, 40)
    large = counts()
    assert large == small, (small, large)
    assert "Bulk group 45" in page(client, "/alpha/structure/")


def test_a_roles_period_reads_as_words_whatever_dates_are_known(client, alpha):
    with tenant_scope(alpha):
        create_role_holder({"kind": "lay_member", "title": "Lay member"})
        create_role_holder({"kind": "lay_member", "title": "Second lay member", "starts_on": date(2024, 4, 1)})
        create_role_holder({"kind": "lay_member", "title": "Third lay member", "ends_on": date(2099, 3, 31)})
        create_role_holder({"kind": "lay_member", "title": "Fourth lay member", "starts_on": date(2024, 4, 1),
                            "ends_on": date(2099, 3, 31)})
        db.session.commit()
    login(client, "admin@alpha.example")
    words = text(page(client, "/alpha/structure/role-holders"))
    assert "Not recorded to" not in words and "to no end date" not in words
    for title, period in (("Lay member", "No dates recorded"), ("Second lay member", "From 1 April 2024"),
                          ("Third lay member", "Until 31 March 2099"),
                          ("Fourth lay member", "1 April 2024 to 31 March 2099")):
        assert f"{title} Lay member None Yes Not linked {period} None" in words, title


@pytest.mark.parametrize("fewest, words", [(1, "never fewer than once a year"), (2, "never fewer than twice a year"),
                                           (4, "never fewer than 4 times a year")])
def test_a_bodys_promise_of_meetings_reads_as_english(client, alpha, fewest, words):
    with tenant_scope(alpha):
        body = create_body({"name": "Executive Board", "kind": "board", "cadence": "three_a_year",
                            "min_meetings_a_year": fewest})
        db.session.commit()
        body_id = body.id
    login(client, "admin@alpha.example")
    assert f"Meets Three times a year, {words}" in text(page(client, f"/alpha/structure/bodies/{body_id}"))
