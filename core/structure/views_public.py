"""The partnership's published arrangements: a public page, no sign-in."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("published", __name__)
