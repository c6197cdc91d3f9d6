"""A corpus of broken and hostile inputs: each gives one clear `Error:` line and exit 1, fast.

The files are built here (small, deterministic), so the corpus lives with the tests
and needs nothing outside this folder.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers import zip_of
from panelkit.cli import app

API = Path(__file__).parent / "data" / "api-strat"
SCHEMA, DATA, MARGINS, INDICATORS = (
    API / "schema.yaml",
    API / "data.csv",
    API / "margins.csv",
    API / "indicators.yaml",
)


# name -> (file name, content); the export is validated against the api-strat schema
EXPORTS: dict[str, tuple[str, bytes, str]] = {
    "empty": (
        "empty.csv",
        b"",
        "empty.csv is empty; expected a header row with the column names followed by one row "
        "per respondent",
    ),
    "header only": (
        "header_only.csv",
        b"snum;stype\r\n",
        "header_only.csv has a header but no respondent rows; expected one row per respondent "
        "below the header",
    ),
    "binary garbage": (
        "garbage.csv",
        bytes(range(256)) * 20,
        "garbage.csv does not look like a text export: it contains NUL bytes; save the responses "
        "from the survey platform as CSV (UTF-8) or .xlsx",
    ),
    "xlsx not a zip": (
        "notzip.xlsx",
        b"this is not a workbook",
        "notzip.xlsx is not an Excel workbook (.xlsx is a zip file); it looks like text; if it is "
        "a CSV export, give it the extension .csv",
    ),
    "zip not a workbook": (
        "zip.xlsx",
        zip_of({"hello.txt": b"hi"}),
        "zip.xlsx is a zip file but not an Excel workbook (it has no [Content_Types].xml and xl/ "
        "parts); save the export as .xlsx from Excel or the survey platform",
    ),
    "ragged rows": (
        "ragged.csv",
        b"a;b\n1;2\n3;4;5\n",
        "ragged.csv, line 3 has 3 fields but the header has 2 columns; a value probably holds an "
        "unquoted semicolon: put quotes around it or remove the extra semicolons",
    ),
    "duplicated headers": (
        "dupe.csv",
        b"a;b;a\n1;2;3\n",
        'dupe.csv has duplicated column names: "a" (columns 1 and 3); give every column its own '
        "name",
    ),
    "mixed delimiters": (
        "mixed.csv",
        b"a;b,c\n1;2,3\n",
        "mixed.csv: cannot tell whether the columns are separated by semicolons or commas (the "
        "header and the rows below it fit both); export it again with one delimiter",
    ),
    "unclosed quote": (
        "unclosed.csv",
        b'a;b\n1;"oops\n3;4\n',
        'unclosed.csv, line 2: a quote (") opens a value that is never closed, so the rest of '
        "the file would be one value; close or remove that quote",
    ),
    "10 MB field": (
        "big_field.csv",
        b'a;b\n1;"' + b"x" * 10_000_000 + b'"\n',
        'big_field.csv: column "snum" (variable snum in schema.yaml) is not in the export (and 9 '
        "more missing columns); the export has a, b; fix `column:` in the schema or export that "
        "column",
    ),
    "unknown extension": (
        "data.json",
        b"{}",
        "data.json has the extension .json, which panelkit cannot read; save the export as .csv, "
        ".txt, .xlsx, .sav or .parquet",
    ),
}


def run(args: list[str | Path]) -> tuple[int, str, str, float]:
    start = time.perf_counter()
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr, time.perf_counter() - start


@pytest.mark.parametrize("case", list(EXPORTS), ids=list(EXPORTS))
def test_bad_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    name, content, message = EXPORTS[case]
    (tmp_path / name).write_bytes(content)
    monkeypatch.chdir(tmp_path)  # messages name the file as the user gave it
    code, _, err, seconds = run(["validate", name, "--schema", SCHEMA])
    assert (code, err) == (1, f"Error: {message}\n")
    assert "Traceback" not in err
    assert seconds < 10


def text_file(name: str, text: str) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_text(text, encoding="utf-8")
        return path

    return make


# name -> (which option the file replaces, its maker, the expected message)
SETTINGS: dict[str, tuple[str, Callable[[Path], Path], str]] = {
    "schema not YAML": (
        "schema",
        text_file("schema.yaml", "name: x\nvariables:\n  a: {column: a, type: id\n"),
        "schema.yaml: line 4, column 1: not valid YAML (expected ',' or '}', but got '<stream "
        "end>'); check the indentation and quoting",
    ),
    "schema with a Python tag": (
        "schema",
        text_file(
            "schema.yaml", 'name: !!python/object/apply:os.system ["echo hi"]\nvariables: {}\n'
        ),
        "schema.yaml: line 1, column 7: the YAML tag 'tag:yaml.org,2002:python/object/apply:"
        "os.system' is not allowed (it would build a Python object); remove it and write plain "
        "text, numbers, lists and mappings",
    ),
    "margins: unknown variable": (
        "margins",
        text_file(
            "margins.csv",
            "variable,category,target\nstype,Elementary,4421\nstype,High,755\nstype,Middle,1018\n"
            "gender,Mand,3000\n",
        ),
        'margins.csv line 5: unknown variable "gender"; expected one of stype, sch_wide, comp_imp, '
        "both, awards, yr_rnd, api_band",
    ),
    "margins: unknown category": (
        "margins",
        text_file(
            "margins.csv", "variable,category,target\nstype,Elementary,4421\nstype,Highh,755\n"
        ),
        'margins.csv line 3: "Highh" is not a category of stype; expected one of Elementary, High, '
        "Middle",
    ),
    "margins: malformed": (
        "margins",
        text_file("margins.csv", "variable;category\nstype;E\n"),
        'margins.csv line 1: the header must be "variable,category,target", got '
        '"variable;category"',
    ),
    "margins: targets do not add up": (
        "margins",
        text_file(
            "margins.csv",
            "variable,category,target\nstype,Elementary,4421\nstype,High,755\nstype,Middle,1018\n"
            "sch_wide,No,1072\nsch_wide,Yes,5000\n",
        ),
        "margins.csv line 5: margin sch_wide totals 6072 but margin stype totals 6194 (2.0% apart, "
        "more than 0.5%); every margin must total the same population",
    ),
    "indicators: unknown variable": (
        "indicators",
        text_file(
            "indicators.yaml",
            'indicators:\n  - id: a\n    variable: awardz\n    positive: ["Yes"]\n',
        ),
        'indicators.yaml: indicators.a.variable: "awardz" is not in the schema; did you mean awards?',
    ),
    "indicators: unquoted yes": (
        "indicators",
        text_file(
            "indicators.yaml", "indicators:\n  - id: a\n    variable: awards\n    positive: [yes]\n"
        ),
        'indicators.yaml: indicators.a.positive[0]: YAML read true as a boolean; quote the label ("Yes")',
    ),
    "indicators: an expression as where": (
        "indicators",
        text_file(
            "indicators.yaml",
            'indicators:\n  - {id: a, variable: awards, positive: ["Yes"], where: "api00 > 700"}\n',
        ),
        "indicators.yaml: indicators.a.where: expected a mapping of variable: answers, e.g. "
        '{age_group: ["17-29"]}, got "api00 > 700"',
    ),
    "indicators: not YAML": (
        "indicators",
        text_file("indicators.yaml", "indicators: [\n"),
        "indicators.yaml: line 2, column 1: not valid YAML (expected the node content, but found "
        "'<stream end>'); check the indentation and quoting",
    ),
}


@pytest.mark.parametrize("case", list(SETTINGS), ids=list(SETTINGS))
def test_bad_settings_file(tmp_path: Path, case: str) -> None:
    which, make, message = SETTINGS[case]
    files = {"schema": SCHEMA, "margins": MARGINS, "indicators": INDICATORS}
    files[which] = make(tmp_path)
    code, out, err, seconds = run(
        [
            "summarize", DATA, "--schema", files["schema"], "--margins", files["margins"],
            "--indicators", files["indicators"], "--format", "json",
        ]
    )  # fmt: skip
    assert (code, out, err) == (1, "", f"Error: {message}\n")
    assert seconds < 10
