"""Estimators on a declared survey design (formats §6 and §7), and their intervals.

An estimator takes a :class:`~panelkit.stats.design.SurveyDesign` and returns, per
group of a breakdown, its point estimate, the counts its interval needs and its
linearised ("influence") values per respondent (:class:`Linearised`); the
design's ``variance`` turns those into variances, with the raking adjustment
(stats/design.py). The share is such an estimator; a mean, a quantile or a
contrast plugs in beside it with its own influence values, its own ``kind`` and
its own interval, without touching the variance. Estimates on one domain and
breakdown (a distribution's answers, a quantile's cumulative shares) are made here
together, so this is where the design's ``group_sums`` (what their variances share)
are made once and handed over in each influence. A share's, a distribution's and a
quantile's F̂ answers take a few values, so their rows come from the design's
``level_sums`` instead (one pass over the domain by raking pattern × group × answer;
``_level_ratio``), wherever those sums fit the design's memory bound.

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

The other kinds (formats §8.2, §8.5) are ratios on the same design, or built from one:

- ``mean``: the weighted mean of a number (or of a category variable's scores), a
  ratio like the share with linearised values ``(x − x̄)/Σw``; interval
  ``x̄ ± t(0.975, df) · se`` (R: ``confint(svymean(~x, sub), df = degf(sub))``).
- ``distribution``: every answer as a share of ``x == answer``, in the schema's order.
- ``quantile``: R's ``svyquantile`` defaults (``qrule = "math"``, Woodruff interval):
  the smallest value whose weighted cumulative share reaches p; the interval inverts
  ``F̂ ∓ t(0.975, df) · se(F̂)``, with F̂ the share of answers at or below the
  estimate, through the same rule; a bound whose ``F̂ ∓ …`` leaves [0, 1] is None,
  and so is then the SE, ``(high − low) / (2 t)``.
- ``deff`` (shares, answers, means): R's ``svymean(deff = "replace")``, the variance
  over ``s²/n`` with ``s² = n/(n−1) · Σw(y − ȳ)²/Σw``, n the respondents with a weight.

Fallback: where ``p`` is 0 or 1, ``se`` is 0, ``df`` < 1, or the interval asked
for is not finite or has zero width (small groups with large weights), the row
gets the Clopper–Pearson interval on Kish's effective sample size of the domain,
``(Σw)²/Σw²`` (with the same ``t`` ratio), and ``ci_method="beta"``. It always
lies in [0, 1], contains ``p`` and has positive width.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
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
    GroupSums,
    Influence,
    LevelSums,
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
    cells: list[list[list[list[int]]]] = []  # per indicator, breakdown, group: its rows
    for indicator in indicators:
        domain, values = answers(design, indicator)
        inside = np.zeros(design.n, dtype=bool)
        inside[domain.rows] = True
        domains.append(inside)
        cells.append([])
        for b in breakdowns:
            cells[-1].append([])
            per_group = _ESTIMATORS[indicator.kind](
                design, indicator, domain, values, b, method, level
            )
            for group_rows in per_group:
                cells[-1][-1].append(list(range(len(rows), len(rows) + len(group_rows))))
                rows.extend(group_rows)
        del domain, values  # a million rows each: gone before the next indicator's
    # Nested domains of one question that differ by a few respondents reveal them.
    groups = [(b.codes, b.groups) for b in breakdowns]
    nested = nested_domain_rows(_families(indicators), domains, groups, min_n)
    hide = [r for i, s, g in nested for r in cells[i][s][g]]
    return apply_suppression(rows, min_n, hide=hide)


def _families(indicators: Sequence[Indicator]) -> list[frozenset[Hashable]]:
    """Which indicators count the same thing (disclosure's nested-domain rule): shares of
    the same variable and "yes"; and everything of a variable that also has a mean,
    distribution or quantile (their answers add up to any share of it)."""
    others = {i.variable for i in indicators if i.kind is not EstimateKind.SHARE}
    out: list[frozenset[Hashable]] = []
    for i in indicators:
        keys: set[Hashable] = set()
        if i.kind is EstimateKind.SHARE:
            keys.add((i.variable, i.positive, i.positive_range))
        if i.variable in others:
            keys.add(("values", i.variable))
        out.append(frozenset(keys))
    return out


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
    spread: np.ndarray | None = None  # s² = m/(m−1) Σw(y − ȳ)²/Σw, m = weighted (deff)


def answers(design: SurveyDesign, ind: Indicator) -> tuple[Domain, np.ndarray]:
    """The respondents in the indicator's domain who answered, and their answers as the
    kind needs them: a share's "yes" (bool), a mean's or quantile's number (its score
    for a category variable), a distribution's answer (its index in the schema order)."""
    if ind.kind is EstimateKind.SHARE:
        return share_domain(design, ind)
    column = design.column(ind.variable, f"indicator {ind.id}:")
    if ind.kind is EstimateKind.DISTRIBUTION:
        codes = _categorical(column).codes.astype(np.intp)
        return _within(design, ind, codes >= 0, codes)
    if ind.scores is not None:
        scores = dict(ind.scores)
        if isinstance(column.dtype, pd.CategoricalDtype):
            # each answer's score looked up once, not once per respondent (the same
            # conversion of the same values; no answer: NaN)
            cat = _categorical(column)
            per_answer = _numbers(pd.Series(cat.categories, dtype=object).map(scores))
            x = np.append(per_answer, np.nan)[cat.codes]
        else:
            x = _numbers(column.astype(object).map(scores))
    else:
        x = _numbers(column)
    return _within(design, ind, ~np.isnan(x), x)


def categories(design: SurveyDesign, ind: Indicator) -> tuple[str, ...]:
    """A distribution's answers, in the schema's order."""
    column = design.column(ind.variable, f"indicator {ind.id}:")
    return tuple(str(x) for x in _categorical(column).categories)


def _categorical(column: pd.Series) -> pd.Categorical:
    cat = column.array if isinstance(column.dtype, pd.CategoricalDtype) else None
    return cat if isinstance(cat, pd.Categorical) else pd.Categorical(column)


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
    return _within(design, ind, answered, yes)


def _within(
    design: SurveyDesign, ind: Indicator, answered: np.ndarray, values: np.ndarray
) -> tuple[Domain, np.ndarray]:
    """The answered respondents where every ``where`` holds, and their ``values``."""
    answered = np.array(answered, dtype=bool)
    for cond in ind.where:
        col = design.column(cond.variable, f"indicator {ind.id}: where")
        if cond.values is not None:
            answered &= col.isin(cond.values).to_numpy(dtype=bool)
        else:
            answered &= _in_range(_numbers(col), cond.min, cond.max)
    domain = design.domain(answered)
    return domain, values[domain.rows]


def share(
    domain: Domain, yes: np.ndarray, breakdown: Breakdown, known: _Groups | None = None
) -> Linearised:
    """The weighted share of ``yes`` (one bool per respondent of ``domain``) per group.

    The linearised value of the ratio is ``(y − p)/Σw`` in the respondent's own group
    (a group whose weights are all 0 gets no estimate, and values 0). ``known``:
    :func:`_groups` of ``domain`` and ``breakdown``, when several shares share them
    (with the design's group sums, its influence carries those).
    """
    yes = np.asarray(yes, dtype=bool)
    lin, keep = _ratio(domain, yes, breakdown, known)
    g = lin.influence.group  # the groups of the respondents kept, as _grouped gives them
    # The count of "yes" per group as a weighted count of 0/1 (exact in float64): a
    # boolean selection of the groups would cost a second respondent-sized pass.
    kept = yes if keep is None else yes[keep]
    positive = np.bincount(g, weights=kept, minlength=breakdown.groups).astype(np.int64)
    return replace(lin, n_positive=positive)


def mean(domain: Domain, x: np.ndarray, breakdown: Breakdown) -> Linearised:
    """The weighted mean of ``x`` (one number per respondent of ``domain``) per group: a
    ratio like the share, with linearised values ``(x − x̄)/Σw``."""
    return replace(ratio(domain, x, breakdown), kind=EstimateKind.MEAN)


def ratio(domain: Domain, y: np.ndarray, breakdown: Breakdown) -> Linearised:
    """The weighted mean ``Σwy/Σw`` of ``y`` per group, with its linearised values
    ``(y − ȳ)/Σw`` (R: ``svymean`` on the group's subset); kind SHARE."""
    return _ratio(domain, y, breakdown)[0]


@dataclass(frozen=True, eq=False)
class _Groups:
    """What a ratio needs of a domain and breakdown that does not depend on the answer:
    worked out once where several ratios share them (a distribution's answers, a
    quantile's cumulative shares), with what their variances share (``sums``, the
    design's :meth:`~SurveyDesign.group_sums`, handed on in each ratio's influence)."""

    g: np.ndarray  # the group of each respondent kept
    keep: np.ndarray | None  # which respondents of the domain have a group (None: all)
    domain: Domain  # those respondents
    n: np.ndarray  # respondents per group
    w_sum: np.ndarray  # Σw per group
    df: np.ndarray
    n_kish: np.ndarray
    sums: GroupSums | None = None  # None: each variance works them out


def _groups(domain: Domain, breakdown: Breakdown) -> _Groups:
    """What ratios on ``domain`` by ``breakdown`` share."""
    groups = breakdown.groups
    g, keep = _grouped(domain, breakdown)
    if keep is not None:  # respondents without a group (missing by variable) drop out
        domain = domain.take(keep)
    w = domain.weights
    n = np.bincount(g, minlength=groups)
    w_sum = np.bincount(g, weights=w, minlength=groups)
    return _Groups(g, keep, domain, n, w_sum, _df(w, g, n, groups), _kish(w, g, w_sum, groups))


def _shared(design: SurveyDesign, known: _Groups) -> _Groups:
    """``known`` with what the variances of several ratios on its groups share (the
    design's group sums), which the ratios then hand over in their influence."""
    return replace(known, sums=design.group_sums(known.domain, known.g, len(known.n)))


@dataclass(frozen=True, eq=False)
class _Tally:
    """A ratio's answer for one breakdown worked out from level sums: per group what a
    :class:`Linearised` holds but the influence values (its variance comes with it)."""

    kind: EstimateKind
    estimate: np.ndarray
    n: np.ndarray
    df: np.ndarray
    n_kish: np.ndarray
    n_positive: np.ndarray | None = None
    spread: np.ndarray | None = None


def _levels(
    design: SurveyDesign, domain: Domain, level: np.ndarray, levels: int, b: Breakdown
) -> LevelSums | None:
    """The design's level sums of ``domain`` by ``b`` and ``level`` (an answer's index,
    one per respondent of ``domain``); None where they would not fit its memory bound."""
    return design.level_sums(domain, b.codes[domain.rows], b.groups, level, levels)


def _level_ratio(
    design: SurveyDesign, sums: LevelSums, y: np.ndarray, kind: EstimateKind
) -> tuple[_Tally, np.ndarray]:
    """:func:`ratio` of an answer ``y[level]`` that depends only on the level, and its
    variance, from level sums alone: the same estimate, counts and spread, and the
    variance of the same linearised values ``(y − ȳ)/Σw`` of each group, without a pass
    over the respondents."""
    y = np.asarray(y, dtype=np.float64)
    n = sums.per_group(sums.count).astype(np.int64)
    w_by = sums.w.sum(axis=0)  # Σw by group × level
    w_sum = w_by.sum(axis=1)
    w_sq = sums.per_group(sums.w2)
    weighted = w_sum > 0
    total = w_by @ y
    est = np.divide(total, w_sum, out=np.full(sums.groups, np.nan), where=weighted)
    centred = y[None, :] - np.where(weighted, est, 0.0)[:, None]
    df = np.maximum(sums.per_group(sums.positive).astype(np.int64) - 1, 0)
    m = df + 1.0
    squares = (w_by * centred * centred).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.where((m > 1) & weighted, m / (m - 1) * squares / w_sum, np.nan)
    values = np.divide(centred, w_sum[:, None], out=np.zeros_like(centred), where=weighted[:, None])
    kish = np.divide(w_sum**2, w_sq, out=np.full(sums.groups, np.nan), where=w_sq > 0)
    tally = _Tally(kind, est, n, df, kish, spread=spread)
    return tally, design.level_variance(sums, values)


def _ratio(
    domain: Domain, y: np.ndarray, breakdown: Breakdown, grouping: _Groups | None = None
) -> tuple[Linearised, np.ndarray | None]:
    """:func:`ratio`, and which respondents of ``domain`` have a group (None: all).

    At a million respondents each array here is 8 MB: few live at once, the linearised
    values worked out in place (the same operations in the same order, so the same
    numbers as the plain expressions in the comments).
    """
    groups = breakdown.groups
    known = _groups(domain, breakdown) if grouping is None else grouping
    g, keep, domain = known.g, known.keep, known.domain
    n, w_sum, df = known.n, known.w_sum, known.df
    if keep is not None:
        y = y[keep]
    y = np.asarray(y, dtype=np.float64)
    w = domain.weights
    total = np.bincount(g, weights=w * y, minlength=groups)
    est = np.divide(total, w_sum, out=np.full(groups, np.nan), where=w_sum > 0)
    weighted = w_sum > 0
    # centred = y − (ȳ of the group, 0 where it has no weight)
    centred = y - np.where(weighted, est, 0.0)[g]
    del y
    m = df + 1.0  # respondents with a weight
    wcc = w * centred
    wcc *= centred  # w · centred · centred
    squares = np.bincount(g, weights=wcc, minlength=groups)
    del wcc
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.where((m > 1) & (w_sum > 0), m / (m - 1) * squares / w_sum, np.nan)
    # e = centred / (Σw of the group), 0 where the group has no weight
    w_group = w_sum[g]
    e = centred
    np.divide(centred, w_group, out=e, where=w_group > 0)
    del w_group
    if not weighted.all():
        e[~weighted[g]] = 0.0
    lin = Linearised(
        kind=EstimateKind.SHARE,
        estimate=est,
        influence=Influence(domain, g, e, groups, known.sums),
        n=n,
        df=df,
        n_kish=known.n_kish,
        spread=spread,
    )
    return lin, keep


def _grouped(domain: Domain, breakdown: Breakdown) -> tuple[np.ndarray, np.ndarray | None]:
    """Each domain respondent's group (as intp), and which of them have one (None: all).

    The breakdown's codes are int8; every np.bincount or lookup by group would cast
    them to intp again (a copy each time), so they are cast once here.
    """
    g = breakdown.codes[domain.rows].astype(np.intp)
    if (g < 0).any():
        keep = np.flatnonzero(g >= 0)
        return g[keep], keep
    return g, None


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
) -> tuple[float, float | None, float | None, str]:
    p = min(max(p, 0.0), 1.0)
    return (p, *interval(p, se, df, n, n_kish, method, level))


def _mean_interval(
    x: float, se: float, df: int, n: int, n_kish: float, method: CiMethod, level: float
) -> tuple[float, float | None, float | None, str]:
    """``x ± t(level, df) · se`` (R: ``confint(svymean(~x, sub), df = degf(sub))``);
    no interval without a degree of freedom."""
    if df < 1:
        return x, None, None, _T
    half = float(special.stdtrit(df, 1 - (1 - level) / 2)) * se
    return x, x - half, x + half, _T


_T = "t"
_WOODRUFF = "woodruff"

# Per kind: (estimate, se, df, n, n_kish, method, level) -> (estimate, low, high, method used).
_INTERVALS: dict[
    EstimateKind,
    Callable[
        [float, float, int, int, float, CiMethod, float],
        tuple[float, float | None, float | None, str],
    ],
] = {
    EstimateKind.SHARE: _share_interval,
    EstimateKind.DISTRIBUTION: _share_interval,
    EstimateKind.MEAN: _mean_interval,
}


def _estimates(
    indicator: str,
    breakdown: Breakdown,
    lin: Linearised | _Tally,
    var: np.ndarray,
    method: CiMethod,
    level: float,
    *,
    category: str | None = None,
) -> list[Estimate]:
    """The rows of one indicator × one breakdown (one per group), from its estimator and
    variance."""
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
            ci_method=_T if lin.kind is EstimateKind.MEAN else str(method),
            suppressed=False,
            df=int(lin.df[j]),
            kind=lin.kind,
            category=category,
        )
        if np.isnan(lin.estimate[j]):
            out.append(suppressed(base, Suppression.EMPTY))
            continue
        v = max(float(var[j]), 0.0)
        se = math.sqrt(v)
        value, low, high, used = bounds(
            float(lin.estimate[j]), se, base.df, base.n, float(lin.n_kish[j]), method, level
        )
        out.append(
            replace(
                base,
                estimate=value,
                se=se,
                ci_low=low,
                ci_high=high,
                ci_method=used,
                deff=_deff(v, lin, j),
            )
        )
    return out


def _deff(var: float, lin: Linearised | _Tally, j: int) -> float | None:
    """R's ``svymean(deff = "replace")``: the variance over ``s²/m``, m the respondents
    with a weight; None where the answers do not vary (a share of 0 or 1)."""
    if lin.spread is None:
        return None
    s2 = float(lin.spread[j])
    scale = max(float(lin.estimate[j]) ** 2, 1.0)
    if not math.isfinite(s2) or s2 <= 1e-20 * scale:
        return None
    return var / (s2 / (int(lin.df[j]) + 1))


# --------------------------------------------------------------------------- kinds

# An estimator of one kind: the rows of one indicator × one breakdown, per group.
_Estimator = Callable[
    [SurveyDesign, Indicator, Domain, np.ndarray, Breakdown, CiMethod, float],
    list[list[Estimate]],
]


def _ratio_rows(ratio: Callable[[Domain, np.ndarray, Breakdown], Linearised]) -> _Estimator:
    """The rows of a domain ratio (a share of 0/1 answers, a mean of numbers): one per group."""

    def rows(
        design: SurveyDesign,
        ind: Indicator,
        domain: Domain,
        y: np.ndarray,
        b: Breakdown,
        method: CiMethod,
        level: float,
    ) -> list[list[Estimate]]:
        lin = ratio(domain, y, b)
        var = design.variance(lin.influence)
        return [[e] for e in _estimates(ind.id, b, lin, var, method, level)]

    return rows


def _share_rows(
    design: SurveyDesign,
    ind: Indicator,
    domain: Domain,
    yes: np.ndarray,
    b: Breakdown,
    method: CiMethod,
    level: float,
) -> list[list[Estimate]]:
    """The rows of a share, one per group: from level sums (one pass over the domain)
    where they fit, else from the respondents' linearised values."""
    yes = np.asarray(yes, dtype=bool)
    sums = _levels(design, domain, yes.view(np.int8), 2, b)
    if sums is None:
        return _ratio_rows(share)(design, ind, domain, yes, b, method, level)
    tally, var = _level_ratio(design, sums, _YES, EstimateKind.SHARE)
    positive = sums.count[:, :, 1].sum(axis=0).astype(np.int64)
    tally = replace(tally, n_positive=positive)
    return [[e] for e in _estimates(ind.id, b, tally, var, method, level)]


_YES = np.array([0.0, 1.0])  # a share's answer at its levels (no, yes)


def _distribution_rows(
    design: SurveyDesign,
    ind: Indicator,
    domain: Domain,
    codes: np.ndarray,
    b: Breakdown,
    method: CiMethod,
    level: float,
) -> list[list[Estimate]]:
    """Every answer as a share of the domain's answers, per group in the schema's order."""
    per_answer = []
    answers = categories(design, ind)
    # one pass over the domain for every answer where the level sums fit
    sums = _levels(design, domain, codes, len(answers), b)
    known = None if sums is not None else _shared(design, _groups(domain, b))
    for k, answer in enumerate(answers):
        tally: Linearised | _Tally
        if sums is not None:
            y = np.zeros(len(answers))
            y[k] = 1.0
            tally, var = _level_ratio(design, sums, y, EstimateKind.DISTRIBUTION)
            positive = sums.count[:, :, k].sum(axis=0).astype(np.int64)
            tally = replace(tally, n_positive=positive)
        else:
            tally = replace(share(domain, codes == k, b, known), kind=EstimateKind.DISTRIBUTION)
            var = design.variance(tally.influence)
        per_answer.append(_estimates(ind.id, b, tally, var, method, level, category=answer))
    return [[rows[j] for rows in per_answer] for j in range(b.groups)]


def _quantile_rows(
    design: SurveyDesign,
    ind: Indicator,
    domain: Domain,
    x: np.ndarray,
    b: Breakdown,
    method: CiMethod,
    level: float,
) -> list[list[Estimate]]:
    """R's ``svyquantile(~x, sub, quantiles, ci = TRUE)`` per group (module docstring)."""
    groups = b.groups
    known = _groups(domain, b)  # the same domain and groups for every quantile
    g, keep, n, df = known.g, known.keep, known.n, known.df
    xs = x if keep is None else x[keep]
    ws = known.domain.weights
    # Each group's answers with a weight (R's qrule drops the zero weights).
    members = [np.flatnonzero((g == j) & (ws > 0)) for j in range(groups)]
    t_crit = [
        float(special.stdtrit(int(d), 1 - (1 - level) / 2)) if d >= 1 else math.nan for d in df
    ]
    # sorted once per group for its quantiles and their interval ends
    ranked = [_ranked(xs[m], ws[m]) if m.size else None for m in members]
    del members  # a million row numbers; only whether a group has any is needed below
    # the variances' shared sums (for F̂ by respondent, where level sums do not fit),
    # made after the sorting's temporaries are gone
    fits = design.levels_fit(groups, 2)
    if not fits:
        known = _shared(design, known)
    out: list[list[Estimate]] = [[] for _ in range(groups)]
    for p in ind.quantiles:
        q = np.array(
            [math.nan if r is None else _qrule_ranked(r, p) for r in ranked], dtype=np.float64
        )
        # F̂: the share of the group's answers at or below its quantile, on the design.
        if keep is None:
            at_most = x <= q[g]
        else:  # a respondent without a group is not at or below any group's quantile
            at_most = np.zeros(len(domain), dtype=bool)
            at_most[keep] = xs <= q[g]
        sums = _levels(design, domain, at_most.view(np.int8), 2, b) if fits else None
        cdf: Linearised | _Tally
        if sums is not None:
            cdf, var = _level_ratio(design, sums, _YES, EstimateKind.SHARE)
        else:
            cdf = share(domain, at_most, b, known)
            var = design.variance(cdf.influence)
        del at_most, sums
        for j, label in enumerate(b.labels):
            base = Estimate(
                indicator=ind.id,
                by=b.by,
                group=label,
                n=int(n[j]),
                n_positive=None,
                estimate=None,
                se=None,
                ci_low=None,
                ci_high=None,
                ci_method=_WOODRUFF,
                suppressed=False,
                df=int(df[j]),
                kind=EstimateKind.QUANTILE,
                quantile=p,
            )
            if ranked[j] is None:  # no answer with a weight in the group
                out[j].append(suppressed(base, Suppression.EMPTY))
                continue
            low = high = se = None
            t = t_crit[j]
            if math.isfinite(t):
                half = t * math.sqrt(max(float(var[j]), 0.0))
                f = float(cdf.estimate[j])
                rj = ranked[j]
                assert rj is not None  # the group has members
                low = None if f - half < 0 else _qrule_ranked(rj, f - half)
                high = None if f + half > 1 else _qrule_ranked(rj, f + half)
                if low is not None and high is not None:
                    se = (high - low) / (2 * t)
            out[j].append(replace(base, estimate=float(q[j]), se=se, ci_low=low, ci_high=high))
    return out


@dataclass(frozen=True)
class _Ranked:
    """A group's answers sorted (ties in data order), their cumulative weights and the
    total weight: one sort serves every quantile of the group and its interval ends."""

    x: np.ndarray
    cumw: np.ndarray
    total: float


def _ranked(x: np.ndarray, w: np.ndarray) -> _Ranked:
    order = np.argsort(x, kind="stable")
    cumw, _ = _cumsum_long(w[order])
    _, total = _cumsum_long(w)
    return _Ranked(x[order], cumw, total)


_CUMSUM_CHUNK = 1 << 16


def _cumsum_long(w: np.ndarray) -> tuple[np.ndarray, float]:
    """``np.cumsum(w, dtype=np.longdouble)`` as float64, and its last value: the same
    sums one after the other in long double, a chunk at a time (a million long doubles
    are 16 MB), each chunk starting from the previous one's last sum."""
    out = np.empty(len(w), dtype=np.float64)
    carry = np.longdouble(0.0)
    for start in range(0, len(w), _CUMSUM_CHUNK):
        part = w[start : start + _CUMSUM_CHUNK].astype(np.longdouble)
        part[0] += carry
        np.cumsum(part, out=part)
        out[start : start + len(part)] = part
        carry = part[-1]
    return out, float(carry)


def _qrule_ranked(r: _Ranked, p: float) -> float:
    """R's ``qrule = "math"`` (survey 4.1.1) on a group's :func:`_ranked` answers: in the
    answers sorted (ties in data order), the last one whose cumulative weight is at most
    ``p · Σw``; if that cumulative weight is not exactly ``p · Σw``, the next answer. As
    R, when even the first answer's weight is above ``p · Σw`` the "last one" is the
    first, so the second is returned. Sums accumulate in long double, as R's ``cumsum``
    and ``sum`` do."""
    below = np.flatnonzero(r.cumw <= p * r.total)
    pos = int(below[-1]) if below.size else 0
    if p - r.cumw[pos] / r.total == 0:
        return float(r.x[pos])
    return float(r.x[min(pos + 1, len(r.x) - 1)])


# The kinds that are one domain ratio each (a share of 0/1 answers, a mean of numbers),
# and their estimators: what a linked change (stats/linked.py) can difference.
RATIOS: dict[EstimateKind, Callable[[Domain, np.ndarray, Breakdown], Linearised]] = {
    EstimateKind.SHARE: share,
    EstimateKind.MEAN: mean,
}

_ESTIMATORS: dict[EstimateKind, _Estimator] = {
    EstimateKind.SHARE: _share_rows,
    EstimateKind.MEAN: _ratio_rows(RATIOS[EstimateKind.MEAN]),
    EstimateKind.DISTRIBUTION: _distribution_rows,
    EstimateKind.QUANTILE: _quantile_rows,
}


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
