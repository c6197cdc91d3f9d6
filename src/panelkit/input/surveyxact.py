"""SurveyXact's own metadata: the structure and the answer labels of an export.

SurveyXact exports a survey as three tables: the answers (``dataset.csv``, sheet
``Dataset``), one row per data column saying which question it belongs to
(``structure.csv``, sheet ``Structure``: questionName, variableName,
questionType, subType, questionText, choiceValue, choiceText) and the label of
every answer code (``labels.csv``, sheet ``Labels``: variable, code, label, no
header). They come as one workbook, or as three CSV files in any of the
platform's encodings and separators (read with the export reader's sniffing).

Texts are kept as the platform wrote them except for white space at either end:
the CSV files hold "Design og redesign " where the workbook holds "Design og
redesign\\n", and a schema strips both anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from panelkit.errors import ExportError
from panelkit.input.exports import (
    SURVEYXACT_DATASET,
    SURVEYXACT_LABELS,
    member_file,
    read_delimited_text,
    read_sheet_rows,
    sheet_names,
)

__all__ = [
    "STRUCTURE_COLUMNS",
    "StructureRow",
    "SurveyXactFiles",
    "SurveyXactMetadata",
    "cell_text",
    "labels_from_rows",
    "locate_files",
    "read_labels",
    "read_metadata",
]

SURVEYXACT_STRUCTURE: Final = "structure.csv"
_NAMES: Final = (SURVEYXACT_DATASET, SURVEYXACT_STRUCTURE, SURVEYXACT_LABELS)
STRUCTURE_COLUMNS: Final = (
    "questionName",
    "variableName",
    "questionType",
    "subType",
    "questionText",
    "choiceValue",
    "choiceText",
)
_SHEETS: Final = ("Dataset", "Structure", "Labels")

# Labels of a variable: (code, label) pairs in the platform's order.
ValueLabels = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class StructureRow:
    """One data column as ``structure.csv`` describes it (texts stripped)."""

    question: str
    variable: str
    question_type: str  # "Closed" or "Open", as the platform writes it
    sub_type: str  # "Single", "Multiple" or "String"
    text: str
    choice_value: str
    choice_text: str

    @property
    def is_multiple(self) -> bool:
        return self.sub_type.casefold() == "multiple"

    @property
    def is_open(self) -> bool:
        return self.question_type.casefold() == "open"

    @property
    def is_free_text(self) -> bool:
        return self.is_open and self.sub_type.casefold() in ("string", "text", "")


@dataclass(frozen=True)
class SurveyXactFiles:
    """Where the three tables of one export are."""

    dataset: Path  # dataset.csv, or the workbook
    structure: Path
    labels: Path
    workbook: bool = False
    folder: Path | None = None  # the folder given, if one was

    def inputs(self) -> tuple[Path, ...]:
        return tuple(dict.fromkeys((self.dataset, self.structure, self.labels)))

    def describe(self) -> str:
        """The export in a few words, for the schema's header."""
        if self.workbook:
            return f"workbook {self.dataset.name} (sheets Dataset, Structure, Labels)"
        if self.folder is not None:
            return f"folder {self.folder.name} (dataset.csv, structure.csv, labels.csv)"
        return "files " + ", ".join(p.name for p in self.inputs())


@dataclass(frozen=True)
class SurveyXactMetadata:
    """The structure rows in the platform's order and every variable's labels."""

    files: SurveyXactFiles
    structure: tuple[StructureRow, ...]
    labels: Mapping[str, ValueLabels]
    encoding: str | None = None  # of structure.csv (None: a workbook)
    delimiter: str | None = None


def cell_text(value: object) -> str:
    """A metadata cell as text: empty for nothing, 3 for a workbook's 3.0, stripped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def locate_files(sources: Sequence[Path]) -> SurveyXactFiles | None:
    """The SurveyXact export among ``sources``, or None when they are not one.

    One source: a workbook with the sheets Dataset, Structure and Labels; a
    folder holding dataset.csv, structure.csv and labels.csv; or one of those
    files with the other two beside it. Several sources: exactly those three
    files. Raises ExportError for a folder or a set of files that lacks one.
    """
    if len(sources) == 1:
        return _locate_one(Path(sources[0]))
    found: dict[str, Path] = {}
    for source in sources:
        p = Path(source)
        name = p.name.casefold()
        if name not in _NAMES:
            raise ExportError(
                f"{p}: several sources are read as one SurveyXact export, which is "
                "dataset.csv, structure.csv and labels.csv; give those three, or one export file"
            )
        if name in found:
            raise ExportError(f"{p}: a second {name}; give each of the three files once")
        if not p.is_file():
            raise ExportError(f"{p} does not exist; check the path and the file name")
        found[name] = p
    missing = [n for n in _NAMES if n not in found]
    if missing:
        raise ExportError(
            f"{', '.join(str(p) for p in found.values())}: a SurveyXact export is three files; "
            f"{' and '.join(missing)} is not given; add it"
        )
    return SurveyXactFiles(
        found[SURVEYXACT_DATASET], found[SURVEYXACT_STRUCTURE], found[SURVEYXACT_LABELS]
    )


def _locate_one(p: Path) -> SurveyXactFiles | None:
    if p.is_dir():
        members = {n: member_file(p, n) for n in _NAMES}
        missing = [n for n, m in members.items() if m is None]
        if missing:
            raise ExportError(
                f"{p} is a folder without SurveyXact's {', '.join(missing)}; a folder must hold "
                "dataset.csv, structure.csv and labels.csv; or give the export file itself"
            )
        return SurveyXactFiles(
            members[SURVEYXACT_DATASET],  # type: ignore[arg-type]
            members[SURVEYXACT_STRUCTURE],  # type: ignore[arg-type]
            members[SURVEYXACT_LABELS],  # type: ignore[arg-type]
            folder=p,
        )
    if not p.is_file():
        return None
    if p.suffix.lower() == ".xlsx":
        folded = {n.strip().casefold() for n in sheet_names(p)}
        if {s.casefold() for s in _SHEETS} <= folded:
            return SurveyXactFiles(p, p, p, workbook=True)
        return None
    if p.name.casefold() in _NAMES:
        members = {n: member_file(p.parent, n) for n in _NAMES}
        if all(m is not None for m in members.values()):
            return SurveyXactFiles(
                members[SURVEYXACT_DATASET],  # type: ignore[arg-type]
                members[SURVEYXACT_STRUCTURE],  # type: ignore[arg-type]
                members[SURVEYXACT_LABELS],  # type: ignore[arg-type]
            )
    return None


def read_metadata(files: SurveyXactFiles) -> SurveyXactMetadata:
    """Read the structure and the labels of an export. Raises ExportError."""
    if files.workbook:
        rows = read_sheet_rows(files.dataset, ("Structure", "Labels"))
        name = files.dataset.name
        structure_records = [tuple(cell_text(v) for v in r) for r in rows["Structure"]]
        structure = _structure(
            structure_records,
            list(range(1, len(structure_records) + 1)),
            lambda i: f'{name}, sheet "Structure", row {i}',
        )
        labels = labels_from_rows(rows["Labels"], f'{name}, sheet "Labels"')
        return SurveyXactMetadata(files, structure, labels)
    text = read_delimited_text(files.structure)
    structure = _structure(
        list(text.records), list(text.lines), lambda i: f"{files.structure.name}, line {i}"
    )
    return SurveyXactMetadata(
        files, structure, read_labels(files.labels), text.encoding, text.delimiter
    )


def _structure(
    records: list[tuple[str, ...]], lines: list[int], where: Callable[[int], str]
) -> tuple[StructureRow, ...]:
    records_with_lines = [(r, n) for r, n in zip(records, lines, strict=True) if any(r)]
    if not records_with_lines:
        raise ExportError(
            f"{where(1)}: the structure is empty; expected a header ({', '.join(STRUCTURE_COLUMNS)}) "
            "and one row per data column"
        )
    header, header_line = records_with_lines[0]
    position = {h.casefold(): i for i, h in enumerate(header)}
    absent = [c for c in STRUCTURE_COLUMNS if c.casefold() not in position]
    if absent:
        raise ExportError(
            f"{where(header_line)}: the structure has no column {absent[0]}; SurveyXact's "
            f"structure has the columns {', '.join(STRUCTURE_COLUMNS)}; export it again"
        )
    index = [position[c.casefold()] for c in STRUCTURE_COLUMNS]
    rows: list[StructureRow] = []
    seen: dict[str, int] = {}
    for record, line in records_with_lines[1:]:
        cells = [record[i] if i < len(record) else "" for i in index]
        row = StructureRow(*cells)
        if not row.variable:
            raise ExportError(
                f"{where(line)}: no variableName; every row of the structure names a data column"
            )
        if row.variable in seen:
            raise ExportError(
                f"{where(line)}: {row.variable} is described twice (also {where(seen[row.variable])}); "
                "export the structure again"
            )
        seen[row.variable] = line
        rows.append(row)
    return tuple(rows)


def read_labels(path: Path) -> dict[str, ValueLabels]:
    """The labels of a ``labels.csv`` (variable, code, label; no header). Raises ExportError."""
    text = read_delimited_text(path)
    return _labels(list(text.records), list(text.lines), lambda i: f"{Path(path).name}, line {i}")


def labels_from_rows(rows: Sequence[Sequence[object]], where: str) -> dict[str, ValueLabels]:
    """The labels of a workbook's ``Labels`` sheet (rows of cells as openpyxl reads them)."""
    records = [tuple(cell_text(v) for v in r) for r in rows]
    return _labels(records, list(range(1, len(records) + 1)), lambda i: f"{where}, row {i}")


def _labels(
    records: list[tuple[str, ...]], lines: list[int], where: Callable[[int], str]
) -> dict[str, ValueLabels]:
    collected: dict[str, dict[str, str]] = {}
    for record, line in zip(records, lines, strict=True):
        cells = [c for c in record]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            continue
        if len(cells) < 2 or not cells[0] or not cells[1]:
            raise ExportError(
                f"{where(line)}: expected a variable, a code and its label; SurveyXact's labels "
                "have three columns and no header"
            )
        label = cells[2] if len(cells) > 2 and cells[2] else cells[1]
        # the first label of a code wins, as the platform shows the first
        collected.setdefault(cells[0], {}).setdefault(cells[1], label)
    return {v: tuple(m.items()) for v, m in collected.items()}
