"""Stored images (hire photos, screenshots): written in one statement, read without stray bytes.

An image row is replaced with an upsert, so that two uploads for the same owner never race on
its key, and read with the columns a response needs: the bytes only when the client does not
already hold them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Column, case, null
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from api.clock import utcnow
from api.models.image import HirePhoto, Screenshot

ImageModel = type[HirePhoto] | type[Screenshot]
ANY = "*"  # If-None-Match: * (the client holds whatever version exists)


@dataclass(frozen=True)
class Image:
    """One stored image; ``data`` is None when the caller already holds this version."""

    sha256: str
    media_type: str
    data: bytes | None


def sha256_of(data: bytes) -> str:
    """The content hash an image is served with as its ETag."""
    return hashlib.sha256(data).hexdigest()


def _owner(model: ImageModel) -> Column:
    """The owner column, which is the table's primary key (one image per owner)."""
    (key,) = model.__table__.primary_key.columns  # type: ignore[attr-defined]
    return key


def save(db: Session, model: ImageModel, owner_id: int, data: bytes, media_type: str) -> str:
    """Insert or replace the owner's image (not committed); return its SHA-256."""
    sha256 = sha256_of(data)
    key = _owner(model).name
    values = {
        key: owner_id,
        "data": data,
        "media_type": media_type,
        "size": len(data),
        "sha256": sha256,
        "created_at": utcnow(),
    }
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(model).values(values)
    statement = statement.on_conflict_do_update(
        index_elements=[key],
        set_={name: statement.excluded[name] for name in values if name != key},
    )
    db.exec(statement)
    return sha256


def load(
    db: Session, model: ImageModel, owner_id: int, known: Collection[str] = ()
) -> Image | None:
    """The owner's image, or None; its bytes are left in the database when ``known`` names it."""
    if ANY in known:
        data = null()
    elif known:
        data = case((col(model.sha256).in_(list(known)), None), else_=col(model.data))
    else:
        data = col(model.data)
    row = db.exec(
        select(model.sha256, model.media_type, data).where(_owner(model) == owner_id)
    ).first()
    if row is None:
        return None
    return Image(sha256=row[0], media_type=row[1], data=row[2])
