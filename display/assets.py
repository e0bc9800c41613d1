"""Fonts (and later images) for the screen: the only display module that reads files.

Files are read once into memory at start; fonts of any size are then built from those
bytes, so nothing touches the disk while the screen is drawing.

    >>> assets = Assets.load()
    >>> assets.font("bold", 36).get_height()
    42
"""

from __future__ import annotations

import io
import logging
from collections import OrderedDict
from pathlib import Path

import pygame

log = logging.getLogger(__name__)

ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"
SYSTEM_FONTS = Path("/usr/share/fonts/truetype/dejavu")  # Debian's fonts-dejavu-core

# Font faces the renderer asks for, and the vendored file of each (DejaVu, see its licence).
FACES: dict[str, str] = {
    "regular": "DejaVuSans.ttf",
    "bold": "DejaVuSans-Bold.ttf",
    "condensed": "DejaVuSansCondensed.ttf",
    "condensed_bold": "DejaVuSansCondensed-Bold.ttf",
}
_MAX_FONTS = 24  # distinct (face, size) pairs kept open


class Assets:
    """In-memory font files, and a bounded cache of ``pygame.font.Font`` objects."""

    def __init__(self, fonts: dict[str, bytes]) -> None:
        self._font_data = fonts
        self._fonts: OrderedDict[tuple[str, int], pygame.font.Font] = OrderedDict()

    @classmethod
    def load(cls, root: Path | None = None) -> Assets:
        """Read the fonts under ``root`` (default: the repository's assets/).

        An installed package (pip install of a wheel) may not carry assets/: the same
        DejaVu files are then taken from Debian's fonts-dejavu-core, and a face missing
        everywhere is logged and replaced by pygame's built-in font, so a broken install
        still shows something readable.
        """
        folders = [(root or ASSETS_DIR) / "fonts", SYSTEM_FONTS]
        fonts: dict[str, bytes] = {}
        for face, name in FACES.items():
            for folder in folders:
                try:
                    fonts[face] = (folder / name).read_bytes()
                    break
                except OSError:
                    continue
            else:
                log.warning("police %s introuvable dans %s : police par défaut", name, folders)
        return cls(fonts)

    def font(self, face: str, px: int) -> pygame.font.Font:
        """Return the font ``face`` at ``px`` pixels (cached, least recently used dropped)."""
        key = (face, px)
        found = self._fonts.get(key)
        if found is not None:
            self._fonts.move_to_end(key)
            return found
        if not pygame.font.get_init():
            pygame.font.init()
        data = self._font_data.get(face) or self._font_data.get("regular")
        font = pygame.font.Font(io.BytesIO(data) if data else None, px)
        self._fonts[key] = font
        if len(self._fonts) > _MAX_FONTS:
            self._fonts.popitem(last=False)
        return font
