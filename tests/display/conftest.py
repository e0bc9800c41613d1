"""Shared fixtures of the screen's tests: real pygame on the dummy video driver."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

from pathlib import Path

import pygame
import pytest
from display_support import ARTIFACTS

from display.assets import Assets


@pytest.fixture(scope="session", autouse=True)
def _pygame_fonts():
    pygame.font.init()
    yield


@pytest.fixture(scope="session")
def assets() -> Assets:
    return Assets.load()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
