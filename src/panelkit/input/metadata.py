"""``schema init``: a starter schema (formats §2) from what the survey platform knows.

Sources, tried in this order: a SurveyXact export (its structure and labels,
``surveyxact``), an SPSS ``.sav`` (variable and value labels, ``spss``), a
Qualtrics CSV (its question-text and import-id rows, ``qualtrics``), or any other
CSV/XLSX by inference from the data (here). The result is plain data
(:class:`~panelkit.input.draft.SchemaDraft`); :func:`render_schema` writes it as
commented YAML that loads with :func:`panelkit.input.schema.load_schema`.

What is inferred from the data never names a respondent's answer (see
``input/draft.py``): categories need every answer at least ``min_n`` times, and
the range of a number is not written unless ``min_n`` is 0.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from panelkit.disclosure import DEFAULT_MIN_N
from panelkit.errors import ExportError
from panelkit.input import qualtrics, spss, surveyxact
from panelkit.input.draft import (
    IDENTIFIER,
    DraftBlock,
    DraftVariable,
    SchemaDraft,
    SourceKind,
    cell_texts,
    identifiers,
    infer_variable,
    looks_like_id,
    text_of,
)
from panelkit.input.exports import read_export
from panelkit.input.filekinds import kind_of
from panelkit.input.raw import ExportFormat, RawExport
from panelkit.input.schema import VarType
from panelkit.input.workbook import sheet_names

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "SchemaInitResult",
    "draft_schema",
    "init_result",
    "render_schema",
]


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


def draft_schema(sources: Sequence[Path], *, min_n: int = DEFAULT_MIN_N) -> SchemaDraft:
    """Draft a schema from an export and the platform's metadata. Raises ExportError.

    ``min_n`` is the run's min-n: a category inferred from the data needs every answer
    at least that often, and a number's range is written only with 0 (as ``describe``).
    """
    paths = [Path(s) for s in sources]
    if not paths:
        raise ExportError("no source given; give the survey export (and its metadata files)")
    files = surveyxact.locate_files(paths)
    if files is not None:
        meta = surveyxact.read_metadata(files)
        # codes arrive as labels: the labels come with the dataset
        return surveyxact.draft_surveyxact(meta, read_export(files.dataset), min_n=min_n)
    p = paths[0]
    if not p.exists():
        raise ExportError(f"{p} does not exist; check the path and the file name")
    kind = kind_of(p)
    fmt = kind.format if kind is not None else None
    if fmt is ExportFormat.SAV:
        return spss.draft_spss(p, min_n=min_n)
    if fmt is ExportFormat.CSV:
        raw = read_export(p)
        if qualtrics.is_qualtrics(raw):
            return qualtrics.draft_qualtrics(p, raw, min_n=min_n)
        return _from_table(p, raw, SourceKind.CSV, min_n)
    if fmt is ExportFormat.XLSX:
        return _from_table(p, read_export(p), SourceKind.XLSX, min_n)
    suffix = p.suffix.lower()
    what = f"a {suffix} file" if suffix else "a file without an extension"
    raise ExportError(
        f"{p}: cannot draft a schema from {what}; give a SurveyXact export (the workbook, or "
        "dataset.csv, structure.csv and labels.csv or their folder), an SPSS .sav, a Qualtrics "
        "CSV, or a plain .csv or .xlsx"
    )


# ----------------------------------------------------------------------------- plain tables


def _binary_columns(columns: Sequence[str], texts: dict[str, pd.Series]) -> set[str]:
    """0/1 columns that share a prefix with another 0/1 column: options of one question."""
    binary = [c for c in columns if (texts[c] != "").any() and texts[c].isin(["", "0", "1"]).all()]
    prefixes: dict[str, list[str]] = {}
    for c in binary:
        if "_" in c:
            prefixes.setdefault(c.rsplit("_", 1)[0], []).append(c)
    return {c for group in prefixes.values() if len(group) > 1 for c in group}


def _from_table(p: Path, raw: RawExport, kind: SourceKind, min_n: int) -> SchemaDraft:
    columns = [str(c) for c in raw.frame.columns]
    texts = {c: cell_texts(raw.frame[c]) for c in columns}
    names = dict(zip(columns, identifiers(columns), strict=True))
    binary = _binary_columns(columns, texts)
    id_name: str | None = None
    blocks: list[DraftBlock] = []
    for column in columns:
        name = names[column]
        if id_name is None and looks_like_id(column, texts[column]):
            id_name = name
            var = DraftVariable(name, column, VarType.ID, text_of(name, column))
        else:
            var = infer_variable(
                name,
                column,
                texts[column],
                text=text_of(name, column),
                binary=column in binary,
                min_n=min_n,
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
    if IDENTIFIER.fullmatch(text) and text.casefold() not in _YAML_WORDS:
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
