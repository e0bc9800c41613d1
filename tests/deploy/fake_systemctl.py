"""A stand-in for ``systemctl`` in a staging root, for update.sh's tests (no systemd PID 1 here).

It runs a unit's ExecStart= as systemd would build it (``deploy_support.unit_command``) in
the background, keeps its pid under ``$FAKE_SYSTEMD_ROOT/run/fake-systemd/``, and answers
start, stop, restart, is-active and is-enabled (units listed in ``$FAKE_SYSTEMD_ENABLED``).

    FAKE_SYSTEMD_ROOT=/tmp/pi python fake_systemctl.py start couloir-server.service
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from deploy_support import unit_command

ROOT = Path(os.environ["FAKE_SYSTEMD_ROOT"])
STATE = ROOT / "run" / "fake-systemd"


def _pid_file(unit: str) -> Path:
    return STATE / f"{unit}.pid"


def running_pid(unit: str) -> int | None:
    """The pid of the unit's main process while it runs (zombies count as stopped)."""
    try:
        pid = int(_pid_file(unit).read_text())
        with open(f"/proc/{pid}/stat") as handle:
            state = handle.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None
    return None if state in {"Z", "X"} else pid


def start(unit: str) -> int:
    if running_pid(unit):
        return 0
    STATE.mkdir(parents=True, exist_ok=True)
    argv, env = unit_command(ROOT / "etc/systemd/system" / unit, ROOT)
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
    return 0


def stop(unit: str) -> int:
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
            active = running_pid(unit) is not None
            if "--quiet" not in argv:
                print("active" if active else "inactive")
            status |= 0 if active else 3
        elif command == "is-enabled":
            enabled = os.environ.get("FAKE_SYSTEMD_ENABLED", "").split(",")
            status |= 0 if unit in enabled else 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
