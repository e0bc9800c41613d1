"""Schemathesis hooks for tests/security/test_schemathesis.py (loaded through SCHEMATHESIS_HOOKS).

The run is authenticated as one manager. A password reset of that very account ends its sessions
(as it should), after which every request of the run would be a 401 and test nothing: the run
keeps the manager's own password. Every other account, and every other field, stays fair game.
"""

from __future__ import annotations

import json
import os
from typing import Any, get_args

import schemathesis
from pydantic_core import core_schema

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


# The errors pydantic raises for a value its schema refuses (wrong type, too long, no match…).
# "value_error" and "assertion_error" are raised by the service's own validators instead.
SCHEMA_ERROR_TYPES = frozenset(get_args(core_schema.ErrorType)) - {"value_error", "assertion_error"}


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    """Keep every failure but a 422 that applies a rule of the service JSON Schema cannot state.

    "Schema-valid request rejected" (ST202) is right when a request matching the schema is
    refused for a reason the schema could have said (then the schema is wrong: the failure
    stays). A 422 may also apply a rule no JSON Schema states: an end after its start, a
    colleague of the same agency, a password that is not a common one, a text with something
    visible in it. Those answers are a French sentence, or reasons from the service's own
    validators; they are documented in the 422 response and are not failures.
    """
    if getattr(failure, "code", "") != "ST202" or response.status_code != 422:
        return True
    try:
        detail = json.loads(response.content)["detail"]
    except (ValueError, KeyError, TypeError):
        return True
    if isinstance(detail, str):
        return False
    return any(reason.get("type") in SCHEMA_ERROR_TYPES for reason in detail)
