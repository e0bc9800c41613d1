"""install.sh staged into temporary roots: what a Pi gets, and that a re-run changes nothing."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from deploy_support import (
    INSTALL,
    PI_CMDLINE,
    install_as_nobody,
    install_root,
    make_boot_partition,
    parse_unit,
    read_env_file,
    run_script,
    script_env,
    tree_digest,
)

# conftest.installed_venv(root): the good wheel's virtualenv, already installed under root
InstalledVenv = Callable[[Path], None]
UNITS = Path("etc/systemd/system")
EDIDS = Path("usr/lib/firmware/edid")


def edid_bytes(maker: str = "SAM", product: int = 0x7078, blocks: int = 1) -> bytes:
    """An EDID as a TV sends it: the fixed header, then the maker's id and product code."""
    code = 0
    for letter in maker:
        code = (code << 5) | (ord(letter) - 64)
    head = (
        bytes.fromhex("00ffffffffffff00") + code.to_bytes(2, "big") + product.to_bytes(2, "little")
    )
    return head + bytes(128 * blocks - len(head))


def plug_tv(root: Path, edid: bytes, connector: str = "HDMI-A-1") -> None:
    """Give a staging root a TV that answers on ``connector`` (the kernel's sysfs view)."""
    sysfs = root / "sys/class/drm" / f"card1-{connector}"
    sysfs.mkdir(parents=True, exist_ok=True)
    (sysfs / "status").write_text("connected\n")
    (sysfs / "edid").write_bytes(edid)


def test_role_all_installs_server_screen_and_backup(all_root: tuple[Path, str]) -> None:
    root, output = all_root
    for unit in (
        "couloir-server.service",
        "couloir-display.service",
        "couloir-backup.service",
        "couloir-backup.timer",
    ):
        assert (root / UNITS / unit).is_file(), unit
    current = root / "opt/couloir/current"
    assert current.is_symlink() and os.readlink(current).startswith("venvs/")
    assert (current / "bin" / "couloir").exists()
    # Made by this install (every other staged Pi starts from a copy of it).
    assert "création de l'environnement virtuel /opt/couloir/venvs/" in output
    assert os.access(root / "opt/couloir/deploy/update.sh", os.X_OK)
    assert os.access(root / "opt/couloir/deploy/bin/couloir-screen-power", os.X_OK)
    # Host actions are announced, never run, in a staging root.
    assert "exécuterait : useradd --system" in output
    assert "exécuterait : systemctl enable couloir-server.service" in output
    assert "exécuterait : systemctl enable couloir-display.service" in output
    assert "exécuterait : systemctl enable couloir-screen-on.service" in output
    # Enabled for the next boot only: switching the TV on now is the screen program's call.
    assert "exécuterait : systemctl start couloir-screen-on.service" not in output
    assert "libgbm1" in output and "v4l-utils" in output


def test_env_file_is_private_and_holds_the_settings(all_root: tuple[Path, str]) -> None:
    root, output = all_root
    env_file = root / "etc/couloir/couloir.env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o640
    assert stat.S_IMODE((root / "etc/couloir").stat().st_mode) == 0o750
    values = read_env_file(env_file)
    assert values["COULOIR_ROLE"] == "all"
    assert values["COULOIR_ENV"] == "production"
    assert values["COULOIR_DATA_DIR"] == "/var/lib/couloir"
    assert values["COULOIR_API_URL"] == "http://127.0.0.1:8000"
    # No --https: production over plain HTTP is the operator's explicit choice.
    assert values["COULOIR_ALLOW_HTTP"] == "true"
    assert values["COULOIR_SCREEN_OFF_COMMAND"].endswith("couloir-screen-power off")
    assert values["COULOIR_SCREEN_ON_COMMAND"].endswith("couloir-screen-power on")
    assert len(values["COULOIR_SECRET_KEY"]) >= 32
    # Neither secret ever reaches the terminal (or the journal of a provisioning tool).
    assert values["COULOIR_SECRET_KEY"] not in output
    assert values["COULOIR_SCREEN_TOKEN"] == "tok-SCREEN-1234567890"
    assert "tok-SCREEN-1234567890" not in output


def test_two_installs_get_different_secrets(
    all_root: tuple[Path, str],
    screen_root: tuple[Path, str],
    tmp_path: Path,
    good_wheel: Path,
    installed_venv: InstalledVenv,
) -> None:
    other = tmp_path / "pi"
    other.mkdir()
    installed_venv(other)
    install_root(other, good_wheel, "--role", "all", "--no-boot")
    first = read_env_file(all_root[0] / "etc/couloir/couloir.env")["COULOIR_SECRET_KEY"]
    second = read_env_file(other / "etc/couloir/couloir.env")["COULOIR_SECRET_KEY"]
    assert first != second


def test_role_screen_installs_only_the_display(screen_root: tuple[Path, str]) -> None:
    root, output = screen_root
    assert (root / UNITS / "couloir-display.service").is_file()
    assert not (root / UNITS / "couloir-server.service").exists()
    assert not (root / UNITS / "couloir-backup.timer").exists()
    assert not (root / "var/lib/couloir").exists()
    values = read_env_file(root / "etc/couloir/couloir.env")
    assert values["COULOIR_ROLE"] == "screen"
    assert values["COULOIR_API_URL"] == "http://couloir.example.org:8000"
    assert values["COULOIR_DISPLAY_ARGS"] == "--rotate 90"
    assert "COULOIR_SECRET_KEY" not in values
    assert "tok-REMOTE-0987654321" not in output
    assert "sqlite3" not in output.split("apt-get install", 1)[1].splitlines()[0]


@pytest.mark.parametrize("role", ["all", "screen"])
def test_second_run_changes_nothing_and_says_so(
    role: str, all_root: tuple[Path, str], screen_root: tuple[Path, str], good_wheel: Path
) -> None:
    root = (all_root if role == "all" else screen_root)[0]
    before = tree_digest(root)
    args = ["--role", role]
    if role == "screen":
        args += ["--api", "http://couloir.example.org:8000", "--rotate", "90"]
    output = install_root(root, good_wheel, *args)
    assert "Rien à changer" in output
    assert "écrit " not in output and "dossier " not in output
    assert tree_digest(root) == before


def test_rerun_keeps_secrets_and_applies_a_new_token(
    tmp_path: Path, good_wheel: Path, installed_venv: InstalledVenv
) -> None:
    installed_venv(tmp_path)
    install_root(tmp_path, good_wheel, "--role", "all", "--no-boot")
    env_file = tmp_path / "etc/couloir/couloir.env"
    first = read_env_file(env_file)
    # The operator's own edit survives too.
    # A file written before production required https or COULOIR_ALLOW_HTTP gets the line.
    older = env_file.read_text().replace("COULOIR_ALLOW_HTTP=true\n", "")
    env_file.write_text(older + "COULOIR_TIMEZONE=Europe/Paris\n")
    output = install_root(
        tmp_path,
        good_wheel,
        "--role",
        "all",
        "--no-boot",
        "--token",
        "new-tok-42",
        "--port",
        "8080",
    )
    second = read_env_file(env_file)
    assert second["COULOIR_PORT"] == "8080"
    # The screen follows its own service to the new port.
    assert second["COULOIR_API_URL"] == "http://127.0.0.1:8080"
    assert second["COULOIR_SECRET_KEY"] == first["COULOIR_SECRET_KEY"]
    assert second["COULOIR_SCREEN_TOKEN"] == "new-tok-42"
    assert second["COULOIR_TIMEZONE"] == "Europe/Paris"
    assert second["COULOIR_ALLOW_HTTP"] == "true"
    assert "new-tok-42" not in output
    assert "écrit /etc/couloir/couloir.env" in output
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o640


def test_dry_run_touches_nothing_on_a_blank_pi(tmp_path: Path, good_wheel: Path) -> None:
    make_boot_partition(tmp_path, PI_CMDLINE)
    before = tree_digest(tmp_path)
    result = run_script(
        INSTALL,
        "--dry-run",
        "--root",
        tmp_path,
        "--role",
        "all",
        "--source",
        good_wheel,
        "--token",
        "dry-token-777",
    )
    assert result.returncode == 0, result.stderr
    assert tree_digest(tmp_path) == before
    out = result.stdout
    # Every action is listed.
    assert "écrirait /etc/couloir/couloir.env (mode 640)" in out
    assert "écrirait /etc/systemd/system/couloir-server.service" in out
    assert "écrirait /etc/systemd/system/couloir-display.service" in out
    assert "créerait l'environnement virtuel /opt/couloir/venvs/" in out
    assert "écrirait /boot/firmware/cmdline.txt" in out
    assert "exécuterait : systemctl enable couloir-display.service" in out
    assert "dry-token-777" not in out + result.stderr
    assert "Essai à blanc terminé : rien n'a été modifié." in out


def test_dry_run_on_an_installed_pi_lists_only_real_differences(
    tmp_path: Path, good_wheel: Path, installed_venv: InstalledVenv
) -> None:
    installed_venv(tmp_path)
    install_root(tmp_path, good_wheel, "--role", "all")
    before = tree_digest(tmp_path)
    result = run_script(
        INSTALL,
        "--dry-run",
        "--root",
        tmp_path,
        "--role",
        "all",
        "--source",
        good_wheel,
        "--video",
        "1280x720@60D",
    )
    assert result.returncode == 0, result.stderr
    assert tree_digest(tmp_path) == before
    assert "écrirait /boot/firmware/cmdline.txt" in result.stdout
    assert "écrirait /etc/systemd/system" not in result.stdout


def test_kernel_cmdline_is_edited_reversibly(
    tmp_path: Path, good_wheel: Path, installed_venv: InstalledVenv
) -> None:
    installed_venv(tmp_path)
    original = PI_CMDLINE + " consoleblank=600 video=HDMI-A-2:1024x768@60"
    boot = make_boot_partition(tmp_path, original)
    original_config = (boot / "config.txt").read_text()
    output = install_root(tmp_path, good_wheel, "--role", "screen", "--api", "http://srv:8000")
    line = (boot / "cmdline.txt").read_text()
    assert line.count("\n") == 1, "cmdline.txt must stay one line"
    words = line.split()
    # M: the standard timing a TV expects, not a GTF one; D: the output on even with no TV.
    assert "video=HDMI-A-1:1920x1080M@60D" in words
    assert "consoleblank=0" in words and "consoleblank=600" not in words
    assert "vt.global_cursor_default=0" in words
    # What is not ours stays, in order: root device, the other HDMI port.
    assert words[: len(PI_CMDLINE.split())] == PI_CMDLINE.split()
    assert "video=HDMI-A-2:1024x768@60" in words
    assert "Redémarrez le Pi pour terminer l'installation : sudo reboot" in output
    assert output.count("sudo reboot") == 1, output
    config = (boot / "config.txt").read_text()
    assert config.startswith(original_config) and "disable_splash=1" in config
    # No TV answered: no EDID is forced.
    assert not any(word.startswith("drm.edid_firmware=") for word in words)
    # The FAT partition's mode is kept.
    assert stat.S_IMODE((boot / "cmdline.txt").stat().st_mode) == 0o755

    result = run_script(INSTALL, "--root", tmp_path, "--uninstall-boot")
    assert result.returncode == 0, result.stderr
    assert "Redémarrez pour appliquer la ligne de commande du noyau : sudo reboot" in result.stdout
    assert (boot / "cmdline.txt").read_text().split() == original.split()
    assert (boot / "config.txt").read_text() == original_config
    assert not (boot / "cmdline.txt.couloir-orig").exists()


def test_video_mode_and_stored_edid(
    tmp_path: Path, good_wheel: Path, installed_venv: InstalledVenv
) -> None:
    installed_venv(tmp_path)
    boot = make_boot_partition(tmp_path, PI_CMDLINE)
    edid = tmp_path / "tv.bin"
    edid.write_bytes(edid_bytes("LGE", 0x0001))
    install_root(
        tmp_path,
        good_wheel,
        "--role",
        "screen",
        "--api",
        "http://srv:8000",
        "--video",
        "3840x2160@60D",
        "--edid",
        str(edid),
    )
    words = (boot / "cmdline.txt").read_text().split()
    assert "video=HDMI-A-1:3840x2160@60D" in words
    assert "drm.edid_firmware=HDMI-A-1:edid/couloir-LGE-0001.bin" in words
    assert (tmp_path / EDIDS / "couloir-LGE-0001.bin").read_bytes() == edid.read_bytes()
    assert "hdmi_enable_4kp60=1" in (boot / "config.txt").read_text()


def test_edid_capture_reads_the_tv_and_bad_edid_is_refused(
    tmp_path: Path, good_wheel: Path, installed_venv: InstalledVenv
) -> None:
    installed_venv(tmp_path)
    make_boot_partition(tmp_path, PI_CMDLINE)
    sysfs = tmp_path / "sys/class/drm/card1-HDMI-A-1"
    sysfs.mkdir(parents=True)
    (sysfs / "edid").write_bytes(b"not an edid at all" * 8)

    def capture_edid() -> subprocess.CompletedProcess[str]:
        return run_script(
            INSTALL, "--root", tmp_path, "--role", "screen", "--api", "http://srv:8000",
            "--source", good_wheel, "--edid", "capture",
        )  # fmt: skip

    result = capture_edid()
    assert result.returncode != 0
    assert "n'est pas un EDID" in result.stderr
    (sysfs / "edid").write_bytes(edid_bytes(blocks=2))
    install_root(
        tmp_path, good_wheel, "--role", "screen", "--api", "http://srv:8000", "--edid", "capture"
    )
    assert (tmp_path / EDIDS / "couloir-SAM-7078.bin").stat().st_size == 256
    sysfs.joinpath("edid").write_bytes(b"")
    result = capture_edid()
    assert result.returncode != 0 and "aucun EDID à lire sur HDMI-A-1" in result.stderr


def test_the_tv_edid_is_kept_by_default_per_tv_model(
    tmp_path: Path, good_wheel: Path, installed_venv: InstalledVenv
) -> None:
    """A TV answering at install leaves its EDID for the boots where it is off."""
    installed_venv(tmp_path)
    boot = make_boot_partition(tmp_path, PI_CMDLINE)
    plug_tv(tmp_path, edid_bytes("SAM", 0x7078))
    output = install_root(tmp_path, good_wheel, "--role", "screen", "--api", "http://srv:8000")
    assert "EDID du téléviseur SAM-7078" in output
    words = (boot / "cmdline.txt").read_text().split()
    assert "drm.edid_firmware=HDMI-A-1:edid/couloir-SAM-7078.bin" in words
    # The TV is off at the next run: the EDID in use stays, nothing changes.
    (tmp_path / "sys/class/drm/card1-HDMI-A-1/edid").write_bytes(b"")
    again = install_root(tmp_path, good_wheel, "--role", "screen", "--api", "http://srv:8000")
    assert "Rien à changer" in again
    # Another TV model: its own file, used from now on; the first one is kept.
    plug_tv(tmp_path, edid_bytes("PHL", 0x0C1B))
    install_root(tmp_path, good_wheel, "--role", "screen", "--api", "http://srv:8000")
    words = (boot / "cmdline.txt").read_text().split()
    assert "drm.edid_firmware=HDMI-A-1:edid/couloir-PHL-0C1B.bin" in words
    assert sorted(p.name for p in (tmp_path / EDIDS).iterdir()) == [
        "couloir-PHL-0C1B.bin",
        "couloir-SAM-7078.bin",
    ]
    # --edid none: the kernel reads the TV itself again.
    install_root(
        tmp_path, good_wheel, "--role", "screen", "--api", "http://srv:8000", "--edid", "none"
    )
    words = (boot / "cmdline.txt").read_text().split()
    assert not any(word.startswith("drm.edid_firmware=") for word in words)
    result = run_script(INSTALL, "--root", tmp_path, "--uninstall-boot")
    assert result.returncode == 0, result.stderr
    assert list((tmp_path / EDIDS).iterdir()) == []


def test_an_older_install_keeps_its_edid(
    tmp_path: Path, good_wheel: Path, installed_venv: InstalledVenv
) -> None:
    """Pis set up before EDIDs were kept per model keep edid/couloir.bin in use."""
    installed_venv(tmp_path)
    boot = make_boot_partition(
        tmp_path, PI_CMDLINE + " drm.edid_firmware=HDMI-A-1:edid/couloir.bin"
    )
    (tmp_path / EDIDS).mkdir(parents=True)
    (tmp_path / EDIDS / "couloir.bin").write_bytes(edid_bytes())
    install_root(tmp_path, good_wheel, "--role", "screen", "--api", "http://srv:8000")
    words = (boot / "cmdline.txt").read_text().split()
    assert "drm.edid_firmware=HDMI-A-1:edid/couloir.bin" in words


def test_config_txt_block_applies_to_every_model(
    tmp_path: Path, good_wheel: Path, installed_venv: InstalledVenv
) -> None:
    """A config.txt ending inside a [pi4] section must not keep our lines for Pi 4s only."""
    installed_venv(tmp_path)
    boot = make_boot_partition(tmp_path, PI_CMDLINE, "dtoverlay=vc4-kms-v3d\n[pi4]\narm_boost=1\n")
    install_root(tmp_path, good_wheel, "--role", "screen", "--api", "http://srv:8000")
    block = (boot / "config.txt").read_text().split("# >>> couloir", 1)[1].splitlines()
    assert block[1] == "[all]"
    assert block.index("[all]") < block.index("disable_splash=1")


def test_clock_ntp_server_and_bounded_wait_for_time(
    tmp_path: Path, good_wheel: Path, installed_venv: InstalledVenv
) -> None:
    installed_venv(tmp_path)
    output = install_root(
        tmp_path,
        good_wheel,
        "--role",
        "screen",
        "--api",
        "http://srv:8000",
        "--ntp",
        "ntp1.agence.fr,10.0.0.1",
        "--no-boot",
    )
    timesyncd = parse_unit(tmp_path / "etc/systemd/timesyncd.conf.d/couloir.conf")
    assert timesyncd == {"Time.NTP": ["ntp1.agence.fr 10.0.0.1"]}
    # Every key is one timesyncd knows.
    assert b"Time.NTP" in Path("/lib/systemd/systemd-timesyncd").read_bytes()
    wait = parse_unit(tmp_path / UNITS / "systemd-time-wait-sync.service.d/couloir.conf")
    # Bounded by timeout(1), whose failure is ignored ("-"): time-sync.target is reached and
    # a Pi booted without network is not left « degraded » by a failed unit.
    assert wait == {
        "Service.ExecStart": ["", "-/usr/bin/timeout 90s /lib/systemd/systemd-time-wait-sync"],
        "Service.TimeoutStartSec": ["infinity"],
    }
    assert "exécuterait : systemctl enable systemd-time-wait-sync.service" in output
    assert "exécuterait : systemctl try-restart systemd-timesyncd.service" in output
    packages = output.split("apt-get install", 1)[1].splitlines()[0].split()
    assert "fake-hwclock" in packages and "systemd-timesyncd" in packages
    # A later run without --ntp keeps the server.
    install_root(tmp_path, good_wheel, "--role", "screen", "--no-boot")
    assert (tmp_path / "etc/systemd/timesyncd.conf.d/couloir.conf").exists()
    result = run_script(
        INSTALL, "--root", tmp_path, "--source", good_wheel, "--role", "screen", "--ntp", "a b"
    )
    assert result.returncode != 0 and "--ntp attend" in result.stderr


def test_screen_system_files(screen_root: tuple[Path, str], all_root: tuple[Path, str]) -> None:
    """PAM stack, CEC udev rule, Wi-Fi power save off; the journal in RAM on a screen-only Pi."""
    root = screen_root[0]
    pam = (root / "etc/pam.d/couloir-display").read_text()
    modules = [line.split()[2] for line in pam.splitlines() if line and not line.startswith("#")]
    assert modules == ["pam_unix.so", "pam_unix.so", "pam_systemd.so"]
    assert "pam_motd" not in pam and "pam_lastlog" not in pam
    nm = (root / "etc/NetworkManager/conf.d/couloir-wifi.conf").read_text()
    assert "[connection]" in nm and "wifi.powersave=2" in nm
    rule = (root / "etc/udev/rules.d/99-couloir-cec.rules").read_text()
    assert 'SUBSYSTEM=="cec"' in rule and 'GROUP="video"' in rule
    assert "exécuterait : udevadm control --reload" in screen_root[1]
    screen = parse_unit(root / "etc/systemd/journald.conf.d/couloir.conf")
    assert screen["Journal.Storage"] == ["volatile"]
    assert "Journal.SyncIntervalSec" not in screen
    whole = parse_unit(all_root[0] / "etc/systemd/journald.conf.d/couloir.conf")
    assert whole["Journal.Storage"] == ["persistent"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "--role all ou --role screen"),
        (["--role", "kiosk"], "--role doit valoir all ou screen"),
        (["--role", "screen"], "--role screen demande --api URL"),
        (["--role", "all", "--rotate", "45"], "--rotate doit valoir 0, 90, 180 ou 270"),
        (["--role", "all", "--port", "http"], "--port doit être un nombre"),
        (["--role", "all", "--video", "big"], "--video doit ressembler à 1920x1080M@60D"),
        (["--role", "all", "--api", "couloir.local"], "--api doit commencer par http://"),
        (["--role", "all", "--bogus"], "option inconnue « --bogus »"),
        (
            ["--role", "screen", "--api", "http://x", "--https"],
            "--https n'a de sens qu'avec --role all",
        ),
    ],
)
def test_bad_arguments_get_one_clear_line(
    tmp_path: Path, good_wheel: Path, args: list[str], message: str
) -> None:
    result = run_script(INSTALL, "--root", tmp_path, "--source", good_wheel, *args)
    assert result.returncode != 0
    assert message in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_changing_role_is_refused_without_losing_secrets(
    tmp_path: Path, good_wheel: Path, installed_venv: InstalledVenv
) -> None:
    installed_venv(tmp_path)
    install_root(tmp_path, good_wheel, "--role", "all", "--no-boot")
    env_before = (tmp_path / "etc/couloir/couloir.env").read_text()
    result = run_script(
        INSTALL,
        "--root",
        tmp_path,
        "--source",
        good_wheel,
        "--role",
        "screen",
        "--api",
        "http://elsewhere:8000",
        "--no-boot",
    )
    assert result.returncode != 0
    assert "installé avec --role all" in result.stderr
    assert (tmp_path / "etc/couloir/couloir.env").read_text() == env_before


def test_not_root_without_staging_is_refused(good_wheel: Path) -> None:
    result = install_as_nobody(good_wheel, script_env())
    assert result.returncode != 0
    assert "lancez ce script en root" in result.stderr


def test_couloir_cli_runs_the_installed_couloir_with_the_service_settings(
    all_root: tuple[Path, str], seeded_data: tuple[Path, str], tmp_path: Path
) -> None:
    root = all_root[0]
    data = tmp_path / "data"
    shutil.copytree(seeded_data[0], data)
    env_file = tmp_path / "couloir.env"
    env_file.write_text(
        (root / "etc/couloir/couloir.env")
        .read_text()
        .replace("COULOIR_DATA_DIR=/var/lib/couloir", f"COULOIR_DATA_DIR={data}")
    )
    env = {**script_env(), "COULOIR_ENV_FILE": str(env_file)}
    result = subprocess.run(
        [
            str(root / "opt/couloir/deploy/bin/couloir-cli"),
            "screen",
            "add",
            "Hall d'accueil",
            "--agency",
            "avignon-joly-jean",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip().splitlines()[-1]) >= 20
    with sqlite3.connect(data / "couloir.db") as db:
        names = {row[0] for row in db.execute("SELECT name FROM screen")}
    assert "Hall d'accueil" in names


def test_every_option_is_documented_in_the_readme() -> None:
    help_text = run_script(INSTALL, "--help").stdout
    options = set(re.findall(r"^\s+(--[a-z-]+)", help_text, re.M))
    assert {"--role", "--api", "--token", "--dry-run", "--root", "--https"} <= options
    readme = (INSTALL.parent / "README.md").read_text()
    missing = [option for option in sorted(options) if f"`{option}" not in readme]
    assert not missing, f"options missing from deploy/raspberrypi/README.md: {missing}"


def test_dry_run_on_this_very_machine_changes_nothing(good_wheel: Path) -> None:
    """Without --root, --dry-run is how an operator previews a real install: it must be inert."""
    watched = [
        Path(p)
        for p in ("/etc/couloir", "/opt/couloir", "/etc/systemd/system/couloir-server.service")
    ]
    if any(p.exists() for p in watched):
        pytest.skip("Couloir is installed on this machine")
    result = run_script(INSTALL, "--dry-run", "--role", "all", "--source", good_wheel)
    assert result.returncode == 0, result.stderr
    assert "exécuterait : systemctl enable couloir-server.service" in result.stdout
    assert "écrirait /etc/couloir/couloir.env" in result.stdout
    assert not any(p.exists() for p in watched)
