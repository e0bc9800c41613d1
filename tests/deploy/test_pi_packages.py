"""The Pi installer's Debian packages resolve on arm64 Bookworm and Trixie (simulated apt)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from deploy_support import REPO

CHECK = REPO / "scripts" / "check-pi-packages"


@pytest.fixture(scope="module")
def apt_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One apt folder per release for this module's checks: each index is downloaded once."""
    return tmp_path_factory.mktemp("pi-apt")


def _check(apt_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(CHECK), "--apt-dir", str(apt_dir), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode == 77:
        pytest.skip(result.stdout.strip().splitlines()[-1])
    return result


def test_every_installer_package_resolves_on_both_releases(apt_dir: Path) -> None:
    result = _check(apt_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    for release in ("bookworm", "trixie"):
        assert f"{release} : ok" in result.stdout
    # The list comes from install.sh itself, roles and options included.
    assert "v4l-utils" in result.stdout and "caddy" in result.stdout


def test_a_package_the_release_lacks_fails_the_check(apt_dir: Path) -> None:
    result = _check(apt_dir, "--release", "trixie", "--extra", "paquet-qui-nexiste-pas")
    assert result.returncode == 1
    assert "trixie : ÉCHEC" in result.stdout
    assert "paquet-qui-nexiste-pas" in result.stdout


def _listed(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(REPO / "deploy" / "raspberrypi" / "install.sh"), "--list-packages", *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_the_installer_lists_the_packages_of_each_role() -> None:
    screen, server = _listed("--role", "screen"), _listed("--role", "all", "--https")
    assert screen.returncode == 0 and server.returncode == 0, screen.stderr + server.stderr
    assert {"v4l-utils", "libgbm1", "fake-hwclock"} <= set(screen.stdout.split())
    assert not {"sqlite3", "caddy"} & set(screen.stdout.split())
    assert set(server.stdout.split()) - set(screen.stdout.split()) == {"sqlite3", "caddy"}
    refused = _listed()
    assert refused.returncode != 0 and "--role all ou --role screen" in refused.stderr
