"""How an email leaves the platform. Chosen by MAIL_BACKEND: smtp, file (development) or memory (tests)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path

from flask import Flask, current_app


class SMTPTransport:
    def __init__(self, config):
        self.host, self.port = config["MAIL_HOST"], config["MAIL_PORT"]
        self.username, self.password = config["MAIL_USERNAME"], config["MAIL_PASSWORD"]
        self.use_tls = config["MAIL_USE_TLS"]

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=20) as smtp:
            if self.use_tls:
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


class FileTransport:
    """Writes each message as an .eml file, for a developer to open (password reset links, invitations)."""

    def __init__(self, config):
        self.directory = Path(config["MAIL_FILE_DIR"])

    def send(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = message["Message-ID"].strip("<>").replace("@", "_").replace("/", "_")
        (self.directory / f"{name}.eml").write_bytes(bytes(message))


class MemoryTransport:
    """Keeps messages in a list on the app, for tests that read what was sent."""

    def __init__(self, _config):
        self.sent: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        self.sent.append(message)


BACKENDS = {"smtp": SMTPTransport, "file": FileTransport, "memory": MemoryTransport}


def init_app(app: Flask) -> None:
    backend = app.config["MAIL_BACKEND"]
    if backend not in BACKENDS:
        raise RuntimeError(f"MAIL_BACKEND must be one of {', '.join(BACKENDS)}, got {backend!r}")
    app.extensions["lscp.mail"] = BACKENDS[backend](app.config)


def transport():
    return current_app.extensions["lscp.mail"]
