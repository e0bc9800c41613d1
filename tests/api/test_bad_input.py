"""Bad input on every JSON endpoint: a 4xx with a reason, never a 500, and nothing saved is lost.

Each rejected request is followed by reading the resource back and comparing it with what was
there before. Emoji-laden and accented text within the limits is accepted and stored as given.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest

from tests.support.server import LiveServer

LONG = "x" * 10_000
EMOJI = "Boulangerie 🥖 Élodie"
HUGE_ID = 10**20
TODAY = date.today()
# Noon today, not the instant: test ids must be equal in every xdist worker.
NOW = datetime.combine(TODAY, time(12), UTC)

NEW_OFFER = {
    "employer": "Boulangerie du Rempart",
    "title": "Boulanger",
    "contract": "CDI",
    "commune": "Avignon",
}
NEW_HIRE = {"employer": "Garage Mistral", "title": "Mécanicien", "hired_on": str(TODAY)}
NEW_CHALLENGE = {
    "title": "Défi d'hiver",
    "goal": 10,
    "starts_on": str(TODAY - timedelta(days=1)),
    "ends_on": str(TODAY + timedelta(days=30)),
}
NEW_ANNOUNCEMENT = {
    "message": "Réunion d'équipe à 14 h",
    "starts_at": (NOW + timedelta(days=300)).isoformat(),
    "ends_at": (NOW + timedelta(days=301)).isoformat(),
}
EVENT_START = (NOW + timedelta(days=300)).replace(hour=9, minute=0, second=0, microsecond=0)
NEW_EVENT = {
    "title": "Job dating CDE × CDDE",
    "kind": "job_dating",
    "starts_at": EVENT_START.isoformat(),
    "ends_at": (EVENT_START + timedelta(hours=2)).isoformat(),
    "recurrence": "weekly",
    "capacity": 10,
}
NEW_TESTIMONY = {"text": "Immersion au fournil.", "tags": ["#mauvaiseentrée", "#AutreEntrée"]}
NEW_CHANTIER = {
    "title": "Grappe TPE des Halles",
    "kind": "grappe_tpe",
    "state": "en_cours",
    "starts_on": str(TODAY),
}
NEW_QUESTION = {"text": "Une journée d'essai est-elle possible ?", "choices": ["Oui", "Non"]}
NEW_EMPLOYER = {"name": "Garage Mistral", "commune": "Montfavet", "siret": "73282932000074"}
HEARTBEAT = {"version": "1.0.0", "resolution": "1920x1080", "fps": 30.0, "uptime_s": 12}
UPDATE_REPORT = {
    "running_version": "1.0.0",
    "target_version": "1.1.0",
    "result": "rolled_back",
    "reason": "1.1.0 ne démarrait pas : retour automatique à 1.0.0.",
    "finished_at": "2025-11-28T02:12:00+00:00",
}


@dataclass
class World:
    """The resources the bad requests aim at, created once for the module."""

    server: LiveServer
    clients: dict[str, httpx.Client]
    offer_id: int = 0
    closed_offer_id: int = 0
    candidate_id: int = 0
    hire_id: int = 0
    challenge_id: int = 0
    screen_id: int = 0
    staff_id: int = 0
    event_id: int = 0
    ids: dict[str, int] = field(default_factory=dict)


@pytest.fixture(scope="module")
def world(module_server: LiveServer) -> Iterator[World]:
    roles = ("cde", "cdde", "manager", "admin")
    clients = {role: module_server.client(role) for role in roles}
    clients["screen"] = module_server.screen_client()
    clients["anonymous"] = module_server.client()
    cde, manager = clients["cde"], clients["manager"]
    w = World(module_server, clients)
    w.offer_id = cde.post("/api/v1/offers", json=NEW_OFFER).json()["id"]
    w.candidate_id = clients["cdde"].post(f"/api/v1/offers/{w.offer_id}/candidates").json()["id"]
    w.closed_offer_id = cde.post("/api/v1/offers", json=NEW_OFFER).json()["id"]
    assert cde.post(f"/api/v1/offers/{w.closed_offer_id}/close").status_code == 200
    w.hire_id = manager.post("/api/v1/hires", json=NEW_HIRE).json()["id"]
    w.challenge_id = manager.post("/api/v1/challenges", json=NEW_CHALLENGE).json()["id"]
    w.screen_id = manager.get("/api/v1/screens").json()[0]["id"]
    account = {"name": "Léa Test", "email": "lea.test@example.fr", "role": "cde"}
    w.staff_id = manager.post(
        "/api/v1/staff", json={**account, "password": "lampe tuba girafe 7"}
    ).json()["id"]
    clients["screen"].post("/api/v1/display/heartbeat", json=HEARTBEAT).raise_for_status()
    w.event_id = manager.post("/api/v1/agenda/events", json=NEW_EVENT).json()["id"]
    testimony = clients["cdde"].post("/api/v1/testimonies", json=NEW_TESTIMONY).json()
    w.ids.update(testimony_id=testimony["id"], tag_slug=testimony["tags"][0]["slug"])
    w.ids["chantier_id"] = manager.post("/api/v1/chantiers", json=NEW_CHANTIER).json()["id"]
    w.ids["employer_id"] = cde.post("/api/v1/employers", json=NEW_EMPLOYER).json()["id"]
    cde.post("/api/v1/employers", json={"name": "Cave des Papes", "commune": "Avignon"})
    taken = cde.post(f"/api/v1/employers/{w.ids['employer_id']}/questionnaires").json()
    w.ids["questionnaire_id"] = taken["id"]
    question = manager.post("/api/v1/questionnaire/questions", json=NEW_QUESTION).json()
    w.ids["question_id"] = question["id"]
    yield w
    for client in clients.values():
        client.close()


# --- what each endpoint writes, read back -----------------------------------------------------


def _without(items: list[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
    return [{k: v for k, v in item.items() if k not in keys} for item in items]


def state_offers(w: World) -> object:
    cde = w.clients["cde"]
    return {
        status: cde.get("/api/v1/offers", params={"status": status}).json()
        for status in ("open", "filled", "closed")
    }


def state_offer(w: World) -> object:
    cde = w.clients["cde"]
    return (
        cde.get(f"/api/v1/offers/{w.offer_id}").json(),
        cde.get(f"/api/v1/offers/{w.offer_id}/candidates").json(),
    )


def state_hires(w: World) -> object:
    return w.clients["manager"].get("/api/v1/hires").json()


def state_challenges(w: World) -> object:
    return w.clients["manager"].get("/api/v1/challenges").json()


def state_announcements(w: World) -> object:
    return w.clients["manager"].get("/api/v1/announcements").json()


def state_agenda(w: World) -> object:
    manager = w.clients["manager"]
    around = {"start": str(EVENT_START.date() - timedelta(days=1)), "days": 30}
    return (
        manager.get("/api/v1/agenda/events").json(),
        manager.get("/api/v1/agenda/occurrences", params=around).json(),
    )


def state_screens(w: World) -> object:
    # "online" flips by itself three minutes after the last heartbeat.
    return _without(w.clients["manager"].get("/api/v1/screens").json(), "online")


def state_staff(w: World) -> object:
    return w.clients["manager"].get("/api/v1/staff").json()


def state_tags(w: World) -> object:
    return w.clients["manager"].get("/api/v1/tags").json()


def state_testimonies(w: World) -> object:
    return (state_tags(w), w.clients["manager"].get("/api/v1/testimonies").json())


def state_chantiers(w: World) -> object:
    return w.clients["manager"].get("/api/v1/chantiers").json()


def state_questionnaire(w: World) -> object:
    cde = w.clients["cde"]
    return cde.get(f"/api/v1/questionnaires/{w.ids['questionnaire_id']}").json()


def state_questions(w: World) -> object:
    return w.clients["manager"].get("/api/v1/questionnaire/questions").json()


def state_employers(w: World) -> object:
    cde = w.clients["cde"]
    return (
        cde.get("/api/v1/employers").json(),
        cde.get(f"/api/v1/employers/{w.ids['employer_id']}").json(),
    )


def state_agencies(w: World) -> object:
    return w.clients["admin"].get("/api/v1/agencies").json()


# --- the bad requests -------------------------------------------------------------------------


@dataclass(frozen=True)
class Bad:
    """One bad request: who sends what where, and which state must not move."""

    label: str
    role: str
    method: str
    path: str  # formatted with the World's ids
    state: Callable[[World], object]
    json: Any = None
    content: bytes | None = None
    headers: dict[str, str] | None = None

    def send(self, w: World) -> httpx.Response:
        path = self.path.format(**vars(w) | w.ids)
        headers = dict(self.headers or {})
        kwargs: dict[str, Any] = {"headers": headers}
        if self.content is not None:
            headers.setdefault("content-type", "application/json")
            kwargs["content"] = self.content
        elif self.json is not None:
            # Python's encoder, not httpx's: it writes NaN and Infinity as some clients do.
            headers["content-type"] = "application/json"
            kwargs["content"] = json.dumps(self.json, allow_nan=True).encode()
        return w.clients[self.role].request(self.method, path, **kwargs)


@dataclass(frozen=True)
class Endpoint:
    name: str
    role: str
    method: str
    path: str
    state: Callable[[World], object]
    base: dict[str, Any]
    bad_fields: dict[str, list[Any]]

    def cases(self) -> list[Bad]:
        out = [
            Bad(f"{self.name}: {label}", self.role, self.method, self.path, self.state, **kw)
            for label, kw in MALFORMED.items()
        ]
        for name, values in self.bad_fields.items():
            for value in values:
                body = {**self.base, name: value}
                if value is MISSING:
                    del body[name]
                text = repr(value)
                text = text if len(text) < 30 else text[:24] + "…"
                out.append(
                    Bad(
                        f"{self.name}: {name}={text}",
                        self.role,
                        self.method,
                        self.path,
                        self.state,
                        json=body,
                    )
                )
        return out


class _Missing:
    """A field left out of the body (a stable repr keeps test ids equal across xdist workers)."""

    def __repr__(self) -> str:
        return "<absent>"


MISSING = _Missing()
MALFORMED: dict[str, dict[str, Any]] = {
    "malformed JSON": {"content": b'{"title": "Boul'},
    "not UTF-8": {"content": b'{"title": "\xff\xfe"}'},
    "JSON array": {"json": [1, 2, 3]},
    "JSON string": {"json": "bonjour"},
    "JSON null": {"content": b"null"},
    "empty body": {"content": b""},
    "deeply nested": {"content": b"[" * 100_000 + b"]" * 100_000},
}
# Invisible only: control, bidi and zero-width characters are cleaned away, then nothing is left.
EMPTY = ["", "   ", "\x00\u200b\u202e"]
TEXT = [*EMPTY, LONG, 42, ["a"], {"a": 1}]
NAN, INF = float("nan"), float("inf")
INTEGER = [0, -1, 10**30, "deux", 1.5, [1], "", None, NAN, INF]
DATE = ["2026-13-45", "demain", "", [2026], "2026-02-30"]

TAG_WORDS = [
    "festival",
    ["#a b"],
    ["#"],
    ["#" + "x" * 41],
    [1],
    [LONG],
    [f"#t{i}" for i in range(13)],
]
SIRETS = ["73282932000075", "7328293200007", "732829320000741", "ABCDEFGHIJKLMN", 73282932000074,
          "７３２８２９３２０００７４", LONG]  # fmt: skip
# An offer's criteria (« mouton à 5 pattes »): each bad one replaces the valid block.
CRITERIA = {"experience_years": 2, "pay_from": 12.02, "pay_to": 13.5, "pay_period": "hour",
            "weekly_hours": 35, "driving_licence": True, "must_haves": ["CACES R489"]}  # fmt: skip
BAD_CRITERIA = [
    {**CRITERIA, "experience_years": -1},
    {**CRITERIA, "experience_years": 46},
    {**CRITERIA, "experience_years": "dix"},
    {**CRITERIA, "experience_years": True},
    {**CRITERIA, "pay_from": 14, "pay_to": 12},  # from > to
    {**CRITERIA, "pay_from": -5},
    {**CRITERIA, "pay_from": 0},
    {**CRITERIA, "pay_to": NAN},
    {**CRITERIA, "pay_to": INF},
    {**CRITERIA, "pay_to": "12,50"},
    {**CRITERIA, "pay_to": 10**30},
    {**CRITERIA, "pay_to": 1800},  # 1 800 € « de l'heure »: a monthly pay
    {**CRITERIA, "pay_period": None},  # a pay without saying per hour or per month
    {**CRITERIA, "pay_period": "week"},
    {**CRITERIA, "weekly_hours": 200},
    {**CRITERIA, "weekly_hours": 0},
    {**CRITERIA, "weekly_hours": "🕐"},
    {**CRITERIA, "diploma": "licence"},
    {**CRITERIA, "diploma": ""},
    {**CRITERIA, "driving_licence": "oui"},
    {**CRITERIA, "must_haves": [LONG]},
    {**CRITERIA, "must_haves": ["x" * 81]},
    {**CRITERIA, "must_haves": [""]},
    {**CRITERIA, "must_haves": ["\u200b\u202e"]},
    {**CRITERIA, "must_haves": [f"exigence {i}" for i in range(9)]},
    {**CRITERIA, "must_haves": "CACES"},
    {**CRITERIA, "must_haves": [12]},
    "exigeant",
    [CRITERIA],
    42,
]
ENDPOINTS = [
    Endpoint(
        "chantiers create",
        "manager",
        "POST",
        "/api/v1/chantiers",
        state_chantiers,
        NEW_CHANTIER,
        {
            "title": [*TEXT, None, MISSING, "x" * 201],
            "kind": ["", "salon", 1, None, ["autre"], "AUTRE"],
            "state": ["", "fini", 0, True, None],
            "starts_on": DATE,
            "ends_on": [*DATE, "2000-01-01"],  # before its start
            "note": [LONG, "x" * 301, 42, ["a"]],
        },
    ),
    Endpoint(
        "chantiers patch",
        "manager",
        "PATCH",
        "/api/v1/chantiers/{chantier_id}",
        state_chantiers,
        {},
        {
            "title": [*TEXT, None],
            "kind": ["salon", None],
            "state": ["fini", None],
            "starts_on": DATE,
            "ends_on": ["2000-01-01"],  # before its start
            "note": [LONG, None],
            "version": ["abc", 10**30, 999],  # 999: stale → 409 with the current one
        },
    ),
    Endpoint(
        "employers create",
        "cde",
        "POST",
        "/api/v1/employers",
        state_employers,
        {"name": "Fournil du Rempart", "commune": "Avignon"},
        {
            # The last two name existing files (case, accents, legal form aside).
            "name": [*TEXT, None, MISSING, "x" * 201, "GARAGE MISTRAL SARL", "cave des papes"],
            "commune": [*TEXT, None, MISSING],
            "siret": SIRETS,
            "sector": [LONG, "x" * 101, 3],
            "size_band": ["12", "", 5, "TPE"],
            "contact": [LONG, ["a"]],
            "notes": [LONG, {"a": 1}],
        },
    ),
    Endpoint(
        "employers patch",
        "cde",
        "PATCH",
        "/api/v1/employers/{employer_id}",
        state_employers,
        {},
        {
            "name": [*TEXT, None, "Cave des Papes"],
            "commune": [*EMPTY, LONG, None],
            "siret": SIRETS,
            "size_band": ["12", 5],
            "notes": [LONG],
            "version": ["abc", 10**30, 999],  # 999: stale → 409 with the current file
        },
    ),
    Endpoint(
        "questionnaire answer",
        "cde",
        "PUT",
        "/api/v1/questionnaires/{questionnaire_id}/answers/1",
        state_questionnaire,
        {"choice": ""},
        {
            # "" leaves the question unanswered: a valid answer.
            "choice": [
                "   ",
                "\x00\u200b\u202e",
                LONG,
                42,
                ["a"],
                None,
                MISSING,
                "x" * 61,
                "Peut-être bien",
            ],
            "note": [LONG, "x" * 501, 42, ["a"]],
            "version": ["abc", 10**30, 999],  # 999: stale → 409 with nothing changed
        },
    ),
    Endpoint(
        "questionnaire questions create",
        "manager",
        "POST",
        "/api/v1/questionnaire/questions",
        state_questions,
        NEW_QUESTION,
        {
            "text": [*TEXT, None, MISSING, "x" * 301],
            "hint": [LONG, 42],
            "choices": [
                [],
                ["Oui"],
                ["Oui", "oui"],
                ["x" * 61, "Non"],
                [f"c{i}" for i in range(7)],
                "Oui",
                [1, 2],
                None,
            ],
        },
    ),
    Endpoint(
        "questionnaire questions patch",
        "manager",
        "PATCH",
        "/api/v1/questionnaire/questions/{question_id}",
        state_questions,
        {},
        {
            "text": [*TEXT, None],
            "choices": [["Oui"], None],
            "position": [-1, "premier", True, None],
            "asked": ["oui", 1, None],
            "version": ["abc", 10**30, 999],
        },
    ),
    Endpoint(
        "testimonies create",
        "cdde",
        "POST",
        "/api/v1/testimonies",
        state_testimonies,
        NEW_TESTIMONY,
        {
            "text": [*TEXT, None, MISSING, "x" * 2001],
            "tags": TAG_WORDS,
            "offer_id": [HUGE_ID, 0, "offre", 999_999, True],
            "hire_id": [HUGE_ID, -1, 999_999, [1]],
        },
    ),
    Endpoint(
        "testimonies patch",
        "cdde",
        "PATCH",
        "/api/v1/testimonies/{testimony_id}",
        state_testimonies,
        {},
        {
            "text": [*TEXT, None],
            "tags": TAG_WORDS,
            "offer_id": [HUGE_ID, 999_999],
            "version": ["abc", 10**30, 999],  # 999: stale → 409 with the current one
        },
    ),
    Endpoint(
        "tags rename",
        "manager",
        "PATCH",
        "/api/v1/tags/{tag_slug}",
        state_tags,
        {},
        {
            # « AutreEntrée » folds to another tag's name: a merge, not a rename.
            "name": [*TEXT, "#a b", "x" * 41, "🎉", "AutreEntree", "#autreentrée"],
            "description": [LONG, 42, ["a"]],
            "version": ["abc", 10**30, 999],
        },
    ),
    Endpoint(
        "tags merge",
        "manager",
        "POST",
        "/api/v1/tags/{tag_slug}/merge",
        state_tags,
        {"into": "autreentree"},
        {
            # Into itself (however written), an unknown tag, or no tag at all.
            "into": [*TEXT, None, MISSING, "MauvaiseEntrée", "#mauvaiseentree", "inconnue"],
        },
    ),
    Endpoint(
        "offers create",
        "cde",
        "POST",
        "/api/v1/offers",
        state_offers,
        NEW_OFFER,
        {
            "employer": [*TEXT, None, MISSING],
            "title": [*TEXT, MISSING],
            "contract": ["CDX", "", 1, None, "cdi ", MISSING],
            "commune": TEXT,
            "positions": [*INTEGER, 100],
            "start_date": DATE,
            "tags": [
                "festival",
                ["#a b"],
                ["#"],
                ["#" + "x" * 41],
                [1],
                [f"#t{i}" for i in range(13)],
            ],
            "description": [LONG, 3],
            "staff_note": [LONG, ["note"]],
            "urgency_override": [4, -1, "urgent", 10**30],
            "urgency_override_reason": [LONG],
            "ft_offer_id": ["12", LONG, "abc!def", 123456],
            "is_tpe": ["peut-être", {"x": 1}, [True]],
        },
    ),
    Endpoint(
        "offers create with criteria",
        "cde",
        "POST",
        "/api/v1/offers",
        state_offers,
        {**NEW_OFFER, "criteria": CRITERIA},
        {"criteria": BAD_CRITERIA},
    ),
    Endpoint(
        "offers check",
        "cde",
        "POST",
        "/api/v1/offers/criteria/check",
        state_offers,
        {"contract": "CDD", "criteria": CRITERIA},
        {"criteria": BAD_CRITERIA, "contract": ["CDX", 1, LONG]},
    ),
    Endpoint(
        "offers patch",
        "cde",
        "PATCH",
        "/api/v1/offers/{offer_id}",
        state_offer,
        {},
        {
            "employer": [*TEXT, None],
            "title": [*TEXT, None],
            "contract": ["CDX", None, 7],
            "commune": [*EMPTY, LONG, None],
            "positions": [*INTEGER, 100],
            "start_date": DATE,
            "tags": ["festival", ["#a b"], [None]],
            "description": [LONG],
            "urgency_override": [4, "très urgent", 2],  # 2 without a reason
            "urgency_override_reason": [LONG, 42],
            "criteria": BAD_CRITERIA[:6],
            "version": ["abc", 10**30, 999],  # 999: stale → 409 with the current offer
        },
    ),
    Endpoint(
        "hires create",
        "manager",
        "POST",
        "/api/v1/hires",
        state_hires,
        NEW_HIRE,
        {
            "employer": [*TEXT, MISSING],
            "title": TEXT,
            "story": [LONG, 12],
            "hired_on": [*DATE, None, MISSING],
            "expires_on": DATE,
            "cde_id": [HUGE_ID, 0, -5, "moi", 999_999],
            "cdde_id": [HUGE_ID, 999_999],
            "offer_id": [HUGE_ID, 999_999, "offre"],
            "photo_consent": ["oui", [1]],
        },
    ),
    Endpoint(
        "hires patch",
        "manager",
        "PATCH",
        "/api/v1/hires/{hire_id}",
        state_hires,
        {},
        {
            "employer": [*TEXT, None],
            "story": [LONG],
            "hired_on": [*DATE, None],
            "status": ["archived", "", 1],
            "cde_id": [HUGE_ID, 999_999],
            "version": ["abc", 999],
        },
    ),
    Endpoint(
        "candidates outcome",
        "cde",
        "PUT",
        "/api/v1/offers/{offer_id}/candidates/{candidate_id}",
        state_offer,
        {"outcome": "hired"},
        {"outcome": ["embauché", "", None, 3, LONG, MISSING]},
    ),
    Endpoint(
        "challenges create",
        "manager",
        "POST",
        "/api/v1/challenges",
        state_challenges,
        NEW_CHALLENGE,
        {
            "title": [*TEXT, MISSING],
            "unit": [*EMPTY, LONG],
            "goal": [*INTEGER, 100_001],
            "starts_on": DATE,
            "ends_on": [*DATE, str(TODAY - timedelta(days=10))],
        },
    ),
    Endpoint(
        "challenges patch",
        "manager",
        "PATCH",
        "/api/v1/challenges/{challenge_id}",
        state_challenges,
        {},
        {
            "title": [*EMPTY, LONG, None],
            "unit": [None],
            "goal": [0, 10**30, "dix", None],
            "ends_on": ["2000-01-01", "bientôt"],
            "closed": ["peut-être"],
            "version": [999, "v2"],
        },
    ),
    Endpoint(
        "contributions",
        "cdde",
        "POST",
        "/api/v1/challenges/{challenge_id}/contributions",
        state_challenges,
        {"amount": 1, "label": "Offre pourvue"},
        {"amount": [*INTEGER, 101], "label": [*EMPTY, LONG, ["x"]]},
    ),
    Endpoint(
        "announcements",
        "manager",
        "POST",
        "/api/v1/announcements",
        state_announcements,
        NEW_ANNOUNCEMENT,
        {
            "message": [*TEXT, "x" * 281, MISSING],
            "urgent": ["très", [1]],
            "starts_at": ["hier", "", "2026-02-30T10:00:00", "0001-01-01T00:00:00+14:00"],
            "ends_at": [
                (NOW + timedelta(days=299)).isoformat(),  # before the start
                "9999-12-31T23:59:59-14:00",
                MISSING,
            ],
        },
    ),
    Endpoint(
        "agenda create",
        "manager",
        "POST",
        "/api/v1/agenda/events",
        state_agenda,
        NEW_EVENT,
        {
            "title": [*TEXT, MISSING],
            "kind": ["fête", "", None, 3, MISSING],
            "starts_at": ["hier", "", 0, "2026-02-30T10:00:00", "0001-01-01T00:00:00+14:00"],
            "ends_at": [
                (EVENT_START - timedelta(hours=1)).isoformat(),  # before the start
                (EVENT_START + timedelta(days=3)).isoformat(),  # a weekly event of 3 days
                "9999-12-31T23:59:59-14:00",
                MISSING,
            ],
            "place": [*EMPTY, LONG, 4],
            "capacity": [*(v for v in INTEGER if v is not None), 1001],  # null: no limit
            "recurrence": ["chaque lune", "", 7],
            "repeat_until": [*DATE, "1999-01-01", "9999-12-31"],
            "host_ids": [[HUGE_ID], [0], ["moi"], [999_999], "1", list(range(1, 30))],
            "tag": ["#a b", "#" + "x" * 41, "#", 3, ["#antiplome"]],
        },
    ),
    Endpoint(
        "agenda patch",
        "manager",
        "PATCH",
        "/api/v1/agenda/events/{event_id}",
        state_agenda,
        {},
        {
            "title": [*EMPTY, LONG, None],
            "kind": ["fête", None],
            "capacity": [0, -1, "dix", 10**30],
            "ends_at": [(EVENT_START - timedelta(days=1)).isoformat(), "jamais"],
            "recurrence": ["souvent"],
            "version": ["abc", 10**30, 999],
        },
    ),
    Endpoint(
        "agenda cancellation",
        "manager",
        "POST",
        "/api/v1/agenda/events/{event_id}/cancellation",
        state_agenda,
        {"occurs_on": str(EVENT_START.date()), "cancelled": True},
        {
            "occurs_on": [*DATE, None, MISSING, str(EVENT_START.date() + timedelta(days=1))],
            "cancelled": ["oui", None, 1, MISSING],
        },
    ),
    Endpoint(
        "agenda attendance",
        "cdde",
        "POST",
        "/api/v1/agenda/events/{event_id}/attendance",
        state_agenda,
        {"occurs_on": str(EVENT_START.date())},
        {"occurs_on": [*DATE, 20270101, str(EVENT_START.date() + timedelta(days=2)), "2001-01-05"]},
    ),
    Endpoint(
        "screens create",
        "manager",
        "POST",
        "/api/v1/screens",
        state_screens,
        {"name": "Accueil"},
        {"name": [*TEXT, MISSING], "rotation": [45, "90", -90, None]},
    ),
    Endpoint(
        "screens patch",
        "manager",
        "PATCH",
        "/api/v1/screens/{screen_id}",
        state_screens,
        {},
        {
            "name": [*EMPTY, LONG, None],
            "rotation": [45, "droite", None],
            "playlist": [
                [],
                [{"scene": "météo", "duration_s": 10}],
                [{"scene": "offers", "duration_s": 0}],
                [{"scene": "offers", "duration_s": 10**9}],
                [{"scene": "offers"}],
                "offers",
            ],
            "schedule": [
                [{"weekday": 9, "opens": "08:00", "closes": "17:00"}],
                [{"weekday": 1, "opens": "8h", "closes": "17:00"}],
                {"weekday": 1},
            ],
            "update_window_opens": ["25:00", "2h", "", 200, LONG],
            "update_window_closes": ["02:60", "🌙", True],
            "version": [999],
        },
    ),
    Endpoint(
        "staff create",
        "manager",
        "POST",
        "/api/v1/staff",
        state_staff,
        {
            "name": "Marc Essai",
            "email": "marc.essai@example.fr",
            "role": "cdde",
            "password": "girafe tuba lampe 42",
        },
        {
            "name": [*TEXT, MISSING],
            "email": [
                "",
                "pas-un-email",
                LONG + "@ex.fr",
                "\x00@b\u200b.fr",
                5,
                "lea.test@example.fr",
            ],
            "role": ["boss", "", "admin", "CDE", None],
            "password": [
                "court",
                "",
                "x" * 257,
                None,
                12345678,
                "12345678",
                "password",
                " " * 8,
                MISSING,
            ],
        },
    ),
    Endpoint(
        "staff patch",
        "manager",
        "PATCH",
        "/api/v1/staff/{staff_id}",
        state_staff,
        {},
        {
            "name": [*EMPTY, LONG, None],
            "role": ["boss", "admin", None],
            "active": ["peut-être", [False], None],
            "password": ["court", LONG, "password", " " * 10, "azerty12345"],
            "version": [999, "abc"],
        },
    ),
    Endpoint(
        "heartbeat",
        "screen",
        "POST",
        "/api/v1/display/heartbeat",
        state_screens,
        HEARTBEAT,
        {
            "version": [LONG, None, "1\x00", MISSING],
            "resolution": ["grand", "1920×1080", "", "1x1", LONG],
            "fps": [-1, 1e308, "rapide", None, NAN, INF, -INF],
            "uptime_s": [-1, 2**63, 10**30, "longtemps", 1.5],
            "memory_mb": [-5, 1e12, "beaucoup", NAN],
            "snapshot_etag": [LONG, "\x00", 5],
        },
    ),
    Endpoint(
        "update report",
        "screen",
        "POST",
        "/api/v1/display/update/report",
        state_screens,
        UPDATE_REPORT,
        {
            "running_version": [LONG, "", None, True, "1\x00", MISSING],
            "target_version": [LONG, "", 7, MISSING],
            "result": ["peut-être", 1, None, MISSING],
            "reason": [LONG, 42, ["ok"]],
            "finished_at": [1_700_000_000, "hier", None, "2999-01-01T00:00:00+00:00", MISSING],
        },
    ),
    Endpoint(
        "pairing",
        "manager",
        "POST",
        "/api/v1/screens/pair",
        state_screens,
        {"code": "ABC-DEF", "name": "Salle d'attente"},  # no screen shows this code
        {"code": ["", "AB", LONG, 123456, None], "name": [*TEXT, MISSING]},
    ),
    Endpoint(
        "agencies",
        "admin",
        "POST",
        "/api/v1/agencies",
        state_agencies,
        {"code": "orange-nord", "name": "Orange Nord", "timezone": "Europe/Paris"},
        {
            "code": ["", "Orange Nord", "-x", LONG, "avignon-joly-jean"],
            "name": [*TEXT, MISSING],
            "timezone": ["Mars/Olympus", "", LONG, 1],
        },
    ),
    Endpoint(
        "login",
        "anonymous",
        "POST",
        "/api/v1/auth/token",
        state_staff,
        {"email": "lea.test@example.fr", "password": "lampe tuba girafe 7"},
        {"email": ["", LONG, "a\x00@b.fr", 5, None], "password": ["", LONG, None, 12345678]},
    ),
]

# Requests that are not a JSON body: ids, headers, states.
OTHER: list[Bad] = [
    *[
        Bad(f"offer id {bad}", "cde", "PATCH", f"/api/v1/offers/{bad}", state_offers, json={})
        for bad in ("abc", 0, -1, 2**31, HUGE_ID, "1.5")
    ],
    *[
        Bad(f"hire id {bad}", "manager", "PATCH", f"/api/v1/hires/{bad}", state_hires, json={})
        for bad in ("abc", 0, 2**31, HUGE_ID)
    ],
    *[
        Bad(
            f"photo id {bad}",
            "screen",
            "GET",
            f"/api/v1/display/photos/{bad}",
            state_hires,
        )
        for bad in ("abc", 0, 2**31, HUGE_ID)
    ],
    *[
        Bad(
            f"If-Match {value!r}",
            "cde",
            "PATCH",
            "/api/v1/offers/{offer_id}",
            state_offer,
            json={"title": "Jamais enregistré"},
            headers={"If-Match": value},
        )
        for value in ("abc", 'W/"x"', '"-1"', '"999"', '"1.5"', "*", '"' + "9" * 40 + '"')
    ],
    Bad(
        "delete with a bad If-Match",
        "cde",
        "DELETE",
        "/api/v1/offers/{offer_id}",
        state_offer,
        headers={"If-Match": "pas-un-numero"},
    ),
    Bad(
        "delete with a stale If-Match",
        "cde",
        "DELETE",
        "/api/v1/offers/{offer_id}",
        state_offer,
        headers={"If-Match": '"999"'},
    ),
    Bad(
        "fill with a stale version",
        "cde",
        "POST",
        "/api/v1/offers/{offer_id}/fill",
        state_offer,
        json={"version": 999},
    ),
    Bad(
        "fill with a version of the wrong type",
        "cde",
        "POST",
        "/api/v1/offers/{offer_id}/fill",
        state_offer,
        json={"version": "dernière"},
    ),
    Bad(
        "candidate on a closed offer",
        "cdde",
        "POST",
        "/api/v1/offers/{closed_offer_id}/candidates",
        state_offers,
    ),
    Bad(
        "candidate on an unknown offer",
        "cdde",
        "POST",
        f"/api/v1/offers/{HUGE_ID}/candidates",
        state_offers,
    ),
    Bad(
        "outcome of an unknown candidate",
        "cde",
        "PUT",
        f"/api/v1/offers/{{offer_id}}/candidates/{2**31}",
        state_offer,
        json={"outcome": "hired"},
    ),
    *[
        Bad(
            f"offers filter {name}={value!r}",
            "cde",
            "GET",
            f"/api/v1/offers?{name}={value}",
            state_offers,
        )
        for name, value in (
            ("status", "bientôt"),
            ("urgency", "panique"),
            ("owner", HUGE_ID),
            ("owner", "moi"),
            ("tag", LONG),
            ("q", LONG),
        )
    ],
    *[
        Bad(f"journal {query}", "manager", "GET", f"/api/v1/audit?{query}", state_staff)
        for query in (f"actor={HUGE_ID}", "limit=0", "limit=100000", "offset=-1", "entity=a%00b")
    ],
    *[
        Bad(
            f"France Travail number {label}",
            "cde",
            "POST",
            f"/api/v1/offers/francetravail/{number}/preview",
            state_offers,
        )
        for label, number in (
            ("too short", "1234"),
            ("10,000 characters", LONG),
            ("emoji", "186X🥖JK"),
            ("with a space", "186%20XWJK"),
            ("a path", "..%2F..%2Fadmin"),
            ("an encoded slash", "186XWJK%2Fsearch"),
        )
    ],
    Bad(
        "pairing poll with an unknown secret",
        "anonymous",
        "GET",
        "/api/v1/display/pairings/" + "x" * 40,
        state_screens,
    ),
    Bad(
        "pairing poll with a huge secret",
        "anonymous",
        "GET",
        "/api/v1/display/pairings/" + "x" * 5000,
        state_screens,
    ),
    Bad(
        "a screenshot that is not a PNG",
        "screen",
        "PUT",
        "/api/v1/display/screenshot",
        state_screens,
        content=b"GIF89a not a png",
    ),
]

ALL_CASES = [case for endpoint in ENDPOINTS for case in endpoint.cases()] + OTHER


def assert_clear_refusal(response: httpx.Response) -> None:
    """A 4xx with a JSON ``detail`` that says why, and nothing of the server's insides."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:500])
    body = response.json()
    assert body.get("detail"), body
    assert "Traceback" not in response.text and 'File "' not in response.text


@pytest.fixture(scope="module")
def read_last() -> dict[Callable[[World], object], object]:
    """What each state reader read after the previous refusal, which must still hold."""
    return {}


@pytest.mark.parametrize("case", ALL_CASES, ids=[case.label for case in ALL_CASES])
def test_bad_input_is_refused_with_a_reason_and_loses_nothing(
    world: World, case: Bad, read_last: dict[Callable[[World], object], object]
) -> None:
    # Cases run one after another and each leaves the state as it found it, so the state read
    # after the previous refusal of the same kind is this one's "before" (half the reads).
    before = read_last.pop(case.state, None)
    if before is None:
        before = case.state(world)
    response = case.send(world)
    assert_clear_refusal(response)
    after = case.state(world)
    assert after == before
    read_last[case.state] = after


def test_a_stale_version_answers_409_with_the_current_state(world: World) -> None:
    cde = world.clients["cde"]
    current = cde.get(f"/api/v1/offers/{world.offer_id}").json()
    response = cde.patch(
        f"/api/v1/offers/{world.offer_id}", json={"title": "Autre"}, headers={"If-Match": '"999"'}
    )
    assert response.status_code == 409
    assert response.json()["current"]["title"] == current["title"]
    assert response.json()["current"]["version"] == current["version"]


def test_a_stale_employer_edit_answers_409_with_the_current_file(world: World) -> None:
    cde, manager = world.clients["cde"], world.clients["manager"]
    path = f"/api/v1/employers/{world.ids['employer_id']}"
    read = cde.get(path)
    etag = read.headers["etag"]
    saved = manager.patch(path, json={"notes": "Vu lundi."}, headers={"If-Match": etag})
    assert saved.status_code == 200, saved.text
    stale = cde.patch(path, json={"notes": "Écrasée ?"}, headers={"If-Match": etag})
    assert stale.status_code == 409
    assert stale.json()["current"]["notes"] == "Vu lundi."
    assert stale.json()["current"]["version"] == saved.json()["version"]
    assert cde.get(path).json()["employer"]["notes"] == "Vu lundi."


def test_validation_errors_name_the_field(world: World) -> None:
    response = world.clients["cde"].post("/api/v1/offers", json={**NEW_OFFER, "positions": 500})
    assert response.status_code == 422
    assert ["body", "positions"] in [reason["loc"] for reason in response.json()["detail"]]


def test_domain_errors_are_in_french(world: World) -> None:
    response = world.clients["cdde"].post(f"/api/v1/offers/{world.closed_offer_id}/candidates")
    assert response.status_code == 409
    assert "offre" in response.json()["detail"].lower()
    unknown = world.clients["cde"].get(f"/api/v1/offers/{2**31 - 1}")
    assert unknown.status_code == 404 and unknown.json()["detail"] == "Offre introuvable"


# --- emoji and accents within the limits are kept as given ------------------------------------


@dataclass(frozen=True)
class Accepts:
    label: str
    role: str
    method: str
    path: str
    body: dict[str, Any]
    read: Callable[[World, dict[str, Any]], Any]  # the stored value, from the answer or a GET
    expected: Any


def _from_answer(key: str) -> Callable[[World, dict[str, Any]], Any]:
    return lambda _w, answer: answer[key]


def _offer_read(key: str) -> Callable[[World, dict[str, Any]], Any]:
    return lambda w, answer: w.clients["cde"].get(f"/api/v1/offers/{answer['id']}").json()[key]


def _hire_read(key: str) -> Callable[[World, dict[str, Any]], Any]:
    return lambda w, answer: w.clients["manager"].get(f"/api/v1/hires/{answer['id']}").json()[key]


def _listed(path: str, key: str, role: str = "manager") -> Callable[[World, dict[str, Any]], Any]:
    def read(w: World, answer: dict[str, Any]) -> Any:
        rows = w.clients[role].get(path).json()
        return next(row for row in rows if row["id"] == answer["id"])[key]

    return read


def _update_read(key: str) -> Callable[[World, dict[str, Any]], Any]:
    def read(w: World, _answer: dict[str, Any]) -> Any:
        screens = w.clients["manager"].get("/api/v1/screens").json()
        return next(s for s in screens if s["id"] == w.screen_id)["last_update"][key]

    return read


def _heartbeat_read(w: World, _answer: dict[str, Any]) -> Any:
    screens = w.clients["manager"].get("/api/v1/screens").json()
    return next(s for s in screens if s["id"] == w.screen_id)["reported_version"]


STORY = "Première embauche 🎉 chez « Le Fournil » : Zoë a commencé lundi 👩‍🍳\nMerci à tous ! ❤️"
WORDS = "Immersion 🎉 au « Fournil » plutôt qu'un entretien 👩‍🍳\nÀ refaire ! ❤️"
ACCEPTED = [
    Accepts("chantier title", "manager", "POST", "/api/v1/chantiers",
            {**NEW_CHANTIER, "title": "Job dating 🍇 « vendanges »", "note": "Élodie 👋 s'en occupe"},
            _from_answer("title"), "Job dating 🍇 « vendanges »"),
    Accepts("chantier note", "manager", "PATCH", "/api/v1/chantiers/{chantier_id}",
            {"note": "Réunion 🤝 le 3"}, _listed("/api/v1/chantiers", "note"), "Réunion 🤝 le 3"),
    Accepts("testimony text", "cdde", "POST", "/api/v1/testimonies",
            {"text": WORDS}, _from_answer("text"), WORDS),
    Accepts("testimony tags", "cdde", "POST", "/api/v1/testimonies",
            {"text": "Vu au forum.", "tags": ["#été☀️", "#Débutant"]},
            lambda _w, answer: [t["name"] for t in answer["tags"]], ["été☀️", "Débutant"]),
    Accepts("offer employer", "cde", "POST", "/api/v1/offers", {**NEW_OFFER, "employer": EMOJI},
            _offer_read("employer"), EMOJI),
    Accepts("offer employer of 200 emoji", "cde", "POST", "/api/v1/offers",
            {**NEW_OFFER, "employer": "🥖" * 200}, _offer_read("employer"), "🥖" * 200),
    Accepts("offer title", "cde", "POST", "/api/v1/offers",
            {**NEW_OFFER, "title": "Pâtissier·ère 🍰"}, _offer_read("title"), "Pâtissier·ère 🍰"),
    Accepts("offer commune", "cde", "POST", "/api/v1/offers",
            {**NEW_OFFER, "commune": "L'Isle-sur-la-Sorgue ⛲"}, _offer_read("commune"),
            "L'Isle-sur-la-Sorgue ⛲"),
    Accepts("offer description", "cde", "POST", "/api/v1/offers",
            {**NEW_OFFER, "description": STORY}, _offer_read("description"), STORY),
    Accepts("offer tags", "cde", "POST", "/api/v1/offers",
            {**NEW_OFFER, "tags": ["#été☀️", "#Débutant"]}, _offer_read("tags"),
            ["#été☀️", "#Débutant"]),
    Accepts("offer urgency reason", "cde", "POST", "/api/v1/offers",
            {**NEW_OFFER, "urgency_override": 3, "urgency_override_reason": "Ouverture 🔥 lundi"},
            _offer_read("urgency_override_reason"), "Ouverture 🔥 lundi"),
    Accepts("offer script tag", "cde", "POST", "/api/v1/offers",
            {**NEW_OFFER, "employer": "<script>alert(1)</script>"}, _offer_read("employer"),
            "<script>alert(1)</script>"),
    Accepts("offer criteria", "cde", "POST", "/api/v1/offers",
            {**NEW_OFFER, "criteria": {"must_haves": ["Permis 🚗 B", "Anglais « courant »"]}},
            lambda w, answer: _offer_read("criteria")(w, answer)["must_haves"],
            ["Permis 🚗 B", "Anglais « courant »"]),
    Accepts("offer patch", "cde", "PATCH", "/api/v1/offers/{offer_id}", {"staff_note": STORY},
            _offer_read("staff_note"), STORY),
    Accepts("employer name", "cde", "POST", "/api/v1/employers",
            {"name": "Épicerie 🥕 Zoë", "commune": "L'Isle-sur-la-Sorgue ⛲", "notes": STORY},
            _from_answer("name"), "Épicerie 🥕 Zoë"),
    Accepts("employer notes", "cde", "PATCH", "/api/v1/employers/{employer_id}",
            {"notes": STORY, "contact": "Standard ☎️ le matin"}, _from_answer("notes"), STORY),
    Accepts("hire story", "manager", "POST", "/api/v1/hires",
            {**NEW_HIRE, "employer": EMOJI, "story": STORY}, _hire_read("story"), STORY),
    Accepts("hire patch", "manager", "PATCH", "/api/v1/hires/{hire_id}",
            {"title": "Caviste 🍷"}, _hire_read("title"), "Caviste 🍷"),
    Accepts("challenge title", "manager", "POST", "/api/v1/challenges",
            {**NEW_CHALLENGE, "title": "Défi 🏆 TPE", "unit": "offres 🥐"},
            _listed("/api/v1/challenges", "title"), "Défi 🏆 TPE"),
    Accepts("contribution label", "cdde", "POST", "/api/v1/challenges/{challenge_id}/contributions",
            {"amount": 2, "label": "Forum emploi 🤝"}, _from_answer("label"), "Forum emploi 🤝"),
    Accepts("announcement", "manager", "POST", "/api/v1/announcements",
            {**NEW_ANNOUNCEMENT, "message": "Galette des rois 👑 à 16 h !"},
            _listed("/api/v1/announcements", "message"), "Galette des rois 👑 à 16 h !"),
    Accepts("agenda title", "manager", "POST", "/api/v1/agenda/events",
            {**NEW_EVENT, "title": "Petit-déj 🥐 « pratiques »", "place": "Salle 🌿 Durance"},
            _from_answer("title"), "Petit-déj 🥐 « pratiques »"),
    Accepts("screen name", "manager", "POST", "/api/v1/screens", {"name": "Écran 📺 accueil"},
            _listed("/api/v1/screens", "name"), "Écran 📺 accueil"),
    Accepts("staff name", "manager", "POST", "/api/v1/staff",
            {"name": "Anaïs Nguyễn 🌸", "email": "anais@example.fr", "role": "cdde",
             "password": "mot de passe 🔑 long"},
            _listed("/api/v1/staff", "name"), "Anaïs Nguyễn 🌸"),
    Accepts("update report reason", "screen", "POST", "/api/v1/display/update/report",
            {**UPDATE_REPORT, "reason": "Échec 😬 : « 9.9.0 » ne démarre pas"},
            _update_read("reason"), "Échec 😬 : « 9.9.0 » ne démarre pas"),
    Accepts("heartbeat version", "screen", "POST", "/api/v1/display/heartbeat",
            {**HEARTBEAT, "version": "1.2 β"}, _heartbeat_read, "1.2 β"),
]  # fmt: skip


@pytest.mark.parametrize("case", ACCEPTED, ids=[case.label for case in ACCEPTED])
def test_emoji_and_accents_are_accepted_and_stored_as_given(world: World, case: Accepts) -> None:
    path = case.path.format(**vars(world) | world.ids)
    response = world.clients[case.role].request(case.method, path, json=case.body)
    assert response.status_code in (200, 201, 204), response.text
    answer = response.json() if response.content else {}
    assert case.read(world, answer) == case.expected


def test_an_emoji_password_logs_in(world: World) -> None:
    """The staff account created with an emoji password above can log in with it."""
    manager = world.clients["manager"]
    body = {"name": "Jo Émoji", "email": "jo.emoji@example.fr", "role": "cdde"}
    manager.post(
        "/api/v1/staff", json={**body, "password": "🔑🌵🚲🍋🎈🦔🧭🪁🍄🐙"}
    ).raise_for_status()
    login = world.clients["anonymous"].post(
        "/api/v1/auth/token",
        json={"email": "JO.EMOJI@example.fr ", "password": "🔑🌵🚲🍋🎈🦔🧭🪁🍄🐙"},
    )
    assert login.status_code == 200


def test_a_script_tag_as_employer_is_escaped_on_the_offer_page(world: World) -> None:
    cde = world.clients["cde"]
    offer = cde.post(
        "/api/v1/offers", json={**NEW_OFFER, "employer": "<script>alert(1)</script>"}
    ).json()
    page = httpx.get(f"{world.server.url}/o/{offer['code']}", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_the_server_logged_no_unexpected_error(world: World) -> None:
    """Runs last in this module: none of the requests above reached the 500 handler."""
    log = world.server.log_path.read_text(errors="replace")
    assert "unexpected error" not in log and "Exception in ASGI application" not in log, log[-3000:]
