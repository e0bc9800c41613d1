"""What "published" protects: once on the corridor screen, a hire's story, credits, dates,
consent, photo and status change only by a manager, through every API route; and the rules
every edit of a hire follows on both faces (dates in order, each credit of its own side)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, timedelta

import httpx
import pytest
from PIL import Image

from tests.support.server import LiveServer

LOCKED = (
    "Une embauche publiée ne se modifie que par un manager : "
    "demandez-lui de la retirer de l'écran pour la corriger."
)
DENIED = "Votre rôle ne permet pas cette action."


@pytest.fixture(scope="module")
def clients(module_server: LiveServer) -> Iterator[dict[str, httpx.Client]]:
    made = {role: module_server.client(role) for role in ("cdde", "cde", "manager")}
    made["screen"] = module_server.screen_client()
    yield made
    for client in made.values():
        client.close()


def _jpeg(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(out, "JPEG")
    return out.getvalue()


def _put_photo(client: httpx.Client, hire_id: int, colour: tuple[int, int, int]) -> httpx.Response:
    return client.put(
        f"/api/v1/hires/{hire_id}/photo",
        content=_jpeg(colour),
        headers={"Content-Type": "image/jpeg"},
    )


def _published(clients: dict[str, httpx.Client]) -> dict:
    """A hire with consent and a photo, published by the manager."""
    manager = clients["manager"]
    body = {
        "employer": "Boulangerie du Rempart",
        "title": "Boulangère",
        "story": "Première embauche après la formation.",
        "hired_on": str(date.today()),
        "photo_consent": True,
    }
    hire = manager.post("/api/v1/hires", json=body).json()
    _put_photo(manager, hire["id"], (200, 40, 40)).raise_for_status()
    response = manager.patch(f"/api/v1/hires/{hire['id']}", json={"status": "published"})
    response.raise_for_status()
    return response.json()


def _on_screen(screen: httpx.Client, hire_id: int) -> dict:
    hires = screen.get("/api/v1/display/snapshot").json()["hires"]
    return next(h for h in hires if h["id"] == hire_id)


@pytest.mark.parametrize("role", ["cdde", "cde"])
def test_only_a_manager_replaces_a_published_photo(
    role: str, clients: dict[str, httpx.Client]
) -> None:
    hire = _published(clients)
    shown = _on_screen(clients["screen"], hire["id"])["photo_path"]
    response = _put_photo(clients[role], hire["id"], (20, 20, 220))
    assert response.status_code == 403
    assert response.json()["detail"] == LOCKED
    after = clients["manager"].get(f"/api/v1/hires/{hire['id']}").json()
    assert after["version"] == hire["version"]
    assert _on_screen(clients["screen"], hire["id"])["photo_path"] == shown
    assert _put_photo(clients["manager"], hire["id"], (20, 220, 20)).status_code == 200
    assert _on_screen(clients["screen"], hire["id"])["photo_path"] != shown


@pytest.mark.parametrize(
    "change",
    [
        {"story": "Réécrite"},
        {"cdde_id": None},
        {"expires_on": str(date.today() + timedelta(days=365))},
        {"photo_consent": False},
    ],
)
def test_a_published_hire_is_read_only_for_writers(
    change: dict, clients: dict[str, httpx.Client]
) -> None:
    hire = _published(clients)
    response = clients["cdde"].patch(f"/api/v1/hires/{hire['id']}", json=change)
    assert response.status_code == 403
    assert response.json()["detail"] == LOCKED
    assert clients["cdde"].get(f"/api/v1/hires/{hire['id']}").json() == hire
    response = clients["manager"].patch(f"/api/v1/hires/{hire['id']}", json=change)
    assert response.status_code == 200, response.text


def test_drafts_stay_open_to_writers_but_not_their_status(
    clients: dict[str, httpx.Client],
) -> None:
    cdde = clients["cdde"]
    body = {"employer": "Garage Mistral", "title": "Carrossier", "hired_on": str(date.today())}
    hire = cdde.post("/api/v1/hires", json=body).json()
    response = cdde.patch(f"/api/v1/hires/{hire['id']}", json={"story": "Un vrai déclic."})
    assert response.status_code == 200
    assert _put_photo(cdde, hire["id"], (90, 90, 90)).status_code == 200
    for status in ("published", "withdrawn", None):
        response = cdde.patch(f"/api/v1/hires/{hire['id']}", json={"status": status})
        assert response.status_code == 403
        assert response.json()["detail"] == DENIED
    assert cdde.get(f"/api/v1/hires/{hire['id']}").json()["status"] == "draft"


def test_an_edit_cannot_end_the_display_before_the_hire(clients: dict[str, httpx.Client]) -> None:
    """The page refuses a display end before the hire date; so does the API, on a partial edit.

    The rule lives in the service: a PATCH naming only one of the two dates is checked against
    the stored other one.
    """
    cde = clients["cde"]
    hired_on = date.today()
    hire = cde.post(
        "/api/v1/hires",
        json={"employer": "Garage des Arcades", "title": "Mécanicien", "hired_on": str(hired_on)},
    ).json()
    early = cde.patch(
        f"/api/v1/hires/{hire['id']}", json={"expires_on": str(hired_on - timedelta(days=1))}
    )
    assert early.status_code == 422, early.text
    assert early.json()["detail"] == "Cette date précède la date d'embauche."
    late = cde.patch(
        f"/api/v1/hires/{hire['id']}", json={"hired_on": str(hired_on + timedelta(days=400))}
    )
    assert late.status_code == 200, late.text  # no end date: nothing to precede
    assert cde.get(f"/api/v1/hires/{hire['id']}").json()["expires_on"] is None


def test_a_hire_credits_each_side_with_a_colleague_of_that_side(
    clients: dict[str, httpx.Client],
) -> None:
    """The page offers only CDE (or managers) as the CDE and only CDDE as the CDDE; the API
    follows the same rule, which lives in the service."""
    cde = clients["cde"]
    colleagues = cde.get("/api/v1/staff").json()
    a_cde = next(p["id"] for p in colleagues if p["role"] == "cde" and p["active"])
    a_cdde = next(p["id"] for p in colleagues if p["role"] == "cdde" and p["active"])
    story = {"employer": "Mas des Oliviers", "title": "Ouvrier", "hired_on": str(date.today())}
    for field, wrong in (("cde_id", a_cdde), ("cdde_id", a_cde)):
        refused = cde.post("/api/v1/hires", json={**story, field: wrong})
        assert refused.status_code == 422, (field, refused.text)
        assert refused.json()["field"] == field
    hire = cde.post("/api/v1/hires", json={**story, "cde_id": a_cde, "cdde_id": a_cdde})
    assert hire.status_code == 201, hire.text
    swapped = cde.patch(f"/api/v1/hires/{hire.json()['id']}", json={"cdde_id": a_cde})
    assert swapped.status_code == 422 and swapped.json()["field"] == "cdde_id", swapped.text
