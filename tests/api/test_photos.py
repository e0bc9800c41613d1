"""Hire photos: re-encoded without EXIF, bounded in size and pixels, shown only with consent."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator
from datetime import date

import httpx
import pytest
from PIL import Image, ImageDraw

from tests.support.server import LiveServer

JPEG_MAGIC = b"\xff\xd8\xff"
EXIF_ORIENTATION = 0x0112
EXIF_MAKE = 0x010F
EXIF_GPS_IFD = 0x8825


def photo_jpeg(width: int = 3000, height: int = 2000, orientation: int = 6) -> bytes:
    """A camera-like JPEG: GPS position, maker, and an Orientation tag (6 = turn 90° right)."""
    image = Image.new("RGB", (width, height), (200, 120, 40))
    # A dark band on the left edge shows where "up" went once the orientation is applied.
    ImageDraw.Draw(image).rectangle((0, 0, width // 10, height), fill=(0, 0, 0))
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = orientation
    exif[EXIF_MAKE] = "PhoneMaker"
    exif.get_ifd(EXIF_GPS_IFD).update({1: "N", 2: (43.0, 56.0, 58.0), 3: "E", 4: (4.0, 48.0, 20.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def encoded(fmt: str, size: tuple[int, int] = (800, 600), mode: str = "RGBA") -> bytes:
    colour = {"RGBA": (30, 90, 200, 128), "RGB": (30, 90, 200), "L": 90}[mode]
    image = Image.new(mode, size, colour)
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` × ``height`` (a decompression bomb's calling card)."""
    raw = encoded("PNG", (1, 1), "L")
    ihdr_at = raw.index(b"IHDR")
    body = struct.pack(">II", width, height) + raw[ihdr_at + 12 : ihdr_at + 17]
    chunk = b"IHDR" + body
    patched = struct.pack(">I", len(body)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    return raw[: ihdr_at - 4] + patched + raw[ihdr_at + 4 + len(body) + 4 :]


@pytest.fixture(scope="module")
def manager(module_server: LiveServer) -> Iterator[httpx.Client]:
    with module_server.client("manager") as client:
        yield client


@pytest.fixture(scope="module")
def screen(module_server: LiveServer) -> Iterator[httpx.Client]:
    with module_server.screen_client() as client:
        yield client


def new_hire(manager: httpx.Client, **extra: object) -> dict:
    body = {"employer": "Cave des Papes", "title": "Caviste", "hired_on": str(date.today())}
    response = manager.post("/api/v1/hires", json={**body, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def put_photo(client: httpx.Client, hire_id: int, data: bytes, kind: str = "image/jpeg"):  # type: ignore[no-untyped-def]
    return client.put(
        f"/api/v1/hires/{hire_id}/photo", content=data, headers={"Content-Type": kind}
    )


def stored(manager: httpx.Client, hire_id: int) -> bytes:
    response = manager.get(f"/api/v1/hires/{hire_id}/photo")
    assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg"
    return response.content


def snapshot_hire(screen: httpx.Client, hire_id: int) -> dict | None:
    hires = screen.get("/api/v1/display/snapshot").json()["hires"]
    return next((h for h in hires if h["id"] == hire_id), None)


def test_a_camera_photo_is_stored_upright_smaller_and_without_exif(manager: httpx.Client) -> None:
    hire = new_hire(manager)
    original = photo_jpeg()
    assert b"Exif" in original and b"PhoneMaker" in original
    response = put_photo(manager, hire["id"], original)
    assert response.status_code == 200, response.text
    assert response.json()["has_photo"] is True

    data = stored(manager, hire["id"])
    assert data.startswith(JPEG_MAGIC)
    assert b"Exif" not in data and b"PhoneMaker" not in data
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert not image.getexif() and "exif" not in image.info
    # Orientation 6 applied: the 3000×2000 landscape becomes a portrait, longest side 1920.
    assert image.size == (1280, 1920)
    # The dark band that was on the left edge is now along the top.
    assert image.convert("L").getpixel((640, 30)) < 40
    assert image.convert("L").getpixel((640, 1900)) > 80


@pytest.mark.parametrize(
    ("fmt", "kind"), [("PNG", "image/png"), ("WEBP", "image/webp"), ("JPEG", "image/jpeg")]
)
def test_png_webp_and_jpeg_are_accepted_and_stored_as_jpeg(
    manager: httpx.Client, fmt: str, kind: str
) -> None:
    hire = new_hire(manager)
    data = encoded(fmt, (2500, 400), "RGBA" if fmt != "JPEG" else "RGB")
    response = put_photo(manager, hire["id"], data, kind)
    assert response.status_code == 200, response.text
    image = Image.open(io.BytesIO(stored(manager, hire["id"])))
    assert image.format == "JPEG" and image.mode == "RGB"
    assert image.size == (1920, 307)


def test_small_photos_keep_their_size(manager: httpx.Client) -> None:
    hire = new_hire(manager)
    assert put_photo(manager, hire["id"], photo_jpeg(640, 480, orientation=1)).status_code == 200
    assert Image.open(io.BytesIO(stored(manager, hire["id"]))).size == (640, 480)


def _rejections() -> list[tuple[str, bytes, str, set[int], str]]:
    return [
        ("15 MB", b"\xff\xd8\xff" + b"\0" * 15_000_000, "image/jpeg", {413}, "trop lourd"),
        (
            "text file",
            b"Bonjour, ceci n'est pas une photo.\n",
            "text/plain",
            {415, 422},
            "",
        ),
        ("GIF", encoded("GIF", (50, 50), "RGB"), "image/gif", {415, 422}, "JPEG"),
        ("truncated JPEG", photo_jpeg(800, 600, 1)[:2000], "image/jpeg", {422}, "pas une image"),
        ("empty body", b"", "image/jpeg", {422}, "image"),
        (
            "PNG declaring 20000×20000",
            png_declaring(20_000, 20_000),
            "image/png",
            {413, 422},
            "trop grande",
        ),
        (
            "PNG declaring 8000×8000",
            png_declaring(8_000, 8_000),
            "image/png",
            {413, 422},
            "trop grande",
        ),
    ]


REJECTIONS = _rejections()


@pytest.mark.parametrize(
    ("label", "data", "kind", "statuses", "word"), REJECTIONS, ids=[r[0] for r in REJECTIONS]
)
def test_bad_uploads_are_refused_in_french_and_the_old_photo_stays(
    manager: httpx.Client, label: str, data: bytes, kind: str, statuses: set[int], word: str
) -> None:
    hire = new_hire(manager)
    assert put_photo(manager, hire["id"], photo_jpeg(900, 600, 1)).status_code == 200
    before_photo = stored(manager, hire["id"])
    before = manager.get(f"/api/v1/hires/{hire['id']}").json()

    response = put_photo(manager, hire["id"], data, kind)
    assert response.status_code in statuses, (label, response.status_code, response.text)
    detail = response.json()["detail"]
    assert isinstance(detail, str) and word in detail
    assert "Traceback" not in response.text

    assert manager.get(f"/api/v1/hires/{hire['id']}").json() == before
    assert stored(manager, hire["id"]) == before_photo


def test_a_streamed_oversized_body_is_cut_off_with_413(manager: httpx.Client) -> None:
    """Without Content-Length (chunked), the limit is enforced while reading."""
    hire = new_hire(manager)

    def chunks() -> Iterator[bytes]:
        yield b"\xff\xd8\xff"
        for _ in range(15):
            yield b"\0" * 1_000_000

    response = manager.put(
        f"/api/v1/hires/{hire['id']}/photo",
        content=chunks(),
        headers={"Content-Type": "image/jpeg"},
    )
    assert response.status_code == 413
    assert "Mo" in response.json()["detail"]
    assert manager.get(f"/api/v1/hires/{hire['id']}").json()["has_photo"] is False


def test_without_consent_the_photo_never_reaches_the_screen(
    manager: httpx.Client, screen: httpx.Client
) -> None:
    hire = new_hire(manager, photo_consent=False)
    assert put_photo(manager, hire["id"], photo_jpeg(800, 600, 1)).status_code == 200
    published = manager.patch(f"/api/v1/hires/{hire['id']}", json={"status": "published"})
    assert published.status_code == 200

    shown = snapshot_hire(screen, hire["id"])
    assert shown is not None, "a published hire is in the gallery"
    assert shown["photo_path"] is None
    assert screen.get(f"/api/v1/display/photos/{hire['id']}").status_code == 404


def test_with_consent_and_published_the_screen_downloads_the_photo(
    manager: httpx.Client, screen: httpx.Client
) -> None:
    hire = new_hire(manager, photo_consent=True)
    assert put_photo(manager, hire["id"], photo_jpeg(1000, 800, 1)).status_code == 200

    # A draft is not on the screen, photo or not.
    assert snapshot_hire(screen, hire["id"]) is None
    assert screen.get(f"/api/v1/display/photos/{hire['id']}").status_code == 404

    manager.patch(f"/api/v1/hires/{hire['id']}", json={"status": "published"}).raise_for_status()
    shown = snapshot_hire(screen, hire["id"])
    assert shown is not None and shown["photo_path"]
    download = screen.get(shown["photo_path"])
    assert download.status_code == 200 and download.headers["content-type"] == "image/jpeg"
    assert download.content == stored(manager, hire["id"])

    # Consent withdrawn: gone from the screen at once.
    manager.patch(f"/api/v1/hires/{hire['id']}", json={"photo_consent": False}).raise_for_status()
    assert snapshot_hire(screen, hire["id"])["photo_path"] is None  # type: ignore[index]
    assert screen.get(f"/api/v1/display/photos/{hire['id']}").status_code == 404


def test_a_new_photo_changes_the_path_the_screen_downloads(
    manager: httpx.Client, screen: httpx.Client
) -> None:
    """The screen caches photos by path: a replaced photo must come with a new path."""
    hire = new_hire(manager, photo_consent=True)
    put_photo(manager, hire["id"], photo_jpeg(800, 600, 1)).raise_for_status()
    manager.patch(f"/api/v1/hires/{hire['id']}", json={"status": "published"}).raise_for_status()
    first = snapshot_hire(screen, hire["id"])["photo_path"]  # type: ignore[index]
    put_photo(manager, hire["id"], encoded("PNG", (300, 300), "RGB"), "image/png")
    second = snapshot_hire(screen, hire["id"])["photo_path"]  # type: ignore[index]
    assert first != second
    assert Image.open(io.BytesIO(screen.get(second).content)).size == (300, 300)


def test_screens_and_anonymous_callers_cannot_upload(
    module_server: LiveServer, manager: httpx.Client, screen: httpx.Client
) -> None:
    hire = new_hire(manager)
    data = photo_jpeg(400, 300, 1)
    assert put_photo(screen, hire["id"], data).status_code == 401
    with module_server.client() as anonymous:
        assert put_photo(anonymous, hire["id"], data).status_code == 401
    assert manager.get(f"/api/v1/hires/{hire['id']}").json()["has_photo"] is False
