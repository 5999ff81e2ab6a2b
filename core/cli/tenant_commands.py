from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy import func, select

from core.db import db
from core.plugins.services import enabled_modules
from core.tenancy.importer import (
    ImportRefused,
    export_offer,
    export_tenant,
    import_paths,
    to_toml,
    validate_paths,
)
from core.tenancy.isolation import tenant_scope
from core.tenancy.models import Agency, LocalAuthority, SharedOffer, Tenant


@click.group(help="Partnerships (tenants) and their configuration files.")
def tenants():
    pass


def _refused(exc: ImportRefused) -> None:
    click.echo("Refused: nothing was changed.", err=True)
    for problem in exc.problems:
        click.echo(f"  {problem}", err=True)
    sys.exit(1)


@tenants.command("validate", help="Check tenant files (or folders of them) without changing anything.")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
def validate_cmd(paths):
    try:
        docs = validate_paths(list(paths))
    except ImportRefused as exc:
        _refused(exc)
    for doc in docs:
        click.echo(f"{doc.source}: valid {doc.kind} document")


@tenants.command("import", help="Import tenant files (or folders of them) in one transaction.")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--skip-existing", is_flag=True, help="Leave partnerships that already exist as they are.")
def import_cmd(paths, skip_existing):
    try:
        done = import_paths(list(paths), skip_existing=skip_existing)
    except ImportRefused as exc:
        _refused(exc)
    click.echo(f"Imported: {', '.join(done) if done else 'nothing new'}")


@tenants.command("export", help="Write a partnership's configuration as TOML (to stdout, or --out FILE).")
@click.argument("slug")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), default=None)
def export_cmd(slug, out):
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == slug)).first()
    if tenant is not None:
        text = to_toml(export_tenant(tenant))
    else:
        offer = db.session.scalars(select(SharedOffer).where(SharedOffer.slug == slug)).first()
        if offer is None:
            raise click.ClickException(f"no tenant or shared offer with slug {slug!r}")
        text = to_toml(export_offer(offer))
    if out:
        Path(out).write_text(text, encoding="utf-8")
        click.echo(f"Wrote {out}")
    else:
        click.echo(text, nl=False)


@tenants.command("list", help="List partnerships with their local authorities, agencies and modules.")
def list_cmd():
    rows = db.session.scalars(select(Tenant).order_by(Tenant.slug)).all()
    if not rows:
        click.echo("No partnerships yet: flask tenants import tenants/")
    for tenant in rows:
        with tenant_scope(tenant):
            las = db.session.scalars(select(LocalAuthority.name).order_by(LocalAuthority.name)).all()
            agencies = db.session.scalar(select(func.count()).select_from(Agency))
        modules = ", ".join(sorted(enabled_modules(tenant))) or "none"
        click.echo(f"{tenant.slug:<16} {tenant.name}")
        click.echo(f"{'':<16} local authorities: {'; '.join(las)}")
        click.echo(f"{'':<16} agencies: {agencies}; modules: {modules}")
    for offer in db.session.scalars(select(SharedOffer).order_by(SharedOffer.slug)):
        members = ", ".join(sorted(m.tenant.slug for m in offer.members))
        click.echo(f"shared/{offer.slug}: {offer.name} ({offer.module}; coordinator {offer.coordinator.slug}; "
                   f"members {members})")
