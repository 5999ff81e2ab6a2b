"""The download kit: what reaches the spreadsheet and the browser when a partnership downloads a table."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from core.exports import (
    Sheet,
    csv_bytes,
    csv_response,
    download_response,
    notes_sheet,
    safe_cell,
    xlsx_response,
)
from tests.core.structure.test_funding_pages import add_contribution, add_spend
from tests.helpers import create_tenant, login, make_user


@pytest.fixture
def alpha():
    tenant = create_tenant("alpha")
    make_user("scrutineer@alpha.example", tenant, roles=("independent_scrutineer",))
    return tenant


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_a_text_a_spreadsheet_would_run_reaches_it_as_text():
    assert [safe_cell(v) for v in ("=SUM(A1:A9)", "+1+1", "-2+3+cmd|' /C calc'!A0", "@SUM(1)", "\t=1", "\r=1")] == [
        "'=SUM(A1:A9)", "'+1+1", "'-2+3+cmd|' /C calc'!A0", "'@SUM(1)", "'\t=1", "'\r=1"]
    # Ordinary texts, amounts and numbers are left as they are.
    assert [safe_cell(v) for v in ("Alpha Police", "-40.50", "-3", 7, None, date(2025, 4, 1))] == [
        "Alpha Police", "-40.50", "-3", 7, None, date(2025, 4, 1)]
    assert safe_cell(safe_cell("=1")) == "'=1"  # guarding twice changes nothing more


def test_every_text_cell_of_a_csv_is_guarded_and_excel_reads_it_as_utf8():
    data = csv_bytes([["Agency", "Amount (£)"], ["=HYPERLINK(\"http://evil\")", "-40.50"], ["Zoë's school", 3]])
    assert data.startswith("\ufeff".encode())  # the byte order mark: "£" and "ë" are read right in Excel
    assert read_csv(data) == [["Agency", "Amount (£)"], ["'=HYPERLINK(\"http://evil\")", "-40.50"],
                              ["Zoë's school", "3"]]


def test_a_csv_download_is_saved_not_shown_nor_sniffed():
    response = csv_response([["a"]], "figures-2025-26.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="figures-2025-26.csv"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Cache-Control" not in response.headers


def test_a_confidential_download_is_never_cached():
    assert csv_response([["a"]], "cases.csv", confidential=True).headers["Cache-Control"] == "no-store"
    xlsx = xlsx_response([Sheet("Cases", [["a"]])], "cases.xlsx", confidential=True)
    assert xlsx.headers["Cache-Control"] == "no-store" and xlsx.headers["X-Content-Type-Options"] == "nosniff"


def test_a_filename_cannot_break_out_of_its_header():
    response = download_response(b"x", "text/plain", 'a"; filename="evil.exe\r\nSet-Cookie: x=1')
    disposition = response.headers["Content-Disposition"]
    assert disposition.count('"') == 2 and "\r" not in disposition and "\n" not in disposition
    assert download_response(b"x", "text/plain", "../../etc/passwd").headers["Content-Disposition"] == \
        'attachment; filename="etc_passwd"'


def test_a_spreadsheet_keeps_text_as_text_with_headings_widths_and_formats():
    sheets = [
        Sheet("Statement 2025/26", header=["Item", "Amount (£)"],
              rows=[["=HYPERLINK(\"http://evil\")", Decimal("12.5")], ["Total", Decimal("12.5")]],
              lead=[["Alpha: statement"], ["1 April 2025 to 31 March 2026"]], widths=[40, 16],
              formats={1: "#,##0.00"}, bold_rows={1}),
        notes_sheet(["Counted in London time."]),
    ]
    book = load_workbook(io.BytesIO(xlsx_response(sheets, "s.xlsx").data))
    assert book.sheetnames == ["Statement 2025-26", "About"]  # "/" is not allowed in a sheet's name
    sheet = book["Statement 2025-26"]
    assert sheet["A1"].font.bold and sheet["A1"].font.size == 14
    assert [c.value for c in sheet[3]] == ["Item", "Amount (£)"] and sheet["A3"].font.bold
    assert sheet.freeze_panes == "A4"  # the headings stay in view
    formula = sheet["A4"]
    assert formula.value == "=HYPERLINK(\"http://evil\")" and formula.data_type == "s"  # shown, never run
    assert sheet["B4"].value == 12.5 and sheet["B4"].number_format == "#,##0.00"
    assert sheet["A5"].font.bold and not sheet["A4"].font.bold
    assert sheet.column_dimensions["A"].width == 40
    assert [c.value for c in book["About"]["A"]] == ["Counted in London time."]


def test_the_funding_statement_csv_opens_in_excel_with_its_pound_signs(client, alpha):
    add_contribution(alpha, "police", 2025, "100")
    add_spend(alpha, date(2025, 5, 1), "140.50")
    login(client, "scrutineer@alpha.example")
    response = client.get("/alpha/funding/statement.csv?year=2025")
    assert response.data.startswith("\ufeff".encode())
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    rows = read_csv(response.data)
    assert rows[3] == ["Section", "Item", "Amount (£)"]
    assert ["Result", "Deficit for the year", "-40.50"] in rows  # an amount stays a number
