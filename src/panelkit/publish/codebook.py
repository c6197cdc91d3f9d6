"""The codebook (``panelkit describe``): every variable, its question and its answers.

For each variable: the question text, the type, how many answered, and
- categories (category, multi, derived): each answer's count and share of those
  who answered, and the weighted share when the survey is weighted;
- numbers: n, mean, sd, min, quartiles, max (and the weighted mean);
- free text: only how many answered (validation has already reduced the
  answers to answered-or-not, so they cannot appear here);
- missing: how many cells were empty and how many gave each recognised
  "no answer" (``missing:`` in the schema, e.g. "Ved ikke").

Shares are of the respondents who answered; n is always unweighted. The sd is
the sample standard deviation and the quartiles interpolate linearly (pandas'
and R's default). Writers return bytes, the same for the same codebook.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from panelkit.files import safe_cell
from panelkit.results import Lang, Reconciliation, WeightingResult

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from panelkit.input.validation import SurveyData

__all__ = [
    "AnswerCount",
    "Codebook",
    "CodebookFormat",
    "NumberSummary",
    "VariableKind",
    "VariableSummary",
    "build_codebook",
    "codebook_format_for",
    "display_sections",
    "render_codebook",
]


class CodebookFormat(StrEnum):
    """What ``describe --format`` writes."""

    TABLE = "table"
    MD = "md"
    XLSX = "xlsx"
    JSON = "json"


class VariableKind(StrEnum):
    """A codebook entry's kind: the schema's types, and derived variables."""

    ID = "id"
    INTEGER = "integer"
    NUMBER = "number"
    CATEGORY = "category"
    TEXT = "text"
    MULTI = "multi"
    DERIVED = "derived"


@dataclass(frozen=True)
class AnswerCount:
    """One answer of a categorical variable."""

    label: str
    code: str | None  # the platform's code where it differs from the label
    n: int
    share: float | None  # of those who answered; None when nobody did
    weighted_share: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "code": self.code,
            "n": self.n,
            "share": self.share,
            "weighted_share": self.weighted_share,
        }


@dataclass(frozen=True)
class NumberSummary:
    """The distribution of a numeric variable among those who answered."""

    n: int
    mean: float | None
    sd: float | None
    min: float | None
    q1: float | None
    median: float | None
    q3: float | None
    max: float | None
    weighted_mean: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class VariableSummary:
    """One codebook entry."""

    name: str
    column: str | None  # None for a derived variable
    text: str | None
    kind: VariableKind
    rows: int
    answered: int
    empty: int  # cells without a value (and, for text, answers listed as missing)
    missing: tuple[tuple[str, int], ...] = ()  # each recognised "no answer" and its count
    answers: tuple[AnswerCount, ...] = ()
    numbers: NumberSummary | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "column": self.column,
            "text": self.text,
            "type": str(self.kind),
            "rows": self.rows,
            "answered": self.answered,
            "empty": self.empty,
            "missing": [{"label": label, "n": n} for label, n in self.missing],
            "answers": [a.to_dict() for a in self.answers],
            "numbers": None if self.numbers is None else self.numbers.to_dict(),
        }


@dataclass(frozen=True, eq=False)
class Codebook:
    """The codebook of one survey, in the schema's order (derived variables last)."""

    schema: str
    source: Path
    survey: Reconciliation
    weighting: WeightingResult | None
    variables: tuple[VariableSummary, ...]

    def to_dict(self, version: str) -> dict[str, Any]:
        return {
            "panelkit_version": version,
            "schema": self.schema,
            "source": self.source.name,
            "survey": self.survey.to_dict(),
            "weighting": None if self.weighting is None else self.weighting.to_dict(),
            "variables": [v.to_dict() for v in self.variables],
        }

    def variable(self, name: str) -> VariableSummary:
        for v in self.variables:
            if v.name == name:
                return v
        raise KeyError(name)


# ============================================================================ building


def build_codebook(survey: SurveyData, weighting: WeightingResult | None) -> Codebook:
    """Summarise every variable of validated (usable) data; ``weighting`` in the same row order."""
    import numpy as np

    from panelkit.input.schema import VarType

    frame = survey.frame
    weights = None if weighting is None else np.asarray(weighting.weights, dtype=np.float64)
    if weights is not None and weights.size != len(frame):
        raise ValueError("one weight per row of the survey is needed")
    given = getattr(survey, "missing", None)  # which "no answer" each row gave, if recorded
    entries: list[VariableSummary] = []
    for var in survey.schema.variables:
        kind = VariableKind(var.type.value)
        values = frame[var.name]
        if var.type is VarType.TEXT:
            answered = int(values.astype(bool).sum())
            entries.append(
                VariableSummary(
                    var.name,
                    var.column,
                    var.text,
                    kind,
                    len(frame),
                    answered,
                    len(frame) - answered,
                )
            )
            continue
        missing = _missing_counts(given, var.name, var.missing)
        if var.type is VarType.ID:
            answered = int(values.notna().sum())
            entries.append(
                VariableSummary(
                    var.name,
                    var.column,
                    var.text,
                    kind,
                    len(frame),
                    answered,
                    len(frame) - answered,
                )
            )
        elif var.type.is_numeric:
            entries.append(_numeric(var.name, var.column, var.text, kind, values, weights, missing))
        else:
            codes = {c.label: c.code for c in var.categories if c.code != c.label}
            entries.append(
                _categorical(var.name, var.column, var.text, kind, values, weights, missing, codes)
            )
    for d in survey.schema.derived:
        entries.append(
            _categorical(d.name, None, None, VariableKind.DERIVED, frame[d.name], weights, (), {})
        )
    return Codebook(
        schema=survey.schema.name,
        source=survey.report.source,
        survey=survey.reconciliation(),
        weighting=weighting,
        variables=tuple(entries),
    )


def _missing_counts(
    given: pd.DataFrame | None, name: str, spelled: tuple[str, ...]
) -> tuple[tuple[str, int], ...]:
    """Each ``missing:`` answer of the schema with how many gave it (0 when not recorded)."""
    labels = list(dict.fromkeys(spelled))
    if given is None:
        return ()
    if name not in given.columns:
        return tuple((label, 0) for label in labels)
    counts = given[name].value_counts(sort=False, dropna=True)
    return tuple((label, int(counts.get(label, 0))) for label in labels)


def _categorical(
    name: str,
    column: str | None,
    text: str | None,
    kind: VariableKind,
    values: pd.Series,
    weights: np.ndarray | None,
    missing: tuple[tuple[str, int], ...],
    codes: dict[str, str],
) -> VariableSummary:
    import numpy as np

    labels = [str(c) for c in values.cat.categories]
    index = values.cat.codes.to_numpy()
    ok = index >= 0
    counts = np.bincount(index[ok], minlength=len(labels))
    answered = int(ok.sum())
    weighted = None
    if weights is not None:
        sums = np.bincount(index[ok], weights=weights[ok], minlength=len(labels))
        total = float(sums.sum())
        weighted = sums / total if total > 0 else None
    answers = tuple(
        AnswerCount(
            label,
            codes.get(label),
            int(counts[k]),
            float(counts[k] / answered) if answered else None,
            None if weighted is None else float(weighted[k]),
        )
        for k, label in enumerate(labels)
    )
    rows = len(values)
    empty = rows - answered - sum(n for _label, n in missing)
    return VariableSummary(name, column, text, kind, rows, answered, empty, missing, answers)


def _numeric(
    name: str,
    column: str,
    text: str | None,
    kind: VariableKind,
    values: pd.Series,
    weights: np.ndarray | None,
    missing: tuple[tuple[str, int], ...],
) -> VariableSummary:
    import numpy as np

    x = values.to_numpy(dtype=np.float64)
    ok = ~np.isnan(x)
    v = x[ok]
    n = int(v.size)
    if n:
        q = np.quantile(v, [0.0, 0.25, 0.5, 0.75, 1.0])
        weighted_mean = None
        if weights is not None and float(weights[ok].sum()) > 0:
            weighted_mean = float(np.sum(weights[ok] * v) / np.sum(weights[ok]))
        numbers = NumberSummary(
            n,
            float(v.mean()),
            float(v.std(ddof=1)) if n > 1 else None,
            float(q[0]),
            float(q[1]),
            float(q[2]),
            float(q[3]),
            float(q[4]),
            weighted_mean,
        )
    else:
        numbers = NumberSummary(0, None, None, None, None, None, None, None, None)
    rows = len(values)
    empty = rows - n - sum(c for _label, c in missing)
    return VariableSummary(name, column, text, kind, rows, n, empty, missing, (), numbers)


# ============================================================================ rendering

_KIND = {
    Lang.DA: {
        VariableKind.ID: "id",
        VariableKind.INTEGER: "heltal",
        VariableKind.NUMBER: "tal",
        VariableKind.CATEGORY: "kategori",
        VariableKind.TEXT: "fritekst",
        VariableKind.MULTI: "flervalg (0/1)",
        VariableKind.DERIVED: "afledt",
    },
    Lang.EN: {
        VariableKind.ID: "id",
        VariableKind.INTEGER: "integer",
        VariableKind.NUMBER: "number",
        VariableKind.CATEGORY: "category",
        VariableKind.TEXT: "free text",
        VariableKind.MULTI: "multiple choice (0/1)",
        VariableKind.DERIVED: "derived",
    },
}
_WORDS = {
    Lang.DA: {
        "title": "Kodebog",
        "answered": "Besvaret",
        "empty": "(tom)",
        "missing": "mangler",
        "mean": "gennemsnit",
        "sd": "sd",
        "min": "min",
        "quartiles": "kvartiler",
        "max": "maks",
        "weighted": "vægtet",
        "unweighted": "Uvægtet (ingen marginaler).",
    },
    Lang.EN: {
        "title": "Codebook",
        "answered": "Answered",
        "empty": "(empty)",
        "missing": "missing",
        "mean": "mean",
        "sd": "sd",
        "min": "min",
        "quartiles": "quartiles",
        "max": "max",
        "weighted": "weighted",
        "unweighted": "Unweighted (no margins).",
    },
}
_HEAD = {
    Lang.DA: ["Variabel", "Spørgsmål", "Type", "Svar", "n", "Andel", "Vægtet andel"],
    Lang.EN: ["Variable", "Question", "Type", "Answer", "n", "Share", "Weighted share"],
}


def _pct(value: float | None, lang: Lang) -> str:
    from panelkit.publish.tables import pct

    return "" if value is None else pct(value, lang) + " %"


def _num(value: float | None, lang: Lang, digits: int = 4) -> str:
    if value is None:
        return ""
    text = f"{value:.{digits}g}" if abs(value) < 10**digits else f"{value:.0f}"
    return text.replace(".", ",") if lang is Lang.DA else text


def display_header(codebook: Codebook, lang: Lang) -> list[str]:
    """The column titles of :func:`display_sections` (no weighted column when unweighted)."""
    head = list(_HEAD[lang])
    return head if codebook.weighting is not None else head[:-1]


def display_sections(codebook: Codebook, lang: Lang) -> list[list[list[str]]]:
    """The codebook as text cells for a person: one section of rows per variable."""
    words = _WORDS[lang]
    weighted = codebook.weighting is not None
    sections = []
    for v in codebook.variables:
        rows = [
            [
                v.name,
                v.text or "",
                _KIND[lang][v.kind],
                words["answered"],
                str(v.answered),
                _pct(v.answered / v.rows if v.rows else None, lang),
                "",
            ]
        ]
        for a in v.answers:
            rows.append(
                ["", "", "", a.label, str(a.n), _pct(a.share, lang), _pct(a.weighted_share, lang)]
            )
        if v.numbers is not None and v.numbers.n:
            s = v.numbers
            rows += [
                ["", "", "", f"{words['mean']}: {_num(s.mean, lang)}", "", "", ""],
                ["", "", "", f"{words['sd']}: {_num(s.sd, lang)}", "", "", ""],
                ["", "", "", f"{words['min']}: {_num(s.min, lang)}", "", "", ""],
                [
                    "",
                    "",
                    "",
                    f"{words['quartiles']}: "
                    + " / ".join(_num(x, lang) for x in (s.q1, s.median, s.q3)),
                    "",
                    "",
                    "",
                ],
                ["", "", "", f"{words['max']}: {_num(s.max, lang)}", "", "", ""],
            ]
            if weighted:
                rows[-5][6] = f"{words['mean']}: {_num(s.weighted_mean, lang)}"
        if v.kind is not VariableKind.TEXT and v.kind is not VariableKind.ID:
            rows.append(["", "", "", words["empty"], str(v.empty), "", ""])
            for label, n in v.missing:
                rows.append(["", "", "", f"{label} ({words['missing']})", str(n), "", ""])
        sections.append([r if weighted else r[:-1] for r in rows])
    return sections


def summary_lines(codebook: Codebook, lang: Lang) -> list[str]:
    """Rows read/used/rejected and how the shares are weighted."""
    r = codebook.survey
    w = codebook.weighting
    if lang is Lang.DA:
        lines = [f"Rækker læst: {r.rows_read} = brugt {r.rows_used} + afvist {r.rows_rejected}"]
        if w is not None:
            lines.append(
                f"Vægtet (raking): designeffekt {w.deff_kish:.2f}, effektivt n {w.n_effective:.0f}; "
                "n er uvægtet".replace(".", ",")
            )
    else:
        lines = [f"Rows read: {r.rows_read} = used {r.rows_used} + rejected {r.rows_rejected}"]
        if w is not None:
            lines.append(
                f"Weighted (raking): design effect {w.deff_kish:.2f}, effective n "
                f"{w.n_effective:.0f}; n is unweighted"
            )
    if w is None:
        lines.append(_WORDS[lang]["unweighted"])
    return lines


def codebook_format_for(path: Path) -> CodebookFormat | None:
    """The format a file name asks for (.md, .xlsx, .json), or None."""
    return {
        ".md": CodebookFormat.MD,
        ".xlsx": CodebookFormat.XLSX,
        ".json": CodebookFormat.JSON,
    }.get(path.suffix.lower())


def render_codebook(codebook: Codebook, fmt: CodebookFormat, lang: Lang, *, version: str) -> bytes:
    """The codebook as bytes: JSON (proportions 0–1), Markdown, or an xlsx workbook."""
    if fmt is CodebookFormat.JSON:
        text = json.dumps(codebook.to_dict(version), ensure_ascii=False, indent=2)
        return (text + "\n").encode("utf-8")
    if fmt is CodebookFormat.XLSX:
        return codebook_xlsx(codebook, lang)
    return codebook_markdown(codebook, lang).encode("utf-8")


def _md_cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def codebook_markdown(codebook: Codebook, lang: Lang) -> str:
    """A heading, the reconciliation, and one pipe table of every variable's rows."""
    head = display_header(codebook, lang)
    lines = [
        f"# {_WORDS[lang]['title']}: {_md_cell(codebook.schema)}",
        "",
        *(f"{line}  " for line in summary_lines(codebook, lang)),
        "",
        "| " + " | ".join(head) + " |",
        "|" + "|".join("---" if i < 4 else "---:" for i in range(len(head))) + "|",
    ]
    for section in display_sections(codebook, lang):
        lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in section]
    return "\n".join(lines) + "\n"


_XLSX = {
    Lang.DA: {
        "variables": (
            "Variabler",
            ["Variabel", "Kolonne", "Spørgsmål", "Type", "Rækker", "Besvaret", "Tom", "Mangler"],
        ),
        "answers": (
            "Svar",
            ["Variabel", "Kode", "Svar", "n", "Andel", "Vægtet andel"],
        ),
        "numbers": (
            "Tal",
            [
                "Variabel",
                "n",
                "Gennemsnit",
                "SD",
                "Min",
                "Q1",
                "Median",
                "Q3",
                "Maks",
                "Vægtet gennemsnit",
            ],
        ),
    },
    Lang.EN: {
        "variables": (
            "Variables",
            ["Variable", "Column", "Question", "Type", "Rows", "Answered", "Empty", "Missing"],
        ),
        "answers": (
            "Answers",
            ["Variable", "Code", "Answer", "n", "Share", "Weighted share"],
        ),
        "numbers": (
            "Numbers",
            ["Variable", "n", "Mean", "SD", "Min", "Q1", "Median", "Q3", "Max", "Weighted mean"],
        ),
    },
}


def codebook_xlsx(codebook: Codebook, lang: Lang) -> bytes:
    """A workbook: variables, answers (with missing answers), numbers; deterministic bytes."""
    from openpyxl import Workbook

    from panelkit.publish.tables import fill_sheet, workbook_bytes

    words = _WORDS[lang]
    sheets = _XLSX[lang]
    variables: list[list[Any]] = []
    answers: list[list[Any]] = []
    numbers: list[list[Any]] = []
    for v in codebook.variables:
        name = safe_cell(v.name)
        variables.append(
            [
                name,
                safe_cell(v.column) if v.column else None,
                safe_cell(v.text) if v.text else None,
                _KIND[lang][v.kind],
                v.rows,
                v.answered,
                v.empty,
                sum(n for _label, n in v.missing),
            ]
        )
        for a in v.answers:
            answers.append(
                [
                    name,
                    safe_cell(a.code) if a.code else None,
                    safe_cell(a.label),
                    a.n,
                    a.share,
                    a.weighted_share,
                ]
            )
        if v.kind not in (VariableKind.TEXT, VariableKind.ID) and (v.answers or v.numbers):
            answers.append([name, None, words["empty"], v.empty, None, None])
            for label, n in v.missing:
                answers.append(
                    [name, None, safe_cell(f"{label} ({words['missing']})"), n, None, None]
                )
        if v.numbers is not None:
            s = v.numbers
            numbers.append(
                [name, s.n, s.mean, s.sd, s.min, s.q1, s.median, s.q3, s.max, s.weighted_mean]
            )
    wb = Workbook()
    ws = wb.active
    ws.title, head = sheets["variables"]
    fill_sheet(ws, head, variables)
    title, head = sheets["answers"]
    fill_sheet(wb.create_sheet(title), head, answers, percent_columns=(5, 6))
    title, head = sheets["numbers"]
    fill_sheet(wb.create_sheet(title), head, numbers)
    return workbook_bytes(wb)
