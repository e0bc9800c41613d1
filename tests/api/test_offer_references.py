"""Deleting an offer that a hire or a défi contribution cites keeps the story and the count."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from tests.support.server import LiveServer


@pytest.fixture(scope="module")
def manager(module_server: LiveServer) -> Iterator[httpx.Client]:
    with module_server.client("manager") as client:
        yield client


def _defi_total(client: httpx.Client) -> int:
    challenges = client.get("/api/v1/challenges").json()
    return next(c for c in challenges if c["active"])["total"]


def filled_offer(client: httpx.Client) -> int:
    """A filled TPE offer: the active défi counts it (a contribution citing the offer)."""
    body = {"employer": "Épicerie Fine", "title": "Vendeur", "contract": "CDI", "commune": "Apt"}
    offer = client.post("/api/v1/offers", json={**body, "is_tpe": True}).json()
    client.post(f"/api/v1/offers/{offer['id']}/candidates").raise_for_status()
    before = _defi_total(client)
    client.post(f"/api/v1/offers/{offer['id']}/fill").raise_for_status()
    assert _defi_total(client) == before + 1
    return offer["id"]


def cited_offer(client: httpx.Client) -> tuple[int, int]:
    """A filled TPE offer counted by the défi, with a hire told from it."""
    offer = {"id": filled_offer(client)}
    hire = {
        "employer": "Épicerie Fine",
        "title": "Vendeur",
        "story": "Recruté en une semaine.",
        "hired_on": str(date.today()),
        "offer_id": offer["id"],
    }
    response = client.post("/api/v1/hires", json=hire)
    assert response.status_code == 201, response.text
    return offer["id"], response.json()["id"]


def test_deleting_a_cited_offer_keeps_the_hire_and_the_defi_count(
    manager: httpx.Client,
) -> None:
    offer_id, hire_id = cited_offer(manager)
    total = _defi_total(manager)
    response = manager.delete(f"/api/v1/offers/{offer_id}")
    assert response.status_code == 204, response.text
    assert manager.get(f"/api/v1/offers/{offer_id}").status_code == 404
    hire = manager.get(f"/api/v1/hires/{hire_id}").json()
    assert (hire["offer_id"], hire["story"]) == (None, "Recruté en une semaine.")
    assert _defi_total(manager) == total


def test_deleting_an_offer_counted_by_the_defi_keeps_the_count(manager: httpx.Client) -> None:
    offer_id = filled_offer(manager)
    total = _defi_total(manager)
    assert manager.delete(f"/api/v1/offers/{offer_id}").status_code == 204
    assert _defi_total(manager) == total
