"""The ethics questionnaire, in-process: the agency's questions (defaults, a manager's edits),
a questionnaire taken with a recruiter screen by screen, finished and dated on the file, and
never a score."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlmodel import Session

from api.errors import Conflict, Forbidden, Invalid, StaleVersion
from api.models import Agency, Staff
from api.models.questionnaire import DEFAULT_QUESTIONS, QuestionCreate, QuestionUpdate
from api.services import employers, questionnaire
from tests import factories


@pytest.fixture
def cde(db: Session, agency: Agency) -> Staff:
    return factories.staff(db, agency, "cde")


@pytest.fixture
def cdde(db: Session, agency: Agency) -> Staff:
    return factories.staff(db, agency, "cdde")


def test_an_agency_starts_with_the_default_questions_once(db: Session, agency: Agency) -> None:
    first = questionnaire.questions(db, agency.id)
    assert [q.text for q in first] == [text for text, _ in DEFAULT_QUESTIONS]
    assert [q.id for q in questionnaire.questions(db, agency.id)] == [q.id for q in first]
    other = factories.agency(db)
    assert {q.agency_id for q in questionnaire.questions(db, other.id)} == {other.id}


def test_a_questionnaire_goes_screen_by_screen_and_is_dated_when_finished(
    db: Session, cde: Staff
) -> None:
    employer = factories.employer(db, cde)
    taken = questionnaire.start(db, cde, employer)
    assert len(taken.answers) == len(DEFAULT_QUESTIONS)
    assert all(a["choice"] == "" for a in taken.answers)
    taken = questionnaire.answer(db, cde, taken, 1, "En partie", "Le permis n'est pas utile.")
    taken = questionnaire.answer(db, cde, taken, 3, "", "")  # left for later
    taken = questionnaire.answer(db, cde, taken, 2, "Oui", "", expected_version=taken.version)
    assert [a["choice"] for a in taken.answers[:3]] == ["En partie", "Oui", ""]
    assert questionnaire.answered(taken) == 2
    assert taken.completed_at is None
    done = questionnaire.complete(db, cde, taken, taken.version)
    assert done.completed_at is not None
    with pytest.raises(Conflict):
        questionnaire.answer(db, cde, done, 4, "Oui")
    with pytest.raises(Conflict):
        questionnaire.complete(db, cde, done, None)
    # On the employer's file: its date and answers, as said; no value nor total anywhere.
    file = employers.file_public(db, employer)
    [shown] = file.questionnaires
    assert shown.completed_at == done.completed_at
    assert shown.answers[0].choice == "En partie"
    assert shown.answers[0].note == "Le permis n'est pas utile."
    assert "score" not in shown.model_dump_json().lower()
    assert set(shown.answers[0].model_dump()) == {"question", "choice", "note"}


def test_only_offered_answers_and_existing_questions_are_taken(db: Session, cde: Staff) -> None:
    taken = questionnaire.start(db, cde, factories.employer(db, cde))
    with pytest.raises(Invalid):
        questionnaire.answer(db, cde, taken, 1, "Peut-être")
    with pytest.raises(Invalid):
        questionnaire.answer(db, cde, taken, 0, "Oui")
    with pytest.raises(Invalid):
        questionnaire.answer(db, cde, taken, len(taken.answers) + 1, "Oui")
    with pytest.raises(Invalid):
        questionnaire.answer(db, cde, taken, 1, "Oui", "x" * 501)
    with pytest.raises(StaleVersion):
        questionnaire.answer(db, cde, taken, 1, "Oui", expected_version=taken.version + 5)
    assert taken.answers[0]["choice"] == ""


def test_a_cdde_reads_but_does_not_take_a_questionnaire(
    db: Session, cde: Staff, cdde: Staff
) -> None:
    employer = factories.employer(db, cde)
    with pytest.raises(Forbidden):
        questionnaire.start(db, cdde, employer)
    taken = questionnaire.start(db, cde, employer)
    with pytest.raises(Forbidden):
        questionnaire.answer(db, cdde, taken, 1, "Oui")


def test_a_managers_edit_never_rewrites_what_was_asked(
    db: Session, agency: Agency, cde: Staff, manager: Staff
) -> None:
    employer = factories.employer(db, cde)
    before = questionnaire.start(db, cde, employer)
    first = questionnaire.questions(db, agency.id)[0]
    with pytest.raises(Forbidden):
        questionnaire.update_question(db, cde, first, QuestionUpdate(text="Autre chose ?"))
    questionnaire.update_question(
        db,
        manager,
        first,
        QuestionUpdate(text="Qu'est-ce qui est indispensable ?", choices=["Oui", "Non"], version=1),
    )
    retired = questionnaire.questions(db, agency.id)[1]
    questionnaire.update_question(db, manager, retired, QuestionUpdate(asked=False))
    added = questionnaire.add_question(
        db, manager, QuestionCreate(text="Le poste peut s'adapter à un handicap.")
    )
    assert added.position == len(DEFAULT_QUESTIONS)
    after = questionnaire.start(db, cde, employer)
    assert after.answers[0]["question"] == "Qu'est-ce qui est indispensable ?"
    assert after.answers[0]["choices"] == ["Oui", "Non"]
    assert retired.id not in [a["question_id"] for a in after.answers]
    assert after.answers[-1]["question"] == "Le poste peut s'adapter à un handicap."
    db.expire_all()
    kept = questionnaire.get_questionnaire(db, agency.id, before.id or 0)
    assert kept.answers[0]["question"] == DEFAULT_QUESTIONS[0][0]
    assert len(kept.answers) == len(DEFAULT_QUESTIONS)
    with pytest.raises(StaleVersion):
        questionnaire.update_question(db, manager, first, QuestionUpdate(hint="", version=1))


def test_a_question_offers_two_to_six_different_answers() -> None:
    for choices in (["Oui"], ["Oui", "oui"], [f"R{i}" for i in range(7)], ["Oui", ""]):
        with pytest.raises(ValidationError):
            QuestionCreate(text="Une question", choices=choices)
    with pytest.raises(ValidationError):
        QuestionCreate(text="   ")


def test_without_any_question_asked_nothing_starts(
    db: Session, agency: Agency, cde: Staff, manager: Staff
) -> None:
    for question in questionnaire.questions(db, agency.id):
        questionnaire.update_question(db, manager, question, QuestionUpdate(asked=False))
    with pytest.raises(Conflict):
        questionnaire.start(db, cde, factories.employer(db, cde))
