"""Helpers every service uses: agency scoping, version checks, required fields, references."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from api.errors import Invalid, NotFound, StaleVersion
from api.models import Offer
from api.services import common
from tests import factories


def test_a_row_of_another_agency_or_out_of_range_looks_absent(db: Session) -> None:
    agency = factories.agency(db)
    offer = factories.offer(db, factories.staff(db, agency, "cde"))
    assert common.get_scoped(db, Offer, offer.id, agency.id, "Offre") is offer  # type: ignore[arg-type]
    other = factories.agency(db)
    for obj_id, agency_id in ((offer.id, other.id), (-1, agency.id), (2**31, agency.id)):
        with pytest.raises(NotFound, match=r"^Offre introuvable$"):
            common.get_scoped(db, Offer, obj_id, agency_id, "Offre")  # type: ignore[arg-type]


def test_an_older_version_is_refused_and_no_version_means_no_check(db: Session) -> None:
    offer = factories.offer(db, factories.staff(db, factories.agency(db), "cde"))
    common.check_version(offer, None)
    common.check_version(offer, 1)
    with pytest.raises(StaleVersion) as stale:
        common.check_version(offer, 2, public="la version actuelle")
    assert (stale.value.current, stale.value.current_public) == (offer, "la version actuelle")
    assert stale.value.status == 409


def test_changes_bump_the_version_but_never_empty_a_required_field(db: Session) -> None:
    offer = factories.offer(db, factories.staff(db, factories.agency(db), "cde"))
    common.apply_changes(offer, {"title": "Vendeur·se", "start_date": None})
    assert (offer.title, offer.version) == ("Vendeur·se", 2)
    with pytest.raises(Invalid) as refused:
        common.apply_changes(offer, {"commune": None})
    assert (refused.value.message, refused.value.field) == (
        "Le champ commune ne peut pas être vidé.",
        "commune",
    )
    assert (offer.commune, offer.version) == ("Avignon", 2)


def test_staff_references_are_loaded_together(db: Session) -> None:
    agency = factories.agency(db)
    cde = factories.staff(db, agency, "cde", name="Julien Baptiste")
    cdde = factories.staff(db, agency, "cdde", name="Aurélie Fabre")
    refs = common.staff_refs(db, [cde.id, None, cdde.id, cde.id])
    assert {i: (r.name, r.role) for i, r in refs.items()} == {
        cde.id: ("Julien Baptiste", "cde"),
        cdde.id: ("Aurélie Fabre", "cdde"),
    }
    assert common.staff_refs(db, [None]) == {}
