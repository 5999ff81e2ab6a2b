"""The module's place in the platform: its menu link and dashboard panel, its section of the annual report
and figures of the data set, its default grants, and its demonstration data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.auth.models import Role
from core.calendar import london_day
from core.db import db
from core.plugins.services import enabled_modules, registry
from core.reports.services import FinancialYear
from core.tenancy.isolation import tenant_scope, unscoped
from plugins.training.models import TrainingBooking, TrainingCourse, TrainingSession
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
    assert len(courses) == 10 and sessions == 20
    with tenant_scope(world.hf):
        assert db.session.scalar(select(func.count()).select_from(TrainingCourse)) == 5  # the shared ones
