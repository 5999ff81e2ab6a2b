"""Counts and articles that agree with what they count."""

from __future__ import annotations

from flask import render_template_string

from core.wording import plural, with_article


def test_a_count_agrees_with_its_noun():
    assert [plural(n, "case") for n in (0, 1, 2)] == ["0 cases", "1 case", "2 cases"]
    assert plural(1, "person", "people") == "1 person" and plural(3, "person", "people") == "3 people"


def test_the_article_follows_the_first_sound():
    assert with_article("initial meeting") == "an initial meeting" and with_article("review") == "a review"


def test_pages_have_the_same_rule(app):
    with app.test_request_context("/"):
        assert render_template_string('{{ 1 | plural("case") }}, {{ 2 | plural("case") }}') == "1 case, 2 cases"
