"""« Offres en cours »: the board's cards, paged, each with its QR code.

New offers (``is_new``: opened in the last 48 hours) come first, on the first page, marked
« NOUVEAU »: a passer-by sees them the day they arrive, not once every few minutes on the
last page. The others keep the snapshot's order, the board's order as the server sorts it
(most urgent first, then the longest open, then by id: ``api.services.offers``), so the
corridor and the staff pages list the board alike.

Urgency is shown three ways on every card: the band's colour, its French label and a
shape. The heading counts the offers of each level with the same colour and shape. When
more offers exist than fit legibly, pages take turns ("page 2/5").

A landscape screen lays the cards out in a grid of equal cells. A portrait screen is
narrow for text 1/30 of its height: its cards stack in one column, each as tall as its
text needs, so titles and employers wrap over lines instead of being cut, and a page
holds as many cards as fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import pygame

from api.contract import PlaylistScene, Snapshot, SnapshotOffer
from display.assets import Assets
from display.french import agree, plural
from display.qr import QUIET_ZONE, qr_matrix
from display.scenes.base import Canvas, Scene, centred_message, draw_shape, heading
from display.text import TextRenderer
from display.theme import Theme, urgency_style

PREFERRED_TEXT_CHARS = 24  # a card's text column must hold about this many characters
MAX_COLUMNS = 3
QR_RESERVE_MODULES = 33  # beyond a version-4 code, modules shrink to fit the card
TITLE = "Offres en cours"
PORTRAIT_MAX_LINES = 3  # a portrait card's title or employer wraps over this many lines


def board(snapshot: Snapshot) -> list[SnapshotOffer]:
    """The offers in the order the screen shows them: new ones first, then the others,
    each group in the snapshot's (the board's) order."""
    offers = snapshot.offers
    return [o for o in offers if o.is_new] + [o for o in offers if not o.is_new]


def level_counts(offers: list[SnapshotOffer]) -> list[tuple[int, int]]:
    """(level, offers) for each urgency level present, the most urgent first."""
    found: dict[int, int] = {}
    for offer in offers:
        level = urgency_style(offer.urgency.level).level
        found[level] = found.get(level, 0) + 1
    return sorted(found.items(), reverse=True)


@lru_cache(maxsize=1024)
def _qr_modules(url: str) -> int:
    return len(qr_matrix(url))


def qr_modules(snapshot: Snapshot) -> int:
    """Modules per side (quiet zone included) of the largest code the cards must hold."""
    largest = max((_qr_modules(o.qr_url) for o in snapshot.offers), default=21)
    return min(largest, QR_RESERVE_MODULES) + 2 * QUIET_ZONE


@dataclass(frozen=True)
class Grid:
    """How cards are arranged in the content area."""

    cols: int
    rows: int
    top: int  # below the heading
    card_w: int
    card_h: int

    @property
    def per_page(self) -> int:
        return self.cols * self.rows

    def card_rect(self, index: int, gap: int) -> pygame.Rect:
        col, row = index % self.cols, index // self.cols
        return pygame.Rect(
            col * (self.card_w + gap),
            self.top + row * (self.card_h + gap),
            self.card_w,
            self.card_h,
        )


@dataclass(frozen=True)
class CardSizes:
    """Pixel sizes inside one card, from the theme and fonts."""

    pad: int  # left of the text, between text and QR code
    pad_y: int  # above and below the text, under the band
    band_h: int
    title_px: int
    title_h: int
    body_h: int
    gap: int  # between the title and the lines under it

    @property
    def text_min_h(self) -> int:
        """The primary lines: title, employer, contract · commune, days and candidates."""
        return self.title_h + 3 * self.body_h


def card_sizes(theme: Theme, fonts) -> CardSizes:
    title_px = theme.text_px(1.15)
    return CardSizes(
        pad=theme.u(18),
        pad_y=theme.u(10),
        band_h=round(fonts("bold", theme.min_px).get_linesize() * 1.2),
        title_px=title_px,
        title_h=fonts("condensed_bold", title_px).get_linesize(),
        body_h=fonts("condensed", theme.min_px).get_linesize(),
        gap=theme.u(4),
    )


class OffersScene(Scene):
    name = PlaylistScene.OFFERS
    view_seconds = 12.0

    def __init__(self) -> None:
        # Portrait pages depend on measured text: one renderer to measure with, and the
        # pages of the last few (snapshot, size) pairs (the snapshot is held with its pages,
        # so its id stays its own).
        self._measure: TextRenderer | None = None
        self._column_pages: dict[tuple[int, int, int], tuple[Snapshot, list[range]]] = {}

    # --- geometry ------------------------------------------------------------------

    @staticmethod
    def heading_h(theme: Theme, fonts) -> int:
        """Height of the heading (in portrait, the row of counts standing for it)."""
        if theme.portrait:
            return fonts("bold", theme.min_px).get_linesize() + theme.u(18)
        return fonts("bold", theme.heading_px).get_linesize() + theme.u(18)

    def grid(self, theme: Theme, fonts, content: tuple[int, int], modules: int) -> Grid:
        """The densest legible arrangement of cards in ``content`` (w, h).

        Each card holds its primary lines beside a QR code of ``modules`` per side at
        full module size; among arrangements showing as many cards, fewer and wider
        columns win (less wrapping).
        """
        cw, ch = content
        s = card_sizes(theme, fonts)
        top = self.heading_h(theme, fonts)
        qr = modules * theme.qr_module
        text_min_w = PREFERRED_TEXT_CHARS * theme.min_px * 0.55
        card_min_w = s.pad + text_min_w + s.pad + qr + s.pad_y
        card_min_h = max(s.band_h + 2 * s.pad_y + s.text_min_h, qr + 2 * s.pad_y)
        grid_h = ch - top
        fit_cols = max(1, min(MAX_COLUMNS, int((cw + theme.gap) // (card_min_w + theme.gap))))
        rows = max(1, int((grid_h + theme.gap) // (card_min_h + theme.gap)))
        cols = fit_cols
        # Fewer, wider columns when the page still shows as many cards.
        while cols > 1 and (cols - 1) * rows >= cols * rows:
            cols -= 1
        card_w = (cw - (cols - 1) * theme.gap) // cols
        card_h = (grid_h - (rows - 1) * theme.gap) // rows
        return Grid(cols, rows, top, card_w, card_h)

    def _grid(self, snapshot: Snapshot, theme: Theme, fonts, content) -> Grid:
        return self.grid(theme, fonts, content, qr_modules(snapshot))

    def page_ranges(self, snapshot: Snapshot, theme: Theme, assets: Assets) -> list[range]:
        """Which offers of ``board(snapshot)`` each page shows."""
        count = len(snapshot.offers)
        if theme.portrait:
            return self._column(snapshot, theme, assets)
        grid = self._grid(snapshot, theme, assets.font, theme.content_size)
        per = grid.per_page
        return [range(i, min(i + per, count)) for i in range(0, count, per)] or [range(0)]

    def views(self, snapshot: Snapshot, theme: Theme, assets: Assets, now: datetime) -> int:
        # At least one view: an empty agency gets its friendly empty state.
        return len(self.page_ranges(snapshot, theme, assets))

    # --- drawing -------------------------------------------------------------------

    def draw(self, canvas: Canvas, snapshot: Snapshot, view: int, now: datetime) -> None:
        theme = canvas.theme
        fonts = canvas.texts.assets.font
        offers = board(snapshot)
        if not offers:
            heading(canvas, TITLE)
            centred_message(
                canvas,
                "Aucune offre en cours",
                "Toutes les offres ont trouvé preneur. Bravo à toute l'équipe !",
                shape="check",
            )
            return
        ranges = self.page_ranges(snapshot, theme, canvas.texts.assets)
        page = view % len(ranges)
        shown = [offers[i] for i in ranges[page]]
        top = self._heading(canvas, offers, page, len(ranges))
        if theme.portrait:
            y = top
            for offer in shown:
                height = self._column_card(canvas, offer, y, draw=True)
                y += height + column_gap(theme)
            return
        grid = self._grid(snapshot, theme, fonts, canvas.bounds.size)
        for i, offer in enumerate(shown):
            self._card(canvas, offer, grid.card_rect(i, theme.gap))

    # --- heading and counts -----------------------------------------------------------

    def _heading(self, canvas: Canvas, offers: list[SnapshotOffer], page: int, pages: int) -> int:
        """Title, page and the count of offers of each urgency level; returns its bottom."""
        theme = canvas.theme
        counts = level_counts(offers)
        pages_text = [f"page {page + 1}/{pages}", f"{page + 1}/{pages}"] if pages > 1 else [""]
        fonts = canvas.texts.assets.font
        chip_h = fonts("bold", theme.min_px).get_linesize()
        if theme.portrait:
            # A narrow screen gives the heading's row to the counts: the coloured shapes
            # and numbers head the column of cards, the page on the right.
            bar = pygame.Rect(0, theme.u(8), theme.u(10), chip_h - theme.u(16))
            canvas.fill(bar, theme.palette.accent, radius=theme.u(4))
            left = bar.right + theme.u(22)
            for words, text in [(w, t) for w in (True, False) for t in pages_text]:
                page_w = canvas.fit(text, canvas.bounds, px=theme.min_px).width if text else 0
                chips_w = self._chips(canvas, counts, words, left, 0, draw=False)
                if left + chips_w + (theme.gap * 2 + page_w if text else 0) <= canvas.bounds.width:
                    break
            self._chips(canvas, counts, words, left, 0, draw=True)
            if text:
                canvas.text(
                    text,
                    pygame.Rect(canvas.bounds.right - page_w, 0, page_w, chip_h),
                    px=theme.min_px,
                    colour=theme.palette.muted,
                    valign="middle",
                    align="right",
                    role="aside",
                )
            return self.heading_h(theme, fonts)
        title_px = theme.heading_px
        line_h = fonts("bold", title_px).get_linesize()
        title_w = canvas.fit(TITLE, canvas.bounds, px=title_px, face="bold").width
        free = canvas.bounds.width - theme.u(32) - title_w - 2 * theme.gap
        for words in (True, False):
            chips_w = self._chips(canvas, counts, words, 0, 0, draw=False)
            for text in pages_text:
                page_w = canvas.fit(text, canvas.bounds, px=theme.min_px).width if text else 0
                if chips_w + page_w + 2 * theme.gap <= free:
                    heading(canvas, TITLE, text or None)
                    right = canvas.bounds.width - page_w - (2 * theme.gap if text else 0)
                    self._chips(
                        canvas, counts, words, right - chips_w, (line_h - chip_h) // 2, draw=True
                    )
                    return self.heading_h(theme, fonts)
        heading(canvas, TITLE, pages_text)  # too narrow for counts: the page alone
        return self.heading_h(theme, fonts)

    def _chips(
        self,
        canvas: Canvas,
        counts: list[tuple[int, int]],
        words: bool,
        x: int,
        y: int,
        *,
        draw: bool,
    ) -> int:
        """The counts per level: a pill in the level's colour with its shape and number,
        then (``words``) the level's label agreed with the number. Returns the width."""
        theme = canvas.theme
        px = theme.min_px
        fonts = canvas.texts.assets.font
        h = fonts("bold", px).get_linesize()
        inner = round(px * 0.3)
        icon_side = round(px * 0.75)
        start = x
        for i, (level, n) in enumerate(counts):
            if i:
                x += round(px * (0.9 if words else 0.45))
            style = urgency_style(level)
            number = str(n)
            number_w = canvas.fit(number, pygame.Rect(0, 0, 10**4, h), px=px, face="bold").width
            pill = pygame.Rect(x, y, inner + icon_side + inner // 2 + number_w + inner, h)
            label = agree(style.label, n, feminine=True)
            label_w = (
                canvas.fit(label, pygame.Rect(0, 0, 10**4, h), px=px, face="condensed").width
                if words
                else 0
            )
            if draw:
                canvas.fill(pill, style.colour, radius=theme.u(10))
                icon = pygame.Rect(pill.left + inner, 0, icon_side, icon_side)
                icon.centery = pill.centery
                draw_shape(canvas.surface, style.icon, icon, style.ink)
                canvas.text(
                    number,
                    pygame.Rect(icon.right + inner // 2, y, number_w, h),
                    px=px,
                    face="bold",
                    colour=style.ink,
                    role="urgency-count",
                )
                canvas.region(pill, "urgency-count", (level, n))
                if words:
                    canvas.text(
                        label,
                        pygame.Rect(pill.right + theme.u(10), y, label_w, h),
                        px=px,
                        face="condensed",
                        role="urgency-count-label",
                    )
            x = pill.right + (theme.u(10) + label_w if words else 0)
        return x - start

    # --- portrait: one column of cards as tall as their text -------------------------

    def _column(self, snapshot: Snapshot, theme: Theme, assets: Assets) -> list[range]:
        """Pages of a portrait screen: as many whole cards as the column holds."""
        key = (id(snapshot), theme.width, theme.height)
        found = self._column_pages.get(key)
        if found is not None and found[0] is snapshot:
            return found[1]
        if self._measure is None or self._measure.assets is not assets:
            self._measure = TextRenderer(assets)
        offers = board(snapshot)
        room = theme.content_size[1] - self.heading_h(theme, assets.font)
        pages: list[range] = []
        first, used = 0, 0
        for i, offer in enumerate(offers):
            height = _column_plan(theme, self._measure, offer).height
            if i > first and used + column_gap(theme) + height > room:
                pages.append(range(first, i))
                first, used = i, height
            else:
                used += (column_gap(theme) if i > first else 0) + height
        pages.append(range(first, len(offers)))
        if len(self._column_pages) >= 4:
            self._column_pages.clear()
        self._column_pages[key] = (snapshot, pages)
        return pages

    def _column_card(self, canvas: Canvas, offer: SnapshotOffer, top: int, *, draw: bool) -> int:
        """Draw a portrait card at ``top``; return its height."""
        theme = canvas.theme
        pal = theme.palette
        plan = _column_plan(theme, canvas.texts, offer)
        if not draw:
            return plan.height
        rect = pygame.Rect(0, top, canvas.bounds.width, plan.height)
        canvas.fill(rect, pal.card, radius=theme.radius)
        band = pygame.Rect(rect.left, rect.top, rect.width, plan.band_h)
        style = urgency_style(offer.urgency.level)
        canvas.fill(
            band,
            style.colour,
            border_top_left_radius=theme.radius,
            border_top_right_radius=theme.radius,
        )
        canvas.region(band, "urgency-band", style.level)
        pad = plan.pad
        icon_side = round(theme.min_px * 0.9)
        icon = pygame.Rect(band.left + pad, 0, icon_side, icon_side)
        icon.centery = band.centery
        canvas.icon(style.icon, icon, style.ink)
        label_left = icon.right + theme.u(14)
        right_w = 0
        if offer.is_new:
            right_w = self._new_badge(canvas, band, pad, band.width)
        else:
            days = _days(offer.days_open)
            layout = canvas.fit(days, band, px=theme.min_px, face="condensed_bold")
            right_w = layout.width + theme.u(24)
            canvas.text(
                days,
                pygame.Rect(band.right - pad - layout.width, band.top, layout.width, band.height),
                px=theme.min_px,
                face="condensed_bold",
                colour=style.ink,
                valign="middle",
                role="offer-stats",
                layout=layout,
            )
        canvas.text(
            style.label.upper(),
            pygame.Rect(label_left, band.top, band.right - pad - right_w - label_left, band.height),
            px=theme.min_px,
            face="bold",
            colour=style.ink,
            valign="middle",
            role="urgency-label",
        )
        qr_top = band.bottom + plan.pad_y
        canvas.qr(
            offer.qr_url, (rect.right - plan.qr_margin - plan.qr_side, qr_top), plan.module_px
        )
        colours = {
            "offer-title": pal.text,
            "offer-employer": pal.text,
            "offer-meta": pal.muted,
            "offer-tags": pal.accent,
        }
        for role, layout, (x, y, w, h) in plan.rows:
            canvas.text(
                layout.text,
                pygame.Rect(rect.left + x, top + y, w, h),
                px=layout.px,
                face=layout.face,
                colour=colours[role],
                role=role,
                layout=layout,
            )
        return plan.height

    def _card(self, canvas: Canvas, offer: SnapshotOffer, rect: pygame.Rect) -> None:
        theme = canvas.theme
        s = card_sizes(theme, canvas.texts.assets.font)
        canvas.fill(rect, theme.palette.card, radius=theme.radius)

        # The QR code at the card's right: under a full-width band when the card is tall
        # enough, else beside the band, as tall as the card. An unusually long URL makes a
        # denser code: modules shrink to fit (never below 2 px), or the code is left out
        # rather than spill over the text.
        modules = canvas.qrs.side(offer.qr_url, 1)
        under = rect.height - s.band_h - 2 * s.pad_y >= modules * theme.qr_module
        top = rect.top + s.band_h if under else rect.top
        room = pygame.Rect(rect.left, top, rect.width, rect.bottom - top)
        module_px = min(
            theme.qr_module, (room.height - 2 * s.pad_y) // modules, (rect.width // 2) // modules
        )
        text_right = rect.right
        if module_px >= 2:
            side = modules * module_px
            margin = max(s.pad_y, min(s.pad, (room.height - side) // 2))
            qr_rect = pygame.Rect(0, 0, side, side)
            qr_rect.right = rect.right - margin
            qr_rect.centery = room.centery
            canvas.qr(offer.qr_url, qr_rect.topleft, module_px)
            text_right = qr_rect.left - s.pad

        band = pygame.Rect(rect.left, rect.top, rect.width, s.band_h)
        if not under:
            band.width = text_right - rect.left
        badged = self._band(canvas, offer, band, s, full=under)
        col = pygame.Rect(
            rect.left + s.pad,
            band.bottom + s.pad_y,
            text_right - rect.left - s.pad,
            rect.bottom - band.bottom - 2 * s.pad_y,
        )
        self._details(canvas, offer, col, s, new_mark=offer.is_new and not badged)

    def _band(
        self, canvas: Canvas, offer: SnapshotOffer, band: pygame.Rect, s: CardSizes, *, full: bool
    ) -> bool:
        """The urgency band: colour, shape and label together, never colour alone.

        Returns whether the « NOUVEAU » badge found room in it.
        """
        theme = canvas.theme
        style = urgency_style(offer.urgency.level)
        canvas.fill(
            band,
            style.colour,
            border_top_left_radius=theme.radius,
            # Beside the QR code the band ends in a rounded tab.
            border_top_right_radius=theme.radius,
            border_bottom_right_radius=0 if full else theme.radius,
        )
        canvas.region(band, "urgency-band", style.level)
        icon_side = round(theme.min_px * 0.9)
        icon = pygame.Rect(band.left + s.pad, 0, icon_side, icon_side)
        icon.centery = band.centery
        canvas.icon(style.icon, icon, style.ink)
        label_left = icon.right + theme.u(14)
        label = style.label.upper()
        label_w = canvas.fit(
            label, pygame.Rect(0, 0, band.width, band.height), px=theme.min_px, face="bold"
        ).width
        badge_w = 0
        if offer.is_new:
            # The label never gives way to the badge: « NOUVEAU » only where both fit.
            room = band.right - s.pad - label_left - label_w
            badge_w = self._new_badge(canvas, band, s.pad, room)
        canvas.text(
            label,
            pygame.Rect(
                label_left, band.top, band.right - s.pad - badge_w - label_left, band.height
            ),
            px=theme.min_px,
            face="bold",
            colour=style.ink,
            valign="middle",
            role="urgency-label",
        )
        return badge_w > 0

    def _details(
        self,
        canvas: Canvas,
        offer: SnapshotOffer,
        col: pygame.Rect,
        s: CardSizes,
        *,
        new_mark: bool,
    ) -> None:
        """Title, employer, contract · commune and the first tag from the top; days and
        candidates at the bottom. The tag's line comes before second lines of the others."""
        theme = canvas.theme
        pal = theme.palette
        px = theme.min_px
        probe = pygame.Rect(0, 0, col.width, 2 * s.title_h)

        def need(text: str, face: str, size: int) -> int:
            return len(canvas.fit(text, probe, px=size, face=face, max_lines=2).lines)

        stats = f"{_days(offer.days_open)} · {_candidates(offer.candidates_count)}"
        if new_mark:  # no room for the badge in the band: said on the stats line instead
            stats = f"NOUVEAU · {stats}"
        meta = f"{offer.contract} · {offer.commune}"
        if offer.positions > 1:
            meta = f"{meta} · {offer.positions} postes"
        lines = {"title": 1, "employer": 1, "meta": 1, "stats": 1, "tags": 0}
        spare = col.height - s.text_min_h
        if spare < 0:  # a cramped card: the employer stands in for contract · commune
            lines["meta"] = 0
            spare += s.body_h
        tag = card_tag(offer)
        if tag and spare >= s.body_h + s.gap:
            lines["tags"] = 1
            spare -= s.body_h
        extras = [
            ("stats", stats, "condensed", px, s.body_h),
            ("title", offer.title, "condensed_bold", s.title_px, s.title_h),
            ("employer", offer.employer, "condensed", px, s.body_h),
            ("meta", meta, "condensed", px, s.body_h),
        ]
        for key, text, face, size, line_h in extras:
            if lines[key] and need(text, face, size) > 1 and spare >= line_h:
                lines[key] = 2
                spare -= line_h
        if spare >= s.gap:
            spare -= s.gap
        gap = s.gap if spare >= 0 else 0

        stats_rect = pygame.Rect(
            col.left, col.bottom - lines["stats"] * s.body_h, col.width, lines["stats"] * s.body_h
        )
        drawn = canvas.text(
            stats,
            stats_rect,
            px=px,
            face="condensed",
            colour=pal.muted,
            max_lines=lines["stats"],
            valign="bottom",
            role="offer-stats",
        )
        ends = [drawn]  # lines the tag may end, when it has no line of its own
        used = canvas.text(
            offer.title,
            pygame.Rect(col.left, col.top, col.width, lines["title"] * s.title_h),
            px=s.title_px,
            face="condensed_bold",
            min_px=px,
            max_lines=lines["title"],
            role="offer-title",
        )
        y = used.bottom + gap
        # Where a long contract name would push the commune out, the commune comes first.
        where = f"{offer.commune} · {offer.contract}"
        rows = [
            ("employer", [offer.employer], pal.text, "offer-employer"),
            ("meta", [meta, f"{offer.contract} · {offer.commune}", where], pal.muted, "offer-meta"),
            ("tags", [tag or ""], pal.accent, "offer-tags"),
        ]
        for key, variants, colour, role in rows:
            if not lines[key] or y + s.body_h > stats_rect.top:
                continue
            n = min(lines[key], (stats_rect.top - y) // s.body_h)
            used = canvas.text_first(
                variants,
                pygame.Rect(col.left, y, col.width, n * s.body_h),
                px=px,
                face="condensed",
                colour=colour,
                max_lines=n,
                role=role,
            )
            y = used.bottom
            if n == 1:
                ends.insert(1, used)
        if tag and not lines["tags"]:
            for line in ends:  # the stats line first, then meta, then employer
                if self._tag_after(canvas, tag, line, col.right, s):
                    break

    def _tag_after(
        self, canvas: Canvas, tag: str, line: pygame.Rect, right: int, s: CardSizes
    ) -> bool:
        """Draw ``tag`` at the right end of a one-line text ending at ``line`` when it fits
        whole beside it; returns whether it did."""
        px = canvas.theme.min_px
        room = right - line.right - 2 * s.gap
        if room <= 0:
            return False
        fitted = canvas.fit(tag, pygame.Rect(0, 0, room, s.body_h), px=px, face="condensed")
        if fitted.text.endswith("…"):
            return False
        canvas.text(
            tag,
            pygame.Rect(right - fitted.width, line.bottom - s.body_h, fitted.width, s.body_h),
            px=px,
            face="condensed",
            colour=canvas.theme.palette.accent,
            role="offer-tags",
            layout=fitted,
        )
        return True

    def _new_badge(self, canvas: Canvas, band: pygame.Rect, pad: int, room: int) -> int:
        """A white « NOUVEAU » pill at the band's right if it fits in ``room`` px beside
        the label; returns the width it takes (0: not drawn)."""
        theme = canvas.theme
        px = theme.min_px
        layout = canvas.fit(
            "NOUVEAU", pygame.Rect(0, 0, band.width, band.height), px=px, face="bold"
        )
        inner = round(px * 0.4)
        pill = pygame.Rect(0, 0, layout.width + 2 * inner, band.height - theme.u(6))
        taken = pill.width + theme.u(12)
        if taken > room:
            return 0
        pill.right = band.right - pad
        pill.centery = band.centery
        canvas.fill(pill, theme.palette.new_badge, radius=pill.height // 2)
        canvas.text(
            "NOUVEAU",
            pill.inflate(-2 * inner, 0),
            px=px,
            face="bold",
            colour=theme.palette.new_ink,
            valign="middle",
            align="center",
            role="offer-new",
            layout=layout,
        )
        return taken


def column_gap(theme: Theme) -> int:
    """Space between two portrait cards (tighter than the grid's: one more card a page)."""
    return theme.u(14)


@dataclass(frozen=True)
class ColumnPlan:
    """A portrait card measured: its rows (role, layout, (x, y, w, h) within the card)."""

    height: int
    band_h: int
    pad: int
    pad_y: int
    qr_side: int
    qr_margin: int
    module_px: int
    rows: tuple


def _column_plan(theme: Theme, texts: TextRenderer, offer: SnapshotOffer) -> ColumnPlan:
    """Measure a portrait card: the band, then title, employer and contract · commune beside
    the QR code, each wrapped over as many lines as it needs (up to PORTRAIT_MAX_LINES)."""
    fonts = texts.assets.font
    px = theme.min_px
    pad, pad_y = theme.u(18), theme.u(7)
    band_h = fonts("bold", px).get_linesize() + theme.u(6)  # room for the « NOUVEAU » pill
    line_h = fonts("condensed", px).get_linesize()
    width = theme.content_size[0]
    modules = len(qr_matrix(offer.qr_url)) + 2 * QUIET_ZONE
    # Scanned from arm's length: two thirds of the landscape module, so that the code
    # stands beside two lines of text and the third line gets the whole width.
    module_px = max(3, min(theme.qr_module * 2 // 3, (width // 3) // modules))
    qr_side = modules * module_px
    qr_margin = pad_y
    qr_bottom = band_h + pad_y + qr_side
    narrow = width - pad - qr_side - qr_margin - pad
    wide = width - 2 * pad

    def fit(text: str, w: int, face: str, max_lines: int):
        return texts.fit(
            text, width=w, height=max_lines * line_h, face=face, px=px, max_lines=max_lines
        )

    meta = f"{offer.contract} · {offer.commune}"
    variants = [meta]
    if offer.positions > 1:
        variants.insert(0, f"{meta} · {plural(offer.positions, 'poste')}")
    rows = []
    y = band_h + pad_y
    wanted = [
        ("offer-title", [offer.title], "condensed_bold", PORTRAIT_MAX_LINES),
        ("offer-employer", [offer.employer], "condensed", PORTRAIT_MAX_LINES),
        ("offer-meta", variants, "condensed", 2),
    ]
    for role, text, face, lines in wanted:
        w = narrow if y < qr_bottom else wide
        layout = None
        for variant in text:
            candidate = fit(variant, w, face, 1)
            if not candidate.text.endswith("…"):
                layout = candidate
                break
        if layout is None:  # too long for one line: wrap the shortest form
            layout = fit(text[-1], w, face, lines)
        h = len(layout.lines) * line_h
        rows.append((role, layout, (pad, y, w, h)))
        y += h
    tag = card_tag(offer)
    if tag:
        rows.extend(_portrait_tag(tag, rows, fit, y, qr_bottom, line_h, gap=pad))
    height = max(y, qr_bottom) + pad_y
    return ColumnPlan(height, band_h, pad, pad_y, qr_side, qr_margin, module_px, tuple(rows))


def _portrait_tag(
    tag: str, rows: list, fit: Any, y: int, qr_bottom: int, line_h: int, *, gap: int
) -> list:
    """Where a portrait card shows its tag without growing (four cards a page): on a line of
    its own beside the QR code when the text ends above the code's bottom, else at the end of
    the last line when there is room; nowhere when neither fits."""
    _role, _last, (x, _y, w, _h) = rows[-1]
    if y + line_h <= qr_bottom:
        layout = fit(tag, w, "condensed", 1)
        return [("offer-tags", layout, (x, y, w, line_h))]
    for _role, last, (x, last_y, w, h) in reversed(rows):  # the last line first
        room = w - last.width - gap  # a text box spans its widest line
        if room <= 0:
            continue
        layout = fit(tag, room, "condensed", 1)
        if not layout.text.endswith("…"):
            top = last_y + h - line_h
            return [("offer-tags", layout, (x + w - layout.width, top, layout.width, line_h))]
    return []


def card_tag(offer: SnapshotOffer) -> str | None:
    """The tag an offer's card shows: the server's choice, else (an older server or cache)
    the first of its tags."""
    return offer.first_tag or (offer.tags[0] if offer.tags else None)


def _days(n: int) -> str:
    return "ouverte aujourd'hui" if n <= 0 else plural(n, "jour")


def _candidates(n: int) -> str:
    return "aucun candidat" if n <= 0 else plural(n, "candidat")
