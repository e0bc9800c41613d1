"""The snapshot contract: everything one corridor screen needs, as one versioned document.

Defined once here; the server builds it (``api.services.snapshot``) and the screen
validates it (``display.feed``) with these same models. Bump ``SCHEMA_VERSION`` on any
incompatible change; a screen rejects a version it does not know and keeps its last one.

    snapshot = Snapshot.model_validate_json(body)
    snapshot.offers[0].urgency.label  # « urgent »
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1


class PlaylistScene(StrEnum):
    """The scenes a playlist may name, in their default order.

    The one place a scene's name is written: the display's registry (each scene class
    declares its member), the staff pages' labels and the tests derive from it, and
    ``tests/display/test_scene_names.py`` fails when they disagree.
    """

    OFFERS = "offers"
    HIRES = "hires"
    CHALLENGE = "challenge"
    ANNOUNCEMENTS = "announcements"


SCENE_NAMES: tuple[str, ...] = tuple(scene.value for scene in PlaylistScene)
# A Literal rather than the enum in the models, so that validation, errors and the
# OpenAPI schema stay those of plain strings.
SceneName = Literal[SCENE_NAMES]  # type: ignore[valid-type]
Service = Literal["cde", "cdde"]
CLOCK_TIME = r"^([01]\d|2[0-3]):[0-5]\d$"  # 00:00–23:59

# The screen's endpoints, one constant each: the screen calls these paths (display.feed,
# display.health, display.pairing) and the server's display router declares them
# (``route``), so that neither side spells them.
API_ROOT = "/api/v1"  # where api.main mounts its JSON routers
DISPLAY_ROUTER = "/display"
DISPLAY_ROOT = f"{API_ROOT}{DISPLAY_ROUTER}"
SNAPSHOT_PATH = f"{DISPLAY_ROOT}/snapshot"
EVENTS_PATH = f"{DISPLAY_ROOT}/events"
PHOTOS_PATH = f"{DISPLAY_ROOT}/photos"  # + "/{hire_id}", as a snapshot's ``photo_path`` says
HEARTBEAT_PATH = f"{DISPLAY_ROOT}/heartbeat"
SCREENSHOT_PATH = f"{DISPLAY_ROOT}/screenshot"
PAIRINGS_PATH = f"{DISPLAY_ROOT}/pairings"  # + "/{poll_secret}" to poll


def route(path: str) -> str:
    """``path`` as the display router declares it, relative to its prefix."""
    return path.removeprefix(DISPLAY_ROOT)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SnapshotAgency(_Strict):
    code: str
    name: str
    timezone: str = "Europe/Paris"


class PlaylistEntry(_Strict):
    scene: SceneName
    duration_s: int = Field(ge=3, le=600)


class OpeningSlot(_Strict):
    """One opening period of a weekday (0 = Monday), local time ``HH:MM``."""

    weekday: int = Field(ge=0, le=6)
    opens: str = Field(pattern=CLOCK_TIME)
    closes: str = Field(pattern=CLOCK_TIME)


class SnapshotScreen(_Strict):
    name: str
    rotation: Literal[0, 90, 180, 270] = 0
    playlist: list[PlaylistEntry]
    # Empty schedule means "always on".
    schedule: list[OpeningSlot] = []


class Urgency(_Strict):
    level: int = Field(ge=0, le=3)
    label: str
    overridden: bool = False


class SnapshotOffer(_Strict):
    code: str
    title: str
    employer: str
    contract: str
    commune: str
    positions: int
    start_date: date | None
    opened_at: datetime
    days_open: int
    candidates_count: int
    tags: list[str] = []
    urgency: Urgency
    qr_url: str
    is_new: bool  # opened less than 48 h ago


class SnapshotHire(_Strict):
    id: int
    employer: str
    title: str
    story: str
    cde_name: str | None
    cdde_name: str | None
    hired_on: date
    # Path under the API base, readable with the screen token; None: no publishable photo.
    photo_path: str | None = None


class Contribution(_Strict):
    service: Service
    amount: int
    label: str
    at: datetime


class SnapshotChallenge(_Strict):
    id: int
    title: str
    unit: str
    goal: int = Field(ge=1)
    starts_on: date
    ends_on: date
    days_left: int
    total: int
    by_service: dict[Service, int]
    recent: list[Contribution] = []


class SnapshotAnnouncement(_Strict):
    id: int
    message: str
    urgent: bool
    starts_at: datetime
    ends_at: datetime


class Snapshot(_Strict):
    """One screen's view of its agency at ``generated_at``."""

    schema_version: Literal[1]
    generated_at: datetime
    agency: SnapshotAgency
    screen: SnapshotScreen
    offers: list[SnapshotOffer]
    hires: list[SnapshotHire]
    challenge: SnapshotChallenge | None
    announcements: list[SnapshotAnnouncement]
