"""« Annonces »: normal announcements take turns; an urgent one takes over the screen."""

from __future__ import annotations

from datetime import datetime

import pygame

from api.contract import PlaylistScene, Snapshot, SnapshotAnnouncement
from display.assets import Assets
from display.french import clock, french_date
from display.scenes.base import Canvas, Scene, centred_message, draw_shape, heading
from display.theme import Theme, urgency_style


def _aware(moment: datetime, now: datetime) -> datetime:
    # A naive time in the snapshot is agency-local, like ``now``.
    return moment if moment.tzinfo else moment.replace(tzinfo=now.tzinfo)


def active(snapshot: Snapshot, now: datetime, *, urgent: bool) -> list[SnapshotAnnouncement]:
    """Announcements running at ``now`` of the given kind, most recent first."""
    found = [
        a
        for a in snapshot.announcements
        if a.urgent == urgent and _aware(a.starts_at, now) <= now < _aware(a.ends_at, now)
    ]
    return sorted(found, key=lambda a: (a.starts_at, a.id), reverse=True)


def until(a: SnapshotAnnouncement, now: datetime) -> str:
    """« jusqu'à 18:00 » today, else « jusqu'au lundi 30 novembre »."""
    end = _aware(a.ends_at, now).astimezone(now.tzinfo)
    if end.date() == now.date():
        return f"jusqu'à {clock(end)}"
    return f"jusqu'au {french_date(end.date())}"


class AnnouncementsScene(Scene):
    name = PlaylistScene.ANNOUNCEMENTS
    view_seconds = 10.0

    def views(self, snapshot: Snapshot, theme: Theme, assets: Assets, now: datetime) -> int:
        return len(active(snapshot, now, urgent=False))

    def draw(self, canvas: Canvas, snapshot: Snapshot, view: int, now: datetime) -> None:
        items = active(snapshot, now, urgent=False)
        if not items:
            heading(canvas, "Annonces")
            centred_message(
                canvas,
                "Aucune annonce pour le moment",
                "Les annonces de l'agence s'afficheront ici.",
                shape="circle",
            )
            return
        index = view % len(items)
        item = items[index]
        theme = canvas.theme
        pal = theme.palette
        fonts = canvas.texts.assets.font
        top = heading(canvas, "Annonces", f"{index + 1}/{len(items)}" if len(items) > 1 else None)
        card = pygame.Rect(0, top, canvas.bounds.width, canvas.bounds.height - top)
        canvas.fill(card, pal.card, radius=theme.radius)
        stripe = pygame.Rect(card.left, card.top, theme.u(12), card.height)
        canvas.fill(
            stripe,
            pal.accent,
            border_top_left_radius=theme.radius,
            border_bottom_left_radius=theme.radius,
        )
        pad = theme.u(56)
        inner = card.inflate(-2 * pad, -2 * pad)
        foot_h = fonts("regular", theme.min_px).get_linesize()
        foot = pygame.Rect(inner.left, inner.bottom - foot_h, inner.width, foot_h)
        canvas.text(
            until(item, now).capitalize(),
            foot,
            px=theme.min_px,
            colour=pal.muted,
            role="announcement-until",
        )
        body = pygame.Rect(inner.left, inner.top, inner.width, foot.top - theme.u(24) - inner.top)
        px = theme.text_px(2.0)
        canvas.text(
            item.message,
            body,
            px=px,
            face="bold",
            min_px=theme.min_px,
            max_lines=12,
            valign="middle",
            role="announcement",
        )


class UrgentScene(Scene):
    """Takes over the whole content area while an urgent announcement runs."""

    # Not a playlist scene: it only ever takes over by itself, so it is not in the contract.
    name = "urgent"
    in_playlist = False
    takes_over = True
    view_seconds = 12.0

    def views(self, snapshot: Snapshot, theme: Theme, assets: Assets, now: datetime) -> int:
        return len(active(snapshot, now, urgent=True))

    def draw(self, canvas: Canvas, snapshot: Snapshot, view: int, now: datetime) -> None:
        items = active(snapshot, now, urgent=True)
        theme = canvas.theme
        fonts = canvas.texts.assets.font
        bounds = canvas.bounds
        style = urgency_style(3)
        canvas.fill(bounds, style.colour, radius=theme.radius)
        pad = theme.u(56)
        inner = bounds.inflate(-2 * pad, -2 * pad)
        label_px = theme.text_px(1.4)
        label_h = fonts("bold", label_px).get_linesize()
        icon = pygame.Rect(inner.left, inner.top, label_h, label_h)
        draw_shape(canvas.surface, style.icon, icon, style.ink)
        title = "ANNONCE URGENTE"
        if len(items) > 1:
            title = f"{title} · {view % len(items) + 1}/{len(items)}"
        canvas.text(
            title,
            pygame.Rect(
                icon.right + theme.u(24), inner.top, inner.right - icon.right - theme.u(24), label_h
            ),
            px=label_px,
            face="bold",
            min_px=theme.min_px,
            colour=style.ink,
            valign="middle",
            role="urgent-title",
        )
        if not items:
            return
        item = items[view % len(items)]
        foot_h = fonts("regular", theme.min_px).get_linesize()
        foot = pygame.Rect(inner.left, inner.bottom - foot_h, inner.width, foot_h)
        canvas.text(
            until(item, now).capitalize(),
            foot,
            px=theme.min_px,
            colour=style.ink,
            role="announcement-until",
        )
        body = pygame.Rect(
            inner.left,
            icon.bottom + theme.u(32),
            inner.width,
            foot.top - theme.u(32) - icon.bottom - theme.u(32),
        )
        canvas.text(
            item.message,
            body,
            px=theme.text_px(2.6),
            face="bold",
            min_px=theme.min_px,
            max_lines=12,
            colour=style.ink,
            valign="middle",
            role="urgent-message",
        )
