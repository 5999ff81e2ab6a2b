"""Bar and line charts as inline SVG drawn on the server: no script, no library, nothing from elsewhere.

Each chart is an image (``role="img"``) named by its ``<title>`` and ``<desc>`` through ``aria-labelledby``;
the description says every value, and every bar or point carries its value as text, so nothing depends on
seeing the shapes or telling colours apart. Pages show a chart only through the ``chart_and_table`` macro
(core/templates/macros/charts.html), which puts the same figures in a table straight after it.

A second series (the year before) differs by fill *and* outline (solid blue against white with a dashed
outline; a dashed line with square points) and is named in a legend. Colours are GOV.UK's: blue
``#1d70b8`` (5.2:1 on white) and black ``#0b0c0c``, both above the 3:1 WCAG 2.2 asks of graphics. Only
presentation attributes are used: the content security policy forbids inline styles.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from markupsafe import Markup, escape

INK = "#0b0c0c"  # GOV.UK black: text, outlines, the second series
BLUE = "#1d70b8"  # GOV.UK blue: the first series
WHITE = "#ffffff"
LABEL_W = 300
BAR_W = 360
ROW_H = 30
PAD = 12
VALUE_W = 60
LABEL_CHARS = 40
LEGEND_H = 28
# The line chart's plot area.
LINE_W = 640
LINE_H = 200
AXIS_W = 48
X_LABEL_H = 40


@dataclass(frozen=True)
class Chart:
    """What a chart shows, drawn as SVG by ``svg`` and set out as a table by the ``chart_and_table`` macro."""

    kind: str  # "bar" or "line"
    title: str
    id_prefix: str
    labels: tuple[str, ...]
    series: tuple[tuple[str, tuple], ...]  # (name, values), one value a label
    unit: str = ""

    @property
    def empty(self) -> bool:
        return not self.labels

    @property
    def svg(self) -> Markup:
        """The chart; empty when there is nothing to draw."""
        if self.empty:
            return Markup("")
        return _draw_bar(self) if self.kind == "bar" else _draw_line(self)

    def description(self) -> str:
        """Every value in words, for the SVG's ``<desc>``."""
        parts = []
        for index, label in enumerate(self.labels):
            values = [(name, values[index]) for name, values in self.series]
            if len(values) == 1:
                parts.append(f"{label}: {values[0][1]}{self.unit}")
            else:
                parts.append(f"{label}: " + ", ".join(f"{v}{self.unit} {name.lower()}" for name, v in values))
        return "; ".join(parts) + "."

    def table_rows(self) -> list[list]:
        """The label and each series' value, a row a label, for the table beside the chart."""
        return [[label, *(values[index] for _name, values in self.series)] for index, label in enumerate(self.labels)]


def bar_chart(title: str, rows: list[tuple[str, int]], *, id_prefix: str, second: list[int] | None = None,
              series: tuple[str, str] = ("This year", "Last year"), unit: str = "") -> Chart:
    """Horizontal bars, one row per (label, value); with ``second``, a bar of the year before under each."""
    named = ((series[0], tuple(v for _l, v in rows)),)
    if second is not None:
        named += ((series[1], tuple(second)),)
    return Chart("bar", title, id_prefix, tuple(label for label, _v in rows), named, unit)


def line_chart(title: str, points: list[tuple[str, int | float]], *, id_prefix: str,
               second: list[int | float] | None = None, series: tuple[str, str] = ("This year", "Last year"),
               unit: str = "") -> Chart:
    """A line through one point per (label, value), in order (months, years); with ``second``, a dashed line
    of the year before."""
    named = ((series[0], tuple(v for _l, v in points)),)
    if second is not None:
        named += ((series[1], tuple(second)),)
    return Chart("line", title, id_prefix, tuple(label for label, _v in points), named, unit)


# -- drawing ---------------------------------------------------------------------------------------------------


def _attrs(**attributes) -> str:
    return " ".join(f'{name.replace("_", "-")}="{escape(value)}"' for name, value in attributes.items()
                    if value is not None)


def _label(text: str) -> str:
    return textwrap.shorten(text, LABEL_CHARS, placeholder="\u2026")


# How each series looks, by position: solid blue, then white (or a dashed line) with a dashed black outline.
_LOOKS = ({"fill": BLUE, "stroke": INK}, {"fill": WHITE, "stroke": INK, "stroke_dasharray": "3 2"})
_LINES = ({"stroke": BLUE}, {"stroke": INK, "stroke_dasharray": "6 4"})


def _legend(chart: Chart) -> str:
    if len(chart.series) < 2:
        return ""
    parts = []
    for index, (name, _values) in enumerate(chart.series):
        x = PAD + index * 160
        parts.append(f'<rect {_attrs(x=x, y=PAD, width=16, height=16, **_LOOKS[index])}/>'
                     f'<text {_attrs(x=x + 22, y=PAD + 13, font_size="14")}>{escape(name)}</text>')
    return f'<g data-legend="true">{"".join(parts)}</g>'


def _svg(chart: Chart, width: int, height: int, body: str) -> Markup:
    prefix = escape(chart.id_prefix)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="100%" viewBox="0 0 {width} {height}" '
        f'preserveAspectRatio="xMinYMin meet" font-family="Arial, sans-serif" fill="{INK}" '
        f'aria-labelledby="{prefix}-title {prefix}-desc" data-testid="{prefix}-chart">'
        f'<title id="{prefix}-title">{escape(chart.title)}</title>'
        f'<desc id="{prefix}-desc">{escape(chart.description())}</desc>'
        f"{_legend(chart)}{body}</svg>"
    )


def _top(chart: Chart) -> float:
    return max((v for _name, values in chart.series for v in values), default=0) or 1


def _draw_bar(chart: Chart) -> Markup:
    top = _top(chart)
    legend_h = LEGEND_H if len(chart.series) > 1 else 0
    per_row = ROW_H * len(chart.series) + 8
    width = PAD * 2 + LABEL_W + BAR_W + VALUE_W
    height = PAD * 2 + legend_h + len(chart.labels) * per_row
    unit = escape(chart.unit)
    parts = []
    for index, label in enumerate(chart.labels):
        y = PAD + legend_h + index * per_row
        row = [f'<text {_attrs(x=PAD + LABEL_W - 8, y=y + 20, font_size="14", text_anchor="end")}>'
               f"{escape(_label(label))}</text>"]
        for offset, (name, values) in enumerate(chart.series):
            amount = values[index]
            bar_y = y + offset * ROW_H
            length = max(round(BAR_W * amount / top) if amount else 0, 1)
            row.append(f'<rect {_attrs(x=PAD + LABEL_W, y=bar_y + 4, width=length, height=ROW_H - 8, **_LOOKS[offset])}>'
                       f"<title>{escape(label)}, {escape(name.lower())}: {amount}{unit}</title></rect>")
            row.append(f'<text {_attrs(x=PAD + LABEL_W + length + 6, y=bar_y + 20, font_size="14")}>'
                       f"{amount}{unit}</text>")
        parts.append(f'<g data-row="{escape(label)}">{"".join(row)}</g>')
    return _svg(chart, width, height, "".join(parts))


def _draw_line(chart: Chart) -> Markup:
    top = _top(chart)
    legend_h = LEGEND_H if len(chart.series) > 1 else 0
    left, plot_top = PAD + AXIS_W, PAD + legend_h + 16  # room above the highest point for its value
    bottom = plot_top + LINE_H
    width, height = left + LINE_W + PAD, bottom + X_LABEL_H + PAD
    step = LINE_W / max(len(chart.labels) - 1, 1)
    unit = escape(chart.unit)

    def x(index: int) -> float:
        return round(left + index * step if len(chart.labels) > 1 else left + LINE_W / 2, 1)

    def y(value) -> float:
        return round(bottom - LINE_H * value / top, 1)

    parts = [
        # The axes, with the scale's ends marked, so the line reads against zero.
        f'<line {_attrs(x1=left, y1=bottom, x2=left + LINE_W, y2=bottom, stroke=INK)}/>',
        f'<line {_attrs(x1=left, y1=plot_top, x2=left, y2=bottom, stroke=INK)}/>',
        f'<text {_attrs(x=left - 6, y=bottom + 5, font_size="14", text_anchor="end")}>0</text>',
        f'<text {_attrs(x=left - 6, y=plot_top + 5, font_size="14", text_anchor="end")}>{top:g}{unit}</text>',
    ]
    for index, label in enumerate(chart.labels):
        parts.append(f'<text {_attrs(x=x(index), y=bottom + 22, font_size="14", text_anchor="middle")}>'
                     f"{escape(_label(label))}</text>")
    for offset, (name, values) in enumerate(chart.series):
        points = " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(values))
        line = [f'<polyline {_attrs(points=points, fill="none", stroke_width=3, **_LINES[offset])}/>']
        for index, value in enumerate(values):
            mark = {"fill": BLUE, "stroke": INK} if offset == 0 else {"fill": WHITE, "stroke": INK}
            title = f"<title>{escape(chart.labels[index])}, {escape(name.lower())}: {value}{unit}</title>"
            if offset == 0:  # round points, then square ones: told apart without colour
                line.append(f'<circle {_attrs(cx=x(index), cy=y(value), r=5, **mark)}>{title}</circle>')
            else:
                line.append(f'<rect {_attrs(x=x(index) - 5, y=y(value) - 5, width=10, height=10, **mark)}>{title}</rect>')
            line.append(f'<text {_attrs(x=x(index), y=y(value) - 10, font_size="14", text_anchor="middle")}>'
                        f"{value}{unit}</text>")
        parts.append(f'<g data-series="{escape(name)}">{"".join(line)}</g>')
    return _svg(chart, width, height, "".join(parts))
