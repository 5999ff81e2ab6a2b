"""GOV.UK date inputs (day, month and year boxes) and 24-hour times, read the same way on every form:
in a form schema or in a plain view, with the Design System's messages, and what was typed kept."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from marshmallow import fields
from werkzeug.datastructures import MultiDict

from core.db import db
from core.structure import plan
from core.tenancy.isolation import tenant_scope
from core.web.form_dates import (
    ClockTime,
    DateInput,
    DateInputSchema,
    date_schema,
    date_values,
    read_date,
    read_time,
    time_value,
)
from core.web.forms import FormErrors, validate_form
from tests.helpers import create_tenant, form_post, login, make_user


class MeetingForm(DateInputSchema):
    title = fields.String(required=True, error_messages={"required": "Enter a title"})
    held_on = DateInput("the date of the meeting", required=True)
    starts = ClockTime(required=True, error_messages={"required": "Enter the time the meeting starts"})
    review_on = DateInput("the date of the next review")


def typed(held: tuple[str, str, str] = ("", "", ""), **more) -> MultiDict:
    day, month, year = held
    return MultiDict({"title": "Panel", "starts": "10:00", "held_on-day": day, "held_on-month": month,
                      "held_on-year": year, **more})


def problems(source: MultiDict) -> dict[str, str]:
    return validate_form(MeetingForm(), source)[1].fields


# (day, month, year) as typed, and the message shown for it
MESSAGES = [
    (("", "", ""), "Enter the date of the meeting"),
    (("3", "", "2026"), "The date of the meeting must include a month"),
    (("", "", "2026"), "The date of the meeting must include a day and month"),
    (("3", "", ""), "The date of the meeting must include a month and year"),
    (("31", "2", "2026"), "The date of the meeting must be a real date"),
    (("1", "13", "2026"), "The date of the meeting must be a real date"),
    (("x", "3", "2026"), "The date of the meeting must be a real date"),
    (("\u00b2", "3", "2026"), "The date of the meeting must be a real date"),  # a superscript 2 is not a digit here
    (("9" * 20, "1", "2026"), "The date of the meeting must be a real date"),
    (("1", "3", "26"), "Year must include 4 numbers"),
    (("1", "3", "1999"), "The year of the date of the meeting must be between 2000 and 2100"),
]


@pytest.mark.parametrize(("parts", "message"), MESSAGES)
def test_a_form_schema_names_what_is_wrong_with_a_date_in_govuk_words(parts, message):
    assert problems(typed(parts)) == {"held_on": message}


@pytest.mark.parametrize(("parts", "message"), MESSAGES)
def test_a_plain_view_reads_a_date_with_the_same_words(parts, message):
    errors = FormErrors()
    form = typed(parts)
    assert read_date("held_on", "the date of the meeting", errors, required=True, form=form) is None
    assert errors.fields == {"held_on": message}


def test_a_date_and_a_time_are_read_into_values():
    data, errors = validate_form(MeetingForm(), typed((" 3 ", "04", "2026"), starts="9.30"))
    assert not errors
    assert data == {"title": "Panel", "held_on": date(2026, 4, 3), "starts": time(9, 30), "review_on": None}


def test_every_problem_shows_at_once():
    source = typed(("31", "2", "2026"), title="", starts="25:00", **{"review_on-day": "1"})
    assert problems(source) == {
        "title": "Enter a title", "held_on": "The date of the meeting must be a real date",
        "starts": "Enter a time in the 24-hour clock, like 14:30",
        "review_on": "The date of the next review must include a month and year"}


def test_a_form_built_on_another_keeps_its_dates():
    class WithPlace(MeetingForm):
        place = fields.String(load_default="")

    data, errors = validate_form(WithPlace(), typed(("1", "7", "2026"), place="Town hall"))
    assert not errors and data["held_on"] == date(2026, 7, 1) and data["place"] == "Town hall"


def test_the_short_form_of_a_date_schema_reads_the_same_way():
    form = date_schema("ClosingForm", {"closes": ("the closing date", False)}, title=fields.String())
    assert validate_form(form(), MultiDict({"closes-day": "1"}))[1].fields == {
        "closes": "The closing date must include a month and year"}
    assert validate_form(form(), MultiDict({}))[0] == {"closes": None}


def test_a_label_written_as_a_sentence_reads_well_in_every_message():
    errors = FormErrors()
    read_date("paid_on", "The date paid", errors, required=True, form=MultiDict())
    read_date("dbs_on", "DBS referral date", errors, form=MultiDict({"dbs_on-day": "1"}))
    assert errors.fields == {"paid_on": "Enter the date paid",
                             "dbs_on": "DBS referral date must include a month and year"}


def test_a_date_of_birth_can_reach_back_further():
    errors = FormErrors()
    born = read_date("born_on", "the date of birth", errors, first_year=1900,
                     form=MultiDict({"born_on-day": "2", "born_on-month": "1", "born_on-year": "1961"}))
    assert born == date(1961, 1, 2) and not errors


def test_a_time_in_a_plain_view():
    errors = FormErrors()
    form = MultiDict({"starts": "14:30", "ends": "2pm"})
    assert read_time("starts", "the start time", errors, form=form) == time(14, 30)
    assert read_time("ends", "the end time", errors, form=form) is None
    assert read_time("break", "the break", errors, required=True, form=form) is None
    assert errors.fields == {"ends": "Enter a time in the 24-hour clock, like 14:30", "break": "Enter the break"}


def test_a_saved_date_and_time_go_back_into_the_boxes_and_read_the_same():
    boxes = date_values("held_on", date(2026, 3, 9))
    assert boxes == {"held_on-day": "9", "held_on-month": "3", "held_on-year": "2026"}
    assert date_values("held_on", None) == {"held_on-day": "", "held_on-month": "", "held_on-year": ""}
    assert read_date("held_on", "the date", FormErrors(), form=MultiDict(boxes)) == date(2026, 3, 9)
    assert time_value(datetime(2026, 3, 9, 9, 5)) == "09:05" and time_value(None) == ""


# -- on pages --------------------------------------------------------------------------------------------


@pytest.fixture
def manager(client):
    tenant = create_tenant("alpha")
    make_user("manager@alpha.example", tenant, roles=("business_manager",))
    login(client, "manager@alpha.example")
    client.tenant = tenant
    return client


def test_a_half_typed_date_on_a_body_says_what_is_missing_and_keeps_what_was_typed(manager):
    response = form_post(manager, "/alpha/structure/bodies/new", {
        "name": "Quality Assurance Group", "kind": "subgroup", "cadence": "quarterly", "status": "dissolved",
        "dissolved_on-day": "31", "dissolved_on-month": "3"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<a href="#dissolved_on">The date the body was dissolved must include a year</a>' in html
    assert 'value="31"' in html and 'value="Quality Assurance Group"' in html


def test_a_plan_action_date_in_the_wrong_year_is_refused_on_the_form(manager):
    with tenant_scope(manager.tenant):
        priority = plan.create_priority(title="Neglect", starts_year=2026, ends_year=2027)
        db.session.commit()
        priority_id = priority.id
    response = form_post(manager, f"/alpha/plan/priorities/{priority_id}/actions/new", {
        "title": "Audit", "lead": "Chair", "rag": "green", "due_on-day": "1", "due_on-month": "4",
        "due_on-year": "26"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<a href="#due_on">Year must include 4 numbers</a>' in html and 'value="26"' in html
