from __future__ import annotations

from flask import abort

from core.db import db


def get_or_404(model, ident):
    """Fetch a row by id in the current scope: another tenant's row is simply not found."""
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj
