"""Settings of the corridor screen program, read from ``COULOIR_*`` environment variables.

Each setting is declared once here with its default and the help text shown by
``couloir display --help-settings`` (and copied into the README).

    >>> DisplaySettings(api_url="http://127.0.0.1:8000").stale_after_s
    120.0
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ENV_PREFIX = "COULOIR_"


def default_cache_dir() -> Path:
    """Return the per-user cache folder (``$XDG_CACHE_HOME/couloir`` or ``~/.cache/couloir``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "couloir"


class DisplaySettings(BaseModel):
    """Everything the screen program can be told, with the environment name ``COULOIR_<NAME>``.

    Values given to the constructor win over the environment. (A plain pydantic model
    reading ``os.environ`` itself: the settings library would cost the Pi 3 MiB.)
    """

    model_config = ConfigDict(extra="ignore")

    api_url: str = Field(
        "http://localhost:8000",
        description="Base URL of the Couloir service the screen reads from.",
    )
    screen_token: str | None = Field(
        None,
        description="Bearer token of this screen (printed by `couloir screen add`). "
        "Without it the screen shows a pairing code and stores the token it receives.",
    )
    cache_dir: Path = Field(
        default_factory=default_cache_dir,
        description="Folder for the last good snapshot, hire photos and the paired token.",
    )
    screen_off_command: str | None = Field(
        None,
        description="Command run when the agency closes (e.g. turn the TV off over HDMI-CEC).",
    )
    screen_on_command: str | None = Field(
        None,
        description="Command run when the agency opens (e.g. turn the TV on over HDMI-CEC).",
    )
    fps: int = Field(30, ge=1, le=120, description="Frame rate while something moves.")
    idle_fps: int = Field(
        10,
        ge=1,
        le=120,
        description="Frame rate while nothing changed on screen (saves CPU on the Pi).",
    )
    stale_after_s: float = Field(
        120.0,
        gt=0,
        description="Seconds without contact with the service before the screen shows "
        "the discreet « données du HH:MM » mark.",
    )
    poll_interval_s: float = Field(
        30.0,
        gt=0,
        description="Polling period when the live event stream is not available.",
    )
    heartbeat_interval_s: float = Field(
        60.0, gt=0, description="Seconds between two heartbeats sent to the service."
    )
    screenshot_interval_s: float = Field(
        300.0,
        gt=0,
        description="Seconds between two screenshots uploaded for the managers' preview.",
    )
    screenshot_width: int = Field(
        960, ge=160, le=3840, description="Width in pixels of the uploaded screenshot."
    )
    open_retries: int = Field(
        5, ge=1, le=100, description="Attempts to open the screen before giving up."
    )

    @field_validator("api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"must start with http:// or https:// (got {value!r})")
        return value.rstrip("/")

    @model_validator(mode="before")
    @classmethod
    def _environment_under_arguments(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        found = {
            name: os.environ[variable]
            for name in cls.model_fields
            if (variable := f"{ENV_PREFIX}{name.upper()}") in os.environ
        }
        return {**found, **data}
