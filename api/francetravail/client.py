"""A polite client of France Travail's « Offres d'emploi v2 » API.

client = FranceTravailClient.from_settings(get_settings())  # None when no credentials
offer = client.offer("186XWJK")  # dict as the API returns it, or None when unknown / withdrawn
page = client.search({"commune": "72181"}, first=0, last=149)

The bearer token (OAuth2 client credentials) is cached until shortly before it expires and
never logged; calls are spaced below the documented rate limit; 429 and 5xx are retried with
backoff, honouring ``Retry-After``; every call has a timeout.
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from api.errors import DomainError
from api.settings import Settings

log = logging.getLogger(__name__)

SCOPE = "api_offresdemploiv2 o2dsoffre"
CALLS_PER_SECOND = 4.0  # the documented limit is a few calls a second: stay well below
TOKEN_MARGIN_S = 60.0  # a token is renewed this long before it expires
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
RETRIES = 4
BACKOFF_S = 0.5
RETRY_AFTER_MAX_S = 30.0
BODY_MAX_BYTES = 2_000_000  # one offer is a few kB; a bigger answer is not an offer
PAGE_MAX = 150
_NUMBER = re.compile(r"[0-9A-Za-z]{5,20}")
_CONTENT_RANGE = re.compile(r"offres (\d+)-(\d+)/(\d+)")


class FranceTravailError(DomainError):
    """The API could not answer (down, refused, too slow): the message is French, for people."""

    status = 503


class UnexpectedAnswer(FranceTravailError):
    """The API answered, but not with what its documentation promises (bad JSON, too big)."""

    def __init__(self) -> None:
        super().__init__("France Travail a répondu de façon inattendue")


class NotConfigured(FranceTravailError):
    """No client id or secret in the settings."""

    def __init__(self) -> None:
        super().__init__("La liaison avec France Travail n'est pas configurée")


@dataclass(frozen=True)
class SearchPage:
    """One page of ``/offres/search``: the offers and the total the API counts."""

    offers: list[dict[str, Any]]
    first: int
    last: int
    total: int


class _RateLimiter:
    """Spaces calls at least ``1 / per_second`` apart (thread-safe)."""

    def __init__(
        self, per_second: float, clock: Callable[[], float], sleep: Callable[[float], None]
    ) -> None:
        self.interval = 1.0 / per_second
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            self._sleep(start - now)


class FranceTravailClient:
    """Talks to the API with cached token, rate limit, retries and timeouts."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        api_url: str,
        token_url: str,
        *,
        calls_per_second: float = CALLS_PER_SECOND,
        timeout: httpx.Timeout = TIMEOUT,
        retries: int = RETRIES,
        backoff_s: float = BACKOFF_S,
        retry_after_max_s: float = RETRY_AFTER_MAX_S,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not client_id or not client_secret:
            raise NotConfigured
        self._client_id = client_id
        self._client_secret = client_secret
        self.api_url = api_url.rstrip("/")
        self.token_url = token_url
        self.retries = retries
        self.backoff_s = backoff_s
        self.retry_after_max_s = retry_after_max_s
        self._clock = clock
        self._sleep = sleep
        self._limiter = _RateLimiter(calls_per_second, clock, sleep)
        self._http = httpx.Client(timeout=timeout, headers={"Accept": "application/json"})
        self._token: str | None = None
        self._token_expiry = 0.0
        self._token_lock = threading.Lock()

    def __repr__(self) -> str:  # never the secret nor the token
        return f"FranceTravailClient(api_url={self.api_url!r})"

    @classmethod
    def from_settings(cls, settings: Settings, **options: Any) -> FranceTravailClient:
        """The client the settings describe; NotConfigured when the credentials are empty."""
        return cls(
            settings.france_travail_client_id,
            settings.france_travail_client_secret,
            settings.france_travail_api_url,
            settings.france_travail_token_url,
            **options,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> FranceTravailClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- token ------------------------------------------------------------------------------
    def _bearer(self, *, renew: bool = False) -> str:
        with self._token_lock:
            if renew or self._token is None or self._clock() >= self._token_expiry:
                self._token, lifetime = self._fetch_token()
                self._token_expiry = self._clock() + max(lifetime - TOKEN_MARGIN_S, lifetime / 2)
            return self._token

    def _fetch_token(self) -> tuple[str, float]:
        data = {
            "grant_type": "client_credentials",
            "client_id": self._client_id,
            "client_secret": self._client_secret,
            "scope": SCOPE,
        }
        response = self._send(lambda: self._http.build_request("POST", self.token_url, data=data))
        if response.status_code in (400, 401):
            log.warning(
                "France Travail refused the client credentials (HTTP %s)", response.status_code
            )
            raise FranceTravailError(
                "France Travail refuse les identifiants de Couloir : vérifiez "
                "COULOIR_FRANCE_TRAVAIL_CLIENT_ID et COULOIR_FRANCE_TRAVAIL_CLIENT_SECRET"
            )
        self._raise_unless_ok(response)
        try:
            body = response.json()
            return str(body["access_token"]), float(body.get("expires_in", 0) or 0)
        except (ValueError, KeyError, TypeError, AttributeError):
            raise UnexpectedAnswer from None

    # -- calls ------------------------------------------------------------------------------
    def _retry_delay(self, response: httpx.Response | None, attempt: int) -> float:
        if response is not None:
            value = response.headers.get("Retry-After", "")
            if value.strip().isdigit():
                return min(float(value), self.retry_after_max_s)
        return self.backoff_s * (2**attempt) * (1 + random.random() / 4)

    def _bounded(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` and read its body, refusing more than ``BODY_MAX_BYTES``."""
        response = self._http.send(request, stream=True)
        try:
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > BODY_MAX_BYTES:
                    log.warning("France Travail answer over %d bytes, cut", BODY_MAX_BYTES)
                    raise UnexpectedAnswer
        finally:
            response.close()
        # The body is decoded already (gzip…): its headers must not ask for decoding again.
        headers = [
            (name, value)
            for name, value in response.headers.multi_items()
            if name.lower() not in {"content-encoding", "content-length", "transfer-encoding"}
        ]
        return httpx.Response(
            response.status_code, headers=headers, content=bytes(body), request=request
        )

    def _send(self, do: Callable[[], httpx.Request]) -> httpx.Response:
        """One logical call: rate-limited, retried on 429 / 5xx / network errors."""
        for attempt in range(self.retries + 1):
            self._limiter.wait()
            try:
                response = self._bounded(do())
            except httpx.TimeoutException:
                problem, response = "timeout", None
            except httpx.TransportError as exc:
                problem, response = type(exc).__name__, None
            else:
                if response.status_code != 429 and response.status_code < 500:
                    return response
                problem = f"HTTP {response.status_code}"
            if attempt == self.retries:
                break
            delay = self._retry_delay(response, attempt)
            log.info("France Travail call failed (%s), retry in %.1f s", problem, delay)
            self._sleep(delay)
        raise FranceTravailError(
            "Le service de France Travail ne répond pas pour le moment : "
            "réessayez dans quelques minutes"
        )

    def _get(self, path: str, params: dict[str, str] | None = None) -> httpx.Response:
        url = self.api_url + path
        response = self._send(
            lambda: self._http.build_request(
                "GET", url, params=params, headers={"Authorization": f"Bearer {self._bearer()}"}
            )
        )
        if response.status_code == 401:  # expired or revoked early: one fresh token, once
            token = self._bearer(renew=True)
            response = self._send(
                lambda: self._http.build_request(
                    "GET", url, params=params, headers={"Authorization": f"Bearer {token}"}
                )
            )
        return response

    @staticmethod
    def _raise_unless_ok(response: httpx.Response) -> None:
        if response.status_code >= 400:
            log.warning("France Travail answered HTTP %s", response.status_code)
            raise FranceTravailError("France Travail a refusé la demande")

    def offer(self, number: str) -> dict[str, Any] | None:
        """The offer with this number, or None when France Travail does not know it (any more)."""
        if not _NUMBER.fullmatch(number):
            return None  # never put an odd string into the URL: no such offer
        response = self._get(f"/offres/{number}")
        if response.status_code in (204, 404):
            return None
        self._raise_unless_ok(response)
        try:
            body = response.json()
        except ValueError:
            log.warning("France Travail answered offer %s with malformed JSON", number)
            raise UnexpectedAnswer from None
        if not isinstance(body, dict):
            log.warning("France Travail answered offer %s with a JSON %s", number, type(body))
            raise UnexpectedAnswer
        return body

    def search(
        self, filters: dict[str, str], *, first: int = 0, last: int = PAGE_MAX - 1
    ) -> SearchPage:
        """One page of offers matching the filters (``commune``, ``typeContrat``, …)."""
        response = self._get("/offres/search", {**filters, "range": f"{first}-{last}"})
        if response.status_code == 204:
            return SearchPage([], first, first - 1, 0)
        if response.status_code == 400:
            raise FranceTravailError("France Travail refuse ces critères de recherche")
        self._raise_unless_ok(response)
        try:
            offers = response.json().get("resultats") or []
        except (ValueError, AttributeError):
            raise UnexpectedAnswer from None
        match = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", "").strip())
        if match:
            got_first, got_last, total = (int(g) for g in match.groups())
        else:
            got_first, got_last, total = first, first + len(offers) - 1, first + len(offers)
        return SearchPage(offers, got_first, got_last, total)
