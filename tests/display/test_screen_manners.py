"""Issue 12, the corridor screen's manners: rendered and measured screens.

New offers first with « NOUVEAU », counts per urgency level in the heading, portrait cards
that wrap instead of cutting, la criée scrolling a long item, French without brackets, no
empty scene, and a calm card for a hire without a photo.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pygame
import pytest
from display_support import NOW, load_snapshot, snapshot_dict

from api.contract import Snapshot
from api.domain.urgency import describe
from display.frame import challenge_news, ticker_items
from display.renderer import Renderer
from display.scenes import SCENES
from display.screenshot import render_frame

LANDSCAPE, PORTRAIT = (1920, 1080), (1080, 1920)
NEVER_CUT = {
    "offer-title",
    "offer-employer",
    "offer-meta",
    "offer-stats",
    "hire-title",
    "hire-employer",
    "hire-story",
    "hire-date",
    "credit-name",
    "date",
    "ticker",
}


def _frames(snapshot: Snapshot, scene: str, size, assets):
    """Every view of ``scene``: (view, renderer) after drawing it."""
    renderer = Renderer(size, assets)
    renderer.set_snapshot(snapshot)
    views = SCENES[scene].views(snapshot, renderer.theme, assets, NOW)
    for view in range(views):
        renderer.show(scene, view)
        renderer.update(0, NOW)
        renderer.draw(pygame.Surface(size))
        yield view, renderer


@pytest.mark.parametrize("size", [LANDSCAPE, PORTRAIT], ids=["landscape", "portrait"])
def test_a_new_offer_is_on_the_first_page_marked_nouveau(size, assets):
    data = snapshot_dict("demo")
    for offer in data["offers"]:
        offer["is_new"] = False
    data["offers"][-1]["is_new"] = True  # the least urgent, on the last page until now
    snapshot = Snapshot.model_validate(data)
    _surface, renderer = render_frame(snapshot, "offers", size, NOW, assets)
    titles = [b.text for b in renderer.text_boxes if b.role == "offer-title"]
    assert titles[0] == data["offers"][-1]["title"]
    assert [b.text for b in renderer.text_boxes if b.role == "offer-new"] == ["NOUVEAU"]
    # The others follow in the board's order.
    assert titles[1:] == [o["title"] for o in data["offers"][: len(titles) - 1]]


@pytest.mark.parametrize("size", [LANDSCAPE, PORTRAIT, (1280, 720)], ids=str)
@pytest.mark.parametrize("name", ["demo", "sample", "stress"])
def test_the_heading_counts_offers_per_urgency_level(name, size, assets):
    snapshot = load_snapshot(name)
    expected = Counter(o.urgency.level for o in snapshot.offers)
    for view, renderer in _frames(snapshot, "offers", size, assets):
        counts = {r.data[0]: r.data[1] for r in renderer.regions if r.role == "urgency-count"}
        assert counts == dict(expected), (view, counts)
        numbers = [b.text for b in renderer.text_boxes if b.role == "urgency-count"]
        assert sorted(map(int, numbers)) == sorted(expected.values())
        if view >= 1:
            break
    # Landscape says each level in words, agreed with its number, from the one definition.
    if size == LANDSCAPE and name == "demo":
        labels = [b.text for b in renderer.text_boxes if b.role == "urgency-count-label"]
        plural = {level: describe(level).label for level in expected}
        assert labels[0] == plural[3] + "es"  # « très urgentes »
        assert "à pourvoir" in labels


def test_portrait_wraps_instead_of_cutting_and_holds_four_offers_a_page(assets):
    snapshot = load_snapshot("demo")
    per_page = []
    for _view, renderer in _frames(snapshot, "offers", PORTRAIT, assets):
        cards = [r for r in renderer.regions if r.role == "urgency-band"]
        per_page.append(len(cards))
        for box in renderer.text_boxes:
            if box.role in NEVER_CUT:
                assert not box.text.endswith("…"), box
    assert per_page[0] >= 4
    assert sum(1 for n in per_page if n >= 4) >= len(per_page) // 2, per_page
    assert len(per_page) <= -(-len(snapshot.offers) // 4) + 2, per_page  # was 15 pages
    for _view, renderer in _frames(snapshot, "hires", PORTRAIT, assets):
        for box in renderer.text_boxes:
            if box.role in NEVER_CUT:
                assert not box.text.endswith("…"), box


@pytest.mark.parametrize("size", [LANDSCAPE, PORTRAIT, (1280, 720)], ids=str)
def test_one_way_of_writing_durations(size, assets):
    snapshot = load_snapshot("demo")
    stats = []
    for _view, renderer in _frames(snapshot, "offers", size, assets):
        stats += [b.text for b in renderer.text_boxes if b.role == "offer-stats"]
    assert stats
    assert not [s for s in stats if re.search(r"\d j\b", s)], stats
    assert all(re.search(r"\d jours?\b|aujourd'hui", s) for s in stats), stats


@pytest.mark.parametrize("size", [LANDSCAPE, PORTRAIT], ids=["landscape", "portrait"])
def test_la_criee_scrolls_a_long_item_instead_of_cutting_it(size, assets):
    snapshot = load_snapshot("demo")
    item = ticker_items(snapshot, NOW)[0]
    assert item.endswith("Sophie Marchal et Thomas Girard")
    renderer = Renderer(size, assets)
    renderer.set_snapshot(snapshot)
    renderer.show("challenge")
    surface = pygame.Surface(size)
    seen, now, redrawn = [], NOW, []
    for _ in range(40 * 10):
        renderer.update(0.1, now)
        redrawn.append(renderer.draw(surface))
        now += timedelta(seconds=0.1)
        shown = [b for b in renderer.text_boxes if b.role == "ticker"]
        assert len(shown) == 1 and not shown[0].text.endswith("…"), shown
        assert shown[0].container.contains(shown[0].rect)
        if renderer.ticker.index:
            break
        seen.append(shown[0].text.replace("\u00a0", " "))
    assert seen[0].startswith("Bravo")
    assert seen[-1].endswith("Thomas Girard"), seen[-1]  # the CDDE, credited at last
    # Every character was in view at some moment.
    covered = set()
    for text in set(seen):
        start = item.find(text)
        assert start >= 0, text
        covered.update(range(start, start + len(text)))
    assert covered == set(range(len(item)))
    ticker = renderer.compositor.areas.ticker
    assert any(rects == [ticker] for rects in redrawn), "scrolling redraws only the ticker"


def _all_drawn_texts(snapshot: Snapshot, size, assets) -> list[str]:
    texts = []
    for name, scene in SCENES.items():
        if not scene.in_playlist:
            continue
        for _view, renderer in _frames(snapshot, name, size, assets):
            texts += [b.text for b in renderer.text_boxes]
    return texts


def test_french_without_brackets_singular_and_plural(assets):
    snapshot = load_snapshot("demo")
    texts = _all_drawn_texts(snapshot, LANDSCAPE, assets) + ticker_items(snapshot, NOW)
    bracketed = [t for t in texts if re.search(r"\w\(\w+\)", t) or "(" in t]
    assert not bracketed, bracketed
    news = challenge_news(snapshot.challenge)
    assert news.count(snapshot.challenge.unit) == 1, news  # said once, as a person would
    data = snapshot_dict("demo")
    data["challenge"].update(total=1, by_service={"cde": 1, "cdde": 0})
    one = Snapshot.model_validate(data)
    assert "déjà 1 offre TPE pourvue sur 30" in challenge_news(one.challenge)
    data["offers"] = [
        o | {"urgency": {"level": 3, "label": "très urgent"}} for o in data["offers"][:1]
    ]
    items = ticker_items(Snapshot.model_validate(data), NOW)
    assert "Une offre très urgente cherche un candidat : scannez son QR code !" in items
    data["offers"] = [
        o | {"urgency": {"level": 3, "label": "très urgent"}}
        for o in snapshot_dict("demo")["offers"][:3]
    ]
    items = ticker_items(Snapshot.model_validate(data), NOW)
    assert any(i.startswith("3 offres très urgentes cherchent des candidats") for i in items)


@pytest.mark.parametrize("name", ["empty", "demo"])
def test_no_scene_draws_an_empty_box(name, assets):
    # A playlist scene with nothing to show is skipped; pinned, it says so in words.
    snapshot = load_snapshot(name)
    renderer = Renderer(LANDSCAPE, assets)
    renderer.set_snapshot(snapshot)
    shown, now, surface = set(), NOW, pygame.Surface(LANDSCAPE)
    for _ in range(4 * 120):
        renderer.update(0.25, now)
        renderer.draw(surface)
        shown.add(renderer.current_scene)
        now += timedelta(seconds=0.25)
    for scene in shown:
        assert SCENES[scene].views(snapshot, renderer.theme, assets, NOW) > 0, scene
        _surface, pinned = render_frame(snapshot, scene, LANDSCAPE, NOW, assets)
        content = pinned.compositor.areas.content
        inside = [b for b in pinned.text_boxes if content.contains(b.rect) and b.role != "heading"]
        assert inside, f"{scene} draws a box without words"


@pytest.mark.parametrize("size", [LANDSCAPE, (1280, 720)], ids=str)
def test_a_hire_without_a_photo_gets_a_calm_typographic_card(size, assets):
    snapshot = load_snapshot("demo")
    surface, renderer = render_frame(snapshot, "hires", size, NOW, assets)
    card = next(r for r in renderer.regions if r.role == "hire-card")
    assert not [r for r in renderer.regions if r.role in ("illustration", "photo")]
    roles = {b.role: b.text for b in renderer.text_boxes if card.rect.contains(b.rect)}
    hire = max(snapshot.hires, key=lambda h: (h.hired_on, h.id))
    assert roles["hire-card-employer"] == hire.employer
    # One flat tone behind the type: no blobs, no dots (samples away from text and corners).
    words = [b.rect.inflate(8, 8) for b in renderer.text_boxes if card.rect.contains(b.rect)]
    inner = card.rect.inflate(-card.rect.width // 8, -card.rect.height // 8)
    samples = [
        tuple(surface.get_at((x, y)))[:3]
        for x in range(inner.left, inner.right, 9)
        for y in range(inner.top, inner.bottom, 9)
        if not any(w.collidepoint(x, y) for w in words)
    ]
    _tone, most = Counter(samples).most_common(1)[0]
    assert most / len(samples) >= 0.97, Counter(samples).most_common(4)


@pytest.mark.parametrize("size", [LANDSCAPE, PORTRAIT], ids=["landscape", "portrait"])
def test_a_hire_credited_to_one_service_shows_no_empty_pill(size, assets):
    data = snapshot_dict("demo")
    for hire in data["hires"]:
        hire["cdde_name"] = None
    _surface, renderer = render_frame(Snapshot.model_validate(data), "hires", size, NOW, assets)
    names = [b.text for b in renderer.text_boxes if b.role == "credit-name"]
    services = [b.text for b in renderer.text_boxes if b.role == "credit-service"]
    assert services == ["CDE"] and len(names) == 1 and "—" not in names


def test_portrait_challenge_keeps_the_dates_of_its_contributions(assets):
    _surface, renderer = render_frame(load_snapshot("demo"), "challenge", PORTRAIT, NOW, assets)
    recent = [b for b in renderer.text_boxes if b.role == "recent"]
    assert recent
    assert all(not b.text.endswith("…") and b.text.endswith("novembre") for b in recent), recent
