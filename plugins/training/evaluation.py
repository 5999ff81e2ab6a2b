"""The three-stage evaluation: a baseline before the session, feedback straight after, and a follow-up six to
eight weeks later that the learner completes with their manager. Knowledge and confidence are rated 1 (low)
to 5 (high); the change per course is mean(after) - mean(before) (and the follow-up's likewise), computed
exactly with fractions and shown with the number of responses behind each mean.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction

from core.audit.services import record
from core.calendar import london_day
from core.db import db
from plugins.training.models import STAGES, TrainingBooking, TrainingEvaluation, TrainingSession
from plugins.training.services import TrainingError, clean

SCALE = range(1, 6)
FOLLOW_UP_OPENS = timedelta(weeks=6)
FOLLOW_UP_CLOSES = timedelta(weeks=8)
ATTENDED = frozenset({"attended", "left_early"})


def follow_up_window(session: TrainingSession) -> tuple:
    """The first and last day (London) of the follow-up: six to eight weeks after the session's day."""
    day = london_day(session.starts_at)
    return day + FOLLOW_UP_OPENS, day + FOLLOW_UP_CLOSES


def why_closed(booking: TrainingBooking, session: TrainingSession, stage: str, now: datetime) -> str | None:
    """Why the stage cannot be answered now, or None when it can."""
    if stage not in STAGES:
        return "Choose a stage of the evaluation"
    if any(e.stage == stage for e in booking.evaluations):
        return "This part of the evaluation has been completed: thank you"
    if booking.status != "confirmed" or session.status != "scheduled":
        return "The evaluation is for people who had a place on the session"
    if booking.attendance is not None and booking.attendance not in ATTENDED:
        return "The evaluation is for people who came to the session"
    if stage == "before":
        return None if now < session.starts_at else "The baseline closed when the session started"
    if now < session.starts_at:
        return "Feedback opens when the session starts"
    if stage == "after":
        return None
    opens, closes = follow_up_window(session)
    today = london_day(now)
    if today < opens:
        return f"The follow-up opens on {opens:%-d %B %Y}, six weeks after the session"
    if today > closes:
        return f"The follow-up closed on {closes:%-d %B %Y}, eight weeks after the session"
    return None


def submit(booking: TrainingBooking, stage: str, knowledge, confidence, comments: str, manager_name: str,
           now: datetime, user_id: int | None) -> TrainingEvaluation:
    """The learner's answers for one stage. Only the learner answers (the pages check who is asking)."""
    reason = why_closed(booking, booking.session, stage, now)
    if reason:
        raise TrainingError(reason, api_status=409)
    problems = {}
    if knowledge not in SCALE:
        problems["knowledge"] = "Choose how you rate your knowledge, from 1 to 5"
    if confidence not in SCALE:
        problems["confidence"] = "Choose how you rate your confidence, from 1 to 5"
    comments = clean(comments, multiline=True)
    if len(comments) > 5000:
        problems["comments"] = "Your comments must be 5000 characters or fewer"
    manager_name = clean(manager_name)
    if stage == "follow_up" and not manager_name:
        problems["manager_name"] = "Enter the name of the manager you completed the follow-up with"
    elif len(manager_name) > 200:
        problems["manager_name"] = "The manager's name must be 200 characters or fewer"
    if problems:
        raise TrainingError(problems)
    evaluation = TrainingEvaluation(booking=booking, stage=stage, knowledge=knowledge, confidence=confidence,
                                    comments=comments, manager_name=manager_name if stage == "follow_up" else "",
                                    submitted_at=now, submitted_by_id=user_id)
    db.session.add(evaluation)
    record("training.evaluated", evaluation, summary=f"{booking.delegate_name} completed the "
           f"{stage.replace('_', '-')} evaluation of {booking.session.course.title}")
    return evaluation


# -- the change per course -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageMeans:
    responses: int
    knowledge: Fraction | None
    confidence: Fraction | None


def _mean(values: list[int]) -> Fraction | None:
    return Fraction(sum(values), len(values)) if values else None


def _difference(a: Fraction | None, b: Fraction | None) -> Fraction | None:
    return a - b if a is not None and b is not None else None


@dataclass(frozen=True)
class CourseEvaluation:
    course_id: int
    course_title: str
    stages: dict[str, StageMeans] = field(default_factory=dict)

    def stage(self, name: str) -> StageMeans:
        return self.stages.get(name) or StageMeans(0, None, None)

    @property
    def before(self) -> StageMeans:
        return self.stage("before")

    @property
    def after(self) -> StageMeans:
        return self.stage("after")

    @property
    def follow_up(self) -> StageMeans:
        return self.stage("follow_up")

    @property
    def knowledge_change(self) -> Fraction | None:
        return _difference(self.stage("after").knowledge, self.stage("before").knowledge)

    @property
    def confidence_change(self) -> Fraction | None:
        return _difference(self.stage("after").confidence, self.stage("before").confidence)

    @property
    def knowledge_change_follow_up(self) -> Fraction | None:
        return _difference(self.stage("follow_up").knowledge, self.stage("before").knowledge)

    @property
    def confidence_change_follow_up(self) -> Fraction | None:
        return _difference(self.stage("follow_up").confidence, self.stage("before").confidence)


def summarise(rows: Iterable[tuple[int, str, int, int]], titles: dict[int, str]) -> list[CourseEvaluation]:
    """``rows``: (course id, stage, knowledge, confidence) of every response counted. One entry per course,
    by title."""
    by_course: dict[int, dict[str, tuple[list[int], list[int]]]] = defaultdict(lambda: defaultdict(lambda: ([], [])))
    for course_id, stage, knowledge, confidence in rows:
        knowledge_values, confidence_values = by_course[course_id][stage]
        knowledge_values.append(knowledge)
        confidence_values.append(confidence)
    out = []
    for course_id, stages in by_course.items():
        out.append(CourseEvaluation(course_id, titles.get(course_id, f"Course {course_id}"), {
            stage: StageMeans(len(k), _mean(k), _mean(c)) for stage, (k, c) in stages.items()}))
    return sorted(out, key=lambda e: (e.course_title.lower(), e.course_id))


def shown(value: Fraction | None, signed: bool = False) -> str:
    """A mean or change to two decimal places, halves away from zero (the exact value is kept)."""
    if value is None:
        return "No responses"
    hundredths = abs(value) * 100
    whole = int(hundredths + Fraction(1, 2))
    text = f"{whole // 100}.{whole % 100:02d}"
    if value < 0 and whole:
        return f"-{text}"
    return f"+{text}" if signed and whole else text
