"""Made-up training for ``flask demo setup``: the Bi-Borough's 2021/22 workshops as [DEMO] courses with
sessions in the coming weeks, shared with the offer's members when the partnership coordinates an offer,
its own otherwise. A member of someone else's offer gets nothing: it sees the coordinator's. Adds nothing
the second time."""

from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import select

from core.calendar import at_london, london_day
from core.db import db, utcnow
from core.structure.meetings import next_working_day
from plugins.training import services
from plugins.training.models import TrainingCourse

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


def demo_data(tenant, settings) -> None:
    offer = services.offer_for(tenant, settings)
    if offer.shared and not offer.coordinating:
        return
    exists = db.session.scalar(select(TrainingCourse.id).where(TrainingCourse.tenant_id == tenant.id,
                                                               TrainingCourse.title.startswith(DEMO)).limit(1))
    if exists is not None:
        return
    today = london_day(utcnow())
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
            starts = at_london(day, time(9, 30) if minutes > 240 else time(13, 30))
            services.schedule_session(offer, course, {
                "starts_at": starts, "ends_at": starts + timedelta(minutes=minutes),
                "venue": f"{DEMO} Town Hall, Committee Room 2" if mode != "online" else "",
                "joining_link": "https://example.org/demo-training" if mode == "online" else "",
                "trainers": f"{DEMO} Learning and Development Coordinator", "capacity": 20 if weeks == 3 else 25,
                "joining_instructions": f"{DEMO} Please arrive ten minutes early.",
            })
    db.session.flush()
