"""A playlist scene's name is written once, in the contract: the display's registry and
the staff pages' labels must name exactly the contract's scenes."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import get_args

from admin.routes.screens import SCENE_LABELS
from api.contract import SCENE_NAMES, PlaylistEntry, PlaylistScene, SceneName
from api.models.screen import DEFAULT_PLAYLIST
from display.scenes import (
    CELEBRATION_SCENE,
    PLAYLIST_SCENES,
    SCENES,
    TAKEOVER_SCENE,
    photo_size,
)
from display.theme import theme_for

ROOT = Path(__file__).resolve().parents[2]
PHOTO_SCENE = next(name for name, scene in SCENES.items() if scene.shows_photos)


def test_the_contract_names_each_scene_once() -> None:
    assert tuple(scene.value for scene in PlaylistScene) == SCENE_NAMES
    assert get_args(SceneName) == SCENE_NAMES
    assert len(set(SCENE_NAMES)) == len(SCENE_NAMES)


def test_every_contract_scene_has_a_scene_class_and_no_other_playlist_scene_exists() -> None:
    in_registry = {name for name, scene in SCENES.items() if scene.in_playlist}
    missing = set(SCENE_NAMES) - in_registry
    unknown = in_registry - set(SCENE_NAMES)
    assert not missing, f"contract scenes with no scene class: {sorted(missing)}"
    assert not unknown, f"playlist scene classes not in the contract: {sorted(unknown)}"
    assert PLAYLIST_SCENES == SCENE_NAMES
    for name, scene in SCENES.items():
        assert scene.name == name
    # A takeover scene (urgent) must not shadow a contract name.
    takeovers = {name for name, scene in SCENES.items() if not scene.in_playlist}
    assert not takeovers & set(SCENE_NAMES)


def test_every_contract_scene_has_a_french_label_and_no_label_is_left_over() -> None:
    assert set(SCENE_LABELS) == set(SCENE_NAMES)
    assert all(label.strip() for label in SCENE_LABELS.values())
    assert {scene.value: scene.label for scene in PlaylistScene} == SCENE_LABELS


def test_the_registry_finds_every_scene_module_by_itself() -> None:
    """Adding a scene is a module under display/scenes/ and a line in the contract: no list
    of scene classes is kept by hand anywhere."""
    folder = ROOT / "display" / "scenes"
    modules = {
        p.stem
        for p in folder.glob("*.py")
        if re.search(r"^class \w+\(Scene\):", p.read_text("utf-8"), re.M)
    }
    declared = {type(scene).__module__.rsplit(".", 1)[1] for scene in SCENES.values()}
    assert declared == modules
    registry = (folder / "__init__.py").read_text("utf-8")
    for scene in SCENES.values():
        assert type(scene).__name__ not in registry


def test_the_renderer_properties_belong_to_contract_scenes() -> None:
    assert CELEBRATION_SCENE in SCENE_NAMES
    assert sum(scene.celebrates for scene in SCENES.values()) == 1
    assert any(scene.shows_photos for scene in SCENES.values())


def test_the_default_playlist_names_contract_scenes() -> None:
    for entry in DEFAULT_PLAYLIST:
        PlaylistEntry.model_validate(entry)


def test_each_scene_declares_its_needs_and_the_registry_reads_them(assets) -> None:
    theme = theme_for((1920, 1080))
    for scene in SCENES.values():
        # A scene showing photos says at what size; no other scene has a photo size.
        size = scene.photo_size(theme, assets)
        assert (size is not None) == scene.shows_photos, scene.name
    assert photo_size(theme, assets) == SCENES[PHOTO_SCENE].photo_size(theme, assets)
    # One takeover scene, outside the playlist and the contract.
    assert [name for name, scene in SCENES.items() if scene.takes_over] == [TAKEOVER_SCENE]
    assert not SCENES[TAKEOVER_SCENE].in_playlist
    assert TAKEOVER_SCENE not in SCENE_NAMES


def _string_constants(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def test_the_screen_machinery_names_no_scene() -> None:
    # The renderer, its parts, the playlist and the loop read scene names from the
    # registry and the scenes' declarations, never from a literal of their own.
    machinery = (
        *("renderer", "compositor", "painter", "layers", "transition", "playlist"),
        *("app", "link", "presenter", "workers", "wiring"),
    )
    for module in machinery:
        path = ROOT / "display" / f"{module}.py"
        written = _string_constants(path) & set(SCENES)
        assert not written, f"{path.name} spells scene names: {sorted(written)}"
