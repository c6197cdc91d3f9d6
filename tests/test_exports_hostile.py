"""Reading hostile or broken exports: bombs, DTDs, garbage bytes, and properties."""

from __future__ import annotations

import csv
import io
import math
import time
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.chart import BarChart, Reference

from helpers import zip_of
from panelkit.errors import ExportError
from panelkit.input import delimited, workbook
from panelkit.input.exports import read_export
from panelkit.input.raw import RawExport

FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def error(path: Path, **kwargs: object) -> str:
    with pytest.raises(ExportError) as info:
        read_export(path, **kwargs)  # type: ignore[arg-type]
    message = str(info.value)
    assert "\n" not in message
    return message


def small_workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Dataset"
    sheet.append(["a", "b"])
    sheet.append([1, 2])
    book.save(path)
    return path


def rewrite(source: Path, target: Path, changes: dict[str, bytes]) -> Path:
    """A copy of the workbook ``source`` with some parts replaced or added."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in zin.infolist():
            out.writestr(info.filename, changes.pop(info.filename, zin.read(info.filename)))
        for name, data in changes.items():
            out.writestr(name, data)
    return target


LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>\n"
)


def sheet_with(source: Path, prolog: bytes) -> bytes:
    with zipfile.ZipFile(source) as zf:
        body = zf.read("xl/worksheets/sheet1.xml")
    if body.startswith(b"<?xml"):
        body = body[body.index(b"?>") + 2 :]
    return prolog + body.replace(b"<v>1</v>", b"<v>&lol9;</v>")


# --------------------------------------------------------------------------- XLSX safety


def test_billion_laughs_refused(tmp_path: Path) -> None:
    source = small_workbook(tmp_path / "ok.xlsx")
    path = rewrite(
        source,
        tmp_path / "laughs.xlsx",
        {"xl/worksheets/sheet1.xml": sheet_with(source, LAUGHS)},
    )
    assert error(path) == (
        f"{path}: the part xl/worksheets/sheet1.xml declares a DTD (<!DOCTYPE …>), which Excel "
        "never writes and which can hide an entity-expansion attack; open and save the workbook "
        "again in Excel, or export CSV"
    )


def test_billion_laughs_refused_by_the_parser_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without panelkit's own check, defusedxml (used by openpyxl) still refuses it.
    monkeypatch.setattr(workbook, "_declares_dtd", lambda head: False)
    source = small_workbook(tmp_path / "ok.xlsx")
    for part in ("xl/worksheets/sheet1.xml", "xl/workbook.xml"):
        path = tmp_path / "laughs.xlsx"
        with zipfile.ZipFile(source) as zf:
            body = zf.read(part)
        body = body[body.index(b"?>") + 2 :] if body.startswith(b"<?xml") else body
        rewrite(source, path, {part: LAUGHS + body})
        started = time.monotonic()
        assert "is not a readable Excel workbook" in error(path)
        assert time.monotonic() - started < 5


def test_dtd_hidden_behind_a_long_comment_refused(tmp_path: Path) -> None:
    source = small_workbook(tmp_path / "ok.xlsx")
    prolog = b"<?xml version='1.0'?><!--" + b"x" * 70_000 + b"-->" + LAUGHS[21:]
    path = rewrite(
        source, tmp_path / "c.xlsx", {"xl/worksheets/sheet1.xml": sheet_with(source, prolog)}
    )
    assert "declares a DTD" in error(path)


def test_dtd_after_a_comment_refused(tmp_path: Path) -> None:
    source = small_workbook(tmp_path / "ok.xlsx")
    prolog = b"<?xml version='1.0'?>\n<!-- made by hand -->\n" + LAUGHS[22:]
    assert prolog.count(b"<!DOCTYPE") == 1
    path = rewrite(source, tmp_path / "c.xlsx", {"xl/workbook.xml": prolog + b"<workbook/>"})
    assert "the part xl/workbook.xml declares a DTD" in error(path)


def test_dtd_in_utf16_part_refused(tmp_path: Path) -> None:
    source = small_workbook(tmp_path / "ok.xlsx")
    part = (
        sheet_with(source, LAUGHS).decode("utf-8").replace('"1.0"?>', '"1.0" encoding="utf-16"?>')
    )
    path = rewrite(source, tmp_path / "u.xlsx", {"xl/worksheets/sheet1.xml": part.encode("utf-16")})
    assert "declares a DTD" in error(path)


def test_unpacked_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workbook, "MAX_XLSX_UNPACKED_BYTES", 3 << 20)
    source = small_workbook(tmp_path / "ok.xlsx")
    path = rewrite(source, tmp_path / "big.xlsx", {"xl/media/padding.bin": bytes(4 << 20)})
    assert error(path) == (
        f"{path} unpacks to 4 MB, more than the limit of 3 MB for a workbook; export the data as "
        "CSV instead"
    )


def test_compression_ratio_bomb(tmp_path: Path) -> None:
    source = small_workbook(tmp_path / "ok.xlsx")
    zeros = bytes(workbook.XLSX_RATIO_CHECK_BYTES + 1)
    path = rewrite(source, tmp_path / "bomb.xlsx", {"xl/worksheets/sheet2.xml": zeros})
    message = error(path)
    assert message.startswith(f"{path}: the part xl/worksheets/sheet2.xml unpacks to ")
    assert message.endswith(
        "times its packed size, more than the limit of 100 (a zip bomb?); export the data as CSV "
        "instead"
    )


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "svar.xlsx"
    path.write_text("a;b\n1;2\n")
    assert error(path) == (
        f"{path} is not an Excel workbook (.xlsx is a zip file); it looks like text; if it is a "
        "CSV export, give it the extension .csv"
    )
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    assert error(path) == (
        f"{path} is not an Excel workbook (.xlsx is a zip file); this is an old .xls file or a "
        "password-protected workbook; remove any password and save it as .xlsx, or export CSV"
    )
    path.write_bytes(bytes(range(256)))
    assert error(path) == (
        f"{path} is not an Excel workbook (.xlsx is a zip file); save the export as .xlsx or .csv"
    )


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "svar.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("svar.csv", "a;b\n1;2\n")
    assert error(path) == (
        f"{path} is a zip file but not an Excel workbook (it has no [Content_Types].xml and xl/ "
        "parts); save the export as .xlsx from Excel or the survey platform"
    )


def test_broken_workbook_parts(tmp_path: Path) -> None:
    source = small_workbook(tmp_path / "ok.xlsx")
    for part, data in [
        ("xl/workbook.xml", b"<not-closed"),
        ("xl/worksheets/sheet1.xml", b"\x00\x01garbage"),
        ("xl/_rels/workbook.xml.rels", b"<Relationships/>"),
    ]:
        path = rewrite(source, tmp_path / "broken.xlsx", {part: data})
        assert "is not a readable Excel workbook (" in error(path)


def test_truncated_workbook(tmp_path: Path) -> None:
    data = small_workbook(tmp_path / "ok.xlsx").read_bytes()
    path = tmp_path / "cut.xlsx"
    for cut in (len(data) // 3, len(data) - 30):
        path.write_bytes(data[:cut])
        error(path)


def test_chart_sheet_refused(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append([1])
    chart = BarChart()
    chart.add_data(Reference(book.active, min_col=1, min_row=1, max_row=1))
    book.create_chartsheet("Diagram").add_chart(chart)
    path = tmp_path / "chart.xlsx"
    book.save(path)
    assert error(path, sheet="Diagram") == (
        f'{path}: sheet "Diagram" is a chart sheet, not a table; set source.sheet to the sheet '
        "with the responses"
    )


def test_names_from_the_file_stay_on_one_line(tmp_path: Path) -> None:
    path = tmp_path / "svar\nny.csv"
    path.write_text('"q\n1";"q\n1"\n1;2\n')
    assert error(path) == (
        f'{str(path).replace(chr(10), "?")} has duplicated column names: "q 1" (columns 1 and 2); '
        "give every column its own name"
    )


# --------------------------------------------------------------------------- SAV, Parquet


def test_sav_garbage(tmp_path: Path) -> None:
    path = tmp_path / "svar.sav"
    path.write_bytes(b"a;b\n1;2\n")
    assert error(path) == (
        f"{path} is not an SPSS .sav file (it does not start with $FL2); save the data from SPSS "
        "as .sav, or export CSV"
    )
    path.write_bytes(b"$FL2" + bytes(range(256)) * 2)
    assert error(path).startswith(f"{path} is not a readable SPSS .sav file (")


def test_parquet_garbage(tmp_path: Path) -> None:
    path = tmp_path / "svar.parquet"
    path.write_bytes(b"a;b\n1;2\n")
    assert error(path) == (
        f"{path} is not a Parquet file (it does not start and end with PAR1); write it again with "
        "pandas or pyarrow, or export CSV"
    )
    path.write_bytes(b"PAR1" + bytes(range(256)) + b"PAR1")
    message = error(path)
    assert message.startswith(f"{path} is not a readable Parquet file (")
    assert message.endswith("); write it again, or export CSV")


def test_parquet_duplicated_names(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "svar.parquet"
    pq.write_table(pa.table([[1], [2]], names=["a", "a"]), path)
    assert "duplicated column names" in error(path)


# --------------------------------------------------------------------------- properties

EXTENSIONS = [".csv", ".txt", ".xlsx", ".sav", ".parquet"]


def read_or_refuse(path: Path) -> RawExport | None:
    try:
        raw = read_export(path)
    except ExportError as exc:
        assert "\n" not in str(exc)
        assert str(path) in str(exc)
        return None
    assert len(raw.lines) == raw.rows > 0
    assert all(isinstance(c, str) for c in raw.frame.columns)
    return raw


MAGIC = st.sampled_from([b"", b"PK\x03\x04", b"$FL2", b"PAR1", b"\xff\xfe", b"\xef\xbb\xbf"])
ZIPS = st.dictionaries(
    st.sampled_from(
        ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/worksheets/sheet1.xml"]
    ),
    st.binary(max_size=200),
).map(zip_of)


@FUZZ
@given(data=st.one_of(st.binary(max_size=3000), st.tuples(MAGIC, st.binary()).map(b"".join), ZIPS))
@pytest.mark.parametrize("extension", EXTENSIONS)
def test_any_bytes_give_an_export_or_an_export_error(
    tmp_path: Path, extension: str, data: bytes
) -> None:
    path = tmp_path / f"svar{extension}"
    path.write_bytes(data + (b"PAR1" if extension == ".parquet" and data[:4] == b"PAR1" else b""))
    read_or_refuse(path)


def pandas_record_lines(text: str, sep: str) -> list[int] | None:
    """Where each record starts, by a character-level model of pandas' C tokenizer
    (None: a quote is never closed). An oracle independent of the reader's own code."""
    starts: list[int] = []
    state, line, i, n = "record", 1, 0, len(text)
    while i < n:
        c = text[i]
        if state == "record":
            if c == "\n":
                line, i = line + 1, i + 1
                continue
            j = i
            while j < n and text[j] in " \t" and text[j] != sep:
                j += 1
            if j > i and (j == n or text[j] == "\n"):  # white space only: skipped
                i = j
                continue
            starts.append(line)
            state = "field"
        elif state == "field":
            state = "quoted" if c == '"' else "unquoted"
            i += c == '"'
        elif state == "unquoted":
            if c == "\n":
                line, state = line + 1, "record"
            elif c == sep:
                state = "field"
            i += 1
        elif state == "quoted":
            if c == '"':
                state = "quote"
            line += c == "\n"
            i += 1
        else:  # a quote inside a quoted value: "" or the end of the quotes
            if c == '"':
                state, i = "quoted", i + 1
            else:
                state = "unquoted"
    return None if state == "quoted" else starts


@FUZZ
@given(text=st.text(alphabet=list('ab1 \t;,"\n\rø'), max_size=80))
def test_any_text_gives_an_export_or_an_export_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "svar.csv"
    path.write_text(text, encoding="utf-8", newline="")
    raw = read_or_refuse(path)
    if raw is None:
        return
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    # the header is the first line with more than white space (even a tab-only line)
    lines = normalised.split("\n")
    above = next(i for i, line in enumerate(lines) if line.strip(" \t"))
    below = "\n".join(lines[above:])
    expected = pandas_record_lines(below, raw.delimiter or delimited.absent_char(normalised))
    assert expected is not None
    # trailing empty rows are dropped
    assert raw.lines.tolist() == [above + n for n in expected[1:][: raw.rows]]


NAMES = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,5}", fullmatch=True)
VALUES = st.text(alphabet=list("ab Zæøå1,;\t\"\n'.-"), max_size=6)


@FUZZ
@given(
    shape=st.tuples(st.integers(1, 4), st.integers(1, 5)),
    data=st.data(),
    delimiter=st.sampled_from([";", ",", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
)
def test_written_csv_reads_back_equal(
    tmp_path: Path,
    shape: tuple[int, int],
    data: st.DataObject,
    delimiter: str,
    encoding: str,
    newline: str,
    quoting: int,
) -> None:
    n_cols, n_rows = shape
    names = data.draw(st.lists(NAMES, min_size=n_cols, max_size=n_cols, unique=True))
    rows = data.draw(
        st.lists(
            st.lists(VALUES, min_size=n_cols, max_size=n_cols), min_size=n_rows, max_size=n_rows
        )
    )
    blank_before = data.draw(st.lists(st.booleans(), min_size=n_rows, max_size=n_rows))
    if n_cols == 1 and quoting == csv.QUOTE_MINIMAL:
        # an unquoted blank value alone on a line is a blank line, not a row
        rows = [[v if v.strip() else "" for v in row] for row in rows]

    def record(values: list[str]) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=delimiter, quoting=quoting, lineterminator=newline).writerow(
            values
        )
        return buffer.getvalue()

    text = record(names)
    lines = []
    for row, blank in zip(rows, blank_before, strict=True):
        text += newline if blank else ""
        lines.append(text.count("\n") + 1)
        text += record(row)
    path = tmp_path / "svar.csv"
    path.write_bytes(text.encode(encoding))

    expected = [[v.strip() or None for v in row] for row in rows]
    while expected and all(v is None for v in expected[-1]):  # trailing empty rows are dropped
        expected.pop()
        lines.pop()
    if not expected:
        with pytest.raises(ExportError, match="has a header but no respondent rows"):
            read_export(path)
        return
    raw = read_export(path)
    got = {
        c: [None if isinstance(v, float) and math.isnan(v) else v for v in raw.frame[c]]
        for c in raw.frame.columns
    }
    assert got == {name: [row[j] for row in expected] for j, name in enumerate(names)}
    assert raw.lines.tolist() == lines
    assert raw.delimiter == (delimiter if n_cols > 1 else None)
    if encoding != "cp1252":
        assert raw.encoding == encoding


def test_csv_values_never_converted(tmp_path: Path) -> None:
    path = tmp_path / "svar.csv"
    pd.DataFrame({"a": ["007", "1e3", "1,5", "TRUE"]}).to_csv(path, index=False, sep=";")
    assert read_export(path).frame["a"].tolist() == ["007", "1e3", "1,5", "TRUE"]
