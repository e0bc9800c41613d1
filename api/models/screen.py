"""Registered corridor screens and the pairing of new ones."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, field_validator
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from api.clock import utcnow
from api.contract import SCENE_NAMES, OpeningSlot, PlaylistEntry, PlaylistScene
from api.models.fields import (
    Count,
    Measure,
    Moment,
    Reason,
    ShortText,
    json_column,
    not_a_boolean,
)

# Scenes a screen of an older version would refuse in its playlist (its contract lists the
# scenes it knows): a manager adds them to a screen once it runs the new version.
NEWER_SCENES = (PlaylistScene.AGENDA, PlaylistScene.ACTIVITY)
DEFAULT_PLAYLIST: list[dict[str, Any]] = [
    {"scene": scene.value, "duration_s": seconds}
    for scene, seconds in zip(
        [s for s in PlaylistScene if s not in NEWER_SCENES], (30, 15, 15, 10), strict=True
    )
]
Rotation = Annotated[Literal[0, 90, 180, 270], BeforeValidator(not_a_boolean)]
NO_CONTROL_CHARS = r"^[^\x00-\x1f]*$"
# Fleet updates: a maintenance window at night, when agencies are closed (agency local time).
DEFAULT_UPDATE_WINDOW = ("02:00", "05:00")
WindowTime = Annotated[
    str,
    PydanticField(
        pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["02:00"], min_length=5, max_length=5
    ),
]
UpdateResult = Literal["ok", "rolled_back", "failed"]
MAX_UPTIME_S = 20 * 365 * 86_400  # fits the 32-bit column; no Pi runs twenty years unrebooted
MAX_CLOCK_SKEW_S = MAX_UPTIME_S  # a Pi's clock may read 1970: past that, "very far" is enough


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
    # How far the screen's own clock is behind the service's (seconds; negative: ahead), and
    # whether it read a day before its version's release, at the last heartbeat.
    clock_skew_s: int | None = None
    clock_before_release: bool | None = None
    screenshot_at: datetime | None = None
    revoked_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    version: int = 1
    # Fleet updates: the maintenance window (agency local time HH:MM; empty: the default, at
    # night) and the last result the screen's update timer reported.
    update_window_opens: str | None = Field(default=None, max_length=5)
    update_window_closes: str | None = Field(default=None, max_length=5)
    update_result: str | None = Field(default=None, max_length=20)
    update_target: str | None = Field(default=None, max_length=40)
    update_reason: str | None = Field(default=None, max_length=300)
    update_reported_at: datetime | None = None


class ScreenCreate(SQLModel):
    name: ShortText = Field(
        description="Nom de l'écran (par exemple « Hall d'accueil »), 1 à 200 caractères."
    )
    rotation: Rotation = Field(
        0, description="Rotation de l'image de l'écran, en degrés : 0, 90, 180 ou 270."
    )


class ScreenUpdate(SQLModel):
    name: ShortText | None = Field(None, description="Nouveau nom de l'écran, 1 à 200 caractères.")
    rotation: Rotation | None = Field(
        None, description="Rotation de l'image de l'écran, en degrés : 0, 90, 180 ou 270."
    )
    playlist: list[PlaylistEntry] | None = Field(
        None,
        description="Scènes à afficher tour à tour, au moins une, chacune de 3 à 600 secondes.",
    )
    schedule: list[OpeningSlot] | None = Field(
        None,
        description=(
            "Heures d'allumage de l'écran par jour de la semaine ; vide : les horaires "
            "d'ouverture de l'agence."
        ),
    )
    update_window_opens: WindowTime | None = Field(
        None,
        description="Début de la fenêtre de mise à jour de l'écran, heure locale HH:MM.",
    )
    update_window_closes: WindowTime | None = Field(
        None,
        description="Fin de la fenêtre de mise à jour de l'écran, heure locale HH:MM.",
    )
    version: Count | None = Field(
        None,
        description=(
            "Numéro de version, augmenté à chaque modification ; à renvoyer pour éviter "
            "d'écraser la modification d'un collègue (sinon 409)."
        ),
    )

    @field_validator("playlist")
    @classmethod
    def _playlist_not_empty(cls, value: list[PlaylistEntry] | None) -> list[PlaylistEntry] | None:
        if value is not None and not value:
            raise ValueError(f"au moins une scène parmi {', '.join(SCENE_NAMES)}")
        return value


class UpdateWindow(BaseModel):
    """When a screen may install a new version: local time of its agency, HH:MM to HH:MM."""

    opens: str = PydanticField(description="Début, heure locale HH:MM.")
    closes: str = PydanticField(
        description="Fin, heure locale HH:MM (avant le début : la fenêtre passe minuit)."
    )
    timezone: str = PydanticField(
        description="Fuseau horaire de l'agence (par exemple Europe/Paris)."
    )


class LastUpdate(BaseModel):
    """The last result a screen's update timer reported."""

    result: UpdateResult = PydanticField(
        description="« ok », « rolled_back » (retour à la version d'avant) ou « failed »."
    )
    target_version: str | None = PydanticField(
        description="Version que l'écran a essayé d'installer."
    )
    reason: str = PydanticField(description="Explication courte, en français.")
    at: datetime = PydanticField(description="Date et heure de la fin de la mise à jour (UTC).")


class ScreenPublic(SQLModel):
    id: int = Field(description="Identifiant (numéro attribué par Couloir).")
    name: str = Field(description="Nom de l'écran.")
    rotation: int = Field(
        description="Rotation de l'image de l'écran, en degrés : 0, 90, 180 ou 270."
    )
    playlist: list[dict[str, Any]] = Field(
        description="Scènes affichées tour à tour, chacune avec sa durée en secondes (duration_s)."
    )
    schedule: list[dict[str, Any]] = Field(
        description=(
            "Heures d'allumage de l'écran par jour de la semaine ; vide : les horaires "
            "d'ouverture de l'agence."
        )
    )
    online: bool = Field(description="L'écran a donné signe de vie récemment.")
    last_heartbeat_at: datetime | None = Field(
        description="Date et heure du dernier signe de vie de l'écran (UTC)."
    )
    reported_version: str | None = Field(description="Version du logiciel que l'écran a déclarée.")
    resolution: str | None = Field(
        description="Résolution de l'écran en pixels, largeur x hauteur (par exemple 1920x1080)."
    )
    fps: float | None = Field(description="Images par seconde que l'écran affiche : 0 à 1 000.")
    uptime_s: int | None = Field(description="Temps depuis le démarrage de l'écran, en secondes.")
    memory_mb: float | None = Field(description="Mémoire utilisée par l'écran, en mégaoctets.")
    clock_skew_s: int | None = Field(
        None,
        description=(
            "Retard de l'horloge de l'écran sur celle du service, en secondes (négatif : "
            "avance) ; vide : pas encore mesuré."
        ),
    )
    clock_before_release: bool | None = Field(
        None, description="L'horloge de l'écran indiquait une date antérieure à sa version."
    )
    clock_warning: str | None = Field(
        None,
        description=(
            "Phrase pour le responsable quand l'horloge de l'écran n'est pas à l'heure "
            "(vide : elle l'est)."
        ),
    )
    has_screenshot: bool = Field(description="Une capture récente de l'écran est disponible.")
    revoked: bool = Field(
        description="Le jeton de l'écran est révoqué : l'écran ne reçoit plus rien."
    )
    version: int = Field(
        description=(
            "Numéro de version, augmenté à chaque modification ; à renvoyer pour éviter "
            "d'écraser la modification d'un collègue (sinon 409)."
        )
    )
    target_version: str | None = Field(
        None, description="Version que le service demande aux écrans d'installer (vide : aucune)."
    )
    update_window: UpdateWindow | None = Field(
        None, description="Fenêtre de maintenance où l'écran peut installer une nouvelle version."
    )
    last_update: LastUpdate | None = Field(
        None, description="Dernier résultat de mise à jour signalé par l'écran."
    )


class ScreenCreated(ScreenPublic):
    token: str = Field(
        description="Jeton de l'écran, montré dans cette seule réponse : à copier sur l'écran."
    )


class PairRequest(SQLModel):
    code: str = Field(
        min_length=4,
        max_length=12,
        description="Code que l'écran à appairer affiche : 4 à 12 caractères.",
    )
    name: ShortText = Field(
        description="Nom à donner à l'écran (par exemple « Hall d'accueil »), 1 à 200 caractères."
    )


class Heartbeat(BaseModel):
    version: str = PydanticField(
        max_length=40,
        pattern=NO_CONTROL_CHARS,
        description="Version du logiciel de l'écran, 40 caractères au plus.",
    )
    resolution: str = PydanticField(
        max_length=20,
        pattern=r"^\d{2,5}x\d{2,5}$",
        description="Résolution de l'écran en pixels, largeur x hauteur (par exemple 1920x1080).",
    )
    fps: Measure = PydanticField(
        ge=0, le=1000, description="Images par seconde que l'écran affiche : 0 à 1 000."
    )
    uptime_s: Count = PydanticField(
        ge=0,
        le=MAX_UPTIME_S,
        description="Temps depuis le démarrage de l'écran, en secondes (20 ans au plus).",
    )
    memory_mb: Measure | None = PydanticField(
        default=None,
        ge=0,
        le=1_000_000,
        description="Mémoire utilisée par l'écran, en mégaoctets : 0 à 1 000 000.",
    )
    snapshot_etag: str | None = PydanticField(
        default=None,
        max_length=80,
        pattern=NO_CONTROL_CHARS,
        description="ETag de l'instantané que l'écran affiche, 80 caractères au plus.",
    )
    clock_skew_s: Count | None = PydanticField(
        default=None,
        ge=-MAX_CLOCK_SKEW_S,
        le=MAX_CLOCK_SKEW_S,
        description=(
            "Retard de l'horloge de l'écran sur l'heure du service (en-tête Date), en "
            "secondes ; négatif : avance ; vide : pas encore mesuré."
        ),
    )
    clock_before_release: bool = PydanticField(
        default=False,
        strict=True,
        description="L'horloge de l'écran indique une date antérieure à la sortie de sa version.",
    )


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


class UpdateOrder(BaseModel):
    """What a screen's update timer learns: the version to run, when, and its pins."""

    target_version: str | None = PydanticField(
        description="Version à installer ; vide : le service n'annonce aucune version."
    )
    window: UpdateWindow = PydanticField(description="Fenêtre de maintenance de cet écran.")
    server_time: datetime = PydanticField(
        description="Heure du service (UTC), pour vérifier l'horloge de l'écran."
    )
    wheel_path: str | None = PydanticField(
        description="Où télécharger la roue (avec le jeton de l'écran) ; vide : roue absente."
    )
    wheel_name: str | None = PydanticField(description="Nom du fichier de la roue.")
    wheel_sha256: str | None = PydanticField(description="Empreinte SHA-256 de la roue.")
    constraints: str | None = PydanticField(
        description="Versions exactes des dépendances (constraints.txt) à installer avec la roue."
    )


class UpdateReport(BaseModel):
    """What a screen's update timer reports after an attempt."""

    model_config = {"extra": "forbid"}

    running_version: str = PydanticField(
        min_length=1,
        max_length=40,
        pattern=NO_CONTROL_CHARS,
        description="Version qui tourne maintenant sur l'écran, 40 caractères au plus.",
    )
    target_version: str = PydanticField(
        min_length=1,
        max_length=40,
        pattern=NO_CONTROL_CHARS,
        description="Version que l'écran a essayé d'installer, 40 caractères au plus.",
    )
    result: UpdateResult = PydanticField(
        description="« ok », « rolled_back » (retour à la version d'avant) ou « failed »."
    )
    reason: Reason = PydanticField(
        description="Explication courte, en français : 300 caractères au plus."
    )
    finished_at: Moment = PydanticField(
        description="Date et heure de la fin de la mise à jour (ISO 8601 avec fuseau)."
    )
