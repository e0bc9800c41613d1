"""Stored images in-process: one per owner, replaced whole, bytes read only when needed."""

from __future__ import annotations

from sqlmodel import Session, select

from api.models import HirePhoto, Screenshot
from api.services import images
from tests import factories


def test_an_image_is_replaced_and_read_back_with_its_hash(db: Session) -> None:
    screen = factories.screen(db, factories.agency(db))
    first = images.save(db, Screenshot, screen.id, b"premier", "image/png")  # type: ignore[arg-type]
    second = images.save(db, Screenshot, screen.id, b"second", "image/png")  # type: ignore[arg-type]
    db.commit()
    assert second == images.sha256_of(b"second") != first
    [row] = db.exec(select(Screenshot)).all()
    assert (row.size, row.sha256) == (6, second)
    loaded = images.load(db, Screenshot, screen.id)  # type: ignore[arg-type]
    assert loaded == images.Image(sha256=second, media_type="image/png", data=b"second")


def test_the_bytes_stay_in_the_database_when_the_client_holds_them(db: Session) -> None:
    hire = factories.hire(db, factories.staff(db, factories.agency(db), "cde"), photo=True)
    sha = hire.photo_sha256
    assert sha is not None
    held = images.load(db, HirePhoto, hire.id, [sha])  # type: ignore[arg-type]
    assert held is not None and (held.sha256, held.data) == (sha, None)
    anything = images.load(db, HirePhoto, hire.id, [images.ANY])  # type: ignore[arg-type]
    assert anything is not None and anything.data is None
    older = images.load(db, HirePhoto, hire.id, ["0" * 64])  # type: ignore[arg-type]
    assert older is not None and older.data == factories.sample_jpeg()


def test_an_owner_without_an_image_has_none(db: Session) -> None:
    screen = factories.screen(db, factories.agency(db))
    assert images.load(db, Screenshot, screen.id) is None  # type: ignore[arg-type]
