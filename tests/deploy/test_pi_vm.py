"""The boot test in a virtual machine (scripts/test-pi-vm), on demand only.

It builds a Debian guest, boots it twice and runs the real installer inside: minutes, not
seconds. The boot test runs only with ``COULOIR_TEST_PI_VM=1`` (``COULOIR_TEST_PI_VM_RELEASES`` picks
the releases, default ``bookworm trixie``); otherwise each test is skipped saying why. The script's
own skip (exit 77: no /dev/kvm, not root, a tool missing) becomes a pytest skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
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

RELEASES = os.environ.get("COULOIR_TEST_PI_VM_RELEASES", "bookworm trixie").split()


def _run(release: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.setdefault("COULOIR_VM_PYTHON", sys.executable)
    return subprocess.run(
        [str(SCRIPT), "--release", release],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=3600,
    )


@pytest.mark.parametrize("release", RELEASES)
def test_pi_installs_boots_and_passes_checks_in_a_vm(release: str) -> None:
    """install.sh --role all in a real guest, reboot, then every check of scripts/test-pi-vm."""
    if os.environ.get("COULOIR_TEST_PI_VM") != "1":
        pytest.skip("boot test in a VM: several minutes, run with COULOIR_TEST_PI_VM=1")
    result = _run(release)
    if result.returncode == SKIPPED:
        pytest.skip(result.stderr.strip() or "scripts/test-pi-vm skipped")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]


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
