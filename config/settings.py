"""Settings objects.

Everything secret or deployment-specific comes from the environment; the defaults are safe for a
developer's machine and nothing else. ``production`` refuses to start with the development secret.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Development keys are made on the machine that uses them and carry this mark, which production refuses.
DEV_SECRET_PREFIX = "insecure-development-key-"


class ConfigurationError(RuntimeError):
    """The environment does not describe a deployment the platform can safely run."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be a whole number, got {raw!r}") from exc


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whichever spelling the operator gives."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Settings:
    """Values read from the environment once, when the app is created."""

    ENV = "development"
    TESTING = False
    DEBUG = False

    def __init__(self, **overrides):
        env = os.environ
        instance = Path(env.get("INSTANCE_PATH", ROOT / "instance"))
        self.INSTANCE_PATH = str(instance)
        self.SECRET_KEY = env.get("SECRET_KEY") or self.fallback_secret(instance)
        self.DATABASE_URL = normalise_database_url(
            env.get("DATABASE_URL", f"sqlite:///{instance / 'lscp.db'}")
        )
        self.REDIS_URL = env.get("REDIS_URL") or None
        self.RQ_QUEUE = env.get("RQ_QUEUE", "lscp")

        # Mail: "smtp" delivers through MAIL_HOST; "file" writes .eml files to MAIL_FILE_DIR, which is what a
        # developer wants to read password-reset links without a mail server.
        self.MAIL_BACKEND = env.get("MAIL_BACKEND", "file")
        self.MAIL_HOST = env.get("MAIL_HOST", "localhost")
        self.MAIL_PORT = _int("MAIL_PORT", 25)
        self.MAIL_USERNAME = env.get("MAIL_USERNAME") or None
        self.MAIL_PASSWORD = env.get("MAIL_PASSWORD") or None
        self.MAIL_USE_TLS = _bool(env.get("MAIL_USE_TLS"), False)
        self.MAIL_FROM = env.get("MAIL_FROM", "Safeguarding partnership platform <no-reply@localhost>")
        self.MAIL_FILE_DIR = env.get("MAIL_FILE_DIR", str(instance / "mail"))
        self.MAIL_MAX_ATTEMPTS = _int("MAIL_MAX_ATTEMPTS", 5)

        # Emailed links point where the app is served (HOST and PORT, as `make run` uses them) unless the
        # public address is set: behind a proxy it must be.
        self.PUBLIC_BASE_URL = env.get("PUBLIC_BASE_URL") or served_address(env.get("HOST"), env.get("PORT"))

        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _bool(env.get("SESSION_COOKIE_SECURE"), self.ENV == "production")
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.PERMANENT_SESSION_LIFETIME = _int("SESSION_LIFETIME_SECONDS", 8 * 3600)
        self.WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session does
        # Meeting papers may be 10 MB; anything much larger is refused before it is read (413).
        self.MAX_CONTENT_LENGTH = 12 * 1024 * 1024

        # argon2id with the library's recommended cost; the tests turn it down (they hash hundreds).
        self.ARGON2_TIME_COST = 3
        self.ARGON2_MEMORY_COST = 65536
        self.LOGIN_MAX_FAILURES = _int("LOGIN_MAX_FAILURES", 5)
        self.LOGIN_IP_MAX_FAILURES = _int("LOGIN_IP_MAX_FAILURES", 30)
        self.LOGIN_WINDOW_SECONDS = _int("LOGIN_WINDOW_SECONDS", 15 * 60)
        self.PASSWORD_RESET_MAX_AGE = _int("PASSWORD_RESET_MAX_AGE", 3600)
        self.INVITATION_MAX_AGE = _int("INVITATION_MAX_AGE", 14 * 24 * 3600)

        # Where `npm ci` put govuk-frontend and swagger-ui-dist; served by the app itself, never from a CDN.
        self.FRONTEND_DIR = env.get("FRONTEND_DIR", str(ROOT / "core" / "frontend"))

        # flask-smorest
        self.API_TITLE = "Safeguarding partnership platform API"
        self.API_VERSION = "v1"
        self.OPENAPI_VERSION = "3.0.3"
        self.OPENAPI_URL_PREFIX = "/api/v1"
        self.OPENAPI_JSON_PATH = "openapi.json"
        self.PROPAGATE_EXCEPTIONS = None

        for key, value in overrides.items():
            setattr(self, key, value)

    def fallback_secret(self, instance: Path) -> str:
        """The key used when SECRET_KEY is not set: one per development machine, kept in the instance folder
        so that sessions survive a restart."""
        path = instance / "secret_key"
        try:
            return path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            key = DEV_SECRET_PREFIX + secrets.token_hex(32)
            instance.mkdir(parents=True, exist_ok=True)
            path.write_text(key, encoding="utf-8")
            path.chmod(0o600)
            return key

    def check(self) -> None:
        """Refuse settings that would be unsafe where this environment is used."""


def served_address(host: str | None, port: str | None) -> str:
    """The address a browser on this machine uses for the development server bound to ``host``:``port``.
    A server bound to every interface is still reached, and linked to, on the loopback address."""
    host = (host or "").strip() or "127.0.0.1"
    if host in ("0.0.0.0", "::", "[::]"):
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{(port or '').strip() or '5000'}"


class DevelopmentSettings(Settings):
    ENV = "development"
    DEBUG = False


class TestSettings(Settings):
    ENV = "test"
    TESTING = True

    def fallback_secret(self, instance: Path) -> str:
        return DEV_SECRET_PREFIX + secrets.token_hex(32)

    def __init__(self, **overrides):
        overrides.setdefault("MAIL_BACKEND", "memory")
        overrides.setdefault("ARGON2_TIME_COST", 1)
        overrides.setdefault("ARGON2_MEMORY_COST", 1024)
        overrides.setdefault("WTF_CSRF_ENABLED", True)
        super().__init__(**overrides)


class ProductionSettings(Settings):
    ENV = "production"

    def fallback_secret(self, instance: Path) -> str:
        return ""  # no fallback: production must be given its key

    def check(self) -> None:
        key = self.SECRET_KEY or ""
        if len(key) < 32 or key.startswith(DEV_SECRET_PREFIX):
            raise ConfigurationError(
                "SECRET_KEY must be set to a random value of at least 32 characters in production"
            )
        if self.DATABASE_URL.startswith("sqlite"):
            raise ConfigurationError("production needs DATABASE_URL pointing at PostgreSQL")
        if not self.SESSION_COOKIE_SECURE:
            raise ConfigurationError("production serves sessions over HTTPS only: unset SESSION_COOKIE_SECURE")


ENVIRONMENTS = {
    "development": DevelopmentSettings,
    "test": TestSettings,
    "production": ProductionSettings,
}


def load_settings(env_name: str | None = None, **overrides) -> Settings:
    name = env_name or os.environ.get("APP_ENV", "development")
    try:
        cls = ENVIRONMENTS[name]
    except KeyError as exc:
        raise ConfigurationError(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}, got {name!r}") from exc
    settings = cls(**overrides)
    settings.check()
    return settings
