"""The console script (``panelkit``, ``python -m panelkit``) ends its process without
Python's teardown (`panelkit.cli.main`): what it prints, writes and exits with must be
exactly what the command gave, flushed, in a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "panelkit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_command_prints_everything_and_exits_0(tmp_path: Path) -> None:
    done = run("summarize", "--format", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)  # all of it, flushed (some 60 kB of JSON)
    assert len(done.stdout) > 20_000 and summary["survey"]["rows_read"] == 1340


def test_a_written_file_is_complete(tmp_path: Path) -> None:
    done = run("summarize", "--format", "json", "--out", "summary.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.endswith(
        "Rækker læst: 1340 = brugt 1340 + afvist 0\nWritten to summary.json\n"
    )
    assert json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))["estimates"]


def test_an_error_is_one_line_and_exit_1(tmp_path: Path) -> None:
    done = run("summarize", str(tmp_path / "missing.csv"), cwd=tmp_path)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        "Error: no schema given; pass --schema FILE, or write a panelkit.yaml "
        "(see `panelkit demo DIR` for an example)\n"
    )


def test_a_usage_error_keeps_click_s_exit_2(tmp_path: Path) -> None:
    done = run("no-such-command", cwd=tmp_path)
    assert done.returncode == 2 and "No such command 'no-such-command'" in done.stderr
