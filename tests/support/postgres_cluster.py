"""A private PostgreSQL server a test may stop and start (the shared one of
scripts/postgres-test-server must keep running for every other test).

``initdb`` into a temporary folder, ``pg_ctl start`` on a free loopback port, trust
authentication on loopback only, fsync off. Run as the ``postgres`` system user when the tests
run as root (PostgreSQL refuses to run as root), as the current user otherwise.

    with PostgresCluster() as cluster:
        url = cluster.url("postgres")
        cluster.stop(); ...; cluster.start()
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.support.server import free_port

PG_ROOT = Path("/usr/lib/postgresql")


def _bin_dir() -> Path | None:
    if not PG_ROOT.is_dir():
        return None
    versions = sorted(PG_ROOT.iterdir(), key=lambda p: [int(x) for x in p.name.split(".")])
    for version in reversed(versions):
        if (version / "bin" / "pg_ctl").exists():
            return version / "bin"
    return None


def unavailable_reason() -> str | None:
    """Why a private cluster cannot be made here (None when it can)."""
    if _bin_dir() is None:
        return "PostgreSQL's server programs are not installed (/usr/lib/postgresql/*/bin)"
    if os.geteuid() == 0 and shutil.which("su") is None:
        return "running as root without su to become the postgres user"
    return None


class PostgresCluster:
    """One throw-away PostgreSQL server in a folder of its own, started on ``__enter__``.

    The folder is made under the system's temporary folder, not a test's ``tmp_path``: the
    ``postgres`` user could not reach into pytest's private folders.
    """

    def __init__(self) -> None:
        bin_dir = _bin_dir()
        assert bin_dir is not None, unavailable_reason()
        self.bin = bin_dir
        self.folder = Path(tempfile.mkdtemp(prefix="couloir-pg-cluster-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.socket_dir = self.folder / "socket"

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        command = shlex.join(args)
        if os.geteuid() == 0:  # PostgreSQL will not run as root: as its own system user
            argv = ["su", "postgres", "-s", "/bin/sh", "-c", command]
        else:
            argv = ["/bin/sh", "-c", command]
        return subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, check=False, cwd="/"
        )

    def __enter__(self) -> PostgresCluster:
        self.socket_dir.mkdir()
        if os.geteuid() == 0:
            for path in (self.folder, self.socket_dir):
                shutil.chown(path, "postgres", "postgres")
        made = self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "--auth=trust",
            "-U",
            "postgres",
            "--no-sync",
            "--no-instructions",
        )
        assert made.returncode == 0, made.stderr
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop(mode="immediate")
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        """A SQLAlchemy URL to ``database`` on this server."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.socket_dir} "
            "-c fsync=off -c full_page_writes=off -c max_connections=300"
        )
        log = self.folder / "server.log"
        started = self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(log), "-w", "-o", options,
            "start",
        )  # fmt: skip
        assert started.returncode == 0, started.stdout + started.stderr

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: ``fast`` ends every session, as an update's restart does."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    @property
    def running(self) -> bool:
        """True while the server runs."""
        status = self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "status")
        return status.returncode == 0
