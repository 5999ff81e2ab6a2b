"""What every rule of the module shares: the error a rule raises, cleaning typed text, the case record."""

from __future__ import annotations

import re
from datetime import date

from core.db import db, utcnow
from core.refusals import Refused
from plugins.lado.models import LadoCase, LadoEntry


class CaseError(Refused):
    """A rule of the LADO module refused a change (see ``core.refusals``)."""


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = re.compile(r"[\t\n\r]+")


def clean(value: str | None, multiline: bool = False) -> str:
    """Typed text without control characters (PostgreSQL refuses a NUL), trimmed; a one-line field gets
    its line breaks as spaces."""
    value = value or ""
    if not multiline:
        value = _LINE_BREAK.sub(" ", value)
    return _CONTROL.sub("", value).strip()


def add_entry(case: LadoCase, happened_on: date, text: str, *, kind: str = "event",
              author_label: str = "") -> LadoEntry:
    """A line of the chronological case record; any entry counts as activity on the case."""
    entry = LadoEntry(happened_on=happened_on, kind=kind, text=text, author_label=author_label[:254])
    case.entries.append(entry)
    touch(case)
    db.session.add(entry)
    return entry


def touch(case: LadoCase) -> None:
    """Activity on a case: what the stale-case sweep looks at."""
    case.last_activity_at = utcnow()
