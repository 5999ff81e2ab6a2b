"""Downloads: CSV and XLSX tables, and the response that carries any file to the browser.

Every spreadsheet a partnership downloads is opened by someone in Excel, so every text cell is made safe
there: in a CSV a text that a spreadsheet would run as a formula gets a leading apostrophe (``safe_cell``);
in an XLSX every text is stored as text, which a spreadsheet never runs. A CSV starts with a UTF-8 byte
order mark, without which Excel reads "£" and accented names wrongly.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from flask import Response

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# What a spreadsheet takes for the start of a formula (tab and carriage return hide one after them).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")  # "-40.50" is an amount, not a formula: left as it is
_UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")
_UNSAFE_IN_SHEET_TITLE = re.compile(r"[\[\]:*?/\\]")


def safe_cell(value):
    """``value`` as a spreadsheet should show it: a text it would run as a formula gets a leading apostrophe,
    which makes it plain text; anything else (numbers, dates, other texts) is returned as it is."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def download_response(content: bytes, content_type: str, filename: str, *, confidential: bool = False) -> Response:
    """A file to save rather than show: never sniffed into something the browser would run, and with
    ``confidential`` (case records) never kept in a cache."""
    response = Response(content, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{safe_download_name(filename)}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    if confidential:
        response.headers["Cache-Control"] = "no-store"
    return response


def safe_download_name(filename: str) -> str:
    """ASCII letters, digits, dots, hyphens and underscores only: nothing that could end the header's quoted
    value or name a folder."""
    return _UNSAFE_IN_FILENAME.sub("_", filename).strip("._") or "download"


# -- CSV -------------------------------------------------------------------------------------------------


def csv_bytes(rows: Iterable[Sequence]) -> bytes:
    """The rows as a CSV file Excel opens correctly: UTF-8 with a byte order mark, every text cell safe."""
    out = io.StringIO()
    csv.writer(out).writerows([safe_cell(value) for value in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode()


def csv_response(rows: Iterable[Sequence], filename: str, *, confidential: bool = False) -> Response:
    return download_response(csv_bytes(rows), CSV_TYPE, filename, confidential=confidential)


# -- XLSX ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    """One worksheet. ``lead``: lines above the table (the first, a title, set large); ``header``: the
    column headings, in bold, frozen so that they stay in view; ``widths``: of columns A, B... in characters;
    ``formats``: a number format by column (0 for A) for the numbers of ``rows``; ``bold_rows``: positions in
    ``rows`` to set in bold (totals)."""

    title: str
    rows: Sequence[Sequence] = ()
    header: Sequence[str] = ()
    lead: Sequence[Sequence] = ()
    widths: Sequence[float] = ()
    formats: Mapping[int, str] = field(default_factory=dict)
    bold_rows: Collection[int] = ()


def notes_sheet(lines: Iterable[str], title: str = "About") -> Sheet:
    """A sheet of notes, one a row: what the figures count and how."""
    return Sheet(title, rows=[[line] for line in lines])


def _write(worksheet, row: int, values: Sequence, font=None, formats: Mapping[int, str] | None = None) -> None:
    for column, value in enumerate(values, start=1):
        cell = worksheet.cell(row=row, column=column, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # text stays text, even "=...": a spreadsheet never runs it
        elif formats and value is not None and column - 1 in formats:
            cell.number_format = formats[column - 1]
        if font is not None:
            cell.font = font


def sheet_title(title: str) -> str:
    """Excel refuses a sheet named with [ ] : * ? / \\ or longer than 31 characters."""
    return _UNSAFE_IN_SHEET_TITLE.sub("-", title)[:31] or "Sheet"


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    from openpyxl import Workbook  # only the downloads need it
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        worksheet = book.create_sheet(sheet_title(sheet.title))
        row = 0
        for number, values in enumerate(sheet.lead):
            row += 1
            _write(worksheet, row, values, Font(bold=True, size=14) if number == 0 else None)
        if sheet.header:
            row += 1
            _write(worksheet, row, sheet.header, Font(bold=True))
            worksheet.freeze_panes = f"A{row + 1}"
        bold_rows = set(sheet.bold_rows)
        for number, values in enumerate(sheet.rows):
            row += 1
            _write(worksheet, row, values, Font(bold=True) if number in bold_rows else None, sheet.formats)
        for column, width in enumerate(sheet.widths, start=1):
            worksheet.column_dimensions[get_column_letter(column)].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_response(sheets: Sequence[Sheet], filename: str, *, confidential: bool = False) -> Response:
    return download_response(xlsx_bytes(sheets), XLSX_TYPE, filename, confidential=confidential)
