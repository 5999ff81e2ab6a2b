"""One refusal contract for every rule of core and of the modules.

A rule that will not make a change raises ``Refused`` (or a one-line subclass named for its area): what is
wrong, by the field a form or the API names it by (``""`` when the problem is about no one field). A page
shows it with ``show_refusal`` on its form (each message by its field and in the error summary, answering
400 with the form); the API answers it with ``api_refusal`` (422, the field and the reason, in the same shape
as a schema's validation errors). ``submit`` is the path every form takes: make the change, and on a refusal
roll back and put it on the form; otherwise commit, flash and redirect.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect
from flask_smorest import abort

from core.db import db
from core.web.forms import FormErrors

SCHEMA_FIELD = "_schema"  # what the API calls a problem about no one field, as marshmallow does


class Refused(ValueError):
    """A change a rule refused. ``errors`` maps field names to messages for the person who asked.

    ``api_status`` is 422 (the request was understood, its content refused) unless the refusal is about the
    state of things rather than what was sent: a full session is 409, as the API always said."""

    api_status = 422

    def __init__(self, message: str | dict[str, str], field: str = "", *, api_status: int | None = None):
        self.errors = dict(message) if isinstance(message, dict) else {field: message}
        if api_status is not None:
            self.api_status = api_status
        super().__init__("; ".join(self.errors.values()))

    @property
    def field(self) -> str:
        """The field of the first problem (``""`` when it is about no one field)."""
        return next(iter(self.errors), "")

    @property
    def message(self) -> str:
        return next(iter(self.errors.values()), "")


def show_refusal(errors: FormErrors, refusal: Refused, *, rename: dict[str, str] | None = None,
                 whole: str = "") -> FormErrors:
    """Put each of the refusal's messages on the form: by its field (renamed where the form calls it
    otherwise), and a problem about no one field by ``whole``, the id of the part of the page it concerns
    (a heading, say), so the error summary's link always lands on something."""
    for name, message in refusal.errors.items():
        errors.add((rename or {}).get(name, name) or whole, message)
    return errors


def api_refusal(refusal: Refused, *, message: str = "the change was refused"):
    """Answer the API request with the refusal: 422 with each field and its reason (409 for a conflict)."""
    db.session.rollback()
    fields = {(name or SCHEMA_FIELD): [text] for name, text in refusal.errors.items()}
    if refusal.api_status == 422:
        abort(422, errors={"json": fields}, message=message)
    abort(refusal.api_status, message=str(refusal))


def submit(change: Callable[[], Any], errors: FormErrors, *, done: str | Callable[[Any], str],
           flash_message: str | Callable[[Any], str] | None = None, rename: dict[str, str] | None = None,
           whole: str = ""):
    """Make ``change()``; a refusal is rolled back and put on ``errors`` (and None returned, for the view to
    show its form again with 400); otherwise commit, flash, and return the redirect to ``done`` (an address,
    or a function of what the change returned)."""
    try:
        result = change()
    except Refused as refusal:
        db.session.rollback()
        show_refusal(errors, refusal, rename=rename, whole=whole)
        return None
    db.session.commit()
    if flash_message:
        flash(flash_message(result) if callable(flash_message) else flash_message, "success")
    return redirect(done(result) if callable(done) else done)
