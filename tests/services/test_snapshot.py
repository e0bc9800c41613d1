"""The snapshot in-process: what a screen shows of its agency, and when its ETag moves."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.changes import broker_for
from api.clock import utcnow
from api.contract import PHOTOS_PATH, Snapshot
from api.db import make_engine
from api.models import Agency, Offer, Staff
from api.models.agency import DEFAULT_OPENING_HOURS
from api.models.challenge import ContributionCreate
from api.models.offer import OfferUpdate
from api.models.screen import DEFAULT_PLAYLIST, ScreenUpdate
from api.services import challenges, offers, screens, snapshot
from tests import factories

PUBLIC_URL = "https://couloir.example.fr"


@pytest.fixture
def agency(db: Session) -> Agency:
    return factories.agency(db, name="Agence d'Orange")


@pytest.fixture
def people(db: Session, agency: Agency) -> dict[str, Staff]:
    return {
        role: factories.staff(db, agency, role, name=name)
        for role, name in (("cde", "Nadia Benali"), ("cdde", "Mehdi Haddad"), ("manager", "Lou"))
    }


def test_an_empty_agency_shows_its_name_and_its_screens_settings(
    db: Session, agency: Agency
) -> None:
    screen = factories.screen(db, agency, name="Accueil", rotation=270)
    shown = snapshot.build(db, screen, PUBLIC_URL)
    assert (shown.agency.name, shown.agency.code) == ("Agence d'Orange", agency.code)
    assert (shown.offers, shown.hires, shown.challenge, shown.announcements) == ([], [], None, [])
    assert (shown.screen.name, shown.screen.rotation) == ("Accueil", 270)
    assert [e.model_dump() for e in shown.screen.playlist] == DEFAULT_PLAYLIST
    # No schedule of its own: the screen follows the agency's opening hours.
    assert [s.model_dump() for s in shown.screen.schedule] == DEFAULT_OPENING_HOURS


def test_the_board_shows_open_offers_most_urgent_first_with_their_qr_codes(
    db: Session, agency: Agency, people: dict[str, Staff]
) -> None:
    cde = people["cde"]
    calm = factories.offer(db, cde, title="Serveur·se")
    urgent = factories.offer(db, cde, title="Plongeur·se", start_in_days=-3, tags=["Festival"])
    factories.offer(db, cde, title="Déjà pourvue", status="filled")
    old = factories.offer(db, cde, title="Caviste", days_open=35, candidates=1)
    shown = snapshot.build(db, factories.screen(db, agency), PUBLIC_URL)
    assert [o.code for o in shown.offers] == [urgent.code, old.code, calm.code]
    first = shown.offers[0]
    assert (first.urgency.level, first.urgency.label) == (3, "très urgent")
    assert first.qr_url == f"{PUBLIC_URL}/o/{urgent.code}"
    assert first.tags == ["#Festival"] and first.is_new is True  # tags as typed
    assert (shown.offers[1].candidates_count, shown.offers[1].is_new) == (1, False)


def test_the_gallery_shows_published_hires_with_names_and_consented_photos(
    db: Session, agency: Agency, people: dict[str, Staff]
) -> None:
    cde, cdde = people["cde"], people["cdde"]
    with_photo = factories.hire(
        db, cdde, status="published", photo=True, cde_id=cde.id, cdde_id=cdde.id
    )
    no_consent = factories.hire(db, cde, status="published", photo=True, photo_consent=False)
    factories.hire(db, cde, photo=True)  # a draft never reaches the screen
    shown = snapshot.build(db, factories.screen(db, agency), PUBLIC_URL)
    by_id = {h.id: h for h in shown.hires}
    assert set(by_id) == {with_photo.id, no_consent.id}
    hire = by_id[with_photo.id]
    assert (hire.cde_name, hire.cdde_name) == ("Nadia Benali", "Mehdi Haddad")
    assert hire.photo_path == f"{PHOTOS_PATH}/{with_photo.id}?v={with_photo.version}"
    assert by_id[no_consent.id].photo_path is None
    assert by_id[no_consent.id].cde_name is None


def test_the_running_defi_shows_its_progress_by_service(
    db: Session, agency: Agency, people: dict[str, Staff]
) -> None:
    defi = factories.challenge(db, people["manager"], goal=12, started_days_ago=5, days=20)
    today = factories.today(agency)
    challenges.contribute(db, people["cdde"], defi, ContributionCreate(amount=2), today)
    db.commit()
    offers.set_status(db, people["cde"], factories.offer(db, people["cde"]), "filled", None)
    shown = snapshot.build(db, factories.screen(db, agency), PUBLIC_URL).challenge
    assert shown is not None
    assert (shown.title, shown.goal, shown.days_left) == ("Défi TPE du printemps", 12, 15)
    assert (shown.total, shown.by_service) == (3, {"cde": 1, "cdde": 2})
    assert [c.service for c in shown.recent] == ["cde", "cdde"]  # latest first


def test_only_announcements_on_now_are_shown(
    db: Session, agency: Agency, people: dict[str, Staff]
) -> None:
    manager = people["manager"]
    factories.announcement(db, manager, message="Fermeture à 16 h", urgent=True)
    factories.announcement(db, manager, message="Demain", starts_at=utcnow() + timedelta(days=1))
    shown = snapshot.build(db, factories.screen(db, agency), PUBLIC_URL)
    assert [(a.message, a.urgent) for a in shown.announcements] == [("Fermeture à 16 h", True)]


def test_the_cached_body_is_a_valid_snapshot_of_its_screen(
    db: Session, engine: Engine, agency: Agency, people: dict[str, Staff]
) -> None:
    factories.offer(db, people["cde"])
    screen = factories.screen(db, agency, name="Salle d'attente")
    cached = snapshot.SnapshotCache(broker_for(engine)).get(db, screen, PUBLIC_URL)
    body = Snapshot.model_validate_json(cached.body)
    assert body.screen.name == "Salle d'attente" and len(body.offers) == 1
    assert json.loads(cached.body)["generated_at"].endswith("Z")


def test_screens_of_one_agency_share_a_build_and_a_change_moves_every_etag(
    db: Session, engine: Engine, agency: Agency, people: dict[str, Staff]
) -> None:
    cache = snapshot.SnapshotCache(broker_for(engine))
    offer = factories.offer(db, people["cde"])
    hall, pause = factories.screen(db, agency), factories.screen(db, agency, name="Pause")
    first, second = cache.get(db, hall, PUBLIC_URL), cache.get(db, pause, PUBLIC_URL)
    assert first.part is second.part and first.etag != second.etag
    assert cache.get(db, hall, PUBLIC_URL).etag == first.etag  # nothing changed
    assert cache.peek(hall.id, agency.id) is first  # type: ignore[arg-type]
    offers.update_offer(db, people["cde"], offer, OfferUpdate(title="Couvreur-zingueur"), None)
    assert cache.peek(hall.id, agency.id) is None  # type: ignore[arg-type]
    after = cache.get(db, hall, PUBLIC_URL)
    assert after.etag != first.etag and b"Couvreur-zingueur" in after.body


def test_one_build_gives_every_screen_of_the_agency_its_view_without_a_query(
    db: Session, engine: Engine, agency: Agency
) -> None:
    """A change wakes all the streams of an agency: one builds, the others read memory."""
    cache = snapshot.SnapshotCache(broker_for(engine))
    hall, pause = factories.screen(db, agency), factories.screen(db, agency, name="Pause")
    assert cache.get(db, hall, PUBLIC_URL) is not None
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        view = cache.peek(pause.id, agency.id)  # type: ignore[arg-type]
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert view is not None and Snapshot.model_validate_json(view.body).screen.name == "Pause"
    assert statements == []


def test_a_build_asks_the_same_queries_for_one_offer_or_twenty(
    db: Session, engine: Engine, agency: Agency, people: dict[str, Staff]
) -> None:
    """Every change rebuilds the agency's part: what it reads of each offer comes with the
    board's one query (a column the screen needs but the board did not load would cost a
    query per offer)."""
    factories.offer(db, people["cde"], tags=["TPE"], candidates=1, proposer=people["cdde"])
    factories.screen(db, agency)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    def queries_of_a_build() -> int:
        statements.clear()
        with Session(engine) as fresh:  # nothing already in memory: as a builder thread
            fresh_agency = fresh.get(Agency, agency.id)
            assert fresh_agency is not None
            event.listen(engine, "before_cursor_execute", count)
            try:
                part = snapshot.build_agency_part(fresh, fresh_agency, PUBLIC_URL)
            finally:
                event.remove(engine, "before_cursor_execute", count)
        assert b"TPE" in part.core
        return len(statements)

    one = queries_of_a_build()
    for n in range(19):
        factories.offer(db, people["cde"], days_open=n, start_in_days=n - 5, tags=["TPE"])
    assert queries_of_a_build() == one


def test_a_revoked_screen_gets_no_view_from_memory_nor_from_the_database(
    db: Session, engine: Engine, agency: Agency, people: dict[str, Staff]
) -> None:
    cache = snapshot.SnapshotCache(broker_for(engine))
    hall, pause = factories.screen(db, agency), factories.screen(db, agency, name="Pause")
    assert cache.get(db, pause, PUBLIC_URL) is not None
    screens.revoke(db, people["manager"], pause)
    assert cache.peek(pause.id, agency.id) is None  # type: ignore[arg-type]
    assert cache.get(db, pause, PUBLIC_URL) is None
    assert cache.get(db, hall, PUBLIC_URL) is not None  # the agency's other screen still reads


def test_a_screens_own_settings_move_its_etag_only(
    db: Session, engine: Engine, agency: Agency, people: dict[str, Staff]
) -> None:
    cache = snapshot.SnapshotCache(broker_for(engine))
    hall, pause = factories.screen(db, agency), factories.screen(db, agency, name="Pause")
    hall_before, pause_before = cache.get(db, hall, PUBLIC_URL), cache.get(db, pause, PUBLIC_URL)

    screens.update_screen(db, people["manager"], hall, ScreenUpdate(rotation=90))
    hall_after, pause_after = cache.get(db, hall, PUBLIC_URL), cache.get(db, pause, PUBLIC_URL)
    assert hall_after.etag != hall_before.etag
    assert b'"rotation":90' in hall_after.body
    assert pause_after.etag == pause_before.etag


def test_another_agencys_change_leaves_the_etag_alone(
    db: Session, engine: Engine, agency: Agency
) -> None:
    cache = snapshot.SnapshotCache(broker_for(engine))
    hall = factories.screen(db, agency)
    before = cache.get(db, hall, PUBLIC_URL)
    factories.offer(db, factories.staff(db, factories.agency(db), "cde"))
    assert cache.get(db, hall, PUBLIC_URL).etag == before.etag


def test_an_announcement_appears_when_its_time_comes_without_any_write(
    db: Session, engine: Engine, agency: Agency, people: dict[str, Staff]
) -> None:
    cache = snapshot.SnapshotCache(broker_for(engine))
    screen = factories.screen(db, agency)
    starts = utcnow() + timedelta(seconds=1.5)
    factories.announcement(
        db, people["manager"], message="Job dating à 14 h en salle 2", starts_at=starts
    )
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
    db: Session, engine: Engine, agency: Agency, people: dict[str, Staff]
) -> None:
    """Another process writing SQLite (the CLI) wakes nobody here: the revision is re-read."""
    cache = snapshot.SnapshotCache(broker_for(engine), revalidate_s=0.2)
    offer_id = factories.offer(db, people["cde"]).id
    screen = factories.screen(db, agency)
    elsewhere = make_engine(engine.url.render_as_string(hide_password=False))
    try:
        before = cache.get(db, screen, PUBLIC_URL)
        with Session(elsewhere) as other_process:  # its own broker: not ours
            offer = other_process.get(Offer, offer_id)
            assert offer is not None
            offer.title = "Maçon du dehors"
            other_process.commit()
        assert cache.get(db, screen, PUBLIC_URL) is before  # nobody told us yet
        deadline = time.monotonic() + 5
        while cache.peek(screen.id, agency.id) is not None:  # type: ignore[arg-type]
            assert time.monotonic() < deadline
            time.sleep(0.05)  # the entry ages out of trust after revalidate_s
        after = cache.get(db, screen, PUBLIC_URL)
        assert "Maçon du dehors".encode() in after.body
        assert broker_for(engine).revision(agency.id) == after.part.revision  # type: ignore[arg-type]
    finally:
        elsewhere.dispose()
