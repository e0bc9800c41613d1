"""Pairing a screen that has no token yet.

The screen asks the service for a short code (``POST /api/v1/display/pairings``), shows
it, and polls until a manager has entered it on the phone; the token it then receives is
stored in the cache folder (mode 0600) so the next start needs no pairing.

In outline (``path`` being the screen's cache folder)::

    pairing = Pairing("http://127.0.0.1:8000", DisplayCache(path))
    pairing.start()
    pairing.code, pairing.token   # read from the render loop
"""

from __future__ import annotations

import logging
import random
import threading

from api.contract import PAIRINGS_PATH
from display.cache import DisplayCache
from display.libraries import httpx, service_client

log = logging.getLogger(__name__)


class Pairing:
    """Worker thread obtaining a screen token; ``code`` and ``token`` are its results."""

    def __init__(
        self,
        api_url: str,
        cache: DisplayCache | None,
        *,
        poll_every_s: float = 3.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.cache = cache
        self.poll_every_s = poll_every_s
        self._client = service_client(api_url, None, timeout=10.0, transport=transport)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: The code people type on their phone ("ABC-123"), None until the service gave one.
        self.code: str | None = None
        #: The screen token, once paired.
        self.token: str | None = None
        self.screen_name: str | None = None

    def start(self) -> None:
        """Start asking for a code in a daemon thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="couloir-pairing", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop polling."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._client.close()

    def _run(self) -> None:
        failures = 0
        secret: str | None = None
        while not self._stop.is_set() and self.token is None:
            try:
                secret = self._request_code() if secret is None else self._poll(secret)
                failures = 0
                wait = self.poll_every_s
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
                failures += 1
                wait = min(60.0, self.poll_every_s * 2**failures) * random.uniform(0.5, 1.0)
                log.info("pairing: service not reachable (%s); retrying in %.0f s", exc, wait)
            if self.token is None:
                self._stop.wait(wait)

    def _request_code(self) -> str:
        response = self._client.post(PAIRINGS_PATH)
        response.raise_for_status()
        body = response.json()
        self.code = str(body["code"])
        log.info("pairing: code %s shown, waiting for a manager to enter it", self.code)
        return str(body["poll_secret"])

    def _poll(self, secret: str) -> str | None:
        response = self._client.get(f"{PAIRINGS_PATH}/{secret}")
        if response.status_code == 404:
            log.info("pairing: code %s expired, asking for a new one", self.code)
            return None
        response.raise_for_status()
        body = response.json()
        if body.get("status") != "paired":
            return secret
        token = str(body["token"])
        if self.cache is not None:
            try:
                self.cache.save_token(token)
            except OSError as exc:
                log.warning("pairing: token not stored (%s); pairing again after a restart", exc)
        self.screen_name = body.get("screen_name")
        log.info("pairing: paired as %r", self.screen_name)
        self.token = token
        return secret
