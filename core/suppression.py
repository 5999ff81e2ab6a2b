"""Small-number suppression for the figures a partnership publishes (the annual report and its data set).

A count of people or cases from 1 up to the partnership's threshold (5 unless its arrangements set another,
from 1 to 10) is published as "fewer than 5": one or two referrals in a sector of a small borough can point
at a person. Zero is shown: it identifies nobody. A threshold of 1 hides nothing.

Figures are always computed from the exact counts and suppressed only where they are presented for
publication, so working pages, downloads for those who hold the roles, and every rate stay exact.

What could give a hidden count away is withheld with it:

- in a set of counts whose total is published (a breakdown, a column of a table), one hidden cell could be
  worked out by subtraction, so when only one is hidden the next smallest is hidden too (``suppress_cells``);
- a percentage or a change taken from a hidden count is not shown (``withheld``): a share of a published
  total, or a change on a published year, gives the count back.

The API's data set carries a hidden figure as its text ("fewer than 5") in place of the number.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from core.db import db
from core.structure.models import Arrangements
from core.wording import plural

DEFAULT_THRESHOLD = 5
LOWEST_THRESHOLD = 1
HIGHEST_THRESHOLD = 10


def hidden(count: int, threshold: int) -> bool:
    """Whether a count is too small to publish: from 1 to one below the threshold."""
    return 0 < count < threshold


def fewer_than(threshold: int) -> str:
    return f"fewer than {threshold}"


def suppress(count: int, threshold: int, singular: str = "", plural_form: str = "") -> int | str:
    """The count as published: itself, or "fewer than 5". With a noun, in words: "8 referrals",
    "fewer than 5 referrals", "1 referral" (when the threshold is 1). Pages have it as the ``suppress``
    filter: ``{{ n | suppress(threshold, "referral") }}``."""
    cell = fewer_than(threshold) if hidden(count, threshold) else count
    return cell_words(cell, singular, plural_form) if singular else cell


def cell_words(cell: int | str, singular: str, plural_form: str = "") -> str:
    """A published count with its noun: "1 booking", "fewer than 5 bookings"."""
    return f"{cell} {plural_form or singular + 's'}" if isinstance(cell, str) else plural(cell, singular, plural_form)


def suppress_cells(counts: Sequence[int], threshold: int) -> list[int | str]:
    """A set of counts whose total is published, as published: each small count hidden and, where only one
    is, the next smallest hidden with it, so that the total less the others does not give it back."""
    hide = {i for i, count in enumerate(counts) if hidden(count, threshold)}
    if len(hide) == 1 and len(counts) > 1:
        others = [i for i in range(len(counts)) if i not in hide]
        hide.add(min(others, key=lambda i: counts[i]))
    return [fewer_than(threshold) if i in hide else count for i, count in enumerate(counts)]


def is_shown(value) -> bool:
    """Whether a cell from ``suppress`` or ``suppress_cells`` is the number itself."""
    return not isinstance(value, str)


def withheld(threshold: int) -> str:
    """What stands for a percentage or change that would give a hidden count away."""
    return f"not shown ({fewer_than(threshold)})"


def share_or_withheld(value, counts: Sequence[int | str], threshold: int):
    """``value`` (a percentage, a change) unless one of the counts it is taken from is hidden."""
    return value if all(is_shown(c) for c in counts) else withheld(threshold)


def published_threshold() -> int:
    """The threshold of the partnership in scope, from its arrangements (the default without them). One
    query."""
    value = db.session.scalar(select(Arrangements.small_numbers_threshold).limit(1))
    return DEFAULT_THRESHOLD if value is None else value

