"""Intake: the harm test decides consultation or referral; references; conversion of a consultation to a
referral keeping its history; a referral the harm test does not meet kept as a consultation."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.db import db
from core.plugins.services import enable_module
from core.tenancy.isolation import tenant_scope
from plugins.lado import cases as rules
from plugins.lado.models import LadoCase, LadoReferenceCounter
from tests.helpers import create_tenant
from tests.plugins.lado.conftest import authority, consultation_details, details, load, make_case

TODAY = date(2025, 6, 2)


def refused(tenant, kind="referral", received_on=TODAY, children=(), **values) -> dict[str, str]:
    with tenant_scope(tenant):
        with pytest.raises(rules.CaseError) as caught:
            rules.create_case(kind=kind, local_authority=authority("north"), received_on=received_on, today=TODAY,
                              details=values, children=list(children))
    db.session.rollback()
    return caught.value.errors


# -- the harm test ---------------------------------------------------------------------------------------


def test_a_referral_must_meet_the_harm_test(alpha):
    errors = refused(alpha, **details(harm_criteria=[]))
    assert "harm_criteria" in errors and "record a consultation" in errors["harm_criteria"]


def test_a_consultation_that_meets_the_harm_test_is_refused_as_a_consultation(alpha):
    errors = refused(alpha, kind="consultation", **consultation_details(harm_criteria=["offence"]))
    assert "record it as a referral" in errors["harm_criteria"]


def test_any_one_of_the_four_criteria_makes_a_referral(alpha):
    for criterion in ("harmed", "offence", "risk", "unsuitable"):
        case_id = make_case(alpha, today=TODAY, received_on=TODAY, harm_criteria=[criterion])
        assert load(alpha, case_id).harm_criteria == [criterion]


def test_criteria_are_kept_once_in_the_guidance_order(alpha):
    case_id = make_case(alpha, today=TODAY, received_on=TODAY, harm_criteria=["unsuitable", "harmed", "unsuitable"])
    assert load(alpha, case_id).harm_criteria == ["harmed", "unsuitable"]


def test_an_unknown_criterion_is_refused(alpha):
    assert "harm_criteria" in refused(alpha, **details(harm_criteria=["harmed", "rude"]))


def test_a_referral_needs_a_category_the_person_and_their_role(alpha):
    errors = refused(alpha, **details(category="", person_name="", person_role=""))
    assert set(errors) >= {"category", "person_name", "person_role"}


def test_a_consultation_may_leave_the_person_unnamed(alpha):
    case_id = make_case(alpha, kind="consultation", today=TODAY, received_on=TODAY)
    case = load(alpha, case_id)
    assert case.kind == "consultation" and case.person_name == "" and case.referred_on is None


def test_dates_cannot_be_in_the_future_nor_the_concern_after_the_contact(alpha):
    assert "received_on" in refused(alpha, received_on=date(2025, 6, 3), **details())
    assert "concern_on" in refused(alpha, received_on=date(2025, 6, 1), **details(concern_on=date(2025, 6, 2)))
    assert "person_born_on" in refused(alpha, **details(person_born_on=date(2030, 1, 1)))
    assert "person_pension_on" in refused(alpha, **details(person_born_on=date(1980, 1, 1),
                                                           person_pension_on=date(1979, 1, 1)))


def test_sectors_and_how_the_person_works_come_from_the_lists(alpha):
    errors = refused(alpha, **details(referring_sector="martians", employer_sector="family", employment_type="x"))
    # "family" refers but is not somewhere people work
    assert set(errors) >= {"referring_sector", "employer_sector", "employment_type"}


def test_children_are_initials_an_age_under_18_and_a_gender(alpha):
    errors = refused(alpha, children=[{"initials": "Jonathan", "age": 3, "gender": "girl"},
                                      {"initials": "AB", "age": 18, "gender": "girl"},
                                      {"initials": "CD", "age": "ten", "gender": "girl"},
                                      {"initials": "EF", "age": 4, "gender": "cat"}], **details())
    assert set(errors) == {"child-1-initials", "child-2-age", "child-3-age", "child-4-gender"}
    case_id = make_case(alpha, today=TODAY, received_on=TODAY,
                        children=[{"initials": "ab", "age": 7, "gender": "boy"}, {"initials": "", "age": None}])
    children = load(alpha, case_id).children
    assert [(c.initials, c.age, c.gender) for c in children] == [("AB", 7, "boy")]  # an empty row is no child


def test_every_problem_is_reported_at_once(alpha):
    errors = refused(alpha, received_on=date(2025, 7, 1), **details(harm_criteria=[], category="", summary=""))
    assert set(errors) >= {"received_on", "harm_criteria", "category", "summary"}


def test_typed_text_loses_control_characters_and_is_held_to_its_length(alpha):
    case_id = make_case(alpha, today=TODAY, received_on=TODAY, person_name="  Pat\x00 Example\n ")
    assert load(alpha, case_id).person_name == "Pat Example"
    assert "person_name" in refused(alpha, **details(person_name="x" * 201))


# -- references ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "code"), [
    ("Royal Borough of Kensington and Chelsea", "RBKC"),
    ("Westminster City Council", "WCC"),
    ("London Borough of Hammersmith and Fulham", "LBHF"),
    ("City of London Corporation", "CLC"),
    ("Camden", "CAMD"),
    ("Ealing & Brent", "EB"),
])
def test_reference_codes_are_the_initials_councils_use(name, code):
    assert rules.reference_code(name) == code


def test_references_count_per_local_authority_and_year_without_gaps(alpha):
    made = [make_case(alpha, today=TODAY, received_on=d, la=la) for d, la in [
        (date(2024, 12, 30), "north"), (date(2025, 1, 2), "north"), (date(2025, 1, 3), "south"),
        (date(2025, 2, 1), "north"), (date(2025, 3, 1), "south")]]
    references = [load(alpha, case_id).reference for case_id in made]
    assert references == ["LADO-NBC-2024-0001", "LADO-NBC-2025-0001", "LADO-SBC-2025-0001", "LADO-NBC-2025-0002",
                          "LADO-SBC-2025-0002"]


def test_a_refused_or_rolled_back_submission_gives_its_number_back(alpha):
    make_case(alpha, today=TODAY, received_on=TODAY)
    with tenant_scope(alpha):
        rules.create_case(kind="referral", local_authority=authority("north"), received_on=TODAY, today=TODAY,
                          details=details(), children=[])
    db.session.rollback()  # e.g. the request failed after the number was taken
    refused(alpha, **details(harm_criteria=[]))
    second = make_case(alpha, today=TODAY, received_on=TODAY)
    assert load(alpha, second).reference == "LADO-NBC-2025-0002"


def test_two_authorities_with_the_same_initials_still_get_distinct_references(app):
    tenant = create_tenant("beta", las=("north", "northgate"))  # North Borough Council, Northgate Borough Council
    enable_module(tenant, "lado", {})
    db.session.commit()
    first = make_case(tenant, today=TODAY, received_on=TODAY, la="north")
    with tenant_scope(tenant):
        authority("northgate").name = "Nelson Borough Council"  # NBC as well
    db.session.commit()
    second = make_case(tenant, today=TODAY, received_on=TODAY, la="northgate")
    assert {load(tenant, first).reference, load(tenant, second).reference} == {"LADO-NBC-2025-0001",
                                                                               "LADO-NBC-2025-0002"}


def test_each_partnership_numbers_its_own_cases(alpha):
    beta = create_tenant("beta")
    enable_module(beta, "lado", {})
    db.session.commit()
    assert load(alpha, make_case(alpha, today=TODAY, received_on=TODAY)).reference == "LADO-NBC-2025-0001"
    assert load(beta, make_case(beta, today=TODAY, received_on=TODAY)).reference == "LADO-NBC-2025-0001"
    with tenant_scope(beta):
        assert db.session.scalars(select(LadoReferenceCounter.last)).all() == [1]


# -- conversion ------------------------------------------------------------------------------------------


def test_a_consultation_becomes_a_referral_keeping_its_reference_children_and_record(alpha):
    case_id = make_case(alpha, kind="consultation", today=TODAY, received_on=date(2025, 5, 1),
                        person_name="Pat Example", person_role="Coach", children=[{"initials": "AB", "age": 9}])
    before = load(alpha, case_id)
    reference, entries = before.reference, [e.text for e in before.entries]
    with tenant_scope(alpha):
        case = db.session.get(LadoCase, case_id)
        rules.convert_to_referral(case, date(2025, 5, 20), ["risk"], "emotional", "A second concern came in", TODAY)
    db.session.commit()
    after = load(alpha, case_id)
    assert (after.kind, after.reference, after.received_on) == ("referral", reference, date(2025, 5, 1))
    assert (after.referred_on, after.converted_on, after.harm_criteria, after.category) == (
        date(2025, 5, 20), date(2025, 5, 20), ["risk"], "emotional")
    assert [c.initials for c in after.children] == ["AB"]
    texts = [e.text for e in after.entries]
    assert texts[: len(entries)] == entries
    assert any(t.startswith("Converted from a consultation to a referral") for t in texts)


def test_conversion_needs_the_harm_test_a_category_a_date_after_the_contact_and_a_reason(alpha):
    case_id = make_case(alpha, kind="consultation", today=TODAY, received_on=date(2025, 5, 10),
                        person_name="Pat", person_role="Coach")
    with tenant_scope(alpha):
        case = db.session.get(LadoCase, case_id)
        with pytest.raises(rules.CaseError) as caught:
            rules.convert_to_referral(case, date(2025, 5, 9), [], "", "", TODAY)
    assert set(caught.value.errors) == {"harm_criteria", "category", "referred_on", "reason"}


def test_only_an_open_consultation_with_a_named_person_converts(alpha):
    referral = make_case(alpha, today=TODAY, received_on=TODAY)
    anonymous = make_case(alpha, kind="consultation", today=TODAY, received_on=TODAY)
    with tenant_scope(alpha):
        with pytest.raises(rules.CaseError, match="Only a consultation"):
            rules.convert_to_referral(db.session.get(LadoCase, referral), TODAY, ["harmed"], "physical", "why", TODAY)
        with pytest.raises(rules.CaseError, match="name and role"):
            rules.convert_to_referral(db.session.get(LadoCase, anonymous), TODAY, ["harmed"], "physical", "why", TODAY)


def test_a_referral_below_the_threshold_is_kept_as_a_consultation_until_meetings_are_held(alpha):
    case_id = make_case(alpha, today=TODAY, received_on=date(2025, 5, 1))
    with tenant_scope(alpha):
        case = db.session.get(LadoCase, case_id)
        rules.record_as_consultation(case, "No child was involved and no concern about suitability", TODAY)
    db.session.commit()
    case = load(alpha, case_id)
    assert (case.kind, case.referred_on, case.harm_criteria) == ("consultation", None, [])

    held = make_case(alpha, today=TODAY, received_on=date(2025, 5, 1))
    with tenant_scope(alpha):
        case = db.session.get(LadoCase, held)
        rules.record_meeting(case, "initial", date(2025, 5, 2), ["LADO"], "Police to investigate", "", None, TODAY)
        with pytest.raises(rules.CaseError, match="meetings were held"):
            rules.record_as_consultation(case, "changed my mind", TODAY)
