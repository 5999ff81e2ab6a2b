"""The LADO API: cases (list with filters, create, read, update, outcome, conversion, meetings), an agency's
own referrals, errors that name the field, and no server error whatever comes in."""

from __future__ import annotations

from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from core.auth.services import create_api_token, user_by_email
from core.db import db
from core.tenancy.isolation import tenant_scope
from tests.helpers import bearer
from tests.plugins.lado.conftest import load, make_case

BASE = "/api/v1/alpha/lado"


def token(world, who: str) -> dict:
    with tenant_scope(world.tenant):
        _t, plain = create_api_token(user_by_email(f"{who}@alpha.example"), "test")
    db.session.commit()
    return bearer(plain)


def referral_body(today, **more) -> dict:
    return {"kind": "referral", "local_authority": "north", "received_on": today.isoformat(),
            "concern_on": (today - timedelta(days=1)).isoformat(), "harm_criteria": ["harmed"], "category": "physical",
            "summary": "Grabbed a pupil's arm", "person_name": "Pat Example", "person_role": "Teaching assistant",
            "employer_sector": "education", "referring_sector": "education", "referrer_agency": "school",
            "children": [{"initials": "AB", "age": 9, "gender": "girl"}], **more}


@pytest.fixture
def api(world):
    return world.app.test_client()


def test_create_read_update_and_record_an_outcome(world, api, today):
    headers = token(world, "officer")
    created = api.post(f"{BASE}/cases", json=referral_body(today), headers=headers)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["reference"] == f"LADO-NBC-{today.year}-0001" and body["source"] == "api"
    assert body["referrer_agency"]["key"] == "school" and body["children"] == [{"initials": "AB", "age": 9, "gender": "girl"}]
    assert body["timeliness"]["concern_to_contact_working_days"] in (0, 1)
    case_id = body["id"]

    read = api.get(f"{BASE}/cases/{case_id}", headers=headers).get_json()
    assert read["record"][0]["text"] == "Referral received through the API"

    changed = api.patch(f"{BASE}/cases/{case_id}", json={"person_role": "Cover supervisor"}, headers=headers)
    assert changed.status_code == 200 and changed.get_json()["person_role"] == "Cover supervisor"
    assert changed.get_json()["children"] == body["children"]  # not given: kept

    closed = api.post(f"{BASE}/cases/{case_id}/outcome", headers=headers, json={
        "outcome": "unsubstantiated", "outcome_on": today.isoformat(), "dbs_referred_on": today.isoformat()})
    assert closed.status_code == 200, closed.get_json()
    assert (closed.get_json()["status"], closed.get_json()["outcome"]) == ("closed", "unsubstantiated")
    assert closed.get_json()["review_on"] is not None


def test_errors_name_the_field_and_the_reason(world, api, today):
    headers = token(world, "officer")
    refused = api.post(f"{BASE}/cases", json=referral_body(today, harm_criteria=[], category=""), headers=headers)
    assert refused.status_code == 422
    errors = refused.get_json()["errors"]["json"]
    assert set(errors) == {"harm_criteria", "category"}
    assert api.post(f"{BASE}/cases", json=referral_body(today, local_authority="atlantis"),
                    headers=headers).status_code == 422
    assert api.post(f"{BASE}/cases", json=referral_body(today, referrer_agency="nobody"), headers=headers).get_json()[
        "errors"]["json"] == {"referrer_agency": ["no agency with this key in the partnership"]}
    bad_kind = api.post(f"{BASE}/cases", json=referral_body(today, kind="rumour"), headers=headers)
    assert bad_kind.status_code == 422 and "kind" in bad_kind.get_json()["errors"]["json"]
    case_id = make_case(world.tenant)
    wrong = api.post(f"{BASE}/cases/{case_id}/outcome", json={"outcome": "malicious", "outcome_on": today.isoformat()},
                     headers=headers)
    assert wrong.status_code == 422 and "outcome_note" in wrong.get_json()["errors"]["json"]


def test_filters_and_pages(world, api, today):
    headers = token(world, "officer")
    make_case(world.tenant, person_name="Alex", received_on=today - timedelta(days=70))
    make_case(world.tenant, kind="consultation", la="south")
    listed = api.get(f"{BASE}/cases?kind=referral", headers=headers)
    assert [c["person_name"] for c in listed.get_json()] == ["Alex"] and listed.get_json()[0]["overdue"] is True
    assert len(api.get(f"{BASE}/cases?local_authority=south", headers=headers).get_json()) == 1
    assert [c["person_name"] for c in api.get(f"{BASE}/cases?flag=overdue", headers=headers).get_json()] == ["Alex"]
    assert api.get(f"{BASE}/cases?q=ale", headers=headers).get_json()[0]["person_name"] == "Alex"
    assert api.get(f"{BASE}/cases?local_authority=atlantis", headers=headers).status_code == 422
    paged = api.get(f"{BASE}/cases?page=1&page_size=1", headers=headers)
    assert len(paged.get_json()) == 1 and '"total": 2' in paged.headers["X-Pagination"]


def test_conversion_and_meetings(world, api, today):
    headers = token(world, "officer")
    case_id = make_case(world.tenant, kind="consultation", person_name="Pat", person_role="Coach",
                        received_on=today - timedelta(days=2))
    refused = api.post(f"{BASE}/cases/{case_id}/meetings", headers=headers, json={
        "kind": "initial", "held_on": today.isoformat(), "attendees": ["LADO"], "decisions": "Wait"})
    assert refused.status_code == 422
    converted = api.post(f"{BASE}/cases/{case_id}/conversion", headers=headers, json={
        "referred_on": today.isoformat(), "harm_criteria": ["risk"], "category": "emotional", "reason": "New report"})
    assert converted.status_code == 200 and converted.get_json()["kind"] == "referral"
    added = api.post(f"{BASE}/cases/{case_id}/meetings", headers=headers, json={
        "kind": "initial", "held_on": today.isoformat(), "attendees": ["Lee, LADO", "Sam, police"],
        "decisions": "Police to investigate", "next_review_on": (today + timedelta(days=14)).isoformat()})
    assert added.status_code == 201, added.get_json()
    meetings = api.get(f"{BASE}/cases/{case_id}/meetings", headers=headers).get_json()
    assert [(m["kind"], m["attendees"]) for m in meetings] == [("initial", ["Lee, LADO", "Sam, police"])]
    assert load(world.tenant, case_id).meetings[0].decisions == "Police to investigate"


def test_an_agency_refers_through_the_api_and_sees_only_its_own(world, api, today):
    headers = token(world, "practitioner")
    body = referral_body(today)
    for name in ("kind", "received_on", "referrer_agency"):
        body.pop(name)
    sent = api.post(f"{BASE}/referrals", json=body, headers=headers)
    assert sent.status_code == 201, sent.get_json()
    assert set(sent.get_json()) == {"reference", "local_authority", "submitted_on", "status"}
    assert sent.get_json()["status"] == "with the LADO"
    make_case(world.tenant)  # someone else's
    mine = api.get(f"{BASE}/referrals", headers=headers).get_json()
    assert [r["reference"] for r in mine] == [sent.get_json()["reference"]]
    assert api.get(f"{BASE}/cases", headers=headers).status_code == 403
    assert api.post(f"{BASE}/referrals", json={**body, "harm_criteria": []}, headers=headers).status_code == 422


def test_the_lado_api_answers_any_input_without_a_server_error(world):
    headers = token(world, "officer")
    case_id = make_case(world.tenant)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", world.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if op.path.startswith("/api/v1/{tenant_slug}/lado/")]
    assert len(operations) >= 9
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck))
            def exercise(case):
                case.path_parameters = {**(case.path_parameters or {}), "tenant_slug": "alpha"}
                if "lado_case_id" in case.path_parameters:
                    case.path_parameters["lado_case_id"] = case_id
                response = case.call(headers=headers)
                case.validate_response(response, checks=[not_a_server_error])

            exercise()
