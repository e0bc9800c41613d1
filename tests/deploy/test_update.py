"""update.sh against real builds of the project: a good release goes live, a broken one is
rolled back and the old version serves again, with the screen's data intact."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
from deploy_support import (
    REPO,
    UPDATE,
    VENV_PYTHON,
    free_port,
    install_root,
    run_script,
    script_env,
    wait_for_health,
)

FAKE_SYSTEMCTL = Path(__file__).with_name("fake_systemctl.py")
SERVER = "couloir-server.service"
DISPLAY = "couloir-display.service"


class StagedPi:
    """A Pi staged with --role all whose server runs here through the fake systemctl."""

    def __init__(self, root: Path, tmp: Path) -> None:
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.systemctl = tmp / "systemctl"
        self.systemctl.write_text(f'#!/bin/sh\nexec "{VENV_PYTHON}" "{FAKE_SYSTEMCTL}" "$@"\n')
        self.systemctl.chmod(0o755)
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
def pi(tmp_path: Path, good_wheel: Path, seeded_data: tuple[Path, str]):
    """Couloir installed from the good wheel, serving demo data to one registered screen."""
    root = tmp_path / "pi"
    root.mkdir()
    install_root(root, good_wheel, "--role", "all", "--no-boot")
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


def test_good_release_goes_live(pi: StagedPi, next_wheel: Path, current_version: str) -> None:
    before = board(pi)
    old = pi.current()
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
    assert board(pi)["offers"] == before["offers"]
    backups = list((pi.root / "var/lib/couloir/updates").glob("couloir-before-99.0.0-*.db"))
    assert len(backups) == 1 and backups[0].stat().st_size > 0


def test_broken_release_is_rolled_back(
    pi: StagedPi, broken_wheel: Path, current_version: str
) -> None:
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
    assert board(pi)["offers"] == before["offers"]


def test_same_version_is_left_alone(pi: StagedPi, good_wheel: Path) -> None:
    old = pi.current()
    result = pi.update(good_wheel)
    assert result.returncode == 0, result.stderr
    assert "tourne déjà : rien à faire" in result.stdout
    assert pi.current() == old
    assert len(list((pi.root / "opt/couloir/venvs").iterdir())) == 1


def test_a_release_that_does_not_install_changes_nothing(pi: StagedPi, tmp_path: Path) -> None:
    bogus = tmp_path / "couloir-99.2.0-py3-none-any.whl"
    bogus.write_bytes(b"not a zip file")
    shutil.copyfile(REPO / "deploy" / "constraints.txt", tmp_path / "constraints.txt")
    old = pi.current()
    result = pi.update(bogus)
    assert result.returncode == 1
    assert "rien n'a été modifié" in result.stderr
    assert pi.current() == old
    assert not list((pi.root / "opt/couloir/venvs").glob("99.2.0-*"))
    assert pi.health()["version"] != "99.2.0"


@pytest.fixture
def screen_pi(tmp_path: Path, good_wheel: Path):
    """A screen-only Pi whose display runs here (SDL dummy driver), started like systemd does."""
    root = tmp_path / "pi"
    root.mkdir()
    nobody = f"http://127.0.0.1:{free_port()}"
    install_root(root, good_wheel, "--role", "screen", "--api", nobody, "--no-boot")
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


def test_screen_update_restarts_the_display_on_the_new_version(
    screen_pi: StagedPi, next_wheel: Path, current_version: str
) -> None:
    assert display_venv(screen_pi).startswith(f"{current_version}-")
    result = screen_pi.update(next_wheel)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Mis à jour : Couloir {current_version} -> 99.0.0." in result.stdout
    # Running, and ready (the fake systemctl, like systemd, waited for READY=1).
    assert screen_pi.ctl("is-active", DISPLAY).returncode == 0
    assert display_venv(screen_pi).startswith("99.0.0-")


def test_screen_update_to_a_display_that_cannot_start_is_rolled_back(
    screen_pi: StagedPi, broken_wheel: Path, current_version: str
) -> None:
    old = screen_pi.current()
    result = screen_pi.update(broken_wheel)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "couloir-display n'a pas démarré" in output
    assert f"Retour en arrière : Couloir {current_version} tourne de nouveau" in output
    assert screen_pi.current() == old
    assert screen_pi.ctl("is-active", DISPLAY).returncode == 0
    assert display_venv(screen_pi) == old.removeprefix("venvs/")
