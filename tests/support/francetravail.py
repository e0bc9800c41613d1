"""A stand-in for France Travail's « Offres d'emploi v2 » API: a real HTTP server on loopback.

It implements what Couloir uses, as the public documentation describes it:
- ``POST /connexion/oauth2/access_token?realm=/partenaire``: OAuth2 client credentials (form
  body ``grant_type``, ``client_id``, ``client_secret``, ``scope``), a bearer token with expiry;
- ``GET /partenaire/offresdemploi/v2/offres/{id}``: one offer (204 when unknown, as the service
  answers for a withdrawn number);
- ``GET /partenaire/offresdemploi/v2/offres/search``: filters and ``range=first-last`` paging
  (150 a page at most, first index at most 3000), 200 / 206 with ``Content-Range`` / 204 / 400;
- an expired or unknown token gets 401; more calls a second than ``rate_limit`` get 429 with
  ``Retry-After``; ``fail_next`` scripts 429 / 500 / slow answers for the next calls.

with FakeFranceTravail(offers=sample_offers()) as fake:
    fake.api_url, fake.token_url, fake.client_id, fake.client_secret
"""

from __future__ import annotations

import gzip
import json
import secrets
import threading
import time
import unicodedata
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

API_PREFIX = "/partenaire/offresdemploi/v2"
TOKEN_PATH = "/connexion/oauth2/access_token"
REQUIRED_SCOPES = {"api_offresdemploiv2", "o2dsoffre"}
PAGE_MAX = 150
FIRST_INDEX_MAX = 3000


@dataclass
class Fault:
    """A scripted answer for one coming call: a status (with Retry-After), a delay, or a raw
    body answered with 200 (malformed JSON, a huge payload…)."""

    status: int | None = None
    retry_after: int | None = None
    delay_s: float = 0.0
    body: bytes | None = None


@dataclass
class Call:
    """One request the stand-in received (for assertions on what the client sent)."""

    method: str
    path: str
    query: dict[str, list[str]]
    at: float
    authorization: str = ""
    body: dict[str, list[str]] = field(default_factory=dict)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


class FakeFranceTravail:
    """The stand-in server; a context manager that starts it in a thread and stops it."""

    def __init__(
        self,
        offers: list[dict[str, Any]] | None = None,
        *,
        token_lifetime_s: int = 1499,
        rate_limit: int = 10,
    ) -> None:
        self.offers: dict[str, dict[str, Any]] = {o["id"]: o for o in offers or []}
        self.client_id = "PAR_couloir_" + secrets.token_hex(8)
        self.client_secret = secrets.token_hex(24)
        self.token_lifetime_s = token_lifetime_s
        self.rate_limit = rate_limit
        self.tokens: dict[str, float] = {}  # token -> monotonic expiry
        self.calls: list[Call] = []
        self.faults: deque[Fault] = deque()
        self.gzip = False  # True: answers are gzip-compressed for clients that accept it
        self._recent: deque[float] = deque()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- life cycle -------------------------------------------------------------------------
    def __enter__(self) -> FakeFranceTravail:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def token_url(self) -> str:
        return self.base_url + TOKEN_PATH + "?realm=%2Fpartenaire"

    # -- scripting --------------------------------------------------------------------------
    def fail_next(self, *faults: Fault) -> None:
        """Answer the next calls (any endpoint but the token) with these faults, in order."""
        with self._lock:
            self.faults.extend(faults)

    def expire_tokens(self) -> None:
        """Every token handed out so far is now expired (the next API call gets 401)."""
        with self._lock:
            for token in self.tokens:
                self.tokens[token] = 0.0

    def withdraw(self, offer_id: str) -> None:
        """The offer disappears upstream (filled or withdrawn at France Travail)."""
        with self._lock:
            self.offers.pop(offer_id, None)

    def api_calls(self) -> list[Call]:
        """Calls to the offers API (not to the token endpoint)."""
        return [c for c in self.calls if c.path.startswith(API_PREFIX)]

    def token_calls(self) -> list[Call]:
        return [c for c in self.calls if c.path == TOKEN_PATH]

    # -- answers ----------------------------------------------------------------------------
    def _token(self, body: dict[str, list[str]]) -> tuple[int, dict[str, str], Any]:
        def one(name: str) -> str:
            return (body.get(name) or [""])[0]

        if one("grant_type") != "client_credentials":
            return 400, {}, {"error": "unsupported_grant_type"}
        if one("client_id") != self.client_id or one("client_secret") != self.client_secret:
            return (
                401,
                {},
                {"error": "invalid_client", "error_description": "Client authentication failed"},
            )
        if not set(one("scope").split()) >= REQUIRED_SCOPES:
            return 400, {}, {"error": "invalid_scope"}
        token = secrets.token_urlsafe(24)
        with self._lock:
            self.tokens[token] = time.monotonic() + self.token_lifetime_s
        return (
            200,
            {},
            {
                "scope": one("scope"),
                "expires_in": self.token_lifetime_s,
                "token_type": "Bearer",
                "access_token": token,
            },
        )

    def _authorised(self, header: str) -> bool:
        scheme, _, token = header.partition(" ")
        with self._lock:
            expiry = self.tokens.get(token)
        return scheme == "Bearer" and expiry is not None and expiry > time.monotonic()

    def _rate_limited(self) -> bool:
        now = time.monotonic()
        with self._lock:
            while self._recent and self._recent[0] <= now - 1.0:
                self._recent.popleft()
            if len(self._recent) >= self.rate_limit:
                return True
            self._recent.append(now)
            return False

    def _search(self, query: dict[str, list[str]]) -> tuple[int, dict[str, str], Any]:
        def one(name: str) -> str:
            return (query.get(name) or [""])[0]

        first, last = 0, PAGE_MAX - 1
        if one("range"):
            try:
                first_s, last_s = one("range").split("-")
                first, last = int(first_s), int(last_s)
            except ValueError:
                return 400, {}, {"message": "Le paramètre range est mal formé"}
        if first < 0 or last < first or last - first + 1 > PAGE_MAX or first > FIRST_INDEX_MAX:
            return 400, {}, {"message": "La plage de résultats demandée est incorrecte"}
        if one("publieeDepuis") and one("publieeDepuis") not in {"1", "3", "7", "14", "31"}:
            return 400, {}, {"message": "publieeDepuis doit valoir 1, 3, 7, 14 ou 31"}
        if one("offresManqueCandidats") not in {"", "true", "false"}:
            return 400, {}, {"message": "offresManqueCandidats doit valoir true ou false"}
        with self._lock:
            found = sorted(self.offers.values(), key=lambda o: o["id"])
        communes = {c for c in one("commune").split(",") if c}
        if communes:
            found = [o for o in found if o.get("lieuTravail", {}).get("commune") in communes]
        if one("departement"):
            found = [
                o
                for o in found
                if (o.get("lieuTravail", {}).get("codePostal") or "").startswith(one("departement"))
            ]
        contracts = {c for c in one("typeContrat").split(",") if c}
        if contracts:
            found = [o for o in found if o.get("typeContrat") in contracts]
        if one("offresManqueCandidats"):
            wanted = one("offresManqueCandidats") == "true"
            found = [o for o in found if bool(o.get("offresManqueCandidats")) == wanted]
        for word in one("motsCles").split(","):
            if word.strip():
                folded = _fold(word.strip())
                found = [
                    o
                    for o in found
                    if folded in _fold(o.get("intitule", "") + " " + o.get("description", ""))
                ]
        total = len(found)
        if total == 0:
            return 204, {}, None
        page = found[first : last + 1]
        if not page:
            return 400, {}, {"message": "La plage de résultats demandée est hors des résultats"}
        headers = {"Accept-Range": f"offres {PAGE_MAX}"}
        end = first + len(page) - 1
        headers["Content-Range"] = f"offres {first}-{end}/{total}"
        status = 200 if first == 0 and len(page) == total else 206
        return status, headers, {"resultats": page, "filtresPossibles": []}

    def _answer(
        self, method: str, path: str, query: dict[str, list[str]], headers: Any, body: bytes
    ):  # type: ignore[no-untyped-def]
        form = parse_qs(body.decode("utf-8", "replace")) if body else {}
        call = Call(method, path, query, time.monotonic(), headers.get("Authorization", ""), form)
        with self._lock:
            self.calls.append(call)
        if path == TOKEN_PATH:
            if method != "POST" or query.get("realm") != ["/partenaire"]:
                return 400, {}, {"error": "invalid_request"}
            return self._token(form)
        if not path.startswith(API_PREFIX + "/offres/") or method != "GET":
            return 404, {}, {"message": "Ressource inconnue"}
        with self._lock:
            fault = self.faults.popleft() if self.faults else None
        if fault is not None and fault.delay_s:
            time.sleep(fault.delay_s)  # a slow answer: the client's timeout must cut it
        if not self._authorised(call.authorization):
            return (
                401,
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
                {"message": "Jeton expiré ou invalide"},
            )
        if fault is not None and fault.body is not None:
            return 200, {}, fault.body
        if fault is not None and fault.status:
            extra = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            return fault.status, extra, {"message": "Erreur simulée"}
        if self._rate_limited():
            return 429, {"Retry-After": "1"}, {"message": "Trop de requêtes"}
        rest = path.removeprefix(API_PREFIX + "/offres/")
        if rest == "search":
            return self._search(query)
        with self._lock:
            offer = self.offers.get(rest)
        if offer is None:
            return 204, {}, None
        return 200, {}, offer

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: pytest shows failures, not every request

            def _serve(self, method: str) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, payload = fake._answer(
                    method, parts.path, parse_qs(parts.query), self.headers, body
                )
                if isinstance(payload, bytes):  # a scripted raw body, sent as it is
                    data = payload
                else:
                    data = (
                        b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
                    )
                compressed = (
                    fake.gzip and data and "gzip" in self.headers.get("Accept-Encoding", "")
                )
                if compressed:
                    data = gzip.compress(data)
                try:
                    self.send_response(status)
                    if compressed:
                        self.send_header("Content-Encoding", "gzip")
                    if data:
                        self.send_header("Content-Type", "application/json;charset=UTF-8")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout): nothing to answer

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

        return Handler


def settings_env(fake: FakeFranceTravail, *, sync_minutes: int = 0) -> dict[str, str]:
    """The ``COULOIR_FRANCE_TRAVAIL_*`` variables pointing a Couloir server at ``fake``.

    The periodic sync is off unless ``sync_minutes`` is given: a server's own sync must not
    take the calls (and the scripted faults) a test means for itself.
    """
    return {
        "COULOIR_FRANCE_TRAVAIL_SYNC_MINUTES": str(sync_minutes),
        "COULOIR_FRANCE_TRAVAIL_CLIENT_ID": fake.client_id,
        "COULOIR_FRANCE_TRAVAIL_CLIENT_SECRET": fake.client_secret,
        "COULOIR_FRANCE_TRAVAIL_API_URL": fake.api_url,
        "COULOIR_FRANCE_TRAVAIL_TOKEN_URL": fake.token_url,
    }


def make_offer(number: str, **fields: Any) -> dict[str, Any]:
    """One offer as France Travail returns it; ``fields`` override or add keys."""
    offer: dict[str, Any] = {
        "id": number,
        "intitule": "Agent d'entretien des espaces verts (H/F)",
        "description": "Entretien des espaces verts d'une résidence : tonte, taille, désherbage.",
        "dateCreation": "2026-11-20T09:12:31.000Z",
        "dateActualisation": "2026-11-25T14:02:11.000Z",
        "lieuTravail": {
            "libelle": "72 - LE MANS",
            "codePostal": "72000",
            "commune": "72181",
            "latitude": 48.0061,
            "longitude": 0.1996,
        },
        "romeCode": "A1203",
        "romeLibelle": "Aménagement et entretien des espaces verts",
        "appellationlibelle": "Agent / Agente d'entretien des espaces verts",
        "entreprise": {"nom": "JARDINS DU MAINE", "entrepriseAdaptee": False},
        "typeContrat": "CDI",
        "typeContratLibelle": "Contrat à durée indéterminée",
        "natureContrat": "Contrat travail",
        "experienceExige": "D",
        "experienceLibelle": "Débutant accepté",
        "formations": [],
        "salaire": {"libelle": "Mensuel de 1801.80 Euros sur 12 mois"},
        "dureeTravailLibelle": "35H Travail en journée",
        "alternance": False,
        "nombrePostes": 1,
        "qualificationLibelle": "Ouvrier qualifié (P3,P4,OHQ)",
        "secteurActiviteLibelle": "Services d'aménagement paysager",
        "trancheEffectifEtab": "3 à 5 salariés",
        "offresManqueCandidats": False,
        "origineOffre": {
            "origine": "1",
            "urlOrigine": f"https://candidat.francetravail.fr/offres/recherche/detail/{number}",
        },
    }
    offer.update(fields)
    return offer


def sample_offers() -> list[dict[str, Any]]:
    """Realistic offers: accents, missing optional fields, a very long description, many more."""
    offers = [
        make_offer("186XWJK"),
        make_offer(
            "187BQRT",
            intitule="Boulanger / Boulangère — pâtisserie fine (H/F)",
            description="Fabrication du pain et des viennoiseries ; pâte feuilletée, crème brûlée, "
            "œufs en neige. Travail le week-end, repos le lundi.",
            lieuTravail={"libelle": "72 - ÉCOMMOY", "codePostal": "72220", "commune": "72124"},
            entreprise={"nom": "BOULANGERIE L'ÉPI D'OR"},
            typeContrat="CDD",
            typeContratLibelle="Contrat à durée déterminée - 6 Mois",
            nombrePostes=2,
            trancheEffectifEtab="1 ou 2 salariés",
            offresManqueCandidats=True,
        ),
        # Missing optional fields: no company name, no commune code, no salary, no positions.
        {
            "id": "188MNPQ",
            "intitule": "Aide à domicile (H/F)",
            "description": "Accompagnement de personnes âgées dans les gestes du quotidien.",
            "dateCreation": "2026-11-27T08:00:00.000Z",
            "lieuTravail": {"libelle": "72 - Sarthe"},
            "typeContrat": "MIS",
            "typeContratLibelle": "Mission intérimaire - 3 Mois",
            "natureContrat": "Contrat travail",
            "experienceExige": "D",
            "entreprise": {},
            "origineOffre": {"origine": "1"},
        },
        make_offer(
            "189LONG",
            intitule="Cariste CACES 1, 3 et 5 — plateforme logistique",
            description=(
                "Chargement et déchargement des camions, préparation de commandes. " * 120
            ),
            typeContrat="SAI",
            typeContratLibelle="Contrat travail saisonnier - 4 Mois",
            trancheEffectifEtab="50 à 99 salariés",
        ),
    ]
    for index in range(40):
        offers.append(
            make_offer(
                f"19{index:03d}AB",
                intitule=f"Serveur / Serveuse en restauration n° {index}",
                lieuTravail={
                    "libelle": "72 - LE MANS",
                    "codePostal": "72000",
                    "commune": "72181",
                },
                offresManqueCandidats=index % 3 == 0,
            )
        )
    return offers
