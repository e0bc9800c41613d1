"""Run ``couloir ARGS`` as an operator would, without paying for a new interpreter each time.

A test that runs the command many times forks it from the test process's fork server
(tests/support/forkserver.py), which has already imported the service: the child gets its own
standard input, output and error files, environment and working folder, runs ``api.cli.main``
exactly as ``python -m api.cli`` would, and reports its real exit status. About a second of
CPU is saved per run. Tests of the installed console script and of ``python -m api.cli`` itself
keep real subprocesses; COULOIR_TEST_FORK_SERVERS=0 runs every command as one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.support.forkserver import shared_fork_server

ROOT = Path(__file__).resolve().parents[2]
FORK = os.environ.get("COULOIR_TEST_FORK_SERVERS", "1") != "0"


def couloir(
    env: dict[str, str],
    *args: str,
    stdin: str = "",
    cwd: Path = ROOT,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run ``couloir ARGS`` with ``env`` and ``stdin``; its exit status, output and errors.

    Raises ``subprocess.TimeoutExpired`` (after killing it) if it runs past ``timeout``.
    """
    if not FORK:
        return subprocess.run(
            [sys.executable, "-m", "api.cli", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            cwd=cwd,
            timeout=timeout,
        )
    folder = Path(tempfile.mkdtemp(prefix="couloir-cli-"))
    try:
        (folder / "stdin").write_text(stdin, encoding="utf-8")
        out, err, status = folder / "stdout", folder / "stderr", folder / "status"
        child = shared_fork_server().spawn(
            list(args), env, out, cwd=cwd, stdin=folder / "stdin", stderr=err, status=status
        )
        try:
            child.wait(timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
            raise subprocess.TimeoutExpired(["couloir", *args], timeout) from None
        # The child writes its status just before it ends: once it has ended, it is there,
        # unless a signal ended the child first.
        code = int(status.read_text()) if status.exists() else -1
        return subprocess.CompletedProcess(
            ["couloir", *args],
            code,
            out.read_text(encoding="utf-8", errors="replace") if out.exists() else "",
            err.read_text(encoding="utf-8", errors="replace") if err.exists() else "",
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
