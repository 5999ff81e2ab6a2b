"""Bar charts as inline SVG drawn on the server: no script, no library, nothing from elsewhere.

Each chart is an image with a title and a description that says every value, and every bar carries its
value as text, so nothing depends on seeing the bars or telling colours apart; the page puts the same figures
in a table beside it. Two series (this year and last year) differ by fill *and* outline pattern (solid
against white with a dashed outline) and are named in a legend. Only presentation attributes are used: the
content security policy forbids inline styles.
"""

from __future__ import annotations

import textwrap

from markupsafe import Markup, escape

INK = "#0b0c0c"
BAR = "#1d70b8"
LABEL_W = 300
BAR_W = 360
ROW_H = 30
PAD = 12
VALUE_W = 60
LABEL_CHARS = 40


def _attrs(**attributes) -> str:
    return " ".join(f'{name.replace("_", "-")}="{escape(value)}"' for name, value in attributes.items()
                    if value is not None)


def _label(text: str) -> str:
    return textwrap.shorten(text, LABEL_CHARS, placeholder="\u2026")


def bar_chart(title: str, rows: list[tuple[str, int]], *, id_prefix: str, second: list[int] | None = None,
              series: tuple[str, str] = ("This year", "Last year"), unit: str = "") -> Markup:
    """Horizontal bars, one row per (label, value); with ``second``, a paler bar of the year before under
    each. Empty (no markup) when there is nothing to draw."""
    if not rows:
        return Markup("")
    prefix = escape(id_prefix)
    values = [v for _l, v in rows] + list(second or [])
    top = max(values) or 1
    per_row = ROW_H * (2 if second is not None else 1) + 8
    legend_h = 28 if second is not None else 0
    width = PAD * 2 + LABEL_W + BAR_W + VALUE_W
    height = PAD * 2 + legend_h + len(rows) * per_row
    parts = []
    if second is not None:
        parts.append(
            f'<g data-legend="true"><rect {_attrs(x=PAD, y=PAD, width=16, height=16, fill=BAR, stroke=INK)}/>'
            f'<text {_attrs(x=PAD + 22, y=PAD + 13, font_size="14")}>{escape(series[0])}</text>'
            f'<rect {_attrs(x=PAD + 160, y=PAD, width=16, height=16, fill="#ffffff", stroke=INK, stroke_dasharray="3 2")}/>'
            f'<text {_attrs(x=PAD + 182, y=PAD + 13, font_size="14")}>{escape(series[1])}</text></g>'
        )
    described = []
    for index, (label, value) in enumerate(rows):
        y = PAD + legend_h + index * per_row
        bars = [(value, series[0], {"fill": BAR, "stroke": INK})]
        if second is not None:
            bars.append((second[index], series[1], {"fill": "#ffffff", "stroke": INK, "stroke_dasharray": "3 2"}))
            described.append(f"{label}: {value}{unit} {series[0].lower()}, {second[index]}{unit} {series[1].lower()}")
        else:
            described.append(f"{label}: {value}{unit}")
        row = [f'<text {_attrs(x=PAD + LABEL_W - 8, y=y + 20, font_size="14", text_anchor="end")}>'
               f"{escape(_label(label))}</text>"]
        for offset, (amount, name, look) in enumerate(bars):
            bar_y = y + offset * ROW_H
            length = round(BAR_W * amount / top) if amount else 0
            row.append(f'<rect {_attrs(x=PAD + LABEL_W, y=bar_y + 4, width=max(length, 1), height=ROW_H - 8, **look)}>'
                       f"<title>{escape(label)}, {escape(name.lower())}: {amount}{escape(unit)}</title></rect>")
            row.append(f'<text {_attrs(x=PAD + LABEL_W + max(length, 1) + 6, y=bar_y + 20, font_size="14")}>'
                       f"{amount}{escape(unit)}</text>")
        parts.append(f'<g data-row="{escape(label)}">{"".join(row)}</g>')
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="100%" viewBox="0 0 {width} {height}" '
        f'preserveAspectRatio="xMinYMin meet" font-family="Arial, sans-serif" fill="{INK}" '
        f'aria-labelledby="{prefix}-title {prefix}-desc" data-testid="{prefix}-chart">'
        f'<title id="{prefix}-title">{escape(title)}</title>'
        f'<desc id="{prefix}-desc">{escape("; ".join(described))}.</desc>'
        f"{''.join(parts)}</svg>"
    )
    return Markup(svg)
