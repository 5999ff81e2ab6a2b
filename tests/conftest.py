"""Test set-up.

The test-only noticeboard module is installed the way any module is: its distribution (with entry points)
lies in tests/plugin_fixture, which goes on sys.path before the app is built, so the platform discovers it
through ``importlib.metadata`` exactly as it discovers a pip-installed plugin.

The database is SQLite in a temporary folder unless DATABASE_URL names another (CI runs the suite again on
PostgreSQL). Migrations build the schema once per run; every table is emptied after each test.
"""

from __future__ import annotations

import contextvars
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "plugin_fixture"))

from flask.testing import FlaskClient  # noqa: E402
from sqlalchemy import text  # noqa: E402

from core.app import create_app  # noqa: E402
from core.cli.db_commands import upgrade  # noqa: E402
from core.db import Base, db  # noqa: E402

REQUIRE_SERVICES = os.environ.get("LSCP_REQUIRE_SERVICES") == "1"


def need(condition: bool, reason: str) -> None:
    """Skip when a service is missing on a laptop; fail in CI, where nothing may be skipped."""
    if condition:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def on_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))


def pytest_collection_modifyitems(config, items):
    """Tests of PostgreSQL or Redis behaviour run in the pass that has that service and are deselected
    (not skipped) in the other: CI runs both passes."""
    wanted = {"postgres": on_postgres(), "redis": bool(os.environ.get("REDIS_URL"))}
    keep, drop = [], []
    for item in items:
        if any(item.get_closest_marker(name) and not present for name, present in wanted.items()):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _database_url(tmp: Path) -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{tmp / 'test.db'}"


def _reset_schema(app) -> None:
    engine = app.extensions["lscp.engine"]
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade()
    external = [t for t in Base.metadata.sorted_tables if t.info.get("external")]
    Base.metadata.create_all(engine, tables=external)


class IsolatedClient(FlaskClient):
    """A test client whose every request runs as in production: in a fresh app context, with its own
    ``g`` and database session, not in the one pytest-flask keeps pushed for the test itself."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


def make_app(tmp: Path, **overrides):
    settings = {
        "DATABASE_URL": _database_url(tmp),
        "INSTANCE_PATH": str(tmp),
        "MAIL_FILE_DIR": str(tmp / "mail"),
        "REDIS_URL": None,
        "PUBLIC_BASE_URL": "http://platform.test",
    }
    settings.update(overrides)
    app = create_app("test", **settings)
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("instance")
    app = make_app(tmp)
    with app.app_context():
        _reset_schema(app)
    yield app
    app.extensions["lscp.engine"].dispose()


def empty_all_tables(app) -> None:
    engine = app.extensions["lscp.engine"]
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            conn.execute(text("PRAGMA foreign_keys=OFF"))
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))
            conn.execute(text("PRAGMA foreign_keys=ON"))


@pytest.fixture(autouse=True)
def _clean(app):
    yield
    db.session.remove()
    empty_all_tables(app)
    mail = app.extensions["lscp.mail"]
    if hasattr(mail, "sent"):
        mail.sent.clear()


@pytest.fixture
def outbox(app):
    """Messages the memory mail transport has sent."""
    return app.extensions["lscp.mail"].sent


@pytest.fixture
def client(app):
    """Not kept in a ``with`` block (as pytest-flask's is): no request's context outlives the request."""
    return app.test_client()
