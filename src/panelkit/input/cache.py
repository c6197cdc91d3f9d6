"""A parquet cache of parsed exports, keyed by the export's bytes.

Parsing a large workbook (.xlsx) or SPSS file (.sav) takes far longer than
reading parquet, and analysts re-run the same export many times; which kinds
are cached is said in ``filekinds`` (``FileKind.cacheable``). The cache
holds a copy of the export's rows, so it is personal data like the export
itself: it lives in the user's own cache folder (``PANELKIT_CACHE_DIR``, else
``$XDG_CACHE_HOME/panelkit``, else ``~/.cache/panelkit``), readable only by its
owner (``project.default_cache_dir``), and ``--no-cache`` turns it off. CSV and parquet
are read directly.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from panelkit import __version__
from panelkit.files import sha256_file, write_bytes_atomic
from panelkit.input.exports import read_export
from panelkit.input.filekinds import kind_of
from panelkit.input.raw import ExportFormat, RawExport

_FORMAT_VERSION = 1
_LINE_COLUMN = "__panelkit_line__"


def read_export_cached(
    path: str | Path,
    *,
    sheet: str | None = None,
    header_row: int = 1,
    skip_rows: Sequence[int] = (),
    cache_dir: Path | None = None,
) -> RawExport:
    """``read_export``, served from the cache when the same bytes were read before.

    ``cache_dir=None`` reads directly. The cached frame holds every cell as text
    (numbers written as validation reads them), which validation treats exactly
    like the workbook's own values.
    """
    p = Path(path)
    kind = kind_of(p)
    if cache_dir is None or not p.is_file() or kind is None or not kind.cacheable:
        return read_export(path, sheet=sheet, header_row=header_row, skip_rows=skip_rows)
    # the export's bytes (read in blocks), and how it is read
    key = repr((sha256_file(p), sheet, header_row, tuple(skip_rows), __version__, _FORMAT_VERSION))
    entry = cache_dir / f"{hashlib.sha256(key.encode()).hexdigest()}.parquet"
    cached = _load(entry, p)
    if cached is not None:
        return cached
    raw = read_export(path, sheet=sheet, header_row=header_row, skip_rows=skip_rows)
    _store(entry, raw)
    return raw


def _as_text(column: pd.Series) -> pd.Series:
    def cell(value: object) -> str | None:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return None
        if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        if isinstance(value, float):
            return repr(value)
        return str(value)

    return column.map(cell).astype(object)


def _store(entry: Path, raw: RawExport) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = pd.DataFrame({str(c): _as_text(raw.frame[c]) for c in raw.frame.columns})
    frame[_LINE_COLUMN] = raw.lines.astype(np.int64)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = {
        "format": raw.format.value,
        "unit": raw.unit,
        "labels": str(raw.labels) if raw.labels else None,
    }
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), b"panelkit": json.dumps(meta).encode()}
    )
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    try:
        entry.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_bytes_atomic(entry, sink.getvalue().to_pybytes())
        entry.chmod(0o600)
    except Exception:  # the cache is an optimisation; failing to fill it is harmless
        return


def _load(entry: Path, source: Path) -> RawExport | None:
    if not entry.is_file():
        return None
    try:
        import pyarrow.parquet as pq

        table = pq.read_table(entry)
        meta = json.loads(table.schema.metadata[b"panelkit"])
        frame = table.to_pandas(types_mapper=None).astype(object)
        lines = frame.pop(_LINE_COLUMN).to_numpy(dtype=np.int64)
        frame = frame.where(frame.notna(), None)
        return RawExport(
            path=source,
            format=ExportFormat(meta["format"]),
            frame=frame,
            lines=lines,
            unit=meta["unit"],
            labels=Path(meta["labels"]) if meta.get("labels") else None,
        )
    except Exception:  # a damaged cache entry is read again from the export
        return None
