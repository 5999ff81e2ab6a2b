"""In a real browser: an agency's practitioner refers an allegation on the LADO form and is given only a
reference number; the LADO officer of that local authority finds the referral, records the initial
allegation management meeting and the outcome; the referrer then sees it closed, and nothing more."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from core.db import db
from core.plugins.services import enable_module
from tests.e2e.test_browser import open_item, sign_in
from tests.helpers import create_tenant, make_user

pytestmark = pytest.mark.browser

REFERRER = "practitioner@alpha.example"
OFFICER = "lado.north@alpha.example"
SOUTH = "lado.south@alpha.example"


@pytest.fixture
def alpha():
    tenant = create_tenant("alpha")
    enable_module(tenant, "lado", {})
    db.session.commit()
    make_user(REFERRER, tenant, roles=("practitioner",), agency_key="school")
    make_user(OFFICER, tenant, roles=("lado_officer", "practitioner"), la_keys=("north",))
    make_user(SOUTH, tenant, roles=("lado_officer", "practitioner"), la_keys=("south",))
    return tenant


def fill_date(page, legend: str, day: int, month: int, year: int) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day))
    group.get_by_label("Month").fill(str(month))
    group.get_by_label("Year").fill(str(year))


def test_a_referral_from_the_agency_form_to_the_lados_outcome(context_factory, live_url, alpha):
    referrer = context_factory().new_page()
    requests: list[str] = []
    referrer.on("request", lambda request: requests.append(request.url))
    sign_in(referrer, live_url, REFERRER)
    expect(referrer).to_have_url(f"{live_url}/alpha/")
    open_item(referrer, "Case work", "Refer to the LADO")
    expect(referrer.get_by_role("heading", name="Your LADO referrals", level=1)).to_be_visible()
    referrer.get_by_role("button", name="Refer an allegation to the LADO").click()
    expect(referrer.get_by_role("heading", name="Refer an allegation to the LADO", level=1)).to_be_visible()

    # Sent without the harm test: refused, with the problem in the summary.
    referrer.get_by_label("Local authority where the person works").select_option(label="North Borough Council")
    referrer.get_by_role("button", name="Send the referral").click()
    summary = referrer.get_by_role("alert")
    expect(summary.get_by_role("link", name=re.compile("Choose at least one harm test criterion"))).to_be_visible()
    expect(referrer).to_have_title(re.compile(r"^Error: "))

    fill_date(referrer, "When was the concern raised?", 2, 6, 2025)
    referrer.get_by_label("Behaved in a way that has harmed a child, or may have harmed a child").check()
    referrer.get_by_label("Physical abuse").check()
    referrer.get_by_label("What happened").fill("A pupil said the assistant grabbed her arm in the corridor.")
    referrer.get_by_label("Full name").fill("Pat Example")
    referrer.get_by_label("Their role").fill("Teaching assistant")
    referrer.get_by_label("Employer or organisation").fill("North Primary School")
    referrer.get_by_label("Sector they work in").select_option(label="Education (schools and colleges)")
    child = referrer.get_by_role("group", name="Child 1")
    child.get_by_label("Initials").fill("AB")
    child.get_by_label("Age in years").fill("9")
    child.get_by_label("Gender").select_option(label="Girl")
    referrer.get_by_label("Which sector are you referring from?").select_option(label="Education (schools and colleges)")
    referrer.get_by_role("button", name="Send the referral").click()

    expect(referrer.get_by_role("heading", name="Referral sent")).to_be_visible()
    reference = referrer.get_by_test_id("reference").inner_text().strip()
    assert re.fullmatch(r"LADO-NBC-\d{4}-0001", reference)
    expect(referrer.get_by_text("Pat Example")).to_have_count(0)
    referrer.get_by_role("link", name="Your LADO referrals").click()
    row = referrer.get_by_test_id("my-referrals").get_by_role("row", name=re.compile(reference))
    expect(row).to_contain_text("With the LADO")

    # The LADO of the other local authority does not see it.
    south = context_factory().new_page()
    sign_in(south, live_url, SOUTH)
    open_item(south, "Case work", "LADO cases")
    expect(south.get_by_text(reference)).to_have_count(0)

    # The LADO of North finds it, records the initial meeting and the outcome.
    officer = context_factory().new_page()
    sign_in(officer, live_url, OFFICER)
    open_item(officer, "Case work", "LADO cases")
    officer.get_by_label("Reference or name").fill(reference)
    officer.get_by_role("button", name="Show cases").click()
    officer.get_by_role("link", name=reference, exact=True).click()
    expect(officer.get_by_test_id("case-reference")).to_have_text(reference)
    expect(officer.get_by_test_id("person")).to_contain_text("Pat Example")
    expect(officer.get_by_test_id("timeliness")).to_contain_text("from the concern to the LADO")

    officer.get_by_role("link", name="Record a meeting").click()
    officer.get_by_label("Initial allegation management meeting").check()
    officer.get_by_label("Who attended").fill("Lee Officer, LADO\nSam Head, head teacher\nDC Jones, police")
    officer.get_by_label("Decisions").fill("The school to take accounts; police to consider an investigation.")
    officer.get_by_role("button", name="Record the meeting").click()
    expect(officer.get_by_test_id("flash-success")).to_contain_text("Meeting recorded")
    expect(officer.get_by_test_id("meeting-1")).to_contain_text("DC Jones, police")

    officer.get_by_role("link", name="Record the outcome").click()
    officer.get_by_label("Substantiated", exact=True).check()
    officer.get_by_role("button", name="Save the outcome").click()
    expect(officer.get_by_test_id("flash-success")).to_contain_text(f"Outcome of {reference} recorded: Substantiated")
    expect(officer.get_by_test_id("outcome")).to_contain_text("There is sufficient evidence to prove the allegation")
    expect(officer.get_by_test_id("review-date")).to_be_visible()
    expect(officer.get_by_test_id("record")).to_contain_text("Outcome: Substantiated")

    # The referrer sees it closed, and still nothing of the case work.
    referrer.reload()
    row = referrer.get_by_test_id("my-referrals").get_by_role("row", name=re.compile(reference))
    expect(row).to_contain_text("Closed")
    expect(referrer.get_by_text("Substantiated")).to_have_count(0)
    response = referrer.goto(officer.url)
    assert response is not None and response.status == 403

    assert [url for url in requests if not url.startswith(live_url + "/")] == []
