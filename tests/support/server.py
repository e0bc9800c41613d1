"""A real Couloir server in a subprocess (uvicorn over HTTP) on a fresh, demo-seeded database."""

from __future__ import annotations

import atexit
import os
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import httpx
from sqlmodel import Session, select

from api.db import make_engine
from api.demo import demo_screen_token, seed_demo
from api.migrate import upgrade
from api.models import Staff
from api.security.sessions import COOKIE_NAME, open_session
from api.settings import Settings
from tests.support.databases import create_database, drop_database
from tests.support.forkserver import ForkedProcess, shared_fork_server

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 90.0  # a bound for a loaded machine (parallel workers), not a wait
ROLES = ("cde", "cdde", "manager", "admin")
# Servers are forked from a process that has imported the service (tests/support/forkserver.py):
# a second of CPU saved per start. COULOIR_TEST_FORK_SERVERS=0 starts ``python -m api.cli``.
FORK_SERVERS = os.environ.get("COULOIR_TEST_FORK_SERVERS", "1") != "0"
_fork_server = shared_fork_server()


@cache
def client_tls() -> ssl.SSLContext:
    """One TLS context for the tests' HTTP clients (``httpx.Client(verify=client_tls())``).

    Each ``httpx.Client`` otherwise builds its own, loading the CA bundle: 20 ms of CPU per
    client, for servers the tests reach over plain HTTP on loopback.
    """
    return ssl.create_default_context()


def free_port() -> int:
    """An unused TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PortTaken(RuntimeError):
    """The server could not bind its port: another process took it first."""


@dataclass(frozen=True)
class _Demo:
    database_url: str
    accounts: dict[str, tuple[str, str]]
    screen_token: str
    tokens: dict[str, str]
    cookie_sessions: dict[str, str]


@cache
def _demo_template() -> _Demo:
    """The demo agency, migrated and seeded once per test run; each server gets a copy.

    Seeding hashes four passwords and writes a few hundred rows: about a second saved on each
    of the hundreds of servers a run starts. Each demo account also gets a bearer session here,
    as ``POST /auth/token`` would open it: ``LiveServer.token`` then need not log in over HTTP
    (one argon2 check, a fifth of a second of the server's CPU) on every server. A cookie
    session too, as the login form opens it, for browsers that start logged in
    (``LiveServer.cookie_sessions``).
    """
    folder = Path(tempfile.mkdtemp(prefix="couloir-demo-template-"))
    url = create_database(folder)
    engine = make_engine(url)
    try:
        upgrade(engine)
        with Session(engine, expire_on_commit=False) as db:
            passwords = {role: secrets.token_urlsafe(12) for role in ROLES}
            accounts = seed_demo(db, passwords).by_role
            token = demo_screen_token(db)
            days = Settings.model_fields["session_days"].default
            people = {
                role: db.exec(select(Staff).where(Staff.email == email)).one()
                for role, (email, _) in accounts.items()
            }
            tokens, cookie_sessions = (
                {
                    role: open_session(db, staff, kind=kind, days=days)
                    for role, staff in people.items()
                }
                for kind in ("bearer", "cookie")
            )
        if engine.dialect.name == "sqlite":
            with engine.connect() as connection:  # everything in the main file, to copy it
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()
    atexit.register(shutil.rmtree, folder, True)
    atexit.register(drop_database, url)
    return _Demo(url, accounts, token, tokens, cookie_sessions)


class LiveServer:
    """``couloir serve`` on 127.0.0.1:<port>, with the demo agency, one screen and known logins."""

    def __init__(
        self,
        data_dir: Path,
        *,
        seed: bool = True,
        workers: int = 1,
        env: dict[str, str] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.extra_env = dict(env or {})  # settings of this server's own (a small pool…)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.owns_database = True
        self.workers = workers
        self.secret_key = secrets.token_urlsafe(40)
        self.accounts: dict[str, tuple[str, str]] = {}
        self.screen_token = ""
        self._tokens: dict[str, str] = {}
        # role -> the value of a session cookie the login form would have set (demo only)
        self.cookie_sessions: dict[str, str] = {}
        self._process: subprocess.Popen[bytes] | ForkedProcess | None = None
        self.log_path = data_dir / "server.log"
        if seed:
            demo = _demo_template()
            self.database_url = create_database(data_dir, template=demo.database_url)
            self.accounts, self.screen_token = dict(demo.accounts), demo.screen_token
            self._tokens = dict(demo.tokens)
            self.cookie_sessions = dict(demo.cookie_sessions)
        else:
            self.database_url = create_database(data_dir)

    def sibling(self, data_dir: Path) -> LiveServer:
        """Another server on this one's database, as a second host would be (not started)."""
        other = LiveServer.__new__(LiveServer)
        other.__dict__.update(self.__dict__)
        data_dir.mkdir(parents=True, exist_ok=True)
        other.data_dir, other.log_path = data_dir, data_dir / "server.log"
        other.port = free_port()
        other.url = f"http://127.0.0.1:{other.port}"
        other.owns_database, other._process = False, None
        other._tokens = dict(self._tokens)
        return other

    @property
    def pid(self) -> int:
        """The server's process id (the supervisor's, with several workers)."""
        assert self._process is not None
        return self._process.pid

    @property
    def env(self) -> dict[str, str]:
        """Environment the server runs with."""
        return dict(
            os.environ,
            COULOIR_DATA_DIR=str(self.data_dir),
            COULOIR_DATABASE_URL=self.database_url,
            COULOIR_PUBLIC_URL=self.url,
            COULOIR_SECRET_KEY=self.secret_key,
            COULOIR_ENV="development",
            **self.extra_env,
        )

    def start(self) -> None:
        """Start (or restart) the server and wait until /healthz answers 200.

        Parallel test workers pick free ports independently: if another took this one between
        ``free_port`` and the bind, the server starts again on a new port.
        """
        for _ in range(3):
            try:
                return self._start_once()
            except PortTaken:
                self.port = free_port()
                self.url = f"http://127.0.0.1:{self.port}"
        return self._start_once()

    def _start_once(self) -> None:
        log_start = self.log_path.stat().st_size if self.log_path.exists() else 0
        args = ["serve", "--port", str(self.port), "--log-level", "warning"]
        args += ["--workers", str(self.workers)]
        if FORK_SERVERS:
            self._process = _fork_server.spawn(args, self.env, self.log_path)
        else:
            log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
            self._process = subprocess.Popen(
                [sys.executable, "-m", "api.cli", *args],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                output = self.log_path.read_bytes()[log_start:].decode(errors="replace")
                if "address already in use" in output.lower():
                    raise PortTaken(self.port)
                raise RuntimeError(f"server exited: {output[-2000:]}")
            try:
                health = httpx.get(f"{self.url}/healthz", timeout=1, verify=client_tls())
                if health.status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)  # polling for start-up, not hiding a race
        raise RuntimeError(f"server did not start: {self.log_path.read_text()[-2000:]}")

    def stop(self) -> None:
        """Stop the server (data kept)."""
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def close(self) -> None:
        """Stop and drop the database (unless another server owns it)."""
        self.stop()
        if self.owns_database:
            drop_database(self.database_url)

    def token(self, role: str) -> str:
        """A bearer token for the demo account of ``role``."""
        if role not in self._tokens:
            email, password = self.accounts[role]
            response = httpx.post(
                f"{self.url}/api/v1/auth/token", json={"email": email, "password": password}
            )
            response.raise_for_status()
            self._tokens[role] = response.json()["access_token"]
        return self._tokens[role]

    def client(self, role: str | None = None) -> httpx.Client:
        """An HTTP client for the API, logged in as ``role`` (or anonymous)."""
        headers = {"Authorization": f"Bearer {self.token(role)}"} if role else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10, verify=client_tls())

    def page_client(self, role: str) -> httpx.Client:
        """A staff-page client of the demo account of ``role``, its cookie session opened
        in-process, as the login form would open it, without the form's argon2 check (a fifth
        of a second of the server's CPU). For tests about something else than logging in."""
        engine = make_engine(self.database_url)
        try:
            with Session(engine) as db:
                staff = db.exec(select(Staff).where(Staff.email == self.accounts[role][0])).one()
                days = Settings.model_fields["session_days"].default
                session = open_session(db, staff, kind="cookie", days=days)
        finally:
            engine.dispose()
        return httpx.Client(
            base_url=self.url, cookies={COOKIE_NAME: session}, timeout=20, verify=client_tls()
        )

    def screen_client(self) -> httpx.Client:
        """An HTTP client carrying the demo screen's token."""
        return httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {self.screen_token}"},
            timeout=10,
            verify=client_tls(),
        )
