"""Writing outputs safely: atomically, never over an input, formula-safe cells."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from panelkit.errors import OutputError

if TYPE_CHECKING:
    import pandas as pd

# A spreadsheet treats a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """Neutralise text that a spreadsheet would run as a formula (prefix an apostrophe).

    Idempotent: a neutralised cell starts with the apostrophe and is left as it is.
    """
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def safe_value(value: Any) -> Any:
    """A cell value for CSV/XLSX: text is neutralised (:func:`safe_cell`), numbers stay numbers."""
    return safe_cell(value) if isinstance(value, str) else value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) are neutralised, for CSV.

    Numeric columns are left as they are, so numbers stay numbers.
    """
    import pandas as pd

    out = frame.copy()
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col].dtype):
            out[col] = out[col].map(safe_value, na_action="ignore")
    out.columns = [safe_value(c) for c in out.columns]
    return out


def guard_not_input(path: Path, inputs: Iterable[Path]) -> None:
    """Refuse to write an output over one of the run's input files."""
    target = path.resolve()
    for item in inputs:
        if item is not None and Path(item).resolve() == target:
            raise OutputError(
                f"{path}: is an input of this run; choose another output name so the input is kept"
            )


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path`` and rename it into place.

    An interrupted run leaves either the old file or the new one, never half of one.
    """
    path = Path(path)
    directory = path.parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise OutputError(
            f"{path}: cannot write here ({exc.strerror}); choose another place"
        ) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot write ({exc.strerror}); check the folder") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    """Write UTF-8 text atomically, with Unix line endings."""
    write_bytes_atomic(path, text.encode("utf-8"))


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
