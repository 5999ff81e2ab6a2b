"""The training needs analysis: a questionnaire to the agencies' safeguarding leads (each topic with a need
rating and the number of staff who need it, and the delivery the agency prefers), one answer per agency,
and a summary per topic to plan the next year's programme.

A survey is drafted, opened (which emails the leads) and closed. Its topics are fixed once it opens, since
answers are kept by the topic's position.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction

from sqlalchemy import select

from core.audit.services import record
from core.auth.models import Membership, Role, RolePermission, User, membership_roles
from core.calendar import FIRST_YEAR, LAST_YEAR
from core.db import db
from core.mail.services import queue_email
from core.tenancy.models import Agency, Tenant
from core.wording import plural
from plugins.training import notices
from plugins.training.models import DELIVERY_MODES, NEED_RATINGS, TrainingNeedsResponse, TrainingNeedsSurvey
from plugins.training.services import TrainingError, clean

MAX_TOPICS = 30
MAX_STAFF = 100_000
RESPOND = "training.needs.respond"


def parse_topics(text: str) -> list[str]:
    """One topic a line; blank lines and repeats dropped."""
    topics = []
    for line in (text or "").splitlines():
        topic = clean(line)
        if topic and topic.lower() not in {t.lower() for t in topics}:
            topics.append(topic)
    return topics


def _check(title: str, plan_year, topics: list[str], closes_on: date | None, today: date) -> tuple[str, list[str]]:
    problems = {}
    title = clean(title)
    if not title:
        problems["title"] = "Enter the title of the questionnaire"
    elif len(title) > 200:
        problems["title"] = "The title must be 200 characters or fewer"
    if not isinstance(plan_year, int) or not FIRST_YEAR <= plan_year <= LAST_YEAR:
        problems["plan_year"] = "Enter the financial year being planned, like 2026"
    if not topics:
        problems["topics"] = "Enter at least one training topic, one a line"
    elif len(topics) > MAX_TOPICS:
        problems["topics"] = f"Enter at most {MAX_TOPICS} topics"
    elif any(len(t) > 200 for t in topics):
        problems["topics"] = "Each topic must be 200 characters or fewer"
    if closes_on is not None and closes_on < today:
        problems["closes"] = "The closing date must be today or later"
    if problems:
        raise TrainingError(problems)
    return title, topics


def create_survey(title: str, plan_year: int, topics: list[str], closes_on: date | None, today: date
                  ) -> TrainingNeedsSurvey:
    title, topics = _check(title, plan_year, topics, closes_on, today)
    survey = TrainingNeedsSurvey(title=title, plan_year=plan_year, topics=topics, closes_on=closes_on, status="draft")
    db.session.add(survey)
    record("training.needs_survey_created", survey, summary=f"Drafted the training needs analysis {title}")
    return survey


def update_survey(survey: TrainingNeedsSurvey, title: str, plan_year: int, topics: list[str],
                  closes_on: date | None, today: date) -> None:
    if survey.status != "draft" and topics != survey.topics:
        raise TrainingError("The topics cannot change once the questionnaire is open: answers are kept by topic",
                            "topics")
    survey.title, survey.topics = _check(title, plan_year, topics, closes_on, today)
    survey.plan_year, survey.closes_on = plan_year, closes_on
    record("training.needs_survey_changed", survey, summary=f"Changed the training needs analysis {survey.title}")


def lead_addresses() -> list[str]:
    """Active members of the partnership in scope, with an agency, whose roles let them answer."""
    return list(db.session.scalars(
        select(User.email).join(Membership, Membership.user_id == User.id)
        .join(membership_roles, membership_roles.c.membership_id == Membership.id)
        .join(RolePermission, RolePermission.role_id == membership_roles.c.role_id)
        .join(Role, Role.id == RolePermission.role_id)
        .where(RolePermission.permission == RESPOND, Membership.status == "active", Membership.agency_id.is_not(None),
               User.active.is_(True))
        .order_by(User.email).distinct()
    ))


def open_survey(survey: TrainingNeedsSurvey, tenant: Tenant, now: datetime) -> int:
    """Open the questionnaire and email every agency safeguarding lead. Returns the number emailed."""
    if survey.status != "draft":
        raise TrainingError("The questionnaire has already been opened", api_status=409)
    survey.status = "open"
    survey.opened_at = now
    recipients = lead_addresses()
    closes = f" by {survey.closes_on:%-d %B %Y}" if survey.closes_on else ""
    subject, body = notices.needs_invitation(tenant, survey.id, survey.title, closes)
    for address in recipients:
        queue_email(address, subject, body, purpose="training-needs")
    record("training.needs_survey_opened", survey,
           summary=f"Opened {survey.title} and emailed {plural(len(recipients), 'agency safeguarding lead')}")
    return len(recipients)


def close_survey(survey: TrainingNeedsSurvey, now: datetime) -> None:
    if survey.status != "open":
        raise TrainingError("Only an open questionnaire can be closed", api_status=409)
    survey.status = "closed"
    survey.closed_at = now
    record("training.needs_survey_closed", survey, summary=f"Closed {survey.title}")


def is_open(survey: TrainingNeedsSurvey, today: date) -> bool:
    return survey.status == "open" and (survey.closes_on is None or today <= survey.closes_on)


def answer_field(index: int, part: str) -> str:
    return f"{part}-{index}"


def respond(survey: TrainingNeedsSurvey, agency: Agency, respondent_id: int | None, answers: dict[int, tuple],
            preferred_delivery: str, comments: str, now: datetime, today: date) -> TrainingNeedsResponse:
    """The agency's answer (a second answer replaces the first): ``answers`` maps each topic's position to
    (need rating 0-3, number of staff)."""
    if not is_open(survey, today):
        raise TrainingError("The questionnaire is closed", api_status=409)
    problems = {}
    needs, staff = {}, {}
    for index, topic in enumerate(survey.topics):
        need, count = answers.get(index, (None, None))
        if need not in NEED_RATINGS:
            problems[answer_field(index, "need")] = f"Choose how much your agency needs training in {topic}"
        if count is None:
            count = 0
        if not isinstance(count, int) or not 0 <= count <= MAX_STAFF:
            problems[answer_field(index, "staff")] = f"Enter the number of staff who need {topic}, as a whole number"
        needs[str(index)], staff[str(index)] = need, count
    if preferred_delivery not in DELIVERY_MODES:
        problems["preferred_delivery"] = "Choose how your agency prefers training to be delivered"
    comments = clean(comments, multiline=True)
    if len(comments) > 5000:
        problems["comments"] = "Comments must be 5000 characters or fewer"
    if problems:
        raise TrainingError(problems)
    response = db.session.scalars(select(TrainingNeedsResponse).where(
        TrainingNeedsResponse.survey_id == survey.id, TrainingNeedsResponse.agency_id == agency.id)).first()
    if response is None:
        response = TrainingNeedsResponse(survey=survey, agency_id=agency.id)
        db.session.add(response)
    response.needs, response.staff = needs, staff
    response.preferred_delivery, response.comments = preferred_delivery, comments
    response.respondent_id, response.submitted_at = respondent_id, now
    record("training.needs_answered", response, summary=f"{agency.name} answered {survey.title}")
    return response


@dataclass(frozen=True)
class TopicSummary:
    position: int
    topic: str
    responses: int
    mean_need: Fraction | None
    high: int  # agencies rating the need high
    staff: int

    @property
    def mean_need_text(self) -> str:
        if self.mean_need is None:
            return "No answers"
        tenths = int(self.mean_need * 10 + Fraction(1, 2))
        return f"{tenths // 10}.{tenths % 10}"


@dataclass(frozen=True)
class SurveySummary:
    responses: int
    topics: list[TopicSummary]  # most staff first, then highest need: the order to plan in
    delivery: list[tuple[str, int]]


def summarise(survey: TrainingNeedsSurvey) -> SurveySummary:
    topics = []
    for index, topic in enumerate(survey.topics):
        ratings = [r.needs.get(str(index)) for r in survey.responses if r.needs.get(str(index)) is not None]
        staff = sum(int(r.staff.get(str(index)) or 0) for r in survey.responses)
        topics.append(TopicSummary(index, topic, len(ratings), Fraction(sum(ratings), len(ratings)) if ratings else None,
                                   sum(1 for r in ratings if r == 3), staff))
    topics.sort(key=lambda t: (-t.staff, -(t.mean_need or 0), t.position))
    delivery = Counter(r.preferred_delivery for r in survey.responses if r.preferred_delivery)
    return SurveySummary(len(survey.responses), topics,
                         [(DELIVERY_MODES[k], n) for k, n in sorted(delivery.items(), key=lambda kv: (-kv[1], kv[0]))
                          if k in DELIVERY_MODES])
