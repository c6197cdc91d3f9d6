"""Validation: check a raw export against its schema and produce analysable data.

Each variable is checked column-wise (vectorised); a bad cell becomes a row
error citing the line a person sees, never the content of a free-text answer.
The offending value is kept apart from the message (``RowProblem.value``), so
the rejects file and error lines can leave it out. Free-text variables are
reduced to "answered or not" here, so no later step can ever write one out.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from panelkit.errors import DataError
from panelkit.files import safe_cell
from panelkit.input.raw import RawExport, stripped_arrow, stripped_texts
from panelkit.input.schema import Derived, Schema, Score, ScoreMethod, Variable, VarType
from panelkit.results import Reconciliation, RowProblem, ValidationReport

# How much of an offending (non-free-text) value a problem may quote.
_MAX_QUOTED = 40

# What is wrong with a cell, and the value as a person sees it (None: nothing to show).
_Problem = tuple[str, str | None]


@dataclass(frozen=True, eq=False)
class SurveyData:
    """A validated export: one column per schema variable (and derived variable).

    Categorical variables are pandas Categoricals with the schema's labels in
    order (NaN: no answer, or an answer listed as ``missing``); numbers are
    float64; ``id`` is text; ``text`` variables are booleans (answered or not).
    ``lines`` holds each row's line (or sheet row) number, ``valid`` whether the
    row passed every check. ``missing`` says, per row, which of a variable's
    ``missing:`` answers it gave (a Categorical column per category or numeric
    variable with such answers; NaN: none), for counts such as the codebook's.
    """

    schema: Schema
    frame: pd.DataFrame
    lines: np.ndarray
    valid: np.ndarray
    report: ValidationReport
    unit: str = "line"
    dropped_invalid: bool = False
    missing: pd.DataFrame | None = None

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
                f"{self.report.rows_read} rows have errors (first: {first.redacted}); run "
                "`panelkit validate` to see them, fix the export, or pass --drop-invalid "
                "to leave those rows out"
            )
        keep = self.valid
        frame = self.frame.loc[keep].reset_index(drop=True)
        given = None if self.missing is None else self.missing.loc[keep].reset_index(drop=True)
        return replace(
            self,
            frame=frame,
            lines=self.lines[keep],
            valid=self.valid[keep],
            dropped_invalid=True,
            missing=given,
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
    errors: list[tuple[np.ndarray, str, list[_Problem]]] = []  # (row positions, column, problems)
    columns: dict[str, pd.Series] = {}
    missing_answers = 0
    missing_given: dict[str, pd.Categorical[str]] = {}
    for var in schema.variables:
        values, bad, found, n_missing, given = _convert(raw.frame[var.column], var)
        columns[var.name] = values
        missing_answers += n_missing
        if given is not None:
            missing_given[var.name] = given
        if bad.size:
            errors.append((bad, var.column, found))
        if var.type is VarType.ID:
            dup_rows, dup_problems = _repeated_ids(values, raw.lines, raw.unit)
            if dup_rows.size:
                errors.append((dup_rows, var.column, dup_problems))
    for s in schema.scores:  # before the bins, which may cut a score
        columns[s.name] = _score(columns, schema, s)
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
    return SurveyData(
        schema,
        frame,
        np.asarray(raw.lines),
        valid,
        report,
        raw.unit,
        missing=pd.DataFrame(missing_given, index=pd.RangeIndex(n)),
    )


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


@dataclass(frozen=True, eq=False)
class _Distinct:
    """A column as codes into its distinct values, so text work is done once per value.

    Survey columns hold few distinct answers; stripping, case-folding and parsing a
    million cells one by one would dominate the run time.
    """

    codes: np.ndarray  # per row: index into ``text``, -1 for an empty cell
    text: np.ndarray  # the distinct values as stripped text (object array)

    def per_row(self, flags: np.ndarray) -> np.ndarray:
        """Broadcast a per-value boolean array to rows (empty cells: False)."""
        return np.concatenate([flags.astype(bool), [False]])[self.codes]


def _distinct(series: pd.Series) -> _Distinct:
    if isinstance(series.dtype, pd.CategoricalDtype):  # a CSV column: its distinct values
        codes = np.asarray(series.cat.codes.to_numpy(), dtype=np.intp)
        values = np.asarray(series.cat.categories, dtype=object)
    else:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        values = np.asarray(uniques, dtype=object)
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        text = np.array([_number_cell(float(v)) for v in values], dtype=object)
    else:
        text = np.array(
            [
                _number_cell(v)
                if isinstance(v, int | float) and not isinstance(v, bool)
                else str(v).strip()
                for v in values
            ],
            dtype=object,
        )
    # "1.0" from a spreadsheet is the code "1"
    text = np.array([_WHOLE.sub(r"\1", t) for t in text], dtype=object)
    blank = np.array([t == "" for t in text], dtype=bool)
    codes = np.asarray(codes, dtype=np.intp)
    if blank.any():
        codes = np.where(np.concatenate([blank, [True]])[codes], -1, codes)
    return _Distinct(codes, text)


_WHOLE = re.compile(r"^([+-]?\d+)\.0+$")
_DECIMAL_COMMA = re.compile(r"^([+-]?\d*),(\d+)$")


def _plain_text(series: pd.Series) -> pd.Series:
    """Cells as stripped text (object dtype), None where empty."""
    if isinstance(series.dtype, pd.CategoricalDtype):  # text work once per distinct value
        categories = series.cat.categories
        if pd.api.types.infer_dtype(categories, skipna=False) == "string":
            stripped = stripped_texts(categories.to_numpy(dtype=object))
            table = np.concatenate([stripped, np.array([None], dtype=object)])
        else:
            table = np.array([*(str(v).strip() or None for v in categories), None], dtype=object)
        return pd.Series(table[series.cat.codes.to_numpy()], index=series.index, dtype=object)
    if isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow":
        import pyarrow as pa

        # Arrow-backed text (a CSV's ids): stripped in Arrow, no Python string per cell
        # until the result's
        cells = stripped_arrow(pa.chunked_array(pa.array(series.array)))
        plain = np.asarray(cells.to_numpy(zero_copy_only=False), dtype=object)
        return pd.Series(plain, index=series.index, dtype=object)
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return series.map(lambda v: None if pd.isna(v) else _number_cell(float(v))).astype(object)
    text = series.astype(object)
    if not isinstance(series.dtype, pd.StringDtype):  # object columns (workbooks) mix types
        text = text.map(
            lambda v: (
                None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip()
            )
        )
    text = text.where(text.notna() & (text != ""), None)
    return text


def _number_cell(value: float) -> str:
    value = float(value)  # workbook cells may be int, which has no is_integer() before 3.12
    if math.isnan(value):
        return ""
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(value)


def _shown(value: str) -> str:
    return value if len(value) <= _MAX_QUOTED else value[: _MAX_QUOTED - 1] + "…"


def _quote(value: str) -> str:
    return f'"{_shown(value)}"'


def _convert(
    series: pd.Series, var: Variable
) -> tuple[pd.Series, np.ndarray, list[_Problem], int, pd.Categorical[str] | None]:
    """(converted values, positions of bad cells, their problems, missing-answer count,
    per row which ``missing:`` answer it gave, spelled as in the schema; None for ids,
    free text and variables without ``missing:``)."""
    if var.type is VarType.ID:
        # ids are (nearly) all distinct: factorizing them would buy nothing
        ids = _plain_text(series)
        empty = ids.isna().to_numpy()
        bad = np.flatnonzero(empty)
        return ids, bad, [("the id is empty; every respondent needs one", None)] * bad.size, 0, None
    if var.type is VarType.TEXT:
        # Keep only whether it was answered: the text itself is personal data.
        text = _plain_text(series)
        answered = text.notna().to_numpy()
        n_missing = 0
        if var.missing:
            said_missing = text.str.casefold().isin({m.casefold() for m in var.missing}).to_numpy()
            n_missing = int((said_missing & answered).sum())
            answered &= ~said_missing
        return (
            pd.Series(answered, index=series.index),
            np.empty(0, dtype=np.intp),
            [],
            n_missing,
            None,
        )

    d = _distinct(series)
    spelled: dict[str, str] = {}
    for m in var.missing:
        spelled.setdefault(m.casefold(), m)
    said = list(dict.fromkeys(spelled.values()))
    said_at = {label: i for i, label in enumerate(said)}
    # once per distinct value: which missing answer it is ("Ved ikke", " ved ikke ", 9.0 as 9)
    u_said = np.array(
        [said_at.get(spelled.get(t.casefold(), ""), -1) for t in d.text], dtype=np.intp
    )
    u_missing = u_said >= 0
    given = (
        pd.Categorical.from_codes(
            np.concatenate([u_said, [-1]])[d.codes], categories=pd.Index(said)
        )
        if var.missing
        else None
    )
    n_missing = int(d.per_row(u_missing).sum())

    if var.type.is_numeric:
        return (*_convert_number(d, var, u_missing, series.index, n_missing), given)

    position: dict[str, int] = {}
    for i, cat in enumerate(var.categories):
        position[cat.code.casefold()] = i
    for i, cat in enumerate(var.categories):  # a label wins over a code that happens to spell it
        position[cat.label.casefold()] = i
    u_code = np.array([position.get(t.casefold(), -1) for t in d.text], dtype=np.intp)
    u_bad = (u_code < 0) & ~u_missing
    bad = np.flatnonzero(d.per_row(u_bad))
    allowed = ", ".join(c.label for c in var.categories)
    codes = [c.code for c in var.categories if c.code != c.label]
    code_note = f" (or codes {', '.join(codes)})" if codes else ""
    missing_note = f"; no answer: {', '.join(var.missing)}" if var.missing else ""
    message = f"not an answer of {var.name}; expected one of {allowed}{code_note}{missing_note}"
    u_problem = {int(u): (message, _quote(d.text[u])) for u in np.flatnonzero(u_bad)}
    problems: list[_Problem] = [u_problem[int(u)] for u in d.codes[bad]]
    row_codes = np.concatenate([np.where(u_bad | u_missing, -1, u_code), [-1]])[d.codes]
    labels = pd.Categorical.from_codes(row_codes, categories=pd.Index(list(var.labels)))
    return pd.Series(labels, index=series.index), bad, problems, n_missing, given


def _convert_number(
    d: _Distinct, var: Variable, u_missing: np.ndarray, index: pd.Index, n_missing: int
) -> tuple[pd.Series, np.ndarray, list[_Problem], int]:
    # SurveyXact's "European format" writes 3,5 for 3.5; a thousands separator is not accepted.
    u_text = [_DECIMAL_COMMA.sub(r"\1.\2", t) for t in d.text]
    parsed = pd.to_numeric(pd.Series(u_text, dtype=object), errors="coerce")
    u_value = np.array(parsed, dtype="float64")  # a writable copy
    u_value[u_missing] = np.nan
    u_problem: dict[int, _Problem] = {}
    for u in np.flatnonzero(np.isnan(u_value) & ~u_missing):
        u_problem[int(u)] = ("not a number", _quote(d.text[u]))
    finite = ~np.isnan(u_value)
    if var.type is VarType.INTEGER:
        for u in np.flatnonzero(finite & (u_value != np.floor(u_value))):
            u_problem[int(u)] = ("not a whole number", _shown(d.text[u]))
    if var.min is not None:
        for u in np.flatnonzero(finite & (u_value < var.min)):
            u_problem.setdefault(int(u), (f"below the minimum {_num(var.min)}", _shown(d.text[u])))
    if var.max is not None:
        for u in np.flatnonzero(finite & (u_value > var.max)):
            u_problem.setdefault(int(u), (f"above the maximum {_num(var.max)}", _shown(d.text[u])))
    u_bad = np.zeros(len(d.text), dtype=bool)
    u_bad[list(u_problem)] = True
    bad = np.flatnonzero(d.per_row(u_bad))
    values = np.concatenate([np.where(u_bad, np.nan, u_value), [np.nan]])[d.codes]
    return (
        pd.Series(values, index=index),
        bad,
        [u_problem[int(u)] for u in d.codes[bad]],
        n_missing,
    )


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _repeated_ids(
    values: pd.Series, lines: np.ndarray, unit: str
) -> tuple[np.ndarray, list[_Problem]]:
    present = values.notna().to_numpy()
    dup = values.duplicated(keep="first").to_numpy() & present
    if not dup.any():
        return np.empty(0, dtype=np.intp), []
    first_pos = values[present].drop_duplicates(keep="first")
    first_line = pd.Series(lines[first_pos.index.to_numpy()], index=first_pos.to_numpy())
    positions = np.flatnonzero(dup)
    earlier = first_line.reindex(values.to_numpy()[positions]).to_numpy()
    problems: list[_Problem] = [
        (f"repeats the id on {unit} {int(e)}; ids must be unique", None) for e in earlier
    ]
    return positions, problems


def _derive(source: pd.Series, d: Derived) -> pd.Series:
    cut = pd.cut(source, bins=list(d.bins), right=False, labels=list(d.labels))
    return pd.Series(pd.Categorical(cut, categories=list(d.labels)), index=source.index)


def _score(columns: dict[str, pd.Series], schema: Schema, s: Score) -> pd.Series:
    """A scale score (formats §8.1), one item (column) at a time over all respondents.

    A missing answer (empty, ``missing:``, or a row error's cell) is not answered.
    """
    index = columns[s.items[0]].index
    points = np.empty((len(index), len(s.items)), dtype=np.float64)
    by_label = dict(s.points)
    reverse = {name: (lo, hi) for name, lo, hi in s.reverse}
    for j, name in enumerate(s.items):
        var = schema.variable(name)
        values = columns[name]
        if var.type is VarType.CATEGORY:
            # the points of each label in the schema's order, NaN for "no answer" (code -1)
            table = np.array([by_label[label] for label in var.labels] + [np.nan])
            points[:, j] = table[values.cat.codes.to_numpy()]
        else:
            points[:, j] = values.to_numpy(dtype=np.float64, na_value=np.nan)
        if name in reverse:
            lo, hi = reverse[name]
            points[:, j] = hi + lo - points[:, j]
    answered = (~np.isnan(points)).sum(axis=1)
    total = np.nansum(points, axis=1)
    if s.method is ScoreMethod.MEAN:
        total = total / np.maximum(answered, 1)
    score = np.where(answered >= s.min_answered, total * s.multiply, np.nan)
    return pd.Series(score, index=index)


def _collect(
    errors: list[tuple[np.ndarray, str, list[_Problem]]], lines: np.ndarray, unit: str
) -> tuple[tuple[RowProblem, ...], np.ndarray]:
    if not errors:
        return (), np.empty(0, dtype=np.intp)
    positions = np.concatenate([e[0] for e in errors])
    order_columns = np.concatenate([np.full(len(e[0]), k) for k, e in enumerate(errors)])
    order = np.lexsort((order_columns, positions))
    flat = [p for e in errors for p in e[2]]
    flat_columns = [e[1] for e in errors for _ in e[0]]
    problems = tuple(
        RowProblem(int(lines[positions[i]]), flat_columns[i], flat[i][0], unit, flat[i][1])
        for i in order
    )
    return problems, np.unique(positions)


def rejects_csv(report: ValidationReport) -> bytes:
    """Line, column and problem of every row error as CSV: never the answer itself."""
    rows = [f"{report.problems[0].unit if report.problems else 'line'},column,problem"]
    for p in report.problems:
        cells = (str(p.line), safe_cell(p.column), safe_cell(p.message))
        rows.append(",".join(_csv_cell(x) for x in cells))
    return ("\n".join(rows) + "\n").encode("utf-8")


def _csv_cell(value: str) -> str:
    if any(ch in value for ch in ',"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value
