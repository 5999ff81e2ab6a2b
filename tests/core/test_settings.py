"""Settings from the environment, with safe development defaults."""

from __future__ import annotations

import pytest

from config.settings import DEV_SECRET_PREFIX, ConfigurationError, load_settings, normalise_database_url


def test_development_defaults_need_nothing(monkeypatch):
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "MAIL_BACKEND", "APP_ENV"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.DATABASE_URL.startswith("sqlite:///") and settings.DATABASE_URL.endswith("instance/lscp.db")
    assert settings.REDIS_URL is None and settings.MAIL_BACKEND == "file"
    assert settings.SESSION_COOKIE_HTTPONLY and settings.SESSION_COOKIE_SAMESITE == "Lax"


def test_development_makes_its_own_key_once_and_keeps_it(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    first = load_settings("development").SECRET_KEY
    assert first.startswith(DEV_SECRET_PREFIX) and len(first) > 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # readable by its owner only
    assert load_settings("development").SECRET_KEY == first
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "elsewhere"))
    assert load_settings("development").SECRET_KEY != first


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://app@db.internal/lscp")
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/2")
    monkeypatch.setenv("MAIL_BACKEND", "smtp")
    monkeypatch.setenv("MAIL_PORT", "587")
    settings = load_settings("development")
    assert settings.DATABASE_URL == "postgresql+psycopg://app@db.internal/lscp"
    assert settings.REDIS_URL == "redis://cache.internal:6379/2"
    assert settings.MAIL_PORT == 587 and settings.MAIL_BACKEND == "smtp"
    monkeypatch.setenv("MAIL_PORT", "twenty-five")
    with pytest.raises(ConfigurationError, match="MAIL_PORT must be a whole number"):
        load_settings("development")


def test_production_refuses_unsafe_settings(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://app@db.internal/lscp")
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    monkeypatch.setenv("SECRET_KEY", DEV_SECRET_PREFIX + "0" * 64)
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        load_settings("production")
    monkeypatch.setenv("SECRET_KEY", "k" * 48)
    settings = load_settings("production")
    assert settings.SESSION_COOKIE_SECURE and settings.REMEMBER_COOKIE_SECURE
    monkeypatch.setenv("DATABASE_URL", "sqlite:///prod.db")
    with pytest.raises(ConfigurationError, match="PostgreSQL"):
        load_settings("production")
    with pytest.raises(ConfigurationError, match="APP_ENV must be one of"):
        load_settings("staging")


def test_database_urls_use_psycopg_3():
    assert normalise_database_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_emailed_links_follow_where_the_app_is_served(monkeypatch):
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    monkeypatch.setenv("PORT", "5077")
    monkeypatch.delenv("HOST", raising=False)
    assert load_settings("development").PUBLIC_BASE_URL == "http://127.0.0.1:5077"
    monkeypatch.setenv("HOST", "0.0.0.0")  # every interface: a browser here still uses the loopback address
    assert load_settings("development").PUBLIC_BASE_URL == "http://127.0.0.1:5077"
    monkeypatch.setenv("HOST", "::1")
    assert load_settings("development").PUBLIC_BASE_URL == "http://[::1]:5077"
    monkeypatch.delenv("PORT")
    monkeypatch.delenv("HOST")
    assert load_settings("development").PUBLIC_BASE_URL == "http://127.0.0.1:5000"
    # Set, the public address wins: behind a proxy the served one is not what people reach.
    monkeypatch.setenv("PORT", "5077")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://lscp.example.org")
    assert load_settings("development").PUBLIC_BASE_URL == "https://lscp.example.org"


def test_the_demo_password_is_made_once_per_instance_and_kept(tmp_path):
    from core.demo import demo_password

    first, made = demo_password(tmp_path)
    assert made and first.startswith("demo-") and len(first) > 12
    assert (tmp_path / "demo_password").stat().st_mode & 0o077 == 0  # readable by its owner only
    assert demo_password(tmp_path) == (first, False)
    assert demo_password(tmp_path / "another")[0] != first
