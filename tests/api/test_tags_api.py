"""Tags and testimonies over HTTP on the demo agency: suggestions without accents, a tag's
crossing, a manager's rename and merge, who edits a testimony, and the screen's first tag.

The rules themselves are tested in-process in tests/services/test_tags.py; roles × routes and
bad input in tests/security/ and tests/api/test_bad_input.py.
"""

from __future__ import annotations

import httpx
import pytest

from api.contract import SNAPSHOT_PATH
from tests.support.server import LiveServer


@pytest.fixture(scope="module")
def clients(module_server: LiveServer):  # type: ignore[no-untyped-def]
    made = {role: module_server.client(role) for role in ("cde", "cdde", "manager")}
    made["screen"] = module_server.screen_client()
    yield made
    for client in made.values():
        client.close()


def test_suggestions_find_a_tag_without_its_accents(clients: dict[str, httpx.Client]) -> None:
    found = clients["cdde"].get("/api/v1/tags", params={"q": "antiplome"}).json()
    assert [t["name"] for t in found] == ["antiplôme"]
    assert found[0]["slug"] == "antiplome" and found[0]["description"]
    assert found[0]["offers_count"] > 0 and found[0]["testimonies_count"] > 0
    assert clients["cdde"].get("/api/v1/tags", params={"q": "ANTI"}).json() == found
    assert clients["cdde"].get("/api/v1/tags", params={"q": "zzz"}).json() == []
    assert clients["cdde"].get("/api/v1/tags", params={"q": "x" * 101}).status_code == 422


def test_a_tag_crosses_open_offers_hires_and_testimonies(clients: dict[str, httpx.Client]) -> None:
    crossing = clients["cdde"].get("/api/v1/tags/antiplome").json()
    assert crossing["tag"]["name"] == "antiplôme"
    assert crossing["offers"] and all(o["status"] == "open" for o in crossing["offers"])
    assert all("#antiplôme" in o["tags"] for o in crossing["offers"])
    assert crossing["hires"] and all(
        "antiplome" in [t["slug"] for t in h["tags"]] for h in crossing["hires"]
    )
    assert crossing["testimonies"] and crossing["testimonies"][0]["author"]["name"]
    # Typed loosely, the same tag; unknown or absurd, 404 / 422.
    assert clients["cdde"].get("/api/v1/tags/Antiplôme").json()["tag"] == crossing["tag"]
    assert clients["cdde"].get("/api/v1/tags/inconnue").status_code == 404
    assert clients["cdde"].get("/api/v1/tags/" + "x" * 10_000).status_code in (414, 422)


def test_an_offer_typed_without_accents_joins_the_tag(clients: dict[str, httpx.Client]) -> None:
    body = {"employer": "Fournil Test", "title": "Boulanger", "contract": "CDI", "commune": "Apt"}
    offer = clients["cde"].post("/api/v1/offers", json={**body, "tags": ["ANTIPLOME"]}).json()
    assert offer["tags"] == ["#antiplôme"]
    codes = [o["code"] for o in clients["cdde"].get("/api/v1/tags/antiplome").json()["offers"]]
    assert offer["code"] in codes


def test_only_a_manager_renames_and_merges(clients: dict[str, httpx.Client]) -> None:
    cde, manager = clients["cde"], clients["manager"]
    body = {"employer": "Garage Test", "title": "Carrossier", "contract": "CDI", "commune": "Apt"}
    offer = cde.post("/api/v1/offers", json={**body, "tags": ["#Carrosserie", "#sansCV"]}).json()
    assert cde.patch("/api/v1/tags/carrosserie", json={"name": "Tôlerie"}).status_code == 403
    renamed = manager.patch("/api/v1/tags/carrosserie", json={"name": "#Tôlerie"})
    assert renamed.status_code == 200 and renamed.json()["slug"] == "tolerie"
    assert renamed.headers["ETag"] == '"2"'
    stale = manager.patch(
        "/api/v1/tags/tolerie", json={"description": "x"}, headers={"If-Match": '"1"'}
    )
    assert stale.status_code == 409
    assert cde.get(f"/api/v1/offers/{offer['id']}").json()["tags"] == ["#Tôlerie", "#sansCV"]
    taken = manager.patch("/api/v1/tags/tolerie", json={"name": "SANSCV"})
    assert taken.status_code == 422 and "fusionnez" in taken.json()["detail"]
    itself = manager.post("/api/v1/tags/tolerie/merge", json={"into": "Tolérie"})
    assert itself.status_code == 422 and "elle-même" in itself.json()["detail"]
    assert cde.post("/api/v1/tags/tolerie/merge", json={"into": "sanscv"}).status_code == 403
    merged = manager.post("/api/v1/tags/tolerie/merge", json={"into": "sanscv"})
    assert merged.status_code == 200 and merged.json()["name"] == "sansCV"
    assert cde.get(f"/api/v1/offers/{offer['id']}").json()["tags"] == ["#sansCV"]
    assert cde.get("/api/v1/tags/tolerie").status_code == 404


def test_its_author_or_a_manager_edits_a_testimony(clients: dict[str, httpx.Client]) -> None:
    cdde, cde, manager = clients["cdde"], clients["cde"], clients["manager"]
    written = cdde.post("/api/v1/testimonies", json={"text": "Ce qui a marché.", "tags": ["x1"]})
    assert written.status_code == 201
    path = f"/api/v1/testimonies/{written.json()['id']}"
    refused = cde.patch(path, json={"text": "Pas le mien."})
    assert refused.status_code == 403 and "auteur" in refused.json()["detail"]
    assert cdde.patch(path, json={"text": "Précisé."}).json()["version"] == 2
    assert manager.patch(path, json={"text": "Modéré."}).json()["text"] == "Modéré."
    assert cde.delete(path).status_code == 403
    assert cdde.delete(path).status_code == 204
    assert cdde.get(path).status_code == 404


def test_the_screen_gets_each_offer_s_first_tag(clients: dict[str, httpx.Client]) -> None:
    snapshot = clients["screen"].get(SNAPSHOT_PATH).json()
    tagged = [o for o in snapshot["offers"] if o["tags"]]
    assert tagged and all(o["first_tag"] == o["tags"][0] for o in tagged)
    assert all(o["first_tag"] is None for o in snapshot["offers"] if not o["tags"])
