from __future__ import annotations

import sys

import click
from sqlalchemy import select

from core.auth.models import Role
from core.auth.services import (
    AccessError,
    MembershipChoice,
    add_member,
    create_api_token,
    create_user,
    user_by_email,
)
from core.db import db
from core.tenancy.isolation import tenant_scope
from core.tenancy.models import Tenant


def _tenant(slug: str) -> Tenant:
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == slug)).first()
    if tenant is None:
        raise click.ClickException(f"no partnership with slug {slug!r}")
    return tenant


@click.group(help="People who sign in.")
def users():
    pass


@users.command("create", help="Create a user; with --tenant and --role, a member of that partnership.")
@click.option("--email", required=True)
@click.option("--name", default="")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.option("--tenant", "tenant_slug", default=None)
@click.option("--role", "role_keys", multiple=True, help="Role key, e.g. tenant_admin (repeatable).")
@click.option("--platform-admin", is_flag=True)
def create_cmd(email, name, password_stdin, tenant_slug, role_keys, platform_admin):
    if role_keys and not tenant_slug:
        raise click.ClickException("--role needs --tenant")
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    try:
        user = user_by_email(email)
        if user is None:
            user = create_user(email, name or email, password, platform_admin=platform_admin)
        elif password is not None:
            raise AccessError(f"{email} already exists; its password was not changed")
        if tenant_slug:
            tenant = _tenant(tenant_slug)
            with tenant_scope(tenant):
                keys = list(role_keys) or ["practitioner"]
                roles = db.session.scalars(select(Role).where(Role.key.in_(keys))).all()
                missing = set(keys) - {r.key for r in roles}
                if missing:
                    raise AccessError(f"no role {', '.join(sorted(missing))} in {tenant_slug}")
                add_member(tenant, user, MembershipChoice(role_ids=[r.id for r in roles]))
        db.session.commit()
    except AccessError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    where = f" in {tenant_slug} as {', '.join(role_keys) or 'practitioner'}" if tenant_slug else ""
    click.echo(f"User {user.email}{where}")


@click.group(help="Bearer tokens for the API.")
def tokens():
    pass


@tokens.command("create", help="Create an API token for a member; the token is printed once.")
@click.option("--email", required=True)
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--name", default="command line")
def create_token_cmd(email, tenant_slug, name):
    user = user_by_email(email)
    if user is None:
        raise click.ClickException(f"no user {email}")
    tenant = _tenant(tenant_slug)
    with tenant_scope(tenant):
        from core.auth.models import Membership

        membership = db.session.scalars(select(Membership).where(Membership.user_id == user.id)).first()
        if membership is None and not user.is_platform_admin:
            raise click.ClickException(f"{email} is not a member of {tenant_slug}")
        _token, plain = create_api_token(user, name)
        db.session.commit()
    click.echo(plain)
