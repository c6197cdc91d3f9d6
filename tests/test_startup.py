"""`panelkit --help` and `--version` answer without importing any heavy library.

Not a timed test: it checks the cause of a slow start (what gets imported), which
is deterministic. `make bench` prints the timings themselves.
"""

from __future__ import annotations

import subprocess
import sys

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
