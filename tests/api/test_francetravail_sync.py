"""The France Travail sync seen by staff, on a real server and the stand-in: ``couloir sync
francetravail`` refreshes the linked offers; the offer's page tells the CDE what France Travail
changed or withdrew (and offers to close), the journal says « France Travail a mis à jour … »,
and the managers' screens page raises an alert once the sync keeps failing."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from contextlib import closing
from html import unescape
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from api.db import make_engine
from api.demo import AGENCY_CODE
from api.models import FranceTravailSync
from api.services import francetravail_sync as ft_sync
from tests.support.cli import couloir
from tests.support.francetravail import FakeFranceTravail, sample_offers, settings_env
from tests.support.server import LiveServer

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeFranceTravail]:
    with FakeFranceTravail(sample_offers(), rate_limit=1000) as server:
        yield server


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, fake: FakeFranceTravail
) -> Iterator[LiveServer]:
    srv = LiveServer(Path(tmp_path_factory.mktemp("ftsync")), env=settings_env(fake))
    srv.start()
    yield srv
    srv.close()


def _sync(server: LiveServer) -> subprocess.CompletedProcess[str]:
    return couloir(server.env, "sync", "francetravail", timeout=120)


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_changes_and_withdrawals_reach_the_cde_s_page_and_the_journal(
    server: LiveServer, fake: FakeFranceTravail
) -> None:
    codes = {}
    with server.client("cde") as cde:
        for number in ("187BQRT", "19001AB"):
            fields = cde.post(f"/api/v1/offers/francetravail/{number}/preview").json()
            body = {k: fields[k] for k in ("employer", "title", "contract", "commune", "positions")}
            body |= {"ft_offer_id": number, "staff_note": "Gérant joignable le matin"}
            created = cde.post("/api/v1/offers", json=body)
            assert created.status_code == 201, created.text
            codes[number] = created.json()["code"]
    first = _sync(server)
    assert first.returncode == 0, first.stderr
    assert "0 mise(s) à jour" in first.stdout
    fake.offers["187BQRT"] = {**fake.offers["187BQRT"], "intitule": "Boulanger de nuit (H/F)"}
    fake.withdraw("19001AB")
    second = _sync(server)
    assert second.returncode == 0, second.stderr
    assert "1 mise(s) à jour" in second.stdout and "1 retirée(s)" in second.stdout

    with closing(server.page_client("cde")) as phone:
        updated = _text(phone.get(f"/o/{codes['187BQRT']}").text)
        assert "Boulanger de nuit (H/F)" in updated
        assert "France Travail a mis à jour intitulé le" in updated
        assert "Gérant joignable le matin" in updated  # the staff note stays
        withdrawn_page = phone.get(f"/o/{codes['19001AB']}").text
        withdrawn = _text(withdrawn_page)
        assert "Retirée chez France Travail le" in withdrawn
        assert "clôturez-la ; rien n'est supprimé sans vous" in withdrawn
        assert "Clôturer l'offre" in withdrawn
    with closing(server.page_client("manager")) as manager:
        journal = _text(manager.get("/admin/journal").text)
        assert "France Travail a mis à jour l'offre « Boulanger de nuit (H/F) »" in journal
        assert "France Travail a retiré l'offre" in journal
    with httpx.Client(base_url=server.url, timeout=20) as anonymous:
        public = _text(anonymous.get(f"/o/{codes['19001AB']}").text)
    assert "Retirée chez France Travail" not in public  # staff only


def test_the_screens_page_alerts_managers_after_repeated_failures(server: LiveServer) -> None:
    engine = make_engine(server.database_url, pool_size=1)
    try:
        with Session(engine) as db:
            current = db.get(FranceTravailSync, ft_sync.STATE_ID) or FranceTravailSync(
                id=ft_sync.STATE_ID
            )
            current.failures = ft_sync.ALERT_AFTER - 1
            current.message = "Le service de France Travail ne répond pas pour le moment"
            db.add(current)
            db.commit()
        with closing(server.page_client("manager")) as phone:
            assert "France Travail :" not in _text(phone.get("/admin/ecrans").text)
            with Session(engine) as db:
                current = db.get(FranceTravailSync, ft_sync.STATE_ID)
                assert current is not None
                current.failures = ft_sync.ALERT_AFTER
                db.add(current)
                db.commit()
            page = _text(phone.get("/admin/ecrans").text)
        assert "⚠ France Travail : La synchronisation des offres avec France Travail échoue" in page
        assert "(3 essais) : Le service de France Travail ne répond pas pour le moment" in page
        assert "Couloir réessaie tout seul" in page
    finally:
        engine.dispose()


def test_a_cde_imports_or_dismisses_suggestions_in_one_tap(server: LiveServer) -> None:
    args = ["import", "francetravail", "--agency", AGENCY_CODE, "--communes", "72181,72124"]
    found = couloir(server.env, *args, timeout=120)
    assert found.returncode == 0, found.stderr
    assert "nouvelle(s) dans « À importer »" in found.stdout
    with closing(server.page_client("cde")) as phone:
        menu = phone.get("/admin/menu").text
        assert 'href="/admin/a-importer"' in menu
        page = phone.get("/admin/a-importer").text
        text = _text(page)
        # Those lacking candidates first (waiters n° 0, 3, 6…), then the others (n° 2…).
        assert text.count("Manque de candidats") >= 14
        assert text.rindex("Manque de candidats") < text.index("restauration n° 2 ")
        ids = re.findall(r'action="/admin/a-importer/(\d+)/importer"', page)
        token = _CSRF.search(page)
        assert ids and token
        done = phone.post(f"/admin/a-importer/{ids[0]}/importer", data={"csrf_token": token[1]})
        assert done.status_code == 303, done.text[:300]
        offer_page = _text(phone.get(done.headers["location"]).text)
        assert "Offre importée de France Travail" in offer_page
        assert "N° France Travail" in offer_page
        again = phone.post(f"/admin/a-importer/{ids[0]}/importer", data={"csrf_token": token[1]})
        assert again.status_code == 409 and "déjà été importée" in _text(again.text)
        gone = phone.post(f"/admin/a-importer/{ids[1]}/ecarter", data={"csrf_token": token[1]})
        assert gone.status_code == 303
        after = phone.get(gone.headers["location"]).text
        assert "Offre écartée : elle ne sera plus proposée." in _text(after)
        left = re.findall(r'action="/admin/a-importer/(\d+)/importer"', after)
        assert set(left) == set(ids) - {ids[0], ids[1]}
    with closing(server.page_client("cdde")) as cdde:
        assert cdde.get("/admin/a-importer").status_code == 403


def test_the_api_lists_imports_and_dismisses_suggestions(server: LiveServer) -> None:
    """The same suggestions through the JSON API (the phone's page is the other face)."""
    with server.client("cde") as cde:
        listed = cde.get("/api/v1/offers/francetravail/suggestions")
        assert listed.status_code == 200, listed.text
        waiting = listed.json()
        if not waiting:  # this module's other test may have run first or not: file them now
            args = ["import", "francetravail", "--agency", AGENCY_CODE, "--communes", "72181"]
            filed = couloir(server.env, *args, timeout=120)
            assert filed.returncode == 0, filed.stderr
            waiting = cde.get("/api/v1/offers/francetravail/suggestions").json()
        assert len(waiting) >= 2
        assert waiting[0]["lacks_candidates"] is True
        first, second = waiting[0], waiting[1]
        made = cde.post(f"/api/v1/offers/francetravail/suggestions/{first['id']}/import")
        assert made.status_code == 201, made.text
        assert made.json()["ft_offer_id"] == first["ft_offer_id"]
        assert made.json()["title"] == first["fields"]["title"]
        again = cde.post(f"/api/v1/offers/francetravail/suggestions/{first['id']}/import")
        assert again.status_code == 409
        gone = cde.post(f"/api/v1/offers/francetravail/suggestions/{second['id']}/dismiss")
        assert gone.status_code == 204
        left = {s["id"] for s in cde.get("/api/v1/offers/francetravail/suggestions").json()}
        assert not left & {first["id"], second["id"]}
    with server.client("cdde") as cdde:
        assert cdde.get("/api/v1/offers/francetravail/suggestions").status_code == 403
