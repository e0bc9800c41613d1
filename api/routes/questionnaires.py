"""The ethics questionnaire through the API: take one with a recruiter (start, answer, finish)
and, for managers, the agency's questions. Never a score: answers help the conversation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.deps import Allowed, IfMatch, SessionDep, StaffAgency
from api.domain.permissions import Action
from api.models.questionnaire import (
    AnswerIn,
    CompleteIn,
    QuestionCreate,
    QuestionnaireDetail,
    QuestionPublic,
    QuestionUpdate,
)
from api.params import PathId
from api.services import employers, questionnaire

router = APIRouter(tags=["employers"])
Step = Annotated[int, Path(ge=1, le=100, description="Rang de la question, à partir de 1.")]


@router.post(
    "/employers/{employer_id}/questionnaires",
    response_model=QuestionnaireDetail,
    status_code=201,
    summary="Commencer un questionnaire éthique",
    description=(
        "Commence le questionnaire avec le recruteur de cet employeur (CDE et managers), avec "
        "les questions de l'agence telles qu'elles sont posées aujourd'hui."
    ),
)
def start_questionnaire(
    employer_id: PathId,
    db: SessionDep,
    agency: StaffAgency,
    actor: Allowed(Action.EDIT_EMPLOYERS),
) -> QuestionnaireDetail:
    """Begin a questionnaire with an employer's recruiter."""
    employer = employers.get_employer(db, agency.id, employer_id)
    return questionnaire.detail(questionnaire.start(db, actor, employer))


@router.get(
    "/questionnaires/{questionnaire_id}",
    response_model=QuestionnaireDetail,
    summary="Lire un questionnaire éthique",
    description="Les questions dans l'ordre, leurs réponses proposées et celles choisies.",
)
def read_questionnaire(
    questionnaire_id: PathId,
    db: SessionDep,
    agency: StaffAgency,
    _: Allowed(Action.READ_EMPLOYERS),
) -> QuestionnaireDetail:
    """One questionnaire of the agency."""
    return questionnaire.detail(questionnaire.get_questionnaire(db, agency.id, questionnaire_id))


@router.put(
    "/questionnaires/{questionnaire_id}/answers/{step}",
    response_model=QuestionnaireDetail,
    summary="Répondre à une question",
    description=(
        "Enregistre la réponse du recruteur à la question de ce rang (une des réponses "
        "proposées, ou vide) et une note ; refusé (409) une fois le questionnaire terminé ou "
        "quand la version envoyée est périmée."
    ),
)
def answer_question(
    questionnaire_id: PathId,
    step: Step,
    data: AnswerIn,
    db: SessionDep,
    agency: StaffAgency,
    actor: Allowed(Action.EDIT_EMPLOYERS),
    if_match: IfMatch,
) -> QuestionnaireDetail:
    """Save one answer."""
    taken = questionnaire.get_questionnaire(db, agency.id, questionnaire_id)
    version = if_match if if_match is not None else data.version
    saved = questionnaire.answer(db, actor, taken, step, data.choice, data.note, version)
    return questionnaire.detail(saved)


@router.post(
    "/questionnaires/{questionnaire_id}/complete",
    response_model=QuestionnaireDetail,
    summary="Terminer un questionnaire éthique",
    description="Le date sur la fiche employeur ; ses réponses ne changent plus ensuite.",
)
def complete_questionnaire(
    questionnaire_id: PathId,
    data: CompleteIn,
    db: SessionDep,
    agency: StaffAgency,
    actor: Allowed(Action.EDIT_EMPLOYERS),
    if_match: IfMatch,
) -> QuestionnaireDetail:
    """Finish a questionnaire."""
    taken = questionnaire.get_questionnaire(db, agency.id, questionnaire_id)
    version = if_match if if_match is not None else data.version
    return questionnaire.detail(questionnaire.complete(db, actor, taken, version))


@router.get(
    "/questionnaire/questions",
    response_model=list[QuestionPublic],
    summary="Lister les questions du questionnaire",
    description="Les questions de l'agence dans leur ordre, posées ou retirées (managers).",
)
def list_questions(
    db: SessionDep, agency: StaffAgency, _: Allowed(Action.MANAGE_QUESTIONNAIRE)
) -> list[QuestionPublic]:
    """The agency's questions (the default ones are written at the first use)."""
    found = questionnaire.questions(db, agency.id)  # type: ignore[arg-type]
    return [questionnaire.question_public(q) for q in found]


@router.post(
    "/questionnaire/questions",
    response_model=QuestionPublic,
    status_code=201,
    summary="Ajouter une question",
    description="Ajoute une question à la fin du questionnaire de l'agence (managers).",
)
def add_question(
    data: QuestionCreate, db: SessionDep, actor: Allowed(Action.MANAGE_QUESTIONNAIRE)
) -> QuestionPublic:
    """Add a question."""
    return questionnaire.question_public(questionnaire.add_question(db, actor, data))


@router.patch(
    "/questionnaire/questions/{question_id}",
    response_model=QuestionPublic,
    summary="Modifier une question",
    description=(
        "Reformule, déplace, retire ou remet une question (managers) ; une version périmée "
        "reçoit 409. Les questionnaires déjà passés gardent la question telle qu'elle a été posée."
    ),
)
def update_question(
    question_id: PathId,
    data: QuestionUpdate,
    db: SessionDep,
    agency: StaffAgency,
    actor: Allowed(Action.MANAGE_QUESTIONNAIRE),
    if_match: IfMatch,
) -> QuestionPublic:
    """Edit a question."""
    question = questionnaire.get_question(db, agency.id, question_id)  # type: ignore[arg-type]
    return questionnaire.question_public(
        questionnaire.update_question(db, actor, question, data, if_match)
    )
