"""What every export reader gives and shares: :class:`RawExport` and the helpers of the readers.

One row per respondent, columns named as in the file, and for every row the
number a person would look up in the file (CSV line, sheet row, case number),
so that later row errors can cite it. Values are not converted here: CSV cells
stay text (validation parses numbers, including decimal commas).

The readers, one module per file kind (``delimited``, ``workbook``, ``spss``,
``parquetfile``), are listed in ``filekinds``; ``exports.read_export`` picks one.
Every problem with the file itself raises :class:`~panelkit.errors.ExportError`
with a one-line message that names the file, never a respondent's answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Final, Protocol

import numpy as np
import pandas as pd

from panelkit.errors import ExportError

__all__ = [
    "PY_WHITESPACE",
    "ExportFormat",
    "RawExport",
    "ReadRequest",
    "WorkbookLayout",
    "assemble",
    "clean_cells",
    "clip",
    "finish_table",
    "letter_label",
    "member_file",
    "number_label",
    "printable",
    "read_bytes",
    "read_head",
    "refuse_duplicates",
    "stripped_arrow",
    "stripped_texts",
]

_CONTROL_RE: Final = re.compile(r"[\x00-\x1f\x7f]")


class ExportFormat(StrEnum):
    """The kinds of export panelkit reads (formats §1); their suffixes are in ``filekinds``."""

    CSV = "csv"
    XLSX = "xlsx"
    SAV = "sav"
    PARQUET = "parquet"


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


class WorkbookLayout(Protocol):
    """A platform's convention for its workbooks (SurveyXact: a Dataset sheet with a
    Labels sheet beside it), so that the workbook reader needs to know no platform."""

    def data_sheet(self, names: Sequence[str]) -> str | None:
        """The sheet to read when none is asked for; None: not this platform's workbook."""
        ...

    def companion(self, names: Sequence[str], picked: str) -> str | None:
        """Another sheet whose rows :meth:`finish` needs when ``picked`` is read, or None."""
        ...

    def finish(
        self, raw: RawExport, shown: str, sheet: str, rows: Sequence[Sequence[object]]
    ) -> RawExport:
        """``raw`` post-processed with the rows of its companion ``sheet``."""
        ...


@dataclass(frozen=True)
class ReadRequest:
    """What a reader is asked to read: the file (``shown``: its name fit for a message)
    and, for the kinds they apply to, the sheet, the header row and the rows to skip."""

    path: Path
    shown: str
    sheet: str | None = None
    header_row: int = 1
    skip: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    layouts: tuple[WorkbookLayout, ...] = ()


def printable(text: str) -> str:
    """``text`` fit for a one-line message: control characters become "?"."""
    return _CONTROL_RE.sub("?", text)


def clip(text: str, limit: int = 80) -> str:
    """A name or value from a file, on one line and at most ``limit`` characters."""
    text = printable(" ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def number_label(j: int) -> str:
    return str(j + 1)


def letter_label(j: int) -> str:
    letters = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        letters = chr(65 + r) + letters
    return letters


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


def read_bytes(p: Path, shown: str) -> bytes:
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


def read_head(p: Path, shown: str, n: int) -> bytes:
    """The first ``n`` bytes of a file (its magic number)."""
    try:
        with p.open("rb") as fh:
            return fh.read(n)
    except OSError as exc:
        raise ExportError(
            f"{shown} cannot be read ({exc.strerror or type(exc).__name__}); check that it is a "
            "file you may read"
        ) from exc


# What Python's str.strip() removes (str.isspace): pyarrow's utf8_trim with exactly
# these characters strips as it does, where utf8_trim_whitespace follows Unicode's
# White_Space (which lacks the separators U+001C-U+001F).
PY_WHITESPACE: Final = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)
# From this many texts on, stripping them in Arrow beats a Python loop.
_ARROW_STRIP_FROM: Final = 10_000


def stripped_arrow(values: Any) -> Any:
    """An Arrow array of strings stripped as ``str.strip()`` strips, "" null."""
    import pyarrow as pa
    import pyarrow.compute as pc

    trimmed = pc.utf8_trim(values, characters=PY_WHITESPACE)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, type=trimmed.type), trimmed)


def stripped_texts(texts: Sequence[str] | np.ndarray) -> np.ndarray:
    """``[t.strip() or None for t in texts]`` as an object array; many texts are stripped
    in Arrow (a column of ids has a distinct value per respondent)."""
    if len(texts) >= _ARROW_STRIP_FROM:
        import pyarrow as pa

        try:
            arr = pa.array(texts, type=pa.string())
        except (pa.ArrowException, UnicodeError):  # a lone surrogate: Python's own strip
            pass
        else:
            out = stripped_arrow(arr)
            return np.asarray(out.to_numpy(zero_copy_only=False), dtype=object)
    out = np.empty(len(texts), dtype=object)
    out[:] = [t.strip() or None for t in texts]
    return out


def clean_cells(cells: pd.Series) -> pd.Series:
    """Strings stripped, empty ones missing; other values untouched (an object
    column, so that 3 stays the int 3 beside a missing cell)."""
    out = np.empty(len(cells), dtype=object)
    out[:] = [(v.strip() or None) if isinstance(v, str) else v for v in cells.tolist()]
    return pd.Series(out, index=cells.index, dtype=object)


def assemble(
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
    refuse_duplicates(shown, [names[j] for j in keep_cols], keep_cols, label)
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


def refuse_duplicates(
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
        parts.append(f'"{clip(name)}" (columns {listed})')
    raise ExportError(
        f"{shown} has duplicated column names: {', '.join(parts)}; give every column its own name"
    )


def finish_table(
    p: Path, shown: str, fmt: ExportFormat, names: list[str], columns: list[pd.Series]
) -> RawExport:
    """A RawExport of a file with typed columns and no header rows (.sav, .parquet)."""
    n = len(columns[0]) if columns else 0
    if not columns:
        raise ExportError(f"{shown} has no columns; expected one column per question")
    if n == 0:
        raise ExportError(
            f"{shown} has columns but no respondent rows; expected one row per respondent"
        )
    frame, lines = assemble(
        shown,
        [nm.strip() for nm in names],
        columns,
        np.arange(1, n + 1, dtype=np.int64),
        row_numbers=None,
        skip=np.empty(0, dtype=np.int64),
        header_at="among the file's column names",
        label=number_label,
        drop_trailing_empty=False,
    )
    return RawExport(p, fmt, frame, lines, "row")
