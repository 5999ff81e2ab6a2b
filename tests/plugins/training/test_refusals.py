"""One booking rule's refusal reads the same on the session page (400, on its form) and on the API (422)."""

from __future__ import annotations

import pytest

from core.auth.services import user_by_email
from tests.helpers import bearer, form_post
from tests.plugins.training.test_api import _token
from tests.plugins.training.world import add_course, add_session, build_world

OWN_AGENCY_ONLY = "You can book staff of your own agency only"


@pytest.fixture
def world(app):
    return build_world()


def test_booking_staff_of_another_agency_is_refused_alike_on_the_page_and_the_api(app, client, world):
    session = add_session(world.bib, add_course(world.bib))
    nurse = user_by_email("hf.nurse@hf.example").id  # of another agency than the lead's

    page = form_post(world.client(app, "hf.lead@hf.example"), f"/hf/training/sessions/{session}/book-staff",
                     {"user_id": str(nurse)})
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert 'href="#user_id"' in html and OWN_AGENCY_ONLY in html

    api = client.post(f"/api/v1/hf/training/sessions/{session}/bookings",
                      headers=bearer(_token(world.hf, "hf.lead@hf.example")), json={"user_id": nurse})
    assert api.status_code == 422
    assert api.get_json()["errors"]["json"] == {"user_id": [OWN_AGENCY_ONLY]}
