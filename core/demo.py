"""Demonstration set-up: the shipped partnerships, a demo admin, clearly fake people to try roles with and
made-up business (meetings, actions, plan actions, contributions) for each partnership's real structure.

Every demo person has an @example.org address and a name beginning ``[DEMO]``. Running it again keeps
what exists and gives the demo admin a fresh password, which is printed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from core.auth.models import Role
from core.auth.services import MembershipChoice, add_member, create_user, set_password, user_by_email
from core.db import db
from core.plugins.services import enabled_modules, registry
from core.structure.demo import demo_business
from core.tenancy.importer import import_paths
from core.tenancy.isolation import tenant_scope
from core.tenancy.models import Agency, Tenant

ADMIN_EMAIL = "demo-admin@example.org"
DEMO_PEOPLE = [
    ("tenant_admin", "Tenant Administrator"),
    ("business_manager", "Business Manager"),
    ("independent_scrutineer", "Independent Scrutineer"),
    ("practitioner", "Practitioner"),
    ("agency_safeguarding_lead", "Agency Safeguarding Lead"),
]


@dataclass
class DemoLogin:
    email: str
    password: str


def setup_demo(tenants_dir: Path) -> DemoLogin:
    import_paths([tenants_dir], skip_existing=True)
    password = "demo-" + secrets.token_urlsafe(9)
    admin = user_by_email(ADMIN_EMAIL) or create_user(
        ADMIN_EMAIL, "[DEMO] Platform Administrator", platform_admin=True, demo=True
    )
    set_password(admin, password)
    for tenant in db.session.scalars(select(Tenant).order_by(Tenant.id)):
        _demo_people(tenant, password)
        with tenant_scope(tenant):
            demo_business(tenant)
            for name, settings in enabled_modules(tenant).items():
                registry().call_one(name, "lscp_demo_data", tenant=tenant, settings=settings)
    db.session.commit()
    return DemoLogin(ADMIN_EMAIL, password)


def _demo_people(tenant: Tenant, password: str) -> None:
    with tenant_scope(tenant):
        roles = {r.key: r for r in db.session.scalars(select(Role))}
        # Practitioners and leads work somewhere: a school if the partnership lists one (they can then book
        # training and refer to the LADO as an agency would).
        first_agency = db.session.scalars(
            select(Agency).order_by((Agency.sector != "education_childcare"), Agency.id)
        ).first()
        # One person per default role, then one per role a module made (a LADO officer, say).
        people = list(DEMO_PEOPLE) + sorted((r.key, r.name) for r in roles.values() if r.key not in dict(DEMO_PEOPLE)
                                            and not r.key.startswith("custom_"))
        for key, title in people:
            email = f"demo.{key.replace('_', '-')}.{tenant.slug}@example.org"
            user = user_by_email(email)
            if user is None:
                user = create_user(email, f"[DEMO] {title} ({tenant.short_name})", demo=True)
            set_password(user, password)
            agency_id = first_agency.id if key in ("agency_safeguarding_lead", "practitioner") and first_agency else None
            add_member(tenant, user, MembershipChoice(role_ids=[roles[key].id], agency_id=agency_id,
                                                      job_title=f"[DEMO] {title}"))
