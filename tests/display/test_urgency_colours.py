"""The four urgency levels stay distinct on screen, for every kind of colour vision.

Measures the band colours in a rendered offers page (not the hex values in the code) and
checks CIEDE2000 ≥ 25 between any two for normal vision, ≥ 12 under simulated
deuteranopia, protanopia and tritanopia (Machado 2009, full severity). Colour is never
alone: each band also carries its label and its own shape.
"""

from __future__ import annotations

import itertools
from collections import Counter

import pygame
import pytest
from colourvision import MACHADO, delta_e2000, simulate, srgb_to_lab
from display_support import NOW, snapshot_dict

from api.contract import Snapshot
from api.domain.urgency import LEVELS
from display.screenshot import render_frame


def four_levels() -> Snapshot:
    """The sample agency with exactly one offer of each urgency level, in board order."""
    data = snapshot_dict("sample")
    offers = []
    for level, offer in zip(range(3, -1, -1), data["offers"], strict=False):
        offer["urgency"] = {"level": level, "label": LEVELS[level].label, "overridden": False}
        offers.append(offer)
    data["offers"] = offers
    return Snapshot.model_validate(data)


def measured_bands(size=(1920, 1080)):
    surface, renderer = render_frame(four_levels(), "offers", size, NOW)
    bands = {}
    for region in (r for r in renderer.regions if r.role == "urgency-band"):
        pixels = Counter(
            tuple(surface.get_at((x, y)))[:3]
            for x in range(region.rect.left, region.rect.right, 2)
            for y in range(region.rect.top + 2, region.rect.bottom - 2, 2)
        )
        bands[region.data] = pixels.most_common(1)[0][0]  # the band's own colour
    return bands, renderer, surface


@pytest.mark.parametrize("vision", [None, *MACHADO])
def test_band_colours_are_distinct(vision):
    bands, _, _ = measured_bands()
    assert sorted(bands) == [0, 1, 2, 3]
    threshold = 25 if vision is None else 12
    for a, b in itertools.combinations(sorted(bands), 2):
        ca, cb = bands[a], bands[b]
        if vision:
            ca, cb = simulate(ca, vision), simulate(cb, vision)
        diff = delta_e2000(srgb_to_lab(ca), srgb_to_lab(cb))
        assert diff >= threshold, f"{LEVELS[a].label} / {LEVELS[b].label}: ΔE00 {diff:.1f}"


def test_each_band_has_its_label_and_its_own_shape(artifacts):
    _bands, renderer, surface = measured_bands()
    pygame.image.save(surface, str(artifacts / "urgency-levels-1920x1080.png"))
    labels = [b.text for b in renderer.text_boxes if b.role == "urgency-label"]
    assert sorted(labels) == sorted(level.label.upper() for level in LEVELS)
    # The icon is the ink-coloured shape at the band's left: four different silhouettes.
    masks = []
    for region in sorted(
        (r for r in renderer.regions if r.role == "urgency-band"), key=lambda r: r.data
    ):
        ink = tuple(int(LEVELS[region.data].ink[i : i + 2], 16) for i in (1, 3, 5))
        side = region.rect.height
        box = pygame.Rect(region.rect.left, region.rect.top, side, side)
        mask = frozenset(
            (x - box.left, y - box.top)
            for x in range(box.left, box.right)
            for y in range(box.top, box.bottom)
            if tuple(surface.get_at((x, y)))[:3] == ink
        )
        assert len(mask) > side  # a visible shape
        masks.append(mask)
    for a, b in itertools.combinations(masks, 2):
        overlap = len(a & b) / len(a | b)
        assert overlap < 0.85, "two levels share a shape"


def test_colour_science_matches_reference_values():
    # Sharma, Wu & Dalal (2005) test pairs.
    assert abs(delta_e2000((50, 2.6772, -79.7751), (50, 0, -82.7485)) - 2.0425) < 1e-3
    assert (
        abs(delta_e2000((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387)) - 1.2644) < 1e-3
    )
    # Under protanopia, pure red and green become hard to tell apart.
    red, green = (220, 40, 40), (40, 160, 40)
    normal = delta_e2000(srgb_to_lab(red), srgb_to_lab(green))
    proto = delta_e2000(
        srgb_to_lab(simulate(red, "protanopia")), srgb_to_lab(simulate(green, "protanopia"))
    )
    assert proto < normal / 2
