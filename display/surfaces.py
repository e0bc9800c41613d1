"""Pixel buffers for the screen: display-format surfaces, photos cropped to fill, and
a heap that gives big buffers back.

    >>> crop_to_fill(pygame.Surface((400, 300)), (100, 100)).get_size()
    (100, 100)
"""

from __future__ import annotations

import ctypes
import functools
import math

import pygame


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    """The C library when it is glibc (its allocator is the one tuned here), else None."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


@functools.cache
def tune_heap() -> None:
    """Have glibc give big pixel buffers back to the system as soon as they are freed.

    Scene surfaces are a few MiB each and come and go with every view; by default glibc
    raises its mmap threshold after the first free, then keeps such buffers in a heap
    that only grows, and the RSS of a long-running screen creeps up. A fixed threshold
    keeps it flat. No effect off glibc.
    """
    libc = _glibc()
    if libc is not None:
        libc.mallopt(_M_MMAP_THRESHOLD, 256 * 1024)


_M_MMAP_THRESHOLD = -3


def give_back_free_memory() -> None:
    """Return the heap's free pages to the system (glibc ``malloc_trim``).

    Called when a new snapshot replaces the old one: parsing and drawing it freed a few
    MiB in the middle of the heap, which glibc would otherwise keep. Takes well under a
    millisecond. No effect off glibc.
    """
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


def display_ready() -> bool:
    """Whether a display surface exists (its pixel format is then the one to match)."""
    return pygame.display.get_init() and pygame.display.get_surface() is not None


def prepare(surface: pygame.Surface) -> pygame.Surface:
    """Match the display's pixel format when there is one, for fast blits."""
    return surface.convert() if display_ready() else surface


def crop_to_fill(image: pygame.Surface, size: tuple[int, int]) -> pygame.Surface:
    """Scale ``image`` to cover ``size`` and cut the overflow (centred, a bit high)."""
    tw, th = size
    iw, ih = image.get_size()
    if iw == 0 or ih == 0 or tw <= 0 or th <= 0:
        return pygame.Surface((max(1, tw), max(1, th)))
    if image.get_bitsize() not in (24, 32):
        widened = pygame.Surface(image.get_size(), 0, 32)
        widened.blit(image, (0, 0))
        image = widened
    scale = max(tw / iw, th / ih)
    scaled = pygame.transform.smoothscale(
        image, (max(tw, math.ceil(iw * scale)), max(th, math.ceil(ih * scale)))
    )
    sw, sh = scaled.get_size()
    # Centred across; slightly high down the picture, where faces usually are.
    area = pygame.Rect((sw - tw) // 2, round((sh - th) * 0.35), tw, th)
    out = pygame.Surface((tw, th))
    out.blit(scaled, (0, 0), area)
    return out
