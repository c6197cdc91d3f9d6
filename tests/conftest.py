"""Shared test helpers: fixtures are built here or read relative to this file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest_plugins = ("browser",)  # the session's headless Chromium (tests/browser.py)

DATA = Path(__file__).parent / "data"
API = DATA / "api-strat"


@pytest.fixture
def api_dir() -> Path:
    """The api-strat reference case (R survey 4.1.1 numbers), copied from shared/reference."""
    return API


@pytest.fixture(autouse=True)
def _private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Commands cache parsed workbooks; in tests that cache lives in a temporary folder."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("PANELKIT_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty folder, so no panelkit.yaml is picked up by accident."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def api_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The api-strat files copied into a project folder, as the working folder, with a
    fixed SOURCE_DATE_EPOCH."""
    root = tmp_path / "proj"
    shutil.copytree(API, root)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.chdir(root)
    return root
