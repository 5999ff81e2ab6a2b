"""The partnership's structure as a picture: an inline SVG drawn from the bodies and their reporting lines,
and the same tree as nested lists for a text alternative.

The picture is an indented tree, one body a row, each body under the one it is accountable to with a line
and an arrow up to it. Rows keep the text the same size however many bodies there are, where a top-down
chart would shrink to nothing with thirty groups under one board. Nothing depends on colour: a dissolved
body is dashed and says "(dissolved)", one under consideration is dotted and says so. Only presentation
attributes are used, since the content security policy forbids inline styles.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from core.structure.models import BODY_KINDS, BODY_STATUSES

PAD = 16
INDENT = 44
BOX_W = 440
BOX_H = 66
GAP = 18
MIN_WIDTH = 900  # the page's column: a small tree is drawn at about its real size, not blown up to fill it
NAME_CHARS = 46  # of 15px bold Arial in a box BOX_W wide, with room to spare
INK = "#0b0c0c"
STATUS_DASHES = {"dissolved": "8 5", "under_consideration": "2 4"}


@dataclass
class TreeNode:
    body: object
    children: list[TreeNode] = field(default_factory=list)
    depth: int = 0


def _sort_key(body):
    return (getattr(body, "position", 0) or 0, body.name, body.id or 0)


def structure_tree(bodies: Iterable) -> list[TreeNode]:
    """The bodies as a forest by reporting lines: the tops first, each with the groups that report to it.

    A body whose line leads outside the list (or round in a circle, which the rules refuse but old data
    might hold) is drawn as a top, so that every body appears exactly once."""
    bodies = sorted(bodies, key=_sort_key)
    by_id = {b.id: b for b in bodies}
    children: dict[int, list] = {}
    for body in bodies:
        if body.accountable_to_id in by_id and body.accountable_to_id != body.id:
            children.setdefault(body.accountable_to_id, []).append(body)
    placed: set[int] = set()

    def grow(body, depth: int) -> TreeNode:
        placed.add(body.id)
        node = TreeNode(body=body, depth=depth)
        for child in children.get(body.id, []):
            if child.id not in placed:
                node.children.append(grow(child, depth + 1))
        return node

    forest = [grow(b, 0) for b in bodies if b.accountable_to_id not in by_id or b.accountable_to_id == b.id]
    for body in bodies:  # what is left hangs in a circle: break it at the first body met
        if body.id not in placed:
            forest.append(grow(body, 0))
    return forest


def _rows(forest: Sequence[TreeNode]) -> list[TreeNode]:
    out: list[TreeNode] = []

    def walk(node: TreeNode) -> None:
        out.append(node)
        for child in node.children:
            walk(child)

    for node in forest:
        walk(node)
    return out


def status_words(body) -> str:
    """How the picture and the text alternative say a body's status ('' when it is active)."""
    if body.status == "active":
        return ""
    return f"({BODY_STATUSES.get(body.status, body.status).lower()})"


def _wrap(text: str, width: int = NAME_CHARS, lines: int = 2) -> list[str]:
    """The name in at most ``lines`` lines, cut with an ellipsis when longer (the box's title has it all)."""
    return textwrap.wrap(text, width, max_lines=lines, placeholder=" \u2026") or [""]


def _attrs(**attributes) -> str:
    return " ".join(f'{name.replace("_", "-")}="{escape(value)}"' for name, value in attributes.items()
                    if value is not None)


def structure_svg(bodies: Iterable, *, id_prefix: str = "structure") -> Markup:
    """The bodies and their reporting lines as an accessible inline SVG (empty when there are no bodies)."""
    forest = structure_tree(bodies)
    rows = _rows(forest)
    if not rows:
        return Markup("")
    prefix = escape(id_prefix)
    max_depth = max(node.depth for node in rows)
    width = max(MIN_WIDTH, PAD * 2 + max_depth * INDENT + BOX_W)
    height = PAD * 2 + len(rows) * BOX_H + (len(rows) - 1) * GAP
    place = {}
    for index, node in enumerate(rows):
        place[node.body.id] = (PAD + node.depth * INDENT, PAD + index * (BOX_H + GAP))

    lines_in_words = []
    line_parts, box_parts = [], []
    for node in rows:
        for child in node.children:
            lines_in_words.append(f"{child.body.name} is accountable to {node.body.name}")
            px, py = place[node.body.id]
            cx, cy = place[child.body.id]
            spine = px + INDENT // 2
            dashes = STATUS_DASHES.get(child.body.status)
            line_parts.append(
                f'<g data-from="{escape(child.body.id)}" data-to="{escape(node.body.id)}">'
                f"<title>{escape(child.body.name)} is accountable to {escape(node.body.name)}</title>"
                f'<path {_attrs(d=f"M {cx} {cy + BOX_H // 2} H {spine} V {py + BOX_H + 2}", fill="none", stroke=INK, stroke_width="2", stroke_dasharray=dashes, marker_end=f"url(#{prefix}-arrow)")}/>'
                "</g>"
            )
        body = node.body
        x, y = place[body.id]
        name_lines = _wrap(body.name)
        status = status_words(body)
        kind_line = BODY_KINDS.get(body.kind, body.kind) + (f" {status}" if status else "")
        full = body.name + (f", {BODY_KINDS.get(body.kind, body.kind).lower()}") + (f" {status}" if status else "")
        texts = "".join(
            f'<text {_attrs(x=x + 12, y=y + 22 + i * 17, font_size="15", font_weight="bold")}>{escape(line)}</text>'
            for i, line in enumerate(name_lines)
        )
        texts += f'<text {_attrs(x=x + 12, y=y + BOX_H - 10, font_size="13")}>{escape(kind_line)}</text>'
        box_parts.append(
            f'<g data-body="{escape(body.id)}" data-status="{escape(body.status)}">'
            f"<title>{escape(full)}</title>"
            f'<rect {_attrs(x=x, y=y, width=BOX_W, height=BOX_H, rx="4", fill="#ffffff" if body.status == "active" else "#f3f2f1", stroke=INK, stroke_width="2", stroke_dasharray=STATUS_DASHES.get(body.status))}/>'
            f"{texts}</g>"
        )

    count = len(rows)
    summary = f"{count} bod{'y' if count == 1 else 'ies'}."
    if lines_in_words:
        summary += " " + "; ".join(lines_in_words) + "."
    marker = (
        f'<defs><marker id="{prefix}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        f'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="{INK}"/></marker></defs>'
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="100%" viewBox="0 0 {width} {height}" '
        f'preserveAspectRatio="xMinYMin meet" font-family="Arial, sans-serif" fill="{INK}" '
        f'aria-labelledby="{prefix}-title {prefix}-desc" data-testid="structure-diagram">'
        f'<title id="{prefix}-title">The partnership\'s structure: who is accountable to whom</title>'
        f'<desc id="{prefix}-desc">{escape(summary)}</desc>'
        f"{marker}{''.join(line_parts)}{''.join(box_parts)}</svg>"
    )
    return Markup(svg)
