"""couloir-screen-power: TV on/off over HDMI-CEC, confirmed, with black frames as fallback.

No CEC adapter exists on this machine (and no ``vivid`` module in its kernel), so a stand-in
for ``cec-ctl`` (``fake_cec_ctl.py``) plays the Pi's two adapters and the TV: the adapter
that must be configured before sending, the TV that drops the hotplug line in standby (no
physical address: only « Image View On » from Unregistered may go out), the TV that misses
the first order or never answers. Real TVs are only exercised on a Pi (see the README's
"what is verified where").
"""

from __future__ import annotations

import fcntl
import json
import os
import shlex
import subprocess
import threading
import time
from pathlib import Path

import pytest
from deploy_support import DEPLOY, parse_unit, read_env_file, staged, stand_in, unit_command
from fake_cec_ctl import write_world

SCRIPT = DEPLOY / "bin" / "couloir-screen-power"
FAKE = Path(__file__).with_name("fake_cec_ctl.py")
# What the tests hand to the script and the units (the rest is the units' own settings).
TV_KEYS = (
    "PATH",
    "FAKE_CEC_DIR",
    "COULOIR_CEC_DEVICES",
    "COULOIR_DRM_SYSFS",
    "COULOIR_CEC_STATE",
    "COULOIR_CEC_TRIES",
    "COULOIR_CEC_WAIT_S",
    "COULOIR_CEC_SETTLE_S",
)


class TV:
    """The fake world of one test: its directory, the script's environment, what happened."""

    def __init__(self, tmp_path: Path) -> None:
        self.dir = tmp_path / "tv"
        self.dir.mkdir()
        write_world(self.dir)
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        stand_in(bin_dir / "cec-ctl", FAKE)
        self.dev = tmp_path / "dev"
        self.dev.mkdir()
        for name in ("cec0", "cec1"):
            (self.dev / name).touch()
        drm = tmp_path / "sys" / "class" / "drm"
        for connector, ident in (("HDMI-A-1", 33), ("HDMI-A-2", 42)):
            (drm / f"card1-{connector}").mkdir(parents=True)
            (drm / f"card1-{connector}" / "connector_id").write_text(f"{ident}\n")
        self.drm = drm
        self.state = tmp_path / "cache" / "screen-power"
        self.state.parent.mkdir()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("COULOIR_")},
            "PATH": f"{bin_dir}:{os.environ['PATH']}",
            "FAKE_CEC_DIR": str(self.dir),
            "COULOIR_CEC_DEVICES": f"{self.dev}/cec*",
            "COULOIR_DRM_SYSFS": str(drm),
            "COULOIR_CEC_STATE": str(self.state),
            "COULOIR_CEC_TRIES": "6",
            "COULOIR_CEC_WAIT_S": "0.05",
            "COULOIR_CEC_SETTLE_S": "0",
        }

    def set(self, **changes: object) -> None:
        write_world(self.dir, **changes)

    @property
    def power(self) -> str:
        return json.loads((self.dir / "world.json").read_text())["tv"]

    def _lines(self, name: str) -> list[str]:
        path = self.dir / name
        return path.read_text().splitlines() if path.exists() else []

    @property
    def bus(self) -> list[str]:
        """Messages that went out (``"15->0 IMAGE_VIEW_ON"``), refused ones included."""
        return self._lines("bus")

    @property
    def calls(self) -> list[str]:
        return self._lines("calls")


@pytest.fixture
def tv(tmp_path: Path) -> TV:
    return TV(tmp_path)


def power(env: dict[str, str], *args: str, script: list[str] | None = None):
    return subprocess.run(
        [*(script or [str(SCRIPT)]), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_off_then_on_is_confirmed_by_the_tv(tv: TV) -> None:
    off = power(tv.env, "off")
    assert off.returncode == 0, off.stderr
    assert "téléviseur en veille (confirmé par HDMI-CEC)" in off.stdout
    assert tv.power == "standby"
    on = power(tv.env, "on")
    assert on.returncode == 0, on.stderr
    assert "téléviseur allumé (confirmé par HDMI-CEC, entrée 1.0.0.0)" in on.stdout
    assert tv.power == "on"
    # Sent from our logical address (4), and the TV switched to the Pi's input.
    assert "4->0 STANDBY" in tv.bus and "4->0 IMAGE_VIEW_ON" in tv.bus
    assert "4->15 ACTIVE_SOURCE" in tv.bus
    assert any("phys-addr=1.0.0.0" in call for call in tv.calls)
    assert not [line for line in tv.bus if line.startswith("refused")]


def test_an_on_to_a_tv_already_on_only_selects_the_input(tv: TV) -> None:
    assert power(tv.env, "on").returncode == 0
    assert "4->0 IMAGE_VIEW_ON" not in tv.bus
    assert "4->15 ACTIVE_SOURCE" in tv.bus


def test_a_tv_that_drops_the_hotplug_line_is_woken_as_unregistered(tv: TV) -> None:
    """In standby the TV cut the hotplug line: the Pi has no address (f.f.f.f).

    Only « Image View On » from Unregistered (15) to the TV may go out then; once the TV is
    awake the adapter claims its address and the order is confirmed and completed.
    """
    tv.set(tv="standby", drops_hpd=True, configured={})
    result = power(tv.env, "on")
    assert result.returncode == 0, result.stderr
    assert tv.power == "on"
    assert tv.bus[0] == "15->0 IMAGE_VIEW_ON"
    assert "4->0 GIVE_DEVICE_POWER_STATUS" in tv.bus
    assert tv.bus[-1] == "4->15 ACTIVE_SOURCE"
    # Nothing the kernel would refuse was tried (no power status asked while unconfigured).
    assert not [line for line in tv.bus if line.startswith("refused")], tv.bus


def test_off_without_an_address_says_it_cannot_confirm(tv: TV) -> None:
    tv.set(tv="standby", drops_hpd=True)
    started = time.monotonic()
    result = power(tv.env, "off")
    assert result.returncode == 2
    assert "coupé le lien HDMI (adresse f.f.f.f)" in result.stderr
    assert time.monotonic() - started < 10
    assert not [line for line in tv.bus if line.startswith("refused")], tv.bus
    status = power(tv.env, "status")
    assert status.returncode == 2 and status.stdout.strip() == "no-link"


def test_a_tv_that_ignores_the_first_order_gets_it_again(tv: TV) -> None:
    tv.set(mode="sleepy")
    result = power(tv.env, "off")
    assert result.returncode == 0, result.stderr
    assert tv.bus.count("4->0 STANDBY") == 2


def test_a_tv_that_never_answers_is_reported(tv: TV) -> None:
    tv.set(mode="deaf")
    started = time.monotonic()
    result = power(tv.env, "off")
    assert result.returncode == 2
    assert "le téléviseur n'a pas confirmé la mise en veille" in result.stderr
    assert "l'écran affiche du noir" in result.stderr
    assert time.monotonic() - started < 30
    assert power(tv.env, "status").returncode == 2


def test_status_reports_the_power_state(tv: TV) -> None:
    tv.set(tv="standby")
    result = power(tv.env, "status")
    assert result.returncode == 0 and result.stdout.strip() == "standby"


@pytest.mark.parametrize("sysfs_ids", [True, False], ids=["connector-id", "numbering"])
def test_the_adapter_is_the_one_of_the_tv_connector(tv: TV, sysfs_ids: bool) -> None:
    """The TV hangs on the second HDMI port: its adapter (cec1) is used, not cec0."""
    tv.set(tv="standby", tv_on="cec1")
    if not sysfs_ids:  # older kernels: no connector_id, the Pi numbers adapters like ports
        for path in tv.drm.glob("*/connector_id"):
            path.unlink()
    wrong = power(tv.env, "on")
    assert wrong.returncode == 2 and tv.power == "standby"
    right = power({**tv.env, "COULOIR_CEC_CONNECTOR": "HDMI-A-2"}, "on")
    assert right.returncode == 0, right.stderr
    assert tv.power == "on"
    assert all(f"{tv.dev}/cec1" in call for call in tv.calls[-3:])


def test_an_adapter_that_appears_late_is_waited_for(tv: TV) -> None:
    """At boot the adapter can show up after the unit started: a bounded wait catches it."""
    for device in tv.dev.iterdir():
        device.unlink()
    tv.set(tv="standby")
    late = threading.Timer(1.0, lambda: (tv.dev / "cec0").touch())
    late.start()
    try:
        result = power({**tv.env, "COULOIR_CEC_SETTLE_S": "20"}, "on")
    finally:
        late.cancel()
    assert result.returncode == 0, result.stderr
    assert tv.power == "on"


def test_without_cec_the_screen_falls_back_to_black(tv: TV, tmp_path: Path) -> None:
    no_device = {**tv.env, "COULOIR_CEC_DEVICES": str(tmp_path / "nowhere" / "cec*")}
    started = time.monotonic()
    result = power({**no_device, "COULOIR_CEC_SETTLE_S": "1"}, "off")
    assert result.returncode == 0
    assert "pas de HDMI-CEC" in result.stderr and "affiche du noir" in result.stderr
    assert time.monotonic() - started < 10
    no_tool = {**tv.env, "PATH": "/usr/bin:/bin", "COULOIR_CEC_CTL": "cec-ctl-absent"}
    result = power(no_tool, "on")
    assert result.returncode == 0
    assert "apt install v4l-utils" in result.stderr
    assert not tv.calls


@pytest.mark.parametrize("args", [[], ["sleep"], ["on", "off"]])
def test_bad_usage(tv: TV, args: list[str]) -> None:
    result = power(tv.env, *args)
    assert result.returncode == 64
    assert "usage : couloir-screen-power on|off|status|reassert" in result.stderr


def test_reassert_wakes_the_tv_only_while_the_last_order_is_on(tv: TV) -> None:
    """Someone switched the TV off with its remote during opening hours: it comes back."""
    assert power(tv.env, "on").returncode == 0
    assert tv.state.read_text().strip() == "on"
    tv.set(tv="standby")
    result = power(tv.env, "reassert")
    assert result.returncode == 0, result.stderr
    assert tv.power == "on"
    # Awake already: only asked, nothing ordered (the input is left alone).
    before = len(tv.bus)
    assert power(tv.env, "reassert").returncode == 0
    assert tv.bus[before:] == ["4->0 GIVE_DEVICE_POWER_STATUS"]
    # Closed hours: the screen program said "off"; someone's TV evening stays undisturbed.
    assert power(tv.env, "off").returncode == 0
    tv.set(tv="on")
    calls = len(tv.calls)
    assert power(tv.env, "reassert").returncode == 0
    assert tv.power == "on" and len(tv.calls) == calls


def test_reassert_without_any_order_does_nothing(tv: TV) -> None:
    tv.set(tv="standby")
    assert power(tv.env, "reassert").returncode == 0
    assert tv.power == "standby" and not tv.calls


def test_installed_display_commands_drive_the_tv(all_root: tuple[Path, str], tv: TV) -> None:
    """The commands install.sh gives the display (env file) are the ones that work."""
    root = all_root[0]
    values = read_env_file(root / "etc/couloir/couloir.env")
    off = [staged(word, root) for word in shlex.split(values["COULOIR_SCREEN_OFF_COMMAND"])]
    on = [staged(word, root) for word in shlex.split(values["COULOIR_SCREEN_ON_COMMAND"])]
    assert power(tv.env, script=off).returncode == 0
    assert tv.power == "standby"
    assert power(tv.env, script=on).returncode == 0
    assert tv.power == "on"
    display = parse_unit(root / "etc/systemd/system/couloir-display.service")
    settings = [word for line in display["Service.Environment"] for word in shlex.split(line)]
    assert "COULOIR_CEC_CONNECTOR=HDMI-A-1" in settings
    assert "COULOIR_CEC_STATE=/var/cache/couloir/screen-power" in settings


def test_boot_unit_switches_a_sleeping_tv_on_before_the_screen_starts(
    screen_root: tuple[Path, str], tv: TV
) -> None:
    """After a power cut the TV wakes in standby, hotplug line down: the boot unit wakes it."""
    tv.set(tv="standby", drops_hpd=True, configured={})
    root = screen_root[0]
    unit_path = root / "etc/systemd/system/couloir-screen-on.service"
    unit = parse_unit(unit_path)
    assert unit["Unit.Before"] == ["couloir-display.service"]
    assert "2" in unit["Service.SuccessExitStatus"][0].split()
    # The adapter is waited for, within the unit's own time limit.
    environment = shlex.split(unit["Service.Environment"][0])
    assert "COULOIR_CEC_SETTLE_S=30" in environment
    assert int(unit["Service.TimeoutStartSec"][0]) > 30
    assert unit["Service.CacheDirectory"] == ["couloir"]
    argv, unit_env = unit_command(unit_path, root, {key: tv.env[key] for key in TV_KEYS})
    result = subprocess.run(argv, env=unit_env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert tv.power == "on"
    assert tv.state.read_text().strip() == "on"


def test_reassert_timer_and_udev_rule_run_the_reassert_unit(
    screen_root: tuple[Path, str], tv: TV
) -> None:
    root = screen_root[0]
    timer = parse_unit(root / "etc/systemd/system/couloir-screen-reassert.timer")
    assert timer["Timer.OnUnitActiveSec"] == ["10min"]
    rule = (root / "etc/udev/rules.d/99-couloir-cec.rules").read_text()
    assert 'TAG+="systemd"' in rule
    assert 'ENV{SYSTEMD_WANTS}+="couloir-screen-reassert.service"' in rule
    tv.state.write_text("on\n")
    tv.set(tv="standby")
    unit_path = root / "etc/systemd/system/couloir-screen-reassert.service"
    argv, unit_env = unit_command(unit_path, root, {key: tv.env[key] for key in TV_KEYS})
    assert argv[-1] == "reassert"
    result = subprocess.run(argv, env=unit_env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert tv.power == "on"


def _waiting_in_flock(pid: int) -> bool:
    """True once process ``pid`` has a ``flock`` child (it waits for the lock)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)
            name = fields[0].split("(", 1)[1]
            ppid = int(fields[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid and name == "flock":
            return True
    return False


def test_an_off_given_while_a_reassert_waits_wins(tv: TV) -> None:
    """Closing time while the timer's check waits for the lock: it reads the order again."""
    tv.state.write_text("on\n")
    tv.set(tv="standby")
    lock = tv.state.with_name(tv.state.name + ".lock")
    with lock.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        check = subprocess.Popen(
            [str(SCRIPT), "reassert"], env=tv.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        try:
            deadline = time.monotonic() + 30
            while not _waiting_in_flock(check.pid):
                assert check.poll() is None and time.monotonic() < deadline
                time.sleep(0.02)
            # The screen program's "off" records its order first, then waits its turn.
            tv.state.write_text("off\n")
            fcntl.flock(held, fcntl.LOCK_UN)
            _, err = check.communicate(timeout=30)
        finally:
            if check.poll() is None:
                check.kill()
                check.wait()
    assert check.returncode == 0, err
    assert tv.power == "standby"
    assert not tv.bus
