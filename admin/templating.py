"""The Jinja2 environment of the staff pages and the one ``render`` every route uses."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from admin import TEMPLATES_DIR, csrf, urls
from api.clock import aware, zone
from api.domain import french, urgency
from api.domain.permissions import Action, can
from api.models.testimony import PERSONAL_DATA_NOTICE
from api.services.offers import positions_label

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
env = templates.env
env.trim_blocks = True
env.lstrip_blocks = True


# Fixed confirmation messages, chosen by a short key in the redirect URL (never free text).
MESSAGES = {
    "connecte": "Vous êtes connecté·e.",
    "deconnecte": "Vous êtes déconnecté·e.",
    "offre-creee": "Offre créée : elle est sur l'écran du couloir.",
    "offre-modifiee": "Offre enregistrée.",
    "offre-pourvue": "Bravo ! Offre marquée pourvue.",
    "offre-fermee": "Offre fermée.",
    "offre-supprimee": "Offre supprimée.",
    "offres-importees": "Offres importées : elles sont dans la liste et sur l'écran du couloir.",
    "import-annule": "Import annulé : rien n'a été importé.",
    "offre-importee": "Offre importée de France Travail : elle est à vous, sur l'écran du couloir.",
    "suggestion-ecartee": "Offre écartée : elle ne sera plus proposée.",
    "candidat-propose": "Merci ! Le CDE de l'offre est prévenu : il le voit sur son téléphone.",
    "candidat-deja-propose": (
        "Vous avez déjà proposé quelqu'un sur cette offre il y a moins de 10 minutes : "
        "c'est la même proposition. Pour une autre personne : « Proposer un autre candidat »."
    ),
    "candidat-retire": "Proposition retirée : l'offre retrouve son urgence.",
    "poste-pourvu": "Bravo ! Un poste de plus est pourvu.",
    "candidat-suivi": "Suite du candidat enregistrée.",
    "embauche-enregistree": "Embauche enregistrée.",
    "embauche-publiee": "Embauche publiée sur l'écran.",
    "embauche-retiree": "Embauche retirée de l'écran.",
    "defi-cree": "Défi lancé.",
    "defi-clos": "Défi clos.",
    "contribution": "Contribution ajoutée au défi.",
    "annonce-publiee": "Annonce publiée.",
    "annonce-retiree": "Annonce retirée.",
    "ecran-appaire": "Écran appairé : il affiche le couloir dans quelques secondes.",
    "ecran-modifie": "Écran enregistré.",
    "ecran-revoque": "Accès de l'écran révoqué.",
    "compte-cree": "Compte créé.",
    "compte-modifie": "Compte mis à jour.",
    "mdp-reinitialise": "Mot de passe réinitialisé.",
    "rendez-vous-cree": "Rendez-vous ajouté à l'agenda : il est sur l'écran du couloir.",
    "rendez-vous-modifie": "Rendez-vous enregistré.",
    "rendez-vous-supprime": "Rendez-vous supprimé.",
    "je-viens": "C'est noté : vous venez. Vos collègues le voient.",
    "je-ne-viens-plus": "C'est noté : vous ne venez plus.",
    "date-annulee": "Cette date est annulée.",
    "date-retablie": "Cette date est rétablie.",
    "agenda-adresse-creee": "Nouvelle adresse créée : l'ancienne ne marche plus.",
    "agenda-adresse-revoquee": "Adresse révoquée : elle ne marche plus.",
    "etiquette-modifiee": "Étiquette enregistrée : les offres qui la portent suivent.",
    "etiquettes-fusionnees": "Étiquettes fusionnées : tout est maintenant sous celle-ci.",
    "temoignage-enregistre": "Merci ! Témoignage enregistré.",
    "temoignage-supprime": "Témoignage supprimé.",
    "chantier-ajoute": "Chantier ajouté : il est sur le tableau de bord et l'écran.",
    "chantier-modifie": "Chantier enregistré.",
    "chantier-supprime": "Chantier retiré de la liste.",
    "fiche-employeur-creee": "Fiche employeur ouverte.",
    "fiche-employeur-modifiee": "Fiche employeur enregistrée.",
    "questionnaire-termine": "Questionnaire enregistré sur la fiche, avec sa date.",
    "question-ajoutee": "Question ajoutée à la fin du questionnaire.",
    "question-modifiee": "Question enregistrée : les questionnaires déjà passés gardent la leur.",
}


def date_fr(value: date | datetime | None, with_year: bool = False) -> str:
    """``lun. 3 déc.`` (and the year when asked, or when it is not this year)."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.date()
    return french.short_date(value, year=with_year or value.year != date.today().year)


def datetime_fr(value: datetime | None, timezone: str | None = None) -> str:
    """A stored naive-UTC moment shown in the agency's time: ``lun. 3 déc. à 14 h 05``."""
    if value is None:
        return "—"
    local = aware(value).astimezone(zone(timezone))
    return f"{date_fr(local)} à {french.hour_minute(local)}"


def days_fr(days: int | None) -> str:
    """``aujourd'hui``, ``1 jour``, ``12 jours``."""
    return "—" if days is None else french.days(days)


def long_date(value: date | datetime) -> str:
    """``vendredi 4 décembre`` (a datetime is read on its own clock)."""
    day = value.date() if isinstance(value, datetime) else value
    return french.long_date(day, year=day.year != date.today().year)


def hm(value: datetime, timezone: str | None = None) -> str:
    """``9 h 00`` in the agency's time."""
    return french.hour_minute(aware(value).astimezone(zone(timezone)))


def can_do(staff: Any, action: str) -> bool:
    """Template check: show a button only to roles allowed to use it."""
    return staff is not None and can(staff.role, Action(action))


env.filters.update(
    date_fr=date_fr,
    datetime_fr=datetime_fr,
    days_fr=days_fr,
    long_date=long_date,
    hm=hm,
    de=french.de,
    de_account=french.de_account,
)
env.globals.update(
    can_do=can_do,
    LEVELS=urgency.LEVELS,
    LEVEL_OPTIONS=[(str(u.level), u.label) for u in urgency.LEVELS],
    describe_level=urgency.describe,
    urls=urls,
    plural=french.plural,
    positions_label=positions_label,
    tag_url=urls.tag_page,
    PERSONAL_DATA_NOTICE=PERSONAL_DATA_NOTICE,
)


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """Render template ``name`` with the CSRF token, the user and any confirmation message."""
    ctx: dict[str, Any] = {
        "csrf_token": csrf.token_for(request),
        "me": getattr(request.state, "staff", None),
        "message": MESSAGES.get(request.query_params.get("ok", "")),
        "path": request.url.path,
        "new_proposals": getattr(request.state, "new_proposals", 0),
    }
    if context:
        ctx.update(context)
    response = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    csrf.attach_cookie(request, response)
    return response
