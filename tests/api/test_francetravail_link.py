"""Linking an offer by its France Travail number, on a real server talking to the stand-in:
the API preview, the creation keeping the number and the link, the phone form's « Pré-remplir »
(no JavaScript) and the French errors."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import closing
from html import unescape
from pathlib import Path

import httpx
import pytest

from tests.support.francetravail import FakeFranceTravail, Fault, sample_offers, settings_env
from tests.support.server import LiveServer

PREVIEW = "/api/v1/offers/francetravail/{}/preview"
FORM = "/admin/offres/nouvelle"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeFranceTravail]:
    with FakeFranceTravail(sample_offers()) as server:
        yield server


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, fake: FakeFranceTravail
) -> Iterator[LiveServer]:
    srv = LiveServer(Path(tmp_path_factory.mktemp("ft")), env=settings_env(fake))
    srv.start()
    yield srv
    srv.close()


def test_preview_then_create_keeps_the_number_and_the_link(server: LiveServer) -> None:
    with server.client("cde") as cde:
        preview = cde.post(PREVIEW.format("187BQRT"))
        assert preview.status_code == 200, preview.text
        fields = preview.json()
        assert fields["employer"] == "BOULANGERIE L'ÉPI D'OR"
        assert fields["title"] == "Boulanger / Boulangère — pâtisserie fine (H/F)"
        assert (fields["contract"], fields["commune"], fields["positions"]) == ("CDD", "Écommoy", 2)
        assert fields["is_tpe"] is True and fields["lacks_candidates"] is True
        assert fields["ft_url"].endswith("/detail/187BQRT")
        body = {k: fields[k] for k in ("employer", "title", "contract", "commune", "positions")}
        created = cde.post(
            "/api/v1/offers",
            json={
                **body,
                "description": fields["description"],
                "ft_offer_id": fields["ft_offer_id"],
            },
        )
        assert created.status_code == 201, created.text
        assert created.json()["ft_offer_id"] == "187BQRT"
        assert created.json()["ft_url"] == (
            "https://candidat.francetravail.fr/offres/recherche/detail/187BQRT"
        )


def test_missing_fields_long_description_and_interim(server: LiveServer) -> None:
    with server.client("manager") as manager:
        sparse = manager.post(PREVIEW.format("188MNPQ")).json()
        assert (sparse["employer"], sparse["contract"], sparse["commune"]) == (
            "",
            "intérim",
            "Sarthe",
        )
        assert sparse["is_tpe"] is None and sparse["positions"] == 1
        long = manager.post(PREVIEW.format("189LONG")).json()
        assert len(long["description"]) == 4000 and long["description"].endswith("…")
        assert long["contract"] == "saisonnier" and long["is_tpe"] is False


def test_unknown_withdrawn_and_down_are_explained_in_french(
    server: LiveServer, fake: FakeFranceTravail
) -> None:
    with server.client("cde") as cde:
        unknown = cde.post(PREVIEW.format("000NONE"))
        assert unknown.status_code == 404
        assert "ne connaît pas l'offre n° 000NONE" in unknown.json()["detail"]
        fake.fail_next(*[Fault(500)] * 10)
        down = cde.post(PREVIEW.format("186XWJK"))
        assert down.status_code == 503
        assert "ne répond pas" in down.json()["detail"]
        fake.faults.clear()


def test_who_may_preview(server: LiveServer) -> None:
    assert httpx.post(server.url + PREVIEW.format("186XWJK"), timeout=10).status_code == 401
    with server.client("cdde") as cdde:
        assert cdde.post(PREVIEW.format("186XWJK")).status_code == 403
    with server.client("cde") as cde:
        assert cde.post(PREVIEW.format("18 6X")).status_code == 422
        assert cde.post(PREVIEW.format("x" * 21)).status_code == 422


def test_phone_form_prefills_without_javascript_then_publishes(server: LiveServer) -> None:
    with closing(server.page_client("cde")) as phone:
        page = phone.get(FORM)
        assert "Numéro d'offre France Travail" in unescape(page.text)
        assert "Pré-remplir" in page.text
        token = _CSRF.search(page.text)[1]  # type: ignore[index]
        filled = phone.post(
            FORM + "/france-travail",
            data={"csrf_token": token, "ft_offer_id": "186XWJK", "tags": "#espacesverts"},
        )
        assert filled.status_code == 200, filled.text[:500]
        assert 'value="JARDINS DU MAINE"' in filled.text
        assert 'value="Le Mans"' in filled.text
        assert re.search(r'value="CDI"[^>]*checked', filled.text)
        assert "#espacesverts" in filled.text  # what the CDE typed is kept
        assert (
            "Voir l&#39;offre d&#39;origine" in filled.text
            or "Voir l'offre d'origine" in filled.text
        )
        values = dict(
            re.findall(
                r'name="(employer|title|commune|ft_offer_id)"[^>]*value="([^"]*)"', filled.text
            )
        )
        published = phone.post(
            FORM,
            data={
                "csrf_token": _CSRF.search(filled.text)[1],  # type: ignore[index]
                **values,
                "employer": "JARDINS DU MAINE",
                "title": "Agent d'entretien des espaces verts (H/F)",
                "commune": "Le Mans",
                "contract": "CDI",
                "ft_offer_id": "186XWJK",
            },
            follow_redirects=False,
        )
        assert published.status_code == 303, published.text[:500]
        wrong = phone.post(
            FORM + "/france-travail",
            data={"csrf_token": token, "ft_offer_id": "000NONE"},
        )
        assert wrong.status_code == 422
        assert "ne connaît pas l'offre n° 000NONE" in unescape(wrong.text)


def test_without_credentials_linking_says_it_is_not_configured(live_server: LiveServer) -> None:
    with live_server.client("cde") as cde:
        answer = cde.post(PREVIEW.format("186XWJK"))
    assert answer.status_code == 503
    assert answer.json()["detail"] == "La liaison avec France Travail n'est pas configurée"
    with closing(live_server.page_client("cde")) as phone:
        token = _CSRF.search(phone.get(FORM).text)[1]  # type: ignore[index]
        page = phone.post(
            FORM + "/france-travail", data={"csrf_token": token, "ft_offer_id": "186XWJK"}
        )
    assert page.status_code == 422
    assert "La liaison avec France Travail n'est pas configurée" in unescape(page.text)


def test_a_slow_france_travail_answers_within_15_seconds(
    server: LiveServer, fake: FakeFranceTravail
) -> None:
    fake.fail_next(Fault(delay_s=7.0), Fault(delay_s=7.0))
    with server.client("cde") as cde:
        started = time.monotonic()
        answer = cde.post(PREVIEW.format("186XWJK"), timeout=30)
        elapsed = time.monotonic() - started
    assert answer.status_code == 503 and "ne répond pas" in answer.json()["detail"]
    assert elapsed < 15, elapsed
