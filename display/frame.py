"""The frame around every scene: the header (agency, French date, clock, stale mark) and
the bottom ticker « la criée » (latest hires and news, one item at a time).

    >>> from datetime import UTC, datetime
    >>> ticker_items(None, datetime(2026, 11, 28, 9, 0, tzinfo=UTC))  # no data yet
    ['Bienvenue']

With a snapshot the newest hire comes first, e.g. « Bravo ! Boulanger chez Fournil du
Rhône — merci Amandine et Karim ».
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

import pygame

from api.contract import Snapshot, SnapshotChallenge
from display.french import clock, count, french_date
from display.scenes.announcements import active
from display.scenes.base import Canvas
from display.scenes.challenge import days_remaining
from display.text import TextBox, TextRenderer

TICKER_LABEL = "LA CRIÉE"
CLOCK_SAMPLE = "00:00"  # DejaVu digits share one width: the clock box never moves
TICKER_S = 8.0  # each ticker item stays this long (at least)
SCROLL_HOLD_S = 2.0  # a long item rests this long at its start and at its end


def ticker_items(snapshot: Snapshot | None, now: datetime) -> list[str]:
    """What the ticker cycles through, newest news first; never empty."""
    if snapshot is None:
        return ["Bienvenue"]
    # The server's weekly issue of la criée (api.services.criee), as the staff pages show it;
    # an older server sends none: the newest hires of the gallery are cried instead.
    items: list[str] = list(snapshot.criee) if snapshot.criee is not None else []
    hires = sorted(snapshot.hires, key=lambda h: (h.hired_on, h.id), reverse=True)
    for hire in hires[:4] if snapshot.criee is None else []:
        names = [n for n in (hire.cde_name, hire.cdde_name) if n]
        thanks = f" — merci {' et '.join(names)}" if names else ""
        items.append(f"Bravo ! {hire.title} chez {hire.employer}{thanks}")
    ch = snapshot.challenge
    if ch is not None:
        items.append(challenge_news(ch, days_remaining(snapshot, now)))
    very_urgent = sum(1 for o in snapshot.offers if o.urgency.level >= 3)
    if very_urgent == 1:
        items.append("Une offre très urgente cherche un candidat : scannez son QR code !")
    elif very_urgent:
        items.append(
            f"{very_urgent} offres très urgentes cherchent des candidats : scannez leur QR code !"
        )
    if snapshot.offers:
        items.append(
            "Une offre vous parle ? Scannez son QR code pour l'ouvrir sur votre téléphone."
        )
    fresh = [o for o in snapshot.offers if o.is_new]
    for offer in sorted(fresh, key=lambda o: o.opened_at, reverse=True)[:3]:
        items.append(f"Nouvelle offre : {offer.title} chez {offer.employer}, à {offer.commune}")
    items.extend(a.message for a in active(snapshot, now, urgent=False))
    if not items:
        items.append(f"Bienvenue à {snapshot.agency.name}")
    return items


def challenge_news(ch: SnapshotChallenge, days: int | None = None) -> str:
    """The défi as one would say it in the corridor, e.g. « Défi TPE : déjà 19 offres TPE
    pourvues sur 30, plus que 11 ensemble ! »; ``days``: its days left today (default: the
    service's count)."""
    done = count(ch.total, ch.unit)
    if ch.total >= ch.goal:
        return f"Défi TPE réussi : {done} sur {ch.goal}, bravo à toute l'agence !"
    if (ch.days_left if days is None else days) < 0:
        return f"Défi TPE terminé : {done} sur {ch.goal}. Merci à tous !"
    if ch.total <= 0:
        return f"Défi TPE : objectif {count(ch.goal, ch.unit)}, à nous de jouer !"
    return f"Défi TPE : déjà {done} sur {ch.goal}, plus que {ch.goal - ch.total} ensemble !"


def stale_mark(since: datetime | None, now: datetime) -> str | None:
    """The header's mark for old data, in ``now``'s zone; None while the data is current."""
    return None if since is None else f"données du {clock(since.astimezone(now.tzinfo))}"


@dataclass
class Ticker:
    """Which item the ticker shows, since when, and how far it has scrolled.

    An item that fits its line stays ``TICKER_S`` seconds. One that does not fit is never
    cut: it shows its beginning for ``SCROLL_HOLD_S``, scrolls at ``speed`` px/s until its
    end is in view, and stays there ``SCROLL_HOLD_S`` more. ``measure(item)`` says by how
    many pixels an item overflows its line (0 when it fits). Items are listed afresh as
    it turns.
    """

    measure: Callable[[str], int] = field(default=lambda item: 0)  # every item fits
    speed: float = 100.0  # px/s while scrolling
    items: list[str] = field(default_factory=list)
    index: int = 0
    elapsed: float = 0.0  # seconds the item has been shown
    overflow: int = 0  # px of the item beyond its line
    offset: int = 0  # px scrolled so far

    def forget(self) -> None:
        """The data changed: list the items again at the next step."""
        self.items = []

    @property
    def duration(self) -> float:
        """Seconds the current item stays."""
        if not self.overflow:
            return TICKER_S
        return max(TICKER_S, 2 * SCROLL_HOLD_S + self.overflow / self.speed)

    def _scrolled(self) -> int:
        moving = max(0.0, self.elapsed - SCROLL_HOLD_S)
        return min(self.overflow, round(moving * self.speed))

    def _list(self, snapshot: Snapshot, now: datetime) -> None:
        self.items = ticker_items(snapshot, now)
        self.index %= len(self.items)
        self.overflow = self.measure(self.items[self.index])
        self.offset = min(self.offset, self.overflow)

    def advance(self, dt: float, snapshot: Snapshot, now: datetime, *, hold: bool) -> bool:
        """Move on by ``dt`` seconds; True when the ticker must be rendered again.

        ``hold``: keep the item where it is (during a slide the ticker waits for the scene
        to settle: one moving thing at a time).
        """
        if not self.items:
            self._list(snapshot, now)
            return True
        if hold:
            return False
        self.elapsed += dt
        if self.elapsed < self.duration:
            offset = self._scrolled()
            if offset == self.offset:
                return False
            self.offset = offset
            return True
        self.elapsed = 0.0
        shown = (self.items[self.index % len(self.items)], self.offset)
        self.index += 1
        self.offset = 0
        self._list(snapshot, now)
        return (self.items[self.index], 0) != shown  # one short item: nothing to redo

    def item(self, snapshot: Snapshot | None, now: datetime) -> str:
        """The item on show."""
        items = self.items or ticker_items(snapshot, now)
        return items[self.index % len(items)]


def draw_header(
    canvas: Canvas,
    agency: str,
    today: date,
    stale: str | None,
    shift: tuple[int, int],
) -> pygame.Rect:
    """Draw the header band (without the clock); return the clock's rect on ``canvas``."""
    theme = canvas.theme
    pal = theme.palette
    fonts = canvas.texts.assets.font
    w, h = canvas.bounds.size
    canvas.fill(canvas.bounds, pal.header)
    canvas.fill(pygame.Rect(0, h - theme.u(4), w, theme.u(4)), pal.card_edge)
    dx, dy = shift
    left, right = theme.margin + dx, w - theme.margin + dx

    clock_px = theme.text_px(1.2 if theme.portrait else 1.6)
    clock_font = fonts("bold", clock_px)
    clock_w, clock_h = clock_font.size(CLOCK_SAMPLE)
    clock_h = clock_font.get_linesize()
    rows = 2 if theme.portrait else 1
    row_h = (h - theme.u(4)) // rows
    clock_row = rows - 1
    clock_rect = pygame.Rect(
        right - clock_w, clock_row * row_h + (row_h - clock_h) // 2 + dy, clock_w, clock_h
    )

    date_px = theme.min_px if theme.portrait else theme.text_px(1.05)
    date_face = "condensed" if theme.portrait else "regular"
    date_h = fonts(date_face, date_px).get_linesize()
    date_right = clock_rect.left - theme.u(32)
    date_left_limit = left if theme.portrait else left + w // 3
    date_text = ""
    date_w = 0
    for candidate in (french_date(today), french_date(today, weekday=False)):
        date_w = fonts(date_face, date_px).size(candidate)[0]
        if date_right - date_w >= date_left_limit:
            date_text = candidate
            break
    date_rect = pygame.Rect(
        date_right - date_w, clock_row * row_h + (row_h - date_h) // 2 + dy, date_w, date_h
    )
    if date_text:
        canvas.text(date_text, date_rect, px=date_px, face=date_face, colour=pal.muted, role="date")

    # The agency name gets the first row (portrait) or what the right side leaves.
    name_px = theme.text_px(1.2)
    name_h = fonts("bold", name_px).get_linesize()
    name_right = right if theme.portrait else date_rect.left - theme.u(40)
    mark = round(theme.min_px * 0.5)
    mark_rect = pygame.Rect(left, (row_h - mark) // 2 + dy, mark, mark)
    canvas.fill(mark_rect, pal.accent, radius=theme.u(4))

    if stale:
        stale_px = theme.min_px
        stale_font = fonts("bold", stale_px)
        stale_pad = round(stale_px * 0.5)
        stale_w = stale_font.size(stale)[0] + 2 * stale_pad
        stale_h = stale_font.get_linesize() + theme.u(6)
        pill = pygame.Rect(name_right - stale_w, (row_h - stale_h) // 2 + dy, stale_w, stale_h)
        pygame.draw.rect(
            canvas.surface, pal.stale, pill, width=max(2, theme.u(3)), border_radius=stale_h // 2
        )
        canvas.text(
            stale,
            pill.inflate(-2 * stale_pad, 0),
            px=stale_px,
            face="bold",
            colour=pal.stale,
            align="center",
            valign="middle",
            role="stale",
        )
        name_right = pill.left - theme.u(32)

    name_rect = pygame.Rect(
        mark_rect.right + theme.u(20),
        (row_h - name_h) // 2 + dy,
        name_right - mark_rect.right - theme.u(20),
        name_h,
    )
    canvas.text(agency, name_rect, px=name_px, face="bold", min_px=theme.min_px, role="agency")
    return clock_rect


def ticker_body(canvas_size: tuple[int, int], theme, fonts) -> tuple[pygame.Rect, pygame.Rect]:
    """The label's pill and the item's line in a ticker band of ``canvas_size``."""
    w, h = canvas_size
    px = theme.ticker_px
    line_h = fonts("bold", px).get_linesize()
    label_w = fonts("bold", px).size(TICKER_LABEL)[0]
    left, right = theme.margin, w - theme.margin
    pill = pygame.Rect(left, 0, label_w + round(px * 0.9), line_h + theme.u(8))
    pill.centery = h // 2 + theme.u(2)
    body = pygame.Rect(pill.right + theme.u(28), 0, right - pill.right - theme.u(28), line_h)
    body.centery = pill.centery
    return pill, body


def ticker_overflow(texts: TextRenderer, theme, width: int, item: str) -> int:
    """Pixels by which ``item`` overflows the ticker's line (0 when it fits)."""
    _, body = ticker_body((width, theme.ticker_h), theme, texts.assets.font)
    clean = texts.clean(item)
    return max(0, texts.assets.font("regular", theme.ticker_px).size(clean)[0] - body.width)


def draw_ticker(canvas: Canvas, item: str, shift: tuple[int, int], offset: int = 0) -> None:
    """Draw the ticker band with its label and one item, scrolled ``offset`` px to the left
    when it is longer than its line."""
    theme = canvas.theme
    pal = theme.palette
    w, _ = canvas.bounds.size
    canvas.fill(canvas.bounds, pal.header)
    canvas.fill(pygame.Rect(0, 0, w, theme.u(4)), pal.card_edge)
    pill, _ = ticker_body(canvas.bounds.size, theme, canvas.texts.assets.font)
    pill = pill.move(shift)
    canvas.fill(pill, pal.accent, radius=theme.u(8))
    canvas.text(
        TICKER_LABEL,
        pill,
        px=theme.ticker_px,
        face="bold",
        colour=pal.accent_ink,
        align="center",
        valign="middle",
        role="ticker-label",
    )
    draw_ticker_item(canvas, item, shift, offset)


def draw_ticker_item(canvas: Canvas, item: str, shift: tuple[int, int], offset: int) -> None:
    """Draw (again) only the item's line of a ticker band, scrolled ``offset`` px: a
    scrolling item repaints this strip, not the whole band."""
    theme = canvas.theme
    pal = theme.palette
    fonts = canvas.texts.assets.font
    px = theme.ticker_px
    _, body = ticker_body(canvas.bounds.size, theme, fonts)
    body = body.move(shift)
    canvas.fill(body, pal.header)
    clean = canvas.texts.clean(item)
    font = fonts("regular", px)
    if font.size(clean)[0] <= body.width:
        canvas.text(item, body, px=px, valign="middle", role="ticker")
        return
    line = canvas.texts.line(clean, "regular", px, pal.text)
    overflow = line.get_width() - body.width
    clip = canvas.surface.get_clip()
    canvas.surface.set_clip(body)
    canvas.surface.blit(line, (body.left - offset, body.top))
    # Soft edges where the text runs on out of view: it reads as moving, not as cut.
    fade = theme.u(40)
    if offset > 0:
        canvas.surface.blit(_fade(fade, body.height, pal.header, left=True), body.topleft)
    if offset < overflow:
        canvas.surface.blit(
            _fade(fade, body.height, pal.header, left=False), (body.right - fade, body.top)
        )
    canvas.surface.set_clip(clip)
    # Record the characters wholly in view (tests read the item over time from these).
    first = _prefix_at(font, clean, offset, up=True)
    last = _prefix_at(font, clean, offset + body.width, up=False)
    while first < last and clean[first] in " \u00a0":
        first += 1
    while last > first and clean[last - 1] in " \u00a0":
        last -= 1
    if last > first:
        x0, x1 = font.size(clean[:first])[0], font.size(clean[:last])[0]
        shown = pygame.Rect(body.left + x0 - offset, body.top, x1 - x0, body.height)
        canvas.boxes.append(
            TextBox(
                canvas._screen(shown.clip(body)),
                clean[first:last],
                px,
                "ticker",
                canvas._screen(body),
            )
        )


_FADES: dict[tuple[int, int, tuple[int, int, int], bool], pygame.Surface] = {}


def _fade(width: int, height: int, colour: tuple[int, int, int], *, left: bool) -> pygame.Surface:
    """A strip going from ``colour`` to transparent (left edge) or the reverse (right)."""
    key = (width, height, colour, left)
    found = _FADES.get(key)
    if found is None:
        found = pygame.Surface((width, height), pygame.SRCALPHA)
        for x in range(width):
            alpha = round(255 * (1 - x / width) if left else 255 * (x + 1) / width)
            found.fill((*colour, alpha), pygame.Rect(x, 0, 1, height))
        _FADES[key] = found
    return found


def _prefix_at(font: pygame.font.Font, text: str, x: int, *, up: bool) -> int:
    """The number of characters whose prefix ends at ``x`` px: the first at or after
    ``x`` (``up``), or the last at or before it."""
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + (0 if up else 1)) // 2
        width = font.size(text[:mid])[0]
        if up:
            if width >= x:
                hi = mid
            else:
                lo = mid + 1
        elif width <= x:
            lo = mid
        else:
            hi = mid - 1
    return lo
