"""The journal in-process: who changed what, secrets left out, newest first, filtered."""

from __future__ import annotations

import re
from datetime import date

from sqlmodel import Session

from api.models.offer import OfferUpdate
from api.models.staff import StaffCreate
from api.services import audit, offers
from api.services import staff as staff_service
from tests import factories


def test_a_state_is_json_safe_and_keeps_no_secret(db: Session) -> None:
    agency = factories.agency(db)
    person = factories.staff(db, agency, "cde")
    state = audit.state_of(person)
    assert state is not None and "password_hash" not in state
    assert isinstance(state["created_at"], str) and state["name"] == person.name
    hire = factories.hire(db, person)
    assert date.fromisoformat(audit.state_of(hire)["hired_on"]) == hire.hired_on  # type: ignore[index]
    assert audit.state_of(None) is None


def test_the_journal_lists_the_agencys_events_newest_first_with_filters(db: Session) -> None:
    agency = factories.agency(db)
    cde, other = factories.staff(db, agency, "cde"), factories.staff(db, agency, "cde")
    offer = factories.offer(db, cde)
    offers.update_offer(db, other, offer, OfferUpdate(positions=2), None)
    factories.hire(db, cde)
    factories.offer(db, factories.staff(db, factories.agency(db), "cde"))  # elsewhere
    events = audit.list_events(db, agency.id)
    assert [(e.entity, e.action) for e in events] == [
        ("hire", "create"),
        ("offer", "update"),
        ("offer", "create"),
        ("employer", "create"),  # the offer opened its employer's file
        ("agency", "create"),
    ]
    assert events[1].actor_label == f"{other.name} (cde)"
    assert (events[1].before["positions"], events[1].after["positions"]) == (1, 2)  # type: ignore[index]
    assert [e.action for e in audit.list_events(db, agency.id, entity="offer")] == [
        "update",
        "create",
    ]
    assert [e.entity for e in audit.list_events(db, agency.id, actor_id=other.id)] == ["offer"]
    assert len(audit.list_events(db, agency.id, limit=1, offset=1)) == 1
    assert audit.list_events(db, agency.id, limit=1, offset=1)[0].action == "update"


def test_a_deletion_keeps_the_before_state_only(db: Session) -> None:
    agency = factories.agency(db)
    cde = factories.staff(db, agency, "cde")
    offer = factories.offer(db, cde, title="Caviste")
    offers.delete_offer(db, cde, offer, None)
    [deleted] = audit.list_events(db, agency.id, entity="offer")[:1]
    assert (deleted.action, deleted.after) == ("delete", None)
    assert deleted.before is not None and deleted.before["title"] == "Caviste"


def test_the_journal_tells_a_publication_in_plain_french(db: Session) -> None:
    agency = factories.agency(db)
    cde = factories.staff(db, agency, "cde")
    hire = factories.hire(db, cde, status="published")
    [published] = audit.tell(db, audit.list_events(db, agency.id, limit=1), agency.timezone)
    assert published.after.startswith(" chez Garage Martin")
    assert published.subject == f"« {hire.title} »" and published.link == ("hire", hire.id)
    changes = {c.field: (c.before, c.after) for c in published.changes}
    assert changes["statut"] == ("brouillon", "publiée")
    before, after = changes["publiée le"]
    assert before == "—" and re.fullmatch(r"\w+\. \d{1,2}(er)? \S+ à \d{1,2} h \d\d", after or "")
    assert "version" not in changes and "updated_at" not in changes
    assert "None" not in repr(published.changes) and "T" not in (after or "").split(" à ")[1]


def test_the_journal_says_what_the_terminal_did(db: Session) -> None:
    agency = factories.agency(db)
    person = staff_service.create_staff(
        db,
        None,
        agency.id,
        StaffCreate(
            name="Aurélie Fabre",
            email="a.fabre@example.fr",
            role="cdde",
            password="premier-jour-2026",
        ),
    )
    [created] = audit.tell(db, audit.list_events(db, agency.id, entity="staff"), agency.timezone)
    assert (created.who, created.before, created.subject) == ("", "Le compte d'", person.name)
    assert created.after == " a été créé depuis le terminal"


def test_a_candidate_is_told_with_its_offer(db: Session) -> None:
    agency = factories.agency(db)
    cde, cdde = factories.staff(db, agency, "cde"), factories.staff(db, agency, "cdde")
    offer = factories.offer(db, cde)
    offers.propose_candidate(db, cdde, offer)
    [told] = audit.tell(db, audit.list_events(db, agency.id, limit=1), agency.timezone)
    assert told.who == cdde.name
    assert f"{told.before}{told.subject}{told.after}" == (
        f"a proposé un candidat pour l'offre « {offer.title} » ({offer.employer})"
    )
    assert told.link == ("candidates", offer.code)


def test_the_journal_tells_a_position_filled_and_a_withdrawn_proposal(db: Session) -> None:
    agency = factories.agency(db)
    cde, cdde = factories.staff(db, agency, "cde"), factories.staff(db, agency, "cdde")
    offer = factories.offer(db, cde, positions=2)
    offer = offers.set_status(db, cde, offer, "filled", None)
    proposal, _ = offers.propose_candidate(db, cdde, offer)
    offers.withdraw_candidate(db, cdde, proposal)
    withdrawn, filled = audit.tell(db, audit.list_events(db, agency.id, limit=3), agency.timezone)[
        :3:2
    ]
    assert f"{filled.before}{filled.subject}{filled.after}".startswith(
        f"a marqué un poste pourvu sur l'offre « {offer.title} »"
    )
    assert [(c.field, c.before, c.after) for c in filled.changes] == [("postes pourvus", "0", "1")]
    assert f"{withdrawn.before}{withdrawn.subject}{withdrawn.after}".startswith(
        "a retiré sa proposition : "
    )
