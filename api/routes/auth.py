"""Staff authentication for scripts and tests: bearer tokens."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from api.deps import CurrentStaff, SessionDep, SettingsDep, StaffBearer
from api.models.staff import StaffPublic
from api.security import sessions
from api.services import staff as staff_service

router = APIRouter(prefix="/auth", tags=["auth"])


class Credentials(BaseModel):
    """What a script sends to log in."""

    email: str = Field(
        min_length=3,
        max_length=254,
        pattern=r"^[^\x00-\x1f]+$",
        description="Adresse e-mail du compte.",
    )
    password: str = Field(min_length=1, max_length=256, description="Mot de passe du compte.")


class TokenOut(BaseModel):
    """A bearer token for the ``Authorization`` header."""

    access_token: str = Field(
        description="Jeton à envoyer dans l'en-tête « Authorization: Bearer <jeton> » ; "
        "valable jusqu'à la déconnexion ou à son expiration."
    )
    token_type: str = Field("bearer", description="Toujours « bearer ».")


@router.post(
    "/token",
    response_model=TokenOut,
    summary="Se connecter : obtenir un jeton",
    description=(
        "Échange l'e-mail et le mot de passe contre un jeton (bloqué un moment après 5 échecs)."
    ),
)
def token(data: Credentials, db: SessionDep, settings: SettingsDep) -> TokenOut:
    """Exchange e-mail and password for a bearer token (throttled after 5 failures)."""
    staff = staff_service.authenticate(db, data.email, data.password)
    raw = sessions.open_session(db, staff, kind="bearer", days=settings.session_days)
    return TokenOut(access_token=raw)


@router.post(
    "/logout",
    status_code=204,
    summary="Se déconnecter : révoquer le jeton",
    description="Révoque la session de cette requête : celle du jeton, sinon celle du cookie.",
)
def logout(
    request: Request,
    db: SessionDep,
    _: CurrentStaff,
    raw: StaffBearer,
) -> Response:
    """Revoke the session that authenticated this request: the bearer's, else the cookie's."""
    response = Response(status_code=204)
    if not raw:
        # Same precedence as api.deps.optional_staff: no bearer, so the cookie logged us in.
        raw = request.cookies.get(sessions.COOKIE_NAME)
        response.delete_cookie(sessions.COOKIE_NAME, path="/")
    if raw:
        sessions.close_session(db, raw)
    return response


@router.get(
    "/me",
    response_model=StaffPublic,
    summary="Mon compte",
    description="Le compte à qui appartient le jeton.",
)
def me(staff: CurrentStaff) -> StaffPublic:
    """Who the token belongs to."""
    return StaffPublic(**staff.model_dump())
