"""With REDIS_URL set, the same jobs go through Redis to a real rq worker process."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from lscp_noticeboard.models import Reminder
from sqlalchemy import select

from config.settings import ROOT
from core.db import db
from core.jobs.periodic import tick
from core.mail.models import OutboxEmail
from core.mail.services import queue_email
from core.plugins.services import enable_module
from core.tenancy.isolation import tenant_scope, unscoped
from tests.conftest import make_app, need
from tests.helpers import create_tenant

pytestmark = pytest.mark.redis


@pytest.fixture
def rq_app(app, tmp_path):
    """The test app's database, with jobs going to a queue of this test's own in Redis."""
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    url = os.environ["REDIS_URL"]
    try:
        Redis.from_url(url).ping()
    except RedisDown:
        need(False, f"Redis is not reachable at {url}")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    rq_app = make_app(tmp_path, DATABASE_URL=app.config["DATABASE_URL"], REDIS_URL=url, RQ_QUEUE=queue,
                      MAIL_BACKEND="file", MAIL_FILE_DIR=str(tmp_path / "mail"))
    yield rq_app
    rq_app.extensions["lscp.jobs"].queue.delete(delete_jobs=True)
    rq_app.extensions["lscp.engine"].dispose()


def run_worker(rq_app) -> subprocess.CompletedProcess:
    env = dict(os.environ, DATABASE_URL=rq_app.config["DATABASE_URL"], REDIS_URL=rq_app.config["REDIS_URL"],
               RQ_QUEUE=rq_app.config["RQ_QUEUE"], MAIL_BACKEND="file", MAIL_FILE_DIR=rq_app.config["MAIL_FILE_DIR"],
               INSTANCE_PATH=rq_app.config["INSTANCE_PATH"],
               PYTHONPATH=os.pathsep.join([str(ROOT / "tests" / "plugin_fixture"), str(ROOT)]))
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker", "--burst"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_email_goes_through_redis_to_a_worker_process(rq_app):
    with rq_app.app_context():
        alpha = create_tenant("alpha")
        with tenant_scope(alpha):
            queue_email("lead@school.example", "Through the queue", "Hello from rq")
        db.session.commit()
        queue = rq_app.extensions["lscp.jobs"].queue
        assert queue.count == 1
        with unscoped():
            assert db.session.scalars(select(OutboxEmail.status)).all() == ["pending"]

    result = run_worker(rq_app)
    assert result.returncode == 0, result.stderr[-2000:]

    with rq_app.app_context():
        with unscoped():
            email = db.session.scalars(select(OutboxEmail)).one()
        assert email.status == "sent" and email.attempts == 1
    [eml] = list(Path(rq_app.config["MAIL_FILE_DIR"]).glob("*.eml"))
    assert "Through the queue" in eml.read_text()


def test_periodic_runs_are_handed_to_the_worker(rq_app):
    from datetime import UTC, datetime

    with rq_app.app_context():
        alpha = create_tenant("alpha")
        enable_module(alpha, "noticeboard")
        db.session.commit()
        claimed = tick(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
        assert "noticeboard.remind@alpha" in claimed
        with tenant_scope(alpha):
            assert db.session.scalars(select(Reminder)).all() == []  # not run here: queued

    result = run_worker(rq_app)
    assert result.returncode == 0, result.stderr[-2000:]
    with rq_app.app_context(), tenant_scope(alpha.id):
        assert [r.day.isoformat() for r in db.session.scalars(select(Reminder))] == ["2026-12-01"]
