"""Reading raw survey exports (formats §1): formats, encodings and quirks."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest

from panelkit.errors import ExportError
from panelkit.input.delimited import (
    decode_text,
    read_delimited_text,
    sniff_delimiter,
    sniff_encoding,
)
from panelkit.input.exports import read_export
from panelkit.input.raw import ExportFormat, RawExport


def write(tmp_path: Path, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
    return path


def cells(raw: RawExport) -> dict[str, list[object]]:
    """Columns as lists, missing as None (CSV missing is NaN in a str column)."""
    return {
        str(c): [None if isinstance(v, float) and math.isnan(v) else v for v in raw.frame[c]]
        for c in raw.frame.columns
    }


def error(path: Path, **kwargs: object) -> str:
    with pytest.raises(ExportError) as info:
        read_export(path, **kwargs)  # type: ignore[arg-type]
    message = str(info.value)
    assert "\n" not in message
    return message


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    sheet.cell(row=r, column=c, value=value)
    book.save(path)
    return path


# --------------------------------------------------------------------------- CSV encodings


def test_utf8_semicolon(tmp_path: Path) -> None:
    path = write(tmp_path, "svar.csv", "respondent;s_1;s_2\n1;1;34\n2;2;51\n")
    raw = read_export(path)
    assert raw.format is ExportFormat.CSV
    assert (raw.encoding, raw.delimiter, raw.unit, raw.rows) == ("utf-8", ";", "line", 2)
    assert raw.path == path
    assert cells(raw) == {"respondent": ["1", "2"], "s_1": ["1", "2"], "s_2": ["34", "51"]}
    assert raw.lines.tolist() == [2, 3]
    assert raw.lines.dtype == np.int64


def test_utf8_with_bom(tmp_path: Path) -> None:
    path = write(tmp_path, "svar.csv", b"\xef\xbb\xbfk\xc3\xb8n;alder\nKvinde;40\n")
    raw = read_export(path)
    assert raw.encoding == "utf-8-sig"
    assert list(raw.frame.columns) == ["køn", "alder"]  # no BOM left in the first name


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom(tmp_path: Path, encoding: str) -> None:
    bom = b"\xff\xfe" if encoding == "utf-16-le" else b"\xfe\xff"
    text = "køn\tby\r\nKvinde\tÅrhus\r\nMand\tKøge\r\n"
    raw = read_export(write(tmp_path, "svar.txt", bom + text.encode(encoding)))
    assert (raw.encoding, raw.delimiter) == ("utf-16", "\t")
    assert cells(raw) == {"køn": ["Kvinde", "Mand"], "by": ["Århus", "Køge"]}
    assert raw.lines.tolist() == [2, 3]


def test_cp1252_danish_letters(tmp_path: Path) -> None:
    path = write(tmp_path, "svar.csv", "spørgsmål;svar\nælling;blåbær\n", encoding="cp1252")
    raw = read_export(path)
    assert raw.encoding == "cp1252"
    assert cells(raw) == {"spørgsmål": ["ælling"], "svar": ["blåbær"]}


def test_latin1_where_cp1252_cannot_decode(tmp_path: Path) -> None:
    raw = read_export(write(tmp_path, "svar.csv", b"a;b\n\x81;\xe6\n"))
    assert raw.encoding == "latin-1"
    assert cells(raw) == {"a": ["\x81"], "b": ["æ"]}


def test_decode_helpers() -> None:
    assert decode_text("ø".encode()) == ("ø", "utf-8")
    assert decode_text("ø".encode("utf-16")) == ("ø", "utf-16")
    assert sniff_encoding(b"\xef\xbb\xbfa") == "utf-8-sig"
    assert sniff_encoding("ø".encode("cp1252")) == "cp1252"
    assert sniff_encoding(b"") == "utf-8"


# --------------------------------------------------------------------------- CSV layout


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_delimiters(tmp_path: Path, delimiter: str) -> None:
    text = delimiter.join(["id", "q_1", "q_2"]) + "\n" + delimiter.join(["7", "Enig", "1,5"]) + "\n"
    if delimiter == ",":
        text = text.replace("1,5", '"1,5"')
    raw = read_export(write(tmp_path, "svar.csv", text))
    assert raw.delimiter == delimiter
    assert cells(raw) == {"id": ["7"], "q_1": ["Enig"], "q_2": ["1,5"]}  # not converted


def test_delimiter_settled_by_rows_when_header_names_hold_commas(tmp_path: Path) -> None:
    path = write(tmp_path, "svar.csv", "Alder, i år;Køn, selvvalgt;x\n34;Kvinde;1\n")
    raw = read_export(path)
    assert raw.delimiter == ";"
    assert list(raw.frame.columns) == ["Alder, i år", "Køn, selvvalgt", "x"]


def test_sniff_delimiter_helper() -> None:
    assert sniff_delimiter("a,b\n1,2\n") == ","
    assert sniff_delimiter("\n\n1\t2\t3\n4\t5\t6\n") == "\t"  # no header needed
    assert sniff_delimiter("navn\nAnne\n") is None
    assert sniff_delimiter(" \n") is None
    with pytest.raises(ValueError):
        sniff_delimiter("a;b,c\n1;2,3\n")


def test_one_column_file(tmp_path: Path) -> None:
    raw = read_export(write(tmp_path, "svar.csv", "kommentar\nJa, tak\nNej; aldrig\n"))
    assert raw.delimiter is None
    assert cells(raw) == {"kommentar": ["Ja, tak", "Nej; aldrig"]}


def test_crlf(tmp_path: Path) -> None:
    raw = read_export(write(tmp_path, "svar.csv", "a;b\r\n1;2\r\n3;4\r\n"))
    assert cells(raw) == {"a": ["1", "3"], "b": ["2", "4"]}
    assert raw.lines.tolist() == [2, 3]


def test_trailing_empty_column_dropped(tmp_path: Path) -> None:
    raw = read_export(write(tmp_path, "svar.csv", "a;b;\n1;2;\n3;4;\n"))
    assert list(raw.frame.columns) == ["a", "b"]


def test_blank_and_empty_trailing_lines_ignored(tmp_path: Path) -> None:
    raw = read_export(write(tmp_path, "svar.csv", "a;b\n1;2\n3;4\n;\n\n  \n\n"))
    assert cells(raw) == {"a": ["1", "3"], "b": ["2", "4"]}
    assert raw.lines.tolist() == [2, 3]


def test_blank_line_in_the_middle_keeps_physical_lines(tmp_path: Path) -> None:
    raw = read_export(write(tmp_path, "svar.csv", "a;b\n1;2\n\n   \n3;4\n5;6\n"))
    assert cells(raw)["a"] == ["1", "3", "5"]
    assert raw.lines.tolist() == [2, 5, 6]


def test_quoted_newline_keeps_physical_lines(tmp_path: Path) -> None:
    text = 'id;kommentar\r\n1;"første linje\r\nanden; linje\r\n\r\ntredje"\r\n2;kort\r\n3;"""citat"""\r\n'
    raw = read_export(write(tmp_path, "svar.csv", text))
    assert cells(raw) == {
        "id": ["1", "2", "3"],
        "kommentar": ["første linje\nanden; linje\n\ntredje", "kort", '"citat"'],
    }
    assert raw.lines.tolist() == [2, 6, 7]


def test_stray_quotes_inside_values_keep_physical_lines(tmp_path: Path) -> None:
    # a quote inside an unquoted value is text (as in pandas), so counting
    # quotes alone would misplace the rows below; the tokenizer's view is used
    text = 'a;b\n5" skærm;x\n\n"flere\nlinjer";2\n7;"8"\n'
    raw = read_export(write(tmp_path, "svar.csv", text))
    assert cells(raw) == {"a": ['5" skærm', "flere\nlinjer", "7"], "b": ["x", "2", "8"]}
    assert raw.lines.tolist() == [2, 4, 6]


def test_quoted_delimiters_and_quotes(tmp_path: Path) -> None:
    raw = read_export(write(tmp_path, "svar.csv", 'a,b\n"x, y","say ""hi"""\n'))
    assert cells(raw) == {"a": ["x, y"], "b": ['say "hi"']}


def test_cells_are_stripped_text_and_empty_is_missing(tmp_path: Path) -> None:
    text = "a;b;c;d\n  Enig  ; ;NA;None\n1,5;null;;0\n"
    raw = read_export(write(tmp_path, "svar.csv", text))
    # "NA", "None", "null" are answers (a Norwegian "NA" is data), not missing
    assert cells(raw) == {
        "a": ["Enig", "1,5"],
        "b": [None, "null"],
        "c": ["NA", None],
        "d": ["None", "0"],
    }


def test_short_rows_are_missing_cells(tmp_path: Path) -> None:
    raw = read_export(write(tmp_path, "svar.csv", "a;b;c\n1;2\n3\n4;5;6\n"))
    assert cells(raw) == {"a": ["1", "3", "4"], "b": ["2", None, "5"], "c": [None, None, "6"]}


def test_header_names_stripped(tmp_path: Path) -> None:
    raw = read_export(write(tmp_path, "svar.csv", ' a ; "b" \n1;2\n'))
    assert list(raw.frame.columns) == ["a", '"b"']  # a quote after a space is text, as in pandas


def test_txt_and_upper_case_extension(tmp_path: Path) -> None:
    assert read_export(write(tmp_path, "svar.TXT", "a\tb\n1\t2\n")).rows == 1
    assert read_export(write(tmp_path, "svar.CSV", "a;b\n1;2\n")).rows == 1


def test_path_given_as_string(tmp_path: Path) -> None:
    path = write(tmp_path, "svar.csv", "a;b\n1;2\n")
    raw = read_export(str(path))
    assert raw.path == path


def test_skip_rows_qualtrics(tmp_path: Path) -> None:
    text = (
        "ResponseId,Q1,Q2\n"
        'Response ID,"Hvor enig er du?\nVælg én",Alder\n'  # question texts (one spans 2 lines)
        '"{""ImportId"":""_recordId""}","{""ImportId"":""QID1""}","{""ImportId"":""QID2""}"\n'
        "R_1,Enig,34\n"
        "R_2,Uenig,51\n"
    )
    skip = [2, 3]
    raw = read_export(write(tmp_path, "qualtrics.csv", text), skip_rows=skip)
    assert cells(raw) == {"ResponseId": ["R_1", "R_2"], "Q1": ["Enig", "Uenig"], "Q2": ["34", "51"]}
    assert raw.lines.tolist() == [5, 6]  # physical lines: the question text took two
    assert skip == [2, 3]


def test_skip_rows_are_lines_when_no_value_spans_lines(tmp_path: Path) -> None:
    raw = read_export(write(tmp_path, "svar.csv", "a\n1\n\n3\n4\n"), skip_rows=(4,))
    assert raw.lines.tolist() == [2, 5]


def test_header_row_in_csv(tmp_path: Path) -> None:
    text = "Eksport fra SurveyXact\nDato: 2022-05-01\na;b\n1;2\n"
    raw = read_export(write(tmp_path, "svar.csv", text), header_row=3)
    assert cells(raw) == {"a": ["1"], "b": ["2"]}
    assert raw.lines.tolist() == [4]


def test_leading_blank_lines_before_header(tmp_path: Path) -> None:
    raw = read_export(write(tmp_path, "svar.csv", "\n\na;b\n1;2\n"))
    assert list(raw.frame.columns) == ["a", "b"]
    assert raw.lines.tolist() == [4]


def test_large_single_field(tmp_path: Path) -> None:
    big = "x" * 10_000_000
    raw = read_export(write(tmp_path, "svar.csv", f'a;b\n1;"{big}"\n2;{big}\n'))
    assert raw.rows == 2
    assert len(raw.frame["b"].iloc[0]) == 10_000_000


# --------------------------------------------------------------------------- CSV errors


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "ingen.csv"
    assert error(path) == f"{path} does not exist; check the path and the file name"


def test_folder(tmp_path: Path) -> None:
    path = tmp_path / "mappe.csv"
    path.mkdir()
    assert error(path) == f"{path} is a folder, not a file; give the path of the survey export"


def test_unknown_extension(tmp_path: Path) -> None:
    path = write(tmp_path, "svar.json", "{}")
    assert error(path) == (
        f"{path} has the extension .json, which panelkit cannot read; save the export as "
        ".csv, .txt, .xlsx, .sav or .parquet"
    )
    path = write(tmp_path, "svar", "a\n1\n")
    assert error(path).startswith(f"{path} has no file extension, which panelkit cannot read")


@pytest.mark.parametrize("content", [b"", b"\n\n  \r\n", b"\xef\xbb\xbf"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = write(tmp_path, "svar.csv", content)
    assert error(path) == (
        f"{path} is empty; expected a header row with the column names followed by one row per "
        "respondent"
    )


def test_header_but_no_rows(tmp_path: Path) -> None:
    path = write(tmp_path, "svar.csv", "a;b;c\n\n;;\n")
    assert error(path) == (
        f"{path} has a header but no respondent rows; expected one row per respondent below "
        "the header"
    )


def test_skip_rows_leaving_no_rows(tmp_path: Path) -> None:
    path = write(tmp_path, "svar.csv", "a;b\n1;2\n3;4\n")
    assert error(path, skip_rows=[2, 3]) == (
        f"{path} has a header but no respondent rows once skip_rows leaves out rows 2, 3; "
        "check skip_rows"
    )


def test_bad_skip_rows_and_header_row(tmp_path: Path) -> None:
    path = write(tmp_path, "svar.csv", "a;b\n1;2\n")
    assert error(path, skip_rows=[1]) == (
        f"{path}: skip_rows lists row 1, which is not after the header row (1); list only rows "
        "below the header"
    )
    assert error(path, skip_rows="2") == f"{path}: skip_rows must be a list of row numbers; got '2'"
    assert error(path, header_row=0) == f"{path}: header_row must be 1 or more; got 0"
    assert error(path, header_row=True) == f"{path}: header_row must be a whole number; got True"
    assert error(path, header_row=9) == (
        f"{path} ends before row 9, so there is no header there; check header_row"
    )


def test_more_fields_than_header(tmp_path: Path) -> None:
    path = write(tmp_path, "svar.csv", 'a;b\n"x\ny";2\n\n3;4;5\n')
    assert error(path) == (
        f"{path}, line 5 has 3 fields but the header has 2 columns; a value probably holds an "
        "unquoted semicolon: put quotes around it or remove the extra semicolons"
    )


def test_unclosed_quote(tmp_path: Path) -> None:
    path = write(tmp_path, "svar.csv", 'a;b\n1;2\n3;"fire\n5;6\n')
    assert error(path) == (
        f'{path}, line 3: a quote (") opens a value that is never closed, so the rest of the '
        "file would be one value; close or remove that quote"
    )


def test_duplicated_column_names(tmp_path: Path) -> None:
    path = write(tmp_path, "svar.csv", "id;q1;q2;q1;q2;q2\n1;2;3;4;5;6\n")
    assert error(path) == (
        f'{path} has duplicated column names: "q1" (columns 2 and 4), "q2" (columns 3, 5 and '
        "6); give every column its own name"
    )


def test_unnamed_column_with_values(tmp_path: Path) -> None:
    path = write(tmp_path, "svar.csv", ";a;b\n0;1;2\n1;3;4\n")  # pandas' to_csv with its index
    assert error(path) == (
        f"{path}: column 1 has values but no name (in the header, line 1); give it a name in "
        "the header or delete the column"
    )


def test_header_without_names(tmp_path: Path) -> None:
    path = write(tmp_path, "svar.csv", ";;\n;;\n")
    assert error(path) == (
        f"{path} has no column names (in the header, line 1); the header must hold the column "
        "names (set header_row if they are further down)"
    )


def test_ambiguous_delimiter(tmp_path: Path) -> None:
    path = write(tmp_path, "svar.csv", "a;b,c\n1;2,3\n")
    assert error(path) == (
        f"{path}: cannot tell whether the columns are separated by semicolons or commas (the "
        "header and the rows below it fit both); export it again with one delimiter"
    )


def test_nul_bytes(tmp_path: Path) -> None:
    path = write(tmp_path, "svar.csv", b"a;b\n1;\x002\n")
    assert error(path) == (
        f"{path} does not look like a text export: it contains NUL bytes; save the responses "
        "from the survey platform as CSV (UTF-8) or .xlsx"
    )


def test_workbook_saved_as_csv(tmp_path: Path) -> None:
    source = workbook(tmp_path / "svar.xlsx", {"Ark1": [["a"], [1]]})
    path = write(tmp_path, "svar.csv", source.read_bytes())
    assert error(path) == (
        f"{path} does not look like a text export: it is a zip file, probably an Excel workbook; "
        "give it the extension .xlsx"
    )


def test_broken_utf16(tmp_path: Path) -> None:
    path = write(tmp_path, "svar.csv", b"\xff\xfea\x00;\x00\x00\xd8")  # lone surrogate
    assert error(path) == (
        f"{path} starts with a UTF-16 byte-order mark but is not valid UTF-16; export it again, "
        "preferably as UTF-8"
    )


def test_messages_never_quote_cell_values(tmp_path: Path) -> None:
    path = write(tmp_path, "svar.csv", "a;b\nCPR 010203-1234;2;3\n")
    assert "CPR" not in error(path)


# --------------------------------------------------------------------------- companion files


def test_read_delimited_text_without_header(tmp_path: Path) -> None:
    path = write(
        tmp_path, "labels.csv", 's_1;1;Mand\r\n\r\ns_1;2;"Kvinde\r\n(selvvalgt)"\r\ns_2;3;Ø\r\n'
    )
    text = read_delimited_text(path)
    assert (text.encoding, text.delimiter, text.path) == ("utf-8", ";", path)
    assert text.records == (
        ("s_1", "1", "Mand"),
        ("s_1", "2", "Kvinde\n(selvvalgt)"),
        ("s_2", "3", "Ø"),
    )
    assert text.lines == (1, 3, 5)


def test_read_delimited_text_errors(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="is empty"):
        read_delimited_text(write(tmp_path, "s.csv", "\n"))
    with pytest.raises(ExportError, match="does not exist"):
        read_delimited_text(tmp_path / "none.csv")
    with pytest.raises(ExportError, match=r"line 2: cannot be split into values"):
        read_delimited_text(write(tmp_path, "big.csv", "a;b\n1;" + "x" * 200_000 + "\n"))


# --------------------------------------------------------------------------- XLSX


def test_xlsx_first_sheet_keeps_cell_values(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "svar.xlsx",
        {
            "Svar": [
                ["id", " s_1 ", "alder", "kommentar", 2022],
                [1, "Mand", 34, "  god idé  ", 1.5],
                [2, 2, 51.5, "", None],
            ],
            "Andet": [["x"], [1]],
        },
    )
    raw = read_export(path)
    assert (raw.format, raw.unit, raw.encoding, raw.delimiter) == (
        ExportFormat.XLSX,
        "row",
        None,
        None,
    )
    assert cells(raw) == {
        "id": [1, 2],
        "s_1": ["Mand", 2],
        "alder": [34, 51.5],
        "kommentar": ["god idé", None],
        "2022": [1.5, None],
    }
    assert isinstance(raw.frame["id"].iloc[0], int)
    assert raw.lines.tolist() == [2, 3]


def test_xlsx_named_sheet(tmp_path: Path) -> None:
    path = workbook(tmp_path / "svar.xlsx", {"Forside": [["x"], [0]], "Data": [["a"], [7]]})
    assert cells(read_export(path, sheet="Data")) == {"a": [7]}
    assert cells(read_export(path, sheet=" data ")) == {"a": [7]}  # case and blanks forgiven


def test_xlsx_header_row_and_skip_rows(tmp_path: Path) -> None:
    rows: list[list[object]] = [["Rapport"], [None], ["a", "b"], ["tekst", "tekst"], [1, 2], [3, 4]]
    raw = read_export(workbook(tmp_path / "svar.xlsx", {"S": rows}), header_row=3, skip_rows=[4])
    assert cells(raw) == {"a": [1, 3], "b": [2, 4]}
    assert raw.lines.tolist() == [5, 6]


def test_xlsx_surveyxact_reads_dataset(tmp_path: Path) -> None:
    sheets: dict[str, list[list[object]]] = {
        "Structure": [["variable", "text"], ["s_1", "Køn"]],
        "Dataset": [["respondent", "s_1"], [1, "Kvinde"]],
        "Labels": [["variable", "value", "label"], ["s_1", 1, "Mand"]],
    }
    raw = read_export(workbook(tmp_path / "sx.xlsx", sheets))
    assert cells(raw) == {"respondent": [1], "s_1": ["Kvinde"]}


def test_xlsx_gaps_and_trailing_empty_rows_and_columns(tmp_path: Path) -> None:
    rows: list[list[object]] = [["a", "b", None], [1, None, None], [None], [3, 4, None], [None]]
    path = workbook(tmp_path / "svar.xlsx", {"S": rows})
    book = openpyxl.load_workbook(path)
    book["S"]["D9"] = ""  # a formatted but empty cell far below
    book["S"]["C9"] = "   "
    book.save(path)
    raw = read_export(path)
    assert cells(raw) == {"a": [1, None, 3], "b": [None, None, 4]}
    assert raw.lines.tolist() == [2, 3, 4]  # the empty row 3 is a row a person sees


def test_xlsx_errors(tmp_path: Path) -> None:
    path = workbook(tmp_path / "svar.xlsx", {"Dataset": [["a", "a"], [1, 2]], "Tom": []})
    assert error(path, sheet="Data") == (
        f'{path} has no sheet named "Data"; its sheets are "Dataset", "Tom"; set source.sheet '
        "to one of them"
    )
    assert error(path) == (
        f'{path} has duplicated column names: "a" (columns A and B); give every column its own name'
    )
    assert error(path, sheet="Tom") == (
        f'{path}: sheet "Tom" is empty; expected a header row with the column names followed by '
        "one row per respondent"
    )
    assert error(path, header_row=5) == (
        f'{path}: sheet "Dataset" has nothing in or below row 5 to use as the header; check '
        "header_row"
    )


def test_xlsx_unnamed_column_with_values(tmp_path: Path) -> None:
    path = workbook(tmp_path / "svar.xlsx", {"S": [["a", "b"], [1, 2, None, "note"]]})
    assert error(path) == (
        f'{path}: column D has values but no name (in the header, row 1 of sheet "S"); give it '
        "a name in the header or delete the column"
    )


def test_xlsx_header_only(tmp_path: Path) -> None:
    path = workbook(tmp_path / "svar.xlsx", {"S": [["a", "b"]]})
    assert "has a header but no respondent rows" in error(path)


# --------------------------------------------------------------------------- SAV, Parquet


def test_sav_value_labels_applied(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "respondent": [1.0, 2.0, 3.0, 4.0],
            "s_1": [1.0, 2.0, np.nan, 3.0],
            "by": ["Køge  ", "", "Århus", "Ishøj"],
        }
    )
    path = tmp_path / "svar.sav"
    pyreadstat.write_sav(frame, str(path), variable_value_labels={"s_1": {1: "Mand", 2: "Kvinde"}})
    raw = read_export(path)
    assert (raw.format, raw.unit) == (ExportFormat.SAV, "row")
    got = cells(raw)
    assert got["s_1"] == ["Mand", "Kvinde", None, 3.0]  # unlabelled 3 stays a number
    assert got["by"] == ["Køge", None, "Århus", "Ishøj"]
    assert got["respondent"] == [1.0, 2.0, 3.0, 4.0]
    assert raw.lines.tolist() == [1, 2, 3, 4]


def test_sav_ignores_header_row_and_skip_rows(tmp_path: Path) -> None:
    path = tmp_path / "svar.sav"
    pyreadstat.write_sav(pd.DataFrame({"a": [1.0, 2.0, 3.0]}), str(path))
    assert read_export(path, sheet="Dataset", header_row=1, skip_rows=[2, 3]).rows == 3


def test_parquet_as_is(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": [1, 2], "b": [" x ", None], "c": [0.5, 1.5]})
    path = tmp_path / "svar.parquet"
    frame.to_parquet(path)
    raw = read_export(path)
    assert (raw.format, raw.unit) == (ExportFormat.PARQUET, "row")
    assert cells(raw) == {"a": [1, 2], "b": [" x ", None], "c": [0.5, 1.5]}
    assert raw.lines.tolist() == [1, 2]


def test_parquet_named_index_becomes_a_column(tmp_path: Path) -> None:
    frame = pd.DataFrame({"respondent": ["r1", "r2"], "a": [1, 2]}).set_index("respondent")
    path = tmp_path / "svar.parquet"
    frame.to_parquet(path)
    assert list(read_export(path).frame.columns) == ["respondent", "a"]


def test_parquet_without_rows(tmp_path: Path) -> None:
    path = tmp_path / "svar.parquet"
    pd.DataFrame({"a": pd.Series([], dtype="int64")}).to_parquet(path)
    assert error(path) == (
        f"{path} has columns but no respondent rows; expected one row per respondent"
    )
