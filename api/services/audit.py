"""The journal: who changed what, with before/after states; ``tell`` says it in plain French."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, SQLModel, col, select

from api.clock import aware, zone
from api.domain import french, urgency
from api.models import AuditEvent, Challenge, Hire, Offer, Screen, Staff
from api.models.employer import SIZE_LABELS

_HIDDEN = {"password_hash", "token_hash", "pending_token"}


def state_of(obj: SQLModel | None) -> dict[str, Any] | None:
    """A JSON-safe copy of a row's fields, secrets left out."""
    if obj is None:
        return None
    out: dict[str, Any] = {}
    for key, value in obj.model_dump().items():
        if key in _HIDDEN:
            continue
        out[key] = value.isoformat() if isinstance(value, date | datetime) else value
    return out


def record(
    db: Session,
    actor: Staff | None,
    action: str,
    obj: SQLModel,
    *,
    before: dict[str, Any] | None = None,
    agency_id: int | None = None,
    actor_label: str | None = None,
) -> None:
    """Add an audit event for ``obj`` to the session (committed with the change itself)."""
    after = None if action == "delete" else state_of(obj)
    db.add(
        AuditEvent(
            agency_id=agency_id if agency_id is not None else getattr(obj, "agency_id", None),
            actor_id=actor.id if actor else None,
            actor_label=actor_label or (f"{actor.name} ({actor.role})" if actor else "système"),
            action=action,
            entity=getattr(obj, "__tablename__", type(obj).__name__.lower()),
            entity_id=getattr(obj, "id", None),
            before=before,
            after=after,
        )
    )


def list_events(
    db: Session,
    agency_id: int,
    *,
    entity: str | None = None,
    actor_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditEvent]:
    """The agency's journal, newest first, optionally filtered."""
    query = select(AuditEvent).where(AuditEvent.agency_id == agency_id)
    if entity:
        query = query.where(AuditEvent.entity == entity)
    if actor_id:
        query = query.where(AuditEvent.actor_id == actor_id)
    query = query.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
    return list(db.exec(query.offset(offset).limit(limit)))


def last_event(db: Session, entity: str, entity_id: int | None) -> AuditEvent | None:
    """The latest journal entry about one object (who changed it last), or None."""
    return db.exec(
        select(AuditEvent)
        .where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
    ).first()


# --- The journal told in plain French --------------------------------------------------------
#
# The one table of field names as the journal says them. Fields left out (ids, versions,
# technical columns) are never shown; a field missing here is shown under « autre champ ».
FIELD_LABELS: dict[str, str] = {
    "employer": "employeur",
    "title": "intitulé",
    "contract": "contrat",
    "commune": "commune",
    "positions": "postes",
    "positions_filled": "postes pourvus",
    "start_date": "début souhaité",
    "tags": "étiquettes",
    "description": "description",
    "staff_note": "note interne",
    "is_tpe": "TPE",
    "ft_offer_id": "n° France Travail",
    "ft_url": "lien vers l'offre France Travail",
    "urgency_override": "urgence forcée",
    "urgency_override_reason": "raison de l'urgence forcée",
    "criteria": "exigences de l'employeur",
    "status": "statut",
    "owner_id": "CDE en charge",
    "opened_at": "ouverte le",
    "filled_at": "pourvue le",
    "closed_at": "clôturée le",
    "story": "histoire",
    "hired_on": "embauche le",
    "expires_on": "affichée jusqu'au",
    "cde_id": "CDE crédité·e",
    "cdde_id": "CDDE crédité·e",
    "photo_sha256": "photo",
    "photo_consent": "accord pour la photo",
    "consent_recorded_by_id": "accord noté par",
    "published_at": "publiée le",
    "offer_id": "offre",
    "proposed_by_id": "proposé par",
    "outcome": "suite",
    "outcome_at": "suite notée le",
    "note": "mot pour le CDE",
    "seen_at": "vue par le CDE le",
    "shared": "commune aux deux services",
    "unit": "unité",
    "goal": "objectif",
    "starts_on": "début",
    "ends_on": "fin",
    "closed": "clos",
    "message": "message",
    "urgent": "urgente",
    "starts_at": "début",
    "ends_at": "fin",
    "name": "nom",
    "email": "e-mail",
    "role": "rôle",
    "active": "compte actif",
    "rotation": "orientation",
    "playlist": "programme",
    "schedule": "horaires",
    "revoked_at": "accès révoqué le",
    "amount": "nombre",
    "label": "libellé",
    "service": "service",
    "challenge_id": "défi",
    "staff_id": "par",
    "timezone": "fuseau horaire",
    "opening_hours": "horaires d'ouverture",
    "urgency_thresholds": "seuils d'urgence",
    "text": "texte",
    "kind": "genre",
    "state": "état",
    "employer_id": "fiche employeur",
    "siret": "SIRET",
    "sector": "secteur",
    "size_band": "effectif",
    "contact": "contact",
    "notes": "notes",
    "hint": "aide",
    "choices": "réponses proposées",
    "answers": "réponses",
    "completed_at": "terminé le",
    "conducted_by_id": "mené par",
    "asked": "posée",
    "position": "rang",
    "started_at": "commencé le",
}
_NOT_SHOWN = {
    "id", "agency_id", "code", "version", "updated_at", "created_at", "created_by_id",
    "last_heartbeat_at", "reported_version", "resolution", "fps", "uptime_s", "memory_mb",
    "snapshot_etag", "screenshot_at", "revision", "key", "clock_skew_s", "clock_before_release",
}  # fmt: skip
# Values said in words, per field (the same word may mean different things on two objects).
_STATUS_WORDS = {
    "offer": {"open": "en cours", "filled": "pourvue", "closed": "clôturée"},
    "hire": {"draft": "brouillon", "published": "publiée", "withdrawn": "retirée"},
}
_VALUE_WORDS: dict[str, dict[Any, str]] = {
    "outcome": {
        "pending": "proposé", "interview": "entretien", "hired": "embauché",
        "declined": "non retenu",
    },
    "role": {"cde": "CDE", "cdde": "CDDE", "manager": "manager", "admin": "administrateur"},
    "service": {"cde": "entreprises (CDE)", "cdde": "demandeurs (CDDE)"},
    "rotation": {0: "paysage", 90: "portrait", 180: "paysage retourné", 270: "portrait retourné"},
    "state": {"a_venir": "à venir", "en_cours": "en cours", "termine": "terminé"},  # chantiers
    "size_band": dict(SIZE_LABELS),
}  # fmt: skip
_STAFF_FIELDS = {"owner_id", "cde_id", "cdde_id", "consent_recorded_by_id", "proposed_by_id"}
_STAFF_FIELDS |= {"staff_id", "conducted_by_id"}
_TEXT_CUT = 80
# Labels the command line and the server itself record as the actor (older rows included).
TERMINAL_LABELS = {"ligne de commande", "terminal"}
SYSTEM_LABELS = {"système"}
_ROLE_IN_LABEL = re.compile(r" \((cde|cdde|manager|admin)\)$")

# What each action does, said with the object: ``{}`` is where the object's name goes.
_ACTIVE = {
    "create": "a créé {}",
    "update": "a modifié {}",
    "delete": "a supprimé {}",
    "filled": "a marqué {} pourvue",
    "fill_position": "a marqué un poste pourvu sur {}",
    "closed": "a clôturé {}",
    "reopen": "a rouvert {}",
    "propose": "a proposé {}",
    "withdraw": "a retiré sa proposition : {}",
    "outcome": "a noté la suite donnée à {}",
    "photo": "a changé la photo de {}",
    "contribute": "a ajouté {}",
    "revoke": "a révoqué {}",
    "end": "a retiré {}",
    "refuse_create": "n'a pas pu créer {} (e-mail déjà utilisé)",
    "complete": "a terminé {}",
    "ft_update": "a mis à jour {}",
    "ft_withdrawn": "a retiré {} de ses offres",
    "ft_back": "a remis en ligne {}",
}
# The same, without a person (done from the terminal or by Couloir itself): masculine, feminine.
_PASSIVE = {
    "create": ("créé", "créée"),
    "update": ("modifié", "modifiée"),
    "delete": ("supprimé", "supprimée"),
    "filled": ("marqué pourvu", "marquée pourvue"),
    "closed": ("clôturé", "clôturée"),
    "reopen": ("rouvert", "rouverte"),
    "revoke": ("révoqué", "révoquée"),
    "end": ("retiré", "retirée"),
    "complete": ("terminé", "terminée"),
}
_FEMININE = {"offer", "hire", "contribution", "announcement", "agency", "employer"}


@dataclass(frozen=True)
class Change:
    """One field's change as the journal says it; ``before``/``after`` are None when not shown."""

    field: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class JournalLine:
    """One event told in French: « <who> <before>« <subject> »<after> », its date and changes.

    ``link`` names the object's page as ``(kind, key)`` (``("offer", "ABCD2345")``,
    ``("hire", 3)``…) for the staff pages to turn into a URL; None when it is gone.
    """

    event: AuditEvent
    who: str
    before: str
    subject: str
    after: str
    link: tuple[str, str | int] | None
    when: str
    changes: list[Change]


@dataclass
class _Names:
    """The rows the journal names, loaded once for a page of events."""

    staff: dict[int, Staff]
    offers: dict[int, Offer]
    hires: dict[int, Hire]
    challenges: dict[int, Challenge]
    screens: dict[int, Screen]


def _when(value: str | datetime | None, timezone: str | None) -> str:
    """« dim. 29 nov. à 5 h 58 » in the agency's time (from a stored ISO text or a datetime)."""
    if value is None:
        return "—"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    local = aware(moment).astimezone(zone(timezone))
    return f"{french.short_date(local.date())} à {french.hour_minute(local)}"


def _day(value: str | None) -> str:
    return "—" if not value else french.short_date(date.fromisoformat(str(value)[:10]))


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _TEXT_CUT else text[: _TEXT_CUT - 1].rstrip() + "…"


def _value(entity: str, key: str, value: Any, names: _Names, timezone: str | None) -> str:
    """One field's value in words: never « None », never an ISO timestamp."""
    if value is None or value == "":
        return "—"
    if key == "status":
        return _STATUS_WORDS.get(entity, {}).get(value, str(value))
    if key in _VALUE_WORDS:
        return _VALUE_WORDS[key].get(value, str(value))
    if key in _STAFF_FIELDS:
        person = names.staff.get(value)
        return person.name if person else "compte supprimé"
    if key == "offer_id":
        offer = names.offers.get(value)
        return f"« {offer.title} »" if offer else "offre supprimée"
    if key == "challenge_id":
        challenge = names.challenges.get(value)
        return f"« {challenge.title} »" if challenge else "défi supprimé"
    if key == "urgency_override":
        return urgency.describe(int(value)).label
    if key == "photo_sha256":
        return "une photo"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if key.endswith("_at"):
        return _when(value, timezone)
    if key.endswith("_on") or key == "start_date":
        return _day(value)
    if key == "tags":
        return ", ".join(value) if value else "aucune"
    if isinstance(value, str):
        return f"« {_cut(value)} »"
    return str(value)


def _changes(event: AuditEvent, names: _Names, timezone: str | None) -> list[Change]:
    if not event.before or not event.after:
        return []
    out = []
    for key, new in event.after.items():
        old = event.before.get(key)
        if key in _NOT_SHOWN or key not in FIELD_LABELS or old == new:
            continue
        label = FIELD_LABELS[key]
        if isinstance(new, dict | list) and key != "tags":  # settings: say what changed, not how
            out.append(Change(label, None, None))
        else:
            out.append(
                Change(
                    label,
                    _value(event.entity, key, old, names, timezone),
                    _value(event.entity, key, new, names, timezone),
                )
            )
    order = list(FIELD_LABELS.values())
    return sorted(out, key=lambda change: order.index(change.field))


def _subject(
    event: AuditEvent, names: _Names
) -> tuple[str, str, str, tuple[str, str | int] | None]:
    """The object's name: (words before, quoted name, words after, link)."""
    state = event.after or event.before or {}
    key = event.entity_id
    if event.entity == "offer":
        offer = names.offers.get(key or 0)
        link = ("offer", offer.code) if offer else None
        return "l'offre ", state.get("title", ""), f" ({state.get('employer', '')})", link
    if event.entity == "candidateproposal":
        offer = names.offers.get(state.get("offer_id") or 0)
        if offer is None:
            return "un candidat pour une offre supprimée", "", "", None
        return (
            "un candidat pour l'offre ",
            offer.title,
            f" ({offer.employer})",
            (
                "candidates",
                offer.code,
            ),
        )
    if event.entity == "hire":
        link = ("hire", key) if key in names.hires else None
        return "l'embauche ", state.get("title", ""), f" chez {state.get('employer', '')}", link
    if event.entity == "challenge":
        link = ("challenge", key) if key in names.challenges else None
        return "le défi ", state.get("title", ""), "", link
    if event.entity == "contribution":
        challenge = names.challenges.get(state.get("challenge_id") or 0)
        amount = state.get("amount", 1)
        words = f"une contribution (+{amount}) au défi " if challenge else "une contribution"
        link = ("challenge", challenge.id) if challenge and challenge.id else None
        return words, challenge.title if challenge else "", "", link
    if event.entity == "announcement":
        return "l'annonce ", _cut(state.get("message", "")), "", ("announcements", 0)
    if event.entity == "screen":
        link = ("screen", key) if key in names.screens else None
        return "l'écran ", state.get("name", ""), "", link
    if event.entity == "staff":
        words = french.de_account(state.get("name", "")).removesuffix(state.get("name", ""))
        return f"le compte {words}", state.get("name", ""), "", ("team", 0)
    if event.entity == "agendaevent":
        return "le rendez-vous ", state.get("title", ""), "", None
    if event.entity == "agency":
        return "l'agence ", state.get("name", ""), "", None
    if event.entity == "tag":
        return "l'étiquette ", f"#{state.get('name', '')}", "", None
    if event.entity == "testimony":
        return "un témoignage", "", "", None
    if event.entity == "chantier":
        return "le chantier ", state.get("title", ""), "", ("activity", 0)
    if event.entity == "employer":
        return "la fiche employeur ", state.get("name", ""), "", None
    if event.entity == "ethicsquestion":
        return "la question du questionnaire éthique ", _cut(state.get("text", "")), "", None
    if event.entity == "ethicsquestionnaire":
        return "un questionnaire éthique avec un recruteur", "", "", None
    return "un objet ", event.entity, "", None


def _tell(event: AuditEvent, names: _Names, timezone: str | None) -> JournalLine:
    before, subject, after, link = _subject(event, names)
    if subject and event.entity != "staff":  # « le compte d'Aurélie Fabre »: a name, unquoted
        subject = f"« {subject} »"
    label = event.actor_label
    if event.actor_id is None and (label in TERMINAL_LABELS or label in SYSTEM_LABELS):
        source = "depuis le terminal" if label in TERMINAL_LABELS else "par Couloir"
        masculine, feminine = _PASSIVE.get(event.action, ("modifié", "modifiée"))
        verb = feminine if event.entity in _FEMININE else masculine
        who = ""
        before = before[:1].upper() + before[1:]
        after = f"{after} a été {verb} {source}"
    else:
        person = names.staff.get(event.actor_id or 0)
        who = person.name if person else _ROLE_IN_LABEL.sub("", label)
        verb_before, _, verb_after = _ACTIVE.get(event.action, "a modifié {}").partition("{}")
        before = f"{verb_before}{before}"
        after = f"{after}{verb_after}"
    return JournalLine(
        event=event,
        who=who,
        before=before,
        subject=subject,
        after=after,
        link=link,
        when=_when(event.at, timezone),
        changes=_changes(event, names, timezone),
    )


def _rows(db: Session, model: Any, ids: set[int]) -> dict[int, Any]:
    ids.discard(0)
    if not ids:
        return {}
    return {row.id: row for row in db.exec(select(model).where(col(model.id).in_(ids)))}


def tell(db: Session, events: list[AuditEvent], timezone: str | None) -> list[JournalLine]:
    """The events told in French, with the offers, hires, people… they name loaded once."""
    wanted: dict[str, set[int]] = {"staff": set(), "offer": set(), "hire": set()}
    wanted |= {"challenge": set(), "screen": set()}
    for event in events:
        if event.actor_id:
            wanted["staff"].add(event.actor_id)
        if event.entity in wanted and event.entity_id:
            wanted[event.entity].add(event.entity_id)
        for state in (event.before or {}, event.after or {}):
            for key, value in state.items():
                if not isinstance(value, int) or isinstance(value, bool):
                    continue
                if key in _STAFF_FIELDS:
                    wanted["staff"].add(value)
                elif key == "offer_id":
                    wanted["offer"].add(value)
                elif key == "challenge_id":
                    wanted["challenge"].add(value)
    names = _Names(
        staff=_rows(db, Staff, wanted["staff"]),
        offers=_rows(db, Offer, wanted["offer"]),
        hires=_rows(db, Hire, wanted["hire"]),
        challenges=_rows(db, Challenge, wanted["challenge"]),
        screens=_rows(db, Screen, wanted["screen"]),
    )
    return [_tell(event, names, timezone) for event in events]
