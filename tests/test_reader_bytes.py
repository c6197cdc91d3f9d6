"""The CSV reader's work on the bytes (issue 14, goal 1: the export is never decoded
whole) against the decoded text it replaces, and the quantiles' chunked long-double
sums against numpy's."""

from __future__ import annotations

import numpy as np
import pytest

from panelkit.errors import ExportError
from panelkit.input.delimited import _decode_or_refuse, _export_bytes, _normalise_newlines
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
    return encoding, data.decode(codec)


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
