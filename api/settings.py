"""Service settings: declared once, with defaults and help, read from ``COULOIR_*`` variables.

settings = load_settings()
settings.database_url  # 'sqlite:////home/me/.local/share/couloir/couloir.db'
"""

from __future__ import annotations

import os
import re
import secrets
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.domain.hard_to_fill import Smic
from api.errors import SettingsError


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "couloir"


class Settings(BaseSettings):
    """Every setting of the service. The README table is checked against this class."""

    model_config = SettingsConfigDict(env_prefix="COULOIR_", extra="ignore")

    env: Literal["development", "production"] = Field(
        "development", description="`production` refuses weak secrets and plain defaults."
    )
    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Folder for the SQLite database (photos and screenshots are stored in "
        "the database) and, in development, the generated secret key.",
    )
    database_url: str = Field(
        "",
        description="SQLAlchemy URL; empty means the SQLite file `couloir.db` in DATA_DIR "
        "(WAL, foreign keys on). PostgreSQL: `postgresql+psycopg://user:pw@host/db`.",
    )
    public_url: str = Field(
        "http://localhost:8000",
        description="Base URL phones reach, used in QR codes (`PUBLIC_URL/o/{code}`).",
    )
    secret_key: str = Field(
        "",
        description="Signs CSRF tokens; at least 32 characters. Required in production, the "
        "same on every server host. Empty in development: generated at first start into "
        "DATA_DIR/secret_key (mode 0600).",
    )
    timezone: str = Field("Europe/Paris", description="Default timezone of new agencies.")
    session_days: int = Field(
        14, ge=1, le=365, description="Days a staff login (cookie or bearer token) stays valid."
    )
    db_pool_size: int = Field(
        20,
        ge=1,
        le=200,
        description="Database connections each server process keeps open, and how many "
        "requests it runs against the database at once (PostgreSQL).",
    )
    db_max_overflow: int = Field(
        10,
        ge=0,
        le=1000,
        description="Extra connections a process may open for snapshot builds and background "
        "work (PostgreSQL). Size PostgreSQL's max_connections for: processes × (pool + "
        "overflow + 1 listener).",
    )
    max_upload_mb: int = Field(10, ge=1, le=50, description="Largest photo accepted, in MB.")
    allow_http: bool = Field(
        False,
        description="`true` lets production run with an http:// PUBLIC_URL (agency network "
        "without HTTPS: the login cookie then travels in clear). Prefer HTTPS.",
    )
    fleet_version: str = Field(
        "",
        description="Version the screens should run (e.g. `1.4.0`): each Pi's update timer "
        "installs it in its maintenance window. Empty: no update is announced.",
    )
    fleet_dir: Path | None = Field(
        None,
        description="Folder holding the wheel `couloir-<FLEET_VERSION>-py3-none-any.whl` and "
        "its `constraints.txt` (the pins the screens install it with). Empty: DATA_DIR/fleet.",
    )

    france_travail_client_id: str = Field(
        "",
        description="Client id of the application declared on francetravail.io (API « Offres "
        "d'emploi v2 »). Empty: linking offers by their France Travail number is off.",
    )
    france_travail_client_secret: str = Field(
        "",
        description="Secret of that application (never logged). Empty: linking is off.",
    )
    france_travail_api_url: str = Field(
        "https://api.francetravail.io/partenaire/offresdemploi/v2",
        description="Base URL of the « Offres d'emploi v2 » API (change only for a test server).",
    )
    france_travail_token_url: str = Field(
        "https://entreprise.francetravail.fr/connexion/oauth2/access_token?realm=%2Fpartenaire",
        description="France Travail's OAuth2 token endpoint (client credentials).",
    )
    france_travail_sync_minutes: int = Field(
        30,
        ge=0,
        le=1440,
        description="Minutes between two refreshes of the linked offers from France Travail "
        "(one run across every process and host). 0, or no credentials: no sync.",
    )

    smtp_host: str = Field(
        "",
        description="SMTP server that sends la criée to the agency's staff every Monday morning. "
        "Empty: no e-mail is sent (the issue stays on the phone pages).",
    )
    smtp_port: int = Field(587, ge=1, le=65535, description="Port of the SMTP server.")
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        "starttls",
        description="`starttls` (port 587), `tls` (implicit TLS, port 465) or `none` (a relay "
        "on the agency's own network only: the messages then travel in clear).",
    )
    smtp_user: str = Field("", description="SMTP login, if the server asks for one.")
    smtp_password: str = Field("", description="SMTP password (never logged).")
    smtp_sender: str = Field(
        "",
        description="Sender of the e-mails, e.g. `La criée <criee@agence.example>`; required "
        "when SMTP_HOST is set.",
    )
    criee_send_hour: int = Field(
        8,
        ge=0,
        le=23,
        description="Hour (agency's time) from which la criée of the week just ended is sent, "
        "on Mondays.",
    )

    # The legal minimum wage the « mouton à 5 pattes » check compares pay with (see README).
    smic_hourly: Decimal = Field(
        Decimal("12.02"),
        gt=0,
        le=1000,
        decimal_places=2,
        description="Gross hourly SMIC in euros, for the « mouton à 5 pattes » check "
        "(12.02 since 1 January 2026, decree of December 2025). Change it with SMIC_SINCE "
        "when the SMIC is raised.",
    )
    smic_since: date = Field(
        date(2026, 1, 1),
        description="Date the SMIC_HOURLY value took effect (AAAA-MM-JJ), shown beside it.",
    )

    @field_validator("public_url")
    @classmethod
    def _public_url_is_http(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError("doit commencer par http:// ou https:// suivi d'un hôte")
        return value.rstrip("/")

    @field_validator("fleet_version")
    @classmethod
    def _fleet_version_shape(cls, value: str) -> str:
        if value and not re.fullmatch(r"[0-9][0-9A-Za-z.+!-]{0,39}", value):
            raise ValueError("un numéro de version comme 1.4.0 (40 caractères au plus) est attendu")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone_exists(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"fuseau horaire inconnu : {value!r}") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url_known(cls, value: str) -> str:
        if value and not value.startswith(("sqlite:", "postgresql")):
            raise ValueError("seuls sqlite:/// et postgresql+psycopg:// sont pris en charge")
        return value

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to the SQLite file in the data folder."""
        return self.database_url or f"sqlite:///{self.data_dir / 'couloir.db'}"

    @property
    def resolved_fleet_dir(self) -> Path:
        """Where the announced release's wheel and pins are kept."""
        return self.fleet_dir or self.data_dir / "fleet"

    @property
    def smic(self) -> Smic:
        """The SMIC in force, as the « mouton à 5 pattes » check takes it."""
        return Smic(hourly=self.smic_hourly, since=self.smic_since)

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")


def _check_production(settings: Settings) -> None:
    # Over plain HTTP the session cookie cannot be Secure and browsers get no HSTS.
    if settings.env == "production" and not settings.secure_cookies and not settings.allow_http:
        raise SettingsError(
            "COULOIR_PUBLIC_URL : https:// exigé en production (sinon le cookie de connexion "
            "circule en clair) ; sur un réseau d'agence sans HTTPS, ajoutez COULOIR_ALLOW_HTTP=true"
        )


def _check_smtp(settings: Settings) -> None:
    if settings.smtp_host and not re.fullmatch(
        r"[^@\s<>]+@[^@\s<>]+|.*<[^@\s<>]+@[^@\s<>]+>", settings.smtp_sender
    ):
        raise SettingsError(
            "COULOIR_SMTP_SENDER : une adresse d'expéditeur (comme « La criée "
            "<criee@agence.example> ») est exigée quand COULOIR_SMTP_HOST est renseigné"
        )


def _ensure_secret(settings: Settings) -> Settings:
    if settings.env == "production":
        # Several hosts share one database: each must sign as the others check, so the key is
        # the operator's, never one generated on one host's disk.
        if not settings.secret_key:
            raise SettingsError(
                "COULOIR_SECRET_KEY : obligatoire en production (au moins 32 caractères, "
                "la même sur chaque serveur)"
            )
        if len(settings.secret_key) < 32:
            raise SettingsError("COULOIR_SECRET_KEY : au moins 32 caractères en production")
        return settings
    if settings.secret_key:
        return settings
    path = settings.data_dir / "secret_key"
    if not path.exists():
        settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    settings.secret_key = path.read_text().strip()
    return settings


def load_settings() -> Settings:
    """Read the settings from the environment; raise SettingsError naming the bad one."""
    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "COULOIR_" + str(first["loc"][0]).upper() if first["loc"] else "COULOIR_*"
        # pydantic prefixes our own French reasons with "Value error, ": drop that noise.
        raise SettingsError(f"{name} : {first['msg'].removeprefix('Value error, ')}") from None
    # The SQLite database (photos included) and the secret are personal data: a folder of the
    # service's user only. An OSError here (read-only or full disk) is explained in one line by
    # the command that loads the settings.
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    settings = _ensure_secret(settings)
    _check_production(settings)
    _check_smtp(settings)
    return settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, loaded once."""
    return load_settings()
