"""Estimates of indicator shares (formats §6, §7) against R's survey package.

Every R number here was computed with R 4.2.2 and survey 4.1.1; the R code that
produced it is in the comment next to it. The tests do not need R.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from panelkit.errors import DataError
from panelkit.input.indicators import Condition, Indicator, load_indicators
from panelkit.input.schema import load_schema
from panelkit.results import CiMethod, Estimate
from panelkit.stats import design as design_module
from panelkit.stats.estimation import apply_suppression, estimate

DATA = Path(__file__).parent / "data" / "api-strat"
YES_NO = ["No", "Yes"]
STYPES = ["Elementary", "High", "Middle"]

# R's common preamble for the api cases below:
#   library(survey); data(api)
#   pop.types <- data.frame(stype = c("E","H","M"), Freq = c(4421, 755, 1018))
#   pop.schwide <- data.frame(sch.wide = c("No","Yes"), Freq = c(1072, 5122))
#   d <- svydesign(ids = ~1, weights = ~rep(1, 200), data = apistrat)
#   r <- rake(d, list(~stype, ~sch.wide), list(pop.types, pop.schwide),
#             control = list(maxit = 1000, epsilon = 1e-13))


# --------------------------------------------------------------------------- fixtures


def api_frame() -> pd.DataFrame:
    """The validated frame of tests/data/api-strat, built with pandas directly."""
    raw = pd.read_csv(DATA / "data.csv")
    stype = raw["stype"].map({"E": "Elementary", "H": "High", "M": "Middle"})
    band = pd.cut(
        raw["api00"],
        [200, 600, 700, 800, 1001],
        right=False,
        labels=["<600", "600-699", "700-799", "800+"],
    )
    return pd.DataFrame(
        {
            "snum": raw["snum"].astype(str),
            "stype": pd.Categorical(stype, categories=STYPES),
            "sch_wide": pd.Categorical(raw["sch.wide"], categories=YES_NO),
            "comp_imp": pd.Categorical(raw["comp.imp"], categories=YES_NO),
            "both": pd.Categorical(raw["both"], categories=YES_NO),
            "awards": pd.Categorical(raw["awards"], categories=YES_NO),
            "yr_rnd": pd.Categorical(raw["yr.rnd"], categories=YES_NO),
            "api00": raw["api00"].astype(float),
            "api_band": band,
        }
    )


@pytest.fixture(scope="module")
def api() -> pd.DataFrame:
    return api_frame()


@pytest.fixture(scope="module")
def expected() -> dict:
    return json.loads((DATA / "expected.json").read_text())


@pytest.fixture(scope="module")
def raked(api: pd.DataFrame, expected: dict) -> dict:
    """R's raked weights (expected.json) and the margins' cells (margins.csv)."""
    weights = api["snum"].map(expected["weights"]).to_numpy(dtype=float)
    calibration = (api["stype"].cat.codes.to_numpy(), api["sch_wide"].cat.codes.to_numpy())
    return {"weights": weights, "calibration": calibration}


@pytest.fixture(scope="module")
def api_indicators() -> tuple[Indicator, ...]:
    return load_indicators(DATA / "indicators.yaml", load_schema(DATA / "schema.yaml"))


def awards(*where: Condition, positive: str = "Yes") -> Indicator:
    return Indicator("awards", "awards", (positive,), where=tuple(where))


def one(frame: pd.DataFrame, indicator: Indicator, **options: object) -> Estimate:
    options.setdefault("min_n", 0)
    return estimate(frame, [indicator], **options)[0]  # type: ignore[arg-type]


def close(got: float | None, want: float, rel: float = 1e-6) -> bool:
    return got is not None and math.isclose(got, want, rel_tol=rel, abs_tol=1e-12)


# --------------------------------------------------------------------------- R: expected.json


def test_api_strat_reproduces_every_r_estimate(
    api: pd.DataFrame, expected: dict, raked: dict, api_indicators: tuple[Indicator, ...]
) -> None:
    # Source: tests/data/api-strat/expected.json (R's svyciprop(method = "logit") for the
    # estimate and interval, SE(svymean(...)) for se; see tests/data/api-strat/README).
    rows = estimate(api, api_indicators, by=["stype", "api_band"], min_n=0, **raked)
    got = {(e.indicator, e.by, e.group): e for e in rows}
    worst: dict[str, float] = {}
    for want in expected["estimates"]:
        e = got[(want["indicator"], want["by"], want["group"])]
        assert (e.n, e.n_positive) == (want["n"], want["n_positive"])
        assert e.ci_method == "logit" and not e.suppressed
        for key in ("estimate", "se", "ci_low", "ci_high"):
            value = getattr(e, key)
            worst[key] = max(worst.get(key, 0.0), abs(value - want[key]) / abs(want[key]))
    assert max(worst.values()) < 1e-6, worst
    assert len(expected["estimates"]) == 30


def test_api_strat_rows_in_contract_order(
    api: pd.DataFrame, raked: dict, api_indicators: tuple[Indicator, ...]
) -> None:
    rows = estimate(api, api_indicators, by=["stype", "api_band"], min_n=0, **raked)
    groups = [(None, None), *[("stype", s) for s in STYPES]]
    groups += [("api_band", b) for b in ["<600", "600-699", "700-799", "800+"]]
    assert [(e.indicator, e.by, e.group) for e in rows] == [
        (i.id, by, g) for i in api_indicators for by, g in groups
    ]


def test_groups_r_leaves_out_are_reported_suppressed(
    api: pd.DataFrame, raked: dict, api_indicators: tuple[Indicator, ...]
) -> None:
    # awards_high_api (api00 >= 700) has no school in the bands <600 and 600-699.
    rows = estimate(api, api_indicators[3:], by=["api_band"], min_n=0, **raked)
    empty = [e for e in rows if e.group in ("<600", "600-699")]
    assert len(empty) == 2
    for e in empty:
        assert (e.n, e.n_positive, e.suppressed, e.suppression) == (0, None, True, "empty")
        assert e.estimate is e.se is e.ci_low is e.ci_high is None


def test_raking_lowers_the_standard_error_as_in_r(api: pd.DataFrame, raked: dict) -> None:
    # Raked design: 0.0293616707930546 (expected.json). The same final weights taken
    # as fixed:
    #   fixed <- svydesign(ids = ~1, weights = ~weights(r), data = apistrat)
    #   SE(svymean(~I(awards == "Yes"), fixed))                  # 0.0360383804628015
    #   attr(svyciprop(~I(awards == "Yes"), fixed), "ci")
    #                                     # 0.564581677784159 0.705854072377629
    fixed = one(api, awards(), weights=raked["weights"])
    assert close(fixed.se, 0.0360383804628015)
    assert close(fixed.ci_low, 0.564581677784159)
    assert close(fixed.ci_high, 0.705854072377629)
    assert close(one(api, awards(), **raked).se, 0.0293616707930546)


# --------------------------------------------------------------------------- hand calculation


def test_unweighted_simple_proportion_by_hand() -> None:
    # 10 respondents, 3 yes, no weights: p = 0.3. Linearised values z_i = (y_i − p)/10:
    # 0.07 for the 3 yes and −0.03 for the 7 no; their mean is 0, so
    #   Σ (z_i − z̄)² = 3·0.07² + 7·0.03² = 0.0147 + 0.0063 = 0.021
    #   var = n/(n−1) · 0.021 = 10/9 · 0.021 = 0.0233333…,  se = 0.1527525…
    # (= √(p(1−p)/(n−1)) = √(0.21/9)). df = 9, t(0.975, 9) = 2.2621571628
    #   logit: expit(logit(0.3) ± 2.2621571628 · 0.1527525 / 0.21)
    #        = expit(−0.8472979 ± 1.6454566) = (0.0763662, 0.6895849)
    frame = pd.DataFrame({"y": pd.Categorical(["1"] * 3 + ["0"] * 7, categories=["0", "1"])})
    ind = Indicator("u", "y", ("1",))
    e = one(frame, ind)
    assert (e.n, e.n_positive, e.df) == (10, 3, 9)
    assert e.estimate == pytest.approx(0.3, rel=1e-15)
    assert e.se == pytest.approx(math.sqrt(10 / 9 * 0.021), rel=1e-12)
    # R: u <- data.frame(y = c(1,1,1,0,0,0,0,0,0,0))
    #    du <- svydesign(ids = ~1, weights = ~rep(1, 10), data = u)
    #    svyciprop(~I(y == 1), du, method = "logit")   # 0.0763662289866008 0.6895848920331606
    #    svyciprop(~I(y == 1), du, method = "beta")    # 0.0590341119647935 0.6720192060947284
    # Wilson (R has none built in; the formula in R, on svymean's se):
    #    m <- svymean(~y, du); p <- coef(m); se <- SE(m); neff <- p*(1-p)/se^2
    #    cc <- qt(0.975, degf(du)); c2n <- cc^2/neff; ctr <- (p + c2n/2)/(1 + c2n)
    #    h <- cc/(1 + c2n)*sqrt(p*(1-p)/neff + c2n/(4*neff)); c(ctr - h, ctr + h)
    #                                                   # 0.0872288955649224 0.6577658295408751
    want = {
        CiMethod.LOGIT: (0.0763662289866008, 0.6895848920331606),
        CiMethod.BETA: (0.0590341119647935, 0.6720192060947284),
        CiMethod.WILSON: (0.0872288955649224, 0.6577658295408751),
    }
    for method, (low, high) in want.items():
        e = one(frame, ind, ci=method)
        assert e.ci_method == str(method)
        assert close(e.ci_low, low) and close(e.ci_high, high), (method, e)


# --------------------------------------------------------------------------- R: beta, wilson

# Sampling weights of apistrat (R stores them in single precision):
#   sprintf("%.17g", unique(apistrat$pw))
#   # 44.209999084472656 20.360000610351562 15.100000381469727
PW = {"Elementary": 44.209999084472656, "Middle": 20.360000610351562, "High": 15.100000381469727}


def sampling_weights(api: pd.DataFrame) -> np.ndarray:
    return api["stype"].astype(str).map(PW).to_numpy(dtype=float)


def varied_weights(api: pd.DataFrame) -> np.ndarray:
    # R: apistrat$wv <- apistrat$pw * (1 + (apistrat$snum %% 7))
    return sampling_weights(api) * (1 + api["snum"].astype(int).to_numpy() % 7)


HIGH = Condition("stype", values=("High",))
MIDDLE = Condition("stype", values=("Middle",))

# (case, design, where, method) -> R's (estimate, se, ci_low, ci_high). R code:
#   ci3 <- function(f, des, m) { r <- svyciprop(f, des, method = m)
#                                c(coef(r), SE(r), attr(r, "ci")) }
#   wil <- the Wilson formula of test_unweighted_simple_proportion_by_hand, with
#          svymean(~as.numeric(awards == "Yes"), des)
#   d2 <- svydesign(ids = ~1, weights = ~pw, data = apistrat)
#   d3 <- svydesign(ids = ~1, weights = ~wv, data = apistrat)
R_INTERVALS = [
    # ci3(~I(awards == "Yes"), r, "beta")
    ("raked", (), CiMethod.BETA,
     (0.6381988542375198, 0.0293616707930546, 0.5775040833556486, 0.6957975185895491)),
    # wil(r)
    ("raked", (), CiMethod.WILSON,
     (0.6381988542375198, 0.0293616707930546, 0.5787029340881442, 0.6937392451590871)),
    # wil(subset(r, stype == "H"))
    ("raked", (HIGH,), CiMethod.WILSON,
     (0.3187343625275435, 0.0731000944652038, 0.1940619072462500, 0.4761783455611497)),
    # ci3(~I(awards == "Yes"), d2, "logit") and "beta"
    ("pw", (), CiMethod.LOGIT,
     (0.6389360640505779, 0.0360031053567647, 0.5653738491769607, 0.7065108173569454)),
    ("pw", (), CiMethod.BETA,
     (0.6389360640505782, 0.0360031053567647, 0.5637072300204713, 0.7094518774525214)),
    # ci3(~I(awards == "Yes"), subset(d2, stype == "H"), ...); wil(subset(d2, stype == "H"))
    ("pw", (HIGH,), CiMethod.LOGIT,
     (0.32, 0.0661352352890172, 0.2035029984525653, 0.4643105531239656)),
    ("pw", (HIGH,), CiMethod.BETA,
     (0.32, 0.0661352352890172, 0.1949127045228955, 0.4673981404336541)),
    ("pw", (HIGH,), CiMethod.WILSON,
     (0.32, 0.0661352352890172, 0.2049845732850473, 0.4620439597671839)),
    # ci3(~I(awards == "Yes"), subset(d2, stype == "M" & api00 >= 700), ...): 12 schools
    ("pw", (MIDDLE, Condition("api00", min=700)), CiMethod.LOGIT,
     (0.666666666666622, 0.136424251511676, 0.341176055331303, 0.885375681559120)),
    ("pw", (MIDDLE, Condition("api00", min=700)), CiMethod.BETA,
     (0.666666666666667, 0.136424251511676, 0.348054147298450, 0.901182598148866)),
    # Small groups with large, unequal weights:
    # ci3(~I(awards == "Yes"), subset(d3, stype == "M" & api00 >= 800), ...): 4 schools, 3 yes
    ("wv", (MIDDLE, Condition("api00", min=800)), CiMethod.LOGIT,
     (0.823529411764206, 0.168446703883096, 0.104495342038179, 0.994670398784642)),
    ("wv", (MIDDLE, Condition("api00", min=800)), CiMethod.BETA,
     (0.823529411764706, 0.168446703883096, 0.309154610018807, 0.996845843009701)),
    # subset(d3, stype == "H" & api00 >= 750): 6 schools, 5 yes; wil() for wilson
    ("wv", (HIGH, Condition("api00", min=750)), CiMethod.LOGIT,
     (0.719999999859218, 0.226240055724159, 0.125614554846974, 0.978735582434499)),
    ("wv", (HIGH, Condition("api00", min=750)), CiMethod.BETA,
     (0.72, 0.226240055724159, 0.172193726225393, 0.990406073342701)),
    ("wv", (HIGH, Condition("api00", min=750)), CiMethod.WILSON,
     (0.72, 0.226240055724159, 0.200963699311266, 0.963357129140000)),
]  # fmt: skip


@pytest.mark.parametrize(("design", "where", "method", "want"), R_INTERVALS)
def test_intervals_against_r(
    api: pd.DataFrame,
    raked: dict,
    design: str,
    where: tuple[Condition, ...],
    method: CiMethod,
    want: tuple[float, float, float, float],
) -> None:
    options: dict = {
        "raked": raked,
        "pw": {"weights": sampling_weights(api)},
        "wv": {"weights": varied_weights(api)},
    }[design]
    e = one(api, awards(*where), ci=method, **options)
    assert e.ci_method == str(method)
    for key, value in zip(("estimate", "se", "ci_low", "ci_high"), want, strict=True):
        assert close(getattr(e, key), value), (key, getattr(e, key), value)


def test_beta_in_a_raked_domain_uses_the_domain_size(api: pd.DataFrame, raked: dict) -> None:
    # Deliberate difference from R. In a calibrated design R's subset() keeps all rows,
    # so svyciprop(method = "beta") scales n_eff by (t(nrow − 1)/t(df))² with
    # nrow = 200, not the domain's 50:
    #   svyciprop(~I(awards == "Yes"), subset(r, stype == "H"), method = "beta")
    #                                   # 0.1792535815016436 0.4868469607122803
    # panelkit uses the domain's own size, as R does for an uncalibrated design
    # (case "pw" above), so the factor is 1 here and the interval slightly narrower.
    e = one(api, awards(HIGH), ci=CiMethod.BETA, **raked)
    assert e.ci_low is not None and e.ci_high is not None
    assert 0.1792535815016436 < e.ci_low < e.estimate < e.ci_high < 0.4868469607122803


# --------------------------------------------------------------------------- p = 0 and p = 1

# subset(d3, stype == "M" & api00 >= 850): 3 schools, all eligible for awards.
# R: svyciprop(..., method = "logit") gives 0.999999999302674 0.999999999995152 (a
# degenerate interval) and method = "beta" gives NaN NaN. panelkit falls back to
# Clopper–Pearson on Kish's effective sample size:
#   w <- weights(subset(d3, stype == "M" & api00 >= 850))
#   k <- sum(w)^2/sum(w^2)   # 2.96969696969697
#   qbeta(0.025, k, 1)     # 0.288755868445394  (p = 1: interval [0.2888, 1])
#   qbeta(0.975, 1, k)     # 0.711244131554606  (p = 0: interval [0, 0.7112])
ALL_YES = (MIDDLE, Condition("api00", min=850))


@pytest.mark.parametrize("method", list(CiMethod))
def test_p_one_and_p_zero_fall_back_to_clopper_pearson(api: pd.DataFrame, method: CiMethod) -> None:
    weights = varied_weights(api)
    yes = one(api, awards(*ALL_YES), ci=method, weights=weights)
    no = one(api, awards(*ALL_YES, positive="No"), ci=method, weights=weights)
    assert (yes.n, yes.n_positive, yes.estimate, yes.se) == (3, 3, 1.0, 0.0)
    assert (no.n, no.n_positive, no.estimate, no.se) == (3, 0, 0.0, 0.0)
    assert yes.ci_method == no.ci_method == "beta"
    assert close(yes.ci_low, 0.288755868445394) and yes.ci_high == 1.0
    assert no.ci_low == 0.0 and close(no.ci_high, 0.711244131554606)


def test_unweighted_p_zero_is_the_exact_binomial_interval() -> None:
    frame = pd.DataFrame({"y": pd.Categorical(["0"] * 20, categories=["0", "1"])})
    e = one(frame, Indicator("u", "y", ("1",)))
    # Clopper–Pearson for 0 of 20: upper = 1 − 0.025^(1/20)
    assert e.ci_method == "beta" and e.ci_low == 0.0
    assert e.ci_high == pytest.approx(1 - 0.025 ** (1 / 20), rel=1e-12)


def test_single_respondent_gets_an_interval() -> None:
    frame = pd.DataFrame({"y": pd.Categorical(["1"], categories=["0", "1"])})
    e = one(frame, Indicator("u", "y", ("1",)), weights=np.array([7.5]))
    assert (e.n, e.df, e.estimate, e.se, e.ci_method) == (1, 0, 1.0, 0.0, "beta")
    assert e.ci_low == pytest.approx(0.025) and e.ci_high == 1.0


# --------------------------------------------------------------------------- missing answers


def test_missing_answers_against_r(api: pd.DataFrame, raked: dict) -> None:
    # 20 schools (snum divisible by 9) did not answer. Their rows stay in the design
    # (weights and raking unchanged) but leave the domain of the share.
    #   x <- apistrat; x$awards[x$snum %% 9 == 0] <- NA; (r from x as above)
    #   des <- subset(r, !is.na(awards))
    #   svyciprop(~I(awards == "Yes"), des, method = "logit"); SE(svymean(..., des, na.rm = TRUE))
    #   # 0.6412667876862346 0.0313706007261106 0.5773174516343668 0.7005592421038006, degf 179
    #   des <- subset(r, !is.na(awards) & stype == "H")
    #   # 0.3242091911360587 0.0791871389161076 0.1878749303867137 0.4987221647731038, degf 42
    frame = api.copy()
    frame.loc[frame["snum"].astype(int) % 9 == 0, "awards"] = np.nan
    rows = estimate(frame, [awards()], by=["stype"], min_n=0, **raked)
    overall, high = rows[0], rows[2]
    assert (overall.n, overall.df, high.group, high.n, high.df) == (180, 179, "High", 43, 42)
    want = {
        overall: (0.6412667876862346, 0.0313706007261106, 0.5773174516343668, 0.7005592421038006),
        high: (0.3242091911360587, 0.0791871389161076, 0.1878749303867137, 0.4987221647731038),
    }
    for e, values in want.items():
        for key, value in zip(("estimate", "se", "ci_low", "ci_high"), values, strict=True):
            assert close(getattr(e, key), value), (e.group, key)


# --------------------------------------------------------------------------- raking sweeps

# 300 respondents raked on two strongly associated margins a and b (b equals a for
# about 85%), so that R's 10 centring sweeps have not converged:
#   x <- read.csv("assoc.csv")   # columns a, b, y as in the strings below
#   x$a <- factor(x$a); x$b <- factor(x$b)
#   d <- svydesign(ids = ~1, weights = ~rep(1, nrow(x)), data = x)
#   pa <- data.frame(a = factor(0:2), Freq = c(4000, 3000, 3000))
#   pb <- data.frame(b = factor(0:2), Freq = c(2500, 4500, 3000))
#   r <- rake(d, list(~a, ~b), list(pa, pb), control = list(maxit = 1000, epsilon = 1e-13))
#   sprintf("%.17g", tapply(weights(r), list(x$a, x$b), mean))   # ASSOC_WEIGHTS (a varies fastest)
#   svymean(~y, r)                       # 0.407958430228991, SE 0.0318047634706341
#   svymean(~y, subset(r, a == "1"))     # 0.458115842716236, SE 0.0547048141298825
ASSOC_A = (
    "122012022110011122120010011211100010102002121201121101102121111010102011210222100210"
    "211110021112010021112111112202022012012120010121102121122112120112021212110002201111"
    "121110012220222120000001010101212110102220110121220220111011221222001012101101012111"
    "001102100200002012101212022211012001220021222221"
)
ASSOC_B = (
    "122012022110011112121010111111100000102002121220121101102121111010102011200122120210"
    "210110021112010022112211112212022012012120010121102121122110120112021212110002201111"
    "121100012220222020000001010111212110102220110121220220111012221222001012001101012111"
    "001122100200002012102112022221012020220021222221"
)
ASSOC_Y = (
    "001111111010011011010010010001001001011001001100000100000110010010001011000011100110"
    "110010110110010101110100011001011011011010010000101111011011100001010001101100001100"
    "100101010100110011001000001100001101011011001110110010000010101001001011010000010100"
    "001001100110111001001101010100011011011010111000"
)
ASSOC_WEIGHTS = [
    31.222796770336199, 2.8692487979061898, 10.445064760190901,
    293.06810922286598, 26.931774442808599, 98.041037210599796,
    90.281654563004395, 8.2965190701298095, 30.2022184464806,
]  # fmt: skip


def assoc() -> tuple[pd.DataFrame, dict]:
    a = np.array([int(c) for c in ASSOC_A])
    b = np.array([int(c) for c in ASSOC_B])
    frame = pd.DataFrame(
        {
            "a": pd.Categorical.from_codes(a, categories=["0", "1", "2"]),
            "b": pd.Categorical.from_codes(b, categories=["0", "1", "2"]),
            "y": pd.Categorical([c for c in ASSOC_Y], categories=["0", "1"]),
        }
    )
    weights = np.array(ASSOC_WEIGHTS)[a + 3 * b]
    return frame, {"weights": weights, "calibration": (a, b)}


def test_centring_follows_r_sweep_for_sweep() -> None:
    frame, design = assoc()
    overall = Indicator("y", "y", ("1",))
    domain = Indicator("y_a1", "y", ("1",), where=(Condition("a", values=("1",)),))
    rows = estimate(frame, [overall, domain], min_n=0, **design)
    assert close(rows[0].estimate, 0.407958430228991) and close(rows[0].se, 0.0318047634706341)
    assert close(rows[1].estimate, 0.458115842716236) and close(rows[1].se, 0.0547048141298825)
    # Solved to convergence the adjustment differs by 1.7% here: R stops after 10 sweeps.
    limit = estimate(frame, [domain], min_n=0, calibration_sweeps=None, **design)[0]
    assert limit.se == pytest.approx(0.0556289925, rel=1e-8)
    many = estimate(frame, [domain], min_n=0, calibration_sweeps=2000, **design)[0]
    assert many.se == pytest.approx(limit.se, rel=1e-9)


def test_api_converged_centring_is_within_r_tolerance(
    api: pd.DataFrame, expected: dict, raked: dict
) -> None:
    # With weakly associated margins the sweeps converge fast: the limit agrees with
    # R's 10 sweeps far inside 1e-6.
    want = expected["estimates"][0]
    e = one(api, awards(), calibration_sweeps=None, **raked)
    assert close(e.se, want["se"], rel=1e-8)


def naive_r_se(
    frame: pd.DataFrame,
    domain: np.ndarray,
    yes: np.ndarray,
    weights: np.ndarray,
    calibration: tuple[np.ndarray, ...],
) -> tuple[float, float]:
    """A literal transcription of R's svymean + svyrecvar for a raked design, one
    respondent at a time in the sense of R (vectors of length n), for comparison."""
    n = len(frame)
    total = weights[domain].sum()
    p = (weights * yes * domain).sum() / total
    x = weights * domain * (yes - p) / total  # svymean: x * pweights / psum
    for _ in range(10):  # for (iterations in 1:10) for (margin in psvar)
        for cells in calibration:
            # x <- x - psw * apply(x / psw, 2, ave, margin)
            x = x - weights * pd.Series(x / weights).groupby(cells).transform("mean").to_numpy()
    return p, math.sqrt(n / (n - 1) * ((x - x.mean()) ** 2).sum())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_against_a_literal_transcription_of_r(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 400
    m1, m2, m3 = rng.integers(0, 4, n), rng.integers(0, 3, n), rng.integers(0, 2, n)
    m2 = np.where(rng.random(n) < 0.5, m1 % 3, m2)  # associated margins
    weights = rng.gamma(2.0, 1.0, n) + 0.05
    q = rng.integers(-1, 3, n)  # −1: no answer
    g = rng.integers(-1, 4, n)  # −1: missing group
    frame = pd.DataFrame(
        {
            "q": pd.Categorical.from_codes(q, categories=["a", "b", "c"]),
            "g": pd.Categorical.from_codes(g, categories=["g0", "g1", "g2", "g3"]),
            "m1": m1.astype(float),
        }
    )
    calibration = (m1, m2, m3)
    ind = Indicator("q", "q", ("a", "c"), where=(Condition("m1", min=1),))
    rows = estimate(frame, [ind], weights=weights, calibration=calibration, by=["g"], min_n=0)
    answered = (q >= 0) & (m1 >= 1)
    yes = np.isin(q, [0, 2])
    domains = [answered] + [answered & (g == k) for k in range(4)]
    for e, domain in zip(rows, domains, strict=True):
        p, se = naive_r_se(frame, domain, yes, weights, calibration)
        assert e.n == domain.sum()
        assert e.estimate == pytest.approx(p, rel=1e-12)
        assert e.se == pytest.approx(se, rel=1e-9)


def test_memory_chunks_do_not_change_results(
    api: pd.DataFrame, raked: dict, api_indicators: tuple[Indicator, ...], monkeypatch
) -> None:
    # by the respondents' values (level sums would not fit the bound below either)
    monkeypatch.setattr(design_module.SurveyDesign, "levels_fit", lambda *_: False)
    whole = estimate(api, api_indicators, by=["stype", "api_band"], min_n=0, **raked)
    monkeypatch.setattr(design_module, "_BLOCK_BYTES", 1)  # one group per chunk
    chunked = estimate(api, api_indicators, by=["stype", "api_band"], min_n=0, **raked)
    for a, b in zip(whole, chunked, strict=True):
        assert a.estimate == b.estimate
        assert a.se == (None if b.se is None else pytest.approx(b.se, rel=1e-12, abs=0))


def test_level_sums_and_respondents_give_the_same_rows(
    api: pd.DataFrame, raked: dict, api_indicators: tuple[Indicator, ...], monkeypatch
) -> None:
    # The same numbers by either way (tests/test_levels.py proves it on random designs);
    # the sums come in another order, so equal to rounding.
    by = ["stype", "api_band"]
    levels = estimate(api, api_indicators, by=by, min_n=0, **raked)
    monkeypatch.setattr(design_module.SurveyDesign, "levels_fit", lambda *_: False)
    respondents = estimate(api, api_indicators, by=by, min_n=0, **raked)
    assert len(levels) == len(respondents)
    for a, b in zip(levels, respondents, strict=True):
        assert (a.indicator, a.group, a.n, a.n_positive, a.df, a.ci_method) == (
            b.indicator, b.group, b.n, b.n_positive, b.df, b.ci_method,
        )  # fmt: skip
        for field in ("estimate", "se", "ci_low", "ci_high", "deff"):
            x, y = getattr(a, field), getattr(b, field)
            assert x == (None if y is None else pytest.approx(y, rel=1e-10, abs=1e-15)), field


# --------------------------------------------------------------------------- suppression & misc


def test_primary_suppression(api: pd.DataFrame, raked: dict) -> None:
    rows = estimate(api, [awards()], by=["api_band"], min_n=30, **raked)
    by_group = {e.group: e for e in rows}
    small = by_group["800+"]  # 25 schools
    assert (small.n, small.suppressed, small.suppression) == (25, True, "primary")
    assert small.estimate is small.se is small.ci_low is small.ci_high is None
    # the count of "yes" in a small group is itself disclosive
    assert small.n_positive is None and small.df == 24
    assert not by_group[None].suppressed and by_group[None].suppression is None
    # Only 800+ falls below 30; with the overall figure published it could be recovered
    # from the overall and the other three bands, so the next smallest band (700-799,
    # 48 schools) is suppressed too.
    assert (by_group["700-799"].suppressed, by_group["700-799"].suppression) == (True, "secondary")
    assert by_group["700-799"].estimate is None and by_group["700-799"].n == 48
    assert not by_group["<600"].suppressed and not by_group["600-699"].suppressed
    # min_n = 0 turns suppression off; suppressing again changes nothing.
    assert not any(e.suppressed for e in estimate(api, [awards()], min_n=0, **raked))
    assert apply_suppression(rows, 30) == rows


def test_frame_is_not_modified(api: pd.DataFrame, raked: dict) -> None:
    frame = api.copy()
    estimate(frame, [awards(HIGH)], by=["stype", "api_band"], **raked)
    pd.testing.assert_frame_equal(frame, api)


def test_numeric_positive_range_equals_the_category(api: pd.DataFrame, raked: dict) -> None:
    by_number = Indicator("api800", "api00", (), positive_range=(800.0, None))
    frame = api.assign(band800=pd.Categorical(api["api_band"] == "800+"))
    by_label = Indicator("api800", "band800", (True,))  # type: ignore[arg-type]
    a, b = one(frame, by_number, **raked), one(frame, by_label, **raked)
    assert (a.n, a.n_positive) == (b.n, b.n_positive) == (200, 25)
    assert a.estimate == pytest.approx(b.estimate, rel=1e-14)
    assert a.se == pytest.approx(b.se, rel=1e-12)


def test_respondents_without_a_group_count_only_overall(api: pd.DataFrame, raked: dict) -> None:
    frame = api.copy()
    frame.loc[frame["snum"].astype(int) % 5 == 0, "stype"] = np.nan
    rows = estimate(frame, [awards()], by=["stype"], min_n=0, **raked)
    assert rows[0].n == 200
    assert sum(e.n for e in rows[1:]) == int(frame["stype"].notna().sum())


def test_wrong_inputs() -> None:
    frame = pd.DataFrame({"y": pd.Categorical(["1", "0"])})
    ind = Indicator("u", "y", ("1",))
    with pytest.raises(DataError, match="by variable 'sex' is not in the data"):
        estimate(frame, [ind], by=["sex"])
    with pytest.raises(DataError, match="indicator v: variable 'v' is not in the data"):
        estimate(frame, [Indicator("v", "v", ("1",))])
    with pytest.raises(ValueError, match="one value per row"):
        estimate(frame, [ind], weights=np.ones(3))
    with pytest.raises(ValueError, match="not negative"):
        estimate(frame, [ind], weights=np.array([1.0, -1.0]))
    with pytest.raises(ValueError, match="calibration"):
        estimate(frame, [ind], weights=np.ones(2), calibration=[np.array([0])])


# --------------------------------------------------------------------------- properties


@st.composite
def surveys(draw: st.DrawFn) -> tuple[pd.DataFrame, np.ndarray, tuple[np.ndarray, ...]]:
    n = draw(st.integers(2, 40))
    codes = st.lists(st.integers(-1, 2), min_size=n, max_size=n)
    answer = np.array(draw(codes))
    group = np.array(draw(codes))
    cells = np.array(draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)))
    weights = np.array(
        draw(st.lists(st.floats(0.01, 100.0, allow_nan=False), min_size=n, max_size=n))
    )
    frame = pd.DataFrame(
        {
            "q": pd.Categorical.from_codes(answer, categories=["a", "b", "c"]),
            "g": pd.Categorical.from_codes(group, categories=["x", "y", "z"]),
        }
    )
    # A second margin: the parity of the row, so cells overlap the first.
    calibration = (cells, np.arange(n) % 2) if draw(st.booleans()) else ()
    return frame, weights, calibration


QUESTION = Indicator("q", "q", ("a",))
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(surveys(), st.floats(1e-3, 1e3), st.sampled_from(list(CiMethod)))
def test_scaling_the_weights_changes_nothing(survey, factor: float, method: CiMethod) -> None:
    frame, weights, calibration = survey
    options = {"by": ["g"], "ci": method, "min_n": 0, "calibration": calibration}
    base = estimate(frame, [QUESTION], weights=weights, **options)
    scaled = estimate(frame, [QUESTION], weights=weights * factor, **options)
    for a, b in zip(base, scaled, strict=True):
        assert (a.n, a.n_positive, a.df, a.ci_method) == (b.n, b.n_positive, b.df, b.ci_method)
        for key in ("estimate", "se", "ci_low", "ci_high"):
            x, y = getattr(a, key), getattr(b, key)
            assert (x is None) == (y is None)
            if x is not None:
                assert y == pytest.approx(x, rel=1e-8, abs=1e-12), key


@PROPERTY
@given(surveys(), st.sampled_from(list(CiMethod)))
def test_a_group_equals_the_same_domain(survey, method: CiMethod) -> None:
    frame, weights, calibration = survey
    options = {"weights": weights, "calibration": calibration, "ci": method, "min_n": 0}
    rows = estimate(frame, [QUESTION], by=["g"], **options)
    domains = [
        Indicator(f"q_{g}", "q", ("a",), where=(Condition("g", values=(g,)),)) for g in "xyz"
    ]
    for row, alone in zip(rows[1:], estimate(frame, domains, **options), strict=True):
        assert (row.n, row.n_positive, row.df, row.ci_method) == (
            alone.n,
            alone.n_positive,
            alone.df,
            alone.ci_method,
        )
        for key in ("estimate", "se", "ci_low", "ci_high"):
            x, y = getattr(row, key), getattr(alone, key)
            assert (x is None) == (y is None)
            if x is not None:
                assert y == pytest.approx(x, rel=1e-9, abs=1e-13), key


@PROPERTY
@given(surveys(), st.sampled_from(list(CiMethod)))
def test_estimates_and_intervals_are_proportions(survey, method: CiMethod) -> None:
    frame, weights, calibration = survey
    rows = estimate(
        frame, [QUESTION], weights=weights, calibration=calibration, by=["g"], ci=method, min_n=0
    )
    for e in rows:
        if e.suppressed:
            assert e.n == 0 and e.estimate is None
            continue
        assert e.estimate is not None and e.ci_low is not None and e.ci_high is not None
        assert 0.0 <= e.ci_low <= e.estimate <= e.ci_high <= 1.0
        assert e.ci_high > e.ci_low
        assert e.se is not None and e.se >= 0.0
        assert e.ci_method in ("logit", "wilson", "beta")
