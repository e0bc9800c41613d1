"""An agency's revision lives in the database and moves with each committed change (issue 10).

That the snapshot is built once per agency and revision, shared by its screens, and rebuilt when
time alone or an unannounced change requires it, is tested in tests/services/test_snapshot.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.changes import broker_for
from api.db import make_engine
from api.demo import demo_screen_token, seed_demo
from api.migrate import upgrade
from api.models import Agency, Offer, Screen, Staff
from api.models.screen import Heartbeat
from api.security.sessions import open_session
from api.services import screens
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
