"""kill -9 during writes, on purpose (issue 17, point 1), on SQLite and on PostgreSQL.

A real server (tests/support/server.py) takes a bounded burst of writes from four writers at
once — offers through the API and through the staff form (cookie login, CSRF), hires with their
photo through the API and through the staff form — and is killed with SIGKILL at moments drawn
from a fixed seed (after a random number of acknowledged writes, other requests in flight), then
restarted, three times. Afterwards: every acknowledged write (2xx or the form's 303) is there,
nothing is half-written (an offer without its audit entry, a hire without the photo it was sent
with, a photo row whose bytes are not the ones named), and the screen's snapshot after the
restart is the one the database gives.

On PostgreSQL a kill also lands deterministically *inside* a write without any hook in the
service: the test locks a table the request writes last (``LOCK TABLE … IN EXCLUSIVE MODE``),
waits until the server's session is seen waiting on that lock (``pg_stat_activity``), and kills
the server there, between the request's first insert and its commit.

The PostgreSQL cases run wherever a test server is known (COULOIR_TEST_DATABASE_URL, or
POSTGRES_TEST_URL as scripts/test exports it for the SQLite run too).
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import os
import random
import shutil
import signal
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from api.db import make_engine
from api.demo import demo_screen_token, seed_demo
from api.migrate import upgrade
from api.models import AuditEvent, Hire, HirePhoto, Offer
from api.services import screens, snapshot
from display.cache import DisplayCache
from display.feed import Feed
from tests import factories
from tests.security.conftest import PageClient, login_through_form
from tests.support.databases import create_database, drop_database, engine_name
from tests.support.server import ROLES, LiveServer

BACKENDS = ("sqlite", "postgresql")
SEED = 17  # the kill moments are random, and the same on every run
ROUNDS = 2  # kills per case in CI (bench/faults.py kills 10 times)
WRITES_PER_WRITER = 40  # per round: at most 4 × 40 × 3 = 480 writes per case
KILL_AFTER_ACKS = (8, 40)  # a round's kill comes after this many acknowledged writes
WAIT_S = 20  # a bound for a loaded machine, never a delay
PHOTO = factories.sample_jpeg()


def postgres_base() -> str | None:
    """The PostgreSQL test server's URL, if one is known."""
    return os.environ.get("COULOIR_TEST_DATABASE_URL") or os.environ.get("POSTGRES_TEST_URL")


@dataclass(frozen=True)
class DemoDatabase:
    url: str
    accounts: dict[str, tuple[str, str]]
    screen_token: str


@cache
def _postgres_demo(base: str) -> DemoDatabase:
    """The demo agency seeded once per test process on the PostgreSQL server of ``base``."""
    folder = Path(tempfile.mkdtemp(prefix="couloir-k9-template-"))
    url = create_database(folder, base=base)
    engine = make_engine(url)
    try:
        upgrade(engine)
        with Session(engine, expire_on_commit=False) as db:
            accounts = seed_demo(db, {role: f"mot-de-passe-{role}-k9" for role in ROLES}).by_role
            token = demo_screen_token(db)
    finally:
        engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)
    if base == postgres_base():  # a private server (test_postgres_restart) goes whole
        atexit.register(drop_database, url)
    return DemoDatabase(url, dict(accounts), token)


def demo_server(backend: str, data_dir: Path, base: str | None = None) -> LiveServer:
    """A demo server (not started) on ``backend``: the run's own, or PostgreSQL at ``base``.

    A ``base`` other than the run's own server (test_postgres_restart's private one) is used
    even when the run's backend is PostgreSQL too: that test stops it under the service.
    """
    if backend == engine_name() and (base is None or base == postgres_base()):
        return LiveServer(data_dir)
    if backend != "postgresql" or not base:
        pytest.skip(f"{backend} needs the run's own backend here")
    demo = _postgres_demo(base)
    data_dir.mkdir(parents=True, exist_ok=True)
    server = LiveServer(data_dir, seed=False)
    server.database_url = create_database(data_dir, template=demo.url, base=base)
    server.accounts, server.screen_token = dict(demo.accounts), demo.screen_token
    return server


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """``sqlite``, or ``postgresql`` when a test server is known (else skipped)."""
    if request.param == "postgresql" and not postgres_base():
        pytest.skip("no PostgreSQL test server (COULOIR_TEST_DATABASE_URL / POSTGRES_TEST_URL)")
    return request.param


@pytest.fixture
def server(backend: str, tmp_path: Path) -> Iterator[LiveServer]:
    """The demo server on ``backend``, started; closed (database dropped) afterwards."""
    live = demo_server(backend, tmp_path / "data", postgres_base())
    live.start()
    try:
        yield live
    finally:
        live.close()


def kill9(server: LiveServer) -> None:
    """SIGKILL the server process and wait until it is gone (no shutdown code runs)."""
    process = server._process
    assert process is not None
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=WAIT_S)
    server._process = None


@contextlib.contextmanager
def staff_browser(server: LiveServer, role: str = "cde") -> Iterator[PageClient]:
    """A phone's browser logged in to the staff pages (session cookie; its CSRF token is
    ``browser.csrf``), closed afterwards."""
    browser = login_through_form(server, role)
    browser.headers["Accept"] = "text/html"  # error answers as a phone gets them: French pages
    try:
        yield browser
    finally:
        browser.close()


@dataclass
class Acks:
    """What the server acknowledged, by kind; shared by the writers (under ``lock``)."""

    offers: set[str] = field(default_factory=set)  # employers of offers created
    hires: set[str] = field(default_factory=set)  # employers of hires created with a photo
    photos: set[int] = field(default_factory=set)  # hires whose photo PUT answered 200
    count: int = 0
    # The colleague's staff session (cookies, CSRF token), kept across kills as a phone keeps
    # it: one login per case, not one per round (logins are throttled).
    session: tuple[httpx.Cookies, str] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    changed: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self.changed = threading.Condition(self.lock)

    def add(self, kind: set, value: object) -> None:  # type: ignore[type-arg]
        """Record one acknowledged write of ``kind``."""
        with self.changed:
            kind.add(value)
            self.count += 1
            self.changed.notify_all()

    def wait_for(self, count: int, writers: list[threading.Thread]) -> None:
        """Wait until ``count`` writes were acknowledged in all (or every writer ended)."""
        deadline = time.monotonic() + WAIT_S
        with self.changed:
            while self.count < count and any(w.is_alive() for w in writers):
                left = deadline - time.monotonic()
                assert left > 0, f"{self.count} writes acknowledged, {count} awaited"
                self.changed.wait(left)


@contextlib.contextmanager
def _phone(server: LiveServer, acks: Acks) -> Iterator[PageClient]:
    """The colleague's phone, logged in once for the whole case (under ``acks.lock``)."""
    with acks.lock:
        if acks.session is None:
            with staff_browser(server) as first:
                acks.session = (httpx.Cookies(first.cookies), first.csrf)
        cookies, token = acks.session
    browser = PageClient(
        base_url=server.url, cookies=cookies, timeout=10, headers={"Accept": "text/html"}
    )
    browser.csrf = token
    with browser:
        yield browser


def _writers(server: LiveServer, acks: Acks, tag: str) -> list[Callable[[], None]]:
    """Four loops of writes; each ends at its bound or at the first connection error."""
    offer = {"title": "Soudeur", "contract": "CDI", "commune": "Avignon"}
    today = date.today().isoformat()

    def api_offers() -> None:
        with server.client("cde") as api:
            for n in range(WRITES_PER_WRITER):
                employer = f"K9 API {tag} {n}"
                if (
                    api.post("/api/v1/offers", json={**offer, "employer": employer}).status_code
                    == 201
                ):
                    acks.add(acks.offers, employer)

    def form_offers() -> None:
        with _phone(server, acks) as browser:
            token = browser.csrf
            for n in range(WRITES_PER_WRITER):
                employer = f"K9 FORM {tag} {n}"
                form = {**offer, "employer": employer, "csrf_token": token}
                if browser.post("/admin/offres/nouvelle", data=form).status_code == 303:
                    acks.add(acks.offers, employer)

    def api_photos() -> None:
        with server.client("cde") as api:
            for n in range(WRITES_PER_WRITER // 2):
                hire = {"employer": f"K9 PHOTO {tag} {n}", "title": "Cariste", "hired_on": today}
                made = api.post("/api/v1/hires", json=hire)
                if made.status_code != 201:
                    continue
                hire_id = made.json()["id"]
                put = api.put(
                    f"/api/v1/hires/{hire_id}/photo",
                    content=PHOTO,
                    headers={"Content-Type": "image/jpeg"},
                )
                if put.status_code == 200:
                    acks.add(acks.photos, hire_id)

    def form_hires() -> None:
        with _phone(server, acks) as browser:
            token = browser.csrf
            for n in range(WRITES_PER_WRITER // 2):
                employer = f"K9 HIRE {tag} {n}"
                form = {
                    "employer": employer,
                    "title": "Préparatrice",
                    "hired_on": today,
                    "photo_consent": "on",
                    "csrf_token": token,
                }
                files = {"photo": ("photo.jpg", PHOTO, "image/jpeg")}
                answer = browser.post("/admin/embauches/nouvelle", data=form, files=files)
                if answer.status_code == 303:
                    acks.add(acks.hires, employer)

    return [api_offers, form_offers, api_photos, form_hires]


def _guarded(loop: Callable[[], None], errors: list[BaseException]) -> Callable[[], None]:
    def run() -> None:
        try:
            loop()
        except httpx.TransportError:
            pass  # the server was killed under this request: not acknowledged
        except BaseException as exc:  # handed to the test
            errors.append(exc)

    return run


def burst_and_kill(server: LiveServer, acks: Acks, tag: str, kill_after: int) -> None:
    """Run the writers; SIGKILL the server once ``kill_after`` more writes were acknowledged."""
    errors: list[BaseException] = []
    threads = [
        threading.Thread(target=_guarded(w, errors), daemon=True)
        for w in _writers(server, acks, tag)
    ]
    target = acks.count + kill_after
    for thread in threads:
        thread.start()
    acks.wait_for(target, threads)
    kill9(server)
    for thread in threads:
        thread.join(WAIT_S)
        assert not thread.is_alive(), "a writer still waits on a killed server"
    assert not errors, errors


def check_whole(server: LiveServer, acks: Acks) -> None:
    """Every acknowledged write is there, and nothing is half-written."""
    engine = make_engine(server.database_url)
    try:
        with Session(engine) as db:
            offers = db.exec(select(Offer)).all()
            audited = set(
                db.exec(
                    select(AuditEvent.entity_id).where(
                        AuditEvent.entity == "offer", AuditEvent.action == "create"
                    )
                ).all()
            )
            employers = [o.employer for o in offers]
            lost = acks.offers - set(employers)
            assert not lost, f"acknowledged offers lost after kill -9: {sorted(lost)}"
            ours = [e for e in employers if e.startswith("K9 ")]
            assert len(ours) == len(set(ours)), "an offer saved twice"
            unaudited = [o.employer for o in offers if o.id not in audited and o.employer in ours]
            assert not unaudited, f"offers without their audit entry: {unaudited}"

            hires = {h.id: h for h in db.exec(select(Hire)).all()}
            stored = {p.hire_id: p for p in db.exec(select(HirePhoto)).all()}
            for hire in hires.values():
                photo = stored.get(hire.id)  # type: ignore[arg-type]
                if hire.photo_sha256 is None:
                    assert photo is None, f"hire {hire.id}: a photo row nobody names"
                    continue
                assert photo is not None, f"hire {hire.id} names a photo that is not stored"
                assert photo.sha256 == hire.photo_sha256 == hashlib.sha256(photo.data).hexdigest()
                assert photo.size == len(photo.data)
            photo_audits = set(
                db.exec(
                    select(AuditEvent.entity_id).where(
                        AuditEvent.entity == "hire", AuditEvent.action == "photo"
                    )
                ).all()
            )
            for hire_id in acks.photos:
                assert hires[hire_id].photo_sha256, f"acknowledged photo of hire {hire_id} lost"
                assert hire_id in photo_audits, f"hire {hire_id}: photo without its audit entry"
            by_employer = {h.employer: h for h in hires.values()}
            lost = acks.hires - set(by_employer)
            assert not lost, f"acknowledged hires lost after kill -9: {sorted(lost)}"
            # A hire sent from the form with its photo is saved with it, or not at all.
            halves = [
                e for e, h in by_employer.items() if e.startswith("K9 HIRE") and not h.photo_sha256
            ]
            assert not halves, f"hires saved without the photo sent with them: {halves}"
        if engine.dialect.name == "sqlite":
            path = server.database_url.removeprefix("sqlite:///")
            with sqlite3.connect(path) as raw:
                assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            raw.close()
    finally:
        engine.dispose()


def check_screen(server: LiveServer, feed: Feed) -> None:
    """The screen's snapshot after the restart is the one the database gives now."""
    assert feed.fetch()
    assert feed.snapshot is not None
    engine = make_engine(server.database_url)
    try:
        with Session(engine) as db:
            screen = screens.screen_for_token(db, server.screen_token)
            assert screen is not None
            expected = snapshot.build(db, screen, server.url)
    finally:
        engine.dispose()
    shown = feed.snapshot.model_dump(exclude={"generated_at"})
    assert shown == expected.model_dump(exclude={"generated_at"})


def test_kill9_at_random_moments_of_a_burst_loses_no_acknowledged_write(
    server: LiveServer, backend: str, tmp_path: Path
) -> None:
    rng = random.Random(f"{SEED}-{backend}")
    acks = Acks()
    feed = Feed(server.url, server.screen_token, DisplayCache(tmp_path / "screen"))
    try:
        assert feed.fetch()  # the screen has something cached before the first kill
        for round_ in range(ROUNDS):
            burst_and_kill(server, acks, f"r{round_}", rng.randint(*KILL_AFTER_ACKS))
            server.start()
        assert acks.offers and acks.photos and acks.hires, acks
        check_whole(server, acks)
        check_screen(server, feed)
    finally:
        feed.stop()


# -- PostgreSQL: a kill inside a write, between its first insert and its commit ------------------


@contextlib.contextmanager
def table_locked(url: str, table: str) -> Iterator[Callable[[], None]]:
    """Hold ``table`` locked against writes; yield a function waiting for a writer to block."""
    engine = create_engine(make_url(url), isolation_level="AUTOCOMMIT")
    database = make_url(url).database
    try:
        with engine.connect() as holder, engine.connect() as watcher:
            holder.exec_driver_sql("BEGIN")
            holder.exec_driver_sql(f'LOCK TABLE "{table}" IN EXCLUSIVE MODE')

            def writer_blocked() -> None:
                deadline = time.monotonic() + WAIT_S
                while time.monotonic() < deadline:
                    waiting = watcher.execute(
                        text(
                            "SELECT count(*) FROM pg_stat_activity WHERE datname = :db "
                            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                        ),
                        {"db": database},
                    ).scalar_one()
                    if waiting:
                        return
                    time.sleep(0.02)  # polling another process's state, not hiding a race
                raise AssertionError(f"no request waited on {table}")

            try:
                yield writer_blocked
            finally:
                holder.exec_driver_sql("ROLLBACK")
    finally:
        engine.dispose()


def _in_thread(call: Callable[[], httpx.Response]) -> threading.Thread:
    def run() -> None:
        with contextlib.suppress(httpx.TransportError):  # killed under it: never acknowledged
            call()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize(
    ("table", "through"),
    [("auditevent", "api-offer"), ("hirephoto", "form-hire")],
)
def test_kill9_inside_a_write_leaves_nothing_half_written(
    tmp_path: Path, table: str, through: str
) -> None:
    base = postgres_base()
    if not base:
        pytest.skip("no PostgreSQL test server (COULOIR_TEST_DATABASE_URL / POSTGRES_TEST_URL)")
    live = demo_server("postgresql", tmp_path / "data", base)
    live.start()
    try:
        today = date.today().isoformat()
        with live.client("cde") as api, staff_browser(live) as browser:
            token = browser.csrf
            with table_locked(live.database_url, table) as writer_blocked:
                if through == "api-offer":  # the offer inserted, its audit entry waits
                    body = {
                        "employer": "K9 LOCK",
                        "title": "Soudeur",
                        "contract": "CDI",
                        "commune": "Apt",
                    }
                    thread = _in_thread(lambda: api.post("/api/v1/offers", json=body))
                else:  # the hire inserted, its photo waits
                    form = {
                        "employer": "K9 HIRE LOCK",
                        "title": "Cariste",
                        "hired_on": today,
                        "photo_consent": "on",
                        "csrf_token": token,
                    }
                    files = {"photo": ("photo.jpg", PHOTO, "image/jpeg")}
                    thread = _in_thread(
                        lambda: browser.post("/admin/embauches/nouvelle", data=form, files=files)
                    )
                writer_blocked()
                kill9(live)
            thread.join(WAIT_S)
        live.start()
        check_whole(live, Acks())
        engine = make_engine(live.database_url)
        try:
            with Session(engine) as db:
                kept = db.exec(select(Offer).where(Offer.employer == "K9 LOCK")).all()
                kept_hires = db.exec(select(Hire).where(Hire.employer == "K9 HIRE LOCK")).all()
                assert not kept and not kept_hires, "a write killed before its commit was kept"
        finally:
            engine.dispose()
    finally:
        live.close()
