"""Good files mutated into bad ones: panelkit either works or says one `Error:` line.

Never a traceback, never any exception other than a clean exit.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from panelkit.cli import app

API = Path(__file__).parent / "data" / "api-strat"
FILES = {
    "data": API / "data.csv",
    "schema": API / "schema.yaml",
    "margins": API / "margins.csv",
    "indicators": API / "indicators.yaml",
}
SUFFIX = {"data": ".csv", "schema": ".yaml", "margins": ".csv", "indicators": ".yaml"}
NOISE = st.text(
    alphabet=st.sampled_from(list(";,\t\"'{}[]:-#|!&*\n =0123456789aæø\x00")), max_size=8
)


@st.composite
def mutated(draw: st.DrawFn, original: str) -> str:
    lines = original.split("\n")
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(
            st.sampled_from(["delete", "insert", "duplicate", "swap", "replace", "truncate"])
        )
        i = draw(st.integers(0, len(lines) - 1))
        if kind == "delete" and len(lines) > 1:
            del lines[i]
        elif kind == "insert":
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(NOISE) + lines[i][at:]
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        elif kind == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "replace" and lines[i]:
            at = draw(st.integers(0, len(lines[i]) - 1))
            lines[i] = lines[i][:at] + draw(NOISE) + lines[i][at + 1 :]
        elif kind == "truncate":
            lines = lines[: i + 1]
    return "\n".join(lines)


def check(which: str, text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        files = dict(FILES)
        files[which] = Path(folder) / f"mutated{SUFFIX[which]}"
        files[which].write_text(text, encoding="utf-8")
        result = CliRunner().invoke(
            app,
            [
                "summarize", str(files["data"]), "--schema", str(files["schema"]),
                "--margins", str(files["margins"]), "--indicators", str(files["indicators"]),
                "--drop-invalid", "--min-n", "0", "--format", "json",
            ],
        )  # fmt: skip
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}"
    )
    assert result.exit_code in (0, 1)
    if result.exit_code == 1:
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr


@pytest.mark.parametrize("which", list(FILES))
def test_mutated_file_gives_data_or_one_error_line(which: str) -> None:
    original = FILES[which].read_text(encoding="utf-8")

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(text=mutated(original))
    def run(text: str) -> None:
        check(which, text)

    run()
