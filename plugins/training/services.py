"""The catalogue: which offer a partnership uses, courses and their sessions, and who may change them.

Plain functions over the models, called by the pages, the API, the jobs and the tests alike. Each change is
recorded in the audit log in the caller's transaction; the caller commits.

A partnership either runs its own courses only, or belongs to a shared offer (its module settings name
one, and it must be a member of it). The offer's coordinator writes the shared courses and sessions; every
member reads them as its own through isolation (``OfferScoped``) and may add courses of its own, which
nobody else sees.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC

from marshmallow import ValidationError
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from core.audit.services import record
from core.calendar import LONDON
from core.db import db
from core.refusals import Refused
from core.tenancy.models import SharedOffer, SharedOfferMember, Tenant
from plugins.training.models import DELIVERY_MODES, LEVELS, TrainingCourse, TrainingSession

MODULE = "training"
MAX_CAPACITY = 500
MAX_DURATION_MINUTES = 5 * 24 * 60  # a five-day course; more is a typo
HALF_DAY_MINUTES = 4 * 60


class TrainingError(Refused):
    """A training rule refused a change (on the API, 409 for a conflict such as a full session)."""


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = re.compile(r"[\t\n\r]+")


def clean(value: str | None, multiline: bool = False) -> str:
    """Typed text without control characters, trimmed; one-line fields get line breaks as spaces."""
    value = value or ""
    if not multiline:
        value = _LINE_BREAK.sub(" ", value)
    return _CONTROL.sub("", value).strip()


def _text(value, field: str, label: str, maximum: int, required: bool = False, multiline: bool = False) -> str:
    value = clean(value, multiline)
    if required and not value:
        raise TrainingError(f"Enter {label}", field)
    if len(value) > maximum:
        raise TrainingError(f"{label[0].upper()}{label[1:]} must be {maximum} characters or fewer", field)
    return value


# -- which offer -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    """What a partnership's settings mean: its shared offer (if any), whether it coordinates it, and every
    partnership of the offer (members and coordinator)."""

    tenant_id: int
    offer_id: int | None = None
    name: str = ""
    coordinator_id: int | None = None
    coordinator_name: str = ""
    tenant_ids: frozenset[int] = frozenset()

    @property
    def shared(self) -> bool:
        return self.offer_id is not None

    @property
    def coordinating(self) -> bool:
        return self.offer_id is not None and self.coordinator_id == self.tenant_id

    @property
    def title(self) -> str:
        """The offer's name as a sentence needs it: "the Multi-agency safeguarding training offer"."""
        return the_offer(self.name)


def the_offer(name: str) -> str:
    """An offer's name with its article, for the middle of a sentence. Offers are named as things ("Multi-agency
    safeguarding training offer"), so a sentence needs "the" before the name unless the name has it."""
    if not name:
        return "the shared offer"
    return name if name.lower().startswith("the ") else f"the {name}"


def offer_by_slug(slug: str | None) -> SharedOffer | None:
    if not slug:
        return None
    return db.session.scalars(select(SharedOffer).where(SharedOffer.slug == slug)).first()


def offer_tenant_ids(offer_id: int) -> frozenset[int]:
    """Every partnership of an offer: its members and its coordinator. Offers are platform records."""
    coordinator = db.session.scalar(select(SharedOffer.coordinator_id).where(SharedOffer.id == offer_id))
    members = db.session.scalars(select(SharedOfferMember.tenant_id).where(SharedOfferMember.offer_id == offer_id))
    return frozenset([*members, *([coordinator] if coordinator is not None else [])])


def check_offer_choice(tenant: Tenant, settings: dict) -> None:
    """Refuse settings naming an offer the partnership cannot use. Raises marshmallow's ValidationError
    (the module admin page, the API and the CLI show it against the field)."""
    slug = settings.get("shared_offer")
    if not slug:
        return
    offer = offer_by_slug(slug)
    if offer is None:
        raise ValidationError({"shared_offer": [f"There is no shared offer called {slug!r}"]})
    if offer.module != MODULE:
        raise ValidationError({"shared_offer": [f"{offer.name} is a shared offer of another module, not training"]})
    if tenant.id not in offer_tenant_ids(offer.id):
        raise ValidationError({"shared_offer": [
            f"{tenant.short_name} is not a member of {the_offer(offer.name)}: its coordinator must add it first"]})


def offer_for(tenant: Tenant, settings: dict) -> Offer:
    """The offer the settings name, if the partnership still belongs to it (membership can change after
    the settings were saved: then the partnership is on its own until it is added back)."""
    offer = offer_by_slug(settings.get("shared_offer"))
    if offer is None or offer.module != MODULE:
        return Offer(tenant_id=tenant.id, tenant_ids=frozenset([tenant.id]))
    tenant_ids = offer_tenant_ids(offer.id)
    if tenant.id not in tenant_ids:
        return Offer(tenant_id=tenant.id, tenant_ids=frozenset([tenant.id]))
    coordinator = db.session.get(Tenant, offer.coordinator_id)
    return Offer(tenant_id=tenant.id, offer_id=offer.id, name=offer.name, coordinator_id=offer.coordinator_id,
                 coordinator_name=coordinator.short_name if coordinator else "", tenant_ids=tenant_ids)


def in_offer(offer: Offer):
    """A WHERE clause for courses and sessions: the partnership's own, and its offer's shared ones.
    Isolation already hides everything else; this also hides an offer the settings no longer name."""
    def clause(model):
        if offer.offer_id is None:
            return model.tenant_id == offer.tenant_id
        return or_(model.tenant_id == offer.tenant_id, model.shared_offer_id == offer.offer_id)
    return clause


def visible(offer: Offer, row: TrainingCourse | TrainingSession) -> bool:
    return row.tenant_id == offer.tenant_id or (offer.offer_id is not None and row.shared_offer_id == offer.offer_id)


def require_owner(offer: Offer, row: TrainingCourse | TrainingSession) -> None:
    """Only the partnership that owns a course or session changes it: the coordinator for the shared
    offer, each partnership for its own. Isolation would refuse the write anyway; this says why."""
    if row.tenant_id != offer.tenant_id:
        who = offer.coordinator_name or "the partnership that runs it"
        raise TrainingError(f"This is part of the shared offer run by {who}: only {who} can change it",
                            api_status=403)


# -- courses ---------------------------------------------------------------------------------------------


def courses(offer: Offer, include_withdrawn: bool = False) -> list[TrainingCourse]:
    stmt = select(TrainingCourse).where(in_offer(offer)(TrainingCourse)).options(
        selectinload(TrainingCourse.prerequisite)).order_by(TrainingCourse.level, TrainingCourse.title,
                                                            TrainingCourse.id)
    if not include_withdrawn:
        stmt = stmt.where(TrainingCourse.active.is_(True))
    return list(db.session.scalars(stmt))


def _course_values(offer: Offer, data: dict, course: TrainingCourse | None) -> dict:
    problems: dict[str, str] = {}
    values: dict = {}
    for name, label, maximum, required, multiline in (
        ("title", "the title of the course", 200, True, False),
        ("description", "the description", 5000, False, True),
        ("audience", "who the course is for", 2000, False, True),
        ("learning_outcomes", "the learning outcomes", 5000, False, True),
    ):
        try:
            values[name] = _text(data.get(name), name, label, maximum, required, multiline)
        except TrainingError as exc:
            problems.update(exc.errors)
    level = data.get("level")
    if level not in LEVELS:
        problems["level"] = "Choose the level of the course"
    duration = data.get("duration_minutes")
    if not isinstance(duration, int) or not 15 <= duration <= MAX_DURATION_MINUTES:
        problems["duration_minutes"] = f"Enter the length of the course in minutes, from 15 to {MAX_DURATION_MINUTES}"
    mode = data.get("delivery_mode")
    if mode not in DELIVERY_MODES:
        problems["delivery_mode"] = "Choose how the course is delivered"
    shared = bool(data.get("shared"))
    if shared and not offer.coordinating:
        problems["shared"] = "Only the coordinator of a shared offer can add courses to it"
    prerequisite = data.get("prerequisite")
    if prerequisite is not None:
        if course is not None and prerequisite.id == course.id:
            problems["prerequisite_id"] = "A course cannot be its own prerequisite"
        elif not visible(offer, prerequisite):
            problems["prerequisite_id"] = "Choose a prerequisite from the list"
        elif isinstance(level, int) and prerequisite.level >= level:
            problems["prerequisite_id"] = (f"The prerequisite must be a course of a lower level than this one "
                                           f"({prerequisite.title} is {prerequisite.level_label.lower()})")
        elif shared and prerequisite.shared_offer_id != offer.offer_id:
            problems["prerequisite_id"] = ("A shared course can only require another course of the shared offer, "
                                           "which every partnership can see")
    if problems:
        raise TrainingError(problems)
    values.update(level=level, duration_minutes=duration, delivery_mode=mode,
                  prerequisite_id=prerequisite.id if prerequisite is not None else None)
    values["shared_offer_id"] = offer.offer_id if shared else None
    return values


def create_course(offer: Offer, data: dict) -> TrainingCourse:
    """``data``: title, description, audience, learning_outcomes, level, duration_minutes, delivery_mode,
    prerequisite (a course or None) and shared (only the coordinator may share)."""
    course = TrainingCourse(**_course_values(offer, data, None), active=True)
    db.session.add(course)
    record("training.course_created", course, summary=f"Added the course {course.title}"
           + (f" to {offer.title}" if course.shared else ""))
    return course


def update_course(offer: Offer, course: TrainingCourse, data: dict) -> TrainingCourse:
    require_owner(offer, course)
    values = _course_values(offer, data, course)
    if values["shared_offer_id"] != course.shared_offer_id and course.sessions:
        raise TrainingError("A course with sessions cannot move into or out of the shared offer: add a new "
                            "course instead", "shared")
    before = {"title": course.title, "level": course.level, "shared": course.shared}
    for key, value in values.items():
        setattr(course, key, value)
    course.active = bool(data.get("active", True))
    record("training.course_changed", course, summary=f"Changed the course {course.title}", details={"before": before})
    return course


# -- sessions --------------------------------------------------------------------------------------------


def session_values(course: TrainingCourse, data: dict) -> dict:
    problems: dict[str, str] = {}
    starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        problems["ends"] = "The session must end after it starts"
    capacity = data.get("capacity")
    if not isinstance(capacity, int) or not 1 <= capacity <= MAX_CAPACITY:
        problems["capacity"] = f"Enter the number of places, from 1 to {MAX_CAPACITY}"
    values = {}
    for name, label, maximum, multiline in (("venue", "the venue", 300, False),
                                            ("joining_link", "the joining link", 500, False),
                                            ("trainers", "the trainers", 300, False),
                                            ("joining_instructions", "the joining instructions", 5000, True)):
        try:
            values[name] = _text(data.get(name), name, label, maximum, multiline=multiline)
        except TrainingError as exc:
            problems.update(exc.errors)
    link = values.get("joining_link", "")
    if link and not re.match(r"^https://[^\s/$.?#][^\s]*$", link):
        problems["joining_link"] = "Enter the joining link as a web address starting https://"
    if course.delivery_mode == "in_person" and not values.get("venue") and "venue" not in problems:
        problems["venue"] = "Enter the venue of an in-person session"
    if course.delivery_mode == "online" and not link and "joining_link" not in problems:
        problems["joining_link"] = "Enter the joining link of an online session"
    if problems:
        raise TrainingError(problems)
    return {"starts_at": starts_at.astimezone(UTC), "ends_at": ends_at.astimezone(UTC), "capacity": capacity,
            **values}


def schedule_session(offer: Offer, course: TrainingCourse, data: dict) -> TrainingSession:
    """A session of a course the partnership owns; it shares its course's offer."""
    require_owner(offer, course)
    if not course.active:
        raise TrainingError("The course has been withdrawn: sessions cannot be added to it")
    session = TrainingSession(course=course, shared_offer_id=course.shared_offer_id, status="scheduled",
                              **session_values(course, data))
    db.session.add(session)
    record("training.session_scheduled", session,
           summary=f"Scheduled {course.title} on {session.starts_at.astimezone(LONDON):%-d %B %Y %H:%M}")
    return session


def load_courses(ids) -> dict[int, TrainingCourse]:
    return {c.id: c for c in db.session.scalars(select(TrainingCourse).where(TrainingCourse.id.in_(list(ids))))}
