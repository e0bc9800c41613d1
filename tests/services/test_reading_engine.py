"""The reading engine: snapshot builds and screen tokens read outside any transaction block.

What a screen shows must not change with it, a write through it must be refused with nothing
saved, and the pool's connections must come back to the staff's requests as they were lent.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.contract import PlaylistScene
from api.db import reading_engine
from api.models import Agency, Offer, Staff
from api.services import snapshot
from tests import factories

PUBLIC_URL = "https://couloir.example.fr"


def _new_offer(agency: Agency, owner: Staff) -> Offer:
    return Offer(
        agency_id=agency.id,
        owner_id=owner.id,
        code="ZZZZZZ",
        employer="Boulangerie Martin",
        title="Vendeur (H/F)",
        contract="CDI",
        commune="Orange",
    )


def _count_in(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Offer)).one()


def _offers(engine: Engine) -> int:
    with Session(engine) as db:
        return _count_in(db)


def test_a_build_on_the_reading_engine_shows_what_a_regular_session_shows(
    db: Session, engine: Engine, agency: Agency, manager: Staff
) -> None:
    cde = factories.staff(db, agency, "cde", name="Nadia Benali")
    factories.offer(db, cde, title="Boulanger (H/F)")
    factories.hire(db, cde, status="published", publisher=manager)
    factories.challenge(db, manager)
    factories.announcement(db, manager, message="Fermeture à 16 h")
    factories.event(db, manager)
    # Every scene played: the activity's queries are read too.
    screen = factories.screen(db, agency)
    screen.playlist = [{"scene": scene.value, "duration_s": 10} for scene in PlaylistScene]
    db.commit()

    with Session(reading_engine(engine), expire_on_commit=False) as reading:
        row = reading.get(Agency, agency.id)
        assert row is not None
        built = snapshot.build_agency_part(reading, row, PUBLIC_URL)
    db.refresh(agency)
    expected = snapshot.build_agency_part(db, agency, PUBLIC_URL)

    assert built.core == expected.core and built.revision == expected.revision
    assert b"Boulanger (H/F)" in built.core
    assert "Fermeture à 16 h".encode() in built.core
    assert b'"activity":null' not in built.core


def test_a_write_through_the_reading_engine_is_refused_and_nothing_is_saved(
    db: Session, engine: Engine, agency: Agency
) -> None:
    cde = factories.staff(db, agency, "cde")
    factories.offer(db, cde)
    with Session(reading_engine(engine)) as reading:
        reading.add(_new_offer(agency, cde))
        with pytest.raises(Exception, match="must not write"):
            reading.commit()
    assert _offers(engine) == 1


def test_a_connection_lent_for_reading_comes_back_to_requests_in_a_transaction(
    db: Session, engine: Engine, agency: Agency
) -> None:
    cde = factories.staff(db, agency, "cde")
    factories.offer(db, cde)
    db.close()
    # The pool has two connections: read on both, so that the next session gets one of them.
    with Session(reading_engine(engine)) as first, Session(reading_engine(engine)) as second:
        assert _count_in(first) == _count_in(second) == 1

    with Session(engine) as request:
        request.add(_new_offer(agency, cde))
        request.flush()
        assert _count_in(request) == 2
        request.rollback()  # a connection left in autocommit would have kept the row
    assert _offers(engine) == 1
