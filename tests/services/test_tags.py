"""Tags and testimonies, in-process: matching without case or accents, attaching, crossing,
rename and merge by a manager, who writes and edits a testimony."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from api.errors import Conflict, Forbidden, Invalid, NotFound, StaleVersion
from api.models import Agency, OfferTag, Staff, Tag
from api.models.hire import HireUpdate
from api.models.offer import OfferUpdate
from api.models.tag import TagUpdate
from api.models.testimony import TestimonyUpdate
from api.services import audit, hires, offers, tags, testimonies
from tests import factories


@pytest.fixture
def cde(db: Session, agency: Agency) -> Staff:
    return factories.staff(db, agency, "cde")


@pytest.fixture
def cdde(db: Session, agency: Agency) -> Staff:
    return factories.staff(db, agency, "cdde")


def _names(db: Session, agency: Agency) -> list[str]:
    return [t.name for t in tags.agency_tags(db, agency.id)]


def test_typing_without_accents_attaches_to_the_existing_tag(
    db: Session, agency: Agency, cde: Staff
) -> None:
    first = factories.offer(db, cde, tags=["#antiplôme", "#EmbaucheEnOr"])
    second = factories.offer(db, cde, tags=["antiplome", "#embaucheenor", "#festival"])
    assert _names(db, agency) == ["antiplôme", "EmbaucheEnOr", "festival"]
    # The display copy names the agency's tags, as typed the first time.
    assert first.tags == ["#antiplôme", "#EmbaucheEnOr"]
    assert second.tags == ["#antiplôme", "#EmbaucheEnOr", "#festival"]
    links = db.exec(select(OfferTag).where(OfferTag.offer_id == second.id)).all()
    assert sorted(link.position for link in links) == [0, 1, 2]


def test_suggestions_match_without_case_or_accents(db: Session, agency: Agency, cde: Staff) -> None:
    factories.offer(db, cde, tags=["#antiplôme", "#Plongée", "#permisB"])
    factories.offer(db, cde, tags=["#antiplôme"])
    assert [t.name for t in tags.suggest(db, agency.id, "antiplome")] == ["antiplôme"]
    assert [t.name for t in tags.suggest(db, agency.id, "#ANTI")] == ["antiplôme"]
    assert [t.name for t in tags.suggest(db, agency.id, "plonge")] == ["Plongée"]
    assert [t.name for t in tags.suggest(db, agency.id, "is")] == ["permisB"]
    # Nothing typed: the most used first.
    assert tags.suggest(db, agency.id, "")[0].name == "antiplôme"
    assert tags.suggest(db, agency.id, "x" * 10_000) == []
    # Another agency's words are not suggested.
    other = factories.staff(db, factories.agency(db), "cde")
    factories.offer(db, other, tags=["#antiprivé"])
    assert [t.name for t in tags.suggest(db, agency.id, "anti")] == ["antiplôme"]


def test_the_board_filters_by_tag_without_accents(db: Session, agency: Agency, cde: Staff) -> None:
    tagged = factories.offer(db, cde, tags=["#antiplôme"])
    factories.offer(db, cde, tags=["#festival"])
    ctx = offers.OfferContext.for_agency(agency, "https://couloir.example")
    assert [e.offer.id for e in offers.board(db, agency.id, ctx, tag="antiplome")] == [tagged.id]


def test_a_tag_crosses_open_offers_hires_and_testimonies(
    db: Session, agency: Agency, cde: Staff, cdde: Staff
) -> None:
    shown = factories.offer(db, cde, tags=["#antiplôme"])
    factories.offer(db, cde, tags=["#antiplôme"], status="closed")
    factories.offer(db, cde, tags=["#festival"])
    story = factories.hire(db, cdde, tags=["antiplome"])
    factories.hire(db, cdde, tags=["antiplome"], status="withdrawn")
    words = factories.testimony(db, cdde, tags=["#Antiplome"], offer_id=shown.id)
    tag = tags.get_by_slug(db, agency.id, "antiplome")
    ctx = offers.OfferContext.for_agency(agency, "https://couloir.example")
    crossing = tags.crossing(db, tag, ctx)
    assert [e.offer.id for e in crossing.offers] == [shown.id]
    assert [h.id for h in crossing.hires] == [story.id]
    assert [t.id for t in crossing.testimonies] == [words.id]
    [public] = tags.to_public(db, [tag])
    assert (public.offers_count, public.hires_count, public.testimonies_count) == (1, 2, 1)
    assert [t.name for t in hires.to_public(db, [story])[0].tags] == ["antiplôme"]


def test_a_manager_renames_a_tag_and_the_offers_follow(
    db: Session, agency: Agency, cde: Staff, manager: Staff
) -> None:
    offer = factories.offer(db, cde, tags=["#festival", "#antiplome"])
    tag = tags.get_by_slug(db, agency.id, "antiplome")
    with pytest.raises(Forbidden):
        tags.update_tag(db, cde, tag, TagUpdate(name="antiplôme"))
    renamed = tags.update_tag(
        db, manager, tag, TagUpdate(name="#antiplôme", description="Sans diplôme exigé.")
    )
    assert (renamed.name, renamed.slug, renamed.version) == ("antiplôme", "antiplome", 2)
    db.refresh(offer)
    assert offer.tags == ["#festival", "#antiplôme"]
    with pytest.raises(StaleVersion):
        tags.update_tag(db, manager, renamed, TagUpdate(description="x", version=1))
    with pytest.raises(Invalid, match="fusionnez"):
        tags.update_tag(db, manager, renamed, TagUpdate(name="FESTIVAL"))
    moved = tags.update_tag(db, manager, renamed, TagUpdate(name="sansdiplome"))
    assert moved.slug == "sansdiplome"
    with pytest.raises(NotFound):
        tags.get_by_slug(db, agency.id, "antiplome")


def test_a_manager_merges_a_tag_into_another(
    db: Session, agency: Agency, cde: Staff, cdde: Staff, manager: Staff
) -> None:
    both = factories.offer(db, cde, tags=["#sansdiplome", "#festival", "#antiplôme"])
    only = factories.offer(db, cde, tags=["#sansdiplome"])
    story = factories.hire(db, cdde, tags=["#sansdiplome"])
    meeting = factories.event(db, manager, kind="reunion", tag="sansdiplome")
    source = tags.get_by_slug(db, agency.id, "sansdiplome")
    into = tags.get_by_slug(db, agency.id, "antiplome")
    with pytest.raises(Forbidden):
        tags.merge(db, cde, source, into)
    with pytest.raises(Invalid, match="elle-même"):
        tags.merge(db, manager, into, into)
    tags.merge(db, manager, source, into)
    assert _names(db, agency) == ["antiplôme", "festival"]
    db.refresh(both)
    db.refresh(only)
    # The item that carried both keeps one link, at the better place.
    assert both.tags == ["#antiplôme", "#festival"]
    assert only.tags == ["#antiplôme"]
    assert [t.name for t in hires.to_public(db, [story])[0].tags] == ["antiplôme"]
    assert db.exec(select(Tag).where(Tag.slug == "sansdiplome")).first() is None
    db.refresh(meeting)
    assert meeting.tag_id == into.id


def test_editing_an_offer_or_a_hire_retags_it(
    db: Session, agency: Agency, cde: Staff, cdde: Staff
) -> None:
    offer = factories.offer(db, cde, tags=["#festival"])
    offers.update_offer(db, cde, offer, OfferUpdate(tags=["#Antiplôme", "festival"]), None)
    assert offer.tags == ["#Antiplôme", "#festival"]
    offers.update_offer(db, cde, offer, OfferUpdate(tags=None), None)
    assert offer.tags == []
    assert db.exec(select(OfferTag).where(OfferTag.offer_id == offer.id)).all() == []
    story = factories.hire(db, cdde)
    story = hires.update_hire(db, cdde, story, HireUpdate(tags=["#antiplome"]))
    assert [t.slug for t in hires.to_public(db, [story])[0].tags] == ["antiplome"]


def test_who_writes_and_edits_a_testimony(
    db: Session, agency: Agency, cde: Staff, cdde: Staff, manager: Staff
) -> None:
    mine = factories.testimony(db, cdde, tags=["#antiplôme"])
    with pytest.raises(Forbidden, match="auteur"):
        testimonies.update_testimony(db, cde, mine, TestimonyUpdate(text="Réécrit."))
    edited = testimonies.update_testimony(db, cdde, mine, TestimonyUpdate(text="Réécrit."))
    assert (edited.text, edited.version) == ("Réécrit.", 2)
    with pytest.raises(StaleVersion):
        testimonies.update_testimony(db, cdde, mine, TestimonyUpdate(text="x", version=1))
    moderated = testimonies.update_testimony(db, manager, mine, TestimonyUpdate(tags=[]))
    assert testimonies.to_public(db, [moderated])[0].tags == []
    with pytest.raises(Forbidden):
        testimonies.delete_testimony(db, cde, mine)
    testimonies.delete_testimony(db, manager, mine)
    assert testimonies.list_testimonies(db, agency.id) == []


def test_a_testimony_only_names_its_agency_s_offers_and_hires(
    db: Session, agency: Agency, cdde: Staff
) -> None:
    other = factories.staff(db, factories.agency(db), "cde")
    elsewhere = factories.offer(db, other)
    with pytest.raises(Invalid, match="Offre introuvable"):
        factories.testimony(db, cdde, offer_id=elsewhere.id)
    story = factories.hire(db, cdde)
    written = factories.testimony(db, cdde, hire_id=story.id)
    assert testimonies.list_testimonies(db, agency.id, hire_id=story.id) == [written]


def test_a_tag_made_at_the_same_instant_elsewhere_is_a_conflict_to_retry(
    db: Session,
    engine,  # type: ignore[no-untyped-def]
    agency: Agency,
    cde: Staff,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A colleague's request (another session) commits « #Relais » while ours still believes
    # it is new: ours answers 409 and keeps nothing; trying again attaches to theirs.
    with Session(engine) as theirs:
        theirs.add(Tag(agency_id=agency.id, name="Relais", slug="relais"))
        theirs.commit()
    with monkeypatch.context() as patched:
        patched.setattr(tags, "agency_tags", lambda *_: [])  # as read before their commit
        with pytest.raises(Conflict):
            factories.offer(db, cde, tags=["#relais"])
    offer = factories.offer(db, cde, tags=["#relais"])
    assert offer.tags == ["#Relais"]


def test_the_journal_tells_a_rename_in_french(
    db: Session, agency: Agency, cde: Staff, manager: Staff
) -> None:
    factories.offer(db, cde, tags=["#antiplome"])
    tag = tags.get_by_slug(db, agency.id, "antiplome")
    tags.update_tag(db, manager, tag, TagUpdate(name="antiplôme"))
    [told] = audit.tell(db, audit.list_events(db, agency.id, entity="tag"), agency.timezone)
    assert (told.before, told.subject) == ("a modifié l'étiquette ", "« #antiplôme »")
    assert [(c.field, c.before, c.after) for c in told.changes] == [
        ("nom", "« antiplome »", "« antiplôme »")
    ]
