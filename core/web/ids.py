"""Row ids as they arrive from outside (paths, forms, query strings), held to what the database can store.

Ids are 32-bit integers in PostgreSQL; an id beyond that range cannot exist, so it is simply not found (in
a path) or refused as invalid (in a form), never passed on to the database to fail there.
"""

from __future__ import annotations

from marshmallow import fields, validate
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """The ``int`` converter of every route: positive and within the database's range."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def Id(**kwargs) -> fields.Integer:  # noqa: N802 - used like a field class
    """A marshmallow field for a row id chosen from a list."""
    kwargs.setdefault("error_messages", {"invalid": "Choose from the list"})
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ID, error="Choose from the list"), **kwargs)
