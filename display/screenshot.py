"""Render one frame to a PNG, headless: for ``--screenshot``, docs, support and tests.

In outline (``snapshot`` being a :class:`~api.contract.Snapshot`, ``now`` an aware
datetime)::

    render_scene_png(snapshot, "offers", (1920, 1080), Path("offres.png"), now)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import pygame

from api.contract import Snapshot
from display.assets import Assets
from display.renderer import Renderer
from display.scenes import SCENES


class NothingToShow(ValueError):
    """The scene asked for has nothing to show in this snapshot (an urgent announcement
    scene without one): drawing it would give an empty frame."""


def render_frame(
    snapshot: Snapshot | None,
    scene: str | None,
    size: tuple[int, int],
    now: datetime,
    assets: Assets | None = None,
    photos: Mapping[int, pygame.Surface] | None = None,
) -> tuple[pygame.Surface, Renderer]:
    """Draw one frame of ``scene`` (default: where the playlist starts) with the hires'
    ``photos`` (hire id → decoded image); return it. NothingToShow if the scene has no view."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    renderer = Renderer(size, assets)
    renderer.set_snapshot(snapshot)
    for hire_id, image in (photos or {}).items():
        renderer.set_photo(hire_id, image)
    if scene and snapshot is not None:
        chosen = SCENES[scene]
        # A playlist scene without content draws its calm empty state; a takeover without
        # content would be an empty box (the screen itself never shows one).
        if chosen.takes_over and not chosen.views(snapshot, renderer.theme, renderer.assets, now):
            raise NothingToShow(scene)
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
    photos: Mapping[int, pygame.Surface] | None = None,
) -> None:
    """Write one frame of ``scene`` at ``size`` to the PNG file ``path``."""
    surface, _ = render_frame(snapshot, scene, size, now, photos=photos)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    pygame.image.save(surface, str(path))
