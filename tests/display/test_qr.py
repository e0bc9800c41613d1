"""QR codes on the offers page: readable by a phone from the corridor.

Decodes a real rendered page with Debian's ``zbarimg`` (zbar-tools) and finds every
visible offer's URL; checks module size and quiet zone.
"""

from __future__ import annotations

import shutil
import subprocess

import pygame
import pytest
from display_support import NOW, load_snapshot, snapshot_dict

from api.contract import Snapshot
from display.qr import QUIET_ZONE, QrCache
from display.scenes.offers import board
from display.screenshot import render_frame

pytestmark = pytest.mark.skipif(shutil.which("zbarimg") is None, reason="needs zbar-tools")


def zbar(path) -> set[str]:
    """Every QR payload zbarimg finds in the image at ``path``."""
    run = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return {line for line in run.stdout.splitlines() if line}


@pytest.mark.parametrize(
    ("name", "size"),
    [
        ("sample", (1920, 1080)),
        ("stress", (1920, 1080)),
        ("sample", (1080, 1920)),
        ("demo", (1080, 1920)),
        ("stress", (1280, 720)),
    ],
)
def test_every_visible_offer_qr_decodes_to_its_url(name, size, tmp_path, assets):
    snapshot = load_snapshot(name)
    surface, renderer = render_frame(snapshot, "offers", size, NOW, assets)
    path = tmp_path / "offers.png"
    pygame.image.save(surface, str(path))
    qrs = [r for r in renderer.regions if r.role == "qr"]
    visible = {r.data for r in qrs}
    # The first page shows the first offers: the new ones, then the board's order (issue 12).
    expected = {o.qr_url for o in board(snapshot)[: len(qrs)]}
    assert visible == expected
    assert zbar(path) == expected


def test_modules_are_six_pixels_at_1080p_with_a_quiet_zone(assets):
    snapshot = load_snapshot("sample")
    surface, renderer = render_frame(snapshot, "offers", (1920, 1080), NOW, assets)
    qrs = QrCache()
    for region in (r for r in renderer.regions if r.role == "qr"):
        modules = qrs.modules(region.data) + 2 * QUIET_ZONE
        assert region.rect.width == region.rect.height
        module_px = region.rect.width / modules
        assert module_px >= 6
        # The quiet zone: 4 modules of white on every side.
        band = round(QUIET_ZONE * module_px)
        r = region.rect
        for x in range(r.left, r.right, 3):
            for y in (r.top, r.top + band - 1, r.bottom - 1, r.bottom - band):
                assert surface.get_at((x, y))[:3] == (255, 255, 255)
        for y in range(r.top, r.bottom, 3):
            for x in (r.left, r.left + band - 1, r.right - 1, r.right - band):
                assert surface.get_at((x, y))[:3] == (255, 255, 255)


def test_qr_surfaces_are_cached_by_content():
    qrs = QrCache()
    first = qrs.surface("https://couloir.example.fr/o/AAAAAA", 6)
    assert qrs.surface("https://couloir.example.fr/o/AAAAAA", 6) is first
    assert qrs.surface("https://couloir.example.fr/o/BBBBBB", 6) is not first


def test_a_very_long_url_never_spills_over_the_card(assets, tmp_path):
    data = snapshot_dict("sample")
    data["offers"][0]["qr_url"] = "https://couloir.example.fr/o/ABCDEF?" + "x" * 300
    snapshot = Snapshot.model_validate(data)
    surface, renderer = render_frame(snapshot, "offers", (1920, 1080), NOW, assets)
    qrs = [r for r in renderer.regions if r.role == "qr"]
    cards = [r for r in renderer.regions if r.role == "urgency-band"]
    assert len(qrs) == len(cards)
    for qr in qrs:
        assert not any(qr.rect.colliderect(b.rect) for b in renderer.text_boxes)
        assert qr.rect.left >= 0 and qr.rect.bottom <= 1080
    path = tmp_path / "long.png"
    pygame.image.save(surface, str(path))
    assert data["offers"][0]["qr_url"] in zbar(path)
