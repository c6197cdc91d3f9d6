"""Planted text: no respondent's answer reaches an output file, and no cell is a formula.

The demo export gets formula-like and personal text in its free-text answers, and
in category and number answers that become row errors (dropped with
--drop-invalid); the schema, indicators and baselines get labels that start with
a formula character. Then every command that writes files runs, in every format,
and every file it wrote is read back (workbooks and PNGs opened, parquet read):
none holds a planted answer, and every CSV/XLSX text cell that starts with = + - @
tab or CR is neutralised. Log lines and `Error:` lines hold no answer either (only
`validate`'s own problem table on the terminal may show the value, as formats §2 does).
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from helpers import spellings, unpacked
from panelkit.cli import app
from panelkit.demo import DEMO_SEED, demo_frame, write_demo_project
from panelkit.files import FORMULA_STARTS

N = 400
# Free text: formula-like and personal.
FREE_TEXT = (
    '=HYPERLINK("http://x")',
    "+45 12345678",
    "@SUM(A1)",
    "-2+3",
    "Jeg hedder Karen Blixen",
    "skriv til karen.blixen@example.dk",
    "Jeg bor på Rungstedlund 111, 2960 Rungsted Kyst",
)
# Answers that are row errors: (column, value).
BAD_CELLS = (
    ("s_3", "Holger Danske, Kronborg"),
    ("s_3", '=HYPERLINK("http://evil.example")'),
    ("s_2", "+45 87654321"),
    ("s_2", "-2+3"),
    ("q_4", "ole.olsen@example.dk"),
    ("q_4", "@SUM(A1)"),
)
# Labels the files give: they may be shown, but never as a formula.
CMD = "=cmd|' /C calc'!A0"
HEALTH = {"Fremragende": CMD, "Vældig godt": "+Vældig godt", "Godt": "-Godt"}
AREA = {"Amagerbro Øst": "@Amagerbro Øst"}
INDICATOR_LABEL = "=1+2 savner at føle sig som en del af et fællesskab"
BASELINE_SOURCE = "@Region Hovedstaden Sundhedsprofil 2021"

runner = CliRunner()


def planted_answers() -> list[str]:
    return [*FREE_TEXT, *(value for _, value in BAD_CELLS)]


def build_project(root: Path) -> Path:
    files = write_demo_project(root, n=N)
    frame = demo_frame(N, DEMO_SEED)
    for i, text in enumerate(FREE_TEXT):
        frame.loc[10 + 7 * i, "q_10"] = text
    for i, (column, value) in enumerate(BAD_CELLS):
        frame.loc[100 + 11 * i, column] = value
    frame.to_csv(files.data, sep=";", index=False, encoding="utf-8")

    schema = files.schema.read_text("utf-8")
    for labels, old in (
        (HEALTH, "[Fremragende, Vældig godt, Godt, Mindre godt, Dårligt]"),
        (AREA, "[Amagerbro Øst, Nordøstamager, Sundbyøster, Villakvartererne]"),
    ):
        assert f"categories: {old}" in schema
        codes = old.strip("[]").split(", ")
        mapping = ", ".join(f'"{code}": "{labels.get(code, code)}"' for code in codes)
        schema = schema.replace(f"categories: {old}", f"categories: {{{mapping}}}")
    files.schema.write_text(schema, "utf-8")

    margins = files.margins.read_text("utf-8")
    files.margins.write_text(
        margins.replace("area,Amagerbro Øst,", "area,@Amagerbro Øst,"), "utf-8"
    )
    indicators = files.indicators.read_text("utf-8")
    old = 'da: "savner at føle sig som en del af et fællesskab"'
    assert old in indicators
    files.indicators.write_text(indicators.replace(old, f'da: "{INDICATOR_LABEL}"'), "utf-8")
    baselines = files.baselines.read_text("utf-8")
    old = ",Region Hovedstaden Sundhedsprofil 2021,2021,mindre godt"
    assert old in baselines
    files.baselines.write_text(
        baselines.replace(old, f",{BASELINE_SOURCE},2021,mindre godt"), "utf-8"
    )
    return root


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = build_project(tmp_path_factory.mktemp("leaks") / "p")
    old = Path.cwd()
    os.chdir(root)
    try:
        yield root
    finally:
        os.chdir(old)


COMMANDS: list[list[str]] = [
    ["validate", "--rejects", "out/rejects.csv"],
    ["weight", "--out", "out/weights.csv", "--drop-invalid"],
    ["weight", "--out", "out/weights.parquet", "--drop-invalid"],
    *(
        ["summarize", "--by", "health", "--by", "area", "--drop-invalid", "--format", fmt,
         "--out", f"out/estimates.{ext}"]
        for fmt, ext in (("json", "json"), ("csv", "csv"), ("xlsx", "xlsx"), ("md", "md"),
                         ("table", "txt"))
    ),
    *(
        ["compare", "--by", "health", "--drop-invalid", "--format", fmt,
         "--out", f"out/compare.{ext}"]
        for fmt, ext in (("json", "json"), ("csv", "csv"), ("xlsx", "xlsx"), ("md", "md"),
                         ("table", "txt"))
    ),
    *(
        ["factbox", "--drop-invalid", "--format", fmt, "--out", f"out/factbox.{ext}"]
        for fmt, ext in (("text", "txt"), ("md", "md"), ("html", "html"))
    ),
    *(["describe", "--drop-invalid", "--out", f"out/book.{ext}"] for ext in ("md", "xlsx", "json")),
    ["describe", "--drop-invalid", "--min-n", "0", "--out", "out/book-all.xlsx"],
    ["report", "--by", "health", "--by", "area", "--drop-invalid", "--out", "out/report"],
]  # fmt: skip


@pytest.fixture(scope="module")
def ran(project: Path) -> list[tuple[list[str], int, str, str]]:
    runs = []
    for args in COMMANDS:
        result = runner.invoke(app, args)
        runs.append((args, result.exit_code, result.stdout, result.stderr))
    return runs


def output_files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted((root / "out").rglob("*"))
        if p.is_file()
    }


def test_every_command_ran(ran: list[tuple[list[str], int, str, str]], project: Path) -> None:
    for args, code, _out, err in ran:
        # validate exits 1: the planted answers are row errors; the rest drop them
        assert code == (1 if args[0] == "validate" else 0), (args, err)
    files = output_files(project)
    single = [n for n in files if not n.startswith("out/report/") and not n.endswith(".run.json")]
    assert len(single) == 2 + 1 + 5 + 5 + 3 + 4
    for name in single:  # each output has its run record beside it
        assert f"{name}.run.json" in files, name
    assert "out/report/run.json" in files
    # the reconciliation counts the rejected rows: 6 planted row errors in 6 rows
    assert "Rækker læst: 400 = brugt 394 + afvist 6" in ran[3][3]
    # every output says what is suppressed, primary and secondary apart
    for name in ("out/compare.md", "out/compare.txt", "out/estimates.md", "out/estimates.txt"):
        text = files[name].decode("utf-8")
        assert "(primær undertrykkelse)" in text and "(sekundær undertrykkelse)" in text, name
    assert "(sekundær undertrykkelse)" in files["out/book.md"].decode("utf-8")


def test_no_planted_answer_reaches_any_file_or_log(
    ran: list[tuple[list[str], int, str, str]], project: Path
) -> None:
    probes = {answer: spellings(answer) for answer in planted_answers()}
    # A name, an e-mail, an address or a phone number must not show in part either.
    for part in ("Karen Blixen", "karen.blixen", "Rungstedlund", "12345678", "87654321",
                 "Holger Danske", "Kronborg", "ole.olsen", "evil.example"):  # fmt: skip
        probes[part] = spellings(part)
    files = output_files(project)
    assert len(files) > 50
    for name, data in files.items():
        texts, pixels = unpacked(name, data)
        for blob in texts + pixels:
            for answer, spelled in probes.items():
                for probe in spelled:
                    assert probe not in blob, f"{answer!r} in {name}"
    for args, _code, out, err in ran:
        shown = err if args[0] == "validate" else out + err  # validate's own table may show it
        for answer in probes:
            assert answer not in shown, (args, answer)


def cells_of(name: str, data: bytes) -> list[str]:
    """Every text cell of a CSV or workbook."""
    if name.endswith(".csv"):
        return [c for row in csv.reader(io.StringIO(data.decode("utf-8"))) for c in row]
    wb = load_workbook(io.BytesIO(data))
    return [
        c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
        if isinstance(c.value, str)
    ]  # fmt: skip


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_every_spreadsheet_cell_is_formula_safe(project: Path) -> None:
    files = output_files(project)
    sheets = {n: d for n, d in files.items() if n.endswith((".csv", ".xlsx"))}
    assert len(sheets) >= 12
    seen: set[str] = set()
    for name, data in sheets.items():
        if name.endswith(".xlsx"):  # no formula element in any sheet
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                for member in z.namelist():
                    assert b"<f>" not in z.read(member) and b"<f " not in z.read(member), name
        for cell in cells_of(name, data):
            seen.add(cell)
            if cell.startswith(FORMULA_STARTS):
                assert name.endswith(".csv") and is_number(cell), f"{cell!r} in {name}"
    # The planted labels are there, neutralised: the test looked at the cells that matter.
    for label in (CMD, "+Vældig godt", "-Godt", "@Amagerbro Øst", INDICATOR_LABEL, BASELINE_SOURCE):
        assert f"'{label}" in seen, label
    weights = files["out/weights.csv"].decode("utf-8")
    assert ",'@Amagerbro Øst," in weights  # a weighting variable's label
    rejects = files["out/rejects.csv"].decode("utf-8").splitlines()
    assert rejects[0] == "line,column,problem" and len(rejects) == 1 + len(BAD_CELLS)


def test_rejects_and_error_lines_carry_no_value(project: Path) -> None:
    rejects = (project / "out" / "rejects.csv").read_text("utf-8")
    assert "not an answer of area; expected one of @Amagerbro Øst" in rejects
    assert ",s_2,not a number\n" in rejects
    result = runner.invoke(app, ["summarize"])  # refuses the row errors in one line
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: borgerpanel-2022.csv: 6 of 400 rows have errors")
    assert result.stderr.count("\n") == 1
    for answer in planted_answers():
        assert answer not in result.stderr


def test_the_run_records_verify(project: Path) -> None:
    result = runner.invoke(app, ["verify", "out"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.endswith("files match their run records.\n")
    result = runner.invoke(app, ["verify", "out/report"])
    assert result.exit_code == 0, result.stderr
