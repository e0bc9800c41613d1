"""Staff pages for phones: server-rendered, mobile-first, in French, working without JavaScript.

``api.main.create_app`` calls ``admin.install(app)``, which adds the page routes, the
``/static`` files, the security headers and the French error pages.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

PACKAGE_DIR = Path(__file__).resolve().parent
STATIC_DIR = PACKAGE_DIR / "static"
TEMPLATES_DIR = PACKAGE_DIR / "templates"


def install(app: FastAPI) -> None:
    """Register the staff pages on ``app`` (the way any extension would)."""
    from fastapi.staticfiles import StaticFiles

    from admin import routes, security
    from admin.errors import html_error

    app.include_router(routes.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    security.install(app)
    app.state.html_error = html_error


__all__ = ["PACKAGE_DIR", "STATIC_DIR", "TEMPLATES_DIR", "install"]
