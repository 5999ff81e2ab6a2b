"""Browser tests: the session app served for real over HTTP, driven by the system Chromium.

The server is werkzeug's, in a daemon thread of this process (not pytest-flask's ``live_server``, which
forks): it serves the very ``app`` the other tests use, on the same database, so data made in the test
with ``tests.helpers`` is what the browser sees. Every request runs in its own app context and therefore
its own database session, as in production.

The browser is the system Chromium, launched by Playwright; no browser is ever downloaded. Without it the
tests skip on a laptop and fail in CI (``tests.conftest.need``).
"""

from __future__ import annotations

import os
import threading

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from tests.conftest import need

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def live_url(app):
    """The base URL (no trailing slash) of the session app served on a free port of 127.0.0.1."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def _playwright():
    # need() skips (or fails in CI) from inside a fixture just as from a test.
    need(os.access(CHROMIUM, os.X_OK), "Chromium is not installed")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
def browser(_playwright):
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


class PageWatch:
    """What a page did behind the user's back: every request it made and every console error."""

    def __init__(self, page):
        self.requests: list[str] = []
        self.console_errors: list[tuple[str, str]] = []  # (message, URL of the resource it is about)
        self.page_errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def _console(self, message):
        if message.type == "error":
            self.console_errors.append((message.text, (message.location or {}).get("url", "")))

    def unexpected_console_errors(self, *deliberate: tuple[int, str]) -> list[tuple[str, str]]:
        """Console errors, less Chromium's "Failed to load resource" for the error pages a test opened on
        purpose, given as (status, URL): Chromium logs one for any page whose status is 4xx/5xx."""
        return [
            (text, url) for text, url in self.console_errors
            if not any(url == page_url and text.startswith("Failed to load resource")
                       and f"status of {status} " in text for status, page_url in deliberate)
        ]


@pytest.fixture
def context_factory(browser):
    """Open browser contexts (fresh cookies each) and close them after the test."""
    opened = []

    def open_context(**kwargs):
        context = browser.new_context(**kwargs)
        context.set_default_timeout(TIMEOUT_MS)
        opened.append(context)
        return context

    yield open_context
    for context in opened:
        context.close()


@pytest.fixture
def page(context_factory):
    """A page of a fresh context, JavaScript on."""
    return context_factory().new_page()


@pytest.fixture
def watch(page):
    """Requests and console errors of ``page``, recorded from its first navigation."""
    return PageWatch(page)
