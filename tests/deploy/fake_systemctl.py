"""A stand-in for ``systemctl`` in a staging root, for update.sh's tests (no systemd PID 1 here).

It runs a unit's ExecStart= as systemd would build it (``deploy_support.unit_command``) in
the background, keeps its pid under ``$FAKE_SYSTEMD_ROOT/run/fake-systemd/``, and answers
start, stop, restart, is-active and is-enabled (units listed in ``$FAKE_SYSTEMD_ENABLED``).
``Type=notify`` units get a NOTIFY_SOCKET, and start succeeds only once they send READY=1
(within TimeoutStartSec=), as with systemd. ``$FAKE_SYSTEMD_ENV`` ("K=V K=V") overrides the
unit's environment (e.g. SDL_VIDEODRIVER=dummy: no screen here). Units listed in
``$FAKE_SYSTEMD_FAIL`` fail to start, as the screen does with no TV attached. Units that are
not Couloir's services (timers, the system's own units) start and stop as states only.
Every command is appended to ``$FAKE_SYSTEMD_ROOT/run/fake-systemd/calls``.

    FAKE_SYSTEMD_ROOT=/tmp/pi python fake_systemctl.py start couloir-server.service
"""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

ROOT = Path(os.environ["FAKE_SYSTEMD_ROOT"])
STATE = ROOT / "run" / "fake-systemd"


def _pid_file(unit: str) -> Path:
    return STATE / f"{unit}.pid"


def _active_file(unit: str) -> Path:
    return STATE / f"{unit}.active"


def _runs_a_command(unit: str) -> bool:
    """Couloir's services run their command; timers and the system's own units are states."""
    return unit.endswith(".service") and (ROOT / "etc/systemd/system" / unit).exists()


def is_active(unit: str) -> bool:
    """Whether the unit runs (a service's process) or was started (any other unit)."""
    if not _runs_a_command(unit):
        return _active_file(unit).exists()
    return running_pid(unit) is not None


def running_pid(unit: str) -> int | None:
    """The pid of the unit's main process while it runs (zombies count as stopped)."""
    try:
        pid = int(_pid_file(unit).read_text())
        with open(f"/proc/{pid}/stat") as handle:
            state = handle.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None
    return None if state in {"Z", "X"} else pid


def _wait_ready(process: subprocess.Popen, sock: socket.socket, timeout_s: float) -> bool:
    """True once the process sent READY=1; False if it exited or the time ran out."""
    deadline = time.monotonic() + timeout_s
    sock.settimeout(0.2)
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            if "READY=1" in sock.recv(4096).decode().split("\n"):
                return True
        except TimeoutError:
            continue
    return False


def start(unit: str) -> int:
    if is_active(unit):
        return 0
    if unit in os.environ.get("FAKE_SYSTEMD_FAIL", "").split(","):
        print(
            f"Job for {unit} failed because the control process exited with error code.",
            file=sys.stderr,
        )
        return 1
    if not _runs_a_command(unit):
        _active_file(unit).touch()
        return 0
    # Here, not at the top: only start needs it, and update.sh asks is-active every second.
    from deploy_support import parse_unit, unit_command

    unit_path = ROOT / "etc/systemd/system" / unit
    overrides = dict(
        pair.split("=", 1) for pair in shlex.split(os.environ.get("FAKE_SYSTEMD_ENV", ""))
    )
    directives = parse_unit(unit_path)
    notify = directives.get("Service.Type") == ["notify"]
    sock = None
    if notify:
        # An abstract socket (leading "@"), as systemd uses: no path length limit.
        name = f"couloir-fake-systemd-{os.getpid()}-{unit}"
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind("\0" + name)
        overrides["NOTIFY_SOCKET"] = "@" + name
        watchdog = directives.get("Service.WatchdogSec")
        if watchdog:
            overrides.setdefault("WATCHDOG_USEC", str(int(watchdog[0]) * 1_000_000))
    argv, env = unit_command(unit_path, ROOT, overrides)
    with (STATE / f"{unit}.log").open("a") as log:
        try:
            # Returns once exec succeeded, like Type=exec.
            process = subprocess.Popen(
                argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        except OSError as exc:
            print(f"Job for {unit} failed: {exc}", file=sys.stderr)
            return 1
    _pid_file(unit).write_text(str(process.pid))
    if sock is not None:
        timeout = float(directives.get("Service.TimeoutStartSec", ["90"])[0])
        ready = _wait_ready(process, sock, timeout)
        sock.close()
        if not ready:
            stop(unit)
            print(f"Job for {unit} failed: no READY=1 (see {unit}.log)", file=sys.stderr)
            return 1
    return 0


def stop(unit: str) -> int:
    _active_file(unit).unlink(missing_ok=True)
    pid = running_pid(unit)
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        while running_pid(unit) is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        if running_pid(unit) is not None:
            os.kill(pid, signal.SIGKILL)
    _pid_file(unit).unlink(missing_ok=True)
    return 0


def main(argv: list[str]) -> int:
    STATE.mkdir(parents=True, exist_ok=True)
    with (STATE / "calls").open("a") as calls:
        calls.write(" ".join(argv) + "\n")
    words = [a for a in argv if not a.startswith("-")]
    if not words:
        return 0
    command, units = words[0], words[1:]
    status = 0
    for unit in units:
        if command == "start":
            status |= start(unit)
        elif command == "stop":
            status |= stop(unit)
        elif command == "restart":
            stop(unit)
            status |= start(unit)
        elif command == "is-active":
            active = is_active(unit)
            if "--quiet" not in argv:
                print("active" if active else "inactive")
            status |= 0 if active else 3
        elif command == "is-enabled":
            enabled = os.environ.get("FAKE_SYSTEMD_ENABLED", "").split(",")
            status |= 0 if unit in enabled else 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
