"""The charts kit: SVG a screen reader can read, colours that can be seen, and never a chart without its table."""

from __future__ import annotations

import re

from flask import render_template_string

from core import charts
from core.charts import bar_chart, line_chart

MACRO = '{% from "macros/charts.html" import chart_and_table %}'


def _luminance(colour: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(one: str, two: str) -> float:
    high, low = sorted((_luminance(one), _luminance(two)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_a_bar_chart_is_an_image_named_by_its_title_and_described_value_by_value():
    svg = bar_chart("Referrals by sector, 2025/26", [("Education", 5), ("Faith <organisations>", 1)],
                    id_prefix="demo").svg
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert 'aria-labelledby="demo-title demo-desc"' in svg
    assert '<title id="demo-title">Referrals by sector, 2025/26</title>' in svg
    assert '<desc id="demo-desc">Education: 5; Faith &lt;organisations&gt;: 1.</desc>' in svg
    assert "<organisations>" not in svg  # labels are escaped
    # Each bar says its value as text: nothing depends on reading the bar's length.
    assert re.findall(r">(\d+)</text>", svg) == ["5", "1"]


def test_the_year_before_differs_by_outline_not_only_colour_and_is_named_in_a_legend():
    svg = bar_chart("Referrals", [("North", 6), ("South", 2)], id_prefix="las", second=[4, 3],
                    series=("2025/26", "2024/25")).svg
    assert 'data-legend="true"' in svg and ">2025/26</text>" in svg and ">2024/25</text>" in svg
    assert svg.count('stroke-dasharray="3 2"') == 3  # the legend's key and both of last year's bars
    assert "North: 6 2025/26, 4 2024/25; South: 2 2025/26, 3 2024/25." in svg


def test_a_line_chart_draws_a_point_with_its_value_for_each_label_in_order():
    chart = line_chart("Attendance by month", [("Apr", 3), ("May", 0), ("Jun", 7)], id_prefix="months",
                       second=[1, 2, 2], series=("2025/26", "2024/25"))
    svg = chart.svg
    assert 'role="img"' in svg and '<title id="months-title">Attendance by month</title>' in svg
    assert "Apr: 3 2025/26, 1 2024/25; May: 0 2025/26, 2 2024/25; Jun: 7 2025/26, 2 2024/25." in svg
    assert svg.count("<circle") == 3 and svg.count("<polyline") == 2
    assert 'stroke-dasharray="6 4"' in svg  # the year before is dashed, with square points
    xs = [float(x) for x in re.findall(r'<circle cx="([\d.]+)"', svg)]
    assert xs == sorted(xs)
    # Zero sits on the axis; the highest value at the top of the scale.
    ys = [float(y) for y in re.findall(r'<circle cx="[\d.]+" cy="([\d.]+)"', svg)]
    assert ys[1] == max(ys) and ys[2] == min(ys)


def test_no_inline_style_and_only_gov_uk_colours_with_enough_contrast():
    """The content security policy forbids inline styles; WCAG 2.2 asks 3:1 of what a graphic needs seen."""
    for chart in (bar_chart("A", [("x", 1)], id_prefix="a", second=[2]),
                  line_chart("B", [("x", 1), ("y", 2)], id_prefix="b", second=[2, 1])):
        svg = chart.svg
        assert "style=" not in svg and "<script" not in svg
        colours = set(re.findall(r'(?:fill|stroke)="(#[0-9a-f]{6})"', svg))
        assert colours <= {charts.BLUE, charts.INK, charts.WHITE}
    assert contrast(charts.BLUE, charts.WHITE) >= 3 and contrast(charts.INK, charts.WHITE) >= 3


def test_the_macro_shows_the_same_figures_as_a_table_after_the_chart(app):
    chart = bar_chart("Bookings by sector", [("Health", 4), ("Education", 2)], id_prefix="sectors", second=[3, 2],
                      series=("Bookings", "Attended"))
    with app.test_request_context():
        html = render_template_string(MACRO + '{{ chart_and_table(chart, "Sector") }}', chart=chart)
    assert html.index("<svg") < html.index("<table")
    table = html[html.index("<table"):]
    assert 'data-testid="sectors-table"' in table and ">Sector<" in table and ">Attended<" in table
    cells = re.findall(r'<td class="govuk-table__cell govuk-table__cell--numeric">\s*(\d+)\s*</td>', table)
    assert cells == ["4", "3", "2", "2"]


def test_a_page_may_give_its_own_table_but_never_shows_a_chart_without_one(app):
    chart = bar_chart("Referrals", [("North", 6)], id_prefix="own")
    empty = bar_chart("Referrals", [], id_prefix="none")
    with app.test_request_context():
        own = render_template_string(MACRO + '{% call chart_and_table(chart) %}<table id="mine"></table>{% endcall %}',
                                     chart=chart)
        nothing = render_template_string(MACRO + '{{ chart_and_table(chart, "Area") }}', chart=empty)
    assert "<svg" in own and '<table id="mine">' in own and own.count("<table") == 1
    # Nothing to draw: no chart, but the table (with its headings) still shows.
    assert "<svg" not in nothing and "<table" in nothing
