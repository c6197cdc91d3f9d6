"""panelkit.yaml's settings reach every command that documents them (issue 10, bugs 2
and 3): ``weight`` honours ``cap:``, ``describe`` and ``validate`` honour ``lang:``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from panelkit.cli import app
from panelkit.demo import write_demo_project


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "amager"
    write_demo_project(root)
    monkeypatch.chdir(root)
    return root


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout


def add_setting(root: Path, line: str) -> None:
    with (root / "panelkit.yaml").open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def test_weight_takes_cap_from_panelkit_yaml(project: Path) -> None:
    assert run("weight", "--out", "uncapped.csv")[0] == 0
    uncapped = pd.read_csv(project / "uncapped.csv")["weight"]
    cap = 3.0
    # The demo's raked weights reach 3.14 × the mean (its 17-29 men need 2.84): 3 binds.
    assert uncapped.max() > cap * uncapped.mean()
    add_setting(project, f"cap: {cap}")
    assert run("weight", "--out", "capped.csv")[0] == 0
    capped = pd.read_csv(project / "capped.csv")["weight"]
    assert capped.max() <= cap * capped.mean() * (1 + 1e-9)
    assert capped.sum() == pytest.approx(uncapped.sum(), rel=1e-9)  # margins still met


def test_describe_takes_lang_from_panelkit_yaml(project: Path) -> None:
    danish = run("describe")[1]
    add_setting(project, "lang: en")
    english = run("describe")[1]
    assert "Rækker læst" in danish and "Rækker læst" not in english
    assert "Rows read" in english


def test_validate_speaks_danish_by_default_and_english_from_panelkit_yaml(project: Path) -> None:
    code, danish = run("validate")
    assert code == 0 and "Gyldig." in danish
    add_setting(project, "lang: en")
    code, english = run("validate")
    assert code == 0 and "Valid." in english and "Gyldig." not in english
