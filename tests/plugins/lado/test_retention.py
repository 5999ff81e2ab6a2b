"""Retention: the review date each outcome gives, the removal of a case's personal data, keeping a record
longer at a review, and review dates following the partnership's settings."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.db import db
from core.plugins.services import enable_module, enabled_modules
from core.tenancy.isolation import tenant_scope
from plugins.lado import cases as rules
from plugins.lado import retention
from plugins.lado.models import LadoCase, LadoChild, LadoEntry, LadoMeeting
from plugins.lado.retention import Policy
from tests.helpers import form_post
from tests.plugins.lado.conftest import links_lead_somewhere, load, make_case, outcome

TODAY = date(2025, 6, 2)
ALLEGED = date(2025, 3, 3)


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
        assert retention.review_date(case, Policy(false_unfounded_review_years=12)) == date(2037, 3, 3)


def test_settings_saved_below_the_guidance_never_bring_a_review_before_its_date(alpha):
    """Settings stored before the minimums were enforced (a three-year review, a pension age of 55) still
    give the guidance's dates."""
    unfounded = concluded(alpha, "unfounded", born=date(1990, 1, 1))
    substantiated = concluded(alpha, "substantiated", born=date(1980, 7, 14))
    with tenant_scope(alpha):
        unfounded = db.session.get(LadoCase, unfounded.id)
        substantiated = db.session.get(LadoCase, substantiated.id)
        assert retention.review_date(unfounded, Policy(false_unfounded_review_years=3)) == date(2035, 3, 3)
        # 1980 + 66, the lowest normal pension age, not 1980 + 55
        assert retention.review_date(substantiated, Policy(pension_age=55)) == date(2046, 7, 14)


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
    enable_module(alpha, "lado", {"false_unfounded_review_years": 12})  # recomputes review dates
    db.session.commit()
    assert load(alpha, case.id).review_on == date(2040, 3, 3)
    with tenant_scope(alpha):
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "lado.case.retention_extended")).all()
    assert len(events) == 1 and events[0].details["until"] == "2040-03-03"


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


# -- never before the guidance's date -------------------------------------------------------------------


def test_keeping_longer_cannot_move_the_review_before_the_guidance_date(alpha):
    """Seen: a substantiated allegation due for review in 2047 "kept" until next June."""
    case = concluded(alpha, "substantiated", born=date(1980, 7, 14))
    with tenant_scope(alpha):
        case = db.session.get(LadoCase, case.id)
        with pytest.raises(rules.CaseError) as caught:
            retention.extend_review(case, date(2026, 6, 1), "Asked to keep it", TODAY)
        assert set(caught.value.errors) == {"until"}
        assert "14 July 2047" in caught.value.errors["until"]
        assert "normal pension age" in caught.value.errors["until"]
        assert case.review_on == date(2047, 7, 14) and not case.review_extended
        retention.extend_review(case, date(2047, 7, 14), "Kept to the guidance date", TODAY)
        assert case.review_on == date(2047, 7, 14)


def test_a_false_or_unfounded_record_cannot_be_kept_shorter_than_ten_years(alpha):
    case = concluded(alpha, "false")
    with tenant_scope(alpha):
        case = db.session.get(LadoCase, case.id)
        with pytest.raises(rules.CaseError, match="3 March 2035"):
            retention.extend_review(case, date(2030, 1, 1), "Shorter", TODAY)
        assert case.review_on == date(2035, 3, 3)


def test_removal_before_the_guidance_date_is_refused_even_when_a_review_date_was_set_earlier(alpha):
    """A date set at a review before this rule existed (2047 "kept" until June 2026) does not open removal."""
    case = concluded(alpha, "substantiated", born=date(1980, 7, 14))
    with tenant_scope(alpha):
        case = db.session.get(LadoCase, case.id)
        case.review_on, case.review_extended = date(2026, 6, 1), True
        db.session.flush()
        with pytest.raises(rules.CaseError) as caught:
            retention.remove_personal_data(case, date(2026, 6, 2))
        assert "14 July 2047" in str(caught.value) and "cannot be removed" in str(caught.value)
    db.session.commit()
    case = load(alpha, case.id)
    assert case.person_name == "Pat Example" and case.removed_on is None and len(case.children) == 1


def test_a_review_date_left_before_the_guidance_date_is_brought_up_to_it(alpha):
    """Kept until 2036 at a review while the date of birth was unknown; recorded later, it makes the
    guidance's date 2047, and the review date follows."""
    case = concluded(alpha, "substantiated")
    with tenant_scope(alpha):
        case = db.session.get(LadoCase, case.id)
        retention.extend_review(case, date(2036, 1, 1), "Another allegation", TODAY)
        rules.update_details(case, TODAY, {**_details_of(case), "person_born_on": date(1980, 7, 14)},
                             [{"initials": "AB", "age": 9, "gender": "girl"}])
    db.session.commit()
    assert load(alpha, case.id).review_on == date(2047, 7, 14)


def _details_of(case: LadoCase) -> dict:
    return {name: getattr(case, name) for name in (
        "concern_on", "harm_criteria", "outside_work", "category", "summary", "referrer_name", "referrer_role",
        "referrer_contact", "referring_sector", "person_name", "person_role", "person_employer", "employer_sector",
        "employment_type", "person_born_on", "person_pension_on")}


@pytest.mark.parametrize(("settings", "field", "message"), [
    ({"pension_age": 55}, "pension_age", "66"),
    ({"false_unfounded_review_years": 1}, "false_unfounded_review_years", "10"),
    ({"retention_years": 9}, "retention_years", "10"),
])
def test_retention_settings_cannot_go_below_the_guidance(alpha, settings, field, message):
    with pytest.raises(ValidationError) as caught:
        enable_module(alpha, "lado", settings)
    db.session.rollback()
    assert field in caught.value.messages and message in " ".join(caught.value.messages[field])
    enable_module(alpha, "lado", {field: 66 if field == "pension_age" else 10})  # the minimums themselves are fine
    db.session.rollback()


# -- the pages ------------------------------------------------------------------------------------------


def _substantiated_on_the_page(world, today) -> int:
    case_id = make_case(world.tenant, received_on=today - timedelta(days=30), concern_on=today - timedelta(days=31),
                        person_born_on=date(1980, 7, 14), children=[{"initials": "AB", "age": 9, "gender": "girl"}])
    outcome(world.tenant, case_id, "substantiated", on=today - timedelta(days=1))
    return case_id


def _dated(prefix: str, day: date) -> dict:
    return {f"{prefix}-day": str(day.day), f"{prefix}-month": str(day.month), f"{prefix}-year": str(day.year)}


def _actions(world, action: str) -> list[AuditEvent]:
    db.session.commit()
    with tenant_scope(world.tenant):
        return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def _reviewed_too_early(world, case_id: int, today: date) -> None:
    """The case as a review before this rule left it: "kept" to a date that has come, long before 2047."""
    with tenant_scope(world.tenant):
        case = db.session.get(LadoCase, case_id)
        case.review_on, case.review_extended = today - timedelta(days=1), True
    db.session.commit()


def test_the_page_refuses_keeping_a_record_shorter_than_the_guidance(world, today):
    case_id = _substantiated_on_the_page(world, today)
    _reviewed_too_early(world, case_id, today)
    manager = world.client("manager")
    refused = form_post(manager, f"/alpha/lado/cases/{case_id}/retention",
                        {"decision": "keep", **_dated("until", today + timedelta(days=300)), "reason": "Asked"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    # the error summary links to the date, shown again on the open form with what was typed
    assert "govuk-error-summary" in html and 'href="#until"' in html and 'id="until"' in html
    assert "Keep the record until 14 July 2047 or later" in html and ">Asked</textarea>" in html
    assert load(world.tenant, case_id).review_on == today - timedelta(days=1)
    assert _actions(world, "lado.case.retention_extended") == []
    kept = form_post(manager, f"/alpha/lado/cases/{case_id}/retention",
                     {"decision": "keep", **_dated("until", date(2050, 1, 1)), "reason": "A second allegation"})
    assert kept.status_code == 302 and load(world.tenant, case_id).review_on == date(2050, 1, 1)
    assert len(_actions(world, "lado.case.retention_extended")) == 1


def test_the_page_refuses_removal_before_the_guidance_date(world, today):
    case_id = _substantiated_on_the_page(world, today)
    _reviewed_too_early(world, case_id, today)
    refused = form_post(world.client("manager"), f"/alpha/lado/cases/{case_id}/retention",
                        {"decision": "remove", "confirm": "true"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "govuk-error-summary" in html and "14 July 2047" in html
    case = load(world.tenant, case_id)
    assert case.removed_on is None and case.person_name == "Pat Example"
    assert _actions(world, "lado.case.personal_data_removed") == []


def test_the_settings_page_refuses_retention_below_the_guidance(world):
    admin = world.client("admin")
    refused = form_post(admin, "/alpha/admin/modules/lado", {"stale_days": "20", "pension_age": "55",
                                                            "false_unfounded_review_years": "1"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "govuk-error-summary" in html
    assert "Enter an age from 66 to 75" in html and "at least 10 years" in html
    assert enabled_modules(world.tenant)["lado"]["pension_age"] == 67


def test_saving_the_settings_brings_a_kept_longer_date_up_to_the_guidance_date(alpha):
    """A date set at a review before the guidance's date was enforced (2047 "kept" until June 2026) is repaired
    the next time the settings are saved; a kept-longer date beyond the guidance's date stays as it was."""
    early = concluded(alpha, "substantiated", born=date(1980, 7, 14))
    later = concluded(alpha, "unfounded")
    with tenant_scope(alpha):
        db.session.get(LadoCase, early.id).review_on = date(2026, 6, 1)
        db.session.get(LadoCase, early.id).review_extended = True
        retention.extend_review(db.session.get(LadoCase, later.id), date(2040, 3, 3), "Another allegation", TODAY)
    db.session.commit()
    enable_module(alpha, "lado", {"stale_days": 15})
    db.session.commit()
    early, later = load(alpha, early.id), load(alpha, later.id)
    assert (early.review_on, early.review_extended) == (date(2047, 7, 14), True)
    assert (later.review_on, later.review_extended) == (date(2040, 3, 3), True)


def test_removal_also_deletes_the_confirmation_of_a_closure_past_an_open_process(alpha):
    """Why a case closed while the police investigation was under way is free text that may name people (the
    person, the child, an officer), and who confirmed it names a LADO: both go with the rest."""
    case_id = make_case(alpha, today=TODAY, received_on=ALLEGED, concern_on=ALLEGED)
    with tenant_scope(alpha):
        case = db.session.get(LadoCase, case_id)
        rules.allocate(case, make_user_in(alpha), TODAY, actor_label="Lee Officer")
        rules.set_process(case, "police", "under_way", ALLEGED, None, "", TODAY)
        rules.record_outcome(case, "malicious", date(2025, 5, 1), "Admitted making it up", TODAY, Policy(),
                             actor_label="Lee Officer", confirm_open_processes=True,
                             open_processes_reason="Pat Example's trial for another matter is set for 2027")
    db.session.commit()
    case = load(alpha, case_id)
    assert case.closed_while_open_reason and case.closed_while_open_by == "Lee Officer"
    with tenant_scope(alpha):
        retention.remove_personal_data(db.session.get(LadoCase, case_id), TODAY, actor_label="Lee Officer")
    db.session.commit()
    case = load(alpha, case_id)
    assert (case.closed_while_open, case.closed_while_open_reason, case.closed_while_open_by,
            case.closed_while_open_at) == ([], "", "", None)
    assert case.allocated_to_id is None and case.allocated_at is None
    assert (case.kind, case.outcome, case.closed_on) == ("referral", "malicious", date(2025, 5, 1))


def make_user_in(tenant):
    from tests.helpers import make_user

    return make_user("lee@alpha.example", tenant, roles=("lado_officer", "practitioner"))


# -- the case page's retention section ------------------------------------------------------------------


def test_before_the_guidance_date_the_page_offers_keeping_and_says_why_it_cannot_remove(world, today):
    case_id = _substantiated_on_the_page(world, today)
    _reviewed_too_early(world, case_id, today)
    html = world.client("manager").get(f"/alpha/lado/cases/{case_id}").get_data(as_text=True)
    assert "Keep until 14 July 2047 or later" in html  # the hint of the Keep until field
    assert 'name="decision" value="remove"' not in html and 'name="confirm"' not in html
    words = " ".join(re.sub(r"<[^>]+>", "", html).split())
    assert "The personal data cannot be removed before 14 July 2047: the guidance keeps" in words
    assert 'name="decision" value="keep"' in html


def test_a_malicious_allegation_still_offers_removal_at_once(world, today):
    case_id = make_case(world.tenant, received_on=today - timedelta(days=30))
    outcome(world.tenant, case_id, "malicious", on=today - timedelta(days=1), note="Admitted")
    html = world.client("manager").get(f"/alpha/lado/cases/{case_id}").get_data(as_text=True)
    assert 'name="decision" value="remove"' in html and "cannot be removed before" not in html


def test_every_refusal_on_the_case_page_links_to_something_on_it(world, today):
    """A refused change is shown on the case page with an error summary; each of its links leads to the field,
    or, when the page no longer shows the form (the case changed meanwhile, or it never could), to the part of
    the page the refusal is about."""
    manager, officer = world.client("manager"), world.client("officer")
    early = _substantiated_on_the_page(world, today)
    _reviewed_too_early(world, early, today)
    url = f"/alpha/lado/cases/{early}"
    # removal before the guidance's date, whatever the review said
    assert links_lead_somewhere(form_post(manager, f"{url}/retention", {"decision": "remove", "confirm": "true"}))
    # a bad date, and no reason, on the form shown
    assert set(links_lead_somewhere(form_post(manager, f"{url}/retention", {
        "decision": "keep", **_dated("until", today + timedelta(days=300))}))) == {"until", "reason"}
    assert links_lead_somewhere(form_post(manager, f"{url}/retention", {"decision": "neither"}))
    # a record not yet due: no form on the page, as when someone else has just kept it
    later = _substantiated_on_the_page(world, today)
    for data in ({"decision": "keep", **_dated("until", today + timedelta(days=300)), "reason": "x"},
                 {"decision": "keep", "until-day": "31", "until-month": "2", "until-year": "2050", "reason": "x"},
                 {"decision": "remove"}):
        assert links_lead_somewhere(form_post(manager, f"/alpha/lado/cases/{later}/retention", data))
    # a malicious allegation is removed, not kept
    malicious = make_case(world.tenant, received_on=today - timedelta(days=30))
    outcome(world.tenant, malicious, "malicious", on=today - timedelta(days=1), note="Admitted")
    assert links_lead_somewhere(form_post(manager, f"/alpha/lado/cases/{malicious}/retention", {
        "decision": "keep", **_dated("until", date(2050, 1, 1)), "reason": "Asked"}))
    # once removed, no form is shown: changes are refused with a link to their section
    assert form_post(manager, f"/alpha/lado/cases/{malicious}/retention",
                     {"decision": "remove", "confirm": "true"}).status_code == 302
    gone = f"/alpha/lado/cases/{malicious}"
    for path, data in (("notes", {"note_text": "x", **_dated("happened_on", today)}),
                       ("employer-actions", {"action": "suspension", **_dated("taken_on", today)}),
                       ("processes", {"process_kind": "police", "process_status": "under_way"}),
                       ("allocation", {}),
                       ("retention", {"decision": "remove", "confirm": "true"})):
        assert links_lead_somewhere(form_post(officer if path != "retention" else manager, f"{gone}/{path}", data))
    # a consultation closed meanwhile, and a referral that has had its meeting
    consultation = make_case(world.tenant, kind="consultation", received_on=today)
    closing = {"advice": "Advice", **_dated("closed_on", today)}
    assert form_post(officer, f"/alpha/lado/cases/{consultation}/closure", closing).status_code == 302
    assert links_lead_somewhere(form_post(officer, f"/alpha/lado/cases/{consultation}/closure", closing))
    met = make_case(world.tenant, received_on=today)
    with tenant_scope(world.tenant):
        rules.record_meeting(db.session.get(LadoCase, met), "initial", today, ["LADO"], "Decided", "", None, today)
    db.session.commit()
    assert links_lead_somewhere(form_post(officer, f"/alpha/lado/cases/{met}/consultation", {"reason": "Not met"}))
