"""Headers on every response: a content security policy that allows nothing from outside the platform."""

from __future__ import annotations

from flask import Flask, g, request


def init_app(app: Flask) -> None:
    @app.after_request
    def _headers(response):
        nonce = g.get("csp_nonce", "")
        # Swagger UI sets inline styles as it renders; only the API docs page allows them.
        style = "'self' 'unsafe-inline'" if request.path == "/api/v1/docs" else "'self'"
        response.headers.setdefault(
            "Content-Security-Policy",
            f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src {style}; "
            "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
            "base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.endpoint and not request.endpoint.startswith("assets."):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
