"""« Embauches remarquables »: one hire at a time, its photo or an illustration, its story
and the CDE + CDDE pair credited."""

from __future__ import annotations

import zlib
from datetime import datetime

import pygame

from api.contract import PlaylistScene, Snapshot, SnapshotHire
from display.assets import Assets
from display.french import french_date
from display.scenes.base import Canvas, Scene, centred_message, heading
from display.theme import Colour, Theme

TITLE = "Embauches remarquables"
# Backgrounds of generated illustrations, picked by hire id: deep, calm tones.
ILLUSTRATION_TONES: tuple[Colour, ...] = (
    (32, 92, 120),
    (88, 60, 130),
    (26, 110, 90),
    (140, 74, 48),
    (54, 76, 150),
    (120, 50, 90),
)


def hires_in_order(snapshot: Snapshot) -> list[SnapshotHire]:
    """Most recent hire first."""
    return sorted(snapshot.hires, key=lambda h: (h.hired_on, h.id), reverse=True)


class HiresScene(Scene):
    name = PlaylistScene.HIRES
    shows_photos = True
    view_seconds = 12.0

    def views(self, snapshot: Snapshot, theme: Theme, assets: Assets, now: datetime) -> int:
        return len(snapshot.hires)

    @staticmethod
    def photo_rect(theme: Theme, assets: Assets) -> pygame.Rect:
        """Where the photo goes in the content area (photos are cropped to this size)."""
        cw, ch = theme.content_size
        top = assets.font("bold", theme.heading_px).get_linesize() + theme.u(18)
        if theme.portrait:
            return pygame.Rect(0, top, cw, round((ch - top) * 0.3))
        side = min(ch - top, round(cw * 0.42))
        return pygame.Rect(0, top, side, ch - top)

    def photo_size(self, theme: Theme, assets: Assets) -> tuple[int, int]:
        """Size of the photo box (photos are cropped to fill it)."""
        return self.photo_rect(theme, assets).size

    def draw(self, canvas: Canvas, snapshot: Snapshot, view: int, now: datetime) -> None:
        hires = hires_in_order(snapshot)
        if not hires:
            heading(canvas, TITLE)
            centred_message(
                canvas,
                "La galerie attend sa prochaine belle histoire",
                "Racontez une embauche depuis votre téléphone : elle s'affichera ici.",
                shape="star",
            )
            return
        index = view % len(hires)
        hire = hires[index]
        heading(canvas, TITLE, f"{index + 1}/{len(hires)}" if len(hires) > 1 else None)
        theme = canvas.theme
        photo = self.photo_rect(theme, canvas.texts.assets)
        self._picture(canvas, hire, photo)
        bounds = canvas.bounds
        if theme.portrait:
            text = pygame.Rect(
                0,
                photo.bottom + theme.u(28),
                bounds.width,
                bounds.bottom - photo.bottom - theme.u(28),
            )
        else:
            left = photo.right + theme.u(48)
            text = pygame.Rect(left, photo.top, bounds.width - left, photo.height)
        self._story(canvas, hire, text)

    def _picture(self, canvas: Canvas, hire: SnapshotHire, rect: pygame.Rect) -> None:
        photo = canvas.photos.get(hire.id)
        if photo is not None:
            # Already cropped to fill this rect by the renderer.
            clip = photo.get_rect(center=rect.center)
            canvas.surface.blit(
                photo,
                rect,
                area=pygame.Rect(
                    (clip.width - rect.width) // 2,
                    (clip.height - rect.height) // 2,
                    rect.width,
                    rect.height,
                ),
            )
            canvas.region(rect, "photo", hire.id)
            return
        self._illustration(canvas, hire, rect)
        canvas.region(rect, "illustration", hire.id)

    def _illustration(self, canvas: Canvas, hire: SnapshotHire, rect: pygame.Rect) -> None:
        """A poster-like picture when there is no photo: tone, circles, initials."""
        theme = canvas.theme
        seed = zlib.crc32(f"{hire.id}:{hire.employer}".encode())
        tone = ILLUSTRATION_TONES[seed % len(ILLUSTRATION_TONES)]
        canvas.fill(rect, tone)
        # Soft circles and accent dots, blended by hand (no alpha surface to allocate).
        r = min(rect.size)
        circles = (
            (0.15, 0.2, 0.55, (255, 255, 255)),
            (0.9, 0.85, 0.7, (0, 0, 0)),
            (0.8, 0.1, 0.3, (255, 255, 255)),
        )
        clip = canvas.surface.get_clip()
        canvas.surface.set_clip(rect)
        for fx, fy, fr, shade in circles:
            pygame.draw.circle(
                canvas.surface,
                _mix(tone, shade, 0.11),
                (rect.left + round(rect.width * fx), rect.top + round(rect.height * fy)),
                round(r * fr),
            )
        dot = _mix(tone, theme.palette.accent, 0.55)
        for k in range(5):
            x = (seed >> (k * 5)) % 1000 / 1000
            y = (seed >> (k * 3 + 2)) % 1000 / 1000
            y = 0.2 * y if k % 2 else 0.8 + 0.2 * y  # above or below the initials
            centre = (
                rect.left + round(rect.width * (0.1 + 0.8 * x)),
                rect.top + round(rect.height * (0.1 + 0.8 * y)),
            )
            pygame.draw.circle(canvas.surface, dot, centre, max(2, r // 40))
        canvas.surface.set_clip(clip)
        initials = "".join(w[0] for w in hire.employer.split() if w[:1].isalpha())[:2].upper()
        if initials:
            px = max(theme.min_px, round(r * 0.32))
            box = pygame.Rect(0, 0, rect.width - 2 * theme.u(20), round(px * 1.3))
            box.center = rect.center
            canvas.text(
                initials,
                box,
                px=px,
                face="bold",
                colour=(255, 255, 255),
                align="center",
                valign="middle",
                role="illustration",
            )

    def _story(self, canvas: Canvas, hire: SnapshotHire, rect: pygame.Rect) -> None:
        theme = canvas.theme
        pal = theme.palette
        fonts = canvas.texts.assets.font
        gap = theme.u(14)
        body_h = fonts("regular", theme.min_px).get_linesize()

        # Bottom up: date, credits; top down: job, employer, story in what remains.
        date_rect = pygame.Rect(rect.left, rect.bottom - body_h, rect.width, body_h)
        canvas.text_first(
            [
                f"Embauche du {french_date(hire.hired_on)}",
                f"Embauche du {french_date(hire.hired_on, weekday=False)}",
                french_date(hire.hired_on, weekday=False),
            ],
            date_rect,
            px=theme.min_px,
            colour=pal.muted,
            role="hire-date",
        )
        credits_bottom = self._credits(canvas, hire, rect, date_rect.top - gap)

        title_px = theme.text_px(1.7)
        title_h = fonts("bold", title_px).get_linesize() * 2
        used = canvas.text(
            hire.title,
            pygame.Rect(rect.left, rect.top, rect.width, title_h),
            px=title_px,
            face="bold",
            min_px=theme.min_px,
            max_lines=2,
            role="hire-title",
        )
        emp_px = theme.text_px(1.15)
        emp_h = fonts("regular", emp_px).get_linesize() * 2
        used = canvas.text(
            f"chez {hire.employer}",
            pygame.Rect(rect.left, used.bottom + gap, rect.width, emp_h),
            px=emp_px,
            min_px=theme.min_px,
            max_lines=2,
            colour=pal.accent,
            role="hire-employer",
        )
        story_top = used.bottom + 2 * gap
        story_h = credits_bottom - gap * 2 - story_top
        if story_h >= body_h:
            lines = story_h // body_h
            canvas.text(
                f"« {hire.story.strip()} »",
                pygame.Rect(rect.left, story_top, rect.width, lines * body_h),
                px=theme.text_px(1.3),
                min_px=theme.min_px,
                max_lines=lines,
                role="hire-story",
            )

    def _credits(self, canvas: Canvas, hire: SnapshotHire, rect: pygame.Rect, bottom: int) -> int:
        """Two pills, CDE and CDDE, side by side (stacked when narrow); returns their top."""
        theme = canvas.theme
        pal = theme.palette
        fonts = canvas.texts.assets.font
        px = theme.min_px
        line_h = fonts("bold", px).get_linesize()
        pill_h = line_h + theme.u(16)
        people = [
            ("CDE", hire.cde_name or "—", pal.cde),
            ("CDDE", hire.cdde_name or "—", pal.cdde),
        ]
        stacked = theme.portrait or rect.width < theme.min_px * 30
        width = rect.width if stacked else (rect.width - theme.gap) // 2
        top = bottom - (2 * pill_h + theme.u(12) if stacked else pill_h)
        for i, (service, name, colour) in enumerate(people):
            if stacked:
                pill = pygame.Rect(rect.left, top + i * (pill_h + theme.u(12)), width, pill_h)
            else:
                pill = pygame.Rect(rect.left + i * (width + theme.gap), top, width, pill_h)
            canvas.fill(pill, pal.card, radius=pill_h // 2)
            tag_layout = canvas.fit(service, pygame.Rect(0, 0, width, line_h), px=px, face="bold")
            tag = pygame.Rect(pill.left, pill.top, tag_layout.width + round(px * 0.9), pill_h)
            canvas.fill(tag, colour, radius=pill_h // 2)
            canvas.text(
                service,
                tag,
                px=px,
                face="bold",
                colour=(12, 20, 36),
                align="center",
                valign="middle",
                role="credit-service",
                layout=tag_layout,
            )
            name_rect = pygame.Rect(
                tag.right + theme.u(14),
                pill.top,
                pill.right - tag.right - theme.u(14) - theme.u(18),
                pill_h,
            )
            canvas.text(
                name, name_rect, px=px, face="condensed_bold", valign="middle", role="credit-name"
            )
        return top


def _mix(a: Colour, b: Colour, t: float) -> Colour:
    """``a`` moved a fraction ``t`` towards ``b``."""
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )
