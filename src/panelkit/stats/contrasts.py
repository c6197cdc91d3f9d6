"""Contrasts of each group against the rest of its domain, and tests of association
(formats §8.4, §8.5), on the survey design's joint linearisation.

A **contrast** sets group ``j`` of a breakdown against the rest of the domain (the
domain's respondents with another group): the difference of two weighted ratios,
``d = p_j − r_j`` with ``p_j = Σ_j w y / Σ_j w`` and ``r_j`` the same over the rest
(``y`` the 0/1 answer of a share, the value of a mean). Its linearised value is
``(y − p_j)/W_j`` in the group and ``−(y − r_j)/R_j`` in the rest, so one column per
group holds every respondent of the domain; the design's ``covariance`` (Taylor
linearisation with the raking centring, stats/design.py) gives the variance of
each column. This equals the SE of the group dummy's coefficient in R's
``svyglm(y ~ I(g == group), sub)`` (that regression's coefficient is the difference
of the two means, and its sandwich variance the variance of this linearisation);
R's ``svyby(covmat = TRUE)``, which stops on a raked design, is not needed. The
interval is ``d ± 1.959964·se`` and ``p = 2Φ(−|d/se|)`` (normal reference, as R).

The **test** of association is R's ``svychisq(~y + g, sub)`` default statistic,
the Rao–Scott F: on the table of the answers and groups that occur in the domain,
with weighted cell proportions ``p̂`` (answer fastest) and their design covariance
``V``, let ``C`` be the interaction contrasts of the table (the saturated model's
interaction columns, residualised on the main effects), ``D = diag(1/p̂)`` (0 for an
empty cell) and ``Δ = (C'DC/N)⁻¹ (C'DVDC)``. Then ``F = X²/tr Δ`` with ``X²``
Pearson's statistic of the weighted table scaled to N, ``ndf = (tr Δ)²/tr Δ²``,
``ddf = ndf · (N − 1)`` and ``p`` the F tail. N is every respondent of the design
(R's ``subset()`` of a raked design keeps every row); it cancels from F. Where
``C'DC`` is singular to machine precision (empty cells that leave the interaction
unspanned), R's ``solve()`` stops, and there is no test.

Everything is one pass per indicator × breakdown: weighted sums by ``np.bincount``
and one covariance of a few columns (``SurveyDesign.cell_covariance``: the values are
linear in y within groups or cells, so no respondents × columns matrix is formed). A
share's or a distribution's contrasts and test share that pass: the domain's level
sums (``SurveyDesign.level_sums``, by raking pattern × group × answer) serve both
(``level_contrasts``, ``level_association``), where they fit the design's memory bound.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special

from panelkit.disclosure import Suppression, contrast_suppression
from panelkit.input.indicators import Indicator
from panelkit.results import (
    AssociationTest,
    Contrast,
    ContrastSet,
    Estimate,
    EstimateKind,
    LeftOut,
)
from panelkit.stats.comparison import Adjust, adjust_p
from panelkit.stats.design import Breakdown, Domain, LevelSums, SurveyDesign

# qnorm(0.975): the contrast's interval is normal, as R's confint on svyglm's z.
Z_975 = float(special.ndtri(0.975))
# An SE below this fraction of the estimates is the rounding of constant answers.
_ROUNDING = 1e-10
# The kinds with contrasts (share, mean) or a test (share, distribution).
_MEASURED = (EstimateKind.SHARE, EstimateKind.MEAN, EstimateKind.DISTRIBUTION)


@dataclass(frozen=True, eq=False)
class GroupContrasts:
    """Every group of one breakdown against the rest of its domain (arrays per group).

    ``estimate_group``/``estimate_rest`` are NaN where the group or the rest has no
    weight; then ``difference`` and ``se`` are NaN too.
    """

    estimate_group: np.ndarray
    estimate_rest: np.ndarray
    difference: np.ndarray
    se: np.ndarray
    n_group: np.ndarray
    n_rest: np.ndarray

    def interval(self) -> tuple[np.ndarray, np.ndarray]:
        """``difference ∓ 1.959964·se``."""
        half = Z_975 * self.se
        return self.difference - half, self.difference + half

    def p(self) -> np.ndarray:
        """Two-sided normal p-value of ``difference / se`` (NaN where se is 0)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(self.se > 0, np.abs(self.difference) / self.se, np.nan)
        return 2.0 * special.ndtr(-z)


@dataclass(frozen=True)
class Association:
    """The Rao–Scott F test of one answer by one breakdown (R's svychisq, statistic "F")."""

    f: float
    ndf: float
    ddf: float
    p: float
    answers: int  # rows of the table: the answers that occur in the domain
    groups: int  # its columns: the groups that occur


def contrast_indicators(
    design: SurveyDesign,
    indicators: Sequence[Indicator],
    estimates: Sequence[Estimate],
    *,
    by: Sequence[str],
    min_n: int = 20,
    adjust: Adjust = Adjust.HOLM,
) -> ContrastSet:
    """Every group of every ``by`` breakdown of each share and mean indicator against the
    rest of its domain, and every share and distribution indicator's test of association
    with each ``by`` variable (formats §8.4), in the order of indicators, breakdowns and
    groups. ``estimates`` are the run's rows (after disclosure): a contrast whose group
    or domain row is suppressed, or whose rest is small, is left out (disclosure's
    ``contrast_suppression``), and so is a test whose domain row is suppressed. p-values
    are adjusted across all contrasts shown."""
    adjust = Adjust(adjust)
    hidden: dict[tuple[str, str | None, str | None], Suppression | None] = {}
    for e in estimates:
        key = (e.indicator, e.by, e.group)
        # A distribution has one row per answer: the domain is hidden if any row is.
        hidden[key] = hidden.get(key) or (e.suppression if e.suppressed else None)
    breakdowns = [design.breakdown(name) for name in by]
    found: list[tuple[Indicator, EstimateKind, Breakdown, int, GroupContrasts]] = []
    tests: list[AssociationTest] = []
    left: Counter[LeftOut] = Counter()
    left_tests: Counter[LeftOut] = Counter()
    for ind in indicators:
        if ind.kind not in _MEASURED:
            continue  # a quantile has neither contrasts nor a test (formats §8.4)
        kind, domain, y, answers, levels = _measure(design, ind)
        domain_hidden = hidden.get((ind.id, None, None))
        sums: LevelSums | None = None
        for b in breakdowns:
            assert b.by is not None
            # One pass over the domain for the contrasts and the test of an answer with
            # a few values (where its level sums fit the design's memory bound).
            if answers is not None:
                sums = design.level_sums(domain, b.codes[domain.rows], b.groups, answers, levels)
            if y is not None:
                if sums is not None:
                    c = level_contrasts(design, sums, np.array([0.0, 1.0]))
                else:
                    c = group_contrasts(design, domain, y, b)
                for j, label in enumerate(b.labels):
                    why = contrast_suppression(
                        hidden.get((ind.id, b.by, label)),
                        domain_hidden,
                        int(c.n_group[j]),
                        int(c.n_rest[j]),
                        min_n,
                    )
                    if why is Suppression.EMPTY or not np.isfinite(c.difference[j]):
                        left[LeftOut.EMPTY] += 1
                    elif why is not None:
                        left[LeftOut.SUPPRESSED] += 1
                    elif not c.se[j] > 0:
                        left[LeftOut.UNDEFINED] += 1
                    else:
                        found.append((ind, kind, b, j, c))
            if answers is not None:
                if domain_hidden not in (None, Suppression.EMPTY):
                    left_tests[LeftOut.SUPPRESSED] += 1
                    continue
                if sums is not None:
                    t = level_association(design, sums)
                else:
                    t = association(design, domain, answers, b)
                if t is None:
                    left_tests[_why_no_test(design, domain, answers, b)] += 1
                    continue
                tests.append(AssociationTest(ind.id, b.by, t.f, t.ndf, t.ddf, t.p))
        del domain, y, answers, sums  # a million rows each: gone before the next indicator's
    p_values = [float(c.p()[j]) for _, _, _, j, c in found]
    adjusted = adjust_p(p_values, adjust)
    rows = []
    for (ind, kind, b, j, c), p, p_adj in zip(found, p_values, adjusted, strict=True):
        low, high = c.interval()
        label = b.labels[j]
        assert b.by is not None and label is not None
        rows.append(
            Contrast(
                indicator=ind.id,
                by=b.by,
                group=label,
                estimate_group=float(c.estimate_group[j]),
                estimate_rest=float(c.estimate_rest[j]),
                difference=float(c.difference[j]),
                se=float(c.se[j]),
                ci_low=float(low[j]),
                ci_high=float(high[j]),
                p=p,
                p_adjusted=p_adj,
                adjust=str(adjust),
                kind=kind,
            )
        )
    return ContrastSet(
        contrasts=tuple(rows),
        tests=tuple(tests),
        contrasts_left_out=tuple(sorted(left.items())),
        tests_left_out=tuple(sorted(left_tests.items())),
    )


def _measure(
    design: SurveyDesign, ind: Indicator
) -> tuple[EstimateKind, Domain, np.ndarray | None, np.ndarray | None, int]:
    """An indicator's domain, the values its contrasts compare (None: no contrasts), the
    answer codes its test tabulates (None: no test) and how many codes there are, per
    formats §8.4: a share has both (its 0/1 answer), a mean contrasts only (its values or
    scores), a distribution a test only (its answers' codes); a quantile is not measured
    (``_MEASURED``)."""
    from panelkit.stats.estimation import answers, categories

    domain, values = answers(design, ind)
    if ind.kind is EstimateKind.SHARE:
        return ind.kind, domain, values.astype(np.float64), values.view(np.int8), 2
    if ind.kind is EstimateKind.MEAN:
        return ind.kind, domain, values.astype(np.float64), None, 0
    return ind.kind, domain, None, values.astype(np.intp), len(categories(design, ind))


def _why_no_test(
    design: SurveyDesign, domain: Domain, answers: np.ndarray, breakdown: Breakdown
) -> LeftOut:
    g = breakdown.codes[domain.rows]
    keep = (g >= 0) & (answers >= 0)
    few = _present(g[keep])[1] < 2 or _present(answers[keep])[1] < 2
    return LeftOut.TOO_FEW if few else LeftOut.UNDEFINED


def group_contrasts(
    design: SurveyDesign, domain: Domain, y: np.ndarray, breakdown: Breakdown
) -> GroupContrasts:
    """Each group's ratio ``Σwy/Σw`` against that of the rest of ``domain``.

    ``y`` has one value per respondent of ``domain`` (0/1 for a share); respondents
    without a group (missing ``by``) are in neither the group nor the rest.
    """
    groups = breakdown.groups
    g = breakdown.codes[domain.rows].astype(np.intp)  # cast once, not in every bincount
    y = np.asarray(y, dtype=np.float64)
    keep = np.flatnonzero(g >= 0)
    if keep.size < g.size:  # else the domain itself: no copies of its arrays
        sub, g, y = domain.take(keep), g[keep], y[keep]
    else:
        sub = domain
    del keep
    w = sub.weights
    n_group = np.bincount(g, minlength=groups)
    w_group = np.bincount(g, weights=w, minlength=groups)
    s_group = np.bincount(g, weights=w * y, minlength=groups)

    def variance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.diag(design.cell_covariance(sub, g, y, a, b))

    return _contrasts(n_group, w_group, s_group, variance)


def level_contrasts(design: SurveyDesign, sums: LevelSums, y: np.ndarray) -> GroupContrasts:
    """:func:`group_contrasts` of an answer ``y[level]`` that depends only on the level,
    from the domain's level sums (``SurveyDesign.level_sums``) alone."""
    y = np.asarray(y, dtype=np.float64)
    w_by = sums.w.sum(axis=0)  # Σw by group × level

    def variance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        # a[g] · y[l] + b[g] at group g, level l, per column, as group_contrasts' values
        shape = (sums.groups, sums.levels, a.shape[1])
        at = np.broadcast_to(a[:, None, :], shape)
        return np.diag(design.level_covariance(sums, np.broadcast_to(b[:, None, :], shape), at, y))

    n_group = sums.per_group(sums.count).astype(np.int64)
    return _contrasts(n_group, w_by.sum(axis=1), w_by @ y, variance)


def _contrasts(
    n_group: np.ndarray,
    w_group: np.ndarray,
    s_group: np.ndarray,
    variance: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> GroupContrasts:
    """Each group's ratio against the rest from the groups' respondents, Σw and Σwy; the
    variance of values ``a[g] · y + b[g]`` per column (groups × columns) is ``variance``'s."""
    groups = len(n_group)
    w_rest = w_group.sum() - w_group
    s_rest = s_group.sum() - s_group
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(w_group > 0, s_group / w_group, np.nan)
        r = np.where(w_rest > 0, s_rest / w_rest, np.nan)
    ok = np.flatnonzero(np.isfinite(p) & np.isfinite(r))
    se = np.full(groups, np.nan)
    if len(ok) and n_group.sum():
        # One column per group that has both sides, the linearised difference:
        # (y − p_j)/W_j in group j, −(y − r_j)/R_j in the rest; linear in y by group.
        inside = np.arange(groups)[:, None] == ok[None, :]
        a = np.where(inside, 1 / w_group[ok], -1 / w_rest[ok])
        b = np.where(inside, -p[ok] / w_group[ok], r[ok] / w_rest[ok])
        se[ok] = np.sqrt(np.maximum(variance(a, b), 0.0))
        # Both sides constant: what is left is the rounding of y − p, not variance.
        scale = np.maximum(np.abs(p[ok]), np.abs(r[ok]))
        se[ok] = np.where(se[ok] > _ROUNDING * scale, se[ok], 0.0)
    return GroupContrasts(
        estimate_group=p,
        estimate_rest=r,
        difference=p - r,
        se=se,
        n_group=n_group,
        n_rest=n_group.sum() - n_group,
    )


def association(
    design: SurveyDesign, domain: Domain, answer: np.ndarray, breakdown: Breakdown
) -> Association | None:
    """The Rao–Scott F test of ``answer`` (an integer code per respondent of ``domain``,
    −1 = none) by ``breakdown``; None when fewer than two answers or two groups occur.
    """
    g = breakdown.codes[domain.rows]
    a = np.asarray(answer)
    keep = np.flatnonzero((g >= 0) & (a >= 0))
    sub = domain.take(keep) if keep.size < g.size else domain  # all kept: no copies
    a_idx, nr = _present(a[keep])
    g_idx, nc = _present(g[keep])
    if nr < 2 or nc < 2:
        return None
    w = sub.weights
    cells = nr * nc
    cell = a_idx + nr * g_idx  # answer fastest, as R's table
    del g, keep, a_idx, g_idx  # a million entries each, before the covariance's own
    cell_w = np.bincount(cell, weights=w, minlength=cells)

    def covariance(b: np.ndarray) -> np.ndarray:
        return design.cell_covariance(sub, cell, np.zeros(len(cell)), np.zeros_like(b), b)

    return _association(design.n, cell_w, nr, nc, covariance)


def level_association(design: SurveyDesign, sums: LevelSums) -> Association | None:
    """:func:`association` of the domain's levels by its groups, from its level sums
    (``SurveyDesign.level_sums``) alone."""
    count = sums.count.sum(axis=0)  # respondents by group × level
    groups = np.flatnonzero(count.sum(axis=1) > 0)
    answers = np.flatnonzero(count.sum(axis=0) > 0)
    nr, nc = len(answers), len(groups)
    if nr < 2 or nc < 2:
        return None
    # each group × level's cell of the table (answer fastest), −1 where either is absent
    row = np.full(sums.levels, -1)
    row[answers] = np.arange(nr)
    col = np.full(sums.groups, -1)
    col[groups] = np.arange(nc)
    cell = np.where((col[:, None] >= 0) & (row[None, :] >= 0), row[None, :] + nr * col[:, None], -1)
    present = cell >= 0
    cell_w = np.zeros(nr * nc)
    cell_w[cell[present]] = sums.w.sum(axis=0)[present]

    def covariance(b: np.ndarray) -> np.ndarray:
        values = np.zeros((sums.groups, sums.levels, b.shape[1]))
        values[present] = b[cell[present]]
        return design.level_covariance(sums, values)

    return _association(design.n, cell_w, nr, nc, covariance)


def _association(
    n: int,
    cell_w: np.ndarray,
    nr: int,
    nc: int,
    covariance: Callable[[np.ndarray], np.ndarray],
) -> Association | None:
    """The Rao–Scott F from the table's weighted cells (answer fastest), given the design
    covariance of values ``b[cell]`` per column (cells × columns): None where a row or
    column of the table has no weight, its system is singular (as R's ``solve()`` says), or
    the design effects are not positive."""
    cells = nr * nc
    total = cell_w.sum()
    if not total > 0:
        return None
    share = cell_w / total
    table = share.reshape(nc, nr).T  # answers × groups, proportions of the domain
    expected = np.outer(table.sum(axis=1), table.sum(axis=0))
    if not np.all(expected > 0):
        return None  # an answer or group whose respondents all weigh 0: no test
    contrasts = _interaction_contrasts(nr, nc)
    inv = np.divide(1.0, share, out=np.zeros(cells), where=share > 0)
    denom = contrasts.T @ (inv[:, None] * contrasts) / n
    # Empty cells may leave too few to span the interaction (each group gave one answer,
    # say): R's solve() stops there ("computationally singular": the reciprocal condition
    # number below machine epsilon), and so no test here, before the design covariance is
    # made. numpy's solve may still return numbers, made of rounding. (An exactly
    # singular matrix has the condition number inf.)
    if not 1.0 / np.linalg.cond(denom, 1) >= np.finfo(float).eps:
        return None
    # Linearised cell proportions (1[cell] − p)/Σw; their covariance is V.
    v = covariance((np.eye(cells) - share[None, :]) / total)
    scaled = inv[:, None] * contrasts
    numer = scaled.T @ v @ scaled
    delta = np.linalg.solve(denom, numer)
    trace = float(np.trace(delta))
    trace_sq = float(np.trace(delta @ delta))
    if not (trace > 0 and trace_sq > 0):
        return None
    pearson = n * float(np.sum((table - expected) ** 2 / expected))
    f = pearson / trace
    ndf = trace * trace / trace_sq
    ddf = ndf * (n - 1)
    return Association(
        f=f, ndf=ndf, ddf=ddf, p=float(special.fdtrc(ndf, ddf, f)), answers=nr, groups=nc
    )


def _present(codes: np.ndarray) -> tuple[np.ndarray, int]:
    """Small non-negative codes renumbered 0..k-1 over the values that occur (in order)."""
    if not len(codes):
        return codes.astype(np.intp), 0
    seen = np.bincount(codes) > 0
    number = np.cumsum(seen) - 1
    return number[codes].astype(np.intp), int(seen.sum())


def _interaction_contrasts(rows: int, cols: int) -> np.ndarray:
    """The interaction columns of the saturated model of a rows × cols table (cells with
    the row index fastest), residualised on the intercept and main effects."""
    r = np.tile(np.arange(rows), cols)
    c = np.repeat(np.arange(cols), rows)
    main = np.column_stack(
        [np.ones(rows * cols)]
        + [(r == i).astype(float) for i in range(1, rows)]
        + [(c == j).astype(float) for j in range(1, cols)]
    )
    inter = np.column_stack(
        [((r == i) & (c == j)).astype(float) for j in range(1, cols) for i in range(1, rows)]
    )
    coef = np.linalg.lstsq(main, inter, rcond=None)[0]
    out: np.ndarray = inter - main @ coef
    return out
