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

    ``estimate``, ``se`` and the interval are in the units of its ``kind`` (a share:
    a proportion 0-1).
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

    def to_dict(self) -> dict[str, Any]:
        row = {
            "indicator": self.indicator,
            "by": self.by,
            "group": self.group,
            "n": self.n,
            "n_positive": self.n_positive,
            "estimate": self.estimate,
            "se": self.se,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "ci_method": self.ci_method,
            "df": self.df,
            "suppressed": self.suppressed,
            "suppression": None if self.suppression is None else str(self.suppression),
        }
        if self.kind is not EstimateKind.SHARE:
            # A share's row is as formats §6 has it; other kinds say what they are.
            row["kind"] = str(self.kind)
        return row


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
    waves: WaveFields | None = None

    def to_dict(self, version: str) -> dict[str, Any]:
        """The JSON document of formats §6 (and §9's ``waves``)."""
        doc = {
            "panelkit_version": version,
            "survey": self.survey.to_dict(),
            "weighting": None if self.weighting is None else self.weighting.to_dict(self.min_n),
            "ci_method": str(self.ci_method),
            "min_n": self.min_n,
            "estimates": [e.to_dict() for e in self.estimates],
        }
        if self.waves is not None:
            doc.update(self.waves.json_fields())
        return doc

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([e.to_dict() for e in self.estimates])
