"""The meetings API: the list with its filters and pages, one meeting with everything recorded of it, who
may read it, another partnership's ids, and a fixed number of queries."""

from __future__ import annotations

import json
from datetime import date

import pytest

from core.db import db
from core.structure import meetings as rules
from core.structure.models import Body, BodyMember, Meeting
from core.tenancy.isolation import tenant_scope
from tests.core.structure.test_meetings import add_body, add_meeting, add_seat, hold, london, pdf_bytes
from tests.helpers import bearer, count_queries, create_tenant, token_for


def seat_agency(seat_id: int):
    return db.session.get(BodyMember, seat_id).represents


@pytest.fixture
def alpha():
    return create_tenant("alpha")


@pytest.fixture
def board(alpha):
    return add_body(alpha, key="board", name="Executive Board")


def test_a_meeting_with_its_agenda_papers_minutes_decisions_actions_and_attendance(client, alpha, board):
    token = token_for(alpha, "scrutineer@alpha.example", "independent_scrutineer")
    police = add_seat(alpha, board, "police", "Detective Superintendent")
    scrutineer = add_seat(alpha, board, None, "Independent Scrutineer", role_holder="scrutineer")
    add_seat(alpha, board, "icb", "Chief Nurse", ends_on=date(2025, 1, 1))  # gone before the meeting
    meeting_id = add_meeting(alpha, board, london(2025, 6, 12))
    hold(alpha, meeting_id, {police: ("deputy", "DI Jones"), scrutineer: "present"})
    with tenant_scope(alpha):
        meeting = db.session.get(Meeting, meeting_id)
        rules.add_agenda_item(meeting, "Annual report", "Chair")
        rules.add_paper(meeting, "Draft report", "report.pdf", pdf_bytes())
        rules.save_minutes(meeting, "Agreed the report.")
        rules.approve_minutes(meeting, date(2025, 7, 1))
        db.session.commit()
        meeting = db.session.get(Meeting, meeting_id)
        rules.reopen_minutes(meeting, "typo")
        rules.add_decision(meeting, "Publish the report")
        rules.add_action(meeting.body, "Send it to the minister", "Business manager", due_on=date(2025, 7, 1),
                         meeting=meeting)
        db.session.commit()

    response = client.get(f"/api/v1/alpha/structure/meetings/{meeting_id}", headers=bearer(token))
    assert response.status_code == 200
    body = response.get_json()
    assert body["body"] == {"id": board, "key": "board", "name": "Executive Board"}
    assert body["starts_at"] == "2025-06-12T09:00:00+00:00" and body["status"] == "held"
    assert [(i["position"], i["title"], i["presenter"]) for i in body["agenda"]] == [(1, "Annual report", "Chair")]
    [paper] = body["papers"]
    assert paper["filename"] == "report.pdf" and paper["size"] == len(pdf_bytes()) and "content" not in paper
    assert body["minutes"] == {"status": "draft", "approved_on": None, "text": "Agreed the report."}
    assert [d["text"] for d in body["decisions"]] == ["Publish the report"]
    [action] = body["actions"]
    assert action["owner"] == "Business manager" and action["status"] == "open" and action["overdue"] is True
    assert body["attendance"] == [
        {"seat_id": police, "seat": "Detective Superintendent, Alpha Police", "seat_status": "voting",
         "agency": {"key": "police", "name": "Alpha Police"}, "status": "deputy", "deputy_name": "DI Jones"},
        {"seat_id": scrutineer, "seat": "Independent Scrutineer", "seat_status": "voting", "agency": None,
         "status": "present", "deputy_name": ""},
    ]


def test_meetings_are_listed_by_body_and_london_dates_a_page_at_a_time(client, alpha, board):
    token = token_for(alpha, "admin@alpha.example")
    forum = add_body(alpha, key="forum")
    seat = add_seat(alpha, board, "police")
    first = add_meeting(alpha, board, london(2026, 4, 1, 0, 30), hours=1)  # 31 March 23:30 UTC
    hold(alpha, first, {seat: "present"})
    for day in range(2, 14):
        add_meeting(alpha, board, london(2026, 4, day))
    add_meeting(alpha, forum, london(2026, 4, 5))

    everything = client.get("/api/v1/alpha/structure/meetings?page_size=100", headers=bearer(token))
    assert len(everything.get_json()) == 14
    assert json.loads(everything.headers["X-Pagination"])["total"] == 14

    april = client.get("/api/v1/alpha/structure/meetings?body=board&from=2026-04-01&to=2026-04-01",
                       headers=bearer(token)).get_json()
    assert [m["id"] for m in april] == [first]  # its London date, though it starts on 31 March in UTC
    assert april[0]["attendance"][0]["status"] == "present"
    march = client.get("/api/v1/alpha/structure/meetings?to=2026-03-31", headers=bearer(token)).get_json()
    assert march == []

    page = client.get("/api/v1/alpha/structure/meetings?body=board&page=2&page_size=5", headers=bearer(token))
    assert len(page.get_json()) == 5
    assert json.loads(page.headers["X-Pagination"])["total"] == 13
    beyond = client.get("/api/v1/alpha/structure/meetings?page=1000000000000", headers=bearer(token))
    assert beyond.status_code == 200 and beyond.get_json() == []


@pytest.mark.parametrize("query, field", [
    ("body=nowhere", "body"),
    ("from=2026-13-01", "from"),
    ("to=yesterday", "to"),
    ("from=2026-05-01&to=2026-04-01", "to"),
    ("from=0001-01-01", "from"),
    ("to=9999-12-31", "to"),
    ("page_size=100000", "page_size"),
    ("page=0", "page"),
])
def test_bad_filters_are_refused_naming_the_field(client, alpha, board, query, field):
    token = token_for(alpha, "admin@alpha.example")
    response = client.get(f"/api/v1/alpha/structure/meetings?{query}", headers=bearer(token))
    assert response.status_code == 422 and response.is_json
    assert field in response.get_json()["errors"]["query"]


def test_a_nul_in_a_filter_is_refused_before_it_reaches_the_database(client, alpha, board):
    token = token_for(alpha, "admin@alpha.example")
    response = client.get("/api/v1/alpha/structure/meetings?body=bo%00ard", headers=bearer(token))
    assert response.status_code == 400 and "NUL" in response.get_json()["message"]


def test_who_may_read_and_another_partnerships_ids(client, alpha, board):
    meeting_id = add_meeting(alpha, board, london(2026, 4, 1))
    practitioner = token_for(alpha, "worker@alpha.example", "practitioner")
    lead = token_for(alpha, "lead@alpha.example", "agency_safeguarding_lead")
    for url in ("/api/v1/alpha/structure/meetings", f"/api/v1/alpha/structure/meetings/{meeting_id}"):
        forbidden = client.get(url, headers=bearer(practitioner))
        assert forbidden.status_code == 403 and forbidden.is_json
        assert client.get(url, headers=bearer(lead)).status_code == 200
        assert client.get(url).status_code == 401

    beta = create_tenant("beta")
    b_meeting = add_meeting(beta, add_body(beta, key="board"), london(2026, 4, 1))
    admin = token_for(alpha, "admin@alpha.example")
    missing = client.get(f"/api/v1/alpha/structure/meetings/{b_meeting}", headers=bearer(admin))
    assert missing.status_code == 404 and missing.is_json
    listed = client.get("/api/v1/alpha/structure/meetings", headers=bearer(admin)).get_json()
    assert [m["id"] for m in listed] == [meeting_id]
    assert client.get("/api/v1/alpha/structure/meetings/99999999999", headers=bearer(admin)).status_code == 404


def test_the_api_costs_the_same_queries_for_few_or_many_meetings_and_seats(client, alpha, board):
    token = token_for(alpha, "admin@alpha.example")
    seat = add_seat(alpha, board, "police")
    adviser = add_seat(alpha, board, "icb", "Designated nurse", role_holder="nurse")
    first = add_meeting(alpha, board, london(2025, 6, 1))
    hold(alpha, first, {seat: "present", adviser: "absent"})
    with tenant_scope(alpha):
        meeting = db.session.get(Meeting, first)
        rules.add_action(meeting.body, "First action", "Owner", meeting=meeting, owner_agency=seat_agency(seat))
        db.session.commit()

    def measure():
        counts = []
        for url in ("/api/v1/alpha/structure/meetings?page_size=100", f"/api/v1/alpha/structure/meetings/{first}"):
            client.get(url, headers=bearer(token))
            with count_queries() as counter:
                assert client.get(url, headers=bearer(token)).status_code == 200
            counts.append(counter.n)
        return counts

    few = measure()
    seats = [seat, adviser] + [add_seat(alpha, board, key, f"Seat {n}") for n, key in enumerate(["council", "icb", "school"])]
    seats.append(add_seat(alpha, board, "council", "Lead member", role_holder="lead-member"))
    for month in range(7, 12):
        hold(alpha, add_meeting(alpha, board, london(2025, month, 1)), dict.fromkeys(seats, "present"))
    with tenant_scope(alpha):
        meeting = db.session.get(Meeting, first)
        for n in range(5):
            rules.add_agenda_item(meeting, f"Item {n}")
            rules.add_decision(meeting, f"Decision {n}")
            rules.add_action(db.session.get(Body, board), f"Action {n}", "Owner", meeting=meeting,
                             owner_agency=seat_agency(seats[n]))
        db.session.commit()
    assert measure() == few
