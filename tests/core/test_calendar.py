"""The working-day calendar for England (weekends and England and Wales bank holidays) and the financial
year every report, budget and plan is kept by."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.calendar import (
    FinancialYear,
    YearError,
    add_working_days,
    bank_holiday_name,
    chosen_year,
    is_working_day,
    next_working_day,
    working_days_between,
    years_spanned,
    years_to_offer,
)


@pytest.mark.parametrize("start, days, expected", [
    # Christmas 2026: Friday 25th; Boxing Day falls on a Saturday, so Monday 28th is the substitute holiday.
    (date(2026, 12, 24), 1, date(2026, 12, 29)),
    (date(2026, 12, 21), 5, date(2026, 12, 30)),  # five working days to notify the national panel
    # New Year 2027: Friday 1st.
    (date(2026, 12, 31), 1, date(2027, 1, 4)),
    # Christmas 2027 on a Saturday: Monday 27th and Tuesday 28th are both substitute holidays.
    (date(2027, 12, 24), 1, date(2027, 12, 29)),
    # Easter 2027: Good Friday 26 March, Easter Monday 29 March.
    (date(2027, 3, 25), 1, date(2027, 3, 30)),
    (date(2027, 3, 19), 15, date(2027, 4, 13)),  # fifteen working days for a rapid review across Easter
    (date(2027, 3, 30), -1, date(2027, 3, 25)),
    (date(2026, 11, 20), 0, date(2026, 11, 20)),
    (date(2026, 11, 21), 1, date(2026, 11, 23)),  # from a Saturday, the next Monday
])
def test_add_working_days(start, days, expected):
    assert add_working_days(start, days) == expected


def test_bank_holidays_are_not_working_days():
    assert bank_holiday_name(date(2027, 3, 26)) == "Good Friday"
    assert bank_holiday_name(date(2027, 3, 29)) == "Easter Monday"
    assert not is_working_day(date(2026, 12, 28))  # substitute for Boxing Day
    assert not is_working_day(date(2023, 5, 8))  # the coronation bank holiday
    assert not is_working_day(date(2026, 11, 22))  # a Sunday
    assert is_working_day(date(2026, 11, 23))
    # Scotland's and Northern Ireland's holidays are not England's.
    assert is_working_day(date(2027, 1, 4)) and is_working_day(date(2027, 3, 17))


def test_working_days_between_over_christmas_and_new_year():
    assert working_days_between(date(2026, 12, 24), date(2027, 1, 4)) == 4  # 29th, 30th, 31st and 4th
    assert working_days_between(date(2026, 12, 24), date(2027, 1, 5)) == 5
    assert working_days_between(date(2027, 1, 5), date(2026, 12, 24)) == -5
    assert working_days_between(date(2026, 12, 25), date(2026, 12, 28)) == 0


def test_the_two_functions_are_inverses_over_two_years():
    start = date(2026, 1, 1)
    for offset in range(0, 730, 3):
        day = start + timedelta(days=offset)
        for n in (0, 1, 2, 5, 15, 20, 65):
            later = add_working_days(day, n)
            assert working_days_between(day, later) == n, (day, n)
            assert is_working_day(later) or n == 0


def test_the_day_is_londons_not_the_servers():
    from datetime import UTC, datetime

    from core.calendar import london_day

    assert london_day(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == date(2026, 7, 1)  # 00:30 BST
    assert london_day(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == date(2026, 12, 31)  # GMT


def test_the_next_working_day_skips_weekends_and_bank_holidays():
    assert next_working_day(date(2026, 12, 24)) == date(2026, 12, 24)  # a Thursday: itself
    assert next_working_day(date(2026, 12, 25)) == date(2026, 12, 29)  # Christmas, then the substitute day
    assert next_working_day(date(2027, 3, 26)) == date(2027, 3, 30)  # Good Friday to after Easter Monday


# -- financial years ------------------------------------------------------------------------------------


def test_31_march_is_the_last_day_of_a_financial_year_and_1_april_the_first_of_the_next():
    assert FinancialYear.containing(date(2026, 3, 31)) == FinancialYear(2025)
    assert FinancialYear.containing(date(2026, 4, 1)) == FinancialYear(2026)
    assert FinancialYear.containing(date(2026, 1, 1)) == FinancialYear(2025)
    year = FinancialYear(2025)
    assert (year.start, year.end, year.label) == (date(2025, 4, 1), date(2026, 3, 31), "2025/26")
    assert (year.previous.label, year.next.label) == ("2024/25", "2026/27")
    assert FinancialYear(1999).label == "1999/00"


def test_a_year_is_typed_as_the_year_it_starts_in_or_as_its_label():
    for text in ("2025", "2025/26", " 2025 / 26 ", "2025-26", "2025/2026"):
        assert FinancialYear.parse(text) == FinancialYear(2025), text
    assert FinancialYear.parse("2099/00") == FinancialYear(2099)  # the century turns in March 2100


@pytest.mark.parametrize("text", ["2025/27", "2025/25", "abc", "twenty", "25", "1999", "2101", "2025.5", "-1",
                                  "\uff12\uff10\uff12\uff15", "99999999999999999999", "", None])
def test_what_is_not_a_year_gets_one_message(text):
    with pytest.raises(YearError) as refused:
        FinancialYear.parse(text)
    assert str(refused.value) == "Choose a financial year between 2000 and 2100"


def test_a_page_may_refuse_years_after_a_latest_one():
    assert FinancialYear.parse("2026", latest=2026) == FinancialYear(2026)
    with pytest.raises(YearError, match="^Choose a financial year between 2000 and 2026$"):
        FinancialYear.parse("2027", latest=2026)


def test_a_year_picker_falls_back_on_the_pages_own_year_and_says_why():
    this_year = FinancialYear(2026)
    assert chosen_year(None, this_year) == (this_year, None)
    assert chosen_year("  ", this_year) == (this_year, None)
    assert chosen_year("2021/22", this_year) == (FinancialYear(2021), None)
    assert chosen_year("2021/23", this_year) == (this_year, "Choose a financial year between 2000 and 2100")


def test_the_years_offered_are_those_with_data_with_this_year_and_the_one_shown():
    offered = years_to_offer(FinancialYear(2026), 2030, with_data={2021, 2022, 2026})
    assert [y.label for y in offered] == ["2021/22", "2022/23", "2026/27", "2030/31"]
    assert years_to_offer(2026) == [FinancialYear(2026)]


def test_the_years_of_some_records_run_from_the_first_to_the_last():
    assert list(years_spanned(date(2024, 3, 31), date(2026, 4, 1))) == [2023, 2024, 2025, 2026]
    assert list(years_spanned(None, None)) == []
