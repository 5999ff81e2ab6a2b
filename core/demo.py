"""Demonstration set-up: the shipped partnerships, a demo admin, clearly fake people to try roles with and
made-up business (meetings, actions, plan actions, contributions) for each partnership's real structure.

Every demo person has an @example.org address and a name beginning ``[DEMO]``. They share one password,
made once for the instance and kept in ``instance/demo_password``, so it is the same every time it is
printed. Running the set-up again adds what is missing and changes nothing that exists: a demo person whose
roles or password someone changed keeps the change.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from core.auth.models import Membership, Role
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


@dataclass(frozen=True)
class DemoPerson:
    tenant: str
    role: str
    email: str


def setup_demo(tenants_dir: Path) -> DemoLogin:
    import_paths([tenants_dir], skip_existing=True)
    password, fresh = demo_password(Path(current_app.config["INSTANCE_PATH"]))
    admin = user_by_email(ADMIN_EMAIL)
    if admin is None:
        admin = create_user(ADMIN_EMAIL, "[DEMO] Platform Administrator", platform_admin=True, demo=True)
        set_password(admin, password)
    elif fresh:  # the kept password was lost: the one printed must work
        set_password(admin, password)
    for tenant in db.session.scalars(select(Tenant).order_by(Tenant.id)):
        _demo_people(tenant, password, fresh)
        with tenant_scope(tenant):
            demo_business(tenant)
            for name, settings in enabled_modules(tenant).items():
                registry().call_one(name, "lscp_demo_data", tenant=tenant, settings=settings)
    db.session.commit()
    return DemoLogin(ADMIN_EMAIL, password)


def demo_password(instance: Path) -> tuple[str, bool]:
    """The instance's demo password, and whether it was made just now. Made once and kept beside the
    database, readable by its owner only, so that what the set-up prints stays true from run to run."""
    path = instance / "demo_password"
    try:
        kept = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        kept = ""
    if kept:
        return kept, False
    password = "demo-" + secrets.token_urlsafe(9)
    instance.mkdir(parents=True, exist_ok=True)
    path.write_text(password + "\n", encoding="utf-8")
    path.chmod(0o600)
    return password, True


def demo_people() -> list[DemoPerson]:
    """Every demo person of every partnership, by partnership and role, as the set-up made them."""
    out = []
    for tenant in db.session.scalars(select(Tenant).order_by(Tenant.name)):
        with tenant_scope(tenant):
            roles = list(db.session.scalars(select(Role).order_by(Role.id)))
        for role in roles:
            email = _email(role.key, tenant)
            if user_by_email(email) is not None:
                out.append(DemoPerson(tenant.short_name, role.name, email))
    return out


def _email(role_key: str, tenant: Tenant) -> str:
    return f"demo.{role_key.replace('_', '-')}.{tenant.slug}@example.org"


def _demo_people(tenant: Tenant, password: str, fresh_password: bool) -> None:
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
        members = set(db.session.scalars(select(Membership.user_id)))
        for key, title in people:
            email = _email(key, tenant)
            user = user_by_email(email)
            if user is None:
                user = create_user(email, f"[DEMO] {title} ({tenant.short_name})", demo=True)
                set_password(user, password)
            elif fresh_password:
                set_password(user, password)
            if user.id in members:
                continue  # a member already: whatever was changed since (roles, limits) stays changed
            agency_id = first_agency.id if key in ("agency_safeguarding_lead", "practitioner") and first_agency else None
            add_member(tenant, user, MembershipChoice(role_ids=[roles[key].id], agency_id=agency_id,
                                                      job_title=f"[DEMO] {title}"))
