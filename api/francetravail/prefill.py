"""From a France Travail offer (as the API returns it) to the fields of a new Couloir offer.

prefill_from(api_offer).employer  # 'BOULANGERIE L'ÉPI D'OR'
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import httpx
from sqlmodel import Field, SQLModel

from api.errors import NotFound
from api.francetravail.client import FranceTravailClient
from api.francetravail.links import france_travail_page
from api.models.fields import about
from api.models.offer import OfferBase
from api.settings import Settings

_CONTRACTS = {"CDI": "CDI", "CDD": "CDD", "MIS": "intérim", "SAI": "saisonnier"}
# France Travail's establishment size bands under 10 employees (how a TPE is recognised).
_TPE_BANDS = ("0 salarié", "1 ou 2 salariés", "3 à 5 salariés", "6 à 9 salariés")
_DEPARTMENT_PREFIX = re.compile(r"^\s*\d[0-9AB]\s*-\s*")
_TEXT_MAX, _LONG_MAX = 200, 4000
NUMBER = re.compile(r"[0-9A-Za-z]{5,20}")


class OfferPrefill(SQLModel):
    """The fields a new offer is pre-filled with; the CDE checks them before saving."""

    ft_offer_id: str = Field(description="Numéro de l'offre chez France Travail.")
    ft_url: str = Field(description="Adresse de l'offre d'origine sur le site de France Travail.")
    employer: str = Field(
        description="Nom de l'employeur (vide si France Travail ne le donne pas)."
    )
    title: str = Field(description="Intitulé du poste.")
    contract: str = Field(description=about(OfferBase, "contract"))
    commune: str = Field(description="Commune du poste (vide si France Travail ne la donne pas).")
    positions: int = Field(description=about(OfferBase, "positions"))
    description: str = Field(description="Description du poste, coupée à 4 000 caractères.")
    is_tpe: bool | None = Field(
        description="Moins de 10 salariés d'après France Travail ; vide si la taille est inconnue."
    )
    lacks_candidates: bool = Field(
        description="France Travail signale que l'offre manque de candidats."
    )


def _cut(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _commune(place: dict[str, Any]) -> str:
    """``72 - LE MANS`` → ``Le Mans``; ``72 - Sarthe`` → ``Sarthe``."""
    label = _DEPARTMENT_PREFIX.sub("", str(place.get("libelle") or "")).strip()
    return _cut(label.title() if label.isupper() else label, _TEXT_MAX)


def _contract(offer: dict[str, Any]) -> str:
    nature = str(offer.get("natureContrat") or "").casefold()
    if offer.get("alternance") or "apprentissage" in nature or "professionnalisation" in nature:
        return "alternance"
    return _CONTRACTS.get(str(offer.get("typeContrat") or ""), "autre")


def _is_tpe(band: object) -> bool | None:
    if not band:
        return None
    return str(band).strip() in _TPE_BANDS


def prefill_from(offer: dict[str, Any]) -> OfferPrefill:
    """Map one France Travail offer to a new offer's fields (missing fields become empty)."""
    number = str(offer.get("id") or "")
    company = offer.get("entreprise") or {}
    try:
        positions = min(max(int(offer.get("nombrePostes") or 1), 1), 99)
    except (TypeError, ValueError):
        positions = 1
    return OfferPrefill(
        ft_offer_id=number,
        ft_url=france_travail_page(number) or "",
        employer=_cut(str(company.get("nom") or ""), _TEXT_MAX),
        title=_cut(str(offer.get("intitule") or ""), _TEXT_MAX),
        contract=_contract(offer),
        commune=_commune(offer.get("lieuTravail") or {}),
        positions=positions,
        description=_cut(str(offer.get("description") or ""), _LONG_MAX),
        is_tpe=_is_tpe(offer.get("trancheEffectifEtab")),
        lacks_candidates=bool(offer.get("offresManqueCandidats")),
    )


@lru_cache(maxsize=4)
def _client(client_id: str, secret: str, api_url: str, token_url: str) -> FranceTravailClient:
    # One client a process and configuration: its token cache and rate limit are shared. A CDE
    # waits on the phone: one retry, short timeouts, so an answer comes within ~15 seconds.
    return FranceTravailClient(
        client_id,
        secret,
        api_url,
        token_url,
        retries=1,
        timeout=httpx.Timeout(5.0, connect=3.0),
        retry_after_max_s=3.0,
    )


def client_for(settings: Settings) -> FranceTravailClient:
    """The process's client for these settings; NotConfigured (French 503) without credentials."""
    return _client(
        settings.france_travail_client_id,
        settings.france_travail_client_secret,
        settings.france_travail_api_url,
        settings.france_travail_token_url,
    )


def preview(settings: Settings, number: str) -> OfferPrefill:
    """Fetch offer ``number`` from France Travail and map it; NotFound when it is unknown."""
    offer = client_for(settings).offer(number.strip().upper())
    if offer is None:
        raise NotFound(
            f"France Travail ne connaît pas l'offre n° {number.strip()[:20]} "
            "(numéro erroné, ou offre retirée) : vérifiez le numéro.",
            field="ft_offer_id",
        )
    return prefill_from(offer)
