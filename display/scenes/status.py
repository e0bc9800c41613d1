"""Full-screen status pages: pairing (no token yet) and waiting (no data yet)."""

from __future__ import annotations

import pygame

from display.scenes.base import Canvas, draw_shape
from display.theme import urgency_style

PAIRING_STEPS = "Sur votre téléphone : Écrans › Associer un écran, puis saisissez ce code."
PAIRING_CLI = (
    "Sans téléphone, sur le serveur : couloir screen add NOM --agency CODE, "
    "puis relancer l'écran avec --token."
)


def draw_pairing(canvas: Canvas, code: str | None) -> None:
    """The code a manager types to pair this screen, and how to do it."""
    theme = canvas.theme
    pal = theme.palette
    fonts = canvas.texts.assets.font
    area = canvas.bounds.inflate(-2 * theme.margin, -2 * theme.margin)
    title_px = theme.text_px(1.6)
    title_h = fonts("bold", title_px).get_linesize()
    code_px = theme.text_px(4.0 if not theme.portrait else 2.6)
    code_h = fonts("bold", code_px).get_linesize()
    body_h = fonts("regular", theme.min_px).get_linesize()
    # Measure the instructions first (they wrap on narrow screens), then centre it all.
    tall = pygame.Rect(0, 0, area.width, body_h * 6)
    steps = canvas.fit(PAIRING_STEPS, tall, px=theme.min_px, max_lines=6)
    cli = canvas.fit(PAIRING_CLI, tall, px=theme.min_px, face="condensed", max_lines=6)
    total = title_h + theme.u(40) + code_h + theme.u(60) + steps.height + theme.u(30) + cli.height
    y = area.top + max(0, (area.height - total) // 2)
    canvas.text(
        "Associer cet écran",
        pygame.Rect(area.left, y, area.width, title_h),
        px=title_px,
        face="bold",
        align="center",
        min_px=theme.min_px,
        role="title",
    )
    y += title_h + theme.u(40)
    shown = code or "…"
    layout = canvas.fit(
        shown, pygame.Rect(0, 0, area.width, code_h), px=code_px, face="bold", min_px=theme.min_px
    )
    plate = pygame.Rect(0, y - theme.u(10), layout.width + theme.u(120), code_h + theme.u(20))
    plate.width = min(plate.width, area.width)
    plate.centerx = area.centerx
    canvas.fill(plate, pal.card, radius=theme.radius)
    canvas.text(
        shown,
        plate.inflate(0, -theme.u(20)),
        px=code_px,
        face="bold",
        colour=pal.accent,
        align="center",
        valign="middle",
        role="pairing-code",
        layout=layout,
    )
    y = plate.bottom + theme.u(50)
    used = canvas.text(
        PAIRING_STEPS,
        pygame.Rect(area.left, y, area.width, steps.height),
        px=theme.min_px,
        align="center",
        role="pairing-steps",
        layout=steps,
    )
    y = used.bottom + theme.u(30)
    canvas.text(
        PAIRING_CLI,
        pygame.Rect(area.left, y, area.width, cli.height),
        px=theme.min_px,
        face="condensed",
        align="center",
        colour=pal.muted,
        role="pairing-cli",
        layout=cli,
    )


def draw_waiting(canvas: Canvas) -> None:
    """« En attente des données… » with a calm emblem."""
    theme = canvas.theme
    pal = theme.palette
    fonts = canvas.texts.assets.font
    area = canvas.bounds.inflate(-2 * theme.margin, -2 * theme.margin)
    emblem = theme.u(140)
    title_px = theme.text_px(1.8)
    title_h = fonts("bold", title_px).get_linesize()
    body_h = fonts("regular", theme.min_px).get_linesize()
    total = emblem + theme.u(40) + title_h * 2 + theme.u(20) + body_h * 2
    y = area.top + max(0, (area.height - total) // 2)
    circle = pygame.Rect(0, y, emblem, emblem)
    circle.centerx = area.centerx
    pygame.draw.circle(canvas.surface, pal.card, circle.center, emblem // 2)
    draw_shape(
        canvas.surface,
        urgency_style(0).icon,
        circle.inflate(-emblem // 2, -emblem // 2),
        pal.accent,
    )
    y = circle.bottom + theme.u(40)
    used = canvas.text(
        "En attente des données…",
        pygame.Rect(area.left, y, area.width, title_h * 2),
        px=title_px,
        face="bold",
        max_lines=2,
        align="center",
        min_px=theme.min_px,
        role="title",
    )
    y = used.bottom + theme.u(20)
    canvas.text(
        "L'écran se connecte au serveur Couloir ; l'affichage démarre dès réception.",
        pygame.Rect(area.left, y, area.width, body_h * 2),
        px=theme.min_px,
        max_lines=2,
        align="center",
        colour=pal.muted,
        role="body",
    )
