"""Read a raw survey export (formats §1) into a :class:`~panelkit.input.raw.RawExport`.

:func:`read_export` finds the file (a SurveyXact folder: its ``dataset.csv``),
checks the row options, lets the file's kind (``filekinds``) pick its reader and
hands the result to the platform's post-processing (SurveyXact's labels).
Whatever bytes a file holds, reading it gives a RawExport or an ExportError.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from panelkit.errors import ExportError
from panelkit.input import surveyxact
from panelkit.input.filekinds import kind_for
from panelkit.input.raw import RawExport, ReadRequest, clip, printable

__all__ = ["read_export"]


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
    shown = printable(str(path))
    p = Path(path)
    if p.is_dir():
        inside = surveyxact.dataset_in(p)
        if inside is None:
            raise ExportError(
                f"{shown} is a folder, not a file; give the path of the survey export"
            )
        p, shown = inside, printable(str(inside))
    kind = kind_for(p, shown)
    header_row, skip = _check_rows(shown, header_row, skip_rows)
    if not p.exists():
        raise ExportError(f"{shown} does not exist; check the path and the file name")
    if p.is_dir():
        raise ExportError(f"{shown} is a folder, not a file; give the path of the survey export")
    request = ReadRequest(p, shown, sheet, header_row, skip, layouts=(surveyxact.WORKBOOK,))
    return surveyxact.with_labels(kind.read(request))


def _check_rows(shown: str, header_row: object, skip_rows: object) -> tuple[int, np.ndarray]:
    if isinstance(header_row, bool) or not isinstance(header_row, int | np.integer):
        raise ExportError(
            f"{shown}: header_row must be a whole number; got {clip(repr(header_row))}"
        )
    if header_row < 1:
        raise ExportError(f"{shown}: header_row must be 1 or more; got {header_row}")
    try:
        if isinstance(skip_rows, str | bytes):
            raise TypeError
        values = list(skip_rows)  # type: ignore[call-overload]
    except TypeError:
        raise ExportError(
            f"{shown}: skip_rows must be a list of row numbers; got {clip(repr(skip_rows))}"
        ) from None
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | np.integer):
            raise ExportError(
                f"{shown}: skip_rows must hold whole row numbers; got {clip(repr(v))}"
            )
        if v <= header_row:
            raise ExportError(
                f"{shown}: skip_rows lists row {v}, which is not after the header row "
                f"({header_row}); list only rows below the header"
            )
    return int(header_row), np.asarray(values, dtype=np.int64)
