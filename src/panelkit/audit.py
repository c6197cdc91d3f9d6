"""Run records: what a command read, what it wrote and how, and checking them later.

Every command that writes files leaves a run record (JSON): ``run.json`` inside a
report folder, ``<output file name>.run.json`` beside a single output file (e.g.
``estimates.json.run.json``). It names the command, each input (role, path,
SHA-256, size), each output (path, SHA-256, size), the settings, the versions of
panelkit, Python and the numeric libraries, and the reconciliation (rows read =
used + rejected) where there is one. The only date is the one in
``SOURCE_DATE_EPOCH`` (none without it), so the same run gives the same record.

Paths are recorded relative to the record's own folder, with ``/`` (an absolute
path only where no relative one exists, e.g. another drive): a project folder
can be moved or copied whole and still verify, and no home directory (a user
name) is written into a report that may be published.

:func:`verify` reads the records in a folder (or one record), recomputes the
SHA-256 of every file they name and says, per file, ok, changed or missing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
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
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not raw:
        return None
    try:
        return dt.datetime.fromtimestamp(int(raw), tz=dt.UTC).date()
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


def record_path(output: Path) -> Path:
    """Where the run record of a single output file goes: ``<name>.run.json`` beside it."""
    return output.with_name(output.name + RUN_SUFFIX)


@dataclass(frozen=True)
class InputFile:
    """One input of a run, as its record names it."""

    role: str  # "data", "schema", "previous data", ...
    path: str  # relative to the record's folder (see the module docstring)
    sha256: str
    size: int

    @property
    def name(self) -> str:
        return PurePosixPath(self.path).name


def input_files(roles: Sequence[Role], base: Path) -> tuple[InputFile, ...]:
    """Hash each input; paths relative to ``base``, the folder the record will be in."""
    return tuple(
        InputFile(role, relative_path(path, base), sha256_file(path), Path(path).stat().st_size)
        for role, path in roles
    )


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
) -> Path:
    """Write one output file atomically (never over an input) and its run record beside it.

    Returns the record's path. The output is written first: a run stopped between the
    two leaves a record that :func:`verify` reports as not matching, never a silent one.
    """
    from panelkit import __version__
    from panelkit.files import guard_not_input, write_bytes_atomic

    out = Path(out)
    record = record_path(out)
    paths = [path for _role, path in inputs]
    guard_not_input(out, paths)
    guard_not_input(record, paths)
    created = source_date()  # a bad SOURCE_DATE_EPOCH stops the run before anything is written
    write_bytes_atomic(out, payload)
    base = out.resolve().parent
    doc = run_record(
        command=command,
        version=__version__,
        inputs=input_files(inputs, base),
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


@dataclass(frozen=True)
class FileCheck:
    """One file a run record names, checked."""

    record: Path
    kind: str  # "input" or "output"
    role: str  # the input's role; "output" for an output
    path: str  # as recorded (relative to the record's folder)
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
        return all(f.status is FileStatus.OK for f in self.files)

    def summary(self) -> str:
        """One line: what differs, and what to do (empty when everything matches)."""
        bad = [f for f in self.files if f.status is not FileStatus.OK]
        if not bad:
            return ""
        parts = []
        for status in (FileStatus.CHANGED, FileStatus.MISSING):
            named = [_named(f) for f in bad if f.status is status]
            if named:
                shown = ", ".join(named[:5]) + (
                    f" and {len(named) - 5} more" if len(named) > 5 else ""
                )
                parts.append(f"{status}: {shown}")
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
    if target.is_file():
        return (target,)
    if not target.is_dir():
        raise AuditError(
            f"{target}: not found; give a report folder, a folder with *.run.json files, "
            "or one FILE.run.json"
        )
    found = sorted(
        p
        for p in target.iterdir()
        if p.is_file() and (p.name == RUN_FILE or p.name.endswith(RUN_SUFFIX))
    )
    if not found:
        raise AuditError(
            f"{target}: holds no run record ({RUN_FILE} or *{RUN_SUFFIX}); give the folder a "
            "command wrote its output into, or the record itself"
        )
    return tuple(found)


def verify(target: Path) -> Verification:
    """Check every file named by the run records in ``target`` (a folder, or one record)."""
    return Verification(Path(target), tuple(_check(r) for r in find_records(target)))


def _check(record: Path) -> RecordCheck:
    doc = _load(record)
    base = record.parent
    checks = []
    for item in doc["inputs"]:
        path = str(item.get("path") or item["file"])  # records before paths: the name only
        checks.append(
            FileCheck(record, "input", str(item["role"]), path, _status(base, path, item))
        )
    for item in doc["outputs"]:
        path = str(item["file"])
        checks.append(FileCheck(record, "output", "output", path, _status(base, path, item)))
    command = doc.get("command")
    return RecordCheck(record, None if command is None else str(command), tuple(checks))


def _load(record: Path) -> dict[str, Any]:
    try:
        doc = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not valid JSON"
        raise AuditError(
            f"{record}: cannot be read as a run record ({reason}); give a {RUN_FILE} or "
            f"*{RUN_SUFFIX} that panelkit wrote"
        ) from None
    ok = (
        isinstance(doc, dict)
        and "panelkit_version" in doc
        and all(
            isinstance(doc.get(key), list)
            and all(isinstance(i, dict) and "file" in i and "sha256" in i for i in doc[key])
            for key in ("inputs", "outputs")
        )
        and all("role" in i for i in doc["inputs"])
    )
    if not ok:
        raise AuditError(
            f"{record}: not a panelkit run record (expected panelkit_version, and inputs and "
            f"outputs with file and sha256); give a {RUN_FILE} or *{RUN_SUFFIX} that panelkit "
            "wrote"
        )
    return doc


def _status(base: Path, recorded: str, item: Mapping[str, Any]) -> FileStatus:
    path = Path(recorded)
    path = path if path.is_absolute() else base / path
    try:
        digest = sha256_file(path)
    except OSError:
        return FileStatus.MISSING
    return FileStatus.OK if digest == str(item["sha256"]) else FileStatus.CHANGED
