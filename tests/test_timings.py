"""Seconds per step (panelkit.timings) and the CLI's PANELKIT_TIMINGS record: which steps
are recorded and that they add up, never how long they take."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import invoke
from panelkit.timings import STEPS, recording, step

API = Path(__file__).resolve().parent / "data" / "api-strat"


def test_nothing_is_recorded_unless_asked() -> None:
    with step("read"):
        pass
    with recording() as seconds:
        pass
    assert seconds == {}


def test_a_nested_step_pauses_the_outer_one() -> None:
    with recording() as seconds, step("weight"):
        with step("read"):
            sum(range(10_000))
        with step("validate"):
            sum(range(10_000))
    assert set(seconds) == {"weight", "read", "validate"}
    assert all(v >= 0 for v in seconds.values())
    # a recording of its own sees only its own steps
    with recording() as whole, step("estimate"), recording() as inner, step("publish"):
        pass
    assert set(whole) == {"estimate"} and set(inner) == {"publish"}


def test_cli_appends_one_json_line_per_command(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = in_tmp / "timings.jsonl"
    monkeypatch.setenv("PANELKIT_TIMINGS", str(record))
    args = ("--schema", API / "schema.yaml", "--lang", "en")
    code, _, err = invoke("validate", API / "data.csv", *args)
    assert code == 0, err
    code, _, err = invoke("validate", API / "data.csv", *args)
    assert code == 0, err
    lines = [json.loads(x) for x in record.read_text().splitlines()]
    assert len(lines) == 2
    assert set(lines[0]["steps"]) == {"read", "validate"} <= set(STEPS)
    assert sum(lines[0]["steps"].values()) <= lines[0]["total"]
    assert lines[0]["peak_mb"] > 0
