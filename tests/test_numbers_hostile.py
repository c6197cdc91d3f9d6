"""Numbers and settings out of range (hostile family 5), and names from the files that
would drive the terminal in the tables it prints (family 4): each is one `Error:` line,
or, where it should work, its correct result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from panelkit.cli import app

HEADER = "variable,category,target\n"
MARGINS = "stype,Elementary,4421\nstype,High,755\nstype,Middle,1018\n"
FILES = ["-s", "schema.yaml", "-m", "margins.csv", "-i", "indicators.yaml"]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


TOO_LARGE = (
    "is too large; a population count is at most 1,000,000,000,000 (give counts or shares "
    "of the population)"
)


def margins_with(target: str) -> str:
    return HEADER + f"stype,Elementary,{target}\nstype,High,755\nstype,Middle,1018\n"


@pytest.mark.parametrize(
    ("target", "error"),
    [
        ("1e300", f"target 1e300 {TOO_LARGE}"),
        ("1e13", f"target 1e13 {TOO_LARGE}"),
        ("1e400", 'target "1e400" is not a number'),
        ("inf", 'target "inf" is not a number'),
        ("-inf", 'target "-inf" is not a number'),
        ("nan", 'target "nan" is not a number'),
        ("-5", "target -5 is negative; a target is a count or a share, 0 or more"),
        ("0x10", 'target "0x10" is not a number'),
    ],
)
def test_margin_targets_out_of_range(api_project: Path, target: str, error: str) -> None:
    (api_project / "margins.csv").write_text(margins_with(target), encoding="utf-8")
    for args in (
        ["weight", "data.csv", *FILES[:4], "-o", "w.csv"],
        ["summarize", "data.csv", *FILES],
    ):
        assert run(*args) == (1, f"Error: margins.csv line 2: {error}\n")


def test_a_large_population_still_weights(api_project: Path) -> None:
    """Targets up to the bound work, and the weights scale with them: 1e11 + 7e11 + 1e11
    is 9e11 in all, so the weights sum to 9e11 (R's rake gives sum(weights) = the total)."""
    (api_project / "margins.csv").write_text(
        HEADER + "stype,Elementary,1e11\nstype,High,7e11\nstype,Middle,1e11\n", encoding="utf-8"
    )
    code, output = run("summarize", "data.csv", *FILES, "--format", "json")
    assert code == 0, output
    weighting = json.loads(output)["weighting"]
    assert weighting["weight_sum"] == pytest.approx(9e11, rel=1e-9)


@pytest.mark.parametrize(
    "epoch", ["1e20", "99999999999999999999", "-99999999999999", "yesterday", "12.5"]
)
@pytest.mark.parametrize("command", ["weight", "summarize", "validate"])
def test_bad_source_date_epoch_before_anything_runs(
    api_project: Path, monkeypatch: pytest.MonkeyPatch, epoch: str, command: str
) -> None:
    """numpy's f2py, imported by scipy, parses SOURCE_DATE_EPOCH itself and used to die
    with a ValueError or OverflowError traceback; panelkit checks it first."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    args = {"weight": [*FILES[:4], "-o", "w.csv"], "summarize": FILES, "validate": FILES[:2]}
    code, output = run(command, "data.csv", *args[command])
    assert code == 1
    assert output == (
        f"Error: SOURCE_DATE_EPOCH={epoch!r}: expected whole seconds since 1970, e.g. "
        "1700000000; fix or unset it\n"
    )
    assert not (api_project / "w.csv").exists()


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("min_n: 1e400", "min_n: expected a whole number, 0 or more (0 turns suppression off), "
         "got '1e400'"),
        ("min_n: .inf", "min_n: expected a whole number, 0 or more (0 turns suppression off), "
         "got inf"),
        ("min_n: -3", "min_n: expected a whole number, 0 or more (0 turns suppression off), "
         "got -3"),
        ("cap: .nan", "cap: expected a number, 0 or more, got nan"),
        ("cap: .inf", "cap: expected a number, 0 or more, got inf"),
        ("cap: true", "cap: expected a number, 0 or more, got True"),
        ("alpha: -.inf", "alpha: expected a number, 0 or more, got -inf"),
        ("same_pp: .inf", "same_pp: expected a number, 0 or more, got inf"),
        ("small_pp: 1e999", "small_pp: expected a number, 0 or more, got '1e999'"),
    ],
)  # fmt: skip
def test_settings_out_of_range(api_project: Path, line: str, error: str) -> None:
    (api_project / "panelkit.yaml").write_text(
        "data: data.csv\nschema: schema.yaml\nmargins: margins.csv\n"
        f"indicators: indicators.yaml\n{line}\n",
        encoding="utf-8",
    )
    code, output = run("summarize")
    assert (code, output) == (1, f"Error: panelkit.yaml: {error}\n")


def test_a_huge_min_n_hides_everything(api_project: Path) -> None:
    """A min-n above the sample is legal: every estimate row is suppressed, no number shown."""
    code, output = run("summarize", "data.csv", *FILES, "--min-n", str(10**25), "--format", "json")
    assert code == 0, output
    rows = json.loads(output)["estimates"]
    assert rows and all(r["estimate"] is None and r["suppressed"] for r in rows)


def test_table_cells_from_the_files_are_text_not_markup_or_escapes(api_project: Path) -> None:
    """An indicator label holding rich markup and a terminal escape is printed as written,
    escaped: the markup is not applied and the escape cannot clear the screen."""
    text = (api_project / "indicators.yaml").read_text(encoding="utf-8")
    hostile = "[bold red]loud[/] \\x1b[2J"
    text = text.replace('"schools eligible for awards"', f'"{hostile}"', 1)
    (api_project / "indicators.yaml").write_text(text, encoding="utf-8")
    code, output = run("summarize", "data.csv", *FILES, "--lang", "en")
    assert code == 0, output
    assert "\x1b" not in output
    assert "[bold red]loud[/]" in output
    assert "\\x1b[2J" in output
