"""One linear migration history that builds exactly the schema the models describe."""

from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from config.settings import ROOT
from core.cli.db_commands import alembic_config
from core.db import Base
from tests.conftest import make_app


def test_the_history_is_linear():
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1
    assert all(len(rev._all_down_revisions) <= 1 for rev in script.walk_revisions())
    assert (ROOT / "migrations" / "env.py").exists()


def test_the_migrated_schema_matches_the_models(app):
    engine = app.extensions["lscp.engine"]
    with engine.begin() as connection:
        command.check(alembic_config(connection))  # raises if the models differ from the migrations
    tables = set(inspect(engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables if not t.info.get("external")} <= tables


def test_downgrade_to_nothing_and_up_again(tmp_path):
    fresh = make_app(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.db'}")
    engine = fresh.extensions["lscp.engine"]
    with fresh.app_context():
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "head")
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "base")
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "head")
        assert "tenants" in inspect(engine).get_table_names()
    engine.dispose()
