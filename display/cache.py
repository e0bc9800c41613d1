"""The screen's memory on disk: last good snapshot, hire photos and the paired token.

Every write goes to a temporary file in the same folder, is fsync'ed, then renamed over
the old one, so a power cut leaves either the old or the new file, never half of one.
A file that cannot be read back is logged and ignored: the screen then starts empty
rather than not at all.

    >>> import tempfile
    >>> cache = DisplayCache(Path(tempfile.mkdtemp()))
    >>> cache.save_token("s3cr3t")
    >>> cache.load_token()
    's3cr3t'
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from api.contract import Snapshot

log = logging.getLogger(__name__)

_SNAPSHOT = "snapshot.json"
_TOKEN = "screen_token"
_PHOTOS = "photos"


@dataclass(frozen=True)
class CachedSnapshot:
    """A snapshot read back from disk, with its ETag and when it was stored."""

    snapshot: Snapshot
    etag: str | None
    saved_at: datetime


def atomic_write(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` through a fsync'ed temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    # The rename itself must reach the disk too, or a power cut may forget it.
    try:
        dir_fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


class DisplayCache:
    """Files kept under one folder (``COULOIR_CACHE_DIR``)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def snapshot_path(self) -> Path:
        """Where the last good snapshot lives."""
        return self.root / _SNAPSHOT

    def save_snapshot(
        self, body: bytes | str, etag: str | None, *, saved_at: datetime | None = None
    ) -> bool:
        """Store a snapshot exactly as received (already validated by the caller).

        ``saved_at``: when it was received, by the screen's clocks (default: the system's).
        Returns False when it could not be written (a full or read-only disk): the previous
        file stays whole, and the caller may try again later.
        """
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        envelope = {
            "etag": etag,
            "saved_at": (saved_at or datetime.now(UTC)).isoformat(),
            "snapshot": json.loads(text),
        }
        try:
            atomic_write(self.snapshot_path, json.dumps(envelope).encode("utf-8"))
        except OSError as exc:
            log.warning("cache: could not store the snapshot in %s: %s", self.root, exc)
            return False
        return True

    def load_snapshot(self) -> CachedSnapshot | None:
        """Return the stored snapshot, or None if there is none or it is unreadable."""
        path = self.snapshot_path
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("cache: cannot read %s: %s", path, exc)
            return None
        try:
            envelope = json.loads(raw)
            snapshot = Snapshot.model_validate(envelope["snapshot"])
            saved_at = datetime.fromisoformat(envelope["saved_at"])
            etag = envelope.get("etag")
        except (ValueError, KeyError, TypeError, ValidationError) as exc:
            log.warning("cache: ignoring corrupted snapshot file %s (%s)", path, _short(exc))
            return None
        return CachedSnapshot(snapshot=snapshot, etag=etag, saved_at=saved_at)

    def photo_path(self, hire_id: int, source: str) -> Path:
        """Where the photo of one hire, downloaded from ``source``, is kept."""
        digest = hashlib.sha1(source.encode("utf-8"), usedforsecurity=False).hexdigest()[:12]
        return self.root / _PHOTOS / f"{int(hire_id)}-{digest}.img"

    def save_photo(self, hire_id: int, source: str, data: bytes) -> None:
        """Store the bytes of a hire's photo downloaded from ``source``."""
        try:
            atomic_write(self.photo_path(hire_id, source), data)
        except OSError as exc:
            log.warning("cache: could not store photo %s: %s", hire_id, exc)

    def load_photo(self, hire_id: int, source: str) -> bytes | None:
        """Return a hire's stored photo bytes, or None."""
        try:
            return self.photo_path(hire_id, source).read_bytes()
        except OSError:
            return None

    def prune_photos(self, keep: dict[int, str]) -> None:
        """Delete stored photos except those of ``keep`` (hire id → photo source)."""
        folder = self.root / _PHOTOS
        if not folder.is_dir():
            return
        wanted = {self.photo_path(hire_id, source).name for hire_id, source in keep.items()}
        for path in folder.glob("*.img"):
            if path.name not in wanted:
                path.unlink(missing_ok=True)

    def save_token(self, token: str) -> None:
        """Store the screen token readable by its owner only (0600)."""
        atomic_write(self.root / _TOKEN, token.encode("utf-8"), mode=0o600)

    def forget(self) -> None:
        """Delete the token, the snapshot and the photos (the screen was revoked)."""
        for path in (self.root / _TOKEN, self.snapshot_path):
            path.unlink(missing_ok=True)
        self.prune_photos({})

    def load_token(self) -> str | None:
        """Return the stored screen token, or None."""
        try:
            token = (self.root / _TOKEN).read_text("utf-8").strip()
        except OSError:
            return None
        return token or None


def _short(exc: Exception) -> str:
    text = str(exc).replace("\n", " ")
    return text if len(text) <= 200 else text[:199] + "…"
