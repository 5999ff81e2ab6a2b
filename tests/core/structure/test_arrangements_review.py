"""Recording a review of the published arrangements: dates that cannot be right are refused, the latest
review (by its date, not by when it was entered) sets the next one, and a review that is overdue is flagged
to those who keep the arrangements."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEvent
from core.db import db
from core.structure.arrangements import (
    ArrangementsError,
    change_arrangements,
    latest_review_on,
    read_settings,
    record_review,
    review_overdue,
)
from core.structure.views_plan import arrangements_panel
from core.tenancy.isolation import tenant_scope
from tests.helpers import count_queries, create_tenant, error_summary, form_post, login, make_user, text_of

TODAY = date(2026, 5, 15)
PUBLISHED = date(2024, 12, 23)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr("core.calendar.london_today", lambda: TODAY)


@pytest.fixture
def alpha():
    tenant = create_tenant("alpha")
    tenant.arrangements_published = PUBLISHED
    db.session.commit()
    with tenant_scope(tenant):
        change_arrangements(tenant, {"review_due_on": date(2026, 12, 23)})
    db.session.commit()
    make_user("manager@alpha.example", tenant, roles=("business_manager",))
    make_user("worker@alpha.example", tenant, roles=("practitioner",))
    return tenant


def signed_in(app, name: str):
    client = app.test_client()
    login(client, f"{name}@alpha.example")
    return client


def reviews_recorded() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "arrangements.reviewed"))


# -- the rules ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reviewed_on, message", [
    # London's today, not the server's: the test's today is months behind the real one.
    (TODAY + timedelta(days=1), "The date of the review must be today or in the past"),
    (date(2030, 1, 1), "The date of the review must be today or in the past"),
    (PUBLISHED - timedelta(days=1),
     "The date of the review must be on or after the day the arrangements were published, 23 December 2024"),
])
def test_a_review_in_the_future_or_before_publication_is_refused(alpha, reviewed_on, message):
    with tenant_scope(alpha):
        with pytest.raises(ArrangementsError) as excinfo:
            record_review(alpha, reviewed_on)
        assert excinfo.value.errors == {"reviewed_on": message}
        assert read_settings().review_due_on == date(2026, 12, 23)
        assert reviews_recorded() == 0


def test_a_review_today_or_on_the_day_of_publication_is_accepted(alpha):
    with tenant_scope(alpha):
        assert record_review(alpha, PUBLISHED) == date(2025, 12, 23)
        assert record_review(alpha, TODAY) == date(2027, 5, 15)
        assert read_settings().review_due_on == date(2027, 5, 15)


def test_without_a_publication_date_only_the_future_is_refused(alpha):
    alpha.arrangements_published = None
    db.session.commit()
    with tenant_scope(alpha):
        assert record_review(alpha, date(2019, 3, 1)) == date(2020, 3, 1)
        with pytest.raises(ArrangementsError):
            record_review(alpha, TODAY + timedelta(days=1))


def test_the_latest_review_sets_the_next_one_not_the_last_entered(alpha):
    with tenant_scope(alpha):
        assert record_review(alpha, date(2026, 5, 10)) == date(2027, 5, 10)
        # An earlier review entered afterwards is kept in the history but does not bring the next one forward.
        assert record_review(alpha, date(2026, 3, 1)) == date(2027, 5, 10)
        assert read_settings().review_due_on == date(2027, 5, 10)
        assert latest_review_on() == date(2026, 5, 10)
        assert reviews_recorded() == 2
        # A later one does.
        assert record_review(alpha, date(2026, 5, 14)) == date(2027, 5, 14)
        assert latest_review_on() == date(2026, 5, 14)


def test_the_next_review_follows_the_partnerships_interval(alpha):
    with tenant_scope(alpha):
        change_arrangements(alpha, {"review_interval_months": 24})
        assert record_review(alpha, date(2026, 2, 28)) == date(2028, 2, 28)


@pytest.mark.parametrize("due_on, overdue", [
    (None, False), (TODAY + timedelta(days=1), False), (TODAY, False), (TODAY - timedelta(days=1), True),
    (date(2020, 7, 1), True),
])
def test_a_review_is_overdue_once_its_day_has_passed_in_london(due_on, overdue):
    assert review_overdue(due_on, TODAY) is overdue


def test_a_next_review_date_set_before_publication_is_refused(alpha):
    with tenant_scope(alpha):
        with pytest.raises(ArrangementsError) as excinfo:
            change_arrangements(alpha, {"review_due_on": date(2024, 6, 1)})
        assert set(excinfo.value.errors) == {"review_due_on"}
        change_arrangements(alpha, {"review_due_on": date(2026, 3, 1)})
        with pytest.raises(ArrangementsError) as excinfo:
            change_arrangements(alpha, {}, published_on=date(2026, 4, 1))
        assert set(excinfo.value.errors) == {"review_due_on"}
        db.session.commit()
    # A date already saved (before the rule) does not stop the rest of the settings being changed.
    with tenant_scope(alpha):
        alpha.arrangements_published = date(2026, 4, 1)
        db.session.commit()
        change_arrangements(alpha, {"attendance_threshold_percent": 60})
        assert read_settings().attendance_threshold_percent == 60


def test_a_publication_date_in_the_future_is_refused(alpha):
    # "Published" is shown to the public as a fact: a day still to come is not one.
    with tenant_scope(alpha):
        with pytest.raises(ArrangementsError) as excinfo:
            change_arrangements(alpha, {}, published_on=TODAY + timedelta(days=1))
        assert excinfo.value.errors == {
            "arrangements_published": "The date the arrangements were published must be today or in the past"}
        change_arrangements(alpha, {}, published_on=TODAY)
        assert alpha.arrangements_published == TODAY


# -- the pages ------------------------------------------------------------------------------------------------


def test_the_form_refuses_a_review_in_the_future_and_keeps_what_was_typed(app, alpha):
    manager = signed_in(app, "manager")
    typed = {"reviewed_on-day": "1", "reviewed_on-month": "6", "reviewed_on-year": "2026"}
    response = form_post(manager, "/alpha/plan/arrangements/review", typed)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert error_summary(html) == ["The date of the review must be today or in the past"]
    assert re.search(r'name="reviewed_on-month"[^>]*value="6"', html)  # what was typed is kept
    response = form_post(manager, "/alpha/plan/arrangements/review", {
        "reviewed_on-day": "1", "reviewed_on-month": "12", "reviewed_on-year": "2024"})
    assert response.status_code == 400
    assert error_summary(response.get_data(as_text=True)) == [
        "The date of the review must be on or after the day the arrangements were published, 23 December 2024"]
    with tenant_scope(alpha):
        assert read_settings().review_due_on == date(2026, 12, 23) and reviews_recorded() == 0


def test_the_form_reads_the_review_date_as_a_govuk_date_input(app, alpha):
    manager = signed_in(app, "manager")
    for typed, message in (
        ({}, "Enter the date the arrangements were reviewed"),
        ({"reviewed_on-day": "31", "reviewed_on-month": "2", "reviewed_on-year": "2026"},
         "The date the arrangements were reviewed must be a real date"),
    ):
        response = form_post(manager, "/alpha/plan/arrangements/review", typed)
        assert response.status_code == 400
        assert error_summary(response.get_data(as_text=True)) == [message]
    response = form_post(manager, "/alpha/plan/arrangements/review", {
        "reviewed_on-day": "14", "reviewed_on-month": "5", "reviewed_on-year": "2026"})
    assert response.status_code == 302


def test_the_settings_form_refuses_a_next_review_before_publication(app, alpha):
    manager = signed_in(app, "manager")
    page = manager.get("/alpha/plan/arrangements").get_data(as_text=True)
    fields = dict(re.findall(r'name="([^"]+)"[^>]*value="([^"]*)"', page))
    fields.update({"review_due_on-day": "1", "review_due_on-month": "6", "review_due_on-year": "2024",
                   "independent_scrutiny": "Kept while the date is put right."})
    fields.pop("csrf_token", None)
    response = form_post(manager, "/alpha/plan/arrangements", fields)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert error_summary(html) == [
        "The next review must be on or after the day the arrangements were published, 23 December 2024"]
    assert "Kept while the date is put right." in html
    with tenant_scope(alpha):
        assert read_settings().review_due_on == date(2026, 12, 23)


def test_an_overdue_review_is_flagged_on_the_settings_page(app, alpha):
    manager = signed_in(app, "manager")
    page = text_of(manager.get("/alpha/plan/arrangements").get_data(as_text=True))
    assert "overdue" not in page.lower()
    assert "Next review of the arrangements 23 December 2026" in page
    assert "Last review recorded None recorded" in page
    with tenant_scope(alpha):
        change_arrangements(alpha, {"review_due_on": date(2026, 5, 14)})
    db.session.commit()
    page = text_of(manager.get("/alpha/plan/arrangements").get_data(as_text=True))
    assert "The review of the arrangements was due on 14 May 2026 and is overdue" in page
    assert "Next review of the arrangements 14 May 2026: overdue" in page
    form_post(manager, "/alpha/plan/arrangements/review", {
        "reviewed_on-day": "15", "reviewed_on-month": "5", "reviewed_on-year": "2026"})
    page = text_of(manager.get("/alpha/plan/arrangements").get_data(as_text=True))
    assert "overdue" not in page.lower()
    assert "Next review of the arrangements 15 May 2027" in page and "Last review recorded 15 May 2026" in page


def test_an_overdue_review_is_on_the_dashboard_of_those_who_keep_the_arrangements(app, alpha):
    with tenant_scope(alpha):
        change_arrangements(alpha, {"review_due_on": date(2025, 7, 1)})
    db.session.commit()
    dashboard = signed_in(app, "manager").get("/alpha/").get_data(as_text=True)
    panel = text_of(dashboard.split('data-panel="Published arrangements"', 1)[1].split("</section>", 1)[0])
    assert "Overdue" in panel and "The review of the arrangements was due on 1 July 2025" in panel
    assert "The 2025/26 annual report is due by 30 September 2026" in panel
    # A practitioner does not keep the arrangements: no panel.
    assert 'data-panel="Published arrangements"' not in signed_in(app, "worker").get("/alpha/").get_data(as_text=True)


def test_the_dashboard_panel_costs_one_query(app, alpha):
    with app.test_request_context("/alpha/"):
        with tenant_scope(alpha):
            panel = arrangements_panel(alpha)
            assert panel.permission == "core.arrangements.manage"
            with count_queries() as queries:
                context = panel.context()
            assert queries.n == 1
            assert context["review_due_on"] == date(2026, 12, 23) and not context["overdue"]
