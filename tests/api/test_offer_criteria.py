"""An offer's criteria over HTTP and the « mouton à 5 pattes » check: saved, edited, checked
while typing, and never sent to the corridor screen."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.support.server import LiveServer

NEW = {"employer": "Plomberie Rhône", "title": "Plombier", "contract": "CDD", "commune": "Avignon"}
PLUMBER = {
    "experience_years": 10,
    "pay_from": 1801.8,
    "pay_to": 1823.07,
    "pay_period": "month",
    "weekly_hours": 35,
    "driving_licence": True,
    "must_haves": ["Soudure cuivre", "Habilitation gaz", "Disponible le samedi"],
}


@pytest.fixture(scope="module")
def cde(module_server: LiveServer):  # type: ignore[no-untyped-def]
    with module_server.client("cde") as client:
        yield client


def test_criteria_are_saved_read_back_replaced_and_cleared(cde: httpx.Client) -> None:
    created = cde.post("/api/v1/offers", json={**NEW, "criteria": PLUMBER})
    assert created.status_code == 201, created.text
    offer = created.json()
    assert offer["criteria"] == {**PLUMBER, "diploma": None, "weekly_hours": 35.0}
    read = cde.get(f"/api/v1/offers/{offer['id']}").json()
    assert read["criteria"] == offer["criteria"]
    # An edit replaces the whole block; null clears it; an edit without it keeps it.
    edited = cde.patch(
        f"/api/v1/offers/{offer['id']}", json={"criteria": {"experience_years": 0}}
    ).json()
    assert edited["criteria"]["experience_years"] == 0 and edited["criteria"]["pay_to"] is None
    kept = cde.patch(f"/api/v1/offers/{offer['id']}", json={"title": "Plombier·ère"}).json()
    assert kept["criteria"] == edited["criteria"]
    cleared = cde.patch(f"/api/v1/offers/{offer['id']}", json={"criteria": None}).json()
    assert cleared["criteria"] is None
    # Criteria with nothing in them are no criteria.
    empty = cde.post("/api/v1/offers", json={**NEW, "criteria": {"must_haves": []}}).json()
    assert empty["criteria"] is None


def test_the_check_explains_while_typing_with_the_smic_and_its_date(cde: httpx.Client) -> None:
    answer = cde.post(
        "/api/v1/offers/criteria/check", json={"contract": "CDD", "criteria": PLUMBER}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["hard_to_fill"] is True
    assert body["smic_hourly"] == 12.02 and body["smic_since"] == "2026-01-01"
    rules = [f["rule"] for f in body["findings"]]
    assert rules == ["smic_for_experience", "many_requirements", "short_contract_for_experts"]
    first = body["findings"][0]["text"]
    assert "10 ans d'expérience" in first and "1er janvier 2026" in first
    fair = cde.post(
        "/api/v1/offers/criteria/check", json={"contract": "CDI", "criteria": {}}
    ).json()
    assert fair["hard_to_fill"] is False and fair["findings"] == []


def test_a_saved_offer_is_checked_and_a_cdde_may_read_it(
    module_server: LiveServer, cde: httpx.Client
) -> None:
    offer = cde.post("/api/v1/offers", json={**NEW, "criteria": PLUMBER}).json()
    with module_server.client("cdde") as cdde:
        answer = cdde.get(f"/api/v1/offers/{offer['id']}/criteria/check").json()
        assert answer["hard_to_fill"] is True
        # Checking what is being typed is the CDE's tool.
        assert cdde.post("/api/v1/offers/criteria/check", json={"criteria": {}}).status_code == 403


def test_the_screen_never_receives_criteria_nor_the_check(
    module_server: LiveServer, cde: httpx.Client
) -> None:
    """No shaming of employers in the corridor: the snapshot carries none of it."""
    offer = cde.post("/api/v1/offers", json={**NEW, "criteria": PLUMBER}).json()
    answer = cde.post(
        "/api/v1/offers/criteria/check", json={"contract": "CDD", "criteria": PLUMBER}
    )
    with module_server.screen_client() as screen:
        snapshot = screen.get("/api/v1/display/snapshot")
        assert snapshot.status_code == 200
    text = snapshot.text
    assert offer["code"] in text  # the offer is on the screen, its criteria are not
    for word in ("criteria", "must_haves", "Soudure cuivre", "Habilitation gaz", "SMIC", "mouton"):
        assert word not in text, word
    for finding in answer.json()["findings"]:
        assert finding["text"][:40] not in text and finding["rule"] not in text
    # The demo's two flagged offers are on the screen too, without their criteria.
    shown = json.loads(text)
    assert all("criteria" not in card for card in shown["offers"])
