"""Render one frame to a PNG, headless: for ``--screenshot``, docs, support and tests.

In outline (``snapshot`` being a :class:`~api.contract.Snapshot`, ``now`` an aware
datetime)::

    render_scene_png(snapshot, "offers", (1920, 1080), Path("offres.png"), now)
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pygame

from api.contract import Snapshot
from display.assets import Assets
from display.renderer import Renderer


def render_frame(
    snapshot: Snapshot | None,
    scene: str | None,
    size: tuple[int, int],
    now: datetime,
    assets: Assets | None = None,
) -> tuple[pygame.Surface, Renderer]:
    """Draw one frame of ``scene`` (default: where the playlist starts); return it."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    renderer = Renderer(size, assets)
    renderer.set_snapshot(snapshot)
    if scene and snapshot is not None:
        renderer.show(scene)
    renderer.update(0.0, now)
    surface = pygame.Surface(size)
    renderer.draw(surface)
    return surface, renderer


def render_scene_png(
    snapshot: Snapshot | None,
    scene: str | None,
    size: tuple[int, int],
    path: Path | str,
    now: datetime,
) -> None:
    """Write one frame of ``scene`` at ``size`` to the PNG file ``path``."""
    surface, _ = render_frame(snapshot, scene, size, now)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    pygame.image.save(surface, str(path))
