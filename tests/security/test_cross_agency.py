"""Cross-agency probes: agency A's people and screen try agency B's objects, on every route.

Generated from the route table: every API route and staff page that names an object by id is
called by each role of A with B's ids (a valid body otherwise). The answer is always 404, or 403
when the role may not do the action at all; never a success, and nothing of B changes. Lists never
show B's objects, and A's screen token cannot read B's photos or snapshot.
"""

from __future__ import annotations

from datetime import date

import pytest

from api.domain.permissions import can
from api.models import Hire
from tests.security.conftest import OTHER_MARKER, Arena
from tests.security.routes import Route, app_routes
from tests.security.samples import SPENDS_ITS_TOKEN, form_url, send_api, send_form
from tests.support.agencies import ROLES, agency_rows, last_audit_id

# Path parameters that are not row ids, and where they are covered.
NOT_IDS = {
    "poll_secret": "a screen's pairing secret (a credential, in no agency until paired)",
    "code": "an offer's public code: /o/{code} is public by design, see test_public_offer_page",
    "token": "a private calendar address's secret (a credential: it names one staff member, whose "
    "agency alone it shows; see tests/admin/test_agenda_pages.py)",
    "semaine": "an ISO week of la criée: every agency has an issue for every week, each reads its "
    "own (see tests/admin/test_criee_pages.py)",
    "numero": "a France Travail offer number: an offer public in France Travail's system, in no "
    "agency (see tests/api/test_francetravail_link.py)",
}


def _id_routes() -> list[Route]:
    return [r for r in app_routes() if r.params and not set(r.params) & set(NOT_IDS)]


def _action(route: Route):  # type: ignore[no-untyped-def]
    return route.action  # declared by the route, on both faces


def test_every_path_parameter_is_probed(arena: Arena) -> None:
    params = {p for r in app_routes() for p in r.params}
    assert params - set(NOT_IDS) - set(arena.other.targets.ids()) == set()


def _probe(arena: Arena, route: Route, role: str):  # type: ignore[no-untyped-def]
    b = arena.other.targets
    if route.auth == "screen":
        with arena.screen(arena.server.screen_token) as screen:
            return screen.request(route.method, route.url(b.ids()))
    if route.is_page and route.method == "POST":
        return send_form(arena, arena.page(role), route.path, b)
    if route.is_page:
        return arena.page(role).request(route.method, route.url(b.ids()))
    client = arena.api(role, fresh=route.id in SPENDS_ITS_TOKEN)
    return send_api(arena, client, route, b)


PROBES = [
    pytest.param(route, who, id=f"{route.id}-{who}")
    for route in _id_routes()
    for who in (("screen",) if route.auth == "screen" else ROLES)
]


@pytest.fixture(scope="module")
def b_as_left() -> dict[str, object]:
    """Agency B's rows as the previous probe left them, checked unchanged: the next one's "before"
    (only probes run in between, and each leaves B as it found it)."""
    return {}


@pytest.mark.parametrize(("route", "role"), PROBES)
def test_other_agency_ids_answer_not_found(
    route: Route, role: str, arena: Arena, b_as_left: dict[str, object]
) -> None:
    before = b_as_left.pop("rows", None)
    if before is None:
        with arena.db() as db:
            before = agency_rows(db, arena.other.id)
    response = _probe(arena, route, role)
    action = _action(route)
    if role == "screen":
        assert response.status_code == 404, (response.status_code, response.text[:300])
    else:  # pages declare their action like the API: no refusal from inside a body
        expected = {404} if action is None or can(role, action) else {403, 404}
        assert response.status_code in expected, (response.status_code, response.text[:300])
    assert OTHER_MARKER not in response.text
    with arena.db() as db:
        after = agency_rows(db, arena.other.id)
    assert after == before, "agency B changed"
    b_as_left["rows"] = after


def test_ids_of_b_in_bodies_are_refused(arena: Arena) -> None:
    b = arena.other.targets
    mine = arena.fresh()
    with arena.db() as db:
        b_hire = db.get(Hire, b.published_hire_id)
        b_cdde, b_offer = b_hire.cdde_id, b_hire.offer_id
        before, audit = agency_rows(db, arena.other.id), last_audit_id(db)
    admin = arena.api("admin")
    today = str(date.today())
    refused = [
        admin.put(
            f"/api/v1/offers/{mine.offer_id}/candidates/{b.candidate_id}",
            json={"outcome": "hired"},
        ),
        admin.post(
            "/api/v1/hires",
            json={"employer": "E", "title": "T", "hired_on": today, "cdde_id": b_cdde},
        ),
        admin.post(
            "/api/v1/hires",
            json={"employer": "E", "title": "T", "hired_on": today, "offer_id": b_offer},
        ),
        admin.patch(f"/api/v1/hires/{mine.draft_hire_id}", json={"cdde_id": b_cdde}),
    ]
    assert [r.status_code for r in refused] == [404, 422, 422, 422], [r.text for r in refused]
    assert admin.get("/api/v1/offers", params={"owner": b_cdde}).json() == []
    with arena.db() as db:
        assert agency_rows(db, arena.other.id) == before
        assert last_audit_id(db) == audit
    # The staff page's new-hire form ignores another agency's offer.
    page = arena.page("admin")
    assert OTHER_MARKER not in page.get("/admin/embauches/nouvelle", params={"offre": b_offer}).text
    response = page.form(
        "/admin/embauches/nouvelle",
        {"employer": "E", "title": "T", "hired_on": today, "offer_id": str(b_offer)},
    )
    assert response.status_code == 303
    created = int(response.headers["location"].split("/")[-1].split("?")[0])
    assert admin.get(f"/api/v1/hires/{created}").json()["offer_id"] is None


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "route",
    [r for r in app_routes() if r.method == "GET" and not r.params and r.auth in ("staff", "page")],
    ids=lambda r: r.id,
)
def test_lists_never_show_the_other_agency(route: Route, role: str, arena: Arena) -> None:
    client = arena.page(role) if route.is_page else arena.api(role)
    response = client.get(route.path)
    assert response.status_code in (200, 403), (response.status_code, response.text[:200])
    assert OTHER_MARKER not in response.text


def test_a_screen_token_reads_only_its_agency(arena: Arena) -> None:
    b = arena.other.targets
    with arena.screen(arena.server.screen_token) as screen_a:
        snapshot = screen_a.get("/api/v1/display/snapshot")
        assert snapshot.status_code == 200
        assert OTHER_MARKER not in snapshot.text
        assert screen_a.get(f"/api/v1/display/photos/{b.published_hire_id}").status_code == 404
    with arena.screen(b.screen_token) as screen_b:  # the same photo is there for B's own screen
        assert screen_b.get(f"/api/v1/display/photos/{b.published_hire_id}").status_code == 200
        assert OTHER_MARKER in screen_b.get("/api/v1/display/snapshot").text


def test_public_offer_page_hides_staff_details_from_other_agencies(arena: Arena) -> None:
    b = arena.other.targets
    for role in ROLES:
        page = arena.page(role).get(f"/o/{b.offer_code}")
        assert page.status_code == 200  # anyone with the QR code sees the offer itself…
        assert f"note interne {OTHER_MARKER}" not in page.text  # …but not B's staff note
        assert form_url("/admin/offres/{offer_id}/candidat", b) not in page.text
