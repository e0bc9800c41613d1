"""Stylesheet generated from the urgency levels, so colours and shapes are defined once."""

from __future__ import annotations

import hashlib
from functools import lru_cache

from fastapi import APIRouter, Request
from fastapi.responses import Response

from admin.urls import PREFIX
from api.domain.urgency import LEVELS

router = APIRouter(prefix=PREFIX, include_in_schema=False)

_SHAPES = {
    "circle": "circle(50% at 50% 50%)",
    "triangle": "polygon(50% 0, 100% 100%, 0 100%)",
    "diamond": "polygon(50% 0, 100% 50%, 50% 100%, 0 50%)",
    "octagon": "polygon(30% 0, 70% 0, 100% 30%, 100% 70%, 70% 100%, 30% 100%, 0 70%, 0 30%)",
}


@lru_cache(maxsize=1)
def urgency_css() -> tuple[str, str]:
    """The CSS text and its ETag."""
    lines = [
        ".badge{display:inline-flex;align-items:center;gap:.35rem;border:2px solid #1a1a1a;"
        "background:#fff;color:#1a1a1a;border-radius:1rem;padding:.05rem .55rem .05rem .35rem;"
        "font-weight:700;font-size:.9rem;white-space:nowrap}",
        ".shape{width:1.05rem;height:1.05rem;background:#1a1a1a;display:inline-block;"
        "position:relative;flex:none}",
        ".shape::after{content:'';position:absolute;inset:3px}",
        ".badge.big-badge{font-size:1.05rem;padding:.2rem .7rem .2rem .45rem}",
    ]
    for entry in LEVELS:
        shape = _SHAPES.get(entry.icon, _SHAPES["circle"])
        lines.append(f".u{entry.level} .shape,.u{entry.level} .shape::after{{clip-path:{shape}}}")
        lines.append(f".u{entry.level} .shape::after{{background:{entry.colour}}}")
        lines.append(f".offer.u{entry.level}{{border-left-color:{entry.colour}}}")
    text = "\n".join(lines) + "\n"
    return text, '"' + hashlib.sha256(text.encode()).hexdigest()[:16] + '"'


@router.get("/urgence.css")
def urgency_stylesheet(request: Request) -> Response:
    """Badge shapes and colours for the four urgency levels."""
    text, etag = urgency_css()
    headers = {"ETag": etag, "Cache-Control": "public, max-age=3600"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(text, media_type="text/css", headers=headers)
