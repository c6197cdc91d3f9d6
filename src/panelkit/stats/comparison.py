"""Panel estimates beside baselines, and one wave beside the previous one.

The test is a Wald z test on the difference of proportions, using the
estimate's design-based standard error (Taylor linearisation, formats §7):

- **two-sample**, when the baseline has an interval or an n: the baseline is an
  independent survey with its own SE, taken from its 95% interval as
  ``(ci_high − ci_low) / (2 · 1.95996)`` (preferred: it carries the baseline's
  own design effect), else from ``sqrt(p(1 − p) / n)``;
  ``diff_se = sqrt(se² + se_baseline²)``.
- **one-sample**, when the baseline is a bare figure: it is treated as a fixed,
  known value; ``diff_se = se``. ``Comparison.baseline_fixed`` says so.

``z = difference / diff_se`` and ``p = 2 · (1 − Φ(|z|))``; the interval of the
difference is ``difference ± z_level · diff_se``. The normal reference is used
throughout (no t with the design's df): panel domains are large enough for the
difference to be dominated by the normal approximation, and a baseline has no df.

When the design SE is 0 (everyone, or no one, in the domain said yes) a Wald
test would call any gap "significant"; the binomial SE under the null value,
``sqrt(p0(1 − p0) / n)``, is used instead and ``se_fallback`` is set.

p-values are adjusted across all comparisons of one call (the run's family):
Holm (default, controls the family-wise error) or Benjamini–Hochberg (controls
the false discovery rate). Suppressed estimates get no numbers and are not part
of the family.

Differences are stored as proportions (``0.031``); displays show percentage
points (``difference_pp`` → ``3.1``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from statistics import NormalDist
from typing import TYPE_CHECKING, Any, Protocol

from panelkit.errors import SettingsError
from panelkit.input.baselines import Baseline, find_baseline
from panelkit.results import Estimate, EstimateKind, Lang, Reconciliation

if TYPE_CHECKING:
    from panelkit.stats.linked import AttritionRow

_NORMAL = NormalDist()
# The baseline's interval is taken to be a 95% interval.
Z_BASELINE = _NORMAL.inv_cdf(0.975)  # 1.959963984540054


class Verdict(StrEnum):
    """How an estimate stands against its baseline (or the previous wave)."""

    SAME = "same"
    SLIGHTLY_BELOW = "slightly_below"
    BELOW = "below"
    SLIGHTLY_ABOVE = "slightly_above"
    ABOVE = "above"


class Adjust(StrEnum):
    """Multiple-comparison adjustment of the p-values of one run."""

    HOLM = "holm"  # family-wise error rate (Holm 1979)
    BH = "bh"  # false discovery rate (Benjamini & Hochberg 1995)
    NONE = "none"


class SeMethod(StrEnum):
    """Which SE a wave change used (formats §9)."""

    LINKED = "linked"  # both waves' linearised values summed per panel member
    INDEPENDENT = "independent"  # the waves as independent samples


class ComparisonTest(StrEnum):
    """Which z test a comparison used."""

    TWO_SAMPLE = "two-sample"  # the baseline has its own SE (interval or n)
    ONE_SAMPLE = "one-sample"  # the baseline is a fixed value


@dataclass(frozen=True)
class VerdictRules:
    """How a difference becomes a verdict.

    1. Not significant (adjusted p ≥ ``alpha``) → SAME ("ca. på niveau med").
    2. Significant but under ``same_pp`` percentage points → SAME: too small to
       matter to a reader, and the fact box shows whole percents anyway.
    3. Significant and under ``small_pp`` points → SLIGHTLY_BELOW / SLIGHTLY_ABOVE.
    4. Significant and ``small_pp`` points or more → BELOW / ABOVE.

    "Under" is strict: a difference of exactly ``small_pp`` is BELOW/ABOVE. The
    difference is rounded to 1e-9 pp first so 0.07 − 0.02 counts as 5 pp.
    """

    alpha: float = 0.05
    same_pp: float = 2.0
    small_pp: float = 5.0

    def __post_init__(self) -> None:
        if not 0.0 < self.alpha < 1.0:
            raise SettingsError(f"alpha {self.alpha} must be between 0 and 1, e.g. 0.05")
        if not 0.0 <= self.same_pp <= self.small_pp:
            raise SettingsError(
                f"same_pp {self.same_pp} and small_pp {self.small_pp}: need "
                "0 ≤ same_pp ≤ small_pp (percentage points), e.g. 2 and 5"
            )

    def verdict(self, difference: float, p_adjusted: float) -> Verdict:
        """The verdict for a difference (a proportion, estimate − baseline)."""
        pp = round(abs(difference) * 100.0, 9)
        if p_adjusted >= self.alpha or pp < self.same_pp:
            return Verdict.SAME
        small = pp < self.small_pp
        if difference < 0:
            return Verdict.SLIGHTLY_BELOW if small else Verdict.BELOW
        return Verdict.SLIGHTLY_ABOVE if small else Verdict.ABOVE


DEFAULT_RULES = VerdictRules()


@dataclass(frozen=True)
class Comparison:
    """One estimate row beside its baseline. Proportions throughout (0–1).

    ``difference`` is estimate − baseline; ``ci_low``/``ci_high`` are its interval
    at ``level``. A suppressed estimate keeps its identity and baseline but has
    no numbers (all None) and no verdict.
    """

    indicator: str
    by: str | None
    group: str | None
    n: int
    estimate: float | None
    se: float | None  # the estimate's design-based SE
    baseline: Baseline
    baseline_se: float | None  # None for a fixed baseline
    difference: float | None
    diff_se: float | None
    ci_low: float | None
    ci_high: float | None
    statistic: float | None  # z
    p_value: float | None
    p_adjusted: float | None
    test: ComparisonTest
    verdict: Verdict | None
    baseline_fixed: bool
    suppressed: bool
    adjust: Adjust = Adjust.HOLM
    level: float = 0.95
    se_fallback: bool = False  # the design SE was 0; the binomial SE under the baseline was used

    @property
    def difference_pp(self) -> float | None:
        """The difference in percentage points."""
        return None if self.difference is None else 100.0 * self.difference

    def to_dict(self) -> dict[str, Any]:
        """A flat record for JSON/CSV output (proportions, as in formats §6)."""
        b = self.baseline
        return {
            "indicator": self.indicator,
            "by": self.by,
            "group": self.group,
            "n": self.n,
            "estimate": self.estimate,
            "se": self.se,
            "baseline_id": b.id,
            "baseline_area": b.area,
            "baseline_group": b.group,
            "baseline": b.estimate,
            "baseline_ci_low": b.ci_low,
            "baseline_ci_high": b.ci_high,
            "baseline_n": b.n,
            "baseline_se": self.baseline_se,
            "baseline_source": b.source,
            "baseline_year": b.year,
            "baseline_fixed": self.baseline_fixed,
            "difference": self.difference,
            "diff_se": self.diff_se,
            "diff_ci_low": self.ci_low,
            "diff_ci_high": self.ci_high,
            "level": self.level,
            "test": str(self.test),
            "statistic": self.statistic,
            "p_value": self.p_value,
            "p_adjusted": self.p_adjusted,
            "adjust": str(self.adjust),
            "verdict": None if self.verdict is None else str(self.verdict),
            "suppressed": self.suppressed,
            "se_fallback": self.se_fallback,
        }


# The JSON ``waves`` row (formats §9): these of a WaveChange's fields, in this order.
WAVE_FIELDS = (
    "indicator", "by", "group", "n_current", "n_previous", "current", "previous",
    "difference", "diff_se", "diff_ci_low", "diff_ci_high", "p_value", "p_adjusted",
    "se_method",
)  # fmt: skip


@dataclass(frozen=True)
class WaveChange:
    """One estimate row in this wave beside the same row in the previous wave.

    ``difference`` is current − previous (in the estimate's units); ``se_method`` says
    whether the test treats the waves as independent samples (conservative when the
    same members answer both) or uses the linked SE of formats §9.
    """

    indicator: str
    by: str | None
    group: str | None
    n_current: int
    n_previous: int
    current: float | None
    previous: float | None
    se_current: float | None
    se_previous: float | None
    difference: float | None
    diff_se: float | None
    ci_low: float | None
    ci_high: float | None
    statistic: float | None
    p_value: float | None
    p_adjusted: float | None
    verdict: Verdict | None
    suppressed: bool  # either wave's estimate is suppressed
    adjust: Adjust = Adjust.HOLM
    level: float = 0.95
    se_fallback: bool = False
    se_method: SeMethod = SeMethod.INDEPENDENT
    kind: EstimateKind = EstimateKind.SHARE  # a share (0-1) or a mean (its own units)

    @property
    def difference_pp(self) -> float | None:
        return None if self.difference is None else 100.0 * self.difference

    def wave_row(self) -> dict[str, Any]:
        """The row of the JSON ``waves`` array: exactly the fields of formats §9."""
        full = self.to_dict()
        return {key: full[key] for key in WAVE_FIELDS}

    def to_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator,
            "by": self.by,
            "group": self.group,
            "kind": str(self.kind),
            "n_current": self.n_current,
            "n_previous": self.n_previous,
            "current": self.current,
            "previous": self.previous,
            "se_current": self.se_current,
            "se_previous": self.se_previous,
            "difference": self.difference,
            "diff_se": self.diff_se,
            "diff_ci_low": self.ci_low,
            "diff_ci_high": self.ci_high,
            "level": self.level,
            "statistic": self.statistic,
            "p_value": self.p_value,
            "p_adjusted": self.p_adjusted,
            "adjust": str(self.adjust),
            "verdict": None if self.verdict is None else str(self.verdict),
            "suppressed": self.suppressed,
            "se_fallback": self.se_fallback,
            "se_method": str(self.se_method),
        }


# --------------------------------------------------------------------------- pairing


class BaselineRefLike(Protocol):
    """What an indicator's ``baseline:`` entry holds (formats §4)."""

    @property
    def id(self) -> str: ...
    @property
    def area(self) -> str | None: ...
    @property
    def group(self) -> str | None: ...


class HasBaseline(Protocol):
    """An indicator, as far as pairing it with a baseline goes."""

    @property
    def id(self) -> str: ...
    @property
    def baseline(self) -> BaselineRefLike | None: ...


def match_baselines(
    indicators: Iterable[HasBaseline], baselines: Sequence[Baseline]
) -> dict[str, Baseline]:
    """Each indicator id that names a baseline → that baseline (SettingsError if absent)."""
    found: dict[str, Baseline] = {}
    for ind in indicators:
        ref = ind.baseline
        if ref is None:
            continue
        try:
            found[ind.id] = find_baseline(baselines, ref.id, ref.area, ref.group)
        except SettingsError as exc:
            raise SettingsError(f"indicator {ind.id}: {exc}") from None
    return found


def baseline_se(baseline: Baseline) -> float | None:
    """The baseline's SE: from its 95% interval, else from n; None when fixed."""
    if baseline.ci_low is not None and baseline.ci_high is not None:
        return (baseline.ci_high - baseline.ci_low) / (2.0 * Z_BASELINE)
    if baseline.n is not None:
        p = baseline.estimate
        return (p * (1.0 - p) / baseline.n) ** 0.5
    return None


# --------------------------------------------------------------------------- comparing


def compare(
    estimates: Sequence[Estimate],
    baselines: Mapping[str, Baseline],
    *,
    groups: bool = False,
    adjust: Adjust = Adjust.HOLM,
    rules: VerdictRules = DEFAULT_RULES,
    level: float = 0.95,
) -> tuple[Comparison, ...]:
    """Compare each estimate whose indicator has a baseline (indicator id → Baseline).

    Only the overall rows (``by`` is None) are compared unless ``groups`` is True;
    then every group of a breakdown is compared with the indicator's baseline too.
    Comparisons follow the order of ``estimates``.
    """
    pairs = [
        (e, baselines[e.indicator])
        for e in estimates
        if e.indicator in baselines and (groups or e.by is None)
    ]
    return compare_pairs(pairs, adjust=adjust, rules=rules, level=level)


def compare_pairs(
    pairs: Sequence[tuple[Estimate, Baseline]],
    *,
    adjust: Adjust = Adjust.HOLM,
    rules: VerdictRules = DEFAULT_RULES,
    level: float = 0.95,
) -> tuple[Comparison, ...]:
    """Compare explicit (estimate, baseline) pairs; p-values adjusted across all pairs."""
    z_level = _z_for(level)
    adjust = Adjust(adjust)
    tests: list[_Test | None] = []
    for est, base in pairs:
        if _no_numbers(est):
            tests.append(None)
            continue
        assert est.estimate is not None and est.se is not None
        b_se = baseline_se(base)
        var, fallback = _variance(est.se, base.estimate, est.n)
        tests.append(_z_test(est.estimate - base.estimate, var + (b_se or 0.0) ** 2, fallback))
    adjusted = _adjust_present([t.p_value if t else None for t in tests], adjust)

    out: list[Comparison] = []
    for (est, base), test, p_adj in zip(pairs, tests, adjusted, strict=True):
        b_se = baseline_se(base)
        common: dict[str, Any] = {
            "indicator": est.indicator,
            "by": est.by,
            "group": est.group,
            "n": est.n,
            "baseline": base,
            "baseline_se": b_se,
            "test": ComparisonTest.ONE_SAMPLE if b_se is None else ComparisonTest.TWO_SAMPLE,
            "baseline_fixed": base.fixed,
            "adjust": adjust,
            "level": level,
        }
        if test is None or p_adj is None:
            out.append(
                Comparison(
                    **common,
                    estimate=None,
                    se=None,
                    difference=None,
                    diff_se=None,
                    ci_low=None,
                    ci_high=None,
                    statistic=None,
                    p_value=None,
                    p_adjusted=None,
                    verdict=None,
                    suppressed=True,
                )
            )
            continue
        out.append(
            Comparison(
                **common,
                estimate=est.estimate,
                se=est.se,
                difference=test.difference,
                diff_se=test.se,
                ci_low=test.difference - z_level * test.se,
                ci_high=test.difference + z_level * test.se,
                statistic=test.statistic,
                p_value=test.p_value,
                p_adjusted=p_adj,
                verdict=rules.verdict(test.difference, p_adj),
                suppressed=False,
                se_fallback=test.fallback,
            )
        )
    return tuple(out)


def compare_waves(
    current: Sequence[Estimate],
    previous: Sequence[Estimate],
    *,
    adjust: Adjust = Adjust.HOLM,
    rules: VerdictRules = DEFAULT_RULES,
    level: float = 0.95,
    linked: Mapping[tuple[str, str | None, str | None], float] | None = None,
) -> tuple[WaveChange, ...]:
    """Change since the previous wave for every row present in both waves.

    Rows match on (indicator, by, group); rows in only one wave are left out, and so
    are the rows of kinds other than share and mean (a distribution's answers, a
    quantile: formats §9 measures the change of shares and means). The result follows
    the order of ``current``. ``linked``: the linked SE of the change per row
    (stats/linked.py); a row found there is tested with it (``se_method`` linked), the
    others as independent samples. A mean's verdict is its direction when significant
    (the rules' percentage points are for shares).
    """
    z_level = _z_for(level)
    adjust = Adjust(adjust)
    current = [e for e in current if e.kind in _WAVE_KINDS]
    before = _by_key([e for e in previous if e.kind in _WAVE_KINDS], "previous wave")
    _by_key(current, "current wave")  # only to refuse repeated rows
    pairs = [(e, before[_key(e)]) for e in current if _key(e) in before]

    tests: list[_Test | None] = []
    for cur, prev in pairs:
        if _no_numbers(cur) or _no_numbers(prev):
            tests.append(None)
            continue
        assert cur.estimate is not None and cur.se is not None
        assert prev.estimate is not None and prev.se is not None
        linked_se = None if linked is None else linked.get(_key(cur))
        if linked_se is not None and linked_se > 0.0:
            tests.append(_z_test(cur.estimate - prev.estimate, linked_se**2, False, True))
            continue
        # The null is "no change": its common value is the n-weighted mean of the two.
        total = cur.n + prev.n
        pooled = (
            (cur.estimate * cur.n + prev.estimate * prev.n) / total
            if total > 0
            else (cur.estimate + prev.estimate) / 2
        )
        if cur.kind is EstimateKind.MEAN:  # no p(1 − p) of a mean: its SE is what it is
            var_c, fb_c, var_p, fb_p = cur.se**2, False, prev.se**2, False
        else:
            var_c, fb_c = _variance(cur.se, pooled, cur.n)
            var_p, fb_p = _variance(prev.se, pooled, prev.n)
        tests.append(_z_test(cur.estimate - prev.estimate, var_c + var_p, fb_c or fb_p))
    adjusted = _adjust_present([t.p_value if t else None for t in tests], adjust)

    out: list[WaveChange] = []
    for (cur, prev), test, p_adj in zip(pairs, tests, adjusted, strict=True):
        if test is None or p_adj is None:
            out.append(
                WaveChange(
                    indicator=cur.indicator,
                    by=cur.by,
                    group=cur.group,
                    n_current=cur.n,
                    n_previous=prev.n,
                    current=None,
                    previous=None,
                    se_current=None,
                    se_previous=None,
                    difference=None,
                    diff_se=None,
                    ci_low=None,
                    ci_high=None,
                    statistic=None,
                    p_value=None,
                    p_adjusted=None,
                    verdict=None,
                    suppressed=True,
                    adjust=adjust,
                    level=level,
                    se_method=SeMethod.INDEPENDENT if linked is None else SeMethod.LINKED,
                    kind=cur.kind,
                )
            )
            continue
        out.append(
            WaveChange(
                indicator=cur.indicator,
                by=cur.by,
                group=cur.group,
                n_current=cur.n,
                n_previous=prev.n,
                current=cur.estimate,
                previous=prev.estimate,
                se_current=cur.se,
                se_previous=prev.se,
                difference=test.difference,
                diff_se=test.se,
                ci_low=test.difference - z_level * test.se,
                ci_high=test.difference + z_level * test.se,
                statistic=test.statistic,
                p_value=test.p_value,
                p_adjusted=p_adj,
                verdict=_wave_verdict(rules, cur.kind, test.difference, p_adj),
                suppressed=False,
                adjust=adjust,
                level=level,
                se_fallback=test.fallback,
                se_method=SeMethod.LINKED if test.linked else SeMethod.INDEPENDENT,
                kind=cur.kind,
            )
        )
    return tuple(out)


_WAVE_KINDS = (EstimateKind.SHARE, EstimateKind.MEAN)


def _wave_verdict(rules: VerdictRules, kind: EstimateKind, difference: float, p: float) -> Verdict:
    """A share's verdict by the rules; a mean's: SAME unless significant, then its side."""
    if kind is EstimateKind.SHARE:
        return rules.verdict(difference, p)
    if p >= rules.alpha or difference == 0.0:
        return Verdict.SAME
    return Verdict.BELOW if difference < 0 else Verdict.ABOVE


def adjust_p(p_values: Sequence[float], method: Adjust) -> tuple[float, ...]:
    """Adjusted p-values, in the order given.

    Holm: sorted ascending, ``p̃(i) = max_{j≤i} min(1, (m − j + 1) · p(j))``.
    BH:   sorted ascending, ``p̃(i) = min_{j≥i} min(1, m / j · p(j))``
    (as R's ``p.adjust`` and ``scipy.stats.false_discovery_control``).
    """
    import numpy as np

    method = Adjust(method)
    p = np.asarray(p_values, dtype=float)
    m = p.size
    if m == 0:
        return ()
    if np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise ValueError("p-values must lie in [0, 1]")
    if method is Adjust.NONE:
        return tuple(float(v) for v in p)
    order = np.argsort(p, kind="stable")
    ranked = p[order]
    if method is Adjust.HOLM:
        adj = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * ranked))
    else:
        scaled = ranked * m / np.arange(1, m + 1)
        adj = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
    out = np.empty(m)
    out[order] = adj
    return tuple(float(v) for v in out)


# --------------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class _Test:
    difference: float
    se: float
    statistic: float
    p_value: float
    fallback: bool
    linked: bool = False


def _z_for(level: float) -> float:
    if not 0.0 < level < 1.0:
        raise SettingsError(f"confidence level {level} must be between 0 and 1, e.g. 0.95")
    return _NORMAL.inv_cdf(0.5 + level / 2.0)


def _no_numbers(est: Estimate) -> bool:
    if est.suppressed or est.estimate is None:
        return True
    if est.se is None:
        raise ValueError(f"estimate {est.indicator} has no standard error; cannot test it")
    return False


def _variance(se: float, null_value: float, n: int) -> tuple[float, bool]:
    """The estimate's variance for the test, and whether the fallback was used."""
    if se > 0.0 or n <= 0:
        return se * se, False
    return null_value * (1.0 - null_value) / n, True


def _z_test(difference: float, variance: float, fallback: bool, linked: bool = False) -> _Test:
    se = variance**0.5
    if se == 0.0:
        # Only when both sides are certain: a gap is then real, no gap is no gap.
        stat = 0.0 if difference == 0.0 else float("inf") if difference > 0 else float("-inf")
        return _Test(difference, 0.0, stat, 1.0 if difference == 0.0 else 0.0, fallback, linked)
    stat = difference / se
    p_value = 2.0 * _NORMAL.cdf(-abs(stat))
    return _Test(difference, se, stat, min(1.0, p_value), fallback, linked)


def _adjust_present(p_values: list[float | None], method: Adjust) -> list[float | None]:
    """Adjust the p-values that exist; None (suppressed) stays None and is not counted."""
    present = [p for p in p_values if p is not None]
    adjusted = iter(adjust_p(present, method))
    return [None if p is None else next(adjusted) for p in p_values]


def _key(e: Estimate) -> tuple[str, str | None, str | None]:
    return (e.indicator, e.by, e.group)


def _by_key(
    estimates: Sequence[Estimate], which: str
) -> dict[tuple[str, str | None, str | None], Estimate]:
    found: dict[tuple[str, str | None, str | None], Estimate] = {}
    for e in estimates:
        if _key(e) in found:
            where = "overall" if e.by is None else f"{e.by} = {e.group}"
            raise SettingsError(
                f"{which}: indicator {e.indicator} ({where}) appears twice; "
                "give each row of a wave once"
            )
        found[_key(e)] = e
    return found


# --------------------------------------------------------------------------- result sets


@dataclass(frozen=True)
class ComparisonSet:
    """The comparisons of one run, with what a reader needs to interpret them.

    ``labels`` maps indicator id → language → label; ``survey`` is the run's
    row reconciliation.
    """

    comparisons: tuple[Comparison, ...]
    labels: Mapping[str, Mapping[str, str]]
    survey: Reconciliation
    adjust: Adjust = Adjust.HOLM
    rules: VerdictRules = DEFAULT_RULES
    min_n: int = 20
    estimates: tuple[Estimate, ...] = ()  # the compared rows, for their own intervals

    def estimate_of(self, comparison: Comparison) -> Estimate | None:
        """The estimate row a comparison was made from (None if not kept)."""
        key = (comparison.indicator, comparison.by, comparison.group)
        return next((e for e in self.estimates if _key(e) == key), None)

    @property
    def sources(self) -> tuple[str, ...]:
        """The baselines' sources, once each, in order of use."""
        return tuple(dict.fromkeys(c.baseline.source for c in self.comparisons))

    @property
    def any_fixed(self) -> bool:
        return any(c.baseline_fixed for c in self.comparisons)

    def to_dict(self, version: str, lang: Lang) -> dict[str, Any]:
        """The numbers of `panelkit compare --format json` (proportions, as §6); the
        verdicts' words are added by ``publish`` (``publish.words``)."""
        return {
            "panelkit_version": version,
            "survey": self.survey.to_dict(),
            "adjust": str(self.adjust),
            "rules": {
                "alpha": self.rules.alpha,
                "same_pp": self.rules.same_pp,
                "small_pp": self.rules.small_pp,
            },
            "min_n": self.min_n,
            "comparisons": [
                {
                    "label": self.labels.get(c.indicator, {}).get(Lang(lang).value, c.indicator),
                    **c.to_dict(),
                }
                for c in self.comparisons
            ],
        }


@dataclass(frozen=True)
class WaveSet:
    """The changes since the previous wave, with the two waves' names and row counts."""

    changes: tuple[WaveChange, ...]
    labels: Mapping[str, Mapping[str, str]]
    previous_name: str
    current_name: str
    previous_survey: Reconciliation
    adjust: Adjust = Adjust.HOLM
    rules: VerdictRules = DEFAULT_RULES
    # Linked waves (formats §9): how many members answered both waves (None: the waves
    # were not linked), and the distinct members of both (the M of the linked SE).
    linked_members: int | None = None
    members: int | None = None
    notes: tuple[str, ...] = ()  # the run's notes on the waves (linked members, margins)
    # Linked waves: the previous wave's members who answered again beside those who left.
    attrition: tuple[AttritionRow, ...] | None = None

    @property
    def warnings(self) -> tuple[str, ...]:
        """The notes a reader must not miss (linked waves without a member in common)."""
        return tuple(n.removeprefix("warning: ") for n in self.notes if n.startswith("warning: "))

    @property
    def linked(self) -> bool:
        return any(c.se_method is SeMethod.LINKED for c in self.changes)

    def json_fields(self) -> dict[str, Any]:
        """What the estimates JSON gains with a previous wave (formats §9)."""
        doc: dict[str, Any] = {
            "waves": [c.wave_row() for c in self.changes],
            "notes": list(self.notes),
        }
        if self.attrition is not None:
            doc["attrition"] = [r.to_dict() for r in self.attrition]
        return doc
