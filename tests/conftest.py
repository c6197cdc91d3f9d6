"""Shared test helpers: fixtures are built here or read relative to this file."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
API = DATA / "api-strat"


@pytest.fixture
def api_dir() -> Path:
    """The api-strat reference case (R survey 4.1.1 numbers), copied from shared/reference."""
    return API
