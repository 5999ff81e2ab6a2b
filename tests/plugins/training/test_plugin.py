"""The module's place in the platform: its menu link and dashboard panel, its section of the annual report
and figures of the data set, its default grants, and its demonstration data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.auth.models import Role
from core.calendar import FinancialYear, london_day
from core.db import db
from core.plugins.services import enabled_modules, registry
from core.structure.arrangements import change_arrangements
from core.tenancy.isolation import tenant_scope, unscoped
from plugins.training.models import TrainingBooking, TrainingCourse, TrainingEvaluation, TrainingSession
from tests.plugins.training.world import add_course, add_session, book, build_world


@pytest.fixture
def world(app):
    return build_world()


def test_menu_panel_and_annual_report(app, world):
    session = add_session(world.bib, add_course(world.bib, "Meet the LADO"))
    booking = book(world.hf, session, "hf.worker@hf.example")
    worker = world.client(app, "hf.worker@hf.example")
    dashboard = worker.get("/hf/").get_data(as_text=True)
    assert 'href="/hf/training/"' in dashboard
    assert f'/hf/training/bookings/{booking}' in dashboard and "Meet the LADO" in dashboard

    held = datetime.now(UTC) - timedelta(days=2)
    with unscoped():
        row = db.session.get(TrainingBooking, booking)
        row.attendance = "attended"
        row.session.starts_at = held
    db.session.commit()
    year = FinancialYear.containing(london_day(held)).start_year
    with tenant_scope(world.hf):  # this partnership publishes every count: what is counted is the point here
        change_arrangements(world.hf, {"small_numbers_threshold": 1})
    db.session.commit()
    report = world.client(app, "hf.admin@hf.example").get(f"/hf/annual-report?year={year}")
    assert report.status_code == 200
    html = report.get_data(as_text=True)
    assert "Multi-agency training" in html and "1 attended in full" in html
    assert "Training bookings" in html  # the data set figure


def test_default_grants(world):
    with tenant_scope(world.hf):
        roles = {r.key: r.permission_names for r in db.session.scalars(select(Role))}
    assert "training.book.staff" in roles["agency_safeguarding_lead"]
    assert "training.needs.respond" in roles["agency_safeguarding_lead"]
    assert "training.book.staff" not in roles["practitioner"] and "training.book.self" in roles["practitioner"]
    assert "training.figures.view" in roles["independent_scrutineer"]
    assert "training.catalogue.manage" not in roles["independent_scrutineer"]


def _demo(tenant):
    with tenant_scope(tenant):
        registry().call_one("training", "lscp_demo_data", tenant=tenant,
                            settings=enabled_modules(tenant)["training"])
    db.session.commit()


def test_demo_data_is_shared_by_the_coordinator_once_and_city_and_hackney_has_its_own(world):
    for tenant in (world.bib, world.hf, world.hackney, world.bib):
        _demo(tenant)
    with unscoped():
        courses = db.session.execute(select(TrainingCourse.tenant_id, TrainingCourse.shared_offer_id,
                                            TrainingCourse.title)).all()
        sessions = db.session.scalar(select(func.count()).select_from(TrainingSession))
    by_tenant = {}
    for tenant_id, offer_id, title in courses:
        assert title.startswith("[DEMO] ")
        by_tenant.setdefault(tenant_id, set()).add(offer_id)
    assert by_tenant == {world.bib.id: {world.offer_id}, world.hackney.id: {None}}
    assert len(courses) == 10 and sessions == 24  # two coming sessions a course, and two that took place
    with tenant_scope(world.hf):
        assert db.session.scalar(select(func.count()).select_from(TrainingCourse)) == 5  # the shared ones


def _demo_people(tenant, slug):
    """Demo people as ``flask demo setup`` makes them before the modules' demo data: a practitioner and an
    agency safeguarding lead with an agency."""
    from core.auth.services import MembershipChoice, add_member, create_user
    from core.tenancy.models import Agency

    with tenant_scope(tenant):
        roles = {r.key: r.id for r in db.session.scalars(select(Role))}
        school = db.session.scalars(select(Agency).where(Agency.key == "school")).one()
        for key, title in (("practitioner", "Practitioner"), ("agency_safeguarding_lead", "Agency Safeguarding Lead")):
            user = create_user(f"demo.{key}.{slug}@example.org", f"[DEMO] {title} ({tenant.short_name})", demo=True)
            add_member(tenant, user, MembershipChoice(role_ids=[roles[key]], agency_id=school.id))
    db.session.commit()


def _made(tenant):
    with tenant_scope(tenant):
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (TrainingCourse, TrainingSession, TrainingBooking, TrainingEvaluation))


def test_the_demo_has_sessions_that_took_place_with_a_register_a_certificate_and_evaluations(app, world):
    from core.calendar import london_today

    _demo_people(world.bib, "bi-borough")
    _demo_people(world.hackney, "city-hackney")
    for tenant in (world.bib, world.hf, world.hackney):
        _demo(tenant)
    made = {t.slug: _made(t) for t in (world.bib, world.hf, world.hackney)}
    for tenant in (world.bib, world.hf, world.hackney):
        _demo(tenant)
    assert {t.slug: _made(t) for t in (world.bib, world.hf, world.hackney)} == made  # nothing the second time

    now = datetime.now(UTC)
    today = london_today()
    with tenant_scope(world.bib):
        held = db.session.scalars(select(TrainingSession).where(TrainingSession.starts_at < now)
                                  .order_by(TrainingSession.starts_at)).all()
        assert len(held) == 2 and all(s.ends_at < now for s in held)
        # Counted back from London's today: seven weeks (or the working day before), and two.
        assert today - timedelta(weeks=7, days=4) <= london_day(held[0].starts_at) <= today - timedelta(weeks=7)
        assert today - timedelta(weeks=2, days=4) <= london_day(held[1].starts_at) <= today - timedelta(weeks=2)
        bookings = db.session.scalars(select(TrainingBooking).where(
            TrainingBooking.session_id.in_([s.id for s in held])).order_by(TrainingBooking.id)).all()
        assert {b.delegate_email for b in bookings} == {"demo.practitioner.bi-borough@example.org",
                                                       "demo.agency_safeguarding_lead.bi-borough@example.org"}
        assert all(b.delegate_name.startswith("[DEMO]") for b in bookings)
        outcomes = sorted((b.session_id == held[0].id, b.attendance) for b in bookings)
        assert outcomes == [(False, "attended"), (False, "attended"), (True, "attended"), (True, "no_show")]
        stages = sorted(e.stage for b in bookings for e in b.evaluations)
        assert stages.count("follow_up") == 1 and stages.count("after") == 3 and stages.count("before") == 4
        attended = next(b.id for b in bookings if b.session_id == held[0].id and b.attendance == "attended")
        first_held, year = held[0].id, FinancialYear.containing(london_day(held[1].starts_at)).start_year

    manager = world.client(app, "coord.manager@bib.example")
    register = manager.get(f"/bi-borough/training/sessions/{first_held}/register").get_data(as_text=True)
    assert "[DEMO] Practitioner (BI-BOROUGH)" in register and "[DEMO] Agency Safeguarding Lead (BI-BOROUGH)" in register
    certificate = manager.get(f"/bi-borough/training/bookings/{attended}/certificate.pdf")
    assert certificate.status_code == 200 and certificate.data.startswith(b"%PDF-")
    shown = manager.get(f"/bi-borough/training/figures?year={year}").get_data(as_text=True)
    assert "[DEMO] Meet the LADO" in shown[shown.index('data-testid="evaluation"'):]
    # Nobody real is booked on a made-up session, and City & Hackney's demo is its own.
    with tenant_scope(world.hackney):
        assert {b.delegate_email for b in db.session.scalars(select(TrainingBooking))} == {
            "demo.practitioner.city-hackney@example.org", "demo.agency_safeguarding_lead.city-hackney@example.org"}
