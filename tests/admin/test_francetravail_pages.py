"""France Travail on a 390 px phone: an offer withdrawn and another updated upstream tell their
CDE so, the managers' alert and « À importer » fit, in French, with nothing overflowing and
nothing axe flags; « Importer » works with one tap."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from api.db import make_engine
from api.demo import AGENCY_CODE
from api.models import FranceTravailSync
from api.services import francetravail_sync as ft_sync
from tests.support.francetravail import FakeFranceTravail, sample_offers, settings_env
from tests.support.server import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeFranceTravail]:
    with FakeFranceTravail(sample_offers(), rate_limit=1000) as server:
        yield server


@pytest.fixture(scope="module")
def ft_server(
    tmp_path_factory: pytest.TempPathFactory, fake: FakeFranceTravail
) -> Iterator[LiveServer]:
    server = LiveServer(Path(tmp_path_factory.mktemp("ftpages")), env=settings_env(fake))
    server.start()
    yield server
    server.close()


def _cli(server: LiveServer, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        env=server.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _fits(phone) -> None:  # type: ignore[no-untyped-def]
    assert not phone.overflows(), f"{phone.page.url} overflows at 390 px"
    assert phone.axe() == []


def test_notices_alert_and_suggestions_on_a_phone(
    new_phone, ft_server: LiveServer, fake: FakeFranceTravail
) -> None:  # type: ignore[no-untyped-def]
    codes = {}
    with ft_server.client("cde") as cde:
        for number in ("186XWJK", "189LONG"):
            fields = cde.post(f"/api/v1/offers/francetravail/{number}/preview").json()
            body = {k: fields[k] for k in ("employer", "title", "contract", "commune", "positions")}
            made = cde.post("/api/v1/offers", json={**body, "ft_offer_id": number})
            assert made.status_code == 201, made.text
            codes[number] = made.json()["code"]
    _cli(ft_server, "sync", "francetravail")
    fake.withdraw("186XWJK")
    fake.offers["189LONG"] = {**fake.offers["189LONG"], "intitule": "Cariste CACES 1 et 3"}
    _cli(ft_server, "sync", "francetravail")
    _cli(ft_server, "import", "francetravail", "--agency", AGENCY_CODE, "--communes", "72124")

    phone = new_phone(ft_server, as_role="cde")
    assert phone.go(f"/o/{codes['186XWJK']}") == 200
    notice = phone.page.locator(".ft-notice").inner_text()
    assert "Retirée chez France Travail le" in notice
    _fits(phone)
    phone.shot("offer_withdrawn_at_france_travail")
    assert phone.go(f"/o/{codes['189LONG']}") == 200
    assert (
        "France Travail a mis à jour intitulé le" in phone.page.locator(".ft-notice").inner_text()
    )
    _fits(phone)
    assert phone.go("/admin/a-importer") == 200
    assert "Manque de candidats" in phone.page.locator("main").inner_text()
    _fits(phone)
    phone.shot("france_travail_suggestions")
    phone.page.get_by_role("button", name="Importer").first.click()
    phone.page.wait_for_url("**/o/**")
    assert "Offre importée de France Travail" in phone.page.locator("main").inner_text()

    engine = make_engine(ft_server.database_url, pool_size=1)
    try:
        with Session(engine) as db:
            current = db.get(FranceTravailSync, ft_sync.STATE_ID)
            assert current is not None
            current.failures, current.message = ft_sync.ALERT_AFTER, "Le service ne répond pas"
            db.add(current)
            db.commit()
    finally:
        engine.dispose()
    manager = new_phone(ft_server, as_role="manager")
    assert manager.go("/admin/ecrans") == 200
    assert "La synchronisation des offres avec France Travail échoue" in (
        manager.page.get_by_role("alert").inner_text()
    )
    _fits(manager)
    manager.shot("screens_france_travail_alert")
