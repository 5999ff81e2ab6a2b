"""The education and care settings a partnership covers: how many of each kind every local authority has
(primary, secondary, special and independent schools, alternative provision, children's centres, early
years settings, childminders, residential homes), tabulated as the 2019 tri-borough arrangements did, with
kinds down the side and local authorities across; and the partnership's forums for designated
safeguarding leads.

Plain functions on the session of the tenant in scope; a change is written to the audit log in the
caller's transaction, which the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.audit.services import record
from core.db import db
from core.refusals import Refused
from core.structure.models import SETTING_KINDS, Arrangements, Body, SettingCount
from core.tenancy.models import LocalAuthority

MAX_COUNT = 100_000  # as the tenant document allows
MAX_NOTE = 200
FORUM_KIND = "practitioner_forum"


class CountsError(Refused):
    """Counts refused, with a message for each field at fault."""


def field_name(part: str, la_key: str, kind: str) -> str:
    """The form field of one cell: ``count-north-primary``, ``note-north-primary``. Keys, not ids, so that
    a form can only ever name this partnership's local authorities."""
    return f"{part}-{la_key}-{kind}"


def kind_label(kind: str) -> str:
    return SETTING_KINDS.get(kind, kind)


def parse_count(text: str | None) -> int | None:
    """A count as typed: empty is "not counted" (None); otherwise a whole number from 0 to 100,000."""
    raw = (text or "").strip().replace(",", "")
    if not raw:
        return None
    if raw.startswith("-") and raw[1:].isdigit():
        raise ValueError("The number cannot be negative")
    if not raw.isascii() or not raw.isdigit():
        raise ValueError("Enter a whole number, like 37")
    value = int(raw)
    if value > MAX_COUNT:
        raise ValueError(f"Enter a number of {MAX_COUNT:,} or fewer")
    return value


# -- reading --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    count: int | None
    note: str = ""


@dataclass(frozen=True)
class Row:
    kind: str
    label: str
    cells: list[Cell]  # one per local authority, in the table's column order

    @property
    def total(self) -> int | None:
        counted = [cell.count for cell in self.cells if cell.count is not None]
        return sum(counted) if counted else None


@dataclass(frozen=True)
class CountsTable:
    local_authorities: list[LocalAuthority]
    rows: list[Row]
    counted_on: date | None  # when every count has the same date
    dates: dict[int, date | None]  # the latest date of each local authority's counts, by its id

    @property
    def has_counts(self) -> bool:
        return any(cell.count is not None for row in self.rows for cell in row.cells)

    @property
    def dates_differ(self) -> bool:
        return self.counted_on is None and any(self.dates.values())


def counts_table(local_authorities: Iterable[LocalAuthority], counts: Iterable[SettingCount]) -> CountsTable:
    """Every kind as a row, in the order the arrangements list them (a kind nobody counted still shows, so
    that a gap is visible), every local authority as a column."""
    las = list(local_authorities)
    counts = list(counts)
    by_cell = {(c.local_authority_id, c.kind): c for c in counts}
    kinds = list(SETTING_KINDS) + sorted({c.kind for c in counts} - set(SETTING_KINDS))
    rows = []
    for kind in kinds:
        cells = []
        for la in las:
            found = by_cell.get((la.id, kind))
            cells.append(Cell(found.count, found.note or "") if found else Cell(None))
        rows.append(Row(kind, kind_label(kind), cells))
    every_date = {c.as_of for c in counts}
    counted_on = next(iter(every_date)) if len(every_date) == 1 else None
    dates = {la.id: max((c.as_of for c in counts if c.local_authority_id == la.id and c.as_of), default=None)
             for la in las}
    return CountsTable(las, rows, counted_on, dates)


def local_authorities() -> list[LocalAuthority]:
    return list(db.session.scalars(select(LocalAuthority).order_by(LocalAuthority.name)))


def setting_counts() -> list[SettingCount]:
    return list(db.session.scalars(select(SettingCount).order_by(SettingCount.id)))


def load_table() -> CountsTable:
    return counts_table(local_authorities(), setting_counts())


def forums() -> list[Body]:
    """The partnership's forums for designated safeguarding leads (bodies of kind practitioner_forum),
    those still meeting or planned; dissolved ones are history."""
    return list(db.session.scalars(
        select(Body).options(selectinload(Body.local_authority))
        .where(Body.kind == FORUM_KIND, Body.status != "dissolved")
        .order_by(Body.position, Body.name)
    ))


def published_text() -> tuple[str, str]:
    """What the arrangements say in words about education settings and residential homes."""
    row = db.session.execute(select(Arrangements.education_settings, Arrangements.residential_homes).limit(1)).first()
    return (row[0] or "", row[1] or "") if row else ("", "")


# -- changing -------------------------------------------------------------------------------------------


def save_counts(entries: dict[tuple[str, str], tuple[str, str]], as_of: date | None, today: date) -> int:
    """Set the counts from what was typed: ``{(local authority key, kind): (count, note)}``. An empty count
    and note remove the cell; cells not given are left alone; ``as_of`` becomes the date of every count
    kept. Returns the number of cells changed; refuses everything if anything is wrong."""
    problems: dict[str, str] = {}
    if as_of is not None and as_of > today:
        problems["as_of"] = "The date counted cannot be in the future"
    las = {la.key: la for la in local_authorities()}
    existing = {(c.local_authority_id, c.kind): c for c in setting_counts()}
    wanted: list[tuple[LocalAuthority, str, int | None, str]] = []
    for (la_key, kind), (count_text, note_text) in entries.items():
        la = las.get(la_key)
        if la is None or kind not in SETTING_KINDS:
            continue  # only this partnership's local authorities and the known kinds can be set
        note = (note_text or "").strip()
        count_field = field_name("count", la_key, kind)
        try:
            count = parse_count(count_text)
        except ValueError as exc:
            problems[count_field] = f"{kind_label(kind)} in {la.name}: {str(exc)[0].lower()}{str(exc)[1:]}"
            continue
        if len(note) > MAX_NOTE:
            problems[field_name("note", la_key, kind)] = f"Enter a note of {MAX_NOTE} characters or fewer"
        elif note and count is None:
            problems[count_field] = f"Enter the number of {kind_label(kind).lower()} in {la.name}, or clear the note"
        wanted.append((la, kind, count, note))
    if problems:
        raise CountsError(problems)

    changes = []
    for la, kind, count, note in wanted:
        row = existing.get((la.id, kind))
        if count is None:
            if row is not None:
                changes.append({"local_authority": la.key, "kind": kind, "from": row.count, "to": None})
                db.session.delete(row)
            continue
        if row is None:
            db.session.add(SettingCount(local_authority=la, kind=kind, count=count, note=note, as_of=as_of))
            changes.append({"local_authority": la.key, "kind": kind, "from": None, "to": count})
            continue
        if (row.count, row.note or "", row.as_of) != (count, note, as_of):
            changes.append({"local_authority": la.key, "kind": kind, "from": row.count, "to": count,
                            **({"note": note} if note != (row.note or "") else {})})
            row.count, row.note, row.as_of = count, note, as_of
    if changes:
        record("education.counts.changed", object_type="SettingCount",
               summary=f"Counts of education and care settings changed ({len(changes)} "
                       f"cell{'s' if len(changes) != 1 else ''})",
               details={"as_of": as_of.isoformat() if as_of else None, "changes": changes})
    return len(changes)
