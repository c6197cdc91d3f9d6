"""Estimators on a declared survey design (formats §6 and §7), and their intervals.

An estimator takes a :class:`~panelkit.stats.design.SurveyDesign` and returns, per
group of a breakdown, its point estimate, the counts its interval needs and its
linearised ("influence") values per respondent (:class:`Linearised`); the
design's ``variance`` turns those into variances, with the raking adjustment
(stats/design.py). The share is such an estimator; a mean, a quantile or a
contrast plugs in beside it with its own influence values, its own ``kind`` and
its own interval, without touching the variance.

Each share indicator is a weighted ratio: the weighted count of "yes" over the
weighted count of respondents in the domain (``where`` ∩ group) who answered.
Respondents who did not answer are outside the domain (R: ``subset(r,
!is.na(var))``), but still units of the design.

Confidence intervals (formats §7):

- ``logit`` (default): ``expit(logit(p) ± t(df) · se / (p(1−p)))`` as R's
  ``svyciprop(method="logit")``; ``df`` = respondents in the domain (and group)
  with an answer and a non-zero weight − 1.
- ``wilson``: the Wilson score interval on the effective sample size
  ``p(1−p)/se²``, with the ``t(df)`` quantile in place of the normal one.
- ``beta``: Korn–Graubard as R's ``svyciprop(method="beta")``: Clopper–Pearson
  on the effective sample size ``p(1−p)/se² · (t(n−1)/t(df))²``, n = respondents
  in the domain. (R takes n from the whole sample in a domain of a calibrated
  design, because its subset() keeps all rows there; panelkit does not follow it.)

Fallback: where ``p`` is 0 or 1, ``se`` is 0, ``df`` < 1, or the interval asked
for is not finite or has zero width (small groups with large weights), the row
gets the Clopper–Pearson interval on Kish's effective sample size of the domain,
``(Σw)²/Σw²`` (with the same ``t`` ratio), and ``ci_method="beta"``. It always
lies in [0, 1], contains ``p`` and has positive width.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

# scipy.special, not scipy.stats: the same quantiles without ~0.7 s of import time.
from scipy import special

from panelkit.disclosure import Suppression, apply_suppression, nested_domain_rows, suppressed
from panelkit.input.indicators import Indicator
from panelkit.results import CiMethod, Estimate, EstimateKind
from panelkit.stats.design import (
    R_RAKING_SWEEPS,
    Breakdown,
    Domain,
    Influence,
    SurveyDesign,
    declare_design,
)


def estimate(
    frame: pd.DataFrame,
    indicators: Sequence[Indicator],
    *,
    weights: np.ndarray | None = None,
    calibration: Sequence[np.ndarray] = (),
    by: Sequence[str] = (),
    ci: CiMethod = CiMethod.LOGIT,
    min_n: int = 20,
    level: float = 0.95,
    calibration_sweeps: int | None = R_RAKING_SWEEPS,
) -> tuple[Estimate, ...]:
    """:func:`estimate_indicators` on the design of ``frame`` with these final weights.

    ``weights``: None = all 1; ``calibration``: per raking margin, each respondent's
    cell (``WeightingResult.calibration``), assuming raking from equal starting
    weights; ``calibration_sweeps``: centring sweeps (R's 10; None = to convergence).
    ``frame`` is not modified.
    """
    _check_options(min_n, level)
    design = declare_design(
        frame, weights=weights, calibration=calibration, sweeps=calibration_sweeps
    )
    return estimate_indicators(design, indicators, by=by, ci=ci, min_n=min_n, level=level)


def estimate_indicators(
    design: SurveyDesign,
    indicators: Sequence[Indicator],
    *,
    by: Sequence[str] = (),
    ci: CiMethod = CiMethod.LOGIT,
    min_n: int = 20,
    level: float = 0.95,
) -> tuple[Estimate, ...]:
    """Estimate every indicator overall and for every group of every ``by`` variable.

    The design's frame has one row per respondent (validated data: categorical
    variables as pandas Categoricals, NaN = no answer). Rows come per indicator:
    the overall row (``by=None``), then each ``by`` variable's groups in label order.
    A group without respondents in the domain is reported with ``n=0`` and
    ``suppressed=True, suppression=EMPTY``; rows with ``n < min_n`` get
    ``PRIMARY`` (``min_n=0`` turns that off), and the rules of
    :mod:`panelkit.disclosure` (secondary, nested domains) follow.
    """
    _check_options(min_n, level)
    method = CiMethod(ci)
    breakdowns = [design.overall(), *(design.breakdown(name) for name in by)]
    rows: list[Estimate] = []
    domains: list[np.ndarray] = []
    starts: list[list[int]] = []  # per indicator and breakdown: the index of its first row
    for indicator in indicators:
        domain, yes = share_domain(design, indicator)
        inside = np.zeros(design.n, dtype=bool)
        inside[domain.rows] = True
        domains.append(inside)
        starts.append([])
        for b in breakdowns:
            starts[-1].append(len(rows))
            lin = share(domain, yes, b)
            rows.extend(
                _estimates(indicator.id, b, lin, design.variance(lin.influence), method, level)
            )
    # Nested domains of one indicator that differ by a few respondents reveal them.
    families = [(i.variable, i.positive, i.positive_range) for i in indicators]
    groups = [(b.codes, b.groups) for b in breakdowns]
    nested = nested_domain_rows(families, domains, groups, min_n)
    return apply_suppression(rows, min_n, hide=[starts[i][s] + g for i, s, g in nested])


def _check_options(min_n: int, level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level}")
    if min_n < 0:
        raise ValueError(f"min_n must be 0 or more, got {min_n}")


# --------------------------------------------------------------------------- the share


@dataclass(frozen=True, eq=False)
class Linearised:
    """An estimator's answer for one breakdown: per group the estimate and what its
    interval needs, and the influence values whose variance is the estimate's."""

    kind: EstimateKind
    estimate: np.ndarray  # per group; NaN where no respondent has a weight above 0
    influence: Influence
    n: np.ndarray  # respondents per group
    df: np.ndarray  # respondents with a weight above 0, less one (at least 0)
    n_kish: np.ndarray  # Kish's effective sample size (Σw)²/Σw² per group (NaN: none)
    n_positive: np.ndarray | None = None  # a share's count of "yes"


def share_domain(design: SurveyDesign, ind: Indicator) -> tuple[Domain, np.ndarray]:
    """The respondents in the indicator's domain who answered, and who of them said yes."""
    column = design.column(ind.variable, f"indicator {ind.id}:")
    if ind.positive_range is not None:
        x = _numbers(column)
        answered = ~np.isnan(x)
        yes = _in_range(x, *ind.positive_range)
    else:
        answered = column.notna().to_numpy(dtype=bool, copy=True)
        yes = column.isin(ind.positive).to_numpy(dtype=bool)
    for cond in ind.where:
        col = design.column(cond.variable, f"indicator {ind.id}: where")
        if cond.values is not None:
            answered &= col.isin(cond.values).to_numpy(dtype=bool)
        else:
            answered &= _in_range(_numbers(col), cond.min, cond.max)
    domain = design.domain(answered)
    return domain, yes[domain.rows]


def share(domain: Domain, yes: np.ndarray, breakdown: Breakdown) -> Linearised:
    """The weighted share of ``yes`` (one bool per respondent of ``domain``) per group.

    The linearised value of the ratio is ``(y − p)/Σw`` in the respondent's own group
    (a group whose weights are all 0 gets no estimate, and values 0).
    """
    groups = breakdown.groups
    g = breakdown.codes[domain.rows]
    if (g < 0).any():  # respondents without a group (missing by variable) drop out
        keep = np.flatnonzero(g >= 0)
        domain, g, yes = domain.take(keep), g[keep], yes[keep]
    w = domain.weights
    key = g * 2 + yes
    counts = np.bincount(key, minlength=2 * groups).reshape(groups, 2)
    sums = np.bincount(key, weights=w, minlength=2 * groups).reshape(groups, 2)
    n = counts.sum(axis=1)
    w_sum = sums.sum(axis=1)
    p = np.divide(sums[:, 1], w_sum, out=np.full(groups, np.nan), where=w_sum > 0)
    w_group = w_sum[g]
    e = np.divide(yes - p[g], w_group, out=np.zeros(len(g)), where=w_group > 0)
    return Linearised(
        kind=EstimateKind.SHARE,
        estimate=p,
        influence=Influence(domain, g, e, groups),
        n=n,
        df=_df(w, g, n, groups),
        n_kish=_kish(w, g, w_sum, groups),
        n_positive=counts[:, 1],
    )


def _df(w: np.ndarray, g: np.ndarray, n: np.ndarray, groups: int) -> np.ndarray:
    """Respondents with a weight above 0, less one, per group (at least 0)."""
    nonzero = n if bool(np.all(w > 0)) else np.bincount(g[w > 0], minlength=groups)
    return np.maximum(nonzero - 1, 0)


def _kish(w: np.ndarray, g: np.ndarray, w_sum: np.ndarray, groups: int) -> np.ndarray:
    w_sq = np.bincount(g, weights=w * w, minlength=groups)
    return np.divide(w_sum**2, w_sq, out=np.full(groups, np.nan), where=w_sq > 0)


def _numbers(column: pd.Series) -> np.ndarray:
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _in_range(x: np.ndarray, lo: float | None, hi: float | None) -> np.ndarray:
    # NaN compares False, so a missing value is never in range.
    inside = ~np.isnan(x)
    if lo is not None:
        inside &= x >= lo
    if hi is not None:
        inside &= x <= hi
    return inside


# --------------------------------------------------------------------------- rows


def _share_interval(
    p: float, se: float, df: int, n: int, n_kish: float, method: CiMethod, level: float
) -> tuple[float, float, float, str]:
    p = min(max(p, 0.0), 1.0)
    return (p, *interval(p, se, df, n, n_kish, method, level))


# Per kind: (estimate, se, df, n, n_kish, method, level) -> (estimate, low, high, method used).
_INTERVALS: dict[
    EstimateKind,
    Callable[[float, float, int, int, float, CiMethod, float], tuple[float, float, float, str]],
] = {EstimateKind.SHARE: _share_interval}


def _estimates(
    indicator: str,
    breakdown: Breakdown,
    lin: Linearised,
    var: np.ndarray,
    method: CiMethod,
    level: float,
) -> list[Estimate]:
    """The rows of one indicator × one breakdown, from its estimator and variance."""
    bounds = _INTERVALS[lin.kind]
    out: list[Estimate] = []
    for j, label in enumerate(breakdown.labels):
        base = Estimate(
            indicator=indicator,
            by=breakdown.by,
            group=label,
            n=int(lin.n[j]),
            n_positive=None if lin.n_positive is None else int(lin.n_positive[j]),
            estimate=None,
            se=None,
            ci_low=None,
            ci_high=None,
            ci_method=str(method),
            suppressed=False,
            df=int(lin.df[j]),
            kind=lin.kind,
        )
        if np.isnan(lin.estimate[j]):
            out.append(suppressed(base, Suppression.EMPTY))
            continue
        se = math.sqrt(max(float(var[j]), 0.0))
        value, low, high, used = bounds(
            float(lin.estimate[j]), se, base.df, base.n, float(lin.n_kish[j]), method, level
        )
        out.append(replace(base, estimate=value, se=se, ci_low=low, ci_high=high, ci_method=used))
    return out


# --------------------------------------------------------------------------- intervals


def interval(
    p: float,
    se: float,
    df: int,
    n: int,
    n_kish: float,
    method: CiMethod = CiMethod.LOGIT,
    level: float = 0.95,
) -> tuple[float, float, str]:
    """A confidence interval for a proportion ``p`` with standard error ``se``.

    ``df`` is the design's degrees of freedom, ``n`` the respondents in the domain
    and ``n_kish`` their Kish effective sample size (for the fallback). Returns
    ``(low, high, method used)``; see the module docstring for the fallback rule.
    """
    alpha = 1 - level
    ratio = _t_ratio(n, df, alpha)
    if 0 < p < 1 and se > 0 and df >= 1:
        t = float(special.stdtrit(df, 1 - alpha / 2))
        if method is CiMethod.LOGIT:
            half = t * se / (p * (1 - p))
            centre = float(special.logit(p))
            low, high = float(special.expit(centre - half)), float(special.expit(centre + half))
        elif method is CiMethod.WILSON:
            low, high = _wilson(p, p * (1 - p) / se**2, t)
        else:
            low, high = _clopper_pearson(p, p * (1 - p) / se**2 * ratio, alpha)
        if _usable(low, high, p):
            return low, high, str(method)
    low, high = _clopper_pearson(p, n_kish * ratio, alpha)
    return min(low, p), max(high, p), str(CiMethod.BETA)


def _t_ratio(n: int, df: int, alpha: float) -> float:
    """Korn–Graubard's (t(n−1)/t(df))², as R's svyciprop(method="beta")."""
    if n < 2 or df < 1:
        return 1.0
    q = float(special.stdtrit(n - 1, alpha / 2) / special.stdtrit(df, alpha / 2))
    return q * q


def _wilson(p: float, n_eff: float, c: float) -> tuple[float, float]:
    c2n = c * c / n_eff
    centre = (p + c2n / 2) / (1 + c2n)
    half = c / (1 + c2n) * math.sqrt(p * (1 - p) / n_eff + c2n / (4 * n_eff))
    return max(centre - half, 0.0), min(centre + half, 1.0)


def _clopper_pearson(p: float, n_eff: float, alpha: float) -> tuple[float, float]:
    """Clopper–Pearson with x = p·n_eff "successes" out of n_eff (R's qbeta form)."""
    x, rest = p * n_eff, (1 - p) * n_eff
    low = 0.0 if x <= 0 else float(special.betaincinv(x, rest + 1, alpha / 2))
    high = 1.0 if rest <= 0 else float(special.betaincinv(x + 1, rest, 1 - alpha / 2))
    return low, high


def _usable(low: float, high: float, p: float) -> bool:
    return math.isfinite(low) and math.isfinite(high) and 0 <= low <= p <= high <= 1 and high > low
