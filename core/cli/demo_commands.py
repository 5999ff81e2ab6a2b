from __future__ import annotations

import click

from config.settings import ROOT


@click.group(help="Demonstration set-up for trying the platform on a laptop.")
def demo():
    pass


@demo.command("setup", help="Import the shipped partnerships and create the demo admin and fake demo data.")
def setup_cmd():
    from core.demo import setup_demo

    password = setup_demo(ROOT / "tenants")
    click.echo("")
    click.echo("  Demo admin (all partnerships)")
    click.echo(f"    email:    {password.email}")
    click.echo(f"    password: {password.password}")
    click.echo("  Demo people, one per role and partnership, e.g. demo.practitioner.hf@example.org or")
    click.echo("  demo.lado-officer.bi-borough@example.org,")
    click.echo("  use the same password. Every person and record marked [DEMO] is made up.")
    click.echo("")
