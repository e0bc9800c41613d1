"""« Agenda »: the agency's next 14 days, today's events first and highlighted.

Each card says when (« Aujourd'hui · 14:00 – 15:30 »), what, where, and who comes counted by
service (CDE / CDDE: a job dating balances both), with a QR code to the event's page on the
phone. Names never reach the screen: the snapshot carries counts only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import pygame

from api.contract import PlaylistScene, Snapshot, SnapshotEvent
from api.domain.french import MONTHS_SHORT, WEEKDAYS_SHORT
from display.assets import Assets
from display.french import clock, plural
from display.qr import QUIET_ZONE, qr_matrix
from display.scenes.base import Canvas, Scene, centred_message, draw_shape, heading
from display.theme import Theme

TITLE = "Agenda"
SPAN = timedelta(days=14)
# The QR codes are a little smaller than the offers' (5 px modules at 1080p): a card holds
# four lines of text beside one.
QR_SCALE = 5 / 6


def _local(moment: datetime, now: datetime) -> datetime:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=now.tzinfo)
    return aware.astimezone(now.tzinfo)


def upcoming(snapshot: Snapshot, now: datetime) -> list[SnapshotEvent]:
    """Events not yet over and starting within 14 days, in time order (today's come first)."""
    found = [
        e
        for e in snapshot.agenda
        if _local(e.ends_at, now) > now and _local(e.starts_at, now) < now + SPAN
    ]
    return sorted(found, key=lambda e: (e.starts_at, e.id))


def is_today(event: SnapshotEvent, now: datetime) -> bool:
    """Starts today (or started earlier and is still going on)."""
    return _local(event.starts_at, now).date() <= now.date()


def when(event: SnapshotEvent, now: datetime) -> list[str]:
    """« Aujourd'hui · 14:00 – 15:30 », « Demain · 9:00 », « ven. 4 déc. · 9:00 », longest first."""
    start, end = _local(event.starts_at, now), _local(event.ends_at, now)
    if is_today(event, now):
        day = "Aujourd'hui"
    elif start.date() == now.date() + timedelta(days=1):
        day = "Demain"
    else:
        day = f"{WEEKDAYS_SHORT[start.weekday()]} {start.day} {MONTHS_SHORT[start.month - 1]}"
        day = day[0].upper() + day[1:]
    hours = f"{clock(start)} – {clock(end)}" if end.date() == start.date() else clock(start)
    return [f"{day} · {hours}", f"{day} · {clock(start)}", day]


def capacity_words(event: SnapshotEvent) -> str | None:
    """« 4 places libres », « complet », or None without a limit."""
    if event.capacity is None:
        return None
    free = event.capacity - sum(event.counts.values())
    return "complet" if free <= 0 else plural(free, "place libre", "places libres")


@dataclass(frozen=True)
class _Plan:
    columns: int
    rows: int
    card_w: int
    card_h: int
    pad: int
    module_px: int
    stacked: bool  # when and what span the card; the QR sits beside the details only


def _lines(theme: Theme, fonts) -> tuple[int, int, int]:
    """Heights of the « when » line, the title's area and a details line."""
    small = fonts("regular", theme.min_px).get_linesize()
    bold = fonts("bold", theme.min_px).get_linesize()
    # The title gets two lines (at the smallest size): titles matter most.
    title = fonts("bold", theme.text_px(1.15)).get_linesize()
    return bold, max(title, 2 * bold), small


class AgendaScene(Scene):
    name = PlaylistScene.AGENDA
    view_seconds = 12.0

    def _plan(self, theme: Theme, fonts, size: tuple[int, int], modules: int) -> _Plan:
        width, height = size
        top = heading_height(theme, fonts)
        columns = 1 if theme.portrait else 2
        gap = theme.gap
        card_w = (width - gap * (columns - 1)) // columns
        pad = theme.u(16 if theme.portrait else 22)  # three cards fit a portrait screen
        module_px = max(3, math.floor(theme.qr_module * QR_SCALE))
        qr = modules * module_px
        bold, title, small = _lines(theme, fonts)
        text_w = card_w - 2 * pad - qr - pad
        stacked = text_w < theme.min_px * 15
        if stacked:
            card_h = pad + bold + title + theme.u(8) + max(qr, 2 * small + theme.u(8)) + pad
        else:
            card_h = pad + max(qr, bold + title + 2 * small + theme.u(24)) + pad
        rows = max(1, (height - top + gap) // (card_h + gap))
        return _Plan(columns, rows, card_w, card_h, pad, module_px, stacked)

    def _plan_for(
        self, size: tuple[int, int], theme: Theme, fonts, events: list[SnapshotEvent]
    ) -> _Plan:
        modules = max((len(qr_matrix(e.qr_url)) for e in events), default=21) + 2 * QUIET_ZONE
        return self._plan(theme, fonts, size, modules)

    def views(self, snapshot: Snapshot, theme: Theme, assets: Assets, now: datetime) -> int:
        events = upcoming(snapshot, now)
        if not events:
            return 0
        plan = self._plan_for(theme.content_size, theme, assets.font, events)
        return math.ceil(len(events) / (plan.rows * plan.columns))

    def draw(self, canvas: Canvas, snapshot: Snapshot, view: int, now: datetime) -> None:
        events = upcoming(snapshot, now)
        if not events:
            heading(canvas, TITLE, ["14 prochains jours", "14 jours"])
            centred_message(
                canvas,
                "Aucun rendez-vous dans les 14 prochains jours",
                "Job dating, petit-déj, réunions : ajoutez-les depuis votre téléphone.",
                shape="diamond",
            )
            return
        theme = canvas.theme
        fonts = canvas.texts.assets.font
        plan = self._plan_for(canvas.bounds.size, theme, fonts, events)
        per_page = plan.rows * plan.columns
        pages = math.ceil(len(events) / per_page)
        page = view % pages
        aside = ["14 prochains jours", "14 jours"]
        if pages > 1:
            aside = [f"14 prochains jours · {page + 1}/{pages}", f"{page + 1}/{pages}"]
        top = heading(canvas, TITLE, aside)
        for slot, event in enumerate(events[page * per_page : (page + 1) * per_page]):
            row, column = divmod(slot, plan.columns)
            rect = pygame.Rect(
                column * (plan.card_w + theme.gap),
                top + row * (plan.card_h + theme.gap),
                plan.card_w,
                plan.card_h,
            )
            self._card(canvas, event, rect, plan, now)

    def _card(
        self, canvas: Canvas, event: SnapshotEvent, rect: pygame.Rect, plan: _Plan, now: datetime
    ) -> None:
        theme = canvas.theme
        pal = theme.palette
        fonts = canvas.texts.assets.font
        today = is_today(event, now)
        canvas.fill(rect, pal.card, radius=theme.radius)
        if today:  # highlighted: a frame and a band in the accent colour, and the word itself
            pygame.draw.rect(
                canvas.surface, pal.accent, rect, width=theme.u(5), border_radius=theme.radius
            )
            canvas.region(rect, "agenda-today", event.id)
        bold, title_h, small = _lines(theme, fonts)
        pad = plan.pad
        qr_side = canvas.qrs.side(event.qr_url, plan.module_px)
        inner = rect.inflate(-2 * pad, -2 * pad)
        if plan.stacked:
            text_w = inner.width
            y = inner.top
        else:
            text_w = inner.width - qr_side - pad
            y = inner.top + max(0, (inner.height - (bold + title_h + 2 * small + theme.u(24))) // 2)
        left = inner.left
        canvas.text_first(
            when(event, now),
            pygame.Rect(left, y, text_w, bold),
            px=theme.min_px,
            face="bold",
            colour=pal.accent if today else pal.muted,
            role="agenda-when",
        )
        y += bold
        title_rect = pygame.Rect(left, y, text_w, title_h)
        options = {"px": theme.text_px(1.15), "min_px": theme.min_px}
        options["max_lines"] = 2
        layout = canvas.fit(event.title, title_rect, face="bold", **options)
        if layout.text.endswith("…"):  # the condensed face before cutting the title short
            layout = canvas.fit(event.title, title_rect, face="condensed_bold", **options)
        canvas.text(event.title, title_rect, layout=layout, role="agenda-title", **options)
        y += title_h + theme.u(8)
        if plan.stacked:
            qr_top = y
            text_w = inner.width - qr_side - pad
            details_top = y + max(0, (qr_side - 2 * small - theme.u(8)) // 2)
        else:
            qr_top = rect.top + (rect.height - qr_side) // 2
            details_top = y + theme.u(8)
        canvas.qr(event.qr_url, (rect.right - pad - qr_side, qr_top), plan.module_px)
        # Kind and place when both fit; else the place, which tells where to go (the title
        # usually says the kind), cut short when even that is too wide.
        # The condensed face when even the place alone is too wide in the regular one.
        where = " · ".join(p for p in (event.kind_label, event.place) if p)
        variants = [where, event.place or event.kind_label]
        details = pygame.Rect(left, details_top, text_w, small)
        cut = canvas.fit(variants[-1], details, px=theme.min_px).text.endswith("…")
        canvas.text_first(
            variants,
            details,
            px=theme.min_px,
            face="condensed" if cut else "regular",
            colour=pal.muted,
            role="agenda-what",
        )
        self._counts(
            canvas, event, pygame.Rect(left, details_top + small + theme.u(8), text_w, small)
        )

    def _counts(self, canvas: Canvas, event: SnapshotEvent, rect: pygame.Rect) -> None:
        """« ● CDE 3  ● CDDE 2  4 places libres », dropping the last part when narrow."""
        theme = canvas.theme
        pal = theme.palette
        px = theme.min_px
        dot = max(8, rect.height * 11 // 20)
        spacing = theme.u(10)
        parts = [
            (f"CDE {event.counts.get('cde', 0)}", pal.cde, "circle"),
            (f"CDDE {event.counts.get('cdde', 0)}", pal.cdde, "diamond"),
        ]
        extra = capacity_words(event)
        layouts = [canvas.fit(text, rect, px=px, face="bold") for text, _, _ in parts]
        used = sum(dot + spacing + lay.width for lay in layouts) + theme.gap * (len(parts) - 1)
        x = rect.left
        for (text, colour, shape), layout in zip(parts, layouts, strict=True):
            icon = pygame.Rect(x, rect.top + (rect.height - dot) // 2, dot, dot)
            draw_shape(canvas.surface, shape, icon, colour)
            box = pygame.Rect(icon.right + spacing, rect.top, layout.width, rect.height)
            if box.right > rect.right:
                return
            canvas.text(text, box, px=px, face="bold", layout=layout, role="agenda-count")
            x = box.right + theme.gap
        if extra:
            room = pygame.Rect(x, rect.top, rect.right - x, rect.height)
            layout = canvas.fit(extra, room, px=px)
            if used + theme.gap + layout.width <= rect.width and not layout.text.endswith("…"):
                canvas.text(
                    extra, room, px=px, colour=pal.muted, layout=layout, role="agenda-places"
                )


def heading_height(theme: Theme, fonts) -> int:
    """What ``heading`` takes at the top of the scene."""
    return fonts("bold", theme.heading_px).get_linesize() + theme.u(18)
