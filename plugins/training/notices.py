"""What the training module emails: confirmations with a calendar invite, waiting list news, cancellations,
reminders and evaluation requests. Every email goes through the outbox, in the transaction of its cause.

The invite is an iCalendar ``METHOD:REQUEST`` whose UID is fixed per booking, so that a cancellation
(``METHOD:CANCEL``, a higher SEQUENCE) removes the very event the confirmation added.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parseaddr

from flask import current_app
from icalendar import Calendar, Event, vCalAddress, vText

from core.calendar import LONDON
from core.tenancy.models import Tenant
from plugins.training.models import TrainingBooking, TrainingSession
from plugins.training.sharing import queue_email_for

PRODID = "-//Safeguarding partnership platform//Training//EN"
UID_DOMAIN = "lscp-platform"


def link(tenant: Tenant, path: str) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/{tenant.slug}/training{path}"


def booking_uid(booking: TrainingBooking) -> str:
    """The same in every invite of a booking: a calendar updates or removes the event rather than adding one."""
    return f"training-booking-{booking.id}@{UID_DOMAIN}"


def when(session: TrainingSession) -> str:
    starts, ends = session.starts_at.astimezone(LONDON), session.ends_at.astimezone(LONDON)
    if starts.date() == ends.date():
        return f"{starts:%A %-d %B %Y}, {starts:%H:%M} to {ends:%H:%M} (London time)"
    return f"{starts:%A %-d %B %Y %H:%M} to {ends:%A %-d %B %Y %H:%M} (London time)"


def where(session: TrainingSession) -> str:
    if not session.venue and not session.joining_link:
        return "Details to follow"
    lines = [session.where_label]
    if session.joining_link:
        lines.append(f"Joining link: {session.joining_link}")
    return "\n".join(lines)


def session_details(session: TrainingSession) -> str:
    lines = [f"Course: {session.course.title} ({session.course.level_label})", f"When: {when(session)}",
             f"Where: {where(session)}"]
    if session.trainers:
        lines.append(f"Trainers: {session.trainers}")
    if session.joining_instructions:
        lines += ["", "Joining instructions:", session.joining_instructions]
    return "\n".join(lines)


def invite(booking: TrainingBooking, session: TrainingSession, tenant: Tenant, *, cancel: bool = False,
           stamp: datetime | None = None) -> str:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "CANCEL" if cancel else "REQUEST")
    event = Event()
    event.add("uid", booking_uid(booking))
    event.add("dtstamp", (stamp or datetime.now(UTC)).astimezone(UTC))
    event.add("dtstart", session.starts_at.astimezone(UTC))
    event.add("dtend", session.ends_at.astimezone(UTC))
    event.add("sequence", booking.ical_sequence)
    event.add("summary", f"{'Cancelled: ' if cancel else ''}{session.course.title}")
    event.add("status", "CANCELLED" if cancel else "CONFIRMED")
    location = session.venue or session.joining_link
    if location:
        event.add("location", location)
    event.add("description", f"{session_details(session)}\n\nYour booking: {link(tenant, f'/bookings/{booking.id}')}")
    event.add("url", link(tenant, f"/bookings/{booking.id}"))
    _name, organiser = parseaddr(current_app.config["MAIL_FROM"])
    who = vCalAddress(f"mailto:{organiser or 'no-reply@localhost'}")
    who.params["cn"] = vText(f"{tenant.short_name} safeguarding partnership")
    event.add("organizer", who)
    attendee = vCalAddress(f"mailto:{booking.delegate_email}")
    attendee.params["cn"] = vText(booking.delegate_name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("DECLINED" if cancel else "ACCEPTED")
    event.add("attendee", attendee)
    cal.add_component(event)
    return cal.to_ical().decode()


def _attachment(content: str) -> list[dict]:
    return [{"filename": "invite.ics", "content_type": "text/calendar", "content": content}]


def _send(booking: TrainingBooking, tenant: Tenant, subject: str, body: str, purpose: str,
          attachments: list | None = None, also: tuple[str, ...] = ()) -> None:
    for address in dict.fromkeys((booking.delegate_email, *(a for a in also if a))):
        queue_email_for(booking.tenant_id, address, subject, body, purpose=purpose,
                        attachments=attachments if address == booking.delegate_email else None)


def confirmed(booking: TrainingBooking, session: TrainingSession, tenant: Tenant, deadline_text: str) -> None:
    body = (f"Hello {booking.delegate_name},\n\nYou have a place on {session.course.title}.\n\n"
            f"{session_details(session)}\n\n"
            f"Before the session, tell us what you know now (it takes a minute): "
            f"{link(tenant, f'/bookings/{booking.id}')}\n\n"
            f"If you cannot come, cancel {deadline_text} so that someone on the waiting list can have the place.\n\n"
            "The attached invitation adds the session to your calendar.\n")
    _send(booking, tenant, f"Booked: {session.course.title}, {when(session)}", body, "training-confirmation",
          _attachment(invite(booking, session, tenant)))


def waiting(booking: TrainingBooking, session: TrainingSession, tenant: Tenant, position: int) -> None:
    body = (f"Hello {booking.delegate_name},\n\n{session.course.title} on {when(session)} is full, so you are on "
            f"its waiting list (number {position}). If a place frees up you will get it automatically, and an "
            f"email with the calendar invitation.\n\nYour booking: {link(tenant, f'/bookings/{booking.id}')}\n")
    _send(booking, tenant, f"Waiting list: {session.course.title}, {when(session)}", body, "training-waiting")


def promoted(booking: TrainingBooking, session: TrainingSession, tenant: Tenant) -> None:
    body = (f"Hello {booking.delegate_name},\n\nA place has come up on {session.course.title} and it is yours: you "
            f"have moved from the waiting list to a confirmed place.\n\n{session_details(session)}\n\n"
            f"If you can no longer come, cancel as soon as you can: {link(tenant, f'/bookings/{booking.id}')}\n\n"
            "The attached invitation adds the session to your calendar.\n")
    _send(booking, tenant, f"You have a place: {session.course.title}, {when(session)}", body, "training-promoted",
          _attachment(invite(booking, session, tenant)))


def cancelled(booking: TrainingBooking, session: TrainingSession, tenant: Tenant, late: bool,
              charge_text: str = "") -> None:
    extra = ""
    if late:
        extra = "\n\nThis was after the cancellation deadline, so it is recorded as a late cancellation."
        if charge_text:
            extra += f" Your agency will be charged {charge_text}, as the partnership's policy says."
    body = (f"Hello {booking.delegate_name},\n\nYour booking for {session.course.title} on {when(session)} is "
            f"cancelled.{extra}\n\nThe attached update removes the session from your calendar.\n")
    _send(booking, tenant, f"Cancelled: {session.course.title}, {when(session)}", body, "training-cancelled",
          _attachment(invite(booking, session, tenant, cancel=True)))


def left_queue(booking: TrainingBooking, session: TrainingSession, tenant: Tenant) -> None:
    body = (f"Hello {booking.delegate_name},\n\nYou are no longer on the waiting list for {session.course.title} "
            f"on {when(session)}.\n")
    _send(booking, tenant, f"Off the waiting list: {session.course.title}", body, "training-cancelled")


def session_cancelled(booking: TrainingBooking, session: TrainingSession, tenant: Tenant) -> None:
    body = (f"Hello {booking.delegate_name},\n\nThe session of {session.course.title} on {when(session)} has been "
            "cancelled by the organisers. You will not be charged. Look out for another date in the catalogue: "
            f"{link(tenant, '/')}\n\nThe attached update removes the session from your calendar.\n")
    attachments = _attachment(invite(booking, session, tenant, cancel=True)) if booking.confirmed_at else None
    _send(booking, tenant, f"Session cancelled: {session.course.title}, {when(session)}", body,
          "training-session-cancelled", attachments)


def reminder_text(booking: TrainingBooking, session: TrainingSession, tenant: Tenant, days: int) -> tuple[str, str]:
    ahead = "in two weeks" if days > 2 else "in two days"
    subject = f"Reminder: {session.course.title} {ahead}, {when(session)}"
    body = (f"Hello {booking.delegate_name},\n\nA reminder that you have a place on {session.course.title}.\n\n"
            f"{session_details(session)}\n\nIf you cannot come, cancel now so that someone on the waiting list "
            f"can have the place: {link(tenant, f'/bookings/{booking.id}')}\n")
    return subject, body


def feedback_text(booking: TrainingBooking, session: TrainingSession, tenant: Tenant) -> tuple[str, str]:
    subject = f"How was {session.course.title}?"
    body = (f"Hello {booking.delegate_name},\n\nThank you for coming to {session.course.title}. Tell us how it went "
            f"and how your knowledge and confidence have changed (it takes two minutes):\n\n"
            f"{link(tenant, f'/bookings/{booking.id}/evaluation?stage=after')}\n")
    return subject, body


def follow_up_text(booking: TrainingBooking, session: TrainingSession, tenant: Tenant) -> tuple[str, str]:
    subject = f"Six weeks on: {session.course.title}"
    body = (f"Hello,\n\n{booking.delegate_name} attended {session.course.title} on {when(session)}. Six to eight "
            "weeks on, the partnership asks the learner and their manager to look together at what has changed in "
            "practice, and the learner to record it here (signed in):\n\n"
            f"{link(tenant, f'/bookings/{booking.id}/evaluation?stage=follow_up')}\n\n"
            "You are sent this as the learner or as the manager they named when booking.\n")
    return subject, body


def needs_invitation(tenant: Tenant, survey_id: int, title: str, closes: str) -> tuple[str, str]:
    subject = f"{tenant.short_name}: {title}"
    body = (f"Hello,\n\n{tenant.name} is planning next year's multi-agency training and asks each agency what its "
            f"staff need. As your agency's safeguarding lead, please answer for your agency{closes}:\n\n"
            f"{link(tenant, f'/needs/{survey_id}/respond')}\n")
    return subject, body
