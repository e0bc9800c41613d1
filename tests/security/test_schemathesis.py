"""Schemathesis against a real server: the OpenAPI description is true for every answer.

A fresh, demo-seeded server (SQLite, or PostgreSQL with COULOIR_TEST_DATABASE_URL) is attacked
with every schemathesis check (server errors, undocumented statuses, bodies and headers that do
not match the schema, schema-valid data refused, invalid data accepted, wrong Allow headers…),
once with the demo screen's token on the screen's routes, then as a manager on every API route.
The run is bounded (a few examples per operation, one worker) and seeded, so CI is reproducible.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.francetravail import FakeFranceTravail, sample_offers, settings_env
from tests.support.server import ROOT, LiveServer

HOOKS = "tests.security.schemathesis_hooks"
MAX_EXAMPLES = 10
SEED = 20260901
RUN_TIMEOUT_S = 300


def schemathesis(server: LiveServer, token: str, *selection: str) -> str:
    """Run ``schemathesis run --checks all`` as ``token``; "" when it found nothing, else why."""
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--no-color",
        "run",
        f"{server.url}/openapi.json",
        "--checks",
        "all",
        "--header",
        f"Authorization: Bearer {token}",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--generation-database",
        "none",
        "--workers",
        "1",
        "--request-timeout",
        "20",
        *selection,
    ]
    env = dict(os.environ, SCHEMATHESIS_HOOKS=HOOKS, PYTHONPATH=str(ROOT))
    env["COULOIR_SCHEMATHESIS_OWN_ID"] = str(_own_id(server, token))
    run = subprocess.run(
        command,
        cwd=server.data_dir,  # its cache goes there, not into the checkout
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )
    report = run.stdout + run.stderr
    print(_summary(report))
    if run.returncode != 0:
        return _failures(report)
    generated = re.search(r"(\d+) generated", report)
    return "" if generated and int(generated.group(1)) > 0 else report[-3000:]


def _own_id(server: LiveServer, token: str) -> int | str:
    me = httpx.get(f"{server.url}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    return me.json()["id"] if me.status_code == 200 else ""


def _failures(report: str) -> str:
    """The failures and the summary, at most ~20,000 characters (the whole report can be huge)."""
    start = report.find("=== FAILURES")
    text = report[start:] if start >= 0 else report
    return text if len(text) < 20_000 else text[:12_000] + "\n[…]\n" + text[-8_000:]


def _summary(report: str) -> str:
    start = report.find("=== SUMMARY")
    return report[start:] if start >= 0 else report[-2000:]


@pytest.fixture
def linked_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with FakeFranceTravail(sample_offers(), rate_limit=1000) as fake:
        server = LiveServer(tmp_path_factory.mktemp("schemathesis"), env=settings_env(fake))
        server.start()
        yield server
        server.close()


def test_openapi_schema_holds_for_screen_and_manager(linked_server: LiveServer) -> None:
    """0 server errors and 0 schema violations, with every check, as a screen then a manager."""
    # The screen first: the manager's run may revoke the demo screen (POST /screens/{id}/revoke).
    as_screen = schemathesis(
        linked_server,
        linked_server.screen_token,
        "--include-path-regex",
        "^/api/v1/display/",
        # The event stream never ends by design (keep-alives every 15 s): a request reading it
        # whole could only time out. Its 401 for a wrong token is checked in the manager's run.
        "--exclude-path",
        "/api/v1/display/events",
    )
    as_manager = schemathesis(
        linked_server,
        linked_server.token("manager"),
        "--include-path-regex",
        "^/api/v1/",
        # Logging out revokes the very token the run uses: everything after it would be a 401.
        "--exclude-path",
        "/api/v1/auth/logout",
    )
    assert not as_screen + as_manager, f"schemathesis found issues:\n{as_screen}\n{as_manager}"
