"""The training API: courses, sessions with places left, booking (yourself or staff), the waiting list,
cancelling, the figures of a year; bad input answered with the field and the reason."""

from __future__ import annotations

import pytest

from core.auth.services import user_by_email
from core.tenancy.isolation import tenant_scope
from tests.helpers import bearer, count_queries, token_for
from tests.plugins.training.world import add_course, add_session, book, build_world


@pytest.fixture
def world(app):
    return build_world()


def _token(tenant, email: str) -> str:
    """An API token of an existing member."""
    from core.auth.services import create_api_token
    from core.db import db

    with tenant_scope(tenant):
        _t, plain = create_api_token(user_by_email(email), "tests")
    db.session.commit()
    return plain


def test_booking_the_last_place_joining_the_queue_and_moving_up(client, world):
    session = add_session(world.bib, add_course(world.bib, "Safer Recruitment", level=1), capacity=1)
    hf, bib = bearer(_token(world.hf, "hf.worker@hf.example")), bearer(_token(world.bib, "bib.worker@bib.example"))
    url = f"/api/v1/hf/training/sessions/{session}"
    assert client.get(url, headers=hf).get_json()["places_left"] == 1

    first = client.post(f"{url}/bookings", headers=hf, json={"manager_email": "head@school.example"})
    assert first.status_code == 201
    assert (first.get_json()["status"], first.get_json()["waiting_position"]) == ("confirmed", None)
    assert client.get(url, headers=hf).get_json()["places_left"] == 0

    other = f"/api/v1/bi-borough/training/sessions/{session}"
    refused = client.post(f"{other}/bookings", headers=bib, json={"join_waiting_list": False})
    assert refused.status_code == 409 and "full" in refused.get_json()["message"]
    queued = client.post(f"{other}/bookings", headers=bib, json={})
    assert queued.status_code == 201
    assert (queued.get_json()["status"], queued.get_json()["waiting_position"]) == ("waiting", 1)
    assert client.get(url, headers=hf).get_json()["waiting"] == 1

    again = client.post(f"{url}/bookings", headers=hf, json={})
    assert again.status_code == 409 and "already booked" in again.get_json()["message"]

    cancelled = client.delete(f"{url}/bookings/{first.get_json()['id']}", headers=hf)
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    mine = client.get(f"{other}/bookings", headers=bib).get_json()
    assert [(b["id"], b["status"]) for b in mine] == [(queued.get_json()["id"], "confirmed")]
    again = client.delete(f"{url}/bookings/{first.get_json()['id']}", headers=hf)
    assert again.status_code == 409


def test_staff_bookings_need_the_permission_and_the_agency(client, world):
    session = add_session(world.bib, add_course(world.bib))
    worker = bearer(_token(world.hf, "hf.worker@hf.example"))
    lead = bearer(_token(world.hf, "hf.lead@hf.example"))
    url = f"/api/v1/hf/training/sessions/{session}/bookings"
    colleague, nurse = user_by_email("hf.colleague@hf.example").id, user_by_email("hf.nurse@hf.example").id
    assert client.post(url, headers=worker, json={"user_id": colleague}).status_code == 403
    response = client.post(url, headers=lead, json={"user_id": nurse})
    assert response.status_code == 422 and response.get_json()["errors"]["json"]["user_id"]
    response = client.post(url, headers=lead, json={"user_id": colleague})
    assert response.status_code == 201 and response.get_json()["delegate_name"] == "Hf Colleague"
    # The lead sees the booking they made; the worker sees none of the colleague's.
    assert [b["delegate_name"] for b in client.get(url, headers=lead).get_json()] == ["Hf Colleague"]
    assert client.get(url, headers=worker).get_json() == []
    assert client.delete(f"{url}/{response.get_json()['id']}", headers=worker).status_code == 403


@pytest.mark.parametrize(("method", "path", "body", "field"), [
    ("POST", "/sessions/{s}/bookings", {"manager_email": "nope"}, "manager_email"),
    ("POST", "/sessions/{s}/bookings", {"user_id": 0}, "user_id"),
    ("POST", "/sessions/{s}/bookings", {"join_waiting_list": "perhaps"}, "join_waiting_list"),
    ("GET", "/sessions?from=2026-13-01", None, "from"),
    ("GET", "/sessions?from=2026-05-01&to=2026-04-01", None, "to"),
    ("GET", "/sessions?course=abc", None, "course"),
    ("GET", "/figures", None, "year"),
    ("GET", "/figures?year=99999", None, "year"),
])
def test_bad_input_names_the_field(client, world, method, path, body, field):
    session = add_session(world.bib, add_course(world.bib))
    token = bearer(token_for(world.hf, "hf.api@hf.example", "business_manager"))
    response = client.open(f"/api/v1/hf/training{path.format(s=session)}", method=method, headers=token, json=body)
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    assert field in (errors.get("json") or errors.get("query") or {}), errors


def test_lists_cost_the_same_queries_for_few_or_many_sessions(client, world):
    token = bearer(token_for(world.hf, "hf.api@hf.example", "business_manager"))

    def grow(n):
        for i in range(n):
            session = add_session(world.bib, add_course(world.bib, f"Course {i}/{n}"))
            book(world.hf, session, "hf.worker@hf.example")
            book(world.bib, session, "bib.worker@bib.example")

    def counts():
        out = []
        for url in ("/api/v1/hf/training/courses", "/api/v1/hf/training/sessions", "/api/v1/hf/training/figures?year=2026"):
            client.get(url, headers=token)
            with count_queries() as counter:
                assert client.get(url, headers=token).status_code == 200
            out.append(counter.n)
        return out

    grow(1)
    small = counts()
    grow(5)
    assert counts() == small
