"""Third-party libraries of the screen, imported without optional parts it never uses.

On import, httpx loads its command-line tool, which pulls in click and pygments whenever
they happen to be installed (uvicorn brings click); qrcode loads Pillow for its image
writers; pygame loads its sound modules and their codecs. The screen sends requests,
reads QR matrices and is silent: hiding those optional parts while the library is
imported saves the Pi about 9 MiB. Each library treats them as optional and carries on.
The HTTP client the screen's workers share is made here too.
"""

from __future__ import annotations

import functools
import importlib
import ssl
import sys
from types import ModuleType
from typing import TYPE_CHECKING


def import_without(name: str, *optional: str) -> ModuleType:
    """Import ``name`` as if the modules ``optional`` were not installed.

    Nothing changes if any of them is already imported (then it is shared anyway).
    """
    if name in sys.modules or any(module in sys.modules for module in optional):
        return importlib.import_module(name)
    for module in optional:
        sys.modules[module] = None  # type: ignore[assignment]  # makes its import fail
    try:
        return importlib.import_module(name)
    finally:
        for module in optional:
            del sys.modules[module]


def import_pygame_silent() -> ModuleType:
    """Import pygame without its sound modules; call it before anything imports pygame."""
    return import_without("pygame", "pygame.mixer", "pygame.mixer_music")


if TYPE_CHECKING:
    import httpx
    import qrcode
else:
    httpx = import_without("httpx", "click")
    qrcode = import_without("qrcode", "PIL")


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The one TLS context the screen's HTTP clients share.

    Each client would otherwise load the certificate bundle on its own: 1.5 MiB apiece.
    Same trust as httpx's default (its bundle, or ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``).
    """
    return httpx.create_ssl_context()


def service_client(
    api_url: str,
    token: str | None,
    *,
    timeout: httpx.Timeout | float,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """An HTTP client for the Couloir service, as every worker of the screen uses it.

    It names the program, carries the screen's token when there is one, and shares the
    one TLS context. ``transport`` replaces the network (tests).
    """
    headers = {"User-Agent": "couloir-display"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.Client(
        base_url=api_url.rstrip("/"),
        headers=headers,
        timeout=timeout,
        transport=transport,
        verify=tls_context(),
    )


__all__ = ["httpx", "import_pygame_silent", "import_without", "qrcode", "service_client"]
