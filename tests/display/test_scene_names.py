"""A playlist scene's name is written once, in the contract: the display's registry and
the staff pages' labels must name exactly the contract's scenes."""

from __future__ import annotations

from typing import get_args

from admin.routes.screens import SCENE_LABELS
from api.contract import SCENE_NAMES, PlaylistEntry, PlaylistScene, SceneName
from api.models.screen import DEFAULT_PLAYLIST
from display.scenes import CELEBRATION_SCENE, PLAYLIST_SCENES, SCENES


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


def test_the_renderer_properties_belong_to_contract_scenes() -> None:
    assert CELEBRATION_SCENE in SCENE_NAMES
    assert sum(scene.celebrates for scene in SCENES.values()) == 1
    assert any(scene.shows_photos for scene in SCENES.values())


def test_the_default_playlist_names_contract_scenes() -> None:
    for entry in DEFAULT_PLAYLIST:
        PlaylistEntry.model_validate(entry)
