"""« Défi TPE »: a collective total towards a goal, split by service (never by person),
with the last contributions; crossing 25/50/75/100 % sets off a short celebration."""

from __future__ import annotations

import math
import random
from datetime import datetime

import pygame

from api.contract import Contribution, PlaylistScene, Snapshot, SnapshotChallenge
from display.assets import Assets
from display.french import count, days_left, french_date
from display.scenes.base import Canvas, Scene, centred_message, heading
from display.theme import Colour, Theme

MILESTONES = (25, 50, 75, 100)
SERVICE_NAMES = {"cde": "CDE", "cdde": "CDDE"}
SHARED_NAME = "ensemble"


def _tag_name(contribution: Contribution) -> str:
    """Who a recent contribution is credited to, as its tag says."""
    return SHARED_NAME if contribution.shared else SERVICE_NAMES[contribution.service]


def milestones_crossed(before: SnapshotChallenge | None, after: SnapshotChallenge | None) -> int:
    """The highest milestone (percent) reached by going from ``before`` to ``after``; 0 if none.

    Only counts within the same challenge: a new challenge starting is not a celebration.
    """
    if before is None or after is None or before.id != after.id:
        return 0
    crossed = [m for m in MILESTONES if before.total * 100 < m * after.goal <= after.total * 100]
    return max(crossed, default=0)


def _percent(ch: SnapshotChallenge) -> int:
    return math.floor(100 * ch.total / ch.goal) if ch.goal else 0


def days_remaining(snapshot: Snapshot, now: datetime) -> int:
    """The défi's days left on ``now``'s day (agency time): the service's count less the days
    gone by since it made the snapshot (a screen cut off overnight still counts down; a clock
    set days back never adds any)."""
    ch = snapshot.challenge
    if ch is None:
        return 0
    made = snapshot.generated_at
    if made.tzinfo is None or now.tzinfo is None:
        return ch.days_left
    gone = (now.date() - made.astimezone(now.tzinfo).date()).days
    return ch.days_left - max(0, gone)


class ChallengeScene(Scene):
    name = PlaylistScene.CHALLENGE
    celebrates = True
    view_seconds = 30.0

    def views(self, snapshot: Snapshot, theme: Theme, assets: Assets, now: datetime) -> int:
        return 1 if snapshot.challenge is not None else 0

    def draw(self, canvas: Canvas, snapshot: Snapshot, view: int, now: datetime) -> None:
        ch = snapshot.challenge
        if ch is None:
            heading(canvas, "Défi TPE")
            centred_message(
                canvas,
                "Pas de défi en cours",
                "Le prochain défi collectif s'affichera ici.",
                shape="diamond",
            )
            return
        theme = canvas.theme
        pal = theme.palette
        fonts = canvas.texts.assets.font
        bounds = canvas.bounds
        left = days_remaining(snapshot, now)
        short = f"J-{left}" if left > 0 else days_left(left)
        top = heading(canvas, "Défi TPE", [days_left(left), short])
        gap = theme.u(18)

        title_px = theme.text_px(1.5)
        used = canvas.text(
            ch.title,
            pygame.Rect(0, top, bounds.width, fonts("bold", title_px).get_linesize() * 2),
            px=title_px,
            face="bold",
            min_px=theme.min_px,
            max_lines=2,
            role="challenge-title",
        )
        y = used.bottom + gap * 2

        # The big figure: total / goal, and the percentage on the right.
        big_px = theme.text_px(3.2 if not theme.portrait else 2.2)
        big_h = fonts("bold", big_px).get_linesize()
        pct = _percent(ch)
        pct_text = f"{pct} %"
        pct_layout = canvas.fit(
            pct_text, pygame.Rect(0, 0, bounds.width // 2, big_h), px=big_px, face="bold"
        )
        pct_rect = pygame.Rect(bounds.right - pct_layout.width, y, pct_layout.width, big_h)
        canvas.text(
            pct_text,
            pct_rect,
            px=big_px,
            face="bold",
            colour=pal.accent,
            role="challenge-percent",
            layout=pct_layout,
        )
        total_text = str(ch.total)
        total_layout = canvas.fit(
            total_text, pygame.Rect(0, 0, bounds.width // 3, big_h), px=big_px, face="bold"
        )
        total_rect = pygame.Rect(0, y, total_layout.width, big_h)
        canvas.text(
            total_text,
            total_rect,
            px=big_px,
            face="bold",
            role="challenge-total",
            layout=total_layout,
        )
        goal_px = theme.text_px(1.2)
        goal_h = fonts("regular", goal_px).get_linesize()
        goal_text = f"sur {count(ch.goal, ch.unit)}"
        beside = pygame.Rect(
            total_rect.right + theme.u(20),
            0,
            pct_rect.left - total_rect.right - theme.u(40),
            goal_h * 2,
        )
        goal_layout = canvas.fit(goal_text, beside, px=goal_px, min_px=theme.min_px, max_lines=2)
        if beside.width >= theme.min_px * 8 and not goal_layout.text.endswith("…"):
            beside.bottom = total_rect.bottom - round(big_h * 0.12)
            canvas.text(
                goal_text,
                beside,
                px=goal_px,
                valign="bottom",
                colour=pal.muted,
                role="challenge-goal",
                layout=goal_layout,
            )
            y = total_rect.bottom + gap
        else:
            # Narrow screen: the goal goes under the figures.
            below = pygame.Rect(0, total_rect.bottom, bounds.width, goal_h * 2)
            used = canvas.text(
                goal_text,
                below,
                px=goal_px,
                min_px=theme.min_px,
                max_lines=2,
                colour=pal.muted,
                role="challenge-goal",
            )
            y = used.bottom + gap * 2

        y = self._gauge(canvas, ch, pygame.Rect(0, y, bounds.width, 0))
        y = self._legend(canvas, ch, y + gap)
        y = self._cheer(canvas, ch, left, y + gap * 2)
        self._recent(
            canvas, ch, pygame.Rect(0, y + gap * 2, bounds.width, bounds.bottom - y - gap * 2)
        )

    def _cheer(self, canvas: Canvas, ch: SnapshotChallenge, days: int, top: int) -> int:
        """One line saying what is left to do, together (or that it is done)."""
        theme = canvas.theme
        px = theme.text_px(1.15)
        line_h = canvas.texts.assets.font("bold", px).get_linesize()
        rect = pygame.Rect(0, top, canvas.bounds.width, line_h * 2)
        if ch.total >= ch.goal:
            text = "Objectif atteint : bravo à toute l'agence !"
        elif days < 0:
            text = f"Défi terminé à {ch.total} sur {ch.goal}. Merci à tous !"
        else:
            left = ch.goal - ch.total
            text = (
                "Un dernier effort pour réussir, ensemble !"
                if left == 1
                else f"Plus que {left} pour réussir, ensemble !"
            )
        used = canvas.text(
            text,
            rect,
            px=px,
            face="bold",
            min_px=theme.min_px,
            max_lines=2,
            colour=theme.palette.accent,
            role="challenge-cheer",
        )
        return used.bottom

    def _gauge(self, canvas: Canvas, ch: SnapshotChallenge, area: pygame.Rect) -> int:
        """The bar: CDE then CDDE segments over a track, milestone ticks below."""
        theme = canvas.theme
        pal = theme.palette
        fonts = canvas.texts.assets.font
        bar_h = theme.u(64)
        bar = pygame.Rect(area.left, area.top, area.width, bar_h)
        canvas.fill(bar, pal.gauge_track, radius=bar_h // 2)
        scale = bar.width / max(ch.goal, ch.total, 1)
        cde = ch.by_service.get("cde", 0)
        cdde = ch.by_service.get("cdde", 0)
        # What both services did together sits between their two parts, in both colours.
        parts = ((cde, pal.cde, None), (ch.shared, pal.cde, pal.cdde), (cdde, pal.cdde, None))
        filled = min(round((cde + ch.shared + cdde) * scale), bar.width)
        if filled > 0:
            strip = pygame.Surface((filled, bar_h), pygame.SRCALPHA)
            left = 0
            for amount, colour, stripes in parts:
                width = min(round(amount * scale), filled - left)
                if width <= 0:
                    continue
                part = pygame.Rect(left, 0, width, bar_h)
                strip.fill(colour, part)
                if stripes is not None:
                    draw_stripes(strip, part, stripes, theme.u(16))
                    shared = part.move(bar.left, bar.top)
                    canvas.region(shared, "gauge-shared", ch.shared)
                left = part.right
            # Round the ends of the filled part as a whole: the colours meet on straight edges.
            ends = pygame.Surface((filled, bar_h), pygame.SRCALPHA)
            pygame.draw.rect(ends, (255, 255, 255, 255), ends.get_rect(), border_radius=bar_h // 2)
            strip.blit(ends, (0, 0), special_flags=pygame.BLEND_RGBA_MIN)
            canvas.surface.blit(strip, bar.topleft)
        canvas.region(bar, "gauge", (cde, cdde, ch.goal))
        # Milestone ticks and labels.
        label_h = fonts("regular", theme.min_px).get_linesize()
        tick_w = theme.u(4)
        last_right = -(10**6)
        for m in MILESTONES:
            tx = bar.left + round(bar.width * m / 100 * ch.goal * scale / bar.width)
            tx = min(tx, bar.right - tick_w)
            reached = ch.total * 100 >= m * ch.goal
            canvas.fill(
                pygame.Rect(tx - tick_w // 2, bar.top - theme.u(8), tick_w, bar_h + theme.u(16)),
                pal.text if reached else pal.muted,
            )
            text = f"{m} %"
            face = "bold" if reached else "regular"
            layout = canvas.fit(
                text, pygame.Rect(0, 0, bar.width // 5, label_h), px=theme.min_px, face=face
            )
            lx = min(max(bar.left, tx - layout.width // 2), bar.right - layout.width)
            if lx < last_right + theme.u(24):
                continue  # too close to the previous label on a narrow screen: tick only
            last_right = lx + layout.width
            canvas.text(
                text,
                pygame.Rect(lx, bar.bottom + theme.u(14), layout.width, label_h),
                px=theme.min_px,
                colour=pal.text if reached else pal.muted,
                face=face,
                role="milestone",
                layout=layout,
            )
        return bar.bottom + theme.u(14) + label_h

    def _legend(self, canvas: Canvas, ch: SnapshotChallenge, top: int) -> int:
        """« ■ CDE 11   ■ CDDE 7   ▨ ensemble 2 »: the split is collective, by service, and
        what both services did together has its own striped share."""
        theme = canvas.theme
        pal = theme.palette
        fonts = canvas.texts.assets.font
        px = theme.min_px
        line_h = fonts("bold", px).get_linesize()
        x = 0
        swatch = round(px * 0.8)
        width = canvas.bounds.width
        items: list[tuple[str, Colour | None, Colour | None]] = [
            (f"CDE {ch.by_service.get('cde', 0)}", pal.cde, None),
            (f"CDDE {ch.by_service.get('cdde', 0)}", pal.cdde, None),
        ]
        if ch.shared:
            # « CDDE 0 » beside « ensemble 8 » would read as a side doing nothing, when its
            # candidates made those eight: a service shows when it has a part of its own.
            items = [item for item in items if not item[0].endswith(" 0")]
            items.append((f"{SHARED_NAME} {ch.shared}", pal.cde, pal.cdde))
        for text, colour, stripes in items:
            layout = canvas.fit(text, pygame.Rect(0, 0, width, line_h), px=px, face="bold")
            need = (swatch + theme.u(12) if colour else 0) + layout.width
            if x and x + need > width:
                break  # a narrow screen drops the last item rather than overlap
            if colour:
                sw = pygame.Rect(x, top + (line_h - swatch) // 2, swatch, swatch)
                canvas.fill(sw, colour, radius=theme.u(4))
                if stripes is not None:
                    draw_stripes(canvas.surface, sw, stripes, max(3, swatch // 3))
                x = sw.right + theme.u(12)
            canvas.text(
                text,
                pygame.Rect(x, top, layout.width, line_h),
                px=px,
                face="bold",
                colour=pal.text if colour else pal.muted,
                role="legend",
                layout=layout,
            )
            x += layout.width + theme.u(48)
        return top + line_h

    def _recent(self, canvas: Canvas, ch: SnapshotChallenge, area: pygame.Rect) -> None:
        theme = canvas.theme
        pal = theme.palette
        fonts = canvas.texts.assets.font
        px = theme.min_px
        line_h = fonts("regular", px).get_linesize()
        row_h = line_h + theme.u(10)
        recent = sorted(ch.recent, key=lambda c: c.at, reverse=True)
        if not recent or area.height < 2 * row_h:
            return

        def tag_width(name: str) -> int:
            def measure(text: str) -> int:
                box = pygame.Rect(0, 0, area.width, line_h)
                return canvas.fit(text, box, px=px, face="bold").width

            # The services' tags align; the longer « ensemble » takes the room it needs.
            return max(measure(name), measure(SERVICE_NAMES["cdde"])) + round(px * 0.7)

        # A row wraps over lines rather than lose its end (the date): beside its tag, or under
        # it when the screen is narrow; rows that no longer fit whole are left out, and the
        # title only comes with at least one row.
        rows = []
        y = area.top + row_h
        for c in recent[:4]:
            when = french_date(c.at.date(), weekday=False)
            text = f"+{c.amount} · {c.label} — {when}"
            tag = pygame.Rect(area.left, y + theme.u(4), tag_width(_tag_name(c)), line_h)
            left = tag.right + theme.u(16)
            room = pygame.Rect(left, tag.top, area.right - left, 3 * line_h)
            layout = canvas.fit(text, room, px=px, face="condensed", max_lines=3)
            if layout.text.endswith("…"):
                room = pygame.Rect(area.left, tag.bottom + theme.u(6), area.width, 3 * line_h)
                layout = canvas.fit(text, room, px=px, face="condensed", max_lines=3)
            bottom = max(tag.bottom, room.top + layout.height)
            if layout.text.endswith("…") or bottom > area.bottom:
                break
            rows.append((c, tag, room, layout, text))
            y = bottom + theme.u(10)
        if not rows:
            return
        canvas.text(
            "Dernières contributions",
            pygame.Rect(area.left, area.top, area.width, line_h),
            px=px,
            face="bold",
            colour=pal.muted,
            role="recent-title",
        )
        for c, tag, room, layout, text in rows:
            colour = pal.cde if c.service == "cde" or c.shared else pal.cdde
            canvas.fill(tag, colour, radius=theme.u(8))
            if c.shared:
                draw_stripes(canvas.surface, tag.inflate(-theme.u(8), 0), pal.cdde, theme.u(16))
            canvas.text(
                _tag_name(c),
                tag,
                px=px,
                face="bold",
                colour=(12, 20, 36),
                align="center",
                valign="middle",
                role="recent-service",
            )
            canvas.text(text, room, px=px, face="condensed", role="recent", layout=layout)


class Celebration:
    """Confetti and a banner over the défi for a few seconds after a milestone."""

    duration = 5.0

    def __init__(self, milestone: int, size: tuple[int, int], seed: int = 7) -> None:
        self.milestone = milestone
        self.elapsed = 0.0
        rng = random.Random(seed + milestone)
        w, h = size
        self.pieces = [
            (
                rng.uniform(0, w),
                rng.uniform(-h, 0),
                rng.uniform(0.25, 0.6) * h,
                rng.uniform(-0.1, 0.1) * w,
                rng.choice(((255, 196, 61), (86, 160, 255), (255, 140, 190), (255, 255, 255))),
                rng.uniform(0, math.tau),
            )
            for _ in range(140)
        ]

    @property
    def done(self) -> bool:
        return self.elapsed >= self.duration

    @property
    def message(self) -> str:
        if self.milestone >= 100:
            return "Défi réussi ! Bravo à toute l'agence !"
        return f"{self.milestone} % du défi atteint !"

    def update(self, dt: float) -> None:
        self.elapsed += dt

    def draw(
        self,
        surface: pygame.Surface,
        origin: tuple[int, int],
        theme: Theme,
        banner: pygame.Surface | None,
    ) -> None:
        """Draw the confetti (and the pre-rendered banner) on ``surface`` at ``origin``."""
        t = self.elapsed
        w, h = theme.content_size
        side = theme.u(14)
        ox, oy = origin
        for x0, y0, speed, drift, colour, phase in self.pieces:
            y = y0 + speed * t * 1.6
            if y < 0 or y > h:
                continue
            x = (x0 + drift * math.sin(t * 2 + phase)) % w
            wobble = abs(math.sin(t * 6 + phase))
            rect = pygame.Rect(ox + round(x), oy + round(y), side, max(2, round(side * wobble)))
            surface.fill(colour, rect)
        if banner is not None:
            # Pops in over the first half-second, then stays.
            scale = min(1.0, t / 0.4)
            if scale < 1.0:
                size = (
                    max(1, round(banner.get_width() * scale)),
                    max(1, round(banner.get_height() * scale)),
                )
                shown = pygame.transform.smoothscale(banner, size)
            else:
                shown = banner
            rect = shown.get_rect(center=(ox + w // 2, oy + h // 2))
            surface.blit(shown, rect)


def draw_stripes(surface: pygame.Surface, area: pygame.Rect, colour: Colour, step: int) -> None:
    """Diagonal stripes of ``colour`` over ``area``: half of every ``step`` pixels."""
    clip = surface.get_clip()
    surface.set_clip(area.clip(clip) if clip else area)
    half = max(1, step // 2)
    for x in range(area.left - area.height, area.right, step):
        pygame.draw.polygon(
            surface,
            colour,
            [
                (x, area.bottom),
                (x + half, area.bottom),
                (x + half + area.height, area.top),
                (x + area.height, area.top),
            ],
        )
    surface.set_clip(clip)
