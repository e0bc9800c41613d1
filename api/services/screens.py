"""Corridor screens: registration, pairing, tokens, playlists, heartbeats and screenshots."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session, col, func, select

from api.changes import QUIET, ChangeBroker
from api.clock import aware, utcnow
from api.db import serialize_on
from api.domain.codes import new_token, normalise_pairing_code, pairing_code, token_hash
from api.errors import Conflict, Invalid, NotFound, Throttled, TooLarge
from api.models import Agency, Screen, ScreenPairing, Screenshot, Staff
from api.models.screen import (
    DEFAULT_UPDATE_WINDOW,
    Heartbeat,
    LastUpdate,
    ScreenCreate,
    ScreenPublic,
    ScreenUpdate,
    UpdateOrder,
    UpdateReport,
    UpdateWindow,
)
from api.services import audit, images
from api.services.common import apply_changes, check_version, get_scoped

PAIRING_MINUTES = 15
PAIRINGS_PER_CLIENT = 5  # per address, per PAIRING_CLIENT_WINDOW
PAIRING_CLIENT_WINDOW = timedelta(minutes=1)
MAX_PENDING_PAIRINGS = 200  # codes waiting for a manager, all agencies together
PAIRING_LOCK_KEY = 0x636F756C_70616972  # PostgreSQL advisory lock serializing pairing requests
ONLINE_WITHIN = timedelta(minutes=3)  # three missed heartbeats
MAX_SCREENSHOT_BYTES = 2_000_000
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_UPDATE_FIELDS = (
    "update_window_opens",
    "update_window_closes",
    "update_result",
    "update_target",
    "update_reason",
    "update_reported_at",
)
# A report dated later than this ahead of the service's clock is refused (wrong clock on the Pi).
REPORT_CLOCK_SLACK = timedelta(minutes=10)
SCREENSHOT_MEDIA_TYPE = "image/png"


def to_public(
    screen: Screen, *, target_version: str | None = None, timezone: str | None = None
) -> ScreenPublic:
    """Public form with online status from the last heartbeat.

    ``target_version`` (the service's ``fleet_version``) and ``timezone`` (the agency's) add
    what the fleet update part of the screens page shows.
    """
    seen = screen.last_heartbeat_at
    return ScreenPublic(
        **screen.model_dump(
            exclude={"agency_id", "token_hash", "created_at", "screenshot_at", *_UPDATE_FIELDS}
        ),
        online=seen is not None and utcnow() - seen < ONLINE_WITHIN and screen.revoked_at is None,
        # Written with the screenshot itself (store_screenshot): no need to look at the image.
        has_screenshot=screen.screenshot_at is not None,
        revoked=screen.revoked_at is not None,
        target_version=target_version or None,
        update_window=update_window(screen, timezone) if timezone else None,
        last_update=last_update(screen),
        clock_warning=clock_warning(screen.clock_skew_s, screen.clock_before_release),
    )


#: A screen's clock this far from the service's (seconds) is worth telling its manager.
CLOCK_WARNING_AFTER_S = 120


def clock_warning(skew_s: int | None, before_release: bool | None) -> str | None:
    """The manager's sentence when a screen's clock is wrong, else None.

    >>> clock_warning(3 * 86_400 + 600, True)
    "L'horloge de cet écran retarde de 3 jours : il affiche l'heure du service en attendant."
    >>> clock_warning(-3_700, False)
    "L'horloge de cet écran avance d'une heure : il affiche l'heure du service en attendant."
    """
    if skew_s is not None and abs(skew_s) > CLOCK_WARNING_AFTER_S:
        way = "retarde" if skew_s > 0 else "avance"
        gap = _duration(abs(skew_s))
        of = "d'" if gap.startswith("une ") else "de "
        return (
            f"L'horloge de cet écran {way} {of}{gap} : il affiche l'heure du service en attendant."
        )
    if before_release:
        return (
            "L'horloge de cet écran indique une date antérieure à sa version : "
            "elle n'est pas à l'heure (pas de synchronisation NTP ?)."
        )
    return None


def _duration(seconds: int) -> str:
    """« 3 jours », « une heure », « 5 minutes »: the largest unit, rounded down."""
    for size, one, many in ((86_400, "un jour", "jours"), (3_600, "une heure", "heures")):
        if seconds >= size:
            n = seconds // size
            return one if n == 1 else f"{n} {many}"
    n = max(1, seconds // 60)
    return "une minute" if n == 1 else f"{n} minutes"


def get_screen(db: Session, agency_id: int, screen_id: int) -> Screen:
    """One screen of this agency, or NotFound."""
    return get_scoped(db, Screen, screen_id, agency_id, "Écran")


def list_screens(db: Session, agency_id: int) -> list[Screen]:
    """The agency's screens, by name."""
    return list(db.exec(select(Screen).where(Screen.agency_id == agency_id).order_by(Screen.name)))


def create_screen(
    db: Session, actor: Staff | None, agency_id: int, data: ScreenCreate
) -> tuple[Screen, str]:
    """Register a screen; return it with its token (shown once, stored hashed)."""
    token = new_token()
    screen = Screen(
        agency_id=agency_id, name=data.name, rotation=data.rotation, token_hash=token_hash(token)
    )
    db.add(screen)
    db.flush()
    audit.record(db, actor, "create", screen, actor_label=None if actor else "ligne de commande")
    db.commit()
    db.refresh(screen)
    return screen, token


def screen_for_token(db: Session, token: str) -> Screen | None:
    """The live screen a bearer token belongs to, or None."""
    if not token or len(token) > 200:
        return None
    screen = db.exec(select(Screen).where(Screen.token_hash == token_hash(token))).first()
    if screen is None or screen.revoked_at is not None:
        return None
    return screen


@dataclass(frozen=True)
class ScreenRef:
    """What the snapshot path needs of an authenticated screen."""

    id: int
    agency_id: int
    version: int
    revision: int  # the agency's change revision when the token was last checked
    checked_at: float  # time.monotonic() of that check


class ScreenTokenCache:
    """Screen tokens already checked in the database, so that polling screens cost no query.

    An entry is trusted while its agency's revision stays put (revoking, editing or deleting a
    screen commits a change, which moves it) and for ``ttl`` seconds at most (a change whose
    notification never reached this process: SQLite written by another one).
    """

    def __init__(self, broker: ChangeBroker, ttl: float = 30.0) -> None:
        self._broker = broker
        self._ttl = ttl
        self._lock = threading.Lock()
        self._entries: dict[str, ScreenRef] = {}

    def get(self, token: str) -> ScreenRef | None:
        """The screen of a token checked recently and unchanged since, or None."""
        key = token_hash(token)
        with self._lock:
            ref = self._entries.get(key)
        if ref is None:
            return None
        stale = time.monotonic() - ref.checked_at > self._ttl
        if stale or ref.revision != self._broker.revision(ref.agency_id):
            with self._lock:
                self._entries.pop(key, None)
            return None
        return ref

    def check(self, db: Session, token: str) -> ScreenRef | None:
        """Look the token up in the database; remember it when it belongs to a live screen."""
        screen = screen_for_token(db, token)
        if screen is None or screen.id is None:
            return None
        # Read the revision, then look again in a new transaction: a revocation committed
        # after this second look moves the revision past the one remembered here.
        revision = self._broker.revision(screen.agency_id)
        db.rollback()
        screen = screen_for_token(db, token)
        if screen is None or screen.id is None:
            return None
        ref = ScreenRef(screen.id, screen.agency_id, screen.version, revision, time.monotonic())
        with self._lock:
            if len(self._entries) > 10_000:  # tokens of deleted screens never come back
                self._entries.clear()
            self._entries[token_hash(token)] = ref
        return ref


def update_screen(db: Session, actor: Staff, screen: Screen, data: ScreenUpdate) -> Screen:
    """Rename, rotate, or change a screen's playlist or schedule (version-checked)."""
    check_version(screen, data.version)
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    before = audit.state_of(screen)
    apply_changes(screen, changes)
    audit.record(db, actor, "update", screen, before=before)
    db.commit()
    db.refresh(screen)
    return screen


def revoke(db: Session, actor: Staff, screen: Screen) -> Screen:
    """Revoke the screen's token: it stops reading at once."""
    if screen.revoked_at is not None:
        raise Conflict("Cet écran est déjà révoqué.")
    before = audit.state_of(screen)
    screen.revoked_at = utcnow()
    screen.token_hash = None
    screen.version += 1
    audit.record(db, actor, "revoke", screen, before=before)
    db.commit()
    db.refresh(screen)
    return screen


def record_heartbeat(db: Session, screen: Screen, beat: Heartbeat) -> None:
    """Store what the screen reports about itself (does not wake other screens)."""
    db.info[QUIET] = True
    screen.last_heartbeat_at = utcnow()
    screen.reported_version = beat.version
    screen.resolution = beat.resolution
    screen.fps = beat.fps
    screen.uptime_s = beat.uptime_s
    screen.memory_mb = beat.memory_mb
    screen.snapshot_etag = beat.snapshot_etag
    screen.clock_skew_s = beat.clock_skew_s
    screen.clock_before_release = beat.clock_before_release
    db.commit()


def store_screenshot(db: Session, screen: Screen, png: bytes) -> None:
    """Keep the screen's latest frame (PNG) for managers to look at, replacing the previous one."""
    if len(png) > MAX_SCREENSHOT_BYTES:
        raise TooLarge("Capture trop lourde (2 Mo au maximum).")
    if not png.startswith(PNG_MAGIC):
        raise Invalid("La capture doit être une image PNG.")
    db.info[QUIET] = True
    screen.screenshot_at = utcnow()
    db.flush()  # the screen row first, as everywhere else (see hires.set_photo)
    images.save(db, Screenshot, screen.id, png, SCREENSHOT_MEDIA_TYPE)
    db.commit()


def load_screenshot(
    db: Session, screen: Screen, known: Collection[str] = ()
) -> images.Image | None:
    """The screen's latest screenshot; its bytes are not read when ``known`` has its ETag."""
    return images.load(db, Screenshot, screen.id, known) if screen.id else None


def _pairing_client_key(client: str) -> str:
    """What is stored of the address that asked: a hash, not the address itself."""
    return token_hash(f"pairing-client:{client}")


def start_pairing(db: Session, client: str) -> tuple[ScreenPairing, str]:
    """A screen without a token asks for a code to show; return the pairing and its poll secret.

    Anyone may ask, so asking is bounded: ``PAIRINGS_PER_CLIENT`` per address per minute and
    ``MAX_PENDING_PAIRINGS`` waiting codes in all, else Throttled (429 with Retry-After). The
    request's row is written first and the rows are counted after, its own included, in one
    transaction serialized by the database (SQLite's writer lock, taken by the INSERT;
    PostgreSQL's advisory lock), so the bounds hold across concurrent requests and processes.
    """
    serialize_on(db, PAIRING_LOCK_KEY)
    now = utcnow()
    secret = new_token()
    client_key = _pairing_client_key(client)
    pairing = ScreenPairing(
        code=pairing_code(),
        poll_secret_hash=token_hash(secret),
        requested_by=client_key,
        created_at=now,
        expires_at=now + timedelta(minutes=PAIRING_MINUTES),
    )
    db.add(pairing)
    db.flush()  # SQLite: the INSERT takes the writer lock, held until commit or rollback
    _refuse_when_too_many(db, client_key, now)
    while db.exec(
        select(ScreenPairing.id).where(
            ScreenPairing.code == pairing.code,
            col(ScreenPairing.expires_at) > now,
            ScreenPairing.id != pairing.id,
        )
    ).first():
        pairing.code = pairing_code()
        db.flush()
    db.commit()
    db.refresh(pairing)
    return pairing, secret


def _refuse_when_too_many(db: Session, client_key: str, now: datetime) -> None:
    """Roll back and raise Throttled when this request passes a bound (its own row counted)."""
    recent, first = db.exec(
        select(func.count(), func.min(ScreenPairing.created_at)).where(
            ScreenPairing.requested_by == client_key,
            col(ScreenPairing.created_at) > now - PAIRING_CLIENT_WINDOW,
        )
    ).one()
    if recent > PAIRINGS_PER_CLIENT:
        db.rollback()
        wait = ((first or now) + PAIRING_CLIENT_WINDOW - now).total_seconds()
        raise Throttled(
            "Trop de demandes d'appairage depuis cette adresse : réessayez dans une minute.",
            retry_after=max(1, int(wait) + 1),
        )
    pending, soonest = db.exec(
        select(func.count(), func.min(ScreenPairing.expires_at)).where(
            col(ScreenPairing.expires_at) > now, col(ScreenPairing.screen_id).is_(None)
        )
    ).one()
    if pending > MAX_PENDING_PAIRINGS:
        db.rollback()
        wait = ((soonest or now) - now).total_seconds()
        raise Throttled(
            "Trop d'écrans attendent d'être appairés : réessayez dans quelques minutes.",
            retry_after=max(1, int(wait) + 1),
        )


def poll_pairing(db: Session, secret: str) -> dict[str, str]:
    """What an unpaired screen learns when it polls: pending, or its token (given once)."""
    pairing = db.exec(
        select(ScreenPairing).where(ScreenPairing.poll_secret_hash == token_hash(secret))
    ).first()
    if pairing is None or (pairing.expires_at < utcnow() and pairing.pending_token is None):
        raise NotFound("Appairage inconnu ou expiré : redémarrez l'écran pour un nouveau code.")
    if pairing.pending_token is None:
        return {"status": "pending", "code": pairing.code}
    screen = db.get(Screen, pairing.screen_id)
    token = pairing.pending_token
    db.delete(pairing)
    db.commit()
    return {"status": "paired", "token": token, "screen_name": screen.name if screen else ""}


def pair(db: Session, actor: Staff, code: str, name: str) -> Screen:
    """A manager enters the code shown on a screen: register it in the manager's agency."""
    wanted = normalise_pairing_code(code)
    pairing = db.exec(
        select(ScreenPairing).where(
            ScreenPairing.code == wanted,
            col(ScreenPairing.expires_at) > utcnow(),
            col(ScreenPairing.screen_id).is_(None),
        )
    ).first()
    if pairing is None:
        raise NotFound("Code inconnu ou expiré : vérifiez le code affiché sur l'écran.")
    screen, token = create_screen(db, actor, actor.agency_id, ScreenCreate(name=name))
    pairing.screen_id = screen.id
    pairing.pending_token = token
    db.commit()
    return screen


# --- Fleet updates: the version screens should run, and what they report back --------------


def update_window(screen: Screen, timezone: str) -> UpdateWindow:
    """The screen's maintenance window (its own, or the default at night), in ``timezone``."""
    opens, closes = DEFAULT_UPDATE_WINDOW
    if screen.update_window_opens and screen.update_window_closes:
        opens, closes = screen.update_window_opens, screen.update_window_closes
    return UpdateWindow(opens=opens, closes=closes, timezone=timezone)


def last_update(screen: Screen) -> LastUpdate | None:
    """The last update result the screen reported, or None."""
    if screen.update_result is None or screen.update_reported_at is None:
        return None
    return LastUpdate(
        result=screen.update_result,  # type: ignore[arg-type]  # written from UpdateResult only
        target_version=screen.update_target,
        reason=screen.update_reason or "",
        at=screen.update_reported_at,
    )


def fleet_wheel(fleet_dir: Path, version: str) -> Path | None:
    """The wheel of ``version`` in ``fleet_dir`` (``couloir-<version>-*.whl``), or None."""
    if not version:
        return None
    found = sorted(fleet_dir.glob(f"couloir-{version}-*.whl"))
    return found[0] if found else None


_DIGESTS: dict[tuple[str, int, int], str] = {}


def _sha256(path: Path) -> str:
    """SHA-256 of a file, remembered while its size and modification time stay the same."""
    info = path.stat()
    key = (str(path), info.st_mtime_ns, info.st_size)
    if key not in _DIGESTS:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        if len(_DIGESTS) > 32:
            _DIGESTS.clear()
        _DIGESTS[key] = digest.hexdigest()
    return _DIGESTS[key]


def update_order(
    db: Session, screen: Screen, fleet_version: str, fleet_dir: Path, wheel_path: str
) -> UpdateOrder:
    """What this screen's update timer is told: target version, its window, wheel and pins.

    The wheel is announced only with its pins (``constraints.txt`` beside it): a screen is
    never asked to install a release whose dependencies would be resolved on the day.
    """
    agency = db.get(Agency, screen.agency_id)
    window = update_window(screen, agency.timezone if agency else "Europe/Paris")
    wheel = fleet_wheel(fleet_dir, fleet_version)
    pins = fleet_dir / "constraints.txt"
    usable = wheel is not None and pins.is_file()
    return UpdateOrder(
        target_version=fleet_version or None,
        window=window,
        server_time=utcnow(),
        wheel_path=wheel_path if usable else None,
        wheel_name=wheel.name if usable and wheel else None,
        wheel_sha256=_sha256(wheel) if usable and wheel else None,
        constraints=pins.read_text("utf-8") if usable else None,
    )


def record_update_report(db: Session, screen: Screen, report: UpdateReport) -> None:
    """Store the result of the screen's last update attempt and the version it now runs."""
    finished = aware(report.finished_at)
    if finished > utcnow() + REPORT_CLOCK_SLACK:
        raise Invalid(
            "Date de fin dans le futur : vérifiez l'horloge de l'écran.", field="finished_at"
        )
    db.info[QUIET] = True  # nothing the corridor shows changed
    screen.reported_version = report.running_version
    screen.update_result = report.result
    screen.update_target = report.target_version
    screen.update_reason = report.reason
    screen.update_reported_at = finished
    db.commit()
