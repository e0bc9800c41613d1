"""The agenda scene: the next 14 days, today's events first and highlighted, counts by service
and a QR code per event that a phone decodes (zbarimg), at 1080p and in portrait."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pygame
import pytest
from display_support import NOW, load_snapshot, snapshot_dict
from test_qr import zbar
from test_scenes import check_layout

from api.contract import Snapshot
from display.scenes import SCENES
from display.scenes.agenda import upcoming
from display.screenshot import render_frame
from display.theme import theme_for

SIZES = [(1920, 1080), (1080, 1920)]


@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="needs zbar-tools")
@pytest.mark.parametrize("name", ["sample", "stress", "demo"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_card_is_readable_and_its_qr_decodes_to_the_event_page(name, size, tmp_path, assets):
    snapshot = load_snapshot(name)
    if not upcoming(snapshot, NOW):
        pytest.skip(f"{name} has no event in the next 14 days")
    surface, renderer = render_frame(snapshot, "agenda", size, NOW, assets)
    check_layout(renderer.text_boxes, size)
    path = tmp_path / "agenda.png"
    pygame.image.save(surface, str(path))
    qrs = [r.data for r in renderer.regions if r.role == "qr"]
    assert qrs == [e.qr_url for e in upcoming(snapshot, NOW)[: len(qrs)]]
    assert all("/admin/agenda/" in url for url in qrs)
    assert zbar(path) == set(qrs)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_today_comes_first_highlighted_with_counts_by_service(size, assets):
    snapshot = load_snapshot("sample")
    surface, renderer = render_frame(snapshot, "agenda", size, NOW, assets)
    texts = [b.text for b in renderer.text_boxes if b.role.startswith("agenda")]
    assert texts[0].startswith("Aujourd'hui · 13:30")
    assert texts[1] == "Forum de l'emploi saisonnier"
    [today] = [r for r in renderer.regions if r.role == "agenda-today"]
    assert today.data == 7
    counts = [b.text for b in renderer.text_boxes if b.role == "agenda-count"]
    assert counts[:4] == ["CDE 2", "CDDE 3", "CDE 4", "CDDE 6"]
    # The highlight is drawn: the frame of today's card is in the accent colour.
    accent = theme_for(size).palette.accent
    frame = today.rect
    assert surface.get_at((frame.centerx, frame.top + 1))[:3] == accent


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_each_card_says_where_in_full_even_when_the_kind_does_not_fit(size, assets):
    snapshot = load_snapshot("demo")
    _, renderer = render_frame(snapshot, "agenda", size, NOW, assets)
    shown = [b.text for b in renderer.text_boxes if b.role == "agenda-what"]
    events = upcoming(snapshot, NOW)[: len(shown)]
    assert shown and all(not text.endswith("…") for text in shown)
    for text, event in zip(shown, events, strict=True):
        assert text.endswith(event.place), (text, event.place)


def test_past_and_far_events_are_left_out_and_an_empty_agenda_is_skipped(assets):
    data = snapshot_dict("sample")
    data["agenda"] = [
        {**data["agenda"][0], "starts_at": (NOW - timedelta(hours=3)).isoformat(),
         "ends_at": (NOW - timedelta(hours=1)).isoformat()},
        {**data["agenda"][1], "starts_at": (NOW + timedelta(days=15)).isoformat(),
         "ends_at": (NOW + timedelta(days=15, hours=1)).isoformat()},
    ]  # fmt: skip
    snapshot = Snapshot.model_validate(data)
    assert upcoming(snapshot, NOW) == []
    theme = theme_for((1920, 1080))
    assert SCENES["agenda"].views(snapshot, theme, assets, NOW) == 0
    _surface, renderer = render_frame(snapshot, "agenda", (1920, 1080), NOW, assets)
    assert "Aucun rendez-vous dans les 14 prochains jours" in [b.text for b in renderer.text_boxes]


def test_a_snapshot_without_agenda_still_validates_older_servers_stay_readable():
    data = snapshot_dict("sample")
    del data["agenda"]
    assert Snapshot.model_validate(data).agenda == []
