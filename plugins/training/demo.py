"""Made-up training for ``flask demo setup``: the Bi-Borough's 2021/22 workshops as [DEMO] courses with
sessions in the coming weeks, shared with the offer's members when the partnership coordinates an offer,
its own otherwise; and two sessions that have already taken place, with the partnership's demo people
booked on them, the register taken (attended, did not attend) and their evaluations answered, so that a
register, a certificate and the evaluation's results can be seen without making anything by hand.

A member of someone else's offer gets nothing: it sees the coordinator's. Dates are counted from today in
London, so the demo means the same whenever it is run. Adds nothing the second time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.auth.models import Membership, User
from core.calendar import add_working_days, at_london, is_working_day, london_today, next_working_day
from core.db import db, utcnow
from plugins.training import bookings as rules
from plugins.training import evaluation, services
from plugins.training.models import TrainingBooking, TrainingCourse, TrainingSession

DEMO = "[DEMO]"
COURSES = [
    # title, level, minutes, mode, audience, prerequisite (index)
    ("Multi-agency Safeguarding Children and Child Protection", 1, 390, "in_person",
     "Everyone who works with children, young people or their families", None),
    ("Meet the LADO", 1, 120, "online", "Managers and safeguarding leads in any setting that employs people "
     "who work with children", None),
    ("Safer Recruitment", 2, 360, "online", "Anyone who recruits staff or volunteers to work with children", 0),
    ("Safeguarding Children and Domestic Abuse", 2, 210, "in_person",
     "Practitioners working with families where there is domestic abuse", 0),
    ("Managing a Serious Incident in Youth Settings", 3, 180, "themed_briefing",
     "Managers of youth clubs, sports and faith settings", 3),
]
HELD = f"{DEMO} This session has taken place: its bookings, register and evaluations are made up."


@dataclass(frozen=True)
class Held:
    """A session that has taken place: its course (by index), how long ago, and how each delegate attended
    (the first demo delegate, the second...; a delegate beyond the list attended)."""

    course: int
    weeks_ago: int
    outcomes: tuple[str, ...]
    # (knowledge, confidence) at each stage answered, the same for every delegate who attended
    scores: dict[str, tuple[int, int]]


# Seven weeks ago the follow-up (six to eight weeks on) has come; two weeks ago only the feedback.
HISTORY = [
    Held(0, 7, ("attended", "no_show"), {"before": (2, 2), "after": (4, 4), "follow_up": (4, 5)}),
    Held(1, 2, ("attended", "attended"), {"before": (2, 3), "after": (4, 4)}),
]


def demo_data(tenant, settings) -> None:
    offer = services.offer_for(tenant, settings)
    if offer.shared and not offer.coordinating:
        return
    today = london_today()
    courses = _catalogue(offer, tenant, today)
    _history(offer, tenant, courses, today)
    db.session.flush()


def _session_values(course: TrainingCourse, day: date, capacity: int, instructions: str) -> dict:
    starts = at_london(day, time(9, 30) if course.duration_minutes > 240 else time(13, 30))
    online = course.delivery_mode == "online"
    return {"starts_at": starts, "ends_at": starts + timedelta(minutes=course.duration_minutes),
            "venue": "" if online else f"{DEMO} Town Hall, Committee Room 2",
            "joining_link": "https://example.org/demo-training" if online else "",
            "trainers": f"{DEMO} Learning and Development Coordinator", "capacity": capacity,
            "joining_instructions": instructions}


def _catalogue(offer: services.Offer, tenant, today: date) -> list[TrainingCourse]:
    """The [DEMO] courses, in the order of COURSES, with two coming sessions each the first time."""
    titles = [f"{DEMO} {title}" for title, *_rest in COURSES]
    existing = {c.title: c for c in db.session.scalars(
        select(TrainingCourse).where(TrainingCourse.tenant_id == tenant.id, TrainingCourse.title.in_(titles)))}
    if existing:
        return [existing.get(title) for title in titles]
    made: list[TrainingCourse] = []
    for index, (title, level, minutes, mode, audience, prerequisite) in enumerate(COURSES):
        course = services.create_course(offer, {
            "title": f"{DEMO} {title}", "level": level, "duration_minutes": minutes, "delivery_mode": mode,
            "description": f"{DEMO} A workshop of the multi-agency safeguarding training offer.",
            "audience": audience,
            "learning_outcomes": f"{DEMO} Know the local procedures\n{DEMO} Know whom to contact and when",
            "prerequisite": made[prerequisite] if prerequisite is not None else None,
            "shared": offer.coordinating,
        })
        db.session.flush()
        made.append(course)
        for weeks in (3, 7):
            day = next_working_day(today + timedelta(weeks=weeks, days=index))
            services.schedule_session(offer, course, _session_values(
                course, day, 20 if weeks == 3 else 25, f"{DEMO} Please arrive ten minutes early."))
    return made


def _working_day_on_or_before(day: date) -> date:
    return day if is_working_day(day) else add_working_days(day, -1)


def _delegates() -> list[Membership]:
    """The partnership's demo people who can be delegates (active, with an agency), by when they were made.
    Only demo people: nobody real is ever booked on a made-up session."""
    return list(db.session.scalars(
        select(Membership).join(User, User.id == Membership.user_id)
        .where(User.is_demo.is_(True), User.active.is_(True), User.email.endswith("@example.org"),
               Membership.status == "active", Membership.agency_id.is_not(None))
        .options(selectinload(Membership.user)).order_by(User.id)
    ))[:2]


def _history(offer: services.Offer, tenant, courses: list[TrainingCourse | None], today: date) -> None:
    """Sessions that have taken place, with the demo people's bookings, the register and the evaluations,
    made once. Bookings are written as they stood, not through ``book``: that refuses a session that has
    started, and would email a confirmation of something that never happened."""
    if db.session.scalar(select(TrainingSession.id).where(TrainingSession.tenant_id == tenant.id,
                                                          TrainingSession.joining_instructions == HELD)) is not None:
        return
    now = utcnow()
    delegates = _delegates()
    for held in HISTORY:
        course = courses[held.course] if held.course < len(courses) else None
        if course is None or not course.active:
            continue
        day = _working_day_on_or_before(today - timedelta(weeks=held.weeks_ago))
        session = services.schedule_session(offer, course, _session_values(course, day, 20, HELD))
        db.session.flush()
        booked = [_booking(session, m, session.starts_at - timedelta(weeks=3)) for m in delegates]
        for booking in booked:
            _answer(booking, "before", held, session.starts_at - timedelta(days=2))
        outcomes = {b.id: (held.outcomes[i] if i < len(held.outcomes) else "attended") for i, b in enumerate(booked)}
        if outcomes:
            rules.take_register(offer, session, outcomes, now)
        for booking in booked:
            if booking.attendance != "attended":
                continue
            _answer(booking, "after", held, session.ends_at + timedelta(hours=1))
            opens, _closes = evaluation.follow_up_window(session)
            answered = at_london(opens, time(16))
            if answered <= now:
                _answer(booking, "follow_up", held, answered)


def _booking(session: TrainingSession, member: Membership, when: datetime) -> TrainingBooking:
    booking = TrainingBooking(
        session=session, user_id=member.user_id, agency_id=member.agency_id, delegate_name=member.user.name,
        delegate_email=member.user.email, booked_by_id=member.user_id, status="confirmed", requested_at=when,
        confirmed_at=when)
    db.session.add(booking)
    db.session.flush()
    return booking


def _answer(booking: TrainingBooking, stage: str, held: Held, when: datetime) -> None:
    if stage not in held.scores:
        return
    knowledge, confidence = held.scores[stage]
    evaluation.submit(booking, stage, knowledge, confidence, f"{DEMO} Made-up comments.",
                      f"{DEMO} Line manager" if stage == "follow_up" else "", when, booking.user_id)
