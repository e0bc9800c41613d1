"""Who may do what: one role × action table, checked in one place (``api.deps.require``)."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol


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
    READ_AGENDA = "read_agenda"  # the agenda, who comes, one's own calendar feed
    ATTEND_EVENTS = "attend_events"  # « je viens » and taking it back
    MANAGE_AGENDA = "manage_agenda"  # create, edit, cancel a date, delete an event
    WRITE_TESTIMONIES = "write_testimonies"  # write one; edit or delete one's own
    MODERATE_TESTIMONIES = "moderate_testimonies"  # edit or delete anyone's
    MANAGE_TAGS = "manage_tags"  # rename, describe, merge
    READ_CRIEE = "read_criee"  # la criée, the weekly newsletter, and its archive
    IMPORT_OFFERS = "import_offers"  # a CSV export uploaded from the phone, previewed, imported
    READ_ACTIVITY = "read_activity"  # the agency's collective figures and its chantiers
    EXPORT_ACTIVITY = "export_activity"  # the activity figures as a CSV file
    MANAGE_CHANTIERS = "manage_chantiers"  # list, edit, delete the agency's chantiers
    READ_EMPLOYERS = "read_employers"  # employer files (fiches TPE) and their history
    EDIT_EMPLOYERS = "edit_employers"  # create an employer file, edit its details and notes,
    # go through the ethics questionnaire with its recruiter
    MANAGE_QUESTIONNAIRE = "manage_questionnaire"  # the ethics questionnaire's questions


_STAFF = {
    Action.READ_OFFERS,
    Action.PROPOSE_CANDIDATE,
    Action.WRITE_HIRES,
    Action.CONTRIBUTE,
    Action.READ_AGENDA,
    Action.ATTEND_EVENTS,
    Action.WRITE_TESTIMONIES,
    Action.READ_CRIEE,
    Action.READ_ACTIVITY,
    Action.READ_EMPLOYERS,
}
_CDE = _STAFF | {Action.EDIT_OFFERS, Action.DELETE_OFFERS, Action.SET_CANDIDATE_OUTCOME}
_CDE |= {Action.EDIT_EMPLOYERS}
_MANAGER = _CDE | {
    Action.MODERATE_HIRES,
    Action.MANAGE_CHALLENGES,
    Action.MANAGE_ANNOUNCEMENTS,
    Action.MANAGE_SCREENS,
    Action.MANAGE_STAFF,
    Action.READ_AUDIT,
    Action.MANAGE_AGENDA,
    Action.MODERATE_TESTIMONIES,
    Action.MANAGE_TAGS,
    Action.IMPORT_OFFERS,
    Action.EXPORT_ACTIVITY,
    Action.MANAGE_CHANTIERS,
    Action.MANAGE_QUESTIONNAIRE,
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


# Who may change whom. A role outranks the ones before it; an account is only ever changed,
# created or given a role by someone of at least that rank, so a manager can neither take over an
# admin account (password, name, deactivation) nor make anyone an admin.
ROLE_RANK: dict[str, int] = {"cdde": 0, "cde": 1, "manager": 2, "admin": 3}
ABOVE_YOU = "Vous ne pouvez pas donner un rôle supérieur au vôtre."
HIGHER_ACCOUNT = "Ce compte a un rôle supérieur au vôtre : seul un administrateur peut le modifier."
OWN_ROLE = "Vous ne pouvez pas modifier votre propre rôle ni vous désactiver."


class Account(Protocol):
    """What the rule needs to know of an account: who it is and its role."""

    id: int | None
    role: str


def _rank(role: str) -> int:
    return ROLE_RANK.get(role, -1)


def account_change_refusal(
    actor: Account,
    target: Account | None,
    *,
    new_role: str | None = None,
    deactivates: bool = False,
) -> str | None:
    """Why ``actor`` may not make this change (French), or None when allowed.

    ``target`` None means creating an account with ``new_role``. Any change to an existing
    account (rename, password, (de)activation, role) needs ``MANAGE_STAFF``, a rank at least the
    target's, and a new role no higher than the actor's; nobody changes their own role or
    deactivates themselves.
    """
    if not can(actor.role, Action.MANAGE_STAFF):
        return DENIED_MESSAGE
    if target is not None and target.id is not None and target.id == actor.id:
        if deactivates or new_role is not None:
            return OWN_ROLE
        return None
    if target is not None and _rank(target.role) > _rank(actor.role):
        return HIGHER_ACCOUNT
    if new_role is not None and _rank(new_role) > _rank(actor.role):
        return ABOVE_YOU
    return None


def may_change_account(
    actor: Account,
    target: Account | None,
    *,
    new_role: str | None = None,
    deactivates: bool = False,
) -> bool:
    """True when ``actor`` may make this change (see ``account_change_refusal``)."""
    refusal = account_change_refusal(actor, target, new_role=new_role, deactivates=deactivates)
    return refusal is None


def assignable_roles(actor_role: str) -> list[str]:
    """The roles ``actor_role`` may give, lowest first."""
    return [r for r, rank in ROLE_RANK.items() if rank <= _rank(actor_role)]
