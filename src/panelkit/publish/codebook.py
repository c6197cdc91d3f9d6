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

Disclosure control (``min_n``, default 20; 0 turns it off), as for the estimates:
a count from 1 to min_n − 1 is not shown, nor its shares (primary). The answers
of a variable add up to "answered", and its empty and "no answer" cells to the
rest of the rows, so when exactly one count of either group is hidden, the next
smallest of that group is hidden too (secondary); a group of one count is its
total, which is shown, so it is not hidden. A number variable answered by
fewer than min_n has no distribution; and its smallest and largest values, which
are single respondents' answers, are never shown unless min_n is 0.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from panelkit.disclosure import Suppression, suppression_reasons
from panelkit.publish.texts import count_text, number_text, pct
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
    "suppression_lines",
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
    SCORE = "score"  # a scale score (formats §8.1): a number made from several items


@dataclass(frozen=True)
class AnswerCount:
    """One answer of a categorical variable, or one "no answer" (then code and shares are None).

    A suppressed count has ``n``, ``share`` and ``weighted_share`` None and says why.
    """

    label: str
    code: str | None  # the platform's code where it differs from the label
    n: int | None
    share: float | None  # of those who answered; None when nobody did
    weighted_share: float | None = None
    suppression: Suppression | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "code": self.code,
            "n": self.n,
            "share": self.share,
            "weighted_share": self.weighted_share,
            "suppression": self.suppression,
        }


@dataclass(frozen=True)
class NumberSummary:
    """The distribution of a numeric variable among those who answered.

    ``min``/``max`` are None unless suppression is off; every figure but ``n`` is None
    when the variable is suppressed (fewer than min_n answers).
    """

    n: int
    mean: float | None
    sd: float | None
    min: float | None
    q1: float | None
    median: float | None
    q3: float | None
    max: float | None
    weighted_mean: float | None = None
    suppression: Suppression | None = None  # PRIMARY when n < min_n

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
    empty: int | None  # cells without a value (and, for text, answers listed as missing)
    missing: tuple[AnswerCount, ...] = ()  # each recognised "no answer" and its count
    answers: tuple[AnswerCount, ...] = ()
    numbers: NumberSummary | None = None
    empty_suppression: Suppression | None = None  # why ``empty`` is None

    @property
    def suppressed(self) -> tuple[str, ...]:
        """The suppression reasons of this variable's counts and distribution."""
        cells = [*self.answers, *self.missing]
        reasons = [c.suppression for c in cells]
        reasons += [self.empty_suppression, self.numbers.suppression if self.numbers else None]
        return tuple(r for r in reasons if r is not None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "column": self.column,
            "text": self.text,
            "type": str(self.kind),
            "rows": self.rows,
            "answered": self.answered,
            "empty": self.empty,
            "empty_suppression": self.empty_suppression,
            "missing": [
                {"label": m.label, "n": m.n, "suppression": m.suppression} for m in self.missing
            ],
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
    min_n: int = 20

    def to_dict(self, version: str) -> dict[str, Any]:
        return {
            "panelkit_version": version,
            "schema": self.schema,
            "source": self.source.name,
            "survey": self.survey.to_dict(),
            "weighting": None if self.weighting is None else self.weighting.to_dict(self.min_n),
            "min_n": self.min_n,
            "variables": [v.to_dict() for v in self.variables],
        }

    def variable(self, name: str) -> VariableSummary:
        for v in self.variables:
            if v.name == name:
                return v
        raise KeyError(name)


# ============================================================================ building


def build_codebook(
    survey: SurveyData, weighting: WeightingResult | None, *, min_n: int = 20
) -> Codebook:
    """Summarise every variable of validated (usable) data; ``weighting`` in the same row order.

    Counts and distributions are suppressed as the module docstring says (``min_n=0``: off).
    """
    import numpy as np

    if min_n < 0:
        raise ValueError(f"min_n must be 0 or more, got {min_n}")
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
    for score in survey.schema.scores:
        entries.append(
            _numeric(
                score.name, None, score.text, VariableKind.SCORE, frame[score.name], weights, ()
            )
        )
    return Codebook(
        schema=survey.schema.name,
        source=survey.report.source,
        survey=survey.reconciliation(),
        weighting=weighting,
        variables=tuple(_protect(v, min_n) for v in entries),
        min_n=min_n,
    )


def _missing_counts(
    given: pd.DataFrame | None, name: str, spelled: tuple[str, ...]
) -> tuple[AnswerCount, ...]:
    """Each ``missing:`` answer of the schema with how many gave it (0 when not recorded)."""
    labels = list(dict.fromkeys(spelled))
    if given is None:
        return ()
    if name not in given.columns:
        return tuple(AnswerCount(label, None, 0, None) for label in labels)
    counts = given[name].value_counts(sort=False, dropna=True)
    return tuple(AnswerCount(label, None, int(counts.get(label, 0)), None) for label in labels)


# ---------------------------------------------------------------------------- suppression


def _hide(count: AnswerCount, reason: Suppression | None) -> AnswerCount:
    if reason is None:
        return count
    return replace(count, n=None, share=None, weighted_share=None, suppression=reason)


def _protect(v: VariableSummary, min_n: int) -> VariableSummary:
    """``v`` with its small counts (and what would reveal them) and exact min/max hidden."""
    if v.kind in (VariableKind.TEXT, VariableKind.ID) or min_n <= 0:
        return v
    answers = tuple(
        _hide(a, r)
        for a, r in zip(
            v.answers, suppression_reasons([a.n or 0 for a in v.answers], min_n), strict=True
        )
    )
    # The empty cells and each "no answer" add up to the rows that did not answer.
    rest = suppression_reasons([v.empty or 0, *(m.n or 0 for m in v.missing)], min_n)
    missing = tuple(_hide(m, r) for m, r in zip(v.missing, rest[1:], strict=True))
    numbers = v.numbers
    if numbers is not None:
        if 0 < numbers.n < min_n:
            numbers = NumberSummary(
                numbers.n,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                suppression=Suppression.PRIMARY,
            )
        else:  # the smallest and largest answers are single respondents' answers
            numbers = replace(numbers, min=None, max=None)
    return replace(
        v,
        answers=answers,
        missing=missing,
        numbers=numbers,
        empty=None if rest[0] else v.empty,
        empty_suppression=rest[0],
    )


def _categorical(
    name: str,
    column: str | None,
    text: str | None,
    kind: VariableKind,
    values: pd.Series,
    weights: np.ndarray | None,
    missing: tuple[AnswerCount, ...],
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
    empty = rows - answered - sum(m.n or 0 for m in missing)
    return VariableSummary(name, column, text, kind, rows, answered, empty, missing, answers)


def _numeric(
    name: str,
    column: str | None,
    text: str | None,
    kind: VariableKind,
    values: pd.Series,
    weights: np.ndarray | None,
    missing: tuple[AnswerCount, ...],
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
    empty = rows - n - sum(m.n or 0 for m in missing)
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
        VariableKind.SCORE: "skala (score)",
    },
    Lang.EN: {
        VariableKind.ID: "id",
        VariableKind.INTEGER: "integer",
        VariableKind.NUMBER: "number",
        VariableKind.CATEGORY: "category",
        VariableKind.TEXT: "free text",
        VariableKind.MULTI: "multiple choice (0/1)",
        VariableKind.DERIVED: "derived",
        VariableKind.SCORE: "scale score",
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
        "hidden": "skjult",
        "distribution": "fordeling",
        "suppressed": "undertrykt",
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
        "hidden": "hidden",
        "distribution": "distribution",
        "suppressed": "suppressed",
    },
}
_HEAD = {
    Lang.DA: ["Variabel", "Spørgsmål", "Type", "Svar", "n", "Andel", "Vægtet andel"],
    Lang.EN: ["Variable", "Question", "Type", "Answer", "n", "Share", "Weighted share"],
}


def _pct(value: float | None, lang: Lang) -> str:
    # The codebook writes " %" in both languages (its tables are pinned so).
    return "" if value is None else pct(value, lang) + " %"


def _num(value: float | None, lang: Lang, digits: int = 4) -> str:
    return "" if value is None else number_text(value, lang, digits)


def display_header(codebook: Codebook, lang: Lang) -> list[str]:
    """The column titles of :func:`display_sections` (no weighted column when unweighted)."""
    head = list(_HEAD[lang])
    return head if codebook.weighting is not None else head[:-1]


def display_sections(codebook: Codebook, lang: Lang) -> list[list[list[str]]]:
    """The codebook as text cells for a person: one section of rows per variable."""
    words = _WORDS[lang]
    weighted = codebook.weighting is not None
    m = codebook.min_n
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
                [
                    "",
                    "",
                    "",
                    a.label,
                    count_text(a.n, a.suppression, m, lang),
                    _pct(a.share, lang),
                    _pct(a.weighted_share, lang),
                ]
            )
        if v.numbers is not None and v.numbers.n:
            rows += _number_rows(v.numbers, lang, weighted)
        if v.kind is not VariableKind.TEXT and v.kind is not VariableKind.ID:
            empty = count_text(v.empty, v.empty_suppression, m, lang)
            rows.append(["", "", "", words["empty"], empty, "", ""])
            for x in v.missing:
                shown = count_text(x.n, x.suppression, m, lang)
                rows.append(["", "", "", f"{x.label} ({words['missing']})", shown, "", ""])
        sections.append([r if weighted else r[:-1] for r in rows])
    return sections


def _number_rows(s: NumberSummary, lang: Lang, weighted: bool) -> list[list[str]]:
    words = _WORDS[lang]

    def row(text: str, weighted_text: str = "") -> list[str]:
        return ["", "", "", text, "", "", weighted_text]

    if s.suppression is not None:
        return [row(f"{words['distribution']}: {words['suppressed']}")]
    quartiles = " / ".join(_num(x, lang) for x in (s.q1, s.median, s.q3))
    mean = f"{words['mean']}: {_num(s.weighted_mean, lang)}" if weighted else ""
    rows = [row(f"{words['mean']}: {_num(s.mean, lang)}", mean)]
    rows.append(row(f"{words['sd']}: {_num(s.sd, lang)}"))
    if s.min is not None:
        rows.append(row(f"{words['min']}: {_num(s.min, lang)}"))
    rows.append(row(f"{words['quartiles']}: {quartiles}"))
    if s.max is not None:
        rows.append(row(f"{words['max']}: {_num(s.max, lang)}"))
    return rows


def suppression_lines(codebook: Codebook, lang: Lang) -> list[str]:
    """What is hidden and why: primary and secondary counts, distributions, min and max."""
    m = codebook.min_n
    da = lang is Lang.DA
    if m <= 0:
        return [
            "Ingen antal er undertrykt (min-n 0); mindste og største værdi vises."
            if da
            else "No count is suppressed (min-n 0); the smallest and largest values are shown."
        ]
    cells = {
        r
        for v in codebook.variables
        for r in (v.empty_suppression, *(c.suppression for c in (*v.answers, *v.missing)))
    }
    numbers = [v.numbers for v in codebook.variables if v.numbers is not None]
    lines = []
    if Suppression.PRIMARY in cells:
        lines.append(
            f"<{m}: et antal fra 1 til {m - 1} vises ikke, og heller ikke andelen "
            "(primær undertrykkelse)."
            if da
            else f"<{m}: a count from 1 to {m - 1} is not shown, nor its share "
            "(primary suppression)."
        )
    if Suppression.SECONDARY in cells:
        word = _WORDS[lang]["hidden"]
        lines.append(
            f"{word}: vises ikke, så et antal under {m} ikke kan regnes ud fra totalen "
            "(sekundær undertrykkelse)."
            if da
            else f"{word}: not shown, so that a count under {m} cannot be worked out from the "
            "total (secondary suppression)."
        )
    if any(x.suppression for x in numbers):
        lines.append(
            f"Talvariable med færre end {m} svar vises uden fordeling."
            if da
            else f"Numeric variables with fewer than {m} answers are shown without a distribution."
        )
    if numbers:
        lines.append(
            "Mindste og største værdi er enkeltpersoners svar og vises ikke (kun med min-n 0)."
            if da
            else "The smallest and largest values are single respondents' answers and are not "
            "shown (only with min-n 0)."
        )
    return lines


def summary_lines(codebook: Codebook, lang: Lang) -> list[str]:
    """Rows read/used/rejected, how the shares are weighted, and what is suppressed."""
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
    return lines + suppression_lines(codebook, lang)


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
    """A workbook: variables, answers (with missing answers), numbers, notes; deterministic bytes.

    A suppressed count is the text "<20" or "skjult" in its n cell, as on the screen.
    """
    from openpyxl import Workbook

    from panelkit.publish.tables import fill_sheet, workbook_bytes

    words = _WORDS[lang]
    sheets = _XLSX[lang]
    m = codebook.min_n
    variables: list[list[Any]] = []
    answers: list[list[Any]] = []
    numbers: list[list[Any]] = []
    for v in codebook.variables:
        hidden_rest = v.empty_suppression is not None or any(x.suppression for x in v.missing)
        variables.append(
            [
                v.name,
                v.column,
                v.text,
                _KIND[lang][v.kind],
                v.rows,
                v.answered,
                v.empty if v.empty is not None else count_text(None, v.empty_suppression, m, lang),
                None if hidden_rest else sum(x.n or 0 for x in v.missing),
            ]
        )
        for a in v.answers:
            n = count_text(a.n, a.suppression, m, lang) if a.n is None else a.n
            answers.append([v.name, a.code, a.label, n, a.share, a.weighted_share])
        if v.kind not in (VariableKind.TEXT, VariableKind.ID) and (v.answers or v.numbers):
            empty = (
                count_text(v.empty, v.empty_suppression, m, lang) if v.empty is None else v.empty
            )
            answers.append([v.name, None, words["empty"], empty, None, None])
            for x in v.missing:
                n = count_text(x.n, x.suppression, m, lang) if x.n is None else x.n
                answers.append([v.name, None, f"{x.label} ({words['missing']})", n, None, None])
        if v.numbers is not None:
            s = v.numbers
            numbers.append(
                [v.name, s.n, s.mean, s.sd, s.min, s.q1, s.median, s.q3, s.max, s.weighted_mean]
            )
    wb = Workbook()
    ws = wb.active
    ws.title, head = sheets["variables"]
    fill_sheet(ws, head, variables)  # fill_sheet makes every text cell formula-safe
    title, head = sheets["answers"]
    fill_sheet(wb.create_sheet(title), head, answers, percent_columns=(5, 6))
    title, head = sheets["numbers"]
    fill_sheet(wb.create_sheet(title), head, numbers)
    notes = [[line] for line in summary_lines(codebook, lang)]
    fill_sheet(wb.create_sheet("Noter" if lang is Lang.DA else "Notes"), ["Note"], notes)
    return workbook_bytes(wb)
