"""The application's route table, read the way FastAPI reads it: for tests generated from it."""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from api.main import create_app
from api.settings import Settings


@dataclass(frozen=True)
class Param:
    """One path or query parameter of one route."""

    methods: tuple[str, ...]
    path: str  # with its prefix, e.g. /api/v1/offers/{offer_id}
    name: str  # as sent (the alias)
    where: str  # "path" or "query"
    annotation: Any
    metadata: tuple[Any, ...]

    @property
    def is_int(self) -> bool:
        """True when the parameter is parsed as an integer (alone or optional)."""
        options = typing.get_args(self.annotation) if _is_union(self.annotation) else ()
        return self.annotation is int or int in options

    def bound(self, kind: str) -> int | None:
        """The ``ge``/``gt``/``le``/``lt`` bound declared on the parameter, if any."""
        for item in self.metadata:
            value = getattr(item, kind, None)
            if value is not None:
                return int(value)
        return None


def _is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


def app_for_tests(data_dir: Path) -> FastAPI:
    """The application as ``couloir serve`` builds it (no database is opened)."""
    settings = Settings(data_dir=data_dir, secret_key="t" * 40, env="development")
    return create_app(settings)


def _params(dependant: Dependant) -> Iterator[tuple[str, Any]]:
    for field in dependant.path_params:
        yield "path", field
    for field in dependant.query_params:
        yield "query", field
    for sub in dependant.dependencies:
        yield from _params(sub)


def parameters(app: FastAPI) -> list[Param]:
    """Every path and query parameter of every route, dependencies included."""
    out = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        for where, field in _params(route.dependant):
            info = field.field_info
            out.append(
                Param(
                    methods=tuple(sorted(context.methods or ())),
                    path=str(context.path),
                    name=field.alias,
                    where=where,
                    annotation=info.annotation,
                    metadata=tuple(info.metadata),
                )
            )
    return out
