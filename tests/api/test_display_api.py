"""What a screen reads and reports: snapshot with ETag, live events, heartbeat, pairing."""

from __future__ import annotations

import io
import json
import queue
import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
from PIL import Image

from api.contract import SCHEMA_VERSION, Snapshot
from tests.support.server import LiveServer


def test_snapshot_follows_the_contract_and_answers_304_when_unchanged(
    module_server: LiveServer,
) -> None:
    with module_server.screen_client() as screen:
        first = screen.get("/api/v1/display/snapshot")
        assert first.status_code == 200
        snapshot = Snapshot.model_validate_json(first.content)
        assert snapshot.schema_version == SCHEMA_VERSION
        assert snapshot.agency.name == "Avignon Joly Jean"
        assert all(o.qr_url == f"{module_server.url}/o/{o.code}" for o in snapshot.offers)
        challenge = snapshot.challenge
        assert challenge is not None
        # Each service's own part, and what they did together.
        assert challenge.total == sum(challenge.by_service.values()) + challenge.shared
        etag = first.headers["etag"]
        again = screen.get("/api/v1/display/snapshot", headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.headers["etag"] == etag and again.content == b""


def test_staff_only_fields_never_reach_the_screen(module_server: LiveServer) -> None:
    with module_server.client("cde") as cde, module_server.screen_client() as screen:
        secret = "Ne pas afficher : employeur en redressement"
        cde.post(
            "/api/v1/offers",
            json={
                "employer": "Scierie",
                "title": "Scieur",
                "contract": "CDI",
                "commune": "Apt",
                "staff_note": secret,
            },
        )
        assert secret not in screen.get("/api/v1/display/snapshot").text


def _read_events(url: str, token: str, out: queue.Queue, stop: threading.Event) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.stream(
        "GET", f"{url}/api/v1/display/events", headers=headers, timeout=30
    ) as response:
        event = None
        for line in response.iter_lines():
            if stop.is_set():
                return
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "snapshot":
                out.put((time.monotonic(), json.loads(line[6:])["etag"]))


def test_a_change_reaches_the_screen_as_an_event_within_a_second(module_server: LiveServer) -> None:
    events: queue.Queue = queue.Queue()
    stop = threading.Event()
    reader = threading.Thread(
        target=_read_events,
        args=(module_server.url, module_server.screen_token, events, stop),
        daemon=True,
    )
    reader.start()
    _, first_etag = events.get(timeout=10)
    with module_server.client("cde") as cde:
        offer = cde.get("/api/v1/offers").json()[0]
        changed_at = time.monotonic()
        cde.patch(f"/api/v1/offers/{offer['id']}", json={"positions": offer["positions"] + 1})
    arrived_at, new_etag = events.get(timeout=5)
    stop.set()
    assert new_etag != first_etag
    assert arrived_at - changed_at < 1.0
    with module_server.screen_client() as screen:
        assert screen.get("/api/v1/display/snapshot").headers["etag"] == new_etag


def test_urgent_announcement_is_in_the_snapshot(module_server: LiveServer) -> None:
    now = datetime.now(UTC)
    with module_server.client("manager") as manager, module_server.screen_client() as screen:
        posted = manager.post(
            "/api/v1/announcements",
            json={
                "message": "Alerte : évacuation exercice à 11 h",
                "urgent": True,
                "starts_at": now.isoformat(),
                "ends_at": (now + timedelta(hours=1)).isoformat(),
            },
        ).json()
        shown = screen.get("/api/v1/display/snapshot").json()["announcements"]
        assert any(a["id"] == posted["id"] and a["urgent"] for a in shown)
        manager.post(f"/api/v1/announcements/{posted['id']}/end")
        shown = screen.get("/api/v1/display/snapshot").json()["announcements"]
        assert all(a["id"] != posted["id"] for a in shown)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 180), (10, 120, 110)).save(out, "PNG")
    return out.getvalue()


def test_heartbeat_and_screenshot_are_seen_by_managers(module_server: LiveServer) -> None:
    beat = {
        "version": "0.1.0",
        "resolution": "1920x1080",
        "fps": 29.7,
        "uptime_s": 3600,
        "memory_mb": 61.5,
    }
    with module_server.screen_client() as screen, module_server.client("manager") as manager:
        assert screen.post("/api/v1/display/heartbeat", json=beat).status_code == 204
        assert (
            screen.post("/api/v1/display/heartbeat", json={**beat, "resolution": "big"}).status_code
            == 422
        )
        assert screen.put("/api/v1/display/screenshot", content=b"not a png").status_code == 422
        assert screen.put("/api/v1/display/screenshot", content=_png()).status_code == 204
        listed = manager.get("/api/v1/screens").json()
        mine = next(s for s in listed if s["resolution"] == "1920x1080")
        assert mine["online"] and mine["fps"] == 29.7 and mine["has_screenshot"]
        picture = manager.get(f"/api/v1/screens/{mine['id']}/screenshot")
        assert picture.headers["content-type"] == "image/png"
        assert Image.open(io.BytesIO(picture.content)).size == (320, 180)


def test_pairing_by_code_gives_the_screen_its_token_once(module_server: LiveServer) -> None:
    with (
        httpx.Client(base_url=module_server.url) as anonymous,
        module_server.client("manager") as manager,
    ):
        started = anonymous.post("/api/v1/display/pairings").json()
        secret = started["poll_secret"]
        assert anonymous.get(f"/api/v1/display/pairings/{secret}").json()["status"] == "pending"
        wrong = manager.post("/api/v1/screens/pair", json={"code": "XXX-XXX", "name": "Hall"})
        assert wrong.status_code == 404 and "Code inconnu" in wrong.json()["detail"]
        typed = started["code"].lower().replace("-", " ")
        paired = manager.post(
            "/api/v1/screens/pair", json={"code": typed, "name": "Hall d'accueil"}
        )
        assert paired.status_code == 201
        answer = anonymous.get(f"/api/v1/display/pairings/{secret}").json()
        assert answer["status"] == "paired" and answer["screen_name"] == "Hall d'accueil"
        assert anonymous.get(f"/api/v1/display/pairings/{secret}").status_code == 404
        token = {"Authorization": f"Bearer {answer['token']}"}
        assert anonymous.get("/api/v1/display/snapshot", headers=token).status_code == 200
        manager.post(f"/api/v1/screens/{paired.json()['id']}/revoke")
        revoked = anonymous.get("/api/v1/display/snapshot", headers=token)
        assert revoked.status_code == 401 and "révoqué" in revoked.json()["detail"]


def test_playlist_changes_reach_the_snapshot(module_server: LiveServer) -> None:
    with module_server.client("manager") as manager:
        created = manager.post("/api/v1/screens", json={"name": "Salle de pause"}).json()
        playlist = [{"scene": "offers", "duration_s": 40}, {"scene": "challenge", "duration_s": 10}]
        changed = manager.patch(
            f"/api/v1/screens/{created['id']}", json={"playlist": playlist, "version": 1}
        )
        assert changed.status_code == 200
        bad = manager.patch(
            f"/api/v1/screens/{created['id']}",
            json={"playlist": [{"scene": "météo", "duration_s": 5}]},
        )
        assert bad.status_code == 422
        late = [{"weekday": 0, "opens": "08:30", "closes": "25:00"}]
        refused = manager.patch(f"/api/v1/screens/{created['id']}", json={"schedule": late})
        assert refused.status_code == 422
    with httpx.Client(
        base_url=module_server.url, headers={"Authorization": f"Bearer {created['token']}"}
    ) as screen:
        snapshot = screen.get("/api/v1/display/snapshot").json()
    assert snapshot["screen"]["playlist"] == playlist
