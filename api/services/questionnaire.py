"""The ethics questionnaire: the agency's questions (a manager edits them), and questionnaires
a CDE goes through with an employer's recruiter, one question a screen, saved on its file.

A questionnaire copies the active questions when it starts (wording, hint, answers offered), so
that a manager's later edit never changes what was asked. Each screen saves its answer at once
(a lost connection loses at most the screen at hand); « Terminer » dates it on the file. The
answers are never turned into a number: no value, no total, no ranking of employers.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from api.clock import utcnow
from api.domain.permissions import DENIED_MESSAGE, Action, can
from api.errors import Conflict, Forbidden, Invalid
from api.models import Employer, EthicsQuestion, EthicsQuestionnaire, Staff
from api.models.questionnaire import (
    DEFAULT_CHOICES,
    DEFAULT_QUESTIONS,
    NOTE_MAX,
    AnswerPublic,
    QuestionCreate,
    QuestionnaireDetail,
    QuestionnairePublic,
    QuestionPublic,
    QuestionUpdate,
    StepPublic,
)
from api.services import audit
from api.services.common import check_version, get_scoped, staff_refs

DONE = "Ce questionnaire est terminé : ses réponses ne changent plus. Commencez-en un autre."
NO_QUESTION = "Aucune question n'est posée : un manager peut en ajouter ou en remettre."
NO_SUCH_STEP = "Cette question n'existe pas dans ce questionnaire."
UNKNOWN_CHOICE = "Choisissez une des réponses proposées."


# --- the agency's questions -----------------------------------------------------------------


def questions(db: Session, agency_id: int) -> list[EthicsQuestion]:
    """The agency's questions in order (retired ones too); the default ones are written the
    first time an agency uses the questionnaire."""
    found = list(
        db.exec(
            select(EthicsQuestion)
            .where(EthicsQuestion.agency_id == agency_id)
            .order_by(col(EthicsQuestion.position), col(EthicsQuestion.id))
        )
    )
    if found:
        return found
    found = add_default_questions(db, agency_id)
    db.commit()
    return found


def add_default_questions(db: Session, agency_id: int) -> list[EthicsQuestion]:
    """Write the default questions for an agency that has none yet. The caller commits."""
    added = []
    for position, (text, hint) in enumerate(DEFAULT_QUESTIONS):
        question = EthicsQuestion(
            agency_id=agency_id,
            position=position,
            text=text,
            hint=hint,
            choices=list(DEFAULT_CHOICES),
        )
        db.add(question)
        added.append(question)
    db.flush()
    return added


def get_question(db: Session, agency_id: int, question_id: int) -> EthicsQuestion:
    """One question of this agency, or NotFound."""
    return get_scoped(db, EthicsQuestion, question_id, agency_id, "Question")


def _check_manager(actor: Staff) -> None:
    if not can(actor.role, Action.MANAGE_QUESTIONNAIRE):
        raise Forbidden(DENIED_MESSAGE)


def add_question(db: Session, actor: Staff, data: QuestionCreate) -> EthicsQuestion:
    """Add a question at the end of the agency's questionnaire (managers)."""
    _check_manager(actor)
    existing = questions(db, actor.agency_id)
    question = EthicsQuestion(
        **data.model_dump(),
        agency_id=actor.agency_id,
        position=max((q.position for q in existing), default=-1) + 1,
    )
    db.add(question)
    db.flush()
    audit.record(db, actor, "create", question)
    db.commit()
    db.refresh(question)
    return question


def update_question(
    db: Session,
    actor: Staff,
    question: EthicsQuestion,
    data: QuestionUpdate,
    expected_version: int | None = None,
) -> EthicsQuestion:
    """Reword, reorder, retire or bring back a question (managers; version-checked).

    Questionnaires already taken keep the question as it was asked.
    """
    _check_manager(actor)
    check_version(question, expected_version if expected_version is not None else data.version)
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    for name in ("text", "choices", "position", "asked"):
        if name in changes and changes[name] is None:
            raise Invalid(f"Le champ {name} ne peut pas être vidé.", field=name)
    if "hint" in changes and changes["hint"] is None:
        changes["hint"] = ""
    before = audit.state_of(question)
    question.sqlmodel_update(changes)
    question.version += 1
    question.updated_at = utcnow()
    db.add(question)
    audit.record(db, actor, "update", question, before=before)
    db.commit()
    db.refresh(question)
    return question


# --- a questionnaire with a recruiter -------------------------------------------------------


def _check_conductor(actor: Staff) -> None:
    if not can(actor.role, Action.EDIT_EMPLOYERS):
        raise Forbidden(DENIED_MESSAGE)


def start(db: Session, actor: Staff, employer: Employer) -> EthicsQuestionnaire:
    """Begin a questionnaire with ``employer``'s recruiter (CDE and managers), with the
    agency's active questions as they are now."""
    _check_conductor(actor)
    asked = [q for q in questions(db, employer.agency_id) if q.asked]
    if not asked:
        raise Conflict(NO_QUESTION)
    questionnaire = EthicsQuestionnaire(
        agency_id=employer.agency_id,
        employer_id=employer.id,
        conducted_by_id=actor.id,
        answers=[
            {
                "question_id": q.id,
                "question": q.text,
                "hint": q.hint,
                "choices": list(q.choices),
                "choice": "",
                "note": "",
            }
            for q in asked
        ],
    )
    db.add(questionnaire)
    db.flush()
    audit.record(db, actor, "create", questionnaire)
    db.commit()
    db.refresh(questionnaire)
    return questionnaire


def get_questionnaire(db: Session, agency_id: int, questionnaire_id: int) -> EthicsQuestionnaire:
    """One questionnaire of this agency, or NotFound."""
    return get_scoped(db, EthicsQuestionnaire, questionnaire_id, agency_id, "Questionnaire")


def step_of(questionnaire: EthicsQuestionnaire, step: int) -> dict[str, Any]:
    """Question number ``step`` (from 1) as it was asked, or Invalid."""
    if not 1 <= step <= len(questionnaire.answers):
        raise Invalid(NO_SUCH_STEP)
    return questionnaire.answers[step - 1]


def answer(
    db: Session,
    actor: Staff,
    questionnaire: EthicsQuestionnaire,
    step: int,
    choice: str,
    note: str = "",
    expected_version: int | None = None,
) -> EthicsQuestionnaire:
    """Save the answer to question ``step``: one of the answers offered, or "" to leave it
    unanswered; a short note beside it. Refused once the questionnaire is finished."""
    _check_conductor(actor)
    if questionnaire.completed_at is not None:
        raise Conflict(DONE)
    check_version(questionnaire, expected_version)
    asked = step_of(questionnaire, step)
    if choice and choice not in asked["choices"]:
        raise Invalid(UNKNOWN_CHOICE, field="choice")
    if len(note) > NOTE_MAX:
        raise Invalid(f"{NOTE_MAX} caractères au maximum.", field="note")
    answers = [dict(a) for a in questionnaire.answers]  # a new list: the JSON column is written
    answers[step - 1].update(choice=choice, note=note)
    questionnaire.answers = answers
    questionnaire.version += 1
    db.add(questionnaire)
    db.commit()
    db.refresh(questionnaire)
    return questionnaire


def complete(
    db: Session, actor: Staff, questionnaire: EthicsQuestionnaire, expected_version: int | None
) -> EthicsQuestionnaire:
    """Finish the questionnaire: dated on the employer's file, its answers no longer change."""
    _check_conductor(actor)
    if questionnaire.completed_at is not None:
        raise Conflict(DONE)
    check_version(questionnaire, expected_version)
    before = audit.state_of(questionnaire)
    questionnaire.completed_at = utcnow()
    questionnaire.version += 1
    db.add(questionnaire)
    audit.record(db, actor, "complete", questionnaire, before=before)
    db.commit()
    db.refresh(questionnaire)
    return questionnaire


def of_employer(db: Session, employer: Employer) -> list[EthicsQuestionnaire]:
    """The questionnaires taken with ``employer``, newest first."""
    return list(
        db.exec(
            select(EthicsQuestionnaire)
            .where(
                EthicsQuestionnaire.employer_id == employer.id,
                EthicsQuestionnaire.agency_id == employer.agency_id,
            )
            .order_by(
                col(EthicsQuestionnaire.started_at).desc(), col(EthicsQuestionnaire.id).desc()
            )
        )
    )


def to_public(db: Session, items: list[EthicsQuestionnaire]) -> list[QuestionnairePublic]:
    """Public form of questionnaires, with who went through them loaded in one query."""
    people = staff_refs(db, (q.conducted_by_id for q in items))
    return [
        QuestionnairePublic(
            id=q.id or 0,
            started_at=q.started_at,
            completed_at=q.completed_at,
            conducted_by=people.get(q.conducted_by_id),
            answers=[
                AnswerPublic(
                    question=a["question"], choice=a.get("choice", ""), note=a.get("note", "")
                )
                for a in q.answers
            ],
        )
        for q in items
    ]


def answered(questionnaire: EthicsQuestionnaire) -> int:
    """How many questions got an answer (a count of progress, not a score)."""
    return sum(1 for a in questionnaire.answers if a.get("choice"))


def detail(questionnaire: EthicsQuestionnaire) -> QuestionnaireDetail:
    """A questionnaire as the API shows it while it is taken: every question with its choices."""
    return QuestionnaireDetail(
        id=questionnaire.id or 0,
        employer_id=questionnaire.employer_id,
        started_at=questionnaire.started_at,
        completed_at=questionnaire.completed_at,
        version=questionnaire.version,
        steps=[
            StepPublic(
                step=number,
                question=a["question"],
                hint=a.get("hint", ""),
                choices=list(a.get("choices", [])),
                choice=a.get("choice", ""),
                note=a.get("note", ""),
            )
            for number, a in enumerate(questionnaire.answers, start=1)
        ],
    )


def question_public(question: EthicsQuestion) -> QuestionPublic:
    """A question of the agency's questionnaire, as the API shows it to managers."""
    return QuestionPublic.model_validate(question, from_attributes=True)
