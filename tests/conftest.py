"""Fixtures shared by every test folder: real servers on fresh databases."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

from tests.support.server import LiveServer


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
