"""couloir-screen-power: TV on/off over HDMI-CEC, confirmed, with black frames as fallback.

No CEC adapter exists on this machine, so a small stand-in for ``cec-ctl`` plays the TV: it
keeps the TV's power state in a file, prints what cec-ctl prints, and logs the orders. Real
TVs are only exercised on a Pi (see the README's "what is verified where").
"""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from pathlib import Path

import pytest
from deploy_support import DEPLOY, parse_unit, read_env_file, staged, unit_command

SCRIPT = DEPLOY / "bin" / "couloir-screen-power"

FAKE_CEC_CTL = r"""#!/usr/bin/env bash
# Stand-in for cec-ctl: a TV whose state lives in $TV_DIR/state.
# TV_MODE: normal (obeys), sleepy (ignores the first order), deaf (never answers).
dir="$TV_DIR"
printf '%s\n' "$*" >>"$dir/calls"
state="$(cat "$dir/state")"
case "$*" in
    *--playback*) echo "Logical Address: 4"; exit 0 ;;
    *--give-device-power-status*)
        [ "$TV_MODE" = deaf ] && { echo "Transmit from Playback Device 1 to TV (4 to 0):"; echo "	Tx, Not Acknowledged (4)"; exit 1; }
        printf 'Transmit from Playback Device 1 to TV (4 to 0):\nGIVE_DEVICE_POWER_STATUS (0x8f)\n\tReceived from TV (0 to 4): REPORT_POWER_STATUS (0x90):\n\t\tpwr-state: %s (0x00)\n' "$state"
        exit 0 ;;
    *--standby*|*--image-view-on*)
        orders=$(($(cat "$dir/orders" 2>/dev/null || echo 0) + 1))
        echo "$orders" >"$dir/orders"
        [ "$TV_MODE" = sleepy ] && [ "$orders" -lt 2 ] && exit 0
        [ "$TV_MODE" = deaf ] && exit 1
        case "$*" in *--standby*) echo standby >"$dir/state" ;; *) echo on >"$dir/state" ;; esac
        exit 0 ;;
    *--active-source*) exit 0 ;;
    "-d "*) printf 'Driver Info:\n\tDriver Name                : vc4_hdmi\n\tPhysical Address           : 1.0.0.0\n'; exit 0 ;;
esac
exit 0
"""


@pytest.fixture
def tv(tmp_path: Path):
    """A fake TV (via cec-ctl on PATH) and the environment to drive it."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "cec-ctl"
    fake.write_text(FAKE_CEC_CTL)
    fake.chmod(0o755)
    device = tmp_path / "cec0"
    device.touch()
    tv_dir = tmp_path / "tv"
    tv_dir.mkdir()
    (tv_dir / "state").write_text("on\n")
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "TV_DIR": str(tv_dir),
        "TV_MODE": "normal",
        "COULOIR_CEC_DEVICE": str(device),
        "COULOIR_CEC_TRIES": "4",
        "COULOIR_CEC_WAIT_S": "0.05",
    }
    return env, tv_dir


def power(env: dict[str, str], *args: str, script: list[str] | None = None):
    return subprocess.run(
        [*(script or [str(SCRIPT)]), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_off_then_on_is_confirmed_by_the_tv(tv) -> None:
    env, tv_dir = tv
    off = power(env, "off")
    assert off.returncode == 0, off.stderr
    assert "TV standby (confirmed over HDMI-CEC)" in off.stdout
    assert (tv_dir / "state").read_text().strip() == "standby"
    on = power(env, "on")
    assert on.returncode == 0, on.stderr
    assert (tv_dir / "state").read_text().strip() == "on"
    calls = (tv_dir / "calls").read_text()
    assert "--to 0 --standby" in calls and "--to 0 --image-view-on" in calls
    # The TV is also switched to the Pi's input.
    assert "--active-source phys-addr=1.0.0.0" in calls
    assert "--give-device-power-status" in calls


def test_a_tv_that_ignores_the_first_order_gets_it_again(tv) -> None:
    env, tv_dir = tv
    env["TV_MODE"] = "sleepy"
    result = power(env, "off")
    assert result.returncode == 0, result.stderr
    assert (tv_dir / "calls").read_text().count("--standby") == 2


def test_a_tv_that_never_answers_is_reported(tv) -> None:
    env, _ = tv
    env["TV_MODE"] = "deaf"
    started = time.monotonic()
    result = power(env, "off")
    assert result.returncode == 2
    assert 'the TV did not confirm "standby"' in result.stderr
    assert "screen shows black" in result.stderr
    assert time.monotonic() - started < 30
    assert power(env, "status").returncode == 2


def test_status_reports_the_power_state(tv) -> None:
    env, tv_dir = tv
    (tv_dir / "state").write_text("standby\n")
    result = power(env, "status")
    assert result.returncode == 0 and result.stdout.strip() == "standby"


def test_without_cec_the_screen_falls_back_to_black(tv, tmp_path: Path) -> None:
    env, tv_dir = tv
    no_device = {**env, "COULOIR_CEC_DEVICE": str(tmp_path / "no-such-cec")}
    result = power(no_device, "off")
    assert result.returncode == 0
    assert "no HDMI-CEC" in result.stderr and "shows black" in result.stderr
    no_tool = {**env, "PATH": "/usr/bin:/bin", "COULOIR_CEC_CTL": "cec-ctl-absent"}
    result = power(no_tool, "on")
    assert result.returncode == 0
    assert "apt install v4l-utils" in result.stderr
    assert not (tv_dir / "calls").exists()


@pytest.mark.parametrize("args", [[], ["sleep"], ["on", "off"]])
def test_bad_usage(tv, args: list[str]) -> None:
    result = power(tv[0], *args)
    assert result.returncode == 64
    assert "usage: couloir-screen-power on|off|status" in result.stderr


def test_installed_display_commands_drive_the_tv(all_root: tuple[Path, str], tv) -> None:
    """The commands install.sh gives the display (env file) are the ones that work."""
    env, tv_dir = tv
    root = all_root[0]
    values = read_env_file(root / "etc/couloir/couloir.env")
    off = [staged(word, root) for word in shlex.split(values["COULOIR_SCREEN_OFF_COMMAND"])]
    on = [staged(word, root) for word in shlex.split(values["COULOIR_SCREEN_ON_COMMAND"])]
    assert power(env, script=off).returncode == 0
    assert (tv_dir / "state").read_text().strip() == "standby"
    assert power(env, script=on).returncode == 0
    assert (tv_dir / "state").read_text().strip() == "on"


def test_boot_unit_switches_a_sleeping_tv_on_before_the_screen_starts(
    screen_root: tuple[Path, str], tv
) -> None:
    """After a power cut the TV wakes in standby: the boot unit turns it on."""
    env, tv_dir = tv
    (tv_dir / "state").write_text("standby\n")
    root = screen_root[0]
    unit_path = root / "etc/systemd/system/couloir-screen-on.service"
    unit = parse_unit(unit_path)
    assert unit["Unit.Before"] == ["couloir-display.service"]
    assert "2" in unit["Service.SuccessExitStatus"][0].split()
    keys = (
        "PATH",
        "TV_DIR",
        "TV_MODE",
        "COULOIR_CEC_DEVICE",
        "COULOIR_CEC_TRIES",
        "COULOIR_CEC_WAIT_S",
    )
    argv, unit_env = unit_command(unit_path, root, {key: env[key] for key in keys})
    result = subprocess.run(argv, env=unit_env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert (tv_dir / "state").read_text().strip() == "on"
