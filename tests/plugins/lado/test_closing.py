"""Closing a case while a parallel process (the police investigation, a children's social care enquiry, the
employer's disciplinary process) is still under way: refused unless the LADO confirms it and says why; the
confirmation is kept on the case (who, when, why), in its record and in the audit log, by the rules, the
pages and the API alike."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.db import db
from core.tenancy.isolation import tenant_scope
from plugins.lado import cases as rules
from plugins.lado.models import LadoCase
from plugins.lado.retention import Policy
from tests.helpers import form_post
from tests.plugins.lado.conftest import api_token, change, load, make_case

TODAY = date(2025, 6, 2)
RECEIVED = date(2025, 5, 1)
BASE = "/api/v1/alpha/lado"


@pytest.fixture
def referral(alpha):
    return make_case(alpha, today=TODAY, received_on=RECEIVED)


def process(kind="police", status="under_way", concluded=None):
    return lambda case: rules.set_process(case, kind, status, date(2025, 5, 2) if status != "not_needed" else None,
                                          concluded, "", TODAY)


def close(**more):
    return lambda case: rules.record_outcome(case, "unsubstantiated", TODAY, "", TODAY, Policy(),
                                             actor_label="Lee LADO", **more)


def test_an_outcome_is_refused_while_the_police_investigation_is_under_way(alpha, referral):
    change(alpha, referral, process())
    errors = change(alpha, referral, close())
    assert set(errors) == {"confirm_open_processes"}
    assert "Police investigation" in errors["confirm_open_processes"]
    case = load(alpha, referral)
    assert (case.status, case.outcome, case.closed_on) == ("open", "", None)


def test_confirming_needs_a_reason(alpha, referral):
    change(alpha, referral, process())
    errors = change(alpha, referral, close(confirm_open_processes=True, open_processes_reason="  "))
    assert set(errors) == {"open_processes_reason"}
    assert load(alpha, referral).status == "open"


def test_a_confirmed_closure_records_who_when_and_why(alpha, referral):
    change(alpha, referral, process())
    change(alpha, referral, process("disciplinary"))
    reason = "The police expect no charging decision for a year; the employer's evidence is enough"
    assert change(alpha, referral, close(confirm_open_processes=True, open_processes_reason=reason)) is None
    case = load(alpha, referral)
    assert (case.status, case.outcome) == ("closed", "unsubstantiated")
    assert case.closed_while_open == ["disciplinary", "police"]
    assert (case.closed_while_open_by, case.closed_while_open_reason) == ("Lee LADO", reason)
    assert case.closed_while_open_at is not None
    assert any("under way" in e.text and reason in e.text for e in case.entries)
    with tenant_scope(alpha):
        event = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "lado.case.closed_with_open_processes")).one()
    assert event.object_id == str(referral) and event.details["processes"] == ["disciplinary", "police"]
    assert reason not in str(event.details) and reason not in event.summary  # the audit log names no one


def test_processes_concluded_or_not_needed_do_not_hold_a_case_open(alpha, referral):
    change(alpha, referral, process(status="concluded", concluded=date(2025, 5, 30)))
    change(alpha, referral, process("social_care", "not_needed"))
    assert change(alpha, referral, close()) is None
    case = load(alpha, referral)
    assert (case.status, case.closed_while_open, case.closed_while_open_reason) == ("closed", [], "")


def test_the_employers_disciplinary_process_is_a_parallel_process(alpha, referral):
    assert change(alpha, referral, process("disciplinary")) is None
    assert [p.kind_label for p in load(alpha, referral).processes] == ["Employer's disciplinary process"]
    assert "Employer's disciplinary process" in change(alpha, referral, close())["confirm_open_processes"]


def test_a_consultation_is_not_closed_past_an_open_process_either(alpha):
    consultation = make_case(alpha, kind="consultation", today=TODAY, received_on=RECEIVED)
    change(alpha, consultation, process("social_care"))

    def close_consultation(**more):
        return lambda case: rules.close_consultation(case, "Advice given", TODAY, TODAY, Policy(), **more)

    assert set(change(alpha, consultation, close_consultation())) == {"confirm_open_processes"}
    assert change(alpha, consultation, close_consultation(confirm_open_processes=True,
                                                          open_processes_reason="Only advice was asked")) is None
    assert load(alpha, consultation).closed_while_open == ["social_care"]


def test_correcting_an_outcome_once_the_process_has_concluded_needs_no_confirmation(alpha, referral):
    change(alpha, referral, process())
    change(alpha, referral, close(confirm_open_processes=True, open_processes_reason="Long police delay"))
    change(alpha, referral, process(status="concluded", concluded=date(2025, 6, 1)))
    assert change(alpha, referral, lambda c: rules.record_outcome(c, "substantiated", TODAY, "", TODAY,
                                                                  Policy())) is None
    case = load(alpha, referral)
    assert (case.outcome, case.closed_while_open) == ("substantiated", [])
    assert any("Long police delay" in e.text for e in case.entries)  # the record keeps what was confirmed


# -- the API and the pages -------------------------------------------------------------------------------


def test_the_api_refuses_then_accepts_a_confirmed_closure(world, today):
    case_id = make_case(world.tenant, received_on=today - timedelta(days=3))
    with tenant_scope(world.tenant):
        rules.set_process(db.session.get(LadoCase, case_id), "police", "under_way", None, None, "", today)
    db.session.commit()
    api = world.app.test_client()
    headers = api_token(world, "officer")
    body = {"outcome": "unsubstantiated", "outcome_on": today.isoformat()}
    refused = api.post(f"{BASE}/cases/{case_id}/outcome", json=body, headers=headers)
    assert refused.status_code == 422
    assert "Police investigation" in refused.get_json()["errors"]["json"]["confirm_open_processes"][0]
    assert load(world.tenant, case_id).status == "open"
    accepted = api.post(f"{BASE}/cases/{case_id}/outcome", headers=headers, json={
        **body, "confirm_open_processes": True, "open_processes_reason": "Charging decision months away"})
    assert accepted.status_code == 200, accepted.get_json()
    answer = accepted.get_json()
    assert answer["status"] == "closed"
    assert answer["closed_while_open"]["processes"] == ["police"]
    assert answer["closed_while_open"]["reason"] == "Charging decision months away"
    assert answer["closed_while_open"]["by"] == "Officer"


def dated(prefix, day):
    return {f"{prefix}-day": str(day.day), f"{prefix}-month": str(day.month), f"{prefix}-year": str(day.year)}


def test_the_outcome_page_asks_for_the_confirmation(world, today):
    case_id = make_case(world.tenant, received_on=today - timedelta(days=3))
    with tenant_scope(world.tenant):
        rules.set_process(db.session.get(LadoCase, case_id), "police", "under_way", None, None, "", today)
    db.session.commit()
    client = world.client("officer")
    form = client.get(f"/alpha/lado/cases/{case_id}/outcome").get_data(as_text=True)
    assert "Police investigation" in form and 'name="confirm_open_processes"' in form
    data = {"outcome": "unsubstantiated", **dated("outcome_on", today)}
    refused = form_post(client, f"/alpha/lado/cases/{case_id}/outcome", data)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "govuk-error-summary" in html and 'href="#confirm_open_processes"' in html
    assert load(world.tenant, case_id).status == "open"
    done = form_post(client, f"/alpha/lado/cases/{case_id}/outcome", {
        **data, "confirm_open_processes": "true", "open_processes_reason": "Charging decision months away"})
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    shown = client.get(f"/alpha/lado/cases/{case_id}").get_data(as_text=True)
    assert "Closed while under way" in shown and "Charging decision months away" in shown


def test_the_consultation_form_on_the_case_page_asks_for_it_too(world, today):
    case_id = make_case(world.tenant, kind="consultation", received_on=today - timedelta(days=3))
    with tenant_scope(world.tenant):
        rules.set_process(db.session.get(LadoCase, case_id), "social_care", "under_way", None, None, "", today)
    db.session.commit()
    client = world.client("officer")
    assert 'name="confirm_open_processes"' in client.get(f"/alpha/lado/cases/{case_id}").get_data(as_text=True)
    data = {"advice": "Follow the code of conduct", **dated("closed_on", today)}
    refused = form_post(client, f"/alpha/lado/cases/{case_id}/closure", data)
    assert refused.status_code == 400 and 'href="#confirm_open_processes"' in refused.get_data(as_text=True)
    assert "Follow the code of conduct" in refused.get_data(as_text=True)  # what was typed is kept
    done = form_post(client, f"/alpha/lado/cases/{case_id}/closure", {
        **data, "confirm_open_processes": "true", "open_processes_reason": "Advice only; the enquiry is theirs"})
    assert done.status_code == 302
    assert load(world.tenant, case_id).closed_while_open == ["social_care"]
