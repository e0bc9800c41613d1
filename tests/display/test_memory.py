"""What keeps the screen program small on a Pi: few big surfaces alive, lean imports.

The figures themselves are measured by ``bench/display.py``; these tests pin the
behaviours the figures rest on, and that the picture stays right with them.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pygame
from display_support import NOW, load_snapshot, snapshot_dict

from api.contract import Snapshot
from display.health import shrink
from display.layers import SHIFT_PERIOD_S
from display.renderer import Renderer
from display.settings import DisplaySettings

ROOT = Path(__file__).resolve().parents[2]


def _scene_surfaces(renderer: Renderer) -> int:
    """Scene-sized surfaces the renderer holds besides the screen."""
    upcoming = renderer.compositor.upcoming
    held = [renderer.compositor.view, upcoming.picture if upcoming else None]
    return sum(picture is not None for picture in held)


def test_one_scene_surface_at_most_while_scenes_take_turns_and_data_changes(assets):
    data = snapshot_dict("sample")
    for entry in data["screen"]["playlist"]:
        entry["duration_s"] = 3
    renderer = Renderer((1280, 720), assets)
    renderer.set_snapshot(Snapshot.model_validate(data))
    surface = pygame.Surface((1280, 720))
    now, dt, scenes, most = NOW, 1 / 30, set(), 0
    for frame in range(30 * 40):
        if frame % 30 == 0:  # new data every second, as when staff are busy
            data["offers"][0]["title"] = f"Boulanger·ère n°{frame}"
            renderer.set_snapshot(Snapshot.model_validate(data))
        renderer.update(dt, now)
        renderer.draw(surface)
        most = max(most, _scene_surfaces(renderer))
        scenes.add(renderer.current_scene)
        now += timedelta(seconds=dt)
    assert scenes >= {"offers", "challenge", "announcements"}
    assert most == 1


def test_a_view_let_go_is_drawn_again_identically_after_the_burn_in_shift(assets):
    renderer = Renderer((1280, 720), assets)
    renderer.set_snapshot(load_snapshot("sample"))
    renderer.show("challenge")
    start = NOW.replace(minute=0, second=1)
    screen = pygame.Surface((1280, 720))
    renderer.update(0.1, start)
    renderer.draw(screen)
    assert _scene_surfaces(renderer) == 0, "the screen holds the view; no copy is kept"
    area = renderer.compositor.areas.content
    before = screen.subsurface(area.move(renderer.compositor.shift)).copy()
    old_shift = renderer.compositor.shift
    renderer.update(0.1, start + timedelta(seconds=SHIFT_PERIOD_S))
    renderer.draw(screen)
    assert renderer.compositor.shift != old_shift
    after = screen.subsurface(area.move(renderer.compositor.shift))
    assert pygame.image.tobytes(before, "RGB") == pygame.image.tobytes(after, "RGB")


def test_screenshot_scaled_by_bands_matches_one_smooth_scaling():
    frame = pygame.Surface((1920, 1080))
    for x in range(0, 1920, 37):
        pygame.draw.rect(frame, (x % 256, (3 * x) % 256, 180), (x, 0, 19, 1080))
    pygame.draw.circle(frame, (250, 220, 0), (960, 540), 400)
    half = shrink(frame, 960)
    whole = pygame.transform.smoothscale(frame, (960, 540))
    assert pygame.image.tobytes(half, "RGB") == pygame.image.tobytes(whole, "RGB")
    odd = shrink(frame, 700)
    assert odd.get_size() == (700, 394)
    # No seam between bands: each row of the yellow disc's middle column stays yellow.
    column = [odd.get_at((350, y))[:3] for y in range(60, 334)]
    assert all(r > 230 and g > 200 and b < 30 for r, g, b in column)


def test_settings_come_from_the_environment_under_explicit_values(monkeypatch, tmp_path):
    monkeypatch.setenv("COULOIR_FPS", "12")
    monkeypatch.setenv("COULOIR_CACHE_DIR", str(tmp_path))
    assert DisplaySettings().fps == 12
    assert DisplaySettings().cache_dir == tmp_path
    assert DisplaySettings(fps=20).fps == 20


def test_the_screen_program_loads_no_database_sound_or_image_library():
    script = (
        "import sys\n"
        "from api.cli import build_parser\n"
        "from display.libraries import import_pygame_silent\n"
        "build_parser()\n"
        "import_pygame_silent()\n"
        "import display.app\n"
        "from display.qr import qr_matrix\n"
        "assert len(qr_matrix('http://127.0.0.1:8000/o/ABCDEFGH')) == 29\n"
        "heavy = {'sqlalchemy', 'sqlmodel', 'fastapi', 'pydantic_settings', 'PIL', 'click',\n"
        "         'pygments', 'pygame.mixer', 'pygame.mixer_music'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"SDL_VIDEODRIVER": "dummy", "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
