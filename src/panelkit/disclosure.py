"""Disclosure control: which published numbers are hidden, and why (one rule for every output).

Three rules, used by every command and format:

- **Primary**: a count from 1 to ``min_n`` − 1 (an estimate from fewer than ``min_n``
  respondents) is not published; 0 reveals no one.
- **Secondary**: when exactly one count of a group that adds up to a published total
  is hidden, the smallest shown one is hidden too, so the hidden one cannot be
  worked out as the total minus its siblings. Estimate rows: the groups of one
  breakdown add up to the overall row. Margin tables: the cells of one margin add
  up to the respondents. Codebook: the answers of one question, and the empty cells
  with the "no answer" codes.
- **Nested domains**: two published domains of the same indicator (same variable
  and "yes") where one holds the other and the two differ by 1 to ``min_n`` − 1
  respondents would reveal that small group by difference; the smaller is hidden
  (as secondary). Nesting is decided on the respondent sets themselves.

``min_n`` 0 turns all of it off. This module imports nothing from panelkit, so
``results`` and every layer may use it.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "Suppression",
    "apply_suppression",
    "hide_margin_cells",
    "margin_reasons",
    "nested_domain_rows",
    "suppressed",
    "suppression_reasons",
]


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
    def by(self) -> str | None: ...
    @property
    def n(self) -> int: ...
    @property
    def suppressed(self) -> bool: ...


R = TypeVar("R", bound=_Row)


# --------------------------------------------------------------------------- counts


def suppression_reasons(counts: Sequence[int], min_n: int) -> list[Suppression | None]:
    """Per count of one group that adds up to a published total: why it is hidden, or None.

    Primary: 1 to min_n − 1 (nobody, 0, reveals no one). Secondary: when exactly one is
    hidden, the smallest shown count (a 0 included), so it cannot be worked out by difference.
    A group of one count is that total itself: hiding it would protect nothing.
    """
    if min_n <= 0 or len(counts) < 2:
        return [None] * len(counts)
    reasons: list[Suppression | None] = [
        Suppression.PRIMARY if 0 < c < min_n else None for c in counts
    ]
    hidden = [i for i, r in enumerate(reasons) if r is not None]
    shown = [i for i, r in enumerate(reasons) if r is None]
    if len(hidden) == 1 and shown:
        reasons[min(shown, key=lambda i: (counts[i], i))] = Suppression.SECONDARY
    return reasons


def margin_reasons(cells: Sequence[tuple[str, int]], min_n: int) -> tuple[Suppression | None, ...]:
    """Per margin cell ``(margin, n)``: why its respondent count is not published, or None.

    The cells of one margin add up to the respondents, so each margin is one group of
    :func:`suppression_reasons`.
    """
    groups: dict[str, list[int]] = {}
    for i, (margin, _n) in enumerate(cells):
        groups.setdefault(margin, []).append(i)
    out: list[Suppression | None] = [None] * len(cells)
    for rows in groups.values():
        reasons = suppression_reasons([cells[i][1] for i in rows], min_n)
        for i, reason in zip(rows, reasons, strict=True):
            out[i] = reason
    return tuple(out)


def hide_margin_cells(cells: list[dict[str, Any]], min_n: int) -> list[dict[str, Any]]:
    """Margin cells as dicts (``margin``, ``n``, ``sample_share``, …) with the hidden ones'
    count and sample share set to None and ``suppression`` said; new dicts.

    The sample share is hidden with the count: times the respondents it is the count.
    """
    reasons = margin_reasons([(c["margin"], c["n"]) for c in cells], min_n)
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

    When exactly one group of a breakdown is suppressed while the overall row is
    published, the group could be worked out from the overall figure and its siblings,
    so the next smallest group is suppressed too (secondary). ``min_n=0``: no suppression.
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
    blocks: dict[tuple[str, str], list[int]] = {}
    overall: dict[str, R] = {}
    for i, e in enumerate(out):
        if e.by is None:
            overall[e.indicator] = e
        else:
            blocks.setdefault((e.indicator, e.by), []).append(i)
    for (indicator, _by), rows in blocks.items():
        top = overall.get(indicator)
        if top is None or top.suppressed:
            continue
        hidden = [i for i in rows if out[i].suppressed and out[i].n > 0]
        shown = [i for i in rows if not out[i].suppressed]
        if len(hidden) == 1 and shown:
            smallest = min(shown, key=lambda i: (out[i].n, i))
            out[smallest] = suppressed(out[smallest], Suppression.SECONDARY)
    return tuple(out)


def nested_domain_rows(
    families: Sequence[Hashable],
    domains: Sequence[np.ndarray],
    splits: Sequence[tuple[np.ndarray, int]],
    min_n: int,
) -> list[tuple[int, int, int]]:
    """The rows to hide so that no two nested domains reveal the few respondents between them.

    ``families[i]`` says which indicators count the same thing (same variable, same
    "yes"); ``domains[i]`` is indicator i's respondents (in the domain and answered) as a
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
        members.setdefault(key, []).append(i)
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
