"""``schema init``: a starter schema (formats §2) from what the survey platform knows.

Sources, tried in this order: a SurveyXact export (its structure and labels),
an SPSS ``.sav`` (variable and value labels), a Qualtrics CSV (its question-text
and import-id rows), or any other CSV/XLSX by inference from the data. The
result is plain data (:class:`SchemaDraft`); :func:`render_schema` writes it as
commented YAML that loads with :func:`panelkit.input.schema.load_schema`.

Inference only guesses, and says so in the file: types from the values,
categories from the distinct answers (of a closed question, or of a column
where few answers repeat), never bounds for numbers (an observed range would
turn next year's oldest respondent into a row error).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from panelkit.errors import ExportError
from panelkit.input.schema import MULTI_DEFAULT_CATEGORIES, Category, VarType

if TYPE_CHECKING:
    import pandas as pd

    from panelkit.input.exports import RawExport
    from panelkit.input.surveyxact import StructureRow, SurveyXactFiles

__all__ = [
    "DraftBlock",
    "DraftVariable",
    "SchemaDraft",
    "SchemaInitResult",
    "SourceKind",
    "draft_schema",
    "no_answer_kinds",
    "render_schema",
]


class SourceKind(StrEnum):
    """What a schema was drafted from."""

    SURVEYXACT = "surveyxact"
    SPSS = "spss"
    QUALTRICS = "qualtrics"
    CSV = "csv"
    XLSX = "xlsx"


@dataclass(frozen=True)
class DraftVariable:
    """One variable of a draft: what the schema file will say about it."""

    name: str
    column: str
    type: VarType
    text: str | None = None
    categories: tuple[Category, ...] = ()  # empty for a multi with the default 0/1 labels
    missing: tuple[str, ...] = ()
    missing_note: str | None = None  # the comment above ``missing:``
    notes: tuple[str, ...] = ()  # comments above the variable: what to check


@dataclass(frozen=True)
class DraftBlock:
    """The variables of one question, under a comment naming it."""

    heading: str
    variables: tuple[DraftVariable, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SchemaDraft:
    """A schema drafted from a source, before it is written."""

    kind: SourceKind
    source: str  # one line naming the source, for the header
    data: Path  # the export the schema is for
    inputs: tuple[Path, ...]  # every file read (never written over)
    blocks: tuple[DraftBlock, ...]
    title: str | None = None
    id: str | None = None
    sheet: str | None = None
    skip_rows: tuple[int, ...] = ()
    notes: tuple[str, ...] = field(default=())  # header lines about this source

    @property
    def variables(self) -> tuple[DraftVariable, ...]:
        return tuple(v for b in self.blocks for v in b.variables)


@dataclass(frozen=True)
class SchemaInitResult:
    """What ``schema init`` wrote."""

    path: Path
    kind: SourceKind
    source: str
    data: Path
    variables: int
    types: tuple[tuple[VarType, int], ...]  # how many of each type, in VarType order
    with_missing: int  # variables with answers put under ``missing:``
    notes: int  # variables with a comment asking for a check


# ============================================================================ "no answer" answers

_DONT_KNOW: Final = "don't know"
_PREFER_NOT: Final = "prefer not to say"
_NOT_RELEVANT: Final = "not relevant"
# Normalised (see _normal): lower case, no apostrophes, other punctuation as spaces.
_NO_ANSWER: Final[dict[str, str]] = {
    phrase: kind
    for kind, phrases in (
        (
            _DONT_KNOW,
            (
                "ved ikke", "ved ej", "vet ikke", "vet ej", "vet inte", "dont know", "do not know",
                "kan ikke huske", "husker ikke", "minns inte", "kommer inte ihåg", "cant remember",
                "dont remember", "kan ikke vurdere", "kan ikke bedømme", "kan inte bedöma",
                "kan ej bedöma", "kan ikke svare", "kan inte svara", "cannot say", "cant say",
                "unsure", "not sure", "usikker", "osäker", "ved ikke kan ikke svare",
            ),
        ),
        (
            _PREFER_NOT,
            (
                "ønsker ikke at svare", "ønsker ikke å svare", "ønsker ikke at oplyse",
                "ønsker ikke å oppgi", "vil ikke svare", "vil helst ikke svare", "vil ikke oplyse",
                "vil ikke oppgi", "vill inte svara", "vill ej svara", "vill helst inte svara",
                "vill inte uppge", "prefer not to say", "prefer not to answer",
                "rather not say", "id rather not say", "would rather not say",
                "i would rather not say", "refused", "no answer", "uoplyst",
            ),
        ),
        (
            _NOT_RELEVANT,
            (
                "ikke relevant", "ej relevant", "inte relevant", "ikke aktuelt", "ikke aktuel",
                "ikke aktuell", "ej aktuellt", "inte aktuellt", "ej tillämpligt",
                "inte tillämpligt", "not applicable", "not relevant", "irrelevant", "n a",
            ),
        ),
    )
    for phrase in phrases
}  # fmt: skip
_PARENTHESES: Final = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_APOSTROPHES: Final = re.compile(r"[’'´`‘]")
_PUNCTUATION: Final = re.compile(r"[^\w]+")
# "Ikke relevant/ vet ikke", "Don't know or prefer not to say"
_PARTS: Final = re.compile(r"\s*(?:/|,|;|\||\s(?:eller|or|el\.)\s)\s*", re.IGNORECASE)


def _normal(text: str) -> str:
    text = _APOSTROPHES.sub("", _PARENTHESES.sub(" ", text).casefold())
    return " ".join(_PUNCTUATION.sub(" ", text).replace("_", " ").split())


def no_answer_kinds(label: str) -> tuple[tuple[str, ...], bool]:
    """The kinds of "no answer" ``label`` looks like, and whether all of it does.

    "Vet ikke" is all "don't know"; "Ikke relevant/ vet ikke" is all "not
    relevant" and "don't know"; "Annet/vil ikke svare" is only partly
    "prefer not to say" (it is also "other", a real answer).
    """
    whole = _normal(label)
    if whole in _NO_ANSWER:
        return (_NO_ANSWER[whole],), True
    parts = [_normal(p) for p in _PARTS.split(_PARENTHESES.sub(" ", label))]
    parts = [p for p in parts if p]
    kinds = [_NO_ANSWER[p] for p in parts if p in _NO_ANSWER]
    return tuple(dict.fromkeys(kinds)), bool(parts) and len(kinds) == len(parts)


@dataclass(frozen=True)
class _Answers:
    categories: tuple[Category, ...]
    missing: tuple[str, ...]
    missing_note: str | None
    notes: tuple[str, ...]


def _split_answers(
    pairs: Sequence[tuple[str, str]], declared_missing: Iterable[str] = ()
) -> _Answers:
    """Categories and missing answers from (code, label) pairs in the platform's order.

    Labels that look like "no answer" (or whose code the platform declares
    missing) go to missing; a label given twice keeps its first code.
    """
    declared = set(declared_missing)
    kept: list[Category] = []
    missing: list[str] = []
    reasons: list[str] = []
    notes: list[str] = []
    seen: dict[str, str] = {}
    for code, label in pairs:
        key = label.strip().casefold()
        if key in seen:
            notes.append(
                f'code {code} has the same label as code {seen[key]} ("{label}"); both are '
                f"read as that answer, so code {code} is left out"
            )
            continue
        seen[key] = code
        kinds, whole = no_answer_kinds(label)
        if code in declared or (kinds and whole):
            missing.append(label)
            reasons.append(_reason(code, label, declared))
        else:
            kept.append(Category(code, label))
            if kinds:
                notes.append(
                    f'"{label}" partly looks like '
                    + " and ".join(f'"{k}"' for k in kinds)
                    + ": kept as an answer; move it to missing: if it means no answer"
                )
    if not kept:  # a schema needs at least one category: keep them all
        return _Answers(
            tuple(Category(c, lab) for c, lab in pairs if seen[lab.strip().casefold()] == c),
            (),
            None,
            (
                *notes,
                "every answer looks like no answer; all are kept as categories: check them",
            ),
        )
    return _Answers(
        tuple(kept), tuple(missing), _missing_note(reasons) if missing else None, tuple(notes)
    )


def _reason(code: str, label: str, declared: set[str]) -> str:
    if code in declared:
        return f'"{label}" is declared missing in the .sav'
    kinds, _whole = no_answer_kinds(label)
    return f'"{label}" looks like ' + " and ".join(f'"{k}"' for k in kinds)


def _missing_note(reasons: Sequence[str]) -> str:
    return (
        "; ".join(dict.fromkeys(reasons))
        + ": counted as no answer, never as an error (move to categories: to count it)"
    )


# ============================================================================ drafting


def draft_schema(sources: Sequence[Path]) -> SchemaDraft:
    """Draft a schema from an export and the platform's metadata. Raises ExportError."""
    from panelkit.input.exports import read_export
    from panelkit.input.surveyxact import locate_files

    paths = [Path(s) for s in sources]
    if not paths:
        raise ExportError("no source given; give the survey export (and its metadata files)")
    files = locate_files(paths)
    if files is not None:
        return _from_surveyxact(files)
    p = paths[0]
    if not p.exists():
        raise ExportError(f"{p} does not exist; check the path and the file name")
    suffix = p.suffix.lower()
    if suffix == ".sav":
        return _from_spss(p)
    if suffix in (".csv", ".txt"):
        raw = read_export(p)
        if _is_qualtrics(raw):
            return _from_qualtrics(p, raw)
        return _from_table(p, raw, SourceKind.CSV)
    if suffix == ".xlsx":
        return _from_table(p, read_export(p), SourceKind.XLSX)
    what = f"a {suffix} file" if suffix else "a file without an extension"
    raise ExportError(
        f"{p}: cannot draft a schema from {what}; give a SurveyXact export (the workbook, or "
        "dataset.csv, structure.csv and labels.csv or their folder), an SPSS .sav, a Qualtrics "
        "CSV, or a plain .csv or .xlsx"
    )


def _texts(series: pd.Series) -> pd.Series:
    """Cells as stripped text ("" for empty); 3 for 3.0, as validation reads codes."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    text = np.array([*(_cell(v) for v in uniques), ""], dtype=object)
    return pd.Series(text[codes], index=series.index, dtype=object)


_WHOLE_TEXT: Final = re.compile(r"^([+-]?\d+)\.0+$")
_DECIMAL_COMMA: Final = re.compile(r"^([+-]?\d*),(\d+)$")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    return _WHOLE_TEXT.sub(r"\1", str(value).strip())


def _number(text: str) -> float:
    if "_" in text:  # float() reads "1_000"; validation does not
        return math.nan
    try:
        value = float(_DECIMAL_COMMA.sub(r"\1.\2", text))
    except ValueError:
        return math.nan
    return value if math.isfinite(value) else math.nan


def _show_number(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 2**53 else f"{value:.6g}"


# Whole numbers with at most this many distinct values are the codes of a category.
_MAX_CODES: Final = 10
# Text with at most this many distinct answers, each at most this long, is a category.
_MAX_LABELS: Final = 20
_MAX_LABEL_LENGTH: Final = 60

_NOTE_CODES: Final = "the codes seen in the data, in numeric order: give them labels (code: label)"
_NOTE_ORDER: Final = (
    "the answers seen in the data, in alphabetical order: put them in their natural order"
)
_NOTE_FREE_TEXT: Final = (
    "many different answers, so free text: panelkit only uses whether it was answered"
)
_NOTE_EMPTY: Final = "no answers in the data, so the type is a guess: check it"
_NOTE_NUMBERS: Final = (
    "an open question whose answers are all numbers: if it asks for a number, make it "
    "type: integer (or number)"
)


def _infer(
    name: str,
    column: str,
    texts: pd.Series,
    *,
    text: str | None = None,
    closed: bool = False,
    binary: bool = False,
    free_text: bool = False,
) -> DraftVariable:
    """A variable from its values alone (``closed``: the platform says it is a closed question)."""
    import pandas as pd

    answered = texts[texts != ""]
    distinct = [str(v) for v in pd.unique(answered)]
    if free_text:
        # An open question stays text even if every answer is a number: a phone
        # number must not end up as a min/max in a codebook. Say so instead.
        numeric = bool(distinct) and not any(math.isnan(_number(v)) for v in distinct)
        return DraftVariable(
            name, column, VarType.TEXT, text, notes=(_NOTE_NUMBERS,) if numeric else ()
        )
    values = [v for v in distinct if not no_answer_kinds(v)[1]]
    no_answer = [v for v in distinct if no_answer_kinds(v)[1]]
    if not distinct:
        return DraftVariable(name, column, VarType.TEXT, text, notes=(_NOTE_EMPTY,))
    numbers = [_number(v) for v in values]
    if values and not any(math.isnan(x) for x in numbers):
        whole = all(x.is_integer() for x in numbers)
        if binary and set(values) <= {"0", "1"}:
            return DraftVariable(name, column, VarType.MULTI, text)
        if whole and (closed or len(values) <= _MAX_CODES):
            ordered = sorted(values, key=lambda v: (_number(v), v))
            return _categorical(name, column, text, ordered, no_answer, _NOTE_CODES)
        answers = _split_answers([(v, v) for v in sorted(no_answer, key=str.casefold)])
        return DraftVariable(
            name,
            column,
            VarType.INTEGER if whole else VarType.NUMBER,
            text,
            missing=answers.missing,
            missing_note=answers.missing_note,
            notes=(
                f"numbers from {_show_number(min(numbers))} to {_show_number(max(numbers))} in "
                "the data; add min: and max: to catch typing errors",
            ),
        )
    longest = max((len(v) for v in values), default=0)
    repeated = 2 * len(values) <= len(answered)
    if closed or (len(values) <= _MAX_LABELS and longest <= _MAX_LABEL_LENGTH and repeated):
        ordered = sorted(values, key=lambda v: (v.casefold(), v))
        note = _NOTE_ORDER if len(values) > 1 else None
        return _categorical(name, column, text, ordered, no_answer, note)
    return DraftVariable(name, column, VarType.TEXT, text, notes=(_NOTE_FREE_TEXT,))


def _categorical(
    name: str,
    column: str,
    text: str | None,
    values: Sequence[str],
    no_answer: Sequence[str],
    note: str | None,
) -> DraftVariable:
    answers = _split_answers(
        [(v, v) for v in values] + [(v, v) for v in sorted(no_answer, key=str.casefold)]
    )
    notes = ((note,) if note else ()) + answers.notes
    return DraftVariable(
        name,
        column,
        VarType.CATEGORY,
        text,
        categories=answers.categories,
        missing=answers.missing,
        missing_note=answers.missing_note,
        notes=notes,
    )


_IDENTIFIER: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _identifiers(columns: Sequence[str]) -> list[str]:
    """A valid, unique variable name for every column: the column itself where it is one."""
    names: list[str] = []
    taken: set[str] = set()
    for column in columns:
        base = column if column.isidentifier() else "_".join(re.findall(r"\w+", column))
        base = base.strip("_") or "var"
        if not base[0].isalpha() and base[0] != "_":
            base = "v_" + base
        name, k = base, 2
        while name.casefold() in taken:
            name, k = f"{base}_{k}", k + 1
        taken.add(name.casefold())
        names.append(name)
    return names


def _text_of(name: str, column: str) -> str | None:
    """A column name that had to be changed into a variable name is its question."""
    return None if name == column else column


# ----------------------------------------------------------------------------- SurveyXact


def _from_surveyxact(files: SurveyXactFiles) -> SchemaDraft:
    from panelkit.input.exports import read_export
    from panelkit.input.surveyxact import read_metadata

    meta = read_metadata(files)
    raw = read_export(files.dataset)  # codes arrive as labels: the labels come with it
    columns = [str(c) for c in raw.frame.columns]
    present = set(columns)
    rows = [r for r in meta.structure if r.variable in present]
    described = {r.variable for r in rows}
    extra = [c for c in columns if c not in described]
    names = dict(
        zip(
            [r.variable for r in rows] + extra,
            _identifiers([r.variable for r in rows] + extra),
            strict=True,
        )
    )

    blocks: list[DraftBlock] = []
    for group in _question_groups(rows):
        variables = tuple(
            _surveyxact_variable(r, names[r.variable], _texts(raw.frame[r.variable]), meta.labels)
            for r in group
        )
        blocks.append(_surveyxact_block(group, variables, meta.labels))
    for column in extra:
        var = _infer(names[column], column, _texts(raw.frame[column]))
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
        return _infer(name, row.variable, texts, text=text, free_text=True)
    if row.is_open or not pairs:
        var = _infer(name, row.variable, texts, text=text, closed=not row.is_open)
        return _no_labels(var, "in the export") if not row.is_open else var
    answers = _split_answers(pairs)
    known = {c.casefold() for pair in pairs for c in pair}
    seen = [str(v) for v in pd.unique(texts[texts != ""])]
    unknown = sorted((v for v in seen if v.casefold() not in known), key=lambda v: (_number(v), v))
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


def _no_labels(var: DraftVariable, where: str) -> DraftVariable:
    """Say that a closed question's categories come from the data, not the platform."""
    from dataclasses import replace

    notes = tuple(
        f"no labels {where}; {n}" if n in (_NOTE_CODES, _NOTE_ORDER) else n for n in var.notes
    )
    return replace(var, notes=notes)


# ----------------------------------------------------------------------------- SPSS

_SPSS_DATES: Final = re.compile(
    r"^(DATE|ADATE|EDATE|SDATE|JDATE|DATETIME|TIME|DTIME|WKDAY|MONTH|MOYR|QYR|WKYR)", re.I
)


def _from_spss(p: Path) -> SchemaDraft:
    import pyreadstat

    try:
        with p.open("rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise ExportError(
            f"{p} cannot be read ({exc.strerror}); check that it is a file you may read"
        ) from exc
    if head not in (b"$FL2", b"$FL3"):
        raise ExportError(
            f"{p} is not an SPSS .sav file (it does not start with $FL2); save the data from "
            "SPSS as .sav, or export CSV"
        )
    try:
        frame, meta = pyreadstat.read_sav(str(p), apply_value_formats=False)
        # the declared missing codes are only reported when user-missing values are kept
        _none, declared_meta = pyreadstat.read_sav(str(p), metadataonly=True, user_missing=True)
    except Exception as exc:  # ReadstatError carries readstat's own fixed message
        raise ExportError(
            f"{p} is not a readable SPSS .sav file ({type(exc).__name__}); save it again from "
            "SPSS, or export CSV"
        ) from exc
    columns = [str(c) for c in frame.columns]
    names = dict(zip(columns, _identifiers(columns), strict=True))
    mr_sets = getattr(meta, "mr_sets", None) or {}
    multi_of: dict[str, str] = {}
    for set_name, spec in mr_sets.items():
        if isinstance(spec, dict) and spec.get("is_dichotomy"):
            for member in spec.get("variable_list", []):
                multi_of[str(member)] = str(spec.get("label") or set_name)
    labels_of: Mapping[str, str | None] = meta.column_names_to_labels or {}
    value_labels: Mapping[str, Mapping[Any, str]] = meta.variable_value_labels or {}
    formats: Mapping[str, str | None] = meta.original_variable_types or {}
    measures: Mapping[str, str] = meta.variable_measure or {}
    ranges: Mapping[str, list[Any]] = declared_meta.missing_ranges or {}

    blocks: list[DraftBlock] = []
    id_name: str | None = None
    for column in columns:
        name = names[column]
        text = (labels_of.get(column) or "").strip() or None
        texts = _texts(frame[column])
        vl = [
            (_cell(k), str(v).strip() or _cell(k)) for k, v in value_labels.get(column, {}).items()
        ]
        fmt = formats.get(column) or ""
        if column in multi_of:
            cats = tuple(Category(c, lab) for c, lab in vl)
            if not cats or {c: lab for c, lab in vl} == dict(MULTI_DEFAULT_CATEGORIES):
                cats = ()
            var = DraftVariable(name, column, VarType.MULTI, text, cats)
            blocks.append(DraftBlock(f"{column}: {multi_of[column]}", (var,)))
            continue
        if not vl:
            if id_name is None and _looks_like_id(column, texts):
                id_name = name
                var = DraftVariable(name, column, VarType.ID, text)
            elif _SPSS_DATES.match(fmt):
                var = DraftVariable(
                    name,
                    column,
                    VarType.TEXT,
                    text,
                    notes=(
                        "a date: kept as text, of which panelkit only uses whether it is filled in",
                    ),
                )
            else:
                closed = measures.get(column) in (
                    "nominal",
                    "ordinal",
                ) and not fmt.upper().startswith("A")
                var = _infer(name, column, texts, text=text, closed=closed)
                if closed:
                    var = _no_labels(var, "in the .sav")
            blocks.append(DraftBlock(_heading(column, text), (var,)))
            continue
        declared = {c for c, _ in vl if _declared_missing(c, ranges.get(column, []))}
        var = _spss_labelled(name, column, text, texts, vl, declared, measures.get(column))
        blocks.append(DraftBlock(_heading(column, text), (var,)))
    title = (getattr(meta, "file_label", None) or "").strip() or None
    return SchemaDraft(
        SourceKind.SPSS,
        f"SPSS file {p.name}",
        p,
        (p,),
        tuple(blocks),
        title=title,
        id=id_name,
    )


def _spss_labelled(
    name: str,
    column: str,
    text: str | None,
    texts: pd.Series,
    vl: list[tuple[str, str]],
    declared: set[str],
    measure: str | None,
) -> DraftVariable:
    """A variable with value labels: a category, or a number whose labels are all "no answer"."""
    import pandas as pd

    codes = {c.casefold() for c, _ in vl}
    unlabeled = [str(v) for v in pd.unique(texts[texts != ""]) if str(v).casefold() not in codes]
    numeric = all(not math.isnan(_number(v)) for v in [c for c, _ in vl] + unlabeled)
    all_missing = all(c in declared or no_answer_kinds(lab)[1] for c, lab in vl)
    if (
        numeric
        and unlabeled
        and all_missing
        and (measure == "scale" or len(unlabeled) > _MAX_CODES)
    ):
        # e.g. an age with 999 = "Vil ikke oplyse": a number with a missing answer
        numbers = [_number(v) for v in unlabeled]
        return DraftVariable(
            name,
            column,
            VarType.INTEGER if all(x.is_integer() for x in numbers) else VarType.NUMBER,
            text,
            missing=tuple(dict.fromkeys(lab for _c, lab in vl)),
            missing_note=_missing_note([_reason(c, lab, declared) for c, lab in vl]),
            notes=(
                f"numbers from {_show_number(min(numbers))} to {_show_number(max(numbers))} in "
                "the data; add min: and max: to catch typing errors",
            ),
        )
    pairs = vl + [(v, v) for v in unlabeled]
    if numeric:
        pairs.sort(key=lambda pair: (_number(pair[0]), pair[0]))
    answers = _split_answers(pairs, declared)
    notes = answers.notes
    if unlabeled:
        shown = ", ".join(sorted(unlabeled, key=lambda v: (_number(v), v))[:10])
        notes += (f"codes {shown} have no value label in the .sav: label = code; give them labels",)
    return DraftVariable(
        name,
        column,
        VarType.CATEGORY,
        text,
        answers.categories,
        answers.missing,
        answers.missing_note,
        notes,
    )


def _declared_missing(code: str, ranges: Sequence[Any]) -> bool:
    value = _number(code)
    for r in ranges:
        lo, hi = (r.get("lo"), r.get("hi")) if isinstance(r, dict) else (None, None)
        if isinstance(lo, int | float) and isinstance(hi, int | float):
            if not math.isnan(value) and lo <= value <= hi:
                return True
        elif lo is not None and str(lo).strip() == code:
            return True
    return False


def _heading(column: str, text: str | None) -> str:
    return f"{column}: {text}" if text else column


# ----------------------------------------------------------------------------- plain tables

_ID_NAMES: Final = frozenset(
    {
        "id", "respondent", "respondentid", "respondent_id", "responseid", "response_id",
        "respid", "resp_id", "caseid", "case_id", "lbnr", "løbenummer", "serial",
    }
)  # fmt: skip


def _looks_like_id(column: str, texts: pd.Series) -> bool:
    folded = column.casefold()
    if folded not in _ID_NAMES and not folded.endswith("_id"):
        return False
    return bool((texts != "").all()) and not bool(texts.duplicated().any())


def _binary_columns(columns: Sequence[str], texts: dict[str, pd.Series]) -> set[str]:
    """0/1 columns that share a prefix with another 0/1 column: options of one question."""
    binary = [c for c in columns if (texts[c] != "").any() and texts[c].isin(["", "0", "1"]).all()]
    prefixes: dict[str, list[str]] = {}
    for c in binary:
        if "_" in c:
            prefixes.setdefault(c.rsplit("_", 1)[0], []).append(c)
    return {c for group in prefixes.values() if len(group) > 1 for c in group}


def _from_table(p: Path, raw: RawExport, kind: SourceKind) -> SchemaDraft:
    from panelkit.input.exports import sheet_names

    columns = [str(c) for c in raw.frame.columns]
    texts = {c: _texts(raw.frame[c]) for c in columns}
    names = dict(zip(columns, _identifiers(columns), strict=True))
    binary = _binary_columns(columns, texts)
    id_name: str | None = None
    blocks: list[DraftBlock] = []
    for column in columns:
        name = names[column]
        if id_name is None and _looks_like_id(column, texts[column]):
            id_name = name
            var = DraftVariable(name, column, VarType.ID, _text_of(name, column))
        else:
            var = _infer(
                name, column, texts[column], text=_text_of(name, column), binary=column in binary
            )
        blocks.append(DraftBlock(column, (var,)))
    sheet = None
    if kind is SourceKind.XLSX:
        sheets = sheet_names(p)
        sheet = sheets[0] if len(sheets) > 1 else None
    what = "workbook" if kind is SourceKind.XLSX else "CSV file"
    return SchemaDraft(
        kind,
        f"{what} {p.name}" + (f', sheet "{sheet}"' if sheet else ""),
        p,
        (p,),
        tuple(blocks),
        id=id_name,
        sheet=sheet,
        notes=(
            "Inferred from the data alone: the types, the categories and their order are "
            "guesses; add question texts (text:) and labels.",
        ),
    )


# ----------------------------------------------------------------------------- Qualtrics

_IMPORT_ID: Final = re.compile(r'^\{\s*"ImportId"\s*:')
# Qualtrics' own columns (by import id): left out, several are personal data.
_QUALTRICS_META: Final = frozenset(
    s.casefold()
    for s in (
        "startDate", "endDate", "status", "ipAddress", "progress", "duration", "finished",
        "recordedDate", "recipientLastName", "recipientFirstName", "recipientEmail",
        "externalDataReference", "locationLatitude", "locationLongitude",
        "distributionChannel", "userLanguage",
    )
)  # fmt: skip


def _is_qualtrics(raw: RawExport) -> bool:
    """Qualtrics' third header row holds an import id per column: {"ImportId":"QID1"}."""
    if len(raw.frame) < 2:
        return False
    row = _texts(raw.frame.iloc[1].reset_index(drop=True))
    filled = row[row != ""]
    return len(filled) > 0 and 2 * int(filled.str.match(_IMPORT_ID).sum()) > len(row)


def _import_id(cell: str) -> str:
    try:
        value = json.loads(cell)
    except ValueError:
        return ""
    return str(value.get("ImportId", "")) if isinstance(value, dict) else ""


def _from_qualtrics(p: Path, raw: RawExport) -> SchemaDraft:
    frame = raw.frame
    columns = [str(c) for c in frame.columns]
    questions = _texts(frame.iloc[0].reset_index(drop=True)).tolist()
    ids = [_import_id(c) for c in _texts(frame.iloc[1].reset_index(drop=True)).tolist()]
    data = frame.iloc[2:].reset_index(drop=True)
    names = dict(zip(columns, _identifiers(columns), strict=True))
    left_out: list[str] = []
    id_name: str | None = None
    groups: list[tuple[str, list[DraftVariable], list[str]]] = []  # (question id, variables, texts)
    for j, column in enumerate(columns):
        import_id, text = ids[j], questions[j] or None
        if import_id.casefold() == "_recordid" and id_name is None:
            id_name = names[column]
            var = DraftVariable(names[column], column, VarType.ID, text)
        elif import_id.casefold() in _QUALTRICS_META:
            left_out.append(column)
            continue
        else:
            var = _infer(
                names[column],
                column,
                _texts(data[column]),
                text=text,
                free_text=import_id.casefold().endswith("_text"),
            )
        question = re.match(r"QID\d+", import_id)
        key = question.group() if question else f"column {column}"
        if groups and groups[-1][0] == key and question:
            groups[-1][1].append(var)
            groups[-1][2].append(text or "")
        else:
            groups.append((key, [var], [text or ""]))
    blocks = tuple(_qualtrics_block(vs, ts) for _k, vs, ts in groups)
    notes = []
    if left_out:
        notes.append(
            "Left out: Qualtrics' own columns " + ", ".join(left_out) + " (several are personal "
            "data: IP address, name, e-mail, location); add one back if the analysis needs it."
        )
    return SchemaDraft(
        SourceKind.QUALTRICS,
        f"Qualtrics CSV {p.name}",
        p,
        (p,),
        blocks,
        id=id_name,
        skip_rows=(2, 3),
        notes=tuple(notes),
    )


def _qualtrics_block(variables: list[DraftVariable], texts: list[str]) -> DraftBlock:
    first, last = variables[0], variables[-1]
    if len(variables) == 1:
        return DraftBlock(_heading(first.column, texts[0] or None), tuple(variables))
    stems = {t.partition(" - ")[0].strip() for t in texts}
    stem = stems.pop() if len(stems) == 1 else texts[0]
    return DraftBlock(_heading(f"{first.column} … {last.column}", stem or None), tuple(variables))


# ============================================================================ writing

_YAML_WORDS: Final = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"})
_CODE: Final = re.compile(r"0|-?[1-9][0-9]{0,14}")
# Characters YAML cannot hold raw in a double-quoted string, or reads as a line break.
_YAML_UNSAFE: Final = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")
# In a comment every line break and control character becomes a space.
_COMMENT_UNSAFE: Final = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]"
)


def _quoted(text: str) -> str:
    """A YAML double-quoted string: JSON's escapes are YAML's."""
    return _YAML_UNSAFE.sub(
        lambda m: f"\\u{ord(m.group()):04x}", json.dumps(text, ensure_ascii=False)
    )


def _plain(text: str) -> str:
    """A name as a plain YAML scalar where it reads back as the same text, else quoted."""
    if _IDENTIFIER.fullmatch(text) and text.casefold() not in _YAML_WORDS:
        return text
    return _quoted(text)


def _code(code: str) -> str:
    return code if _CODE.fullmatch(code) else _quoted(code)


def _comment(text: str) -> str:
    return " ".join(_COMMENT_UNSAFE.sub(" ", text).split())


def _header(draft: SchemaDraft) -> list[str]:
    lines = [
        "# panelkit schema (docs/formats.md §2), drafted by `panelkit schema init`.",
        f"# Source: {_comment(draft.source)}",
        "#",
        "# A draft: read it through before you rely on it.",
        "# - One block per question. `text` is the question as the platform has it;",
        "#   `categories` keep the platform's codes and labels in its order (code: label).",
        '# - Answers that look like "don\'t know", "prefer not to say" or "not relevant"',
        "#   are under `missing:` (no answer, never an error), each with a comment saying",
        "#   so. Move any that is a real answer back to `categories:`.",
        "# - `multi` is one 0/1 column of a multiple-choice question. `text` is free",
        "#   text: panelkit only ever uses whether it was answered, never the answer.",
        "# - Numbers have no `min:`/`max:`; add them to catch typing errors.",
        "# - Add a `title:`, the respondents' `id:` if the export has one, and the",
        "#   `derived:` groups (e.g. age groups) your margins need.",
    ]
    if draft.kind is SourceKind.SURVEYXACT:
        lines += [
            "# - Codes are read as their labels when the labels come with the data (the",
            "#   workbook, or labels.csv beside dataset.csv), as if exported as labels.",
        ]
    lines += [f"# {_comment(note)}" for note in draft.notes]
    lines += ["# Then: panelkit validate EXPORT --schema THIS_FILE, and panelkit describe."]
    return lines


def render_schema(draft: SchemaDraft, *, name: str) -> str:
    """The draft as a commented schema file (YAML), the same bytes for the same draft."""
    out = _header(draft)
    out += ["", f"name: {_plain(name)}"]
    if draft.title:
        out.append(f"title: {_quoted(draft.title)}")
    if draft.id:
        out.append(f"id: {_plain(draft.id)}")
    if draft.sheet or draft.skip_rows:
        out.append("source:")
        if draft.sheet:
            out.append(f"  sheet: {_quoted(draft.sheet)}")
        if draft.skip_rows:
            out.append(f"  skip_rows: [{', '.join(str(r) for r in draft.skip_rows)}]")
    out.append("variables:")
    for block in draft.blocks:
        out += ["", f"  # {_comment(block.heading)}"]
        out += [f"  # {_comment(note)}" for note in block.notes]
        for var in block.variables:
            out += _variable_lines(var)
    return "\n".join(out) + "\n"


def _variable_lines(var: DraftVariable) -> list[str]:
    lines = [f"  # {_comment(note)}" for note in var.notes]
    lines += [f"  {_plain(var.name)}:", f"    column: {_plain(var.column)}"]
    if var.text:
        lines.append(f"    text: {_quoted(var.text.strip())}")
    lines.append(f"    type: {var.type.value}")
    if var.categories and all(c.code == c.label for c in var.categories):
        lines.append("    categories:")  # a list: each answer is its own code
        lines += [f"      - {_quoted(c.label.strip())}" for c in var.categories]
    elif var.categories:
        lines.append("    categories:")
        lines += [f"      {_code(c.code)}: {_quoted(c.label.strip())}" for c in var.categories]
    if var.missing:
        if var.missing_note:
            lines.append(f"    # {_comment(var.missing_note)}")
        lines.append(f"    missing: [{', '.join(_quoted(m.strip()) for m in var.missing)}]")
    return lines


def init_result(draft: SchemaDraft, path: Path) -> SchemaInitResult:
    """Summarise a written draft for the command line."""
    variables = draft.variables
    counts = {t: sum(v.type is t for v in variables) for t in VarType}
    return SchemaInitResult(
        path=path,
        kind=draft.kind,
        source=draft.source,
        data=draft.data,
        variables=len(variables),
        types=tuple((t, n) for t, n in counts.items() if n),
        with_missing=sum(bool(v.missing) for v in variables),
        notes=sum(bool(v.notes) for v in variables),
    )
