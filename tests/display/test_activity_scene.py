"""The activity scene: the month's collective figures drawn large from the snapshot's own
numbers, the bars of seven months, the delays by urgency and the chantiers, readable from 3 m at
1080p, 4K and in portrait (where the delays and chantiers make a second view)."""

from __future__ import annotations

import pygame
import pytest
from display_support import NOW, load_snapshot, snapshot_dict
from test_scenes import check_layout

from api.contract import Snapshot
from display.renderer import Renderer
from display.scenes import SCENES
from display.theme import theme_for

SIZES = [(1920, 1080), (3840, 2160), (1080, 1920)]


def _render(snapshot: Snapshot, size: tuple[int, int], view: int, assets) -> Renderer:  # type: ignore[no-untyped-def]
    renderer = Renderer(size, assets)
    renderer.set_snapshot(snapshot)
    renderer.show("activity", view)
    renderer.update(0.0, NOW)
    renderer.draw(pygame.Surface(size))
    return renderer


def _texts(renderer: Renderer, role: str) -> list[str]:
    return [b.text for b in renderer.text_boxes if b.role == role]


@pytest.mark.parametrize("name", ["sample", "stress", "demo"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_view_fits_and_shows_the_snapshot_figures(name, size, assets, artifacts) -> None:  # type: ignore[no-untyped-def]
    snapshot = load_snapshot(name)
    activity = snapshot.activity
    assert activity is not None
    theme = theme_for(size)
    views = SCENES["activity"].views(snapshot, theme, assets, NOW)
    assert views == (2 if theme.portrait else 1)
    seen: dict[str, list[str]] = {}
    for view in range(views):
        renderer = _render(snapshot, size, view, assets)
        surface = pygame.Surface(size)
        renderer.draw(surface)
        pygame.image.save(
            surface, str(artifacts / f"activity-{name}-{size[0]}x{size[1]}-{view}.png")
        )
        check_layout(renderer.text_boxes, size)
        for box in renderer.text_boxes:
            seen.setdefault(box.role, []).append(box.text)
        if view == 0:
            bars = [r.data for r in renderer.regions if r.role == "activity-bars"]
            months = activity.months
            assert bars == [
                tuple(m.opened for m in months),
                tuple(m.filled for m in months),
                tuple(m.proposals for m in months),
                tuple(m.hires for m in months),
            ]
            figures = [b for b in renderer.text_boxes if b.role == "activity-figure"]
            # Large: from 3 m the month's figures read first.
            assert all(b.font_px >= 2.5 * theme.min_px for b in figures)
    now = activity.months[-1]
    assert seen["activity-figure"] == [str(now.opened), str(now.filled), str(now.proposals),
                                       str(now.hires)]  # fmt: skip
    assert seen["activity-level"] == ["à pourvoir", "à surveiller", "urgent", "très urgent"]
    days = seen["activity-days"]
    assert len(days) == 4 and days[-1 if activity.fill_days[-1].median_days is None else 0]
    chantiers = seen.get("activity-chantier", [])
    if activity.chantiers:
        assert chantiers[0].startswith(activity.chantiers[0].title[:10])
    else:
        assert chantiers == ["Aucun chantier pour l'instant."]


def test_the_delays_say_the_medians_in_days(assets) -> None:  # type: ignore[no-untyped-def]
    renderer = _render(load_snapshot("sample"), (1920, 1080), 0, assets)
    assert _texts(renderer, "activity-days") == ["9 jours", "17,5 jours", "31 jours", "—"]
    delays = [r.data for r in renderer.regions if r.role == "activity-delay"]
    assert delays == [(0, 9.0), (1, 17.5), (2, 31.0), (3, None)]
    states = _texts(renderer, "activity-state")
    assert states == ["en cours", "en cours", "à venir"]
    assert _texts(renderer, "activity-detail")[3].replace("\xa0", " ") == "défi : 19 / 30"


def test_many_chantiers_end_with_how_many_more(assets) -> None:  # type: ignore[no-untyped-def]
    renderer = _render(load_snapshot("stress"), (1920, 1080), 0, assets)
    shown = len(_texts(renderer, "activity-chantier"))
    [more] = _texts(renderer, "activity-more")
    assert more == f"+ {12 - shown} autres chantiers"


def test_an_older_server_without_activity_skips_the_scene(assets) -> None:  # type: ignore[no-untyped-def]
    data = snapshot_dict("sample")
    data.pop("activity")
    snapshot = Snapshot.model_validate(data)
    assert SCENES["activity"].views(snapshot, theme_for((1920, 1080)), assets, NOW) == 0
    renderer = _render(snapshot, (1920, 1080), 0, assets)  # drawn anyway: a calm message
    check_layout(renderer.text_boxes, (1920, 1080))
