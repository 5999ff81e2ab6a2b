"""Front-end assets, all served by the app itself: no page of the platform loads anything from elsewhere."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory

from config.settings import ROOT
from core.auth.access import public

bp = Blueprint("assets", __name__, url_prefix="/assets")
MAX_AGE = 3600
OWN = ROOT / "core" / "static"


def _frontend() -> Path:
    return Path(current_app.config["FRONTEND_DIR"])


def _send(directory: Path, path: str):
    if not directory.is_dir():
        abort(404)
    return send_from_directory(directory, path, max_age=MAX_AGE)


@bp.route("/app.css")
@public
def app_css():
    return _send(_frontend() / "build", "app.css")


@bp.route("/govuk/<path:path>")
@public
def govuk(path):
    return _send(_frontend() / "node_modules" / "govuk-frontend" / "dist" / "govuk", path)


@bp.route("/swagger-ui/<path:path>")
@public
def swagger_ui(path):
    return _send(_frontend() / "node_modules" / "swagger-ui-dist", path)


@bp.route("/<path:path>")
@public
def own(path):
    return _send(OWN, path)
