"""Typed results that the library returns and the CLI renders.

All are frozen dataclasses; closed choices are Enums. Heavy libraries are only
imported inside the methods that need them, so importing this module is cheap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from panelkit.disclosure import Suppression, hide_margin_cells

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


class CiMethod(StrEnum):
    """How a confidence interval for a proportion is built."""

    LOGIT = "logit"
    WILSON = "wilson"
    BETA = "beta"  # Korn-Graubard (Clopper-Pearson on the effective sample size)


class EstimateKind(StrEnum):
    """What an estimate measures, and so its units, interval and display."""

    SHARE = "share"  # a proportion (0-1) of the domain's respondents
    MEAN = "mean"  # a weighted mean in the variable's (or its scores') own units
    DISTRIBUTION = "distribution"  # one row per answer: its share (0-1) of the domain
    QUANTILE = "quantile"  # one row per quantile: a value of the variable


class Lang(StrEnum):
    """Language of labels and texts in outputs."""

    DA = "da"
    EN = "en"


# --------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class RowProblem:
    """One row error: the row as a person sees it (CSV line / sheet row), the raw
    column, what is wrong, and apart from that the offending value.

    ``str()`` is the contract's form with the value (``line 231, s_2: 7 is below
    the minimum 15``), for the analyst's own screen; ``redacted`` leaves the value
    out (``line 231, s_2: below the minimum 15``), for files and error lines.
    Never carries a free-text answer.
    """

    line: int
    column: str
    message: str  # what is wrong, without the value: "below the minimum 15"
    unit: str = "line"  # "line" in a CSV, "row" in a sheet or a data file without lines
    value: str | None = None  # the offending cell as shown: 7, "X" (text in quotes)

    @property
    def detail(self) -> str:
        """What is wrong, with the value when there is one: "7 is below the minimum 15"."""
        return self.message if self.value is None else f"{self.value} is {self.message}"

    @property
    def redacted(self) -> str:
        """The problem without the respondent's value: "line 231, s_2: below the minimum 15"."""
        return f"{self.unit} {self.line}, {self.column}: {self.message}"

    def __str__(self) -> str:
        return f"{self.unit} {self.line}, {self.column}: {self.detail}"


@dataclass(frozen=True)
class Reconciliation:
    """Every input row accounted for: rows_read == rows_used + rows_rejected."""

    rows_read: int
    rows_used: int
    rows_rejected: int

    def __post_init__(self) -> None:
        if self.rows_read != self.rows_used + self.rows_rejected:
            raise ValueError("rows_read must equal rows_used + rows_rejected")

    def to_dict(self) -> dict[str, int]:
        return {
            "rows_read": self.rows_read,
            "rows_used": self.rows_used,
            "rows_rejected": self.rows_rejected,
        }


@dataclass(frozen=True)
class ValidationReport:
    """What validation found in one export."""

    source: Path
    rows_read: int
    rows_valid: int
    problems: tuple[RowProblem, ...]
    rejected_lines: tuple[int, ...]
    missing_answers: int = 0  # cells that held a recognised "no answer" (e.g. "Ved ikke")

    @property
    def rows_rejected(self) -> int:
        return len(self.rejected_lines)

    @property
    def ok(self) -> bool:
        return not self.problems

    def reconciliation(self, drop_invalid: bool) -> Reconciliation:
        """Rows used: all valid rows; rejected rows only count as rejected when dropped."""
        if drop_invalid:
            return Reconciliation(self.rows_read, self.rows_valid, self.rows_rejected)
        return Reconciliation(self.rows_read, self.rows_read, 0)


# --------------------------------------------------------------------------- weighting


@dataclass(frozen=True)
class MarginCheck:
    """One cell of one raking margin, before and after weighting."""

    margin: str  # "sex" or "age_group|sex"
    category: str  # "Kvinde" or "17-29|Kvinde"
    n: int  # respondents in the cell
    sample_share: float
    target_share: float
    weighted_share: float
    target: float  # the target as given (count, or share)


@dataclass(frozen=True, eq=False)
class WeightingResult:
    """Raked weights (one per used respondent, in data order) and their diagnostics."""

    weights: np.ndarray
    method: str
    converged: bool
    iterations: int
    deff_kish: float
    n_effective: float
    weight_min: float
    weight_max: float
    weight_sum: float
    margins: tuple[MarginCheck, ...]
    # The design for the variance: per raking margin, each respondent's cell index
    # (0..k-1). Estimation centres linearised values within these cells, as R's
    # survey package does for a rake()d design.
    calibration: tuple[np.ndarray, ...] = ()
    cap: float | None = None
    trim_rounds: int = 0

    @property
    def weight_ratio(self) -> float:
        return self.weight_max / self.weight_min

    def to_dict(self, min_n: int = 0) -> dict[str, Any]:
        """The `weighting` object of the JSON output (formats §6); margin cells a reader
        could single people out by (``min_n``, :mod:`panelkit.disclosure`) have no count
        and no sample share."""
        return {
            "method": self.method,
            "converged": self.converged,
            "iterations": self.iterations,
            "deff_kish": self.deff_kish,
            "n_effective": self.n_effective,
            "weight_min": self.weight_min,
            "weight_max": self.weight_max,
            "weight_ratio": self.weight_ratio,
            "weight_sum": self.weight_sum,
            "cap": self.cap,
            "trim_rounds": self.trim_rounds,
            "margins": hide_margin_cells([m.__dict__ for m in self.margins], min_n),
        }

    def margins_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([m.__dict__ for m in self.margins])


# --------------------------------------------------------------------------- estimation


@dataclass(frozen=True)
class Estimate:
    """One indicator, overall (by=None) or for one group of a breakdown.

    ``estimate``, ``se`` and the interval are in the units of its ``kind`` (a share or
    a distribution's answer: a proportion 0-1; a mean or quantile: the variable's own
    units). A distribution has one row per answer (``category``), a quantile one per
    quantile (``quantile``); ``deff`` is the design effect (not for quantiles).
    """

    indicator: str
    by: str | None
    group: str | None
    n: int
    n_positive: int | None  # None when suppressed: a small count is itself disclosive
    estimate: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    ci_method: str
    suppressed: bool
    df: int = 0
    suppression: Suppression | None = None  # why it is suppressed (panelkit.disclosure)
    kind: EstimateKind = EstimateKind.SHARE
    category: str | None = None  # a distribution's answer
    quantile: float | None = None  # a quantile's probability, e.g. 0.5
    deff: float | None = None  # design effect (R: svymean(deff = "replace"))

    @property
    def series(self) -> tuple[str, str | None, float | None]:
        """Which figure of its indicator this row is (the answer, the quantile): rows of
        one series add up over the groups of a breakdown as a share's rows do."""
        return (self.indicator, self.category, self.quantile)

    def to_dict(self) -> dict[str, Any]:
        """The row of formats §6 and §8.3 (every row says its ``kind``)."""
        row: dict[str, Any] = {
            "indicator": self.indicator,
            "kind": str(self.kind),
            "by": self.by,
            "group": self.group,
        }
        if self.kind is EstimateKind.DISTRIBUTION:
            row["category"] = self.category
        if self.kind is EstimateKind.QUANTILE:
            row["quantile"] = self.quantile
        row["n"] = self.n
        if self.kind in (EstimateKind.SHARE, EstimateKind.DISTRIBUTION):
            row["n_positive"] = self.n_positive
        row.update(
            {
                "estimate": self.estimate,
                "se": self.se,
                "ci_low": self.ci_low,
                "ci_high": self.ci_high,
                "ci_method": self.ci_method,
                "df": self.df,
            }
        )
        if self.kind is not EstimateKind.QUANTILE:
            row["deff"] = self.deff
        row["suppressed"] = self.suppressed
        row["suppression"] = None if self.suppression is None else str(self.suppression)
        return row


@dataclass(frozen=True)
class Contrast:
    """One group of a breakdown against the rest of its domain (formats §8.4): the
    difference of the two estimates, in the indicator's units, with its design SE,
    normal interval, p-value and the p-value adjusted across the run (``adjust``)."""

    indicator: str
    by: str
    group: str
    estimate_group: float
    estimate_rest: float
    difference: float
    se: float
    ci_low: float
    ci_high: float
    p: float
    p_adjusted: float
    adjust: str
    kind: EstimateKind = EstimateKind.SHARE

    def to_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator,
            "by": self.by,
            "group": self.group,
            "estimate_group": self.estimate_group,
            "estimate_rest": self.estimate_rest,
            "difference": self.difference,
            "se": self.se,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "p": self.p,
            "p_adjusted": self.p_adjusted,
            "adjust": self.adjust,
        }


@dataclass(frozen=True)
class AssociationTest:
    """The Rao–Scott F test of an indicator's answers by one breakdown (formats §8.4)."""

    indicator: str
    by: str
    f: float
    ndf: float
    ddf: float
    p: float
    statistic: str = "rao-scott"

    def to_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator,
            "by": self.by,
            "statistic": self.statistic,
            "f": self.f,
            "ndf": self.ndf,
            "ddf": self.ddf,
            "p": self.p,
        }


class LeftOut(StrEnum):
    """Why a contrast or a test is left out of the output (counted in its notes)."""

    SUPPRESSED = "suppressed"  # the group, the rest or the domain is suppressed (disclosure)
    EMPTY = "empty"  # no respondent in the group or in the rest
    TOO_FEW = "too_few"  # a test: fewer than two groups or two answers in the domain
    UNDEFINED = "undefined"  # no variance: the SE (or the test's design effect) is 0, or the
    # test's Rao–Scott system is singular (each group gave one answer, say)


@dataclass(frozen=True)
class ContrastSet:
    """The contrasts and tests of one run, and how many were left out and why."""

    contrasts: tuple[Contrast, ...] = ()
    tests: tuple[AssociationTest, ...] = ()
    contrasts_left_out: tuple[tuple[LeftOut, int], ...] = ()
    tests_left_out: tuple[tuple[LeftOut, int], ...] = ()

    def notes(self) -> dict[str, dict[str, int]]:
        """The counts of left-out contrasts and tests, every reason named (0 too)."""
        contrast_reasons = (LeftOut.SUPPRESSED, LeftOut.EMPTY, LeftOut.UNDEFINED)
        test_reasons = (LeftOut.SUPPRESSED, LeftOut.TOO_FEW, LeftOut.UNDEFINED)
        return {
            "contrasts_left_out": _counts(self.contrasts_left_out, contrast_reasons),
            "tests_left_out": _counts(self.tests_left_out, test_reasons),
        }


def _counts(pairs: tuple[tuple[LeftOut, int], ...], reasons: tuple[LeftOut, ...]) -> dict[str, int]:
    counts = dict.fromkeys((str(r) for r in reasons), 0)
    for reason, k in pairs:
        counts[str(reason)] = counts.get(str(reason), 0) + k
    return counts


class WaveFields(Protocol):
    """What a run's comparison with its previous wave adds to the estimates JSON
    (stats.comparison.WaveSet, formats §9)."""

    def json_fields(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class EstimateSet:
    """All estimates of one run, with how the rows and weights came about; ``waves``: the
    changes since the previous wave, when one is configured."""

    survey: Reconciliation
    weighting: WeightingResult | None
    estimates: tuple[Estimate, ...]
    ci_method: CiMethod = CiMethod.LOGIT
    min_n: int = 20
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # indicator -> lang -> label
    contrasts: ContrastSet | None = None  # None: not asked for (no --contrasts)
    waves: WaveFields | None = None
    # indicator -> (min, max) of a mean's scale, where the schema says (formats §8.2)
    scales: dict[str, tuple[float, float]] = field(default_factory=dict)

    def to_dict(self, version: str) -> dict[str, Any]:
        """The JSON document of formats §6 (§8.4 with contrasts, §9's ``waves``)."""
        doc = {
            "panelkit_version": version,
            "survey": self.survey.to_dict(),
            "weighting": None if self.weighting is None else self.weighting.to_dict(self.min_n),
            "ci_method": str(self.ci_method),
            "min_n": self.min_n,
            "estimates": [e.to_dict() for e in self.estimates],
        }
        if self.contrasts is not None:
            doc["contrasts"] = [c.to_dict() for c in self.contrasts.contrasts]
            doc["tests"] = [t.to_dict() for t in self.contrasts.tests]
            # counts by reason; `notes` is the run's list of sentences (formats §9)
            doc["left_out"] = self.contrasts.notes()
        if self.waves is not None:
            doc.update(self.waves.json_fields())
        return doc

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([e.to_dict() for e in self.estimates])
