"""A photo chosen on a refused hire form is kept an hour, for its owner only."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

from PIL import Image
from sqlmodel import Session, select

from api.models.image import PendingPhoto
from api.services import hires
from tests import factories


def test_a_kept_photo_is_found_by_its_owner_only_then_dropped(db: Session) -> None:
    agency = factories.agency(db)
    cde, other = factories.staff(db, agency, "cde"), factories.staff(db, agency, "cde")
    jpeg = factories.sample_jpeg()
    key = hires.keep_pending_photo(db, cde, jpeg)
    assert hires.pending_photo(db, cde, key) == jpeg
    assert hires.pending_photo(db, other, key) is None
    assert hires.pending_photo(db, cde, key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    hires.drop_pending_photo(db, other, key)  # not theirs: nothing happens
    assert hires.pending_photo(db, cde, key) == jpeg
    hires.drop_pending_photo(db, cde, key)
    assert hires.pending_photo(db, cde, key) is None


def test_kept_photos_expire_and_are_swept_by_the_next_one(db: Session) -> None:
    agency = factories.agency(db)
    cde = factories.staff(db, agency, "cde")
    old = hires.keep_pending_photo(db, cde, factories.sample_jpeg())
    row = db.get(PendingPhoto, old)
    assert row is not None
    row.created_at -= hires.PENDING_PHOTO_LIFE + timedelta(seconds=1)
    db.commit()
    assert hires.pending_photo(db, cde, old) is None
    new = hires.keep_pending_photo(db, cde, factories.sample_jpeg())
    assert set(db.exec(select(PendingPhoto.key))) == {new}


def test_the_form_shows_a_small_copy_of_the_kept_photo() -> None:
    url = hires.thumbnail_url(factories.sample_jpeg(640, 480))
    assert url.startswith("data:image/jpeg;base64,")
    with Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))) as small:
        assert max(small.size) <= 144
