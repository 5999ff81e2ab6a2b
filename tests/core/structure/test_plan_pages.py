"""The business plan's pages: what each role may see and do, the forms and their errors, another
partnership's ids, the year filter, the arrangements settings, the dashboard panel, and queries per page."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import g, render_template
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.db import db
from core.structure import plan
from core.structure.arrangements import read_settings
from core.structure.models import PlanAction, Priority, QuarterlyTheme, ThemeFollowUp
from core.structure.views_plan import dashboard_panel
from core.tenancy.isolation import tenant_scope
from tests.core.structure.test_plan import make_bodies
from tests.helpers import count_queries, create_tenant, error_summary, form_post, login, make_user, text_of

TODAY = date(2026, 5, 15)  # Q1 of 2026/27


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr("core.calendar.london_today", lambda: TODAY)


ROLES = {"admin": "tenant_admin", "manager": "business_manager", "scrutineer": "independent_scrutineer",
         "worker": "practitioner", "lead": "agency_safeguarding_lead"}


@pytest.fixture
def alpha():
    tenant = create_tenant("alpha")
    for name, role in ROLES.items():
        make_user(f"{name}@alpha.example", tenant, roles=(role,))
    return tenant


@pytest.fixture
def data(alpha):
    """A priority with actions (one overdue), a thread, and this quarter's theme."""
    bodies = make_bodies(alpha)
    with tenant_scope(alpha):
        adolescents = plan.create_priority(title="Safeguarding adolescents", starts_year=2025, ends_year=2027)
        plan.add_plan_action(adolescents, title="Map exploitation hot spots", owner_body_id=bodies["forum"],
                             lead="Head of Safeguarding", due_on=TODAY - timedelta(days=10), rag="amber",
                             progress="Police data awaited")
        plan.add_plan_action(adolescents, title="Train youth workers", owner_body_id=bodies["learning"],
                             lead="Training Manager", due_on=TODAY + timedelta(days=40), rag="green")
        plan.add_plan_action(adolescents, title="Publish the strategy", owner_body_id=bodies["executive"],
                             lead="Business Manager", due_on=TODAY - timedelta(days=60), rag="complete")
        voice = plan.create_priority(title="Voice of the child", kind="thread", starts_year=2025, ends_year=2027)
        old = plan.create_priority(title="Recovery from Covid-19", starts_year=2021, ends_year=2022)
        theme = plan.set_theme(year=2026, quarter=1, set_by_id=bodies["forum"], title="Neglect")
        db.session.commit()
        return {"bodies": bodies, "priority": adolescents.id, "thread": voice.id, "old": old.id,
                "action": adolescents.actions[0].id, "theme": theme.id, "follow_up": theme.follow_ups[0].id}


def signed_in(app, name: str):
    client = app.test_client()
    login(client, f"{name}@alpha.example")
    return client


def test_the_progress_page_shows_the_plan_in_words(app, data):
    html = signed_in(app, "worker").get("/alpha/plan/").get_data(as_text=True)
    text = text_of(html)
    assert "Financial year 2026/27 (this year)" in text
    assert "Safeguarding adolescents" in text and "2025/26 to 2027/28" in text
    assert "Recovery from Covid-19" not in text  # not this year's
    assert "3 actions: 0 red, 1 amber, 1 green, 1 complete. 1 overdue." in text
    # RAG as a tag with the word in it; overdue said in words, only for the late action not yet complete.
    row = html.split("Map exploitation hot spots", 1)[1].split("</tr>", 1)[0]
    assert 'govuk-tag govuk-tag--orange">Amber</strong>' in row and "Overdue" in row
    assert "Police data awaited" in row and "Partnership Forum" in row and "Head of Safeguarding" in row
    done = html.split("Publish the strategy", 1)[1].split("</tr>", 1)[0]
    assert "Complete" in done and "Overdue" not in done
    # Threads apart from the priorities.
    threads = html.split('id="threads"', 1)[1].split('id="themes"', 1)[0]
    assert "Voice of the child" in threads and "Voice of the child" not in html.split('id="threads"', 1)[0]
    themes = text_of(html.split('id="themes"', 1)[1])
    assert "Q1 2026/27 (April to June 2026) this quarter Neglect , set by Partnership Forum" in themes
    assert "Case Review Group" in themes and "Learning and Development Group" in themes


def test_the_year_filter_shows_another_year_and_refuses_nonsense(app, data):
    client = signed_in(app, "worker")
    old = text_of(client.get("/alpha/plan/?year=2021").get_data(as_text=True))
    assert "Recovery from Covid-19" in old and "Safeguarding adolescents" not in old
    assert "Financial year 2021/22" in old
    for bad in ("abc", "1999", "99999999999999999999"):
        response = client.get(f"/alpha/plan/?year={bad}")
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert error_summary(html) == ["Choose a financial year between 2000 and 2100"], bad
        assert "Safeguarding adolescents" in html  # this year's plan, still there to read


@pytest.mark.parametrize("name", ["worker", "scrutineer", "lead"])
def test_readers_see_the_plan_without_ways_to_change_it_and_get_403_on_forms(app, data, name):
    client = signed_in(app, name)
    html = client.get("/alpha/plan/").get_data(as_text=True)
    assert "Safeguarding adolescents" in html
    assert "Add a priority" not in html and "Update" not in html and "Set the theme" not in html
    assert "/alpha/plan/priorities/" not in html and "Arrangements settings" not in html
    forms = ["/alpha/plan/priorities/new", f"/alpha/plan/priorities/{data['priority']}",
             f"/alpha/plan/priorities/{data['priority']}/actions/new", f"/alpha/plan/actions/{data['action']}",
             "/alpha/plan/themes/new", f"/alpha/plan/themes/{data['theme']}",
             f"/alpha/plan/follow-ups/{data['follow_up']}", "/alpha/plan/arrangements"]
    for url in forms:
        assert client.get(url).status_code == 403, url
        assert form_post(client, url, {"title": "Changed by a reader", "note": "x"}).status_code == 403, url
    assert form_post(client, "/alpha/plan/arrangements/review", {"reviewed_on-day": "1"}).status_code == 403
    with tenant_scope(data_tenant(app)):
        assert db.session.get(Priority, data["priority"]).title == "Safeguarding adolescents"
        assert db.session.scalar(select(Priority.id).where(Priority.title == "Changed by a reader")) is None


def data_tenant(app):
    from core.tenancy.context import tenant_by_slug

    return tenant_by_slug("alpha")


def test_a_business_manager_adds_and_changes_priorities_and_actions(app, data, client):
    manager = signed_in(app, "manager")
    html = manager.get("/alpha/plan/").get_data(as_text=True)
    assert "Add a priority" in html and "Arrangements settings" in html

    response = form_post(manager, "/alpha/plan/priorities/new", {
        "title": "Domestic abuse", "kind": "priority", "starts_year": "2026", "ends_year": "2028"})
    assert response.status_code == 302
    assert "Domestic abuse" in manager.get(response.location).get_data(as_text=True)
    with tenant_scope(data_tenant(app)):
        priority_id = db.session.scalar(select(Priority.id).where(Priority.title == "Domestic abuse"))

    response = form_post(manager, f"/alpha/plan/priorities/{priority_id}/actions/new", {
        "title": "Audit MARAC referrals", "owner_body_id": str(data["bodies"]["case-review"]),
        "lead": "Detective Superintendent", "due_on-day": "30", "due_on-month": "9", "due_on-year": "2026",
        "rag": "red"})
    assert response.status_code == 302
    page = text_of(manager.get("/alpha/plan/").get_data(as_text=True))
    assert "Audit MARAC referrals" in page and "30 September 2026" in page

    with tenant_scope(data_tenant(app)):
        action = db.session.scalars(select(PlanAction).where(PlanAction.title == "Audit MARAC referrals")).one()
        action_id, stamped = action.id, action.updated_at
    edit = manager.get(f"/alpha/plan/actions/{action_id}").get_data(as_text=True)
    assert 'value="30"' in edit and 'value="Detective Superintendent"' in edit
    response = form_post(manager, f"/alpha/plan/actions/{action_id}", {
        "title": "Audit MARAC referrals", "owner_body_id": str(data["bodies"]["case-review"]),
        "lead": "Detective Superintendent", "due_on-day": "30", "due_on-month": "9", "due_on-year": "2026",
        "rag": "complete", "progress": "Done: 40 referrals audited"})
    assert response.status_code == 302
    db.session.commit()
    with tenant_scope(data_tenant(app)):
        action = db.session.get(PlanAction, action_id)
        assert action.rag == "complete" and action.updated_at > stamped
        actions = {e.action for e in db.session.scalars(select(AuditEvent))}
        assert {"plan.priority.created", "plan.action.created", "plan.action.changed"} <= actions
        changed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "plan.action.changed")).one()
        assert changed.actor_label == "manager@alpha.example"


def test_forms_name_each_problem_in_the_error_summary(app, data):
    manager = signed_in(app, "manager")
    response = form_post(manager, "/alpha/plan/priorities/new", {"title": "", "kind": "priority",
                                                                "starts_year": "2027", "ends_year": "2025"})
    assert response.status_code == 400
    assert error_summary(response.get_data(as_text=True)) == [
        "Enter a title", "The period cannot end before it starts (2027/28)"]
    response = form_post(manager, "/alpha/plan/priorities/new", {"title": "X", "starts_year": "next year"})
    assert error_summary(response.get_data(as_text=True)) == ["Enter the year as a number, like 2025"]

    url = f"/alpha/plan/priorities/{data['priority']}/actions/new"
    response = form_post(manager, url, {"title": "", "owner_body_id": "", "lead": "", "rag": ""})
    assert response.status_code == 400
    assert error_summary(response.get_data(as_text=True)) == [
        "Enter what the action is", "Enter who leads the action", "Enter the date the action is due",
        "Choose a status: red, amber, green or complete", "Choose the body that owns the action"]
    response = form_post(manager, url, {"title": "T", "lead": "L", "rag": "green", "owner_body_id": "99999999999",
                                        "due_on-day": "31", "due_on-month": "2", "due_on-year": "2026"})
    assert response.status_code == 400
    assert set(error_summary(response.get_data(as_text=True))) == {
        "Choose from the list", "The date the action is due must be a real date"}
    html = response.get_data(as_text=True)
    assert 'value="31"' in html  # what was typed stays in the form
    # Characters that look like digits but are not are a bad date, not a crash.
    response = form_post(manager, url, {"title": "T", "lead": "L", "rag": "green", "owner_body_id": "1",
                                        "due_on-day": "\u00b2", "due_on-month": "1", "due_on-year": "2026"})
    assert response.status_code == 400


def test_another_partnerships_ids_are_not_found(app, data):
    beta = create_tenant("beta")
    beta_bodies = make_bodies(beta)
    with tenant_scope(beta):
        priority = plan.create_priority(title="Beta priority", starts_year=2026, ends_year=2026)
        action = plan.add_plan_action(priority, title="Beta action", owner_body_id=beta_bodies["forum"], lead="L",
                                      due_on=TODAY)
        theme = plan.set_theme(year=2026, quarter=1, set_by_id=beta_bodies["forum"], title="Beta theme")
        db.session.commit()
        ids = (priority.id, action.id, theme.id, theme.follow_ups[0].id)
    manager = signed_in(app, "manager")
    for url in (f"/alpha/plan/priorities/{ids[0]}", f"/alpha/plan/priorities/{ids[0]}/actions/new",
                f"/alpha/plan/actions/{ids[1]}", f"/alpha/plan/themes/{ids[2]}", f"/alpha/plan/follow-ups/{ids[3]}"):
        assert manager.get(url).status_code == 404, url
        assert form_post(manager, url, {"title": "Taken over", "note": "x"}).status_code == 404, url
    # Nor can one of its bodies own an alpha action.
    response = form_post(manager, f"/alpha/plan/priorities/{data['priority']}/actions/new", {
        "title": "T", "lead": "L", "rag": "green", "owner_body_id": str(beta_bodies["forum"]),
        "due_on-day": "1", "due_on-month": "6", "due_on-year": "2026"})
    assert response.status_code == 400
    assert error_summary(response.get_data(as_text=True)) == ["Choose a body of this partnership from the list"]
    with tenant_scope(beta):
        assert db.session.get(Priority, ids[0]).title == "Beta priority"
        assert db.session.get(QuarterlyTheme, ids[2]).title == "Beta theme"


def test_themes_are_set_once_a_quarter_and_followed_up(app, data):
    manager = signed_in(app, "manager")
    form = manager.get("/alpha/plan/themes/new?year=2026&quarter=2").get_data(as_text=True)
    assert '<option value="2" selected>' in form
    response = form_post(manager, "/alpha/plan/themes/new", {
        "year": "2026", "quarter": "1", "set_by_id": str(data["bodies"]["executive"]), "title": "Again"})
    assert response.status_code == 400
    assert "already has a theme, 'Neglect'" in error_summary(response.get_data(as_text=True))[0]
    response = form_post(manager, "/alpha/plan/themes/new", {
        "year": "2026", "quarter": "2", "set_by_id": str(data["bodies"]["executive"]), "title": "Exploitation"})
    assert response.status_code == 302
    assert "Exploitation" in manager.get("/alpha/plan/").get_data(as_text=True)

    url = f"/alpha/plan/follow-ups/{data['follow_up']}"
    assert form_post(manager, url, {"note": "", "done": "true"}).status_code == 400
    assert form_post(manager, url, {"note": "Ran a neglect audit", "done": "true"}).status_code == 302
    with tenant_scope(data_tenant(app)):
        follow_up = db.session.get(ThemeFollowUp, data["follow_up"])
        assert follow_up.done and follow_up.note == "Ran a neglect audit"
    themes = text_of(manager.get("/alpha/plan/").get_data(as_text=True).split('id="themes"', 1)[1])
    assert "Ran a neglect audit Yes" in themes


def test_a_thread_takes_no_actions_through_the_pages(app, data):
    manager = signed_in(app, "manager")
    response = manager.get(f"/alpha/plan/priorities/{data['thread']}/actions/new")
    assert response.status_code == 302
    assert "runs through every priority" in manager.get(response.location).get_data(as_text=True)


def test_the_arrangements_settings_page(app, data, client):
    manager = signed_in(app, "manager")
    page = text_of(manager.get("/alpha/plan/arrangements").get_data(as_text=True))
    # 15 May 2026: the next report is the 2025/26 one, by 30 September 2026.
    assert "The 2025/26 report, by 30 September 2026" in page
    response = form_post(manager, "/alpha/plan/arrangements", {
        "review_interval_months": "12", "independent_scrutiny": "Scrutinised by an independent scrutineer.",
        "education_settings": "", "residential_homes": "", "thresholds_document_title": "Thresholds",
        "thresholds_document_url": "not a link", "attendance_threshold_percent": "75", "invoice_by": "10-01",
        "annual_report_due": "13-45", "reminder_days": "28, soon"})
    assert response.status_code == 400
    assert error_summary(response.get_data(as_text=True)) == [
        "Enter the web address of the thresholds document, starting https://",
        "Enter the day the annual report is due as month and day, like 09-30 for 30 September",
        "Enter numbers of days separated by commas, like 28, 7"]
    response = form_post(manager, "/alpha/plan/arrangements", {
        "review_interval_months": "12", "independent_scrutiny": "Scrutinised by an independent scrutineer.",
        "thresholds_document_title": "Thresholds", "thresholds_document_url": "https://example.org/t.pdf",
        "attendance_threshold_percent": "75", "invoice_by": "10-01", "annual_report_due": "09-30",
        "reminder_days": "14, 3", "arrangements_published-day": "1", "arrangements_published-month": "4",
        "arrangements_published-year": "2026"})
    assert response.status_code == 302
    public = text_of(client.get("/alpha/arrangements/").get_data(as_text=True))
    assert "Scrutinised by an independent scrutineer." in public and "Published 1 April 2026" in public
    response = form_post(manager, "/alpha/plan/arrangements/review", {
        "reviewed_on-day": "10", "reviewed_on-month": "5", "reviewed_on-year": "2026"})
    assert response.status_code == 302
    with tenant_scope(data_tenant(app)):
        settings = read_settings()
        assert settings.reminder_days == [14, 3] and settings.review_due_on == date(2027, 5, 10)
    assert "Next review 10 May 2027" in text_of(client.get("/alpha/arrangements/").get_data(as_text=True))
    response = form_post(manager, "/alpha/plan/arrangements/review", {"reviewed_on-day": "10"})
    assert response.status_code == 400
    assert error_summary(response.get_data(as_text=True)) == [
        "The date the arrangements were reviewed must include a month and year"]


def test_the_dashboard_panel(app, data):
    alpha = data_tenant(app)
    with app.test_request_context("/alpha/"):
        g.tenant = alpha
        with tenant_scope(alpha):
            panel = dashboard_panel(alpha)
            assert panel.permission == "core.plan.view"
            with count_queries() as queries:
                context = panel.context()
            assert queries.n == 3
            assert context["total"] == 3 and context["overdue"] == 1 and context["theme"] == "Neglect"
            html = text_of(render_template(panel.template, context=context))
    assert "Amber 1" in html and "1 overdue" in html and "Q1 2026/27 (April to June 2026): Neglect" in html


def test_the_pages_cost_the_same_number_of_queries_whatever_the_size(app, data):
    manager = signed_in(app, "manager")
    pages = ["/alpha/plan/", f"/alpha/plan/actions/{data['action']}", f"/alpha/plan/themes/{data['theme']}",
             "/alpha/plan/arrangements", f"/alpha/plan/priorities/{data['priority']}/actions/new"]

    def counts() -> dict[str, int]:
        out = {}
        for url in pages:
            manager.get(url)
            with count_queries() as queries:
                assert manager.get(url).status_code == 200, url
            out[url] = queries.n
        return out

    few = counts()
    alpha = data_tenant(app)
    with tenant_scope(alpha):
        for i in range(25):
            priority = plan.create_priority(title=f"Priority {i}", starts_year=2026, ends_year=2026)
            for j in range(4):
                plan.add_plan_action(priority, title=f"Action {i}.{j}", owner_body_id=data["bodies"][
                    ("forum", "learning", "case-review", "executive")[j]], lead="Lead", due_on=TODAY, rag="red")
            plan.create_priority(title=f"Thread {i}", kind="thread", starts_year=2026, ends_year=2026)
        for quarter in (2, 3, 4):
            plan.set_theme(year=2026, quarter=quarter, set_by_id=data["bodies"]["forum"], title=f"Theme {quarter}")
        db.session.commit()
    assert counts() == few


def year_options(html: str) -> list[tuple[str, str, bool]]:
    """The year picker's choices: ``(value, text, chosen)``."""
    picker = re.search(r'<select[^>]*id="year".*?</select>', html, re.S).group(0)
    return [(value, text.strip(), "selected" in rest)
            for value, rest, text in re.findall(r'<option value="([^"]*)"([^>]*)>([^<]*)</option>', picker)]


def test_the_year_picker_offers_every_year_with_priorities_or_themes_and_this_one(app, data):
    client = signed_in(app, "worker")
    html = client.get("/alpha/plan/").get_data(as_text=True)
    # Recovery from Covid-19 covers 2021/22 and 2022/23: far behind this year, but still to be found.
    assert year_options(html) == [("2021", "2021/22", False), ("2022", "2022/23", False), ("2025", "2025/26", False),
                                  ("2026", "2026/27", True), ("2027", "2027/28", False)]
    for value, _text, _chosen in year_options(html):
        assert client.get(f"/alpha/plan/?year={value}").status_code == 200
    # A year asked for in the address is shown chosen, though nothing is planned for it.
    assert ("2030", "2030/31", True) in year_options(client.get("/alpha/plan/?year=2030").get_data(as_text=True))


def test_a_partnership_with_no_plan_is_offered_this_year(app, alpha):
    html = signed_in(app, "worker").get("/alpha/plan/").get_data(as_text=True)
    assert year_options(html) == [("2026", "2026/27", True)]


def test_a_theme_form_sent_empty_is_refused_with_a_message_for_each_answer(app, data):
    response = form_post(signed_in(app, "manager"), "/alpha/plan/themes/new", {})
    assert response.status_code == 400
    assert error_summary(response.get_data(as_text=True)) == [
        "Enter a financial year between 2000 and 2100",
        "Choose a quarter from 1 (April to June) to 4 (January to March)",
        "Choose the body that sets the theme", "Enter the theme"]
