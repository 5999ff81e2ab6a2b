"""Priorities, the business plan and quarterly themes: the rules, called directly as the pages and the API
call them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.db import db
from core.structure import plan
from core.structure.models import Body, PlanAction, Priority, ThemeFollowUp
from core.structure.plan import PlanError
from core.tenancy.isolation import tenant_scope
from tests.helpers import create_tenant


def make_bodies(tenant) -> dict[str, int]:
    """An executive, a forum accountable to it, two groups under the forum (one dissolved), a group under
    the executive, and a body of nobody's: ids by key."""
    with tenant_scope(tenant):
        executive = Body(key="executive", name="Executive Board", kind="board", position=0)
        forum = Body(key="forum", name="Partnership Forum", kind="forum", accountable_to=executive, position=1)
        rows = [
            executive, forum,
            Body(key="case-review", name="Case Review Group", kind="subgroup", accountable_to=forum, position=2),
            Body(key="learning", name="Learning and Development Group", kind="subgroup", accountable_to=forum,
                 position=3),
            Body(key="old-group", name="Old Local Group", kind="local_group", accountable_to=forum,
                 status="dissolved", dissolved_on=date(2024, 3, 31), position=4),
            Body(key="education", name="Safeguarding in Education Group", kind="subgroup",
                 accountable_to=executive, status="under_consideration", position=5),
            Body(key="practitioners", name="Practitioner Forum", kind="practitioner_forum", position=6),
        ]
        db.session.add_all(rows)
        db.session.commit()
        return {b.key: b.id for b in rows}


@pytest.fixture
def alpha():
    return create_tenant("alpha")


@pytest.fixture
def bodies(alpha):
    return make_bodies(alpha)


def errors_of(excinfo) -> dict[str, str]:
    return excinfo.value.errors


# -- priorities -------------------------------------------------------------------------------------------


def test_a_priority_has_a_period_of_financial_years_that_cannot_end_before_it_starts(alpha):
    with tenant_scope(alpha):
        priority = plan.create_priority(title="Safeguarding adolescents", starts_year=2025, ends_year=2027)
        db.session.commit()
        assert priority.key == "safeguarding-adolescents" and priority.kind == "priority"
        assert plan.period_label(2025, 2027) == "2025/26 to 2027/28"

        with pytest.raises(PlanError) as excinfo:
            plan.create_priority(title="Backwards", starts_year=2027, ends_year=2026)
        assert errors_of(excinfo) == {"ends_year": "The period cannot end before it starts (2027/28)"}
        with pytest.raises(PlanError) as excinfo:
            plan.create_priority(title="", starts_year=None, ends_year=1999)
        assert set(errors_of(excinfo)) == {"title", "starts_year", "ends_year"}
        assert errors_of(excinfo)["title"] == "Enter a title"
        with pytest.raises(PlanError) as excinfo:
            plan.change_priority(priority, title="Safeguarding adolescents", kind="priority", starts_year=2026,
                                 ends_year=2025)
        assert "ends_year" in errors_of(excinfo)
        assert isinstance(excinfo.value, ValueError)
        db.session.rollback()
        assert db.session.get(Priority, priority.id).starts_year == 2025


def test_keys_are_made_from_titles_and_stay_unique(alpha):
    with tenant_scope(alpha):
        first = plan.create_priority(title="Domestic abuse", starts_year=2025, ends_year=2025)
        second = plan.create_priority(title="Domestic Abuse!", starts_year=2026, ends_year=2026)
        assert (first.key, second.key) == ("domestic-abuse", "domestic-abuse-2")
        with pytest.raises(PlanError) as excinfo:
            plan.create_priority(title="Again", starts_year=2025, ends_year=2025, key="domestic-abuse")
        assert "already exists" in errors_of(excinfo)["key"]


def test_current_priorities_follow_the_financial_year_at_its_boundaries(alpha):
    with tenant_scope(alpha):
        old = plan.create_priority(title="Recovery from Covid-19", starts_year=2021, ends_year=2024)
        new = plan.create_priority(title="Transitional safeguarding", starts_year=2025, ends_year=2027)
        voice = plan.create_priority(title="Voice of the child", kind="thread", starts_year=2025, ends_year=2027)
        db.session.commit()
        # 31 March 2025 is the last day of 2024/25; 1 April 2025 the first of 2025/26.
        assert plan.current_priorities(date(2025, 3, 31)) == [old]
        assert plan.current_priorities(date(2025, 4, 1)) == [new, voice]
        assert plan.current_priorities(date(2028, 3, 31)) == [new, voice]  # 2027/28 is the last year
        assert plan.current_priorities(date(2028, 4, 1)) == []
        assert plan.split_kinds(plan.current_priorities(date(2026, 1, 1))) == ([new], [voice])


def test_a_thread_has_no_actions_of_its_own(alpha, bodies):
    with tenant_scope(alpha):
        voice = plan.create_priority(title="Voice of the child", kind="thread", starts_year=2025, ends_year=2027)
        with pytest.raises(PlanError) as excinfo:
            plan.add_plan_action(voice, title="Hear children", owner_body_id=bodies["forum"], lead="Chair",
                                 due_on=date(2025, 9, 1))
        assert "cross-cutting thread" in errors_of(excinfo)["priority"]
        adolescents = plan.create_priority(title="Adolescents", starts_year=2025, ends_year=2027)
        plan.add_plan_action(adolescents, title="Map exploitation", owner_body_id=bodies["forum"], lead="Chair",
                             due_on=date(2025, 9, 1))
        with pytest.raises(PlanError) as excinfo:
            plan.change_priority(adolescents, title="Adolescents", kind="thread", starts_year=2025, ends_year=2027)
        assert "has business plan actions" in errors_of(excinfo)["kind"]


# -- plan actions -----------------------------------------------------------------------------------------


def test_a_plan_action_needs_an_owner_body_of_this_partnership(alpha, bodies):
    beta = create_tenant("beta")
    beta_bodies = make_bodies(beta)
    with tenant_scope(alpha):
        priority = plan.create_priority(title="Domestic abuse", starts_year=2025, ends_year=2027)
        with pytest.raises(PlanError) as excinfo:
            plan.add_plan_action(priority, title="Audit", owner_body_id=beta_bodies["forum"], lead="Head",
                                 due_on=date(2025, 9, 1))
        assert errors_of(excinfo) == {"owner_body_id": "Choose a body of this partnership from the list"}
        with pytest.raises(PlanError) as excinfo:
            plan.add_plan_action(priority, title="Audit", owner_body_id=bodies["old-group"], lead="Head",
                                 due_on=date(2025, 9, 1))
        assert "has been dissolved" in errors_of(excinfo)["owner_body_id"]
        with pytest.raises(PlanError) as excinfo:
            plan.add_plan_action(priority, title="", owner_body_id=None, lead="", due_on=None, rag="purple")
        assert set(errors_of(excinfo)) == {"title", "owner_body_id", "lead", "due_on", "rag"}
        assert errors_of(excinfo)["rag"] == "Choose a status: red, amber, green or complete"

        action = plan.add_plan_action(priority, title="Audit", owner_body_id=bodies["forum"], lead="Head",
                                      due_on=date(2025, 9, 1), rag="amber")
        db.session.commit()
        assert (action.owner_body.key, action.rag, action.priority.key) == ("forum", "amber", "domestic-abuse")
    with tenant_scope(beta):
        assert db.session.scalars(select(PlanAction)).all() == []


def test_changing_an_action_stamps_it_and_is_audited(alpha, bodies):
    with tenant_scope(alpha):
        priority = plan.create_priority(title="Mental health", starts_year=2025, ends_year=2027)
        action = plan.add_plan_action(priority, title="Review pathways", owner_body_id=bodies["forum"],
                                      lead="Designated nurse", due_on=date(2025, 12, 1))
        db.session.commit()
        stamped = action.updated_at
        plan.change_plan_action(action, title="Review pathways", owner_body_id=bodies["learning"],
                                lead="Designated nurse", due_on=date(2026, 1, 15), rag="red",
                                progress="Waiting for the ICB's data")
        db.session.commit()
        assert action.updated_at > stamped and action.owner_body.key == "learning"
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "plan.action.changed")).all()
        assert event.details["rag"] == ["green", "red"] and event.details["owner_body"] == ["forum", "learning"]
        assert event.details["due_on"] == ["2025-12-01", "2026-01-15"]
        # Saving the same values again changes nothing and records nothing.
        again = action.updated_at
        plan.change_plan_action(action, title="Review pathways", owner_body_id=bodies["learning"],
                                lead="Designated nurse", due_on=date(2026, 1, 15), rag="red",
                                progress="Waiting for the ICB's data")
        db.session.commit()
        assert action.updated_at == again
        assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "plan.action.changed")).all()) == 1
        assert {e.action for e in db.session.scalars(select(AuditEvent))} >= {"plan.priority.created",
                                                                             "plan.action.created"}


def test_an_action_keeps_its_owner_after_the_body_is_dissolved(alpha, bodies):
    with tenant_scope(alpha):
        priority = plan.create_priority(title="Neglect", starts_year=2025, ends_year=2027)
        action = plan.add_plan_action(priority, title="Tool", owner_body_id=bodies["learning"], lead="Lead",
                                      due_on=date(2025, 9, 1))
        db.session.get(Body, bodies["learning"]).status = "dissolved"
        db.session.commit()
        plan.change_plan_action(action, title="Tool", owner_body_id=bodies["learning"], lead="Lead",
                                due_on=date(2025, 9, 1), rag="complete")
        assert action.rag == "complete"


def test_progress_counts_by_rag_and_overdue_is_due_before_today_and_not_complete(alpha, bodies):
    today = date(2026, 2, 10)
    with tenant_scope(alpha):
        priority = plan.create_priority(title="Adolescents", starts_year=2025, ends_year=2027)
        for title, due, rag in [("yesterday", today - timedelta(days=1), "green"),
                                ("today", today, "amber"),
                                ("done late", today - timedelta(days=30), "complete"),
                                ("long ago", date(2025, 6, 1), "red"),
                                ("next month", today + timedelta(days=30), "red")]:
            plan.add_plan_action(priority, title=title, owner_body_id=bodies["forum"], lead="Lead", due_on=due,
                                 rag=rag)
        db.session.commit()
        progress = plan.progress_of(priority.actions, today)
        assert progress.counts == {"red": 2, "amber": 1, "green": 1, "complete": 1}
        assert progress.total == 5 and progress.overdue == 2
        overdue = sorted(a.title for a in priority.actions if plan.is_overdue(a, today))
        assert overdue == ["long ago", "yesterday"]
        assert [a.title for a in plan.ordered_actions(priority)] == [
            "long ago", "done late", "yesterday", "today", "next month"]
        # The dashboard's figures, counted by the database, agree.
        assert plan.plan_counts(2025, today) == (progress.counts, 2)
        assert plan.plan_counts(2028, today) == ({"red": 0, "amber": 0, "green": 0, "complete": 0}, 0)


# -- quarters and themes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("day, expected", [
    (date(2026, 3, 31), (2025, 4)),
    (date(2026, 4, 1), (2026, 1)),
    (date(2026, 6, 30), (2026, 1)),
    (date(2026, 7, 1), (2026, 2)),
    (date(2026, 9, 30), (2026, 2)),
    (date(2026, 10, 1), (2026, 3)),
    (date(2026, 12, 31), (2026, 3)),
    (date(2027, 1, 1), (2026, 4)),
])
def test_quarters_of_the_financial_year(day, expected):
    assert plan.quarter_of(day) == expected
    start, end = plan.quarter_dates(*expected)
    assert start <= day <= end


def test_quarter_dates_and_labels():
    assert plan.quarter_dates(2025, 1) == (date(2025, 4, 1), date(2025, 6, 30))
    assert plan.quarter_dates(2025, 4) == (date(2026, 1, 1), date(2026, 3, 31))
    assert plan.quarter_label(2025, 4) == "Q4 2025/26 (January to March 2026)"
    with pytest.raises(PlanError) as excinfo:
        plan.quarter_dates(2025, 5)
    assert "quarter" in errors_of(excinfo)


def test_a_theme_is_followed_up_by_the_bodies_accountable_to_the_one_that_set_it(alpha, bodies):
    with tenant_scope(alpha):
        theme = plan.set_theme(year=2025, quarter=3, set_by_id=bodies["forum"], title="Neglect")
        db.session.commit()
        # Its own subgroups, not the dissolved one, not those further down or elsewhere.
        assert [f.body.key for f in theme.follow_ups] == ["case-review", "learning"]
        executive = plan.set_theme(year=2025, quarter=4, set_by_id=bodies["executive"], title="Exploitation")
        assert [f.body.key for f in executive.follow_ups] == ["forum", "education"]

        with pytest.raises(PlanError) as excinfo:
            plan.set_theme(year=2025, quarter=3, set_by_id=bodies["executive"], title="Another")
        assert errors_of(excinfo)["quarter"] == ("Q3 2025/26 (October to December 2025) already has a theme, "
                                                 "'Neglect': change that one instead")
        with pytest.raises(PlanError) as excinfo:
            plan.set_theme(year=2025, quarter=0, set_by_id=bodies["old-group"], title="")
        assert set(errors_of(excinfo)) == {"quarter", "set_by_id", "title"}


def test_another_partnerships_body_cannot_set_a_theme(alpha, bodies):
    beta_bodies = make_bodies(create_tenant("beta"))
    with tenant_scope(alpha):
        with pytest.raises(PlanError) as excinfo:
            plan.set_theme(year=2025, quarter=1, set_by_id=beta_bodies["forum"], title="Neglect")
        assert errors_of(excinfo) == {"set_by_id": "Choose a body of this partnership from the list"}
        with pytest.raises(PlanError):
            plan.set_theme(year=2025, quarter=1, set_by_id=2**40, title="Neglect")


def test_follow_ups_are_noted_and_done_and_new_subgroups_join_when_the_theme_changes(alpha, bodies):
    with tenant_scope(alpha):
        theme = plan.set_theme(year=2025, quarter=2, set_by_id=bodies["forum"], title="Neglect")
        db.session.commit()
        follow_up = theme.follow_ups[0]
        with pytest.raises(PlanError) as excinfo:
            plan.update_follow_up(follow_up, note="", done=True)
        assert "before marking it done" in errors_of(excinfo)["note"]
        plan.update_follow_up(follow_up, note="Audited ten neglect cases", done=True)
        db.session.commit()
        assert db.session.get(ThemeFollowUp, follow_up.id).done

        db.session.add(Body(key="new-group", name="Neglect Task Group", kind="task_and_finish_group",
                            accountable_to_id=bodies["forum"], position=9))
        db.session.flush()
        plan.change_theme(theme, title="Neglect and its effects", description="")
        db.session.commit()
        assert [f.body.key for f in theme.follow_ups] == ["case-review", "learning", "new-group"]
        assert theme.follow_ups[0].note == "Audited ten neglect cases"  # kept
        assert theme.title == "Neglect and its effects"
