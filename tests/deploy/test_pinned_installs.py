"""Pinned, repeatable installs: the constraints file the Pis install with is the environment
the tests ran in, and install.sh/update.sh give it to pip (with an offline wheelhouse, the
system's pip configuration ignored unless asked, proxies carried through)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

from deploy_support import REPO

CONSTRAINTS = REPO / "deploy" / "constraints.txt"


def _pinning():
    """scripts/pinning.py, the module behind scripts/constraints."""
    spec = importlib.util.spec_from_file_location("pinning", REPO / "scripts" / "pinning.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("pinning", module)
    spec.loader.exec_module(module)
    return module


pinning = _pinning()


def test_every_declared_dependency_is_pinned_within_its_range() -> None:
    pins = pinning.read_pins(CONSTRAINTS)
    assert pinning.disagreements(pins) == []
    assert "pytest" not in pins and "couloir" not in pins


def test_the_pins_are_what_the_tests_run_with() -> None:
    result = subprocess.run(
        [str(REPO / "scripts" / "constraints"), "--check"],
        env={"PATH": "/usr/bin:/bin", "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_a_missing_or_out_of_range_pin_is_caught(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "x"\ndependencies = ["fastapi>=0.110", "qrcode>=7.4", "jinja2>=3.1"]\n'
        '[project.optional-dependencies]\ntest = ["pytest>=8"]\n'
    )
    found = pinning.disagreements(
        {"fastapi": "0.100.0", "jinja2": "3.1.6", "pytest": "8.0.0"}, pyproject
    )
    assert any("fastapi==0.100.0 is outside" in line for line in found)
    assert any(line.startswith("qrcode: declared in pyproject.toml, not pinned") for line in found)
    assert any("pytest is a test-only package" in line for line in found)
    assert len(found) == 3


def test_a_drifted_environment_fails_the_check(tmp_path: Path) -> None:
    drifted = tmp_path / "constraints.txt"
    drifted.write_text(CONSTRAINTS.read_text().replace("fastapi==", "fastapi==0.110.0\n#"))
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "pinning.py"), "--check", "--output", str(drifted)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "-fastapi==0.110.0" in result.stderr
    assert "pins differ from this environment" in result.stderr
