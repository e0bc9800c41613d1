"""Any host answers any request: two servers, each with a data folder of its own, on one database.

Photos and screenshots live in the database, served with their SHA-256 as a strong ETag (the
same on every host) and 304 when the client holds them; the CSRF secret comes from the
settings, so a form served by one host is accepted by the other.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from datetime import date

import httpx
import pytest
from PIL import Image
from sqlalchemy import text

from api.db import make_engine
from api.image_responses import IMMUTABLE, REVALIDATE
from tests.api.test_photos import photo_jpeg
from tests.support.server import LiveServer

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def hosts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, LiveServer]]:
    first = LiveServer(tmp_path_factory.mktemp("host-a"))
    second = first.sibling(tmp_path_factory.mktemp("host-b"))
    try:
        first.start()
        second.start()
        yield first, second
    finally:
        second.close()
        first.close()


def etag_of(data: bytes) -> str:
    return f'"{hashlib.sha256(data).hexdigest()}"'


def png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 180), colour).save(out, "PNG")
    return out.getvalue()


def no_image_files(*servers: LiveServer) -> bool:
    return not any(
        path.suffix in {".jpg", ".png"} for s in servers for path in s.data_dir.rglob("*")
    )


def test_a_photo_uploaded_through_one_host_is_served_by_the_other(
    hosts: tuple[LiveServer, LiveServer],
) -> None:
    a, b = hosts
    with (
        a.client("manager") as on_a,
        b.client("manager") as on_b,
        b.screen_client() as screen_on_b,
    ):
        body = {"employer": "Cave des Papes", "title": "Caviste", "hired_on": str(date.today())}
        hire = on_a.post("/api/v1/hires", json={**body, "photo_consent": True}).json()
        path = f"/api/v1/hires/{hire['id']}/photo"
        uploaded = on_a.put(path, content=photo_jpeg(1200, 900, 1))
        assert uploaded.status_code == 200, uploaded.text

        served = on_b.get(path)
        assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
        etag = served.headers["etag"]
        assert etag == etag_of(served.content)
        assert served.headers["cache-control"] == REVALIDATE  # no ?v=: checked each time
        assert on_a.get(path).content == served.content

        # The client holds it: 304 without the bytes, on either host (same ETag everywhere).
        for client in (on_a, on_b):
            again = client.get(path, headers={"If-None-Match": etag})
            assert again.status_code == 304 and again.content == b""
            assert again.headers["etag"] == etag
        weak = on_b.get(path, headers={"If-None-Match": f'"{"0" * 64}", W/{etag}'})
        assert weak.status_code == 304
        assert on_b.get(path, headers={"If-None-Match": '"autre"'}).status_code == 200
        current = on_b.get(f"{path}?v={uploaded.json()['version']}")
        assert current.headers["cache-control"] == IMMUTABLE

        # Published through A, shown by a screen talking to B.
        on_a.patch(f"/api/v1/hires/{hire['id']}", json={"status": "published"}).raise_for_status()
        shown = next(
            h
            for h in screen_on_b.get("/api/v1/display/snapshot").json()["hires"]
            if h["id"] == hire["id"]
        )
        download = screen_on_b.get(shown["photo_path"])
        assert download.status_code == 200 and download.content == served.content
        assert download.headers["etag"] == etag
        assert download.headers["cache-control"] == IMMUTABLE  # the path names the version
        cached = screen_on_b.get(shown["photo_path"], headers={"If-None-Match": etag})
        assert cached.status_code == 304

        # A new photo through B: a new ETag on A; the old one no longer matches.
        on_b.put(path, content=photo_jpeg(640, 480, 1)).raise_for_status()
        replaced = on_a.get(path, headers={"If-None-Match": etag})
        assert replaced.status_code == 200 and replaced.headers["etag"] != etag
        assert Image.open(io.BytesIO(replaced.content)).size == (640, 480)

        # Deleting the hire on B deletes its photo with it.
        assert on_b.delete(f"/api/v1/hires/{hire['id']}").status_code == 204
        assert on_a.get(path).status_code == 404
    engine = make_engine(a.database_url)
    try:
        with engine.connect() as connection:
            left = connection.execute(
                text("SELECT count(*) FROM hirephoto WHERE hire_id = :id"), {"id": hire["id"]}
            )
            assert left.scalar_one() == 0
    finally:
        engine.dispose()
    assert no_image_files(a, b)


def test_a_screenshot_sent_to_one_host_is_seen_through_the_other(
    hosts: tuple[LiveServer, LiveServer],
) -> None:
    a, b = hosts
    with a.screen_client() as screen_on_a, b.client("manager") as on_b:
        first = png((10, 120, 110))
        assert screen_on_a.put("/api/v1/display/screenshot", content=first).status_code == 204
        mine = next(s for s in on_b.get("/api/v1/screens").json() if s["has_screenshot"])
        path = f"/api/v1/screens/{mine['id']}/screenshot"
        served = on_b.get(path)
        assert served.status_code == 200 and served.headers["content-type"] == "image/png"
        assert served.content == first and served.headers["etag"] == etag_of(first)
        assert served.headers["cache-control"] == REVALIDATE
        etag = served.headers["etag"]
        assert on_b.get(path, headers={"If-None-Match": etag}).status_code == 304

        second = png((200, 40, 40))
        assert screen_on_a.put("/api/v1/display/screenshot", content=second).status_code == 204
        fresh = on_b.get(path, headers={"If-None-Match": etag})
        assert fresh.status_code == 200 and fresh.content == second
    assert no_image_files(a, b)


def test_staff_pages_work_across_hosts(hosts: tuple[LiveServer, LiveServer]) -> None:
    """A form from one host is accepted by the other (CSRF tokens signed with the shared
    COULOIR_SECRET_KEY); a hire's photo on its page comes from either, final for its version."""
    a, b = hosts
    email, password = a.accounts["manager"]
    # Cookies belong to the host name, not the port: one jar for both, as behind a balancer.
    with httpx.Client(timeout=10, follow_redirects=False) as browser:
        page = browser.get(f"{a.url}/admin/connexion")
        token = _CSRF.search(page.text)
        assert token is not None
        answer = browser.post(
            f"{b.url}/admin/connexion",
            data={"email": email, "password": password, "csrf_token": token.group(1)},
        )
        assert answer.status_code == 303, answer.text
        assert browser.get(f"{a.url}/admin/").status_code == 200

        # The staff page's photo, as the hire form shows it (?v= the hire's version).
        with a.client("manager") as api:
            body = {"employer": "Cave", "title": "Caviste", "hired_on": str(date.today())}
            hire = api.post("/api/v1/hires", json=body).json()
            hire = api.put(f"/api/v1/hires/{hire['id']}/photo", content=photo_jpeg(800, 600, 1))
        shown = f"/admin/embauches/{hire.json()['id']}/photo?v={hire.json()['version']}"
        photo = browser.get(f"{b.url}{shown}")
        assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
        assert photo.headers["cache-control"] == IMMUTABLE
        etag = photo.headers["etag"]
        assert browser.get(f"{a.url}{shown}", headers={"If-None-Match": etag}).status_code == 304


def test_a_second_host_has_nothing_of_its_own_on_disk(
    hosts: tuple[LiveServer, LiveServer],
) -> None:
    """No secret key file, no photo or screenshot folder: the host's disk holds only its log."""
    _, b = hosts
    assert not (b.data_dir / "secret_key").exists()
    assert not (b.data_dir / "photos").exists() and not (b.data_dir / "screenshots").exists()
