"""The snapshot contract: everything one corridor screen needs, as one versioned document.

Defined once here; the server builds it (``api.services.snapshot``) and the screen
validates it (``display.feed``) with these same models. Bump ``SCHEMA_VERSION`` on any
incompatible change; a screen rejects a version it does not know and keeps its last one.

The contract grows additively within a version, so that screens in the field keep working
against a newer server: a new field always has a default (a newer screen reads an older
server's snapshot, or its own cache from before an update), and every model ignores fields it
does not know (an older screen reads a newer server's). Nothing is renamed, removed or
narrowed without a new ``SCHEMA_VERSION``. ``tests/display/test_contract_growth.py`` checks
both directions against a frozen copy of the contract and its golden fixture. Added in
version 1: ``SnapshotOffer.first_tag``, ``Snapshot.agenda``, ``Snapshot.criee``,
``Snapshot.activity``.

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
    """The scenes a playlist may name, in their default order, each with its French label.

    The one place a scene is named: the display finds the scene class declaring each member
    (``display.scenes``), the staff pages show the label, and
    ``tests/display/test_scene_names.py`` fails when they disagree. Adding a scene is one
    line here and one module under ``display/scenes/``.
    """

    label: str

    def __new__(cls, value: str, label: str) -> PlaylistScene:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    OFFERS = "offers", "Offres en cours"
    HIRES = "hires", "Embauches remarquables"
    CHALLENGE = "challenge", "Défi"
    ANNOUNCEMENTS = "announcements", "Annonces"
    AGENDA = "agenda", "Agenda"
    ACTIVITY = "activity", "Activité de l'agence"


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
    code: str = Field(description="Code de l'agence.")
    name: str = Field(description="Nom de l'agence.")
    timezone: str = Field(
        "Europe/Paris",
        description=(
            "Fuseau horaire de l'agence (nom IANA, par exemple Europe/Paris) : dates et "
            "horaires des écrans y sont calculés."
        ),
    )


class PlaylistEntry(_Strict):
    scene: SceneName = Field(
        description=(
            "Scène : offers (offres), hires (embauches), challenge (défi), announcements "
            "(annonces), agenda ou activity (activité de l'agence)."
        )
    )
    duration_s: int = Field(
        ge=3, le=600, description="Durée d'affichage de la scène, en secondes : 3 à 600."
    )


class OpeningSlot(_Strict):
    """One opening period of a weekday (0 = Monday), local time ``HH:MM``."""

    weekday: int = Field(
        ge=0, le=6, description="Jour de la semaine : 0 pour lundi … 6 pour dimanche."
    )
    opens: str = Field(
        pattern=CLOCK_TIME, description="Heure d'allumage, HH:MM (heure de l'agence)."
    )
    closes: str = Field(
        pattern=CLOCK_TIME, description="Heure d'extinction, HH:MM (heure de l'agence)."
    )


class SnapshotScreen(_Strict):
    name: str = Field(description="Nom de l'écran.")
    rotation: Literal[0, 90, 180, 270] = Field(
        0, description="Rotation de l'image de l'écran, en degrés : 0, 90, 180 ou 270."
    )
    playlist: list[PlaylistEntry] = Field(
        description="Scènes affichées tour à tour, chacune avec sa durée en secondes."
    )
    # Empty schedule means "always on".
    schedule: list[OpeningSlot] = Field(
        [], description="Heures d'allumage par jour de la semaine ; vide : toujours allumé."
    )


class Urgency(_Strict):
    level: int = Field(ge=0, le=3, description="Niveau d'urgence, de 0 (aucune) à 3 (maximale).")
    label: str = Field(description="Niveau d'urgence en mots, tel que l'écran l'affiche.")
    overridden: bool = Field(False, description="Urgence forcée à la main plutôt que calculée.")


class SnapshotOffer(_Strict):
    code: str = Field(description="Code public de l'offre : sa page publique est /o/{code}.")
    title: str = Field(description="Intitulé du poste.")
    employer: str = Field(description="Nom de l'employeur.")
    contract: str = Field(
        description="Type de contrat : CDI, CDD, intérim, saisonnier, alternance, stage ou autre."
    )
    commune: str = Field(description="Commune du poste.")
    positions: int = Field(description="Nombre de postes à pourvoir.")
    start_date: date | None = Field(
        description="Date de prise de poste souhaitée (AAAA-MM-JJ), si connue."
    )
    opened_at: datetime = Field(description="Date et heure d'ouverture de l'offre (UTC).")
    days_open: int = Field(description="Nombre de jours depuis l'ouverture de l'offre.")
    candidates_count: int = Field(
        description="Nombre de candidats proposés par les CDDE pour cette offre."
    )
    tags: list[str] = Field([], description="Étiquettes de l'offre (#mot).")
    # Added within version 1 (optional: older servers and caches do not send it).
    first_tag: str | None = Field(
        None,
        description=(
            "L'étiquette que sa carte affiche sur l'écran (la première, « #antiplôme ») ; "
            "vide : aucune, ou instantané d'un serveur plus ancien (l'écran prend alors la "
            "première de ``tags``)."
        ),
    )
    urgency: Urgency = Field(description="Urgence de l'offre telle que l'écran l'affiche.")
    qr_url: str = Field(
        description="Adresse de la page publique de l'offre, celle du QR code affiché."
    )
    is_new: bool = Field(description="Offre ouverte depuis moins de 48 heures.")


class SnapshotHire(_Strict):
    id: int = Field(description="Identifiant de l'embauche.")
    employer: str = Field(description="Nom de l'employeur.")
    title: str = Field(description="Intitulé du poste occupé.")
    story: str = Field(description="Récit de l'embauche pour la galerie.")
    cde_name: str | None = Field(
        description="Nom du ou de la CDE à qui l'embauche est créditée, le cas échéant."
    )
    cdde_name: str | None = Field(
        description="Nom du ou de la CDDE à qui l'embauche est créditée, le cas échéant."
    )
    hired_on: date = Field(description="Date de l'embauche (AAAA-MM-JJ).")
    # Path under the API base, readable with the screen token; None: no publishable photo.
    photo_path: str | None = Field(
        None,
        description=(
            "Chemin de la photo sous l'API, lisible avec le jeton de l'écran ; vide : pas de "
            "photo publiable."
        ),
    )


class Contribution(_Strict):
    service: Service = Field(
        description="Service crédité : « cde » (entreprises) ou « cdde » (demandeurs d'emploi)."
    )
    amount: int = Field(description="Nombre d'unités apportées au défi.")
    label: str = Field(description="Libellé de la contribution (ce qui a été fait).")
    at: datetime = Field(description="Date et heure de la contribution (UTC).")
    shared: bool = Field(
        False,
        description=(
            "Contribution commune aux deux services (le candidat d'un CDDE embauché sur l'offre "
            "d'un CDE) ; ``service`` est alors celui qui l'a enregistrée."
        ),
    )


class SnapshotChallenge(_Strict):
    id: int = Field(description="Identifiant du défi.")
    title: str = Field(description="Nom du défi.")
    unit: str = Field(
        description="Ce que l'on compte, au pluriel (par défaut « offres TPE pourvues »)."
    )
    goal: int = Field(ge=1, description="Objectif à atteindre, en unités du défi (1 au moins).")
    starts_on: date = Field(description="Premier jour du défi (AAAA-MM-JJ).")
    ends_on: date = Field(description="Dernier jour du défi, compris (AAAA-MM-JJ).")
    days_left: int = Field(
        description="Jours restants jusqu'à la fin du défi, aujourd'hui compris."
    )
    total: int = Field(description="Total des contributions, en unités du défi.")
    by_service: dict[Service, int] = Field(
        description=(
            "Total par service : « cde » (entreprises) et « cdde » (demandeurs d'emploi), hors "
            "contributions communes."
        )
    )
    shared: int = Field(
        0, description="Total des contributions communes aux deux services (CDE et CDDE ensemble)."
    )
    recent: list[Contribution] = Field(
        [], description="Dernières contributions, la plus récente d'abord."
    )


class SnapshotAnnouncement(_Strict):
    id: int = Field(description="Identifiant de l'annonce.")
    message: str = Field(description="Texte de l'annonce.")
    urgent: bool = Field(
        description="Annonce urgente : elle prend tout l'écran pendant sa période."
    )
    starts_at: datetime = Field(description="Début de l'affichage (UTC).")
    ends_at: datetime = Field(description="Fin de l'affichage (UTC).")


class SnapshotEvent(_Strict):
    """One occurrence of an agenda event; who comes is counted by service, never named."""

    id: int = Field(description="Identifiant du rendez-vous.")
    title: str = Field(description="Intitulé du rendez-vous.")
    kind: str = Field(description="Genre : job_dating, petit_dej, reunion ou autre.")
    kind_label: str = Field(description="Genre en mots.")
    starts_at: datetime = Field(description="Début de cette fois (UTC).")
    ends_at: datetime = Field(description="Fin de cette fois (UTC).")
    place: str = Field("", description="Lieu.")
    capacity: int | None = Field(None, description="Nombre de places ; vide : sans limite.")
    counts: dict[Service, int] = Field(description="Qui vient, compté par service (cde, cdde).")
    qr_url: str = Field(description="Adresse de la page du rendez-vous, celle du QR code.")


class ActivityMonth(_Strict):
    """One month of the agency's collective figures (never a person's)."""

    month: str = Field(description="Le mois, AAAA-MM, au calendrier de l'agence.")
    label: str = Field(description="Le mois en abrégé : « nov. ».")
    opened: int = Field(0, description="Offres ouvertes dans le mois.")
    opened_tpe: int = Field(0, description="Dont offres de TPE.")
    filled: int = Field(0, description="Offres pourvues dans le mois.")
    filled_tpe: int = Field(0, description="Dont offres de TPE.")
    closed: int = Field(0, description="Offres retirées ou clôturées dans le mois.")
    proposals: int = Field(0, description="Candidats proposés par les CDDE dans le mois.")
    proposals_hired: int = Field(0, description="Dont candidats embauchés.")
    hires: int = Field(0, description="Embauches racontées, par date d'embauche.")


class ActivityFillDays(_Strict):
    level: int = Field(
        ge=0, le=3, description="Niveau d'urgence de l'offre quand elle a été pourvue."
    )
    label: str = Field(description="Ce niveau en mots.")
    median_days: float | None = Field(
        None, description="Délai médian pour pourvoir, en jours ; vide sans offre."
    )
    count: int = Field(0, description="Nombre d'offres pourvues à ce niveau.")


class ActivityChantier(_Strict):
    title: str = Field(description="Intitulé du chantier.")
    kind_label: str = Field(description="Genre en mots : recrutement collectif, grappe TPE…")
    state: Literal["a_venir", "en_cours", "termine"] = Field(
        description="État : a_venir, en_cours ou termine."
    )
    state_label: str = Field(description="État en mots : à venir, en cours, terminé.")


class SnapshotActivity(_Strict):
    """The agency's activity: collective figures month by month and its chantiers."""

    month_label: str = Field(description="Le mois en cours en mots : « novembre 2026 ».")
    months: list[ActivityMonth] = Field(
        description="Le mois en cours et les six précédents, du plus ancien au plus récent."
    )
    fill_days: list[ActivityFillDays] = Field(
        [], description="Délai médian pour pourvoir sur les sept mois, par niveau d'urgence."
    )
    chantiers: list[ActivityChantier] = Field(
        [], description="Les chantiers en cours puis à venir (les terminés ne sont pas envoyés)."
    )


class Snapshot(_Strict):
    """One screen's view of its agency at ``generated_at``."""

    schema_version: Literal[1] = Field(
        description=(
            "Version du format de l'instantané (1) ; un écran refuse une version qu'il ne "
            "connaît pas."
        )
    )
    generated_at: datetime = Field(
        description="Date et heure de fabrication de l'instantané (UTC)."
    )
    agency: SnapshotAgency = Field(description="L'agence de l'écran.")
    screen: SnapshotScreen = Field(
        description="L'écran lui-même : nom, rotation, scènes et horaires."
    )
    offers: list[SnapshotOffer] = Field(
        description="Offres en cours à afficher, les plus urgentes d'abord."
    )
    hires: list[SnapshotHire] = Field(description="Embauches publiées à montrer dans la galerie.")
    challenge: SnapshotChallenge | None = Field(description="Le défi en cours, s'il y en a un.")
    announcements: list[SnapshotAnnouncement] = Field(description="Annonces à afficher maintenant.")
    # Added within version 1: an older screen ignores it, an older server's snapshot lacks it.
    agenda: list[SnapshotEvent] = Field(
        [], description="Rendez-vous de l'agence des 14 prochains jours, dans l'ordre."
    )
    # Added within version 1: null from an older server (the screen then cries its gallery).
    criee: list[str] | None = Field(
        None,
        description=(
            "Les nouvelles de la criée de la semaine pour le bandeau, dans l'ordre : embauches "
            "de la semaine puis offres urgentes ; null : serveur plus ancien."
        ),
    )
    # Added within version 1: null from an older server (the activity scene then skips itself).
    activity: SnapshotActivity | None = Field(
        None,
        description=(
            "L'activité de l'agence (chiffres collectifs des sept derniers mois, chantiers) ; "
            "null : serveur plus ancien."
        ),
    )
