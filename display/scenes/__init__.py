"""The scenes of the rotation, by the name the snapshot's playlist uses.

Adding a playlist scene: its name in ``api.contract.PlaylistScene`` (with its label in
the staff pages), one module with a ``Scene`` subclass naming that member, plus one line
in ``SCENES``; ``tests/display/test_scene_names.py`` fails until all three agree, and the
shared scene tests then render it at every size with every fixture snapshot.
"""

from __future__ import annotations

from api.contract import SCENE_NAMES
from display.scenes.announcements import AnnouncementsScene, UrgentScene
from display.scenes.base import Canvas, Region, Scene
from display.scenes.challenge import ChallengeScene
from display.scenes.hires import HiresScene
from display.scenes.offers import OffersScene

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
# Scenes a playlist may name, in the contract's order (the urgent one only ever takes
# over by itself).
PLAYLIST_SCENES: tuple[str, ...] = tuple(n for n in SCENE_NAMES if n in SCENES)
# The scene a challenge milestone's celebration plays on.
CELEBRATION_SCENE: str = next(name for name, scene in SCENES.items() if scene.celebrates)

__all__ = ["CELEBRATION_SCENE", "PLAYLIST_SCENES", "SCENES", "Canvas", "Region", "Scene"]
