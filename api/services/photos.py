"""Uploaded photos: checked, re-encoded (EXIF stripped, ≤ 1920 px) and stored in the data folder."""

from __future__ import annotations

import io
import os
import secrets
import warnings
from pathlib import Path

from PIL import Image, ImageOps

from api.errors import Invalid, TooLarge

MAX_SIDE_PX = 1920
MAX_PIXELS = 40_000_000  # larger images are refused as decompression bombs
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}


def reencode(raw: bytes, *, max_bytes: int) -> bytes:
    """Return a clean JPEG of the uploaded image, or raise a French error (413/422)."""
    if len(raw) > max_bytes:
        raise TooLarge(f"Photo trop lourde : {max_bytes // 1_000_000} Mo au maximum.")
    if not raw:
        raise Invalid("Le fichier est vide.", field="photo")
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
    image = ImageOps.exif_transpose(image)
    image.thumbnail((MAX_SIDE_PX, MAX_SIDE_PX))
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, (255, 255, 255))
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def store(photos_dir: Path, prefix: str, jpeg: bytes) -> str:
    """Write the JPEG atomically; return its file name (random, not guessable)."""
    photos_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = f"{prefix}-{secrets.token_hex(8)}.jpg"
    tmp = photos_dir / (name + ".tmp")
    with open(tmp, "wb") as handle:
        handle.write(jpeg)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(photos_dir / name)
    return name


def remove(photos_dir: Path, name: str | None) -> None:
    """Delete a stored photo if it exists."""
    if name:
        (photos_dir / name).unlink(missing_ok=True)
