"""The ethics questionnaire (« questionnaire éthique »): a discussion tool the CDE goes through
with a recruiter, played as a self-assessment, one question a screen.

The questions are rows of their agency that a manager edits (wording, hint, the answers offered,
order, retired or not). A questionnaire taken with an employer keeps the questions as they were
asked (``answers`` holds each question's wording and choices beside the answer), so that editing
a question later never rewrites what a recruiter said. Answers have no value and no total: they
help the conversation, they never score the recruiter.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import StringConstraints, field_validator
from sqlmodel import Field, SQLModel

from api.clock import utcnow
from api.models.fields import Count, Flag, Reason, _cleaner, about, count_between, json_column
from api.models.staff import StaffRef
from api.models.versioned import Versioned

TEXT_MAX = 300
HINT_MAX = 300
CHOICE_MAX = 60
CHOICES_MAX = 6
NOTE_MAX = 500
DEFAULT_CHOICES = ["Oui", "En partie", "Pas encore", "À en parler"]
# The agency's questions until a manager changes them: statements the recruiter weighs.
DEFAULT_QUESTIONS: list[tuple[str, str]] = [
    (
        "Nous avons distingué ce que le poste exige vraiment de ce qui serait un plus.",
        "Reprendre l'offre ligne à ligne : qu'est-ce qui est indispensable dès le premier jour ?",
    ),
    (
        "Nous pouvons former sur place une personne qui débute.",
        "Qui transmet le métier, combien de temps, avec quels gestes ?",
    ),
    (
        "Une personne sans diplôme peut réussir à ce poste.",
        "Le diplôme demandé sert-il le travail, ou rassure-t-il seulement ?",
    ),
    (
        "L'accueil du nouveau venu est prévu : une personne référente, un premier jour préparé.",
        "Comment se passe la première semaine ? Qui répond aux questions ?",
    ),
    (
        "Nous sommes prêts à accueillir quelqu'un en immersion avant de recruter.",
        "Une période de mise en situation (PMSMP) permet de se découvrir de part et d'autre.",
    ),
    (
        "Le salaire et les horaires proposés sont à la hauteur de ce que nous demandons.",
        "Un poste difficile à pourvoir l'est parfois pour ces raisons-là.",
    ),
    (
        "Nous regardons chaque candidature sans nous arrêter à l'âge, au parcours ou à l'adresse.",
        "Ce que la personne sait faire et veut apprendre avant le reste.",
    ),
]
NOT_A_SCORE = (
    "Ces réponses servent la discussion avec le recruteur : elles ne le notent pas et ne "
    "comptent pour rien."
)


class EthicsQuestion(Versioned, SQLModel, table=True):
    """One question of an agency's questionnaire, as a manager wrote it."""

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    position: int = 0
    text: str = Field(max_length=TEXT_MAX)
    hint: str = Field(default="", max_length=HINT_MAX)
    choices: list[str] = json_column(DEFAULT_CHOICES)
    asked: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class EthicsQuestionnaire(Versioned, SQLModel, table=True):
    """A questionnaire taken with an employer's recruiter, saved on the employer's file.

    ``answers`` is one item per question asked, in order: ``question_id``, ``question``,
    ``hint`` and ``choices`` as asked, the ``choice`` made ("" until answered) and a ``note``.
    """

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    employer_id: int = Field(foreign_key="employer.id", index=True)
    conducted_by_id: int = Field(foreign_key="staff.id")
    started_at: datetime = Field(default_factory=utcnow)
    completed_at: datetime | None = None
    answers: list[dict[str, Any]] = json_column([])
    version: int = 1


QuestionText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=TEXT_MAX),
    _cleaner(multiline=False, required=True, max_length=TEXT_MAX),
]
ChoiceText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=CHOICE_MAX),
    _cleaner(multiline=False, required=True, max_length=CHOICE_MAX),
]


def _distinct(choices: list[str]) -> list[str]:
    if len({c.casefold() for c in choices}) != len(choices):
        raise ValueError("deux réponses proposées sont identiques")
    return choices


Rank = count_between(0, 1000)


class QuestionCreate(SQLModel):
    """A manager adds a question to the agency's questionnaire."""

    text: QuestionText = Field(
        description="La question ou l'affirmation soumise au recruteur, 1 à 300 caractères."
    )
    hint: Reason = Field("", description="Une aide pour la discussion, 300 caractères au plus.")
    choices: list[ChoiceText] = Field(
        default_factory=lambda: list(DEFAULT_CHOICES),
        min_length=2,
        max_length=CHOICES_MAX,
        description="Les réponses proposées, 2 à 6, de 60 caractères au plus, toutes différentes.",
    )

    @field_validator("choices")
    @classmethod
    def _choices_differ(cls, choices: list[str]) -> list[str]:
        return _distinct(choices)


class QuestionUpdate(SQLModel):
    """A manager rewords, reorders or retires a question (answers already given keep theirs)."""

    text: QuestionText | None = Field(None, description=about(QuestionCreate, "text"))
    hint: Reason | None = Field(None, description=about(QuestionCreate, "hint"))
    choices: list[ChoiceText] | None = Field(
        None, min_length=2, max_length=CHOICES_MAX, description=about(QuestionCreate, "choices")
    )
    position: Rank | None = Field(
        None, description="Rang de la question (0 en premier), 0 à 1 000."
    )
    asked: Flag | None = Field(None, description="Posée (true) ou retirée (false).")
    version: Count | None = Field(None, description="Version lue avant la modification.")

    @field_validator("choices")
    @classmethod
    def _choices_differ(cls, choices: list[str] | None) -> list[str] | None:
        return None if choices is None else _distinct(choices)


class AnswerPublic(SQLModel):
    """One question as it was asked, and what the recruiter answered."""

    question: str = Field(description="La question, telle qu'elle a été posée.")
    choice: str = Field(description="La réponse choisie (vide : sans réponse).")
    note: str = Field(description="La note prise à côté, le cas échéant.")


class QuestionnairePublic(SQLModel):
    """A questionnaire taken with an employer's recruiter: its date and answers, no score."""

    id: int = Field(description="Identifiant (numéro attribué par Couloir).")
    started_at: datetime = Field(description="Commencé le (UTC).")
    completed_at: datetime | None = Field(description="Terminé le (UTC) ; vide s'il est en cours.")
    conducted_by: StaffRef | None = Field(description="Le ou la CDE qui l'a mené.")
    answers: list[AnswerPublic] = Field(description="Les questions dans l'ordre, et les réponses.")


NoteText = Annotated[
    str,
    StringConstraints(max_length=NOTE_MAX),
    _cleaner(multiline=True, required=False, max_length=NOTE_MAX),
]


class AnswerIn(SQLModel):
    """The recruiter's answer to one question, as the CDE records it."""

    choice: str = Field(
        max_length=CHOICE_MAX,
        description="Une des réponses proposées pour cette question, ou vide pour la laisser "
        "sans réponse.",
    )
    note: NoteText = Field("", description="Une note à côté, 500 caractères au plus.")
    version: Count | None = Field(None, description="Version lue avant la réponse.")


class CompleteIn(SQLModel):
    """Finish a questionnaire."""

    version: Count | None = Field(None, description="Version lue avant de terminer.")


class StepPublic(SQLModel):
    """One question as it is asked in this questionnaire, and the answer given so far."""

    step: int = Field(description="Rang de la question dans le questionnaire, à partir de 1.")
    question: str = Field(description="La question, telle qu'elle est posée.")
    hint: str = Field(description="L'aide pour la discussion.")
    choices: list[str] = Field(description="Les réponses proposées.")
    choice: str = Field(description="La réponse choisie (vide : sans réponse).")
    note: str = Field(description="La note prise à côté.")


class QuestionnaireDetail(SQLModel):
    """A questionnaire being taken: each question with its choices; never a score."""

    id: int = Field(description="Identifiant (numéro attribué par Couloir).")
    employer_id: int = Field(description="La fiche employeur où il est enregistré.")
    started_at: datetime = Field(description="Commencé le (UTC).")
    completed_at: datetime | None = Field(description="Terminé le (UTC) ; vide s'il est en cours.")
    version: int = Field(description="Version, à renvoyer pour répondre ou terminer.")
    steps: list[StepPublic] = Field(description="Les questions dans l'ordre, et les réponses.")


class QuestionPublic(SQLModel):
    """A question of the agency's questionnaire, as a manager edits it."""

    id: int = Field(description="Identifiant (numéro attribué par Couloir).")
    text: str = Field(description="La question.")
    hint: str = Field(description="L'aide pour la discussion.")
    choices: list[str] = Field(description="Les réponses proposées.")
    position: int = Field(description="Rang (0 en premier).")
    asked: bool = Field(description="Posée (true) ou retirée (false).")
    version: int = Field(description="Version, à renvoyer pour modifier.")
