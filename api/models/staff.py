"""Staff accounts, their login sessions and failed login attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from sqlmodel import Field, SQLModel

from api.clock import utcnow
from api.models.fields import Count, Email, Flag, ShortText
from api.security.password_policy import MAX_LENGTH, MIN_LENGTH, password_problem

Role = Literal["cde", "cdde", "manager", "admin"]
ROLES: tuple[str, ...] = ("cde", "cdde", "manager", "admin")
ROLE_LABELS = {
    "cde": "CDE (entreprises)",
    "cdde": "CDDE (demandeurs d'emploi)",
    "manager": "Manager",
    "admin": "Administrateur",
}
MIN_PASSWORD = MIN_LENGTH
MAX_PASSWORD = MAX_LENGTH


class StaffBase(SQLModel):
    name: ShortText = Field(description="Nom et prénom de la personne, 1 à 200 caractères.")
    email: Email = Field(
        description="Adresse e-mail du compte, qui sert à se connecter (mise en minuscules)."
    )
    role: Role = Field(
        description=(
            "Rôle : cde (conseiller entreprises), cdde (conseiller demandeurs d'emploi), "
            "manager ou admin."
        )
    )


class Staff(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    name: str = Field(max_length=200)
    email: str = Field(index=True, unique=True, max_length=254)
    role: str = Field(max_length=16)
    password_hash: str = Field(max_length=512)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    version: int = 1

    @property
    def service(self) -> str:
        """The service a contribution is credited to: CDE side or CDDE side."""
        return "cdde" if self.role == "cdde" else "cde"


def _password_ok(value: str, info: ValidationInfo) -> str:
    """The password policy, told the e-mail and name validated just before (field order)."""
    email, name = info.data.get("email") or "", info.data.get("name") or ""
    problem = password_problem(value, email=email, name=name)
    if problem:
        # A custom error keeps the French reason as the whole message (no "Value error, ").
        raise PydanticCustomError("password_policy", problem)
    return value


class StaffCreate(StaffBase):
    email: Email = Field(
        description="Adresse e-mail du compte, qui sert à se connecter (mise en minuscules)."
    )
    password: str = Field(
        description=f"Mot de passe : {MIN_PASSWORD} à {MAX_PASSWORD} caractères, difficile à "
        "deviner, sans l'e-mail ni le nom."
    )

    _check_password = field_validator("password")(_password_ok)


class StaffUpdate(SQLModel):
    name: ShortText | None = Field(
        None, description="Nom et prénom de la personne, 1 à 200 caractères."
    )
    role: Role | None = Field(None, description="Nouveau rôle : cde, cdde, manager ou admin.")
    active: Flag | None = Field(
        None,
        description="Activer ou désactiver le compte (désactivé : plus aucune connexion).",
    )
    password: str | None = Field(
        None,
        description=f"Nouveau mot de passe : {MIN_PASSWORD} à {MAX_PASSWORD} caractères, "
        "difficile à deviner, sans l'e-mail ni le nom.",
    )
    version: Count | None = Field(
        None,
        description=(
            "Numéro de version, augmenté à chaque modification ; à renvoyer pour éviter "
            "d'écraser la modification d'un collègue (sinon 409)."
        ),
    )

    @field_validator("password")
    @classmethod
    def _password(cls, value: str | None, info: ValidationInfo) -> str | None:
        # The person's e-mail is checked by the service, which knows whose password it is.
        return None if value is None else _password_ok(value, info)


class StaffPublic(SQLModel):
    id: int = Field(description="Identifiant (numéro attribué par Couloir).")
    name: str = Field(description="Nom et prénom de la personne.")
    email: str = Field(
        description="Adresse e-mail du compte, qui sert à se connecter (mise en minuscules)."
    )
    role: str = Field(
        description=(
            "Rôle : cde (conseiller entreprises), cdde (conseiller demandeurs d'emploi), "
            "manager ou admin."
        )
    )
    active: bool = Field(
        description="Compte actif ; un compte désactivé ne peut plus se connecter."
    )
    version: int = Field(
        description=(
            "Numéro de version, augmenté à chaque modification ; à renvoyer pour éviter "
            "d'écraser la modification d'un collègue (sinon 409)."
        )
    )


class StaffRef(SQLModel):
    """A person as other resources cite them."""

    id: int = Field(description="Identifiant du compte.")
    name: str = Field(description="Nom de la personne.")
    role: str = Field(description="Rôle : cde, cdde, manager ou admin.")


class StaffSession(SQLModel, table=True):
    """A login: a random token (only its hash is stored) carried by a cookie or a bearer header."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(index=True, unique=True, max_length=64)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    kind: str = Field(default="cookie", max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked: bool = False


class LoginFailure(SQLModel, table=True):
    """A failed login, kept to throttle guessing."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(index=True, max_length=254)
    at: datetime = Field(default_factory=utcnow, index=True)
