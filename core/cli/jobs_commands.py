from __future__ import annotations

import click
from flask import current_app

from core.jobs.periodic import all_jobs, tick


@click.group(help="Background work: the periodic tick, rq worker and scheduler.")
def jobs():
    pass


@jobs.command("tick", help="Run every periodic job that has fallen due (run from cron every minute).")
def tick_cmd():
    claimed = tick()
    click.echo(f"Ran {len(claimed)} job(s)" + (": " + ", ".join(claimed) if claimed else ""))


@jobs.command("list", help="Periodic jobs declared by core and the installed modules.")
def list_cmd():
    for name, (_module, job) in sorted(all_jobs().items()):
        scope = "per partnership" if job.per_tenant else "platform"
        click.echo(f"{name:<32} {job.cron:<14} {scope:<16} {job.description}")


def _backend():
    backend = current_app.extensions["lscp.jobs"]
    if backend.name != "rq":
        raise click.ClickException("REDIS_URL is not set: jobs run inline, there is no queue to work")
    return backend


@jobs.command("worker", help="Work the rq queue (needs REDIS_URL).")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker_cmd(burst):
    from rq import SimpleWorker

    from core.jobs.worker import use_app

    backend = _backend()
    use_app(current_app._get_current_object())
    # SimpleWorker runs jobs in this process, which already holds the app and its connection pool.
    worker = SimpleWorker([backend.queue], connection=backend.connection)
    worker.work(burst=burst, with_scheduler=True)


@jobs.command("scheduler", help="Tick every minute through rq's cron scheduler (needs REDIS_URL).")
def scheduler_cmd():
    from rq.cron import CronScheduler

    from core.jobs.worker import execute

    backend = _backend()
    cron = CronScheduler(connection=backend.connection)
    cron.register(
        execute, queue_name=backend.queue.name,
        args=("core.jobs.periodic.tick", {}), interval=60,
    )
    cron.start()
