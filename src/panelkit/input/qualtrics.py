"""Qualtrics: recognising its CSV export, and drafting a schema from its header rows.

A Qualtrics CSV has three header rows: the column names, the question texts and
an import id per column (``{"ImportId":"QID1"}``). The two below the names are
not respondents (the schema skips them: ``source.skip_rows: [2, 3]``); the
import ids group a question's columns and mark Qualtrics' own columns, several
of which are personal data (IP address, e-mail, location) and are left out.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Final

from panelkit.input.draft import (
    DraftBlock,
    DraftVariable,
    SchemaDraft,
    SourceKind,
    cell_texts,
    heading,
    identifiers,
    infer_variable,
)
from panelkit.input.raw import RawExport
from panelkit.input.schema import VarType

__all__ = ["SKIP_ROWS", "draft_qualtrics", "is_qualtrics"]

# The question-text and import-id rows below the header.
SKIP_ROWS: Final = (2, 3)
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


def is_qualtrics(raw: RawExport) -> bool:
    """Qualtrics' third header row holds an import id per column: {"ImportId":"QID1"}."""
    if len(raw.frame) < 2:
        return False
    row = cell_texts(raw.frame.iloc[1].reset_index(drop=True))
    filled = row[row != ""]
    return len(filled) > 0 and 2 * int(filled.str.match(_IMPORT_ID).sum()) > len(row)


def _import_id(cell: str) -> str:
    try:
        value = json.loads(cell)
    except ValueError:
        return ""
    return str(value.get("ImportId", "")) if isinstance(value, dict) else ""


def draft_qualtrics(p: Path, raw: RawExport, *, min_n: int) -> SchemaDraft:
    """A schema from a Qualtrics CSV (read without skipping its two extra header rows)."""
    frame = raw.frame
    columns = [str(c) for c in frame.columns]
    questions = cell_texts(frame.iloc[0].reset_index(drop=True)).tolist()
    ids = [_import_id(c) for c in cell_texts(frame.iloc[1].reset_index(drop=True)).tolist()]
    data = frame.iloc[2:].reset_index(drop=True)
    names = dict(zip(columns, identifiers(columns), strict=True))
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
            var = infer_variable(
                names[column],
                column,
                cell_texts(data[column]),
                text=text,
                free_text=import_id.casefold().endswith("_text"),
                min_n=min_n,
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
        skip_rows=SKIP_ROWS,
        notes=tuple(notes),
    )


def _qualtrics_block(variables: list[DraftVariable], texts: list[str]) -> DraftBlock:
    first, last = variables[0], variables[-1]
    if len(variables) == 1:
        return DraftBlock(heading(first.column, texts[0] or None), tuple(variables))
    stems = {t.partition(" - ")[0].strip() for t in texts}
    stem = stems.pop() if len(stems) == 1 else texts[0]
    return DraftBlock(heading(f"{first.column} … {last.column}", stem or None), tuple(variables))
