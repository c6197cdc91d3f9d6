"""The kinds of export file panelkit reads: the one place that knows their suffixes.

Each :class:`FileKind` names its suffixes, its reader (one module per kind) and
whether a parsed file is worth caching (``input/cache.py``: slow to parse, fast
as parquet). ``exports.read_export`` dispatches on it, ``schema init`` and the
cache ask it, and an unknown suffix is refused here with the list of the known.
A SurveyXact export may also be a folder (``surveyxact.dataset_in``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from panelkit.errors import ExportError
from panelkit.input.delimited import read_delimited
from panelkit.input.parquetfile import read_parquet
from panelkit.input.raw import ExportFormat, RawExport, ReadRequest, clip
from panelkit.input.spss import read_sav
from panelkit.input.workbook import read_workbook

__all__ = ["KINDS", "SUPPORTED", "FileKind", "kind_for", "kind_of"]


@dataclass(frozen=True)
class FileKind:
    """One kind of export: its format, suffixes (lower case, with the dot) and reader."""

    format: ExportFormat
    suffixes: tuple[str, ...]
    read: Callable[[ReadRequest], RawExport]
    cacheable: bool = False  # parsing is slow: keep a parquet copy (input/cache.py)


KINDS: Final = (
    FileKind(ExportFormat.CSV, (".csv", ".txt"), read_delimited),
    FileKind(ExportFormat.XLSX, (".xlsx",), read_workbook, cacheable=True),
    FileKind(ExportFormat.SAV, (".sav",), read_sav, cacheable=True),
    FileKind(ExportFormat.PARQUET, (".parquet",), read_parquet),
)
_BY_SUFFIX: Final = {s: kind for kind in KINDS for s in kind.suffixes}
_ALL: Final = [s for kind in KINDS for s in kind.suffixes]
# ".csv, .txt, .xlsx, .sav or .parquet"
SUPPORTED: Final = ", ".join(_ALL[:-1]) + " or " + _ALL[-1]


def kind_of(path: Path) -> FileKind | None:
    """The kind of export ``path`` is by its suffix (any case), or None."""
    return _BY_SUFFIX.get(path.suffix.lower())


def kind_for(path: Path, shown: str) -> FileKind:
    """:func:`kind_of`, or an ExportError saying which suffixes panelkit reads."""
    kind = kind_of(path)
    if kind is not None:
        return kind
    what = f"has the extension {clip(path.suffix)}," if path.suffix else "has no file extension,"
    raise ExportError(f"{shown} {what} which panelkit cannot read; save the export as {SUPPORTED}")
