"""LADO rows of every kind the module's routes name, for the walks over every route (isolation, CSRF,
accessibility): the module enabled with valid settings, a consultation, a concluded referral, a referral sent
through the form and not yet taken on, one closed while the police investigation was under way, and an open
referral with a meeting, the employer's action, a parallel process and notes, each text carrying ``label``.

The walks sign in as the partnership's tenant admin, who reads no case file by default; here the admin is also
made the partnership's LADO officer and manager (and a referrer), so that every LADO page and route answers
them and the walks check what a LADO sees."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.auth.models import Membership, Role
from core.calendar import london_today
from core.db import db
from core.plugins.services import enable_module
from core.tenancy.isolation import tenant_scope
from core.tenancy.models import LocalAuthority
from plugins.lado import cases as rules
from plugins.lado.retention import Policy

EXTRA_ROLES = ("lado_officer", "lado_manager", "practitioner")


def details(label: str, **more) -> dict:
    return {"person_name": f"{label} Person", "person_role": f"{label} role", "person_employer": f"{label} employer",
            "employer_sector": "education", "referring_sector": "education", "summary": f"{label} summary",
            "referrer_name": f"{label} referrer", "referrer_role": f"{label} referrer role",
            "referrer_contact": f"{label} contact", **more}


def make_lado(tenant) -> None:
    """Give every tenant admin of the tenant in scope the LADO roles (and the referrer's)."""
    extra = list(db.session.scalars(select(Role).where(Role.key.in_(EXTRA_ROLES))))
    admins = db.session.scalars(select(Membership).join(Membership.roles).where(Role.key == "tenant_admin")).all()
    for membership in admins:
        membership.roles.extend(role for role in extra if role not in membership.roles)


def populate(tenant, label: str) -> None:
    enable_module(tenant, "lado", {"local_authorities": [], "stale_days": 20})
    today = london_today()
    policy = Policy()
    with tenant_scope(tenant):
        make_lado(tenant)
        la = db.session.scalars(select(LocalAuthority).order_by(LocalAuthority.key)).first()
        consultation = rules.create_case(
            kind="consultation", local_authority=la, received_on=today - timedelta(days=5), today=today,
            details=details(label), children=[], actor_label=f"{label} LADO")
        rules.close_consultation(consultation, f"{label} advice", today - timedelta(days=4), today, policy,
                                 actor_label=f"{label} LADO")
        concluded = rules.create_case(
            kind="referral", local_authority=la, received_on=today - timedelta(days=60), today=today,
            details=details(label, harm_criteria=["harmed"], category="physical"),
            children=[{"initials": "AB", "age": 9, "gender": "girl"}], actor_label=f"{label} LADO")
        rules.record_outcome(concluded, "malicious", today - timedelta(days=20), f"{label} outcome note", today, policy,
                             actor_label=f"{label} LADO")
        # Sent through the form and not yet taken on: marked new at the top of the list.
        rules.create_case(
            kind="referral", local_authority=la, received_on=today - timedelta(days=2), today=today,
            details=details(label, harm_criteria=["risk"], category="sexual"), children=[], source="agency_form",
            actor_label=f"{label} referrer")
        # Closed while the police investigation was under way, with the LADO's confirmation.
        confirmed = rules.create_case(
            kind="referral", local_authority=la, received_on=today - timedelta(days=40), today=today,
            details=details(label, harm_criteria=["harmed"], category="physical"), children=[],
            actor_label=f"{label} LADO")
        rules.set_process(confirmed, "police", "under_way", today - timedelta(days=39), None, f"{label} police note",
                          today, actor_label=f"{label} LADO")
        rules.record_outcome(confirmed, "unsubstantiated", today - timedelta(days=3), "", today, policy,
                             actor_label=f"{label} LADO", confirm_open_processes=True,
                             open_processes_reason=f"{label} reason")
        # Last, so that the walks open this case's pages (the highest id): an open referral with everything.
        case = rules.create_case(
            kind="referral", local_authority=la, received_on=today - timedelta(days=10), today=today,
            details=details(label, harm_criteria=["harmed", "risk"], category="physical",
                            concern_on=today - timedelta(days=11), outside_work=True),
            children=[{"initials": "CD", "age": 12, "gender": "boy"}], actor_label=f"{label} LADO")
        rules.record_meeting(case, "initial", today - timedelta(days=8), [f"{label} attendee"], f"{label} decisions",
                             f"{label} actions", today + timedelta(days=20), today, actor_label=f"{label} LADO")
        rules.add_employer_action(case, "suspension", today - timedelta(days=8), f"{label} employer note", today,
                                  actor_label=f"{label} LADO")
        rules.set_process(case, "police", "under_way", today - timedelta(days=7), None, f"{label} police note", today,
                          actor_label=f"{label} LADO")
        rules.add_note(case, today - timedelta(days=6), f"{label} note", today, actor_label=f"{label} LADO")
    db.session.commit()
