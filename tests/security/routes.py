"""The application's route table, read from the app itself so that the suites follow new routes.

Each route says which permission it declares through a dependency (``api.deps.Allowed`` or
``admin.deps.Allowed``, both over the one table ``api.domain.permissions``), how it
authenticates (staff, screen, staff page, nobody) and which body model it reads.
"""

from __future__ import annotations

import inspect
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, get_args

from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import Mount

from api.domain.permissions import Action

API = "/api/v1"
PAGES = "/admin"
_PARAM = re.compile(r"{(\w+)(?::\w+)?}")  # {name} or {name:int}
STAFF_GUARDS = {"current_staff"}
SCREEN_GUARDS = {"current_screen", "cached_screen"}
PAGE_GUARDS = {"page_staff"}


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    name: str
    endpoint: Callable[..., Any] | None
    action: Action | None  # declared by a dependency; None when any logged-in person may
    guards: frozenset[str]  # names of the dependencies on the way (current_staff, …)
    body_model: str | None  # the class name of the JSON body, when there is one

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def params(self) -> list[str]:
        return _PARAM.findall(self.path)

    @property
    def is_api(self) -> bool:
        return self.path.startswith(API)

    @property
    def is_page(self) -> bool:
        return self.path.startswith(PAGES)

    @property
    def auth(self) -> str:
        """``screen``, ``staff`` (bearer or cookie), ``page`` (cookie) or ``public``."""
        if self.guards & SCREEN_GUARDS:
            return "screen"
        if self.guards & PAGE_GUARDS:
            return "page"
        if self.guards & STAFF_GUARDS:
            return "staff"
        return "public"

    def url(self, values: dict[str, Any]) -> str:
        """The path with its parameters filled from ``values``."""
        return _PARAM.sub(lambda m: str(values[m.group(1)]), self.path)


def _walk(dependant: Any) -> tuple[list[Action], set[str]]:
    actions: list[Action] = []
    names: set[str] = set()
    for sub in dependant.dependencies:
        call = sub.call
        try:
            action = inspect.getclosurevars(call).nonlocals.get("action")
        except TypeError:
            action = None
        if isinstance(action, Action):
            actions.append(action)
        names.add(getattr(call, "__name__", ""))
        more_actions, more_names = _walk(sub)
        actions += more_actions
        names |= more_names
    return actions, names


def _body_model(context: Any) -> str | None:
    field = getattr(context, "body_field", None)
    if field is None:
        return None
    annotation = field.field_info.annotation
    models = [a for a in (get_args(annotation) or (annotation,)) if a is not type(None)]
    return models[0].__name__


@cache
def app_routes() -> tuple[Route, ...]:
    """Every route of the application (HEAD aside), static files by one example."""
    from api.main import create_app
    from api.settings import Settings

    data_dir = Path(tempfile.mkdtemp(prefix="couloir-routes-"))
    app = create_app(Settings(data_dir=data_dir, secret_key="x" * 40))
    found: list[Route] = []
    for context in iter_route_contexts(app.routes):
        original = context.original_route
        if isinstance(original, Mount):
            found.append(
                Route("GET", f"{context.path}/admin.css", "static", None, None, frozenset(), None)
            )
            continue
        dependant = getattr(context, "dependant", None) if isinstance(original, APIRoute) else None
        actions, names = _walk(dependant) if dependant is not None else ([], set())
        assert len(set(actions)) <= 1, f"{context.path} declares several actions: {actions}"
        for method in sorted((context.methods or set()) - {"HEAD"}):
            found.append(
                Route(
                    method=method,
                    path=context.path,
                    name=context.name or "",
                    endpoint=context.endpoint,
                    action=actions[0] if actions else None,
                    guards=frozenset(names),
                    body_model=_body_model(context),
                )
            )
    app.state.engine.dispose()
    shutil.rmtree(data_dir, ignore_errors=True)
    return tuple(found)


def api_routes() -> list[Route]:
    return [r for r in app_routes() if r.is_api]


def page_routes() -> list[Route]:
    return [r for r in app_routes() if r.is_page]
