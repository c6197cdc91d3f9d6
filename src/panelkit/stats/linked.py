"""Change between two linked waves of one panel (formats §9).

When the same panel members answer both waves, the change ``estimate (this wave) −
estimate (previous)`` is measured partly on the same people, whose answers
correlate; its variance must use that. It is R's stacked design: both waves' rows
in one design clustered on the panel member (``svydesign(ids = ~member)``), every
margin crossed with the wave (so each wave is raked to its own margins), and the
wave coefficient of ``svyglm(y ~ wave)`` on the domain.

That coefficient's linearised value of a row of wave t is the wave's own
linearised value of its estimate (``+`` this wave, ``−`` the previous one), and the
raking centring never mixes waves (its cells are crossed with the wave), so each
wave's calibrated scores come from its own design (:meth:`SurveyDesign.scores`).
They are summed per member, and with M the distinct members of both waves::

    diff_se² = M/(M−1) · Σ_i (u_i − ū)²,   u_i = Σ z_i (this wave) − Σ z_i (previous)

A member who answered one wave only (a new recruit, a leaver) is a cluster of one
row; with no member in common this is the independent variance up to the factors
n/(n−1). Which members are linked is never part of a result: only how many.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import special

from panelkit.errors import DataError, SettingsError
from panelkit.input.indicators import Indicator
from panelkit.results import EstimateKind
from panelkit.stats.comparison import Adjust, adjust_p
from panelkit.stats.contrasts import group_contrasts
from panelkit.stats.design import Breakdown, Domain, Influence, SurveyDesign
from panelkit.stats.estimation import RATIOS, Linearised, answers, estimate_indicators

# A variance below this fraction of the uncentred sum of squares is rounding noise
# (as in stats/design.py).
_NOISE = 1e-12
_DIGITS = re.compile(r"[0-9]+")

Key = tuple[str, str | None, str | None]  # (indicator, by, group), as an Estimate row


@dataclass(frozen=True, eq=False)
class Members:
    """Each wave's respondents as panel members ``0..count-1`` (same number: same person).

    ``current``/``previous``: the member of each row of that wave's design;
    ``linked``: how many members answered both waves.
    """

    current: np.ndarray
    previous: np.ndarray
    count: int
    linked: int

    def sums(self, which: np.ndarray, values: np.ndarray) -> np.ndarray:
        """A wave's row values (rows × columns) summed per member (members × columns);
        ``which``: the member of each row."""
        out = np.zeros((self.count, values.shape[1]))
        for j in range(values.shape[1]):  # a pass over the rows per column (group)
            out[:, j] = np.bincount(which, weights=values[:, j], minlength=self.count)
        return out


def member_ids(design: SurveyDesign, id_name: str | None, wave: str) -> pd.Series:
    """The panel-member ids of a design's rows (its schema's ``id:``), as text."""
    if id_name is None:
        raise SettingsError(
            f"{wave}: linked waves need the panel-member id; add id: VARIABLE (a variable of "
            "type: id) to its schema, or remove linked: true from previous: in panelkit.yaml"
        )
    return design.column(id_name, "id").astype(object)


def match_members(
    current: pd.Series, previous: pd.Series, *, current_name: str, previous_name: str
) -> Members:
    """Number the members of both waves; the same id in both waves is the same member.

    Ids are matched as the text the exports hold. ``*_name`` name the waves' files in
    the error when one wave's ids are whole numbers and the other's are not (then no id
    could be matched as intended: a leading zero lost in a spreadsheet, another id).
    """
    kinds = [_id_kind(current), _id_kind(previous)]
    if kinds[0] != kinds[1]:
        raise DataError(
            f"linked waves: the panel-member ids are {kinds[0]} in {current_name} but "
            f"{kinds[1]} in {previous_name}; both waves need the same id (check that both "
            "schemas' id: name the panel-member number, or remove linked: true)"
        )
    ids = pd.concat([current, previous], ignore_index=True).to_numpy(dtype=object)
    codes, uniques = pd.factorize(ids)
    n_current = len(current)
    cur, prev = codes[:n_current], codes[n_current:]
    count = len(uniques)
    seen = np.zeros(count, dtype=np.int8)
    seen[cur] += 1
    seen[prev] += 1
    return Members(
        current=cur.astype(np.intp),
        previous=prev.astype(np.intp),
        count=count,
        linked=int((seen == 2).sum()),
    )


def _id_kind(ids: pd.Series) -> str:
    text = ids.dropna().astype(str)
    return "whole numbers" if bool(text.str.fullmatch(_DIGITS).all()) else "text"


def linked_variance(
    current: SurveyDesign,
    cur: Influence,
    previous: SurveyDesign,
    prev: Influence,
    members: Members,
) -> np.ndarray:
    """Variance of (total of ``cur``) − (total of ``prev``), group by group, from both
    waves' calibrated scores summed per member (module docstring). The groups of
    ``prev`` must be those of ``cur``, in the same order."""
    m = members.count
    if m < 2:
        return np.zeros(cur.groups)
    z_cur = current.scores(cur.domain, _by_group(cur))
    z_prev = previous.scores(prev.domain, _by_group(prev))
    u = members.sums(members.current, z_cur) - members.sums(members.previous, z_prev)
    u -= u.mean(axis=0)
    var = m / (m - 1) * (u * u).sum(axis=0)
    fixed = m / (m - 1) * (_uncentred(cur) + _uncentred(prev))
    return np.where(var > _NOISE * fixed, var, 0.0)


def _by_group(influence: Influence) -> np.ndarray:
    """The influence values as a matrix: one row per value, one column per group."""
    out = np.zeros((len(influence.values), influence.groups))
    out[np.arange(len(influence.values)), influence.group] = influence.values
    return out


def _uncentred(influence: Influence) -> np.ndarray:
    z = influence.domain.weights * influence.values
    return np.bincount(influence.group, weights=z * z, minlength=influence.groups)


# --------------------------------------------------------------------------- indicators


# The kinds whose change §9 measures: a domain ratio each (0/1 answers, or numbers).
KINDS = tuple(RATIOS)


def linearise(design: SurveyDesign, indicator: Indicator, breakdown: Breakdown) -> Linearised:
    """A share's or a mean's estimator on a design, per group of ``breakdown``."""
    domain, values = _domain(design, indicator)
    return RATIOS[indicator.kind](domain, values, breakdown)


def _domain(design: SurveyDesign, indicator: Indicator) -> tuple[Domain, np.ndarray]:
    """The indicator's domain and what its ratio averages: "yes" (a share), the number."""
    if indicator.kind not in KINDS:
        raise ValueError(f"indicator {indicator.id}: a {indicator.kind} has no linked change")
    return answers(design, indicator)


def linked_ses(
    current: SurveyDesign,
    previous: SurveyDesign,
    indicators: Sequence[tuple[Indicator, Indicator]],
    members: Members,
    *,
    by: Sequence[str] = (),
) -> dict[Key, float]:
    """The linked SE of the change of every share and mean indicator (this wave's and the
    previous wave's definition, of one kind), overall and per group of each ``by`` variable present in both
    waves (groups matched by label, each wave's own group value); rows without an
    estimate in either wave are left out."""
    out: dict[Key, float] = {}
    pairs = [(current.overall(), previous.overall())]
    pairs += [(current.breakdown(name), previous.breakdown(name)) for name in by]
    for ind_cur, ind_prev in indicators:
        if ind_cur.kind not in KINDS or ind_prev.kind is not ind_cur.kind:
            continue
        dom_cur, y_cur = _domain(current, ind_cur)
        dom_prev, y_prev = _domain(previous, ind_prev)
        for b_cur, b_prev in pairs:
            b_prev = _relabel(b_prev, b_cur.labels)
            lin_cur = RATIOS[ind_cur.kind](dom_cur, y_cur, b_cur)
            lin_prev = RATIOS[ind_prev.kind](dom_prev, y_prev, b_prev)
            var = linked_variance(current, lin_cur.influence, previous, lin_prev.influence, members)
            both = ~np.isnan(lin_cur.estimate) & ~np.isnan(lin_prev.estimate)
            for j in np.flatnonzero(both):
                out[(ind_cur.id, b_cur.by, b_cur.labels[j])] = float(np.sqrt(var[j]))
    return out


def _relabel(breakdown: Breakdown, labels: Sequence[str | None]) -> Breakdown:
    """The previous wave's breakdown in the current wave's groups (matched by label; a
    group the current wave does not have: no group)."""
    if tuple(breakdown.labels) == tuple(labels):
        return breakdown
    where = {label: i for i, label in enumerate(labels)}
    mapping = np.array([where.get(label, -1) for label in breakdown.labels] + [-1], dtype=np.intp)
    return Breakdown(breakdown.by, mapping[breakdown.codes], tuple(labels))


def linked_notes(members: Members, *, previous_rows: int, current_rows: int) -> tuple[str, ...]:
    """The run's note on the linked members (a count, never who)."""
    return (
        f"linked members: {members.linked} ({previous_rows} previous, "
        f"{current_rows} current respondents)",
    )


# --------------------------------------------------------------------------- attrition


@dataclass(frozen=True)
class AttritionRow:
    """The previous wave's members who answered again (``stayed``) beside those who did
    not (``left``) on one indicator or one category of a weighting variable, weighted
    with the previous wave's weights. ``difference`` = stayed − left, tested as a
    contrast of two groups of one design (formats §8.5); a suppressed row (either group
    too small, or revealing one by difference) has null numbers. ``stayed``/``left``
    are weighted shares, or weighted means for a mean indicator (``kind``)."""

    item: str  # the indicator id, or the weighting variable
    category: str | None  # the weighting variable's category; None for an indicator
    n_stayed: int
    n_left: int
    stayed: float | None
    left: float | None
    difference: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    p_adjusted: float | None
    suppressed: bool
    kind: EstimateKind = EstimateKind.SHARE  # a mean indicator's rows are weighted means

    def to_dict(self) -> dict[str, object]:
        return {
            "item": self.item,
            "category": self.category,
            "n_stayed": self.n_stayed,
            "n_left": self.n_left,
            "stayed": self.stayed,
            "left": self.left,
            "difference": self.difference,
            "se": self.se,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "p_value": self.p_value,
            "p_adjusted": self.p_adjusted,
            "suppressed": self.suppressed,
        }


_STAYED = "\x00stayed"  # the breakdown column added to a copy of the frame (no clash)


def attrition(
    previous: SurveyDesign,
    members: Members,
    indicators: Sequence[Indicator],
    variables: Sequence[str],
    *,
    min_n: int = 20,
    adjust: Adjust = Adjust.HOLM,
    level: float = 0.95,
) -> tuple[AttritionRow, ...]:
    """Who answered again against who left, on ``variables`` (each category a share)
    and every share and mean indicator of the previous wave (a mean: both groups' weighted
    means). The rows of both groups and of the whole
    wave go through the disclosure rules (primary, secondary, nested domains) as any
    estimate row, so a hidden group cannot be had from the other and the wave's
    published figure; p-values are adjusted (``adjust``) across the rows of this table."""
    again = np.zeros(members.count, dtype=bool)
    again[members.current] = True
    column = pd.Categorical(
        np.where(again[members.previous], "stayed", "left"), categories=["stayed", "left"]
    )
    design = SurveyDesign(
        previous.frame.assign(**{_STAYED: column}), previous.weights, previous.calibration
    )
    items: list[tuple[Indicator, str, str | None]] = [
        (Indicator(id=f"{name}={label}", variable=name, positive=(label,)), name, label)
        for name in variables
        for label in design.breakdown(name).labels
        if label is not None
    ]
    items += [(ind, ind.id, None) for ind in indicators if ind.kind in KINDS]
    rows = estimate_indicators(
        design, [i for i, _, _ in items], by=[_STAYED], min_n=min_n, level=level
    )
    shown = {(e.indicator, e.group): e for e in rows}
    groups = design.breakdown(_STAYED)
    z = float(special.ndtri(0.5 + level / 2.0))
    out: list[AttritionRow] = []
    for ind, item, category in items:
        s, left = shown[(ind.id, "stayed")], shown[(ind.id, "left")]
        base = AttritionRow(
            item, category, s.n, left.n, None, None, None, None, None, None, None, None, True,
            kind=ind.kind,
        )  # fmt: skip
        if s.estimate is None or left.estimate is None or s.suppressed or left.suppressed:
            out.append(base)
            continue
        # Those who stayed against the rest of the wave's domain: those who left.
        domain, values = _domain(design, ind)
        contrast = group_contrasts(design, domain, values, groups)
        se, diff = float(contrast.se[0]), s.estimate - left.estimate
        p = 1.0 if se == 0 else float(contrast.p()[0])
        out.append(
            replace(
                base, stayed=s.estimate, left=left.estimate, difference=diff, se=se,
                ci_low=diff - z * se, ci_high=diff + z * se, p_value=p, suppressed=False,
            )
        )  # fmt: skip
    adjusted = iter(adjust_p([r.p_value for r in out if r.p_value is not None], adjust))
    return tuple(r if r.p_value is None else replace(r, p_adjusted=next(adjusted)) for r in out)
