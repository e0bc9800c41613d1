"""The France Travail client against the loopback stand-in: token cache, retries, rate, timeouts."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest

from api.francetravail.client import FranceTravailClient, FranceTravailError, NotConfigured
from api.settings import Settings
from tests.support.francetravail import FakeFranceTravail, Fault, sample_offers


@pytest.fixture
def fake() -> Iterator[FakeFranceTravail]:
    with FakeFranceTravail(sample_offers()) as server:
        yield server


def _client(fake: FakeFranceTravail, tmp_path, **options) -> FranceTravailClient:  # type: ignore[no-untyped-def]
    settings = Settings(
        data_dir=tmp_path,
        france_travail_client_id=fake.client_id,
        france_travail_client_secret=fake.client_secret,
        france_travail_api_url=fake.api_url,
        france_travail_token_url=fake.token_url,
    )
    options.setdefault("backoff_s", 0.01)
    return FranceTravailClient.from_settings(settings, **options)


def test_no_credentials_is_a_clear_french_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotConfigured, match="La liaison avec France Travail n'est pas configurée"):
        FranceTravailClient.from_settings(Settings(data_dir=tmp_path))


def test_defaults_are_the_real_endpoints() -> None:
    fields = Settings.model_fields
    assert fields["france_travail_api_url"].default.startswith("https://api.francetravail.io/")
    assert "realm=%2Fpartenaire" in fields["france_travail_token_url"].default


def test_token_is_cached_and_renewed_after_401(fake, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with _client(fake, tmp_path) as client:
        assert client.offer("187BQRT")["intitule"].startswith("Boulanger / Boulangère")
        assert client.offer("186XWJK") is not None
        assert len(fake.token_calls()) == 1
        body = fake.token_calls()[0].body
        assert body["grant_type"] == ["client_credentials"]
        assert set(body["scope"][0].split()) == {"api_offresdemploiv2", "o2dsoffre"}
        fake.expire_tokens()
        assert client.offer("186XWJK") is not None
        assert len(fake.token_calls()) == 2


def test_token_renewed_shortly_before_expiry(fake, tmp_path) -> None:  # type: ignore[no-untyped-def]
    now = [1000.0]
    with _client(fake, tmp_path, clock=lambda: now[0]) as client:
        client.offer("186XWJK")
        now[0] += 1499 - 30  # still valid upstream, but within the last minute: renewed
        client.offer("186XWJK")
        assert len(fake.token_calls()) == 2


def test_unknown_and_withdrawn_offers_are_none(fake, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with _client(fake, tmp_path) as client:
        assert client.offer("000NONE") is None
        assert client.offer("../../x") is None
        assert client.offer("188MNPQ")["entreprise"] == {}
        fake.withdraw("188MNPQ")
        assert client.offer("188MNPQ") is None


def test_429_and_500_are_retried_honouring_retry_after(fake, tmp_path) -> None:  # type: ignore[no-untyped-def]
    slept: list[float] = []
    with _client(fake, tmp_path, sleep=slept.append) as client:
        client.offer("186XWJK")  # token first
        fake.fail_next(Fault(429, retry_after=3), Fault(503), Fault(500))
        assert client.offer("186XWJK") is not None
    assert 3.0 in slept
    assert len([c for c in fake.api_calls() if c.path.endswith("186XWJK")]) == 5


def test_service_down_gives_up_with_a_french_message(fake, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with _client(fake, tmp_path, retries=2, sleep=lambda s: None) as client:
        client.offer("186XWJK")
        fake.fail_next(*[Fault(500)] * 3)
        with pytest.raises(FranceTravailError, match="ne répond pas"):
            client.offer("186XWJK")


def test_slow_answer_times_out_then_retries(fake, tmp_path) -> None:  # type: ignore[no-untyped-def]
    timeout = httpx.Timeout(0.3)
    with _client(fake, tmp_path, timeout=timeout, sleep=lambda s: None) as client:
        client.offer("186XWJK")
        fake.fail_next(Fault(delay_s=1.0))
        assert client.offer("186XWJK") is not None


def test_wrong_secret_is_explained(fake, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with _client(fake, tmp_path) as client:
        fake.client_secret = "changed"  # revoked upstream
        with pytest.raises(FranceTravailError, match="identifiants"):
            client.offer("186XWJK")


def test_search_pages_and_empty(fake, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with _client(fake, tmp_path) as client:
        page = client.search({"commune": "72181"}, first=0, last=9)
        assert (len(page.offers), page.first, page.last, page.total) == (10, 0, 9, 42)
        assert client.search({"commune": "99999"}).total == 0
        with pytest.raises(FranceTravailError, match="critères"):
            client.search({"publieeDepuis": "2"})


def test_rate_limit_kept_below_the_server_s(fake, tmp_path) -> None:  # type: ignore[no-untyped-def]
    fake.rate_limit = 5  # the stand-in answers 429 beyond 5 calls in any second
    with _client(fake, tmp_path, calls_per_second=4.0, retries=0) as client:
        for _ in range(12):
            assert client.offer("186XWJK") is not None
    times = [c.at for c in fake.api_calls()]
    assert times[-1] - times[0] >= 11 * 0.25 - 0.1  # spaced, not bursting then waiting


def test_secret_and_token_never_logged(fake, tmp_path, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    with _client(fake, tmp_path, sleep=lambda s: None) as client:
        client.offer("186XWJK")
        fake.fail_next(Fault(500))
        client.offer("186XWJK")
        assert fake.client_secret not in repr(client)
    tokens = list(fake.tokens)
    for secret in [fake.client_secret, *tokens]:
        assert secret not in caplog.text


def test_gzip_answers_are_read(fake, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The real service compresses its answers: the bounded read decodes them once."""
    fake.gzip = True
    with _client(fake, tmp_path) as client:
        assert client.offer("189LONG")["intitule"].startswith("Cariste")
        assert client.search({"commune": "72181"}, first=0, last=9).total == 42
