"""One offer, several partnerships: H&F and the Bi-Borough see the shared offer, each sees only its own
delegates' personal data, the coordinator runs the register and sees the whole offer's figures, and City &
Hackney sees none of it. Settings may name only an offer the partnership belongs to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.db import db
from core.plugins.services import enable_module
from core.tenancy.isolation import tenant_scope
from plugins.training import sharing
from plugins.training.models import TrainingBooking, TrainingCourse, TrainingSession
from plugins.training.services import visible
from tests.helpers import bearer, form_post, token_for
from tests.plugins.training.world import (
    add_course,
    add_session,
    book,
    booking_state,
    build_world,
    future,
    offer_of,
)


@pytest.fixture
def world(app):
    return build_world()


@pytest.fixture
def offer(world):
    """A shared course with a session booked by both partnerships, and City & Hackney's own course."""
    shared = add_course(world.bib, "Meet the LADO", minutes=120, mode="online")
    own = add_course(world.bib, "Bi-Borough induction", shared=False)
    hackney = add_course(world.hackney, "City and Hackney Safeguarding Essentials", shared=False)
    session = _online_session(world, shared)
    hf_booking = book(world.hf, session, "hf.worker@hf.example")
    bib_booking = book(world.bib, session, "bib.worker@bib.example")
    return {"shared": shared, "own": own, "hackney": hackney, "session": session, "hf_booking": hf_booking,
            "bib_booking": bib_booking, "own_session": add_session(world.bib, own),
            "hackney_session": add_session(world.hackney, hackney)}


def _online_session(world, course_id):
    from core.db import db as database
    from plugins.training import services

    starts = future(20)
    with tenant_scope(world.bib):
        session = services.schedule_session(offer_of(world.bib), database.session.get(TrainingCourse, course_id), {
            "starts_at": starts, "ends_at": starts + timedelta(hours=2), "venue": "", "capacity": 30,
            "joining_link": "https://example.org/teams/meet-the-lado", "trainers": "LADO", "joining_instructions": ""})
        database.session.commit()
        return session.id


def page(response) -> str:
    return response.get_data(as_text=True)


def test_members_see_the_shared_offer_and_an_outsider_sees_none_of_it(app, world, offer):
    hf, bib, hackney = (world.client(app, e) for e in
                        ("hf.worker@hf.example", "bib.worker@bib.example", "hackney.worker@hackney.example"))
    hf_page, bib_page, hackney_page = (page(c.get(f"/{t}/training/")) for c, t in
                                       ((hf, "hf"), (bib, "bi-borough"), (hackney, "city-hackney")))
    assert "Meet the LADO" in hf_page and "Meet the LADO" in bib_page
    assert "Shared offer, run by BI-BOROUGH" in hf_page
    assert f'<a class="govuk-link" href="/hf/training/sessions/{offer["session"]}">' in hf_page
    assert "Bi-Borough induction" in bib_page and "Bi-Borough induction" not in hf_page  # the coordinator's own
    assert "City and Hackney Safeguarding Essentials" in hackney_page
    assert "Meet the LADO" not in hackney_page and "Bi-Borough induction" not in hackney_page
    assert "City and Hackney" not in hf_page and "City and Hackney" not in bib_page
    # By id as well: the shared session is H&F's to open, not City & Hackney's.
    assert hf.get(f"/hf/training/sessions/{offer['session']}").status_code == 200
    assert hackney.get(f"/city-hackney/training/sessions/{offer['session']}").status_code == 404
    assert hackney.get(f"/city-hackney/training/courses/{offer['shared']}").status_code == 404
    assert hf.get(f"/hf/training/courses/{offer['own']}").status_code == 404


def test_the_api_shows_each_partnership_the_same_places_left_and_only_its_own_catalogue(app, world, offer):
    hf_token = token_for(world.hf, "hf.api@hf.example", "business_manager")
    hackney_token = token_for(world.hackney, "hackney.api@hackney.example", "business_manager")
    titles = [c["title"] for c in app.test_client().get("/api/v1/hf/training/courses", headers=bearer(hf_token)).get_json()]
    assert titles == ["Meet the LADO"]
    sessions = app.test_client().get("/api/v1/hf/training/sessions", headers=bearer(hf_token)).get_json()
    [shared] = sessions
    assert (shared["id"], shared["places_left"], shared["shared"]) == (offer["session"], 28, True)
    hackney_titles = [c["title"] for c in app.test_client().get(
        "/api/v1/city-hackney/training/courses", headers=bearer(hackney_token)).get_json()]
    assert hackney_titles == ["City and Hackney Safeguarding Essentials"]
    assert app.test_client().get(f"/api/v1/city-hackney/training/sessions/{offer['session']}",
                                 headers=bearer(hackney_token)).status_code == 404


def test_each_partnership_sees_only_its_own_delegates(app, world, offer):
    hf_manager, bib_manager = world.client(app, "hf.manager@hf.example"), world.client(app, "coord.manager@bib.example")
    hf_view = page(hf_manager.get(f"/hf/training/sessions/{offer['session']}"))
    bib_view = page(bib_manager.get(f"/bi-borough/training/sessions/{offer['session']}"))
    assert "Hf Worker" in hf_view and "Bib Worker" not in hf_view
    assert "Bib Worker" in bib_view and "Hf Worker" not in bib_view
    # Both see the same places taken: the count crosses partnerships, the names do not.
    assert "28 of 30 left" in hf_view and "28 of 30 left" in bib_view
    # H&F's booking is not found through the Bi-Borough, even by its coordinator's admin.
    coordinator = world.client(app, "coord.admin@bib.example")
    assert coordinator.get(f"/bi-borough/training/bookings/{offer['hf_booking']}").status_code == 404
    token = token_for(world.bib, "bib.api@bib.example", "tenant_admin")
    listed = app.test_client().get(f"/api/v1/bi-borough/training/sessions/{offer['session']}/bookings",
                                   headers=bearer(token)).get_json()
    assert [b["delegate_name"] for b in listed] == ["Bib Worker"]


def test_the_coordinator_runs_the_register_of_every_partnerships_delegates(app, world, offer):
    with tenant_scope(world.bib):
        session = db.session.get(TrainingSession, offer["session"])
        entries = sharing.register(session)
    assert {(e.name, e.agency, e.partnership, e.own) for e in entries} == {
        ("Hf Worker", "Hf Primary School", "HF", False), ("Bib Worker", "Bi-Borough Police", "BI-BOROUGH", True)}
    # A register needs a name, an agency and a status: nothing else leaves the delegate's partnership.
    assert set(sharing.RegisterEntry.__dataclass_fields__) == {
        "booking_id", "name", "agency", "partnership", "status", "attendance", "own"}
    with tenant_scope(world.hf), pytest.raises(sharing.NotTheOrganiser):
        sharing.register(db.session.get(TrainingSession, offer["session"]))

    # On the day, the coordinator records both; each delegate's partnership sees its own outcome.
    with tenant_scope(world.bib):
        session = db.session.get(TrainingSession, offer["session"])
        session.starts_at = datetime.now(UTC) - timedelta(hours=1)
        db.session.commit()
    client = world.client(app, "coord.manager@bib.example")
    url = f"/bi-borough/training/sessions/{offer['session']}/register"
    shown = page(client.get(url))
    assert "Hf Worker" in shown and "Hf Primary School, HF" in shown and "hf.worker@hf.example" not in shown
    response = form_post(client, url, {f"outcome-{offer['hf_booking']}": "no_show",
                                       f"outcome-{offer['bib_booking']}": "attended"})
    assert response.status_code == 302, page(response)[:2000]
    assert booking_state(world.hf, offer["hf_booking"]) == ("confirmed", "no_show", 5000)  # H&F's half-day rate
    assert booking_state(world.bib, offer["bib_booking"]) == ("confirmed", "attended", 0)
    with tenant_scope(world.hf):
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "training.attendance_recorded")).one()
        assert event.object_id == str(offer["hf_booking"])
    # A member cannot take the coordinator's register.
    member = world.client(app, "hf.manager@hf.example")
    refused = member.get(f"/hf/training/sessions/{offer['session']}/register")
    assert refused.status_code == 403 and "taken by BI-BOROUGH" in page(refused)


def test_the_register_needs_every_delegate_answered(app, world, offer):
    with tenant_scope(world.bib):
        db.session.get(TrainingSession, offer["session"]).starts_at = datetime.now(UTC) - timedelta(minutes=5)
        db.session.commit()
    client = world.client(app, "coord.manager@bib.example")
    response = form_post(client, f"/bi-borough/training/sessions/{offer['session']}/register",
                         {f"outcome-{offer['bib_booking']}": "attended"})
    assert response.status_code == 400
    assert "Choose how Hf Worker attended" in page(response)
    assert booking_state(world.hf, offer["hf_booking"])[1] is None


def test_figures_each_partnership_its_own_the_coordinator_all(app, world, offer):
    held = datetime.now(UTC) - timedelta(hours=2)
    with tenant_scope(world.bib):
        db.session.get(TrainingSession, offer["session"]).starts_at = held
        entries = sharing.register(db.session.get(TrainingSession, offer["session"]))
        from plugins.training import bookings as rules

        rules.take_register(offer_of(world.bib), db.session.get(TrainingSession, offer["session"]),
                            {e.booking_id: "attended" for e in entries}, datetime.now(UTC))
        db.session.commit()
    year = _year_of(held)
    hf_token = token_for(world.hf, "hf.figures@hf.example", "business_manager")
    bib_token = token_for(world.bib, "bib.figures@bib.example", "business_manager")
    hf = app.test_client().get(f"/api/v1/hf/training/figures?year={year}", headers=bearer(hf_token)).get_json()
    bib = app.test_client().get(f"/api/v1/bi-borough/training/figures?year={year}", headers=bearer(bib_token)).get_json()
    assert (hf["whole_offer"], hf["bookings"], hf["attended"]) == (False, 1, 1)
    assert [(r["label"], r["bookings"]) for r in hf["by_partnership"]] == [("HF", 1)]
    assert (bib["whole_offer"], bib["bookings"], bib["attended"]) == (True, 2, 2)
    assert sorted((r["label"], r["bookings"]) for r in bib["by_partnership"]) == [("BI-BOROUGH", 1), ("HF", 1)]
    assert {r["label"] for r in bib["by_agency"]} == {"Hf Primary School", "Bi-Borough Police"}
    # City & Hackney counts none of it, though the shared session is a session of the year.
    hackney_token = token_for(world.hackney, "hackney.figures@hackney.example", "business_manager")
    hackney = app.test_client().get(f"/api/v1/city-hackney/training/figures?year={year}",
                                    headers=bearer(hackney_token)).get_json()
    assert (hackney["sessions_run"], hackney["bookings"]) == (0, 0)
    # The page says whose delegates it counts.
    shown = page(world.client(app, "hf.manager@hf.example").get(f"/hf/training/figures?year={year}"))
    assert "HF's own delegates" in shown and "Bi-Borough Police" not in shown


def _year_of(moment: datetime) -> int:
    from core.calendar import FinancialYear, london_day

    return FinancialYear.containing(london_day(moment)).start_year


def test_a_member_reads_the_shared_course_but_cannot_change_it(app, world, offer):
    client = world.client(app, "hf.admin@hf.example")
    response = client.get(f"/hf/training/courses/{offer['shared']}/edit")
    assert response.status_code == 403 and "run by BI-BOROUGH" in page(response)
    response = form_post(client, f"/hf/training/courses/{offer['shared']}/edit",
                         {"title": "Hijacked", "level": "1", "duration_minutes": "60", "delivery_mode": "online"})
    assert response.status_code == 403
    assert form_post(client, f"/hf/training/courses/{offer['shared']}/sessions/new", {}).status_code == 403
    with tenant_scope(world.bib):
        assert db.session.get(TrainingCourse, offer["shared"]).title == "Meet the LADO"
    # ...and can add a course of its own, which only H&F sees.
    response = form_post(client, "/hf/training/courses/new", {
        "title": "H&F practice week", "level": "1", "duration_minutes": "90", "delivery_mode": "event", "shared": "true"})
    assert response.status_code == 400 and "Only the coordinator" in page(response)
    response = form_post(client, "/hf/training/courses/new", {
        "title": "H&F practice week", "level": "1", "duration_minutes": "90", "delivery_mode": "event"})
    assert response.status_code == 302
    with tenant_scope(world.bib):
        assert db.session.scalar(select(TrainingCourse.id).where(TrainingCourse.title == "H&F practice week")) is None


def test_the_coordinator_shares_a_course_with_the_offer(app, world):
    client = world.client(app, "coord.admin@bib.example")
    response = form_post(client, "/bi-borough/training/courses/new", {
        "title": "Safer Recruitment", "level": "2", "duration_minutes": "360", "delivery_mode": "online", "shared": "true"})
    assert response.status_code == 302
    with tenant_scope(world.hf):
        course = db.session.scalars(select(TrainingCourse).where(TrainingCourse.title == "Safer Recruitment")).one()
        assert visible(offer_of(world.hf), course) and course.tenant_id == world.bib.id


def test_settings_name_only_an_offer_the_partnership_belongs_to(app, world):
    with pytest.raises(ValidationError) as refused:
        enable_module(world.hackney, "training", {"shared_offer": "hf-bi-borough-training"})
    db.session.rollback()
    assert "not a member" in str(refused.value.messages["shared_offer"])
    with pytest.raises(ValidationError, match="no shared offer called"):
        enable_module(world.hackney, "training", {"shared_offer": "no-such-offer"})
    db.session.rollback()
    # Through the admin page and the API, the refusal is shown against the field.
    client = world.client(app, "hackney.admin@hackney.example")
    form = client.get("/city-hackney/admin/modules/training")
    assert form.status_code == 200 and "Shared training offer (optional)" in page(form)
    assert 'value="None"' not in page(form)
    response = form_post(client, "/city-hackney/admin/modules/training", {"shared_offer": "hf-bi-borough-training",
                                                                           "cancellation_working_days": "3"})
    assert response.status_code == 400 and "is not a member of" in page(response)
    token = token_for(world.hackney, "hackney.settings@hackney.example", "tenant_admin")
    response = app.test_client().put("/api/v1/city-hackney/modules/training", headers=bearer(token),
                                     json={"settings": {"shared_offer": "hf-bi-borough-training"}})
    assert response.status_code == 422 and "not a member" in str(response.get_json())
    response = app.test_client().put("/api/v1/city-hackney/modules/training", headers=bearer(token),
                                     json={"settings": {"cancellation_working_days": 99}})
    assert response.status_code == 422 and "cancellation_working_days" in str(response.get_json())


def test_bookings_are_stamped_with_the_delegates_partnership(world, offer):
    with tenant_scope(world.hf):
        assert db.session.get(TrainingBooking, offer["hf_booking"]).tenant_id == world.hf.id
        assert db.session.get(TrainingBooking, offer["bib_booking"]) is None
    with tenant_scope(world.hackney):
        assert db.session.scalars(select(TrainingBooking)).all() == []
        assert db.session.scalars(select(TrainingSession)).all() != []  # its own session only
        assert {s.id for s in db.session.scalars(select(TrainingSession))} == {offer["hackney_session"]}
