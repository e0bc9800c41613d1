"""Valid requests for every route, shared by the role matrices and the cross-agency probes.

A sample body per API body model, and per staff form a valid form body (the action each form needs
is the one its route declares, read by tests/security/routes.py); the matrices fail when a route
appears without its entry here.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlmodel import col, select

from api.models import (
    AgendaEvent,
    CandidateProposal,
    Chantier,
    Employer,
    EthicsQuestion,
    Hire,
    Offer,
    PendingImport,
    Screen,
    Tag,
    Testimony,
)
from tests.security.conftest import Arena, PageClient
from tests.security.routes import Route
from tests.support.agencies import Targets, jpeg, png


def _announcement() -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "message": "Réunion d'équipe",
        "starts_at": now.isoformat(),
        "ends_at": (now + timedelta(hours=2)).isoformat(),
    }


def _paris_tomorrow() -> date:
    """The date of the targets' weekly event (tomorrow in the agency's zone)."""
    return datetime.now(ZoneInfo("Europe/Paris")).date() + timedelta(days=1)


def _event() -> dict[str, Any]:
    start = datetime.now(UTC) + timedelta(days=3)
    return {
        "title": "Job dating de la matrice",
        "kind": "job_dating",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
    }


def _password() -> str:
    return f"Couloir-{secrets.token_urlsafe(12)}"


# A valid JSON body per body model (keyed by class name), so that allowed roles really succeed.
SAMPLE_BODIES: dict[str, Any] = {
    "OfferCreate": lambda: {
        "employer": "Boulangerie Matrice",
        "title": "Boulanger",
        "contract": "CDI",
        "commune": "Avignon",
    },
    "OfferUpdate": lambda: {"positions": 2},
    "CheckRequest": lambda: {"contract": "CDD", "criteria": {"experience_years": 5}},
    "FillRequest": lambda: None,
    "CandidateOutcome": lambda: {"outcome": "interview"},
    "CandidateCreate": lambda: {"note": "Disponible dès lundi", "another": True},
    "HireCreate": lambda: {
        "employer": "Garage",
        "title": "Mécanicien",
        "hired_on": str(date.today()),
    },
    "HireUpdate": lambda: {"story": "Une histoire réécrite."},
    "ChallengeCreate": lambda: {
        "title": "Défi matrice",
        "goal": 5,
        "starts_on": str(date.today()),
        "ends_on": str(date.today() + timedelta(days=5)),
    },
    "ChallengeUpdate": lambda: {"title": "Défi renommé"},
    "ContributionCreate": lambda: {"amount": 1, "label": "une offre pourvue"},
    "AnnouncementCreate": _announcement,
    "AgendaEventCreate": _event,
    "AgendaEventUpdate": lambda: {"place": "Salle renommée"},
    "OccurrenceStatus": lambda: {"occurs_on": str(_paris_tomorrow()), "cancelled": True},
    "AttendanceAnswer": lambda: {"occurs_on": str(_paris_tomorrow())},
    "ScreenCreate": lambda: {"name": "Écran de la matrice"},
    "ScreenUpdate": lambda: {"name": "Écran renommé"},
    "PairRequest": lambda: {"name": "Écran appairé"},  # the code is added per test
    "StaffCreate": lambda: {
        "name": "Nouvelle Recrue",
        "email": f"recrue-{secrets.token_hex(4)}@demo.couloir.test",
        "role": "cdde",
        "password": _password(),
    },
    "StaffUpdate": lambda: {"name": "Nom corrigé"},
    "AgencyCreate": lambda: {"code": f"agence-{secrets.token_hex(3)}", "name": "Agence neuve"},
    "TagUpdate": lambda: {"description": "Décrite par la matrice."},
    "TagMerge": lambda: {"into": "fusion"},  # every target's offer carries « #fusion »
    "TestimonyCreate": lambda: {"text": "Ce qui a marché : une immersion.", "tags": ["#fusion"]},
    "TestimonyUpdate": lambda: {"text": "Réécrit par son auteur."},
    "ChantierCreate": lambda: {"title": "Grappe TPE de la matrice", "kind": "grappe_tpe"},
    "ChantierUpdate": lambda: {"state": "termine"},
    # A new name each time: a second file for the same employer is refused.
    "EmployerCreate": lambda: {
        "name": f"Fournil {secrets.token_hex(4)}",
        "commune": "Avignon",
        "siret": "732 829 320 00074",
        "size_band": "3-5",
    },
    "EmployerUpdate": lambda: {"notes": "Préfère une journée d'essai à un entretien."},
    "AnswerIn": lambda: {"choice": "", "note": "Noté par la matrice."},
    "CompleteIn": lambda: {},
    "QuestionCreate": lambda: {"text": "Accueilleriez-vous une immersion d'une semaine ?"},
    "QuestionUpdate": lambda: {"hint": "Reformulée par la matrice."},
    # Public and screen routes.
    "Credentials": lambda: {"email": "personne@demo.couloir.test", "password": "pas le bon"},
    "Heartbeat": lambda: {"version": "1.0", "resolution": "1920x1080", "fps": 30, "uptime_s": 60},
    "UpdateReport": lambda: {
        "running_version": "9.9.0",
        "target_version": "9.9.0",
        "result": "ok",
        "reason": "Mise à jour installée.",
        "finished_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
    },
}
# Routes that end the token they are called with.
SPENDS_ITS_TOKEN = {"POST /api/v1/auth/logout"}
# Routes acting on the caller's own proposal: the caller first proposes someone on the offer
# (only the proposer may withdraw), then acts on that proposal. When the caller cannot propose
# there (anonymous, screen, another agency's offer), the targets' own proposal is used.
OWN_PROPOSAL_ROUTES = {"DELETE /api/v1/offers/{offer_id}/candidates/{candidate_id}"}
# Routes acting on the caller's own testimony (only its author or a manager may): the caller
# writes one first, then acts on it; when it cannot write, the targets' own one is used.
OWN_TESTIMONY_ROUTES = {
    "PATCH /api/v1/testimonies/{testimony_id}",
    "DELETE /api/v1/testimonies/{testimony_id}",
}
# Routes reading raw bytes rather than JSON.
RAW_BODIES = {"PUT /api/v1/hires/{hire_id}/photo": jpeg, "PUT /api/v1/display/screenshot": png}


Body = Callable[[Arena, Targets], dict[str, str]]
Prepare = Callable[[Arena, PageClient, Targets], Targets]


@dataclass(frozen=True)
class FormCase:
    body: Body = lambda arena, t: {}
    ids: Callable[[Targets], dict[str, int]] = lambda t: t.ids()
    prepare: Prepare = lambda arena, client, t: t  # what the caller does first, on the page


def _latest_proposal(arena: Arena, offer_id: int) -> int:
    with arena.db() as db:
        return db.exec(
            select(CandidateProposal.id)
            .where(CandidateProposal.offer_id == offer_id)
            .order_by(col(CandidateProposal.id).desc())
        ).first()


def _propose_first_on_page(arena: Arena, client: PageClient, t: Targets) -> Targets:
    """The caller proposes someone on the offer's page: the form then withdraws that one."""
    response = client.form(f"/admin/offres/{t.offer_id}/candidat", {"another": "1"})
    if response.status_code != 303:
        return t
    return replace(t, candidate_id=_latest_proposal(arena, t.offer_id))


def _propose_first_in_api(client: httpx.Client, t: Targets) -> Targets:
    response = client.post(f"/api/v1/offers/{t.offer_id}/candidates", json={"another": True})
    if response.status_code != 201:
        return t
    return replace(t, candidate_id=response.json()["id"])


def _write_first_in_api(client: httpx.Client, t: Targets) -> Targets:
    # About the targets' offer: refused (and so left to the targets' own testimony) when the
    # targets are another agency's, as in the cross-agency probes.
    body = {"text": "Le mien.", "tags": ["#fusion"], "offer_id": t.offer_id}
    response = client.post("/api/v1/testimonies", json=body)
    if response.status_code != 201:
        return t
    return replace(t, testimony_id=response.json()["id"])


def _write_first_on_page(arena: Arena, client: PageClient, t: Targets) -> Targets:
    """The caller writes a testimony on the form: the edit and delete forms then act on it."""
    body = {"text": "Le mien.", "tags": "#fusion", "offer_id": str(t.offer_id)}
    response = client.form("/admin/temoignages", body)
    if response.status_code != 303:
        return t
    with arena.db() as db:
        latest = db.exec(select(Testimony.id).order_by(col(Testimony.id).desc())).first()
    return replace(t, testimony_id=latest)


IMPORT_LINES = "Employeur;Intitulé;Type de contrat;Commune\nGarage Matrice;Mécanicien;CDI;Avignon\n"


def _preview_first_on_page(arena: Arena, client: PageClient, t: Targets) -> Targets:
    """The caller checks a file on the import page: the form then confirms or cancels it."""
    client.form("/admin/offres/importer", {"lignes": IMPORT_LINES})
    return t


def _latest_import(arena: Arena, t: Targets) -> dict[str, str]:
    with arena.db() as db:
        key = db.exec(
            select(PendingImport.key).order_by(col(PendingImport.created_at).desc())
        ).first()
    return {"cle": key or "aucune"}


def _testimony_form(arena: Arena, t: Targets) -> dict[str, str]:
    return {"text": "Ce qui a marché : une immersion.", "tags": "#fusion"}


def _testimony_edit(arena: Arena, t: Targets) -> dict[str, str]:
    return {**_testimony_form(arena, t), "version": _version(arena, Testimony, t.testimony_id)}


def _chantier_form(arena: Arena, t: Targets) -> dict[str, str]:
    return {"title": "Recrutement collectif de la matrice", "kind": "recrutement_collectif",
            "state": "en_cours", "starts_on": "", "ends_on": "", "note": ""}  # fmt: skip


def _chantier_edit(arena: Arena, t: Targets) -> dict[str, str]:
    return {**_chantier_form(arena, t), "version": _version(arena, Chantier, t.chantier_id)}


def _tag_form(arena: Arena, t: Targets) -> dict[str, str]:
    with arena.db() as db:
        tag = db.exec(
            select(Tag).where(Tag.agency_id == t.agency_id, Tag.slug == t.tag_slug)
        ).first()
        version = str(tag.version) if tag else "1"
    return {"name": t.tag_slug, "description": "Décrite par la matrice.", "version": version}


def _employer_form(arena: Arena, t: Targets) -> dict[str, str]:
    return {"name": f"Fournil {secrets.token_hex(4)}", "commune": "Avignon",
            "siret": "73282932000074", "size_band": "3-5", "notes": "Essai d'une journée."}  # fmt: skip


def _employer_edit(arena: Arena, t: Targets) -> dict[str, str]:
    return {**_employer_form(arena, t), "name": f"Employeur {t.marker}",
            "version": _version(arena, Employer, t.employer_id)}  # fmt: skip


def _question_edit(arena: Arena, t: Targets) -> dict[str, str]:
    return {"text": "Nous avons distingué l'indispensable du souhaitable.", "hint": "",
            "choices": "Oui\nEn partie\nNon", "position": "0", "asked": "on",
            "version": _version(arena, EthicsQuestion, t.question_id)}  # fmt: skip


def _version(arena: Arena, model: type, row_id: int) -> str:
    with arena.db() as db:
        return str(db.get(model, row_id).version)


def _offer_form(arena: Arena, t: Targets) -> dict[str, str]:
    return {"employer": "Boulangerie Formulaire", "title": "Boulanger", "contract": "CDI",
            "commune": "Avignon", "positions": "1", "is_tpe": "on"}  # fmt: skip


def _offer_edit(arena: Arena, t: Targets) -> dict[str, str]:
    return {**_offer_form(arena, t), "version": _version(arena, Offer, t.offer_id)}


def _hire_form(arena: Arena, t: Targets) -> dict[str, str]:
    return {"employer": "Garage", "title": "Mécanicien", "story": "Réécrite.",
            "hired_on": str(date.today()), "photo_consent": "on"}  # fmt: skip


def _hire_edit(arena: Arena, t: Targets) -> dict[str, str]:
    return {**_hire_form(arena, t), "version": _version(arena, Hire, t.draft_hire_id)}


def _challenge_form(arena: Arena, t: Targets) -> dict[str, str]:
    today = date.today()
    return {"title": "Défi formulaire", "unit": "offres", "goal": "5",
            "starts_on": str(today), "ends_on": str(today + timedelta(days=9))}  # fmt: skip


def _announcement_form(arena: Arena, t: Targets) -> dict[str, str]:
    now = datetime.now().replace(microsecond=0)
    return {"message": "Réunion", "starts_at": now.isoformat(),
            "ends_at": (now + timedelta(hours=2)).isoformat()}  # fmt: skip


def _pairing_form(arena: Arena, t: Targets) -> dict[str, str]:
    return {"code": arena.pairing()[0], "name": "Écran appairé"}


def _screen_form(arena: Arena, t: Targets) -> dict[str, str]:
    return {"name": "Écran renommé", "rotation": "0", "on_offers": "on", "order_offers": "1",
            "duration_offers": "15", "version": _version(arena, Screen, t.screen_id)}  # fmt: skip


def _staff_form(arena: Arena, t: Targets) -> dict[str, str]:
    return {"name": "Nouvelle Recrue", "email": f"recrue-{secrets.token_hex(4)}@demo.couloir.test",
            "role": "cdde", "password": f"Couloir-{secrets.token_urlsafe(12)}"}  # fmt: skip


def _event_form(arena: Arena, t: Targets) -> dict[str, str]:
    return {"title": "Job dating formulaire", "kind": "job_dating",
            "day": str(_paris_tomorrow() + timedelta(days=2)), "starts": "09:00", "ends": "10:00",
            "recurrence": "none"}  # fmt: skip


def _event_edit(arena: Arena, t: Targets) -> dict[str, str]:
    return {**_event_form(arena, t), "version": _version(arena, AgendaEvent, t.event_id)}


def _occurrence_form(arena: Arena, t: Targets) -> dict[str, str]:
    return {"le": str(_paris_tomorrow())}


def _with(**override: str) -> Callable[[Targets], dict[str, int]]:
    return lambda t: {**t.ids(), **{k: getattr(t, v) for k, v in override.items()}}


# Forms that save nothing and answer with the page filled in (200), not a redirect (303).
RENDERS_A_FORM = {
    "/admin/offres/nouvelle/france-travail": "« Pré-remplir » fills the new-offer form",
    "/admin/offres/importer": "« Vérifier le fichier » shows the preview; nothing is written",
}

# Every POST form of the staff pages → how to fill it validly.
PAGE_FORMS: dict[str, FormCase] = {
    "/admin/offres/nouvelle": FormCase(_offer_form),
    "/admin/offres/nouvelle/france-travail": FormCase(lambda a, t: {"ft_offer_id": "186XWJK"}),
    "/admin/offres/importer": FormCase(lambda a, t: {"lignes": IMPORT_LINES}),
    "/admin/offres/importer/confirmer": FormCase(_latest_import, prepare=_preview_first_on_page),
    "/admin/offres/importer/annuler": FormCase(_latest_import, prepare=_preview_first_on_page),
    "/admin/offres/{offer_id}/modifier": FormCase(_offer_edit),
    "/admin/offres/{offer_id}/pourvue": FormCase(),
    "/admin/offres/{offer_id}/fermer": FormCase(),
    "/admin/offres/{offer_id}/rouvrir": FormCase(ids=_with(offer_id="closed_offer_id")),
    "/admin/offres/{offer_id}/supprimer": FormCase(),
    "/admin/offres/{offer_id}/candidat": FormCase(),
    "/admin/a-importer/{suggestion_id}/importer": FormCase(),
    "/admin/a-importer/{suggestion_id}/ecarter": FormCase(),
    "/admin/candidats/{proposal_id}/suite": FormCase(lambda a, t: {"outcome": "interview"}),
    "/admin/candidats/{proposal_id}/retirer": FormCase(prepare=_propose_first_on_page),
    "/admin/embauches/nouvelle": FormCase(_hire_form),
    # A draft: published hires have their own rule (test_state_rules.py).
    "/admin/embauches/{hire_id}": FormCase(_hire_edit, ids=_with(hire_id="draft_hire_id")),
    "/admin/embauches/{hire_id}/publier": FormCase(ids=_with(hire_id="draft_hire_id")),
    "/admin/embauches/{hire_id}/retirer": FormCase(),
    "/admin/defi": FormCase(_challenge_form),
    "/admin/defi/{challenge_id}/clore": FormCase(),
    "/admin/defi/{challenge_id}/contributions": FormCase(
        lambda a, t: {"amount": "1", "label": "une offre pourvue"}
    ),
    "/admin/annonces": FormCase(_announcement_form),
    "/admin/annonces/{announcement_id}/retirer": FormCase(),
    "/admin/ecrans/appairer": FormCase(_pairing_form),
    "/admin/ecrans/{screen_id}": FormCase(_screen_form),
    "/admin/ecrans/{screen_id}/revoquer": FormCase(),
    "/admin/agenda/nouveau": FormCase(_event_form),
    "/admin/agenda/{event_id}/modifier": FormCase(_event_edit),
    "/admin/agenda/{event_id}/je-viens": FormCase(_occurrence_form),
    "/admin/agenda/{event_id}/je-ne-viens-plus": FormCase(_occurrence_form),
    "/admin/agenda/{event_id}/annulation": FormCase(_occurrence_form),
    "/admin/agenda/{event_id}/supprimer": FormCase(),
    "/admin/agenda/abonnement": FormCase(),
    "/admin/agenda/abonnement/revoquer": FormCase(),
    "/admin/equipe": FormCase(_staff_form),
    "/admin/equipe/{staff_id}/desactiver": FormCase(),
    "/admin/equipe/{staff_id}/reactiver": FormCase(),
    "/admin/equipe/{staff_id}/mot-de-passe": FormCase(
        lambda a, t: {"new_password": f"Couloir-{secrets.token_urlsafe(12)}"}
    ),
    "/admin/tags/{slug}/renommer": FormCase(_tag_form),
    "/admin/tags/{slug}/fusionner": FormCase(lambda a, t: {"into": "fusion"}),
    "/admin/temoignages": FormCase(_testimony_form),
    "/admin/temoignages/{testimony_id}": FormCase(_testimony_edit, prepare=_write_first_on_page),
    "/admin/temoignages/{testimony_id}/supprimer": FormCase(prepare=_write_first_on_page),
    "/admin/activite/chantiers": FormCase(_chantier_form),
    "/admin/activite/chantiers/{chantier_id}": FormCase(_chantier_edit),
    "/admin/activite/chantiers/{chantier_id}/supprimer": FormCase(),
    "/admin/employeurs/nouvelle": FormCase(_employer_form),
    "/admin/employeurs/{employer_id}/modifier": FormCase(_employer_edit),
    "/admin/employeurs/{employer_id}/questionnaire": FormCase(),
    "/admin/questionnaires/{questionnaire_id}/terminer": FormCase(),
    "/admin/questionnaires/{questionnaire_id}/{step}": FormCase(
        lambda a, t: {"choice": "Oui", "note": "Un tuteur est prévu."}
    ),
    "/admin/questionnaire-ethique": FormCase(
        lambda a, t: {"text": "Nous pouvons adapter les horaires.", "choices": "Oui\nNon"}
    ),
    "/admin/questionnaire-ethique/{question_id}": FormCase(_question_edit),
}
# Forms any visitor may post, and why.
OPEN_FORMS = {
    "/admin/connexion": "the login form itself",
    "/admin/deconnexion": "a session closes itself",
}


def prepared(arena: Arena, route: Route, role: str, t: Targets) -> Targets:
    """``t`` as ``role`` needs it to call ``route`` validly: its own proposal where it acts on one.

    For suites that build their requests themselves (``send_api`` and ``send_form`` do it).
    """
    if route.id in OWN_PROPOSAL_ROUTES:
        return _propose_first_in_api(arena.api(role), t)
    if route.id in OWN_TESTIMONY_ROUTES:
        return _write_first_in_api(arena.api(role), t)
    if route.is_page and route.method == "POST" and route.path in PAGE_FORMS:
        return PAGE_FORMS[route.path].prepare(arena, arena.page(role), t)
    return t


def api_ids(route: Route, t: Targets) -> dict[str, int]:
    """Path values for an API route naming the objects ``t``."""
    ids = t.ids()
    if route.auth == "staff":
        ids["hire_id"] = t.draft_hire_id  # published hires have their own rule (test_state_rules)
    if route.path.endswith("/reopen"):
        ids["offer_id"] = t.closed_offer_id
    return ids


def api_body(arena: Arena, route: Route) -> tuple[bytes, str | None]:
    """A valid body for an API route, and its content type (None: no body)."""
    if route.body_model:
        body = SAMPLE_BODIES[route.body_model]()
        if route.body_model == "PairRequest":
            body["code"] = arena.pairing()[0]
        if body is not None:
            return json.dumps(body).encode(), "application/json"
    elif route.id in RAW_BODIES:
        return RAW_BODIES[route.id](), "application/octet-stream"
    return b"", None


def send_api(arena: Arena, client: httpx.Client, route: Route, t: Targets) -> httpx.Response:
    """Send ``route`` with a valid body, naming the objects ``t``."""
    if route.id in OWN_PROPOSAL_ROUTES:
        t = _propose_first_in_api(client, t)
    if route.id in OWN_TESTIMONY_ROUTES:
        t = _write_first_in_api(client, t)
    content, content_type = api_body(arena, route)
    headers = {"Content-Type": content_type} if content_type else {}
    return client.request(
        route.method, route.url(api_ids(route, t)), content=content, headers=headers
    )


def form_url(path: str, t: Targets) -> str:
    """The form's URL naming the objects ``t``."""
    return Route("POST", path, "", None, None, frozenset(), None).url(PAGE_FORMS[path].ids(t))


def send_form(arena: Arena, client: PageClient, path: str, t: Targets) -> httpx.Response:
    """Submit the staff form ``path`` with a valid body naming the objects ``t``."""
    t = PAGE_FORMS[path].prepare(arena, client, t)
    return client.form(form_url(path, t), PAGE_FORMS[path].body(arena, t))
