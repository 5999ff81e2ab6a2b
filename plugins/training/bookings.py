"""Bookings: who may book whom, places and the waiting list, cancellation by the deadline, the register and
its charges, and the changes to a session that move bookings.

Plain functions, called by the pages, the API, the jobs and the tests alike; the caller commits. Each
function that takes or frees a place first locks the session (``sharing.lock_session``): the count of
places and the change happen as one step for every partnership of the offer.

Who a delegate is: a member of the booking partnership whose membership names an agency of it (the agency
a practitioner works for). Practitioners book themselves; an agency safeguarding lead books staff of their
own agency (a member whose membership is limited to no agency may book any member with one). Someone
without an account is invited as a member first, so that they can evaluate the course and download their
certificate themselves.

Policy (cancellation deadline, charges) is the delegate's own partnership's, whoever runs the session.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.audit.services import record
from core.auth.models import Membership, User
from core.calendar import add_working_days, london_day
from core.db import db
from core.tenancy.models import Tenant
from plugins.training import notices, sharing
from plugins.training.models import ATTENDANCE, TrainingBooking, TrainingCourse, TrainingSession
from plugins.training.services import (
    HALF_DAY_MINUTES,
    Offer,
    TrainingError,
    require_owner,
    session_values,
    visible,
)

CHARGED = {"no_show": "charge_no_shows", "cancelled_late": "charge_late_cancellations"}


# -- policy ----------------------------------------------------------------------------------------------


def cancellation_deadline(session_day: date, working_days: int) -> date:
    """The last day to cancel without it being late: ``working_days`` working days before the session's
    day (0: the day itself)."""
    return add_working_days(session_day, -working_days)


def is_late(session: TrainingSession, now: datetime, working_days: int) -> bool:
    return london_day(now) > cancellation_deadline(london_day(session.starts_at), working_days)


def deadline_text(session: TrainingSession, working_days: int) -> str:
    deadline = cancellation_deadline(london_day(session.starts_at), working_days)
    return f"by {deadline:%A %-d %B %Y}"


def charge_for(outcome: str | None, session: TrainingSession, settings: dict) -> int:
    """Pence the agency is charged for the outcome, by the partnership's policy and the course's length:
    the half-day rate for a course of up to four hours, the full-day rate for a longer one."""
    switch = CHARGED.get(outcome or "")
    if switch is None or not settings.get(switch):
        return 0
    if session.course.duration_minutes <= HALF_DAY_MINUTES:
        return settings["no_show_charge_half_day"]
    return settings["no_show_charge_full_day"]


def pounds(pence: int) -> str:
    return f"£{pence // 100:,}.{pence % 100:02d}"


# -- who may book and see whom ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Principal:
    """Who is acting, as the rules need it: the user, their membership's agency limit and permissions."""

    user_id: int | None
    agency_id: int | None = None
    permissions: frozenset[str] = field(default_factory=frozenset)
    platform_admin: bool = False

    def can(self, permission: str) -> bool:
        return permission in self.permissions


def may_see(booking: TrainingBooking, who: Principal) -> bool:
    """The learner, whoever booked them, the partnership's register takers, and the safeguarding lead of
    the learner's agency. (Another partnership's bookings are not even found: isolation.)"""
    if who.user_id is not None and who.user_id in (booking.user_id, booking.booked_by_id):
        return True
    if who.platform_admin or who.can("training.register.take"):
        return True
    return who.can("training.book.staff") and (who.agency_id is None or who.agency_id == booking.agency_id)


def staff_choices(who: Principal) -> list[Membership]:
    """Members a booker of staff may book: active, with an agency, and of the booker's own agency when
    their membership is limited to one."""
    stmt = (select(Membership).join(User, User.id == Membership.user_id)
            .where(Membership.status == "active", Membership.agency_id.is_not(None), User.active.is_(True))
            .options(selectinload(Membership.user), selectinload(Membership.agency)).order_by(User.name, User.id))
    if who.agency_id is not None and not who.platform_admin:
        stmt = stmt.where(Membership.agency_id == who.agency_id)
    return list(db.session.scalars(stmt))


def delegate_membership(user_id: int) -> Membership | None:
    return db.session.scalars(select(Membership).where(Membership.user_id == user_id)
                              .options(selectinload(Membership.user), selectinload(Membership.agency))).first()


def has_completed(user_ids: Iterable[int], course_id: int) -> frozenset[int]:
    """Those of the people who attended the whole of a session of the course (through this partnership)."""
    user_ids = list(user_ids)
    if not user_ids:
        return frozenset()
    return frozenset(db.session.scalars(
        select(TrainingBooking.user_id).join(TrainingSession, TrainingSession.id == TrainingBooking.session_id)
        .where(TrainingBooking.user_id.in_(user_ids), TrainingSession.course_id == course_id,
               TrainingBooking.attendance == "attended").distinct()
    ))


# -- whether a place can be had: one rule for the booking and for the pages that offer it ------------------

NO_MEMBERSHIP = ("Training is booked through a membership of the partnership, with your agency: you are signed "
                 "in as a platform administrator only")


@dataclass(frozen=True)
class PlaceFacts:
    """What the booking rule reads beyond the session and the delegate: the places taken across the offer,
    who of the people asked about has completed the course's prerequisite, and who holds a place or a place
    in the queue already (through any partnership). Read for one person or a list, in the same few queries."""

    taken: int
    completed: frozenset[int] = frozenset()
    booked: frozenset[int] = frozenset()


def place_facts(session: TrainingSession, user_ids: Iterable[int]) -> PlaceFacts:
    user_ids = [u for u in dict.fromkeys(user_ids) if u is not None]
    prerequisite_id = session.course.prerequisite_id
    return PlaceFacts(
        taken=sharing.places_taken(session),
        completed=has_completed(user_ids, prerequisite_id) if prerequisite_id is not None else frozenset(),
        booked=sharing.already_booked(session, user_ids),
    )


def session_refusal(session: TrainingSession, now: datetime) -> TrainingError | None:
    """Why nobody can be booked on the session now, or None."""
    if session.status != "scheduled":
        return TrainingError("The session was cancelled", api_status=409)
    if session.starts_at <= now:
        return TrainingError("The session has started, so it can no longer be booked", api_status=409)
    if not session.course.active:
        return TrainingError("The course has been withdrawn, so its sessions can no longer be booked", api_status=409)
    return None


def _delegate_refusal(membership: Membership | None, who: Principal) -> TrainingError | None:
    if membership is None or membership.status != "active" or not membership.user.active:
        return TrainingError("Choose a member of staff from the list", "user_id")
    self_booking = membership.user_id == who.user_id
    if membership.agency_id is None:
        if self_booking:
            return TrainingError("Your membership of the partnership names no agency, and training is for the staff "
                                 "of its agencies: ask your partnership's administrator to add your agency",
                                 api_status=400)  # no field sent is wrong: the API answers 400, as it always has
        return TrainingError(f"{membership.user.name} has no agency in this partnership, so cannot be booked",
                             "user_id")
    if not self_booking and who.agency_id is not None and not who.platform_admin \
            and membership.agency_id != who.agency_id:
        return TrainingError("You can book staff of your own agency only", "user_id")
    return None


def refusal(session: TrainingSession, delegate: Membership | None, who: Principal, now: datetime,
            facts: PlaceFacts, *, join_waiting_list: bool = True) -> TrainingError | None:
    """Why ``who`` cannot book ``delegate`` on the session now, or None when the booking would be taken.

    ``book`` raises what this returns, and the session page asks it before offering a button, so the page
    never offers what the booking would refuse and says the same reason instead."""
    refused = session_refusal(session, now) or _delegate_refusal(delegate, who)
    if refused is not None:
        return refused
    self_booking = delegate.user_id == who.user_id
    name = delegate.user.name
    prerequisite: TrainingCourse | None = session.course.prerequisite
    if prerequisite is not None and delegate.user_id not in facts.completed:
        return TrainingError(f"{session.course.title} is for people who have completed {prerequisite.title} "
                             f"({prerequisite.level_label.lower()}), and "
                             f"{'you have' if self_booking else name + ' has'} not attended it yet", api_status=409)
    if delegate.user_id in facts.booked:
        return TrainingError(f"{'You are' if self_booking else name + ' is'} already booked on this session or on "
                             "its waiting list", api_status=409)
    if facts.taken >= session.capacity and not join_waiting_list:
        return TrainingError("The session is full", api_status=409)
    return None


@dataclass(frozen=True)
class Offering:
    """What a session page may offer the person looking at it, by the booking rule: why nobody can book
    (``closed``), why they cannot book themselves, which of their staff they can book, and why not the rest."""

    closed: str | None = None
    self_refused: str | None = None
    staff: list[Membership] = field(default_factory=list)
    staff_refused: list[tuple[Membership, str]] = field(default_factory=list)


def offering(session: TrainingSession, who: Principal, now: datetime, *, ask_self: bool, me: Membership | None,
             staff: list[Membership]) -> Offering:
    """``ask_self``: whether to ask about booking oneself (``me``: one's membership, None for a platform
    admin who is no member); ``staff``: the members one may book (``staff_choices``). A few queries, whatever
    the number of staff."""
    closed = session_refusal(session, now)
    if closed is not None:
        return Offering(closed=str(closed))
    facts = place_facts(session, [m.user_id for m in staff] + ([me.user_id] if ask_self and me is not None else []))
    self_refused = None
    if ask_self and me is None:
        self_refused = NO_MEMBERSHIP
    elif ask_self and (refused := refusal(session, me, who, now, facts)) is not None:
        self_refused = str(refused)
    reasons = {m.user_id: refusal(session, m, who, now, facts) for m in staff}
    return Offering(self_refused=self_refused, staff=[m for m in staff if reasons[m.user_id] is None],
                    staff_refused=[(m, str(reasons[m.user_id])) for m in staff if reasons[m.user_id] is not None])


# -- booking ---------------------------------------------------------------------------------------------


def book(offer: Offer, tenant: Tenant, session_id: int, delegate: Membership | None, who: Principal,
         now: datetime, settings: dict, *, manager_email: str = "", join_waiting_list: bool = True
         ) -> TrainingBooking:
    """A place for the delegate, or a place in the queue when the session is full.

    The session row is locked first; the places are then counted across every partnership of the offer,
    so the last place goes to exactly one booking however many ask at once.
    """
    session = sharing.lock_session(session_id)
    if session is None or not visible(offer, session):
        raise TrainingError("There is no such session", api_status=404)
    facts = place_facts(session, [delegate.user_id] if delegate is not None else [])
    refused = refusal(session, delegate, who, now, facts, join_waiting_list=join_waiting_list)
    if refused is not None:
        raise refused
    name = delegate.user.name
    manager_email = (manager_email or "").strip()
    if len(manager_email) > 254 or (manager_email and "@" not in manager_email):
        raise TrainingError("Enter the manager's email address in the correct format, like name@example.org",
                            "manager_email")
    full = facts.taken >= session.capacity
    booking = TrainingBooking(
        session=session, user_id=delegate.user_id, agency_id=delegate.agency_id, delegate_name=name,
        delegate_email=delegate.user.email, manager_email=manager_email, booked_by_id=who.user_id,
        status="waiting" if full else "confirmed", requested_at=now, confirmed_at=None if full else now,
    )
    db.session.add(booking)
    record("training.booked" if not full else "training.waiting", booking,
           summary=f"{name} {'joined the waiting list for' if full else 'booked on'} {session.course.title} "
                   f"on {notices.when(session)}",
           details={"session": session.id, "booked_by": who.user_id})
    if full:
        notices.waiting(booking, session, tenant, sharing.waiting_positions(session).get(booking.id, 0))
    else:
        notices.confirmed(booking, session, tenant, deadline_text(session, settings["cancellation_working_days"]))
    return booking


@dataclass(frozen=True)
class Cancelled:
    late: bool
    charge_pence: int
    promoted: list[sharing.Moved]


def cancel(offer: Offer, tenant: Tenant, booking: TrainingBooking, now: datetime, settings: dict) -> Cancelled:
    """Cancel a place or leave the queue. After the partnership's deadline it is a late cancellation,
    charged if the policy says so. A freed place goes to the first on the waiting list, in this transaction."""
    session = sharing.lock_session(booking.session_id)
    db.session.refresh(booking)  # as it is now that the session is locked, not as this request first read it
    if session is None:
        raise TrainingError("There is no such session", api_status=404)
    if booking.status == "cancelled":
        raise TrainingError("This booking is already cancelled", api_status=409)
    if session.starts_at <= now:
        raise TrainingError("The session has started: it can no longer be cancelled, and the register will "
                            "record whether the place was used", api_status=409)
    was_confirmed = booking.status == "confirmed"
    late = was_confirmed and session.status == "scheduled" and \
        is_late(session, now, settings["cancellation_working_days"])
    booking.status = "cancelled"
    booking.cancelled_at = now
    booking.ical_sequence += 1
    charge = 0
    if late:
        booking.attendance = "cancelled_late"
        booking.attendance_recorded_at = now
        charge = booking.charge_pence = charge_for("cancelled_late", session, settings)
    record("training.cancelled", booking,
           summary=f"{booking.delegate_name} {'cancelled late' if late else 'cancelled'} "
                   f"{'their place on' if was_confirmed else 'their place on the waiting list for'} "
                   f"{session.course.title}",
           details={"late": late, "charge_pence": charge})
    if was_confirmed:
        notices.cancelled(booking, session, tenant, late, pounds(charge) if charge else "")
        promoted = sharing.promote_waiting(session, now, notices.promoted)
    else:
        notices.left_queue(booking, session, tenant)
        promoted = []
    return Cancelled(late=late, charge_pence=charge, promoted=promoted)


# -- changes to a session --------------------------------------------------------------------------------


def change_session(offer: Offer, session: TrainingSession, data: dict, now: datetime) -> list[sharing.Moved]:
    """Change a session's details. More places go to the waiting list at once; fewer than the places
    already taken is refused; the date and time change only while nobody is booked (calendars hold it)."""
    require_owner(offer, session)
    if session.status != "scheduled":
        raise TrainingError("The session was cancelled, so it cannot be changed", api_status=409)
    locked = sharing.lock_session(session.id)
    values = session_values(locked.course, data)
    taken = sharing.places_taken(locked)
    if values["capacity"] < taken:
        raise TrainingError(f"{taken} people have places, so the session needs at least {taken} places", "capacity")
    moved = (values["starts_at"], values["ends_at"]) != (locked.starts_at, locked.ends_at)
    if moved and (taken or sharing.occupancy([locked])[locked.id][1]):
        raise TrainingError("People are booked on this session, so its date and time cannot change: cancel it "
                            "(everyone booked is told) and schedule another", "date")
    if moved and values["starts_at"] <= now:
        raise TrainingError("The new date and time must be in the future", "date")
    before = {"starts_at": locked.starts_at.isoformat(), "capacity": locked.capacity, "venue": locked.venue}
    for key, value in values.items():
        setattr(locked, key, value)
    record("training.session_changed", locked, summary=f"Changed the session of {locked.course.title} on "
           f"{notices.when(locked)}", details={"before": before})
    db.session.flush()
    return sharing.promote_waiting(locked, now, notices.promoted)


def cancel_session(offer: Offer, session: TrainingSession, reason: str, now: datetime) -> list[sharing.Moved]:
    """Call a session off: every partnership's delegates lose their places (uncharged) and are told."""
    require_owner(offer, session)
    locked = sharing.lock_session(session.id)
    if locked.status == "cancelled":
        raise TrainingError("The session is already cancelled", api_status=409)
    if locked.starts_at <= now:
        raise TrainingError("The session has started, so it cannot be cancelled", api_status=409)
    locked.status = "cancelled"
    record("training.session_cancelled", locked, summary=f"Cancelled the session of {locked.course.title} on "
           f"{notices.when(locked)}", details={"reason": (reason or "")[:500]})
    return sharing.cancel_all_bookings(locked, now, notices.session_cancelled)


# -- the register ----------------------------------------------------------------------------------------


def outcome_field(booking_id: int) -> str:
    return f"outcome-{booking_id}"


def register_entries(offer: Offer, session: TrainingSession) -> list[sharing.RegisterEntry]:
    if session.tenant_id != offer.tenant_id:
        raise TrainingError(f"The register of this session is taken by {offer.coordinator_name or 'its organiser'}, "
                            "which runs it", api_status=403)
    return sharing.register(session)


def take_register(offer: Offer, session: TrainingSession, answers: dict[int, str], now: datetime) -> int:
    """Record how each delegate with a place attended (every partnership's, for a shared session). Every
    delegate needs an answer: a gap would read as an absence in the figures. Late cancellations are
    already recorded and stay so. Returns the number of bookings changed."""
    entries = register_entries(offer, session)
    if session.status != "scheduled":
        raise TrainingError("The session was cancelled, so it has no register", api_status=409)
    if session.starts_at > now:
        raise TrainingError("The register can be taken once the session has started", api_status=409)
    expected = {e.booking_id: e for e in entries if e.status == "confirmed"}
    problems = {}
    outcomes = {}
    for booking_id, entry in expected.items():
        answer = answers.get(booking_id, "")
        if answer not in ATTENDANCE:
            problems[outcome_field(booking_id)] = f"Choose how {entry.name} attended"
        else:
            outcomes[booking_id] = answer
    if problems:
        raise TrainingError(problems)
    changed = sharing.record_outcomes(session, outcomes, now, charge_for)
    counts = {key: sum(1 for v in outcomes.values() if v == key) for key in ATTENDANCE}
    record("training.register_taken", session, summary=f"Took the register of {session.course.title} on "
           f"{notices.when(session)}", details=counts)
    return changed
