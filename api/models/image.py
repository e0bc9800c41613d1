"""Images kept in the database (hire photos, screen screenshots), so that any host serves them.

One row per owner, replaced on upload, deleted with its owner (ON DELETE CASCADE). The bytes are
only read when a response needs them: queries name the columns they want.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from api.clock import utcnow

ETAG_LENGTH = 64  # SHA-256, hexadecimal


class StoredImage(SQLModel):
    """Columns every stored image has: bytes, media type, size, content hash, creation time."""

    data: bytes
    media_type: str = Field(max_length=40)
    size: int
    # SHA-256 of ``data``: the strong ETag it is served with.
    sha256: str = Field(max_length=ETAG_LENGTH)
    created_at: datetime = Field(default_factory=utcnow)


class HirePhoto(StoredImage, table=True):
    """The re-encoded photo (JPEG) of a hire."""

    hire_id: int = Field(foreign_key="hire.id", ondelete="CASCADE", primary_key=True)


class Screenshot(StoredImage, table=True):
    """The latest frame (PNG) a screen sent."""

    screen_id: int = Field(foreign_key="screen.id", ondelete="CASCADE", primary_key=True)


class PendingPhoto(StoredImage, table=True):
    """A photo chosen on a hire form that was refused for another field (consent forgotten…).

    Kept a short while (``api.services.hires.PENDING_PHOTO_LIFE``) so that the person does not
    pick it again: found by the random ``key`` the form carries back, and only for its owner.
    """

    key: str = Field(primary_key=True, max_length=64)
    staff_id: int = Field(foreign_key="staff.id", ondelete="CASCADE", index=True)
