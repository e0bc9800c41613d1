"""Tags: an agency's own words (« #antiplôme », « #embaucheenor ») crossing offers, hire
stories and testimonies.

A tag is kept as typed (accents and case), without its « # »; its ``slug`` is the folded form
(no case, no accents) that both names its page (``/admin/tags/{slug}``) and matches what
someone types: « Antiplome » finds « antiplôme ». The link tables keep the order tags were
given in, so that an offer's first tag is the one its card on the screen shows.
"""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from api.clock import utcnow
from api.models.fields import Count, Reason, about
from api.models.fields import Tag as TagText
from api.models.versioned import Versioned

NAME_MAX = 40
SLUG_MAX = 80
DESCRIPTION_MAX = 300
# How many existing tags a suggestion list offers.
SUGGESTIONS = 8


def fold(text: str) -> str:
    """The matching key of a tag: no « # », no case, no accents, words joined by « - ».

    >>> fold("#Antiplôme"), fold("antiplome"), fold("#Bac+2")
    ('antiplome', 'antiplome', 'bac-2')
    >>> fold("#🎉🎉") == fold("🎉🎉") != ""
    True
    """
    bare = text.strip().lstrip("#")
    decomposed = unicodedata.normalize("NFKD", bare.casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = "".join(c if c.isalnum() else "-" for c in letters)
    slug = "-".join(part for part in words.split("-") if part)[:SLUG_MAX]
    if slug or not bare:
        return slug
    # A tag of symbols only (emoji): a stable ASCII slug of its exact text.
    return "t-" + hashlib.sha256(bare.encode("utf-8")).hexdigest()[:12]


def display_name(name: str) -> str:
    """A tag's name as pages and the screen show it: with its « # ».

    >>> display_name("antiplôme")
    '#antiplôme'
    """
    return "#" + name


class Tag(Versioned, SQLModel, table=True):
    """One word of an agency, unique in it by its folded form (``slug``)."""

    __table_args__ = (UniqueConstraint("agency_id", "slug", name="uq_tag_agency_slug"),)

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    name: str = Field(max_length=NAME_MAX)
    slug: str = Field(max_length=SLUG_MAX, index=True)
    description: str = Field(default="", max_length=DESCRIPTION_MAX)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class OfferTag(SQLModel, table=True):
    """An offer carries a tag; ``position`` 0 is its first tag."""

    offer_id: int = Field(foreign_key="offer.id", ondelete="CASCADE", primary_key=True)
    tag_id: int = Field(foreign_key="tag.id", ondelete="CASCADE", primary_key=True, index=True)
    position: int = 0


class HireTag(SQLModel, table=True):
    """A hire story carries a tag."""

    hire_id: int = Field(foreign_key="hire.id", ondelete="CASCADE", primary_key=True)
    tag_id: int = Field(foreign_key="tag.id", ondelete="CASCADE", primary_key=True, index=True)
    position: int = 0


class TagRef(SQLModel):
    """A tag as other resources show it."""

    name: str = Field(description="Nom de l'étiquette tel que saisi, sans « # » (accents gardés).")
    slug: str = Field(
        description="Forme sans accents ni majuscules : l'adresse de sa page, /admin/tags/{slug}."
    )


class TagPublic(TagRef):
    id: int = Field(description="Identifiant (numéro attribué par Couloir).")
    description: str = Field(description="Courte description de l'étiquette (300 caractères).")
    offers_count: int = Field(0, description="Nombre d'offres en cours portant l'étiquette.")
    hires_count: int = Field(0, description="Nombre d'embauches portant l'étiquette.")
    testimonies_count: int = Field(0, description="Nombre de témoignages portant l'étiquette.")
    version: int = Field(
        description=(
            "Numéro de version, augmenté à chaque modification ; à renvoyer pour éviter "
            "d'écraser la modification d'un collègue (sinon 409)."
        )
    )


class TagUpdate(SQLModel):
    """A manager renames a tag or changes its description."""

    name: TagText | None = Field(
        None,
        description=(
            "Nouveau nom, 2 à 40 caractères sans espace ni virgule (le « # » est facultatif) ; "
            "refusé s'il désigne déjà une autre étiquette (fusionnez-les plutôt)."
        ),
    )
    description: Reason | None = Field(
        None, description="Courte description de l'étiquette, 300 caractères au plus."
    )
    version: Count | None = Field(None, description=about(TagPublic, "version"))


class TagMerge(SQLModel):
    """A manager merges this tag into another one: its items move, it disappears."""

    into: TagText = Field(
        description=(
            "L'étiquette qui reste (son nom ou son adresse, sans souci des majuscules ni des "
            "accents) ; pas elle-même."
        )
    )
