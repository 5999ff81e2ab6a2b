"""Case work: allegation management meetings, the employer's actions, parallel processes, notes, closing a
consultation and the outcome of a referral with what follows from it. Every change is in the case record
and in the audit log, which names the case but never the person."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.db import db
from core.tenancy.isolation import tenant_scope
from plugins.lado import cases as rules
from plugins.lado.models import OUTCOMES, LadoCase
from plugins.lado.retention import Policy
from tests.plugins.lado.conftest import change, load, make_case

TODAY = date(2025, 6, 2)
RECEIVED = date(2025, 5, 1)


@pytest.fixture
def referral(alpha):
    return make_case(alpha, today=TODAY, received_on=RECEIVED)


# -- meetings --------------------------------------------------------------------------------------------


def meeting(kind="initial", held=date(2025, 5, 2), attendees="LADO\nHead teacher", decisions="Police to look into it",
            next_review=None):
    return lambda case: rules.record_meeting(case, kind, held, attendees, decisions, "Head to send accounts",
                                             next_review, TODAY)


def test_an_initial_meeting_then_reviews(alpha, referral):
    assert change(alpha, referral, meeting(next_review=date(2025, 5, 16))) is None
    assert change(alpha, referral, meeting("initial")) == {
        "kind": "The initial meeting was held on 2 May 2025: record a review meeting"}
    assert change(alpha, referral, meeting("review", held=date(2025, 5, 16))) is None
    case = load(alpha, referral)
    assert [(m.kind, m.held_on, m.attendees) for m in case.meetings] == [
        ("initial", date(2025, 5, 2), ["LADO", "Head teacher"]), ("review", date(2025, 5, 16), ["LADO", "Head teacher"])]
    assert [e.text for e in case.entries][-1] == "Review meeting held (2 attended)"


def test_a_review_needs_an_initial_meeting_before_it(alpha, referral):
    assert change(alpha, referral, meeting("review")) == {"kind": "Record the initial meeting before a review meeting"}
    change(alpha, referral, meeting(held=date(2025, 5, 10)))
    assert "held_on" in change(alpha, referral, meeting("review", held=date(2025, 5, 9)))


def test_a_meeting_needs_people_decisions_and_a_sensible_date(alpha, referral):
    errors = change(alpha, referral, meeting(held=date(2025, 4, 30), attendees="  \n ", decisions="",
                                             next_review=date(2025, 4, 1)))
    assert set(errors) == {"held_on", "attendees", "decisions", "next_review_on"}
    assert "held_on" in change(alpha, referral, meeting(held=date(2025, 6, 3)))  # after today


def test_meetings_are_for_open_referrals(alpha, referral):
    consultation = make_case(alpha, kind="consultation", today=TODAY, received_on=RECEIVED)
    with tenant_scope(alpha):
        with pytest.raises(rules.CaseError, match="convert the consultation"):
            meeting()(db.session.get(LadoCase, consultation))
    change(alpha, referral, lambda c: rules.record_outcome(c, "false", TODAY, "", TODAY, Policy()))
    with tenant_scope(alpha):
        with pytest.raises(rules.CaseError, match="closed"):
            meeting()(db.session.get(LadoCase, referral))


# -- the employer, parallel processes, notes -------------------------------------------------------------


def test_the_employers_actions_in_date_order(alpha, referral):
    change(alpha, referral, lambda c: rules.add_employer_action(c, "redeployment", date(2025, 5, 9), "", TODAY))
    change(alpha, referral, lambda c: rules.add_employer_action(c, "suspension", date(2025, 5, 2), "", TODAY))
    assert [a.action for a in load(alpha, referral).employer_actions] == ["suspension", "redeployment"]
    assert change(alpha, referral, lambda c: rules.add_employer_action(c, "other", TODAY, "", TODAY)) == {
        "note": "Describe the action"}
    assert "action" in change(alpha, referral, lambda c: rules.add_employer_action(c, "sacked", TODAY, "", TODAY))


def test_a_parallel_process_is_one_row_per_kind_updated_as_it_goes(alpha, referral):
    change(alpha, referral, lambda c: rules.set_process(c, "police", "under_way", date(2025, 5, 2), None, "", TODAY))
    change(alpha, referral, lambda c: rules.set_process(c, "police", "concluded", date(2025, 5, 2), date(2025, 5, 30),
                                                        "No further action", TODAY))
    change(alpha, referral, lambda c: rules.set_process(c, "social_care", "not_needed", None, None, "", TODAY))
    processes = load(alpha, referral).processes
    assert [(p.kind, p.status, p.concluded_on) for p in processes] == [
        ("police", "concluded", date(2025, 5, 30)), ("social_care", "not_needed", None)]
    errors = change(alpha, referral, lambda c: rules.set_process(c, "police", "concluded", date(2025, 5, 20),
                                                                 date(2025, 5, 19), "", TODAY))
    assert set(errors) == {"concluded_on"}
    assert set(change(alpha, referral, lambda c: rules.set_process(c, "ofsted", "sideways", None, None, "", TODAY))) == {
        "process_kind", "process_status"}


def test_notes_go_in_the_chronological_record(alpha, referral):
    change(alpha, referral, lambda c: rules.add_note(c, date(2025, 5, 3), "Called the head teacher", TODAY,
                                                     actor_label="Lee LADO"))
    change(alpha, referral, lambda c: rules.add_note(c, date(2025, 5, 2), "Police called back", TODAY))
    entries = load(alpha, referral).entries
    assert [e.text for e in entries] == ["Referral received", "Police called back", "Called the head teacher"]
    assert entries[-1].author_label == "Lee LADO" and entries[-1].kind == "note"


# -- closing ---------------------------------------------------------------------------------------------


def test_a_consultation_closes_with_the_advice_given(alpha):
    case_id = make_case(alpha, kind="consultation", today=TODAY, received_on=RECEIVED)
    assert set(change(alpha, case_id, lambda c: rules.close_consultation(c, "", date(2025, 4, 1), TODAY, Policy()))) == {
        "advice", "closed_on"}
    change(alpha, case_id, lambda c: rules.close_consultation(c, "Follow your code of conduct", RECEIVED, TODAY, Policy()))
    case = load(alpha, case_id)
    assert (case.status, case.closed_on, case.outcome) == ("closed", RECEIVED, "")
    with tenant_scope(alpha):
        with pytest.raises(rules.CaseError, match="no outcome"):
            rules.record_outcome(db.session.get(LadoCase, case_id), "false", TODAY, "", TODAY, Policy())


@pytest.mark.parametrize("result", list(OUTCOMES))
def test_each_outcome_closes_the_referral(alpha, referral, result):
    note = "They admitted making it up" if result == "malicious" else ""
    assert change(alpha, referral, lambda c: rules.record_outcome(c, result, date(2025, 5, 20), note, TODAY, Policy())) is None
    case = load(alpha, referral)
    assert (case.status, case.closed_on, case.outcome) == ("closed", date(2025, 5, 20), result)
    assert case.review_on is not None


def test_an_outcome_date_between_the_referral_and_today(alpha, referral):
    for day in (date(2025, 4, 30), date(2025, 6, 3)):
        assert "outcome_on" in change(alpha, referral,
                                      lambda c, d=day: rules.record_outcome(c, "false", d, "", TODAY, Policy()))


def test_malicious_needs_the_evidence_of_deception(alpha, referral):
    assert change(alpha, referral, lambda c: rules.record_outcome(c, "malicious", TODAY, " ", TODAY, Policy())) == {
        "outcome_note": "Describe the evidence of a deliberate act to deceive"}


@pytest.mark.parametrize("result", ["false", "malicious", "unfounded"])
def test_no_dbs_or_regulator_referral_after_an_allegation_found_untrue(alpha, referral, result):
    errors = change(alpha, referral, lambda c: rules.record_outcome(
        c, result, TODAY, "deliberate", TODAY, Policy(), dbs_referred_on=TODAY, regulator="tra",
        regulator_referred_on=TODAY))
    assert set(errors) == {"dbs_referred_on", "regulator"}


@pytest.mark.parametrize("result", ["substantiated", "unsubstantiated"])
def test_dbs_and_regulator_referrals_after_substantiated_or_unsubstantiated(alpha, referral, result):
    assert change(alpha, referral, lambda c: rules.record_outcome(
        c, result, date(2025, 5, 20), "", TODAY, Policy(), dbs_referred_on=date(2025, 5, 21), regulator="tra",
        regulator_referred_on=date(2025, 5, 22), employer_learning="Safer recruitment training")) is None
    case = load(alpha, referral)
    assert (case.dbs_referred_on, case.regulator, case.regulator_referred_on, case.employer_learning) == (
        date(2025, 5, 21), "tra", date(2025, 5, 22), "Safer recruitment training")


def test_a_regulator_needs_its_date_and_a_date_its_regulator(alpha, referral):
    assert set(change(alpha, referral, lambda c: rules.record_outcome(
        c, "substantiated", TODAY, "", TODAY, Policy(), regulator="tra"))) == {"regulator_referred_on"}
    assert set(change(alpha, referral, lambda c: rules.record_outcome(
        c, "substantiated", TODAY, "", TODAY, Policy(), regulator_referred_on=TODAY))) == {"regulator"}


def test_the_audit_log_names_the_case_never_the_person(alpha, referral):
    change(alpha, referral, meeting())
    change(alpha, referral, lambda c: rules.add_note(c, TODAY, "Pat Example was upset", TODAY))
    change(alpha, referral, lambda c: rules.update_details(c, TODAY, {
        **{n: getattr(c, n) for n in rules.DETAIL_FIELDS if n != "referrer_agency"}, "referrer_agency": None,
        "person_name": "Pat Exampleton"}, [], policy=Policy()))
    change(alpha, referral, lambda c: rules.record_outcome(c, "substantiated", TODAY, "Pat admitted it", TODAY, Policy()))
    with tenant_scope(alpha):
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.startswith("lado."))).all()
    assert [e.action for e in events] == ["lado.referral.recorded", "lado.meeting.recorded", "lado.note.added",
                                          "lado.case.updated", "lado.outcome.recorded"]
    assert all(e.object_id == str(referral) for e in events)
    assert events[3].details == {"fields": ["person_name"]}
    for event in events:
        assert "Pat" not in event.summary + str(event.details), event.action
