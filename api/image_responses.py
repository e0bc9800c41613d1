"""Stored images over HTTP, for the API and the staff pages: strong ETag, 304, cache headers.

The ETag is the image's SHA-256, so any host answers the same for the same bytes and a client
holding them gets a 304 without the bytes being read from the database.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

from fastapi import Request, Response

from api.services.images import ANY, Image

# Photos whose URL names the hire's version (``?v=``): a new photo always comes with a new URL.
IMMUTABLE = "private, max-age=31536000, immutable"
# Anything else (a URL without the current version, screenshots): kept, but checked each time.
REVALIDATE = "private, no-cache"
_TAG = re.compile(r'^(?:W/)?"([0-9a-f]{64})"$')
MAX_TAGS = 16  # a client holds one version; more is noise not worth a longer query


def known_etags(request: Request) -> set[str]:
    """The image hashes the client says it holds (``If-None-Match``), ``*`` included."""
    header = request.headers.get("if-none-match", "")
    known: set[str] = set()
    for item in header.split(",")[:MAX_TAGS]:
        item = item.strip()
        if item == ANY:
            known.add(ANY)
        elif match := _TAG.match(item):
            known.add(match.group(1))  # If-None-Match compares weakly: W/ is ignored
    return known


def versioned(request: Request, current_version: int) -> bool:
    """Whether the URL names ``current_version`` (``?v=``), so that its answer never changes."""
    return request.query_params.get("v") == str(current_version)


def image_response(
    request: Request,
    load: Callable[[Collection[str]], Image | None],
    *,
    cache_control: str,
    missing: Callable[[], Exception],
) -> Response:
    """200 with the image, 304 when the client holds it, or raise ``missing()``."""
    known = known_etags(request)
    image = load(known)
    if image is None:
        raise missing()
    headers = {"ETag": f'"{image.sha256}"', "Cache-Control": cache_control}
    if image.data is None:
        return Response(status_code=304, headers=headers)
    return Response(image.data, media_type=image.media_type, headers=headers)
