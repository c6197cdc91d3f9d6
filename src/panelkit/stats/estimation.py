"""Design-based estimates of indicator shares (formats §6 and §7).

Each indicator is a weighted ratio: the weighted count of "yes" over the
weighted count of respondents in the domain (``where`` ∩ group) who answered.
Its standard error is the Taylor linearisation for a with-replacement,
single-stage design (R: ``svydesign(ids=~1, weights=~w)``), adjusted for raking
the way R's ``survey`` package adjusts a ``rake()``d design: the linearised
values are replaced by their residuals after centring them within the cells of
each raking margin, sweep after sweep (``svyrecvar``). Domains always use the
whole sample: a respondent outside the domain has linearised value 0 but still
counts as a unit, and still takes part in the centring. Respondents who did not
answer are outside the domain in the same way (R: ``subset(r, !is.na(var))``).
A calibrated variance below 1e-12 of the uncalibrated one is rounding noise
(the margins explain the answer) and is reported as 0.

How it is computed (why it is fast). For one indicator and one breakdown (the
overall row is a breakdown with one group) every respondent is in at most one
group, so the linearised values of all groups are one vector ``e`` plus each
respondent's group. Centring within margin cells only ever subtracts cell
constants, and respondents who share a cell in every margin (a "pattern") share
all of them, so the sweeps run on pattern × group sums and the margins' cross
tables, not on respondents; the residual of a respondent is ``e − t[pattern,
group]``. The sum of squares then needs one pass over the respondents in the
domain plus pattern-level sums of w and w². Everything per respondent is an
``np.bincount`` or a vector operation; memory is O(respondents + patterns ×
groups), with groups taken in chunks if that would exceed 64 MB. The result
equals R's, sweep for sweep (R does 10; ``calibration_sweeps=None`` solves the
limit exactly, which can differ from R when margins are strongly associated).

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

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

# scipy.special, not scipy.stats: the same quantiles without ~0.7 s of import time.
from scipy import sparse, special

from panelkit.disclosure import Suppression, apply_suppression, nested_domain_rows, suppressed
from panelkit.errors import DataError
from panelkit.input.indicators import Indicator
from panelkit.results import CiMethod, Estimate

# R's svyrecvar() centres a raked design's linearised values in exactly 10 sweeps
# over the margins (survey 4.1.1). None in `calibration_sweeps` solves to convergence.
R_RAKING_SWEEPS = 10
# A calibrated variance below this fraction of the uncalibrated one is rounding noise.
_NOISE = 1e-12
_MAX_SOLVE_CELLS = 5000  # the exact limit of the sweeps is solved as a dense system
_BLOCK_BYTES = 64 * 2**20  # memory for the pattern × group arrays of one chunk of groups


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
    """Estimate every indicator overall and for every group of every ``by`` variable.

    ``frame`` has one row per respondent (validated data: categorical variables as
    pandas Categoricals, NaN = no answer); it is not modified. ``weights`` are the
    final weights (None = all 1). ``calibration`` holds, per raking margin, each
    respondent's cell index (``WeightingResult.calibration``); it assumes raking
    from equal starting weights, as panelkit's ``rake`` does. ``calibration_sweeps``
    is the number of centring sweeps (R's 10 by default; None = to convergence).

    Rows come per indicator: the overall row (``by=None``), then each ``by``
    variable's groups in label order. A group without respondents in the domain
    is reported with ``n=0`` and ``suppressed=True, suppression=EMPTY``; rows with
    ``n < min_n`` get ``PRIMARY`` (``min_n=0`` turns that off), and the rules of
    :mod:`panelkit.disclosure` (secondary, nested domains) follow.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level}")
    if min_n < 0:
        raise ValueError(f"min_n must be 0 or more, got {min_n}")
    method = CiMethod(ci)
    n = len(frame)
    design = _Design.build(_check_weights(weights, n), calibration, calibration_sweeps)
    splits = [_Split(None, np.zeros(n, dtype=np.intp), (None,))]
    splits += [_split(frame, name) for name in by]
    rows: list[Estimate] = []
    domains: list[np.ndarray] = []
    starts: list[list[int]] = []  # per indicator and split: the index of its first row
    for indicator in indicators:
        answered, yes = _indicator_columns(frame, indicator)
        domains.append(answered)
        starts.append([])
        index = np.flatnonzero(answered)
        respondents = _Rows(design.w[index], design.pattern[index], yes[index])
        for split in splits:
            starts[-1].append(len(rows))
            rows.extend(
                _estimate_split(indicator, split, index, respondents, design, method, level)
            )
    # Nested domains of one indicator that differ by a few respondents reveal them.
    families = [(i.variable, i.positive, i.positive_range) for i in indicators]
    groups = [(s.codes, len(s.labels)) for s in splits]
    nested = nested_domain_rows(families, domains, groups, min_n)
    return apply_suppression(rows, min_n, hide=[starts[i][s] + g for i, s, g in nested])


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class _Split:
    """A breakdown: each respondent's group (−1 = none) and the group labels."""

    by: str | None
    codes: np.ndarray
    labels: tuple[str | None, ...]


def _split(frame: pd.DataFrame, name: str) -> _Split:
    column = _column(frame, name, "by")
    cat = column.array if isinstance(column.dtype, pd.CategoricalDtype) else None
    if not isinstance(cat, pd.Categorical):
        cat = pd.Categorical(column)
    labels = tuple(str(x) for x in cat.categories)
    return _Split(name, np.asarray(cat.codes, dtype=np.intp), labels)


def _column(frame: pd.DataFrame, name: str, role: str) -> pd.Series:
    if name not in frame.columns:
        raise DataError(
            f"{role} variable {name!r} is not in the data; "
            f"its columns are {', '.join(map(str, frame.columns))}"
        )
    return frame[name]


def _indicator_columns(frame: pd.DataFrame, ind: Indicator) -> tuple[np.ndarray, np.ndarray]:
    """Who is in the domain and answered (``answered``), and who of them said yes."""
    column = _column(frame, ind.variable, f"indicator {ind.id}:")
    if ind.positive_range is not None:
        x = _numbers(column)
        answered = ~np.isnan(x)
        yes = _in_range(x, *ind.positive_range)
    else:
        answered = column.notna().to_numpy(dtype=bool, copy=True)
        yes = column.isin(ind.positive).to_numpy(dtype=bool)
    for cond in ind.where:
        col = _column(frame, cond.variable, f"indicator {ind.id}: where")
        if cond.values is not None:
            answered &= col.isin(cond.values).to_numpy(dtype=bool)
        else:
            answered &= _in_range(_numbers(col), cond.min, cond.max)
    return answered, yes & answered


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


def _check_weights(weights: np.ndarray | None, n: int) -> np.ndarray:
    if weights is None:
        return np.ones(n)
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (n,):
        raise ValueError(f"weights must have one value per row ({n}), got shape {w.shape}")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("weights must be finite and not negative")
    return w


# --------------------------------------------------------------------------- the design


@dataclass(frozen=True)
class _Design:
    """Weights and raking margins: what the variance of any linearised vector needs.

    Respondents who share a cell in every margin share every centring constant, so
    the centring works on these joint cells ("patterns"), not on respondents.
    """

    w: np.ndarray
    pattern: np.ndarray  # each respondent's pattern, 0..P-1 (all 0 without margins)
    size: np.ndarray  # respondents per pattern
    weight: np.ndarray  # Σw per pattern
    weight_sq: np.ndarray  # Σw² per pattern
    cells: tuple[np.ndarray, ...]  # per margin: the cell of each pattern
    count: tuple[np.ndarray, ...]  # per margin: respondents per cell
    cross: tuple[tuple[sparse.csr_array, ...], ...]  # cross[a][b]: respondents, cells a × b
    sweeps: int | None
    all_weighted: bool  # no weight is 0

    @classmethod
    def build(cls, w: np.ndarray, calibration: Sequence[np.ndarray], sweeps: int | None) -> _Design:
        n = len(w)
        if sweeps is not None and sweeps < 1:
            raise ValueError(f"calibration_sweeps must be at least 1 or None, got {sweeps}")
        margins = [_margin_codes(cells, n, i) for i, cells in enumerate(calibration)]
        pattern = _patterns(margins, n)
        count_p = int(pattern.max()) + 1 if n else 1
        size = np.bincount(pattern, minlength=count_p).astype(np.float64)
        cells = []
        for codes in margins:
            cell = np.zeros(count_p, dtype=np.intp)
            cell[pattern] = codes  # every respondent of a pattern has the same cell
            cells.append(cell)
        ks = [int(c.max()) + 1 if len(c) else 0 for c in cells]
        count = tuple(
            np.bincount(c, weights=size, minlength=k) for c, k in zip(cells, ks, strict=True)
        )
        # Sparse: a margin may have many cells, and most pairs of cells never meet.
        cross = tuple(
            tuple(
                sparse.csr_array((size, (a, b)), shape=(ka, kb))
                for b, kb in zip(cells, ks, strict=True)
            )
            for a, ka in zip(cells, ks, strict=True)
        )
        return cls(
            w=w,
            pattern=pattern,
            size=size,
            weight=np.bincount(pattern, weights=w, minlength=count_p),
            weight_sq=np.bincount(pattern, weights=w * w, minlength=count_p),
            cells=tuple(cells),
            count=count,
            cross=cross,
            sweeps=sweeps,
            all_weighted=bool(np.all(w > 0)),
        )

    @property
    def n(self) -> int:
        return len(self.w)

    def variance(self, rows: _Rows, group: np.ndarray, e: np.ndarray, groups: int) -> np.ndarray:
        """Variance of the weighted total of ``e`` in each group.

        ``rows`` are the respondents in some group (``group``, 0..groups-1) and ``e``
        their linearised values; everyone else has e = 0 but is still a unit of the
        design. With-replacement single stage over all n respondents:
        ``n/(n−1) Σ_i (z_i − z̄)²`` with ``z = w · residual(e)``.
        """
        n = self.n
        if n < 2:
            return np.zeros(groups)
        # Bound the memory of the pattern × group arrays by taking groups in chunks.
        chunk = max(1, _BLOCK_BYTES // (8 * 8 * len(self.size)))
        if chunk >= groups:
            return n / (n - 1) * self._sum_of_squares(rows, group, e, groups)
        out = np.empty(groups)
        for first in range(0, groups, chunk):
            last = min(first + chunk, groups)
            mine = (group >= first) & (group < last)
            out[first:last] = self._sum_of_squares(
                rows.take(mine), group[mine] - first, e[mine], last - first
            )
        return n / (n - 1) * out

    def _sum_of_squares(
        self, rows: _Rows, group: np.ndarray, e: np.ndarray, groups: int
    ) -> np.ndarray:
        """Σ_i (z_i − z̄)² per group, over all n respondents (see ``variance``)."""
        n = self.n
        w = rows.w
        z_sum = np.bincount(group, weights=w * e, minlength=groups)
        inside = np.bincount(group, minlength=groups)
        if not self.cells:
            z_mean = z_sum / n
            t: np.ndarray | float = 0.0
            # Respondents outside the group have z = 0, so contribute z̄² each.
            total = (n - inside) * z_mean**2
        else:
            count_p = len(self.size)
            cell = rows.pattern * groups + group
            e_sums = np.bincount(cell, weights=e, minlength=count_p * groups)
            beta = self._centring(e_sums.reshape(count_p, groups), groups)
            # residual = e − t, with t = Σ_m β_m[cell] constant within a pattern
            t_pg = sum(b[c] for b, c in zip(beta, self.cells, strict=True))
            assert isinstance(t_pg, np.ndarray)
            z_mean = (z_sum - self.weight @ t_pg) / n
            # Respondents outside the group have z = −w·t: Σ (w t + z̄)², pattern by
            # pattern, from the weight sums of the pattern minus those inside the group.
            # (A pattern wholly inside a group then leaves exactly 0, which keeps the
            # variance exactly 0 where the margins explain the answer completely.)
            w_in = np.bincount(cell, weights=w, minlength=count_p * groups)
            w2_in = np.bincount(cell, weights=w * w, minlength=count_p * groups)
            w_out = np.maximum(self.weight[:, None] - w_in.reshape(count_p, groups), 0.0)
            w2_out = np.maximum(self.weight_sq[:, None] - w2_in.reshape(count_p, groups), 0.0)
            total = (
                (t_pg**2 * w2_out).sum(axis=0)
                + 2 * z_mean * (t_pg * w_out).sum(axis=0)
                + (n - inside) * z_mean**2
            )
            t = t_pg.ravel()[cell]
        own = w * (e - t) - z_mean[group]
        total = total + np.bincount(group, weights=own * own, minlength=groups)
        # Rounding noise, not variance: where the centring leaves (next to) nothing of
        # the uncentred sum of squares, the margins explain the answer; call it 0.
        fixed = np.bincount(group, weights=(w * e) ** 2, minlength=groups)
        return np.where(total > _NOISE * fixed, total, 0.0)

    def _centring(self, e_sums: np.ndarray, groups: int) -> list[np.ndarray]:
        """Cell constants β_m (k_m × groups): residual = e − Σ_m β_m[cell_m].

        ``e_sums`` holds the sums of e by pattern × group.
        """
        sums = [
            np.stack(
                [np.bincount(c, weights=e_sums[:, j], minlength=len(k)) for j in range(groups)],
                axis=1,
            )
            for c, k in zip(self.cells, self.count, strict=True)
        ]
        if self.sweeps is None:
            # The limit of the sweeps: least squares on all margins' cell dummies.
            # lstsq copes with the margins sharing the constant (a singular system).
            if sum(len(k) for k in self.count) > _MAX_SOLVE_CELLS:
                raise ValueError(
                    f"calibration_sweeps=None solves for at most {_MAX_SOLVE_CELLS} margin "
                    "cells; give a number of sweeps"
                )
            a = sparse.block_array([list(row) for row in self.cross]).toarray()
            solution = np.linalg.lstsq(a, np.vstack(sums), rcond=1e-10)[0]
            bounds = np.cumsum([0] + [len(k) for k in self.count])
            return [solution[lo:hi] for lo, hi in itertools.pairwise(bounds)]
        beta = [np.zeros((len(k), groups)) for k in self.count]
        safe = [np.where(k > 0, k, 1.0)[:, None] for k in self.count]
        for _ in range(self.sweeps):
            for i in range(len(beta)):
                # Cell sums of the current residual, from the cross tables; then
                # subtract each cell's (unweighted) mean, as R's svyrecvar does.
                current = sums[i] - sum(c @ b for c, b in zip(self.cross[i], beta, strict=True))
                beta[i] += current / safe[i]
        return beta


def _margin_codes(cells: np.ndarray, n: int, i: int) -> np.ndarray:
    codes = np.asarray(cells)
    if codes.shape != (n,) or not np.issubdtype(codes.dtype, np.integer):
        raise ValueError(f"calibration[{i}] must hold one integer cell index per row")
    if n and codes.min() < 0:
        raise ValueError(f"calibration[{i}] has a negative cell index")
    return codes.astype(np.intp, copy=False)


def _patterns(margins: Sequence[np.ndarray], n: int) -> np.ndarray:
    """Number the combinations of margin cells that occur, 0..P-1."""
    code = np.zeros(n, dtype=np.int64)
    span = 1
    for codes in margins:
        k = int(codes.max()) + 1 if n else 1
        if span * k > 2**40:  # keep the mixed-radix code small: renumber what occurs
            code = np.unique(code, return_inverse=True)[1].astype(np.int64)
            span = int(code.max()) + 1
        code = code * k + codes
        span *= k
    if span <= 4 * n + 1024:
        present = np.bincount(code, minlength=span) > 0
        return (np.cumsum(present) - 1)[code].astype(np.intp)
    return np.unique(code, return_inverse=True)[1].astype(np.intp).reshape(n)


@dataclass(frozen=True)
class _Rows:
    """Some respondents: their weights, patterns and answers (yes = True)."""

    w: np.ndarray
    pattern: np.ndarray
    yes: np.ndarray

    def take(self, which: np.ndarray) -> _Rows:
        return _Rows(self.w[which], self.pattern[which], self.yes[which])


# --------------------------------------------------------------------------- one breakdown


def _estimate_split(
    ind: Indicator,
    split: _Split,
    index: np.ndarray,
    answered: _Rows,
    design: _Design,
    method: CiMethod,
    level: float,
) -> list[Estimate]:
    """The rows of one indicator × one breakdown; ``answered`` are the respondents
    in the indicator's domain with an answer, ``index`` their row numbers."""
    groups = len(split.labels)
    g = split.codes[index]
    rows = answered
    if (g < 0).any():  # respondents without a group (missing by variable) drop out
        keep = np.flatnonzero(g >= 0)
        rows, g = answered.take(keep), g[keep]
    w, y = rows.w, rows.yes
    key = g * 2 + y
    counts = np.bincount(key, minlength=2 * groups).reshape(groups, 2)
    sums = np.bincount(key, weights=w, minlength=2 * groups).reshape(groups, 2)
    n = counts.sum(axis=1)
    n_yes = counts[:, 1]
    nonzero = n if design.all_weighted else np.bincount(g[w > 0], minlength=groups)
    w_sum = sums.sum(axis=1)
    w_sq = np.bincount(g, weights=w * w, minlength=groups)
    p = np.divide(sums[:, 1], w_sum, out=np.full(groups, np.nan), where=w_sum > 0)

    # The linearised value of the ratio (y − p)/Σw, in the respondent's own group.
    # (A group whose weights are all 0 gets no estimate; its values are set to 0.)
    w_group = w_sum[g]
    e = np.divide(y - p[g], w_group, out=np.zeros(len(g)), where=w_group > 0)
    var = design.variance(rows, g, e, groups)

    out: list[Estimate] = []
    for j, label in enumerate(split.labels):
        df = max(int(nonzero[j]) - 1, 0)
        base = Estimate(
            indicator=ind.id,
            by=split.by,
            group=label,
            n=int(n[j]),
            n_positive=int(n_yes[j]),
            estimate=None,
            se=None,
            ci_low=None,
            ci_high=None,
            ci_method=str(method),
            suppressed=False,
            df=df,
        )
        if not w_sum[j] > 0:
            out.append(suppressed(base, Suppression.EMPTY))
            continue
        pj = float(min(max(p[j], 0.0), 1.0))
        se = math.sqrt(max(float(var[j]), 0.0))
        kish = float(w_sum[j] ** 2 / w_sq[j])
        low, high, used = interval(pj, se, df, int(n[j]), kish, method, level)
        out.append(replace(base, estimate=pj, se=se, ci_low=low, ci_high=high, ci_method=used))
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
