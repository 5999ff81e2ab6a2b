"""Made-up LADO cases for ``flask demo setup``: a handful per partnership, every name and text marked
[DEMO], children by made-up initials. Adds nothing the second time."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.calendar import add_working_days, london_today
from core.db import db
from plugins.lado import cases as rules
from plugins.lado.models import LadoCase
from plugins.lado.retention import Policy

DEMO = "[DEMO]"


def _details(name: str, role: str, sector: str, summary: str, **more) -> dict:
    return {"person_name": f"{DEMO} {name}", "person_role": role, "person_employer": f"{DEMO} Example employer",
            "employer_sector": sector, "referring_sector": sector, "summary": f"{DEMO} {summary}",
            "referrer_name": f"{DEMO} Referrer", "referrer_role": "Designated safeguarding lead", **more}


def demo_cases(tenant, settings) -> None:
    """For the tenant in scope."""
    if db.session.scalar(select(LadoCase.id).where(LadoCase.summary.startswith(DEMO))) is not None:
        return
    authorities = rules.service_authorities(settings)
    if not authorities:
        return
    policy = Policy.from_settings(settings)
    today = london_today()
    la = authorities[0]
    other = authorities[-1]
    actor = f"{DEMO} LADO"

    open_referral = rules.create_case(
        kind="referral", local_authority=la, received_on=add_working_days(today, -8), today=today,
        details=_details("Sam Sample", "Teaching assistant", "education",
                         "A pupil said the teaching assistant grabbed their arm hard in the corridor.",
                         harm_criteria=["harmed"], category="physical",
                         concern_on=add_working_days(today, -9)),
        children=[{"initials": "AB", "age": 9, "gender": "girl"}], actor_label=actor)
    rules.record_meeting(open_referral, "initial", add_working_days(today, -5),
                         [f"{DEMO} LADO", f"{DEMO} Head teacher", f"{DEMO} Police officer"],
                         f"{DEMO} The school to gather accounts; police to consider a criminal investigation.",
                         f"{DEMO} Head teacher to send accounts within five working days.", today + timedelta(days=14),
                         today, actor_label=actor)
    rules.add_employer_action(open_referral, "redeployment", add_working_days(today, -5),
                              f"{DEMO} Moved to duties without unsupervised contact.", today, actor_label=actor)
    # Recording its outcome asks the LADO to confirm closing while the police are still looking into it.
    rules.set_process(open_referral, "police", "under_way", add_working_days(today, -4), None,
                      f"{DEMO} Police considering a criminal investigation.", today, actor_label=actor)

    # Sent by a school through the form this morning: new, at the top of the list until a LADO takes it on.
    rules.create_case(
        kind="referral", local_authority=la, received_on=today, today=today, source="agency_form",
        details=_details("Alex Madeup", "PE teacher", "education",
                         "A pupil told their form tutor the PE teacher sends them private messages on social media.",
                         harm_criteria=["risk"], category="sexual", concern_on=today),
        children=[{"initials": "GH", "age": 14, "gender": "girl"}], actor_label=f"{DEMO} Referrer")

    old = today - timedelta(days=150)
    concluded = rules.create_case(
        kind="referral", local_authority=other, received_on=old, today=today,
        details=_details("Jo Placeholder", "Football coach", "sport",
                         "Messages of a sexual nature to a player found on the coach's phone.",
                         harm_criteria=["offence", "risk"], category="sexual", concern_on=old),
        children=[{"initials": "CD", "age": 15, "gender": "boy"}], actor_label=actor)
    rules.record_outcome(concluded, "substantiated", old + timedelta(days=70),
                         f"{DEMO} The messages were confirmed.", today, policy,
                         dbs_referred_on=old + timedelta(days=75), actor_label=actor)

    malicious = rules.create_case(
        kind="referral", local_authority=la, received_on=today - timedelta(days=40), today=today,
        details=_details("Lee Invented", "Nursery practitioner", "early_years",
                         "A parent alleged rough handling at nappy change.", harm_criteria=["harmed"],
                         category="physical"),
        children=[{"initials": "EF", "age": 2, "gender": "not_known"}], actor_label=actor)
    rules.record_outcome(malicious, "malicious", today - timedelta(days=10),
                         f"{DEMO} CCTV showed no contact; the parent admitted inventing it after a dispute.",
                         today, policy, actor_label=actor)

    consultation = rules.create_case(
        kind="consultation", local_authority=other, received_on=today - timedelta(days=3), today=today,
        details=_details("Not named", "Youth worker", "voluntary",
                         "A youth club asked whether a volunteer's drink-driving conviction needs a referral."),
        children=[], actor_label=actor)
    rules.close_consultation(consultation, f"{DEMO} Advice: the harm test is not met; follow the club's code of conduct.",
                             today - timedelta(days=2), today, policy, actor_label=actor)

    rules.create_case(
        kind="consultation", local_authority=la, received_on=today, today=today,
        details=_details("Not named", "Taxi driver", "transport",
                         "A school transport company asked about a driver's comments to pupils."),
        children=[], actor_label=actor)
    db.session.flush()
