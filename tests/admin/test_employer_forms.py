"""Bad input on the employer and questionnaire forms, over HTTP: a French message by the field,
a 4xx, never a 500, and nothing saved is lost; emoji and accents within the limits are kept."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.server import LiveServer

LONG = "x" * 10_000


class Pages(httpx.Client):
    """A browser-like client of the staff pages, logged in, posting with its CSRF token."""

    csrf = ""

    def form(self, path: str, data: dict[str, str]) -> httpx.Response:
        return self.post(path, data={**data, "csrf_token": self.csrf})


def _login(server: LiveServer, role: str) -> Pages:
    email, password = server.accounts[role]
    client = Pages(base_url=server.url, timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/admin/connexion").text)
    assert token
    answer = client.post(
        "/admin/connexion", data={"email": email, "password": password, "csrf_token": token[1]}
    )
    assert answer.status_code == 303
    page = client.get("/admin/employeurs/nouvelle" if role != "cdde" else "/admin/menu").text
    client.csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]  # type: ignore[index]
    return client


@pytest.fixture(scope="module")
def cde(module_server: LiveServer) -> Iterator[Pages]:
    client = _login(module_server, "cde")
    yield client
    client.close()


@pytest.fixture(scope="module")
def manager(module_server: LiveServer) -> Iterator[Pages]:
    client = _login(module_server, "manager")
    yield client
    client.close()


@pytest.fixture(scope="module")
def garage(module_server: LiveServer) -> dict[str, Any]:
    with module_server.client("cde") as api:
        return api.get("/api/v1/employers", params={"q": "garage mistral"}).json()[0]


def _file(server: LiveServer, employer_id: int) -> dict[str, Any]:
    with server.client("cde") as api:
        return api.get(f"/api/v1/employers/{employer_id}").json()


GOOD = {"name": "Fournil des Carmes", "commune": "Avignon", "siret": "", "sector": "",
        "size_band": "", "contact": "", "notes": ""}  # fmt: skip
BAD_EDITS = [
    ("name", "", "obligatoire"),
    ("name", "\u200b\u202e", "obligatoire"),
    ("name", LONG, "200 caractères"),
    ("name", "GARAGE MISTRAL AUTO SARL", "existe déjà"),
    ("commune", "   ", "obligatoire"),
    ("siret", "732 829 320 00075", "clé de contrôle"),
    ("siret", "7328293200007", "14 chiffres"),
    ("siret", LONG, "caractères au maximum"),
    ("size_band", "12", "Choix inconnu"),
    ("notes", LONG, "4000 caractères"),
    ("contact", LONG, "300 caractères"),
]


@pytest.mark.parametrize(
    ("field", "value", "said"), BAD_EDITS, ids=[f"{f}={v[:20]!r}" for f, v, _ in BAD_EDITS]
)
def test_a_bad_employer_form_says_why_by_the_field_and_loses_nothing(  # type: ignore[no-untyped-def]
    cde, module_server, field: str, value: str, said: str
) -> None:
    answer = cde.form("/admin/employeurs/nouvelle", {**GOOD, field: value})
    assert answer.status_code == 422, answer.status_code
    error = re.search(rf'<p class="error" id="e-{field}">([^<]+)</p>', answer.text)
    assert error and said in error[1], answer.text[:2000]
    with module_server.client("cde") as api:
        assert not api.get("/api/v1/employers", params={"q": "fournil des carmes"}).json()


def test_emoji_and_accents_are_kept_on_an_employer_file(cde, module_server, garage) -> None:  # type: ignore[no-untyped-def]
    before = _file(module_server, garage["id"])["employer"]
    notes = "Très bon accueil 🤝 « à l'atelier »\nRappeler en janvier ❄️"
    answer = cde.form(
        f"/admin/employeurs/{garage['id']}/modifier",
        {
            **{k: str(before[k] or "") for k in GOOD},
            "notes": notes,
            "version": str(before["version"]),
        },
    )
    assert answer.status_code == 303, answer.text[:2000]
    assert _file(module_server, garage["id"])["employer"]["notes"] == notes


def test_a_bad_answer_or_a_long_note_is_refused_and_loses_nothing(  # type: ignore[no-untyped-def]
    cde, module_server, garage
) -> None:
    started = cde.form(f"/admin/employeurs/{garage['id']}/questionnaire", {})
    assert started.status_code == 303
    step = started.headers["location"]
    for body, said in (
        ({"choice": "Peut-être"}, "Choisissez une des réponses proposées."),
        ({"choice": "Oui", "note": LONG}, "500 caractères au maximum"),
        ({"choice": ""}, "Choisissez une réponse"),
    ):
        answer = cde.form(step, body)
        assert answer.status_code == 422
        assert said in answer.text.replace("&#39;", "'")
    answer = cde.form(step, {"choice": "Oui", "note": "Vu avec le chef d'atelier 🔧"})
    assert answer.status_code == 303 and answer.headers["location"].endswith("/2")
    assert cde.form(step.removesuffix("/1") + "/99", {"choice": "Oui"}).status_code == 404
    taken = [
        q for q in _file(module_server, garage["id"])["questionnaires"] if not q["completed_at"]
    ]
    assert taken[0]["answers"][0] == {
        "question": taken[0]["answers"][0]["question"],
        "choice": "Oui",
        "note": "Vu avec le chef d'atelier 🔧",
    }


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({"text": "", "choices": "Oui\nNon"}, "obligatoire"),
        ({"text": LONG, "choices": "Oui\nNon"}, "300 caractères"),
        ({"text": "Une question", "choices": "Oui"}, "De 2 à 6 réponses"),
        ({"text": "Une question", "choices": "Oui\noui"}, "De 2 à 6 réponses"),
        ({"text": "Une question", "choices": "\n".join(f"R{i}" for i in range(7))}, "De 2 à 6"),
    ],
    ids=["empty", "long", "one-choice", "same-choices", "seven-choices"],
)
def test_a_bad_question_is_refused_in_french(manager, body: dict[str, str], said: str) -> None:  # type: ignore[no-untyped-def]
    before = manager.get("/admin/questionnaire-ethique").text.count('class="card"')
    answer = manager.form("/admin/questionnaire-ethique", body)
    assert answer.status_code == 422
    assert said in answer.text
    assert manager.get("/admin/questionnaire-ethique").text.count('class="card"') == before
