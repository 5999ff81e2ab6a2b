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


def test_partnerships_made_before_the_structure_get_its_permissions(tmp_path):
    import importlib.util

    from sqlalchemy import text

    from core.core_plugin import GRANTS

    fresh = make_app(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'old.db'}")
    engine = fresh.extensions["lscp.engine"]
    with fresh.app_context():
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "0001")
            connection.execute(text("INSERT INTO tenants (id, slug, name, short_name, created_at, modules_version) "
                                    "VALUES (1, 'old', 'Old partnership', 'Old', '2025-01-01', 'x')"))
            connection.execute(text("INSERT INTO roles (id, tenant_id, key, name, description, is_default) VALUES "
                                    "(1, 1, 'practitioner', 'Practitioner', '', 1), (2, 1, 'custom', 'Custom', '', 0)"))
            connection.execute(text("INSERT INTO role_permissions (tenant_id, role_id, permission) "
                                    "VALUES (1, 1, 'core.dashboard.view')"))
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "head")
            granted = connection.execute(text("SELECT role_id, permission FROM role_permissions ORDER BY permission")).all()
    engine.dispose()
    # ... and the dashboard's retired grant is gone: the dashboard is every member's.
    assert granted == [(1, "core.plan.view"), (1, "core.structure.view")]

    # The migration grants exactly what a new partnership's default roles get.
    spec = importlib.util.spec_from_file_location("m0002", ROOT / "migrations" / "versions" / "0002_partnership_structure.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    new = {p for names in module.NEW_GRANTS.values() for p in names}
    for role, names in GRANTS.items():
        assert set(module.NEW_GRANTS.get(role, [])) == {p for p in names if p in new}, role
