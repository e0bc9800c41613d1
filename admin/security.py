"""Security headers on every response (500 pages included), and the page-level error handlers.

``install(app)`` is called once by ``api.main.create_app``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from fastapi import FastAPI

# No inline script anywhere: the pages only load /static files from this origin.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

_COMMON_HEADERS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"geolocation=(), microphone=(), payment=()"),
]
# Sent when PUBLIC_URL is https: browsers then refuse plain HTTP to this host for a year.
HSTS = (b"strict-transport-security", b"max-age=31536000")


class SecurityHeadersMiddleware:
    """Pure ASGI middleware (cheaper than BaseHTTPMiddleware, keeps SSE streaming)."""

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.common = [*_COMMON_HEADERS, HSTS] if hsts else _COMMON_HEADERS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in self.common:
                    if name not in present:
                        headers.append((name, value))
                # A page with a policy of its own keeps it (/docs allows its one inline
                # script by hash, api/docs.py).
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", CSP.encode()))
                content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
                # Staff pages show names and notes: never keep them in a shared phone's cache.
                if content_type.startswith(b"text/html") and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                # Time spent in the application, for bench/admin.py and browser devtools.
                elapsed_ms = (time.perf_counter() - started) * 1000
                headers.append((b"server-timing", f"app;dur={elapsed_ms:.1f}".encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install(app: FastAPI) -> None:
    """Add the security headers and the staff pages' error handlers to ``app``."""
    from admin.errors import register_handlers

    hsts = app.state.settings.secure_cookies  # PUBLIC_URL is https
    build_stack = app.build_middleware_stack

    def build_with_headers() -> ASGIApp:
        # Around the whole stack: ``add_middleware`` would put the headers inside Starlette's
        # ServerErrorMiddleware, and the 500 page it sends would go out without them.
        return SecurityHeadersMiddleware(build_stack(), hsts=hsts)

    app.build_middleware_stack = build_with_headers  # type: ignore[method-assign]
    register_handlers(app)
