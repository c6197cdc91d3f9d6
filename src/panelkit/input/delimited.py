"""Delimited text exports (.csv, .txt): encoding and delimiter sniffed, every row's line kept.

Encodings: UTF-16 with a byte-order mark, UTF-8 with or without one, else
cp1252 (Danish Windows), else latin-1. Delimiters: ``;``, ``,`` or tab, judged
on the header and settled by the rows below it. The row of every record is the
physical line it starts on, also when a quoted value spans several lines.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from panelkit.errors import ExportError
from panelkit.input.raw import (
    ExportFormat,
    RawExport,
    ReadRequest,
    assemble,
    clean_cells,
    clip,
    number_label,
    printable,
    read_bytes,
    stripped_arrow,
)

__all__ = [
    "DELIMITERS",
    "DelimitedText",
    "absent_char",
    "decode_text",
    "read_delimited",
    "read_delimited_text",
    "sniff_delimiter",
    "sniff_encoding",
]

DELIMITERS: Final = (";", ",", "\t")
_DELIMITER_NAMES: Final = {";": "semicolon", ",": "comma", "\t": "tab"}
# Characters of the text after the header used to settle which delimiter it is.
_SNIFF_CHARS: Final = 64 << 10
_SNIFF_LINES: Final = 50

_NL: Final = 10  # b"\n"
_CR: Final = 13  # b"\r"
_QUOTE: Final = 34  # b'"'
# A carriage return that does not end a CRLF line: an old Mac line end, or a stray one.
_LONE_CR_RE: Final = re.compile(rb"\r(?!\n)")
# Bytes compared at a time when looking for one byte: a mask this size stays in the
# cache, where a mask of a whole 170 MB export would cost more in page faults than work.
_SCAN_BLOCK: Final = 1 << 20
_BOMS_UTF16: Final = (b"\xff\xfe", b"\xfe\xff")
_BOM_UTF8: Final = b"\xef\xbb\xbf"
# A quoted field ("" is an escaped quote); possessive, so no backtracking blow-up.
_QUOTED_RE: Final = re.compile(r'"(?:[^"]|"")*+"')
_PANDAS_RAGGED_RE: Final = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


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

    Same encoding and delimiter sniffing as :func:`read_delimited`, but no header
    is assumed: every record with a value is returned, cells stripped, with the
    line it starts on. Raises ExportError when the file cannot be read.
    """
    shown = printable(str(path))
    p = Path(path)
    data = read_bytes(p, shown)
    if not data.startswith(_BOMS_UTF16):
        # Every other encoding read here is ASCII-compatible: CR and LF are these bytes,
        # and replacing them in the bytes is cheaper than in the text (a copy fewer).
        data = _lf(data)
    text, encoding = _decode_or_refuse(data, shown)
    del data
    if not text or text.isspace():
        raise ExportError(f"{shown} is empty; expected lines of values separated by ; , or tab")
    text = _normalise_newlines(text)
    start, end, _ = _locate_header(text, 1)
    delimiter = _sniff_or_refuse(shown, text[start:end], text[end + 1 : end + 1 + _SNIFF_CHARS])
    records: list[tuple[str, ...]] = []
    lines: list[int] = []
    reader = csv.reader(
        io.StringIO(text),
        delimiter=delimiter or absent_char(text),
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
            f"{shown}, line {done + 1}: cannot be split into values ({clip(str(exc))}); check "
            "the quoting of that line"
        ) from exc
    return DelimitedText(p, tuple(records), tuple(lines), encoding, delimiter)


# Below this many rows a column is cleaned cell by cell in one object array; from it
# on, column by column in pandas' vectorised string methods. Each way's cost is
# linear in cells on its side of the line: a vectorised pass has a fixed cost per
# column (about a millisecond) that only pays off on long columns, and the cell by
# cell pass costs about a microsecond per cell.
_VECTORISED_FROM = 2000


def _cleaned_columns(table: pd.DataFrame) -> list[pd.Series]:
    """Each parsed column stripped, an empty cell missing (``None``)."""
    if len(table) < _VECTORISED_FROM:
        # One object array of all cells (pointers to the same strings, no copy).
        cells_2d = table.to_numpy(dtype=object)
        return [
            clean_cells(pd.Series(cells_2d[:, j], dtype=object)) for j in range(cells_2d.shape[1])
        ]
    # Column by column from a dict of the columns: popping from the frame instead is
    # quadratic in columns. (This is pandas' fallback for odd files; well-formed large
    # exports take the pyarrow path, _parse_arrow.)
    parsed = {j: table[j] for j in table.columns}
    columns = []
    for j in list(parsed):
        cells = parsed.pop(j).reset_index(drop=True).str.strip()
        columns.append(cells.where(cells != ""))
    return columns


def read_delimited(req: ReadRequest) -> RawExport:
    """Read a delimited text export: the header at ``req.header_row``, ``req.skip`` left out.

    The whole file is never decoded into one Python string (at a million rows a
    2-byte-per-character text was the read's peak): the encoding is judged and the
    header, delimiter and line numbers found on the bytes, and pyarrow decodes as it
    parses. Newline, quote, delimiter and space are the same bytes in every encoding
    read this way (UTF-16 is first re-encoded as UTF-8). Windows line ends (CRLF) are
    left in for pyarrow, which ends a line on them; a CRLF inside a quoted value is
    made "\\n" on the column's distinct values.
    """
    p, shown, header_row, skip = req.path, req.shown, req.header_row, req.skip
    data, encoding, codec = _export_bytes(read_bytes(p, shown), shown)
    if _blank(data, codec):
        raise ExportError(
            f"{shown} is empty; expected a header row with the column names followed by one row "
            "per respondent"
        )
    try:
        hstart, hend, hrow = _locate_header_bytes(data, header_row)
    except LookupError as exc:
        raise ExportError(
            f"{shown} ends before row {header_row}, so there is no header there; check header_row"
        ) from exc
    header = data[hstart:hend].decode(codec).removesuffix("\r")
    delimiter = _sniff_or_refuse(shown, header, _sample(data, hend + 1, codec))
    hline = data.count(b"\n", 0, hstart) + 1
    sep = delimiter or _absent_byte_char(data)

    # Rows above the header are skipped; the bytes from the header on are parsed.
    above = data[:hstart]
    body = data[hstart:]  # the same object when the header is the first line
    del data
    encoded = _parse_arrow(body, sep, header, codec)
    if encoded is None:  # pyarrow refused it: pandas' parser, and its exact error messages
        above, body = _lf(above), _lf(body)
        if codec != "utf-8":  # pandas' path (odd files) reads UTF-8
            body = body.decode(codec).encode("utf-8")
        text_above = above.decode(codec)
        text = text_above + body.decode("utf-8")
        parsed = _parse_pandas(shown, body, text, len(text_above), hline, sep)
        del text
        record_lines, record_rows = _record_positions(shown, body, hline, hrow, sep, parsed[2])
        del body
    else:
        # Line numbers on the bytes as read: newlines and quotes are the same bytes.
        record_lines, record_rows = _record_positions(shown, body, hline, hrow, sep, encoded[2])
        del body  # before the columns are converted
        parsed = _arrow_columns(encoded)
        del encoded
    names, columns, _ = parsed
    frame, lines = assemble(
        shown,
        names,
        columns,
        record_lines,
        row_numbers=record_rows,
        skip=skip,
        header_at=f"in the header, line {hline}",
        label=number_label,
        drop_trailing_empty=True,
    )
    return RawExport(p, ExportFormat.CSV, frame, lines, "line", encoding, delimiter)


# Bytes cp1252 leaves undefined: a file with one of them is read as latin-1.
_CP1252_UNDEFINED: Final = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
_UTF8_CHUNK: Final = 8 << 20


def _export_bytes(data: bytes, shown: str) -> tuple[bytes, str, str]:
    """The export's bytes with "\\n" or "\\r\\n" newlines (never a lone "\\r") and no
    byte-order marks, its encoding (as :func:`decode_text` names it) and the codec its
    bytes are now in.

    The same text as :func:`_decode_or_refuse` would give, without decoding all of
    it: only a UTF-16 file (never large in practice) is decoded, and re-encoded as
    UTF-8.
    """
    if data.startswith(_BOMS_UTF16):
        text, encoding = _decode_or_refuse(data, shown)
        del data
        return _normalise_newlines(text).encode("utf-8"), encoding, "utf-8"
    if b"\r" in data and _LONE_CR_RE.search(data):
        # CR and LF are these bytes in every other encoding read here. CRLF alone is
        # left in: making it "\n" copied the whole export (0.4 s at a million rows).
        data = _lf(data)
    start = len(_BOM_UTF8) if data.startswith(_BOM_UTF8) else 0
    if _is_utf8(data, start):
        encoding, codec = ("utf-8-sig" if start else "utf-8"), "utf-8"
    else:  # a BOM and then not UTF-8: the rest judged, the BOM left out (as decode_text)
        codec = encoding = "latin-1" if any(b in data for b in _CP1252_UNDEFINED) else "cp1252"
    if b"\x00" in data:
        raise ExportError(f"{shown} does not look like a text export: {_binary_hint(data)}")
    if codec == "utf-8":
        # A byte-order mark inside the text (exports pasted together) is never an answer:
        # left in, it glues itself to a column name or an id and the row is refused.
        if _BOM_UTF8 in data:
            data = data.replace(_BOM_UTF8, b"")
    elif start:
        data = data[start:]
    return data, encoding, codec


def _lf(data: bytes) -> bytes:
    """``data`` (ASCII-compatible) with "\\n" newlines: CRLF and a lone CR both end a
    line, for pandas and for a person's editor."""
    if b"\r" not in data:
        return data
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def _is_utf8(data: bytes, start: int) -> bool:
    """Whether ``data[start:]`` is UTF-8, decoded a chunk at a time (never the whole)."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for pos in range(start, max(len(data), start + 1), _UTF8_CHUNK):
            chunk = view[pos : pos + _UTF8_CHUNK]
            decoder.decode(chunk, final=pos + _UTF8_CHUNK >= len(data))
    except UnicodeDecodeError:
        return False
    finally:
        view.release()
    return True


# A byte that is not white space in any encoding read here: an ASCII character other
# than str.isspace's (bytes \x80-\xff may decode to white space, e.g. \xa0).
_VISIBLE_BYTE_RE: Final = re.compile(rb"[^\t\n\x0b\x0c\r\x1c-\x1f \x80-\xff]")


def _blank(data: bytes, codec: str) -> bool:
    """Whether the text is empty or only white space (decoded only if it may be)."""
    if _VISIBLE_BYTE_RE.search(data):
        return False
    text = data.decode(codec)
    return not text or text.isspace()


def _sample(data: bytes, start: int, codec: str) -> str:
    """The first ``_SNIFF_CHARS`` characters of the text from byte ``start`` on."""
    import codecs

    piece = _lf(data[start : start + 4 * _SNIFF_CHARS])  # a character is at most 4 bytes
    final = start + 4 * _SNIFF_CHARS >= len(data)
    return codecs.getincrementaldecoder(codec)().decode(piece, final=final)[:_SNIFF_CHARS]


def _absent_byte_char(data: bytes) -> str:
    """:func:`absent_char` of the text of ``data`` (ASCII control characters are bytes)."""
    for c in "\x1f\x1e\x1d\x1c\x01":
        if c.encode() not in data:
            return c
    return "\x1f"


_Parsed = tuple[list[str], list[pd.Series], int]  # names, columns, records (header included)


# the header's cells, each column's dictionary-encoded batches of bytes, the records
# (header too), whether a quoted value may hold a CRLF, the codec of the bytes
_Encoded = tuple[list[str], list[Any], int, bool, str]


def _parse_arrow(body: bytes, sep: str, header: str, codec: str = "utf-8") -> _Encoded | None:
    """Parse with pyarrow's multi-threaded CSV reader: the header's cells, each column
    dictionary-encoded as it is parsed (a column of plain strings never exists), the
    number of records, the header included, whether a quoted value may hold a CRLF and
    the codec. Cells stay bytes: :func:`_arrow_columns` decodes each column's distinct
    values, never every cell (pyarrow's own decoding of a cp1252 export calls Python's
    codec block by block and took half the parse).

    None where pyarrow refuses the text or would read it differently from pandas
    (a short row, a line of white space, a quote never closed): then pandas
    parses it and names the problem.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    quoted = b'"' in body
    spans = _quoted_spans(body, sep) if quoted else None
    if spans is not None and spans[1].size and spans[1][-1] == len(body):
        return None  # pandas refuses an unclosed quote
    spaces = re.escape("".join(c for c in " \t" if c != sep)).encode()
    if re.search(rb"\n[" + spaces + rb"]+\r?(?:\n|\Z)", body):  # pandas skips such a line
        return None
    fields = next(csv.reader(io.StringIO(header), delimiter=sep, quotechar='"', strict=False), [])
    names = [f"f{j}" for j in range(max(len(fields), 1))]
    # "utf8": no transcoding; binary columns are not checked either (the text was judged
    # to be in ``codec`` before, and so is every cell of it: delimiters, quotes and
    # newlines are single ASCII bytes in each codec read here)
    read_options = pacsv.ReadOptions(column_names=names, use_threads=True, encoding="utf8")
    parse_options = pacsv.ParseOptions(
        delimiter=sep,
        quote_char='"',
        double_quote=True,
        escape_char=False,
        newlines_in_values=quoted,
        ignore_empty_lines=True,
    )
    convert_options = pacsv.ConvertOptions(
        column_types=dict.fromkeys(names, pa.dictionary(pa.int32(), pa.binary())),
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    view = memoryview(body)
    tables = []
    try:
        for start, end in _pieces(body, spans):
            tables.append(
                pacsv.read_csv(
                    pa.py_buffer(view[start:end]),
                    read_options=read_options,
                    parse_options=parse_options,
                    convert_options=convert_options,
                )
            )
    except (pa.ArrowException, ValueError):
        return None
    finally:
        view.release()
    n_records = sum(t.num_rows for t in tables)
    if not n_records:
        return None
    # The header is the first record: its cells are each column's first value.
    first = tables[0]
    header_cells = [first.column(j)[0].as_py().decode(codec).strip() for j in range(len(names))]
    columns = [
        pa.chunked_array(
            [c for t in tables for c in t.column(j).chunks], first.schema.field(j).type
        )
        for j in range(len(names))
    ]
    del tables, first
    return header_cells, columns, n_records, quoted and b"\r" in body, codec


# Bytes of the export parsed by one call of pyarrow's reader. With the whole export at
# once, its threads parse blocks faster than they are converted, and the parsed blocks
# waiting (a 1M export's, 100-170 MB) were the read's peak; a piece's are freed before
# the next. Pieces also parse faster than the whole: 0.35 against 0.43 s at 1M.
_PIECE: Final = 24 << 20


def _pieces(body: bytes, spans: tuple[np.ndarray, np.ndarray] | None) -> list[tuple[int, int]]:
    """``body`` cut into pieces of about ``_PIECE`` bytes, each ending at the end of a
    record: after a newline outside the quoted ``spans`` (opens, closes) of
    :func:`_quoted_spans`."""
    cuts = [0]
    at = _PIECE
    while at < len(body):
        newline = body.find(b"\n", at)
        if newline < 0:
            break
        if spans is not None and spans[0].size:
            k = int(np.searchsorted(spans[0], newline, side="right")) - 1
            if k >= 0 and newline < spans[1][k]:  # inside a quoted value: after it
                at = int(spans[1][k]) + 1
                continue
        if newline + 1 >= len(body):
            break
        cuts.append(newline + 1)
        at = newline + 1 + _PIECE
    cuts.append(len(body))
    return list(itertools.pairwise(cuts))


def _arrow_columns(encoded: _Encoded) -> _Parsed:
    """The parsed columns, each a Categorical of its stripped distinct values (an empty
    cell is missing), so neither the parse nor validation builds a Python string per
    cell; a column of mostly distinct values (ids) is Arrow-backed text instead. Each
    column's blocks are freed as it is converted."""
    import pyarrow as pa

    header_cells, parts, n_records, crlf, codec = encoded
    columns: list[pd.Series] = []
    for _ in range(len(parts)):
        part = parts.pop(0)
        if 2 * sum(len(chunk.dictionary) for chunk in part.chunks) > len(part):
            columns.append(_distinct_cells(part, codec, crlf=crlf))
            continue
        # one dictionary for all blocks, in order of first appearance (as one encoding)
        column = part.unify_dictionaries().combine_chunks()
        del part
        column = pa.DictionaryArray.from_arrays(column.indices, _text(column.dictionary, codec))
        columns.append(_categorical_cells(_without_header(column), crlf=crlf))
        del column
    pa.default_memory_pool().release_unused()  # the blocks' memory back to the system
    return header_cells, columns, n_records


@functools.cache
def _utf8_table(codec: str) -> tuple[np.ndarray, np.ndarray]:
    """Each byte's UTF-8 form in a single-byte ``codec``: its length (1-3) and up to
    three bytes, as lookup tables."""
    lengths = np.ones(256, np.int64)
    forms = np.zeros((256, 3), np.uint8)
    for b in range(256):
        try:
            char = bytes([b]).decode(codec)
        except UnicodeDecodeError:  # never met: a file with such a byte is read as latin-1
            char = chr(b)
        form = char.encode("utf-8")
        lengths[b] = len(form)
        forms[b, : len(form)] = list(form)
    return lengths, forms


def _text(values: Any, codec: str) -> Any:
    """A column's distinct values (an Arrow binary array, no nulls) as Arrow strings,
    decoded from ``codec``. Vectorised: the ids alone are a million distinct values."""
    import pyarrow as pa

    if codec == "utf-8":
        return values.cast(pa.string())  # checked again, on the distinct values only
    _, offsets_buffer, data_buffer = values.buffers()
    offsets = np.frombuffer(offsets_buffer, np.int32)[
        values.offset : values.offset + len(values) + 1
    ]
    first, last = int(offsets[0]), int(offsets[-1])
    data = (
        np.frombuffer(data_buffer, np.uint8)[first:last] if last > first else np.empty(0, np.uint8)
    )
    if not (data >= 0x80).any():  # ASCII: the same bytes in UTF-8 (both codecs agree on them)
        return values.cast(pa.string())
    lengths, forms = _utf8_table(codec)
    size = lengths[data]
    ends = np.cumsum(size)
    starts = ends - size
    out = np.empty(int(ends[-1]), np.uint8)
    for k in range(3):  # the k-th byte of every character that has one
        has = size > k
        out[starts[has] + k] = forms[data[has], k]
    kind, offset_type = (
        (pa.string(), np.int32) if len(out) < 2**31 else (pa.large_string(), np.int64)
    )
    new_offsets = np.concatenate([[0], ends])[offsets - first].astype(offset_type)
    return pa.Array.from_buffers(
        kind, len(values), [None, pa.py_buffer(new_offsets), pa.py_buffer(out)]
    )


def _distinct_cells(part: Any, codec: str, *, crlf: bool = False) -> pd.Series:
    """A parsed column of mostly distinct values (ids, numbers with decimals), without
    the header's cell, as stripped Arrow-backed text ("" missing); ``crlf``: a CRLF inside
    a value becomes "\\n". One dictionary for all blocks would be a hash pass over a
    million distinct values for nothing, and a Categorical of them another (pandas
    checks that its categories are distinct); each block's cells are decoded instead."""
    import pyarrow as pa

    texts = pa.chunked_array(
        [_text(chunk.dictionary.take(chunk.indices), codec) for chunk in part.chunks]
    )
    texts = texts.slice(1)  # the header's cell
    return pd.Series(pd.array(_cleaned(texts, crlf=crlf), dtype=_arrow_text()))


def _cleaned(values: Any, *, crlf: bool) -> Any:
    """Arrow text as the cells of a column: stripped as ``str.strip()``, "" null, and with
    ``crlf`` a CRLF inside a value made "\\n" (a quoted value's line break, as pandas)."""
    import pyarrow.compute as pc

    return stripped_arrow(pc.replace_substring(values, "\r\n", "\n") if crlf else values)


def _arrow_text() -> Any:
    """pandas' own text dtype on Arrow, missing as NaN (``str`` in pandas 3)."""
    try:
        return pd.StringDtype("pyarrow", na_value=np.nan)
    except TypeError:  # pandas before 2.3
        return pd.StringDtype("pyarrow_numpy")


def _without_header(column: Any) -> Any:
    """A dictionary-encoded column without its first value (the header's cell), its
    dictionary still the values in order of first appearance."""
    import pyarrow as pa
    import pyarrow.compute as pc

    indices = column.indices.slice(1)
    first = column.indices[0].as_py()  # the header's value: 0, as it appears first
    if first == 0 and not pc.any(pc.equal(indices, 0)).as_py():
        # only the header has it: drop it from the dictionary and shift the rest down
        return pa.DictionaryArray.from_arrays(
            pc.subtract(indices, pa.scalar(1, indices.type)), column.dictionary.slice(1)
        )
    # an answer equal to its column's name: the dictionary in the data's own order
    again = indices.dictionary_encode()
    return pa.DictionaryArray.from_arrays(again.indices, column.dictionary.take(again.dictionary))


def _categorical_cells(encoded: Any, *, crlf: bool = False) -> pd.Series:
    """A dictionary-encoded pyarrow string column as a Categorical of its stripped values
    ("" is missing); ``crlf``: a CRLF inside a value becomes "\\n".

    Stripping and the re-encoding of values that strip alike run in Arrow on the
    distinct values; the categories keep their order of first appearance.
    """
    import pyarrow.compute as pc

    values = encoded.dictionary
    cleaned = _cleaned(values, crlf=crlf)
    indices = np.asarray(encoded.indices.to_numpy(zero_copy_only=False))
    if cleaned.null_count == 0 and pc.all(pc.equal(cleaned, values)).as_py() is not False:
        categories, codes = values, indices  # the categories already
    else:
        again = cleaned.dictionary_encode()
        remap = np.asarray(again.indices.fill_null(-1).to_numpy(zero_copy_only=False), np.int64)
        categories, codes = again.dictionary, remap[indices]
    names = categories.to_numpy(zero_copy_only=False).astype(object, copy=False)
    dtype = pd.CategoricalDtype(pd.Index(names, dtype=object))
    return pd.Series(pd.Categorical.from_codes(_small_codes(codes, len(names)), dtype=dtype))


def _small_codes(codes: np.ndarray, k: int) -> np.ndarray:
    for kind in (np.int8, np.int16, np.int32):
        if k < np.iinfo(kind).max:
            return codes.astype(kind, copy=False)
    return codes.astype(np.int64, copy=False)


def _parse_pandas(shown: str, body: bytes, text: str, hstart: int, hline: int, sep: str) -> _Parsed:
    """Parse with pandas' C parser: object columns of stripped text (None: empty)."""
    try:
        table = pd.read_csv(
            io.BytesIO(body),
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
    names = [str(v).strip() for v in table.iloc[0].tolist()]
    columns = _cleaned_columns(table.iloc[1:])
    return names, columns, n_records


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


def absent_char(text: str) -> str:
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


def _record_end_bytes(data: bytes, start: int) -> int:
    """:func:`_record_end` on the bytes (newline and quote are single bytes)."""
    quotes = 0
    pos = start
    while True:
        nl = data.find(b"\n", pos)
        end = len(data) if nl < 0 else nl
        quotes += data.count(b'"', pos, end)
        if quotes % 2 == 0 or nl < 0:
            return end
        pos = nl + 1


def _locate_header_bytes(data: bytes, header_row: int) -> tuple[int, int, int]:
    """:func:`_locate_header` on the bytes: byte offsets (space and tab are bytes)."""
    pos, row = 0, 1
    while pos < len(data):
        end = _record_end_bytes(data, pos)
        if row >= header_row and data[pos:end].strip(b" \t\r"):
            return pos, end, row
        pos, row = end + 1, row + 1
    raise LookupError(header_row)


def _sniff_or_refuse(shown: str, header: str, sample: str) -> str | None:
    try:
        return _sniff(header, sample)
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
    shown: str, body: bytes, hline: int, hrow: int, sep: str, n_records: int
) -> tuple[np.ndarray, np.ndarray]:
    """Line and row number of each data record (pandas parsed ``n_records`` incl. header);
    ``body`` is the text from the header on, as UTF-8.

    Fast path: when the lines from the header to the last value are exactly
    the records, every line is one row. Otherwise (blank lines, values with
    line breaks) the record boundaries are worked out from the quotes.
    """
    # trailing blank lines are no records; a tab-only line is one when tab separates
    trailing = b" \r\n" if sep == "\t" else b" \t\r\n"
    end = len(body)
    while end > 0 and body[end - 1] in trailing:
        end -= 1
    if body.count(b"\n", 0, end) + 1 == n_records:
        offsets = np.arange(1, n_records, dtype=np.int64)
        return hline + offsets, hrow + offsets
    rec = _records(body, sep)
    (used,) = np.nonzero(~rec.blank)
    if used.size == n_records:
        return hline + rec.newlines_before[used[1:]], hrow + used[1:]
    raise ExportError(  # a safety net: the records are split as pandas splits them
        f"{shown}: cannot tell on which line each row starts because of unusual quoting; "
        "export it again with standard CSV quoting"
    )


def _records(raw: bytes, sep: str) -> _Records:
    """Split ``raw`` ("\\n" or "\\r\\n" newlines) into records as pandas does: a
    newline inside a quoted value does not end a record, a line of white space
    (other than the delimiter) is blank."""
    arr = np.frombuffer(raw, dtype=np.uint8)
    size = arr.size
    nl = _positions(arr, _NL)
    opens, closes = _quoted_spans(raw, sep)
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
    spaces = bytes(b for b in b" \t\r" if chr(b) != sep)
    if size and starts.size:
        first = arr[np.minimum(starts, size - 1)]
        for i in np.flatnonzero(~blank & np.isin(first, list(spaces))):
            blank[i] = not raw[starts[i] : ends[i]].strip(spaces)
    return _Records(starts, ends, np.searchsorted(nl, starts), blank)


def _positions(arr: np.ndarray, byte: int) -> np.ndarray:
    """Offsets of ``byte`` in ``arr``, compared a cache-sized block at a time."""
    mask = np.empty(min(_SCAN_BLOCK, arr.size), dtype=bool)
    found = [np.empty(0, dtype=np.int64)]
    for start in range(0, arr.size, _SCAN_BLOCK):
        block = arr[start : start + _SCAN_BLOCK]
        hits = mask[: block.size]
        np.equal(block, byte, out=hits)
        found.append(np.flatnonzero(hits) + start)
    return np.concatenate(found)


def _quoted_spans(raw: bytes, sep: str) -> tuple[np.ndarray, np.ndarray]:
    """Start and end offsets of the quoted parts of the text, as pandas reads them.

    pandas' tokenizer opens a quoted value only at a field's first character;
    inside one, "" is a quote and a lone quote closes it. In a properly quoted
    file that is the same as pairing all quotes in order (vectorised), which is
    checked: every pairing "open" must start a field (or directly follow the
    previous quote: an escaped ""), every "close" must end one (or directly
    precede the next quote). Otherwise the quotes are walked one by one.
    """
    arr = np.frombuffer(raw, dtype=np.uint8)
    q = _positions(arr, _QUOTE) if b'"' in raw else np.empty(0, dtype=np.int64)
    if not q.size:
        return q, q
    bounds = np.array([_NL, ord(sep)], dtype=np.uint8)
    # a CR ends a field too: the text has no lone CR, so one is a CRLF's (_export_bytes)
    ends = np.array([_NL, _CR, ord(sep)], dtype=np.uint8)
    adjacent = np.diff(q) == 1  # adjacent[k]: quote k+1 directly follows quote k
    opens, closes = q[0::2], q[1::2]
    before = arr[np.maximum(opens - 1, 0)]
    open_ok = (opens == 0) | np.isin(before, bounds)
    open_ok[1:] |= adjacent[1::2]
    after = arr[np.minimum(closes + 1, arr.size - 1)]
    close_ok = (closes + 1 == arr.size) | np.isin(after, ends)
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
        opens, closes = _quoted_spans(raw, sep)
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
