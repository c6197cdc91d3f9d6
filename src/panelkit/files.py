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
