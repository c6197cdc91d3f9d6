"""Helpers shared by the CLI tests."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from panelkit.cli import app


def invoke(*args: str | Path) -> tuple[int, str, str]:
    """Run the CLI in-process: (exit code, stdout, stderr)."""
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr
