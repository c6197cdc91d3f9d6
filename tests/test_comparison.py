"""Comparisons with baselines and between waves, checked against hand-worked numbers.

Φ is the standard normal CDF; z.975 = 1.959963985 (statistics.NormalDist).
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pytest
from scipy import stats

from panelkit.errors import SettingsError
from panelkit.input.baselines import Baseline
from panelkit.publish.words import change_text, verdict_text
from panelkit.results import Estimate, Lang
from panelkit.stats.comparison import (
    Adjust,
    ComparisonTest,
    Verdict,
    VerdictRules,
    adjust_p,
    baseline_se,
    compare,
    compare_pairs,
    compare_waves,
    match_baselines,
)

Z975 = NormalDist().inv_cdf(0.975)


def est(
    indicator: str = "x",
    p: float | None = 0.15,
    se: float | None = 0.01,
    n: int = 400,
    by: str | None = None,
    group: str | None = None,
) -> Estimate:
    suppressed = p is None
    return Estimate(
        indicator=indicator,
        by=by,
        group=group,
        n=n,
        n_positive=0 if p is None else round(p * n),
        estimate=p,
        se=None if suppressed else se,
        ci_low=None,
        ci_high=None,
        ci_method="logit",
        suppressed=suppressed,
    )


def base(
    p: float = 0.15,
    low: float | None = None,
    high: float | None = None,
    n: int | None = None,
    area: str = "København",
) -> Baseline:
    return Baseline("b", area, None, p, low, high, n, "Sundhedsprofil 2021", 2021)


def test_same_value_against_a_fixed_baseline() -> None:
    # 0.15 (se 0.01) vs the fixed 0.15: difference 0, z = 0, p = 2·Φ(0) = 1.
    # Interval of the difference: 0 ± 1.959964 · 0.01 = ±0.0196.
    (c,) = compare_pairs([(est(p=0.15, se=0.01), base(0.15))])
    assert c.test is ComparisonTest.ONE_SAMPLE
    assert c.baseline_fixed and c.baseline_se is None
    assert c.difference == 0.0 and c.diff_se == pytest.approx(0.01)
    assert c.statistic == 0.0 and c.p_value == pytest.approx(1.0)
    assert c.p_adjusted == pytest.approx(1.0)
    assert (c.ci_low, c.ci_high) == pytest.approx((-0.0196, 0.0196), abs=1e-6)
    assert c.verdict is Verdict.SAME
    assert not c.suppressed


def test_two_sample_with_the_baseline_se_from_its_interval() -> None:
    # Baseline 18% (95% CI 14–22): se_b = 0.08 / (2 · 1.959964) = 0.0204085.
    # Panel 23% (se 0.02): diff_se = sqrt(0.02² + 0.0204085²) = 0.0285746,
    # z = 0.05 / 0.0285746 = 1.749805, p = 2·(1 − Φ(1.749805)) = 0.080152 → not
    # significant at 0.05 → SAME, although the points lie 5 pp apart.
    (c,) = compare_pairs([(est(p=0.23, se=0.02), base(0.18, 0.14, 0.22))], adjust=Adjust.NONE)
    assert c.test is ComparisonTest.TWO_SAMPLE and not c.baseline_fixed
    assert c.baseline_se == pytest.approx(0.0204085383, abs=1e-10)
    assert c.diff_se == pytest.approx(0.0285746117, abs=1e-10)
    assert c.statistic == pytest.approx(1.7498050542, rel=1e-9)
    assert c.p_value == pytest.approx(0.0801519583, rel=1e-8)
    assert c.difference == pytest.approx(0.05)
    assert c.difference_pp == pytest.approx(5.0)
    assert c.ci_low == pytest.approx(0.05 - Z975 * 0.0285746117, rel=1e-8)
    assert c.verdict is Verdict.SAME


def test_two_sample_with_the_baseline_se_from_n() -> None:
    # Baseline 20%, n = 400: se_b = sqrt(0.2 · 0.8 / 400) = 0.02.
    # Panel 30% (se 0.015): diff_se = sqrt(0.0004 + 0.000225) = 0.025, z = 4,
    # p = 2·(1 − Φ(4)) = 6.334e-5 → significant, 10 pp ≥ 5 → ABOVE.
    (c,) = compare_pairs([(est(p=0.30, se=0.015), base(0.20, n=400))])
    assert c.test is ComparisonTest.TWO_SAMPLE
    assert c.baseline_se == pytest.approx(0.02)
    assert c.diff_se == pytest.approx(0.025)
    assert c.statistic == pytest.approx(4.0)
    assert c.p_value == pytest.approx(6.334248366623996e-05, rel=1e-9)
    assert c.verdict is Verdict.ABOVE


def test_the_interval_is_preferred_to_n() -> None:
    # Both given: the interval carries the baseline's own design effect.
    assert baseline_se(base(0.18, 0.14, 0.22, n=10_000)) == pytest.approx(0.08 / (2 * Z975))


def test_zero_design_se_falls_back_to_the_binomial_se_under_the_baseline() -> None:
    # 0 of 25 against 15%: se under the null = sqrt(0.15 · 0.85 / 25) = 0.0714143,
    # z = −0.15 / 0.0714143 = −2.10042, p = 0.035692 → significant, 15 pp → BELOW.
    (c,) = compare_pairs([(est(p=0.0, se=0.0, n=25), base(0.15))])
    assert c.se_fallback and c.se == 0.0
    assert c.diff_se == pytest.approx(0.0714142843, rel=1e-9)
    assert c.p_value == pytest.approx(0.0356919001, rel=1e-8)
    assert c.verdict is Verdict.BELOW
    # 0 of 21 against 3%: se = 0.0372252, z = −0.80591, p = 0.4203 → SAME.
    (c,) = compare_pairs([(est(p=0.0, se=0.0, n=21), base(0.03))])
    assert c.p_value == pytest.approx(0.4202970316, rel=1e-8)
    assert c.verdict is Verdict.SAME


def test_suppressed_estimate_gives_a_comparison_without_numbers() -> None:
    b = base(0.15)
    got = compare_pairs(
        [(est("a", p=None, n=12), b), (est("b", p=0.20, se=0.02), b)], adjust=Adjust.HOLM
    )
    hidden, shown = got
    assert hidden.suppressed and hidden.n == 12 and hidden.baseline is b
    assert hidden.estimate is None and hidden.difference is None and hidden.ci_low is None
    assert hidden.p_value is None and hidden.p_adjusted is None and hidden.verdict is None
    # The suppressed row is not in the family: m = 1, so Holm leaves p as it is.
    assert shown.p_adjusted == shown.p_value


def test_holm_adjustment_decides_the_verdict() -> None:
    # Raw: z1 = 0.03 / 0.0135 = 2.2222 → p1 = 0.026268; z2 = 0.035 / 0.017 = 2.0588 → p2 = 0.039511.
    # Holm, m = 2: p̃1 = 2 · 0.026268 = 0.052537, p̃2 = max(0.052537, 1 · 0.039511) = 0.052537.
    # Both ≥ 0.05 → SAME; unadjusted, both are significant and 3–3.5 pp → SLIGHTLY_ABOVE.
    pairs = [(est("a", 0.23, 0.0135), base(0.20)), (est("b", 0.235, 0.017), base(0.20))]
    holm = compare_pairs(pairs, adjust=Adjust.HOLM)
    assert [c.p_value for c in holm] == pytest.approx([0.0262682914, 0.0395111468], rel=1e-8)
    assert [c.p_adjusted for c in holm] == pytest.approx([0.0525365828, 0.0525365828], rel=1e-8)
    assert [c.verdict for c in holm] == [Verdict.SAME, Verdict.SAME]
    raw = compare_pairs(pairs, adjust=Adjust.NONE)
    assert [c.verdict for c in raw] == [Verdict.SLIGHTLY_ABOVE, Verdict.SLIGHTLY_ABOVE]
    assert all(c.adjust is Adjust.NONE for c in raw)


def test_holm_by_hand() -> None:
    # Sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04;
    # running maximum 0.02, 0.03, 0.06, 0.06; back in the given order:
    p = [0.01, 0.04, 0.03, 0.005]
    assert adjust_p(p, Adjust.HOLM) == pytest.approx((0.03, 0.06, 0.06, 0.02))
    # Capped at 1.
    assert adjust_p([0.6, 0.5], Adjust.HOLM) == pytest.approx((1.0, 1.0))
    assert adjust_p([], Adjust.HOLM) == ()


def test_bh_by_hand_and_against_scipy() -> None:
    # Sorted 0.005, 0.01, 0.03, 0.04 times m/i = 4, 2, 4/3, 1 = 0.02, 0.02, 0.04, 0.04;
    # running minimum from the top leaves them; back in the given order:
    p = [0.01, 0.04, 0.03, 0.005]
    assert adjust_p(p, Adjust.BH) == pytest.approx((0.02, 0.04, 0.04, 0.02))
    # Monotone: 0.01·3 = 0.03, 0.02·3/2 = 0.03, 0.025·1 = 0.025 → all 0.025.
    assert adjust_p([0.01, 0.02, 0.025], Adjust.BH) == pytest.approx((0.025,) * 3)
    rng = np.random.default_rng(7)
    for m in (1, 2, 5, 40):
        draws = rng.uniform(0, 0.2, size=m) ** 2
        want = stats.false_discovery_control(draws, method="bh")
        assert adjust_p(list(draws), Adjust.BH) == pytest.approx(tuple(want), rel=1e-12)


def test_no_adjustment_and_bad_p_values() -> None:
    assert adjust_p([0.2, 0.01], Adjust.NONE) == (0.2, 0.01)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        adjust_p([1.2], Adjust.HOLM)


@pytest.mark.parametrize(
    ("difference", "p", "verdict"),
    [
        (0.015, 0.001, Verdict.SAME),  # significant but under same_pp = 2
        (0.02, 0.001, Verdict.SLIGHTLY_ABOVE),  # exactly 2 pp is no longer "same"
        (0.03, 0.001, Verdict.SLIGHTLY_ABOVE),
        (-0.03, 0.001, Verdict.SLIGHTLY_BELOW),
        (0.07 - 0.02, 0.001, Verdict.ABOVE),  # 0.04999…: exactly 5 pp after rounding
        (-0.12, 0.001, Verdict.BELOW),
        (0.20, 0.05, Verdict.SAME),  # p = alpha is not significant
        (-0.20, 0.2, Verdict.SAME),
    ],
)
def test_default_verdict_rules(difference: float, p: float, verdict: Verdict) -> None:
    assert VerdictRules().verdict(difference, p) is verdict


def test_configurable_verdict_rules() -> None:
    strict = VerdictRules(alpha=0.01, same_pp=0.0, small_pp=10.0)
    assert strict.verdict(0.005, 0.001) is Verdict.SLIGHTLY_ABOVE
    assert strict.verdict(0.05, 0.001) is Verdict.SLIGHTLY_ABOVE
    assert strict.verdict(-0.10, 0.001) is Verdict.BELOW
    assert strict.verdict(0.30, 0.02) is Verdict.SAME
    # Rules reach the comparison: 3 pp with p = 6e-5 is "slightly" by default, full with small_pp=3.
    pair = [(est(p=0.23, se=0.0075), base(0.20))]
    assert compare_pairs(pair)[0].verdict is Verdict.SLIGHTLY_ABOVE
    assert compare_pairs(pair, rules=VerdictRules(small_pp=3))[0].verdict is Verdict.ABOVE


def test_bad_rules_and_level() -> None:
    with pytest.raises(SettingsError, match=r"alpha 1\.5 must be between 0 and 1"):
        VerdictRules(alpha=1.5)
    with pytest.raises(SettingsError, match=r"need 0 ≤ same_pp ≤ small_pp"):
        VerdictRules(same_pp=6, small_pp=5)
    with pytest.raises(SettingsError, match="confidence level 95 must be between 0 and 1"):
        compare_pairs([(est(), base())], level=95)


def test_level_sets_the_interval_of_the_difference() -> None:
    (c,) = compare_pairs([(est(p=0.2, se=0.01), base(0.15))], level=0.90)
    z90 = NormalDist().inv_cdf(0.95)  # 1.644854
    assert (c.ci_low, c.ci_high) == pytest.approx((0.05 - z90 * 0.01, 0.05 + z90 * 0.01))
    assert c.to_dict()["level"] == 0.90


def test_compare_pairs_overall_rows_and_optionally_groups() -> None:
    rows = [
        est("lonely", 0.23, 0.02),
        est("lonely", 0.30, 0.04, by="age_group", group="17-29"),
        est("health", 0.15, 0.01),
        est("other", 0.5, 0.02),
    ]
    baselines = {"lonely": base(0.18, 0.14, 0.22), "health": base(0.15)}
    got = compare(rows, baselines)
    assert [(c.indicator, c.group) for c in got] == [("lonely", None), ("health", None)]
    got = compare(rows, baselines, groups=True)
    assert [(c.indicator, c.group) for c in got] == [
        ("lonely", None),
        ("lonely", "17-29"),
        ("health", None),
    ]
    record = got[0].to_dict()
    assert record["test"] == "two-sample" and record["verdict"] == "same"
    assert record["baseline_source"] == "Sundhedsprofil 2021"


@dataclass(frozen=True)
class Ref:
    id: str
    area: str | None
    group: str | None = None


@dataclass(frozen=True)
class Ind:
    id: str
    baseline: Ref | None


def test_match_baselines() -> None:
    from panelkit.input.indicators import BaselineRef, Indicator

    bases = (base(0.15), base(0.12, area="Region Hovedstaden"))
    real = Indicator(id="r", variable="v", positive=("Ja",), baseline=BaselineRef("b", "København"))
    assert match_baselines([real], bases) == {"r": bases[0]}
    got = match_baselines([Ind("a", Ref("b", "region hovedstaden")), Ind("c", None)], bases)
    assert got == {"a": bases[1]}
    with pytest.raises(SettingsError) as info:
        match_baselines([Ind("a", Ref("b", "Amager Øst"))], bases)
    assert str(info.value) == (
        'indicator a: baseline "b" has no area "Amager Øst"; its areas are: '
        "København, Region Hovedstaden"
    )


def test_wave_change() -> None:
    # 30% (se 0.02) now vs 25% (se 0.015) last wave: diff 0.05, diff_se = sqrt(0.0004 + 0.000225)
    # = 0.025, z = 2, p = 0.0455003 → significant; 5 pp → ABOVE ("steget").
    # Interval: 0.05 ± 1.959964 · 0.025 = 0.0010009 … 0.0989991.
    now = [
        est("a", 0.30, 0.02, n=500),
        est("b", 0.40, 0.03, n=300),
        est("c", None, n=10),
        est("new", 0.5, 0.02),
    ]
    before = [
        est("b", 0.41, 0.03, n=310),
        est("a", 0.25, 0.015, n=480),
        est("c", 0.2, 0.05, n=30),
        est("gone", 0.5, 0.02),
    ]
    got = compare_waves(now, before, adjust=Adjust.NONE)
    assert [w.indicator for w in got] == ["a", "b", "c"]  # matched rows, in current order
    a, b, c = got
    assert a.difference == pytest.approx(0.05) and a.diff_se == pytest.approx(0.025)
    assert a.statistic == pytest.approx(2.0)
    assert a.p_value == pytest.approx(0.0455002639, rel=1e-8)
    assert (a.ci_low, a.ci_high) == pytest.approx((0.0010009004, 0.0989990996), abs=1e-10)
    assert a.verdict is Verdict.ABOVE and change_text(a.verdict, Lang.DA) == "steget"
    assert (a.n_current, a.n_previous) == (500, 480)
    assert b.verdict is Verdict.SAME
    assert c.suppressed and c.difference is None and c.verdict is None and c.p_value is None
    assert c.current is None and c.previous is None
    # Holm over the two testable rows (a, b): a's p doubles to 0.091 → SAME.
    holm = compare_waves(now, before)
    assert holm[0].p_adjusted == pytest.approx(2 * 0.0455002639, rel=1e-8)
    assert holm[0].verdict is Verdict.SAME
    assert holm[2].p_adjusted is None


def test_wave_suppressed_on_the_previous_side_and_repeated_rows() -> None:
    (w,) = compare_waves([est("a", 0.3, 0.02)], [est("a", None, n=8)])
    assert w.suppressed and w.current is None and w.difference is None
    with pytest.raises(
        SettingsError, match=r"previous wave: indicator a \(overall\) appears twice"
    ):
        compare_waves([est("a")], [est("a"), est("a")])


def test_verdict_texts() -> None:
    assert verdict_text(Verdict.SAME, Lang.DA) == "ca. på niveau med"
    assert verdict_text(Verdict.SLIGHTLY_BELOW, Lang.DA) == "lidt under"
    assert verdict_text(Verdict.ABOVE, Lang.DA) == "over"
    assert verdict_text(Verdict.SAME, Lang.EN) == "about the same as"
    assert verdict_text(Verdict.SLIGHTLY_ABOVE, Lang.EN) == "slightly above"
    assert verdict_text(Verdict.BELOW, Lang.EN) == "below"
    assert change_text(Verdict.SLIGHTLY_BELOW, Lang.EN) == "down slightly"
