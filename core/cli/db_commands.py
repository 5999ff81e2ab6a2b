from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask import current_app

from config.settings import ROOT


def alembic_config(connection=None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", current_app.config["DATABASE_URL"].replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(revision: str = "head") -> None:
    engine = current_app.extensions["lscp.engine"]
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


@click.group("db", help="Database schema migrations (Alembic).")
def db_group():
    pass


@db_group.command("upgrade", help="Bring the schema up to date.")
@click.argument("revision", default="head")
def upgrade_cmd(revision):
    url = current_app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    upgrade(revision)
    click.echo("Database is up to date")


@db_group.command("downgrade", help="Step the schema back to REVISION.")
@click.argument("revision")
def downgrade_cmd(revision):
    engine = current_app.extensions["lscp.engine"]
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)


@db_group.command("revision", help="Write a new migration from the difference between models and schema.")
@click.option("-m", "--message", required=True)
def revision_cmd(message):
    engine = current_app.extensions["lscp.engine"]
    with engine.begin() as connection:
        command.revision(alembic_config(connection), message=message, autogenerate=True)


@db_group.command("check", help="Fail if the models have changes no migration describes.")
def check_cmd():
    engine = current_app.extensions["lscp.engine"]
    with engine.begin() as connection:
        command.check(alembic_config(connection))
    click.echo("No changes")
