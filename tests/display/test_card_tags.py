"""The first tag on the offer cards, landscape and portrait: shown where it fits whole, never
clipped or overlapping, and never at the cost of a card (portrait keeps four a page)."""

from __future__ import annotations

import pygame
import pytest
from display_support import NOW, SIZES, load_snapshot, snapshot_dict
from test_scenes import check_layout

from api.contract import Snapshot
from display.screenshot import render_frame

LONGEST = "#" + "ÉtiquetteTrèsLongueMaisValide" + "x" * 10  # 40 characters, the most allowed


def _tags(renderer) -> list[str]:  # type: ignore[no-untyped-def]
    return [b.text for b in renderer.text_boxes if b.role == "offer-tags"]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_demo_cards_show_their_first_tag(size, assets, artifacts) -> None:
    snapshot = load_snapshot("demo")
    surface, renderer = render_frame(snapshot, "offers", size, NOW, assets)
    pygame.image.save(surface, str(artifacts / f"offers-tags-demo-{size[0]}x{size[1]}.png"))
    check_layout(renderer.text_boxes, size)
    titles = [b.text for b in renderer.text_boxes if b.role == "offer-title"]
    firsts = {o.title: o.first_tag for o in snapshot.offers}
    shown = _tags(renderer)
    # At least half the tagged cards of the first page show it; each one is the offer's first.
    assert 2 * len(shown) >= len([t for t in titles if firsts.get(t)]) > 0, shown
    assert set(shown) <= {firsts[t] for t in titles}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_forty_character_tag_fits_or_gives_way(size, assets, artifacts) -> None:
    data = snapshot_dict("sample")
    for offer in data["offers"]:
        offer["tags"] = [LONGEST, "#court"]
        offer["first_tag"] = LONGEST
    snapshot = Snapshot.model_validate(data)
    surface, renderer = render_frame(snapshot, "offers", size, NOW, assets)
    pygame.image.save(surface, str(artifacts / f"offers-tags-long-{size[0]}x{size[1]}.png"))
    check_layout(renderer.text_boxes, size)
    for box in [b for b in renderer.text_boxes if b.role == "offer-tags"]:
        assert box.text == LONGEST or box.text.endswith("…"), box.text
        assert box.container.contains(box.rect)


def test_portrait_still_holds_four_demo_cards_a_page(assets) -> None:
    _surface, renderer = render_frame(load_snapshot("demo"), "offers", (1080, 1920), NOW, assets)
    assert len([r for r in renderer.regions if r.role == "urgency-band"]) == 4
    assert _tags(renderer)
