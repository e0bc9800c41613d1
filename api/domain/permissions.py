"""Who may do what: one role × action table, checked in one place (``api.deps.require``)."""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    READ_OFFERS = "read_offers"
    EDIT_OFFERS = "edit_offers"  # create, edit, override urgency, fill, close
    DELETE_OFFERS = "delete_offers"
    PROPOSE_CANDIDATE = "propose_candidate"
    SET_CANDIDATE_OUTCOME = "set_candidate_outcome"
    WRITE_HIRES = "write_hires"  # tell a story, credit oneself
    MODERATE_HIRES = "moderate_hires"  # publish, withdraw, delete
    CONTRIBUTE = "contribute"
    MANAGE_CHALLENGES = "manage_challenges"
    MANAGE_ANNOUNCEMENTS = "manage_announcements"
    MANAGE_SCREENS = "manage_screens"
    MANAGE_STAFF = "manage_staff"
    READ_AUDIT = "read_audit"
    MANAGE_AGENCIES = "manage_agencies"


_STAFF = {
    Action.READ_OFFERS,
    Action.PROPOSE_CANDIDATE,
    Action.WRITE_HIRES,
    Action.CONTRIBUTE,
}
_CDE = _STAFF | {Action.EDIT_OFFERS, Action.DELETE_OFFERS, Action.SET_CANDIDATE_OUTCOME}
_MANAGER = _CDE | {
    Action.MODERATE_HIRES,
    Action.MANAGE_CHALLENGES,
    Action.MANAGE_ANNOUNCEMENTS,
    Action.MANAGE_SCREENS,
    Action.MANAGE_STAFF,
    Action.READ_AUDIT,
}

PERMISSIONS: dict[str, frozenset[Action]] = {
    "cdde": frozenset(_STAFF),
    "cde": frozenset(_CDE),
    "manager": frozenset(_MANAGER),
    "admin": frozenset(_MANAGER | {Action.MANAGE_AGENCIES}),
}

DENIED_MESSAGE = "Votre rôle ne permet pas cette action."


def can(role: str, action: Action) -> bool:
    """True when ``role`` may perform ``action``."""
    return action in PERMISSIONS.get(role, frozenset())
