"""The boot test in a virtual machine (scripts/test-pi-vm).

It builds a Debian guest, boots it twice and runs the real installer and updater inside:
minutes, not seconds. It runs by itself only where a hardware KVM makes it fit CI's time budget
(``/dev/kvm`` usable, not PVM, root, the tools installed); elsewhere each release is skipped
with the reason. ``COULOIR_TEST_PI_VM=1`` forces it (software emulation on a PVM host: about
35 minutes per release), ``COULOIR_TEST_PI_VM=0`` turns it off; ``COULOIR_TEST_PI_VM_RELEASES``
picks the releases (default ``bookworm trixie``). The script's own skip (exit 77) becomes a
pytest skip.
"""

from __future__ import annotations

import os
import platform
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "test-pi-vm"
GUEST_SCRIPTS = [
    REPO / "tests" / "vm" / "guest.sh",
    REPO / "tests" / "vm" / "image-hook.sh",
    REPO / "tests" / "vm" / "couloir-vmtest",
]
SKIPPED = 77
TOOLS = ("mmdebstrap", "qemu-system-x86_64", "qemu-img", "mkfs.ext4")

RELEASES = os.environ.get("COULOIR_TEST_PI_VM_RELEASES", "bookworm trixie").split()


def vm_skip_reason(
    env: Mapping[str, str] = os.environ,
    *,
    kvm: Path = Path("/dev/kvm"),
    sys_module: Path = Path("/sys/module"),
    machine: str | None = None,
    euid: int | None = None,
    which: Callable[[str], str | None] = shutil.which,
) -> str | None:
    """Why the VM boot test does not run here (French, then English), or None when it runs.

    It runs when forced (``COULOIR_TEST_PI_VM=1``) or when a hardware KVM makes it fast enough
    for CI: an x86_64 host, ``/dev/kvm`` readable and writable and not PVM (which boots no
    Debian kernel: software emulation, far too slow), root, and the tools of the script.
    """
    wanted = env.get("COULOIR_TEST_PI_VM", "")
    if wanted == "1":
        return None
    if wanted == "0":
        return "désactivé par COULOIR_TEST_PI_VM=0 / turned off by COULOIR_TEST_PI_VM=0"
    force = " (COULOIR_TEST_PI_VM=1 le lance quand même / forces it)"
    machine = machine or platform.machine()
    if machine != "x86_64":
        return f"machine {machine}, pas x86_64 / not an x86_64 host{force}"
    try:
        is_device = stat.S_ISCHR(kvm.stat().st_mode)
    except OSError:
        is_device = False
    if not is_device:
        return f"pas de {kvm} : pas de KVM matériel / no hardware KVM{force}"
    if (sys_module / "kvm_pvm").exists():
        return (
            f"{kvm} est PVM (virtualisation imbriquée) : émulation TCG trop lente pour la CI / "
            f"{kvm} is PVM: TCG too slow for CI{force}"
        )
    if not os.access(kvm, os.R_OK | os.W_OK):
        return (
            f"{kvm} n'est pas accessible en lecture et écriture / not readable and writable{force}"
        )
    if (os.geteuid() if euid is None else euid) != 0:
        return f"il faut être root (mmdebstrap) / needs root{force}"
    missing = [tool for tool in TOOLS if which(tool) is None]
    if missing:
        return (
            f"outils absents / missing tools: {', '.join(missing)} "
            f"(apt-get install mmdebstrap qemu-system-x86 qemu-utils e2fsprogs){force}"
        )
    return None


def _run(release: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.setdefault("COULOIR_VM_PYTHON", sys.executable)
    return subprocess.run(
        [str(SCRIPT), "--release", release],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=5400,
    )


@pytest.mark.parametrize("release", RELEASES)
def test_pi_installs_boots_and_passes_checks_in_a_vm(release: str) -> None:
    """install.sh --role all in a real guest, reboot, then every check of scripts/test-pi-vm."""
    reason = vm_skip_reason()
    if reason is not None:
        pytest.skip(f"test de démarrage en VM ignoré / VM boot test skipped: {reason}")
    result = _run(release)
    if result.returncode == SKIPPED:
        pytest.skip(result.stderr.strip() or "scripts/test-pi-vm skipped")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]


def _kvm(tmp_path: Path, *, pvm: bool = False) -> tuple[Path, Path]:
    """A stand-in /dev/kvm (the real /dev/null, a character device) and /sys/module."""
    modules = tmp_path / "module"
    (modules / "kvm").mkdir(parents=True)
    if pvm:
        (modules / "kvm_pvm").mkdir()
    return Path("/dev/null"), modules


def _found(tool: str) -> str | None:
    return f"/usr/bin/{tool}"


def test_vm_runs_by_itself_on_a_hardware_kvm(tmp_path: Path) -> None:
    """A usable, non-PVM /dev/kvm with root and the tools: the test runs without being asked."""
    kvm, modules = _kvm(tmp_path)
    assert (
        vm_skip_reason({}, kvm=kvm, sys_module=modules, machine="x86_64", euid=0, which=_found)
        is None
    )


def test_vm_skips_on_pvm_saying_why(tmp_path: Path) -> None:
    """PVM (this development machine): skipped and named, unless forced."""
    kvm, modules = _kvm(tmp_path, pvm=True)
    args = {"kvm": kvm, "sys_module": modules, "machine": "x86_64", "euid": 0, "which": _found}
    reason = vm_skip_reason({}, **args)
    assert reason is not None
    assert "PVM" in reason and "TCG" in reason and "COULOIR_TEST_PI_VM=1" in reason
    assert vm_skip_reason({"COULOIR_TEST_PI_VM": "1"}, **args) is None


def test_vm_skip_reasons_name_the_missing_piece(tmp_path: Path) -> None:
    """No /dev/kvm, another machine, not root, a tool missing, turned off: each said plainly."""
    kvm, modules = _kvm(tmp_path)
    base = {"kvm": kvm, "sys_module": modules, "machine": "x86_64", "euid": 0, "which": _found}
    assert "pas de" in vm_skip_reason({}, **{**base, "kvm": tmp_path / "kvm"})
    assert "aarch64" in vm_skip_reason({}, **{**base, "machine": "aarch64"})
    assert "root" in vm_skip_reason({}, **{**base, "euid": 1000})
    no_qemu = vm_skip_reason(
        {}, **{**base, "which": lambda tool: None if tool == "qemu-img" else "/usr/bin/x"}
    )
    assert "qemu-img" in no_qemu and "mmdebstrap" not in no_qemu.split("(")[0]
    assert "COULOIR_TEST_PI_VM=0" in vm_skip_reason({"COULOIR_TEST_PI_VM": "0"}, **base)
    # A regular file is not a KVM device.
    fake = tmp_path / "not-a-device"
    fake.write_text("")
    assert "pas de" in vm_skip_reason({}, **{**base, "kvm": fake})


def test_vm_scripts_are_shellcheck_clean() -> None:
    """The VM test's scripts (host and guest side) pass shellcheck; this one always runs."""
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.fail("shellcheck is missing: apt install shellcheck (Debian package)")
    result = subprocess.run(
        [shellcheck, "-x", "--severity=style", str(SCRIPT), *map(str, GUEST_SCRIPTS)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
