"""The scenes the screen can show, by the name the snapshot's playlist uses.

Adding a playlist scene: its name and label in ``api.contract.PlaylistScene``, and one
module here with a ``Scene`` subclass naming that member and declaring what it needs
(``shows_photos`` and ``photo_size``, ``celebrates``, ``takes_over``…). The registry finds
the module by itself; everything else (the playlist, the renderer, the feed's photo size, the
staff pages' labels) reads those declarations. ``tests/display/test_scene_names.py`` fails
until the contract and the scene classes agree, and the shared scene tests then render the
new scene at every size with every fixture snapshot.
"""

from __future__ import annotations

import importlib
import pkgutil

from api.contract import SCENE_NAMES
from display.assets import Assets
from display.scenes.base import Canvas, Region, Scene
from display.theme import Theme


def _scene_classes(base: type[Scene]) -> list[type[Scene]]:
    found = []
    for subclass in base.__subclasses__():
        if subclass.name:
            found.append(subclass)
        found.extend(_scene_classes(subclass))
    return found


def _discover() -> dict[str, Scene]:
    """One instance of each named Scene subclass of this package's modules, by name."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    scenes: dict[str, Scene] = {}
    for cls in _scene_classes(Scene):
        if cls.name in scenes:
            raise RuntimeError(f"two scene classes are named {cls.name!r}")
        scenes[cls.name] = cls()
    return scenes


SCENES: dict[str, Scene] = _discover()
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
