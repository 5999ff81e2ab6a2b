"""Refuse text that no person types: a NUL character in a form field or a JSON string.

PostgreSQL cannot store NUL in text, so such input would otherwise fail deep in a query. Uploaded files
are not text fields and may contain any byte; they are not looked at here.
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import BadRequest

MESSAGE = "Text cannot contain the NUL character (\\x00): remove it and try again"


def _refuse():
    error = BadRequest(MESSAGE)
    error.data = {"message": MESSAGE}  # what the API's JSON error carries
    raise error


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def init_app(app: Flask) -> None:
    @app.before_request
    def _refuse_nul():
        if any("\x00" in value for values in request.args.listvalues() for value in values):
            _refuse()
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return
        if request.is_json:
            if _has_nul(request.get_json(silent=True)):
                _refuse()
        elif any("\x00" in value for values in request.form.listvalues() for value in values):
            _refuse()
