"""Words that agree with their numbers, for every page, email and log line: one rule, so that no module
writes "1 cases" or "a initial meeting" again."""

from __future__ import annotations


def plural(count: int, singular: str, plural_form: str = "") -> str:
    """A count with its noun: "1 case", "0 cases", "2 new referrals"; ``plural_form`` where adding an s will
    not do ("1 person", "3 people"). Pages have it as the ``plural`` filter: ``{{ n | plural("case") }}``."""
    return f"{count} {singular if count == 1 else plural_form or singular + 's'}"


def with_article(noun: str) -> str:
    """"a review", "an initial meeting": the indefinite article by the sound of the first letter, which is
    right for the words the platform writes (it does not know "an hour" or "a user")."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"
