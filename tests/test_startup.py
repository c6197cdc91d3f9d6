"""`panelkit --help` and `--version` answer without importing any heavy library, and
`summarize` without the chart and workbook libraries.

Not a timed test: it checks the cause of a slow start (what gets imported), which
is deterministic. `make bench` prints the timings themselves.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("pandas", "numpy", "scipy", "matplotlib", "openpyxl", "pyreadstat", "pyarrow", "yaml")


@pytest.mark.parametrize(
    "args", [["--help"], ["--version"], ["summarize", "--help"], ["report", "--help"]]
)
def test_help_and_version_import_nothing_heavy(args: list[str]) -> None:
    code = (
        "import sys\n"
        "from panelkit.cli import app\n"
        "try:\n"
        f"    app({args!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


# What the demo's `summarize` needs: pandas, numpy, pyarrow (the CSV), yaml (the schema),
# scipy (the interval quantiles). Charts, workbooks and SPSS are the report's and
# `schema init`'s: importing them would cost the plain summary a second or so.
NOT_FOR_SUMMARIZE = ("matplotlib", "PIL", "openpyxl", "pyreadstat")


def test_summarize_of_the_demo_imports_no_chart_or_workbook_library(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from panelkit.cli import app\n"
        "try:\n"
        "    app(['summarize', '--out', 'summary.json'])\n"
        "except SystemExit as stop:\n"
        "    assert not stop.code, stop.code\n"
        f"print(sorted(m for m in {NOT_FOR_SUMMARIZE!r} if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert (tmp_path / "summary.json").stat().st_size > 0  # it did summarize
    assert out.stdout.strip().splitlines()[-1] == "[]"
