"""SPSS: reading a ``.sav`` export, and drafting a schema from its own metadata.

Detection is the file's magic number (``$FL2``, or ``$FL3`` when compressed).
Reading applies the value labels, so codes arrive as their labels (as a labels
export from any platform). Drafting uses the variable labels (question texts),
the value labels (categories), the declared missing codes, the measurement
level, multiple-response sets (multi) and date formats.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from panelkit.errors import ExportError
from panelkit.input.draft import (
    MAX_CODES,
    DraftBlock,
    DraftVariable,
    SchemaDraft,
    SourceKind,
    as_text,
    cell_texts,
    heading,
    identifiers,
    infer_variable,
    looks_like_id,
    missing_note,
    missing_reason,
    no_answer_kinds,
    no_labels,
    numbers_note,
    parse_number,
    split_answers,
)
from panelkit.input.raw import (
    ExportFormat,
    RawExport,
    ReadRequest,
    clean_cells,
    clip,
    finish_table,
    read_head,
)
from panelkit.input.schema import MULTI_DEFAULT_CATEGORIES, Category, VarType

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SAV_MAGIC", "draft_spss", "read_sav"]

# The first bytes of a .sav file ($FL3: a compressed one).
SAV_MAGIC: Final = (b"$FL2", b"$FL3")


def _not_sav(shown: str) -> ExportError:
    return ExportError(
        f"{shown} is not an SPSS .sav file (it does not start with $FL2); save the data from "
        "SPSS as .sav, or export CSV"
    )


def read_sav(req: ReadRequest) -> RawExport:
    """Read an SPSS .sav file with its value labels applied; rows are numbered from 1."""
    import pandas as pd

    p, shown = req.path, req.shown
    if read_head(p, shown, 4) not in SAV_MAGIC:
        raise _not_sav(shown)
    try:
        import pyreadstat  # only for .sav files: a slow import

        frame, _meta = pyreadstat.read_sav(
            str(p), apply_value_formats=True, formats_as_category=False
        )
    except Exception as exc:  # ReadstatError carries readstat's own fixed message
        detail = clip(str(exc)) if type(exc).__name__ == "ReadstatError" else type(exc).__name__
        raise ExportError(
            f"{shown} is not a readable SPSS .sav file ({detail}); save it again from SPSS, or "
            "export CSV"
        ) from exc
    columns = []
    for name in frame.columns:
        col = frame[name]
        if col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
            col = clean_cells(col)  # SPSS pads strings with blanks
        columns.append(col)
    return finish_table(p, shown, ExportFormat.SAV, [str(c) for c in frame.columns], columns)


# ----------------------------------------------------------------------------- drafting

_SPSS_DATES: Final = re.compile(
    r"^(DATE|ADATE|EDATE|SDATE|JDATE|DATETIME|TIME|DTIME|WKDAY|MONTH|MOYR|QYR|WKYR)", re.I
)


def draft_spss(p: Path, *, min_n: int) -> SchemaDraft:
    """A schema from a .sav file's own labels; unlabelled variables by inference."""
    import pyreadstat

    try:
        with p.open("rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise ExportError(
            f"{p} cannot be read ({exc.strerror}); check that it is a file you may read"
        ) from exc
    if head not in SAV_MAGIC:
        raise _not_sav(str(p))
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
    names = dict(zip(columns, identifiers(columns), strict=True))
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
        texts = cell_texts(frame[column])
        vl = [
            (as_text(k), str(v).strip() or as_text(k))
            for k, v in value_labels.get(column, {}).items()
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
            if id_name is None and looks_like_id(column, texts):
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
                var = infer_variable(name, column, texts, text=text, closed=closed, min_n=min_n)
                if closed:
                    var = no_labels(var, "in the .sav")
            blocks.append(DraftBlock(heading(column, text), (var,)))
            continue
        declared = {c for c, _ in vl if _declared_missing(c, ranges.get(column, []))}
        var = _spss_labelled(
            name, column, text, texts, vl, declared, measures.get(column), min_n=min_n
        )
        blocks.append(DraftBlock(heading(column, text), (var,)))
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
    *,
    min_n: int,
) -> DraftVariable:
    """A variable with value labels: a category, or a number whose labels are all "no answer"."""
    import pandas as pd

    codes = {c.casefold() for c, _ in vl}
    unlabeled = [str(v) for v in pd.unique(texts[texts != ""]) if str(v).casefold() not in codes]
    numeric = all(not math.isnan(parse_number(v)) for v in [c for c, _ in vl] + unlabeled)
    all_missing = all(c in declared or no_answer_kinds(lab)[1] for c, lab in vl)
    if numeric and unlabeled and all_missing and (measure == "scale" or len(unlabeled) > MAX_CODES):
        # e.g. an age with 999 = "Vil ikke oplyse": a number with a missing answer
        numbers = [parse_number(v) for v in unlabeled]
        return DraftVariable(
            name,
            column,
            VarType.INTEGER if all(x.is_integer() for x in numbers) else VarType.NUMBER,
            text,
            missing=tuple(dict.fromkeys(lab for _c, lab in vl)),
            missing_note=missing_note([missing_reason(c, lab, declared) for c, lab in vl]),
            notes=(numbers_note(numbers, min_n),),
        )
    pairs = vl + [(v, v) for v in unlabeled]
    if numeric:
        pairs.sort(key=lambda pair: (parse_number(pair[0]), pair[0]))
    answers = split_answers(pairs, declared)
    notes = answers.notes
    if unlabeled:
        shown = ", ".join(sorted(unlabeled, key=lambda v: (parse_number(v), v))[:10])
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
    value = parse_number(code)
    for r in ranges:
        lo, hi = (r.get("lo"), r.get("hi")) if isinstance(r, dict) else (None, None)
        if isinstance(lo, int | float) and isinstance(hi, int | float):
            if not math.isnan(value) and lo <= value <= hi:
                return True
        elif lo is not None and str(lo).strip() == code:
            return True
    return False
