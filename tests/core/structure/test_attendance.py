"""The attendance report of a financial year: which meetings count (by their date in London), how an
agency's attendance is counted and rounded, the tenant's threshold, and bodies meeting less than promised."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.calendar import FinancialYear
from core.db import db
from core.structure import meetings as rules
from core.structure.models import Arrangements
from core.tenancy.isolation import tenant_scope
from tests.core.structure.test_meetings import add_body, add_meeting, add_seat, hold, london
from tests.helpers import count_queries, create_tenant

AFTER = datetime(2027, 6, 1, tzinfo=UTC)  # every meeting below is over by then


@pytest.fixture
def alpha():
    return create_tenant("alpha")


def report(tenant, year: int, now: datetime = AFTER) -> rules.AttendanceReport:
    with tenant_scope(tenant):
        return rules.attendance_report(FinancialYear(year), now)


def agency_row(result: rules.AttendanceReport, body_key: str, agency_name: str) -> rules.AgencyAttendance:
    body = next(b for b in result.bodies if b.body_key == body_key)
    return next(a for a in body.agencies if a.agency_name == agency_name)


def set_threshold(tenant, percent: int | None) -> None:
    """The tenant's threshold; None removes its arrangements row altogether."""
    with tenant_scope(tenant):
        row = db.session.scalars(select(Arrangements)).first()
        if percent is None:
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(Arrangements(attendance_threshold_percent=percent))
        else:
            row.attendance_threshold_percent = percent
        db.session.commit()


def held_meetings(tenant, body, seat, statuses: list[str], start_month: int = 5) -> None:
    """One held meeting a month from May 2025, the seat's attendance at each as given."""
    for n, status in enumerate(statuses):
        meeting = add_meeting(tenant, body, london(2025, start_month + n, 12))
        hold(tenant, meeting, {seat: status if status != "deputy" else ("deputy", "A deputy")}, now=AFTER)


def test_the_financial_year_runs_by_the_date_in_london_around_midnight(alpha):
    board = add_body(alpha)
    seat = add_seat(alpha, board, "police")
    # 23:30 on 31 March 2026 in London (BST since the 29th) is 22:30 UTC: the year 2025/26.
    last = add_meeting(alpha, board, london(2026, 3, 31, 23, 30), hours=1)
    # 00:30 on 1 April 2026 in London is still 31 March in UTC (23:30): the year 2026/27 all the same.
    first = add_meeting(alpha, board, london(2026, 4, 1, 0, 30), hours=1)
    assert rules.london_day(datetime(2026, 3, 31, 23, 30, tzinfo=UTC)) == date(2026, 4, 1)
    # 1 April 2025 at 00:15 BST is 31 March 2025 23:15 UTC: the start of 2025/26.
    opening = add_meeting(alpha, board, london(2025, 4, 1, 0, 15), hours=1)
    # 23:45 on 31 March 2025 (BST since the 30th, so 22:45 UTC): still 2024/25.
    before = add_meeting(alpha, board, london(2025, 3, 31, 23, 45), hours=1)
    for meeting, status in ((last, "present"), (first, "absent"), (opening, "absent"), (before, "present")):
        hold(alpha, meeting, {seat: status}, now=AFTER)

    y2025 = agency_row(report(alpha, 2025), "board", "Alpha Police")
    assert (y2025.held, y2025.attended) == (2, 1)  # 1 April 2025 00:15 and 31 March 2026 23:30
    y2026 = agency_row(report(alpha, 2026), "board", "Alpha Police")
    assert (y2026.held, y2026.attended) == (1, 0)  # 1 April 2026 00:30
    y2024 = agency_row(report(alpha, 2024), "board", "Alpha Police")
    assert (y2024.held, y2024.attended) == (1, 1)


def test_at_the_threshold_is_not_flagged_and_just_below_is(alpha):
    board = add_body(alpha)
    police = add_seat(alpha, board, "police")
    council = add_seat(alpha, board, "council")
    for n, (p, c) in enumerate([("present", "present"), ("present", "present"), ("present", "absent"),
                                ("absent", "apologies")]):
        meeting = add_meeting(alpha, board, london(2025, 5 + n, 12))
        hold(alpha, meeting, {police: p, council: c}, now=AFTER)
    set_threshold(alpha, None)
    result = report(alpha, 2025)
    assert result.threshold == 75  # no Arrangements row: the default
    at = agency_row(result, "board", "Alpha Police")
    below = agency_row(result, "board", "Alpha Council")
    assert (at.held, at.attended, at.percent, at.flagged) == (4, 3, 75, False)
    assert (below.held, below.attended, below.percent, below.flagged) == (4, 2, 50, True)
    assert [(b.body_key, a.agency_name) for b, a in result.flagged] == [("board", "Alpha Council")]


def test_the_tenants_threshold_is_compared_exactly_not_after_rounding(alpha):
    set_threshold(alpha, 67)
    board = add_body(alpha)
    police = add_seat(alpha, board, "police")
    held_meetings(alpha, board, police, ["present", "present", "absent"])
    row = agency_row(report(alpha, 2025), "board", "Alpha Police")
    # Two of three is 66.67%: shown as 67%, yet below a threshold of 67.
    assert (row.percent, row.threshold, row.flagged) == (67, 67, True)

    set_threshold(alpha, 66)
    assert not agency_row(report(alpha, 2025), "board", "Alpha Police").flagged


def test_percentages_round_half_up():
    assert [rules.percent_half_up(a, h) for a, h in [(5, 8), (1, 8), (3, 8), (1, 3), (2, 3), (0, 4), (4, 4)]] == [
        63, 13, 38, 33, 67, 0, 100]


def test_a_deputy_counts_as_represented_and_apologies_do_not(alpha):
    board = add_body(alpha)
    police = add_seat(alpha, board, "police")
    held_meetings(alpha, board, police, ["deputy", "deputy", "present", "apologies"])
    row = agency_row(report(alpha, 2025), "board", "Alpha Police")
    assert (row.held, row.attended, row.percent, row.flagged) == (4, 3, 75, False)


def test_a_seat_that_ended_mid_year_is_not_counted_after_it_ended(alpha):
    board = add_body(alpha)
    police = add_seat(alpha, board, "police", ends_on=date(2025, 9, 30))
    council = add_seat(alpha, board, "council")
    joined = add_seat(alpha, board, "icb", starts_on=date(2025, 10, 1))
    for month in (6, 9, 11, 12):
        meeting = add_meeting(alpha, board, london(2025, month, 12))
        seated = {council: "present"}
        seated.update({police: "present"} if month <= 9 else {joined: "absent"})
        hold(alpha, meeting, seated, now=AFTER)
    result = report(alpha, 2025)
    police_row = agency_row(result, "board", "Alpha Police")
    assert (police_row.held, police_row.attended, police_row.flagged) == (2, 2, False)  # not 2 of 4
    icb_row = agency_row(result, "board", "Alpha ICB")
    assert (icb_row.held, icb_row.attended, icb_row.flagged) == (2, 0, True)
    assert agency_row(result, "board", "Alpha Council").held == 4


def test_an_agency_with_two_seats_is_represented_when_either_attends(alpha):
    board = add_body(alpha)
    director = add_seat(alpha, board, "council", "Director of Children's Services")
    lead_member = add_seat(alpha, board, "council", "Cabinet Member", role_holder="lead-member")
    for n, (d, lm) in enumerate([("present", "absent"), ("absent", "present"), ("absent", "absent")]):
        meeting = add_meeting(alpha, board, london(2025, 5 + n, 12))
        hold(alpha, meeting, {director: d, lead_member: lm}, now=AFTER)
    body = report(alpha, 2025).bodies[0]
    assert [(a.agency_name, a.held, a.attended) for a in body.agencies] == [("Alpha Council", 3, 2)]


def test_cancelled_and_unrecorded_meetings_are_not_counted_as_held(alpha):
    board = add_body(alpha)
    police = add_seat(alpha, board, "police")
    held_meetings(alpha, board, police, ["present"])
    add_meeting(alpha, board, london(2025, 8, 1), status="cancelled")
    add_meeting(alpha, board, london(2025, 9, 1))  # past, attendance never recorded
    body = report(alpha, 2025).bodies[0]
    assert (body.held, body.unrecorded, body.upcoming) == (1, 1, 0)
    assert (body.agencies[0].held, body.agencies[0].attended) == (1, 1)


def test_seats_without_an_agency_are_not_in_the_agency_report(alpha):
    board = add_body(alpha)
    scrutineer = add_seat(alpha, board, None, "Independent scrutineer", role_holder="scrutineer")
    police = add_seat(alpha, board, "police")
    hold(alpha, add_meeting(alpha, board, london(2025, 5, 12)), {scrutineer: "present", police: "present"}, now=AFTER)
    assert [a.agency_name for a in report(alpha, 2025).bodies[0].agencies] == ["Alpha Police"]


def test_a_body_meeting_less_often_than_promised_is_flagged(alpha):
    quarterly = add_body(alpha, key="quarterly", cadence="quarterly")
    floor = add_body(alpha, key="floor", cadence="twice_a_year", min_meetings=3)
    enough = add_body(alpha, key="enough", cadence="twice_a_year")
    as_needed = add_body(alpha, key="as-needed", cadence="as_needed")
    add_body(alpha, key="dissolved", status="dissolved")
    for body, count in ((quarterly, 3), (floor, 2), (enough, 2)):
        for n in range(count):
            meeting = add_meeting(alpha, body, london(2025, 5 + 2 * n, 12))
            hold(alpha, meeting, {}, now=AFTER)
    result = report(alpha, 2025)
    by_key = {b.body_key: b for b in result.bodies}
    assert (by_key["quarterly"].held, by_key["quarterly"].required, by_key["quarterly"].short) == (3, 4, True)
    assert (by_key["floor"].held, by_key["floor"].required, by_key["floor"].short) == (2, 3, True)
    assert not by_key["enough"].short and not by_key["as-needed"].short
    assert as_needed and not by_key["as-needed"].required
    assert "dissolved" not in by_key  # gone before the year, and nothing held in it
    assert [b.body_key for b in result.short_bodies] == ["floor", "quarterly"]


def test_in_the_current_year_meetings_still_to_come_count_towards_the_promise(alpha):
    board = add_body(alpha, cadence="quarterly")
    held_meetings(alpha, board, add_seat(alpha, board, "police"), ["present", "present"])
    add_meeting(alpha, board, london(2026, 1, 15))
    add_meeting(alpha, board, london(2026, 3, 15))
    midyear = datetime(2025, 12, 1, tzinfo=UTC)
    body = report(alpha, 2025, now=midyear).bodies[0]
    assert (body.held, body.upcoming, body.short) == (2, 2, False)
    assert report(alpha, 2025, now=AFTER).bodies[0].short  # the two never recorded as held


def test_csv_and_xlsx_carry_the_same_rows(alpha):
    board = add_body(alpha, name="=HYPERLINK(\"http://evil\")")
    police = add_seat(alpha, board, "police")
    held_meetings(alpha, board, police, ["present", "absent"])
    result = report(alpha, 2025)
    rows = list(csv.reader(io.StringIO(rules.report_csv(result).decode("utf-8-sig"))))
    assert rows[0] == rules.AGENCY_HEADER
    assert rows[1] == ["'=HYPERLINK(\"http://evil\")", "Alpha Police", "2", "1", "50", "Yes"]
    book = load_workbook(io.BytesIO(rules.report_xlsx(result)))
    sheet = book["Attendance by agency"]
    assert [c.value for c in sheet[2]] == ["'=HYPERLINK(\"http://evil\")", "Alpha Police", 2, 1, 50, "Yes"]
    assert sheet["A2"].data_type == "s"  # text, not a formula
    assert [c.value for c in book["Meetings held"][2]][4:] == [2, 0, "Yes"]


def test_the_report_costs_the_same_queries_for_few_or_many_meetings_and_seats(alpha):
    def measure():
        with tenant_scope(alpha), count_queries() as counter:
            rules.attendance_report(FinancialYear(2025), AFTER)
        return counter.n

    board = add_body(alpha)
    held_meetings(alpha, board, add_seat(alpha, board, "police"), ["present"])
    few = measure()
    for n in range(4):
        body = add_body(alpha, key=f"group-{n}")
        seats = [add_seat(alpha, body, key) for key in ("police", "council", "icb", "school")]
        for month in range(5, 11):
            meeting = add_meeting(alpha, body, london(2025, month, 3))
            hold(alpha, meeting, dict.fromkeys(seats, "present"), now=AFTER)
    assert measure() == few
