"""Background work with one code path: rq when ``REDIS_URL`` is set, inline otherwise.

A job is a dotted path to a plain function and keyword arguments that serialise to JSON. Jobs are handed
over only when the transaction that asked for them commits, so a worker never looks for a row that is not
there yet; a rolled-back transaction asks for nothing. Anything that must not be lost is a row first
(an outbox email, a reminder), so a job that fails or vanishes is picked up again by a periodic sweep.
"""

from __future__ import annotations

import importlib
import logging

from flask import Flask, current_app
from sqlalchemy import event

from core.db import PlatformSession, db

log = logging.getLogger(__name__)
PENDING_KEY = "lscp.pending_jobs"
RETRY_INTERVALS = [10, 60, 300]


def resolve(path: str):
    module_name, _, attr = path.rpartition(".")
    return getattr(importlib.import_module(module_name), attr)


def enqueue(func_path: str, **kwargs) -> None:
    """Run ``func_path(**kwargs)`` in the background once the current transaction commits (the caller
    commits, as it does for the change that asked for the job)."""
    resolve(func_path)  # fail now, in the caller, on a typo rather than later in a worker
    db.session().info.setdefault(PENDING_KEY, []).append((func_path, kwargs))


@event.listens_for(PlatformSession, "after_commit")
def _after_commit(session):
    jobs = session.info.pop(PENDING_KEY, None)
    if jobs:
        _dispatch(current_app._get_current_object(), jobs)


@event.listens_for(PlatformSession, "after_soft_rollback")
def _after_rollback(session, _previous):
    session.info.pop(PENDING_KEY, None)


def _dispatch(app: Flask, jobs) -> None:
    backend = app.extensions["lscp.jobs"]
    for func_path, kwargs in jobs:
        try:
            backend.submit(app, func_path, kwargs)
        except Exception:  # the rows behind the job remain; the periodic sweep will hand it over again
            log.exception("could not hand over job %s", func_path)


class InlineBackend:
    name = "inline"

    def submit(self, app: Flask, func_path: str, kwargs: dict) -> None:
        # A fresh app context gives the job a session of its own, as a worker would have.
        with app.app_context():
            try:
                run(func_path, kwargs)
            except Exception:
                log.exception("inline job %s failed", func_path)


class RQBackend:
    name = "rq"

    def __init__(self, redis_url: str, queue_name: str):
        from redis import Redis
        from rq import Queue

        self.connection = Redis.from_url(redis_url)
        self.queue = Queue(queue_name, connection=self.connection)

    def submit(self, app: Flask, func_path: str, kwargs: dict) -> None:
        from rq import Retry

        self.queue.enqueue(
            "core.jobs.worker.execute", func_path, kwargs,
            retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
            description=func_path,
        )


def run(func_path: str, kwargs: dict):
    """Run one job in the current app context and commit what it did."""
    try:
        result = resolve(func_path)(**kwargs)
        db.session.commit()
        return result
    except Exception:
        db.session.rollback()
        raise


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    app.extensions["lscp.jobs"] = RQBackend(url, app.config["RQ_QUEUE"]) if url else InlineBackend()
