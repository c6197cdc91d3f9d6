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


def test_a_nested_step_pauses_the_outer_one(monkeypatch: pytest.MonkeyPatch) -> None:
    # A clock that ticks at each reading: weight opens at 0, read runs 1-3, validate
    # 4-6, weight closes at 7, so weight's own time is (1-0) + (4-3) + (7-6) = 3.
    ticks = iter([0.0, 1.0, 3.0, 4.0, 6.0, 7.0])
    monkeypatch.setattr("panelkit.timings.time.perf_counter", lambda: next(ticks))
    with recording() as seconds, step("weight"):
        with step("read"):
            pass
        with step("validate"):
            pass
    assert set(seconds) == {"weight", "read", "validate"}
    assert all(v >= 0 for v in seconds.values())
    assert seconds == {"weight": 3.0, "read": 2.0, "validate": 2.0}
    monkeypatch.undo()
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
