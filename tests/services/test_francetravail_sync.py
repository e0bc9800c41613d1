"""The France Travail sync in-process, against the loopback stand-in.

Upstream changes reach the offer and the journal; the CDE's own edits and everything only
Couloir knows stay; a withdrawn offer is marked, never deleted; a service down, slow or
answering nonsense loses nothing; one run at a time, whatever the number of runners.
(On PostgreSQL — COULOIR_TEST_DATABASE_URL — the lock under test is the advisory lock.)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.clock import utcnow
from api.db import make_engine
from api.francetravail.client import FranceTravailClient
from api.francetravail.prefill import prefill_from
from api.models import AuditEvent, CandidateProposal, FranceTravailLink, Offer, Staff
from api.models.offer import OfferCreate, OfferUpdate
from api.services import audit, offers
from api.services import francetravail_sync as ftsync
from api.settings import Settings
from tests import factories
from tests.support.francetravail import FakeFranceTravail, Fault, make_offer, settings_env

NUMBERS = ("186XWJK", "187BQRT", "19000AB", "19001AB", "19002AB")


@pytest.fixture
def fake() -> Iterator[FakeFranceTravail]:
    offers_ = [
        make_offer("186XWJK"),
        make_offer("187BQRT", intitule="Boulanger / Boulangère (H/F)", nombrePostes=2),
        *(make_offer(f"1900{i}AB", intitule=f"Serveur n° {i}") for i in range(3)),
    ]
    with FakeFranceTravail(offers_, rate_limit=100_000) as server:
        yield server


@pytest.fixture
def settings(fake: FakeFranceTravail, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        france_travail_client_id=fake.client_id,
        france_travail_client_secret=fake.client_secret,
        france_travail_api_url=fake.api_url,
        france_travail_token_url=fake.token_url,
        france_travail_sync_minutes=30,
    )


def _client(settings: Settings, **options: Any) -> FranceTravailClient:
    options = {"calls_per_second": 1000.0, "backoff_s": 0.01, "retries": 1, **options}
    return FranceTravailClient.from_settings(settings, **options)


@pytest.fixture
def client(settings: Settings) -> Iterator[FranceTravailClient]:
    with _client(settings) as made:
        yield made


@pytest.fixture
def cde(db: Session, agency) -> Staff:  # type: ignore[no-untyped-def]
    return factories.staff(db, agency, "cde")


def _link(db: Session, owner: Staff, fake: FakeFranceTravail, number: str, **typed: Any) -> Offer:
    """An offer linked as the new-offer form does it: pre-filled from France Travail, with
    what the CDE ``typed`` over it."""
    prefill = prefill_from(fake.offers[number])
    data = prefill.model_dump(include={"employer", "title", "contract", "commune", "positions"})
    data |= {"description": prefill.description, "ft_offer_id": number, **typed}
    return offers.create_offer(db, owner, OfferCreate(**data))


def _sync(engine: Engine, settings: Settings, client: FranceTravailClient) -> ftsync.SyncReport:
    report = ftsync.sync_once(engine, settings, force=True, client=client)
    assert report is not None
    return report


def _fresh(engine: Engine, offer_id: int | None) -> Offer:
    with Session(engine) as db:
        offer = db.get(Offer, offer_id)
        assert offer is not None
        db.expunge(offer)
        return offer


def _link_row(engine: Engine, offer_id: int | None) -> FranceTravailLink:
    with Session(engine) as db:
        link = db.get(FranceTravailLink, offer_id)
        assert link is not None
        db.expunge(link)
        return link


def test_first_sync_takes_a_baseline_and_changes_nothing(
    engine, db, cde, fake, settings, client
) -> None:  # type: ignore[no-untyped-def]
    offer = _link(db, cde, fake, "186XWJK")
    report = _sync(engine, settings, client)
    assert (report.checked, report.updated, report.withdrawn, report.failed) == (1, 0, 0, None)
    after = _fresh(engine, offer.id)
    assert (after.version, after.title) == (offer.version, offer.title)
    assert _link_row(engine, offer.id).baseline["title"] == offer.title


def test_upstream_change_reaches_the_offer_and_journal_local_work_untouched(
    engine, db, cde, fake, settings, client
) -> None:  # type: ignore[no-untyped-def]
    offer = _link(db, cde, fake, "187BQRT")
    local = OfferUpdate(
        staff_note="Rappeler le gérant jeudi",
        tags=["#boulangerie"],
        urgency_override=3,
        urgency_override_reason="Ouverture lundi",
    )
    offer = offers.update_offer(db, cde, offer, local, None)
    offers.propose_candidate(db, cde, offer)
    _sync(engine, settings, client)
    fake.offers["187BQRT"] |= {"intitule": "Boulanger confirmé (H/F)", "nombrePostes": 3}
    report = _sync(engine, settings, client)
    assert (report.updated, report.kept, report.offers) == (1, 0, [offer.id])
    after = _fresh(engine, offer.id)
    assert (after.title, after.positions) == ("Boulanger confirmé (H/F)", 3)
    assert after.version == offer.version + 1
    assert after.staff_note == "Rappeler le gérant jeudi"
    assert after.tags == ["#boulangerie"]
    assert (after.urgency_override, after.urgency_override_reason) == (3, "Ouverture lundi")
    with Session(engine) as fresh:
        assert len(fresh.exec(select(CandidateProposal)).all()) == 1
        event = fresh.exec(select(AuditEvent).where(AuditEvent.action == "ft_update")).one()
        line = audit.tell(fresh, [event], "Europe/Paris")[0]
    assert (line.who, line.before) == ("France Travail", "a mis à jour l'offre ")
    assert {c.field for c in line.changes} == {"intitulé", "postes"}
    assert _link_row(engine, offer.id).updated_fields == ["title", "positions"]


def test_a_field_the_cde_edited_keeps_the_cde_s_text(
    engine, db, cde, fake, settings, client
) -> None:  # type: ignore[no-untyped-def]
    offer = _link(db, cde, fake, "186XWJK")
    _sync(engine, settings, client)
    db.refresh(offer)
    offer = offers.update_offer(db, cde, offer, OfferUpdate(title="Jardinier"), None)
    fake.offers["186XWJK"] |= {"intitule": "Paysagiste (H/F)", "description": "Nouveau texte."}
    report = _sync(engine, settings, client)
    assert report.updated == 1
    after = _fresh(engine, offer.id)
    assert (after.title, after.description) == ("Jardinier", "Nouveau texte.")
    link = _link_row(engine, offer.id)
    assert (link.updated_fields, link.kept_fields) == (["description"], ["title"])
    # Nothing new upstream: the next run changes nothing and tells nothing new.
    again = _sync(engine, settings, client)
    assert (again.updated, again.kept) == (0, 0)
    assert _fresh(engine, offer.id).version == after.version


def test_withdrawn_upstream_is_marked_and_never_deleted(
    engine, db, cde, fake, settings, client
) -> None:  # type: ignore[no-untyped-def]
    offer = _link(db, cde, fake, "19000AB")
    offers.propose_candidate(db, cde, offer)
    _sync(engine, settings, client)
    fake.withdraw("19000AB")
    report = _sync(engine, settings, client)
    assert report.withdrawn == 1
    after = _fresh(engine, offer.id)
    assert (after.status, after.title, after.version) == ("open", offer.title, offer.version)
    assert _link_row(engine, offer.id).withdrawn_at is not None
    assert _sync(engine, settings, client).withdrawn == 0  # said once
    with Session(engine) as fresh:
        actions = fresh.exec(select(AuditEvent.action).where(AuditEvent.entity_id == offer.id))
        assert list(actions).count("ft_withdrawn") == 1
        assert len(fresh.exec(select(CandidateProposal)).all()) == 1
    fake.offers["19000AB"] = make_offer("19000AB", intitule="Serveur n° 0")
    _sync(engine, settings, client)
    assert _link_row(engine, offer.id).withdrawn_at is None


@pytest.mark.parametrize(
    "fault",
    [Fault(status=500), Fault(status=429, retry_after=0), Fault(delay_s=1.5)],
    ids=["500", "429", "timeout"],
)
def test_service_down_keeps_last_good_data_then_alerts_managers(
    engine, db, cde, fake, settings, fault, caplog
) -> None:  # type: ignore[no-untyped-def]
    linked = [_link(db, cde, fake, n) for n in NUMBERS[:3]]
    with _client(settings, timeout=httpx.Timeout(0.5)) as client:
        _sync(engine, settings, client)
        for offer in fake.offers.values():
            offer["intitule"] = "Changé pendant la panne"
        for run in range(ftsync.ALERT_AFTER):
            fake.fail_next(*[fault] * 2)  # the call and its one retry
            report = _sync(engine, settings, client)
            assert report.failed and "France Travail ne répond pas" in report.failed
            with Session(engine) as fresh:
                current = ftsync.state(fresh)
                assert current is not None and current.failures == run + 1
                expected_alert = run + 1 >= ftsync.ALERT_AFTER
                assert (ftsync.alert(current) is not None) == expected_alert
            fake.faults.clear()
        assert "échoue depuis" in (ftsync.alert(current) or "")
        assert "gardent leurs dernières informations" in (ftsync.alert(current) or "")
        for offer in linked:
            assert _fresh(engine, offer.id).title == offer.title  # the last good data
        assert "France Travail sync stopped" in caplog.text
        # Back: every offer synced, the alert gone.
        report = _sync(engine, settings, client)
        assert (report.failed, report.updated) == (None, 3)
    with Session(engine) as fresh:
        assert ftsync.alert(ftsync.state(fresh)) is None


def test_a_failed_run_waits_longer_before_the_next(engine, settings, client) -> None:  # type: ignore[no-untyped-def]
    start = utcnow()
    assert ftsync.sync_once(engine, settings, client=client, now=start) is not None
    assert ftsync.sync_once(engine, settings, client=client, now=start) is None  # not due
    later = start + timedelta(minutes=31)
    assert ftsync.sync_once(engine, settings, client=client, now=later) is not None
    with Session(engine) as db:
        current = ftsync.state(db)
        assert current is not None
        current.failures = 2
        db.add(current)
        db.commit()
        due = ftsync.next_run_at(current, timedelta(minutes=30))
    assert due == later + timedelta(minutes=120)


def test_bad_answers_skip_their_offer_and_the_others_sync(
    engine, db, cde, fake, settings, client, caplog
) -> None:  # type: ignore[no-untyped-def]
    fake.offers["19003AB"] = make_offer("19003AB", intitule="Plongeur (H/F)")
    linked = {n: _link(db, cde, fake, n) for n in (*NUMBERS, "19003AB")}
    _sync(engine, settings, client)
    for offer in fake.offers.values():
        offer["intitule"] = "Titre mis à jour"
    fake.offers["19000AB"] = {"id": "19000AB"}  # every other field missing
    fake.offers["19001AB"] |= {"lieuTravail": "72 - LE MANS"}  # a text where an object goes
    fake.offers["19002AB"] |= {"intitule": "🍞" * 10_000, "nombrePostes": "beaucoup"}
    # The first two calls: malformed JSON, then 3 MB where an offer is a few kB.
    fake.fail_next(Fault(body=b'{"id": "186XWJK", "intitule": '), Fault(body=b" " * 3_000_000))
    report = _sync(engine, settings, client)
    assert report.failed is None
    assert report.malformed == 3
    assert report.updated == 2  # 19002AB and 19003AB
    assert "unreadable" in caplog.text
    titles = {n: _fresh(engine, o.id).title for n, o in linked.items()}
    assert titles["19000AB"] == linked["19000AB"].title  # nothing given, nothing emptied
    assert titles["19001AB"] == linked["19001AB"].title
    assert titles["19002AB"] == "🍞" * 199 + "…"  # cut to the field's length
    assert _fresh(engine, linked["19002AB"].id).positions == 1
    assert titles["19003AB"] == "Titre mis à jour"
    assert titles["186XWJK"] == linked["186XWJK"].title  # its answer was unreadable


def test_two_runners_at_once_only_one_syncs(engine, db, cde, fake, settings) -> None:  # type: ignore[no-untyped-def]
    for number in NUMBERS:
        _link(db, cde, fake, number)
    entered, release = threading.Event(), threading.Event()

    class Held(FranceTravailClient):
        """Holds the first runner inside its run until the second one has tried."""

        def offer(self, number: str) -> dict[str, Any] | None:
            entered.set()
            assert release.wait(30)
            return super().offer(number)

    second_engine = make_engine(engine.url.render_as_string(hide_password=False), pool_size=1)
    reports: list[ftsync.SyncReport | None] = []
    options = {"calls_per_second": 1000.0, "backoff_s": 0.01}
    with Held.from_settings(settings, **options) as held:
        first = threading.Thread(
            target=lambda: reports.append(
                ftsync.sync_once(engine, settings, force=True, client=held)
            )
        )
        first.start()
        try:
            assert entered.wait(30)
            with _client(settings) as other:  # another process's engine, same database
                assert ftsync.sync_once(second_engine, settings, force=True, client=other) is None
            # Another process: the command line says so and syncs nothing.
            env = {
                **os.environ,
                **settings_env(fake),
                "COULOIR_DATABASE_URL": engine.url.render_as_string(hide_password=False),
                "COULOIR_DATA_DIR": str(settings.data_dir),
            }
            done = subprocess.run(
                [sys.executable, "-m", "api.cli", "sync", "francetravail"],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert done.returncode == 0, done.stderr
            assert "déjà en cours" in done.stdout
        finally:
            release.set()
            first.join(30)
    second_engine.dispose()
    assert len(reports) == 1 and reports[0] is not None and reports[0].checked == len(NUMBERS)
    assert len(fake.api_calls()) == len(NUMBERS)  # each offer fetched once: one runner synced
    # The lock is free again: the next run happens.
    with _client(settings) as again:
        assert ftsync.sync_once(second_engine, settings, force=True, client=again) is not None


def test_sync_is_off_without_credentials_or_interval(settings) -> None:  # type: ignore[no-untyped-def]
    assert ftsync.enabled(settings)
    assert not ftsync.enabled(settings.model_copy(update={"france_travail_sync_minutes": 0}))
    assert not ftsync.enabled(settings.model_copy(update={"france_travail_client_secret": ""}))


def test_the_server_s_loop_runs_the_sync_when_due(engine, db, cde, fake, settings) -> None:  # type: ignore[no-untyped-def]
    """What ``couloir serve`` runs in its lifespan: each tick asks, a due run happens once."""
    offer = _link(db, cde, fake, "186XWJK")

    async def until_synced() -> None:
        loop = asyncio.create_task(ftsync.run_periodically(engine, settings, tick_s=0.01))
        try:
            for _ in range(3000):  # a bound, not a wait: ends as soon as the run is recorded
                with Session(engine) as fresh:
                    current = ftsync.state(fresh)
                    if current is not None and current.finished_at is not None:
                        return
                await asyncio.sleep(0.01)
            raise AssertionError("the loop never ran the sync")
        finally:
            loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop

    asyncio.run(until_synced())
    assert _link_row(engine, offer.id).baseline["title"] == offer.title
    assert len(fake.api_calls()) == 1  # due once per interval, however many ticks


def test_relinked_or_deleted_offers(engine, db, cde, fake, settings, client) -> None:  # type: ignore[no-untyped-def]
    """Linked to another number: a fresh baseline, the CDE's text kept. Deleted: link gone."""
    offer = _link(db, cde, fake, "186XWJK")
    _sync(engine, settings, client)
    db.refresh(offer)
    offer = offers.update_offer(db, cde, offer, OfferUpdate(ft_offer_id="19000AB"), None)
    assert _sync(engine, settings, client).updated == 0
    after = _fresh(engine, offer.id)
    assert (after.title, after.version) == (offer.title, offer.version)
    assert _link_row(engine, offer.id).baseline["title"] == "Serveur n° 0"
    db.refresh(offer)
    offers.delete_offer(db, cde, offer, None)
    with Session(engine) as fresh:
        assert fresh.get(FranceTravailLink, offer.id) is None


def test_what_the_cde_wrote_where_france_travail_said_nothing_stays(
    engine, db, cde, fake, settings, client
) -> None:  # type: ignore[no-untyped-def]
    """No employer upstream: the CDE typed one. Withdrawn when first seen: no baseline yet.
    Later values from France Travail never overwrite what the CDE wrote in either case."""
    fake.offers["19000AB"]["entreprise"] = {}
    offer = _link(db, cde, fake, "19000AB", employer="Brasserie du Coin")
    _sync(engine, settings, client)
    fake.offers["19000AB"]["entreprise"] = {"nom": "SARL LE COIN"}
    assert _sync(engine, settings, client).kept == 1
    assert _fresh(engine, offer.id).employer == "Brasserie du Coin"

    other = _link(db, cde, fake, "19001AB")
    fake.withdraw("19001AB")
    assert _sync(engine, settings, client).withdrawn == 1
    db.refresh(other)
    other = offers.update_offer(db, cde, other, OfferUpdate(title="Serveur midi"), None)
    fake.offers["19001AB"] = make_offer("19001AB", intitule="Serveur soir")
    report = _sync(engine, settings, client)
    assert report.updated == 0
    assert _fresh(engine, other.id).title == "Serveur midi"
    link = _link_row(engine, other.id)
    assert link.withdrawn_at is None and link.baseline["title"] == "Serveur soir"
    with Session(engine) as fresh:
        actions = list(
            fresh.exec(select(AuditEvent.action).where(AuditEvent.entity_id == other.id))
        )
    assert actions.count("ft_withdrawn") == actions.count("ft_back") == 1
