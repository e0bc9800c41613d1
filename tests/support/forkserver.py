"""Start test servers by forking a process that has already imported the service.

``couloir serve`` spends about a second of CPU importing FastAPI, SQLAlchemy, Alembic and the
project and building its routes, before it reads a single setting. A test run starts a hundred
servers. Each test process therefore keeps one *fork server*: a Python process that imports the
modules ``couloir serve`` needs, then, for each server, forks a child which takes its own
environment, output file and arguments and runs ``api.cli.main`` exactly as ``python -m api.cli``
would. Nothing of a setting, an engine or a connection exists before the fork.

Short commands (``couloir user add``, ``check``…) are forked the same way by
tests/support/cli.py, with their own standard input and error files and an exit status file.
The fork server waits for its children, so that their CPU counts in the test run's.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import subprocess
import sys
import threading
from functools import cache
from pathlib import Path

# Runs in the fork server. Imports only: settings are read after the fork, from each request.
_SERVER_CODE = r"""
import atexit, gc, importlib, json, os, signal, sys, traceback
answers = os.fdopen(os.dup(1), "wb")  # pids go back on a descriptor of their own...
os.dup2(2, 1)  # ...so that whatever an import prints cannot garble them
for name in (
    "api.cli", "api.main", "api.migrate", "api.db", "api.settings", "api.demo",
    "api.services.housekeeping", "api.services.offer_import", "api.backup",
    "api.security.passwords", "display.cli", "uvicorn", "uvicorn.main", "uvicorn.server",
    "uvicorn.config", "uvicorn.lifespan.on", "uvicorn.loops.auto", "uvicorn.loops.uvloop",
    "uvicorn.protocols.http.auto", "uvicorn.protocols.http.httptools_impl",
    "uvicorn.protocols.http.h11_impl", "uvicorn.protocols.websockets.auto", "uvloop", "httptools",
    "admin.routes", "anyio._backends._asyncio",  # create_app and the first request import them
):
    try:
        importlib.import_module(name)
    except ImportError:
        pass
import api.cli
import api.db

try:  # the staff pages' templates, compiled here once rather than by each server's first pages
    from admin.templating import env as templates

    for name in templates.list_templates():
        templates.get_template(name)
except ImportError:
    pass


def reap(*_):  # waited for, ended children count in the test run's CPU (time -v)
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


signal.signal(signal.SIGCHLD, reap)
gc.freeze()  # children's collections skip (and so do not copy) what is imported here
requests = sys.stdin.buffer
for line in requests:
    request = json.loads(line)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        answers.write(b"%d\n" % pid)
        answers.flush()
        continue
    code = 1
    try:
        answers.close()  # the parent's copy stays open
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
        output = os.open(request["log"], flags, 0o644)
        errors = os.open(request.get("errors", request["log"]), flags, 0o644)
        source = os.open(request.get("stdin", os.devnull), os.O_RDONLY)
        os.dup2(source, 0)
        os.dup2(output, 1)
        os.dup2(errors, 2)
        os.closerange(3, 1 << 16)  # the fork server's pipes are none of the server's business
        # The fork server's sys.stdin may hold requests read ahead: read the new fd 0 afresh.
        sys.stdin = open(0, encoding=sys.stdin.encoding, errors=sys.stdin.errors, closefd=False)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = ["couloir", *request["args"]]
        code = api.cli.main(request["args"])
    except SystemExit as exc:  # as the interpreter ends on it
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except BaseException:
        traceback.print_exc()
    code = code or 0
    if "status" in request:
        # What the interpreter's exit does that a command's files show, without its cost (it
        # touches every object the fork server imported: 0.6 s of CPU copying pages): exit
        # functions run, and database connections close, so SQLite removes its -wal and -shm.
        try:
            atexit._run_exitfuncs()
            for engine in api.db._engines.values():
                engine.dispose()
            gc.collect()  # connections of engines the command dropped (imports are frozen)
        except BaseException:
            traceback.print_exc()
            code = code or 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:
        code = code or 120  # as the interpreter does when it cannot flush
    if "status" in request:
        with open(request["status"] + ".partial", "w") as status:
            status.write(str(code))
        os.rename(request["status"] + ".partial", request["status"])
    os._exit(code)
"""


class ForkedProcess:
    """The parts of ``subprocess.Popen`` a LiveServer uses, for a server forked by the fork server.

    The server is the fork server's child, not ours: its end is seen through a pidfd, and its exit
    status is not known (``returncode`` is -1 once it has exited).
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        try:
            self._pidfd = os.pidfd_open(pid)
        except ProcessLookupError:  # a short command may be over (and reaped) already
            self.returncode = -1

    def poll(self) -> int | None:
        """None while the process runs, else -1."""
        return self._wait(0)

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the process to end; raise ``subprocess.TimeoutExpired`` after ``timeout``."""
        code = self._wait(timeout)
        if code is None:
            raise subprocess.TimeoutExpired(f"pid {self.pid}", timeout or 0)
        return code

    def _wait(self, timeout: float | None) -> int | None:
        if self.returncode is None and select.select([self._pidfd], [], [], timeout)[0]:
            self.returncode = -1
            os.close(self._pidfd)
        return self.returncode

    def send_signal(self, sig: int) -> None:
        """Send ``sig`` while the process runs."""
        if self.poll() is None:
            signal.pidfd_send_signal(self._pidfd, sig)

    def terminate(self) -> None:
        """SIGTERM."""
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL."""
        self.send_signal(signal.SIGKILL)


class ForkServer:
    """One fork server per test process, started on first use, ended with the test process."""

    def __init__(self, cwd: Path) -> None:
        self._cwd = cwd
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None

    def spawn(
        self,
        args: list[str],
        env: dict[str, str],
        log: Path,
        *,
        cwd: Path | None = None,
        stdin: Path | None = None,
        stderr: Path | None = None,
        status: Path | None = None,
    ) -> ForkedProcess:
        """Run ``couloir <args>`` with ``env``, its output appended to ``log``.

        ``stdin`` is read as standard input (else nothing is), ``stderr`` takes the error output
        apart from ``log``, and the exit status is written to ``status`` just before the child
        ends (the child is the fork server's: its status is not ours to wait for).
        """
        request = {"args": args, "env": env, "log": str(log), "cwd": str(cwd or self._cwd)}
        for key, path in (("stdin", stdin), ("errors", stderr), ("status", status)):
            if path is not None:
                request[key] = str(path)
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._process = subprocess.Popen(
                    [sys.executable, "-c", _SERVER_CODE],
                    cwd=self._cwd,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                )
                atexit.register(self._close, self._process)
            assert self._process.stdin is not None and self._process.stdout is not None
            self._process.stdin.write(json.dumps(request).encode() + b"\n")
            self._process.stdin.flush()
            answer = self._process.stdout.readline()
        if not answer:
            raise RuntimeError("the fork server for test servers has stopped")
        return ForkedProcess(int(answer))

    @staticmethod
    def _close(process: subprocess.Popen[bytes]) -> None:
        """End the fork server: it leaves when its requests end (servers are stopped apart)."""
        assert process.stdin is not None and process.stdout is not None
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


@cache
def shared_fork_server() -> ForkServer:
    """The test process's one fork server (servers and CLI runs alike), in the project root."""
    return ForkServer(Path(__file__).resolve().parents[2])
