"""update.sh against real builds of the project: a good release goes live, a broken one is
rolled back and the old version serves again, with the screen's data intact."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from deploy_support import (
    REPO,
    UPDATE,
    VENV_PYTHON,
    free_port,
    run_script,
    script_env,
    stand_in,
    stop_process,
    wait_for_health,
)

# conftest.stage_pi: stage_pi(root, *install_args) -> install output
StagePi = Callable[..., str]
FAKE_SYSTEMCTL = Path(__file__).with_name("fake_systemctl.py")
SERVER = "couloir-server.service"
DISPLAY = "couloir-display.service"


class StagedPi:
    """A Pi staged with --role all whose server runs here through the fake systemctl."""

    def __init__(self, root: Path, tmp: Path) -> None:
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.systemctl = stand_in(tmp / "systemctl", FAKE_SYSTEMCTL)
        self.env = script_env(FAKE_SYSTEMD_ROOT=str(root), COULOIR_SYSTEMCTL=str(self.systemctl))

    def ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.systemctl), *args], env=self.env, capture_output=True, text=True, check=False
        )

    def update(self, wheel: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return run_script(
            UPDATE,
            "--root",
            self.root,
            "--source",
            wheel,
            "--timeout",
            "40",
            *args,
            env=self.env,
        )

    def health(self) -> dict:
        return wait_for_health(f"{self.url}/healthz", deadline_s=40).json()

    def current(self) -> str:
        return os.readlink(self.root / "opt/couloir/current")


@pytest.fixture
def pi(tmp_path: Path, stage_pi: StagePi, seeded_data: tuple[Path, str]):
    """Couloir installed from the good wheel, serving demo data to one registered screen."""
    root = tmp_path / "pi"
    stage_pi(root, "--role", "all", "--no-boot")
    staged = StagedPi(root, tmp_path)
    data = root / "var/lib/couloir"
    shutil.rmtree(data)
    shutil.copytree(seeded_data[0], data)
    staged.screen_token = seeded_data[1]
    env_file = root / "etc/couloir/couloir.env"
    # The data folder lives in the staging root; the service listens on a free port here.
    text = env_file.read_text()
    text = text.replace("COULOIR_DATA_DIR=/var/lib/couloir", f"COULOIR_DATA_DIR={data}")
    text = text.replace("COULOIR_HOST=0.0.0.0", "COULOIR_HOST=127.0.0.1")
    text = text.replace("COULOIR_PORT=8000", f"COULOIR_PORT={staged.port}")
    env_file.write_text(text)
    assert staged.ctl("start", SERVER).returncode == 0
    try:
        staged.health()
        yield staged
    finally:
        staged.ctl("stop", SERVER)


def board(pi: StagedPi) -> dict:
    """What the corridor screen receives."""
    response = httpx.get(
        f"{pi.url}/api/v1/display/snapshot",
        headers={"Authorization": f"Bearer {pi.screen_token}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


# What an offer's card shows that is computed from today's date (it moves at the agency's
# midnight, which an update may straddle); the rest is what the database kept.
DATED = {"days_open", "urgency", "is_new"}


def saved_offers(shown: dict) -> list[dict]:
    """The board's offers as the database keeps them, without what today's date computes."""
    return [{k: v for k, v in offer.items() if k not in DATED} for offer in shown["offers"]]


def test_a_broken_release_is_rolled_back_then_a_good_one_goes_live(
    pi: StagedPi, broken_wheel: Path, next_wheel: Path, current_version: str
) -> None:
    """One Pi, two updates (each server start costs seconds): the broken release first, whose
    rollback leaves the Pi as it was, then the good one from there."""
    # The broken release: rolled back, the old version serves again.
    before = board(pi)
    old = pi.current()
    result = pi.update(broken_wheel)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Couloir 99.1.0 n'est pas en bonne santé" in output
    assert f"Retour en arrière : Couloir {current_version} tourne de nouveau" in output
    # Serving again, on the old version, from the old venv, with the same data.
    assert pi.health()["version"] == current_version
    assert pi.current() == old
    assert not list((pi.root / "opt/couloir/venvs").glob("99.1.0-*"))
    assert saved_offers(board(pi)) == saved_offers(before)

    # The good release goes live.
    before = board(pi)
    # Installed before production required https or COULOIR_ALLOW_HTTP=true: still serves.
    env_file = pi.root / "etc/couloir/couloir.env"
    env_file.write_text(env_file.read_text().replace("COULOIR_ALLOW_HTTP=true\n", ""))
    result = pi.update(next_wheel)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "COULOIR_ALLOW_HTTP=true" in env_file.read_text()
    assert f"Mis à jour : Couloir {current_version} -> 99.0.0." in result.stdout
    assert pi.health()["version"] == "99.0.0"
    assert pi.current().startswith("venvs/99.0.0-")
    # The previous venv stays for a manual roll back; the data went through untouched.
    assert (pi.root / "opt/couloir" / old / "bin/couloir").exists()
    assert saved_offers(board(pi)) == saved_offers(before)
    backups = list((pi.root / "var/lib/couloir/updates").glob("couloir-before-99.0.0-*.db"))
    assert len(backups) == 1 and backups[0].stat().st_size > 0


def test_the_same_version_or_a_release_that_does_not_install_changes_nothing(
    pi: StagedPi, good_wheel: Path, tmp_path: Path
) -> None:
    """Two updates that leave the Pi as it is, on one Pi."""
    # The version already running: nothing to do.
    old = pi.current()
    result = pi.update(good_wheel)
    assert result.returncode == 0, result.stderr
    assert "tourne déjà : rien à faire" in result.stdout
    assert pi.current() == old
    assert len(list((pi.root / "opt/couloir/venvs").iterdir())) == 1

    # A release that does not install: nothing modified.
    bogus = tmp_path / "bogus" / "couloir-99.2.0-py3-none-any.whl"
    bogus.parent.mkdir()
    bogus.write_bytes(b"not a zip file")
    shutil.copyfile(REPO / "deploy" / "constraints.txt", bogus.parent / "constraints.txt")
    result = pi.update(bogus)
    assert result.returncode == 1
    assert "rien n'a été modifié" in result.stderr
    assert pi.current() == old
    assert not list((pi.root / "opt/couloir/venvs").glob("99.2.0-*"))
    assert pi.health()["version"] != "99.2.0"


# Where nothing listens (a privileged port no test server takes): the screen update tests'
# service. The fleet test points its copy at its central service.
NOBODY = "http://127.0.0.1:9"


def staged_screen(stage_pi: StagePi, root: Path, screen_token: str) -> None:
    """A screen-only Pi under ``root`` reading ``NOBODY``, with the registered screen's token:
    one install shared by the screen update tests and the fleet's."""
    stage_pi(
        root,
        *("--role", "screen", "--api", NOBODY),
        *("--token", screen_token, "--no-boot"),
    )


@pytest.fixture
def screen_pi(tmp_path: Path, stage_pi: StagePi, seeded_data: tuple[Path, str]):
    """A screen-only Pi whose display runs here (SDL dummy driver), started like systemd does."""
    root = tmp_path / "pi"
    staged_screen(stage_pi, root, seeded_data[1])
    staged = StagedPi(root, tmp_path)
    staged.env["FAKE_SYSTEMD_ENV"] = f"SDL_VIDEODRIVER=dummy COULOIR_CACHE_DIR={tmp_path / 'cache'}"
    started = staged.ctl("start", DISPLAY)
    assert started.returncode == 0, started.stderr
    try:
        yield staged
    finally:
        staged.ctl("stop", DISPLAY)


def display_venv(pi: StagedPi) -> str:
    """The virtualenv the running screen program was started from."""
    pid = int((pi.root / "run/fake-systemd" / f"{DISPLAY}.pid").read_text())
    interpreter = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode()
    return Path(interpreter).parents[1].name


def test_a_screen_update_that_cannot_start_is_rolled_back_then_a_good_one_restarts_it(
    screen_pi: StagedPi, broken_wheel: Path, next_wheel: Path, current_version: str
) -> None:
    """One screen Pi, two updates (each display start costs seconds): the release whose
    display cannot start first, whose rollback leaves the Pi as it was, then the good one."""
    # The display cannot start: the old version comes back.
    old = screen_pi.current()
    assert display_venv(screen_pi).startswith(f"{current_version}-")
    result = screen_pi.update(broken_wheel)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "couloir-display n'a pas démarré" in output
    assert f"Retour en arrière : Couloir {current_version} tourne de nouveau" in output
    assert screen_pi.current() == old
    assert screen_pi.ctl("is-active", DISPLAY).returncode == 0
    assert display_venv(screen_pi) == old.removeprefix("venvs/")

    # The good release: the display restarts on the new version.
    assert display_venv(screen_pi).startswith(f"{current_version}-")
    result = screen_pi.update(next_wheel)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Mis à jour : Couloir {current_version} -> 99.0.0." in result.stdout
    # Running, and ready (the fake systemctl, like systemd, waited for READY=1).
    assert screen_pi.ctl("is-active", DISPLAY).returncode == 0
    assert display_venv(screen_pi).startswith("99.0.0-")


# --- Fleet updates: the Pi's timer against a real central service -----------------------------

FLEET_SCRIPT = "opt/couloir/deploy/bin/couloir-fleet-update"


class CentralService:
    """The Couloir service the screens read, announcing a release (COULOIR_FLEET_VERSION)."""

    def __init__(self, data: Path, port: int) -> None:
        self.data = data
        self.port = port
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, wheel: Path) -> None:
        """Serve, announcing ``wheel``'s release (its folder holds its constraints.txt)."""
        version = wheel.name.split("-")[1]
        env = script_env(
            COULOIR_DATA_DIR=str(self.data),
            COULOIR_FLEET_VERSION=version,
            COULOIR_FLEET_DIR=str(wheel.parent),
        )
        self.process = subprocess.Popen(
            [str(VENV_PYTHON), "-m", "api.cli", "serve", "--port", str(self.port)],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_health(f"{self.url}/healthz", deadline_s=60, process=self.process)

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None

    def screen_row(self) -> dict:
        """The registered screen's row, as the manager's page reads it."""
        with sqlite3.connect(self.data / "couloir.db") as db:
            db.row_factory = sqlite3.Row
            return dict(db.execute("SELECT * FROM screen").fetchone())


def _window_around_now(data: Path) -> None:
    """Give the screen a maintenance window from an hour ago to an hour from now (its
    agency's local time), as a manager would for a daytime pilot."""
    with sqlite3.connect(data / "couloir.db") as db:
        (timezone,) = db.execute("SELECT timezone FROM agency").fetchone()
        local = datetime.now(ZoneInfo(timezone))
        opens = (local - timedelta(hours=1)).strftime("%H:%M")
        closes = (local + timedelta(hours=1)).strftime("%H:%M")
        db.execute(
            "UPDATE screen SET update_window_opens = ?, update_window_closes = ?", (opens, closes)
        )


@pytest.fixture
def fleet(tmp_path: Path, stage_pi: StagePi, seeded_data: tuple[Path, str]):
    """A central service (the demo agency, one screen) and that screen's Pi, staged with
    install.sh --role screen, its display running here on SDL's dummy driver."""
    data = tmp_path / "central"
    # Migrated and seeded by this checkout (seeded_data): the window columns exist.
    shutil.copytree(seeded_data[0], data)
    _window_around_now(data)
    root = tmp_path / "pi"
    staged_screen(stage_pi, root, seeded_data[1])
    central = CentralService(data, free_port())
    env_file = root / "etc/couloir/couloir.env"  # as `install.sh --api` would set it
    env_file.write_text(env_file.read_text().replace(NOBODY, central.url))
    pi = StagedPi(root, tmp_path)
    pi.env["FAKE_SYSTEMD_ENV"] = f"SDL_VIDEODRIVER=dummy COULOIR_CACHE_DIR={tmp_path / 'cache'}"
    assert pi.ctl("start", DISPLAY).returncode == 0
    try:
        yield central, pi
    finally:
        pi.ctl("stop", DISPLAY)
        central.stop()


def _timer_run(pi: StagedPi) -> subprocess.CompletedProcess[str]:
    """What couloir-fleet-update.timer starts, run from the staged Pi's own copy."""
    return subprocess.run(
        [
            str(VENV_PYTHON),
            str(pi.root / FLEET_SCRIPT),
            "--root",
            str(pi.root),
            "--systemctl",
            str(pi.systemctl),
            "--timeout",
            "40",
        ],
        env=pi.env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_fleet_update_installs_the_announced_release_then_rolls_a_broken_one_back(
    fleet: tuple[CentralService, StagedPi],
    next_wheel: Path,
    broken_wheel: Path,
    current_version: str,
) -> None:
    central, pi = fleet
    readme = pi.root / "opt/couloir/deploy/README.md"
    readme.write_text("an old copy\n")

    central.start(next_wheel)
    run = _timer_run(pi)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"update : {current_version} -> 99.0.0" in run.stdout
    assert pi.current().startswith("venvs/99.0.0-")
    assert display_venv(pi).startswith("99.0.0-")
    row = central.screen_row()
    assert (row["reported_version"], row["update_result"], row["update_target"]) == (
        "99.0.0",
        "ok",
        "99.0.0",
    )
    assert row["update_reason"] == "Mise à jour installée : Couloir 99.0.0 tourne."
    # update.sh brought the release's own scripts and units to /opt/couloir/deploy.
    assert readme.read_text() == (REPO / "deploy/raspberrypi/README.md").read_text()
    # Asked again: nothing to do.
    again = _timer_run(pi)
    assert again.returncode == 0 and "nothing : Couloir 99.0.0 tourne déjà" in again.stdout

    central.stop()
    central.start(broken_wheel)
    run = _timer_run(pi)
    assert run.returncode == 2, run.stdout + run.stderr
    assert pi.current().startswith("venvs/99.0.0-")
    assert display_venv(pi).startswith("99.0.0-")
    row = central.screen_row()
    assert (row["reported_version"], row["update_result"], row["update_target"]) == (
        "99.0.0",
        "rolled_back",
        "99.1.0",
    )
    assert row["update_reason"].startswith("99.1.0 ne démarrait pas : retour automatique à 99.0.0.")
    # The failed release is not tried again every half hour.
    later = _timer_run(pi)
    assert later.returncode == 0 and "nouvel essai la nuit suivante" in later.stdout
