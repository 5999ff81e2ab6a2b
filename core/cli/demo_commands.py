from __future__ import annotations

import click

from config.settings import ROOT


@click.group(help="Demonstration set-up for trying the platform on a laptop.")
def demo():
    pass


@demo.command("setup", help="Import the shipped partnerships and create the demo admin and fake demo data.")
def setup_cmd():
    from core.demo import demo_people, setup_demo

    login = setup_demo(ROOT / "tenants")
    click.echo("")
    click.echo("  Demo admin (every partnership)")
    click.echo(f"    email:    {login.email}")
    click.echo(f"    password: {login.password}")
    click.echo("")
    click.echo("  Demo people, one per role and partnership, with the same password:")
    for person in demo_people():
        click.echo(f"    {person.tenant:<16} {person.role:<28} {person.email}")
    click.echo("")
    click.echo("  The password is kept in instance/demo_password. Every person and record marked [DEMO] is made up.")
    click.echo("")
