"""install.sh's last step against a stand-in systemctl: the units it starts, and a Pi with no
TV attached, whose screen cannot start before the reboot, still installed completely."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from deploy_support import (
    INSTALL,
    PI_CMDLINE,
    free_port,
    make_boot_partition,
    run_script,
    script_env,
    stand_in,
)

# conftest.installed_venv(root): the good wheel's virtualenv, already installed under root
InstalledVenv = Callable[[Path], None]
FAKE_SYSTEMCTL = Path(__file__).with_name("fake_systemctl.py")
DISPLAY = "couloir-display.service"
AFTER_REBOOT = "il démarrera après le redémarrage"
REBOOT_HINT = "Redémarrez le Pi pour terminer l'installation : sudo reboot"


def _systemctl(tmp: Path) -> Path:
    return stand_in(tmp / "systemctl", FAKE_SYSTEMCTL)


def _install(tmp: Path, wheel: Path, installed_venv: InstalledVenv, *args: str, **fake_env: str):
    """install.sh on a staged Pi whose systemctl commands really run, through the stand-in.

    Couloir's virtualenv is already there (``installed_venv``): these tests are about the
    services install.sh starts, not about pip."""
    root = tmp / "pi"
    root.mkdir(exist_ok=True)
    installed_venv(root)
    env = script_env(FAKE_SYSTEMD_ROOT=str(root), **fake_env)
    result = run_script(
        INSTALL,
        "--root",
        root,
        "--source",
        wheel,
        "--systemctl",
        _systemctl(tmp),
        *args,
        env=env,
    )
    calls = (root / "run/fake-systemd/calls").read_text().splitlines()
    return result, result.stdout + result.stderr, calls


def test_no_tv_install_completes_and_says_the_screen_starts_after_the_reboot(
    tmp_path: Path, good_wheel: Path, installed_venv: InstalledVenv
) -> None:
    make_boot_partition(tmp_path / "pi", PI_CMDLINE)
    result, output, calls = _install(
        tmp_path,
        good_wheel,
        installed_venv,
        *("--role", "screen", "--api", "http://srv.invalid:8000"),
        FAKE_SYSTEMD_FAIL=DISPLAY,
    )
    assert result.returncode == 0, output
    # The screen was really asked to start, and failed as it does with no TV.
    assert f"start --no-block {DISPLAY}" in calls
    assert f"Job for {DISPLAY} failed" in output
    assert f"enable {DISPLAY}" in calls
    assert AFTER_REBOOT in result.stdout
    assert result.stdout.rstrip().endswith(REBOOT_HINT)


def test_no_tv_and_no_reboot_pending_says_the_screen_keeps_trying(
    tmp_path: Path, good_wheel: Path, installed_venv: InstalledVenv
) -> None:
    result, output, _ = _install(
        tmp_path,
        good_wheel,
        installed_venv,
        *("--role", "screen", "--api", "http://srv.invalid:8000", "--no-boot"),
        FAKE_SYSTEMD_FAIL=DISPLAY,
    )
    assert result.returncode == 0, output
    assert "réessaie toutes les 5 secondes" in result.stdout
    assert REBOOT_HINT not in result.stdout


def test_a_server_that_does_not_start_fails_the_install(
    tmp_path: Path, good_wheel: Path, installed_venv: InstalledVenv
) -> None:
    result, output, calls = _install(
        tmp_path,
        good_wheel,
        installed_venv,
        "--role",
        "all",
        "--no-boot",
        FAKE_SYSTEMD_FAIL="couloir-server.service",
    )
    assert result.returncode == 1, output
    assert "couloir-server.service n'a pas démarré : journalctl -u couloir-server" in result.stderr
    assert f"start --no-block {DISPLAY}" not in calls


def test_a_screen_that_comes_up_is_reported(
    tmp_path: Path, good_wheel: Path, installed_venv: InstalledVenv
) -> None:
    """With a screen to draw on (SDL's dummy driver here), the install says it is up."""
    systemctl = _systemctl(tmp_path)
    fake = {"FAKE_SYSTEMD_ENV": f"SDL_VIDEODRIVER=dummy COULOIR_CACHE_DIR={tmp_path / 'cache'}"}
    try:
        result, output, calls = _install(
            tmp_path,
            good_wheel,
            installed_venv,
            *("--role", "screen", "--api", f"http://127.0.0.1:{free_port()}", "--no-boot"),
            **fake,
        )
        assert result.returncode == 0, output
        assert f"start --no-block {DISPLAY}" in calls
        assert "L'écran est affiché sur le téléviseur." in result.stdout
        assert AFTER_REBOOT not in result.stdout
    finally:
        run_script(
            systemctl,
            "stop",
            DISPLAY,
            env=script_env(FAKE_SYSTEMD_ROOT=str(tmp_path / "pi")),
        )


def test_systemctl_stand_in_needs_a_staging_root(good_wheel: Path) -> None:
    result = run_script(
        INSTALL, "--dry-run", "--role", "all", "--source", good_wheel, "--systemctl", "/bin/true"
    )
    assert result.returncode == 1
    assert "--systemctl ne va qu'avec --root" in result.stderr


def test_a_server_that_never_answers_fails_the_install_in_french(
    tmp_path: Path, good_wheel: Path, installed_venv: InstalledVenv
) -> None:
    """Started (the stand-in says every unit runs) but /healthz never answers: not installed."""
    root = tmp_path / "pi"
    root.mkdir()
    installed_venv(root)
    port = str(free_port())
    result = run_script(
        INSTALL,
        *("--root", root, "--source", good_wheel, "--systemctl", "/bin/true"),
        *("--role", "all", "--no-boot", "--port", port),
        env=script_env(COULOIR_HEALTH_WAIT="2"),
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert (
        f"erreur : le service Couloir ne répond pas sur http://127.0.0.1:{port}/healthz après 2 s"
        " : l'installation n'est PAS terminée." in result.stderr
    )
    assert "journalctl -u couloir-server -n 50" in result.stderr
    assert "Terminé" not in result.stdout
