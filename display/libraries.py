"""Third-party libraries of the screen, imported without optional parts it never uses.

On import, httpx loads its command-line tool, which pulls in click and pygments whenever
they happen to be installed (uvicorn brings click), and qrcode loads Pillow for its image
writers. The screen only sends requests and reads QR matrices: hiding those optional
packages while the library is imported saves the Pi about 6 MiB. Both libraries treat
them as optional and carry on without.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import TYPE_CHECKING


def import_without(name: str, optional: str) -> ModuleType:
    """Import ``name`` as if the optional package ``optional`` were not installed.

    Nothing changes if either is already imported (then it is shared anyway).
    """
    if name in sys.modules or optional in sys.modules:
        return importlib.import_module(name)
    sys.modules[optional] = None  # type: ignore[assignment]  # makes its import fail
    try:
        return importlib.import_module(name)
    finally:
        del sys.modules[optional]


if TYPE_CHECKING:
    import httpx
    import qrcode
else:
    httpx = import_without("httpx", "click")
    qrcode = import_without("qrcode", "PIL")

__all__ = ["httpx", "import_without", "qrcode"]
