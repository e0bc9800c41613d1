"""The staff pages obey the same rules as the API: a manager never touches an admin account, a
published hire is read-only below a manager, and deleting a cited offer keeps what cites it.

Forms are posted with httpx as a browser would (cookie session, CSRF token read from the page),
including forged posts of buttons the page does not show."""

from __future__ import annotations

import io
import re
import secrets
from collections.abc import Iterator
from datetime import date

import httpx
import pytest
from PIL import Image

from tests.api.test_offer_references import cited_offer, filled_offer
from tests.support.server import LiveServer

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class PageClient:
    """A logged-in browser session on the staff pages, without the browser."""

    def __init__(self, server: LiveServer, email: str, password: str) -> None:
        self.http = httpx.Client(base_url=server.url, timeout=30)
        page = self.http.get("/admin/connexion")
        sent = self.http.post(
            "/admin/connexion",
            data={"email": email, "password": password, "csrf_token": self._token(page)},
        )
        assert sent.status_code == 303, sent.text

    @staticmethod
    def _token(page: httpx.Response) -> str:
        found = _CSRF.search(page.text)
        assert found, page.text[:500]
        return found.group(1)

    def get(self, path: str) -> httpx.Response:
        return self.http.get(path)

    def post(
        self, path: str, data: dict | None = None, files: dict | None = None
    ) -> httpx.Response:
        """Post a form with the CSRF token of this session (as any page of it carries)."""
        token = self._token(self.http.get("/admin/menu"))  # the logout form carries one
        return self.http.post(path, data={**(data or {}), "csrf_token": token}, files=files)


@pytest.fixture(scope="module")
def pages(module_server: LiveServer) -> Iterator[dict[str, PageClient]]:
    made = {
        role: PageClient(module_server, *module_server.accounts[role])
        for role in ("cdde", "manager", "admin")
    }
    yield made
    for client in made.values():
        client.http.close()


@pytest.fixture(scope="module")
def api(module_server: LiveServer) -> Iterator[dict[str, httpx.Client]]:
    made = {role: module_server.client(role) for role in ("manager", "admin")}
    yield made
    for client in made.values():
        client.close()


def _login_works(server: LiveServer, email: str, password: str) -> bool:
    response = httpx.post(
        f"{server.url}/api/v1/auth/token", json={"email": email, "password": password}
    )
    return response.status_code == 200


# --- accounts -----------------------------------------------------------------------------------


def test_a_manager_cannot_reset_deactivate_or_reactivate_an_admin_from_the_team_page(
    module_server: LiveServer, pages: dict[str, PageClient], api: dict[str, httpx.Client]
) -> None:
    email, password = f"admin.{secrets.token_hex(3)}@example.fr", secrets.token_urlsafe(12)
    body = {"name": "Admin Essai", "email": email, "role": "admin", "password": password}
    admin_id = api["admin"].post("/api/v1/staff", json=body).json()["id"]
    manager = pages["manager"]

    team = manager.get("/admin/equipe").text
    assert f"/admin/equipe/{admin_id}/mot-de-passe" not in team
    assert f"/admin/equipe/{admin_id}/desactiver" not in team
    assert "Seul un administrateur peut gérer ce compte." in team

    reset = manager.post(
        f"/admin/equipe/{admin_id}/mot-de-passe", {"new_password": "je-prends-la-main"}
    )
    assert reset.status_code == 403
    assert "seul un administrateur peut le modifier" in reset.text
    assert not _login_works(module_server, email, "je-prends-la-main")
    assert _login_works(module_server, email, password)

    assert manager.post(f"/admin/equipe/{admin_id}/desactiver").status_code == 403
    assert _login_works(module_server, email, password)

    assert pages["admin"].post(f"/admin/equipe/{admin_id}/desactiver").status_code == 303
    assert manager.post(f"/admin/equipe/{admin_id}/reactiver").status_code == 403
    assert not _login_works(module_server, email, password)


def test_a_manager_still_resets_a_colleagues_password_from_the_team_page(
    module_server: LiveServer, pages: dict[str, PageClient], api: dict[str, httpx.Client]
) -> None:
    email = f"cde.{secrets.token_hex(3)}@example.fr"
    body = {"name": "Cde Essai", "email": email, "role": "cde", "password": "premier-jour"}
    staff_id = api["manager"].post("/api/v1/staff", json=body).json()["id"]
    assert f"/admin/equipe/{staff_id}/mot-de-passe" in pages["manager"].get("/admin/equipe").text
    done = pages["manager"].post(
        f"/admin/equipe/{staff_id}/mot-de-passe", {"new_password": "deuxieme-jour"}
    )
    assert done.status_code == 303
    assert _login_works(module_server, email, "deuxieme-jour")


def test_a_refused_creation_on_the_team_page_says_why_then_throttles(
    module_server: LiveServer, pages: dict[str, PageClient]
) -> None:
    taken = module_server.accounts["cdde"][0]
    # The admin is not throttled; a fresh manager is, after five refusals.
    email, password = f"m.{secrets.token_hex(3)}@example.fr", secrets.token_urlsafe(12)
    body = {"name": "Manager Essai", "email": email, "role": "manager", "password": password}
    assert pages["admin"].post("/admin/equipe", body).status_code == 303
    prober = PageClient(module_server, email, password)
    form = {"name": "Sonde", "email": taken, "role": "cdde", "password": "Olivier du Rhône 4471"}
    for _ in range(5):
        refused = prober.post("/admin/equipe", form)
        assert refused.status_code == 409
        assert "sert déjà d&#39;identifiant à un compte" in refused.text
    throttled = prober.post("/admin/equipe", {**form, "email": "libre@example.fr"})
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) > 3000
    assert "Trop de créations de compte refusées" in throttled.text
    assert "libre@example.fr" not in prober.get("/admin/equipe").text.split("Comptes de")[1]


# --- published hires -----------------------------------------------------------------------------


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (20, 20, 220)).save(out, "JPEG")
    return out.getvalue()


def _hire(manager: httpx.Client, *, publish: bool) -> dict:
    body = {
        "employer": "Librairie Occitane",
        "title": "Libraire",
        "story": "L'histoire telle que publiée.",
        "hired_on": str(date.today()),
        "photo_consent": True,
    }
    hire = manager.post("/api/v1/hires", json=body).json()
    if publish:
        response = manager.patch(f"/api/v1/hires/{hire['id']}", json={"status": "published"})
        hire = response.json()
    return hire


def _edit(hire: dict, story: str) -> dict:
    return {
        "employer": hire["employer"],
        "title": hire["title"],
        "story": story,
        "hired_on": hire["hired_on"],
        "photo_consent": "on",
        "version": str(hire["version"]),
    }


def test_a_cdde_sees_a_published_hire_read_only(
    pages: dict[str, PageClient], api: dict[str, httpx.Client]
) -> None:
    hire = _hire(api["manager"], publish=True)
    page = pages["cdde"].get(f"/admin/embauches/{hire['id']}")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' not in page.text
    assert "ne se modifie que par un manager" in page.text
    assert "L&#39;histoire telle que publiée." in page.text
    manager_page = pages["manager"].get(f"/admin/embauches/{hire['id']}").text
    assert 'enctype="multipart/form-data"' in manager_page


def test_a_forged_edit_of_a_published_hire_changes_nothing(
    pages: dict[str, PageClient], api: dict[str, httpx.Client]
) -> None:
    hire = _hire(api["manager"], publish=True)
    forged = pages["cdde"].post(
        f"/admin/embauches/{hire['id']}",
        _edit(hire, "Réécrite en douce."),
        files={"photo": ("photo.jpg", _jpeg(), "image/jpeg")},
    )
    assert forged.status_code == 403
    assert "ne se modifie que par un manager" in forged.text
    assert "Rien n'a été modifié." in forged.text
    after = api["manager"].get(f"/api/v1/hires/{hire['id']}").json()
    assert after == hire  # same story, still no photo, same version

    done = pages["manager"].post(f"/admin/embauches/{hire['id']}", _edit(hire, "Corrigée."))
    assert done.status_code == 303
    assert api["manager"].get(f"/api/v1/hires/{hire['id']}").json()["story"] == "Corrigée."


def test_a_cdde_still_edits_a_draft_from_its_page(
    pages: dict[str, PageClient], api: dict[str, httpx.Client]
) -> None:
    hire = _hire(api["manager"], publish=False)
    page = pages["cdde"].get(f"/admin/embauches/{hire['id']}")
    assert 'enctype="multipart/form-data"' in page.text
    done = pages["cdde"].post(
        f"/admin/embauches/{hire['id']}",
        _edit(hire, "Complétée par le CDDE."),
        files={"photo": ("photo.jpg", _jpeg(), "image/jpeg")},
    )
    assert done.status_code == 303, done.text
    after = api["manager"].get(f"/api/v1/hires/{hire['id']}").json()
    assert (after["story"], after["has_photo"]) == ("Complétée par le CDDE.", True)


# --- offers -------------------------------------------------------------------------------------


def test_deleting_a_cited_offer_from_its_page_keeps_the_hire_and_the_defi_count(
    pages: dict[str, PageClient], api: dict[str, httpx.Client]
) -> None:
    manager = api["manager"]
    offer_id, hire_id = cited_offer(manager)
    counted_only = filled_offer(manager)
    total = next(c for c in manager.get("/api/v1/challenges").json() if c["active"])["total"]
    for offer in (offer_id, counted_only):
        deleted = pages["manager"].post(f"/admin/offres/{offer}/supprimer")
        assert deleted.status_code == 303, deleted.text
        assert manager.get(f"/api/v1/offers/{offer}").status_code == 404
    hire = manager.get(f"/api/v1/hires/{hire_id}").json()
    assert (hire["offer_id"], hire["story"]) == (None, "Recruté en une semaine.")
    assert (
        next(c for c in manager.get("/api/v1/challenges").json() if c["active"])["total"] == total
    )
