"""Hires in-process: who may change a published story, credits, the gallery, photos."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from api.errors import Forbidden, Invalid, StaleVersion, TooLarge
from api.models import Agency, AuditEvent, Hire, HirePhoto, Staff
from api.models.hire import HireCreate, HireUpdate
from api.services import hires, images
from tests import factories

LOCKED = (
    "Une embauche publiée ne se modifie que par un manager : "
    "demandez-lui de la retirer de l'écran pour la corriger."
)
DENIED = "Votre rôle ne permet pas cette action."


@pytest.fixture
def people(db: Session, agency: Agency) -> dict[str, Staff]:
    return {role: factories.staff(db, agency, role) for role in ("cdde", "cde", "manager")}


def test_a_new_hire_is_a_draft_and_records_who_noted_the_consent(
    db: Session, people: dict[str, Staff]
) -> None:
    cdde = people["cdde"]
    hire = factories.hire(db, cdde, photo_consent=True, cdde_id=cdde.id)
    assert (hire.status, hire.version, hire.published_at) == ("draft", 1, None)
    assert hire.consent_recorded_by_id == cdde.id and hire.created_by_id == cdde.id
    [public] = hires.to_public(db, [hire])
    assert public.cdde is not None and public.cdde.name == cdde.name
    assert public.cde is None and public.has_photo is False


def test_credits_and_offers_must_be_of_the_agency(db: Session, people: dict[str, Staff]) -> None:
    elsewhere = factories.agency(db)
    stranger = factories.staff(db, elsewhere, "cde")
    foreign_offer = factories.offer(db, stranger)
    data = {"employer": "Garage Martin", "title": "Mécanicien", "hired_on": "2026-03-02"}
    with pytest.raises(Invalid) as refused:
        hires.create_hire(db, people["cde"], HireCreate(**data, cde_id=stranger.id))
    assert (refused.value.message, refused.value.field) == (
        "Collègue introuvable dans cette agence.",
        "cde_id",
    )
    with pytest.raises(Invalid) as refused:
        hires.create_hire(db, people["cde"], HireCreate(**data, offer_id=foreign_offer.id))
    assert (refused.value.message, refused.value.field) == (
        "Offre introuvable dans cette agence.",
        "offer_id",
    )
    assert db.exec(select(Hire)).all() == []


@pytest.mark.parametrize("role", ["cdde", "cde"])
@pytest.mark.parametrize(
    "change", [{"story": "Réécrite"}, {"cdde_id": None}, {"photo_consent": False}]
)
def test_only_a_manager_changes_a_published_hire(
    db: Session, people: dict[str, Staff], role: str, change: dict[str, object]
) -> None:
    hire = factories.hire(db, people[role], status="published", photo=True)
    version = hire.version
    with pytest.raises(Forbidden) as refused:
        hires.update_hire(db, people[role], hire, HireUpdate(**change))
    assert refused.value.message == LOCKED
    with pytest.raises(Forbidden, match=re.escape(LOCKED)):
        hires.store_photo(db, people[role], hire, factories.sample_jpeg(80, 60))
    db.refresh(hire)
    assert hire.version == version
    hires.update_hire(db, people["manager"], hire, HireUpdate(**change))
    assert hire.version == version + 1


def test_drafts_stay_open_to_writers_but_not_their_status(
    db: Session, people: dict[str, Staff]
) -> None:
    cdde = people["cdde"]
    hire = factories.hire(db, cdde)
    hires.update_hire(db, cdde, hire, HireUpdate(story="Un vrai déclic."))
    hires.store_photo(db, cdde, hire, factories.sample_jpeg())
    for status in ("published", "withdrawn"):
        with pytest.raises(Forbidden) as refused:
            hires.update_hire(db, cdde, hire, HireUpdate(status=status))  # type: ignore[arg-type]
        assert refused.value.message == DENIED
    assert hires.edit_refusal(cdde, hire) is None
    assert hire.status == "draft" and hire.story == "Un vrai déclic."


def test_a_withdrawn_hire_is_open_to_writers_again(db: Session, people: dict[str, Staff]) -> None:
    hire = factories.hire(db, people["cde"], status="published")
    assert hires.edit_refusal(people["cde"], hire) == LOCKED
    hires.update_hire(db, people["manager"], hire, HireUpdate(status="withdrawn"))
    hires.update_hire(db, people["cde"], hire, HireUpdate(story="Corrigée"))
    assert hire.story == "Corrigée"


def test_publishing_stamps_the_time_once(db: Session, people: dict[str, Staff]) -> None:
    hire = factories.hire(db, people["cde"], status="published")
    first = hire.published_at
    assert first is not None
    hires.update_hire(db, people["manager"], hire, HireUpdate(story="Relue"))
    assert hire.published_at == first


def test_an_edit_of_an_older_version_and_an_emptied_field_are_refused(
    db: Session, people: dict[str, Staff]
) -> None:
    hire = factories.hire(db, people["cde"])
    hires.update_hire(db, people["cde"], hire, HireUpdate(story="Deux"))
    with pytest.raises(StaleVersion):
        hires.update_hire(db, people["cde"], hire, HireUpdate(story="Trois", version=1))
    with pytest.raises(Invalid, match=r"^Le champ employer ne peut pas être vidé\.$"):
        hires.update_hire(db, people["cde"], hire, HireUpdate(employer=None))
    db.refresh(hire)
    assert (hire.story, hire.version) == ("Deux", 2)


def test_the_gallery_shows_published_unexpired_hires_newest_first(
    db: Session, agency: Agency, people: dict[str, Staff]
) -> None:
    cde = people["cde"]
    today = factories.today(agency)
    older = factories.hire(db, cde, status="published", hired_days_ago=20)
    newer = factories.hire(db, cde, status="published", hired_days_ago=2)
    last_day = factories.hire(db, cde, status="published", expires_on=today, hired_days_ago=9)
    factories.hire(
        db, cde, status="published", expires_on=today - timedelta(days=1), hired_days_ago=9
    )
    factories.hire(db, cde)  # a draft
    factories.hire(db, cde, status="withdrawn")
    factories.hire(db, factories.staff(db, factories.agency(db), "cde"), status="published")
    gallery = hires.published_hires(db, agency.id, today)
    assert [h.id for h in gallery] == [newer.id, last_day.id, older.id]
    assert len(hires.list_hires(db, agency.id)) == 6
    assert len(hires.list_hires(db, agency.id, status="draft")) == 1


def test_a_photo_reaches_the_screen_only_with_consent(
    db: Session, people: dict[str, Staff]
) -> None:
    with_consent = factories.hire(db, people["cde"], photo=True)
    without = factories.hire(db, people["cde"], photo=True, photo_consent=False)
    no_photo = factories.hire(db, people["cde"], photo_consent=True)
    assert hires.publishable_photo(with_consent) == with_consent.photo_sha256
    assert hires.publishable_photo(without) is None
    assert hires.publishable_photo(no_photo) is None
    assert hires.to_public(db, [without])[0].has_photo is True


def test_a_new_photo_replaces_the_old_one_and_bumps_the_version(
    db: Session, people: dict[str, Staff]
) -> None:
    hire = factories.hire(db, people["cde"], photo=True)
    first = hire.photo_sha256
    version = hire.version
    second_jpeg = factories.sample_jpeg(90, 60)
    hires.store_photo(db, people["cde"], hire, second_jpeg)
    assert hire.photo_sha256 == images.sha256_of(second_jpeg) != first
    assert hire.version == version + 1
    loaded = hires.load_photo(db, hire)
    assert loaded is not None and loaded.data == second_jpeg
    assert loaded.media_type == "image/jpeg"
    assert len(db.exec(select(HirePhoto)).all()) == 1


def test_an_uploaded_photo_is_reencoded_and_size_checked(
    db: Session, people: dict[str, Staff]
) -> None:
    hire = factories.hire(db, people["cde"])
    with pytest.raises(TooLarge):
        hires.set_photo(db, people["cde"], hire, factories.sample_png(), max_bytes=10)
    hires.set_photo(db, people["cde"], hire, factories.sample_png(), max_bytes=1_000_000)
    loaded = hires.load_photo(db, hire)
    assert loaded is not None and loaded.data is not None and loaded.data[:2] == b"\xff\xd8"


def test_deleting_a_hire_takes_its_photo_and_is_journaled(
    db: Session, people: dict[str, Staff]
) -> None:
    hire = factories.hire(db, people["cde"], photo=True)
    hires.delete_hire(db, people["manager"], hire)
    assert db.exec(select(Hire)).all() == [] and db.exec(select(HirePhoto)).all() == []
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "delete")).one()
    assert (event.entity, event.after) == ("hire", None)
    assert event.before is not None and event.before["employer"] == "Garage Martin"
