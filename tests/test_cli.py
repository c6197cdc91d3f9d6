"""The command line, through Typer's CliRunner: exit codes and exact lines."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers import invoke
from panelkit import __version__
from panelkit.cli import app

HERE = Path(__file__).parent
API = HERE / "data" / "api-strat"

runner = CliRunner()


def test_version() -> None:
    code, out, _ = invoke("--version")
    assert (code, out) == (0, f"panelkit {__version__}\n")


def test_no_command_shows_help() -> None:
    code, out, _ = invoke()
    assert code == 2 and "Usage" in out


def test_validate_reference_export(in_tmp: Path) -> None:
    code, out, err = invoke(
        "validate", API / "data.csv", "--schema", API / "schema.yaml", "--lang", "en"
    )
    assert code == 0, err
    assert "Rows read: 200 = used 200 + rejected 0" in out
    assert "Valid." in out


def write_broken(folder: Path) -> tuple[Path, Path]:
    data = folder / "data.csv"
    lines = (API / "data.csv").read_text().splitlines()
    # line 3 gets an unknown school type, line 5 an API score below the minimum
    lines[2] = lines[2].replace('"E"', '"X"', 1)
    lines[4] = lines[4].replace(",501,", ",150,", 1)
    data.write_text("\n".join(lines) + "\n")
    return data, API / "schema.yaml"


def test_validate_reports_row_errors_and_exits_1(in_tmp: Path) -> None:
    data, schema = write_broken(in_tmp)
    code, out, _ = invoke(
        "validate", data, "--schema", schema, "--rejects", in_tmp / "rejects.csv", "--lang", "en"
    )
    assert code == 1
    assert "Rows read: 200 = used 198 + rejected 2" in out
    # The rejects file names line, column and rule; never the answer itself ("X", 150).
    assert (in_tmp / "rejects.csv").read_text() == (
        "line,column,problem\n"
        '3,stype,"not an answer of stype; expected one of Elementary, High, Middle '
        '(or codes E, H, M)"\n'
        "5,api00,below the minimum 200\n"
    )
    # The analyst's own screen shows the value, as the contract's example does.
    assert '"X" is not an answer of stype' in out and "150 is below the minimum 200" in out


def test_summarize_refuses_row_errors_with_one_line(in_tmp: Path) -> None:
    data, schema = write_broken(in_tmp)
    code, out, err = invoke(
        "summarize", data, "--schema", schema, "--indicators", API / "indicators.yaml"
    )
    assert code == 1
    assert out == ""
    assert err == (
        "Error: data.csv: 2 of 200 rows have errors (first: line 3, stype: not an answer "
        "of stype; expected one of Elementary, High, Middle (or codes E, H, M)); run `panelkit "
        "validate` to see them, fix the export, or pass --drop-invalid to leave those rows out\n"
    )


def test_missing_column_is_one_error_line(in_tmp: Path) -> None:
    data = in_tmp / "data.csv"
    data.write_text((API / "data.csv").read_text().replace('"sch.wide"', '"sch_wide"', 1))
    code, _, err = invoke("validate", data, "--schema", API / "schema.yaml")
    assert code == 1
    assert err == (
        'Error: data.csv: column "sch.wide" (variable sch_wide in schema.yaml) is not in the '
        "export; closest in the export: sch_wide; fix `column:` in the schema or export that "
        "column\n"
    )


def test_debug_shows_traceback(in_tmp: Path) -> None:
    data = in_tmp / "data.csv"
    data.write_text((API / "data.csv").read_text().replace('"sch.wide"', '"sch_wide"', 1))
    result = runner.invoke(
        app, ["--debug", "validate", str(data), "--schema", str(API / "schema.yaml")]
    )
    assert result.exit_code == 1
    assert type(result.exception).__name__ == "DataError"


def test_data_without_schema(in_tmp: Path) -> None:
    code, _, err = invoke("validate", API / "data.csv")
    assert code == 1
    assert err == (
        "Error: no schema given; pass --schema FILE, or write a panelkit.yaml "
        "(see `panelkit demo DIR` for an example)\n"
    )


def test_missing_data_file(in_tmp: Path) -> None:
    code, _, err = invoke("validate", "nope.csv", "--schema", API / "schema.yaml")
    assert (code, err) == (1, "Error: nope.csv: data file not found; check the path\n")


def test_bad_format_is_a_usage_error(in_tmp: Path) -> None:
    code, _, err = invoke("summarize", "--format", "pdf")
    assert code == 2
    assert "Invalid value for '--format'" in err and "'pdf'" in err


def test_weight_writes_ids_and_weights(in_tmp: Path) -> None:
    out = in_tmp / "w.csv"
    code, stdout, err = invoke(
        "weight",
        API / "data.csv",
        "--schema",
        API / "schema.yaml",
        "--margins",
        API / "margins.csv",
        "--out",
        out,
    )
    assert code == 0, err
    expected = json.loads((API / "expected.json").read_text())["weights"]
    lines = out.read_text().splitlines()
    assert lines[0] == "snum,weight,stype,sch_wide"
    got = {row.split(",")[0]: float(row.split(",")[1]) for row in lines[1:]}
    assert got.keys() == expected.keys()
    for snum, w in expected.items():
        assert got[snum] == pytest.approx(w, rel=1e-6)
    assert "Converged" in stdout


def test_weight_refuses_to_overwrite_an_input(in_tmp: Path) -> None:
    data = in_tmp / "data.csv"
    data.write_bytes((API / "data.csv").read_bytes())
    code, _, err = invoke(
        "weight",
        data,
        "--schema",
        API / "schema.yaml",
        "--margins",
        API / "margins.csv",
        "--out",
        data,
    )
    assert code == 1
    assert (
        err
        == f"Error: {data}: is an input of this run; choose another output name so the input is kept\n"
    )
    assert data.read_bytes() == (API / "data.csv").read_bytes()


def test_bundled_demo_is_used_and_said(in_tmp: Path) -> None:
    code, out, err = invoke("validate", "--lang", "en")
    assert code == 0, err
    assert "using the bundled demo survey" in err
    assert "Valid." in out


def test_demo_table_fits_an_80_column_terminal(in_tmp: Path) -> None:
    # Every column of every row is shown at 80 columns: the label and the measure
    # wrap, the numbers never do, and nothing is cut off at the right edge.
    result = CliRunner().invoke(app, ["summarize"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.stderr
    table = [line for line in result.stdout.splitlines() if line.startswith(("┃", "│"))]
    assert table and all(len(line) <= 80 and line.endswith(("┃", "│")) for line in table)
    assert "95 % KI" in result.stdout and "Metode" in result.stdout
    assert "6,96–7,25" in result.stdout  # the last rows' intervals are whole
    assert result.stdout.count("woodruff") == 3


def test_demo_project_then_summarize_from_panelkit_yaml(in_tmp: Path) -> None:
    code, out, err = invoke("demo", "proj")
    assert code == 0, err
    assert (in_tmp / "proj" / "panelkit.yaml").is_file()
    # the demo records what it wrote, like every command that writes files
    code, out, err = invoke("verify", "proj")
    assert code == 0, err
    assert out.endswith("All 7 files match their run records.\n")
    os.chdir(in_tmp / "proj")
    code, out, err = invoke("summarize", "--format", "json")
    assert code == 0, err
    assert "bundled demo" not in err
    doc = json.loads(out)
    assert doc["survey"]["rows_read"] == doc["survey"]["rows_used"] + doc["survey"]["rows_rejected"]
    assert {e["indicator"] for e in doc["estimates"]} >= {
        "miss_community",
        "lonely_17_29",
        "poor_health",
    }


def test_demo_refuses_non_empty_folder(in_tmp: Path) -> None:
    (in_tmp / "proj").mkdir()
    (in_tmp / "proj" / "keep.txt").write_text("x")
    code, _, err = invoke("demo", "proj")
    assert code == 1
    assert err.startswith("Error: ") and "--force" in err


def test_summarize_takes_settings_from_panelkit_yaml(in_tmp: Path) -> None:
    code, _, err = invoke("demo", "proj")
    assert code == 0, err
    os.chdir(in_tmp / "proj")
    with Path("panelkit.yaml").open("a", encoding="utf-8") as handle:
        handle.write("by: [sex]\nmin_n: 0\nci: wilson\n")
    code, out, err = invoke("summarize", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["min_n"] == 0 and doc["ci_method"] == "wilson"
    assert {e["by"] for e in doc["estimates"]} == {None, "sex"}
    # an option on the command line wins over the file
    code, out, err = invoke("summarize", "--format", "json", "--ci", "logit", "--min-n", "30")
    assert code == 0, err
    doc = json.loads(out)
    assert (doc["min_n"], doc["ci_method"]) == (30, "logit")


def test_markup_in_a_value_prints_as_is(in_tmp: Path) -> None:
    """Rich markup in the data ("[/x]") is text, not a style that fails to close."""
    data = in_tmp / "data.csv"
    lines = (API / "data.csv").read_text().splitlines()
    lines[2] = lines[2].replace('"E"', '"[/x] [bold]"', 1)
    data.write_text("\n".join(lines) + "\n")
    code, out, err = invoke("validate", data, "--schema", API / "schema.yaml")
    # exit 1 with its one Error: line (issue 15: every exit 1 has one), and no markup error
    assert (code, err) == (
        1,
        "Error: data.csv: 1 problems in 1 rows (listed above); fix the export, or pass "
        "--drop-invalid to the analysis commands to leave those rows out\n",
    )
    assert '"[/x] [bold]" is not an answer of stype' in out
