"""In a real browser: on a session of the shared training offer with one place left, a practitioner of H&F
books it, a practitioner of the Bi-Borough (the offer's coordinator) finds it full and joins the waiting
list, the first cancels, and the second sees their place confirmed and the waiting list empty."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.test_browser import open_item
from tests.helpers import PASSWORD
from tests.plugins.training.world import add_course, add_session, build_world

pytestmark = pytest.mark.browser


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()


@pytest.fixture
def last_place():
    world = build_world()
    course = add_course(world.bib, "Meet the LADO", minutes=120)
    return add_session(world.bib, course, capacity=1)


def test_book_the_last_place_wait_for_it_and_move_up(context_factory, live_url, last_place):
    first = context_factory().new_page()
    second = context_factory().new_page()

    # H&F's practitioner finds the shared course in H&F's catalogue and books the one place.
    sign_in(first, live_url, "hf.worker@hf.example")
    expect(first).to_have_url(f"{live_url}/hf/")
    open_item(first, "Quality and learning", "Training")
    expect(first.get_by_role("heading", name="Meet the LADO", level=2)).to_be_visible()
    expect(first.get_by_test_id(f"sessions-{_course_of(first)}")).to_contain_text("1 of 1 left")
    first.get_by_test_id(f"sessions-{_course_of(first)}").get_by_role("link").first.click()
    first.get_by_role("button", name="Book a place").click()
    expect(first.get_by_test_id("flash-success")).to_contain_text("is booked")
    expect(first.get_by_test_id("booking-status")).to_contain_text("Booked")
    booking_url = first.url

    # The Bi-Borough's practitioner finds it full, across partnerships, and joins the waiting list.
    sign_in(second, live_url, "bib.worker@bib.example")
    expect(second).to_have_url(f"{live_url}/bi-borough/")
    second.goto(f"{live_url}/bi-borough/training/sessions/{last_place}")
    expect(second.get_by_test_id("places")).to_contain_text("Full")
    second.get_by_role("button", name="Join the waiting list").click()
    expect(second.get_by_test_id("booking-status")).to_contain_text("On the waiting list")
    expect(second.get_by_test_id("booking-status")).to_contain_text("Number 1 on the waiting list")
    waiting_url = second.url
    second.goto(f"{live_url}/bi-borough/training/sessions/{last_place}")
    expect(second.get_by_test_id("waiting")).to_contain_text("1 waiting")

    # The first cancels; the place goes to the first on the waiting list at once.
    first.goto(booking_url)
    first.get_by_role("button", name="Cancel this booking").click()
    expect(first.get_by_test_id("flash-success")).to_contain_text("first person on the waiting list")
    expect(first.get_by_test_id("booking-status")).to_contain_text("Cancelled")

    second.goto(waiting_url)
    expect(second.get_by_test_id("booking-status")).to_contain_text("Booked")
    expect(second.get_by_test_id("booking-status")).not_to_contain_text("waiting list")
    second.goto(f"{live_url}/bi-borough/training/sessions/{last_place}")
    expect(second.get_by_test_id("waiting")).to_contain_text("No one is waiting")
    expect(second.get_by_test_id("places")).to_contain_text("Full")
    expect(second.get_by_test_id("my-booking")).to_contain_text("Booked")


def _course_of(page) -> str:
    """The id of the one course in the catalogue (from its heading's link)."""
    href = page.get_by_role("heading", name="Meet the LADO", level=2).get_by_role("link").get_attribute("href")
    return href.rstrip("/").rsplit("/", 1)[-1]
