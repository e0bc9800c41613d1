"""Helpers for the Raspberry Pi deployment tests: run the scripts, read the units they write.

The scripts stage a whole Pi under a temporary root (``install.sh --root DIR``). The units
they write name the paths of the real Pi (``/opt/couloir/current/bin/couloir``); to run a
unit's command here, ``unit_command`` reads it the way systemd does (Environment=,
EnvironmentFile=, ``${VAR}`` and ``$VAR`` expansion) and moves those paths into the root.

    argv, env = unit_command(root / "etc/systemd/system/couloir-server.service", root)
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy" / "raspberrypi"
INSTALL = DEPLOY / "install.sh"
UPDATE = DEPLOY / "update.sh"
VENV_PYTHON = Path(sys.executable)
# Packages the staged virtualenvs borrow instead of downloading them (see make_venv). None in
# the stand-ins' interpreters, started without ``site`` (FAST_PYTHON).
SITE_PACKAGES = next((p for p in map(Path, sys.path) if p.name == "site-packages"), None)
# How the tests' stand-ins for system commands (systemctl, cec-ctl) start: without ``site``,
# whose .pth files cost each call a few more milliseconds; they import only the standard library.
FAST_PYTHON = (str(VENV_PYTHON), "-S")

PI_CMDLINE = (
    "console=serial0,115200 console=tty1 root=PARTUUID=3b18e43a-02 rootfstype=ext4 "
    "fsck.repair=yes rootwait quiet init=/usr/lib/raspberrypi-sys-mods/firstboot"
)

# Paths of the installed system that live under the staging root in the tests.
STAGED_PREFIXES = ("/opt/couloir", "/etc/couloir", "/var/lib/couloir", "/var/cache/couloir")


def stand_in(path: Path, program: Path) -> Path:
    """Write ``path``, an executable running the stand-in ``program`` (a Python file), and
    return it."""
    path.write_text(f'#!/bin/sh\nexec {" ".join(map(shlex.quote, FAST_PYTHON))} "{program}" "$@"\n')
    path.chmod(0o755)
    return path


def script_env(**extra: str) -> dict[str, str]:
    """Environment for running install.sh/update.sh offline against the repo's packages."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COULOIR_")}
    env.update(
        COULOIR_PIP_ARGS="--no-deps --no-index",
        COULOIR_VENV_SITE=str(SITE_PACKAGES),
        PYTHON=str(VENV_PYTHON),
        COULOIR_PIP=f"{VENV_PYTHON} -m pip",
    )
    env.update(extra)
    return env


def install_as_nobody(wheel: Path, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``install.sh --role all`` as an unprivileged user, as someone forgetting sudo would.

    As root, drops to nobody with ``setpriv`` (the test is skipped without it).
    """
    import pytest  # here, not at the top: fake_systemctl.py imports this module, and starts often

    cmd: list[str] = []
    if os.geteuid() == 0:
        runner = shutil.which("setpriv")
        if runner is None:
            pytest.skip("needs setpriv to drop root")
        cmd = [runner, "--reuid=65534", "--regid=65534", "--clear-groups"]
    return subprocess.run(
        [*cmd, str(INSTALL), "--role", "all", "--source", str(wheel)],
        capture_output=True,
        text=True,
        env=dict(env),
        check=False,
    )


def run_script(
    script: Path, *args: str | Path, env: Mapping[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run a deployment script, returning its result (stdout and stderr as text)."""
    return subprocess.run(
        [str(script), *map(str, args)],
        capture_output=True,
        text=True,
        env=dict(env) if env is not None else script_env(),
        timeout=timeout,
        check=False,
    )


def make_boot_partition(root: Path, cmdline: str, config: str = "") -> Path:
    """Give a staging root the /boot/firmware files of a fresh Raspberry Pi OS image."""
    boot = root / "boot" / "firmware"
    boot.mkdir(parents=True, exist_ok=True)
    (boot / "cmdline.txt").write_text(cmdline + "\n")
    (boot / "config.txt").write_text(
        config or "[all]\ndtoverlay=vc4-kms-v3d\nmax_framebuffers=2\narm_boost=1\n"
    )
    # The boot partition is FAT mounted with fmask=0022: every file reads as 0755.
    for name in ("cmdline.txt", "config.txt"):
        (boot / name).chmod(0o755)
    return boot


def tree_digest(root: Path) -> str:
    """Hash of every path, mode, link target and file content under ``root``."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(f"{stat.S_IMODE(info.st_mode):o} {stat.S_IFMT(info.st_mode)}".encode())
        if path.is_symlink():
            digest.update(os.readlink(path).encode())
        elif path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def parse_unit(path: Path) -> dict[str, list[str]]:
    """Directives of a unit file as ``{"Section.Key": [values...]}`` (repeatable keys kept)."""
    section = ""
    directives: dict[str, list[str]] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        directives.setdefault(f"{section}.{key.strip()}", []).append(value.strip())
    return directives


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of an EnvironmentFile, quotes removed as systemd does."""
    values: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def staged(path: str, root: Path) -> str:
    """A path of the installed system, moved under the staging root when it lives there."""
    if path.startswith(STAGED_PREFIXES):
        return str(root) + path
    return path


def unit_environment(
    unit: dict[str, list[str]], root: Path, overrides: Mapping[str, str] = {}
) -> dict[str, str]:
    """The environment systemd gives a unit: Environment=, then EnvironmentFile=, then ours."""
    env: dict[str, str] = {}
    for line in unit.get("Service.Environment", []):
        for assignment in shlex.split(line):
            key, _, value = assignment.partition("=")
            env[key] = value
    for name in unit.get("Service.EnvironmentFile", []):
        optional = name.startswith("-")
        env_path = Path(staged(name.lstrip("-"), root))
        if env_path.exists() or not optional:
            env.update(read_env_file(env_path))
    # Paths of the installed system in values move into the root too (never the host's /var).
    env = {key: staged(value, root) for key, value in env.items()}
    env.update(overrides)
    return env


def expand_command(line: str, env: Mapping[str, str], root: Path) -> list[str]:
    """Split an ExecStart= line like systemd: ``$VAR`` becomes words, ``${VAR}`` one word."""
    argv: list[str] = []
    for word in shlex.split(line):
        whole = re.fullmatch(r"\$([A-Za-z_][A-Za-z0-9_]*)", word)
        if whole:
            argv.extend(env.get(whole.group(1), "").split())
            continue
        argv.append(re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: env.get(m[1], ""), word))
    return [staged(arg, root) if arg.startswith("/") else arg for arg in argv]


def unit_command(
    unit_path: Path, root: Path, overrides: Mapping[str, str] = {}
) -> tuple[list[str], dict[str, str]]:
    """The argv and environment a unit's ExecStart= runs with, paths moved into ``root``."""
    unit = parse_unit(unit_path)
    unit_env = unit_environment(unit, root, overrides)
    (exec_start,) = unit["Service.ExecStart"]
    argv = expand_command(exec_start, unit_env, root)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("COULOIR_", "NOTIFY_"))}
    return argv, {**base, **unit_env}


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_health(url: str, deadline_s: float = 60, process: subprocess.Popen | None = None):
    """Poll ``url`` until it answers 200; return the response, or raise with the last error."""
    import httpx  # here, not at the top: fake_systemctl.py imports this module, and starts often

    end = time.monotonic() + deadline_s
    last: object = None
    while time.monotonic() < end:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the service exited with status {process.returncode}")
        try:
            response = httpx.get(url, timeout=2)
            if response.status_code == 200:
                return response
            last = f"{response.status_code} {response.text[:200]}"
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(0.2)
    raise AssertionError(f"{url} not healthy within {deadline_s}s: {last}")


def stop_process(process: subprocess.Popen, timeout: float = 15) -> None:
    """Terminate a process this test started, then wait for it."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)


def systemd_root(root: Path) -> Path:
    """Give a staging root the distribution's units so ``systemd-analyze --root`` can load ours."""
    system = root / "usr" / "lib" / "systemd" / "system"
    if not system.exists():
        system.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["cp", "-a", "/usr/lib/systemd/system", str(system)], check=True)
    return root


def verify_units(root: Path, names: Iterable[str]) -> subprocess.CompletedProcess[str]:
    """``systemd-analyze verify`` of installed units, inside ``root``."""
    return subprocess.run(
        ["systemd-analyze", "verify", f"--root={root}", "--man=no", *names],
        capture_output=True,
        text=True,
        check=False,
    )


def install_root(root: Path, wheel: Path, *args: str) -> str:
    """Stage a Pi under ``root`` with install.sh and return its output; fail on error."""
    if not (root / "boot" / "firmware" / "cmdline.txt").exists():
        make_boot_partition(root, PI_CMDLINE)
    result = run_script(INSTALL, "--root", root, "--source", wheel, *args, env=script_env())
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def relocate_root(original: Path, copy: Path) -> None:
    """Make ``copy``, a copy of the staged Pi ``original`` (symlinks kept), work where it is.

    install.sh writes the paths of the real Pi everywhere but in the virtualenvs, which name
    their own folder (the ``couloir`` script's ``#!`` line, ``pyvenv.cfg``, the activate
    scripts): those now name the copy's, so that nothing it runs reaches back into the original.
    """
    old, new = str(original).encode(), str(copy).encode()
    for venv in (copy / "opt/couloir/venvs").glob("*"):
        for path in [venv / "pyvenv.cfg", *(venv / "bin").iterdir()]:
            if path.is_symlink() or not path.is_file():
                continue
            content = path.read_bytes()
            if old in content:
                path.write_bytes(content.replace(old, new))
