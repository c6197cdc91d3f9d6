"""Writing outputs safely: atomically, never over an input, formula-safe cells."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
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

    Numeric columns are left as they are, so numbers stay numbers. Text columns are
    neutralised once per distinct value (an id column has many, a label column few).
    """
    import pandas as pd

    out = frame.copy()
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col].dtype):
            out[col] = _safe_column(out[col])
    out.columns = [safe_value(c) for c in out.columns]
    return out


def _safe_column(column: pd.Series) -> pd.Series:
    """``column.map(safe_value, na_action="ignore")``, on its distinct values."""
    import numpy as np
    import pandas as pd

    if isinstance(column.dtype, pd.CategoricalDtype) or column.dtype != object:
        return column.map(safe_value, na_action="ignore")  # categories: already distinct
    values = column.to_numpy()
    codes, uniques = pd.factorize(values)
    if not all(type(u) is str for u in uniques):
        # mixed cells (a workbook's): factorize counts True and 1 as one value
        return column.map(safe_value, na_action="ignore")
    if not len(uniques):
        return column.copy()
    mapped = np.empty(len(uniques), dtype=object)
    mapped[:] = [safe_value(u) for u in uniques]
    out = values.copy()
    known = codes >= 0
    out[known] = mapped[codes[known]]  # missing cells keep their own NA object
    return pd.Series(out, index=column.index, name=column.name, dtype=object)


# Characters that make Python's csv writer (QUOTE_MINIMAL, ",", '"', "\n") quote a
# field, or may: a field with none of them is written as it is; the few with one go
# through the csv module itself, so the quoting is its own.
_MAY_QUOTE = '[,"\r\n]'
_FORMULA = "^[=+\\-@\t\r]"  # FORMULA_STARTS as a pattern


def safe_csv(frame: pd.DataFrame, *, float_format: str) -> bytes:
    """``safe_frame(frame).to_csv(index=False, float_format=..., lineterminator="\\n")`` as
    UTF-8: the same bytes, with the text work done once per distinct cell value.

    Each column is factorised; its distinct values are neutralised (:func:`safe_cell`),
    formatted (``float_format % value``, as pandas) and quoted (by the csv module) once,
    and pyarrow lays out the rows. Other columns (booleans, mixed objects) and frames of
    one column go to pandas' writer as before.
    """
    if frame.shape[1] < 2 or not frame.columns.is_unique or len(frame) == 0:
        return _pandas_csv(frame, float_format)
    fields = []
    for _, column in frame.items():
        cells = _column_fields(column, float_format)
        if cells is None:
            return _pandas_csv(frame, float_format)
        fields.append(cells)
    return _join_rows(_pandas_csv(frame.iloc[:0], float_format), fields)


def _pandas_csv(frame: pd.DataFrame, float_format: str) -> bytes:
    text = safe_frame(frame).to_csv(index=False, float_format=float_format, lineterminator="\n")
    return text.encode("utf-8")


def _column_fields(column: pd.Series, float_format: str) -> tuple[Any, Any] | None:
    """(codes, the CSV field of each code as a pyarrow array) of one column, -1 missing;
    None: leave the frame to pandas."""
    import numpy as np
    import pandas as pd

    dtype = column.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc

        # Arrow-backed text: no Python string per cell
        arr = pa.chunked_array(pa.array(column)).combine_chunks()
        head = arr.slice(0, _SAMPLE)
        if pc.count_distinct(head, mode="all").as_py() > 0.9 * len(head):
            # Nearly every value distinct (ids): each cell is its own field; a dictionary
            # of a million distinct values would be a hash pass for nothing.
            codes = np.arange(len(arr))
            codes[np.asarray(arr.is_null().to_numpy(zero_copy_only=False))] = -1
            return codes, _text_fields(arr.fill_null(""))
        encoded = arr.dictionary_encode()
        codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
        return codes, _text_fields(encoded.dictionary)
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        # by bit pattern: -0.0 is written "-0", apart from 0.0
        values = np.ascontiguousarray(column.to_numpy(dtype=np.float64))
        codes, bits = pd.factorize(values.view(np.int64))
        numbers = np.asarray(bits).view(np.float64).tolist()
        texts = ["" if v != v else float_format % v for v in numbers]  # NaN: na_rep
        return codes, _text_fields(np.asarray(texts, dtype=object), neutralise=False)
    if isinstance(dtype, pd.CategoricalDtype):
        uniques = np.asarray(dtype.categories, dtype=object)
        codes = np.asarray(column.cat.codes)
    elif pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype):
        codes, found = pd.factorize(column)
        uniques = np.asarray(found, dtype=object)
    elif dtype.kind in "iu":
        codes, found = pd.factorize(column)
        texts = [str(v) for v in found.tolist()]
        return codes, _text_fields(np.asarray(texts, dtype=object), neutralise=False)
    else:
        return None
    if not all(type(u) is str for u in uniques):
        return None
    return codes, _text_fields(uniques)


_SAMPLE = 4096  # a text column's first cells, to tell ids (nearly all distinct) from answers


def _text_fields(texts: Any, *, neutralise: bool = True) -> Any:
    """Distinct texts as CSV fields: formula starts neutralised, quoted where needed."""
    import csv
    import io

    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if not isinstance(texts, pa.Array):
        texts = pa.array(texts, type=pa.large_string())
    arr = texts.cast(pa.large_string())
    if neutralise:
        flagged = pc.match_substring_regex(arr, _FORMULA)
        arr = pc.if_else(flagged, pc.binary_join_element_wise(_large("'"), arr, _large("")), arr)
    quote = np.asarray(pc.match_substring_regex(arr, _MAY_QUOTE).to_numpy(zero_copy_only=False))
    if quote.any():
        fixed = []
        for text in arr.filter(pa.array(quote)).to_pylist():
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerow([text, ""])
            fixed.append(buffer.getvalue()[:-2])  # the field without ",\n"
        arr = pc.replace_with_mask(arr, pa.array(quote), pa.array(fixed, type=pa.large_string()))
    return arr


def _large(text: str) -> Any:
    import pyarrow as pa

    return pa.scalar(text, type=pa.large_string())


_ROWS_PER_PIECE = 1 << 16  # rows laid out at a time: the full-length cells never coexist


def _join_rows(header: bytes, fields: list[tuple[Any, Any]]) -> bytes:
    """``header`` and the CSV rows (",", "\n") of the columns' codes and fields, as UTF-8."""
    import io

    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    texts, indices = [], []
    for j, (codes, arr) in enumerate(fields):
        end = "\n" if j == len(fields) - 1 else ","
        # a missing cell is empty (pandas' na_rep); its code -1 points past the fields
        arr = pa.concat_arrays([arr, pa.array([""], type=pa.large_string())])
        texts.append(pc.binary_join_element_wise(arr, _large(end), _large("")))
        indices.append(np.where(codes < 0, len(arr) - 1, codes))
    # One growing buffer, not a list of pieces joined at the end (which held the CSV
    # twice); BytesIO hands its buffer over without a copy.
    out = io.BytesIO()
    out.write(header)
    n = len(indices[0])
    for start in range(0, n, _ROWS_PER_PIECE):
        part = slice(start, start + _ROWS_PER_PIECE)
        cells = [t.take(pa.array(i[part])) for t, i in zip(texts, indices, strict=True)]
        rows = pc.binary_join_element_wise(*cells, _large(""))
        offsets = np.frombuffer(rows.buffers()[1], dtype=np.int64)
        first, last = offsets[rows.offset], offsets[rows.offset + len(rows)]
        out.write(memoryview(rows.buffers()[2])[first:last])
    return out.getvalue()


def guard_not_input(path: Path, inputs: Iterable[Path]) -> None:
    """Refuse to write an output over one of the run's input files."""
    target = path.resolve()
    for item in inputs:
        if item is not None and Path(item).resolve() == target:
            raise OutputError(
                f"{path}: is an input of this run; choose another output name so the input is kept"
            )


TEMP_MARK = "panelkit-"  # in every temporary name: .NAME.panelkit-XXXX.tmp


def refuse_special(path: Path, what: str | None = None) -> None:
    """Refuse a target that exists and is not a regular file (a device, pipe or socket).

    Renaming over ``/dev/null`` would replace the device with a file; panelkit writes
    only regular files. A symlink is followed: ``/dev/stdout`` is refused too.
    """
    try:
        mode = Path(path).stat().st_mode
    except (OSError, ValueError):
        return  # absent (or unreadable: the write itself will say so)
    if stat.S_ISDIR(mode):
        return  # callers say what a folder means for them
    if not stat.S_ISREG(mode):
        shown = what or str(path)
        raise OutputError(
            f"{shown}: is not a regular file (a device, pipe or socket); panelkit writes only "
            "files, so give a file name, or leave --out out to print"
        )


def _unlocked_leftovers(directory: Path, name: str) -> None:
    """Remove ``.NAME.panelkit-*.tmp`` files that no live run holds (flock), i.e. what a
    killed run left; a run still writing holds its lock, so its file is kept."""
    import fcntl

    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    prefix = f".{name}.{TEMP_MARK}"
    for entry in entries:
        if not (entry.name.startswith(prefix) and entry.name.endswith(".tmp")):
            continue
        try:
            fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                continue
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            Path(entry.path).unlink()
        except OSError:
            pass  # locked: another run is writing it
        finally:
            os.close(fd)


def _locked_temp(directory: Path, name: str) -> tuple[int, str]:
    """A new private (0600) temporary file beside the target, locked while we write it.

    The lock tells a later run's clean-up (:func:`_unlocked_leftovers`) that the file is
    in use; if the clean-up removed it between creation and locking, make another.
    """
    import fcntl

    while True:
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.{TEMP_MARK}", suffix=".tmp", dir=directory)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            same = Path(tmp).stat().st_ino == os.fstat(fd).st_ino
        except OSError:
            same = False
        if same:
            return fd, tmp
        os.close(fd)


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path`` and rename it into place.

    An interrupted run leaves either the old file or the new one, never half of one;
    the temporary file (``.NAME.panelkit-XXXX.tmp``, readable only by you) of a killed
    run is removed by the next write of the same name. A target that is not a regular
    file (``/dev/null``, a FIFO) is refused rather than replaced.
    """
    path = Path(path)
    directory = path.parent
    refuse_special(path)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        _unlocked_leftovers(directory, path.name)
        fd, tmp = _locked_temp(directory, path.name)
    except OSError as exc:
        raise OutputError(
            f"{path}: cannot write here ({exc.strerror}); choose another place"
        ) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
            refuse_special(path)  # it may have become one while we wrote
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


def sha256_file(path: Path, *, limit: int | None = None) -> str:
    """Hex SHA-256 of a regular file's bytes, read in blocks.

    Raises ``OSError`` for anything that is not a regular file (a device such as
    ``/dev/zero`` would never end), and, with ``limit``, for a file longer than that.
    """
    digest = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        read = 0
        for block in iter(lambda: handle.read(1 << 20), b""):
            read += len(block)
            if limit is not None and read > limit:
                raise OSError(errno.EFBIG, "longer than recorded", str(path))
            digest.update(block)
    return digest.hexdigest()
