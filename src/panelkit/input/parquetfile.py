"""Parquet exports (.parquet): the table as written, a named index kept as a column."""

from __future__ import annotations

from panelkit.errors import ExportError
from panelkit.input.raw import (
    ExportFormat,
    RawExport,
    ReadRequest,
    finish_table,
    number_label,
    read_head,
    refuse_duplicates,
)

__all__ = ["read_parquet"]


def read_parquet(req: ReadRequest) -> RawExport:
    """Read a Parquet file (magic PAR1 at both ends); rows are numbered from 1."""
    p, shown = req.path, req.shown
    magic = read_head(p, shown, 4)
    try:
        with p.open("rb") as fh:
            fh.seek(-4, 2)
            tail = fh.read(4)
    except OSError:
        tail = b""
    if magic != b"PAR1" or tail != b"PAR1":
        raise ExportError(
            f"{shown} is not a Parquet file (it does not start and end with PAR1); write it "
            "again with pandas or pyarrow, or export CSV"
        )
    try:
        import pyarrow.parquet as pq  # only for .parquet files

        table = pq.ParquetFile(str(p)).read()
        names = [str(n) for n in table.column_names]
        if len(set(names)) < len(names):
            refuse_duplicates(shown, names, range(len(names)), number_label)
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
    return finish_table(p, shown, ExportFormat.PARQUET, names, columns)
