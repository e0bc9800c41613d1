"""Uploaded photos: checked and re-encoded (EXIF stripped, ≤ 1920 px) before they are stored.

Decoding a large photo takes a second of CPU and up to ~150 MB: it never runs on the event loop
(``off_loop`` hands it to the photo workers) and never more than ``MAX_CONCURRENT_DECODES`` at a
time in a process, whoever calls ``reencode``.

From a coroutine: ``jpeg = await photos.off_loop(photos.reencode, raw, max_bytes=10_000_000)``.
"""

from __future__ import annotations

import asyncio
import functools
import io
import threading
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from PIL import Image, ImageOps

from api.errors import Invalid, TooLarge

MEDIA_TYPE = "image/jpeg"  # every stored photo, whatever was uploaded
MAX_SIDE_PX = 1920
MAX_PIXELS = 40_000_000  # larger images are refused as decompression bombs
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_CONCURRENT_DECODES = 2  # a 6000×6000 image is ~100 MB once decoded

# Waiting uploads queue here without holding a thread (the event loop's default executor and
# the pool running sync routes stay free for screens and health checks).
_WORKERS = ThreadPoolExecutor(max_workers=MAX_CONCURRENT_DECODES, thread_name_prefix="photo")
_DECODE_SLOTS = threading.BoundedSemaphore(MAX_CONCURRENT_DECODES)
_P = ParamSpec("_P")
_T = TypeVar("_T")


async def off_loop(func: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
    """Run ``func`` (anything that decodes a photo) on a photo worker; return its result."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_WORKERS, functools.partial(func, *args, **kwargs))


def reencode(raw: bytes, *, max_bytes: int) -> bytes:
    """Return a clean JPEG of the uploaded image, or raise a French error (413/422)."""
    if len(raw) > max_bytes:
        raise TooLarge(f"Photo trop lourde : {max_bytes // 1_000_000} Mo au maximum.")
    if not raw:
        raise Invalid("Le fichier est vide.", field="photo")
    with _DECODE_SLOTS:
        return _reencode(raw)


def _reencode(raw: bytes) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(raw))
            if image.format not in ACCEPTED_FORMATS:
                raise Invalid("Format non accepté : JPEG, PNG ou WebP.", field="photo")
            if image.width * image.height > MAX_PIXELS:
                raise TooLarge("Image trop grande (en pixels).")
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise TooLarge("Image trop grande (en pixels).") from exc
        except (OSError, SyntaxError, ValueError) as exc:
            raise Invalid("Ce fichier n'est pas une image lisible.", field="photo") from exc
    ImageOps.exif_transpose(image, in_place=True)  # a copy would be another 100 MB
    image.thumbnail((MAX_SIDE_PX, MAX_SIDE_PX))
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, (255, 255, 255))
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()
