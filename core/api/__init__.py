"""The JSON API under /api/v1/<tenant-slug>/, built with flask-smorest on marshmallow schemas.

Authentication is by bearer token only (a token belongs to one tenant); session cookies do not authorise
API calls, so the API needs no CSRF token. The OpenAPI document is at /api/v1/openapi.json and browsable
at /api/v1/docs with assets the app serves itself.
"""

from __future__ import annotations

from flask import Blueprint, Flask, render_template, url_for
from flask_smorest import Api

from core.auth.access import public
from core.extensions import csrf
from core.tenancy.context import TENANT_ARG

API_PREFIX = "/api/v1"
docs_bp = Blueprint("api_docs", __name__)


@docs_bp.route(f"{API_PREFIX}/docs")
@public
def docs():
    return render_template("api/docs.html", spec_url=url_for("api-docs.openapi_json"))


def register_api(app: Flask, registry, owners: dict[str, str]) -> None:
    from core.api import (
        config,
        members,
        modules,
        reports,
        structure_bodies,
        structure_funding,
        structure_meetings,
        structure_plan,
    )

    api = Api(app, spec_kwargs={
        "info": {"description": "Configuration, modules and records of a safeguarding children partnership. "
                                "Every path is under one partnership's slug; authenticate with "
                                "`Authorization: Bearer <token>` (tokens belong to one partnership)."},
        "security": [{"bearerAuth": []}],
    })
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    app.extensions["lscp.api"] = api

    prefix = f"{API_PREFIX}/<{TENANT_ARG}>"
    for bp, path in ((config.bp, "config"), (modules.bp, "modules"), (members.bp, "members"),
                     (reports.bp, "figures"), (structure_bodies.bp, "structure"), (structure_meetings.bp, "structure"),
                     (structure_plan.bp, "structure"), (structure_funding.bp, "structure")):
        api.register_blueprint(bp, url_prefix=f"{prefix}/{path}")
        csrf.exempt(bp)
    for module in registry.optional:
        for bp in module.api_blueprints:
            api.register_blueprint(bp, url_prefix=f"{prefix}/{module.name}")
            owners[bp.name] = module.name
            csrf.exempt(bp)

    app.register_blueprint(docs_bp)
    bound = app.view_functions["api-docs.openapi_json"]

    @public
    def openapi_json():
        return bound()

    app.view_functions["api-docs.openapi_json"] = openapi_json
