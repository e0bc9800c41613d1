"""The scenes of the rotation, by the name the snapshot's playlist uses.

Adding a scene: one module with a ``Scene`` subclass, plus one line in ``SCENES``; the
shared scene tests then render it at every size with every fixture snapshot.
"""

from __future__ import annotations

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
# Scenes a playlist may name (the urgent one only ever takes over by itself).
PLAYLIST_SCENES: tuple[str, ...] = ("offers", "hires", "challenge", "announcements")

__all__ = ["PLAYLIST_SCENES", "SCENES", "Canvas", "Region", "Scene"]
