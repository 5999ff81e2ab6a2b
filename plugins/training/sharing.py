"""Where sharing and isolation meet: every read and write of the training module that crosses partnerships.

Courses and sessions of a shared offer are ``OfferScoped``: every member reads them through isolation.
Bookings are ``TenantScoped`` and stamped with the delegate's partnership, so each partnership sees its own
people only. Four things need more than that, and only these, all in this file:

1. Capacity. The last place of a shared session is the last place for every partnership: the place check
   counts every partnership's bookings, under a lock on the session row (``lock_session``), so two
   partnerships (or two people of one) can never take the same last place.
2. The waiting list. It is one queue across the offer, first come first served: a place freed by one
   partnership's delegate goes to whoever is first, whichever partnership they belong to, in the same
   transaction (``promote_waiting``), and a cancelled session cancels every partnership's bookings.
3. The register. The coordinator runs its shared sessions, so it reads every delegate of them (name,
   agency, partnership and status, nothing more: ``register``) and records their attendance
   (``record_outcomes``).
4. The coordinator's figures for the whole offer: counts and evaluation scores of other partnerships'
   delegates on the coordinator's own shared sessions, with no names (``offer_booking_facts``,
   ``offer_evaluation_facts``).

Every function opens ``unscoped()`` for as short a time as it can, limits itself to one session (or to
the coordinator's own shared sessions) and to bookings of partnerships of the offer, and returns plain
values, not rows another partnership could go on to read or change. Writes to another partnership's rows
are recorded in that partnership's audit log and its emails are stamped with it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from core.audit.services import record
from core.db import db
from core.plugins.models import ModuleEnablement
from core.tenancy.isolation import current_tenant_id, unscoped
from core.tenancy.models import Agency, SharedOfferMember, Tenant
from plugins.training.models import TrainingBooking, TrainingEvaluation, TrainingSession
from plugins.training.schemas import TrainingSettings


class NotTheOrganiser(PermissionError):
    """Only the partnership that runs a session reads and records its whole register."""


def partnerships_of(session: TrainingSession) -> frozenset[int]:
    """The partnerships whose delegates may hold places on the session: the owner alone for its own
    session; for a shared one, every member of the offer and its coordinator (the owner)."""
    if session.shared_offer_id is None:
        return frozenset([session.tenant_id])
    members = db.session.scalars(select(SharedOfferMember.tenant_id)
                                 .where(SharedOfferMember.offer_id == session.shared_offer_id))
    return frozenset([*members, session.tenant_id])


def lock_session(session_id: int) -> TrainingSession | None:
    """The session row, locked until the transaction ends, so that counting its places and taking one
    happen as one step for everybody, whichever partnership books.

    PostgreSQL: ``SELECT ... FOR UPDATE`` on the session (a read to isolation, so members may lock the
    coordinator's shared row). SQLite has no row locks and its driver only opens a transaction at the first
    write, so two requests could both count the same free place: ``BEGIN IMMEDIATE`` takes the database's
    write lock before counting instead. Returns None when the session is not visible in the current scope.
    """
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        if not raw.in_transaction:  # one already open has written, so it holds the write lock already
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    return db.session.scalars(
        select(TrainingSession).where(TrainingSession.id == session_id).with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def _bookings_of(session: TrainingSession):
    return select(TrainingBooking).where(TrainingBooking.session_id == session.id,
                                         TrainingBooking.tenant_id.in_(partnerships_of(session)))


def places_taken(session: TrainingSession) -> int:
    """Confirmed places on the session, every partnership's. Call under ``lock_session`` to act on it."""
    partnerships = partnerships_of(session)
    with unscoped():
        return db.session.scalar(
            select(func.count()).select_from(TrainingBooking).where(
                TrainingBooking.session_id == session.id, TrainingBooking.tenant_id.in_(partnerships),
                TrainingBooking.status == "confirmed")
        )


def occupancy(sessions: Iterable[TrainingSession]) -> dict[int, tuple[int, int]]:
    """``{session id: (places taken, people waiting)}`` across partnerships, for lists of sessions: two
    queries whatever their number. Counts only: nobody's booking is read."""
    sessions = list(sessions)
    if not sessions:
        return {}
    offers = {s.shared_offer_id for s in sessions if s.shared_offer_id is not None}
    members: dict[int, set[int]] = {}
    if offers:
        for offer_id, tenant_id in db.session.execute(
            select(SharedOfferMember.offer_id, SharedOfferMember.tenant_id).where(SharedOfferMember.offer_id.in_(offers))
        ):
            members.setdefault(offer_id, set()).add(tenant_id)
    allowed = {s.id: members.get(s.shared_offer_id, set()) | {s.tenant_id} for s in sessions}
    counts = {s.id: [0, 0] for s in sessions}
    with unscoped():
        rows = db.session.execute(
            select(TrainingBooking.session_id, TrainingBooking.tenant_id, TrainingBooking.status, func.count())
            .where(TrainingBooking.session_id.in_(list(allowed)), TrainingBooking.status.in_(["confirmed", "waiting"]))
            .group_by(TrainingBooking.session_id, TrainingBooking.tenant_id, TrainingBooking.status)
        ).all()
    for session_id, tenant_id, status, n in rows:
        if tenant_id in allowed[session_id]:
            counts[session_id][0 if status == "confirmed" else 1] += n
    return {k: (v[0], v[1]) for k, v in counts.items()}


def already_booked(session: TrainingSession, user_ids: Iterable[int]) -> frozenset[int]:
    """Those of the people who hold a place or a place in the queue already, through any partnership
    (someone who is a member of two partnerships of the offer could otherwise book twice). Ids only."""
    user_ids = list(user_ids)
    if not user_ids:
        return frozenset()
    partnerships = partnerships_of(session)
    with unscoped():
        return frozenset(db.session.scalars(
            select(TrainingBooking.user_id).where(
                TrainingBooking.session_id == session.id, TrainingBooking.user_id.in_(user_ids),
                TrainingBooking.tenant_id.in_(partnerships), TrainingBooking.status.in_(["confirmed", "waiting"]))
            .distinct()
        ))


def waiting_positions(session: TrainingSession) -> dict[int, int]:
    """The queue position of each of the current partnership's waiting bookings, counted across the offer
    (position 1 is next). Only the current partnership's booking ids are returned."""
    mine = current_tenant_id()
    partnerships = partnerships_of(session)
    with unscoped():
        queue = db.session.execute(
            select(TrainingBooking.id, TrainingBooking.tenant_id).where(
                TrainingBooking.session_id == session.id, TrainingBooking.tenant_id.in_(partnerships),
                TrainingBooking.status == "waiting")
            .order_by(TrainingBooking.requested_at, TrainingBooking.id)
        ).all()
    return {booking_id: position for position, (booking_id, tenant_id) in enumerate(queue, start=1)
            if tenant_id == mine}


@dataclass(frozen=True)
class Moved:
    """A booking of some partnership that a change to the session moved: what its email needs."""

    booking_id: int
    tenant_id: int


def _tenants(ids: Iterable[int]) -> dict[int, Tenant]:
    ids = set(ids)
    return {t.id: t for t in db.session.scalars(select(Tenant).where(Tenant.id.in_(ids)))} if ids else {}


def promote_waiting(session: TrainingSession, now: datetime,
                    notify: Callable[[TrainingBooking, TrainingSession, Tenant], None]) -> list[Moved]:
    """Give the session's free places to the first on its waiting list, whichever partnership they belong
    to, in the caller's transaction (which must hold ``lock_session``). ``notify`` queues the email, in
    unscoped mode: it must stamp it with the booking's partnership (``queue_email_for``)."""
    if session.status != "scheduled" or session.starts_at <= now:
        return []
    free = session.capacity - places_taken(session)
    if free <= 0:
        return []
    moved: list[Moved] = []
    with unscoped():
        queue = db.session.scalars(
            _bookings_of(session).where(TrainingBooking.status == "waiting")
            .order_by(TrainingBooking.requested_at, TrainingBooking.id).limit(free)
        ).all()
        tenants = _tenants(b.tenant_id for b in queue)
        for booking in queue:
            booking.status = "confirmed"
            booking.confirmed_at = now
            _stamped(record("training.promoted", booking,
                            summary=f"{booking.delegate_name} moved from the waiting list to a place on "
                                    f"{session.course.title}"), booking.tenant_id)
            notify(booking, session, tenants[booking.tenant_id])
            moved.append(Moved(booking.id, booking.tenant_id))
        db.session.flush()
    return moved


def cancel_all_bookings(session: TrainingSession, now: datetime,
                        notify: Callable[[TrainingBooking, TrainingSession, Tenant], None]) -> list[Moved]:
    """The session is cancelled: every partnership's places and queue go, with an email to each delegate.
    Nobody is charged for a session that did not happen."""
    moved: list[Moved] = []
    with unscoped():
        bookings = db.session.scalars(
            _bookings_of(session).where(TrainingBooking.status.in_(["confirmed", "waiting"]))
            .order_by(TrainingBooking.id)
        ).all()
        tenants = _tenants(b.tenant_id for b in bookings)
        for booking in bookings:
            booking.status = "cancelled"
            booking.cancelled_at = now
            booking.ical_sequence += 1
            _stamped(record("training.cancelled_with_session", booking,
                            summary=f"{booking.delegate_name}'s booking ended: the session of "
                                    f"{session.course.title} was cancelled"), booking.tenant_id)
            notify(booking, session, tenants[booking.tenant_id])
            moved.append(Moved(booking.id, booking.tenant_id))
        db.session.flush()
    return moved


def _stamped(row, tenant_id: int):
    # Recorded where the changed booking lives: that partnership's audit log and outbox show it.
    row.tenant_id = tenant_id
    return row


def queue_email_for(tenant_id: int, to: str, subject: str, body: str, *, purpose: str,
                    attachments: list | None = None):
    """Email about another partnership's booking (from ``notify`` in unscoped mode), stamped with that
    partnership so that its admins see it in their outbox."""
    from core.mail.services import queue_email

    return _stamped(queue_email(to, subject, body, purpose=purpose, attachments=attachments), tenant_id)


# -- the register ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterEntry:
    """One delegate on a register: what running the register needs, and nothing more."""

    booking_id: int
    name: str
    agency: str
    partnership: str
    status: str
    attendance: str | None
    own: bool  # a delegate of the partnership running the register


def _require_organiser(session: TrainingSession) -> None:
    if session.tenant_id != current_tenant_id():
        raise NotTheOrganiser("only the partnership that runs the session takes its register")


def register(session: TrainingSession) -> list[RegisterEntry]:
    """Everyone with a place on the session (and those who cancelled late), from every partnership of
    the offer, for the partnership that runs it."""
    _require_organiser(session)
    partnerships = partnerships_of(session)
    mine = session.tenant_id
    with unscoped():
        rows = db.session.execute(
            select(TrainingBooking.id, TrainingBooking.delegate_name, Agency.name, Tenant.short_name,
                   TrainingBooking.status, TrainingBooking.attendance, TrainingBooking.tenant_id)
            .join(Tenant, Tenant.id == TrainingBooking.tenant_id)
            .outerjoin(Agency, Agency.id == TrainingBooking.agency_id)
            .where(TrainingBooking.session_id == session.id, TrainingBooking.tenant_id.in_(partnerships),
                   (TrainingBooking.status == "confirmed") | (TrainingBooking.attendance == "cancelled_late"))
            .order_by(TrainingBooking.delegate_name, TrainingBooking.id)
        ).all()
    return [RegisterEntry(booking_id, name, agency or "No agency", partnership, status, attendance,
                          tenant_id == mine)
            for booking_id, name, agency, partnership, status, attendance, tenant_id in rows]


def settings_of(tenant_ids: Iterable[int]) -> dict[int, dict]:
    """Each partnership's own training settings (its charging policy), read from its enablement row."""
    tenant_ids = set(tenant_ids)
    with unscoped():
        rows = db.session.execute(
            select(ModuleEnablement.tenant_id, ModuleEnablement.settings)
            .where(ModuleEnablement.module == "training", ModuleEnablement.tenant_id.in_(tenant_ids))
        ).all()
    loaded = {tenant_id: TrainingSettings().load(raw or {}) for tenant_id, raw in rows}
    return {tenant_id: loaded.get(tenant_id) or TrainingSettings().load({}) for tenant_id in tenant_ids}


def record_outcomes(session: TrainingSession, outcomes: dict[int, str], now: datetime,
                    charge: Callable[[str, TrainingSession, dict], int]) -> int:
    """Write the register: ``{booking id: outcome}`` for bookings of the session, whichever partnership.
    Each charge follows the delegate's own partnership's policy (``charge(outcome, session, settings)``).
    Returns the number of bookings changed. The caller has checked the outcomes."""
    _require_organiser(session)
    partnerships = partnerships_of(session)
    policies = settings_of(partnerships)
    changed = 0
    with unscoped():
        bookings = db.session.scalars(_bookings_of(session).where(TrainingBooking.id.in_(list(outcomes)))).all()
        for booking in bookings:
            outcome = outcomes[booking.id]
            if booking.attendance == outcome and booking.attendance_recorded_at is not None:
                continue
            before = booking.attendance
            booking.attendance = outcome
            booking.attendance_recorded_at = now
            booking.charge_pence = charge(outcome, session, policies[booking.tenant_id])
            _stamped(record("training.attendance_recorded", booking,
                            summary=f"{booking.delegate_name}: {outcome.replace('_', ' ')} at {session.course.title}",
                            details={"before": before, "charge_pence": booking.charge_pence}), booking.tenant_id)
            changed += 1
        db.session.flush()
    return changed


# -- the coordinator's figures ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BookingFact:
    """A booking reduced to what the figures count: no name, no email."""

    tenant_id: int
    partnership: str
    agency: str
    sector: str
    session_id: int
    course_id: int
    status: str
    attendance: str | None
    confirmed: bool
    charge_pence: int


def _coordinator_sessions(mine: int, start: datetime, end: datetime):
    """The partnership's own shared sessions in the period: the only ones whose other partnerships'
    delegates it may count."""
    return (TrainingSession.tenant_id == mine, TrainingSession.shared_offer_id.is_not(None),
            TrainingSession.status == "scheduled", TrainingSession.starts_at >= start, TrainingSession.starts_at < end)


def offer_booking_facts(start: datetime, end: datetime) -> list[BookingFact]:
    """Other partnerships' bookings of the current partnership's shared sessions that start in the period,
    limited to partnerships that belong to each session's offer."""
    mine = current_tenant_id()
    if mine is None:
        return []
    with unscoped():
        rows = db.session.execute(
            select(TrainingBooking.tenant_id, Tenant.short_name, Agency.name, Agency.sector, TrainingSession.id,
                   TrainingSession.course_id, TrainingBooking.status, TrainingBooking.attendance,
                   TrainingBooking.confirmed_at.is_not(None), TrainingBooking.charge_pence)
            .join(TrainingSession, TrainingSession.id == TrainingBooking.session_id)
            .join(SharedOfferMember, (SharedOfferMember.offer_id == TrainingSession.shared_offer_id)
                  & (SharedOfferMember.tenant_id == TrainingBooking.tenant_id))
            .join(Tenant, Tenant.id == TrainingBooking.tenant_id)
            .outerjoin(Agency, Agency.id == TrainingBooking.agency_id)
            .where(*_coordinator_sessions(mine, start, end), TrainingBooking.tenant_id != mine)
        ).all()
    return [BookingFact(t, p, a or "No agency", s or "", sid, cid, st, att, bool(conf), ch)
            for t, p, a, s, sid, cid, st, att, conf, ch in rows]


def offer_evaluation_facts(start: datetime, end: datetime) -> list[tuple[int, str, int, int]]:
    """``(course id, stage, knowledge, confidence)`` of other partnerships' delegates on the current
    partnership's shared sessions in the period."""
    mine = current_tenant_id()
    if mine is None:
        return []
    with unscoped():
        return [tuple(row) for row in db.session.execute(
            select(TrainingSession.course_id, TrainingEvaluation.stage, TrainingEvaluation.knowledge,
                   TrainingEvaluation.confidence)
            .join(TrainingBooking, TrainingBooking.id == TrainingEvaluation.booking_id)
            .join(TrainingSession, TrainingSession.id == TrainingBooking.session_id)
            .join(SharedOfferMember, (SharedOfferMember.offer_id == TrainingSession.shared_offer_id)
                  & (SharedOfferMember.tenant_id == TrainingBooking.tenant_id))
            .where(*_coordinator_sessions(mine, start, end), TrainingBooking.tenant_id != mine,
                   TrainingEvaluation.tenant_id == TrainingBooking.tenant_id)
        )]
