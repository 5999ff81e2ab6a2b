from __future__ import annotations

import json

import click
from marshmallow import ValidationError
from sqlalchemy import select

from core.db import db
from core.plugins.services import (
    ModuleStateError,
    disable_module,
    enable_module,
    enabled_modules,
    module_states,
    registry,
)
from core.tenancy.documents import flatten_errors
from core.tenancy.models import Tenant


@click.group(help="Feature modules and which partnerships have them on.")
def modules():
    pass


def _tenant(slug: str) -> Tenant:
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == slug)).first()
    if tenant is None:
        raise click.ClickException(f"no partnership with slug {slug!r} (see: flask tenants list)")
    return tenant


@modules.command("list", help="Installed modules; with a partnership, whether each is on for it.")
@click.argument("tenant", required=False)
def list_cmd(tenant):
    reg = registry()
    if not reg.optional:
        click.echo("No modules are installed.")
        return
    states = module_states(_tenant(tenant)) if tenant else {}
    on = enabled_modules(_tenant(tenant)) if tenant else {}
    for module in reg.optional:
        deps = f" (needs {', '.join(module.info.depends_on)})" if module.info.depends_on else ""
        state = ""
        if tenant:
            state = "on " if module.name in on else "off"
            if module.name in on and states[module.name].settings:
                deps += f" settings={json.dumps(states[module.name].settings, sort_keys=True)}"
        click.echo(f"{state} {module.name:<14} {module.info.title} {module.info.version}{deps}".strip())


@modules.command("enable", help="Switch a module on for a partnership, with settings as JSON.")
@click.argument("tenant")
@click.argument("module")
@click.option("--settings", default=None, help='Settings as a JSON object, e.g. \'{"stale_days": 20}\'')
def enable_cmd(tenant, module, settings):
    try:
        raw = json.loads(settings) if settings else None
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"--settings is not valid JSON: {exc}") from exc
    try:
        enable_module(_tenant(tenant), module, raw)
        db.session.commit()
    except ModuleStateError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    except ValidationError as exc:
        db.session.rollback()
        lines = [f"settings.{p}: {'; '.join(m)}" for p, m in flatten_errors(exc.messages).items()]
        raise click.ClickException("invalid settings\n  " + "\n  ".join(lines)) from exc
    click.echo(f"{module} is on for {tenant}")


@modules.command("disable", help="Switch a module off for a partnership (its data is kept).")
@click.argument("tenant")
@click.argument("module")
def disable_cmd(tenant, module):
    try:
        disable_module(_tenant(tenant), module)
        db.session.commit()
    except ModuleStateError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{module} is off for {tenant}; its data is kept")
