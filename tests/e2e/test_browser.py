"""In a real browser: a tenant admin signs in through the sign-in page and switches the test-only
Noticeboard module on, off and on again, seeing its menu link, its dashboard panel and its pages come and
go; signing in shows its errors and works without JavaScript; and no page loads anything from elsewhere."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.helpers import PASSWORD, create_tenant, make_user

pytestmark = pytest.mark.browser

EMAIL = "admin@alpha.example"


@pytest.fixture
def alpha_admin():
    tenant = create_tenant("alpha")
    make_user(EMAIL, tenant)
    return tenant


def sign_in(page, base: str, email: str = EMAIL, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login")
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def menu(page):
    return page.get_by_test_id("service-navigation")


def open_item(page, section: str, item: str) -> None:
    """Follow the menu to ``item``: its section, then the item in the section's side navigation (a section
    of one item has none: its own link leads to the item)."""
    menu(page).get_by_role("link", name=section, exact=True).click()
    side = page.get_by_role("navigation", name=section)
    if side.count():
        side.get_by_role("link", name=item, exact=True).click()


def test_admin_switches_the_noticeboard_on_off_and_on(page, watch, live_url, alpha_admin):
    sign_in(page, live_url)
    # One partnership: signing in lands on its dashboard.
    expect(page).to_have_url(f"{live_url}/alpha/")
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    # JavaScript runs (the template's inline script, allowed by the CSP nonce, marks the body).
    expect(page.locator("body")).to_have_class(re.compile(r"\bjs-enabled\b"))
    expect(menu(page).get_by_role("link", name="Notices", exact=True)).to_have_count(0)

    # Administration > Modules
    menu(page).get_by_role("link", name="Administration", exact=True).click()
    expect(page.get_by_role("heading", name="Administration", level=1)).to_be_visible()
    page.get_by_role("link", name="Modules", exact=True).click()
    expect(page).to_have_url(f"{live_url}/alpha/admin/modules/")
    expect(page.get_by_role("heading", name="Modules", level=1)).to_be_visible()

    # On, through the settings form.
    page.get_by_role("button", name="Switch on Noticeboard").click()
    expect(page.get_by_role("heading", name="Noticeboard", level=1)).to_be_visible()
    page.get_by_label("Heading").fill("Notices")
    page.get_by_label("Notices on the dashboard").fill("3")
    page.get_by_role("button", name="Switch on", exact=True).click()
    expect(page).to_have_url(f"{live_url}/alpha/admin/modules/")
    expect(page.get_by_text("Noticeboard is on")).to_be_visible()
    menu(page).get_by_role("link", name="The partnership", exact=True).click()
    notices_link = page.get_by_role("navigation", name="The partnership").get_by_role("link", name="Notices", exact=True)
    expect(notices_link).to_be_visible()

    menu(page).get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    panel = page.get_by_role("region", name="Notices")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("No notices yet.")

    open_item(page, "The partnership", "Notices")
    expect(page).to_have_url(f"{live_url}/alpha/noticeboard/")
    expect(page.get_by_role("heading", name="Notices", level=1)).to_be_visible()

    # Off.
    page.goto(f"{live_url}/alpha/admin/modules/")
    page.get_by_test_id("disable-noticeboard").click()
    expect(page.get_by_text("Noticeboard is off.")).to_be_visible()
    expect(page.get_by_role("button", name="Switch on Noticeboard")).to_be_visible()
    menu(page).get_by_role("link", name="The partnership", exact=True).click()
    expect(page.get_by_role("navigation", name="The partnership").get_by_role("link", name="Notices", exact=True)).to_have_count(0)
    expect(menu(page).get_by_role("link", name="Dashboard", exact=True)).to_be_visible()

    menu(page).get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    expect(page.get_by_role("region", name="Notices")).to_have_count(0)

    response = page.goto(f"{live_url}/alpha/noticeboard/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Page not found", level=1)).to_be_visible()

    # On again: the form remembers the settings, and the link is back.
    page.goto(f"{live_url}/alpha/admin/modules/")
    page.get_by_role("button", name="Switch on Noticeboard").click()
    expect(page.get_by_label("Heading")).to_have_value("Notices")
    expect(page.get_by_label("Notices on the dashboard")).to_have_value("3")
    page.get_by_role("button", name="Switch on", exact=True).click()
    expect(page.get_by_text("Noticeboard is on")).to_be_visible()
    open_item(page, "The partnership", "Notices")
    expect(page.get_by_role("heading", name="Notices", level=1)).to_be_visible()

    # Nothing came from anywhere but the platform, and nothing went wrong in the page.
    assert watch.requests, "no requests were recorded"
    elsewhere = [url for url in watch.requests if not url.startswith(live_url + "/")]
    assert elsewhere == []
    # Chromium logs "Failed to load resource" for the 404 page opened on purpose above; nothing else.
    assert watch.unexpected_console_errors((404, f"{live_url}/alpha/noticeboard/")) == []
    assert watch.page_errors == []


def test_sign_in_errors_and_sign_in_without_javascript(page, watch, context_factory, live_url, alpha_admin):
    sign_in(page, live_url, password="not the password")
    expect(page).to_have_title(re.compile(r"^Error: Sign in"))
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary.get_by_role("link", name="The email address or password is not right")).to_be_visible()
    expect(page.get_by_label("Email address")).to_have_value(EMAIL)
    expect(page.get_by_role("heading", name="Dashboard")).to_have_count(0)
    assert [url for url in watch.requests if not url.startswith(live_url + "/")] == []
    # The failed sign-in answers 400, which Chromium logs as "Failed to load resource"; nothing else.
    assert watch.unexpected_console_errors((400, f"{live_url}/login")) == []
    assert watch.page_errors == []

    no_js = context_factory(java_script_enabled=False).new_page()
    sign_in(no_js, live_url)
    expect(no_js).to_have_url(f"{live_url}/alpha/")
    expect(no_js.locator("body")).not_to_have_class(re.compile(r"\bjs-enabled\b"))
    expect(no_js.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    expect(menu(no_js).get_by_role("link", name="Administration", exact=True)).to_be_visible()
