"""Pinned, repeatable installs: the constraints file the Pis install with is the environment
the tests ran in, and install.sh/update.sh give it to pip (with an offline wheelhouse, the
system's pip configuration ignored unless asked, proxies carried through)."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from deploy_support import (
    INSTALL,
    REPO,
    UPDATE,
    VENV_PYTHON,
    install_as_nobody,
    run_script,
    script_env,
)

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
    assert any("fastapi==0.100.0 est hors de fastapi>=0.110" in line for line in found)
    assert any(
        line.startswith("qrcode : déclaré dans pyproject.toml, sans version") for line in found
    )
    assert any("pytest ne sert qu'aux tests" in line for line in found)
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
    assert "les versions épinglées diffèrent de cet environnement" in result.stderr


# --- install.sh and update.sh with real pip, offline -----------------------------------------
# A stand-in "couloir" release depending on a stand-in library published in three versions:
# what pip picks shows which pins and which sources the scripts gave it.

DEP = "corridor-dep"


def _wheel(folder: Path, name: str, version: str, files: dict[str, str], meta: str = "") -> Path:
    """Write a pure-Python wheel by hand (no build step, no index needed)."""
    dist = f"{name.replace('-', '_')}-{version}"
    info = f"{dist}.dist-info"
    files = {
        **files,
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{meta}",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    record.append(f"{info}/RECORD,,")
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
        archive.writestr(f"{info}/RECORD", "\n".join(record) + "\n")
    return wheel


def _dep_wheel(folder: Path, version: str) -> Path:
    return _wheel(folder, DEP, version, {"corridor_dep.py": f'VERSION = "{version}"\n'})


def _release(folder: Path, version: str, pinned: str | None) -> Path:
    """A couloir wheel needing corridor-dep>=1, with constraints.txt beside it when pinned."""
    stub = "import sys\n\n\ndef main():\n    print('couloir (stub)')\n    return 0\n"
    wheel = _wheel(
        folder,
        "couloir",
        version,
        {"couloir_stub.py": stub},
        f"Requires-Dist: {DEP}>=1.0\n",
    )
    with zipfile.ZipFile(wheel, "a") as archive:
        archive.writestr(
            f"couloir-{version}.dist-info/entry_points.txt",
            "[console_scripts]\ncouloir = couloir_stub:main\n",
        )
    if pinned:
        (folder / "constraints.txt").write_text(f"# pins\n{DEP}=={pinned}\n")
    return wheel


def _installed(venv: Path) -> str:
    """The corridor-dep version installed in a virtualenv."""
    (info,) = venv.glob("lib/python3*/site-packages/corridor_dep-*.dist-info")
    return info.name.removeprefix("corridor_dep-").removesuffix(".dist-info")


@pytest.fixture
def offline(tmp_path: Path) -> dict:
    """A wheelhouse (corridor-dep 1.0 and 2.0), a release, and pip pointed elsewhere too.

    The environment also names corridor-dep 3.0 in a PIP_FIND_LINKS folder, as a system pip
    configuration adding an extra index would: only --pip-conf may let pip see it.
    """
    wheelhouse = tmp_path / "wheelhouse"
    _dep_wheel(wheelhouse, "1.0")
    _dep_wheel(wheelhouse, "2.0")
    _dep_wheel(tmp_path / "extra", "3.0")
    root = tmp_path / "root"
    root.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("COULOIR_", "PIP_"))},
        "PYTHON": str(VENV_PYTHON),
        # Real pip, driving the new venv from outside: no ensurepip, seconds instead of minutes.
        "COULOIR_PIP": f"{VENV_PYTHON} -m pip",
        "PIP_FIND_LINKS": str(tmp_path / "extra"),
    }
    return {"wheelhouse": wheelhouse, "root": root, "env": env, "tmp": tmp_path}


def _install(offline: dict, wheel: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_script(
        INSTALL,
        "--root",
        offline["root"],
        "--source",
        wheel,
        "--role",
        "screen",
        "--api",
        "http://127.0.0.1:9",
        "--no-boot",
        "--wheelhouse",
        offline["wheelhouse"],
        *args,
        env=offline["env"],
    )


def test_install_takes_the_pinned_version_from_the_wheelhouse(offline: dict) -> None:
    wheel = _release(offline["tmp"] / "release", "0.1.0", pinned="1.0")
    result = _install(offline, wheel)
    assert result.returncode == 0, result.stdout + result.stderr
    assert _installed(offline["root"] / "opt/couloir/current") == "1.0"
    assert "hors ligne ; versions épinglées par" in result.stdout


@pytest.mark.parametrize(("args", "expected"), [([], "2.0"), (["--pip-conf"], "3.0")])
def test_unpinned_takes_the_newest_and_only_pip_conf_opens_other_sources(
    offline: dict, args: list[str], expected: str
) -> None:
    wheel = _release(offline["tmp"] / "release", "0.1.0", pinned=None)
    result = _install(offline, wheel, "--unpinned", *args)
    assert result.returncode == 0, result.stdout + result.stderr
    assert _installed(offline["root"] / "opt/couloir/current") == expected
    assert "NON épinglées" in result.stderr


def test_a_wheel_without_its_pins_is_refused(offline: dict) -> None:
    wheel = _release(offline["tmp"] / "release", "0.1.0", pinned=None)
    result = _install(offline, wheel)
    assert result.returncode == 1
    assert "pas de versions épinglées" in result.stderr
    assert list(offline["root"].iterdir()) == []


def test_update_installs_the_new_release_with_its_own_pins(offline: dict) -> None:
    first = _release(offline["tmp"] / "r1", "0.1.0", pinned="1.0")
    assert _install(offline, first).returncode == 0
    second = _release(offline["tmp"] / "r2", "0.2.0", pinned="2.0")
    unpinned = _release(offline["tmp"] / "r3", "0.3.0", pinned=None)
    update = [
        "--root",
        offline["root"],
        "--systemctl",
        "/bin/true",
        "--wheelhouse",
        offline["wheelhouse"],
    ]
    refused = run_script(UPDATE, "--source", unpinned, *update, env=offline["env"])
    assert refused.returncode == 1
    assert "pas de versions épinglées" in refused.stderr
    result = run_script(UPDATE, "--source", second, *update, env=offline["env"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Mis à jour : Couloir 0.1.0 -> 0.2.0." in result.stdout
    assert _installed(offline["root"] / "opt/couloir/current") == "2.0"


# --- what pip is given: arguments, configuration, proxies --------------------------------------


def _recording_pip(tmp: Path) -> tuple[Path, Path]:
    """A pip stand-in writing its arguments and environment to a file, then doing nothing."""
    record = tmp / "pip-call"
    pip = tmp / "fake-pip"
    pip.write_text(
        "#!/bin/sh\n"
        f'{{ printf "%s\\n" "$@"; echo ---; env; }} > "{record}"\n'
        # update.sh runs the new couloir --help: give it one.
        'for a; do case "$a" in */bin/python) d="${a%/python}";; esac; done\n'
        'printf "#!/bin/sh\\nexit 0\\n" > "$d/couloir"; chmod +x "$d/couloir"\n'
    )
    pip.chmod(0o755)
    return pip, record


def _call(record: Path) -> tuple[list[str], dict[str, str]]:
    args, _, env = record.read_text().partition("---\n")
    pairs = (line.partition("=") for line in env.splitlines() if "=" in line)
    return args.splitlines(), {key: value for key, _, value in pairs}


def test_pip_gets_the_pins_ignores_the_system_config_and_keeps_the_proxy(
    tmp_path: Path, good_wheel: Path
) -> None:
    pip, record = _recording_pip(tmp_path)
    env = script_env(
        COULOIR_PIP=str(pip),
        COULOIR_PIP_ARGS="",
        HTTPS_PROXY="http://proxy.agence.invalid:3128",
        no_proxy="localhost,127.0.0.1",
        PIP_EXTRA_INDEX_URL="http://extra.invalid/simple",
        PIP_INDEX_URL="http://mirror.invalid/simple",
    )
    env.pop("http_proxy", None)
    root = tmp_path / "root"
    root.mkdir()
    result = run_script(
        INSTALL,
        *("--root", root, "--source", good_wheel, "--no-boot"),
        *("--role", "screen", "--api", "http://srv.invalid:8000"),
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    args, seen = _call(record)
    assert args[args.index("--constraint") + 1] == str(good_wheel.parent / "constraints.txt")
    assert "--no-index" not in args
    assert seen["PIP_CONFIG_FILE"] == "/dev/null"
    assert "PIP_EXTRA_INDEX_URL" not in seen and "PIP_INDEX_URL" not in seen
    assert seen["https_proxy"] == seen["HTTPS_PROXY"] == "http://proxy.agence.invalid:3128"
    assert seen["no_proxy"] == seen["NO_PROXY"] == "localhost,127.0.0.1"

    # --pip-conf: the system's configuration (and the PIP_* variables) are pip's again.
    update = run_script(
        UPDATE,
        "--root",
        root,
        "--source",
        good_wheel,
        "--force",
        "--systemctl",
        "/bin/true",
        "--pip-conf",
        "--proxy",
        "http://user:secret@proxy2.invalid:8080",
        env={**env, "COULOIR_SYSTEMCTL": "/bin/true"},
    )
    assert update.returncode == 0, update.stdout + update.stderr
    args, seen = _call(record)
    assert "PIP_CONFIG_FILE" not in seen
    assert seen["PIP_EXTRA_INDEX_URL"] == "http://extra.invalid/simple"
    assert seen["http_proxy"] == seen["HTTPS_PROXY"] == "http://user:secret@proxy2.invalid:8080"
    assert "--constraint" in args
    # The proxy's password is never printed.
    assert "secret" not in update.stdout + update.stderr
    assert "user:***@proxy2.invalid" in update.stdout


def test_proxy_variables_dropped_by_sudo_are_taken_back(tmp_path: Path, good_wheel: Path) -> None:
    """sudo resets the environment: install.sh reads the proxy from the sudo process's own."""
    pip, record = _recording_pip(tmp_path)
    sudo = tmp_path / "bin" / "sudo"
    sudo.parent.mkdir()
    # Plays sudo: its own environment keeps the caller's proxy; the command's loses it.
    sudo.write_text(
        '#!/bin/sh\nenv -u http_proxy -u https_proxy -u HTTPS_PROXY SUDO_USER=agent "$@"\nexit $?\n'
    )
    sudo.chmod(0o755)
    root = tmp_path / "root"
    root.mkdir()
    env = script_env(
        COULOIR_PIP=str(pip), COULOIR_PIP_ARGS="", http_proxy="http://proxy.agence.invalid:3128"
    )
    result = subprocess.run(
        [
            *(str(sudo), str(INSTALL), "--root", str(root), "--source", str(good_wheel)),
            *("--role", "screen", "--api", "http://srv:8000", "--no-boot"),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "http_proxy repris de l'environnement de sudo" in result.stdout
    _, seen = _call(record)
    assert seen["http_proxy"] == seen["HTTP_PROXY"] == "http://proxy.agence.invalid:3128"


def test_not_root_with_a_proxy_is_told_how_to_keep_it(good_wheel: Path) -> None:
    result = install_as_nobody(
        good_wheel, script_env(https_proxy="http://proxy.agence.invalid:3128")
    )
    assert result.returncode == 1
    assert "lancez ce script en root" in result.stderr
    assert "sudo --preserve-env=http_proxy,https_proxy,no_proxy,HTTP_PROXY" in result.stderr


def test_the_pinning_scripts_are_shellcheck_clean() -> None:
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck is not installed (scripts/setup --test installs it)")
    scripts = [REPO / "scripts" / "constraints", REPO / "scripts" / "check-pi-wheels"]
    result = subprocess.run(
        [shellcheck, "-x", "--severity=style", *map(str, scripts)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout
