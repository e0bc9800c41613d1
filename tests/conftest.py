"""Fixtures shared by every test folder: real servers on fresh databases."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

# Where the environment turns bytecode off (PYTHONDONTWRITEBYTECODE), every test process would
# compile and assertion-rewrite all the test modules again on each run: about 4 s of CPU per
# xdist worker. The test process keeps them in a cache outside the tree instead; the processes
# the tests start (servers, CLI, install scripts) keep the environment they are given.
if sys.dont_write_bytecode:
    sys.dont_write_bytecode = False
    sys.pycache_prefix = sys.pycache_prefix or str(Path(tempfile.gettempdir()) / "couloir-pycache")

from tests.support.server import LiveServer

# The longest files start first, so that parallel workers (scripts/test runs pytest-xdist, a
# whole file per worker) finish together rather than waiting on one late, slow file.
SLOW_FIRST = (  # by measured duration (--junitxml, SQLite pass), the longest first
    "tests/deploy/test_update.py",
    "tests/deploy/test_server_deploy.py",
    "tests/security/test_schemathesis.py",  # one process for 90 s: it must not be the last
    "tests/security/test_odd_headers.py",
    "tests/deploy/test_install.py",
    "tests/display/test_scenes.py",
    "tests/api/test_bad_input.py",
    "tests/admin/test_every_page.py",
    "tests/deploy/test_pi_packages.py",
    "tests/deploy/test_pi_wheels.py",
    "tests/faults/test_kill9.py",  # a server killed and restarted twice per backend
    "tests/security/test_role_matrix_api.py",
    "tests/security/test_role_matrix_pages.py",
    "tests/display/test_live.py",
    "tests/admin/test_staff_words.py",
    "tests/api/test_network.py",  # PostgreSQL only: several servers, listeners, locks
    "tests/security/test_cross_agency.py",
    "tests/admin/test_mouton_pages.py",
    "tests/api/test_cli.py",
    "tests/faults/test_postgres_restart.py",  # a private PostgreSQL stopped and started
    "tests/deploy/test_units.py",
    "tests/deploy/test_install_services.py",
    "tests/admin/test_employer_pages.py",
    "tests/admin/test_offer_flows.py",
    "tests/deploy/test_screen_power.py",
    "tests/api/test_auth.py",
    "tests/deploy/test_pinned_installs.py",
    "tests/admin/test_candidate_flows.py",
    "tests/admin/test_negative_paths.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the files of SLOW_FIRST ahead, in that order; the others keep theirs."""
    rank = {path: index for index, path in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


@pytest.fixture
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A demo-seeded server of its own for one test (free to change data, stop, restart)."""
    server = LiveServer(tmp_path_factory.mktemp("live"))
    server.start()
    yield server
    server.close()


@pytest.fixture(scope="module")
def module_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A demo-seeded server shared by one test module (tests must not rely on others' data)."""
    server = LiveServer(tmp_path_factory.mktemp("module"))
    server.start()
    yield server
    server.close()
