"""The Pi's wheels: every pinned dependency has an aarch64 binary wheel for CPython 3.11
(Bookworm) and 3.13 (Trixie), and pygame-ce's bundled SDL has the KMSDRM video driver.

The whole check downloads (about 15 s cold here); it is skipped, saying so, when the package
index cannot be reached. The verdict on a folder of wheels is tested offline too.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from deploy_support import REPO, free_port

CHECK = REPO / "scripts" / "check-pi-wheels"


def _pi_wheels():
    spec = importlib.util.spec_from_file_location("pi_wheels", REPO / "scripts" / "pi_wheels.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pi_wheels = _pi_wheels()


def test_pinned_dependencies_have_pi_wheels_and_sdl_has_kmsdrm() -> None:
    result = subprocess.run(
        [str(CHECK)],
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode == 77:
        pytest.skip(
            f"package index unreachable, aarch64 wheels not checked: {result.stderr[-300:]}"
        )
    assert result.returncode == 0, result.stdout + result.stderr
    for python in ("3.11", "3.13"):
        assert f"pour CPython {python} sur aarch64" in result.stdout
    assert result.stdout.count("pilote KMSDRM oui") == 2


def _library(aarch64: bool, kmsdrm: bool) -> bytes:
    """Bytes that look like a shared library to the check: ELF header, driver names."""
    header = bytearray(b"\x7fELF" + bytes(60))
    header[18:20] = (183 if aarch64 else 62).to_bytes(2, "little")
    names = b"\x00KMSDRM\x00KMS/DRM Video Driver\x00" if kmsdrm else b"\x00x11\x00wayland\x00"
    return bytes(header) + names


def _pygame(folder: Path, library: bytes) -> None:
    name = "pygame_ce-2.5.8-cp311-cp311-manylinux2014_aarch64.manylinux_2_17_aarch64.whl"
    with zipfile.ZipFile(folder / name, "w") as archive:
        archive.writestr("pygame_ce.libs/libSDL2-2-0123abcd.0.so.0.3200.10", library)


@pytest.mark.parametrize(
    ("aarch64", "kmsdrm", "problem"),
    [
        (True, True, None),
        (True, False, "n'a pas le pilote vidéo KMSDRM"),
        (False, True, "n'est pas une bibliothèque aarch64"),
    ],
)
def test_sdl_without_kmsdrm_or_for_another_cpu_is_refused(
    tmp_path: Path, aarch64: bool, kmsdrm: bool, problem: str | None
) -> None:
    _pygame(tmp_path, _library(aarch64, kmsdrm))
    notes, problems = pi_wheels.sdl_findings(tmp_path)
    assert len(notes) == 1
    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problem in problems[0]


def test_unpinned_off_pin_or_foreign_wheels_are_refused(tmp_path: Path) -> None:
    for name in (
        "pygame_ce-2.5.8-cp311-cp311-manylinux2014_aarch64.whl",
        "pillow-13.0.0-cp311-cp311-manylinux_2_27_x86_64.whl",
        "qrcode-7.0-py3-none-any.whl",
        "stray-1.0-py3-none-any.whl",
        "pydantic_core-2.50.5-cp313-cp313-manylinux_2_17_aarch64.whl",
    ):
        (tmp_path / name).write_bytes(b"")
    pins = {"pygame-ce": "2.5.8", "pillow": "13.0.0", "qrcode": "8.2", "pydantic-core": "2.50.5"}
    problems = pi_wheels.wheel_problems(tmp_path, pins, "3.11")
    assert sorted(problems) == sorted(
        [
            "pillow-13.0.0-cp311-cp311-manylinux_2_27_x86_64.whl : pas une roue aarch64",
            "qrcode-7.0-py3-none-any.whl : la version épinglée est 8.2",
            "stray-1.0-py3-none-any.whl : stray n'est pas épinglé",
            "pydantic_core-2.50.5-cp313-cp313-manylinux_2_17_aarch64.whl : pas construite pour CPython 3.11",
        ]
    )


def test_an_unreachable_index_is_told_apart_from_a_missing_wheel(tmp_path: Path) -> None:
    """Exit status 77 (the whole check is then skipped), not 1 (a wheel is missing)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(
        PYTHON=sys.executable,
        PIP_CONFIG_FILE="/dev/null",
        PIP_INDEX_URL=f"http://127.0.0.1:{free_port()}/simple",
        PIP_NO_CACHE_DIR="1",
        PIP_RETRIES="0",
        PIP_TIMEOUT="2",
    )
    result = subprocess.run(
        [str(CHECK), "--python", "3.11"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 77, result.stdout + result.stderr
    assert "index des paquets injoignable" in result.stderr
