"""The systemd units install.sh writes: valid for systemd, hardened, and their commands run."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pygame
import pytest
from deploy_support import (
    DEPLOY,
    free_port,
    parse_unit,
    stop_process,
    systemd_root,
    unit_command,
    verify_units,
    wait_for_health,
)

UNITS = Path("etc/systemd/system")
SCRIPTS = [
    DEPLOY / "install.sh",
    DEPLOY / "update.sh",
    DEPLOY / "lib" / "common.sh",
    # Shell programs only: couloir-fleet-update is Python (ruff checks it, see below).
    *sorted(p for p in (DEPLOY / "bin").iterdir() if "python" not in p.open().readline()),
]
PYTHON_PROGRAMS = [p for p in sorted((DEPLOY / "bin").iterdir()) if p not in SCRIPTS]


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: apt install {name} (Debian package), see .ci/run")
    return path


def test_every_script_is_shellcheck_clean() -> None:
    result = subprocess.run(
        [_tool("shellcheck"), "-x", "--severity=style", *map(str, SCRIPTS)],
        capture_output=True,
        text=True,
        cwd=DEPLOY,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_python_programs_are_ruff_clean() -> None:
    assert PYTHON_PROGRAMS, "couloir-fleet-update is expected here"
    ruff = Path(sys.executable).with_name("ruff")
    for args in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [str(ruff), *args, *map(str, PYTHON_PROGRAMS)], capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("fixture", "units"),
    [
        (
            "all_root",
            [
                "couloir-server.service",
                "couloir-display.service",
                "couloir-backup.service",
                "couloir-backup.timer",
                "couloir-screen-on.service",
                "couloir-screen-reassert.service",
                "couloir-screen-reassert.timer",
                "couloir-fleet-update.service",
                "couloir-fleet-update.timer",
                "systemd-time-wait-sync.service",
            ],
        ),
        (
            "screen_root",
            [
                "couloir-display.service",
                "couloir-screen-on.service",
                "couloir-screen-reassert.service",
                "couloir-screen-reassert.timer",
                "couloir-fleet-update.service",
                "couloir-fleet-update.timer",
                "systemd-time-wait-sync.service",
            ],
        ),
    ],
)
def test_systemd_analyze_verify_is_clean(
    request: pytest.FixtureRequest, tmp_path: Path, fixture: str, units: list[str]
) -> None:
    _tool("systemd-analyze")
    staged, _ = request.getfixturevalue(fixture)
    root = tmp_path / "root"
    shutil.copytree(staged, root, symlinks=True)
    # The distribution's unit that our drop-in bounds runs this program.
    wait_sync = root / "lib/systemd/systemd-time-wait-sync"
    wait_sync.parent.mkdir(parents=True)
    shutil.copy2("/lib/systemd/systemd-time-wait-sync", wait_sync)
    result = verify_units(systemd_root(root), units)
    # verify exits 0 even for unknown keys: any message at all is a defect.
    assert result.returncode == 0 and result.stdout + result.stderr == "", result.stderr


def test_verify_catches_a_broken_unit(all_root: tuple[Path, str], tmp_path: Path) -> None:
    """The verify test above would notice a mistake: a typo and a missing binary."""
    root = tmp_path / "root"
    shutil.copytree(all_root[0], root, symlinks=True)
    unit = root / UNITS / "couloir-server.service"
    unit.write_text(
        unit.read_text()
        .replace("ProtectSystem=strict", "ProtectSystem=stritc")
        .replace("/current/bin/couloir", "/current/bin/couloir-nope")
    )
    result = verify_units(systemd_root(root), ["couloir-server.service"])
    messages = result.stdout + result.stderr
    assert "Failed to parse protect system value" in messages
    assert "couloir-nope" in messages


def test_server_unit_is_hardened(all_root: tuple[Path, str]) -> None:
    unit = parse_unit(all_root[0] / UNITS / "couloir-server.service")
    expected = {
        "ProtectSystem": "strict",
        "ReadWritePaths": "/var/lib/couloir",
        "NoNewPrivileges": "yes",
        "PrivateTmp": "yes",
        "ProtectHome": "yes",
        "PrivateDevices": "yes",
        "User": "couloir",
        "CapabilityBoundingSet": "",
        "EnvironmentFile": "/etc/couloir/couloir.env",
    }
    for key, value in expected.items():
        assert unit[f"Service.{key}"] == [value], key
    assert unit["Service.ExecStart"][0].startswith("/opt/couloir/current/bin/couloir serve ")


@pytest.fixture(scope="module")
def analysed_all_root(tmp_path_factory: pytest.TempPathFactory, all_root: tuple[Path, str]) -> Path:
    """A copy of ``all_root`` with the distribution's units beside ours, for the exposure
    scores (``systemd-analyze security`` only reads it): one copy for all of them."""
    root = tmp_path_factory.mktemp("analysed") / "root"
    shutil.copytree(all_root[0], root, symlinks=True)
    return systemd_root(root)


@pytest.mark.parametrize(
    ("unit", "limit", "needs_devices"),
    [
        ("couloir-server.service", 2.0, False),
        ("couloir-backup.service", 2.0, False),
        ("couloir-display.service", 3.0, True),
        ("couloir-screen-on.service", 3.0, True),
        ("couloir-screen-reassert.service", 3.0, True),
    ],
)
def test_exposure_score(
    analysed_all_root: Path, unit: str, limit: float, needs_devices: bool
) -> None:
    """systemd's own audit of each sandbox ("OK" is below 5 on its 0-10 exposure scale).

    The screen's units must keep their devices (DRM, input, CEC): no device ACL at all, since
    any DeviceAllow= entry (ProtectClock= adds one) would block everything else.
    """
    result = subprocess.run(
        [
            _tool("systemd-analyze"),
            "security",
            "--offline=yes",
            f"--root={analysed_all_root}",
            "--threshold=20",
            unit,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    line = next(x for x in result.stdout.splitlines() if "Overall exposure level" in x)
    score = float(line.split(":")[1].split()[0])
    assert score <= limit, line
    device_line = next(x for x in result.stdout.splitlines() if "DeviceAllow=" in x)
    assert ("has no device ACL" in device_line) == needs_devices, device_line


def test_display_unit_is_a_tty1_session_watched_by_systemd(all_root: tuple[Path, str]) -> None:
    unit = parse_unit(all_root[0] / UNITS / "couloir-display.service")
    expected = {
        "Service.Type": "notify",
        "Service.PAMName": "couloir-display",
        "Service.TTYPath": "/dev/tty1",
        "Service.User": "couloir",
        "Service.Restart": "always",
        "Unit.StartLimitIntervalSec": "0",
        "Unit.Conflicts": "getty@tty1.service",
    }
    for key, value in expected.items():
        assert unit[key] == [value], key
    assert "SDL_VIDEODRIVER=kmsdrm" in unit["Service.Environment"][0]
    # Modelled on a kiosk compositor's unit: logind and D-Bus wanted and waited for, a
    # console required, and no utmp/wtmp record at each restart.
    assert unit["Unit.Wants"] == ["dbus.socket systemd-logind.service"]
    after = " ".join(unit["Unit.After"]).split()
    for name in ("dbus.socket", "systemd-logind.service", "time-sync.target"):
        assert name in after, name
    assert unit["Unit.ConditionPathExists"] == ["/dev/tty0"]
    assert "Service.UtmpIdentifier" not in unit and "Service.UtmpMode" not in unit
    assert int(unit["Service.WatchdogSec"][0]) > 0
    assert "video" in unit["Service.SupplementaryGroups"][0].split()


def test_backup_timer_runs_nightly_and_catches_up(all_root: tuple[Path, str]) -> None:
    timer = parse_unit(all_root[0] / UNITS / "couloir-backup.timer")
    assert timer["Timer.OnCalendar"] == ["*-*-* 02:30:00"]
    assert timer["Timer.Persistent"] == ["true"]
    # systemd computes the next run from the expression: it really is daily.
    result = subprocess.run(
        [_tool("systemd-analyze"), "calendar", "--iterations=2", "*-*-* 02:30:00"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "02:30:00" in result.stdout
    service = parse_unit(all_root[0] / UNITS / "couloir-backup.service")
    assert "COULOIR_BACKUP_KEEP=14" in service["Service.Environment"][0]


@pytest.fixture
def served(all_root: tuple[Path, str], tmp_path: Path):
    """The server unit's ExecStart, run here against a fresh data folder."""
    root = all_root[0]
    port = free_port()
    data = tmp_path / "data"
    argv, env = unit_command(
        root / UNITS / "couloir-server.service",
        root,
        {"COULOIR_DATA_DIR": str(data), "COULOIR_HOST": "127.0.0.1", "COULOIR_PORT": str(port)},
    )
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield argv, env, f"http://127.0.0.1:{port}", process
    finally:
        stop_process(process)
        log.close()


def test_server_unit_command_serves_healthz(served, current_version: str) -> None:
    argv, env, url, process = served
    # The staged virtualenv's couloir, not the developer's.
    assert "/opt/couloir/current/bin/couloir" in argv[0] and argv[1:3] == ["serve", "--host"]
    assert env["COULOIR_ENV"] == "production"
    response = wait_for_health(f"{url}/healthz", process=process)
    assert response.json()["version"] == current_version
    assert response.json()["status"] == "ok"


def test_display_unit_command_renders_the_served_board(
    all_root: tuple[Path, str], seeded_data: tuple[Path, str], tmp_path: Path
) -> None:
    """Server and screen both from their units: the screen renders the served board."""
    root = all_root[0]
    data = tmp_path / "data"
    shutil.copytree(seeded_data[0], data)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    argv, env = unit_command(
        root / UNITS / "couloir-server.service",
        root,
        {"COULOIR_DATA_DIR": str(data), "COULOIR_HOST": "127.0.0.1", "COULOIR_PORT": str(port)},
    )
    shot = tmp_path / "screen.png"
    display_argv, display_env = unit_command(
        root / UNITS / "couloir-display.service",
        root,
        {
            "COULOIR_API_URL": url,
            "COULOIR_SCREEN_TOKEN": seeded_data[1],
            "COULOIR_CACHE_DIR": str(tmp_path / "cache"),
            # The one substitution: no KMS screen on this machine.
            "SDL_VIDEODRIVER": "dummy",
        },
    )
    assert display_argv[0] == argv[0] and display_argv[1] == "display"
    with (tmp_path / "server.log").open("w") as log:
        server = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for_health(f"{url}/healthz", process=server)
            result = subprocess.run(
                [*display_argv, "--screenshot", str(shot)],
                env=display_env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
        finally:
            stop_process(server)
    assert result.returncode == 0, result.stdout + result.stderr
    image = pygame.image.load(str(shot))
    assert image.get_size() == (1920, 1080)
    # A real board, not a blank frame: many distinct colours.
    colours = {
        tuple(image.get_at((x, y)))[:3] for x in range(0, 1920, 40) for y in range(0, 1080, 40)
    }
    assert len(colours) > 8


def test_display_unit_command_turns_portrait(screen_root: tuple[Path, str]) -> None:
    """--rotate from install.sh reaches the display's command line through the env file."""
    root = screen_root[0]
    argv, _ = unit_command(root / UNITS / "couloir-display.service", root)
    assert argv[1:] == ["display", "--rotate", "90"]


@pytest.mark.parametrize(
    ("dropin", "daemon", "prefix"),
    [
        ("etc/systemd/journald.conf.d/couloir.conf", "/lib/systemd/systemd-journald", "Journal."),
        ("etc/systemd/system.conf.d/couloir-watchdog.conf", "/lib/systemd/systemd", ""),
        # The time-wait-sync drop-in is a unit drop-in: systemd-analyze verify reads it above.
    ],
)
def test_system_dropins_use_keys_the_daemons_know(
    all_root: tuple[Path, str], dropin: str, daemon: str, prefix: str
) -> None:
    """Every key of our journald/system.conf drop-ins is in the daemon's own key table."""
    known = Path(daemon).read_bytes()
    directives = parse_unit(all_root[0] / dropin)
    assert directives
    for name in directives:
        key = name.split(".", 1)[1]
        assert (prefix + key).encode() in known, f"{daemon} does not know {key}"


def test_journal_is_capped_and_the_hardware_watchdog_armed(all_root: tuple[Path, str]) -> None:
    journal = parse_unit(all_root[0] / "etc/systemd/journald.conf.d/couloir.conf")
    assert journal["Journal.Storage"] == ["persistent"]
    assert journal["Journal.SystemMaxUse"] == ["64M"]
    assert journal["Journal.RuntimeMaxUse"] == ["32M"]
    manager = parse_unit(all_root[0] / "etc/systemd/system.conf.d/couloir-watchdog.conf")
    # The Broadcom watchdog of the Pi cannot be set above 15 s.
    seconds = int(manager["Manager.RuntimeWatchdogSec"][0].removesuffix("s"))
    assert 0 < seconds <= 15


WATCHDOG_USEC = 600_000


def test_display_unit_command_reports_ready_then_feeds_the_watchdog(
    screen_root: tuple[Path, str], tmp_path: Path
) -> None:
    """Type=notify + WatchdogSec: the unit's command says READY=1, then WATCHDOG=1 steadily.

    Plays systemd's side of the protocol: a notification socket in NOTIFY_SOCKET and a short
    WATCHDOG_USEC (the unit's 30 s would make a slow test; the program pings at half of it,
    every 0.3 s here: the screen renders all along the wait, which costs CPU).
    """
    root = screen_root[0]
    address = str(tmp_path / "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(address)
    sock.settimeout(0.5)
    argv, env = unit_command(
        root / UNITS / "couloir-display.service",
        root,
        {
            "SDL_VIDEODRIVER": "dummy",
            "COULOIR_API_URL": f"http://127.0.0.1:{free_port()}",  # nobody there: offline start
            "COULOIR_CACHE_DIR": str(tmp_path / "cache"),
            "NOTIFY_SOCKET": address,
            "WATCHDOG_USEC": str(WATCHDOG_USEC),
        },
    )
    unit = parse_unit(root / UNITS / "couloir-display.service")
    assert int(unit["Service.WatchdogSec"][0]) * 1_000_000 > WATCHDOG_USEC
    with (tmp_path / "display.log").open("w") as log:
        display = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
        messages: list[str] = []
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and messages.count("WATCHDOG=1") < 3:
                assert display.poll() is None, (tmp_path / "display.log").read_text()
                try:
                    messages.extend(sock.recv(4096).decode().split("\n"))
                except TimeoutError:
                    continue
        finally:
            stop_process(display)
            sock.close()
    assert "READY=1" in messages, messages
    assert messages.index("READY=1") < messages.index("WATCHDOG=1")
    assert messages.count("WATCHDOG=1") >= 3, messages


def test_the_fleet_update_timer_asks_every_half_hour_and_runs_the_pis_script(
    screen_root: tuple[Path, str],
) -> None:
    root, output = screen_root
    timer = parse_unit(root / UNITS / "couloir-fleet-update.timer")
    assert timer["Timer.OnCalendar"] == ["*:0/30"]
    assert timer["Timer.RandomizedDelaySec"] == ["20min"]
    service = parse_unit(root / UNITS / "couloir-fleet-update.service")
    assert service["Service.ExecStart"] == ["/opt/couloir/deploy/bin/couloir-fleet-update"]
    assert "Service.User" not in service  # root: update.sh makes venvs and restarts units
    assert os.access(root / "opt/couloir/deploy/bin/couloir-fleet-update", os.X_OK)
    assert "exécuterait : systemctl enable couloir-fleet-update.timer" in output
