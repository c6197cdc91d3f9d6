"""Read a raw survey export (formats §1) into a :class:`RawExport`.

One row per respondent, columns named as in the file, and for every row the
number a person would look up in the file (CSV line, sheet row, case number),
so that later row errors can cite it. Values are not converted here: CSV cells
stay text (validation parses numbers, including decimal commas).

Every problem with the file itself raises :class:`~panelkit.errors.ExportError`
with a one-line message that names the file, never a respondent's answer.
Whatever bytes a file holds, reading it gives a RawExport or an ExportError.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from panelkit.errors import ExportError

__all__ = [
    "DELIMITERS",
    "MAX_XLSX_COMPRESSION_RATIO",
    "MAX_XLSX_UNPACKED_BYTES",
    "XLSX_RATIO_CHECK_BYTES",
    "DelimitedText",
    "ExportFormat",
    "RawExport",
    "apply_value_labels",
    "decode_text",
    "member_file",
    "read_delimited_text",
    "read_export",
    "read_sheet_rows",
    "sheet_names",
    "sniff_delimiter",
    "sniff_encoding",
]

# A workbook whose parts unpack to more than this is refused before openpyxl
# opens it (a "zip bomb" would otherwise exhaust memory). 1 GiB is far more
# than any panel survey needs; bigger data belongs in a CSV.
MAX_XLSX_UNPACKED_BYTES: Final = 1 << 30
# ... and so is a part bigger than XLSX_RATIO_CHECK_BYTES that unpacks to more
# than this many times its packed size (real sheets compress 5-30 times).
MAX_XLSX_COMPRESSION_RATIO: Final = 100
XLSX_RATIO_CHECK_BYTES: Final = 10 << 20
# An XML part whose prolog (before the root element) is longer than this is
# refused: Excel writes ~60 bytes; a long one can only hide a DTD from the check.
_MAX_XML_PROLOG: Final = 64 << 10

DELIMITERS: Final = (";", ",", "\t")
# SurveyXact's file names for the answers and the answer labels of a CSV export.
SURVEYXACT_DATASET: Final = "dataset.csv"
SURVEYXACT_LABELS: Final = "labels.csv"
_WHOLE_CODE_RE: Final = re.compile(r"-?(?:0|[1-9][0-9]{0,14})")
_DELIMITER_NAMES: Final = {";": "semicolon", ",": "comma", "\t": "tab"}
# Characters of the text after the header used to settle which delimiter it is.
_SNIFF_CHARS: Final = 64 << 10
_SNIFF_LINES: Final = 50

_NL: Final = 10  # b"\n"
_QUOTE: Final = 34  # b'"'
_BOMS_UTF16: Final = (b"\xff\xfe", b"\xfe\xff")
_BOM_UTF8: Final = b"\xef\xbb\xbf"
# A quoted field ("" is an escaped quote); possessive, so no backtracking blow-up.
_QUOTED_RE: Final = re.compile(r'"(?:[^"]|"")*+"')
_PANDAS_RAGGED_RE: Final = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_CONTROL_RE: Final = re.compile(r"[\x00-\x1f\x7f]")


class ExportFormat(StrEnum):
    """The kinds of export panelkit reads (formats §1)."""

    CSV = "csv"
    XLSX = "xlsx"
    SAV = "sav"
    PARQUET = "parquet"


_SUFFIXES: Final = {
    ".csv": ExportFormat.CSV,
    ".txt": ExportFormat.CSV,
    ".xlsx": ExportFormat.XLSX,
    ".sav": ExportFormat.SAV,
    ".parquet": ExportFormat.PARQUET,
}
_SUPPORTED: Final = ".csv, .txt, .xlsx, .sav or .parquet"


@dataclass(frozen=True, eq=False)
class RawExport:
    """An export as read: one row per respondent, nothing converted.

    ``frame`` has the header names (stripped) as columns. ``lines[i]`` is where
    row ``i`` is found by a person: the physical line where its record starts
    in a CSV (the header is line 1), the sheet row in a workbook, the 1-based
    case number in a .sav or .parquet file; ``unit`` says which ("line"/"row").
    ``labels`` is where the value labels came from that turned a SurveyXact
    export's codes into labels (its ``labels.csv`` or workbook), else None.
    """

    path: Path
    format: ExportFormat
    frame: pd.DataFrame
    lines: np.ndarray
    unit: str
    encoding: str | None = None
    delimiter: str | None = None
    labels: Path | None = None

    @property
    def rows(self) -> int:
        return len(self.frame)


@dataclass(frozen=True)
class DelimitedText:
    """A small delimited text file, cell by cell (see :func:`read_delimited_text`)."""

    path: Path
    records: tuple[tuple[str, ...], ...]  # every record with a value, header (if any) included
    lines: tuple[int, ...]  # the physical line where each record starts
    encoding: str
    delimiter: str | None  # None: one value per line


class _Ambiguous(ValueError):
    """Two delimiters fit the text equally well."""

    def __init__(self, candidates: Sequence[str]) -> None:
        super().__init__(" or ".join(repr(c) for c in candidates))
        self.candidates = tuple(candidates)


# ============================================================================ public helpers


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode exported text, returning ``(text, encoding)``.

    UTF-16 with a byte-order mark, UTF-8 with (``utf-8-sig``) or without a BOM,
    else cp1252 (Danish Windows), else latin-1 (which decodes any byte).
    Raises UnicodeDecodeError only for a file with a UTF-16 BOM that is not UTF-16.
    """
    if data.startswith(_BOMS_UTF16):
        return data.decode("utf-16"), "utf-16"
    if data.startswith(_BOM_UTF8):
        try:
            return data.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError:
            data = data[len(_BOM_UTF8) :]  # a BOM and then not UTF-8: judge the rest
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:  # bytes cp1252 leaves undefined (0x81, 0x8d, ...)
        return data.decode("latin-1"), "latin-1"


def sniff_encoding(data: bytes) -> str:
    """The encoding :func:`decode_text` would use for ``data``."""
    try:
        return decode_text(data)[1]
    except UnicodeDecodeError:
        return "utf-16"


def sniff_delimiter(text: str) -> str | None:
    """The delimiter (``;``, ``,`` or tab) of delimited ``text``; None for one column.

    Judged on the first non-blank line, counting outside quotes, and settled by
    the lines after it when several characters occur there; works whether or
    not the first line is a header. Raises ValueError when two delimiters fit
    the text equally well.
    """
    text = _normalise_newlines(text)
    try:
        start, end, _ = _locate_header(text, 1)
    except LookupError:  # nothing but white space
        return None
    return _sniff(text[start:end], text[end + 1 : end + 1 + _SNIFF_CHARS])


def read_delimited_text(path: str | Path) -> DelimitedText:
    """Read a small delimited text file (e.g. SurveyXact's structure/labels CSV).

    Same encoding and delimiter sniffing as :func:`read_export`, but no header
    is assumed: every record with a value is returned, cells stripped, with the
    line it starts on. Raises ExportError when the file cannot be read.
    """
    shown = _printable(str(path))
    p = Path(path)
    data = _read_bytes(p, shown)
    text, encoding = _decode_or_refuse(data, shown)
    if not text or text.isspace():
        raise ExportError(f"{shown} is empty; expected lines of values separated by ; , or tab")
    text = _normalise_newlines(text)
    start, end, _ = _locate_header(text, 1)
    delimiter = _sniff_or_refuse(shown, text, start, end)
    records: list[tuple[str, ...]] = []
    lines: list[int] = []
    reader = csv.reader(
        io.StringIO(text),
        delimiter=delimiter or _absent_char(text),
        quotechar='"',
        doublequote=True,
        strict=False,
    )
    done = 0  # lines consumed so far: the next record starts on line done + 1
    try:
        for record in reader:
            cells = tuple(c.strip() for c in record)
            if any(cells):
                records.append(cells)
                lines.append(done + 1)
            done = reader.line_num
    except csv.Error as exc:
        raise ExportError(
            f"{shown}, line {done + 1}: cannot be split into values ({_clip(str(exc))}); check "
            "the quoting of that line"
        ) from exc
    return DelimitedText(p, tuple(records), tuple(lines), encoding, delimiter)


def apply_value_labels(
    frame: pd.DataFrame, labels: Mapping[str, Sequence[tuple[str, str]]]
) -> pd.DataFrame:
    """A copy of ``frame`` with each column's codes replaced by their labels.

    ``labels`` maps a column name to its ``(code, label)`` pairs (codes as text). A cell
    without a label (an open answer, an unknown code, an empty cell) is kept, and
    so is a column that already holds labels (one that is not also a code): a
    labels export with ``labels.csv`` beside it must not have a label such as
    "2" read as the code 2.
    """
    columns: dict[object, pd.Series] = {}
    for name in frame.columns:
        column = frame[name]
        pairs = labels.get(str(name))
        if pairs and column.isin({lab for _c, lab in pairs} - {c for c, _l in pairs}).any():
            pairs = None
        if pairs:
            keyed: dict[object, str] = dict(pairs)
            for code, label in pairs:
                if _WHOLE_CODE_RE.fullmatch(code):
                    # a workbook holds codes as numbers; 1 and 1.0 both find the key 1
                    keyed.setdefault(int(code), label)
            mapped = column.astype(object).map(keyed)
            column = mapped.where(mapped.notna(), column.astype(object))
        columns[name] = column
    return pd.DataFrame(columns, index=frame.index)


def member_file(folder: Path, name: str) -> Path | None:
    """The file ``name`` in ``folder``, matched ignoring case (Windows users rename freely)."""
    exact = folder / name
    if exact.is_file():
        return exact
    try:
        found = sorted(c for c in folder.iterdir() if c.name.casefold() == name and c.is_file())
    except OSError:
        return None
    return found[0] if found else None


def _openpyxl() -> Any:
    # openpyxl takes ~0.1 s to import; CSV runs should not pay for it.
    import openpyxl

    return openpyxl


# ============================================================================ read_export


def read_export(
    path: str | Path,
    *,
    sheet: str | None = None,
    header_row: int = 1,
    skip_rows: Sequence[int] = (),
) -> RawExport:
    """Read a raw survey export (.csv/.txt, .xlsx, .sav, .parquet; formats §1).

    ``sheet`` picks a workbook's sheet (default: the first, or ``Dataset`` in
    a SurveyXact workbook). ``header_row`` is the row holding the column names,
    and ``skip_rows`` are rows after it to leave out (Qualtrics: ``[2, 3]``),
    both numbered as a spreadsheet shows the file: in a CSV that is the line
    number, except that a quoted value spanning several lines is one row.
    ``sheet``, ``header_row`` and ``skip_rows`` do not apply to .sav/.parquet.

    A SurveyXact export of codes read with its labels arrives as labels, exactly
    as if exported as labels: the ``Dataset`` sheet of a workbook that also has
    ``Structure`` and ``Labels`` sheets, a ``dataset.csv`` with ``labels.csv``
    beside it, or a folder holding them (``path`` may be that folder).
    Raises ExportError for anything wrong with the file.
    """
    shown = _printable(str(path))
    p = Path(path)
    if p.is_dir():
        inside = member_file(p, SURVEYXACT_DATASET)
        if inside is None:
            raise ExportError(
                f"{shown} is a folder, not a file; give the path of the survey export"
            )
        p, shown = inside, _printable(str(inside))
    fmt = _format_of(p, shown)
    header_row, skip = _check_rows(shown, header_row, skip_rows)
    if not p.exists():
        raise ExportError(f"{shown} does not exist; check the path and the file name")
    if p.is_dir():
        raise ExportError(f"{shown} is a folder, not a file; give the path of the survey export")
    if fmt is ExportFormat.CSV:
        return _read_csv(p, shown, header_row, skip)
    if fmt is ExportFormat.XLSX:
        return _read_xlsx(p, shown, sheet, header_row, skip)
    if fmt is ExportFormat.SAV:
        return _read_sav(p, shown)
    return _read_parquet(p, shown)


def _format_of(p: Path, shown: str) -> ExportFormat:
    suffix = p.suffix.lower()
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    what = f"has the extension {_clip(p.suffix)}," if suffix else "has no file extension,"
    raise ExportError(f"{shown} {what} which panelkit cannot read; save the export as {_SUPPORTED}")


def _check_rows(shown: str, header_row: object, skip_rows: object) -> tuple[int, np.ndarray]:
    if isinstance(header_row, bool) or not isinstance(header_row, int | np.integer):
        raise ExportError(
            f"{shown}: header_row must be a whole number; got {_clip(repr(header_row))}"
        )
    if header_row < 1:
        raise ExportError(f"{shown}: header_row must be 1 or more; got {header_row}")
    try:
        if isinstance(skip_rows, str | bytes):
            raise TypeError
        values = list(skip_rows)  # type: ignore[call-overload]
    except TypeError:
        raise ExportError(
            f"{shown}: skip_rows must be a list of row numbers; got {_clip(repr(skip_rows))}"
        ) from None
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | np.integer):
            raise ExportError(
                f"{shown}: skip_rows must hold whole row numbers; got {_clip(repr(v))}"
            )
        if v <= header_row:
            raise ExportError(
                f"{shown}: skip_rows lists row {v}, which is not after the header row "
                f"({header_row}); list only rows below the header"
            )
    return int(header_row), np.asarray(values, dtype=np.int64)


def _read_bytes(p: Path, shown: str) -> bytes:
    try:
        return p.read_bytes()
    except FileNotFoundError as exc:
        raise ExportError(f"{shown} does not exist; check the path and the file name") from exc
    except IsADirectoryError as exc:
        raise ExportError(
            f"{shown} is a folder, not a file; give the path of the survey export"
        ) from exc
    except OSError as exc:
        raise ExportError(
            f"{shown} cannot be read ({exc.strerror or type(exc).__name__}); check that it is a "
            "file you may read"
        ) from exc


# ============================================================================ shared assembly


def _assemble(
    shown: str,
    names: Sequence[str],
    columns: Sequence[pd.Series],
    lines: np.ndarray,
    *,
    row_numbers: np.ndarray | None,
    skip: np.ndarray,
    header_at: str,
    label: Callable[[int], str],
    drop_trailing_empty: bool,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Name the columns and settle which rows are respondents.

    Drops unnamed columns without values, refuses unnamed columns with values
    and duplicated names, drops trailing rows without any value (Excel saves
    ";;;;" lines and formatted empty rows) and the ``skip`` rows.
    """
    keep_cols: list[int] = []
    for j, name in enumerate(names):
        if name:
            keep_cols.append(j)
        elif columns[j].notna().any():
            raise ExportError(
                f"{shown}: column {label(j)} has values but no name ({header_at}); "
                "give it a name in the header or delete the column"
            )
    if not keep_cols:
        raise ExportError(
            f"{shown} has no column names ({header_at}); the header must hold the column names "
            "(set header_row if they are further down)"
        )
    _refuse_duplicates(shown, [names[j] for j in keep_cols], keep_cols, label)
    n = len(lines)
    frame = pd.DataFrame(
        {names[j]: columns[j].reset_index(drop=True) for j in keep_cols},
        index=pd.RangeIndex(n),
    )
    keep = np.ones(n, dtype=bool)
    if drop_trailing_empty and n:
        filled = np.flatnonzero(frame.notna().to_numpy().any(axis=1))
        keep[(filled[-1] + 1 if filled.size else 0) :] = False
    present = int(keep.sum())
    if skip.size and row_numbers is not None:
        keep &= ~np.isin(row_numbers, skip)
    if not keep.any():
        if present:
            raise ExportError(
                f"{shown} has a header but no respondent rows once skip_rows leaves out rows "
                f"{', '.join(str(v) for v in skip)}; check skip_rows"
            )
        raise ExportError(
            f"{shown} has a header but no respondent rows; expected one row per respondent "
            "below the header"
        )
    if not keep.all():
        frame = frame.loc[keep].reset_index(drop=True)
        lines = lines[keep]
    return frame, np.asarray(lines, dtype=np.int64)


def _refuse_duplicates(
    shown: str, names: Sequence[str], positions: Sequence[int], label: Callable[[int], str]
) -> None:
    seen: dict[str, list[int]] = {}
    for name, j in zip(names, positions, strict=True):
        seen.setdefault(name, []).append(j)
    dups = {name: js for name, js in seen.items() if len(js) > 1}
    if not dups:
        return
    parts = []
    for name, js in dups.items():
        where = [label(j) for j in js]
        listed = ", ".join(where[:-1]) + " and " + where[-1]
        parts.append(f'"{_clip(name)}" (columns {listed})')
    raise ExportError(
        f"{shown} has duplicated column names: {', '.join(parts)}; give every column its own name"
    )


def _printable(text: str) -> str:
    """``text`` fit for a one-line message: control characters become "?"."""
    return _CONTROL_RE.sub("?", text)


def _clip(text: str, limit: int = 80) -> str:
    """A name or value from a file, on one line and at most ``limit`` characters."""
    text = _printable(" ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _number_label(j: int) -> str:
    return str(j + 1)


def _letter_label(j: int) -> str:
    letters = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        letters = chr(65 + r) + letters
    return letters


# ============================================================================ CSV / TXT


def _read_csv(p: Path, shown: str, header_row: int, skip: np.ndarray) -> RawExport:
    data = _read_bytes(p, shown)
    text, encoding = _decode_or_refuse(data, shown)
    if not text or text.isspace():
        raise ExportError(
            f"{shown} is empty; expected a header row with the column names followed by one row "
            "per respondent"
        )
    text = _normalise_newlines(text)
    try:
        hstart, hend, hrow = _locate_header(text, header_row)
    except LookupError as exc:
        raise ExportError(
            f"{shown} ends before row {header_row}, so there is no header there; check header_row"
        ) from exc
    delimiter = _sniff_or_refuse(shown, text, hstart, hend)
    hline = text.count("\n", 0, hstart) + 1
    sep = delimiter or _absent_char(text)

    # UTF-8 bytes, not a StringIO: StringIO holds 4 bytes per character, which
    # dominated peak memory on large exports. Rows above the header are skipped.
    body = io.BytesIO(text[hstart:].encode("utf-8"))
    del data
    try:
        table = pd.read_csv(
            body,
            sep=sep,
            encoding="utf-8",
            header=None,
            dtype=str,
            na_filter=False,  # "NA", "None", "null" are answers, not missing
            engine="c",
            quotechar='"',
            doublequote=True,
            skip_blank_lines=True,
            index_col=False,
        )
    except pd.errors.ParserError as exc:
        raise _parser_error(shown, exc, text, hstart, hline, sep) from exc
    except Exception as exc:  # pandas raises assorted errors on odd input
        raise ExportError(
            f"{shown} cannot be read as a delimited text export ({type(exc).__name__}); export "
            "it again as CSV"
        ) from exc

    n_records = len(table)  # the header and every data record
    record_lines, record_rows = _record_positions(shown, text, hstart, hline, hrow, sep, n_records)
    # One object array of the parsed cells (pointers to the same strings, no copy of
    # the text): popping column by column from the frame was quadratic in columns.
    cells_2d = table.to_numpy(dtype=object)
    del table
    names = [str(v).strip() for v in cells_2d[0].tolist()]
    columns = []
    for j in range(cells_2d.shape[1]):
        cells = pd.Series(cells_2d[1:, j], dtype=object).str.strip()
        columns.append(cells.where(cells != ""))  # an empty cell is missing
    del cells_2d
    frame, lines = _assemble(
        shown,
        names,
        columns,
        record_lines,
        row_numbers=record_rows,
        skip=skip,
        header_at=f"in the header, line {hline}",
        label=_number_label,
        drop_trailing_empty=True,
    )
    labels = (
        member_file(p.parent, SURVEYXACT_LABELS)
        if p.name.casefold() == SURVEYXACT_DATASET
        else None
    )
    if labels is not None:
        from panelkit.input.surveyxact import read_labels

        frame = apply_value_labels(frame, read_labels(labels))
    return RawExport(p, ExportFormat.CSV, frame, lines, "line", encoding, delimiter, labels)


def _decode_or_refuse(data: bytes, shown: str) -> tuple[str, str]:
    try:
        text, encoding = decode_text(data)
    except UnicodeDecodeError as exc:
        raise ExportError(
            f"{shown} starts with a UTF-16 byte-order mark but is not valid UTF-16; export it "
            "again, preferably as UTF-8"
        ) from exc
    if "\x00" in text:
        raise ExportError(f"{shown} does not look like a text export: {_binary_hint(data)}")
    # A byte-order mark inside the text (exports pasted together) is never an answer:
    # left in, it glues itself to a column name or an id and the row is refused.
    return text.replace("\ufeff", ""), encoding


def _binary_hint(data: bytes) -> str:
    if data.startswith(b"PK\x03\x04"):
        return "it is a zip file, probably an Excel workbook; give it the extension .xlsx"
    if data.startswith((b"$FL2", b"$FL3")):
        return "it is an SPSS data file; give it the extension .sav"
    if data.startswith(b"PAR1"):
        return "it is a Parquet file; give it the extension .parquet"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "it is an old Excel .xls workbook; save it as .xlsx or CSV"
    return (
        "it contains NUL bytes; save the responses from the survey platform as CSV (UTF-8) or .xlsx"
    )


def _normalise_newlines(text: str) -> str:
    # CRLF (Windows) and lone CR (old Mac) both end a line for pandas and for a
    # person's editor; one convention keeps line counting simple.
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _absent_char(text: str) -> str:
    """A separator for a one-column file: a control character the text lacks."""
    for c in "\x1f\x1e\x1d\x1c\x01":
        if c not in text:
            return c
    return "\x1f"


def _record_end(text: str, start: int) -> int:
    """Index of the newline ending the record that starts at ``start`` (or len)."""
    quotes = 0
    pos = start
    while True:
        nl = text.find("\n", pos)
        end = len(text) if nl < 0 else nl
        quotes += text.count('"', pos, end)
        if quotes % 2 == 0 or nl < 0:  # an odd count means a quoted value goes on
            return end
        pos = nl + 1


def _locate_header(text: str, header_row: int) -> tuple[int, int, int]:
    """(start, end, row number) of the header: the first record with a value at or
    after row ``header_row``. Raises LookupError when the text ends before."""
    pos, row = 0, 1
    while pos < len(text):
        end = _record_end(text, pos)
        if row >= header_row and text[pos:end].strip(" \t"):
            return pos, end, row
        pos, row = end + 1, row + 1
    raise LookupError(header_row)


def _sniff_or_refuse(shown: str, text: str, start: int, end: int) -> str | None:
    try:
        return _sniff(text[start:end], text[end + 1 : end + 1 + _SNIFF_CHARS])
    except _Ambiguous as exc:
        a, b = (_DELIMITER_NAMES[c] for c in exc.candidates[:2])
        raise ExportError(
            f"{shown}: cannot tell whether the columns are separated by {a}s or {b}s (the "
            f"header and the rows below it fit both); export it again with one delimiter"
        ) from exc


def _sniff(header: str, sample: str) -> str | None:
    outside = _QUOTED_RE.sub("", header)
    counts = {c: outside.count(c) for c in DELIMITERS}
    candidates = [c for c in DELIMITERS if counts[c]]
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    # Several characters occur in the header (names like "Alder, år;Køn"): the
    # delimiter is the one that splits the rows below into as many fields.
    below = _QUOTED_RE.sub("", sample).split("\n")
    if len(sample) == _SNIFF_CHARS:
        below = below[:-1]  # the last line may be cut off
    rows = [line for line in below if line.strip(" \t")][:_SNIFF_LINES]

    def fit(c: str) -> tuple[int, int]:
        return sum(row.count(c) == counts[c] for row in rows), counts[c]

    ranked = sorted(candidates, key=fit, reverse=True)  # stable: ties keep ; before , and tab
    if rows and fit(ranked[0]) == fit(ranked[1]):
        raise _Ambiguous(ranked[:2])
    return ranked[0]


@dataclass(frozen=True)
class _Records:
    """Records of a delimited text, as the pandas C tokenizer splits it."""

    starts: np.ndarray  # byte offset of each record
    ends: np.ndarray  # byte offset of the newline ending it
    newlines_before: np.ndarray  # physical lines before it (0 for the first)
    blank: np.ndarray  # only white space: pandas skips it


def _record_positions(
    shown: str, text: str, hstart: int, hline: int, hrow: int, sep: str, n_records: int
) -> tuple[np.ndarray, np.ndarray]:
    """Line and row number of each data record (pandas parsed ``n_records`` incl. header).

    Fast path: when the lines from the header to the last value are exactly
    the records, every line is one row. Otherwise (blank lines, values with
    line breaks) the record boundaries are worked out from the quotes.
    """
    # trailing blank lines are no records; a tab-only line is one when tab separates
    trailing = " \n" if sep == "\t" else " \t\n"
    end = len(text)
    while end > hstart and text[end - 1] in trailing:
        end -= 1
    if text.count("\n", hstart, end) + 1 == n_records:
        offsets = np.arange(1, n_records, dtype=np.int64)
        return hline + offsets, hrow + offsets
    rec = _records(text[hstart:].encode("utf-8"), sep)
    (used,) = np.nonzero(~rec.blank)
    if used.size == n_records:
        return hline + rec.newlines_before[used[1:]], hrow + used[1:]
    raise ExportError(  # a safety net: the records are split as pandas splits them
        f"{shown}: cannot tell on which line each row starts because of unusual quoting; "
        "export it again with standard CSV quoting"
    )


def _records(raw: bytes, sep: str) -> _Records:
    """Split ``raw`` (UTF-8, "\\n" newlines) into records as pandas does: a
    newline inside a quoted value does not end a record, a line of white space
    (other than the delimiter) is blank."""
    arr = np.frombuffer(raw, dtype=np.uint8)
    size = arr.size
    nl = np.flatnonzero(arr == _NL)
    opens, closes = _quoted_spans(arr, sep)
    if opens.size:
        k = np.searchsorted(opens, nl, side="right") - 1
        inside = (k >= 0) & (nl < closes[np.maximum(k, 0)])
        term = nl[~inside]
    else:
        term = nl
    starts = np.concatenate(([0], term + 1)).astype(np.int64)
    ends = np.concatenate((term, [size])).astype(np.int64)
    if starts[-1] >= size:  # nothing after the last newline
        starts, ends = starts[:-1], ends[:-1]
    blank = ends == starts
    spaces = bytes(b for b in b" \t" if chr(b) != sep)
    if size and starts.size:
        first = arr[np.minimum(starts, size - 1)]
        for i in np.flatnonzero(~blank & np.isin(first, list(spaces))):
            blank[i] = not raw[starts[i] : ends[i]].strip(spaces)
    return _Records(starts, ends, np.searchsorted(nl, starts), blank)


def _quoted_spans(arr: np.ndarray, sep: str) -> tuple[np.ndarray, np.ndarray]:
    """Start and end offsets of the quoted parts of the text, as pandas reads them.

    pandas' tokenizer opens a quoted value only at a field's first character;
    inside one, "" is a quote and a lone quote closes it. In a properly quoted
    file that is the same as pairing all quotes in order (vectorised), which is
    checked: every pairing "open" must start a field (or directly follow the
    previous quote: an escaped ""), every "close" must end one (or directly
    precede the next quote). Otherwise the quotes are walked one by one.
    """
    q = np.flatnonzero(arr == _QUOTE)
    if not q.size:
        return q, q
    bounds = np.array([_NL, ord(sep)], dtype=np.uint8)
    adjacent = np.diff(q) == 1  # adjacent[k]: quote k+1 directly follows quote k
    opens, closes = q[0::2], q[1::2]
    before = arr[np.maximum(opens - 1, 0)]
    open_ok = (opens == 0) | np.isin(before, bounds)
    open_ok[1:] |= adjacent[1::2]
    after = arr[np.minimum(closes + 1, arr.size - 1)]
    close_ok = (closes + 1 == arr.size) | np.isin(after, bounds)
    close_ok |= np.append(adjacent, False)[1::2]
    if open_ok.all() and close_ok.all():
        if opens.size > closes.size:
            closes = np.append(closes, arr.size)  # never closed (pandas refuses the file)
        return opens, closes
    return _quoted_spans_walk(arr, q, sep)


def _quoted_spans_walk(arr: np.ndarray, q: np.ndarray, sep: str) -> tuple[np.ndarray, np.ndarray]:
    # Only quotes change the state, so walk those rather than every character.
    prev = arr[np.maximum(q - 1, 0)]
    at_start = ((q == 0) | (prev == _NL) | (prev == ord(sep))).tolist()
    qs = q.tolist()
    opens: list[int] = []
    closes: list[int] = []
    inside = False
    j = 0
    while j < len(qs):
        if not inside:
            if at_start[j]:
                inside = True
                opens.append(qs[j])
            j += 1
        elif j + 1 < len(qs) and qs[j + 1] == qs[j] + 1:
            j += 2
        else:
            inside = False
            closes.append(qs[j])
            j += 1
    if inside:
        closes.append(arr.size)
    return np.asarray(opens, dtype=np.int64), np.asarray(closes, dtype=np.int64)


def _parser_error(
    shown: str, exc: pd.errors.ParserError, text: str, hstart: int, hline: int, sep: str
) -> ExportError:
    """Turn a pandas tokenizer error into a message citing the physical line."""
    message = str(exc)
    raw = text[hstart:].encode("utf-8")
    ragged = _PANDAS_RAGGED_RE.search(message)
    if ragged:
        expected, row, seen = (int(g) for g in ragged.groups())
        # pandas counts rows from the header, blank lines included and a quoted
        # value with line breaks as one: find that record's physical line.
        rec = _records(raw, sep)
        where = " has a row with"
        if row <= rec.starts.size:
            piece = raw[rec.starts[row - 1] : rec.ends[row - 1]].decode("utf-8")
            if _field_count(piece, sep) == seen:  # a check: it is the record pandas meant
                where = f", line {hline + int(rec.newlines_before[row - 1])} has"
        delim = _DELIMITER_NAMES.get(sep, "delimiter")
        return ExportError(
            f"{shown}{where} {seen} fields but the header has {expected} columns; a value "
            f"probably holds an unquoted {delim}: put quotes around it or remove the extra "
            f"{delim}s"
        )
    if "EOF inside string" in message:
        opens, closes = _quoted_spans(np.frombuffer(raw, np.uint8), sep)
        if closes.size and closes[-1] == len(raw):
            line = hline + raw.count(b"\n", 0, int(opens[-1]))
            return ExportError(
                f'{shown}, line {line}: a quote (") opens a value that is never closed, so '
                "the rest of the file would be one value; close or remove that quote"
            )
        return ExportError(
            f'{shown} has a quote (") that is never closed, so the rest of the file would be '
            "one value; check the quoting"
        )
    return ExportError(
        f"{shown} cannot be read as a delimited text export (the CSV parser stopped); export it "
        "again as CSV"
    )


def _field_count(record: str, sep: str) -> int:
    try:
        parsed = pd.read_csv(
            io.StringIO(record), sep=sep, header=None, dtype=str, na_filter=False, engine="c"
        )
    except Exception:
        return -1
    return int(parsed.shape[1])


# ============================================================================ XLSX


def _read_xlsx(
    p: Path, shown: str, sheet: str | None, header_row: int, skip: np.ndarray
) -> RawExport:
    with _open_workbook(p, shown) as book:
        name = _pick_sheet(shown, book.sheetnames, sheet)
        ws = book[name]
        if not hasattr(ws, "iter_rows"):
            raise ExportError(
                f'{shown}: sheet "{_clip(name)}" is a chart sheet, not a table; set '
                "source.sheet to the sheet with the responses"
            )
        # read-only sheets trust the <dimension> tag, which some tools write wrong
        ws.reset_dimensions()
        rows = ws.iter_rows(min_row=header_row, values_only=True)
        header = next(rows, None)
        body = [tuple(r) for r in rows]
        labels_sheet = _surveyxact_labels_sheet(book.sheetnames, name)
        label_rows = _sheet_rows(book, labels_sheet) if labels_sheet else None
    if header is None or (not body and all(v is None for v in header)):
        if header_row == 1:
            raise ExportError(
                f'{shown}: sheet "{_clip(name)}" is empty; expected a header row with the column '
                "names followed by one row per respondent"
            )
        raise ExportError(
            f'{shown}: sheet "{_clip(name)}" has nothing in or below row {header_row} to use as '
            "the header; check header_row"
        )
    width = max([len(header), *(len(r) for r in body)])
    padded = [r + (None,) * (width - len(r)) for r in body] if body else []
    cells = pd.DataFrame(padded, columns=range(width), dtype=object)
    names = [_header_name(v) for v in (*header, *(None,) * (width - len(header)))]
    columns = [_clean_cells(cells[j]) for j in range(width)]
    frame, lines = _assemble(
        shown,
        names,
        columns,
        np.arange(header_row + 1, header_row + 1 + len(body), dtype=np.int64),
        row_numbers=np.arange(header_row + 1, header_row + 1 + len(body), dtype=np.int64),
        skip=skip,
        header_at=f'in the header, row {header_row} of sheet "{_clip(name)}"',
        label=_letter_label,
        drop_trailing_empty=True,
    )
    if label_rows is None:
        return RawExport(p, ExportFormat.XLSX, frame, lines, "row")
    from panelkit.input.surveyxact import labels_from_rows

    labels = labels_from_rows(label_rows, f'{shown}, sheet "{labels_sheet}"')
    return RawExport(
        p, ExportFormat.XLSX, apply_value_labels(frame, labels), lines, "row", labels=p
    )


def _pick_sheet(shown: str, names: Sequence[str], wanted: str | None) -> str:
    if not names:
        raise ExportError(f"{shown} has no sheets; export the data again")
    listed = ", ".join(f'"{_clip(n)}"' for n in names[:20]) + (", …" if len(names) > 20 else "")
    if wanted is None:
        folded = {n.strip().casefold(): n for n in names}
        if {"dataset", "structure", "labels"} <= folded.keys():  # a SurveyXact workbook
            return folded["dataset"]
        return names[0]
    if wanted in names:
        return wanted
    close = [n for n in names if n.strip().casefold() == wanted.strip().casefold()]
    if len(close) == 1:
        return close[0]
    raise ExportError(
        f'{shown} has no sheet named "{_clip(wanted)}"; its sheets are {listed}; set '
        "source.sheet to one of them"
    )


def _surveyxact_labels_sheet(names: Sequence[str], picked: str) -> str | None:
    """The ``Labels`` sheet when ``picked`` is the ``Dataset`` sheet of a SurveyXact workbook."""
    folded = {n.strip().casefold(): n for n in names}
    if {"dataset", "structure", "labels"} <= folded.keys() and picked == folded["dataset"]:
        return folded["labels"]
    return None


@contextmanager
def _open_workbook(p: Path, shown: str) -> Iterator[Any]:
    """A workbook opened read-only after the zip checks; any failure is one ExportError."""
    _check_workbook_zip(p, shown)
    with warnings.catch_warnings():
        # openpyxl warns about styles and extensions it ignores: noise here
        warnings.simplefilter("ignore")
        try:
            book = _openpyxl().load_workbook(p, read_only=True, data_only=True, keep_links=False)
        except Exception as exc:  # openpyxl raises KeyError, ValueError, ... on broken parts
            raise _unreadable_workbook(shown, exc) from exc
        try:
            yield book
        except ExportError:
            raise
        except Exception as exc:
            raise _unreadable_workbook(shown, exc) from exc
        finally:
            book.close()


def _unreadable_workbook(shown: str, exc: Exception) -> ExportError:
    return ExportError(
        f"{shown} is not a readable Excel workbook ({type(exc).__name__}); open and save it "
        "again in Excel, or export the data as CSV"
    )


def _sheet_rows(book: Any, name: str) -> list[tuple[object, ...]]:
    ws = book[name]
    if not hasattr(ws, "iter_rows"):
        return []
    ws.reset_dimensions()
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


def sheet_names(path: str | Path) -> tuple[str, ...]:
    """The sheet names of a workbook (checked as :func:`read_export` checks it)."""
    shown = _printable(str(path))
    with _open_workbook(Path(path), shown) as book:
        return tuple(book.sheetnames)


def read_sheet_rows(path: str | Path, sheets: Sequence[str]) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the named sheets (matched ignoring case), cells as openpyxl reads them.

    For a workbook's small tables beside the data, such as SurveyXact's
    ``Structure`` and ``Labels``. Raises ExportError naming a missing sheet.
    """
    shown = _printable(str(path))
    with _open_workbook(Path(path), shown) as book:
        return {s: _sheet_rows(book, _pick_sheet(shown, book.sheetnames, s)) for s in sheets}


def _header_name(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a year typed as a header, 2022.0 -> "2022"
    return str(value).replace("\ufeff", "").strip()


def _clean_cells(cells: pd.Series) -> pd.Series:
    """Strings stripped, empty ones missing; other values untouched (an object
    column, so that 3 stays the int 3 beside a missing cell)."""
    out = np.empty(len(cells), dtype=object)
    out[:] = [(v.strip() or None) if isinstance(v, str) else v for v in cells.tolist()]
    return pd.Series(out, index=cells.index, dtype=object)


def _check_workbook_zip(p: Path, shown: str) -> None:
    """Refuse what is not a workbook, or could exhaust memory or the XML parser."""
    try:
        is_zip = zipfile.is_zipfile(p)
    except OSError as exc:
        raise ExportError(
            f"{shown} cannot be read ({exc.strerror or type(exc).__name__}); check that it is a "
            "file you may read"
        ) from exc
    if not is_zip:
        raise ExportError(f"{shown} is not an Excel workbook (.xlsx is a zip file); {_not_zip(p)}")
    try:
        with zipfile.ZipFile(p) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
            if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
                raise ExportError(
                    f"{shown} is a zip file but not an Excel workbook (it has no "
                    "[Content_Types].xml and xl/ parts); save the export as .xlsx from Excel or "
                    "the survey platform"
                )
            unpacked = sum(i.file_size for i in infos)
            if unpacked > MAX_XLSX_UNPACKED_BYTES:
                raise ExportError(
                    f"{shown} unpacks to {unpacked / 2**20:.0f} MB, more than the limit of "
                    f"{MAX_XLSX_UNPACKED_BYTES / 2**20:.0f} MB for a workbook; export the data "
                    "as CSV instead"
                )
            for info in infos:
                ratio = info.file_size / max(info.compress_size, 1)
                if info.file_size > XLSX_RATIO_CHECK_BYTES and ratio > MAX_XLSX_COMPRESSION_RATIO:
                    raise ExportError(
                        f"{shown}: the part {_clip(info.filename)} unpacks to {ratio:.0f} times "
                        f"its packed size, more than the limit of {MAX_XLSX_COMPRESSION_RATIO} "
                        "(a zip bomb?); export the data as CSV instead"
                    )
            for info in infos:
                if info.filename.lower().endswith((".xml", ".rels", ".vml")):
                    with zf.open(info) as member:
                        head = member.read(_MAX_XML_PROLOG)
                    if _declares_dtd(head):
                        raise ExportError(
                            f"{shown}: the part {_clip(info.filename)} declares a DTD "
                            "(<!DOCTYPE …>), which Excel never writes and which can hide an "
                            "entity-expansion attack; open and save the workbook again in "
                            "Excel, or export CSV"
                        )
    except ExportError:
        raise
    except Exception as exc:  # BadZipFile, zlib.error, encrypted or exotic members, ...
        raise ExportError(
            f"{shown} is not a readable Excel workbook (broken zip: {type(exc).__name__}); open "
            "and save it again in Excel, or export the data as CSV"
        ) from exc


def _not_zip(p: Path) -> str:
    try:
        with p.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return "save the export as .xlsx or .csv"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return (
            "this is an old .xls file or a password-protected workbook; remove any password "
            "and save it as .xlsx, or export CSV"
        )
    if head and b"\x00" not in head:
        return "it looks like text; if it is a CSV export, give it the extension .csv"
    return "save the export as .xlsx or .csv"


def _declares_dtd(head: bytes) -> bool:
    """Whether an XML part's prolog declares a DTD, or is too long to tell."""
    if head.startswith(_BOMS_UTF16) or head[:2] in (b"<\x00", b"\x00<"):
        order = "utf-16-be" if head.startswith(b"\xfe\xff") or head[:1] == b"\x00" else "utf-16-le"
        text = head.decode(order, errors="replace")
    else:
        text = head.decode("latin-1")  # only the ASCII markup matters
    pos = 0
    while True:
        while pos < len(text) and text[pos] in "\ufeff\xef\xbb\xbf \t\r\n":
            pos += 1
        if text.startswith("<?", pos):
            close, closer = text.find("?>", pos), "?>"
        elif text.startswith("<!--", pos):
            close, closer = text.find("-->", pos + 4), "-->"
        else:
            # "<!" here can only open a DTD; anything else is the root element (or
            # not XML at all, which the parser will report)
            return text.startswith("<!", pos)
        if close < 0:
            return len(head) >= _MAX_XML_PROLOG  # a prolog too long to check
        pos = close + len(closer)


# ============================================================================ SAV, Parquet


def _read_sav(p: Path, shown: str) -> RawExport:
    head = _head(p, shown, 4)
    if head not in (b"$FL2", b"$FL3"):
        raise ExportError(
            f"{shown} is not an SPSS .sav file (it does not start with $FL2); save the data from "
            "SPSS as .sav, or export CSV"
        )
    try:
        import pyreadstat  # only for .sav files: a slow import

        frame, _meta = pyreadstat.read_sav(
            str(p), apply_value_formats=True, formats_as_category=False
        )
    except Exception as exc:  # ReadstatError carries readstat's own fixed message
        detail = _clip(str(exc)) if type(exc).__name__ == "ReadstatError" else type(exc).__name__
        raise ExportError(
            f"{shown} is not a readable SPSS .sav file ({detail}); save it again from SPSS, or "
            "export CSV"
        ) from exc
    columns = []
    for name in frame.columns:
        col = frame[name]
        if col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
            col = _clean_cells(col)  # SPSS pads strings with blanks
        columns.append(col)
    return _finish_table(p, shown, ExportFormat.SAV, [str(c) for c in frame.columns], columns)


def _read_parquet(p: Path, shown: str) -> RawExport:
    head = _head(p, shown, 4)
    try:
        with p.open("rb") as fh:
            fh.seek(-4, 2)
            tail = fh.read(4)
    except OSError:
        tail = b""
    if head != b"PAR1" or tail != b"PAR1":
        raise ExportError(
            f"{shown} is not a Parquet file (it does not start and end with PAR1); write it "
            "again with pandas or pyarrow, or export CSV"
        )
    try:
        import pyarrow.parquet as pq  # only for .parquet files

        table = pq.ParquetFile(str(p)).read()
        names = [str(n) for n in table.column_names]
        if len(set(names)) < len(names):
            _refuse_duplicates(shown, names, range(len(names)), _number_label)
        frame = table.to_pandas()
    except ExportError:
        raise
    except Exception as exc:  # ArrowInvalid, OSError, ... (their text may quote data)
        raise ExportError(
            f"{shown} is not a readable Parquet file ({type(exc).__name__}); write it again, "
            "or export CSV"
        ) from exc
    if any(n is not None for n in frame.index.names):
        frame = frame.reset_index()  # a named index (e.g. respondent_id) is data
    names = [str(c) for c in frame.columns]
    columns = [frame.iloc[:, j] for j in range(frame.shape[1])]
    return _finish_table(p, shown, ExportFormat.PARQUET, names, columns)


def _head(p: Path, shown: str, n: int) -> bytes:
    try:
        with p.open("rb") as fh:
            return fh.read(n)
    except OSError as exc:
        raise ExportError(
            f"{shown} cannot be read ({exc.strerror or type(exc).__name__}); check that it is a "
            "file you may read"
        ) from exc


def _finish_table(
    p: Path, shown: str, fmt: ExportFormat, names: list[str], columns: list[pd.Series]
) -> RawExport:
    n = len(columns[0]) if columns else 0
    if not columns:
        raise ExportError(f"{shown} has no columns; expected one column per question")
    if n == 0:
        raise ExportError(
            f"{shown} has columns but no respondent rows; expected one row per respondent"
        )
    frame, lines = _assemble(
        shown,
        [nm.strip() for nm in names],
        columns,
        np.arange(1, n + 1, dtype=np.int64),
        row_numbers=None,
        skip=np.empty(0, dtype=np.int64),
        header_at="among the file's column names",
        label=_number_label,
        drop_trailing_empty=False,
    )
    return RawExport(p, fmt, frame, lines, "row")
