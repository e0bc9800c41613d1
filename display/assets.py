"""Fonts (and later images) for the screen: the only display module that reads files.

Font files are found once at start and opened once per face; FreeType then reads the
glyphs it needs from the open file (the page cache after the first frames), which costs
the Pi far less memory than holding every font file whole.

    >>> assets = Assets.load()
    >>> assets.font("bold", 36).get_height()
    42
"""

from __future__ import annotations

import logging
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


class Assets:
    """The font file of each face, and one open ``pygame.font.Font`` per face."""

    def __init__(self, fonts: dict[str, Path]) -> None:
        self._font_files = fonts
        self._fonts: dict[str, pygame.font.Font] = {}

    @classmethod
    def load(cls, root: Path | None = None) -> Assets:
        """Find the fonts under ``root`` (default: the repository's assets/).

        An installed package (pip install of a wheel) may not carry assets/: the same
        DejaVu files are then taken from Debian's fonts-dejavu-core, and a face missing
        everywhere is logged and replaced by pygame's built-in font, so a broken install
        still shows something readable.
        """
        folders = [(root or ASSETS_DIR) / "fonts", SYSTEM_FONTS]
        fonts: dict[str, Path] = {}
        for face, name in FACES.items():
            for folder in folders:
                if (folder / name).is_file():
                    fonts[face] = folder / name
                    break
            else:
                log.warning("police %s introuvable dans %s : police par défaut", name, folders)
        return cls(fonts)

    def font(self, face: str, px: int) -> pygame.font.Font:
        """Return the font ``face`` set to ``px`` pixels, for immediate use.

        One font per face is kept and resized on demand: each open size would hold
        about 200 KiB of FreeType and HarfBuzz state, and text surfaces and layouts are
        cached anyway, so resizing (~0.1 ms) is rare. The returned object is shared:
        use it before asking for another size of the same face.
        """
        found = self._fonts.get(face)
        if found is None:
            if not pygame.font.get_init():
                pygame.font.init()
            path = self._font_files.get(face) or self._font_files.get("regular")
            found = self._open(path, px)
            self._fonts[face] = found
        elif found.point_size != px:
            found.point_size = px
        return found

    @staticmethod
    def _open(path: Path | None, px: int) -> pygame.font.Font:
        """Open ``path`` (pygame's built-in font if it is missing or unreadable)."""
        if path is not None:
            try:
                font = pygame.font.Font(path, px)
                font.render("Ag", True, (0, 0, 0))  # a damaged file opens, then fails here
                return font
            except (OSError, pygame.error) as exc:
                log.warning("police %s illisible (%s) : police par défaut", path, exc)
        return pygame.font.Font(None, px)
