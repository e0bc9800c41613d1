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
        description="Adresse du service Couloir que l'écran lit.",
    )
    screen_token: str | None = Field(
        None,
        description="Jeton de cet écran (donné par `couloir screen add`). Sans lui, "
        "l'écran affiche un code d'appairage et garde le jeton qu'il reçoit.",
    )
    cache_dir: Path = Field(
        default_factory=default_cache_dir,
        description="Dossier des dernières données reçues, des photos et du jeton d'appairage.",
    )
    screen_off_command: str | None = Field(
        None,
        description="Commande lancée à la fermeture de l'agence (éteindre la télé par HDMI-CEC…).",
    )
    screen_on_command: str | None = Field(
        None,
        description="Commande lancée à l'ouverture de l'agence (allumer la télé par HDMI-CEC…).",
    )
    fps: int = Field(30, ge=1, le=120, description="Images par seconde quand quelque chose bouge.")
    idle_fps: int = Field(
        10,
        ge=1,
        le=120,
        description="Images par seconde quand rien ne bouge (ménage le processeur du Pi).",
    )
    stale_after_s: float = Field(
        120.0,
        gt=0,
        description="Secondes sans nouvelles du service avant la discrète mention "
        "« données du HH:MM ».",
    )
    poll_interval_s: float = Field(
        30.0,
        gt=0,
        description="Secondes entre deux lectures quand le flux en direct manque.",
    )
    heartbeat_interval_s: float = Field(
        60.0, gt=0, description="Secondes entre deux signes de vie envoyés au service."
    )
    screenshot_interval_s: float = Field(
        300.0,
        gt=0,
        description="Secondes entre deux captures envoyées pour l'aperçu des managers.",
    )
    screenshot_width: int = Field(
        960, ge=160, le=3840, description="Largeur en pixels des captures envoyées."
    )
    open_retries: int = Field(
        5, ge=1, le=100, description="Tentatives d'ouverture de l'écran avant d'abandonner."
    )

    @field_validator("api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"doit commencer par http:// ou https:// (reçu : {value!r})")
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
