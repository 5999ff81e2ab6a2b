"""Tables of the training module.

Courses and sessions are ``OfferScoped``: the partnership that writes them owns them, and those of a shared
offer (``shared_offer_id`` set) are read by every member of the offer, changed by the owner only. Bookings,
evaluations and the training needs analysis are ``TenantScoped``: a booking is stamped with the delegate's
partnership, so each partnership sees its own people and nobody else's (see ``plugins.training.sharing``
for the few deliberate reads and writes across partnerships).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.auth.models import User
from core.db import Base, utcnow
from core.tenancy.isolation import OfferScoped, TenantScoped
from core.tenancy.models import Agency
from core.wording import plural

DELIVERY_MODES = {
    "in_person": "In person",
    "online": "Online",
    "e_learning": "E-learning",
    "themed_briefing": "Themed briefing",
    "event": "Event",
}
LEVELS = {1: "Level 1: foundation", 2: "Level 2: intermediate", 3: "Level 3: advanced"}
SESSION_STATUSES = {"scheduled": "Scheduled", "cancelled": "Cancelled"}
BOOKING_STATUSES = {"confirmed": "Booked", "waiting": "On the waiting list", "cancelled": "Cancelled"}
ATTENDANCE = {
    "attended": "Attended",
    "left_early": "Left early",
    "no_show": "Did not attend",
    "cancelled_late": "Cancelled late",
}
STAGES = {
    "before": "Before the session",
    "after": "Straight after the session",
    "follow_up": "Six to eight weeks later, with your manager",
}
SURVEY_STATUSES = {"draft": "Draft", "open": "Open", "closed": "Closed"}
NEED_RATINGS = {0: "No need", 1: "Low", 2: "Medium", 3: "High"}
ONLINE = re.compile(r"\bonline\b", re.IGNORECASE)


class TrainingCourse(OfferScoped, Base):
    """A course of the catalogue: shared with an offer's members, or a partnership's own."""

    __tablename__ = "training_courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[str] = mapped_column(Text, default="")
    learning_outcomes: Mapped[str] = mapped_column(Text, default="")
    level: Mapped[int] = mapped_column(default=1)
    duration_minutes: Mapped[int] = mapped_column(default=180)
    delivery_mode: Mapped[str] = mapped_column(String(20), default="in_person")
    prerequisite_id: Mapped[int | None] = mapped_column(ForeignKey("training_courses.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    prerequisite: Mapped[TrainingCourse | None] = relationship(remote_side=[id])
    sessions: Mapped[list[TrainingSession]] = relationship(back_populates="course",
                                                           order_by="TrainingSession.starts_at")

    @property
    def shared(self) -> bool:
        return self.shared_offer_id is not None

    @property
    def level_label(self) -> str:
        return LEVELS.get(self.level, f"Level {self.level}")

    @property
    def delivery_label(self) -> str:
        return DELIVERY_MODES.get(self.delivery_mode, self.delivery_mode)

    @property
    def duration_label(self) -> str:
        hours, minutes = divmod(self.duration_minutes, 60)
        parts = ([plural(hours, "hour")] if hours else []) + ([plural(minutes, "minute")] if minutes else [])
        return " ".join(parts) or "0 minutes"


class TrainingSession(OfferScoped, Base):
    """One date of a course. Shares its course's offer (or lack of one)."""

    __tablename__ = "training_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_courses.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    venue: Mapped[str] = mapped_column(String(300), default="")
    joining_link: Mapped[str] = mapped_column(String(500), default="")
    trainers: Mapped[str] = mapped_column(String(300), default="")
    capacity: Mapped[int] = mapped_column(default=20)
    joining_instructions: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    course: Mapped[TrainingCourse] = relationship(back_populates="sessions")

    @property
    def where_label(self) -> str:
        """Where the session happens, in a few words for a page or an email, saying "online" once: organisers
        often type "Online" (or "Online, Teams") as the venue of a session that has a joining link."""
        venue = self.venue.strip()
        if venue and self.joining_link and not ONLINE.search(venue):
            return f"{venue} and online"
        return venue or ("Online" if self.joining_link else "Not given yet")


class TrainingBooking(TenantScoped, Base):
    """A delegate's place (or place in the queue) on a session, stamped with the delegate's partnership.

    ``confirmed_at`` is set when the delegate gets a place (at once or from the waiting list), so that a
    booking cancelled in time still counts as a booking made; ``attendance`` is what the register says (or
    ``cancelled_late`` when the delegate cancelled after the deadline); ``charge_pence`` is fixed by the
    partnership's policy when that outcome is recorded.
    """

    __tablename__ = "training_bookings"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="SET NULL"))
    delegate_name: Mapped[str] = mapped_column(String(200))
    delegate_email: Mapped[str] = mapped_column(String(254))
    manager_email: Mapped[str] = mapped_column(String(254), default="")
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="waiting", index=True)
    attendance: Mapped[str | None] = mapped_column(String(20))
    charge_pence: Mapped[int] = mapped_column(default=0)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    attendance_recorded_at: Mapped[datetime | None]
    # Bumped at every change a calendar must see (a cancellation), so an updated invite replaces the old.
    ical_sequence: Mapped[int] = mapped_column(default=0)

    session: Mapped[TrainingSession] = relationship()
    agency: Mapped[Agency | None] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    booked_by: Mapped[User | None] = relationship(foreign_keys=[booked_by_id])
    evaluations: Mapped[list[TrainingEvaluation]] = relationship(
        back_populates="booking", cascade="all, delete-orphan", order_by="TrainingEvaluation.id")

    @property
    def status_label(self) -> str:
        if self.status == "cancelled" and self.attendance == "cancelled_late":
            return "Cancelled late"
        return BOOKING_STATUSES.get(self.status, self.status)

    @property
    def attendance_label(self) -> str:
        return ATTENDANCE.get(self.attendance, "Not recorded") if self.attendance else "Not recorded"


class TrainingEvaluation(TenantScoped, Base):
    """One stage of a learner's evaluation: knowledge and confidence from 1 (low) to 5 (high)."""

    __tablename__ = "training_evaluations"
    __table_args__ = (UniqueConstraint("booking_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("training_bookings.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(20))
    knowledge: Mapped[int]
    confidence: Mapped[int]
    comments: Mapped[str] = mapped_column(Text, default="")
    manager_name: Mapped[str] = mapped_column(String(200), default="")
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    booking: Mapped[TrainingBooking] = relationship(back_populates="evaluations")


class TrainingNeedsSurvey(TenantScoped, Base):
    """A training needs analysis questionnaire sent to the agencies' safeguarding leads."""

    __tablename__ = "training_needs_surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    plan_year: Mapped[int]  # the financial year being planned, by the year it starts in
    topics: Mapped[list] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    closes_on: Mapped[date | None]
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    responses: Mapped[list[TrainingNeedsResponse]] = relationship(
        back_populates="survey", cascade="all, delete-orphan", order_by="TrainingNeedsResponse.id")


class TrainingNeedsResponse(TenantScoped, Base):
    """One agency's answer: for each topic (by its position) a need rating and the staff who need it."""

    __tablename__ = "training_needs_responses"
    __table_args__ = (UniqueConstraint("survey_id", "agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("training_needs_surveys.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    respondent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    needs: Mapped[dict] = mapped_column(default=dict)  # {"0": rating, ...}
    staff: Mapped[dict] = mapped_column(default=dict)  # {"0": number of staff, ...}
    preferred_delivery: Mapped[str] = mapped_column(String(20), default="")
    comments: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)

    survey: Mapped[TrainingNeedsSurvey] = relationship(back_populates="responses")
    agency: Mapped[Agency] = relationship()
