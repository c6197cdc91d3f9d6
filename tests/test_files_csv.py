"""files.safe_csv: the bytes of safe_frame(frame).to_csv(...), written once per distinct value.

The source of truth is pandas' own writer with the csv module's quoting (the path every
CSV output took before); the fast path must match it byte for byte.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from panelkit.files import safe_csv, safe_frame

# the characters that matter: formula starts, quoting, line breaks, non-ASCII, NUL
TEXT = st.text(alphabet="ab =+-@\t\r\n,\"'ø€\x00\u2028;.1", max_size=6)


def pandas_bytes(frame: pd.DataFrame, float_format: str = "%.15g") -> bytes:
    text = safe_frame(frame).to_csv(index=False, float_format=float_format, lineterminator="\n")
    return text.encode("utf-8")


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 12))
    columns: dict[str, object] = {}
    for j in range(draw(st.integers(2, 4))):
        kind = draw(st.sampled_from(["object", "str", "category", "float", "int", "Int64"]))
        texts = st.one_of(TEXT, st.none())
        if kind == "object":
            values: object = pd.Series(draw(st.lists(texts, min_size=n, max_size=n)), dtype=object)
        elif kind == "str":
            values = pd.array(draw(st.lists(texts, min_size=n, max_size=n)), dtype="str")
        elif kind == "category":
            values = pd.Categorical(draw(st.lists(texts, min_size=n, max_size=n)))
        elif kind == "float":
            pool = st.sampled_from([0.0, -0.0, 0.1, 1 / 3, 1e20, 1e-7, np.nan, np.inf, -2.5])
            values = np.array(draw(st.lists(pool, min_size=n, max_size=n)), dtype=float)
        elif kind == "int":
            values = np.array(draw(st.lists(st.integers(-10, 10**12), min_size=n, max_size=n)))
        else:
            ints = st.one_of(st.integers(-5, 5), st.none())
            values = pd.array(draw(st.lists(ints, min_size=n, max_size=n)), dtype="Int64")
        columns[draw(st.sampled_from(["id", "=x", "a,b", 'q"', "w"])) + str(j)] = values
    return pd.DataFrame(columns)


@settings(max_examples=300, deadline=None)
@given(frames())
def test_safe_csv_is_pandas_bytes(frame: pd.DataFrame) -> None:
    assert safe_csv(frame, float_format="%.15g") == pandas_bytes(frame)


@pytest.mark.parametrize("float_format", ["%.15g", "%.10g"])
def test_weights_like_frame(float_format: str) -> None:
    frame = pd.DataFrame(
        {
            "respondent_id": ["1", "=2", "3, 4", '5"'],
            "weight": [0.123456789012345678, 2.0, -0.0, 1e-9],
            "area": pd.Categorical(["Øst", "@Vest", "Øst", None]),
        }
    )
    out = safe_csv(frame, float_format=float_format)
    assert out == pandas_bytes(frame, float_format)
    assert out.splitlines()[2] == b"'=2,2,'@Vest"  # neutralised, the number plain


def test_other_columns_go_to_pandas() -> None:
    frame = pd.DataFrame({"flag": [True, False], "mixed": pd.Series([1, "a"], dtype=object)})
    assert safe_csv(frame, float_format="%.15g") == pandas_bytes(frame)
    one = pd.DataFrame({"only": ["", "=x"]})  # one column: an empty row is quoted ("")
    assert safe_csv(one, float_format="%.15g") == pandas_bytes(one)


def test_rows_laid_out_in_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    import panelkit.files as files

    monkeypatch.setattr(files, "_ROWS_PER_PIECE", 3)  # pieces of 3, 3, 3 and 1 rows
    frame = pd.DataFrame({"id": [f"={i}" for i in range(10)], "weight": np.arange(10) / 7})
    assert safe_csv(frame, float_format="%.15g") == pandas_bytes(frame)


def test_safe_frame_keeps_mixed_cells_apart() -> None:
    # True == 1 for pandas' factorize; a workbook column may hold both, and "=x"
    mixed = pd.DataFrame({"a": pd.Series([True, 1, "=x", None], dtype=object)})
    assert safe_frame(mixed)["a"].tolist() == [True, 1, "'=x", None]
    frame = mixed.assign(b=1.5)
    assert safe_csv(frame, float_format="%.15g") == b"a,b\nTrue,1.5\n1,1.5\n'=x,1.5\n,1.5\n"
