"""The one refusal contract: a rule's refusal shown on a page's form (400) and answered by the API (422)."""

from __future__ import annotations

import pytest
from flask import Blueprint

from core.auth.access import public
from core.refusals import Refused, show_refusal, submit
from core.web.forms import FormErrors
from tests.conftest import make_app


def test_a_refusal_names_its_fields_and_reasons():
    one = Refused("Enter a date in the past", "held_on")
    assert one.errors == {"held_on": "Enter a date in the past"} and (one.field, one.message) == (
        "held_on", "Enter a date in the past")
    many = Refused({"title": "Enter a title", "": "The meeting has been cancelled"})
    assert str(many) == "Enter a title; The meeting has been cancelled" and many.api_status == 422
    assert Refused("The session is full", api_status=409).api_status == 409


def test_a_page_shows_each_reason_by_its_field_and_the_whole_by_a_part_of_the_page():
    errors = show_refusal(FormErrors(), Refused({"due": "Enter a later date", "": "The action is closed"}),
                          rename={"due": "due_on"}, whole="action")
    assert errors.summary == [{"text": "Enter a later date", "href": "#due_on"},
                              {"text": "The action is closed", "href": "#action"}]


@pytest.fixture(scope="module")
def probe_app(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("refusals"))
    bp = Blueprint("probe", __name__)

    @bp.route("/api/v1/probe", methods=["GET"])
    @public
    def api_probe():
        raise Refused({"title": "Enter a title", "": "The record is closed"})

    @bp.route("/probe", methods=["GET"])
    @public
    def page_probe():
        errors = FormErrors()

        def refuse():
            raise Refused("Enter a title", "title")

        answer = submit(refuse, errors, done="/", flash_message="Saved")
        assert answer is None
        return {"errors": errors.summary}, 400

    app.register_blueprint(bp)
    return app


def test_the_api_answers_a_refusal_with_422_naming_the_field_and_the_reason(probe_app):
    response = probe_app.test_client().get("/api/v1/probe")
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"] == {"title": ["Enter a title"], "_schema": ["The record is closed"]}


def test_submit_rolls_back_and_puts_the_refusal_on_the_form(probe_app):
    response = probe_app.test_client().get("/probe")
    assert response.status_code == 400 and response.get_json() == {"errors": [{"text": "Enter a title", "href": "#title"}]}
