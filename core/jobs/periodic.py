"""Periodic jobs (deadline sweeps, reminders, email retries) declared by modules through hooks.

``tick`` is the whole scheduler: it works out, for every job and tenant, the latest time the job's cron
expression (read in London time) has fallen due, claims that run with a unique row, and hands the run to
the job backend. Call it every minute or so: from ``flask jobs tick`` under cron when jobs run inline, or
from the rq cron scheduler that ``flask jobs scheduler`` starts. Ticking twice, or from two machines, runs
nothing twice; a tick after downtime runs each job once for the time it missed.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

from croniter import croniter
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.calendar import LONDON
from core.db import db, utcnow
from core.jobs.models import PeriodicRun
from core.jobs.queue import enqueue, resolve
from core.plugins.registry import CORE
from core.plugins.types import PeriodicJob
from core.tenancy.isolation import tenant_scope
from core.tenancy.models import Tenant

log = logging.getLogger(__name__)
PLATFORM = 0


def last_due(cron: str, now: datetime) -> datetime:
    """The latest scheduled time at or before ``now``, in UTC."""
    # get_prev is strictly before its start: a second later makes a run due at exactly ``now`` count.
    local_now = now.astimezone(LONDON) + timedelta(seconds=1)
    return croniter(cron, local_now).get_prev(datetime).astimezone(UTC).replace(microsecond=0)


def all_jobs() -> dict[str, tuple[str, PeriodicJob]]:
    from core.plugins.services import registry

    return {job.name: (module.name, job) for module in registry().modules.values() for job in module.periodic_jobs}


def _claim(job: str, tenant_id: int, scheduled: datetime) -> int | None:
    run = PeriodicRun(job=job, tenant_id=tenant_id, scheduled_for=scheduled)
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return run.id


def tick(now: datetime | None = None) -> list[str]:
    """Claim and hand over every run that has fallen due. Returns ``job@tenant`` for each claimed run."""
    from core.plugins.services import enabled_modules

    now = now or utcnow()
    tenants = db.session.scalars(select(Tenant).order_by(Tenant.id)).all()
    claimed = []
    for name, (module, job) in sorted(all_jobs().items()):
        scheduled = last_due(job.cron, now)
        if not job.per_tenant:
            targets = [(PLATFORM, "platform")]
        else:
            targets = [(t.id, t.slug) for t in tenants if module == CORE or module in enabled_modules(t)]
        for tenant_id, label in targets:
            run_id = _claim(name, tenant_id, scheduled)
            if run_id is None:
                continue
            enqueue("core.jobs.periodic.run_claimed", run_id=run_id)
            claimed.append(f"{name}@{label}")
    db.session.commit()  # hands the runs over
    return claimed


def run_claimed(run_id: int) -> None:
    from core.plugins.services import enabled_modules

    run = db.session.get(PeriodicRun, run_id)
    if run is None or run.finished_at is not None:
        return
    module, job = all_jobs()[run.job]
    func = resolve(job.func)
    today: date = run.scheduled_for.astimezone(LONDON).date()
    try:
        if run.tenant_id == PLATFORM:
            func(today=today)
        else:
            tenant = db.session.get(Tenant, run.tenant_id)
            with tenant_scope(tenant):
                settings = {} if module == CORE else enabled_modules(tenant).get(module, {})
                func(tenant=tenant, settings=settings, today=today)
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        log.exception("periodic job %s failed", run.job)
        # Left unfinished so that a retry of the job runs it again; the error shows what went wrong.
        run = db.session.get(PeriodicRun, run_id)
        run.error = f"{type(exc).__name__}: {exc}"[:2000]
        db.session.commit()
        raise
    run = db.session.get(PeriodicRun, run_id)
    run.finished_at = utcnow()
    db.session.commit()
