"""Testimonies (« témoignages / retours d'expérience »): a staff member's short text about
what worked, optionally about an offer or a hire, with tags. Never about a job seeker."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from api.clock import utcnow
from api.models.fields import MAX_TAGS, TAGS_HELP, Count, DbId, Paragraph, Tag, about
from api.models.hire import HirePublic
from api.models.offer import OfferPublic
from api.models.staff import StaffRef
from api.models.tag import TagPublic, TagRef
from api.models.versioned import Versioned

TEXT_MAX = 2000
# Shown beside the text field on every form and in the API's description.
PERSONAL_DATA_NOTICE = (
    "Jamais de donnée personnelle sur un demandeur d'emploi (ni nom, ni âge, ni situation, "
    "ni coordonnées) : racontez ce qui a marché, pas qui."
)

TestimonyText = Paragraph


class Testimony(Versioned, SQLModel, table=True):
    __test__ = False  # a model, not a test class (pytest collects Test*)

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    author_id: int = Field(foreign_key="staff.id", index=True)
    text: str = Field(max_length=TEXT_MAX)
    offer_id: int | None = Field(default=None, foreign_key="offer.id", ondelete="SET NULL")
    hire_id: int | None = Field(default=None, foreign_key="hire.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class TestimonyTag(SQLModel, table=True):
    """A testimony carries a tag."""

    __test__ = False  # a model, not a test class (pytest collects Test*)

    testimony_id: int = Field(foreign_key="testimony.id", ondelete="CASCADE", primary_key=True)
    tag_id: int = Field(foreign_key="tag.id", ondelete="CASCADE", primary_key=True, index=True)
    position: int = 0


class TestimonyCreate(SQLModel):
    __test__ = False  # a model, not a test class (pytest collects Test*)

    text: TestimonyText = Field(
        description=f"Le témoignage, 1 à {TEXT_MAX} caractères. {PERSONAL_DATA_NOTICE}"
    )
    offer_id: DbId | None = Field(None, description="Offre dont il parle, facultatif.")
    hire_id: DbId | None = Field(None, description="Embauche dont il parle, facultatif.")
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS, description=TAGS_HELP)


class TestimonyUpdate(SQLModel):
    __test__ = False  # a model, not a test class (pytest collects Test*)

    text: TestimonyText | None = Field(None, description=about(TestimonyCreate, "text"))
    offer_id: DbId | None = Field(None, description=about(TestimonyCreate, "offer_id"))
    hire_id: DbId | None = Field(None, description=about(TestimonyCreate, "hire_id"))
    tags: list[Tag] | None = Field(None, max_length=12, description=about(TestimonyCreate, "tags"))
    version: Count | None = Field(
        None,
        description=(
            "Numéro de version, augmenté à chaque modification ; à renvoyer pour éviter "
            "d'écraser la modification d'un collègue (sinon 409)."
        ),
    )


class TestimonyPublic(SQLModel):
    __test__ = False  # a model, not a test class (pytest collects Test*)

    id: int = Field(description="Identifiant (numéro attribué par Couloir).")
    text: str = Field(description="Le témoignage (sans donnée personnelle).")
    author: StaffRef = Field(description="Qui l'a écrit.")
    offer_id: int | None = Field(description="Offre dont il parle, le cas échéant.")
    hire_id: int | None = Field(description="Embauche dont il parle, le cas échéant.")
    tags: list[TagRef] = Field(description="Ses étiquettes, dans l'ordre donné.")
    created_at: datetime = Field(description="Date et heure d'écriture (UTC).")
    updated_at: datetime = Field(description="Dernière modification (UTC).")
    version: int = Field(description=about(TestimonyUpdate, "version"))


class TagCrossingPublic(SQLModel):
    """What a tag gathers, as its page shows it."""

    tag: TagPublic = Field(description="L'étiquette.")
    offers: list[OfferPublic] = Field(description="Offres en cours, les plus urgentes d'abord.")
    hires: list[HirePublic] = Field(
        description="Embauches racontées (hors retirées), les plus récentes d'abord."
    )
    testimonies: list[TestimonyPublic] = Field(
        description="Témoignages et retours d'expérience, les plus récents d'abord."
    )
