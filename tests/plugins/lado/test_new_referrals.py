"""A referral sent from outside the LADO service (the agency form, or the agency's API) is announced at once to
the LADO service of its local authority, by an email that names no one and carries none of the allegation;
it waits at the top of the case list, marked as new, until a LADO takes it on. A referral a LADO records is
theirs from the start."""

from __future__ import annotations

from datetime import timedelta

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from core.auth.services import user_by_email
from core.db import db
from core.mail.models import OutboxEmail
from core.plugins.services import enable_module, enabled_modules
from core.tenancy.isolation import tenant_scope
from plugins.lado import cases as rules
from plugins.lado.models import LadoCase
from tests.helpers import form_post
from tests.plugins.lado.conftest import api_token, authority, details, make_case

SERVICES = ["north=lado.north@example.org", "south=lado.south@example.org"]
# What the referral says that must never leave the platform by email.
CONFIDENTIAL = ("Pat Example", "Teaching assistant", "North Primary", "Grabbed", "pupil", "AB", "Practitioner")


def dated(prefix, day):
    return {f"{prefix}-day": str(day.day), f"{prefix}-month": str(day.month), f"{prefix}-year": str(day.year)}


def form(world, today, la="north") -> dict:
    with tenant_scope(world.tenant):
        la_id = str(authority(la).id)
    return {"local_authority_id": la_id, **dated("concern_on", today - timedelta(days=1)),
            "harm_criteria": ["harmed"], "category": "physical", "summary": "Grabbed a pupil's arm",
            "person_name": "Pat Example", "person_role": "Teaching assistant", "person_employer": "North Primary",
            "employer_sector": "education", "employment_type": "paid", "referring_sector": "education",
            "child-1-initials": "AB", "child-1-age": "9", "child-1-gender": "girl"}


def configure(world, **settings) -> None:
    enable_module(world.tenant, "lado", settings)
    db.session.commit()


def outbox(world) -> list[OutboxEmail]:
    db.session.commit()
    with tenant_scope(world.tenant):
        return db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()


def only_case(world) -> LadoCase:
    db.session.commit()
    with tenant_scope(world.tenant):
        return db.session.scalars(select(LadoCase)).one()


def assert_says_nothing_of_the_case(email: OutboxEmail) -> None:
    for text in CONFIDENTIAL:
        assert text not in email.subject and text not in email.body_text, text


def test_a_referral_from_the_form_is_announced_to_its_authoritys_lado_service(world, today):
    configure(world, service_emails=SERVICES)
    response = form_post(world.client("practitioner"), "/alpha/lado/referrals/new", form(world, today))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    case = only_case(world)
    [email] = outbox(world)
    assert email.to_address == "lado.north@example.org"
    assert "new referral" in email.subject.lower()
    assert case.reference in email.body_text
    assert "/alpha/lado/cases/" in email.body_text
    assert_says_nothing_of_the_case(email)


def test_without_an_address_the_lado_officers_of_that_authority_are_told(world, today):
    form_post(world.client("lead"), "/alpha/lado/referrals/new", form(world, today, la="south"))
    assert only_case(world).local_authority_id is not None
    # "officer" works for every authority, "south" for South; "north" is not told of South's referral.
    assert sorted(e.to_address for e in outbox(world)) == ["officer@alpha.example", "south@alpha.example"]


def test_a_referral_through_the_agency_api_is_announced_too(world, today):
    configure(world, service_emails=SERVICES)
    body = {"local_authority": "south", "harm_criteria": ["harmed"], "category": "physical",
            "summary": "Grabbed a pupil's arm", "person_name": "Pat Example", "person_role": "Teaching assistant",
            "employer_sector": "education", "referring_sector": "education"}
    sent = world.app.test_client().post("/api/v1/alpha/lado/referrals", json=body, headers=api_token(world, "practitioner"))
    assert sent.status_code == 201, sent.get_json()
    [email] = outbox(world)
    assert email.to_address == "lado.south@example.org"
    assert_says_nothing_of_the_case(email)


def test_a_referral_a_lado_records_is_theirs_and_announces_nothing(world, today):
    configure(world, service_emails=SERVICES)
    data = {"kind": "referral", **dated("received_on", today), "referrer_name": "Dee Lead", **form(world, today)}
    response = form_post(world.client("officer"), "/alpha/lado/cases/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    case = only_case(world)
    assert case.allocated_to_id == user_by_email("officer@alpha.example").id
    assert not case.awaiting_allocation
    assert outbox(world) == []


def test_a_refused_referral_announces_nothing(world, today):
    configure(world, service_emails=SERVICES)
    response = form_post(world.client("practitioner"), "/alpha/lado/referrals/new",
                         {**form(world, today), "harm_criteria": []})
    assert response.status_code == 400
    assert outbox(world) == []


def rows_of(html: str) -> list[str]:
    body = html.split('data-testid="cases"', 1)[1].split("<tbody", 1)[1].split("</tbody>", 1)[0]
    return body.split("<tr")[1:]


def test_new_referrals_wait_at_the_top_of_the_list_marked_until_a_lado_takes_them(world, today):
    with tenant_scope(world.tenant):
        sent = rules.create_case(kind="referral", local_authority=authority("north"), received_on=today - timedelta(3),
                                 today=today, details=details(), children=[], source="agency_form")
        sent_ref, sent_id = sent.reference, sent.id
    db.session.commit()
    for i in range(30):  # newer cases, recorded by the LADOs: by date the new referral would be on page 2
        make_case(world.tenant, person_name=f"Person {i}", received_on=today)
    client = world.client("officer")
    html = client.get("/alpha/lado/cases/").get_data(as_text=True)
    first = rows_of(html)[0]
    assert sent_ref in first and "New referral" in first
    assert html.count("New referral") == 1
    # A LADO limited to the other authority does not see it at all.
    assert sent_ref not in world.client("south").get("/alpha/lado/cases/").get_data(as_text=True)

    taken = form_post(client, f"/alpha/lado/cases/{sent_id}/allocation")
    assert taken.status_code == 302
    case = only_case_by_id(world, sent_id)
    assert case.allocated_to_id == user_by_email("officer@alpha.example").id and not case.awaiting_allocation
    html = client.get("/alpha/lado/cases/").get_data(as_text=True)
    assert "New referral" not in html and sent_ref not in rows_of(html)[0]
    assert "Allocated to" in client.get(f"/alpha/lado/cases/{sent_id}").get_data(as_text=True)
    # Taking a case is case work: not for a LADO manager, who reads but does not manage.
    assert form_post(world.client("manager"), f"/alpha/lado/cases/{sent_id}/allocation").status_code == 403


def only_case_by_id(world, case_id) -> LadoCase:
    db.session.commit()
    with tenant_scope(world.tenant):
        return db.session.get(LadoCase, case_id)


def test_the_dashboard_panel_counts_referrals_waiting_for_a_lado(world, today):
    form_post(world.client("practitioner"), "/alpha/lado/referrals/new", form(world, today))
    assert "1 new referral waiting for a LADO" in world.client("officer").get("/alpha/").get_data(as_text=True)


def test_service_addresses_are_checked_and_may_be_typed_in_one_box(world):
    configure(world, service_emails="north = lado.north@example.org, south=lado.south@example.org")
    assert enabled_modules(world.tenant)["lado"]["service_emails"] == SERVICES
    with pytest.raises(ValidationError) as refused:
        enable_module(world.tenant, "lado", {"service_emails": ["north=not-an-address"]})
    assert "service_emails" in refused.value.messages
    db.session.rollback()
    with pytest.raises(ValidationError) as refused:
        enable_module(world.tenant, "lado", {"service_emails": ["north=a@example.org", "north=b@example.org"]})
    assert "service_emails" in refused.value.messages
    db.session.rollback()
    with pytest.raises(ValidationError) as refused:
        enable_module(world.tenant, "lado", {"service_emails": ["west=lado@example.org"]})
    assert "west" in str(refused.value.messages["service_emails"])
    db.session.rollback()


def test_the_api_says_who_has_the_case(world, today):
    headers = api_token(world, "officer")
    api = world.app.test_client()
    body = {"kind": "referral", "local_authority": "north", "received_on": today.isoformat(), **details()}
    created = api.post("/api/v1/alpha/lado/cases", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    assert (created.get_json()["allocated_to"], created.get_json()["awaiting_allocation"]) == ("Officer", False)
    with tenant_scope(world.tenant):
        sent = rules.create_case(kind="referral", local_authority=authority("north"), received_on=today, today=today,
                                 details=details(), children=[], source="agency_form")
        sent_id = sent.id
    db.session.commit()
    answer = api.get(f"/api/v1/alpha/lado/cases/{sent_id}", headers=headers).get_json()
    assert (answer["allocated_to"], answer["awaiting_allocation"]) == (None, True)
