"""The scenes of the playlist, by the name the snapshot's playlist uses.

Adding a playlist scene: its name in ``api.contract.PlaylistScene`` (with its label in
the staff pages), one module with a ``Scene`` subclass naming that member and declaring
what it needs (``shows_photos`` and ``photo_size``, ``celebrates``, ``takes_over``…),
plus one line in ``SCENES``. Everything else (the playlist, the renderer, the feed's
photo size) reads those declarations; ``tests/display/test_scene_names.py`` fails until
the contract, this registry and the staff pages agree, and the shared scene tests then
render the new scene at every size with every fixture snapshot.
"""

from __future__ import annotations

from api.contract import SCENE_NAMES
from display.assets import Assets
from display.scenes.announcements import AnnouncementsScene, UrgentScene
from display.scenes.base import Canvas, Region, Scene
from display.scenes.challenge import ChallengeScene
from display.scenes.hires import HiresScene
from display.scenes.offers import OffersScene
from display.theme import Theme

SCENES: dict[str, Scene] = {
    scene.name: scene
    for scene in (
        OffersScene(),
        HiresScene(),
        ChallengeScene(),
        AnnouncementsScene(),
        UrgentScene(),
    )
}
# Scenes a playlist may name, in the contract's order (a takeover scene only ever comes
# on by itself).
PLAYLIST_SCENES: tuple[str, ...] = tuple(n for n in SCENE_NAMES if n in SCENES)
# The scene a challenge milestone's celebration plays on.
CELEBRATION_SCENE: str = next(name for name, scene in SCENES.items() if scene.celebrates)
# The scene that takes the screen over whenever it has something to show.
TAKEOVER_SCENE: str = next(name for name, scene in SCENES.items() if scene.takes_over)


def photo_size(theme: Theme, assets: Assets) -> tuple[int, int] | None:
    """Size hires' photos are shown at on ``theme`` (None when no scene shows photos)."""
    for scene in SCENES.values():
        if scene.shows_photos:
            return scene.photo_size(theme, assets)
    return None


__all__ = [
    "CELEBRATION_SCENE",
    "PLAYLIST_SCENES",
    "SCENES",
    "TAKEOVER_SCENE",
    "Canvas",
    "Region",
    "Scene",
    "photo_size",
]
