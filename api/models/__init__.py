"""SQLModel tables and their API model families, one module per entity."""

from api.models.agency import Agency
from api.models.agenda import AgendaAttendance, AgendaEvent, CalendarFeed
from api.models.announcement import Announcement
from api.models.audit import AuditEvent
from api.models.challenge import Challenge, Contribution
from api.models.chantier import Chantier
from api.models.criee_mailing import CrieeMailing
from api.models.employer import Employer
from api.models.francetravail import (
    FranceTravailArea,
    FranceTravailLink,
    FranceTravailSuggestion,
    FranceTravailSync,
)
from api.models.hire import Hire
from api.models.image import HirePhoto, Screenshot
from api.models.offer import CandidateProposal, Offer
from api.models.pending_import import PendingImport
from api.models.questionnaire import EthicsQuestion, EthicsQuestionnaire
from api.models.screen import Screen, ScreenPairing
from api.models.staff import LoginFailure, Staff, StaffSession
from api.models.tag import HireTag, OfferTag, Tag
from api.models.testimony import Testimony, TestimonyTag

__all__ = [
    "Agency",
    "AgendaAttendance",
    "AgendaEvent",
    "Announcement",
    "AuditEvent",
    "CalendarFeed",
    "CandidateProposal",
    "Challenge",
    "Chantier",
    "Contribution",
    "CrieeMailing",
    "Employer",
    "EthicsQuestion",
    "EthicsQuestionnaire",
    "FranceTravailArea",
    "FranceTravailLink",
    "FranceTravailSuggestion",
    "FranceTravailSync",
    "Hire",
    "HirePhoto",
    "HireTag",
    "LoginFailure",
    "Offer",
    "OfferTag",
    "PendingImport",
    "Screen",
    "ScreenPairing",
    "Screenshot",
    "Staff",
    "StaffSession",
    "Tag",
    "Testimony",
    "TestimonyTag",
]
