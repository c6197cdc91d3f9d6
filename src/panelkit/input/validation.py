"""Validation: check a raw export against its schema and produce analysable data.

Each variable is checked column-wise (vectorised); a bad cell becomes a row
error citing the line a person sees, never the content of a free-text answer.
Free-text variables are reduced to "answered or not" here, so no later step
can ever write one out.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from panelkit.errors import DataError
from panelkit.files import safe_cell, write_text_atomic
from panelkit.input.exports import RawExport
from panelkit.input.schema import Derived, Schema, Variable, VarType
from panelkit.results import Reconciliation, RowProblem, ValidationReport

# How much of an offending (non-free-text) value a message may quote.
_MAX_QUOTED = 40


@dataclass(frozen=True, eq=False)
class SurveyData:
    """A validated export: one column per schema variable (and derived variable).

    Categorical variables are pandas Categoricals with the schema's labels in
    order (NaN: no answer, or an answer listed as ``missing``); numbers are
    float64; ``id`` is text; ``text`` variables are booleans (answered or not).
    ``lines`` holds each row's line (or sheet row) number, ``valid`` whether the
    row passed every check.
    """

    schema: Schema
    frame: pd.DataFrame
    lines: np.ndarray
    valid: np.ndarray
    report: ValidationReport
    unit: str = "line"
    dropped_invalid: bool = False

    @property
    def rows(self) -> int:
        return len(self.frame)

    def usable(self, drop_invalid: bool) -> SurveyData:
        """The rows an analysis may use: refuses row errors unless told to drop them."""
        if self.report.ok:
            return self
        if not drop_invalid:
            first = self.report.problems[0]
            raise DataError(
                f"{self.report.source.name}: {self.report.rows_rejected} of "
                f"{self.report.rows_read} rows have errors (first: {first}); run "
                "`panelkit validate` to see them, fix the export, or pass --drop-invalid "
                "to leave those rows out"
            )
        keep = self.valid
        frame = self.frame.loc[keep].reset_index(drop=True)
        return replace(
            self, frame=frame, lines=self.lines[keep], valid=self.valid[keep], dropped_invalid=True
        )

    def reconciliation(self) -> Reconciliation:
        """Rows read = rows used + rows rejected, for this data as it stands."""
        return self.report.reconciliation(self.dropped_invalid)


def validate(raw: RawExport, schema: Schema) -> SurveyData:
    """Check every row of ``raw`` against ``schema``.

    Raises DataError for fatal problems (a mapped column absent from the
    export); every other problem becomes a row error in the report.
    """
    _check_columns(raw, schema)
    n = len(raw.frame)
    errors: list[tuple[np.ndarray, str, list[str]]] = []  # (row positions, column, messages)
    columns: dict[str, pd.Series] = {}
    missing_answers = 0
    for var in schema.variables:
        values, bad, messages, n_missing = _convert(raw.frame[var.column], var)
        columns[var.name] = values
        missing_answers += n_missing
        if bad.size:
            errors.append((bad, var.column, messages))
        if var.type is VarType.ID:
            dup_rows, dup_messages = _repeated_ids(values, raw.lines, raw.unit)
            if dup_rows.size:
                errors.append((dup_rows, var.column, dup_messages))
    for d in schema.derived:
        columns[d.name] = _derive(columns[d.source], d)

    frame = pd.DataFrame(columns, index=pd.RangeIndex(n))
    rank = {str(c): i for i, c in enumerate(raw.frame.columns)}
    # Problems of one row are listed in the export's column order, as a person reads the line.
    errors.sort(key=lambda e: rank[e[1]])
    problems, bad_positions = _collect(errors, raw.lines, raw.unit)
    valid = np.ones(n, dtype=bool)
    valid[bad_positions] = False
    report = ValidationReport(
        source=raw.path,
        rows_read=n,
        rows_valid=int(valid.sum()),
        problems=problems,
        rejected_lines=tuple(int(x) for x in raw.lines[bad_positions]),
        missing_answers=missing_answers,
    )
    return SurveyData(schema, frame, np.asarray(raw.lines), valid, report, raw.unit)


def _check_columns(raw: RawExport, schema: Schema) -> None:
    present = [str(c) for c in raw.frame.columns]
    absent = [v for v in schema.variables if v.column not in present]
    if not absent:
        return
    var = absent[0]
    close = difflib.get_close_matches(var.column, present, n=3, cutoff=0.5)
    hint = (
        f"closest in the export: {', '.join(close)}"
        if close
        else "the export has " + ", ".join(present[:12]) + (" …" if len(present) > 12 else "")
    )
    more = f" (and {len(absent) - 1} more missing columns)" if len(absent) > 1 else ""
    schema_name = schema.path.name if schema.path else "the schema"
    raise DataError(
        f'{raw.path.name}: column "{var.column}" (variable {var.name} in {schema_name}) is not in '
        f"the export{more}; {hint}; fix `column:` in the schema or export that column"
    )


def _as_text(series: pd.Series) -> pd.Series:
    """Cells as stripped text ("" for empty), numbers written without a spurious .0."""
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        nums = series.astype("float64").to_numpy()
        absent = np.isnan(nums)
        whole = ~absent & (nums == np.floor(nums)) & (np.abs(nums) < 2**53)
        out = np.where(
            whole, np.where(whole, nums, 0).astype(np.int64).astype(str), nums.astype(str)
        )
        return pd.Series(np.where(absent, "", out), index=series.index, dtype=object)
    text = series.astype(object).where(series.notna(), "")
    text = text.astype(str).str.strip()
    return text.str.replace(r"^([+-]?\d+)\.0+$", r"\1", regex=True)


def _quote(value: str) -> str:
    shown = value if len(value) <= _MAX_QUOTED else value[: _MAX_QUOTED - 1] + "…"
    return f'"{shown}"'


def _convert(series: pd.Series, var: Variable) -> tuple[pd.Series, np.ndarray, list[str], int]:
    """(converted values, positions of bad cells, their messages, missing-answer count)."""
    text = _as_text(series)
    empty = (text == "").to_numpy()
    folded = text.str.casefold()
    missing_words = {m.casefold() for m in var.missing}
    is_missing_answer = folded.isin(missing_words).to_numpy() & ~empty
    no_answer = empty | is_missing_answer
    n_missing = int(is_missing_answer.sum())

    if var.type is VarType.TEXT:
        # Keep only whether it was answered: the text itself is personal data.
        return pd.Series(~no_answer, index=series.index), np.empty(0, dtype=np.intp), [], n_missing

    if var.type is VarType.ID:
        values = text.where(~pd.Series(empty, index=text.index), None)
        bad = np.flatnonzero(empty)
        return values, bad, ["the id is empty; every respondent needs one"] * bad.size, 0

    if var.type.is_numeric:
        return _convert_number(text, var, no_answer, n_missing)

    lookup: dict[str, str] = {}
    for cat in var.categories:
        lookup[cat.code.casefold()] = cat.label
    for cat in var.categories:  # a label wins over a code that happens to spell it
        lookup[cat.label.casefold()] = cat.label
    mapped = folded.map(lookup)
    bad_mask = mapped.isna().to_numpy() & ~no_answer
    bad = np.flatnonzero(bad_mask)
    allowed = ", ".join(c.label for c in var.categories)
    codes = [c.code for c in var.categories if c.code != c.label]
    code_note = f" (or codes {', '.join(codes)})" if codes else ""
    missing_note = f"; no answer: {', '.join(var.missing)}" if var.missing else ""
    messages = [
        f"{_quote(v)} is not an answer of {var.name}; expected one of {allowed}{code_note}{missing_note}"
        for v in text.to_numpy()[bad]
    ]
    labels = pd.Categorical(
        mapped.where(~pd.Series(bad_mask | no_answer, index=mapped.index)),
        categories=list(var.labels),
    )
    return pd.Series(labels, index=series.index), bad, messages, n_missing


def _convert_number(
    text: pd.Series, var: Variable, no_answer: np.ndarray, n_missing: int
) -> tuple[pd.Series, np.ndarray, list[str], int]:
    # SurveyXact's "European format" writes 3,5 for 3.5; a thousands separator is not accepted.
    normalised = text.str.replace(r"^([+-]?\d*),(\d+)$", r"\1.\2", regex=True)
    numbers = pd.to_numeric(
        normalised.where(~pd.Series(no_answer, index=text.index)), errors="coerce"
    )
    values = numbers.to_numpy(dtype="float64")
    raw = text.to_numpy()
    not_number = np.isnan(values) & ~no_answer
    problems: dict[int, str] = {}
    for i in np.flatnonzero(not_number):
        problems[int(i)] = f"{_quote(raw[i])} is not a number"
    finite = ~np.isnan(values)
    if var.type is VarType.INTEGER:
        for i in np.flatnonzero(finite & (values != np.floor(values))):
            problems[int(i)] = f"{raw[i]} is not a whole number"
    if var.min is not None:
        for i in np.flatnonzero(finite & (values < var.min)):
            problems.setdefault(int(i), f"{raw[i]} is below the minimum {_num(var.min)}")
    if var.max is not None:
        for i in np.flatnonzero(finite & (values > var.max)):
            problems.setdefault(int(i), f"{raw[i]} is above the maximum {_num(var.max)}")
    bad = np.array(sorted(problems), dtype=np.intp)
    values = values.copy()
    values[bad] = np.nan
    return pd.Series(values, index=text.index), bad, [problems[int(i)] for i in bad], n_missing


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _repeated_ids(values: pd.Series, lines: np.ndarray, unit: str) -> tuple[np.ndarray, list[str]]:
    present = values.notna().to_numpy()
    dup = values.duplicated(keep="first").to_numpy() & present
    if not dup.any():
        return np.empty(0, dtype=np.intp), []
    first_pos = values[present].drop_duplicates(keep="first")
    first_line = pd.Series(lines[first_pos.index.to_numpy()], index=first_pos.to_numpy())
    positions = np.flatnonzero(dup)
    earlier = first_line.reindex(values.to_numpy()[positions]).to_numpy()
    messages = [f"repeats the id on {unit} {int(e)}; ids must be unique" for e in earlier]
    return positions, messages


def _derive(source: pd.Series, d: Derived) -> pd.Series:
    cut = pd.cut(source, bins=list(d.bins), right=False, labels=list(d.labels))
    return pd.Series(pd.Categorical(cut, categories=list(d.labels)), index=source.index)


def _collect(
    errors: list[tuple[np.ndarray, str, list[str]]], lines: np.ndarray, unit: str
) -> tuple[tuple[RowProblem, ...], np.ndarray]:
    if not errors:
        return (), np.empty(0, dtype=np.intp)
    positions = np.concatenate([e[0] for e in errors])
    order_columns = np.concatenate([np.full(len(e[0]), k) for k, e in enumerate(errors)])
    order = np.lexsort((order_columns, positions))
    flat_messages = [m for e in errors for m in e[2]]
    flat_columns = [e[1] for e in errors for _ in e[0]]
    problems = tuple(
        RowProblem(int(lines[positions[i]]), flat_columns[i], flat_messages[i], unit) for i in order
    )
    return problems, np.unique(positions)


def write_rejects(report: ValidationReport, path: Path) -> None:
    """Write line, column and problem of every row error as CSV (no answer values of free text)."""
    rows = [f"{report.problems[0].unit if report.problems else 'line'},column,problem"]
    for p in report.problems:
        cells = (str(p.line), safe_cell(p.column), safe_cell(p.message))
        rows.append(",".join(_csv_cell(x) for x in cells))
    write_text_atomic(path, "\n".join(rows) + "\n")


def _csv_cell(value: str) -> str:
    if any(ch in value for ch in ',"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value
