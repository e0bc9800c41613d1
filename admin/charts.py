"""Small charts drawn on the server as inline SVG: readable on a phone, no JavaScript needed.

Every chart carries a title and a description for screen readers (``role="img"``), writes its
values as text beside the bars (never colour alone) and scales with the page's width. Texts
are escaped here; the result is safe to insert as is.

    svg = bar_pairs([("juin", 4, 2), ("juil.", 6, 5)], ("ouvertes", "pourvues"), "Offres")
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from html import escape

from markupsafe import Markup

from api.domain import urgency

# Colours with enough contrast on white (WCAG AA for the text drawn in them).
FIRST = "#00437a"  # the page's brand blue
SECOND = "#0b6b3a"  # the page's « ok » green
INK = "#1a1a1a"
MUTED = "#4a4f57"
LINE = "#c9ced6"
WIDTH = 340  # the viewBox's width; the picture itself takes the page's width
FONT = 'font-family="system-ui, sans-serif"'


def _svg(title: str, description: str, height: int, body: list[str]) -> Markup:
    key = hashlib.sha1(f"{title}\n{description}".encode()).hexdigest()[:8]
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="t{key} d{key}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="t{key}">{escape(title)}</title><desc id="d{key}">{escape(description)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def _text(x: float, y: float, text: str, *, size: int = 14, fill: str = INK, **attrs: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{escape(v)}"' for k, v in attrs.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}" {FONT}{extra}>'
        f"{escape(text)}</text>"
    )


def bar_pairs(rows: Sequence[tuple[str, int, int]], names: tuple[str, str], title: str) -> Markup:
    """Two bars per month (``(label, first, second)``), their values above, a legend below."""
    height, top, base = 190, 18, 150
    step = WIDTH / max(1, len(rows))
    bar = min(18.0, step / 2 - 4)
    peak = max([1, *(max(a, b) for _, a, b in rows)])
    body = [f'<line x1="0" y1="{base}" x2="{WIDTH}" y2="{base}" stroke="{LINE}"/>']
    for i, (label, first, second) in enumerate(rows):
        centre = step * i + step / 2
        for value, colour, x in ((first, FIRST, centre - bar - 1), (second, SECOND, centre + 1)):
            h = (base - top) * value / peak
            body.append(
                f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{colour}"/>'
            )
            body.append(_text(x + bar / 2, base - h - 3, str(value), size=13, text_anchor="middle"))
        body.append(_text(centre, base + 17, label, size=13, fill=MUTED, text_anchor="middle"))
    for j, (name, colour) in enumerate(zip(names, (FIRST, SECOND), strict=True)):
        x = 4 + j * WIDTH / 2
        body.append(f'<rect x="{x}" y="{height - 16}" width="12" height="12" fill="{colour}"/>')
        body.append(_text(x + 17, height - 6, name, size=14))
    description = "; ".join(f"{label} : {a} {names[0]}, {b} {names[1]}" for label, a, b in rows)
    return _svg(title, description, height, body)


def bars(rows: Sequence[tuple[str, int]], title: str, unit: str) -> Markup:
    """One bar per month with its value above."""
    height, top, base = 170, 18, 145
    step = WIDTH / max(1, len(rows))
    bar = min(28.0, step - 10)
    peak = max([1, *(value for _, value in rows)])
    body = [f'<line x1="0" y1="{base}" x2="{WIDTH}" y2="{base}" stroke="{LINE}"/>']
    for i, (label, value) in enumerate(rows):
        centre = step * i + step / 2
        h = (base - top) * value / peak
        body.append(
            f'<rect x="{centre - bar / 2:.1f}" y="{base - h:.1f}" width="{bar:.1f}" '
            f'height="{h:.1f}" fill="{FIRST}"/>'
        )
        body.append(_text(centre, base - h - 3, str(value), size=13, text_anchor="middle"))
        body.append(_text(centre, base + 17, label, size=13, fill=MUTED, text_anchor="middle"))
    description = "; ".join(f"{label} : {value} {unit}" for label, value in rows)
    return _svg(title, description, height, body)


def level_bars(rows: Sequence[tuple[int, str, float | None, str]], title: str) -> Markup:
    """One horizontal bar per urgency level (``(level, label, value, value in words)``)."""
    row_h, label_w = 36, 118
    height = row_h * len(rows) + 4
    peak = max([1.0, *(value or 0.0 for _, _, value, _ in rows)])
    room = WIDTH - label_w - 70
    body = []
    for i, (level, label, value, words) in enumerate(rows):
        y = i * row_h + 4
        style = urgency.describe(level)
        body.append(_text(0, y + 19, label, size=14))
        w = room * (value or 0.0) / peak
        body.append(
            f'<rect x="{label_w}" y="{y + 5}" width="{max(w, 2):.1f}" height="20" '
            f'fill="{style.colour}" stroke="{INK}" stroke-width="0.5"/>'
        )
        body.append(_text(label_w + max(w, 2) + 5, y + 19, words, size=14))
    description = "; ".join(f"{label} : {words}" for _, label, _, words in rows)
    return _svg(title, description, height, body)
