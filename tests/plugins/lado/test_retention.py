"""Retention: the review date each outcome gives, the removal of a case's personal data, keeping a record
longer at a review, and review dates following the partnership's settings."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.db import db
from core.plugins.services import enable_module
from core.tenancy.isolation import tenant_scope
from plugins.lado import cases as rules
from plugins.lado import retention
from plugins.lado.models import LadoCase, LadoChild, LadoEntry, LadoMeeting
from plugins.lado.retention import Policy
from tests.helpers import create_tenant
from tests.plugins.lado.conftest import load, make_case, outcome

TODAY = date(2025, 6, 2)
ALLEGED = date(2025, 3, 3)


@pytest.fixture
def alpha(app):
    tenant = create_tenant("alpha")
    enable_module(tenant, "lado", {})
    db.session.commit()
    return tenant


def concluded(tenant, result, *, born=None, pension=None, concern=ALLEGED, on=date(2025, 5, 1)) -> LadoCase:
    case_id = make_case(tenant, today=TODAY, received_on=ALLEGED, concern_on=concern, person_born_on=born,
                        person_pension_on=pension, children=[{"initials": "AB", "age": 9, "gender": "girl"}])
    outcome(tenant, case_id, result, on=on, today=TODAY)
    return load(tenant, case_id)


def test_substantiated_is_kept_to_pension_age_when_that_is_later_than_ten_years(alpha):
    case = concluded(alpha, "substantiated", born=date(1980, 7, 14))
    assert case.review_on == date(2047, 7, 14)  # born 1980 + 67


def test_ten_years_from_the_allegation_when_that_is_later_than_pension_age(alpha):
    case = concluded(alpha, "unsubstantiated", born=date(1962, 1, 1))
    assert case.review_on == date(2035, 3, 3)  # 2029 pension age is earlier


def test_a_known_pension_date_wins_over_the_date_of_birth(alpha):
    case = concluded(alpha, "substantiated", born=date(1980, 7, 14), pension=date(2046, 7, 14))
    assert case.review_on == date(2046, 7, 14)


def test_without_a_date_of_birth_the_record_is_kept_ten_years(alpha):
    assert concluded(alpha, "substantiated").review_on == date(2035, 3, 3)


def test_the_allegation_date_is_the_contact_when_the_concern_date_is_unknown(alpha):
    assert concluded(alpha, "unsubstantiated", concern=None).review_on == date(2035, 3, 3)


def test_false_and_unfounded_are_reviewed_after_the_set_period_without_the_pension_extension(alpha):
    for result in ("false", "unfounded"):
        case = concluded(alpha, result, born=date(1990, 1, 1))
        assert case.review_on == date(2035, 3, 3), result
    with tenant_scope(alpha):
        case = db.session.get(LadoCase, case.id)
        assert retention.review_date(case, Policy(false_unfounded_review_years=3)) == date(2028, 3, 3)


def test_malicious_is_due_for_removal_at_once(alpha):
    case = concluded(alpha, "malicious")
    assert case.review_on == date(2025, 5, 1) and retention.due_for_removal(case)
    assert retention.is_due(case, TODAY)


def test_leap_day_anniversaries_fall_on_28_february(alpha):
    case = concluded(alpha, "substantiated", concern=date(2024, 2, 29), born=None)
    assert case.review_on == date(2034, 2, 28)


def test_an_open_case_has_no_review_date_and_a_closed_consultation_one(alpha):
    open_id = make_case(alpha, today=TODAY, received_on=ALLEGED)
    assert load(alpha, open_id).review_on is None
    consultation = make_case(alpha, kind="consultation", today=TODAY, received_on=ALLEGED)
    with tenant_scope(alpha):
        rules.close_consultation(db.session.get(LadoCase, consultation), "Advice", date(2025, 3, 4), TODAY,
                                 Policy(consultation_review_years=6))
    db.session.commit()
    assert load(alpha, consultation).review_on == date(2031, 3, 4)


def test_removal_deletes_personal_data_and_keeps_what_the_figures_count(alpha):
    case = concluded(alpha, "malicious")
    with tenant_scope(alpha):
        case = db.session.get(LadoCase, case.id)
        rules.add_note(case, TODAY, "Pat Example's mother called", TODAY)
        retention.remove_personal_data(case, TODAY, actor_label="LADO")
    db.session.commit()
    case = load(alpha, case.id)
    assert case.removed_on == TODAY and case.review_on is None
    for name in ("person_name", "person_role", "person_employer", "summary", "referrer_name", "outcome_note"):
        assert getattr(case, name) == "", name
    assert case.person_born_on is None and case.children == [] and case.meetings == []
    assert [e.text for e in case.entries] == [f"Personal data removed on {TODAY:%-d %B %Y}"]
    # what the figures of past years count stays
    assert (case.kind, case.outcome, case.category, case.employer_sector, case.local_authority.key) == (
        "referral", "malicious", "physical", "education", "north")
    with tenant_scope(alpha):
        assert db.session.scalar(select(LadoChild.id)) is None
        assert not [t for t in db.session.scalars(select(LadoEntry.text)) if "Pat" in t]
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "lado.case.personal_data_removed")).all()
    assert len(events) == 1 and events[0].object_id == str(case.id)
    assert "Pat" not in events[0].summary + str(events[0].details)


def test_removal_waits_for_the_review_date_unless_malicious(alpha):
    case = concluded(alpha, "substantiated")
    with tenant_scope(alpha):
        case = db.session.get(LadoCase, case.id)
        with pytest.raises(rules.CaseError, match="not due for review until 3 March 2035"):
            retention.remove_personal_data(case, TODAY)
        retention.remove_personal_data(case, date(2035, 3, 3))
    db.session.commit()
    assert load(alpha, case.id).person_name == ""
    open_id = make_case(alpha, today=TODAY, received_on=ALLEGED)
    with tenant_scope(alpha):
        with pytest.raises(rules.CaseError, match="open case"):
            retention.remove_personal_data(db.session.get(LadoCase, open_id), date(2099, 1, 1))


def test_a_removed_case_cannot_be_changed(alpha):
    case = concluded(alpha, "malicious")
    with tenant_scope(alpha):
        case = db.session.get(LadoCase, case.id)
        retention.remove_personal_data(case, TODAY)
        for change in (lambda: rules.add_note(case, TODAY, "x", TODAY),
                       lambda: rules.record_outcome(case, "false", TODAY, "", TODAY, Policy()),
                       lambda: retention.remove_personal_data(case, TODAY)):
            with pytest.raises(rules.CaseError):
                change()


def test_a_review_keeps_the_record_longer_and_settings_no_longer_move_it(alpha):
    case = concluded(alpha, "unfounded")
    with tenant_scope(alpha):
        case = db.session.get(LadoCase, case.id)
        with pytest.raises(rules.CaseError) as caught:
            retention.extend_review(case, date(2035, 1, 1), "", date(2035, 3, 4))
        assert set(caught.value.errors) == {"until", "reason"}
        retention.extend_review(case, date(2040, 3, 3), "A second allegation is being looked into", date(2035, 3, 4))
    db.session.commit()
    assert load(alpha, case.id).review_on == date(2040, 3, 3)
    enable_module(alpha, "lado", {"false_unfounded_review_years": 2})  # recomputes review dates
    db.session.commit()
    assert load(alpha, case.id).review_on == date(2040, 3, 3)


def test_a_malicious_allegation_cannot_be_kept_longer(alpha):
    case = concluded(alpha, "malicious")
    with tenant_scope(alpha):
        with pytest.raises(rules.CaseError, match="removed, not kept"):
            retention.extend_review(db.session.get(LadoCase, case.id), date(2030, 1, 1), "why", TODAY)


def test_changing_the_retention_settings_moves_the_review_dates(alpha):
    case = concluded(alpha, "substantiated", born=date(1980, 7, 14))
    enable_module(alpha, "lado", {"pension_age": 68})
    db.session.commit()
    assert load(alpha, case.id).review_on == date(2048, 7, 14)


def test_correcting_the_outcome_recomputes_the_date(alpha):
    case = concluded(alpha, "malicious")
    outcome(alpha, case.id, "unsubstantiated", on=date(2025, 5, 2), today=TODAY)
    case = load(alpha, case.id)
    assert case.review_on == date(2035, 3, 3) and case.outcome == "unsubstantiated"
    assert [e.text for e in case.entries][-1] == "Outcome changed from Malicious to Unsubstantiated"
    with tenant_scope(alpha):
        assert db.session.scalar(select(LadoMeeting.id)) is None
