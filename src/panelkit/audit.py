"""Run records: what a command read, what it wrote and how, and checking them later.

Every command that writes files leaves a run record (JSON): ``run.json`` inside a
report folder, ``<output file name>.run.json`` beside a single output file (e.g.
``estimates.json.run.json``). It names the command, each input (role, path,
SHA-256, size), each output (path, SHA-256, size), the settings, the versions of
panelkit, Python and the numeric libraries, and the reconciliation (rows read =
used + rejected) where there is one. The only date is the one in
``SOURCE_DATE_EPOCH`` (none without it), so the same run gives the same record.

Paths are recorded relative to the record's own folder, with ``/``, for inputs
inside the project (the folder of ``panelkit.yaml``, else the working folder)
when the record is inside the project or beside it: a project folder can be
moved or copied whole and still verify. Anything else (the bundled demo's files,
a report written to another disk) is recorded by file name, size and SHA-256
only (``"path": null``), so no home directory (a user name) is written into a
report that may be published; ``verify`` lists such inputs as not checked.

:func:`verify` reads the records in a folder (or one record), recomputes the
SHA-256 of every file they name and says, per file, ok, changed or missing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import Any

from panelkit.errors import AuditError, OutputError
from panelkit.files import sha256_file
from panelkit.results import Reconciliation

RUN_FILE = "run.json"  # the record inside a report folder
RUN_SUFFIX = ".run.json"  # the record beside a single output: estimates.json.run.json
LIBRARIES = ("numpy", "pandas", "scipy", "matplotlib", "openpyxl")
Role = tuple[str, Path]  # ("data", path), ("schema", path), ...


def source_date() -> dt.date | None:
    """The date of ``SOURCE_DATE_EPOCH`` (UTC), or None when it is not set."""
    stamp = source_time()
    return None if stamp is None else stamp.date()


def source_time() -> dt.datetime | None:
    """``SOURCE_DATE_EPOCH`` as a UTC time, or None when it is not set."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not raw:
        return None
    try:
        return dt.datetime.fromtimestamp(int(raw), tz=dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise OutputError(
            f"SOURCE_DATE_EPOCH={raw!r}: expected whole seconds since 1970, e.g. 1700000000; "
            "fix or unset it"
        ) from None


def library_versions(version: str) -> dict[str, str]:
    """Versions of panelkit, Python and the numeric libraries."""
    import importlib.metadata
    import platform

    out = {"panelkit": version, "python": platform.python_version()}
    for name in LIBRARIES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def relative_path(path: Path, base: Path) -> str:
    """``path`` as seen from the folder ``base``, with ``/``; absolute where that cannot be."""
    target = Path(path).resolve()
    try:
        return Path(os.path.relpath(target, Path(base).resolve())).as_posix()
    except ValueError:  # another drive (Windows)
        return target.as_posix()


def project_root(project_file: Path | None) -> Path:
    """The project a run belongs to: the folder of its ``panelkit.yaml``, else the working one."""
    return (Path(project_file).parent if project_file is not None else Path.cwd()).resolve()


def recorded_path(path: Path, base: Path, project: Path | None) -> str | None:
    """How a record in ``base`` names the input ``path``: relative when the input is inside
    ``project`` and the record inside it or beside it, else None (name and hash only)."""
    root = project_root(None) if project is None else Path(project).resolve()
    target, folder = Path(path).resolve(), Path(base).resolve()
    if not target.is_relative_to(root) or not folder.is_relative_to(root.parent):
        return None
    relative = relative_path(target, folder)
    return None if PurePosixPath(relative).is_absolute() else relative


def record_path(output: Path) -> Path:
    """Where the run record of a single output file goes: ``<name>.run.json`` beside it."""
    return output.with_name(output.name + RUN_SUFFIX)


@dataclass(frozen=True)
class InputFile:
    """One input of a run, as its record names it."""

    role: str  # "data", "schema", "previous data", ...
    path: str | None  # relative to the record's folder; None outside the project
    sha256: str
    size: int
    file: str = ""  # the file name (defaults to the path's last part)

    @property
    def name(self) -> str:
        return self.file or PurePosixPath(self.path or "").name


def input_files(
    roles: Sequence[Role], base: Path, project: Path | None = None
) -> tuple[InputFile, ...]:
    """Hash each input; paths relative to ``base``, the folder the record will be in, for
    inputs inside ``project`` (default: the working folder), else name and hash only."""
    out = []
    for role, path in roles:
        try:
            digest, size = sha256_file(path), Path(path).stat().st_size
        except OSError as exc:
            raise AuditError(
                f"{path}: cannot be read for the run record ({exc.strerror}); give the "
                f"{role} as a regular file"
            ) from None
        out.append(InputFile(role, recorded_path(path, base, project), digest, size,
                             Path(path).name))  # fmt: skip
    return tuple(out)


def run_record(
    *,
    command: str,
    version: str,
    inputs: Sequence[InputFile],
    outputs: Mapping[str, bytes],
    settings: Mapping[str, Any],
    survey: Reconciliation | None,
    created: dt.date | None,
    extra: Mapping[str, Any] | None = None,
) -> bytes:
    """The record as JSON bytes; ``outputs`` maps each output's path (relative to the
    record's folder) to its bytes, and ``extra`` adds command-specific keys."""
    doc: dict[str, Any] = {
        "panelkit_version": version,
        "command": command,
        "created": None if created is None else created.isoformat(),
        "inputs": [
            {"role": i.role, "file": i.name, "path": i.path, "sha256": i.sha256, "bytes": i.size}
            for i in inputs
        ],
        "settings": dict(settings),
        "versions": library_versions(version),
        "survey": None if survey is None else survey.to_dict(),
    }
    doc.update(extra or {})
    doc["outputs"] = [
        {"file": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
        for name, data in sorted(outputs.items())
    ]
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def write_output(
    out: Path,
    payload: bytes,
    *,
    command: str,
    inputs: Sequence[Role],
    settings: Mapping[str, Any],
    survey: Reconciliation | None,
    project: Path | None = None,
) -> Path:
    """Write one output file atomically (never over an input) and its run record beside it.

    ``project``: the project's folder (see :func:`recorded_path`); default the working one.
    A target that is not a regular file (``/dev/null``) is refused, and so no record is
    written beside it.

    Returns the record's path. The output is written first: a run stopped between the
    two leaves a record that :func:`verify` reports as not matching, never a silent one.
    """
    from panelkit import __version__
    from panelkit.files import guard_not_input, refuse_special, write_bytes_atomic

    out = Path(out)
    record = record_path(out)
    paths = [path for _role, path in inputs]
    guard_not_input(out, paths)
    guard_not_input(record, paths)
    refuse_special(out)
    refuse_special(record)
    created = source_date()  # a bad SOURCE_DATE_EPOCH stops the run before anything is written
    write_bytes_atomic(out, payload)
    base = out.resolve().parent
    doc = run_record(
        command=command,
        version=__version__,
        inputs=input_files(inputs, base, project),
        outputs={out.name: payload},
        settings=settings,
        survey=survey,
        created=created,
    )
    write_bytes_atomic(record, doc)
    return record


# --------------------------------------------------------------------------- verify


class FileStatus(StrEnum):
    """How a file compares with its run record."""

    OK = "ok"
    CHANGED = "changed"
    MISSING = "missing"  # absent, or cannot be read
    REFUSED = "refused"  # not a regular file, or (an output) outside the record's folder
    EXTRA = "extra"  # in a report folder, but not among its record's outputs
    UNCHECKED = "unchecked"  # an input outside the project: recorded by name and hash only


_BAD = (FileStatus.CHANGED, FileStatus.MISSING, FileStatus.REFUSED, FileStatus.EXTRA)
_SAID = {
    FileStatus.REFUSED: "refused (not a regular file inside the folder)",
    FileStatus.EXTRA: "extra (not written by the run)",
}
RECORD_LIMIT = 16 << 20  # no run record panelkit writes is near this
WALK_LIMIT = 10_000  # files looked at in a report folder


@dataclass(frozen=True)
class FileCheck:
    """One file a run record names (or, in a report folder, one it does not), checked."""

    record: Path
    kind: str  # "input" or "output"
    role: str  # the input's role; "output" for an output
    path: str  # as recorded (relative to the record's folder); the name where none
    status: FileStatus


@dataclass(frozen=True)
class RecordCheck:
    """One run record and its files."""

    record: Path
    command: str | None
    files: tuple[FileCheck, ...]


@dataclass(frozen=True)
class Verification:
    """What :func:`verify` found."""

    target: Path
    records: tuple[RecordCheck, ...]

    @property
    def files(self) -> tuple[FileCheck, ...]:
        return tuple(f for r in self.records for f in r.files)

    @property
    def ok(self) -> bool:
        return all(f.status not in _BAD for f in self.files)

    def ok_line(self) -> str:
        """The closing line when everything matches."""
        unchecked = sum(f.status is FileStatus.UNCHECKED for f in self.files)
        if not unchecked:
            return f"All {len(self.files)} files match their run records."
        return (
            f"All {len(self.files) - unchecked} checked files match their run records; "
            f"{unchecked} inputs outside the project are recorded by name and hash only."
        )

    def summary(self) -> str:
        """One line: what differs, and what to do (empty when everything matches)."""
        bad = [f for f in self.files if f.status in _BAD]
        if not bad:
            return ""
        parts = []
        for status in _BAD:
            named = [_named(f) for f in bad if f.status is status]
            if named:
                shown = ", ".join(named[:5]) + (
                    f" and {len(named) - 5} more" if len(named) > 5 else ""
                )
                parts.append(f"{_SAID.get(status, status)}: {shown}")
        return (
            f"{self.target}: {len(bad)} of {len(self.files)} files do not match their run "
            f"record ({'; '.join(parts)}); run the command again to bring the outputs up to "
            "date, or find out what changed the inputs"
        )


def _named(f: FileCheck) -> str:
    return f"{f.role} {f.path}" if f.kind == "input" else f.path


def find_records(target: Path) -> tuple[Path, ...]:
    """The run records in a folder (``run.json`` and ``*.run.json``), or the one given."""
    target = Path(target)
    if _is_regular(target):
        return (target,)
    if not target.is_dir():
        raise AuditError(
            f"{target}: not found; give a report folder, a folder with *.run.json files, "
            "or one FILE.run.json"
        )
    found = sorted(
        p
        for p in target.iterdir()
        if (p.name == RUN_FILE or p.name.endswith(RUN_SUFFIX)) and _is_regular(p)
    )
    if not found:
        raise AuditError(
            f"{target}: holds no run record ({RUN_FILE} or *{RUN_SUFFIX}); give the folder a "
            "command wrote its output into, or the record itself"
        )
    return tuple(found)


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(Path(path).stat().st_mode)
    except (OSError, ValueError):
        return False


def verify(target: Path) -> Verification:
    """Check every file named by the run records in ``target`` (a folder, or one record).

    Only regular files are read, each no further than its recorded size; outputs must
    lie inside the record's folder, and a report folder (``run.json``) must hold nothing
    its record does not list.
    """
    return Verification(Path(target), tuple(_check(r) for r in find_records(target)))


def _check(record: Path) -> RecordCheck:
    doc = load_record(record)
    base = record.parent
    checks = []
    for item in doc["inputs"]:
        path = item.get("path")
        shown = str(path if path is not None else item["file"])
        status = FileStatus.UNCHECKED if path is None else _status(base, path, item, inside=False)
        checks.append(FileCheck(record, "input", str(item["role"]), shown, status))
    listed = set()
    for item in doc["outputs"]:
        path = str(item["file"])
        listed.add(PurePosixPath(path).as_posix())
        status = _status(base, path, item, inside=True)
        checks.append(FileCheck(record, "output", "output", path, status))
    if record.name == RUN_FILE:  # a report folder holds its outputs and nothing else
        checks += [
            FileCheck(record, "output", "output", name, FileStatus.EXTRA)
            for name in _folder_files(base)
            if name != RUN_FILE and name not in listed
        ]
    command = doc.get("command")
    return RecordCheck(record, None if command is None else str(command), tuple(checks))


def _folder_files(folder: Path) -> list[str]:
    """Every non-folder entry below ``folder`` (symlinks not followed), relative, sorted."""
    out: list[str] = []
    for root, dirs, names in os.walk(folder):
        rel = Path(root).relative_to(folder)
        out += [(rel / n).as_posix() for n in names]
        out += [(rel / d).as_posix() for d in dirs if (Path(root) / d).is_symlink()]
        if len(out) > WALK_LIMIT:
            break
    return sorted(out)


def load_record(record: Path) -> dict[str, Any]:
    """A run record, read (bounded) and checked: a panelkit record, with safe paths."""
    reason = None
    try:
        fd = os.open(record, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                reason = "not a regular file"
            else:
                raw = handle.read(RECORD_LIMIT + 1)
                if len(raw) > RECORD_LIMIT:
                    reason = f"larger than {RECORD_LIMIT >> 20} MiB"
    except OSError as exc:
        reason = exc.strerror or "cannot be read"
    if reason is None:
        try:
            doc = json.loads(raw.decode("utf-8"))
        except RecursionError:
            reason = "nested too deeply"
        except ValueError:
            reason = "not valid JSON"
    if reason is not None:
        raise AuditError(
            f"{record}: cannot be read as a run record ({reason}); give a {RUN_FILE} or "
            f"*{RUN_SUFFIX} that panelkit wrote"
        ) from None
    if not _well_formed(doc):
        raise AuditError(
            f"{record}: not a panelkit run record (expected panelkit_version, and inputs and "
            f"outputs with file and sha256); give a {RUN_FILE} or *{RUN_SUFFIX} that panelkit "
            "wrote"
        )
    if not doc["outputs"]:
        raise AuditError(
            f"{record}: lists no outputs, so there is nothing to verify; give a {RUN_FILE} or "
            f"*{RUN_SUFFIX} that panelkit wrote"
        )
    for kind in ("inputs", "outputs"):
        for item in doc[kind]:
            path = item.get("path") if kind == "inputs" else item["file"]
            if path is not None and not _safe_path(str(path), inside=kind == "outputs"):
                where = "inside the record's folder" if kind == "outputs" else "relative"
                raise AuditError(
                    f"{record}: {kind[:-1]} path {_shown_path(str(path))} is not a {where} "
                    "path; verify reads only files a panelkit record can name, so give a "
                    "record that panelkit wrote"
                )
    return doc


def _well_formed(doc: Any) -> bool:
    def text(value: Any) -> bool:
        return isinstance(value, str) and 0 < len(value) <= 4096

    def entry(item: Any, kind: str) -> bool:
        if not isinstance(item, dict) or not text(item.get("file")):
            return False
        digest = item.get("sha256")
        if not (isinstance(digest, str) and len(digest) == 64):
            return False
        size = item.get("bytes", 0)
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            return False
        if kind == "inputs":
            path = item.get("path")
            return text(item.get("role")) and (path is None or text(path))
        return True

    return (
        isinstance(doc, dict)
        and "panelkit_version" in doc
        and all(
            isinstance(doc.get(key), list) and all(entry(i, key) for i in doc[key])
            for key in ("inputs", "outputs")
        )
    )


def _safe_path(path: str, *, inside: bool) -> bool:
    """A recorded path panelkit could have written: relative, ``/``-separated, printable;
    for an output also without ``..`` (it lies in the record's folder)."""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in path) or "\\" in path:
        return False
    pure = PurePosixPath(path)
    if pure.is_absolute() or path.startswith("~"):
        return False
    return not (inside and (".." in pure.parts or not pure.parts or pure.parts == (".",)))


def _shown_path(path: str) -> str:
    """A crafted path, escaped and shortened for the one error line."""
    text = path.encode("unicode_escape").decode("ascii")
    return repr(text if len(text) <= 80 else text[:77] + "...")


def _status(base: Path, recorded: str, item: Mapping[str, Any], *, inside: bool) -> FileStatus:
    path = base / recorded
    try:
        info = path.stat()
        if inside and not path.resolve().is_relative_to(base.resolve()):
            return FileStatus.REFUSED  # a symlink out of the folder
    except FileNotFoundError:
        return FileStatus.MISSING
    except (OSError, ValueError):
        return FileStatus.MISSING
    if not stat.S_ISREG(info.st_mode):
        return FileStatus.REFUSED
    size = item.get("bytes")
    if isinstance(size, int) and info.st_size != size:
        return FileStatus.CHANGED  # no need to read it
    try:
        digest = sha256_file(path, limit=size if isinstance(size, int) else None)
    except OSError:
        return FileStatus.CHANGED if path.exists() else FileStatus.MISSING
    return FileStatus.OK if digest == str(item["sha256"]) else FileStatus.CHANGED
