"""Alembic environment: one linear history for core and the built-in plugins.

Run through ``flask db upgrade`` (which passes the app's connection). Tables of plugins installed from
outside the repository carry ``info={"external": True}`` and manage their own schema, so they are left
out of this history.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from core.app import _import_models
from core.db import Base
from core.plugins.registry import build_plugin_manager

_import_models()
build_plugin_manager()  # loads every installed module's plugin, which maps its tables
target_metadata = Base.metadata


def include_object(obj, name, type_, reflected, compare_to):
    if type_ == "table" and getattr(obj, "info", {}).get("external"):
        return False
    return True


def run_migrations(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    engine = engine_from_config(context.config.get_section(context.config.config_ini_section) or {
        "sqlalchemy.url": context.config.get_main_option("sqlalchemy.url")}, prefix="sqlalchemy.",
        poolclass=pool.NullPool)
    with engine.begin() as conn:
        run_migrations(conn)
