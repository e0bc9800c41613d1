"""An agency's revision lives in the database and moves with each committed change; the
snapshot is built once per agency and revision, shared by its screens (issue 10)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.changes import broker_for
from api.clock import utcnow
from api.db import make_engine
from api.demo import demo_screen_token, seed_demo
from api.migrate import upgrade
from api.models import Agency, Announcement, Offer, Screen, Staff
from api.models.screen import Heartbeat
from api.security.sessions import open_session
from api.services import screens
from api.services.snapshot import SnapshotCache
from tests.support.databases import create_database, drop_database

PUBLIC_URL = "https://couloir.example.fr"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A fresh database with the demo agency."""
    url = create_database(tmp_path)
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine, expire_on_commit=False) as db:
        seed_demo(db)
        demo_screen_token(db)  # the hall screen
    yield engine
    engine.dispose()
    drop_database(url)


def _revisions(engine: Engine) -> dict[int, int]:
    with Session(engine) as db:
        return {a.id: a.revision for a in db.exec(select(Agency))}  # type: ignore[misc]


def _first(db: Session, model: type, **where: object):  # type: ignore[no-untyped-def]
    query = select(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.exec(query.order_by(model.id)).first()


def test_a_committed_change_moves_its_agency_revision_once_and_the_broker_hears_it(
    engine: Engine,
) -> None:
    [agency_id] = before = _revisions(engine)
    with Session(engine) as db:
        offer = _first(db, Offer, agency_id=agency_id)
        offer.title = "Boulanger de nuit"
        offer.commune = "Avignon"
        db.add(offer)
        db.flush()  # two flushes, one commit: one revision
        db.add(Agency(code="autre", name="Autre agence"))
        db.commit()
    after = _revisions(engine)
    assert after[agency_id] == before[agency_id] + 1
    assert broker_for(engine).revision(agency_id) == after[agency_id]


def test_rolled_back_and_quiet_writes_leave_the_revision_alone(engine: Engine) -> None:
    [agency_id] = before = _revisions(engine)
    with Session(engine) as db:
        offer = _first(db, Offer, agency_id=agency_id)
        offer.title = "Jamais enregistré"
        db.add(offer)
        db.flush()
        db.rollback()
        screen = _first(db, Screen, agency_id=agency_id)
        beat = Heartbeat(version="1", resolution="1920x1080", fps=10, uptime_s=5)
        screens.record_heartbeat(db, screen, beat)  # the screen talking about itself
        open_session(db, _first(db, Staff, agency_id=agency_id), kind="bearer", days=1)
        db.commit()  # a login: nothing a screen shows
    assert _revisions(engine) == before


def test_screens_of_one_agency_share_one_build_and_each_keep_their_own_settings(
    engine: Engine,
) -> None:
    cache = SnapshotCache(broker_for(engine))
    with Session(engine, expire_on_commit=False) as db:
        hall = _first(db, Screen)
        agency_id = hall.agency_id
        other = Screen(agency_id=agency_id, name="Salle de pause", token_hash="x" * 64)
        db.add(other)
        db.commit()
        first, second = cache.get(db, hall, PUBLIC_URL), cache.get(db, other, PUBLIC_URL)
        assert first.part is second.part  # built and serialised once for both
        assert first.etag != second.etag
        assert b'"name":"Salle de pause"' in second.body
        assert cache.peek(hall.id, agency_id, hall.version) is first  # no database needed

        offer = _first(db, Offer, agency_id=agency_id)
        offer.title = "Couvreur-zingueur"
        db.add(offer)
        db.commit()
        assert cache.peek(hall.id, agency_id, hall.version) is None  # the change was heard
        after_first, after_second = (
            cache.get(db, hall, PUBLIC_URL),
            cache.get(db, other, PUBLIC_URL),
        )
    assert after_first.part is after_second.part is not first.part
    assert after_first.etag != first.etag
    assert b"Couvreur-zingueur" in after_second.body


def test_an_announcement_appears_when_its_time_comes_without_any_write(engine: Engine) -> None:
    cache = SnapshotCache(broker_for(engine))
    with Session(engine, expire_on_commit=False) as db:
        screen = _first(db, Screen)
        starts = utcnow() + timedelta(seconds=1.5)
        db.add(
            Announcement(
                agency_id=screen.agency_id,
                message="Job dating à 14 h en salle 2",
                starts_at=starts,
                ends_at=starts + timedelta(hours=1),
                created_by_id=_first(db, Staff, agency_id=screen.agency_id).id,
            )
        )
        db.commit()
        before = cache.get(db, screen, PUBLIC_URL)
        assert b"Job dating" not in before.body
        assert before.part.valid_until <= starts  # time alone changes it then
        deadline = time.monotonic() + 10
        while utcnow() < starts:
            assert time.monotonic() < deadline
            time.sleep(0.05)  # waiting for the announcement's start time itself
        after = cache.get(db, screen, PUBLIC_URL)
    assert b"Job dating" in after.body
    assert after.etag != before.etag


def test_a_change_no_notification_told_is_seen_once_the_revision_is_read_again(
    engine: Engine, tmp_path: Path
) -> None:
    """Another process writing SQLite (the CLI) wakes nobody here: the revision is re-read."""
    cache = SnapshotCache(broker_for(engine), revalidate_s=0.2)
    elsewhere = make_engine(engine.url.render_as_string(hide_password=False))
    try:
        with Session(engine, expire_on_commit=False) as db:
            screen = _first(db, Screen)
            before = cache.get(db, screen, PUBLIC_URL)
            with Session(elsewhere) as other_process:  # its own broker: not ours
                offer = _first(other_process, Offer, agency_id=screen.agency_id)
                offer.title = "Maçon du dehors"
                other_process.add(offer)
                other_process.commit()
            assert cache.get(db, screen, PUBLIC_URL) is before  # nobody told us yet
            deadline = time.monotonic() + 5
            while cache.peek(screen.id, screen.agency_id, screen.version) is not None:
                assert time.monotonic() < deadline
                time.sleep(0.05)  # the entry ages out of trust after revalidate_s
            after = cache.get(db, screen, PUBLIC_URL)
        assert "Maçon du dehors".encode() in after.body
        assert broker_for(engine).revision(screen.agency_id) == after.part.revision
    finally:
        elsewhere.dispose()
