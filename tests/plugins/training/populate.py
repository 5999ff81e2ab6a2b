"""One row of every kind the training module's routes name, for the walks over every route
(tests/security, tests/e2e/test_accessibility.py): ``populate(tenant, label)``."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from core.auth.models import Role
from core.auth.services import MembershipChoice, add_member, create_user, user_by_email
from core.db import db
from core.plugins.services import enable_module
from core.tenancy.isolation import tenant_scope
from core.tenancy.models import Agency
from plugins.training.models import (
    TrainingBooking,
    TrainingCourse,
    TrainingEvaluation,
    TrainingNeedsResponse,
    TrainingNeedsSurvey,
    TrainingSession,
)


def populate(tenant, label: str) -> None:
    """The module on with its own courses only (no shared offer), a course, a past session with a learner
    who attended it (so its certificate, register and evaluation pages have something to show), a future
    session to book, and an open training needs analysis with one agency's answer. Commits."""
    enable_module(tenant, "training", {})
    db.session.flush()
    email = f"training.learner.{tenant.slug}@example.org"
    learner = user_by_email(email) or create_user(email, f"{label} Learner")
    with tenant_scope(tenant):
        agency = db.session.scalars(select(Agency).order_by(Agency.key == "council", Agency.id)).all()[-1]
        practitioner = db.session.scalars(select(Role.id).where(Role.key == "practitioner")).one()
        add_member(tenant, learner, MembershipChoice(role_ids=[practitioner], agency_id=agency.id))
        course = TrainingCourse(
            title=f"{label} Multi-agency safeguarding", description=f"{label} course description",
            audience=f"{label} audience", learning_outcomes=f"{label} outcome", level=1, duration_minutes=180,
            delivery_mode="in_person",
        )
        now = datetime.now(UTC).replace(microsecond=0)
        past = TrainingSession(course=course, starts_at=now - timedelta(days=3), ends_at=now - timedelta(days=3, hours=-3),
                               venue=f"{label} Town Hall", trainers=f"{label} Trainer", capacity=12,
                               joining_instructions=f"{label} joining instructions")
        future = TrainingSession(course=course, starts_at=now + timedelta(days=30), ends_at=now + timedelta(days=30, hours=3),
                                 venue=f"{label} Library", trainers=f"{label} Trainer", capacity=12)
        db.session.add_all([course, past, future])
        db.session.flush()
        booking = TrainingBooking(
            session=past, user_id=learner.id, agency_id=agency.id, delegate_name=f"{label} Learner",
            delegate_email=learner.email, manager_email=f"manager.{tenant.slug}@example.org", status="confirmed",
            attendance="attended", requested_at=now - timedelta(days=20), confirmed_at=now - timedelta(days=20),
            attendance_recorded_at=now - timedelta(days=2),
        )
        booking.evaluations = [
            TrainingEvaluation(stage="before", knowledge=2, confidence=2, comments=f"{label} before"),
            TrainingEvaluation(stage="after", knowledge=4, confidence=3, comments=f"{label} after"),
        ]
        survey = TrainingNeedsSurvey(title=f"{label} needs analysis", plan_year=date.today().year,
                                     topics=[f"{label} domestic abuse", f"{label} exploitation"], status="open",
                                     opened_at=now)
        survey.responses = [TrainingNeedsResponse(agency_id=agency.id, needs={"0": 3, "1": 1}, staff={"0": 12, "1": 2},
                                                  preferred_delivery="online", comments=f"{label} comments",
                                                  respondent_id=learner.id, submitted_at=now)]
        db.session.add_all([booking, survey])
    db.session.commit()
