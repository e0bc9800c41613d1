"""« Offres en cours »: the board's cards, paged, each with its QR code.

The cards come in the snapshot's order, which is the board's order as the server sorts it
(most urgent first, then the longest open, then by id: ``api.services.offers``); the scene
never sorts them again, so the corridor and the staff pages list the board alike.

Urgency is shown three ways on every card: the band's colour, its French label and a
shape. When more offers exist than fit legibly, pages take turns ("page 2/5").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import pygame

from api.contract import PlaylistScene, Snapshot, SnapshotOffer
from display.assets import Assets
from display.french import plural
from display.qr import QUIET_ZONE, qr_matrix
from display.scenes.base import Canvas, Scene, centred_message, heading
from display.theme import Theme, urgency_style

PREFERRED_TEXT_CHARS = 24  # a card's text column must hold about this many characters
MAX_COLUMNS = 3
QR_RESERVE_MODULES = 33  # beyond a version-4 code, modules shrink to fit the card


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

    # --- geometry ------------------------------------------------------------------

    def grid(self, theme: Theme, fonts, content: tuple[int, int], modules: int) -> Grid:
        """The densest legible arrangement of cards in ``content`` (w, h).

        Each card holds its primary lines beside a QR code of ``modules`` per side at
        full module size; among arrangements showing as many cards, fewer and wider
        columns win (less wrapping).
        """
        cw, ch = content
        s = card_sizes(theme, fonts)
        top = fonts("bold", theme.text_px(1.45)).get_linesize() + theme.u(18)
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

    def views(self, snapshot: Snapshot, theme: Theme, assets: Assets, now: datetime) -> int:
        # At least one view: an empty agency gets its friendly empty state.
        return self.pages(snapshot, self._grid(snapshot, theme, assets.font, theme.content_size))

    def pages(self, snapshot: Snapshot, grid: Grid) -> int:
        return max(1, -(-len(snapshot.offers) // grid.per_page))

    # --- drawing -------------------------------------------------------------------

    def draw(self, canvas: Canvas, snapshot: Snapshot, view: int, now: datetime) -> None:
        theme = canvas.theme
        fonts = canvas.texts.assets.font
        offers = snapshot.offers  # in the board's order already: kept as sent
        if not offers:
            heading(canvas, "Offres en cours")
            centred_message(
                canvas,
                "Aucune offre en cours",
                "Toutes les offres ont trouvé preneur. Bravo à toute l'équipe !",
                shape="check",
            )
            return
        grid = self._grid(snapshot, theme, fonts, canvas.bounds.size)
        pages = self.pages(snapshot, grid)
        page = view % pages
        count = plural(len(offers), "offre")
        if pages > 1:
            aside = [
                f"{count} · page {page + 1}/{pages}",
                f"page {page + 1}/{pages}",
                f"{page + 1}/{pages}",
            ]
        else:
            aside = [count]
        heading(canvas, "Offres en cours", aside)
        shown = offers[page * grid.per_page : (page + 1) * grid.per_page]
        for i, offer in enumerate(shown):
            self._card(canvas, offer, grid.card_rect(i, theme.gap))

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
        """Title, employer, contract · commune and tags from the top; days and candidates
        at the bottom. Extra lines go to the primary details before the tags."""
        theme = canvas.theme
        pal = theme.palette
        px = theme.min_px
        probe = pygame.Rect(0, 0, col.width, 2 * s.title_h)

        def need(text: str, face: str, size: int) -> int:
            return len(canvas.fit(text, probe, px=size, face=face, max_lines=2).lines)

        stats = f"{_days(offer.days_open)} · {_candidates(offer.candidates_count)}"
        # On a narrow card, "52 j" keeps the candidates in view.
        short_stats = f"{max(0, offer.days_open)} j · {_candidates(offer.candidates_count)}"
        if new_mark:  # no room for the badge in the band: said in words instead
            stats, short_stats = f"nouvelle · {stats}", f"nouvelle · {short_stats}"
        meta = f"{offer.contract} · {offer.commune}"
        if offer.positions > 1:
            meta = f"{meta} · {offer.positions} postes"
        lines = {"title": 1, "employer": 1, "meta": 1, "stats": 1, "tags": 0}
        spare = col.height - s.text_min_h
        if spare < 0:  # a cramped card: the employer stands in for contract · commune
            lines["meta"] = 0
            spare += s.body_h
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
        if offer.tags and spare >= s.body_h + s.gap:
            lines["tags"] = 1
        if spare >= s.gap:
            spare -= s.gap
        gap = s.gap if spare >= 0 else 0

        stats_rect = pygame.Rect(
            col.left, col.bottom - lines["stats"] * s.body_h, col.width, lines["stats"] * s.body_h
        )
        canvas.text_first(
            [stats, short_stats],
            stats_rect,
            px=px,
            face="condensed",
            colour=pal.muted,
            max_lines=lines["stats"],
            valign="bottom",
            role="offer-stats",
        )
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
            ("tags", [" ".join(offer.tags)], pal.accent, "offer-tags"),
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


def _days(n: int) -> str:
    return "ouverte aujourd'hui" if n <= 0 else plural(n, "jour")


def _candidates(n: int) -> str:
    return "aucun candidat" if n <= 0 else plural(n, "candidat")
