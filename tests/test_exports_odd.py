"""Exports that are wide or odd (issue 15, family 3): linear cost, BOMs inside the text.

A byte-order mark inside the file (exports pasted together) is dropped, never
glued to an id or a column name; a 5,000-column export reads column by column
without the per-column cost growing with the number of columns.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import invoke
from panelkit.input.exports import read_export

SCHEMA = (
    "name: s\nid: rid\nvariables:\n  rid: {type: id}\n  a: {type: category, categories: [x, y]}\n"
)

BOM8 = "\ufeff".encode()
# name -> (bytes, expected (rid, a) rows)
BOM_CASES: dict[str, tuple[bytes, list[tuple[str, str]]]] = {
    "UTF-8 BOM before a data row": (
        b"rid;a\n1;x\n" + BOM8 + b"2;y\n",
        [("1", "x"), ("2", "y")],
    ),
    "UTF-8 BOM inside a column name": (b"rid;" + BOM8 + b"a\n1;x\n", [("1", "x")]),
    "two UTF-8 BOMs at the start": (BOM8 + BOM8 + b"rid;a\n1;x\n", [("1", "x")]),
    "UTF-16 files pasted together": (
        "rid;a\n1;x\n".encode("utf-16") + "2;y\n".encode("utf-16"),
        [("1", "x"), ("2", "y")],
    ),
    "BOM inside a value": (b"rid;a\n1;x" + BOM8 + b"\n", [("1", "x")]),
}


@pytest.mark.parametrize("case", list(BOM_CASES), ids=list(BOM_CASES))
def test_bom_inside_the_file_reads_fine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    data, rows = BOM_CASES[case]
    monkeypatch.chdir(tmp_path)
    Path("data.csv").write_bytes(data)
    Path("schema.yaml").write_text(SCHEMA, encoding="utf-8")
    raw = read_export("data.csv")
    assert list(raw.frame.columns) == ["rid", "a"]
    assert list(raw.frame.itertuples(index=False, name=None)) == rows
    code, out, err = invoke("validate", "data.csv", "--schema", "schema.yaml")
    assert (code, err) == (0, "")
    assert "Gyldig." in out  # validate speaks Danish by default, as every command


def test_utf16_without_its_bom_after_a_utf8_part_is_one_error_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("data.csv").write_bytes(BOM8 + b"rid;a\n1;x\n" + "2;y\n".encode("utf-16-le"))
    Path("schema.yaml").write_text(SCHEMA, encoding="utf-8")
    code, out, err = invoke("validate", "data.csv", "--schema", "schema.yaml")
    assert (code, out, err) == (
        1,
        "",
        "Error: data.csv does not look like a text export: it contains NUL bytes; save the "
        "responses from the survey platform as CSV (UTF-8) or .xlsx\n",
    )


def test_5000_columns_50_rows(tmp_path: Path) -> None:
    cols, rows = 5000, 50
    header = ";".join(f"q{j}" for j in range(cols))
    body = "".join(";".join(str((i + j) % 5 + 1) for j in range(cols)) + "\n" for i in range(rows))
    p = tmp_path / "wide.csv"
    p.write_text(header + "\n" + body, encoding="utf-8")
    raw = read_export(p)
    assert raw.frame.shape == (rows, cols)
    assert raw.frame.iloc[3, 4999] == str((3 + 4999) % 5 + 1)
    assert raw.lines.tolist() == list(range(2, rows + 2))
