"""Screens in-process: tokens, revocation, settings, heartbeats, screenshots and pairing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.changes import broker_for
from api.clock import utcnow
from api.errors import Conflict, Invalid, NotFound, StaleVersion, Throttled, TooLarge
from api.models import Agency, ScreenPairing, Staff
from api.models.screen import DEFAULT_PLAYLIST, Heartbeat, ScreenUpdate
from api.services import screens
from tests import factories

BEAT = Heartbeat(version="1.4.0", resolution="1920x1080", fps=29.5, uptime_s=3600, memory_mb=180)


def _pairings(db: Session) -> int:
    return db.exec(select(func.count()).select_from(ScreenPairing)).one()


def test_a_new_screen_plays_the_default_playlist_and_its_token_opens_it(
    db: Session, agency: Agency
) -> None:
    screen, token = factories.screen_and_token(db, agency, rotation=90)
    assert screen.playlist == DEFAULT_PLAYLIST and screen.schedule == []
    assert token not in (screen.token_hash, "") and not token.startswith("-")
    assert screens.screen_for_token(db, token).id == screen.id  # type: ignore[union-attr]
    for wrong in ("", "x" * 201, token + "x"):
        assert screens.screen_for_token(db, wrong) is None
    public = screens.to_public(screen)
    assert (public.rotation, public.online, public.revoked, public.has_screenshot) == (
        90,
        False,
        False,
        False,
    )


def test_a_revoked_screen_stops_reading_at_once(
    db: Session, agency: Agency, manager: Staff
) -> None:
    screen, token = factories.screen_and_token(db, agency)
    screens.revoke(db, manager, screen)
    assert screens.screen_for_token(db, token) is None
    assert screens.to_public(screen).revoked is True and screen.version == 2
    with pytest.raises(Conflict, match=r"^Cet écran est déjà révoqué\.$"):
        screens.revoke(db, manager, screen)


def test_screens_are_listed_by_name_within_their_agency(db: Session, agency: Agency) -> None:
    for name in ("Salle d'attente", "Accueil", "Couloir nord"):
        factories.screen(db, agency, name=name)
    factories.screen(db, factories.agency(db), name="Ailleurs")
    names = [s.name for s in screens.list_screens(db, agency.id)]
    assert names == ["Accueil", "Couloir nord", "Salle d'attente"]


def test_settings_edits_are_version_checked(db: Session, agency: Agency, manager: Staff) -> None:
    screen = factories.screen(db, agency)
    playlist = [{"scene": "hires", "duration_s": 20}]
    screens.update_screen(db, manager, screen, ScreenUpdate(playlist=playlist, version=1))
    assert (screen.playlist, screen.version) == (playlist, 2)
    with pytest.raises(StaleVersion):
        screens.update_screen(db, manager, screen, ScreenUpdate(name="Écrasé", version=1))
    assert screen.name == "Écran du hall"


def test_a_heartbeat_shows_the_screen_online_without_waking_the_others(
    db: Session, agency: Agency
) -> None:
    screen = factories.screen(db, agency)
    revision = db.get(Agency, agency.id, populate_existing=True).revision  # type: ignore[union-attr]
    screens.record_heartbeat(db, screen, BEAT)
    public = screens.to_public(screen)
    assert public.online is True
    assert (public.reported_version, public.resolution, public.fps) == ("1.4.0", "1920x1080", 29.5)
    assert db.get(Agency, agency.id, populate_existing=True).revision == revision  # type: ignore[union-attr]
    screen.last_heartbeat_at = utcnow() - screens.ONLINE_WITHIN - timedelta(seconds=1)
    assert screens.to_public(screen).online is False


def test_a_screenshot_must_be_a_small_png_and_replaces_the_last_one(
    db: Session, agency: Agency
) -> None:
    screen = factories.screen(db, agency)
    with pytest.raises(Invalid, match=r"^La capture doit être une image PNG\.$"):
        screens.store_screenshot(db, screen, factories.sample_jpeg())
    with pytest.raises(TooLarge, match="2 Mo au maximum"):
        screens.store_screenshot(db, screen, screens.PNG_MAGIC + b"\0" * 2_000_000)
    assert screens.load_screenshot(db, screen) is None
    screens.store_screenshot(db, screen, factories.sample_png())
    frame = screens.PNG_MAGIC + b"second frame"
    screens.store_screenshot(db, screen, frame)
    stored = screens.load_screenshot(db, screen)
    assert stored is not None and (stored.data, stored.media_type) == (frame, "image/png")
    assert screens.to_public(screen).has_screenshot is True


def test_pairing_a_screen_from_its_code(db: Session, agency: Agency, manager: Staff) -> None:
    pairing, secret = screens.start_pairing(db, "192.0.2.7")
    assert screens.poll_pairing(db, secret) == {"status": "pending", "code": pairing.code}
    typed = pairing.code.lower().replace("-", " ")
    screen = screens.pair(db, manager, typed, "Écran de l'accueil")
    assert screen.agency_id == agency.id
    answer = screens.poll_pairing(db, secret)
    assert (answer["status"], answer["screen_name"]) == ("paired", "Écran de l'accueil")
    assert screens.screen_for_token(db, answer["token"]).id == screen.id  # type: ignore[union-attr]
    with pytest.raises(NotFound, match="Appairage inconnu ou expiré"):
        screens.poll_pairing(db, secret)  # the token is given once
    with pytest.raises(NotFound, match="Code inconnu ou expiré"):
        screens.pair(db, manager, pairing.code, "Deuxième fois")


def test_an_address_asking_too_often_is_throttled(db: Session) -> None:
    for _ in range(screens.PAIRINGS_PER_CLIENT):
        screens.start_pairing(db, "203.0.113.9")
    with pytest.raises(Throttled) as refused:
        screens.start_pairing(db, "203.0.113.9")
    assert refused.value.message == (
        "Trop de demandes d'appairage depuis cette adresse : réessayez dans une minute."
    )
    assert 1 <= refused.value.retry_after <= 61
    screens.start_pairing(db, "203.0.113.10")  # another address may still ask
    assert _pairings(db) == screens.PAIRINGS_PER_CLIENT + 1


def test_waiting_codes_are_capped_whatever_the_number_of_addresses(db: Session) -> None:
    accepted, refused = 0, []
    for n in range(screens.MAX_PENDING_PAIRINGS + 100):
        try:
            screens.start_pairing(db, f"10.0.{n // 250}.{n % 250}")
            accepted += 1
        except Throttled as exc:
            refused.append(exc)
    assert accepted == screens.MAX_PENDING_PAIRINGS
    assert len(refused) == 100
    assert "Trop d'écrans attendent" in refused[0].message
    assert 1 <= refused[0].retry_after <= screens.PAIRING_MINUTES * 60 + 1
    assert _pairings(db) == screens.MAX_PENDING_PAIRINGS


def test_an_expired_pairing_answers_not_found_on_poll(db: Session) -> None:
    pairing, secret = screens.start_pairing(db, "192.0.2.1")
    assert screens.poll_pairing(db, secret)["status"] == "pending"
    pairing.expires_at = utcnow() - timedelta(seconds=1)
    db.add(pairing)
    db.commit()
    with pytest.raises(NotFound, match="expiré"):
        screens.poll_pairing(db, secret)


def test_the_token_cache_forgets_a_screen_once_its_agency_changes(
    db: Session, engine: Engine, agency: Agency, manager: Staff
) -> None:
    screen, token = factories.screen_and_token(db, agency)
    cache = screens.ScreenTokenCache(broker_for(engine))
    assert cache.get(token) is None
    ref = cache.check(db, token)
    assert ref is not None and ref.id == screen.id
    assert cache.get(token) == ref
    screens.revoke(db, manager, screen)
    assert cache.get(token) is None
    assert cache.check(db, token) is None
