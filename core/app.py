"""The application factory."""

from __future__ import annotations

import logging
import secrets

from flask import Flask, g
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from config.settings import ROOT, load_settings
from core import extensions
from core.db import db

log = logging.getLogger(__name__)


def create_app(env: str | None = None, **overrides) -> Flask:
    settings = load_settings(env, **overrides)
    app = Flask(__name__, instance_path=settings.INSTANCE_PATH, static_folder=None)
    app.config.from_object(settings)

    _import_models()
    db.init_app(app)

    from core.jobs import queue
    from core.mail import transports
    from core.plugins.registry import ModuleRegistry, build_plugin_manager

    queue.init_app(app)
    transports.init_app(app)
    app.extensions["lscp.modules"] = ModuleRegistry(build_plugin_manager())

    _init_templates(app)
    extensions.init_app(app)
    from core.web.ids import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any route is added

    from core.tenancy import context

    context.init_app(app)
    _register_blueprints(app)

    from core.auth.access import enforce_access, undeclared_endpoints

    app.before_request(enforce_access)
    missing = undeclared_endpoints(app)
    if missing:
        raise RuntimeError("endpoints without an access rule (use requires/public/...): " + "; ".join(missing))

    from core.web import errors, input_guard, security_headers

    input_guard.init_app(app)
    errors.init_app(app)
    security_headers.init_app(app)

    from core.cli import register_commands

    register_commands(app)
    return app


def _import_models() -> None:
    # Every mapped class must be known before the first query resolves relationships by name.
    import core.audit.models  # noqa: F401
    import core.auth.models  # noqa: F401
    import core.jobs.models  # noqa: F401
    import core.mail.models  # noqa: F401
    import core.plugins.models  # noqa: F401
    import core.structure.models  # noqa: F401
    import core.tenancy.models  # noqa: F401


def _init_templates(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(str(ROOT / "core" / "templates")),
        PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
    ])
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.before_request
    def _csp_nonce():
        g.csp_nonce = secrets.token_urlsafe(16)

    from core.web import template_globals

    template_globals.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from core.api import register_api
    from core.audit.views import bp as audit_bp
    from core.auth.member_views import bp as members_bp
    from core.auth.role_views import bp as roles_bp
    from core.auth.token_views import bp as tokens_bp
    from core.auth.views import bp as auth_bp
    from core.mail.views import bp as outbox_bp
    from core.plugins.views import bp as modules_bp
    from core.reports.views import bp as reports_bp
    from core.structure import (
        views_bodies,
        views_funding,
        views_meetings,
        views_plan,
        views_public,
        views_settings,
    )
    from core.tenancy.context import TENANT_ARG
    from core.web.assets import bp as assets_bp
    from core.web.public import bp as public_bp
    from core.web.tenant import admin_bp, tenant_bp

    app.register_blueprint(assets_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp)
    tenant_prefix = f"/<{TENANT_ARG}>"
    app.register_blueprint(tenant_bp, url_prefix=tenant_prefix)
    app.register_blueprint(reports_bp, url_prefix=tenant_prefix)
    app.register_blueprint(views_public.bp, url_prefix=f"{tenant_prefix}/arrangements")
    for bp, path in ((views_bodies.bp, "structure"), (views_meetings.bp, "meetings"), (views_plan.bp, "plan"),
                     (views_funding.bp, "funding"), (views_settings.bp, "education")):
        app.register_blueprint(bp, url_prefix=f"{tenant_prefix}/{path}")
    app.register_blueprint(admin_bp, url_prefix=f"{tenant_prefix}/admin")
    for bp, path in (
        (modules_bp, "modules"), (members_bp, "members"), (roles_bp, "roles"), (audit_bp, "audit"),
        (outbox_bp, "outbox"), (tokens_bp, "tokens"),
    ):
        app.register_blueprint(bp, url_prefix=f"{tenant_prefix}/admin/{path}")

    owners: dict[str, str] = {}
    registry = app.extensions["lscp.modules"]
    for module in registry.optional:
        for bp in module.blueprints:
            app.register_blueprint(bp, url_prefix=f"{tenant_prefix}/{module.name}")
            owners[bp.name] = module.name
    app.extensions["lscp.blueprint_modules"] = owners
    register_api(app, registry, owners)
