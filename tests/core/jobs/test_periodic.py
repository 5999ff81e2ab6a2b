"""Periodic jobs: due by their cron expression in London time, once per tenant and scheduled time."""

from __future__ import annotations

from datetime import UTC, datetime

from lscp_noticeboard.models import Reminder
from sqlalchemy import select

from core.db import db
from core.jobs.models import PeriodicRun
from core.jobs.periodic import last_due, tick
from core.plugins.services import enable_module
from core.tenancy.isolation import tenant_scope
from tests.helpers import create_tenant


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_cron_expressions_are_read_in_london_time():
    # 07:00 London is 06:00 UTC in summer and 07:00 UTC in winter.
    assert last_due("0 7 * * *", at(2026, 7, 1, 6, 30)) == at(2026, 7, 1, 6, 0)
    assert last_due("0 7 * * *", at(2026, 12, 1, 6, 30)) == at(2026, 11, 30, 7, 0)
    assert last_due("0 7 * * *", at(2026, 12, 1, 7, 0)) == at(2026, 12, 1, 7, 0)


def test_a_job_runs_once_per_enabled_tenant_per_scheduled_time():
    alpha, beta = create_tenant("alpha"), create_tenant("beta")
    enable_module(alpha, "noticeboard")
    db.session.commit()
    claimed = tick(at(2026, 12, 1, 9, 0))
    assert "noticeboard.remind@alpha" in claimed and not any(c.endswith("@beta") and "noticeboard" in c for c in claimed)
    assert "core.retry_email@platform" in claimed
    assert tick(at(2026, 12, 1, 9, 1)) == []  # nothing new has fallen due since 09:00
    with tenant_scope(alpha):
        assert [r.day.isoformat() for r in db.session.scalars(select(Reminder))] == ["2026-12-01"]
    with tenant_scope(beta):
        assert db.session.scalars(select(Reminder)).all() == []
    tick(at(2026, 12, 2, 8, 0))
    with tenant_scope(alpha):
        assert [r.day.isoformat() for r in db.session.scalars(select(Reminder).order_by(Reminder.day))] == [
            "2026-12-01", "2026-12-02"]
    runs = db.session.scalars(select(PeriodicRun).where(PeriodicRun.job == "noticeboard.remind")).all()
    assert len(runs) == 2 and all(r.finished_at is not None and r.error == "" for r in runs)


def test_a_failing_job_is_recorded_and_left_for_a_retry(monkeypatch):
    alpha = create_tenant("alpha")
    enable_module(alpha, "noticeboard")
    db.session.commit()

    def broken(tenant, settings, today):
        raise RuntimeError("the sweep broke")

    monkeypatch.setattr("lscp_noticeboard.services.remind", broken)
    tick(at(2026, 12, 1, 9, 0))
    run = db.session.scalars(select(PeriodicRun).where(PeriodicRun.job == "noticeboard.remind")).one()
    assert run.finished_at is None and "RuntimeError: the sweep broke" in run.error


def test_jobs_commands(app):
    runner = app.test_cli_runner()
    listing = runner.invoke(args=["jobs", "list"]).output
    assert "core.retry_email" in listing and "noticeboard.remind" in listing and "0 7 * * *" in listing
    result = runner.invoke(args=["jobs", "tick"])
    assert result.exit_code == 0 and "core.retry_email@platform" in result.output
    assert "REDIS_URL is not set" in runner.invoke(args=["jobs", "worker", "--burst"]).output
