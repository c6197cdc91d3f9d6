"""The CSV reader's work on the bytes (issue 14, goal 1: the export is never decoded
whole) against the decoded text it replaces, and the quantiles' chunked long-double
sums against numpy's."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from panelkit.errors import ExportError
from panelkit.input import delimited
from panelkit.input import raw as raw_input
from panelkit.input.delimited import (
    _LONE_CR_RE,
    _arrow_columns,
    _decode_or_refuse,
    _export_bytes,
    _lf,
    _normalise_newlines,
    _parse_arrow,
    _parse_pandas,
    read_delimited,
)
from panelkit.input.raw import ReadRequest
from panelkit.input.validation import _plain_text
from panelkit.stats.estimation import _CUMSUM_CHUNK, _cumsum_long

_TEXTS = [
    "id;q\r\n1;Ja…\r\n2;–3\r\n",
    "\ufeffid;q\n1;ø\n\ufeff2;æ\r",
    "id,q\n1,\xa0\n",
    "",
    "  \n\t\n",
]


def _old(raw: bytes) -> tuple[str, str]:
    try:
        text, encoding = _decode_or_refuse(raw, "f.csv")
    except ExportError as exc:
        return "refused", str(exc)
    return encoding, _normalise_newlines(text)


def _new(raw: bytes) -> tuple[str, str]:
    try:
        data, encoding, codec = _export_bytes(raw, "f.csv")
    except ExportError as exc:
        return "refused", str(exc)
    # CRLF may be left in (pyarrow ends lines on it), a lone CR never
    assert _LONE_CR_RE.search(data) is None
    return encoding, _lf(data).decode(codec)


@pytest.mark.parametrize("text", _TEXTS)
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"])
def test_bytes_are_the_text_it_decoded(text: str, encoding: str) -> None:
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:  # "…" in latin-1
        data = text.encode(encoding, errors="replace")
    # as exported; with a byte cp1252 leaves undefined; a BOM before cp1252; NUL bytes
    for raw in (
        data,
        data + b"\x81",
        b"\xef\xbb\xbf" + "ø".encode("cp1252") + data,
        data + b"\x00",
    ):
        assert _new(raw) == _old(raw)


def test_some_are_refused() -> None:
    assert _new(b"id;q\n1;\x002\n")[0] == "refused"
    assert _new(b"\xff\xfe\x00\xd8")[0] == "refused"  # a UTF-16 BOM, then not UTF-16


@pytest.mark.parametrize("n", [1, _CUMSUM_CHUNK - 1, _CUMSUM_CHUNK, 2 * _CUMSUM_CHUNK + 7])
def test_cumsum_long_is_numpys(n: int) -> None:
    w = np.random.default_rng(n).random(n) * 1e3
    cumw, total = _cumsum_long(w)
    expected = np.cumsum(w, dtype=np.longdouble)
    assert np.array_equal(cumw, expected.astype(np.float64))
    assert total == float(expected[-1])


# The Arrow reader against pandas' parser of the same text: the header's cells, every
# cell (stripped, "" missing) and each column's categories in order of first appearance,
# including answers equal to their column's name (the header is parsed as a record).
# Cells are parsed as bytes and each column's distinct values decoded (cp1252 and latin-1
# by a byte table): "€" and "–" are 3 bytes in UTF-8, "Æ" 2, "\xa0" white space.
# Quoted values across lines ("to\nlinjer") are never cut by the reader's pieces.
_CELLS = st.sampled_from(
    [
        *("a", "b", " a ", "", "q", "id", "Æble", "x y", '"a;b"', "1"),
        *("€ 5", "ø–å", "\xa0x\xa0", '"to\nlinjer"', '"\n;\n"'),
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    header=st.lists(st.sampled_from(["id", "q", "r", " q ", "spørgsmål"]), min_size=1, max_size=3),
    rows=st.lists(st.lists(_CELLS, min_size=3, max_size=3), min_size=1, max_size=12),
    encoding=st.sampled_from(["utf-8", "cp1252", "latin-1"]),
    piece=st.sampled_from([None, 1, 9]),
)
def test_arrow_columns_are_pandas_columns(
    header: list[str], rows: list[list[str]], encoding: str, piece: int | None
) -> None:
    width = len(header)
    text = "".join(";".join(r[:width]) + "\n" for r in [header, *rows])
    if encoding == "latin-1":
        text = text.replace("€", "¤").replace("–", "±")  # not in latin-1
    body = text.encode(encoding)
    head = text.split("\n", 1)[0]
    with pytest.MonkeyPatch.context() as mp:
        if piece is not None:  # cut into pieces of a few bytes: one record or a few each
            mp.setattr(delimited, "_PIECE", piece)
        encoded = _parse_arrow(body, ";", head, encoding)
    # pieces end at records' ends, never in a quoted value: pyarrow reads them as it
    # reads the whole (a cut in a quoted value would leave it to pandas, a slow path)
    assert (encoded is None) == (_parse_arrow(body, ";", head, encoding) is None)
    if encoded is None:  # pyarrow declined (e.g. a row of one blank cell): pandas' job
        return
    names, columns, n = _arrow_columns(encoded)
    p_names, p_columns, p_n = _parse_pandas("f.csv", text.encode(), text, 0, 1, ";")
    assert (names, n) == (p_names, p_n)
    for j, (got, want) in enumerate(zip(columns, p_columns, strict=True)):
        assert got.astype(object).where(got.notna(), None).tolist() == want.tolist()
        if isinstance(got.dtype, pd.CategoricalDtype):
            firsts = list(dict.fromkeys(v for v in want.tolist() if v is not None))
            assert list(got.cat.categories) == firsts
        else:
            assert isinstance(got.dtype, pd.StringDtype) and got.dtype.storage == "pyarrow"
        if piece is None:
            # one block: a column whose cells as written (the header's too) are distinct
            # in more than one record in two is Arrow-backed text, any other a Categorical
            written = [header[j], *(r[j] for r in rows if ";".join(r[:width]))]  # no blank lines
            categorical = 2 * len(set(written)) <= len(written)
            assert isinstance(got.dtype, pd.CategoricalDtype) == categorical


def test_arrow_columns_span_blocks_in_order() -> None:
    # 3 MB: pyarrow parses it in several blocks, each with its own dictionary; the
    # column's categories are still in order of first appearance over the whole file,
    # and "q" (the column's own name) first appears as an answer in the last block.
    n = 300_000
    answers = np.array(["Ja", "Nej", "Ved ikke", "q"], dtype=object)
    which = np.minimum(np.arange(n) * 4 // n, 3)  # each answer first in a later block
    text = "id;q\n" + "".join(f"{i};{a}\n" for i, a in zip(range(n), answers[which], strict=True))
    encoded = _parse_arrow(text.encode(), ";", "id;q", "utf-8")
    assert encoded is not None and encoded[1][1].num_chunks > 1
    names, columns, records = _arrow_columns(encoded)
    assert (names, records) == (["id", "q"], n + 1)
    assert list(columns[1].cat.categories) == ["Ja", "Nej", "Ved ikke", "q"]
    assert (columns[1].astype(object).to_numpy() == answers[which]).all()
    assert columns[0].iloc[-1] == str(n - 1)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(" \t\x1c\x85\xa0\u2003\u3000ab\u00e6\n"))))
def test_stripped_texts_strip_as_python(texts: list[str]) -> None:
    # Arrow's trim with PY_WHITESPACE removes what str.strip() does (monkeypatched
    # threshold: every list goes through Arrow)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(raw_input, "_ARROW_STRIP_FROM", 0)
        got = raw_input.stripped_texts(texts).tolist()
    assert got == [t.strip() or None for t in texts]


# Windows line ends are left in the bytes for pyarrow (a copy of the export fewer): the
# export read with CRLF must be the export read with "\n", cell by cell and line by line,
# whichever parser reads it, with quoted values across lines, blank and white-space lines,
# lines above the header and a missing last line end.
_FIELDS = st.sampled_from(["a", " b ", "", "Æble", '"x;y"', '"two\nlines"', '"say ""hi"""', "7"])


def _read(data: bytes, header_row: int) -> tuple[object, ...]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.csv"
        path.write_bytes(data)
        try:
            raw = read_delimited(ReadRequest(path, "export.csv", header_row=header_row))
        except ExportError as exc:
            return ("refused", str(exc))
    frame = raw.frame.astype(object).where(raw.frame.notna(), None)
    return (list(frame.columns), frame.to_numpy().tolist(), raw.lines.tolist(), raw.delimiter)


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.lists(_FIELDS, min_size=3, max_size=3), min_size=1, max_size=8),
    extra=st.lists(st.sampled_from(["", "  ", "\t"]), max_size=2),
    above=st.booleans(),
    end=st.booleans(),
    encoding=st.sampled_from(["utf-8", "cp1252"]),
    where=st.integers(0, 8),
    piece=st.sampled_from([None, 1, 5]),
)
def test_crlf_reads_as_lf(
    rows: list[list[str]],
    extra: list[str],
    above: bool,
    end: bool,
    encoding: str,
    where: int,
    piece: int | None,
) -> None:
    lines = [";".join(r) for r in [["id", "q", "r"], *rows]]
    at = 1 + where % len(lines)  # a blank or white-space line among the rows
    lines[at:at] = extra
    if above:
        lines.insert(0, "Eksport fra SurveyXact")
    text = "\n".join(lines) + ("\n" if end else "")
    lf = text.encode(encoding)
    crlf = text.replace("\n", "\r\n").encode(encoding)
    header_row = 2 if above else 1
    with pytest.MonkeyPatch.context() as mp:
        # pieces of a few bytes (quoted values across lines are never cut), read as a whole
        whole = _read(lf, header_row)
        if piece is not None:
            mp.setattr(delimited, "_PIECE", piece)
        assert _read(crlf, header_row) == _read(lf, header_row) == whole


def test_crlf_stays_in_the_bytes_a_lone_cr_does_not() -> None:
    assert _export_bytes(b"id;q\r\n1;a\r\n", "f.csv")[0] == b"id;q\r\n1;a\r\n"
    assert _export_bytes(b"id;q\r1;a\r\n2;b\n", "f.csv")[0] == b"id;q\n1;a\n2;b\n"


# Validation strips an Arrow-backed text column (a CSV's ids) in Arrow: the same stripped
# text, None where empty or missing, as for the same cells in an object column.
@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(st.none(), st.text(alphabet=st.sampled_from(" \t\xa0\u3000a7Æ-"), max_size=5)),
        max_size=12,
    )
)
def test_arrow_text_is_stripped_as_object_text(cells: list[str | None]) -> None:
    arrow = pd.Series(pd.array(cells, dtype=delimited._arrow_text()))
    plain = pd.Series(cells, dtype=object)
    got = _plain_text(arrow)
    assert got.dtype == object
    want = _plain_text(plain)  # missing as None or NaN there: both are missing
    assert got.tolist() == [None if pd.isna(v) else v for v in want.tolist()]
    assert got.tolist() == [(c.strip() or None) if c is not None else None for c in cells]
