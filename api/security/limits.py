"""Request body limits: one table for every route, enforced before any route or login check runs.

An anonymous client sending a huge body costs the service nothing: a declared Content-Length
over the limit is refused at once, and a streamed (chunked) body is cut off as soon as the bytes
received pass the limit. The Caddyfile (deploy/raspberrypi/conf/Caddyfile.in) repeats these
figures in front of the service.
"""

from __future__ import annotations

import re

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.params import ascii_int
from api.services.screens import MAX_SCREENSHOT_BYTES
from api.settings import Settings

MIB = 1024 * 1024
# JSON bodies and staff forms without a file: the longest real one is a few dozen kB.
DEFAULT_BODY_LIMIT = 1 * MIB
# A staff form with a photo: Starlette spools files to disk, so a photo up to this many times
# too heavy still reaches the form, which answers « Photo trop lourde » and keeps the story.
PHOTO_FORM_FACTOR = 4
# Room for the form's text fields and the multipart boundaries around the photo.
MULTIPART_OVERHEAD = 1 * MIB
# A CSV export uploaded from the phone (api.services.offer_import): 5,000 lines stay well under.
IMPORT_FILE_BYTES = 2 * MIB
# The largest COULOIR_MAX_UPLOAD_MB allowed by api/settings.py; the Caddyfile's bound for uploads.
MAX_UPLOAD_MB_ALLOWED = 50

# Routes whose body is a photo or a screenshot; every other route gets DEFAULT_BODY_LIMIT.
_PHOTO_PUT = re.compile(r"^/api/v1/hires/[^/]+/photo$")
_SCREENSHOT_PUT = "/api/v1/display/screenshot"
_PHOTO_FORM = re.compile(r"^/admin/embauches/(nouvelle|[^/]+)$")
_IMPORT_FORM = "/admin/offres/importer"


def photo_bytes(settings: Settings) -> int:
    """The heaviest photo accepted (COULOIR_MAX_UPLOAD_MB)."""
    return settings.max_upload_mb * 1_000_000


def photo_form_bytes(max_upload_mb: int) -> int:
    """The largest staff hire form (story and photo) read before answering."""
    return PHOTO_FORM_FACTOR * max_upload_mb * 1_000_000 + MULTIPART_OVERHEAD


def body_limit(method: str, path: str, settings: Settings) -> int:
    """The largest body accepted for ``method path``, in bytes (the one table)."""
    if method == "PUT" and _PHOTO_PUT.match(path):
        return photo_bytes(settings)
    if method == "PUT" and path == _SCREENSHOT_PUT:
        return MAX_SCREENSHOT_BYTES
    if method == "POST" and _PHOTO_FORM.match(path):
        return photo_form_bytes(settings.max_upload_mb)
    if method == "POST" and path == _IMPORT_FORM:
        # Twice the largest file, so that a file too big still reaches the form and its
        # « Fichier trop gros » rather than a bare 413.
        return 2 * IMPORT_FILE_BYTES + MULTIPART_OVERHEAD
    return DEFAULT_BODY_LIMIT


def too_large_message(limit: int) -> str:
    """The French reason sent with a 413."""
    if limit >= 1_000_000:
        return f"Envoi trop lourd : {limit // 1_000_000} Mo au maximum."
    return f"Envoi trop lourd : {limit // 1024} ko au maximum."


def parse_count(text: str, maximum: int) -> int | None:
    """A whole number written in ASCII digits (a header's byte count, a version), or None.

    None too when it is negative or passes ``maximum`` (see ``api.params.ascii_int``).
    """
    value = ascii_int(text)
    return value if value is not None and 0 <= value <= maximum else None


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes the limit.

    An HTTPException so that FastAPI hands it to the 413 handler instead of calling it a body
    it could not parse.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_message(limit), headers={"Connection": "close"})


class BodyLimitMiddleware:
    """Pure ASGI middleware (keeps SSE streaming): 413 as soon as a body passes its limit."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope["method"], scope["path"], self.settings)
        declared = _header(scope, b"content-length")
        if declared is not None:
            length = parse_count(declared, 2**63)
            if length is None:
                await _refuse(scope, receive, send, 400, "En-tête Content-Length invalide.")
                return
            if length > limit:
                await _refuse(scope, receive, send, 413, too_large_message(limit))
                return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except BodyTooLarge:
            # Once an answer has started there is nothing to add: the connection just ends.
            if not started:
                await _refuse(scope, receive, send, 413, too_large_message(limit))


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1").strip()
    return None


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, reason: str) -> None:
    from api.main import error_response

    # The client may still be sending: close rather than wait for a body nobody will read.
    response = error_response(Request(scope), status, reason, headers={"Connection": "close"})
    await response(scope, receive, send)
