"""The API's interactive documentation at ``/docs``, served whole by Couloir: no CDN, no network.

Swagger UI's script and style sheet come from an installed package (``fastapi-offline`` ships a
Swagger UI that reads OpenAPI 3.1) and are served under ``/docs/assets``, one fixed route per
file. The page keeps a strict Content-Security-Policy: its one inline script (FastAPI's start-up
call) is allowed by its SHA-256 hash, not by ``'unsafe-inline'``. ReDoc is turned off (one
documentation page is enough).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

DOCS_URL = "/docs"
ASSETS_URL = f"{DOCS_URL}/assets"
ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"
ASSET_FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon.png")
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def script_hashes(page: str) -> list[str]:
    """CSP sources (``'sha256-…'``) for the inline scripts of ``page``.

    >>> script_hashes("<script>go()</script>")
    ["'sha256-5KYv+PUboo5h+0+YAtGRPbwv5d/QxzHslP4YGnUaxRw='"]
    """
    return [
        f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'"
        for body in _INLINE_SCRIPT.findall(page)
    ]


def docs_csp(page: str) -> str:
    """The Content-Security-Policy of the documentation page: self only, its own script by hash."""
    return (
        f"default-src 'self'; script-src 'self' {' '.join(script_hashes(page))}; "
        "style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


def docs_page_html(openapi_url: str, title: str) -> str:
    """Swagger UI's page for ``openapi_url``, loading only this server's assets."""
    page = get_swagger_ui_html(
        openapi_url=openapi_url,
        title=title,
        swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
        oauth2_redirect_url=None,
        # No validator badge: it would send the schema to a third-party host.
        swagger_ui_parameters={"validatorUrl": None},
    )
    return bytes(page.body).decode()


# FastAPI's default description of a success, in the schema every operation shows.
_DEFAULT_SUCCESS = "Successful Response"
SUCCESS = "Réussite."


def _in_french(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with FastAPI's default English answer descriptions in French (in place)."""
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            for answer in operation.get("responses", {}).values():
                if answer.get("description") == _DEFAULT_SUCCESS:
                    answer["description"] = SUCCESS
    return schema


def install(app: FastAPI) -> None:
    """Serve ``/docs`` and its assets on ``app`` (built with ``docs_url=None, redoc_url=None``),
    and write the OpenAPI schema's default descriptions in French."""
    assert app.openapi_url is not None
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _in_french(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    html = docs_page_html(app.openapi_url, f"{app.title} — API")
    headers = {"Content-Security-Policy": docs_csp(html)}

    @app.get(DOCS_URL, include_in_schema=False)
    def docs() -> HTMLResponse:
        """Swagger UI (one page for everyone: the API itself asks for the tokens)."""
        return HTMLResponse(html, headers=headers)

    # One fixed route per file (no path parameter, no directory to walk).
    for name in ASSET_FILES:
        app.add_api_route(
            f"{ASSETS_URL}/{name}", _asset_route(ASSETS_DIR / name), include_in_schema=False
        )


def _asset_route(path: Path) -> Callable[[], FileResponse]:
    def asset() -> FileResponse:
        return FileResponse(path, headers={"Cache-Control": "public, max-age=86400"})

    asset.__name__ = f"docs_asset_{path.stem.replace('-', '_')}"
    return asset
