"""Three partnerships like the real ones: the Bi-Borough coordinates a shared training offer that H&F belongs
to; City & Hackney runs its own. People of each, and helpers to make courses, sessions and bookings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core.auth.models import Membership
from core.auth.services import user_by_email
from core.db import db
from core.plugins.services import enable_module
from core.tenancy.isolation import tenant_scope
from core.tenancy.models import SharedOffer, SharedOfferMember, Tenant
from plugins.training import bookings as rules
from plugins.training import services
from plugins.training.models import TrainingBooking, TrainingCourse, TrainingSession
from tests.helpers import create_tenant, login, make_user

OFFER = "hf-bi-borough-training"
SETTINGS = {"cancellation_working_days": 3, "charge_no_shows": True, "charge_late_cancellations": True,
            "no_show_charge_half_day": 5000, "no_show_charge_full_day": 9000}

# email: (tenant slug, role, agency key)
PEOPLE = {
    "coord.admin@bib.example": ("bi-borough", "tenant_admin", None),
    "coord.manager@bib.example": ("bi-borough", "business_manager", None),
    "bib.worker@bib.example": ("bi-borough", "practitioner", "police"),
    "bib.other@bib.example": ("bi-borough", "practitioner", "council"),
    "hf.admin@hf.example": ("hf", "tenant_admin", None),
    "hf.manager@hf.example": ("hf", "business_manager", None),
    "hf.worker@hf.example": ("hf", "practitioner", "school"),
    "hf.colleague@hf.example": ("hf", "practitioner", "school"),
    "hf.nurse@hf.example": ("hf", "practitioner", "icb"),
    "hf.lead@hf.example": ("hf", "agency_safeguarding_lead", "school"),
    "hf.noagency@hf.example": ("hf", "practitioner", None),
    "hackney.admin@hackney.example": ("city-hackney", "tenant_admin", None),
    "hackney.worker@hackney.example": ("city-hackney", "practitioner", "police"),
}


@dataclass
class World:
    bib: Tenant
    hf: Tenant
    hackney: Tenant
    offer_id: int

    def tenant(self, slug: str) -> Tenant:
        return {"bi-borough": self.bib, "hf": self.hf, "city-hackney": self.hackney}[slug]

    def client(self, app, email: str):
        client = app.test_client()
        login(client, email)
        return client


def build_world(settings: dict | None = None) -> World:
    bib, hf, hackney = create_tenant("bi-borough"), create_tenant("hf"), create_tenant("city-hackney")
    offer = SharedOffer(slug=OFFER, name="Multi-agency safeguarding training offer", module="training",
                        coordinator_id=bib.id)
    offer.members = [SharedOfferMember(tenant_id=hf.id), SharedOfferMember(tenant_id=bib.id)]
    db.session.add(offer)
    db.session.flush()
    chosen = {**SETTINGS, **(settings or {})}
    enable_module(bib, "training", {**chosen, "shared_offer": OFFER})
    enable_module(hf, "training", {**chosen, "shared_offer": OFFER})
    enable_module(hackney, "training", dict(chosen))
    db.session.commit()
    world = World(bib=bib, hf=hf, hackney=hackney, offer_id=offer.id)
    for email, (slug, role, agency) in PEOPLE.items():
        make_user(email, world.tenant(slug), roles=(role,), agency_key=agency)
    return world


def future(days: int = 30, hour: int = 10) -> datetime:
    day = datetime.now(UTC) + timedelta(days=days)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


def offer_of(tenant: Tenant) -> services.Offer:
    from core.plugins.services import enabled_modules

    return services.offer_for(tenant, enabled_modules(tenant)["training"])


def settings_of(tenant: Tenant) -> dict:
    from core.plugins.services import enabled_modules

    return enabled_modules(tenant)["training"]


def add_course(tenant: Tenant, title: str = "Multi-agency Safeguarding Children and Child Protection", *,
               shared: bool = True, level: int = 1, minutes: int = 390, mode: str = "in_person",
               prerequisite: int | None = None) -> int:
    with tenant_scope(tenant):
        course = services.create_course(offer_of(tenant), {
            "title": title, "level": level, "duration_minutes": minutes, "delivery_mode": mode,
            "description": f"About {title}", "audience": "Everyone", "learning_outcomes": "Know the procedures",
            "prerequisite": db.session.get(TrainingCourse, prerequisite) if prerequisite else None, "shared": shared,
        })
        db.session.commit()
        return course.id


def add_session(tenant: Tenant, course_id: int, starts: datetime | None = None, capacity: int = 10,
                minutes: int = 180) -> int:
    starts = starts or future()
    with tenant_scope(tenant):
        session = services.schedule_session(offer_of(tenant), db.session.get(TrainingCourse, course_id), {
            "starts_at": starts, "ends_at": starts + timedelta(minutes=minutes), "venue": "Kensington Town Hall",
            "joining_link": "", "trainers": "L&D Coordinator", "capacity": capacity,
            "joining_instructions": "Bring ID",
        })
        db.session.commit()
        return session.id


def principal(tenant: Tenant, email: str) -> rules.Principal:
    """Who the rules see when this member acts."""
    from core.auth.access import load_access
    from core.plugins.services import enabled_modules

    user = user_by_email(email)
    with tenant_scope(tenant):
        access = load_access(user, tenant, frozenset(enabled_modules(tenant)))
        return rules.Principal(user_id=user.id, agency_id=access.membership.agency_id if access.membership else None,
                               permissions=access.permissions)


def book(tenant: Tenant, session_id: int, email: str, *, by: str | None = None, now: datetime | None = None,
         manager_email: str = "", join_waiting_list: bool = True) -> int:
    """Book ``email`` (by ``by``, themselves by default) through ``tenant``; commits; returns the booking id."""
    user = user_by_email(email)
    with tenant_scope(tenant):
        membership = db.session.scalars(select(Membership).where(Membership.user_id == user.id)).one()
        booking = rules.book(offer_of(tenant), tenant, session_id, rules.delegate_membership(membership.user_id),
                             principal(tenant, by or email), now or datetime.now(UTC), settings_of(tenant),
                             manager_email=manager_email, join_waiting_list=join_waiting_list)
        db.session.commit()
        return booking.id


def cancel(tenant: Tenant, booking_id: int, now: datetime | None = None) -> rules.Cancelled:
    with tenant_scope(tenant):
        outcome = rules.cancel(offer_of(tenant), tenant, db.session.get(TrainingBooking, booking_id),
                               now or datetime.now(UTC), settings_of(tenant))
        db.session.commit()
        return outcome


def booking_state(tenant: Tenant, booking_id: int) -> tuple[str, str | None, int]:
    """(status, attendance, charge in pence) of a booking, as its own partnership sees it."""
    db.session.commit()
    with tenant_scope(tenant):
        booking = db.session.get(TrainingBooking, booking_id)
        return booking.status, booking.attendance, booking.charge_pence


def session_row(tenant: Tenant, session_id: int) -> TrainingSession:
    db.session.commit()
    with tenant_scope(tenant):
        session = db.session.get(TrainingSession, session_id)
        _ = (session.status, session.capacity, session.course.title)
        return session
