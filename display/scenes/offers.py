"""« Offres en cours »: cards sorted by urgency then age, paged, each with its QR code.

Urgency is shown three ways on every card: the band's colour, its French label and a
shape. When more offers exist than fit legibly, pages rotate ("page 2/5").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pygame

from api.contract import Snapshot, SnapshotOffer
from display.assets import Assets
from display.french import plural
from display.scenes.base import Canvas, Scene, centred_message, heading
from display.theme import Theme, urgency_style

PREFERRED_TEXT_CHARS = 15  # a card's text column must hold about this many characters


def sort_offers(offers: list[SnapshotOffer]) -> list[SnapshotOffer]:
    """Most urgent first, then the oldest (longest open) first."""
    return sorted(offers, key=lambda o: (-o.urgency.level, o.opened_at, o.code))


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


class OffersScene(Scene):
    name = "offers"
    view_seconds = 12.0

    # --- geometry ------------------------------------------------------------------

    def _sizes(self, theme: Theme, fonts) -> dict[str, int]:
        title_px = theme.text_px(1.15)
        return {
            "pad": theme.u(22),
            "band_h": round(fonts("bold", theme.min_px).get_linesize() * 1.3),
            "title_px": title_px,
            "title_h": fonts("condensed_bold", title_px).get_linesize(),
            "body_h": fonts("condensed", theme.min_px).get_linesize(),
            "qr": (33 + 8) * theme.qr_module,  # room for a QR of a long URL (version 4)
        }

    def grid(self, theme: Theme, fonts, content: tuple[int, int]) -> Grid:
        """Columns and rows of cards that fit ``content`` (w, h) legibly."""
        cw, ch = content
        s = self._sizes(theme, fonts)
        top = fonts("bold", theme.text_px(1.45)).get_linesize() + theme.u(18)
        text_min = PREFERRED_TEXT_CHARS * theme.min_px * 0.55
        card_min_w = text_min + s["qr"] + 3 * s["pad"]
        cols = max(1, int((cw + theme.gap) // (card_min_w + theme.gap)))
        cols = min(cols, 3)
        text_h = 2 * s["title_h"] + 3 * s["body_h"] + 2 * theme.u(8)
        body_h = max(text_h, s["qr"])
        card_min_h = s["band_h"] + 2 * s["pad"] + body_h
        grid_h = ch - top
        rows = max(1, int((grid_h + theme.gap) // (card_min_h + theme.gap)))
        card_w = (cw - (cols - 1) * theme.gap) // cols
        card_h = (grid_h - (rows - 1) * theme.gap) // rows
        return Grid(cols, rows, top, card_w, card_h)

    def views(self, snapshot: Snapshot, theme: Theme, assets: Assets, now: datetime) -> int:
        # At least one view: an empty agency gets its friendly empty state.
        return self.pages(snapshot, self.grid(theme, assets.font, theme.content_size))

    def pages(self, snapshot: Snapshot, grid: Grid) -> int:
        return max(1, -(-len(snapshot.offers) // grid.per_page))

    # --- drawing -------------------------------------------------------------------

    def draw(self, canvas: Canvas, snapshot: Snapshot, view: int, now: datetime) -> None:
        theme = canvas.theme
        fonts = canvas.texts.assets.font
        offers = sort_offers(list(snapshot.offers))
        if not offers:
            heading(canvas, "Offres en cours")
            centred_message(
                canvas,
                "Aucune offre en cours",
                "Toutes les offres ont trouvé preneur. Bravo à toute l'équipe !",
                shape="check",
            )
            return
        grid = self.grid(theme, fonts, canvas.bounds.size)
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
        pal = theme.palette
        fonts = canvas.texts.assets.font
        s = self._sizes(theme, fonts)
        style = urgency_style(offer.urgency.level)
        pad = s["pad"]
        canvas.fill(rect, pal.card, radius=theme.radius)

        # The urgency band: colour, shape and label together, never colour alone.
        band = pygame.Rect(rect.left, rect.top, rect.width, s["band_h"])
        canvas.fill(
            band,
            style.colour,
            border_top_left_radius=theme.radius,
            border_top_right_radius=theme.radius,
        )
        canvas.region(band, "urgency-band", style.level)
        icon_side = round(theme.min_px * 0.9)
        icon = pygame.Rect(band.left + pad, 0, icon_side, icon_side)
        icon.centery = band.centery
        canvas.icon(style.icon, icon, style.ink)
        label_left = icon.right + theme.u(16)
        badge_w = 0
        if offer.is_new:
            badge_w = self._new_badge(canvas, band, pad)
        label_rect = pygame.Rect(
            label_left, band.top, band.right - pad - badge_w - label_left, band.height
        )
        canvas.text(
            style.label.upper(),
            label_rect,
            px=theme.min_px,
            face="bold",
            colour=style.ink,
            valign="middle",
            role="urgency-label",
        )

        # The QR code, right, vertically centred in the body.
        body = pygame.Rect(
            rect.left + pad,
            band.bottom + pad,
            rect.width - 2 * pad,
            rect.bottom - band.bottom - 2 * pad,
        )
        # An unusually long URL makes a denser code: modules shrink to fit the card
        # (never below 2 px), or the code is left out rather than spill over the text.
        modules = canvas.qrs.side(offer.qr_url, 1)
        module_px = min(theme.qr_module, body.height // modules, (body.width // 2) // modules)
        qr_rect = pygame.Rect(body.right, body.top, 0, 0)
        if module_px >= 2:
            side = modules * module_px
            qr_rect = pygame.Rect(0, 0, side, side)
            qr_rect.right = body.right
            qr_rect.centery = body.centery
            canvas.qr(offer.qr_url, qr_rect.topleft, module_px)

        # The text column, left of the QR code.
        col = pygame.Rect(body.left, body.top, qr_rect.left - pad - body.left, body.height)
        gap = theme.u(8)
        y = col.top
        title_rect = pygame.Rect(col.left, y, col.width, 2 * s["title_h"])
        used = canvas.text(
            offer.title,
            title_rect,
            px=s["title_px"],
            face="condensed_bold",
            min_px=theme.min_px,
            max_lines=2,
            role="offer-title",
        )
        y = used.bottom + gap
        stats = f"{_days(offer.days_open)} · {_candidates(offer.candidates_count)}"
        stats_rect = pygame.Rect(col.left, col.bottom - s["body_h"], col.width, s["body_h"])
        canvas.text(
            stats,
            stats_rect,
            px=theme.min_px,
            face="condensed",
            colour=pal.muted,
            role="offer-stats",
        )
        meta = f"{offer.contract} · {offer.commune}"
        if offer.positions > 1:
            meta = f"{meta} · {offer.positions} postes"
        # Employer and details share the lines between the title and the stats: each gets
        # what it needs (up to two lines), the details keep at least one.
        free = max(0, (stats_rect.top - gap - y) // s["body_h"])
        probe = pygame.Rect(0, 0, col.width, 2 * s["body_h"])
        emp_need = len(
            canvas.fit(offer.employer, probe, px=theme.min_px, face="condensed", max_lines=2).lines
        )
        meta_need = len(
            canvas.fit(meta, probe, px=theme.min_px, face="condensed", max_lines=2).lines
        )
        emp_lines = max(1, min(emp_need, free - 1))
        meta_lines = max(1, min(meta_need, free - emp_lines))
        if free >= 2:
            used = canvas.text(
                offer.employer,
                pygame.Rect(col.left, y, col.width, emp_lines * s["body_h"]),
                px=theme.min_px,
                face="condensed",
                max_lines=emp_lines,
                role="offer-employer",
            )
            y = used.bottom
        elif free == 1:
            meta = offer.employer  # no room for both: the employer matters more
        if free >= 1:
            meta_rect = pygame.Rect(
                col.left,
                y,  # right under the employer: who, then what and where
                col.width,
                meta_lines * s["body_h"],
            )
            used = canvas.text(
                meta,
                meta_rect,
                px=theme.min_px,
                face="condensed",
                colour=pal.muted,
                max_lines=meta_lines,
                role="offer-meta",
            )
            y = used.bottom
            # The agents' own tags (#embaucheenor…) when a line is left for them.
            tags_rect = pygame.Rect(col.left, y, col.width, s["body_h"])
            if offer.tags and tags_rect.bottom <= stats_rect.top - gap:
                canvas.text(
                    " ".join(offer.tags),
                    tags_rect,
                    px=theme.min_px,
                    face="condensed",
                    colour=pal.accent,
                    role="offer-tags",
                )

    def _new_badge(self, canvas: Canvas, band: pygame.Rect, pad: int) -> int:
        """A white « NOUVEAU » pill at the band's right; returns the width it takes."""
        theme = canvas.theme
        px = theme.min_px
        layout = canvas.fit(
            "NOUVEAU", pygame.Rect(0, 0, band.width // 2, band.height), px=px, face="bold"
        )
        inner = round(px * 0.4)
        pill = pygame.Rect(0, 0, layout.width + 2 * inner, band.height - theme.u(12))
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
        return pill.width + theme.u(12)


def _days(n: int) -> str:
    if n <= 0:
        return "ouverte aujourd'hui"
    return f"{n} jour" if n == 1 else f"{n} jours"


def _candidates(n: int) -> str:
    return "aucun candidat" if n <= 0 else plural(n, "candidat")
