"""Uploaded photos: re-encoded as a clean JPEG of bounded size, or refused in French."""

from __future__ import annotations

import asyncio
import io
import struct
import zlib

import pytest
from PIL import Image

from api.errors import Invalid, TooLarge
from api.services import photos


def _encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_header(width: int, height: int) -> bytes:
    """A PNG announcing ``width`` × ``height`` black-and-white pixels, with almost no data."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\0"))
        + _chunk(b"IEND", b"")
    )


def _opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def test_a_large_photo_comes_back_as_a_jpeg_of_at_most_1920_pixels() -> None:
    raw = _encoded(Image.new("RGB", (2400, 600), (10, 120, 200)), "PNG")
    clean = _opened(photos.reencode(raw, max_bytes=10_000_000))
    assert (clean.format, clean.size) == ("JPEG", (1920, 480))


def test_the_camera_orientation_is_applied_and_its_metadata_dropped() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    exif[0x010F] = "Appareil de Karim"
    raw = _encoded(Image.new("RGB", (40, 20), (200, 30, 30)), "JPEG", exif=exif.tobytes())
    clean = _opened(photos.reencode(raw, max_bytes=10_000_000))
    assert clean.size == (20, 40)
    assert dict(clean.getexif()) == {}


def test_transparency_becomes_white() -> None:
    raw = _encoded(Image.new("RGBA", (10, 10), (0, 0, 0, 0)), "PNG")
    clean = _opened(photos.reencode(raw, max_bytes=10_000_000)).convert("RGB")
    assert min(clean.getpixel((5, 5))) > 240  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "error", "message"),
    [
        (b"", Invalid, "Le fichier est vide."),
        (b"pas une image", Invalid, "Ce fichier n'est pas une image lisible."),
        (
            _encoded(Image.new("RGB", (8, 8)), "GIF"),
            Invalid,
            "Format non accepté : JPEG, PNG ou WebP.",
        ),
        (b"x" * 2_000_001, TooLarge, "Photo trop lourde : 2 Mo au maximum."),
    ],
)
def test_refusals_say_why_in_french(raw: bytes, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as refused:
        photos.reencode(raw, max_bytes=2_000_000)
    assert refused.value.message == message  # type: ignore[attr-defined]


def test_a_decompression_bomb_is_refused_before_it_is_decoded() -> None:
    raw = _png_header(8000, 6000)  # 48 Mpx announced in a few bytes
    with pytest.raises(TooLarge, match=r"^Image trop grande \(en pixels\)\.$"):
        photos.reencode(raw, max_bytes=10_000_000)


def test_off_loop_runs_the_decoding_on_a_photo_worker() -> None:
    raw = _encoded(Image.new("RGB", (30, 30)), "PNG")

    async def upload() -> bytes:
        return await photos.off_loop(photos.reencode, raw, max_bytes=1_000_000)

    assert _opened(asyncio.run(upload())).format == "JPEG"
