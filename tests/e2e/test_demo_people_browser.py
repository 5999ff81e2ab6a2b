"""In a real browser: every demo person the set-up prints, in turn, signs in and lands on a page that
answers, whatever their role (a LADO officer once landed on a 403)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_every_demo_person_signs_in_to_a_page_that_answers(app, context_factory, live_url):
    output = app.test_cli_runner().invoke(args=["demo", "setup"]).output
    password = re.search(r"password:\s+(\S+)", output).group(1)
    people = re.findall(r"(demo\.[a-z-]+\.[a-z-]+@example\.org)", output)
    assert any("lado-officer" in p for p in people) and len(people) >= 7 * 3

    for email in people:
        page = context_factory().new_page()
        landings = []
        page.on("response", lambda r, page=page, landings=landings: landings.append(r)
                if r.request.is_navigation_request() and r.frame == page.main_frame else None)
        page.goto(f"{live_url}/login")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Sign in", exact=True).click()
        expect(page).not_to_have_url(re.compile(r"/login$"))
        page.wait_for_load_state()
        landing = landings[-1]
        assert landing.status == 200, (email, landing.url, landing.status)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        page.context.close()
