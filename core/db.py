"""Database engine, session and declarative base.

One engine per app; one session per app context (a request, a CLI command, a job). Tenant isolation is
attached to the session class in ``core.tenancy.isolation``; this module knows nothing of tenants.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from flask import Flask, current_app, has_app_context
from flask.globals import app_ctx
from sqlalchemy import JSON, DateTime, MetaData, TypeDecorator, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Timestamps are always UTC and always aware, whichever database stores them."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC datetime is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict: JSON, list: JSON}


class PlatformSession(Session):
    """The session class every part of the platform uses; isolation hooks listen on it."""


def _scope_id():
    # One session per app context; outside one (a bare thread in a test) one per thread.
    if has_app_context():
        return id(app_ctx._get_current_object())
    return threading.get_ident()


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


class Database:
    """Holds the session registry; the engine lives on the app so that several apps may share a process."""

    def __init__(self):
        self.session = scoped_session(self._new_session, scopefunc=_scope_id)

    @staticmethod
    def _new_session() -> PlatformSession:
        return PlatformSession(bind=current_app.extensions["lscp.engine"], expire_on_commit=True)

    def init_app(self, app: Flask) -> None:
        app.extensions["lscp.engine"] = make_engine(app.config["DATABASE_URL"])

        @app.teardown_appcontext
        def _remove_session(_exc):
            self.session.remove()

    @property
    def engine(self) -> Engine:
        return current_app.extensions["lscp.engine"]


db = Database()
