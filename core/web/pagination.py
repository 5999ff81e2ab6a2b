"""Pages of a long list. A page number from the address bar is read leniently: rubbish means the first
page, and a number past the end means the last, so no request can ask the database for an absurd offset."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def page_of(total: int, size: int, raw: str | None) -> Page:
    try:
        number = int(raw or "1")
    except ValueError:
        number = 1
    pages = max(1, -(-total // size))
    return Page(number=min(max(1, number), pages), size=size, total=total)
