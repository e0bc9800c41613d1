"""Import offers from a CSV export (agencies without API access): French headers, ``;``,
UTF-8 (with or without BOM) or Windows-1252, every bad line reported with its number; the valid
lines are imported, or nothing at all when asked (« tout ou rien »).

From the CLI (``couloir import csv``) or the manager's phone, where the file is checked first and
kept (``PendingImport``) until the manager confirms the preview.

Column mapping (headers compared without case or accents; unknown columns are ignored):
Employeur · Intitulé (or Poste) · Type de contrat (or Contrat) · Commune (or Lieu de travail) ·
Nombre de postes · Description · N° d'offre (or Numéro d'offre France Travail) · TPE (oui/non) ·
Date de début (JJ/MM/AAAA or AAAA-MM-JJ).
"""

from __future__ import annotations

import csv
import io
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, delete, select

from api.clock import utcnow
from api.errors import Invalid, NotFound
from api.francetravail.links import france_travail_page
from api.models import Offer, PendingImport, Staff
from api.models.offer import OfferCreate
from api.security.limits import IMPORT_FILE_BYTES
from api.services import audit, employers, tags
from api.services.offers import unused_code
from api.validation_fr import french_message

MAX_LINES = 5000


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(kept.replace("°", "").replace("'", " ").replace("’", " ").split())


HEADERS = {
    "employeur": "employer",
    "entreprise": "employer",
    "intitule": "title",
    "intitule du poste": "title",
    "poste": "title",
    "type de contrat": "contract",
    "contrat": "contract",
    "commune": "commune",
    "lieu de travail": "commune",
    "nombre de postes": "positions",
    "postes": "positions",
    "description": "description",
    "n d offre": "ft_offer_id",
    "numero d offre": "ft_offer_id",
    "numero d offre france travail": "ft_offer_id",
    "n d offre france travail": "ft_offer_id",
    "tpe": "is_tpe",
    "date de debut": "start_date",
    "debut souhaite": "start_date",
}
REQUIRED = {"employer": "Employeur", "title": "Intitulé", "contract": "Type de contrat",
            "commune": "Commune"}  # fmt: skip
CONTRACTS = {
    "cdi": "CDI",
    "cdd": "CDD",
    "interim": "intérim",
    "mis": "intérim",
    "mission interimaire": "intérim",
    "saisonnier": "saisonnier",
    "sai": "saisonnier",
    "alternance": "alternance",
    "apprentissage": "alternance",
    "contrat d apprentissage": "alternance",
    "contrat de professionnalisation": "alternance",
    "stage": "stage",
    "autre": "autre",
}
YES, NO = {"oui", "o", "vrai", "1", "x", "yes"}, {"non", "n", "faux", "0", "", "no"}
FIELD_WORDS = {
    "employer": "employeur",
    "title": "intitulé",
    "contract": "type de contrat",
    "commune": "commune",
    "positions": "nombre de postes",
    "description": "description",
    "ft_offer_id": "n° d'offre",
    "is_tpe": "TPE",
    "start_date": "date de début",
}


@dataclass
class ImportReport:
    """What an import found: the valid offers (by line) and each rejected line with its reason."""

    offers: list[tuple[int, OfferCreate]] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    written: int = 0

    @property
    def ok(self) -> bool:
        return not self.rejected


def decode(data: bytes) -> str:
    """UTF-8 (a BOM is dropped), else Windows-1252 (the usual spreadsheet exports)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _date(text: str) -> date | None:
    if not text:
        return None
    for shape in ("%d/%m/%Y", "%Y-%m-%d", "%d/%m/%y"):
        try:
            return datetime.strptime(text, shape).date()
        except ValueError:
            continue
    raise ValueError(f"date de début illisible « {text[:20]} » (JJ/MM/AAAA attendu)")


def _row(cells: dict[str, str]) -> OfferCreate:
    missing = [label for name, label in REQUIRED.items() if not cells.get(name)]
    if missing:
        raise ValueError("colonne vide : " + ", ".join(missing))
    contract = CONTRACTS.get(_fold(cells["contract"]))
    if contract is None:
        raise ValueError(
            f"type de contrat inconnu « {cells['contract'][:30]} » (CDI, CDD, intérim, "
            "saisonnier, alternance, stage ou autre)"
        )
    data: dict[str, Any] = {
        "employer": cells["employer"],
        "title": cells["title"],
        "contract": contract,
        "commune": cells["commune"],
        "description": cells.get("description", ""),
    }
    if cells.get("positions"):
        if not cells["positions"].isdigit():
            raise ValueError(f"nombre de postes illisible « {cells['positions'][:20]} »")
        data["positions"] = int(cells["positions"])
    if cells.get("ft_offer_id"):
        data["ft_offer_id"] = cells["ft_offer_id"]
    if "is_tpe" in cells:
        answer = _fold(cells["is_tpe"])
        if answer not in YES | NO:
            raise ValueError(f"TPE : « oui » ou « non » attendu, pas « {cells['is_tpe'][:20]} »")
        data["is_tpe"] = answer in YES
    data["start_date"] = _date(cells.get("start_date", ""))
    try:
        return OfferCreate(**data)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else ""
        raise ValueError(f"{FIELD_WORDS.get(name, name)} : {french_message(first)}") from None


def read_csv(data: bytes) -> ImportReport:
    """Parse the file; every line is checked, nothing is written."""
    text = decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first_line else ("\t" if "\t" in first_line else ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    report = ImportReport()
    header = next(reader, None)
    if not header:
        raise Invalid("Le fichier est vide.")
    columns = [HEADERS.get(_fold(h)) for h in header]
    absent = [label for name, label in REQUIRED.items() if name not in columns]
    if absent:
        raise Invalid(
            "Colonnes manquantes : "
            + ", ".join(absent)
            + " (en-têtes lus : "
            + " ; ".join(h.strip()[:30] for h in header)
            + ")"
        )
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(report.offers) + len(report.rejected) >= MAX_LINES:
            raise Invalid(f"Plus de {MAX_LINES} lignes : découpez le fichier.")
        if len(cells) > len(header):
            report.rejected.append((line, f"{len(cells)} colonnes au lieu de {len(header)}"))
            continue
        values = {name: cell.strip() for name, cell in zip(columns, cells, strict=False) if name}
        try:
            report.offers.append((line, _row(values)))
        except ValueError as exc:
            report.rejected.append((line, str(exc)))
    return report


def default_owner(db: Session, agency_id: int) -> Staff:
    """Who imported offers belong to: the agency's first active manager, else its first CDE."""
    for role in ("manager", "cde"):
        found = db.exec(
            select(Staff)
            .where(Staff.agency_id == agency_id, Staff.role == role, col(Staff.active).is_(True))
            .order_by(col(Staff.id))
        ).first()
        if found is not None:
            return found
    raise Invalid("Aucun responsable ni CDE actif dans cette agence pour porter les offres.")


def write_offers(
    db: Session, owner: Staff, report: ImportReport, *, all_or_nothing: bool = False
) -> int:
    """Create the report's valid offers in one transaction; with ``all_or_nothing``, nothing
    when any line was refused."""
    if all_or_nothing and not report.ok:
        raise Invalid(f"{len(report.rejected)} ligne(s) refusée(s) : rien n'a été importé.")
    for _line, data in report.offers:
        offer = Offer(
            **data.model_dump(), agency_id=owner.agency_id, owner_id=owner.id, code=unused_code(db)
        )
        offer.ft_url = france_travail_page(offer.ft_offer_id)
        db.add(offer)
        db.flush()
        tags.attach_offer(db, offer)
        employers.link_offer(db, None, offer, actor_label="import CSV")
        audit.record(db, None, "create", offer, agency_id=owner.agency_id, actor_label="import CSV")
    db.commit()
    report.written = len(report.offers)
    return report.written


PENDING_LIFE = timedelta(hours=1)
MAX_FILE_BYTES = IMPORT_FILE_BYTES  # the body limit lets twice as much reach the form


def keep_pending(db: Session, staff: Staff, filename: str, data: bytes) -> str:
    """Keep a checked file until ``staff`` confirms its preview; return the key the page
    carries back. Files older than ``PENDING_LIFE`` are deleted on the way."""
    db.exec(delete(PendingImport).where(col(PendingImport.created_at) < utcnow() - PENDING_LIFE))
    pending = PendingImport(
        key=secrets.token_urlsafe(24),
        staff_id=staff.id,  # type: ignore[arg-type]
        filename=filename[:200],
        data=data,
    )
    db.add(pending)
    db.commit()
    return pending.key


def take_pending(db: Session, staff: Staff, key: str) -> PendingImport:
    """The file ``staff`` kept under ``key``, removed in the caller's transaction: of two
    confirmations of one preview (a double tap, two tabs), only one finds it."""
    found = db.get(PendingImport, key) if len(key) <= 64 else None
    if found is None or found.staff_id != staff.id or found.created_at < utcnow() - PENDING_LIFE:
        raise NotFound(ALREADY_IMPORTED)
    taken = db.exec(delete(PendingImport).where(col(PendingImport.key) == key))
    if taken.rowcount != 1:  # the other confirmation got there first
        raise NotFound(ALREADY_IMPORTED)
    return found


ALREADY_IMPORTED = (
    "Cet import n'existe plus : il a déjà été fait, annulé, ou date de plus d'une heure. "
    "Vérifiez la liste des offres avant de recommencer."
)


def import_pending(db: Session, staff: Staff, key: str) -> int:
    """Import the valid lines of the file ``staff`` kept under ``key``, for ``staff`` (their
    offers), in one transaction with the file's removal; return how many offers were created."""
    pending = take_pending(db, staff, key)
    report = read_csv(pending.data)
    return write_offers(db, staff, report)


def drop_pending(db: Session, staff: Staff, key: str) -> None:
    """Forget a kept file (the manager cancelled the preview); nothing when it is gone."""
    db.exec(
        delete(PendingImport).where(
            col(PendingImport.key) == key[:64], col(PendingImport.staff_id) == staff.id
        )
    )
    db.commit()
