"""Registered corridor screens and the pairing of new ones."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, field_validator
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from api.clock import utcnow
from api.contract import SCENE_NAMES, OpeningSlot, PlaylistEntry, PlaylistScene
from api.models.fields import Count, Measure, ShortText, json_column, not_a_boolean

DEFAULT_PLAYLIST: list[dict[str, Any]] = [
    {"scene": scene.value, "duration_s": seconds}
    for scene, seconds in zip(PlaylistScene, (30, 15, 15, 10), strict=True)
]
Rotation = Annotated[Literal[0, 90, 180, 270], BeforeValidator(not_a_boolean)]
NO_CONTROL_CHARS = r"^[^\x00-\x1f]*$"
MAX_UPTIME_S = 20 * 365 * 86_400  # fits the 32-bit column; no Pi runs twenty years unrebooted


class Screen(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    name: str = Field(max_length=200)
    token_hash: str | None = Field(default=None, index=True, unique=True, max_length=64)
    rotation: int = 0
    playlist: list[dict[str, Any]] = json_column(DEFAULT_PLAYLIST)
    # Empty: follow the agency's opening hours.
    schedule: list[dict[str, Any]] = json_column([])
    last_heartbeat_at: datetime | None = None
    reported_version: str | None = Field(default=None, max_length=40)
    resolution: str | None = Field(default=None, max_length=20)
    fps: float | None = None
    uptime_s: int | None = None
    memory_mb: float | None = None
    snapshot_etag: str | None = Field(default=None, max_length=80)
    screenshot_at: datetime | None = None
    revoked_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class ScreenCreate(SQLModel):
    name: ShortText
    rotation: Rotation = 0


class ScreenUpdate(SQLModel):
    name: ShortText | None = None
    rotation: Rotation | None = None
    playlist: list[PlaylistEntry] | None = None
    schedule: list[OpeningSlot] | None = None
    version: Count | None = None

    @field_validator("playlist")
    @classmethod
    def _playlist_not_empty(cls, value: list[PlaylistEntry] | None) -> list[PlaylistEntry] | None:
        if value is not None and not value:
            raise ValueError(f"au moins une scène parmi {', '.join(SCENE_NAMES)}")
        return value


class ScreenPublic(SQLModel):
    id: int
    name: str
    rotation: int
    playlist: list[dict[str, Any]]
    schedule: list[dict[str, Any]]
    online: bool
    last_heartbeat_at: datetime | None
    reported_version: str | None
    resolution: str | None
    fps: float | None
    uptime_s: int | None
    memory_mb: float | None
    has_screenshot: bool
    revoked: bool
    version: int


class ScreenCreated(ScreenPublic):
    token: str


class PairRequest(SQLModel):
    code: str = Field(min_length=4, max_length=12)
    name: ShortText


class Heartbeat(BaseModel):
    version: str = PydanticField(max_length=40, pattern=NO_CONTROL_CHARS)
    resolution: str = PydanticField(max_length=20, pattern=r"^\d{2,5}x\d{2,5}$")
    fps: Measure = PydanticField(ge=0, le=1000)
    uptime_s: Count = PydanticField(ge=0, le=MAX_UPTIME_S)
    memory_mb: Measure | None = PydanticField(default=None, ge=0, le=1_000_000)
    snapshot_etag: str | None = PydanticField(default=None, max_length=80, pattern=NO_CONTROL_CHARS)


class ScreenPairing(SQLModel, table=True):
    """A screen without a token shows ``code``; a manager enters it to register the screen."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(index=True, max_length=12)
    poll_secret_hash: str = Field(index=True, unique=True, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    screen_id: int | None = Field(default=None, foreign_key="screen.id")
    # The screen's token waits here between the manager's pairing and the screen's next poll.
    pending_token: str | None = Field(default=None, max_length=100)
    # Who asked (a hash of the client address): new screens have no token, so requests are
    # counted per address to keep anyone from filling the table.
    requested_by: str | None = Field(default=None, index=True, max_length=64)
