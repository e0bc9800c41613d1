"""Every scene, at every size, with every fixture: readable, nothing clipped or overlapping.

Also the behaviour around the scenes: the playlist, pages, urgent takeover, status pages,
clock-only redraws, burn-in shift, stale mark, celebration, photos.
"""

from __future__ import annotations

import itertools
import sys
from datetime import timedelta
from pathlib import Path

import pygame
import pytest
from display_support import NOW, SIZES, fixture_names, load_snapshot, snapshot_dict

from api.contract import Snapshot
from display.renderer import Renderer, ScreenStatus
from display.scenes import SCENES
from display.screenshot import render_frame, render_scene_png
from display.text import TextBox

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from make_snapshots import urgent

TICKER_ROLES = {"ticker", "ticker-label"}


def _snapshot_for(scene: str, name: str) -> Snapshot:
    if scene == "urgent":
        return Snapshot.model_validate(urgent(snapshot_dict(name)))
    return load_snapshot(name)


def check_layout(boxes: list[TextBox], size: tuple[int, int]) -> None:
    """The layout rules of the corridor screen, as a person standing at 3 m needs them."""
    w, h = size
    screen = pygame.Rect(0, 0, w, h)
    assert boxes, "nothing drawn"
    for box in boxes:
        assert screen.contains(box.container), f"{box.role} container off screen: {box}"
        assert box.container.contains(box.rect), f"{box.role} text outside its box: {box}"
        floor = h / 40 if box.role in TICKER_ROLES else h / 30
        assert box.font_px >= floor, f"{box.role} text too small ({box.font_px}px): {box.text}"
    for a, b in itertools.combinations(boxes, 2):
        assert not a.rect.colliderect(b.rect), f"overlap: {a.role} {a.text!r} / {b.role} {b.text!r}"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", fixture_names())
@pytest.mark.parametrize("scene", list(SCENES))
def test_scene_layout(scene, name, size, artifacts, assets):
    snapshot = _snapshot_for(scene, name)
    surface, renderer = render_frame(snapshot, scene, size, NOW, assets)
    pygame.image.save(surface, str(artifacts / f"{scene}-{name}-{size[0]}x{size[1]}.png"))
    assert renderer.current_scene == scene
    check_layout(renderer.text_boxes, size)
    texts = [b.text for b in renderer.text_boxes]
    # Whatever the data, the glyphs drawn are ones the font has (emoji were dropped).
    for box in renderer.text_boxes:
        assert renderer.compositor.painter.texts.clean(box.text, "regular").replace(
            "\u00a0", " "
        ) == box.text.replace("\u00a0", " "), box.text
    assert any("samedi 28 novembre" in t for t in texts)
    assert "10:15" in texts


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_stress_text_wraps_or_ends_with_ellipsis(size, assets):
    _surface, renderer = render_frame(load_snapshot("stress"), "offers", size, NOW, assets)
    employers = [b for b in renderer.text_boxes if b.role == "offer-employer"]
    assert employers
    long_ones = [b for b in employers if b.text.startswith("Établissements")]
    assert long_ones, "the 120-character employer is on page 1"
    for box in long_ones:
        assert box.text.endswith("…")
        assert box.rect.width <= box.container.width


@pytest.mark.parametrize(
    ("size", "cards"),
    [((1920, 1080), 6), ((1280, 720), 6), ((3840, 2160), 6), ((1080, 1920), 4)],
    ids=lambda v: f"{v[0]}x{v[1]}" if isinstance(v, tuple) else str(v),
)
def test_a_page_shows_many_offers_each_with_its_primary_details(size, cards, assets):
    # Seen from the corridor, a page holds several offers, none missing what matters.
    # (Portrait, issue 12: one column of cards, four a page instead of three; the days
    # open sit on the band, where a new offer shows « NOUVEAU » instead.)
    _surface, renderer = render_frame(load_snapshot("demo"), "offers", size, NOW, assets)
    bands = [r for r in renderer.regions if r.role == "urgency-band"]
    assert len(bands) == cards
    for role in ("offer-title", "offer-employer", "offer-meta"):
        assert len([b for b in renderer.text_boxes if b.role == role]) == cards, role
    stats = [b.text for b in renderer.text_boxes if b.role == "offer-stats"]
    new = [b for b in renderer.text_boxes if b.role == "offer-new"]
    if size[0] > size[1]:
        assert len(stats) == cards
        assert all("candidat" in s for s in stats), stats
    else:
        assert len(stats) + len(new) == cards
    assert all("jour" in s or "aujourd'hui" in s for s in stats), stats


def test_offers_keep_the_snapshot_order_not_their_own(assets):
    # The server sends the board's order; the screen shows exactly that order, even one
    # it would not have chosen itself (here the least urgent first).
    data = snapshot_dict("sample")
    data["offers"].reverse()
    snapshot = Snapshot.model_validate(data)
    _surface, renderer = render_frame(snapshot, "offers", (1920, 1080), NOW, assets)
    titles = [b.text for b in renderer.text_boxes if b.role == "offer-title"]
    assert titles == [o.title for o in snapshot.offers[: len(titles)]]
    assert titles[0] == "Agent·e d'entretien"


def test_offers_in_board_order_with_pages(assets):
    snapshot = load_snapshot("sample")
    renderer = Renderer((1920, 1080), assets)
    renderer.set_snapshot(snapshot)
    renderer.show("offers")
    renderer.update(0, NOW)
    renderer.draw(pygame.Surface((1920, 1080)))
    titles = [b.text for b in renderer.text_boxes if b.role == "offer-title"]
    bands = [r.data for r in renderer.regions if r.role == "urgency-band"]
    # Issue 12: the new offers come first (page 1, « NOUVEAU »), then the board's order.
    new = [o.title for o in snapshot.offers if o.is_new]
    assert titles[: len(new)] == new
    assert [b.text for b in renderer.text_boxes if b.role == "offer-new"] == ["NOUVEAU"] * 2
    rest = bands[len(new) :]
    assert rest == sorted(rest, reverse=True)
    assert titles[len(new)] == "Boulanger·ère"  # the oldest of the most urgent
    asides = [b.text for b in renderer.text_boxes if b.role == "aside"]
    assert len(asides) == 1 and asides[0].endswith("1/2")
    # After a page's time, the next page shows.
    renderer.update(SCENES["offers"].view_seconds + 0.1, NOW)
    renderer.update(1.0, NOW)
    renderer.draw(pygame.Surface((1920, 1080)))
    asides = [b.text for b in renderer.text_boxes if b.role == "aside"]
    assert len(asides) == 1 and asides[0].endswith("2/2")
    assert not any(b.text == "NOUVEAU" for b in renderer.text_boxes)


def test_empty_agency_gets_a_friendly_message(assets):
    _, renderer = render_frame(load_snapshot("empty"), "offers", (1920, 1080), NOW, assets)
    texts = [b.text for b in renderer.text_boxes]
    assert "Aucune offre en cours" in texts


def _run(renderer: Renderer, seconds: float, start, fps: float = 10.0, surface=None):
    """Drive the renderer like the app loop; return the rects of each frame and the end time."""
    surface = surface or pygame.Surface(renderer.size)
    frames = []
    t = 0.0
    now = start
    while t < seconds:
        renderer.update(1 / fps, now)
        frames.append(renderer.draw(surface))
        t += 1 / fps
        now = start + timedelta(seconds=t)
    return frames, now, surface


def test_playlist_is_followed_and_empty_scenes_are_skipped(assets):
    data = snapshot_dict("sample")
    data["hires"] = []  # nothing for the gallery: it is skipped
    renderer = Renderer((1280, 720), assets)
    renderer.set_snapshot(Snapshot.model_validate(data))
    seen = []
    surface = pygame.Surface((1280, 720))
    now = NOW
    for _ in range(150 * 4):
        renderer.update(0.25, now)
        renderer.draw(surface)
        if not seen or seen[-1] != renderer.current_scene:
            seen.append(renderer.current_scene)
        now += timedelta(seconds=0.25)
    assert seen[:4] == ["offers", "challenge", "announcements", "offers"]


def test_urgent_announcement_takes_over_then_leaves(assets):
    snapshot = Snapshot.model_validate(urgent(snapshot_dict("sample")))
    renderer = Renderer((1920, 1080), assets)
    renderer.set_snapshot(snapshot)
    _run(renderer, 1, NOW)
    assert renderer.current_scene == "urgent"
    assert any("Alerte incendie" in b.text for b in renderer.text_boxes)
    # Two hours later it has ended: the playlist is back.
    _run(renderer, 2, NOW + timedelta(hours=2))
    assert renderer.current_scene != "urgent"


def test_steady_frames_redraw_nothing_then_only_the_clock(assets):
    renderer = Renderer((1920, 1080), assets)
    renderer.set_snapshot(load_snapshot("sample"))
    renderer.show("challenge")  # one view: no page turns
    start = NOW.replace(second=0) + timedelta(seconds=1)
    frames, now, _ = _run(renderer, 3, start)
    assert frames[0] and frames[0][0].size == (1920, 1080)
    assert all(rects == [] for rects in frames[1:]), "idle frames must not redraw"
    renderer.update(0.1, now.replace(second=0) + timedelta(minutes=1))
    rects = renderer.draw(pygame.Surface((1920, 1080)))  # new target: full frame
    surface = pygame.Surface((1920, 1080))
    renderer.draw(surface)
    renderer.update(0.1, now.replace(second=0) + timedelta(minutes=2))
    rects = renderer.draw(surface)
    assert len(rects) == 1 and rects[0].width * rects[0].height < 1920 * 1080 * 0.02
    clock = next(b for b in renderer.text_boxes if b.role == "clock")
    assert rects[0].contains(clock.rect)


def test_transition_redraws_only_the_scene_area(assets):
    renderer = Renderer((1920, 1080), assets)
    renderer.set_snapshot(load_snapshot("sample"))
    renderer.show("offers")
    start = NOW.replace(second=0) + timedelta(seconds=1)
    frames, _, _ = _run(renderer, SCENES["offers"].view_seconds + 1.5, start)
    animated = [rects for rects in frames[1:] if rects]
    assert len(animated) >= 5, "the page turn is a visible crossfade, not a cut"
    scene_area = renderer.compositor.areas.content.inflate(
        2 * renderer.theme.shift, 2 * renderer.theme.shift
    )
    ticker = renderer.compositor.areas.ticker  # the ticker moves on to its next item meanwhile
    for rects in animated:
        assert all(scene_area.contains(r) or r == ticker for r in rects), rects
    asides = [b.text for b in renderer.text_boxes if b.role == "aside"]
    assert len(asides) == 1 and asides[0].endswith("2/2")


def test_burn_in_shift_moves_static_text(assets):
    renderer = Renderer((1920, 1080), assets)
    renderer.set_snapshot(load_snapshot("sample"))
    renderer.show("challenge")
    surface = pygame.Surface((1920, 1080))
    renderer.update(0, NOW)
    renderer.draw(surface)
    first = {b.role: b.rect for b in renderer.text_boxes}
    moved = set()
    for minutes in range(3, 30, 3):
        renderer.update(0.1, NOW + timedelta(minutes=minutes))
        renderer.draw(surface)
        now_rects = {b.role: b.rect for b in renderer.text_boxes}
        for role in ("agency", "challenge-title", "ticker"):
            delta = (now_rects[role].x - first[role].x, now_rects[role].y - first[role].y)
            assert max(abs(delta[0]), abs(delta[1])) <= 2 * renderer.theme.shift
            if delta != (0, 0):
                moved.add(role)
        check_layout(renderer.text_boxes, (1920, 1080))
    assert moved == {"agency", "challenge-title", "ticker"}


def test_stale_mark_shows_time_of_last_data(assets):
    renderer = Renderer((1920, 1080), assets)
    renderer.set_snapshot(load_snapshot("sample"))
    surface = pygame.Surface((1920, 1080))
    _run(renderer, 0.3, NOW)
    assert not [b for b in renderer.text_boxes if b.role == "stale"]
    renderer.set_stale_since(NOW - timedelta(minutes=3))
    _run(renderer, 0.3, NOW)
    stale = [b.text for b in renderer.text_boxes if b.role == "stale"]
    assert stale == ["données du 10:12"]
    check_layout(renderer.text_boxes, (1920, 1080))
    renderer.set_stale_since(None)
    _run(renderer, 0.3, NOW)
    assert not [b for b in renderer.text_boxes if b.role == "stale"]
    del surface


def test_milestone_crossing_celebrates_on_the_challenge(assets, artifacts):
    data = snapshot_dict("sample")
    renderer = Renderer((1280, 720), assets)
    renderer.set_snapshot(Snapshot.model_validate(data))
    _run(renderer, 1, NOW)
    assert renderer.current_scene == "offers"
    data["challenge"]["total"] = 23  # 19/30 → 23/30 crosses 75 %
    data["challenge"]["by_service"] = {"cde": 13, "cdde": 10}
    renderer.set_snapshot(Snapshot.model_validate(data))
    frames, now, surface = _run(renderer, 2, NOW + timedelta(seconds=1))
    assert renderer.current_scene == "challenge"
    assert all(rects for rects in frames), "the confetti move every frame"
    banner_colour = renderer.theme.palette.accent
    cx, cy = renderer.compositor.areas.content.move(renderer.compositor.shift).center
    inside_banner = (cx - renderer.compositor.banner.get_width() // 2 + 3, cy)
    assert tuple(surface.get_at(inside_banner))[:3] == banner_colour
    pygame.image.save(surface, str(artifacts / "celebration-sample-1280x720.png"))
    frames, _, surface = _run(renderer, 5, now)
    assert frames[-1] == []  # over after a few seconds: back to a still frame
    assert tuple(surface.get_at(inside_banner))[:3] != banner_colour


def test_no_celebration_when_no_milestone_is_crossed(assets):
    data = snapshot_dict("sample")
    renderer = Renderer((1280, 720), assets)
    renderer.set_snapshot(Snapshot.model_validate(data))
    _run(renderer, 1, NOW)
    data["challenge"]["total"] = 20
    renderer.set_snapshot(Snapshot.model_validate(data))
    _run(renderer, 1, NOW + timedelta(seconds=1))
    assert renderer.current_scene == "offers"


def test_photo_is_cropped_to_fill(assets):
    snapshot = load_snapshot("sample")
    renderer = Renderer((1920, 1080), assets)
    renderer.set_snapshot(snapshot)
    renderer.show("hires")
    photo = pygame.Surface((3000, 1000))  # much wider than the frame: cropped, not squashed
    photo.fill((200, 30, 30))
    photo.fill((30, 200, 30), pygame.Rect(1000, 0, 1000, 1000))  # the middle third is green
    first = sorted(snapshot.hires, key=lambda h: h.hired_on, reverse=True)[0]
    renderer.set_photo(first.id, photo)
    surface = pygame.Surface((1920, 1080))
    renderer.update(0, NOW)
    renderer.draw(surface)
    region = next(r for r in renderer.regions if r.role == "photo")
    assert region.data == first.id
    for point in (
        region.rect.center,
        (region.rect.left + 5, region.rect.centery),
        (region.rect.right - 5, region.rect.centery),
    ):
        colour = tuple(surface.get_at(point))[:3]
        assert max(abs(a - b) for a, b in zip(colour, (30, 200, 30), strict=True)) <= 12


def test_pairing_waiting_and_off_screens(assets, artifacts):
    renderer = Renderer((1920, 1080), assets)
    surface = pygame.Surface((1920, 1080))
    renderer.set_status(ScreenStatus.PAIRING, "K7P-4QX")
    renderer.update(0, NOW)
    assert renderer.draw(surface)
    pygame.image.save(surface, str(artifacts / "status-pairing-1920x1080.png"))
    texts = [b.text for b in renderer.text_boxes]
    assert "K7P-4QX" in texts
    assert any("Écrans › Associer un écran" in t for t in texts)
    check_layout(renderer.text_boxes, (1920, 1080))
    renderer.set_status(ScreenStatus.WAITING)
    renderer.update(0, NOW)
    renderer.draw(surface)
    pygame.image.save(surface, str(artifacts / "status-waiting-1920x1080.png"))
    assert "En attente des données…" in [b.text for b in renderer.text_boxes]
    renderer.set_status(ScreenStatus.OFF)
    renderer.update(0, NOW)
    assert renderer.draw(surface)
    assert surface.get_at((960, 540))[:3] == (0, 0, 0)
    assert surface.get_at((5, 5))[:3] == (0, 0, 0)
    renderer.update(1, NOW)
    assert renderer.draw(surface) == []  # black stays black without redrawing


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_status_screens_layout(size, assets):
    for status, code in ((ScreenStatus.PAIRING, "K7P-4QX"), (ScreenStatus.WAITING, None)):
        renderer = Renderer(size, assets)
        renderer.set_status(status, code)
        renderer.update(0, NOW)
        renderer.draw(pygame.Surface(size))
        check_layout(renderer.text_boxes, size)


def test_screenshot_writes_a_png(tmp_path):
    path = tmp_path / "shot.png"
    render_scene_png(load_snapshot("sample"), "challenge", (1280, 720), path, NOW)
    image = pygame.image.load(str(path))
    assert image.get_size() == (1280, 720)


def _content_samples(surface, area):
    return [
        surface.get_at((x, y))
        for x in range(area.left, area.right, 5)
        for y in range(area.top, area.bottom, 5)
    ]


def test_slide_shows_both_pages_then_exactly_the_new_one(assets, artifacts):
    snapshot = load_snapshot("sample")
    pages = []
    for page in (0, 1):
        reference = Renderer((1280, 720), assets)
        reference.set_snapshot(snapshot)
        reference.show("offers", page)
        reference.update(0, NOW.replace(second=5))
        picture = pygame.Surface((1280, 720))
        reference.draw(picture)
        pages.append(picture)
    renderer = Renderer((1280, 720), assets)
    renderer.set_snapshot(snapshot)
    renderer.show("offers")
    surface = pygame.Surface((1280, 720))
    now = NOW.replace(second=5)
    dt = 1 / 30
    while not (renderer.compositor.slide.active and renderer.compositor.slide.elapsed > 0.35):
        renderer.update(dt, now)
        renderer.draw(surface)
        now += timedelta(seconds=dt)
    pygame.image.save(surface, str(artifacts / "slide-mid-1280x720.png"))
    area = renderer.compositor.areas.content.move(renderer.compositor.shift)
    middle = _content_samples(surface, area)
    assert middle != _content_samples(pages[0], area)
    assert middle != _content_samples(pages[1], area)
    for _ in range(40):
        renderer.update(dt, now)
        renderer.draw(surface)
        now += timedelta(seconds=dt)
    assert not renderer.compositor.slide.active
    assert _content_samples(surface, area) == _content_samples(pages[1], area), (
        "after the slide, the page is exactly the one rendered directly"
    )


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", ["sample", "stress"])
def test_later_pages_and_items_keep_the_layout_rules(name, size, assets):
    snapshot = load_snapshot(name)
    renderer = Renderer(size, assets)
    renderer.set_snapshot(snapshot)
    for scene in ("offers", "hires", "announcements"):
        views = SCENES[scene].views(snapshot, renderer.theme, assets, NOW)
        for view in range(1, min(views, 4)):
            renderer.show(scene, view)
            renderer.update(0, NOW)
            renderer.draw(pygame.Surface(size))
            check_layout(renderer.text_boxes, size)


def test_ticker_cycles_through_news_redrawing_only_itself(assets):
    renderer = Renderer((1920, 1080), assets)
    renderer.set_snapshot(load_snapshot("sample"))
    renderer.show("challenge")
    surface = pygame.Surface((1920, 1080))
    start = NOW.replace(second=1)
    frames, _, _ = _run(renderer, 26, start, fps=5, surface=surface)
    redrawn = [rect for rects in frames[1:] for rect in rects]
    assert redrawn and all(rect == renderer.compositor.areas.ticker for rect in redrawn)
    renderer2 = Renderer((1920, 1080), assets)
    renderer2.set_snapshot(load_snapshot("sample"))
    renderer2.show("challenge")
    texts = []
    now = start
    for _ in range(4):
        _, now, _ = _run(renderer2, 8.2, now, fps=5)
        texts.append(next(b.text for b in renderer2.text_boxes if b.role == "ticker"))
    assert len(set(texts)) >= 3
    assert any(t.startswith("Bravo") for t in texts)


def test_what_both_services_did_together_is_shown_as_their_shared_part(assets, artifacts):
    """A CDDE's candidate hired on a CDE's offer: a striped part between the two colours,
    « ensemble 2 » in the legend and on the recent contribution, never a third competitor."""
    data = load_snapshot("sample").model_dump(mode="json")
    challenge = data["challenge"]
    challenge |= {"by_service": {"cde": 3, "cdde": 2}, "shared": 2, "total": 7}
    challenge["recent"][0] |= {"service": "cde", "shared": True}
    snapshot = Snapshot.model_validate(data)
    surface, renderer = render_frame(snapshot, "challenge", (1920, 1080), NOW, assets)
    pygame.image.save(surface, str(artifacts / "challenge-shared.png"))
    [shared] = [r for r in renderer.regions if r.role == "gauge-shared"]
    [gauge] = [r for r in renderer.regions if r.role == "gauge"]
    assert shared.data == 2
    # Between the CDE part (3) and the CDDE part (2), two units wide on the goal's scale.
    unit = gauge.rect.width / max(snapshot.challenge.goal, 7)
    assert abs(shared.rect.left - (gauge.rect.left + 3 * unit)) <= 2
    assert abs(shared.rect.width - 2 * unit) <= 2
    row = range(shared.rect.left + 2, shared.rect.right - 2)
    colours = {tuple(surface.get_at((x, shared.rect.centery)))[:3] for x in row}
    palette = renderer.theme.palette
    assert {palette.cde, palette.cdde} <= colours  # stripes of both services' colours
    texts = [b.text for b in renderer.text_boxes]
    assert "ensemble 2" in texts
    assert "ensemble" in [b.text for b in renderer.text_boxes if b.role == "recent-service"]


def test_a_service_with_no_part_of_its_own_is_not_shown_as_zero_beside_a_shared_part(assets):
    data = load_snapshot("sample").model_dump(mode="json")
    data["challenge"] |= {"by_service": {"cde": 3, "cdde": 0}, "shared": 4, "total": 7}
    _, renderer = render_frame(
        Snapshot.model_validate(data), "challenge", (1920, 1080), NOW, assets
    )
    legend = [b.text for b in renderer.text_boxes if b.role == "legend"]
    assert legend == ["CDE 3", "ensemble 4"]
