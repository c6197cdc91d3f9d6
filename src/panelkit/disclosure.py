"""Disclosure control: which published numbers are hidden, and why (one rule for every output).

Three rules, used by every command and format:

- **Primary**: a count from 1 to ``min_n`` − 1 (an estimate from fewer than ``min_n``
  respondents) is not published; 0 reveals no one.
- **Secondary**: a group of counts that adds up to a published total must not give
  away a hidden count by difference: while its hidden counts are one alone, or add
  up to 1 to ``min_n`` − 1, the smallest shown count is hidden too (two hidden cells
  of 4 and 6 would otherwise reveal the 10 of them together). Estimate rows: the
  groups of one breakdown add up to the overall row (the respondents without a group
  count as hidden). Margin tables: the cells of one margin add up to the respondents,
  and the rows and columns of a joint margin (``age|sex``) add up to the one-way
  totals, whether or not a separate margin shows them; these are settled together,
  and then no hidden cell may be the one solution of the published numbers (an
  exact check on the linear equations). Codebook: the answers of one question, and
  the empty cells with the "no answer" codes.
- **Contrasts** (a group against the rest of its domain): left out when the group's
  row or the domain's overall row is suppressed, or the rest has 1 to ``min_n`` − 1
  respondents; a shown group and a shown domain reveal nothing more than the rest.
- **Nested domains**: two published domains of the same indicator (same variable
  and "yes") where one holds the other and the two differ by 1 to ``min_n`` − 1
  respondents would reveal that small group by difference; the smaller is hidden
  (as secondary). Nesting is decided on the respondent sets themselves.
- **Extremes**: the smallest and largest answer to a number are single respondents'
  answers; they are named only with ``min_n`` 0 (the codebook, ``schema init``).

``min_n`` 0 turns all of it off. This module imports nothing from panelkit, so
``results`` and every layer may use it.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final, Protocol, TypeVar

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "DEFAULT_MIN_N",
    "Suppression",
    "apply_suppression",
    "contrast_suppression",
    "extremes_shown",
    "hide_margin_cells",
    "margin_reasons",
    "nested_domain_rows",
    "suppressed",
    "suppression_reasons",
]

# A run's min-n unless one is set (--min-n, panelkit.yaml's min_n:).
DEFAULT_MIN_N: Final = 20


class Suppression(StrEnum):
    """Why a number is not published (the JSON's ``suppression``, formats §6)."""

    PRIMARY = "primary"  # from 1 to min_n - 1 respondents
    SECONDARY = "secondary"  # published, it would reveal a hidden number by difference
    EMPTY = "empty"  # nobody (with a weight) in the domain and group: nothing to estimate


class _Row(Protocol):
    """What the estimate rule reads of a row (``results.Estimate``)."""

    @property
    def indicator(self) -> str: ...
    @property
    def series(self) -> Hashable: ...  # which figure of the indicator (an answer, a quantile)
    @property
    def group(self) -> str | None: ...
    @property
    def by(self) -> str | None: ...
    @property
    def n(self) -> int: ...
    @property
    def suppressed(self) -> bool: ...
    @property
    def suppression(self) -> Suppression | None: ...


R = TypeVar("R", bound=_Row)


# --------------------------------------------------------------------------- the rule


@dataclass(frozen=True)
class _Sum:
    """One published relation: the counts at ``parts`` add up to a total.

    The total is the count at ``total``, or (None) a number taken as published (the
    respondents, a one-way total a joint margin implies). ``rest`` respondents are in
    the total but in no part: they are never published, so they count as hidden.
    """

    parts: tuple[int, ...]
    total: int | None = None
    rest: int = 0


def _settle(
    counts: Sequence[int],
    sums: Sequence[_Sum],
    reasons: Sequence[Suppression | None],
    min_n: int,
    *,
    exact: bool = False,
) -> list[Suppression | None]:
    """``reasons`` (None = shown) with secondary cells added until no relation gives a
    hidden count away: the smallest shown part is hidden while a relation's hidden
    parts are one alone or add up to 1 to ``min_n`` − 1 (a hidden total: while all its
    parts are shown). ``exact``: then also until no hidden count is the one solution
    of all the relations together (margins, where rows, columns and margins interlock).
    """
    out = list(reasons)

    def hide_smallest(candidates: Sequence[int]) -> bool:
        shown = [i for i in candidates if out[i] is None]
        if not shown:
            return False
        out[min(shown, key=lambda i: (counts[i], i))] = Suppression.SECONDARY
        return True

    fixed = _determined(sums, range(len(counts))) if exact else set()
    while True:
        changed = False
        for s in sums:
            hidden = [i for i in s.parts if out[i] is not None]
            if s.total is not None and out[s.total] is not None:
                need = not hidden and s.rest == 0  # the total is the sum of the shown parts
            else:
                gone = sum(counts[i] for i in hidden) + s.rest  # the total minus the shown
                alone = len([i for i in hidden if counts[i] > 0]) == 1 and s.rest == 0
                need = 0 < gone < min_n or alone
            changed = (need and hide_smallest(s.parts)) or changed
        if changed:
            continue
        if not exact:
            return out
        hidden_now = [i for i, r in enumerate(out) if r is not None]
        found = sorted(_determined(sums, hidden_now) - fixed)
        if not found:
            return out
        # Widen the hidden set where the found cell is tied in; a cell that is the one
        # solution even with everything hidden (``fixed``) equals a published total.
        i = found[0]
        near = {j for t in sums if i in t.parts or t.total == i for j in t.parts}
        near |= {t.total for t in sums if i in t.parts and t.total is not None}
        if not hide_smallest(sorted(near)) and not hide_smallest(range(len(counts))):
            return out


def _determined(sums: Sequence[_Sum], unknown: Sequence[int]) -> set[int]:
    """The cells of ``unknown`` that the relations fix once every other count is known:
    those with no component in the null space of the relations' matrix."""
    import numpy as np

    column = {c: k for k, c in enumerate(unknown)}
    rows: list[np.ndarray] = []
    extra = sum(1 for s in sums if s.rest)
    width = len(column) + extra
    spare = len(column)
    for s in sums:
        row = np.zeros(width)
        for i in s.parts:
            if i in column:
                row[column[i]] += 1.0
        if s.total is not None and s.total in column:
            row[column[s.total]] -= 1.0
        if s.rest:  # the respondents in no part: one more unknown of this relation
            row[spare] = 1.0
            spare += 1
        if row.any():
            rows.append(row)
    if not column or not rows:
        return set()
    _u, sv, vt = np.linalg.svd(np.array(rows))
    rank = int((sv > 1e-9 * max(1.0, float(sv[0]))).sum())
    null = vt[rank:]
    return {c for c, k in column.items() if not np.any(np.abs(null[:, k]) > 1e-9)}


# --------------------------------------------------------------------------- counts


def extremes_shown(min_n: int) -> bool:
    """Whether a number's smallest and largest answer may be named: they are single
    respondents' answers, so only with suppression off (``min_n`` 0)."""
    return min_n <= 0


def suppression_reasons(counts: Sequence[int], min_n: int) -> list[Suppression | None]:
    """Per count of one group that adds up to a published total: why it is hidden, or None.

    Primary: 1 to min_n − 1 (nobody, 0, reveals no one). Secondary: while the hidden
    counts are one alone or add up to less than min_n, the smallest shown count (a 0
    included), so neither one nor their sum can be worked out by difference. A group of
    one count is that total itself: hiding it would protect nothing.
    """
    if min_n <= 0 or len(counts) < 2:
        return [None] * len(counts)
    reasons: list[Suppression | None] = [
        Suppression.PRIMARY if 0 < c < min_n else None for c in counts
    ]
    return _settle(counts, [_Sum(tuple(range(len(counts))))], reasons, min_n)


def margin_reasons(
    cells: Sequence[tuple[str, int]],
    min_n: int,
    *,
    categories: Sequence[str] | None = None,
) -> tuple[Suppression | None, ...]:
    """Per margin cell ``(margin, n)`` of one weighting result: why its respondent count is
    not published, or None.

    The cells of one margin add up to the respondents. A joint margin ``a|b`` (its
    ``categories`` ``x|y`` are needed) also adds up, row by row and column by column, to
    the one-way totals: a separate margin's cells where one is given (hidden or shown),
    else taken as published (the codebook shows a variable's counts). All of these are
    settled together, and no hidden cell may be the one solution of what is shown.
    """
    if min_n <= 0:
        return (None,) * len(cells)
    members: dict[str, list[int]] = {}
    for i, (margin, _n) in enumerate(cells):
        members.setdefault(margin, []).append(i)
    counts = [n for _m, n in cells]
    # A margin of one cell is the respondents themselves: nothing to hide.
    reasons: list[Suppression | None] = [
        Suppression.PRIMARY if 0 < n < min_n and len(members[m]) > 1 else None for m, n in cells
    ]
    sums = [_Sum(tuple(rows)) for rows in members.values() if len(rows) > 1]
    joint = [m for m in members if "|" in m]
    if joint:
        if categories is None:
            raise ValueError(f"margin_reasons: the joint margin {joint[0]!r} needs its categories")
        sums += _joint_sums([m for m, _n in cells], categories, members)
    return tuple(_settle(counts, sums, reasons, min_n, exact=True))


def _joint_sums(
    margins: Sequence[str], categories: Sequence[str], members: dict[str, list[int]]
) -> list[_Sum]:
    """The rows and columns of each joint margin, each with its one-way total: the cell
    of the margin over the other variables when there is one, else None (published)."""
    keys: dict[int, tuple[tuple[str, str], ...]] = {}
    for i, (margin, category) in enumerate(zip(margins, categories, strict=True)):
        names, labels = margin.split("|"), category.split("|")
        if len(names) == len(labels):  # a label with a "|" of its own: no structure known
            keys[i] = tuple(zip(names, labels, strict=True))
    cell_of: dict[frozenset[tuple[str, str]], int] = {}
    for i, key in keys.items():
        cell_of.setdefault(frozenset(key), i)
    out: list[_Sum] = []
    for margin, rows in members.items():
        width = margin.count("|") + 1
        if width < 2 or any(i not in keys for i in rows):
            continue
        for d in range(width):
            lines: dict[tuple[tuple[str, str], ...], list[int]] = {}
            for i in rows:
                lines.setdefault(keys[i][:d] + keys[i][d + 1 :], []).append(i)
            out += [_Sum(tuple(p), cell_of.get(frozenset(k))) for k, p in lines.items()]
    return out


def hide_margin_cells(cells: list[dict[str, Any]], min_n: int) -> list[dict[str, Any]]:
    """Margin cells as dicts (``margin``, ``category``, ``n``, ``sample_share``, …) with the
    hidden ones' count and sample share set to None and ``suppression`` said; new dicts.

    The sample share is hidden with the count: times the respondents it is the count.
    """
    reasons = margin_reasons(
        [(c["margin"], c["n"]) for c in cells], min_n, categories=[c["category"] for c in cells]
    )
    return [
        dict(c) if r is None else {**c, "n": None, "sample_share": None, "suppression": str(r)}
        for c, r in zip(cells, reasons, strict=True)
    ]


# --------------------------------------------------------------------------- estimate rows


def suppressed(e: R, reason: Suppression) -> R:
    """``e`` without its numbers (formats §6: a suppressed row keeps ``n`` and ``df``)."""
    return replace(  # type: ignore[type-var]
        e,
        n_positive=None,
        deff=None,
        estimate=None,
        se=None,
        ci_low=None,
        ci_high=None,
        suppressed=True,
        suppression=reason,
    )


def apply_suppression(
    estimates: Sequence[R], min_n: int, *, hide: Sequence[int] = ()
) -> tuple[R, ...]:
    """Suppress rows with ``n < min_n`` (primary) and the rows at ``hide`` (secondary, e.g.
    from :func:`nested_domain_rows`), then protect them from recovery by difference.

    The groups of a breakdown add up to the overall row; the overall figure minus the
    shown groups is that of the hidden groups and the respondents without a group. While
    that rests on 1 to ``min_n`` − 1 respondents, or is one hidden group alone, the next
    smallest group is suppressed too (secondary); a suppressed overall row is not the
    sum of its groups either. ``min_n=0``: no suppression.
    """
    out = [
        suppressed(e, Suppression.PRIMARY) if not e.suppressed and e.n < min_n else e
        for e in estimates
    ]
    if min_n <= 0:
        return tuple(out)
    for i in hide:
        if not out[i].suppressed:
            out[i] = suppressed(out[i], Suppression.SECONDARY)
    blocks: dict[tuple[Hashable, str], list[int]] = {}
    overall: dict[Hashable, int] = {}
    for i, e in enumerate(out):
        if e.by is None:
            overall[e.series] = i
        else:
            blocks.setdefault((e.series, e.by), []).append(i)
    sums = [
        _Sum(tuple(rows), top, max(0, out[top].n - sum(out[i].n for i in rows)))
        for (series, _by), rows in blocks.items()
        if (top := overall.get(series)) is not None
    ]
    flags = [Suppression.PRIMARY if e.suppressed else None for e in out]  # hidden or not
    settled = _settle([e.n for e in out], sums, flags, min_n)
    # The rows of one indicator and group (a distribution's answers, a quantile's
    # quantiles) are cells of one table: their counts add up to n, so one hidden
    # answer would be n minus the others. They are hidden together.
    hidden_cells = {
        (e.indicator, e.by, e.group)
        for e, now in zip(out, settled, strict=True)
        if now is not None and e.suppression is not Suppression.EMPTY
    }
    return tuple(
        suppressed(e, Suppression.SECONDARY)
        if not e.suppressed and (now is not None or (e.indicator, e.by, e.group) in hidden_cells)
        else e
        for e, now in zip(out, settled, strict=True)
    )


def nested_domain_rows(
    families: Sequence[Hashable],
    domains: Sequence[np.ndarray],
    splits: Sequence[tuple[np.ndarray, int]],
    min_n: int,
) -> list[tuple[int, int, int]]:
    """The rows to hide so that no two nested domains reveal the few respondents between them.

    ``families[i]`` says which indicators count the same thing (same variable, same
    "yes"); a frozenset is the several families indicator i belongs to (a distribution's
    answers add up to every share of its variable); ``domains[i]`` is indicator i's respondents (in the domain and answered) as a
    boolean mask; ``splits`` are the breakdowns as (each respondent's group, −1 = none;
    number of groups), the overall one included. For each pair of one family where one
    domain holds the other (a boolean matrix product: |A ∩ B| = |A|) and, in some group,
    the larger has 1 to ``min_n`` − 1 respondents more, the smaller's row of that group
    is returned as (indicator, split, group). Equal domains publish the same figure twice
    and reveal nothing.
    """
    import numpy as np

    if min_n <= 0:
        return []
    out: list[tuple[int, int, int]] = []
    members: dict[Hashable, list[int]] = {}
    for i, key in enumerate(families):
        for one in key if isinstance(key, frozenset) else (key,):
            members.setdefault(one, []).append(i)
    for ids in members.values():
        if len(ids) < 2:
            continue
        m = np.stack([domains[i] for i in ids]).astype(np.float64)
        inter = m @ m.T  # exact: counts are far below 2**53
        size = np.diag(inter)
        small, large = np.nonzero((inter == size[:, None]) & (size[:, None] < size[None, :]))
        for a, b in zip(small.tolist(), large.tolist(), strict=True):
            between = domains[ids[b]] & ~domains[ids[a]]
            for s, (codes, groups) in enumerate(splits):
                g = codes[between]
                diff = np.bincount(g[g >= 0], minlength=groups)
                out.extend((ids[a], s, int(j)) for j in np.flatnonzero((diff > 0) & (diff < min_n)))
    return sorted(set(out))


def contrast_suppression(
    group: Suppression | None, domain: Suppression | None, n_group: int, n_rest: int, min_n: int
) -> Suppression | None:
    """Why the contrast of a group against the rest of its domain is not published.

    ``group``/``domain``: the suppression of the group's row and of the domain's overall
    row (None: shown). EMPTY when the group or the rest has no respondent; PRIMARY when
    the rest has 1 to ``min_n`` − 1; else the group's or the domain's own reason.
    """
    if n_group <= 0 or n_rest <= 0 or group is Suppression.EMPTY:
        return Suppression.EMPTY
    if n_rest < min_n:
        return Suppression.PRIMARY
    return group or domain
