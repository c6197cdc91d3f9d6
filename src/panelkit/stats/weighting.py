"""Raking (iterative proportional fitting) to population margins (formats §3, §7).

Every respondent starts with weight 1. Each margin in turn scales the weights
of each of its cells so that the cell's weighted total equals its target; a
joint margin (``age_group|sex``) does this on the cross, which is
post-stratification. Sweeps repeat until every margin matches its targets to
``tolerance`` relative, or fail loudly.

Respondents who fall in the same cell of every margin keep equal weights
throughout, so the sweeps run on those distinct cell patterns (usually a few
hundred, whatever the sample size) with their respondent counts; the result is
the same as raking respondent by respondent, and a million rows rake in a
fraction of a second.

Count targets are scaled to the first margin's total (the loader has checked
that all totals agree within 0.5%), so every margin can be met exactly.

With a cap, the weights are bounded raking weights: of all weights that meet
the margins and stay at or below ``U = cap`` times the mean weight, the ones
closest to the equal starting weights (equivalently, to the uncapped raked
weights) in the raking (Kullback-Leibler) distance. They have the form
``min(U, raking-form weight)``. Starting from the uncapped solution, each
margin step solves exactly for the cell factor that meets the target given the
weights held at the cap; that is block-coordinate descent on a convex dual, so
it converges whenever cap and margins can both hold. R's ``calibrate(...,
calfun="raking", bounds=c(0, cap))`` (starting weights = the mean weight)
gives the same weights when its Newton iteration converges.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from panelkit.errors import SettingsError, WeightingError
from panelkit.input.margins import Margin, Margins
from panelkit.results import MarginCheck, WeightingResult

# How many lines, cells or categories a message lists before "…".
_MAX_LISTED = 5
_PREFIX = "cannot weight: "


@dataclass(frozen=True, eq=False)
class _Plan:
    """One margin, coded: each respondent's cell, and the targets raking aims at."""

    margin: Margin
    cell: np.ndarray  # per respondent: index into margin.cells
    counts: np.ndarray  # respondents per cell
    aim: np.ndarray  # targets rescaled to the common total


def rake(
    frame: pd.DataFrame,
    margins: Margins,
    *,
    cap: float | None = None,
    tolerance: float = 1e-10,
    max_iterations: int = 1000,
    lines: np.ndarray | None = None,
) -> WeightingResult:
    """Rake equal starting weights to ``margins``; one weight per row of ``frame``.

    Count targets make the weights sum to the (first margin's) population
    total; share targets make them sum to the number of respondents. ``cap``
    bounds every weight to ``cap`` times the mean weight (SettingsError unless
    above 1). ``lines`` (one per row) lets messages cite the lines of the
    export. ``iterations`` counts every sweep over the margins, including the
    ``trim_rounds`` sweeps under the cap. Raises WeightingError when the data
    and margins do not allow weights (naming the cells and what to do); never
    returns unconverged weights.
    """
    _check_options(cap, tolerance, max_iterations)
    n = len(frame)
    if n == 0:
        raise WeightingError(f"{_PREFIX}there are no respondents to weight")
    if not margins.margins:
        raise WeightingError(f"{_PREFIX}{margins.source} has no margins")
    if lines is not None and len(lines) != n:
        raise ValueError(f"lines has {len(lines)} entries for {n} rows")

    codes = _code_variables(frame, margins, lines)
    total = float(n) if margins.shares else margins.margins[0].total
    plans = [_plan(m, codes, total) for m in margins.margins]
    for plan in plans:
        _check_cells(plan)

    # Distinct cell patterns across all margins, and each respondent's pattern.
    pattern, members = _patterns([p.cell for p in plans])
    counts = np.bincount(members, minlength=len(pattern[0])).astype(np.float64)

    v = np.ones(len(counts))
    iterations, gap, worst = _ipf(v, counts, pattern, plans, tolerance, max_iterations, None)
    if gap > tolerance:
        raise WeightingError(
            f"{_PREFIX}raking did not converge in {max_iterations} iterations "
            f"({_describe_miss(plans, gap, worst)}); the margins contradict each other or a "
            "cell of their cross is nearly empty: check that joint and single margins agree, "
            "collapse sparse categories, or drop a margin"
        )

    trim_rounds = 0
    if cap is not None:
        bound = cap * total / n
        if float(v.max()) > bound:
            _check_cap_feasible(plans, cap, total, n)
            trim_rounds, gap, worst = _ipf(
                v, counts, pattern, plans, tolerance, max_iterations, bound
            )
            if gap > tolerance:
                raise WeightingError(
                    f"{_PREFIX}the margins and the cap {cap:g} cannot both hold "
                    f"(after {max_iterations} iterations with the cap, "
                    f"{_describe_miss(plans, gap, worst)}); use a larger cap, or no cap"
                )
            iterations += trim_rounds
            np.minimum(v, bound, out=v)

    weights = v[members]
    return _result(weights, plans, iterations, cap, trim_rounds)


# --------------------------------------------------------------------------- checks


def _check_options(cap: float | None, tolerance: float, max_iterations: int) -> None:
    if cap is not None and not (cap > 1 and math.isfinite(cap)):
        raise SettingsError(
            f"the weight cap must be a number above 1 (weights are capped at cap × the mean "
            f"weight), got {cap:g}"
        )
    if not tolerance > 0:
        raise ValueError(f"tolerance must be positive, got {tolerance}")
    if max_iterations < 1:
        raise ValueError(f"max_iterations must be at least 1, got {max_iterations}")


def _code_variables(
    frame: pd.DataFrame, margins: Margins, lines: np.ndarray | None
) -> dict[str, tuple[np.ndarray, list[str]]]:
    """Per weighting variable: each respondent's category code, and the category labels.

    Refuses respondents without an answer to a weighting variable.
    """
    codes: dict[str, tuple[np.ndarray, list[str]]] = {}
    by = "the margins file" if margins.path is None else margins.path.name
    unanswered: list[str] = []
    for name in margins.variables:
        if name not in frame.columns:
            raise WeightingError(
                f"{_PREFIX}the data has no variable {name}, which {by} weights by; "
                "check that the margins belong to this schema"
            )
        column = frame[name]
        cat = column.array if isinstance(column.dtype, pd.CategoricalDtype) else None
        if not isinstance(cat, pd.Categorical):
            cat = pd.Categorical(column)
        code = np.asarray(cat.codes, dtype=np.intp)
        codes[name] = (code, [str(c) for c in cat.categories])
        missing = np.flatnonzero(code < 0)
        if len(missing):
            unanswered.append(
                f"{_respondents(len(missing))} no answer to {name}{_cite(missing, lines)}"
            )
    if unanswered:
        raise WeightingError(
            f"{_PREFIX}{'; '.join(unanswered)}; every respondent needs an answer to each "
            "weighting variable: leave those respondents out, or drop the margin"
        )
    return codes


def _plan(margin: Margin, codes: dict[str, tuple[np.ndarray, list[str]]], total: float) -> _Plan:
    """Code each respondent's cell of ``margin``; refuse categories without a target."""
    sizes = [len(codes[v][1]) for v in margin.variables]
    # Mixed-radix code of the respondent's categories on the cross of the variables.
    combined = np.zeros(len(codes[margin.variables[0]][0]), dtype=np.intp)
    for v, size in zip(margin.variables, sizes, strict=True):
        combined = combined * size + codes[v][0]
    lookup = np.full(math.prod(sizes), -1, dtype=np.intp)
    positions = [{label: i for i, label in enumerate(codes[v][1])} for v in margin.variables]
    for j, cell in enumerate(margin.cells):
        where = [pos.get(label) for pos, label in zip(positions, cell, strict=True)]
        if all(w is not None for w in where):
            flat = 0
            for w, size in zip(where, sizes, strict=True):
                flat = flat * size + int(w)  # type: ignore[arg-type]
            lookup[flat] = j
    cell_of = lookup[combined]

    untargeted = cell_of < 0
    if untargeted.any():
        flat_codes, counts = np.unique(combined[untargeted], return_counts=True)
        listed = []
        for flat, count in zip(flat_codes.tolist(), counts.tolist(), strict=True):
            labels = []
            for v, size in zip(reversed(margin.variables), reversed(sizes), strict=True):
                flat, k = divmod(flat, size)
                labels.append(codes[v][1][k])
            listed.append(f'"{"|".join(reversed(labels))}" ({_respondents(count, verb=False)})')
        raise WeightingError(
            f"{_PREFIX}margin {margin.name} has no target for {_listing(listed)}; add targets "
            "for them, or collapse them into categories that have targets"
        )

    targets = np.asarray(margin.targets, dtype=np.float64)
    return _Plan(
        margin=margin,
        cell=cell_of,
        counts=np.bincount(cell_of, minlength=len(targets)),
        aim=targets * (total / margin.total),
    )


def _check_cells(plan: _Plan) -> None:
    """A target needs respondents, and respondents need a target above 0."""
    m = plan.margin
    targets = np.asarray(m.targets)
    empty = np.flatnonzero((plan.counts == 0) & (targets > 0))
    if len(empty):
        cells = [f'"{m.cell_name(int(j))}" (target {m.targets[j]:g})' for j in empty]
        has = (
            "cell " + _listing(cells) + " has"
            if len(empty) == 1
            else "cells " + _listing(cells) + " have"
        )
        raise WeightingError(
            f"{_PREFIX}margin {m.name}: {has} no respondents; collapse "
            "categories or drop the margin"
        )
    zero = np.flatnonzero((plan.counts > 0) & (targets == 0))
    if len(zero):
        cells = [
            f'"{m.cell_name(j)}" ({_respondents(int(plan.counts[j]), verb=False)})'
            for j in zero.tolist()
        ]
        has = (
            "cell " + _listing(cells) + " has"
            if len(zero) == 1
            else "cells " + _listing(cells) + " have"
        )
        raise WeightingError(
            f"{_PREFIX}margin {m.name}: {has} "
            "target 0, which would give those respondents weight 0; give the cell its population "
            "count, collapse it into another category, or leave those respondents out"
        )


def _check_cap_feasible(plans: Sequence[_Plan], cap: float, total: float, n: int) -> None:
    """A cell whose target needs an average weight above the cap can never be met."""
    mean = total / n
    for plan in plans:
        with np.errstate(divide="ignore", invalid="ignore"):
            need = np.where(plan.counts > 0, plan.aim / plan.counts, 0.0) / mean
        j = int(np.argmax(need))
        if need[j] > cap * (1 + 1e-12):
            m = plan.margin
            raise WeightingError(
                f"{_PREFIX}with the cap {cap:g} margin {m.name} cannot be met: its cell "
                f'"{m.cell_name(j)}" needs an average weight of {need[j]:.3g} × the mean weight '
                f"({_respondents(int(plan.counts[j]), verb=False)} for a target of "
                f"{m.targets[j]:g}); use a cap of at least {_round_up(need[j]):g}, or "
                "collapse categories"
            )


# --------------------------------------------------------------------------- fitting


def _patterns(cells: Sequence[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray]:
    """The distinct combinations of margin cells, and each respondent's combination.

    Returns per margin the cell of each pattern, and per respondent its pattern.
    """
    sizes = [int(c.max()) + 1 for c in cells]
    n = len(cells[0])
    if math.prod(sizes) <= max(4 * n, 1 << 20):
        # Small cross: a direct table, linear in n.
        flat = np.zeros(n, dtype=np.intp)
        for c, size in zip(cells, sizes, strict=True):
            flat = flat * size + c
        present = np.bincount(flat, minlength=math.prod(sizes)) > 0
        codes = np.flatnonzero(present)
        index = np.cumsum(present) - 1
        members = index[flat]
        pattern = []
        for size in reversed(sizes):
            codes, k = np.divmod(codes, size)
            pattern.append(k)
        pattern.reverse()
        return pattern, members
    unique, members = np.unique(np.stack(cells, axis=1), axis=0, return_inverse=True)
    return [unique[:, i] for i in range(unique.shape[1])], members.ravel()


def _ipf(
    v: np.ndarray,
    counts: np.ndarray,
    pattern: Sequence[np.ndarray],
    plans: Sequence[_Plan],
    tolerance: float,
    max_iterations: int,
    bound: float | None,
) -> tuple[int, float, tuple[int, int]]:
    """Sweep the margins over ``v`` (one weight per pattern, updated in place).

    With ``bound``, the weights are ``min(bound, v)`` and each step meets its
    targets given the capped weights. Returns the sweeps done, the largest
    relative miss of any cell after the last sweep, and where it was
    (margin, cell).
    """
    gap, worst = math.inf, (0, 0)
    # Margins that cannot hold drive some weights towards 0 or infinity; that
    # ends as non-convergence, reported by the caller, not as a numpy warning.
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        for sweep in range(1, max_iterations + 1):
            for cell, plan in zip(pattern, plans, strict=True):
                if bound is None:
                    got = np.bincount(cell, weights=counts * v, minlength=len(plan.aim))
                    factor = np.divide(plan.aim, got, out=np.ones_like(got), where=got > 0)
                else:
                    factor = _capped_factors(v, counts, cell, plan.aim, bound)
                v *= factor[cell]
            w = v if bound is None else np.minimum(v, bound)
            gap, worst = _miss(w, counts, pattern, plans)
            if gap <= tolerance:
                return sweep, gap, worst
            if not np.isfinite(v).all():
                break
    return max_iterations, gap, worst


def _capped_factors(
    v: np.ndarray, counts: np.ndarray, cell: np.ndarray, aim: np.ndarray, bound: float
) -> np.ndarray:
    """Per cell, the factor f with sum(counts * min(bound, f * v)) == aim.

    That sum is concave, piecewise linear and increasing in f. Starting below
    the root (the uncapped factor), each Newton step on the current linear
    piece stays below it and adds weights to the capped set, so a few passes
    find the exact root.
    """
    k = len(aim)
    mass = counts * v
    whole = np.bincount(cell, weights=mass, minlength=k)
    factor = np.divide(aim, whole, out=np.ones(k), where=whole > 0)
    held = np.zeros(len(v), dtype=bool)
    for _ in range(len(v) + 1):
        now = v * factor[cell] >= bound
        if np.array_equal(now, held):
            break
        held = now
        at_cap = np.bincount(cell, weights=counts * held, minlength=k) * bound
        free = np.bincount(cell, weights=np.where(held, 0.0, mass), minlength=k)
        factor = np.divide(aim - at_cap, free, out=factor, where=free > 0)
    return factor


def _miss(
    w: np.ndarray, counts: np.ndarray, pattern: Sequence[np.ndarray], plans: Sequence[_Plan]
) -> tuple[float, tuple[int, int]]:
    """The largest relative miss of any cell with a target above 0, and where."""
    gap, worst = -1.0, (0, 0)
    for i, (cell, plan) in enumerate(zip(pattern, plans, strict=True)):
        got = np.bincount(cell, weights=counts * w, minlength=len(plan.aim))
        rel = np.where(plan.aim > 0, np.abs(got - plan.aim) / plan.aim, 0.0)
        rel = np.nan_to_num(rel, nan=math.inf)  # weights gone non-finite: never converged
        j = int(np.argmax(rel))
        if rel[j] > gap:
            gap, worst = float(rel[j]), (i, j)
    return gap, worst


# --------------------------------------------------------------------------- result


def _result(
    weights: np.ndarray,
    plans: Sequence[_Plan],
    iterations: int,
    cap: float | None,
    trim_rounds: int,
) -> WeightingResult:
    n = len(weights)
    wsum = float(weights.sum())
    sq = float(np.dot(weights, weights))
    checks = []
    for plan in plans:
        m = plan.margin
        got = np.bincount(plan.cell, weights=weights, minlength=len(m.cells))
        for j in range(len(m.cells)):
            checks.append(
                MarginCheck(
                    margin=m.name,
                    category=m.cell_name(j),
                    n=int(plan.counts[j]),
                    sample_share=float(plan.counts[j]) / n,
                    target_share=m.targets[j] / m.total,
                    weighted_share=float(got[j]) / wsum,
                    target=m.targets[j],
                )
            )
    return WeightingResult(
        weights=weights,
        method="raking",
        converged=True,
        iterations=iterations,
        deff_kish=n * sq / wsum**2,
        n_effective=wsum**2 / sq,
        weight_min=float(weights.min()),
        weight_max=float(weights.max()),
        weight_sum=wsum,
        margins=tuple(checks),
        calibration=tuple(p.cell for p in plans),
        cap=cap,
        trim_rounds=trim_rounds,
    )


# --------------------------------------------------------------------------- wording


def _respondents(count: int, verb: bool = True) -> str:
    if not verb:
        return f"{count} respondent" + ("" if count == 1 else "s")
    return "1 respondent has" if count == 1 else f"{count} respondents have"


def _cite(rows: np.ndarray, lines: np.ndarray | None) -> str:
    if lines is None:
        return ""
    shown = [str(int(x)) for x in np.asarray(lines)[rows[:_MAX_LISTED]]]
    more = ", …" if len(rows) > _MAX_LISTED else ""
    word = "line" if len(rows) == 1 else "lines"
    return f" ({word} {', '.join(shown)}{more})"


def _round_up(value: float) -> float:
    """Up to two decimals, so that a suggested cap is never below what is needed."""
    return math.ceil(value * 100 - 1e-9) / 100


def _listing(items: list[str]) -> str:
    shown = items[:_MAX_LISTED]
    more = f" and {len(items) - _MAX_LISTED} more" if len(items) > _MAX_LISTED else ""
    if len(shown) == 1:
        return shown[0] + more
    if more:
        return ", ".join(shown) + more
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def _describe_miss(plans: Sequence[_Plan], gap: float, worst: tuple[int, int]) -> str:
    m = plans[worst[0]].margin
    if not math.isfinite(gap):
        return f'weights in cell "{m.cell_name(worst[1])}" of margin {m.name} grew without bound'
    return f'margin {m.name} still misses cell "{m.cell_name(worst[1])}" by {100 * gap:.2g}%'
