"""Écrans (managers): status from heartbeats, latest screenshot, playlist, schedule, pairing,
revoking."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from admin import urls
from admin.deps import Allowed, Ctx
from admin.errors import page_not_found, refused_page
from admin.forms import Form, Posted
from admin.templating import render
from api.contract import SCENE_NAMES, PlaylistScene
from api.domain.permissions import Action
from api.errors import DomainError, StaleVersion
from api.models import Screen
from api.models.screen import DEFAULT_UPDATE_WINDOW, ScreenUpdate
from api.params import PathId
from api.services import francetravail_sync as ft_sync
from api.services import screens as service

router = APIRouter(prefix=urls.SCREENS, include_in_schema=False)
Manager = Allowed(Action.MANAGE_SCREENS)

# Keyed by the contract's members, so a scene's name is written there only;
# tests/display/test_scene_names.py fails when a playlist scene has no label here.
SCENE_LABELS: dict[str, str] = {scene.value: scene.label for scene in PlaylistScene}
WEEKDAYS = ("Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche")
# The last fleet update's result, as the manager reads it (a sign and words, never colour alone).
UPDATE_RESULTS = {
    "ok": "✓ Mise à jour réussie",
    "rolled_back": "↩ Mise à jour annulée, retour à la version d'avant",
    "failed": "✗ Mise à jour échouée",
}
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _screen(ctx: Ctx, screen_id: int) -> Screen:
    with page_not_found("Cet écran n'existe pas."):
        return service.get_screen(ctx.db, ctx.agency.id, screen_id)


def _page_of(screen: Screen, ok: str) -> str:
    return urls.with_message(f"{urls.SCREENS}/{screen.id}", ok)


@router.get("", response_class=HTMLResponse)
def list_page(request: Request, ctx: Manager) -> Response:
    """Every screen of the agency with its health, and pairing a new one."""
    return _list(request, ctx)


def _list(request: Request, ctx: Ctx, form: Form | None = None, status: int = 200) -> Response:
    rows = service.list_screens(ctx.db, ctx.agency.id)
    target, tz = ctx.settings.fleet_version, ctx.agency.timezone
    public = [service.to_public(s, target_version=target, timezone=tz) for s in rows]
    return render(
        request,
        "pages/screens.html",
        {
            "title": "Écrans",
            "active_tab": "menu",
            "screens": public,
            "form": form or Form.empty(),
            "labels": {"code": "Code affiché", "name": "Nom de l'écran"},
            "tz": ctx.agency.timezone,
            "update_results": UPDATE_RESULTS,
            "ft_alert": ft_sync.managers_alert(ctx.db, ctx.settings, ctx.agency.timezone),
        },
        status_code=status,
    )


@router.post("/appairer", response_class=HTMLResponse)
def pair(request: Request, ctx: Manager, form: Form = Posted) -> Response:
    """Register the screen showing ``code`` under ``name``."""
    code = form.text("code", required=True, max_length=12)
    name = form.text("name", required=True)
    if form.ok and code and name:
        try:
            screen = service.pair(ctx.db, ctx.me, code, name)
        except DomainError as exc:
            form.add_error("code", exc.message)
        else:
            return RedirectResponse(_page_of(screen, "ecran-appaire"), status_code=303)
    return _list(request, ctx, form, status=422)


def _values(screen: Screen) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": screen.name,
        "rotation": screen.rotation,
        "version": screen.version,
    }
    for index, entry in enumerate(screen.playlist):
        scene = entry.get("scene")
        values[f"on_{scene}"] = True
        values[f"order_{scene}"] = index + 1
        values[f"duration_{scene}"] = entry.get("duration_s", 15)
    for scene in SCENE_NAMES:
        values.setdefault(f"order_{scene}", SCENE_NAMES.index(scene) + 1)
        values.setdefault(f"duration_{scene}", 15)
    for slot in screen.schedule:
        day = slot.get("weekday")
        values[f"opens_{day}"] = slot.get("opens", "")
        values[f"closes_{day}"] = slot.get("closes", "")
    values["update_opens"] = screen.update_window_opens or ""
    values["update_closes"] = screen.update_window_closes or ""
    return values


def _labels() -> dict[str, str]:
    labels = {"name": "Nom de l'écran", "rotation": "Orientation"}
    for scene in SCENE_NAMES:
        name = SCENE_LABELS.get(scene, scene)
        labels |= {f"on_{scene}": name, f"order_{scene}": f"{name} : ordre"}
        labels[f"duration_{scene}"] = f"{name} : durée"
    for day, label in enumerate(WEEKDAYS):
        labels |= {f"opens_{day}": f"{label} : allumage", f"closes_{day}": f"{label} : extinction"}
    labels |= {"update_opens": "Mises à jour : début", "update_closes": "Mises à jour : fin"}
    return labels


def _detail(request: Request, ctx: Ctx, screen: Screen, form: Form, status: int = 200) -> Response:
    return render(
        request,
        "pages/screen.html",
        {
            "title": screen.name,
            "active_tab": "menu",
            "screen": service.to_public(
                screen, target_version=ctx.settings.fleet_version, timezone=ctx.agency.timezone
            ),
            "form": form,
            "scenes": [(s, SCENE_LABELS.get(s, s)) for s in SCENE_NAMES],
            "labels": _labels(),
            "weekdays": list(enumerate(WEEKDAYS)),
            "agency_hours": ctx.agency.opening_hours,
            "tz": ctx.agency.timezone,
            "update_results": UPDATE_RESULTS,
            "default_window": DEFAULT_UPDATE_WINDOW,
        },
        status_code=status,
    )


@router.get("/{screen_id}", response_class=HTMLResponse)
def detail(request: Request, screen_id: PathId, ctx: Manager) -> Response:
    """One screen: health, screenshot, playlist and schedule."""
    screen = _screen(ctx, screen_id)
    return _detail(request, ctx, screen, Form.empty(**_values(screen)))


def _parse(form: Form) -> dict[str, Any]:
    name = form.text("name", required=True)
    rotation = form.choice("rotation", ["0", "90", "180", "270"])
    chosen = []
    for scene in SCENE_NAMES:
        if not form.checkbox(f"on_{scene}"):
            continue
        order = form.integer(f"order_{scene}", minimum=1, maximum=len(SCENE_NAMES), default=1)
        duration = form.integer(f"duration_{scene}", minimum=3, maximum=600, default=15)
        chosen.append((order or 1, SCENE_NAMES.index(scene), scene, duration or 15))
    if not chosen:
        form.add_error(f"on_{SCENE_NAMES[0]}", "Choisissez au moins une scène à afficher.")
    playlist = [{"scene": s, "duration_s": d} for _, _, s, d in sorted(chosen)]
    schedule = []
    for day in range(7):
        opens, closes = form.raw(f"opens_{day}").strip(), form.raw(f"closes_{day}").strip()
        if not opens and not closes:
            continue
        for key, value in ((f"opens_{day}", opens), (f"closes_{day}", closes)):
            if not _TIME.match(value):
                form.add_error(key, "Heure au format HH:MM, par exemple 08:30.")
        # closes <= opens is allowed: the screen stays on overnight (00:00 → 00:00: all day).
        schedule.append({"weekday": day, "opens": opens, "closes": closes})
    # The fleet update window: both times, or neither (the default, at night).
    window = [form.raw(key).strip() for key in ("update_opens", "update_closes")]
    if any(window):
        for key, value in zip(("update_opens", "update_closes"), window, strict=True):
            if not _TIME.match(value):
                form.add_error(key, "Heure au format HH:MM, par exemple 02:00.")
    return {
        "name": name,
        "rotation": int(rotation) if rotation else None,
        "playlist": playlist,
        "schedule": schedule,
        "update_window_opens": window[0] if any(window) else None,
        "update_window_closes": window[1] if any(window) else None,
    }


@router.post("/{screen_id}", response_class=HTMLResponse)
def update(request: Request, screen_id: PathId, ctx: Manager, form: Form = Posted) -> Response:
    """Save name, rotation, playlist and schedule (version-checked)."""
    screen = _screen(ctx, screen_id)
    data = _parse(form)
    version = form.integer("version", minimum=1, maximum=10**9)
    status = 422
    if form.ok:
        try:
            service.update_screen(ctx.db, ctx.me, screen, ScreenUpdate(**data, version=version))
        except StaleVersion:  # refused before any change: ``screen`` is the stored one
            form.add_error(
                "name",
                "Quelqu'un a modifié cet écran entre-temps : vérifiez puis enregistrez à nouveau.",
            )
            form.values["version"] = str(screen.version)
            status = 409
        except (ValidationError, DomainError) as exc:
            form.add_error("name", getattr(exc, "message", "Valeurs refusées."))
        else:
            return RedirectResponse(_page_of(screen, "ecran-modifie"), status_code=303)
    return _detail(request, ctx, screen, form, status=status)


@router.post("/{screen_id}/revoquer")
def revoke(request: Request, screen_id: PathId, ctx: Manager, form: Form = Posted) -> Response:
    """Revoke the screen's token: it stops receiving data at once."""
    screen = _screen(ctx, screen_id)
    try:
        service.revoke(ctx.db, ctx.me, screen)
    except DomainError as exc:
        return refused_page(request, exc)
    return RedirectResponse(_page_of(screen, "ecran-revoque"), status_code=303)
