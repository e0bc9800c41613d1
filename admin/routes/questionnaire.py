"""The ethics questionnaire on the phone: one question a screen with large answers, saved as it
goes, its summary on the employer's file; the managers' page editing the questions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from admin import urls
from admin.deps import Allowed, Ctx
from admin.errors import page_not_found
from admin.forms import Form, Posted
from admin.templating import render
from api.domain.permissions import Action
from api.errors import DomainError, NotFound, StaleVersion
from api.models import EthicsQuestion, EthicsQuestionnaire
from api.models.questionnaire import (
    CHOICES_MAX,
    DEFAULT_CHOICES,
    HINT_MAX,
    NOT_A_SCORE,
    NOTE_MAX,
    TEXT_MAX,
    QuestionCreate,
    QuestionUpdate,
)
from api.params import PathId
from api.services import employers, questionnaire
from api.services.common import staff_refs

router = APIRouter(prefix=urls.QUESTIONNAIRES, include_in_schema=False)
questions_router = APIRouter(prefix=urls.QUESTIONS, include_in_schema=False)
Reader = Allowed(Action.READ_EMPLOYERS)
Editor = Allowed(Action.EDIT_EMPLOYERS)
Manager = Allowed(Action.MANAGE_QUESTIONNAIRE)
Step = Annotated[int, Path(ge=1, le=100)]
GONE = "Ce questionnaire n'existe pas."
STALE = "Ce questionnaire vient d'être modifié sur un autre téléphone : voici où il en est."


def _questionnaire(ctx: Ctx, questionnaire_id: int) -> EthicsQuestionnaire:
    with page_not_found(GONE):
        return questionnaire.get_questionnaire(ctx.db, ctx.agency.id, questionnaire_id)


def _step_page(ctx: Ctx, taken: EthicsQuestionnaire, step: int) -> int:
    """``step`` if the questionnaire has it, else the French 404 page."""
    with page_not_found("Cette question n'existe pas dans ce questionnaire."):
        if not 1 <= step <= len(taken.answers):
            raise NotFound(questionnaire.NO_SUCH_STEP)
    return step


@router.get("/{questionnaire_id}", response_class=HTMLResponse)
def summary_page(request: Request, ctx: Reader, questionnaire_id: PathId) -> Response:
    """What the recruiter answered, question by question, with its date."""
    taken = _questionnaire(ctx, questionnaire_id)
    employer = employers.get_employer(ctx.db, ctx.agency.id, taken.employer_id)
    unanswered = [i for i, a in enumerate(taken.answers, 1) if not a.get("choice")]
    return render(
        request,
        "pages/questionnaire.html",
        {
            "title": f"Questionnaire éthique · {employer.name}",
            "active_tab": "menu",
            "taken": taken,
            "employer": employer,
            "by": staff_refs(ctx.db, [taken.conducted_by_id]).get(taken.conducted_by_id),
            "resume_at": unanswered[0] if unanswered else 1,
            "not_a_score": NOT_A_SCORE,
            "timezone": ctx.agency.timezone,
        },
    )


@router.post("/{questionnaire_id}/terminer", response_class=HTMLResponse)
def finish(
    request: Request, ctx: Editor, questionnaire_id: PathId, form: Form = Posted
) -> Response:
    """Date the questionnaire on the employer's file."""
    taken = _questionnaire(ctx, questionnaire_id)
    version = form.integer("version", minimum=1, maximum=10**9, required=False)
    try:
        questionnaire.complete(ctx.db, ctx.me, taken, version)
    except DomainError:
        return RedirectResponse(urls.questionnaire_page(taken.id or 0), status_code=303)
    return RedirectResponse(
        urls.with_message(urls.employer_page(taken.employer_id), "questionnaire-termine"),
        status_code=303,
    )


def _question_page(
    request: Request,
    ctx: Ctx,
    taken: EthicsQuestionnaire,
    step: int,
    form: Form | None = None,
    status: int = 200,
) -> Response:
    asked = taken.answers[step - 1]
    employer = employers.get_employer(ctx.db, ctx.agency.id, taken.employer_id)
    return render(
        request,
        "pages/questionnaire_step.html",
        {
            "title": f"Question {step} sur {len(taken.answers)}",
            "active_tab": "menu",
            "taken": taken,
            "employer": employer,
            "step": step,
            "asked": asked,
            "form": form
            or Form.empty(
                choice=asked.get("choice", ""), note=asked.get("note", ""), version=taken.version
            ),
            "note_max": NOTE_MAX,
        },
        status_code=status,
    )


@router.get("/{questionnaire_id}/{step}", response_class=HTMLResponse)
def question_page(request: Request, ctx: Editor, questionnaire_id: PathId, step: Step) -> Response:
    """One question on the whole screen, its answers as large buttons."""
    taken = _questionnaire(ctx, questionnaire_id)
    if taken.completed_at is not None:
        return RedirectResponse(urls.questionnaire_page(taken.id or 0), status_code=303)
    return _question_page(request, ctx, taken, _step_page(ctx, taken, step))


@router.post("/{questionnaire_id}/{step}", response_class=HTMLResponse)
def save_answer(
    request: Request, ctx: Editor, questionnaire_id: PathId, step: Step, form: Form = Posted
) -> Response:
    """Save this screen's answer, then the next question (or the summary after the last)."""
    taken = _questionnaire(ctx, questionnaire_id)
    step = _step_page(ctx, taken, step)
    skip = form.raw("passer") != ""
    choice = "" if skip else form.raw("choice").strip()[:200]
    note = form.text("note", max_length=NOTE_MAX) or ""
    version = form.integer("version", minimum=1, maximum=10**9, required=False)
    if not skip and not choice:
        form.add_error("choice", "Choisissez une réponse, ou « Passer cette question ».")
    if form.ok:
        try:
            questionnaire.answer(ctx.db, ctx.me, taken, step, choice, note, version)
        except StaleVersion:
            fresh = Form.empty(choice=taken.answers[step - 1].get("choice", ""), note=note)
            fresh.values["version"] = str(taken.version)
            fresh.add_error("choice", STALE)
            return _question_page(request, ctx, taken, step, fresh, status=409)
        except DomainError as exc:
            if taken.completed_at is not None:
                return RedirectResponse(urls.questionnaire_page(taken.id or 0), status_code=303)
            form.add_error(exc.field or "choice", exc.message)
        else:
            if step < len(taken.answers):
                target = f"{urls.questionnaire_page(taken.id or 0)}/{step + 1}"
            else:
                target = urls.questionnaire_page(taken.id or 0)
            return RedirectResponse(target, status_code=303)
    return _question_page(request, ctx, taken, step, form, status=422)


# --- the managers' page: the questions ------------------------------------------------------


def _question_values(question: EthicsQuestion) -> dict[str, Any]:
    return {
        "text": question.text,
        "hint": question.hint,
        "choices": "\n".join(question.choices),
        "position": question.position,
        "asked": question.asked,
        "version": question.version,
    }


def _questions_page(
    request: Request,
    ctx: Ctx,
    *,
    new_form: Form | None = None,
    failed: tuple[int, Form] | None = None,
    status: int = 200,
) -> Response:
    found = questionnaire.questions(ctx.db, ctx.agency.id)
    forms = {q.id: Form.empty(**_question_values(q)) for q in found}
    if failed is not None:
        forms[failed[0]] = failed[1]
    return render(
        request,
        "pages/questionnaire_questions.html",
        {
            "title": "Questions du questionnaire éthique",
            "active_tab": "menu",
            "questions": found,
            "forms": forms,
            "new_form": new_form or Form.empty(choices="\n".join(DEFAULT_CHOICES)),
            "text_max": TEXT_MAX,
            "hint_max": HINT_MAX,
            "choices_max": CHOICES_MAX,
            "not_a_score": NOT_A_SCORE,
        },
        status_code=status,
    )


def _parse_question(form: Form) -> dict[str, Any]:
    choices = [c.strip() for c in form.raw("choices").splitlines() if c.strip()]
    return {
        "text": form.text("text", required=True, max_length=TEXT_MAX),
        "hint": form.text("hint", max_length=HINT_MAX) or "",
        "choices": choices,
    }


def _form_errors(form: Form, exc: ValidationError) -> None:
    for error in exc.errors():
        loc = error.get("loc") or ("",)
        name = str(loc[0]) if loc and loc[0] in {"text", "hint", "choices"} else "text"
        message = str(error.get("msg", "")).removeprefix("Value error, ")
        if name == "choices":
            message = (
                f"De 2 à {CHOICES_MAX} réponses, une par ligne, toutes différentes ({message})."
            )
        form.add_error(name, message)


@questions_router.get("", response_class=HTMLResponse)
def questions_page(request: Request, ctx: Manager) -> Response:
    """Every question of the agency's questionnaire, each editable, and one to add."""
    return _questions_page(request, ctx)


@questions_router.post("", response_class=HTMLResponse)
def add(request: Request, ctx: Manager, form: Form = Posted) -> Response:
    """Add a question at the end of the questionnaire."""
    data = _parse_question(form)
    if form.ok:
        try:
            questionnaire.add_question(ctx.db, ctx.me, QuestionCreate(**data))
        except ValidationError as exc:
            _form_errors(form, exc)
        except DomainError as exc:
            form.add_error(exc.field or "text", exc.message)
        else:
            return RedirectResponse(
                urls.with_message(urls.QUESTIONS, "question-ajoutee"), status_code=303
            )
    return _questions_page(request, ctx, new_form=form, status=422)


@questions_router.post("/{question_id}", response_class=HTMLResponse)
def edit(request: Request, ctx: Manager, question_id: PathId, form: Form = Posted) -> Response:
    """Reword, reorder, retire or bring back a question."""
    with page_not_found("Cette question n'existe pas."):
        question = questionnaire.get_question(ctx.db, ctx.agency.id, question_id)
    data = _parse_question(form)
    data["position"] = form.integer("position", minimum=0, maximum=999, default=question.position)
    data["asked"] = form.checkbox("asked")
    version = form.integer("version", minimum=1, maximum=10**9)
    if form.ok:
        try:
            questionnaire.update_question(ctx.db, ctx.me, question, QuestionUpdate(**data), version)
        except StaleVersion:
            fresh = Form.empty(**_question_values(question))
            fresh.add_error("text", "Un autre manager l'a modifiée entre-temps : la voici.")
            return _questions_page(request, ctx, failed=(question_id, fresh), status=409)
        except ValidationError as exc:
            _form_errors(form, exc)
        except DomainError as exc:
            form.add_error(exc.field or "text", exc.message)
        else:
            return RedirectResponse(
                urls.with_message(urls.QUESTIONS, "question-modifiee", f"q{question_id}"),
                status_code=303,
            )
    return _questions_page(request, ctx, failed=(question_id, form), status=422)
