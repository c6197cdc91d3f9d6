"""SurveyXact: recognising its exports, reading their labels, drafting a schema from them.

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

An export of codes read with its labels arrives as labels, exactly as if exported
as labels (post-processing of ``exports.read_export``): the ``Dataset`` sheet of a
workbook that also has ``Structure`` and ``Labels`` sheets (:data:`WORKBOOK`), or
a ``dataset.csv`` with ``labels.csv`` beside it (:func:`with_labels`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Final

from panelkit.errors import ExportError
from panelkit.input.delimited import read_delimited_text
from panelkit.input.draft import (
    DraftBlock,
    DraftVariable,
    SchemaDraft,
    SourceKind,
    cell_texts,
    identifiers,
    infer_variable,
    no_labels,
    parse_number,
    split_answers,
)
from panelkit.input.filekinds import kind_of
from panelkit.input.raw import ExportFormat, RawExport, member_file
from panelkit.input.schema import MULTI_DEFAULT_CATEGORIES, Category, VarType
from panelkit.input.workbook import read_sheet_rows, sheet_names

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "STRUCTURE_COLUMNS",
    "SURVEYXACT_DATASET",
    "SURVEYXACT_LABELS",
    "WORKBOOK",
    "StructureRow",
    "SurveyXactFiles",
    "SurveyXactMetadata",
    "apply_value_labels",
    "cell_text",
    "dataset_in",
    "draft_surveyxact",
    "labels_from_rows",
    "locate_files",
    "read_labels",
    "read_metadata",
    "with_labels",
]

# SurveyXact's file names for the answers, the structure and the answer labels.
SURVEYXACT_DATASET: Final = "dataset.csv"
SURVEYXACT_LABELS: Final = "labels.csv"
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
_WHOLE_CODE_RE: Final = re.compile(r"-?(?:0|[1-9][0-9]{0,14})")

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
    kind = kind_of(p)
    if kind is not None and kind.format is ExportFormat.XLSX:
        if _is_workbook(sheet_names(p)):
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


# ============================================================================ reading


def dataset_in(folder: Path) -> Path | None:
    """The ``dataset.csv`` of a folder holding a SurveyXact export, or None."""
    return member_file(folder, SURVEYXACT_DATASET)


def _is_workbook(names: Sequence[str]) -> bool:
    folded = {n.strip().casefold() for n in names}
    return {s.casefold() for s in _SHEETS} <= folded


class _Workbook:
    """SurveyXact's workbook layout (a :class:`~panelkit.input.raw.WorkbookLayout`): the
    data are on the ``Dataset`` sheet, whose codes become the ``Labels`` sheet's labels."""

    def data_sheet(self, names: Sequence[str]) -> str | None:
        if not _is_workbook(names):
            return None
        return {n.strip().casefold(): n for n in names}["dataset"]

    def companion(self, names: Sequence[str], picked: str) -> str | None:
        folded = {n.strip().casefold(): n for n in names}
        if _is_workbook(names) and picked == folded["dataset"]:
            return folded["labels"]
        return None

    def finish(
        self, raw: RawExport, shown: str, sheet: str, rows: Sequence[Sequence[object]]
    ) -> RawExport:
        labels = labels_from_rows(rows, f'{shown}, sheet "{sheet}"')
        return replace(raw, frame=apply_value_labels(raw.frame, labels), labels=raw.path)


WORKBOOK: Final = _Workbook()


def with_labels(raw: RawExport) -> RawExport:
    """A ``dataset.csv`` read with the labels of the ``labels.csv`` beside it; else ``raw``."""
    if raw.format is not ExportFormat.CSV or raw.path.name.casefold() != SURVEYXACT_DATASET:
        return raw
    labels = member_file(raw.path.parent, SURVEYXACT_LABELS)
    if labels is None:
        return raw
    return replace(raw, frame=apply_value_labels(raw.frame, read_labels(labels)), labels=labels)


def apply_value_labels(
    frame: pd.DataFrame, labels: Mapping[str, Sequence[tuple[str, str]]]
) -> pd.DataFrame:
    """A copy of ``frame`` with each column's codes replaced by their labels.

    ``labels`` maps a column name to its ``(code, label)`` pairs (codes as text). A cell
    without a label (an open answer, an unknown code, an empty cell) is kept, and
    so is a column that already holds labels (one that is not also a code): a
    labels export with ``labels.csv`` beside it must not have a label such as
    "2" read as the code 2.
    """
    import pandas as pd

    columns: dict[object, pd.Series] = {}
    for name in frame.columns:
        column = frame[name]
        pairs = labels.get(str(name))
        if pairs and column.isin({lab for _c, lab in pairs} - {c for c, _l in pairs}).any():
            pairs = None
        if pairs:
            keyed: dict[object, str] = dict(pairs)
            for code, label in pairs:
                if _WHOLE_CODE_RE.fullmatch(code):
                    # a workbook holds codes as numbers; 1 and 1.0 both find the key 1
                    keyed.setdefault(int(code), label)
            mapped = column.astype(object).map(keyed)
            column = mapped.where(mapped.notna(), column.astype(object))
        columns[name] = column
    return pd.DataFrame(columns, index=frame.index)


# ============================================================================ schema init


def draft_surveyxact(meta: SurveyXactMetadata, raw: RawExport, *, min_n: int) -> SchemaDraft:
    """A schema from an export's structure and labels; ``raw``: its dataset, read (with the
    labels, so codes arrive as labels)."""
    files = meta.files
    columns = [str(c) for c in raw.frame.columns]
    present = set(columns)
    rows = [r for r in meta.structure if r.variable in present]
    described = {r.variable for r in rows}
    extra = [c for c in columns if c not in described]
    names = dict(
        zip(
            [r.variable for r in rows] + extra,
            identifiers([r.variable for r in rows] + extra),
            strict=True,
        )
    )

    blocks: list[DraftBlock] = []
    for group in _question_groups(rows):
        variables = tuple(
            _surveyxact_variable(
                r, names[r.variable], cell_texts(raw.frame[r.variable]), meta.labels, min_n
            )
            for r in group
        )
        blocks.append(_surveyxact_block(group, variables, meta.labels))
    for column in extra:
        var = infer_variable(names[column], column, cell_texts(raw.frame[column]), min_n=min_n)
        blocks.append(DraftBlock(f"{column}: a column the structure does not describe", (var,)))
    notes: list[str] = []
    absent = [r.variable for r in meta.structure if r.variable not in present]
    if absent:
        notes.append(f"In the structure but not in the data, so left out: {', '.join(absent)}")
    how = ""
    if meta.encoding is not None:
        sep = {";": "semicolons", ",": "commas", "\t": "tabs"}.get(
            meta.delimiter or "", "one column"
        )
        how = f"; {meta.encoding}, {sep}"
    return SchemaDraft(
        SourceKind.SURVEYXACT,
        f"SurveyXact export, {files.describe()}{how}",
        files.dataset,
        files.inputs(),
        tuple(blocks),
        notes=tuple(notes),
    )


def _stem(row: StructureRow) -> str:
    """The question of a grid item ("I hvilken grad …?  - Lærere" → "I hvilken grad …?")."""
    if row.is_multiple or row.is_open:
        return ""
    stem, sep, item = row.text.partition(" - ")
    return stem.strip() if sep and stem.strip() and item.strip() else ""


def _question_groups(rows: Sequence[StructureRow]) -> list[list[StructureRow]]:
    """Consecutive rows of one question: the options of a multiple choice, the items of a grid."""
    groups: list[list[StructureRow]] = []
    last: tuple[str, str] | None = None
    for row in rows:
        if row.is_multiple:
            key = ("multiple", row.question)
        elif _stem(row):
            key = ("grid", _stem(row))
        else:
            key = ("one", row.variable)
        if groups and key == last:
            groups[-1].append(row)
        else:
            groups.append([row])
        last = key
    return groups


def _surveyxact_block(
    group: Sequence[StructureRow],
    variables: tuple[DraftVariable, ...],
    labels: Mapping[str, Sequence[tuple[str, str]]],
) -> DraftBlock:
    first, last = group[0], group[-1]
    if first.is_multiple:
        pairs = dict(labels.get(first.variable, MULTI_DEFAULT_CATEGORIES))
        shown = f"{pairs.get('0', 'Ikke valgt')}/{pairs.get('1', 'Valgt')}"
        return DraftBlock(
            f"{first.question}: {first.text}",
            variables,
            (f"multiple choice: one 0/1 column per option ({shown})",),
        )
    if len(group) > 1:
        return DraftBlock(f"{first.variable} … {last.variable}: {_stem(first)}", variables)
    return DraftBlock(f"{first.variable}: {first.text}", variables)


def _surveyxact_variable(
    row: StructureRow,
    name: str,
    texts: pd.Series,
    labels: Mapping[str, Sequence[tuple[str, str]]],
    min_n: int,
) -> DraftVariable:
    import pandas as pd

    pairs: tuple[tuple[str, str], ...] = tuple(labels.get(row.variable, ()))
    if row.is_multiple:
        text = " - ".join(t for t in (row.text, row.choice_text) if t) or None
        if not pairs or {c: lab for c, lab in pairs} == dict(MULTI_DEFAULT_CATEGORIES):
            return DraftVariable(name, row.variable, VarType.MULTI, text)
        return DraftVariable(
            name, row.variable, VarType.MULTI, text, tuple(Category(c, lab) for c, lab in pairs)
        )
    text = row.text or None
    if row.is_free_text:
        return infer_variable(name, row.variable, texts, text=text, free_text=True, min_n=min_n)
    if row.is_open or not pairs:
        var = infer_variable(
            name, row.variable, texts, text=text, closed=not row.is_open, min_n=min_n
        )
        return no_labels(var, "in the export") if not row.is_open else var
    answers = split_answers(pairs)
    known = {c.casefold() for pair in pairs for c in pair}
    seen = [str(v) for v in pd.unique(texts[texts != ""])]
    unknown = sorted(
        (v for v in seen if v.casefold() not in known), key=lambda v: (parse_number(v), v)
    )
    notes = answers.notes
    if unknown:
        listed = ", ".join(unknown[:10]) + (", …" if len(unknown) > 10 else "")
        notes += (
            f"the data also hold {listed}, which have no label; add them to categories: or "
            "validate will report them",
        )
    return DraftVariable(
        name,
        row.variable,
        VarType.CATEGORY,
        text,
        answers.categories,
        answers.missing,
        answers.missing_note,
        notes,
    )
