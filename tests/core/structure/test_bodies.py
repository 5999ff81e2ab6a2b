"""The rules of the partnership's structure, called directly: chairing by rotation across the years, bodies
and their reporting lines, seats, role holders, and the picture drawn from them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.auth.models import Membership
from core.db import db
from core.structure.bodies import (
    StructureError,
    add_months,
    add_seat,
    chair_on,
    create_body,
    create_role_holder,
    current_chairs,
    end_role_holder,
    end_seat,
    load_partners,
    remove_chair_rule,
    rotation_turns,
    set_chair_rule,
    update_body,
    update_role_holder,
    who_chairs,
)
from core.structure.diagram import structure_svg, structure_tree
from core.structure.models import Attendance, Body, BodyMember, ChairRule, Meeting
from core.tenancy.isolation import tenant_scope
from core.tenancy.models import Agency, LocalAuthority
from tests.helpers import create_tenant, make_user


@pytest.fixture
def alpha():
    return create_tenant("alpha")


@pytest.fixture
def scope(alpha):
    with tenant_scope(alpha):
        yield alpha


def rotation(agencies=("police", "council", "icb"), months=12, starts_on=date(2025, 1, 1)) -> ChairRule:
    return ChairRule(position="chair", kind="rotation", rotation_agencies=list(agencies), rotation_months=months,
                     rotation_starts_on=starts_on)


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def agency_id(key: str) -> int:
    return db.session.scalars(select(Agency.id).where(Agency.key == key)).one()


def la_id(key: str) -> int:
    return db.session.scalars(select(LocalAuthority.id).where(LocalAuthority.key == key)).one()


def body(name: str, kind: str = "subgroup", **values) -> Body:
    return create_body({"name": name, "kind": kind, **values})


# -- chairing by rotation ---------------------------------------------------------------------------------


def test_the_police_chair_first_then_each_partner_for_a_year_then_the_police_again():
    rule = rotation()
    assert chair_on(rule, date(2024, 12, 31)) is None  # before the first turn nobody chairs
    first = chair_on(rule, date(2025, 1, 1))
    assert (first.agency_key, first.starts_on, first.ends_on, first.number) == (
        "police", date(2025, 1, 1), date(2025, 12, 31), 1)
    assert chair_on(rule, date(2025, 12, 31)).agency_key == "police"
    # The day the turn changes.
    second = chair_on(rule, date(2026, 1, 1))
    assert (second.agency_key, second.starts_on, second.ends_on) == ("council", date(2026, 1, 1), date(2026, 12, 31))
    assert chair_on(rule, date(2027, 6, 30)).agency_key == "icb"
    # All have had a turn: back to the first, and round again.
    again = chair_on(rule, date(2028, 1, 1))
    assert (again.agency_key, again.number, again.starts_on) == ("police", 4, date(2028, 1, 1))
    by_year = [chair_on(rule, date(year, 7, 1)).agency_key for year in range(2025, 2034)]
    assert by_year == ["police", "council", "icb"] * 3


def test_turns_counted_from_the_start_do_not_drift_in_short_months():
    rule = rotation(agencies=("police", "council"), months=1, starts_on=date(2025, 1, 31))
    assert chair_on(rule, date(2025, 2, 27)).agency_key == "police"
    assert chair_on(rule, date(2025, 2, 27)).ends_on == date(2025, 2, 27)
    assert chair_on(rule, date(2025, 2, 28)).agency_key == "council"  # 31 January + 1 month
    assert chair_on(rule, date(2025, 3, 30)).agency_key == "council"
    assert chair_on(rule, date(2025, 3, 31)).agency_key == "police"  # back on the 31st, not the 28th
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


def test_a_named_role_or_an_independent_person_chairs_by_title():
    role = ChairRule(position="chair", kind="role", role_title="Senior Professional Advisor")
    independent = ChairRule(position="chair", kind="independent", role_title="Independent Child Safeguarding Commissioner")
    assert chair_on(role, date(2025, 1, 1)).title == "Senior Professional Advisor"
    assert chair_on(independent, date(1999, 1, 1)).title == "Independent Child Safeguarding Commissioner"
    assert who_chairs(independent, date(2025, 1, 1), {}) == "Independent Child Safeguarding Commissioner (independent)"
    assert who_chairs(None, date(2025, 1, 1), {}) == "Not set"


def test_who_chairs_names_the_delegated_partner_of_the_agency_in_turn(scope):
    partners = load_partners()
    rule = rotation(agencies=("council", "police"))
    assert who_chairs(rule, date(2025, 3, 1), partners) == (
        "Director of Children's Services, Alpha Council (delegated safeguarding partner, in turn), "
        "1 January 2025 to 31 December 2025")
    # The police have no delegated role named: the words say whose delegate it is.
    assert who_chairs(rule, date(2026, 3, 1), partners).startswith("The delegated safeguarding partner of Alpha Police")
    assert who_chairs(rule, date(2024, 3, 1), partners) == (
        "Nobody yet: the rotation starts on 1 January 2025 with Alpha Council")
    upcoming = rotation_turns(rule, date(2026, 3, 1))
    assert [(t.agency_key, t.starts_on) for t in upcoming] == [("police", date(2026, 1, 1)), ("council", date(2027, 1, 1))]


def test_chair_and_vice_chair_rules_are_checked_and_recorded(scope):
    board = body("Executive Board", "board")
    with pytest.raises(StructureError, match="'school' is not a safeguarding partner") as info:
        set_chair_rule(board, "chair", kind="rotation", rotation_agencies=["police", "school"],
                       rotation_starts_on=date(2025, 1, 1))
    assert info.value.field == "rotation_agencies"
    with pytest.raises(StructureError, match="at least two"):
        set_chair_rule(board, "chair", kind="rotation", rotation_agencies=["police"], rotation_starts_on=date(2025, 1, 1))
    with pytest.raises(StructureError, match="each safeguarding partner once"):
        set_chair_rule(board, "chair", kind="rotation", rotation_agencies=["police", "police"],
                       rotation_starts_on=date(2025, 1, 1))
    with pytest.raises(StructureError, match="date the first turn starts"):
        set_chair_rule(board, "chair", kind="rotation", rotation_agencies=["police", "council"])
    with pytest.raises(StructureError, match="title of the role"):
        set_chair_rule(board, "vice_chair", kind="role", role_title="  ")
    with pytest.raises(StructureError):
        set_chair_rule(board, "deputy", kind="role", role_title="Deputy")
    assert board.chair_rules == []

    set_chair_rule(board, "chair", kind="rotation", rotation_agencies=["police", "council", "icb"],
                   rotation_starts_on=date(2025, 1, 1))
    set_chair_rule(board, "vice_chair", kind="independent", role_title="Independent Scrutineer")
    # Setting a position again replaces its rule.
    rule = set_chair_rule(board, "chair", kind="rotation", rotation_agencies=["icb", "council"], rotation_months=6,
                          rotation_starts_on=date(2025, 4, 1))
    assert [(r.position, r.kind) for r in board.chair_rules] == [("chair", "rotation"), ("vice_chair", "independent")]
    chairs = current_chairs(board, date(2025, 10, 1), load_partners())
    assert chairs["chair"].startswith("Director of Children's Services, Alpha Council")
    assert chairs["vice_chair"] == "Independent Scrutineer (independent)"
    remove_chair_rule(rule)
    assert [r.position for r in board.chair_rules] == ["vice_chair"]
    assert audit_actions().count("structure.chair_rule.created") == 2
    assert "structure.chair_rule.changed" in audit_actions() and "structure.chair_rule.removed" in audit_actions()


# -- bodies and reporting lines ----------------------------------------------------------------------------


def test_reporting_lines_cannot_go_round_in_a_circle(scope):
    board = body("Executive Board", "board")
    forum = body("Partnership Forum", "forum", accountable_to_id=board.id)
    group = body("Quality Assurance", accountable_to_id=forum.id)
    with pytest.raises(StructureError, match="reporting lines cannot go round in a circle") as info:
        update_body(board, {"accountable_to_id": group.id})
    assert info.value.field == "accountable_to_id"
    with pytest.raises(StructureError, match="cannot be accountable to itself"):
        update_body(forum, {"accountable_to_id": forum.id})
    assert board.accountable_to_id is None
    # Moving a group elsewhere in the tree is fine.
    update_body(group, {"accountable_to_id": board.id})
    assert group.accountable_to is board


def test_a_body_answers_only_to_a_body_of_its_own_partnership(alpha):
    beta = create_tenant("beta")
    with tenant_scope(beta):
        theirs = body("Beta Board", "board")
        their_la = la_id("north")
        db.session.commit()
        theirs_id = theirs.id
    with tenant_scope(alpha):
        with pytest.raises(StructureError, match="Choose a body of this partnership"):
            body("Group", accountable_to_id=theirs_id)
        with pytest.raises(StructureError, match="Choose a local authority of this partnership"):
            body("North Local Group", "local_group", local_authority_id=their_la)
        assert db.session.scalars(select(Body)).all() == []


def test_values_come_from_the_vocabularies_and_dissolution_needs_a_date(scope):
    for values, field in [({"kind": "committee"}, "kind"), ({"cadence": "fortnightly"}, "cadence"),
                          ({"status": "paused"}, "status"), ({"name": " "}, "name"),
                          ({"min_meetings_a_year": 0}, "min_meetings_a_year"),
                          ({"status": "dissolved"}, "dissolved_on"),
                          ({"dissolved_on": date(2024, 3, 31)}, "dissolved_on")]:
        with pytest.raises(StructureError) as info:
            create_body({"name": "Group", "kind": "subgroup", **values})
        assert info.value.field == field, values
    gone = body("Old Group", status="dissolved", dissolved_on=date(2024, 3, 31))
    assert (gone.status, gone.dissolved_on) == ("dissolved", date(2024, 3, 31))


def test_local_groups_one_per_local_authority(scope):
    with pytest.raises(StructureError, match="Choose the local authority the local group is for"):
        body("North Local Group", "local_group")
    north = body("North Local Group", "local_group", local_authority_id=la_id("north"))
    with pytest.raises(StructureError, match="already has a local group"):
        body("Another North Group", "local_group", local_authority_id=la_id("north"))
    body("South Local Group", "local_group", local_authority_id=la_id("south"))
    update_body(north, {"status": "dissolved", "dissolved_on": date(2025, 3, 31)})
    assert body("New North Group", "local_group", local_authority_id=la_id("north")).local_authority.key == "north"


def test_a_body_with_active_groups_under_it_cannot_be_dissolved_nor_gain_new_ones_once_dissolved(scope):
    forum = body("Partnership Forum", "forum")
    group = body("Quality Assurance", accountable_to_id=forum.id)
    with pytest.raises(StructureError, match="Quality Assurance still reports to Partnership Forum") as info:
        update_body(forum, {"status": "dissolved", "dissolved_on": date(2025, 3, 31)})
    assert info.value.field == "status"
    update_body(group, {"status": "dissolved", "dissolved_on": date(2025, 3, 31)})
    update_body(forum, {"status": "dissolved", "dissolved_on": date(2025, 3, 31)})
    with pytest.raises(StructureError, match="Partnership Forum is dissolved"):
        body("New Group", accountable_to_id=forum.id)
    # A dissolved group under a dissolved body can still be edited.
    update_body(group, {"purpose": "Checked the quality of multi-agency work"})


def test_creating_and_changing_a_body_is_recorded_with_what_changed(scope):
    board = body("Executive Board", "board", cadence="three_a_year", public_meetings=False)
    same_name = body("Executive Board", "board")
    assert (board.key, same_name.key) == ("executive-board", "executive-board-2")
    update_body(board, {"cadence": "quarterly", "public_meetings": True})
    changed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "structure.body.changed")).one()
    assert changed.details == {"cadence": ["three_a_year", "quarterly"], "public_meetings": [False, True]}
    assert changed.object_id == str(board.id)
    with pytest.raises(StructureError, match="Unknown field"):
        update_body(board, {"tenant_id": 99})


# -- seats -------------------------------------------------------------------------------------------------


def test_a_seat_is_a_role_holder_or_a_role_from_an_agency(scope):
    board = body("Executive Board", "board")
    lay = create_role_holder({"kind": "lay_member", "title": "Lay member"})
    seat = add_seat(board, role_holder_id=lay.id, status="voting", starts_on=date(2025, 1, 1))
    police = add_seat(board, agency_id=agency_id("police"), role_title="Detective Superintendent", status="adviser")
    assert [m.label for m in board.members] == ["Lay member", "Detective Superintendent, Alpha Police"]
    assert police.represents.key == "police" and seat.status == "voting"
    with pytest.raises(StructureError, match="not both"):
        add_seat(board, role_holder_id=lay.id, role_title="Lay member")
    with pytest.raises(StructureError, match="not both"):
        add_seat(board)
    with pytest.raises(StructureError, match="already has a seat"):
        add_seat(board, role_holder_id=lay.id, status="observer")
    with pytest.raises(StructureError, match="already has a seat"):
        add_seat(board, agency_id=agency_id("police"), role_title="detective superintendent")
    with pytest.raises(StructureError, match="end date must be the same as or after"):
        add_seat(board, agency_id=agency_id("icb"), role_title="Chief Nursing Officer", starts_on=date(2025, 4, 1),
                 ends_on=date(2025, 3, 1))
    with pytest.raises(StructureError, match="Choose voting member"):
        add_seat(board, agency_id=agency_id("icb"), role_title="Chief Nursing Officer", status="chair")


def test_lead_members_are_participant_observers_and_cannot_take_a_vote(scope):
    board = body("Executive", "board")
    with pytest.raises(StructureError, match="Lead members are participant observers") as info:
        create_role_holder({"kind": "lead_member", "title": "Lead Member for Children", "voting": True})
    assert info.value.field == "voting"
    lead = create_role_holder({"kind": "lead_member", "title": "Lead Member for Children", "voting": False,
                               "agency_id": agency_id("council")})
    with pytest.raises(StructureError, match="does not vote") as info:
        add_seat(board, role_holder_id=lead.id, status="voting")
    assert info.value.field == "status"
    assert add_seat(board, role_holder_id=lead.id, status="observer").represents.key == "council"


def test_ending_a_seat_keeps_it_when_it_has_attendance_and_removes_it_when_not(scope):
    board = body("Executive Board", "board")
    attended = add_seat(board, agency_id=agency_id("council"), role_title="Chief Executive", starts_on=date(2025, 1, 1))
    never = add_seat(board, agency_id=agency_id("icb"), role_title="Chief Nursing Officer")
    meeting = Meeting(body=board, starts_at=datetime(2025, 2, 1, 10, tzinfo=UTC), ends_at=datetime(2025, 2, 1, 12, tzinfo=UTC))
    db.session.add(meeting)
    db.session.flush()
    db.session.add(Attendance(meeting_id=meeting.id, member_id=attended.id, status="present"))
    db.session.flush()
    with pytest.raises(StructureError, match="end date must be the same as or after"):
        end_seat(attended, date(2024, 12, 31))
    assert end_seat(attended, date(2025, 12, 31)) is True
    assert end_seat(never, date(2025, 12, 31)) is False
    assert [(m.label, m.ends_on) for m in db.session.scalars(select(BodyMember))] == [
        ("Chief Executive, Alpha Council", date(2025, 12, 31))]
    assert db.session.scalars(select(Attendance)).one().member_id == attended.id
    assert audit_actions()[-2:] == ["structure.seat.ended", "structure.seat.removed"]


# -- role holders ------------------------------------------------------------------------------------------


def test_a_role_holder_may_be_linked_to_a_member_of_the_same_partnership_only(alpha):
    beta = create_tenant("beta")
    make_user("scrutineer@alpha.example", alpha, roles=("independent_scrutineer",))
    make_user("someone@beta.example", beta, roles=("practitioner",))
    with tenant_scope(beta):
        theirs = db.session.scalars(select(Membership.id)).one()
    with tenant_scope(alpha):
        ours = db.session.scalars(select(Membership.id)).one()
        with pytest.raises(StructureError, match="Choose a member of this partnership") as info:
            create_role_holder({"kind": "independent_scrutineer", "title": "Independent Scrutineer",
                                "membership_id": theirs})
        assert info.value.field == "membership_id"
        holder = create_role_holder({"kind": "independent_scrutineer", "title": "Independent Scrutineer",
                                     "membership_id": ours, "starts_on": date(2024, 4, 1)})
        assert holder.membership_id == ours and holder.key == "independent-scrutineer"
        update_role_holder(holder, {"title": "Independent Scrutineer and Chair"})
        assert holder.title == "Independent Scrutineer and Chair"
        with pytest.raises(StructureError, match="Choose the kind of role"):
            update_role_holder(holder, {"kind": "mayor"})


def test_ending_a_role_ends_its_seats_on_the_same_day(scope):
    board, forum = body("Executive Board", "board"), body("Forum", "forum")
    chair = create_role_holder({"kind": "independent_chair", "title": "Independent Chair", "starts_on": date(2023, 1, 1)})
    add_seat(board, role_holder_id=chair.id, starts_on=date(2023, 1, 1))
    add_seat(forum, role_holder_id=chair.id, starts_on=date(2023, 1, 1), ends_on=date(2030, 1, 1))
    with pytest.raises(StructureError, match="end date must be the same as or after"):
        end_role_holder(chair, date(2022, 1, 1))
    end_role_holder(chair, date(2025, 3, 31))
    assert chair.ends_on == date(2025, 3, 31)
    assert {m.ends_on for m in db.session.scalars(select(BodyMember))} == {date(2025, 3, 31)}
    with pytest.raises(StructureError, match="ended on 31 March 2025"):
        add_seat(body("Subgroup"), role_holder_id=chair.id)


def test_a_role_with_a_voting_seat_cannot_quietly_stop_voting(scope):
    board = body("Executive Board", "board")
    lay = create_role_holder({"kind": "lay_member", "title": "Lay member"})
    add_seat(board, role_holder_id=lay.id, status="voting")
    with pytest.raises(StructureError, match="voting seat on Executive Board"):
        update_role_holder(lay, {"voting": False})


# -- the picture -------------------------------------------------------------------------------------------


def _bodies(*rows):
    """Transient bodies (id, name, kind, parent id, status) for drawing."""
    out = []
    for position, (ident, name, kind, parent, status) in enumerate(rows):
        out.append(Body(id=ident, key=f"b{ident}", name=name, kind=kind, accountable_to_id=parent, status=status,
                        position=position))
    return out


HF = _bodies(
    (1, "Executive Board", "board", None, "active"),
    (2, "Safeguarding Children Partnership Forum", "forum", 1, "active"),
    (3, "Quality Assurance & Performance", "subgroup", 2, "active"),
    (4, "Learning & Development", "subgroup", 2, "under_consideration"),
    (5, "Old Local Group", "local_group", 2, "dissolved"),
)


def test_the_diagram_names_every_body_and_every_reporting_line():
    svg = str(structure_svg(HF))
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert re.search(r"<title id=\"structure-title\">[^<]+</title>", svg) and "<desc id=\"structure-desc\">" in svg
    for b in HF:
        assert b.name.replace("&", "&amp;") in svg
    lines = re.findall(r'data-from="(\d+)" data-to="(\d+)"', svg)
    assert sorted(lines) == [("2", "1"), ("3", "2"), ("4", "2"), ("5", "2")]
    assert "Safeguarding Children Partnership Forum is accountable to Executive Board" in svg
    assert svg.count('marker-end="url(#structure-arrow)"') == 4
    assert "Partnership forum" in svg and "Subgroup" in svg  # each body's kind in words


def test_the_diagram_says_in_words_what_is_dissolved_or_under_consideration_not_in_colour_alone():
    svg = str(structure_svg(HF))
    dissolved = re.search(r'<g data-body="5" data-status="dissolved">.*?</g>', svg).group(0)
    assert "Local group (dissolved)" in dissolved and 'stroke-dasharray="8 5"' in dissolved
    considered = re.search(r'<g data-body="4" data-status="under_consideration">.*?</g>', svg).group(0)
    assert "Subgroup (under consideration)" in considered and "stroke-dasharray" in considered
    active = re.search(r'<g data-body="3" data-status="active">.*?</g>', svg).group(0)
    assert "stroke-dasharray" not in active and "(" not in active.split("</title>")[1]
    # The content security policy forbids inline styles.
    assert "style" not in svg.lower()


def test_the_diagram_escapes_names_and_copes_with_thirty_bodies_and_long_names():
    long_name = "Task and Finish Group on " + "Very Long Reviews " * 8 + "<script>alert(1)</script>"
    many = _bodies((1, "Board & Co", "board", None, "active"),
                   *[(n, f"Group {n}", "subgroup", 1 if n < 20 else n - 10, "active") for n in range(2, 30)],
                   (30, long_name, "task_and_finish_group", 2, "active"))
    svg = str(structure_svg(many))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "Board &amp; Co" in svg
    assert len(re.findall(r"<g data-body=", svg)) == 30
    assert len(re.findall(r"data-from=", svg)) == 29
    long_box = re.search(r'<g data-body="30".*?</g>', svg).group(0)
    shown = re.findall(r"<text[^>]*>([^<]*)</text>", long_box)
    assert len(shown) == 3 and shown[1].endswith("\u2026")  # two lines of name, cut, then the kind
    assert all(len(line) <= 46 for line in shown)
    assert "alert(1)&lt;/script&gt;, task and finish group</title>" in long_box  # the full name is kept
    width, height = map(int, re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).groups())
    assert height > 30 * 66 and width < 1000  # grows down, one row a body, not off to the side


def test_the_text_alternative_is_the_same_tree_and_a_circle_in_old_data_does_not_hang():
    tree = structure_tree(HF)
    assert [n.body.name for n in tree] == ["Executive Board"]
    forum = tree[0].children[0]
    assert [n.body.name for n in forum.children] == ["Quality Assurance & Performance", "Learning & Development",
                                                     "Old Local Group"]
    circle = _bodies((1, "A", "board", 2, "active"), (2, "B", "forum", 1, "active"))
    drawn = structure_tree(circle)
    assert [n.body.name for n in drawn] == ["A"] and [n.body.name for n in drawn[0].children] == ["B"]
    assert str(structure_svg(circle)).count("<g data-body=") == 2
    assert str(structure_svg([])) == ""
