"""What an rq worker runs: every job goes through ``execute`` so that it gets an app context."""

from __future__ import annotations

from flask import Flask

_app: Flask | None = None


def use_app(app: Flask) -> None:
    global _app
    _app = app


def execute(func_path: str, kwargs: dict):
    global _app
    if _app is None:
        from core.app import create_app

        _app = create_app()
    from core.jobs.queue import run

    with _app.app_context():
        return run(func_path, kwargs)
