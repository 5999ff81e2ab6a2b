"""Flask extensions the platform uses, created once and bound to each app."""

from __future__ import annotations

from flask import Flask
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to see this page."
    login_manager.login_message_category = "info"
    # A new session id at sign-in, and sessions bound to the browser that made them.
    login_manager.session_protection = "strong"

    from core.auth.loader import load_user

    login_manager.user_loader(load_user)
