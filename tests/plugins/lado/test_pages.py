"""The LADO's pages: recording a contact, the case file and its forms, converting, meetings, the outcome,
retention, the list with its filters and downloads, the figures, an agency's referral form, the dashboard
panel, and a fixed number of queries whatever the number of cases."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.db import db
from core.tenancy.isolation import tenant_scope
from plugins.lado.models import LadoCase
from tests.helpers import count_queries, form_post
from tests.plugins.lado.conftest import authority, links_lead_somewhere, load, make_case, outcome


def page(response) -> str:
    return response.get_data(as_text=True)


def dated(prefix: str, day) -> dict:
    return {f"{prefix}-day": str(day.day), f"{prefix}-month": str(day.month), f"{prefix}-year": str(day.year)}


def north_id(world) -> str:
    with tenant_scope(world.tenant):
        return str(authority("north").id)


def referral_form(world, today, **more) -> dict:
    return {"kind": "referral", "local_authority_id": north_id(world), **dated("received_on", today),
            **dated("concern_on", today - timedelta(days=1)), "harm_criteria": ["harmed", "risk"], "category": "physical",
            "summary": "Grabbed a pupil's arm", "person_name": "Pat Example", "person_role": "Teaching assistant",
            "person_employer": "North Primary", "employer_sector": "education", "employment_type": "paid",
            "referring_sector": "education", "referrer_name": "Dee Lead", "child-1-initials": "ab", "child-1-age": "9",
            "child-1-gender": "girl", **more}


def cases_in(world) -> list[LadoCase]:
    db.session.commit()
    with tenant_scope(world.tenant):
        return db.session.scalars(select(LadoCase).order_by(LadoCase.id)).all()


def test_an_officer_records_a_referral(world, today):
    client = world.client("officer")
    form = client.get("/alpha/lado/cases/new?kind=referral")
    assert form.status_code == 200 and "Record a contact with the LADO" in page(form)
    response = form_post(client, "/alpha/lado/cases/new", referral_form(world, today))
    assert response.status_code == 302, page(response)[:2000]
    [case] = cases_in(world)
    assert response.location.endswith(f"/alpha/lado/cases/{case.id}")
    assert (case.kind, case.harm_criteria, case.reference) == ("referral", ["harmed", "risk"],
                                                              f"LADO-NBC-{today.year}-0001")
    shown = page(client.get(f"/alpha/lado/cases/{case.id}"))
    for text in (case.reference, "Pat Example", "Teaching assistant", "Grabbed a pupil&#39;s arm", "AB",
                 "Behaved in a way that has harmed a child", "Referral received"):
        assert text in shown, text


def test_a_form_with_problems_shows_every_one_and_keeps_what_was_typed(world, today):
    client = world.client("officer")
    response = form_post(client, "/alpha/lado/cases/new", referral_form(
        world, today, harm_criteria=[], category="", **dated("received_on", today + timedelta(days=3)),
        **{"child-1-age": "nine", "person_born_on-day": "31", "person_born_on-month": "2", "person_born_on-year": "1980"}))
    assert response.status_code == 400
    html = page(response)
    assert "There is a problem" in html
    for message, anchor in (("The date of the contact cannot be in the future", "received_on"),
                            ("Choose at least one harm test criterion", "harm_criteria"),
                            ("Choose the category of the allegation", "category"),
                            ("Child 1&#39;s age must be a whole number from 0 to 17", "child-1-age"),
                            ("The date of birth must be a real date", "person_born_on")):
        assert message in html and f'href="#{anchor}"' in html, message
    assert 'value="Pat Example"' in html
    assert cases_in(world) == []


def test_a_consultation_is_converted_on_its_page(world, today):
    client = world.client("officer")
    case_id = make_case(world.tenant, kind="consultation", person_name="Pat", person_role="Coach")
    assert "Convert to a referral" in page(client.get(f"/alpha/lado/cases/{case_id}"))
    refused = form_post(client, f"/alpha/lado/cases/{case_id}/conversion", {**dated("referred_on", today)})
    assert refused.status_code == 400 and "Choose at least one harm test criterion" in page(refused)
    done = form_post(client, f"/alpha/lado/cases/{case_id}/conversion", {
        **dated("referred_on", today), "harm_criteria": "unsuitable", "category": "suitability",
        "reason": "Police shared a conviction"})
    assert done.status_code == 302
    case = load(world.tenant, case_id)
    assert (case.kind, case.referred_on) == ("referral", today)


def test_meetings_employer_actions_processes_notes_and_the_outcome(world, today):
    client = world.client("officer")
    case_id = make_case(world.tenant, received_on=today - timedelta(days=3))
    url = f"/alpha/lado/cases/{case_id}"
    assert client.get(f"{url}/meetings/new").status_code == 200
    assert form_post(client, f"{url}/meetings/new", {"kind": "initial", **dated("held_on", today),
                                                      "attendees": "Lee, LADO\nSam, head teacher",
                                                      "decisions": "Police to investigate"}).status_code == 302
    assert form_post(client, f"{url}/employer-actions", {"action": "suspension", **dated("taken_on", today)}).status_code == 302
    assert form_post(client, f"{url}/processes", {"process_kind": "police", "process_status": "under_way",
                                                  **dated("started_on", today)}).status_code == 302
    assert form_post(client, f"{url}/notes", {"note_text": "Called the school", **dated("happened_on", today)}).status_code == 302
    refused = form_post(client, f"{url}/notes", {"note_text": "", **dated("happened_on", today)})
    assert refused.status_code == 400 and "Enter the note" in page(refused)
    refused = form_post(client, f"{url}/outcome", {"outcome": "malicious", **dated("outcome_on", today)})
    assert refused.status_code == 400 and "Describe the evidence of a deliberate act to deceive" in page(refused)
    # The police investigation is still under way: closing needs the LADO's confirmation and a reason.
    refused = form_post(client, f"{url}/outcome", {"outcome": "substantiated", **dated("outcome_on", today)})
    assert refused.status_code == 400 and "Still under way: Police investigation" in page(refused)
    assert form_post(client, f"{url}/outcome", {"outcome": "substantiated", **dated("outcome_on", today),
                                                **dated("dbs_referred_on", today), "confirm_open_processes": "true",
                                                "open_processes_reason": "Admitted; charging decision far off"}
                     ).status_code == 302
    shown = page(client.get(url))
    for text in ("Initial allegation management meeting", "Sam, head teacher", "Suspended", "Police investigation",
                 "Under way", "Called the school", "Substantiated", "There is sufficient evidence to prove the allegation",
                 "Disclosure and Barring Service: referred on", "Resolved within 1 month",
                 "<strong>Substantiated</strong>: There is sufficient"):
        assert text in shown, text


def test_a_consultation_is_closed_with_advice_and_a_weak_referral_kept_as_one(world, today):
    client = world.client("officer")
    consultation = make_case(world.tenant, kind="consultation")
    assert form_post(client, f"/alpha/lado/cases/{consultation}/closure",
                     {"advice": "Follow the code of conduct", **dated("closed_on", today)}).status_code == 302
    assert load(world.tenant, consultation).status == "closed"
    referral = make_case(world.tenant)
    assert form_post(client, f"/alpha/lado/cases/{referral}/consultation",
                     {"reason": "No child involved"}).status_code == 302
    assert load(world.tenant, referral).kind == "consultation"


def test_the_list_filters_and_searches(world, today):
    client = world.client("officer")
    make_case(world.tenant, person_name="Alex Overdue", received_on=today - timedelta(days=70))
    make_case(world.tenant, kind="consultation", la="south", person_name="Bo Advice")
    closed = make_case(world.tenant, person_name="Cy Closed", la="south")
    outcome(world.tenant, closed, "false")

    def listed(query=""):
        html = page(client.get(f"/alpha/lado/cases/{query}"))
        return {name for name in ("Alex Overdue", "Bo Advice", "Cy Closed") if name in html}

    assert listed() == {"Alex Overdue", "Bo Advice", "Cy Closed"}
    assert f'<a class="govuk-link" href="/alpha/lado/cases/{closed}">LADO-SBC-' in page(client.get("/alpha/lado/cases/"))
    assert listed("?kind=consultation") == {"Bo Advice"}
    assert listed("?status=closed") == {"Cy Closed"}
    assert listed("?la=south") == {"Bo Advice", "Cy Closed"}
    assert listed("?flag=overdue") == {"Alex Overdue"}
    assert listed("?q=overd") == {"Alex Overdue"}
    assert listed("?q=LADO-SBC") == {"Bo Advice", "Cy Closed"}
    assert listed("?q=100%25") == set()  # a LIKE wildcard is searched for, not obeyed
    bad = client.get("/alpha/lado/cases/?kind=rumour&la=atlantis")
    assert bad.status_code == 400 and "Choose a local authority from the list" in page(bad)
    assert "Open past 2 months" in page(client.get("/alpha/lado/cases/")) or "Open past 1 month" in page(
        client.get("/alpha/lado/cases/"))


def test_downloads_of_the_list_are_audited_case_by_case(world, today):
    client = world.client("officer")
    first = make_case(world.tenant, person_name="=HYPERLINK(\"x\")")
    make_case(world.tenant, la="south")
    response = client.get("/alpha/lado/cases.csv?la=north")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 2 and rows[1][0] == f"LADO-NBC-{today.year}-0001"
    assert rows[1][12] == "'=HYPERLINK(\"x\")"  # a formula stays text
    book = load_workbook(io.BytesIO(client.get("/alpha/lado/cases.xlsx").data))
    assert book.active.max_row == 3
    db.session.commit()
    with tenant_scope(world.tenant):
        exported = db.session.scalars(select(AuditEvent.object_id).where(AuditEvent.action == "lado.case.exported")).all()
    assert exported.count(str(first)) == 2 and len(exported) == 3
    assert client.get("/alpha/lado/cases.csv?flag=nonsense").status_code == 400


def test_retention_page_and_removal(world, today):
    officer, manager = world.client("officer"), world.client("manager")
    case_id = make_case(world.tenant, received_on=today - timedelta(days=30), person_name="Robin Malicious")
    outcome(world.tenant, case_id, "malicious", on=today - timedelta(days=1), note="Admitted")
    listing = page(manager.get("/alpha/lado/retention"))
    assert "Remove the personal data" in listing and f"LADO-NBC-{today.year}-0001" in listing
    # The officer reads the list but may not remove; the manager must confirm.
    assert form_post(officer, f"/alpha/lado/cases/{case_id}/retention", {"decision": "remove", "confirm": "true"}).status_code == 403
    refused = form_post(manager, f"/alpha/lado/cases/{case_id}/retention", {"decision": "remove"})
    assert refused.status_code == 400 and "Confirm that the personal data is to be removed" in page(refused)
    assert form_post(manager, f"/alpha/lado/cases/{case_id}/retention",
                     {"decision": "remove", "confirm": "true"}).status_code == 302
    shown = page(manager.get(f"/alpha/lado/cases/{case_id}"))
    assert "Robin Malicious" not in shown and "The personal data of this case was removed" in shown
    assert officer.get(f"/alpha/lado/cases/{case_id}/details").status_code == 409  # nothing left to change


def test_the_figures_page_draws_charts_with_tables_and_downloads(world, today):
    make_case(world.tenant, referring_sector="faith")
    client = world.client("bm")
    response = client.get("/alpha/lado/figures/")
    html = page(response)
    assert response.status_code == 200
    assert html.count("<svg") == 6 and 'role="img"' in html and "<table" in html
    assert "Faith organisations" in html
    assert "style=" not in html.split("<main", 1)[1]  # no inline styles: the content security policy forbids them
    assert "Pat Example" not in html and "LADO cases</a>" not in html
    assert client.get("/alpha/lado/figures/?year=19").status_code == 400
    assert client.get("/alpha/lado/figures/figures.csv").headers["Content-Type"].startswith("text/csv")
    assert client.get("/alpha/lado/figures/figures.xlsx").status_code == 200


def test_an_agency_refers_and_sees_only_the_reference_and_status(world, today):
    client = world.client("practitioner")
    form = client.get("/alpha/lado/referrals/new")
    assert form.status_code == 200 and "Refer an allegation to the LADO" in page(form)
    data = referral_form(world, today)
    for name in ("kind", "referrer_name", "received_on-day", "received_on-month", "received_on-year"):
        data.pop(name)
    response = form_post(client, "/alpha/lado/referrals/new", data)
    assert response.status_code == 302 and response.location.endswith("/alpha/lado/referrals/sent")
    [case] = cases_in(world)
    assert (case.source, case.received_on, case.referrer_name, case.referrer_contact) == (
        "agency_form", today, "Practitioner", "practitioner@alpha.example")
    with tenant_scope(world.tenant):
        assert db.session.get(LadoCase, case.id).referrer_agency.key == "school"
    sent = page(client.get("/alpha/lado/referrals/sent"))
    assert case.reference in sent and "Pat Example" not in sent
    mine = page(client.get("/alpha/lado/referrals/"))
    assert case.reference in mine and "With the LADO" in mine and "Pat Example" not in mine
    outcome(world.tenant, case.id, "substantiated")
    mine = page(client.get("/alpha/lado/referrals/"))
    assert "Closed" in mine and "Substantiated" not in mine
    assert client.get(f"/alpha/lado/cases/{case.id}").status_code == 403
    # Someone else's referral: not theirs to see, even by the confirmation page.
    other = world.client("lead")
    assert case.reference not in page(other.get("/alpha/lado/referrals/"))
    assert other.get("/alpha/lado/referrals/sent").status_code == 302


def test_the_agency_form_refuses_a_contact_that_does_not_meet_the_harm_test(world, today):
    client = world.client("lead")
    data = referral_form(world, today, harm_criteria=[])
    response = form_post(client, "/alpha/lado/referrals/new", data)
    assert response.status_code == 400 and "Choose at least one harm test criterion" in page(response)
    assert cases_in(world) == []


def test_the_module_front_door_sends_each_to_their_part(world):
    assert world.client("officer").get("/alpha/lado/").location.endswith("/alpha/lado/cases/")
    assert world.client("scrutineer").get("/alpha/lado/").location.endswith("/alpha/lado/figures/")
    assert world.client("practitioner").get("/alpha/lado/").location.endswith("/alpha/lado/referrals/")


def test_the_dashboard_panel_counts_the_officers_cases(world, today):
    make_case(world.tenant, received_on=today - timedelta(days=70))
    make_case(world.tenant, la="south")
    north = page(world.client("north").get("/alpha/"))
    assert "<strong>1</strong> open case" in north and "1 referral open past one month" in north
    assert "<strong>2</strong> open cases" in page(world.client("officer").get("/alpha/"))
    assert 'data-panel="LADO"' not in page(world.client("bm").get("/alpha/"))


def test_pages_make_the_same_number_of_queries_whatever_the_number_of_cases(world, today):
    client = world.client("officer")

    def add(n):
        first = cases_in(world)[0].id if cases_in(world) else None
        for i in range(n):
            case_id = make_case(world.tenant, person_name=f"Person {i}", children=[{"initials": "AB", "age": 5}],
                                received_on=today - timedelta(days=5))
            with tenant_scope(world.tenant):
                from plugins.lado import cases as rules

                case = db.session.get(LadoCase, case_id)
                rules.add_note(case, today, f"note {i}", today)
                rules.add_employer_action(case, "suspension", today, "", today)
                if first is not None:  # the case whose page is counted grows too
                    rules.add_note(db.session.get(LadoCase, first), today, f"more {i}", today)
                    rules.set_process(db.session.get(LadoCase, first), "police", "under_way", today, None, "", today)
            db.session.commit()

    def counts():
        first = cases_in(world)[0].id
        urls = ["/alpha/lado/cases/", f"/alpha/lado/cases/{first}", "/alpha/lado/retention", "/alpha/lado/figures/",
                "/alpha/", "/alpha/lado/cases.csv", f"/alpha/lado/cases/{first}/details"]
        out = {}
        for url in urls:
            client.get(url)
            with count_queries() as counter:
                assert client.get(url).status_code == 200, url
            out[url] = counter.n
        return out

    add(2)
    few = counts()
    add(30)
    many = counts()
    # The download writes an audit row per case: batched into one statement on PostgreSQL, not on SQLite.
    many.pop("/alpha/lado/cases.csv"), few.pop("/alpha/lado/cases.csv")
    assert many == few


def test_a_form_page_refused_for_the_state_of_its_case_links_to_something_on_it(world, today):
    """Sent from a page opened before the case changed (closed, converted, its data removed): the page comes back
    without its form, and the error summary leads to what it says instead."""
    officer = world.client("officer")
    closed = make_case(world.tenant, received_on=today - timedelta(days=3))
    outcome(world.tenant, closed, "false", on=today)
    consultation = make_case(world.tenant, kind="consultation", received_on=today)
    refused = {
        f"/alpha/lado/cases/{closed}/meetings/new": {"kind": "initial", **dated("held_on", today), "attendees": "LADO",
                                                     "decisions": "Decided", "next_review_on-day": "31",
                                                     "next_review_on-month": "2", "next_review_on-year": "2030"},
        f"/alpha/lado/cases/{consultation}/outcome": {"outcome": "false", **dated("outcome_on", today)},
        f"/alpha/lado/cases/{closed}/conversion": {"harm_criteria": ["harmed"], "category": "physical",
                                                   "reason": "New information"},
    }
    for url, data in refused.items():
        response = form_post(officer, url, data)
        assert links_lead_somewhere(response), url
        assert 'method="post" novalidate' not in page(response), url  # the form is not offered
