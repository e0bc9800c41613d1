"""« J'ai un candidat » and offers for several positions over HTTP, against a live server.

The rules themselves are tested in-process in tests/services/test_candidates.py and
tests/services/test_positions.py; here: status codes, French reasons, the documented schema.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.support.server import LiveServer

NEW = {
    "employer": "Cave Coopérative",
    "title": "Caviste",
    "contract": "CDD",
    "commune": "Bédarrides",
}


@pytest.fixture(scope="module")
def cde(module_server: LiveServer):  # type: ignore[no-untyped-def]
    with module_server.client("cde") as client:
        yield client


@pytest.fixture(scope="module")
def cdde(module_server: LiveServer):  # type: ignore[no-untyped-def]
    with module_server.client("cdde") as client:
        yield client


def _offer(cde: httpx.Client, **fields: object) -> dict:  # type: ignore[type-arg]
    response = cde.post("/api/v1/offers", json={**NEW, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def _count(cde: httpx.Client, offer: dict) -> int:  # type: ignore[type-arg]
    return cde.get(f"/api/v1/offers/{offer['id']}").json()["candidates_count"]


def test_a_second_tap_answers_200_with_the_first_proposal(
    cde: httpx.Client, cdde: httpx.Client
) -> None:
    offer = _offer(cde)
    url = f"/api/v1/offers/{offer['id']}/candidates"
    first = cdde.post(url, json={"note": "Motivée, permis B"})
    assert first.status_code == 201, first.text
    assert first.json()["note"] == "Motivée, permis B" and first.json()["withdrawable"]
    again = cdde.post(url)  # no body at all, as before this change
    assert again.status_code == 200 and again.json() == first.json()
    assert _count(cde, offer) == 1
    another = cdde.post(url, json={"another": True})
    assert another.status_code == 201 and another.json()["id"] != first.json()["id"]
    assert _count(cde, offer) == 2
    listed = cde.get(url).json()
    assert [c["note"] for c in listed] == ["Motivée, permis B", None]


def test_two_taps_at_the_same_moment_make_one_proposal(
    module_server: LiveServer, cde: httpx.Client
) -> None:
    offer = _offer(cde)
    url = f"/api/v1/offers/{offer['id']}/candidates"
    token = module_server.token("cdde")

    def tap(_: int) -> httpx.Response:
        with httpx.Client(
            base_url=module_server.url, headers={"Authorization": f"Bearer {token}"}
        ) as client:
            return client.post(url)

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(tap, range(4)))
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 201]
    assert len({a.json()["id"] for a in answers}) == 1
    assert _count(cde, offer) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"note": "x" * 10_000}, "note"),
        ({"note": "x" * 201}, "note"),
        ({"note": 12}, "note"),
        ({"another": "oui"}, "another"),
        ({"another": 1}, "another"),
    ],
    ids=["10000-chars", "201-chars", "number", "text-flag", "number-flag"],
)
def test_bad_input_is_refused_in_french_and_nothing_is_proposed(
    cde: httpx.Client,
    cdde: httpx.Client,
    body: dict,
    field: str,  # type: ignore[type-arg]
) -> None:
    offer = _offer(cde)
    response = cdde.post(f"/api/v1/offers/{offer['id']}/candidates", json=body)
    assert response.status_code == 422, response.text
    [reason] = response.json()["detail"]
    assert reason["loc"] == ["body", field]
    assert any(word in reason["msg"] for word in ("caractères", "attendu", "booléen", "texte"))
    assert _count(cde, offer) == 0


def test_an_emoji_note_is_kept(cde: httpx.Client, cdde: httpx.Client) -> None:
    offer = _offer(cde)
    response = cdde.post(f"/api/v1/offers/{offer['id']}/candidates", json={"note": "Top 👍"})
    assert response.status_code == 201 and response.json()["note"] == "Top 👍"


def test_the_proposer_withdraws_until_the_cde_acts(
    module_server: LiveServer, cde: httpx.Client, cdde: httpx.Client
) -> None:
    offer = _offer(cde)
    url = f"/api/v1/offers/{offer['id']}/candidates"
    kept = cdde.post(url).json()
    gone = cdde.post(url, json={"another": True}).json()
    with module_server.client("manager") as manager:
        refused = manager.delete(f"{url}/{gone['id']}")
    assert refused.status_code == 403
    assert (
        refused.json()["detail"]
        == "Seule la personne qui a proposé ce candidat peut retirer sa proposition."
    )
    withdrawn = cdde.delete(f"{url}/{gone['id']}")
    assert withdrawn.status_code == 204 and withdrawn.content == b""
    assert _count(cde, offer) == 1
    assert cdde.delete(f"{url}/{gone['id']}").status_code == 404
    cde.put(f"{url}/{kept['id']}", json={"outcome": "interview"})
    late = cdde.delete(f"{url}/{kept['id']}")
    assert late.status_code == 409
    assert "déjà donné une suite à ce candidat (entretien)" in late.json()["detail"]
    assert _count(cde, offer) == 1
    [listed] = cde.get(url).json()
    assert listed["withdrawable"] is False
    other = _offer(cde)
    assert cdde.delete(f"/api/v1/offers/{other['id']}/candidates/{kept['id']}").status_code == 422
    with module_server.client("manager") as manager:
        events = manager.get("/api/v1/audit", params={"entity": "candidateproposal"}).json()
    assert "withdraw" in [e["action"] for e in events if e["entity_id"] == gone["id"]]


def test_two_positions_are_filled_one_by_one(cde: httpx.Client) -> None:
    offer = _offer(cde, positions=2)
    assert (offer["positions_filled"], offer["positions_label"]) == (0, "2 postes")
    first = cde.post(f"/api/v1/offers/{offer['id']}/fill")
    assert first.status_code == 200, first.text
    assert (first.json()["status"], first.json()["positions_filled"]) == ("open", 1)
    assert first.json()["positions_label"] == "1 poste sur 2 pourvu"
    listed = cde.get("/api/v1/offers", params={"status": "open"}).json()
    assert any(o["id"] == offer["id"] for o in listed)
    shrink = cde.patch(f"/api/v1/offers/{offer['id']}", json={"positions": 1})
    assert shrink.status_code == 422 and "clôturez l'offre" in shrink.json()["detail"]
    last = cde.post(f"/api/v1/offers/{offer['id']}/fill").json()
    assert (last["status"], last["positions_filled"]) == ("filled", 2)
    assert last["positions_label"] == "2 postes sur 2 pourvus"
    again = cde.post(f"/api/v1/offers/{offer['id']}/fill")
    assert again.status_code == 409 and again.json()["detail"] == "L'offre est déjà pourvue."


def test_the_documentation_tells_both_answers_and_the_withdrawal(cde: httpx.Client) -> None:
    schema = cde.get("/openapi.json").json()
    propose = schema["paths"]["/api/v1/offers/{offer_id}/candidates"]["post"]
    assert propose["summary"] == "Proposer un candidat (« J'ai un candidat »)"
    assert {"200", "201"} <= set(propose["responses"])
    assert "10 minutes" in propose["responses"]["200"]["description"]
    body = schema["components"]["schemas"]["CandidateCreate"]["properties"]
    assert "Proposer un autre candidat" in body["another"]["description"]
    assert "donnée personnelle" in body["note"]["description"]
    withdraw = schema["paths"]["/api/v1/offers/{offer_id}/candidates/{candidate_id}"]["delete"]
    assert withdraw["summary"] == "Retirer sa proposition de candidat"
    assert "409" in withdraw["description"]
    offer = schema["components"]["schemas"]["OfferPublic"]["properties"]
    assert "pourvus" in offer["positions_filled"]["description"]
