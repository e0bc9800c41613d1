"""Schemathesis hooks for tests/security/test_schemathesis.py (loaded through SCHEMATHESIS_HOOKS).

The run is authenticated as one manager. A password reset of that very account ends its sessions
(as it should), after which every request of the run would be a 401 and test nothing: the run
keeps the manager's own password. Every other account, and every other field, stays fair game.
"""

from __future__ import annotations

import os
from typing import Any

import schemathesis

OWN_ID_ENV = "COULOIR_SCHEMATHESIS_OWN_ID"


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Drop ``password`` from a PATCH of the run's own account."""
    own_id = os.environ.get(OWN_ID_ENV)
    if (
        own_id
        and case.method.upper() == "PATCH"
        and case.operation.path.endswith("/staff/{staff_id}")
        and str(case.path_parameters.get("staff_id")) == own_id
        and isinstance(case.body, dict)
    ):
        case.body.pop("password", None)
