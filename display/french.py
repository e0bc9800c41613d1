"""The screen's French wording: the shared rules of ``api.domain.french`` under the screen's names.

Kept so that scene modules import their wording from one display-side place; nothing is defined
here, so the screen and the staff pages cannot drift apart.
"""

from __future__ import annotations

from api.domain.french import agree, clock, count, days_left, plural
from api.domain.french import long_date as french_date

__all__ = ["agree", "clock", "count", "days_left", "french_date", "plural"]
