"""The survey design, declared once: the data, the final weights and their calibration.

As in R's ``survey`` package (``svydesign`` then ``rake``), every estimate is
made from one :class:`SurveyDesign`, built by :func:`declare_design`. It holds
the validated rows, their final weights and the raking cells the variance
needs, and it is the only place the variance is computed. An estimator
(stats/estimation.py) turns the design into point estimates and their
linearised ("influence") values per respondent; :meth:`SurveyDesign.variance`
turns those into variances. A new kind of estimate (a mean, a quantile, a
contrast) supplies only its own influence values.

The variance is the Taylor linearisation for a with-replacement, single-stage
design (R: ``svydesign(ids=~1, weights=~w)``), adjusted for raking the way R's
``svyrecvar`` adjusts a ``rake()``d design: the linearised values are replaced
by their residuals after centring them within the cells of each raking margin,
sweep after sweep (R does 10; ``sweeps=None`` solves the limit exactly, which
can differ from R when margins are strongly associated). Capped weights are a
bounded calibration (R's ``calibrate(..., calfun = "raking", bounds = ...)``),
whose ``svyrecvar`` takes that exact limit: the residual of the least-squares
regression of the linearised values on the margins' cell dummies (weighted by
the equal starting weights, so unweighted). Domains always use the
whole sample: a respondent outside the domain has linearised value 0 but still
counts as a unit, and still takes part in the centring. A calibrated variance
below 1e-12 of the uncalibrated one is rounding noise (the margins explain the
answer) and is reported as 0.

How it is computed (why it is fast). The groups of one estimate each hold a
respondent at most once, so their linearised values are one vector ``e`` plus
each value's group. Centring within margin cells only ever subtracts cell
constants, and respondents who share a cell in every margin (a "pattern") share
all of them, so the sweeps run on pattern × group sums and the margins' cross
tables, not on respondents; the residual of a respondent is ``e − t[pattern,
group]``. The sum of squares then needs one pass over the values plus
pattern-level sums of w and w². Everything per respondent is an
``np.bincount`` or a vector operation; memory is O(respondents + patterns ×
groups), with groups taken in chunks if that would exceed 64 MB. What does not
depend on the values (each value's pattern × group, the weight sums outside each
group) is :meth:`SurveyDesign.group_sums`: an estimator of several estimates on the
same groups (a distribution's answers, a quantile's cumulative shares) makes it once
and hands it over with each :class:`Influence`; otherwise ``variance`` works it out
for the one estimate. The exact residual solves the normal equations of the cell
dummies (K × K for K margin cells in all, from the margins' cross tables) once per
design as a pseudo-inverse, or, where that matrix would exceed the same 64 MB, by
conjugate gradients on the cross tables (sparse where a pair of margins has many cells).

Answers with a few values (a share's yes/no, a distribution's answers) go further:
their linearised values depend only on the respondent's group and answer ("level"),
so every sum above is a sum over pattern × group × level of the respondents' count,
Σw and Σw². :meth:`SurveyDesign.level_sums` makes those in one pass over the domain,
and :meth:`~SurveyDesign.level_variance` and :meth:`~SurveyDesign.level_covariance`
give the same variances and covariances from them alone, with the same noise rule
(equal to rounding: the sums come in another order).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from panelkit.errors import DataError

if TYPE_CHECKING:
    from scipy import sparse

    from panelkit.input.margins import Margins
    from panelkit.input.validation import SurveyData
    from panelkit.results import WeightingResult

# R's svyrecvar() centres a raked design's linearised values in exactly 10 sweeps
# over the margins (survey 4.1.1). None solves to convergence.
R_RAKING_SWEEPS = 10
# A calibrated variance below this fraction of the uncalibrated one is rounding noise.
_NOISE = 1e-12
# Memory for the pattern × group arrays of one chunk of groups, and for the dense
# pseudo-inverse of the exact residual's normal equations.
_BLOCK_BYTES = 64 * 2**20
# Conjugate gradients (the exact residual with too many cells for a dense solve)
# stop at this relative residual of the normal equations.
_CG_TOLERANCE = 1e-13
# A cross table of two margins with more cells than this is kept sparse (most pairs of
# cells never meet); a smaller one is dense, which multiplies in a fraction of the time
# (a raked design's variance makes thousands of these products) and leaves scipy.sparse
# unloaded for the usual few-dozen-cell margins.
_DENSE_CELLS = 2**16


@dataclass(frozen=True, eq=False)
class Calibration:
    """How the weights were calibrated, as far as the variance needs it.

    ``cells``: per raking margin, each respondent's cell (0..k-1); none = not
    calibrated. ``sweeps``: centring sweeps over the margins (R's 10; None = the
    exact limit). ``bounded``: the weights are a bounded calibration (capped:
    R's ``calibrate(..., calfun = "raking", bounds = ...)``), whose variance
    takes the exact limit whatever ``sweeps`` says. Assumes calibration from equal
    starting weights, as ``rake`` does.
    """

    cells: tuple[np.ndarray, ...] = ()
    sweeps: int | None = R_RAKING_SWEEPS
    bounded: bool = False

    @property
    def exact(self) -> bool:
        """Whether the variance takes the exact regression residual, not sweeps."""
        return self.bounded or self.sweeps is None


@dataclass(frozen=True, eq=False)
class Breakdown:
    """Each respondent's group (−1 = none) and the group labels; the whole sample is
    the breakdown ``by=None`` with one group."""

    by: str | None
    codes: np.ndarray
    labels: tuple[str | None, ...]

    @property
    def groups(self) -> int:
        return len(self.labels)


@dataclass(frozen=True, eq=False)
class Domain:
    """Some respondents of a design, where an estimator works: row numbers and weights."""

    rows: np.ndarray
    weights: np.ndarray
    pattern: np.ndarray = field(repr=False)  # each one's joint raking cell, for the variance

    def __len__(self) -> int:
        return len(self.rows)

    def take(self, which: np.ndarray) -> Domain:
        return Domain(self.rows[which], self.weights[which], self.pattern[which])


@dataclass(frozen=True, eq=False)
class Influence:
    """The linearised values of one estimate in each of ``groups`` groups.

    ``values[i]`` belongs to respondent ``domain.rows[i]`` in group ``group[i]``
    (0..groups-1); everyone else has 0 there but is still a unit of the design. A
    respondent may have values in several groups (a contrast's group and its rest),
    at most one in each. ``sums``: :meth:`SurveyDesign.group_sums` of ``domain`` and
    ``group``, when the estimator made them once for several estimates on these
    groups (None: ``variance`` works them out).
    """

    domain: Domain
    group: np.ndarray
    values: np.ndarray
    groups: int
    sums: GroupSums | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        s = self.sums
        if s is not None and not (
            s.domain is self.domain and s.group is self.group and s.groups == self.groups
        ):
            raise ValueError("the group sums of an Influence must be those of its domain and group")


@dataclass(frozen=True, eq=False)
class GroupSums:
    """What the variance of any values on one domain's groups needs that does not depend
    on the values, made by :meth:`SurveyDesign.group_sums` (for that design only)."""

    domain: Domain
    group: np.ndarray
    groups: int
    engine: _Engine = field(repr=False)
    chunks: tuple[_Chunk, ...] = field(repr=False)


@dataclass(frozen=True, eq=False)
class LevelSums:
    """Respondents, Σw, Σw² and respondents with a weight above 0 by raking pattern ×
    group × level (arrays patterns × groups × levels) of one domain whose answers take
    a few values: made by :meth:`SurveyDesign.level_sums` (for that design only).
    Whatever an estimate's linearised values are, if they depend only on the group
    and the level, these sums are all its variance needs."""

    groups: int
    levels: int
    count: np.ndarray
    w: np.ndarray
    w2: np.ndarray
    positive: np.ndarray
    engine: _Engine = field(repr=False)

    def per_group(self, sums: np.ndarray) -> np.ndarray:
        """One of the sums per group (over patterns and levels)."""
        out: np.ndarray = sums.sum(axis=(0, 2))
        return out


@dataclass(frozen=True, eq=False)
class SurveyDesign:
    """The validated rows, their final weights and calibration; what every estimator takes.

    Made by :func:`declare_design`. ``frame`` is the caller's and is never modified;
    ``weights`` and the calibration cells are read-only copies. ``survey``,
    ``margins`` and ``weighting`` say where the rows and weights came from (None
    when the design was declared from a bare frame, or without margins).
    """

    frame: pd.DataFrame
    weights: np.ndarray
    calibration: Calibration = field(default_factory=Calibration)
    survey: SurveyData | None = None
    margins: Margins | None = None
    weighting: WeightingResult | None = None
    _engine: _Engine = field(init=False, repr=False)

    def __post_init__(self) -> None:
        n = len(self.frame)
        w = _check_weights(self.weights, n)
        sweeps = self.calibration.sweeps
        if sweeps is not None and sweeps < 1:
            raise ValueError(f"calibration_sweeps must be at least 1 or None, got {sweeps}")
        cells = tuple(_margin_codes(c, n, i) for i, c in enumerate(self.calibration.cells))
        for array in (w, *cells):
            array.setflags(write=False)
        calibration = Calibration(cells, sweeps, bool(self.calibration.bounded))
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "calibration", calibration)
        object.__setattr__(self, "_engine", _Engine.build(w, calibration))

    @property
    def n(self) -> int:
        return len(self.weights)

    @property
    def all_weighted(self) -> bool:
        """No weight is 0 (then every respondent counts towards the degrees of freedom)."""
        return self._engine.all_weighted

    # ------------------------------------------------------------------ the data

    def column(self, name: str, role: str) -> pd.Series:
        """The variable ``name``; DataError naming ``role`` when the data has none."""
        if name not in self.frame.columns:
            raise DataError(
                f"{role} variable {name!r} is not in the data; "
                f"its columns are {', '.join(map(str, self.frame.columns))}"
            )
        return self.frame[name]

    def overall(self) -> Breakdown:
        """The whole sample as one group."""
        return Breakdown(None, np.zeros(self.n, dtype=np.int8), (None,))

    def breakdown(self, name: str) -> Breakdown:
        """The groups of a categorical variable, in label order (no answer: no group)."""
        column = self.column(name, "by")
        cat = column.array if isinstance(column.dtype, pd.CategoricalDtype) else None
        if not isinstance(cat, pd.Categorical):
            cat = pd.Categorical(column)
        labels = tuple(str(x) for x in cat.categories)
        # pandas' smallest integer codes (int8 for fewer than 128 groups), copied: one
        # byte a respondent, not eight, in every group array the estimators derive
        return Breakdown(name, np.array(cat.codes), labels)

    def domain(self, inside: np.ndarray) -> Domain:
        """The respondents where ``inside`` (one bool per row) holds."""
        rows = np.flatnonzero(inside)
        return Domain(rows, self.weights[rows], self._engine.pattern[rows])

    # ------------------------------------------------------------------ the variance

    def group_sums(self, domain: Domain, group: np.ndarray, groups: int) -> GroupSums:
        """The part of the variance of values on ``domain`` in ``group`` (0..groups-1, one
        per respondent of ``domain``) that does not depend on the values, for several
        estimates on these groups: pass it with each :class:`Influence`. The sums are of
        the arrays as they are now, which must not change while the sums are in use (an
        estimator makes its groups, their sums and their estimates in one function)."""
        # Neither copies (two more respondent-sized arrays) nor read-only flags (which
        # make np.bincount copy its arrays on every call) guard this: both cost time.
        chunks = self._engine.group_sums(domain.weights, domain.pattern, group, groups)
        return GroupSums(domain, group, groups, self._engine, chunks)

    def variance(self, influence: Influence) -> np.ndarray:
        """Variance of the weighted total of the influence values, one per group.

        With-replacement single stage over all n respondents, ``n/(n−1) Σ_i (z_i − z̄)²``
        with ``z = w · residual(e)``, the residual after the raking centring.
        """
        sums = influence.sums
        if sums is None:
            d = influence.domain
            chunks = self._engine.group_sums(
                d.weights, d.pattern, influence.group, influence.groups
            )
        elif sums.engine is not self._engine:
            raise ValueError("these group sums were made by another design")
        else:
            chunks = sums.chunks
        return self._engine.variance(chunks, influence.values, influence.groups)

    def level_sums(
        self, domain: Domain, group: np.ndarray, groups: int, level: np.ndarray, levels: int
    ) -> LevelSums | None:
        """The :class:`LevelSums` of ``domain`` by ``group`` (0..groups-1, −1 = none: left
        out) and ``level`` (0..levels-1), one of each per respondent of ``domain``, in
        one pass; None where the arrays would exceed the variance's memory bound (then
        the respondents' own values are the way: :meth:`variance`)."""
        if not self.levels_fit(groups, levels):
            return None
        engine = self._engine
        count_p = len(engine.size)
        size = count_p * (groups + 1) * levels
        # No group is group `groups`, whose slice is dropped: no copies of the domain.
        key = np.where(group < 0, groups, group).astype(np.intp)
        key += domain.pattern * (groups + 1)
        key *= levels
        key += level
        w = domain.weights
        shape = (count_p, groups + 1, levels)

        def by_key(values: np.ndarray | None, keys: np.ndarray = key) -> np.ndarray:
            out = np.bincount(keys, weights=values, minlength=size)
            return out.astype(np.float64).reshape(shape)[:, :groups]

        count = by_key(None)
        weighted = w > 0
        positive = count if weighted.all() else by_key(None, key[weighted])
        return LevelSums(groups, levels, count, by_key(w), by_key(w * w), positive, self._engine)

    def levels_fit(self, groups: int, levels: int) -> bool:
        """Whether :meth:`level_sums` of so many groups and levels fit the memory bound."""
        return 4 * 8 * len(self._engine.size) * (groups + 1) * levels <= _BLOCK_BYTES

    def level_variance(self, sums: LevelSums, values: np.ndarray) -> np.ndarray:
        """:meth:`variance` per group of linearised values that depend only on the group
        and level: respondent i of ``sums``' domain in group j at level l has
        ``values[j, l]`` (groups × levels), in group j only."""
        self._own(sums)
        return self._engine.level_variance(sums, np.asarray(values, dtype=np.float64))

    def level_covariance(
        self,
        sums: LevelSums,
        b: np.ndarray,
        a: np.ndarray | None = None,
        y: np.ndarray | None = None,
    ) -> np.ndarray:
        """:meth:`cell_covariance` of values that depend only on the group and level:
        respondent i in group j at level l has ``a[j, l, k] · y[l] + b[j, l, k]`` in
        column k (``a``, ``b``: groups × levels × columns; ``y`` one per level; without
        them ``b`` alone), in every column (a contrast's group and its rest)."""
        self._own(sums)
        cells = sums.groups * sums.levels
        moments = _Moments.of_levels(sums, y)
        b = np.asarray(b, dtype=np.float64).reshape(cells, -1)
        if a is not None and moments.wy is not None:
            a = np.asarray(a, dtype=np.float64).reshape(cells, -1)
            return self._engine.cell_covariance(moments, a, b)
        return self._engine.cell_covariance(moments, None, b)

    def _own(self, sums: LevelSums) -> None:
        if sums.engine is not self._engine:
            raise ValueError("these level sums were made by another design")

    def scores(self, domain: Domain, values: np.ndarray) -> np.ndarray:
        """Each respondent's calibrated linearised contribution ``z = w · residual(e)``.

        ``values`` has one row per respondent of ``domain`` and one column per
        estimate (or is one vector); the result has one row per respondent of the
        design (those outside the domain too: the centring reaches them). Summed per
        person across designs (a panel member in two waves), or crossed into a
        covariance, these give the variance of joint estimates.
        """
        e = np.asarray(values, dtype=np.float64)
        one = e.ndim == 1
        e = e.reshape(len(domain), -1)
        engine = self._engine
        full = np.stack(
            [np.bincount(domain.rows, weights=c, minlength=self.n) for c in e.T], axis=1
        )
        if engine.cells:
            count_p = len(engine.size)
            e_sums = np.stack(
                [np.bincount(engine.pattern, weights=c, minlength=count_p) for c in full.T],
                axis=1,
            )
            beta = engine.centring(e_sums, e.shape[1])
            t = sum(b[c] for b, c in zip(beta, engine.cells, strict=True))
            assert isinstance(t, np.ndarray)
            full -= t[engine.pattern]
        z = full * engine.w[:, None]
        return z[:, 0] if one else z

    def covariance(self, domain: Domain, values: np.ndarray) -> np.ndarray:
        """The covariance matrix of the weighted totals of the columns of ``values``
        (see :meth:`scores`); its diagonal is what :meth:`variance` gives."""
        e = np.asarray(values, dtype=np.float64).reshape(len(domain), -1)
        n = self.n
        if n < 2:
            return np.zeros((e.shape[1], e.shape[1]))
        z = self.scores(domain, e)
        z -= z.mean(axis=0)
        cov = n / (n - 1) * (z.T @ z)
        # The same rounding-noise rule as variance(): a total the margins explain is exact.
        fixed = n / (n - 1) * ((domain.weights[:, None] * e) ** 2).sum(axis=0)
        noise = np.diag(cov) <= _NOISE * fixed
        cov[noise, :] = 0.0
        cov[:, noise] = 0.0
        return cov

    def cell_covariance(
        self, domain: Domain, cell: np.ndarray, y: np.ndarray, a: np.ndarray, b: np.ndarray
    ) -> np.ndarray:
        """:meth:`covariance` of linearised values that are linear in ``y`` within cells:
        respondent i of ``domain`` in cell ``c = cell[i]`` has ``a[c] · y[i] + b[c]``
        (``a``, ``b``: cells × columns). Ratios, their contrasts and cell proportions
        are of this form; the respondents × columns matrix is never formed: the sums
        of squares come from weighted sums by raking pattern × cell.
        """
        a = np.asarray(a, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64)
        moments = _Moments.of(self._engine, domain, cell, len(a), y)
        return self._engine.cell_covariance(moments, a if moments.wy is not None else None, b)


def declare_design(
    data: SurveyData | pd.DataFrame,
    margins: Margins | None = None,
    *,
    cap: float | None = None,
    weights: np.ndarray | None = None,
    calibration: Sequence[np.ndarray] = (),
    sweeps: int | None = R_RAKING_SWEEPS,
    bounded: bool = False,
) -> SurveyDesign:
    """Declare the survey design once: the rows, their final weights and calibration.

    ``data`` is a validated survey (its usable rows: see ``SurveyData.usable``) or a
    frame of that form. With ``margins`` the rows are raked to them (``cap``: see
    ``weighting.rake``) and the raking cells become the calibration; with a cap
    (binding or not) the weights are a bounded calibration, whose variance is R's
    ``calibrate()``'s exact residual. Without, the ``weights`` are final (None: all
    1) and ``calibration`` holds their raking cells, if they were raked elsewhere
    (R's weights, say; ``bounded``: by R's bounded ``calibrate()``). ``sweeps``:
    centring sweeps of a raked design's variance (R's 10; None = to convergence).
    """
    from panelkit.input.validation import SurveyData
    from panelkit.stats.weighting import rake

    survey = data if isinstance(data, SurveyData) else None
    frame = data.frame if isinstance(data, SurveyData) else data
    if margins is None:
        if cap is not None:
            raise ValueError("a cap bounds raked weights: give the margins to rake to")
        w = np.ones(len(frame)) if weights is None else weights
        return SurveyDesign(frame, w, Calibration(tuple(calibration), sweeps, bounded), survey)
    if weights is not None or len(calibration) or bounded:
        raise ValueError("give margins to rake to, or final weights, not both")
    lines = None if survey is None else survey.lines
    weighting = rake(frame, margins, cap=cap, lines=lines)
    return SurveyDesign(
        frame,
        weighting.weights,
        Calibration(weighting.calibration, sweeps, bounded=cap is not None),
        survey,
        margins,
        weighting,
    )


# --------------------------------------------------------------------------- checks


def _check_weights(weights: np.ndarray, n: int) -> np.ndarray:
    w = np.array(weights, dtype=np.float64)  # a copy: the caller's array stays theirs
    if w.shape != (n,):
        raise ValueError(f"weights must have one value per row ({n}), got shape {w.shape}")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("weights must be finite and not negative")
    return w


def _margin_codes(cells: np.ndarray, n: int, i: int) -> np.ndarray:
    codes = np.asarray(cells)
    if codes.shape != (n,) or not np.issubdtype(codes.dtype, np.integer):
        raise ValueError(f"calibration[{i}] must hold one integer cell index per row")
    if n and codes.min() < 0:
        raise ValueError(f"calibration[{i}] has a negative cell index")
    return np.array(codes, dtype=np.intp)


# --------------------------------------------------------------------------- the engine


@dataclass(frozen=True, eq=False)
class _Engine:
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
    # cross[a][b]: respondents, cells a × b (dense, or sparse beyond _DENSE_CELLS)
    cross: tuple[tuple[np.ndarray | sparse.csr_array, ...], ...]
    sweeps: int | None  # None: the exact residual (see _Engine.exact)
    all_weighted: bool  # no weight is 0
    # The exact residual's normal equations: their pseudo-inverse (K × K), or None to
    # solve them by conjugate gradients (too many cells, or not exact).
    inverse: np.ndarray | None = None

    @classmethod
    def build(cls, w: np.ndarray, calibration: Calibration) -> _Engine:
        n = len(w)
        margins = calibration.cells
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
        cross = tuple(
            tuple(_cross_table(size, a, b, ka, kb) for b, kb in zip(cells, ks, strict=True))
            for a, ka in zip(cells, ks, strict=True)
        )
        sweeps = None if calibration.exact else calibration.sweeps
        inverse = None
        total_cells = sum(ks)
        if sweeps is None and cells and 8 * total_cells**2 <= _BLOCK_BYTES:
            normal = np.block([[_dense(table) for table in row] for row in cross])
            # The margins share the constant (and more where their cells never meet),
            # so the system is singular: its pseudo-inverse gives one solution, and the
            # residual is the same for every solution.
            inverse = np.linalg.pinv(normal, rcond=1e-10, hermitian=True)
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
            inverse=inverse,
        )

    def group_sums(
        self, w: np.ndarray, pattern: np.ndarray, group: np.ndarray, groups: int
    ) -> tuple[_Chunk, ...]:
        """What ``variance`` needs of values with these weights, patterns and groups that
        does not depend on the values, per chunk of groups: the memory of the pattern ×
        group arrays is bounded by taking groups in chunks."""
        chunk = max(1, _BLOCK_BYTES // (8 * 8 * len(self.size)))
        if chunk >= groups:
            return (self._chunk(None, w, group, pattern, groups, weight_sums=True),)
        out = []
        for first in range(0, groups, chunk):
            last = min(first + chunk, groups)
            # row numbers, not a mask per chunk: all chunks together hold one per value
            mine = np.flatnonzero((group >= first) & (group < last))
            part = (mine, w[mine], group[mine] - first)
            # Not the weight sums outside the groups: kept for every chunk, they would be
            # patterns × groups in all, which the chunks are there to bound.
            out.append(self._chunk(*part, pattern[mine], last - first, weight_sums=False))
        return tuple(out)

    def _chunk(
        self,
        mine: np.ndarray | None,
        w: np.ndarray,
        group: np.ndarray,
        pattern: np.ndarray,
        groups: int,
        *,
        weight_sums: bool,
    ) -> _Chunk:
        """One chunk's sums (``w``, ``group``: the chunk's values)."""
        inside = np.bincount(group, minlength=groups)
        cell = w_out = w2_out = None
        if self.cells:
            cell = pattern * groups + group
            if weight_sums:
                w_out, w2_out = self._outside(w, cell, groups)
        return _Chunk(mine, w, group, groups, inside, cell, w_out, w2_out)

    def _outside(self, w: np.ndarray, cell: np.ndarray, groups: int) -> tuple[np.ndarray, ...]:
        """Σw and Σw² by pattern × group of the respondents outside each group."""
        count_p = len(self.size)
        w_in = np.bincount(cell, weights=w, minlength=count_p * groups)
        w2_in = np.bincount(cell, weights=w * w, minlength=count_p * groups)
        w_out = np.maximum(self.weight[:, None] - w_in.reshape(count_p, groups), 0.0)
        w2_out = np.maximum(self.weight_sq[:, None] - w2_in.reshape(count_p, groups), 0.0)
        return w_out, w2_out

    def variance(self, chunks: tuple[_Chunk, ...], e: np.ndarray, groups: int) -> np.ndarray:
        """Variance of the weighted total of ``e`` in each group (see SurveyDesign.variance);
        ``chunks``: :meth:`group_sums` of the values' weights, patterns and groups."""
        n = len(self.w)
        if n < 2:
            return np.zeros(groups)
        out = np.empty(groups)
        first = 0
        for part in chunks:
            values = e if part.mine is None else e[part.mine]
            out[first : first + part.groups] = self._sum_of_squares(part, values)
            first += part.groups
        return n / (n - 1) * out

    def _sum_of_squares(self, known: _Chunk, e: np.ndarray) -> np.ndarray:
        """Σ_i (z_i − z̄)² per group, over all n respondents (see ``variance``)."""
        n = len(self.w)
        w, group, groups = known.w, known.group, known.groups
        we = w * e
        z_sum = np.bincount(group, weights=we, minlength=groups)
        inside = known.inside
        if not self.cells:
            z_mean = z_sum / n
            t: np.ndarray | float = 0.0
            # Respondents outside the group have z = 0, so contribute z̄² each.
            total = (n - inside) * z_mean**2
        else:
            count_p = len(self.size)
            cell = known.cell
            assert cell is not None
            if known.w_out is None or known.w2_out is None:
                w_out, w2_out = self._outside(w, cell, groups)
            else:
                w_out, w2_out = known.w_out, known.w2_out
            e_sums = np.bincount(cell, weights=e, minlength=count_p * groups)
            beta = self.centring(e_sums.reshape(count_p, groups), groups)
            # residual = e − t, with t = Σ_m β_m[cell] constant within a pattern
            t_pg = sum(b[c] for b, c in zip(beta, self.cells, strict=True))
            assert isinstance(t_pg, np.ndarray)
            z_mean = (z_sum - self.weight @ t_pg) / n
            # Respondents outside the group have z = −w·t: Σ (w t + z̄)², pattern by
            # pattern, from the weight sums of the pattern minus those inside the group.
            # (A pattern wholly inside a group then leaves exactly 0, which keeps the
            # variance exactly 0 where the margins explain the answer completely.)
            total = (
                (t_pg**2 * w2_out).sum(axis=0)
                + 2 * z_mean * (t_pg * w_out).sum(axis=0)
                + (n - inside) * z_mean**2
            )
            del w_out, w2_out
            t = t_pg.ravel()[cell]
            del cell
        # own = w · (e − t) − z̄ of the group, squared; in place (a product commutes, so
        # these are the same numbers), as few respondent-sized arrays live as can be
        own = e - t
        del t
        own *= w
        own -= z_mean[group]
        own *= own
        total = total + np.bincount(group, weights=own, minlength=groups)
        del own
        # Rounding noise, not variance: where the centring leaves (next to) nothing of
        # the uncentred sum of squares, the margins explain the answer; call it 0.
        fixed = np.bincount(group, weights=np.square(we, out=we), minlength=groups)
        return np.where(total > _NOISE * fixed, total, 0.0)

    def cell_covariance(self, m: _Moments, a: np.ndarray | None, b: np.ndarray) -> np.ndarray:
        """The covariance of the columns of values ``a[c] · y + b[c]`` (a None: ``b[c]``)
        from their :class:`_Moments` (see SurveyDesign.cell_covariance)."""
        n = len(self.w)
        cols = b.shape[1]
        if n < 2:
            return np.zeros((cols, cols))
        s0 = m.w2.sum(axis=0)
        if a is None or m.wy is None or m.w2y is None or m.w2yy is None:
            # The size of the values before any cancellation, Σ w² (|a||y| + |b|)², for
            # the rounding-noise rule.
            size = (b * b).T @ s0
            ee = (b.T * s0) @ b
            q_e = m.w2 @ b  # Σ w² e by pattern
            e_sums = m.count @ b  # Σ e by pattern
            z_lin = m.w.sum(axis=0) @ b
        else:
            assert m.abs_cell is not None and m.sq_cell is not None
            size = (a * a).T @ m.sq_cell + 2 * (np.abs(a) * np.abs(b)).T @ m.abs_cell
            size += (b * b).T @ s0
            b = b + a * m.shift
            s1, s2 = m.w2y.sum(axis=0), m.w2yy.sum(axis=0)
            ee = (a.T * s2) @ a + (a.T * s1) @ b + (b.T * s1) @ a + (b.T * s0) @ b
            q_e = m.w2y @ a + m.w2 @ b
            e_sums = (m.y @ a if m.y is not None else 0.0) + m.count @ b
            z_lin = m.wy.sum(axis=0) @ a + m.w.sum(axis=0) @ b
        if self.cells:
            beta = self.centring(e_sums, cols)
            t = sum(c[k] for c, k in zip(beta, self.cells, strict=True))
            assert isinstance(t, np.ndarray)
        else:
            t = np.zeros((len(self.size), cols))
        # Σ z z' with z = w (e − t): Σ w² e e' − Σ w² (e t' + t e') + Σ w² t t'.
        et = q_e.T @ t
        zz = ee - et - et.T + t.T @ (self.weight_sq[:, None] * t)
        z_sum = z_lin - self.weight @ t
        cov: np.ndarray = n / (n - 1) * (zz - np.outer(z_sum, z_sum) / n)
        # The rounding-noise rule of variance() and covariance(), on the values' size.
        noise = np.diag(cov) <= _NOISE * n / (n - 1) * np.maximum(np.diag(ee), size)
        cov[noise, :] = 0.0
        cov[:, noise] = 0.0
        return cov

    def level_variance(self, sums: LevelSums, v: np.ndarray) -> np.ndarray:
        """:meth:`variance` of values ``v[group, level]`` from their level sums: the terms
        of :meth:`_sum_of_squares` summed by pattern × group × level, not by respondent."""
        n = len(self.w)
        groups = sums.groups
        if n < 2:
            return np.zeros(groups)
        count, w, w2 = sums.count, sums.w, sums.w2
        e_sums = (count * v).sum(axis=2)  # Σ e by pattern × group
        if self.cells:
            beta = self.centring(e_sums, groups)
            t_pg = sum(b[c] for b, c in zip(beta, self.cells, strict=True))
            assert isinstance(t_pg, np.ndarray)
        else:
            t_pg = np.zeros_like(e_sums)
        inside = count.sum(axis=(0, 2))
        z_mean = ((w * v).sum(axis=(0, 2)) - self.weight @ t_pg) / n
        # Outside the group z = −w·t (see _sum_of_squares); inside, Σ (w (v − t) − z̄)²
        # = Σw² (v − t)² − 2 z̄ Σw (v − t) + count · z̄², by pattern × level.
        w_out = np.maximum(self.weight[:, None] - w.sum(axis=2), 0.0)
        w2_out = np.maximum(self.weight_sq[:, None] - w2.sum(axis=2), 0.0)
        d = v[None, :, :] - t_pg[:, :, None]
        own = (w2 * d * d).sum(axis=(0, 2)) - 2 * z_mean * (w * d).sum(axis=(0, 2))
        total = (
            (t_pg**2 * w2_out).sum(axis=0)
            + 2 * z_mean * (t_pg * w_out).sum(axis=0)
            + (n - inside) * z_mean**2
            + own
            + inside * z_mean**2
        )
        fixed = (w2 * v * v).sum(axis=(0, 2))
        return n / (n - 1) * np.where(total > _NOISE * fixed, total, 0.0)

    def centring(self, e_sums: np.ndarray, groups: int) -> list[np.ndarray]:
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
            # The limit of the sweeps (R's calibrate()): least squares on all margins'
            # cell dummies, from the normal equations X'X β = X'e.
            rhs = np.vstack(sums)
            if self.inverse is not None:
                solution = self.inverse @ rhs
            else:
                from scipy import sparse

                normal = sparse.block_array(
                    [[sparse.csr_array(table) for table in row] for row in self.cross],
                    format="csr",
                )
                solution = _conjugate_gradients(normal, np.concatenate(self.count), rhs)
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


@dataclass(frozen=True, eq=False)
class _Chunk:
    """One chunk of groups of :meth:`_Engine.group_sums`: which values are in it (None:
    all, one chunk), their weights and groups (numbered from the chunk's first), the
    values per group, each value's pattern × group (None: no margins) and the weight
    sums by pattern × group outside each group (None: no margins, or worked out per
    chunk when there are several)."""

    mine: np.ndarray | None
    w: np.ndarray
    group: np.ndarray
    groups: int
    inside: np.ndarray
    cell: np.ndarray | None
    w_out: np.ndarray | None
    w2_out: np.ndarray | None


@dataclass(frozen=True, eq=False)
class _Moments:
    """Weighted sums by raking pattern × cell (arrays patterns × cells) of respondents
    whose linearised values are ``a[c] · y + b[c]`` in cell c: all
    :meth:`_Engine.cell_covariance` needs. Those of y (``wy`` = Σ w y, ``w2y`` =
    Σ w² y, ``w2yy`` = Σ w² y², ``y`` = Σ y, of y less ``shift``, and per cell
    ``abs_cell`` = Σ w² |y|, ``sq_cell`` = Σ w² y² of y as given) are None where y is 0
    (values that do not depend on it); ``y`` also where the design has no margins."""

    count: np.ndarray
    w: np.ndarray
    w2: np.ndarray
    wy: np.ndarray | None = None
    w2y: np.ndarray | None = None
    w2yy: np.ndarray | None = None
    y: np.ndarray | None = None
    abs_cell: np.ndarray | None = None
    sq_cell: np.ndarray | None = None
    shift: float = 0.0

    @classmethod
    def of(
        cls, engine: _Engine, domain: Domain, cell: np.ndarray, cells: int, y: np.ndarray
    ) -> _Moments:
        """The sums of ``domain``'s respondents in ``cell`` (0..cells-1) with answers y."""
        y = np.asarray(y, dtype=np.float64)
        w = domain.weights
        w2 = w * w
        cell = np.asarray(cell, dtype=np.intp)  # cast once, not in every bincount
        key = domain.pattern * cells + cell
        count_p = len(engine.size)

        def by_cell(values: np.ndarray | None) -> np.ndarray:
            out = np.bincount(key, weights=values, minlength=count_p * cells)
            return out.astype(np.float64).reshape(count_p, cells)

        count, w_sums, w2_sums = by_cell(None), by_cell(w), by_cell(w2)
        if not np.any(y):
            # Values that do not depend on y (a test's cell proportions pass y = 0):
            # every sum of a multiple of y is exactly 0, so those passes are skipped.
            return cls(count, w_sums, w2_sums)
        # Centre y first (e = a·(y − ȳ) + (b + a·ȳ)): the squares then do not cancel
        # for values far from 0 (an API score of 650 ± 100). The sums of w2 · |y| and
        # w2 · y · y by cell are of y as given (for the size of the values); the
        # products in place (the same numbers), one respondent-sized temporary at a time.
        shift = float(y.mean()) if len(y) else 0.0
        v = np.abs(y)
        v *= w2
        abs_cell = np.bincount(cell, weights=v, minlength=cells)
        v = w2 * y
        v *= y
        sq_cell = np.bincount(cell, weights=v, minlength=cells)
        y = y - shift
        v = w2 * y
        w2y = by_cell(v)
        v *= y  # w2 · y · y
        w2yy = by_cell(v)
        del v, w2
        y_sums = by_cell(y) if engine.cells else None
        return cls(
            count, w_sums, w2_sums, by_cell(w * y), w2y, w2yy, y_sums, abs_cell, sq_cell, shift
        )

    @classmethod
    def of_levels(cls, sums: LevelSums, y: np.ndarray | None) -> _Moments:
        """The same sums from a domain's level sums (cells: group × level, level fastest)
        for answers ``y[level]`` (None: values that do not depend on y)."""
        count_p = sums.count.shape[0]
        cells = sums.groups * sums.levels
        count = sums.count.reshape(count_p, cells)
        w = sums.w.reshape(count_p, cells)
        w2 = sums.w2.reshape(count_p, cells)
        if y is None or not np.any(y):
            return cls(count, w, w2)
        per_cell = np.tile(np.asarray(y, dtype=np.float64), sums.groups)
        n = count.sum()
        shift = float(count.sum(axis=0) @ per_cell / n) if n else 0.0
        w2_cell = w2.sum(axis=0)
        centred = per_cell - shift
        y_sums = count * centred if sums.engine.cells else None
        return cls(
            count,
            w,
            w2,
            w * centred,
            w2 * centred,
            w2 * centred * centred,
            y_sums,
            w2_cell * np.abs(per_cell),
            w2_cell * per_cell * per_cell,
            shift,
        )


def _cross_table(
    size: np.ndarray, a: np.ndarray, b: np.ndarray, ka: int, kb: int
) -> np.ndarray | sparse.csr_array:
    """Respondents per cell a × b of two margins, from each pattern's cells and size."""
    if ka * kb <= _DENSE_CELLS:
        return np.bincount(a * kb + b, weights=size, minlength=ka * kb).reshape(ka, kb)
    from scipy import sparse

    return sparse.csr_array((size, (a, b)), shape=(ka, kb))


def _dense(table: np.ndarray | sparse.csr_array) -> np.ndarray:
    return table if isinstance(table, np.ndarray) else table.toarray()


def _conjugate_gradients(a: sparse.csr_array, diagonal: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One solution x of a x = b per column of b (a: symmetric, positive semi-definite,
    b in its range), by conjugate gradients preconditioned with a's diagonal, all
    columns at once. Started from 0, the iterates stay in a's range, where the
    system is regular; empty cells (diagonal 0) keep 0."""
    scale = np.divide(1.0, diagonal, out=np.zeros(len(diagonal)), where=diagonal > 0)[:, None]
    x = np.zeros_like(b)
    r = b.copy()
    z = scale * r
    p = z.copy()
    rz = (r * z).sum(axis=0)
    goal = _CG_TOLERANCE**2 * rz
    for _ in range(10 * len(diagonal) + 100):
        if np.all(rz <= goal):
            break
        ap = a @ p
        curve = (p * ap).sum(axis=0)
        step = np.divide(rz, curve, out=np.zeros_like(rz), where=curve > 0)
        x += step * p
        r -= step * ap
        z = scale * r
        rz_next = (r * z).sum(axis=0)
        p = z + np.divide(rz_next, rz, out=np.zeros_like(rz), where=rz > 0) * p
        rz = rz_next
    return x


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
