"""Which tenant a request is for: resolved from the URL prefix before any view runs."""

from __future__ import annotations

from flask import Flask, abort, g, has_app_context
from sqlalchemy import select

from core.db import db
from core.tenancy.isolation import set_tenant
from core.tenancy.models import Tenant

TENANT_ARG = "tenant_slug"


def current_tenant() -> Tenant | None:
    return g.get("tenant") if has_app_context() else None


def tenant_by_slug(slug: str) -> Tenant | None:
    return db.session.scalars(select(Tenant).where(Tenant.slug == slug)).first()


def init_app(app: Flask) -> None:
    @app.url_value_preprocessor
    def _pull_tenant(_endpoint, values):
        if not values or TENANT_ARG not in values:
            return
        tenant = tenant_by_slug(values.pop(TENANT_ARG))
        if tenant is None:
            abort(404)
        g.tenant = tenant
        set_tenant(tenant)

    @app.url_defaults
    def _push_tenant(endpoint, values):
        if TENANT_ARG in values or "tenant" not in g:
            return
        if app.url_map.is_endpoint_expecting(endpoint, TENANT_ARG):
            values[TENANT_ARG] = g.tenant.slug
