"""In a real browser, the menu of a partnership with every section in it: one row on a 1280 px wide screen,
GOV.UK's collapsed menu behind its "Menu" button on a 375 px phone, and a section's side navigation beside
(or, on a phone, above) the page's content.

The menu shows sections, not modules: however many modules a partnership switches on, their items go into
the same six sections, so a member who has an item in every section sees the widest menu there can be. The
partnership's name is a long one, since it shares the row's width with the menu."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from core.db import db
from core.plugins.services import enable_module
from core.plugins.types import NAV_SECTIONS
from tests.e2e.test_browser import menu, sign_in
from tests.helpers import create_tenant, make_user

pytestmark = pytest.mark.browser

EVERYTHING = ("tenant_admin", "lado_officer", "lado_manager", "practitioner")
EMAIL = "admin@barking-and-dagenham.example"


@pytest.fixture
def everything():
    tenant = create_tenant("barking-and-dagenham")
    for name in ("noticeboard", "lado", "training"):
        enable_module(tenant, name, {})
    db.session.commit()
    make_user(EMAIL, tenant, roles=EVERYTHING)
    return tenant


def _section_tops(page) -> list[float]:
    items = menu(page).locator(".govuk-service-navigation__item")
    expect(items).to_have_count(len(NAV_SECTIONS))
    return [items.nth(i).bounding_box()["y"] for i in range(items.count())]


def test_the_menu_holds_every_section_on_one_row_at_1280(context_factory, live_url, everything):
    page = context_factory(viewport={"width": 1280, "height": 800}).new_page()
    sign_in(page, live_url, EMAIL)
    expect(page).to_have_url(f"{live_url}/barking-and-dagenham/")
    expect(menu(page).get_by_role("button", name="Menu")).to_be_hidden()
    tops = _section_tops(page)
    assert max(tops) - min(tops) < 1, tops
    assert [menu(page).locator(".govuk-service-navigation__item").nth(i).inner_text().strip()
            for i in range(len(NAV_SECTIONS))] == list(NAV_SECTIONS.values())

    # Into a section: its items beside the content, the page's own item marked.
    menu(page).get_by_role("link", name="Case work", exact=True).click()
    side = page.get_by_role("navigation", name="Case work")
    expect(side.get_by_role("link")).to_have_text(["LADO cases", "Refer to the LADO"])
    expect(side.locator("[aria-current]")).to_have_text(["LADO cases"])
    expect(menu(page).locator("[aria-current]")).to_have_text(["Case work"])
    side_box = side.bounding_box()
    content = page.locator("main").bounding_box()
    assert side_box["x"] + side_box["width"] <= content["x"], (side_box, content)
    side.get_by_role("link", name="Refer to the LADO", exact=True).click()
    expect(page.get_by_role("heading", name="Your LADO referrals", level=1)).to_be_visible()
    expect(side.locator("[aria-current]")).to_have_text(["Refer to the LADO"])
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280


def test_the_menu_collapses_behind_its_button_at_375(context_factory, live_url, everything):
    page = context_factory(viewport={"width": 375, "height": 740}).new_page()
    sign_in(page, live_url, EMAIL)
    expect(page).to_have_url(f"{live_url}/barking-and-dagenham/")
    button = menu(page).get_by_role("button", name="Menu")
    expect(button).to_be_visible()
    expect(menu(page).get_by_role("link", name="Case work", exact=True)).to_be_hidden()
    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    for label in NAV_SECTIONS.values():
        expect(menu(page).get_by_role("link", name=label, exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    # A section's side navigation comes above the content on a phone, and fits its width.
    menu(page).get_by_role("link", name="The partnership", exact=True).click()
    side = page.get_by_role("navigation", name="The partnership")
    expect(side.locator("[aria-current]")).to_have_text(["Partnership"])
    side_box = side.bounding_box()
    assert side_box["y"] + side_box["height"] <= page.locator("main").bounding_box()["y"] + 1
    assert side_box["x"] >= 0 and side_box["x"] + side_box["width"] <= 375, side_box
