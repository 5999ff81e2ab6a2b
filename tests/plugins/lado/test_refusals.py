"""One rule, one refusal: what a rule refuses is said the same on the page (400, the form again, the reason in
the error summary leading to its field) and by the API (422, the same field and the same reason)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.helpers import form_post
from tests.plugins.lado.conftest import api_token, links_lead_somewhere, load, make_case

BEFORE_CONTACT = "The date it became a referral cannot be before the first contact"
NOT_A_REFERRAL = "Meetings are held on referrals: convert the consultation to a referral first"


def dated(prefix: str, day) -> dict:
    return {f"{prefix}-day": str(day.day), f"{prefix}-month": str(day.month), f"{prefix}-year": str(day.year)}


def conversion(today):
    """A conversion dated before the first contact: refused on its field."""
    day = today - timedelta(days=3)
    page = {**dated("referred_on", day), "harm_criteria": "risk", "category": "emotional", "reason": "New report"}
    api = {"referred_on": day.isoformat(), "harm_criteria": ["risk"], "category": "emotional", "reason": "New report"}
    return "conversion", page, api, "referred_on", BEFORE_CONTACT


def meeting(today):
    """A meeting on a consultation: refused as a whole, which the page shows by its heading."""
    page = {"kind": "initial", **dated("held_on", today), "attendees": "LADO", "decisions": "Wait"}
    api = {"kind": "initial", "held_on": today.isoformat(), "attendees": ["LADO"], "decisions": "Wait"}
    return "meetings", page, api, "", NOT_A_REFERRAL


@pytest.mark.parametrize("attempt", [conversion, meeting])
def test_a_refusal_gives_the_same_field_and_reason_on_the_page_and_in_the_api(world, today, attempt):
    case_id = make_case(world.tenant, kind="consultation", person_name="Pat", person_role="Coach",
                        received_on=today - timedelta(days=2))
    path, page_form, api_body, field, reason = attempt(today)

    page_path = "meetings/new" if path == "meetings" else path
    shown = form_post(world.client("officer"), f"/alpha/lado/cases/{case_id}/{page_path}", page_form)
    assert links_lead_somewhere(shown) == [field or "heading"]
    assert reason in shown.get_data(as_text=True)

    answered = world.app.test_client().post(f"/api/v1/alpha/lado/cases/{case_id}/{path}", json=api_body,
                                            headers=api_token(world, "officer"))
    assert answered.status_code == 422
    assert answered.get_json()["errors"]["json"] == {(field or "_schema"): [reason]}

    assert load(world.tenant, case_id).kind == "consultation"  # neither changed anything
