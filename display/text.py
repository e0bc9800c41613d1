"""Text on the screen: cleaning, wrapping, shrinking, ellipsis, and cached line surfaces.

A piece of text is laid out inside a box: it shrinks from its preferred size down to a
floor, wraps on words, and the last line ends with "…" if it still does not fit. Glyphs
the font lacks (most emoji) are dropped, never drawn as boxes. Every drawn text records a
``TextBox`` so tests can check that nothing overflows or overlaps.

    >>> from display.assets import Assets
    >>> texts = TextRenderer(Assets.load())
    >>> layout = texts.fit("Boulangerie Dupont", width=600, height=50, face="bold", px=36)
    >>> layout.lines
    ('Boulangerie Dupont',)
    >>> texts.fit("Boulangerie Dupont", width=300, height=50, face="bold", px=36).lines
    ('Boulangerie…',)
"""

from __future__ import annotations

import unicodedata
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

import pygame

from display.assets import Assets

ELLIPSIS = "…"
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRU(Generic[K, V]):
    """A dict bounded by a total weight (bytes for surfaces, 1 per entry otherwise)."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.weight = 0
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()

    def get(self, key: K) -> V | None:
        found = self._items.get(key)
        if found is None:
            return None
        self._items.move_to_end(key)
        return found[0]

    def put(self, key: K, value: V, weight: int = 1) -> V:
        old = self._items.pop(key, None)
        if old is not None:
            self.weight -= old[1]
        self._items[key] = (value, weight)
        self.weight += weight
        while self.weight > self.budget and len(self._items) > 1:
            _, (_, w) = self._items.popitem(last=False)
            self.weight -= w
        return value

    def clear(self) -> None:
        self._items.clear()
        self.weight = 0

    def __len__(self) -> int:
        return len(self._items)


def surface_bytes(surface: pygame.Surface) -> int:
    """Memory held by a surface's pixels."""
    return surface.get_width() * surface.get_height() * surface.get_bytesize()


@dataclass(frozen=True)
class TextBox:
    """One drawn text: where its ink may be, its text, size, role and the box it belongs in."""

    rect: pygame.Rect
    text: str
    font_px: int
    role: str
    container: pygame.Rect


@dataclass(frozen=True)
class Layout:
    """The lines of a text fitted in a box, at one face and size."""

    lines: tuple[str, ...]
    face: str
    px: int
    line_h: int
    widths: tuple[int, ...]

    @property
    def height(self) -> int:
        return self.line_h * len(self.lines)

    @property
    def width(self) -> int:
        return max(self.widths, default=0)

    @property
    def text(self) -> str:
        return " ".join(self.lines)


# Controls, joiners, variation selectors, unassigned and combining marks (after NFC).
_DROP_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Mn", "Me"}


_GLUE = (
    ("« ", "«\u00a0"),
    (" »", "\u00a0»"),
    (" :", "\u00a0:"),
    (" ;", "\u00a0;"),
    (" !", "\u00a0!"),
    (" ?", "\u00a0?"),
)


class TextRenderer:
    """Lays out and renders text with bounded caches keyed by content.

    ``cached=False`` renders everything afresh (the bench's naive mode).
    """

    def __init__(self, assets: Assets, *, cached: bool = True, budget_bytes: int = 24 << 20):
        self.assets = assets
        self.cached = cached
        self._layouts: LRU[tuple, Layout] = LRU(1024)
        self._surfaces: LRU[tuple, pygame.Surface] = LRU(budget_bytes)
        self._glyphs: dict[tuple[str, str], bool] = {}
        self._notdef: dict[str, tuple[object, bytes]] = {}

    # --- glyph support -------------------------------------------------------------

    def _has_glyph(self, face: str, char: str) -> bool:
        key = (face, char)
        known = self._glyphs.get(key)
        if known is not None:
            return known
        font = self.assets.font(face, 24)
        if face not in self._notdef:
            missing = "\U0010fffd"  # a private-use code point no text font maps
            self._notdef[face] = (
                font.metrics(missing),
                pygame.image.tobytes(font.render(missing, False, (255, 255, 255)), "RGBA"),
            )
        metrics = font.metrics(char)
        ok = bool(metrics) and metrics[0] is not None
        if ok and metrics == self._notdef[face][0]:
            # Same box as the "missing glyph" shape: compare the drawn pixels to be sure.
            drawn = pygame.image.tobytes(font.render(char, False, (255, 255, 255)), "RGBA")
            ok = drawn != self._notdef[face][1]
        self._glyphs[key] = ok
        return ok

    def clean(self, text: str, face: str = "regular") -> str:
        """Normalise ``text`` for the screen: one line, no glyph the font lacks.

        Emoji and symbols the font cannot draw are dropped (as are joiners and variation
        selectors), then runs of spaces collapse.
        """
        text = unicodedata.normalize("NFC", text)
        out: list[str] = []
        for char in text:
            if char.isspace():
                out.append(" ")
                continue
            if unicodedata.category(char) in _DROP_CATEGORIES:
                continue
            if ord(char) < 0x250 or self._has_glyph(face, char):
                # Latin letters and punctuation are always in the font.
                out.append(char)
        text = " ".join("".join(out).split())
        # French typography: never break a line between a word and « » : ; ! ?
        for before, after in _GLUE:
            text = text.replace(before, after)
        return text

    # --- layout --------------------------------------------------------------------

    def fit(
        self,
        text: str,
        *,
        width: int,
        height: int,
        face: str,
        px: int,
        min_px: int | None = None,
        max_lines: int = 1,
    ) -> Layout:
        """Fit ``text`` in ``width``×``height``: shrink towards ``min_px``, wrap, then "…".

        Returns a Layout with at least one line (possibly just "…" for an absurdly narrow
        box); its height never exceeds ``height`` unless one line alone is taller.
        """
        key = (text, width, height, face, px, min_px, max_lines)
        if self.cached:
            found = self._layouts.get(key)
            if found is not None:
                return found
        layout = self._fit(text, width, height, face, px, min_px or px, max_lines)
        if self.cached:
            self._layouts.put(key, layout)
        return layout

    def _fit(
        self, text: str, width: int, height: int, face: str, px: int, min_px: int, max_lines: int
    ) -> Layout:
        clean = self.clean(text, face)
        size = px
        while True:
            font = self.assets.font(face, size)
            line_h = font.get_linesize()
            lines_fit = max(1, min(max_lines, height // line_h))
            lines, overflow = _wrap(font, clean, width, lines_fit)
            if not overflow or size <= min_px:
                break
            # Even sizes only: fewer distinct fonts to keep open.
            size = max(min_px, int(size * 0.92) // 2 * 2)
        if overflow:
            lines = [*lines[:-1], _ellipsize(font, overflow, width)]
        widths = tuple(font.size(line)[0] for line in lines)
        return Layout(tuple(lines), face, size, line_h, widths)

    # --- rendering -----------------------------------------------------------------

    def line(self, text: str, face: str, px: int, colour: tuple[int, int, int]) -> pygame.Surface:
        """Render one already-laid-out line (cached by content)."""
        key = (text, face, px, colour)
        if self.cached:
            found = self._surfaces.get(key)
            if found is not None:
                return found
        surface = self.assets.font(face, px).render(text, True, colour)
        if self.cached:
            self._surfaces.put(key, surface, surface_bytes(surface))
        return surface

    def cache_bytes(self) -> int:
        """Pixels held by the surface cache."""
        return self._surfaces.weight


def _wrap(font: pygame.font.Font, text: str, width: int, max_lines: int) -> tuple[list[str], str]:
    """Greedy word wrap. Returns (lines, overflow) where overflow is the last line plus
    everything that did not fit ("" when it all fits)."""
    if not text:
        return [""], ""
    words = text.split(" ")
    lines: list[str] = []
    current = ""
    i = 0
    while i < len(words):
        word = words[i]
        candidate = f"{current} {word}" if current else word
        if font.size(candidate)[0] <= width:
            current = candidate
            i += 1
            continue
        if not current:
            # A single word wider than the box: break it where it overflows.
            cut = _longest_prefix(font, word, width)
            current, words[i] = word[:cut], word[cut:]
        lines.append(current)
        current = ""
        if len(lines) == max_lines:
            rest = " ".join(words[i:])
            return lines, f"{lines[-1]} {rest}".strip()
    lines.append(current)
    if len(lines) > max_lines:
        return lines[:max_lines], " ".join(lines[max_lines - 1 :])
    return lines, ""


def _longest_prefix(font: pygame.font.Font, text: str, width: int, suffix: str = "") -> int:
    """Length of the longest prefix of ``text`` that fits with ``suffix`` (at least 1)."""
    lo, hi = 1, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if font.size(text[:mid] + suffix)[0] <= width:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _ellipsize(font: pygame.font.Font, text: str, width: int) -> str:
    """``text`` cut to fit ``width`` with a final "…", at a word boundary when cheap."""
    if font.size(text)[0] <= width:
        return text
    if font.size(ELLIPSIS)[0] > width:
        return ELLIPSIS
    cut = _longest_prefix(font, text, width, ELLIPSIS)
    head = text[:cut]
    space = head.rfind(" ")
    if space > len(head) * 0.6:
        head = head[:space]
    return head.rstrip(" \u00a0,;:·—-") + ELLIPSIS
