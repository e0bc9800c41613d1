"""QR codes as pygame surfaces, cached by content.

Each code gets a 4-module quiet zone of light colour and whole-pixel modules, so a phone
reads it from a corridor.

    >>> surface = QrCache().surface("https://couloir.example/o/AB12CD", module_px=6)
    >>> surface.get_width() == (QrCache().modules("https://couloir.example/o/AB12CD") + 8) * 6
    True
"""

from __future__ import annotations

import pygame

from display.libraries import qrcode
from display.text import LRU, surface_bytes

QUIET_ZONE = 4  # modules of light margin the QR standard asks for


Matrix = tuple[bytes, ...]  # one row per bytes, 1 = dark module


def qr_matrix(data: str) -> Matrix:
    """Dark/light modules of ``data``'s QR code, without quiet zone."""
    code = qrcode.QRCode(error_correction=qrcode.ERROR_CORRECT_M, border=0)
    code.add_data(data)
    code.make(fit=True)
    return tuple(bytes(row) for row in code.get_matrix())


class QrCache:
    """Rendered QR surfaces keyed by (data, module size), bounded in bytes."""

    def __init__(self, *, cached: bool = True, budget_bytes: int = 2 << 20) -> None:
        self.cached = cached
        self._matrices: LRU[str, Matrix] = LRU(256)
        self._surfaces: LRU[tuple, pygame.Surface] = LRU(budget_bytes)

    def _matrix(self, data: str) -> Matrix:
        found = self._matrices.get(data) if self.cached else None
        if found is None:
            found = qr_matrix(data)
            if self.cached:
                self._matrices.put(data, found)
        return found

    def modules(self, data: str) -> int:
        """Modules per side of ``data``'s code (quiet zone excluded)."""
        return len(self._matrix(data))

    def side(self, data: str, module_px: int) -> int:
        """Pixel side of the surface ``surface`` returns."""
        return (self.modules(data) + 2 * QUIET_ZONE) * module_px

    def surface(
        self,
        data: str,
        module_px: int,
        dark: tuple[int, int, int] = (0, 0, 0),
        light: tuple[int, int, int] = (255, 255, 255),
    ) -> pygame.Surface:
        """The code of ``data`` with its quiet zone, ``module_px`` pixels per module."""
        key = (data, module_px, dark, light)
        found = self._surfaces.get(key) if self.cached else None
        if found is not None:
            return found
        matrix = self._matrix(data)
        side = (len(matrix) + 2 * QUIET_ZONE) * module_px
        # Two colours only: an 8-bit palette surface takes a quarter of the memory.
        surface = pygame.Surface((side, side), 0, 8)
        surface.set_palette([light, dark])
        surface.fill(light)
        for y, row in enumerate(matrix):
            top = (y + QUIET_ZONE) * module_px
            x = 0
            while x < len(row):
                if not row[x]:
                    x += 1
                    continue
                start = x  # draw each horizontal run of dark modules as one rectangle
                while x < len(row) and row[x]:
                    x += 1
                left = (start + QUIET_ZONE) * module_px
                surface.fill(dark, (left, top, (x - start) * module_px, module_px))
        if self.cached:
            self._surfaces.put(key, surface, surface_bytes(surface))
        return surface
