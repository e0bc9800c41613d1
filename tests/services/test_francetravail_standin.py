"""The France Travail stand-in answers as the documentation says (raw HTTP, no Couloir client)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.francetravail import FakeFranceTravail, Fault, sample_offers


@pytest.fixture
def fake() -> Iterator[FakeFranceTravail]:
    with FakeFranceTravail(sample_offers(), rate_limit=1000) as server:
        yield server


def _token(fake: FakeFranceTravail, **changes: str) -> httpx.Response:
    data = {
        "grant_type": "client_credentials",
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "scope": "api_offresdemploiv2 o2dsoffre",
        **changes,
    }
    return httpx.post(fake.token_url, data=data, timeout=5)


def _get(fake: FakeFranceTravail, path: str, token: str, **params: str) -> httpx.Response:
    return httpx.get(
        fake.api_url + path, params=params, headers={"Authorization": f"Bearer {token}"}, timeout=5
    )


def test_token_needs_the_right_credentials_and_scope(fake: FakeFranceTravail) -> None:
    good = _token(fake)
    assert good.status_code == 200
    assert good.json()["token_type"] == "Bearer" and good.json()["expires_in"] == 1499
    assert _token(fake, client_secret="nope").status_code == 401
    assert _token(fake, scope="api_offresdemploiv2").status_code == 400
    assert _token(fake, grant_type="password").status_code == 400


def test_offer_by_id_and_expired_token(fake: FakeFranceTravail) -> None:
    token = _token(fake).json()["access_token"]
    offer = _get(fake, "/offres/187BQRT", token)
    assert (
        offer.status_code == 200 and offer.json()["entreprise"]["nom"] == "BOULANGERIE L'ÉPI D'OR"
    )
    assert _get(fake, "/offres/000NONE", token).status_code == 204
    assert _get(fake, "/offres/187BQRT", "forged").status_code == 401
    fake.expire_tokens()
    assert _get(fake, "/offres/187BQRT", token).status_code == 401


def test_search_paging_and_filters(fake: FakeFranceTravail) -> None:
    token = _token(fake).json()["access_token"]
    everything = _get(fake, "/offres/search", token)
    assert everything.status_code == 200 and len(everything.json()["resultats"]) == 44
    page = _get(fake, "/offres/search", token, range="10-19")
    assert page.status_code == 206
    assert page.headers["Content-Range"] == "offres 10-19/44"
    assert len(page.json()["resultats"]) == 10
    assert _get(fake, "/offres/search", token, range="0-150").status_code == 400
    assert _get(fake, "/offres/search", token, range="3001-3010").status_code == 400
    assert _get(fake, "/offres/search", token, range="dix-vingt").status_code == 400
    assert _get(fake, "/offres/search", token, commune="99999").status_code == 204
    bakery = _get(fake, "/offres/search", token, motsCles="boulangere", typeContrat="CDD")
    assert [o["id"] for o in bakery.json()["resultats"]] == ["187BQRT"]
    lacking = _get(fake, "/offres/search", token, offresManqueCandidats="true", commune="72181")
    assert lacking.status_code == 200 and len(lacking.json()["resultats"]) == 14


def test_scripted_faults_and_rate_limit(fake: FakeFranceTravail) -> None:
    token = _token(fake).json()["access_token"]
    fake.fail_next(Fault(429, retry_after=2), Fault(500))
    first = _get(fake, "/offres/186XWJK", token)
    assert first.status_code == 429 and first.headers["Retry-After"] == "2"
    assert _get(fake, "/offres/186XWJK", token).status_code == 500
    assert _get(fake, "/offres/186XWJK", token).status_code == 200
    fake.withdraw("186XWJK")
    assert _get(fake, "/offres/186XWJK", token).status_code == 204
    fake.rate_limit = 1
    statuses = [_get(fake, "/offres/187BQRT", token).status_code for _ in range(5)]
    assert 429 in statuses


def test_slow_answer_is_cut_by_a_client_timeout(fake: FakeFranceTravail) -> None:
    token = _token(fake).json()["access_token"]
    fake.fail_next(Fault(delay_s=1.0))
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(
            fake.api_url + "/offres/186XWJK",
            headers={"Authorization": f"Bearer {token}"},
            timeout=0.2,
        )
