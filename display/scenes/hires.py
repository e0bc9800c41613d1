"""« Embauches remarquables »: one hire at a time, its photo or a typographic card, its
story and the CDE + CDDE pair credited."""

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
# Backgrounds of the cards of hires without a photo, picked by hire id: deep, calm tones
# on which white type and the accent yellow both read well.
CARD_TONES: tuple[Colour, ...] = (
    (22, 62, 84),
    (52, 40, 86),
    (20, 72, 62),
    (86, 48, 34),
    (34, 50, 98),
    (78, 34, 60),
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
        bounds = canvas.bounds
        if theme.portrait and hire.id not in canvas.photos:
            # Narrow and without a photo: the story is the picture, it gets the whole
            # column (a card would only repeat the employer's name above it).
            self._story(
                canvas, hire, pygame.Rect(0, photo.top, bounds.width, bounds.bottom - photo.top)
            )
            return
        self._picture(canvas, hire, photo)
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
        self._typographic_card(canvas, hire, rect)
        canvas.region(rect, "hire-card", hire.id)

    def _typographic_card(self, canvas: Canvas, hire: SnapshotHire, rect: pygame.Rect) -> None:
        """A calm card when there is no photo: one deep tone, an opening guillemet, the
        employer's name set large and what the hire was, like a poster's type."""
        theme = canvas.theme
        pal = theme.palette
        fonts = canvas.texts.assets.font
        tone = CARD_TONES[zlib.crc32(f"{hire.id}:{hire.employer}".encode()) % len(CARD_TONES)]
        canvas.fill(rect, tone, radius=theme.radius)
        pad = max(theme.u(40), round(min(rect.size) * 0.08))
        inner = rect.inflate(-2 * pad, -2 * pad)
        # The guillemet opens the story told beside (or under) the card.
        mark_px = max(theme.min_px, round(min(rect.size) * (0.22 if theme.portrait else 0.3)))
        mark_h = fonts("bold", mark_px).get_linesize()
        mark = pygame.Rect(inner.left, inner.top - round(mark_h * 0.12), inner.width, mark_h)
        canvas.text("«", mark, px=mark_px, face="bold", colour=pal.accent, role="hire-card-mark")
        # Bottom up: the hire's label, a short rule, the employer's name over what is left.
        label_h = fonts("regular", theme.min_px).get_linesize()
        label = pygame.Rect(inner.left, inner.bottom - label_h, inner.width, label_h)
        canvas.text(
            "Embauche remarquable",
            label,
            px=theme.min_px,
            colour=_mix(tone, pal.text, 0.7),
            role="hire-card-label",
        )
        rule = pygame.Rect(inner.left, label.top - theme.u(22), theme.u(90), theme.u(6))
        canvas.fill(rule, pal.accent, radius=theme.u(3))
        name_px = theme.text_px(1.9 if not theme.portrait else 1.3)
        name_h = fonts("bold", name_px).get_linesize()
        top = mark.bottom
        room = rule.top - theme.u(22) - top
        lines = max(1, min(4, room // name_h))
        canvas.text(
            hire.employer,
            pygame.Rect(
                inner.left, rule.top - theme.u(22) - lines * name_h, inner.width, lines * name_h
            ),
            px=name_px,
            face="bold",
            min_px=theme.min_px,
            max_lines=lines,
            valign="bottom",
            colour=pal.text,
            role="hire-card-employer",
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

        title_px = theme.text_px(1.3 if theme.portrait else 1.7)
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
        emp_px = theme.min_px if theme.portrait else theme.text_px(1.15)
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
                px=theme.min_px if theme.portrait else theme.text_px(1.3),
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
        # Only the people credited: a pill with a dash would be an empty box on the wall.
        people = [
            (service, name, colour)
            for service, name, colour in (
                ("CDE", hire.cde_name, pal.cde),
                ("CDDE", hire.cdde_name, pal.cdde),
            )
            if name
        ]
        if not people:
            return bottom + theme.u(14)  # the gap the story leaves above the pills
        stacked = len(people) > 1 and (theme.portrait or rect.width < theme.min_px * 30)
        width = rect.width if stacked or len(people) == 1 else (rect.width - theme.gap) // 2
        top = bottom - (
            len(people) * pill_h + (len(people) - 1) * theme.u(12) if stacked else pill_h
        )
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
