"""With ``--cap`` panelkit reproduces R's bounded calibration (formats.md 8.5, issue 11.7).

Source of every expected number: tests/data/analyses-own/expected-capped.json, written
by tests/data/analyses-own/reference.R (R 4.2.2, survey 4.1.1; its README says how):

    d1 <- svydesign(ids = ~1, weights = ~w0, data = d)          # w0 = 50000 / 400 = 125
    cal <- calibrate(d1, ~agesex + area, population, calfun = "raking",
                     bounds = c(0, cap), maxit = 1000, epsilon = 1e-13)    # cap 5 and 6

calibrate() converged for both caps without a warning (the script checks every weight
against the bound and every margin total to 1e-9). Its SE uses the exact residual of the
regression on the margins' cells, not rake()'s ten centring sweeps; with cap 6 the cap
does not bind, and the design is still calibrate()'s. The shares and distributions run
through the CLI JSON; the means and contrasts through the library (their estimators are
not in panelkit yet: the test computes their linearised values by hand, below, and takes
the SE from the design's one variance engine).

The case's schema builds scores (formats.md 8.1) panelkit does not read yet, so the test
gives the CLI the score ``ucla3`` as a column, computed here as reference.R does: points
1-3, ``connected`` reversed (4 - points), summed only when all three items are answered.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from typer.testing import CliRunner

from panelkit.cli import app
from panelkit.input.indicators import Condition, Indicator
from panelkit.input.margins import Margin, Margins
from panelkit.jobs import load_survey
from panelkit.stats import design as design_module
from panelkit.stats.design import Influence, SurveyDesign, declare_design
from panelkit.stats.estimation import estimate_indicators
from test_estimation import assoc

CASE = Path(__file__).parent / "data" / "analyses-own"
EXPECTED = json.loads((CASE / "expected-capped.json").read_text(encoding="utf-8"))
CASES = {c["cap"]: c for c in EXPECTED["cases"]}
RTOL = 1e-6
POINTS = {"Sjældent eller aldrig": 1, "En gang imellem": 2, "Ofte": 3}
SAFE = ["Helt enig", "Delvis enig"]
BYS = ("age_group", "area")


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The case with ``ucla3`` as a column, its schema without the scores, and the shares
    and distributions as share indicators (one per category for a distribution)."""
    out = tmp_path_factory.mktemp("capped")
    raw = pd.read_csv(CASE / "data.csv", dtype=str, keep_default_na=False)
    points = pd.DataFrame(
        {
            "a": raw["q2_1"].map(POINTS),
            "b": raw["q2_2"].map(POINTS),
            "c": 4 - raw["q2_3"].map(POINTS),  # connected is worded the other way
        }
    )
    ucla3 = points.sum(axis=1, min_count=3)  # sum only with all three items answered
    raw["ucla3"] = [str(int(v)) if v == v else "" for v in ucla3]
    raw.to_csv(out / "data.csv", index=False)
    schema = (CASE / "schema.yaml").read_text(encoding="utf-8")
    schema = schema[: schema.index("  ucla3:")]  # the derived scores go; age_group stays
    schema = schema.replace(
        "derived:\n", "  ucla3: {column: ucla3, type: integer, min: 3, max: 9}\nderived:\n"
    )
    (out / "schema.yaml").write_text(schema, encoding="utf-8")
    lines = ["indicators:"]

    def add(ident: str, variable: str, positive: str, where: str = "") -> None:
        lines.extend(
            [
                f"  - id: {ident}",
                f"    variable: {variable}",
                f"    positive: {positive}",
                *([f"    where: {where}"] if where else []),
                f"    label: {{da: {ident}, en: {ident}}}",
            ]
        )

    add("lonely", "ucla3", "{min: 7}")
    add("lonely_dissatisfied", "ucla3", "{min: 7}", "{life_sat: {max: 5}}")
    add("feel_safe", "feel_safe", json.dumps(SAFE))
    add("feel_safe_women", "feel_safe", json.dumps(SAFE), "{sex: [Kvinde]}")
    for name, variable in (
        ("lack_company_answers", "lack_company"),
        ("feel_safe_answers", "feel_safe"),
    ):
        for k, category in enumerate(_categories(variable)):
            add(f"{name}_{k}", variable, json.dumps([category]))
    (out / "indicators.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def _categories(variable: str) -> list[str]:
    if variable == "lack_company":
        return list(POINTS)
    return ["Helt enig", "Delvis enig", "Hverken enig eller uenig", "Delvis uenig", "Helt uenig"]


def _id(row: dict) -> str:
    """The share indicator of an R share or distribution row (see ``case``)."""
    if row["kind"] != "distribution":
        return row["indicator"]
    variable = "lack_company" if row["indicator"].startswith("lack") else "feel_safe"
    return f"{row['indicator']}_{_categories(variable).index(row['category'])}"


def close(got: float | None, want: float) -> bool:
    return got is not None and math.isclose(got, want, rel_tol=RTOL)


@pytest.fixture(scope="module")
def designs(case: Path) -> dict[float, SurveyDesign]:
    """panelkit's own capped design per cap, raked from the data (the library path)."""
    from panelkit.input.margins import load_margins

    survey = load_survey(case / "data.csv", case / "schema.yaml").usable(False)
    margins = load_margins(CASE / "margins.csv", survey.schema)
    return {cap: declare_design(survey, margins, cap=cap) for cap in CASES}


# --------------------------------------------------------------------------- weights


@pytest.mark.parametrize("cap", sorted(CASES))
def test_capped_weights_are_r_calibrates_bounded_weights(
    designs: dict[float, SurveyDesign], cap: float
) -> None:
    expected = CASES[cap]
    design = designs[cap]
    ids = design.frame["respondent_id"].astype(str)
    r_weights = ids.map(expected["weights"]).to_numpy(dtype=float)
    np.testing.assert_allclose(design.weights, r_weights, rtol=1e-9)
    bound = expected["weight_bound"]  # cap x 125
    assert design.weights.max() <= bound * (1 + 1e-12)
    at_cap = int(np.sum(np.abs(design.weights - bound) < 1e-6 * bound))
    assert at_cap == expected["binding"]  # 2 with cap 5; cap 6 does not bind
    # Binding or not, a capped design is a bounded calibration (R's calibrate()).
    assert design.calibration.bounded and design.calibration.exact


# --------------------------------------------------------------------------- shares, CLI


@pytest.fixture(scope="module")
def cli_rows(case: Path) -> dict[float, dict[tuple, dict]]:
    out = {}
    for cap in CASES:
        result = CliRunner().invoke(
            app,
            [
                "summarize", str(case / "data.csv"), "--schema", str(case / "schema.yaml"),
                "--margins", str(CASE / "margins.csv"), "--indicators",
                str(case / "indicators.yaml"), "--by", "age_group", "--by", "area",
                "--min-n", "0", "--cap", f"{cap:g}", "--format", "json",
            ],
        )  # fmt: skip
        assert result.exit_code == 0, result.stderr
        rows = json.loads(result.stdout)["estimates"]
        out[cap] = {(r["indicator"], r["by"], r["group"]): r for r in rows}
    return out


@pytest.mark.parametrize("cap", sorted(CASES))
def test_every_share_and_distribution_row_through_the_cli(
    cli_rows: dict[float, dict[tuple, dict]], cap: float
) -> None:
    wanted = [r for r in CASES[cap]["estimates"] if r["kind"] in ("share", "distribution")]
    assert len(wanted) == 36 + 72
    for want in wanted:
        got = cli_rows[cap][(_id(want), want["by"], want["group"])]
        where = (want["indicator"], want.get("category"), want["by"], want["group"])
        assert (got["n"], got["n_positive"]) == (want["n"], want["n_positive"]), where
        assert got["ci_method"] == want["ci_method"] == "logit"
        for field in ("estimate", "se", "ci_low", "ci_high"):
            assert close(got[field], want[field]), (where, field, got[field], want[field])


# Strongly associated margins, where the ten sweeps have not converged: the 300
# respondents of test_estimation's ASSOC case (b equals a for about 85 %), capped.
# R 4.2.2, survey 4.1.1 (calibrate() converged for both caps without a warning):
#   x <- read.csv("assoc.csv"); x$a <- factor(x$a); x$b <- factor(x$b)
#   x$w0 <- 10000 / 300
#   d1 <- svydesign(ids = ~1, weights = ~w0, data = x)
#   pop <- c("(Intercept)" = 10000, a1 = 3000, a2 = 3000, b1 = 4500, b2 = 3000)
#   cal <- calibrate(d1, ~a + b, pop, calfun = "raking", bounds = c(0, cap),
#                    maxit = 1000, epsilon = 1e-13)              # cap 6: 4 weights at 200
#   sprintf("%.17g", tapply(weights(cal), list(x$a, x$b), mean))   # a varies fastest
#   svymean(~y, cal); svymean(~y, subset(cal, a == "1")); svymean(~y, subset(cal, b == "2"))
#   svyciprop(~I(y == 1), subset(cal, a == "1"), method = "logit")
ASSOC_R = {
    6: {
        "weights": [
            31.514912668074562, 0.70474078161224163, 4.6839729692121841,
            200.0, 27.289052106267405, 181.37333010410086,
            177.58047480541512, 3.971078832790794, 26.393287286213774,
        ],
        "all": (0.411982714458819, 0.0352637122246245),
        "a1": (0.459023527531118, 0.0540988864791674, 0.355354842505998, 0.566364742425683),
        "b2": (0.564637028872658, 0.0714808550789971),
    },
    10: {  # the cap does not bind: rake()'s weights, calibrate()'s SE
        "weights": [
            31.222796770336263, 2.869248797906284, 10.445064760191531,
            293.06810922285825, 26.931774442808759, 98.041037210603264,
            90.281654563000885, 8.2965190701297669, 30.202218446481275,
        ],
        "all": (0.407958430228994, 0.0319221779091659),
        "a1": (0.458115842716236, 0.0556289925267395, 0.351700615806, 0.568494648254169),
        "b2": (0.612232554407599, 0.0553325555050507),
    },
}  # fmt: skip


@pytest.mark.parametrize("cap", sorted(ASSOC_R))
def test_strongly_associated_margins_get_calibrates_se(cap: float) -> None:
    frame, _ = assoc()
    cells = (("0",), ("1",), ("2",))
    margins = Margins(
        (
            Margin("a", ("a",), cells, (4000, 3000, 3000)),
            Margin("b", ("b",), cells, (2500, 4500, 3000)),
        )
    )
    design = declare_design(frame, margins, cap=cap)
    a, b = (frame[v].cat.codes.to_numpy() for v in ("a", "b"))
    want = ASSOC_R[cap]
    np.testing.assert_allclose(design.weights, np.array(want["weights"])[a + 3 * b], rtol=1e-9)
    indicators = [
        Indicator("all", "y", ("1",)),
        Indicator("a1", "y", ("1",), where=(Condition("a", values=("1",)),)),
        Indicator("b2", "y", ("1",), where=(Condition("b", values=("2",)),)),
    ]
    rows = estimate_indicators(design, indicators, min_n=0)
    for row in rows:
        numbers = (row.estimate, row.se, row.ci_low, row.ci_high)
        for got, expected in zip(numbers, want[row.indicator], strict=False):
            assert close(got, expected), (row.indicator, got, expected)
    # rake()'s ten sweeps on the same weights miss R's SE by 0.13-1.7 %.
    swept = declare_design(frame, weights=design.weights, calibration=design.calibration.cells)
    for row in estimate_indicators(swept, indicators, min_n=0):
        assert not math.isclose(row.se, want[row.indicator][1], rel_tol=1e-3), row.indicator


# --------------------------------------------------------------------------- means, library


def _values(frame: pd.DataFrame, indicator: str) -> tuple[np.ndarray, np.ndarray]:
    """The analysed values of a mean indicator (NaN: no value) and its where domain."""
    everyone = np.ones(len(frame), dtype=bool)
    life = frame["life_sat"].to_numpy(dtype=float)
    if indicator == "life_satisfaction":
        return life, everyone
    if indicator == "life_sat_feel_safe":
        return life, frame["feel_safe"].isin(SAFE).to_numpy()
    if indicator == "loneliness_mean":
        return frame["ucla3"].to_numpy(dtype=float), everyone
    if indicator == "loneliness_index_mean":
        items = [frame[v].map(POINTS).astype(float) for v in ("lack_company", "left_out")]
        items.append(4 - frame["connected"].map(POINTS).astype(float))
        points = pd.concat(items, axis=1)
        index = points.mean(axis=1).where(points.notna().sum(axis=1) >= 2) * 5
        return index.to_numpy(dtype=float), everyone
    if indicator == "feel_safe_mean":
        scores = {c: 5 - k for k, c in enumerate(_categories("feel_safe"))}
        return frame["feel_safe"].map(scores).astype(float).to_numpy(), everyone
    raise AssertionError(indicator)


def _inside(design: SurveyDesign, row: dict) -> np.ndarray:
    """The respondents of an R row: the indicator's domain, answered, in the group."""
    x, where = _values(design.frame, row["indicator"])
    inside = where & ~np.isnan(x)
    if row["by"] is not None:
        inside &= (design.frame[row["by"]] == row["group"]).to_numpy()
    return inside


def _mean(design: SurveyDesign, x: np.ndarray, inside: np.ndarray) -> tuple[float, Influence]:
    """The weighted mean of x over ``inside``, and its linearised values (x − mean)/Σw
    (R: svymean's influence of a ratio)."""
    domain = design.domain(inside)
    w, y = domain.weights, x[domain.rows]
    m = float((w * y).sum() / w.sum())
    group = np.zeros(len(domain), dtype=np.intp)
    return m, Influence(domain, group, (y - m) / w.sum(), 1)


def _mean_se(design: SurveyDesign, row: dict) -> float:
    x, _ = _values(design.frame, row["indicator"])
    return math.sqrt(design.variance(_mean(design, x, _inside(design, row))[1])[0])


@pytest.mark.parametrize("cap", sorted(CASES))
def test_every_mean_row_on_the_capped_design(
    designs: dict[float, SurveyDesign], cap: float
) -> None:
    design = designs[cap]
    wanted = [r for r in CASES[cap]["estimates"] if r["kind"] == "mean"]
    assert len(wanted) == 45
    for want in wanted:
        x, _ = _values(design.frame, want["indicator"])
        inside = _inside(design, want)
        m, influence = _mean(design, x, inside)
        se = math.sqrt(design.variance(influence)[0])
        where = (want["indicator"], want["by"], want["group"])
        assert int(inside.sum()) == want["n"], where
        t = sps.t.ppf(0.975, want["n"] - 1)  # confint(df = degf(sub)): n − 1 here
        assert close(m, want["estimate"]) and close(se, want["se"]), (where, se, want["se"])
        assert close(m - t * se, want["ci_low"]) and close(m + t * se, want["ci_high"]), where


@pytest.mark.parametrize("cap", sorted(CASES))
def test_r_weights_give_the_same_se(designs: dict[float, SurveyDesign], cap: float) -> None:
    # R's own calibrated weights, declared as a bounded calibration, give R's SE too.
    ours = designs[cap]
    ids = ours.frame["respondent_id"].astype(str)
    r_design = declare_design(
        ours.frame,
        weights=ids.map(CASES[cap]["weights"]).to_numpy(dtype=float),
        calibration=ours.calibration.cells,
        bounded=True,
    )
    for want in CASES[cap]["estimates"]:
        if want["kind"] == "mean":
            assert close(_mean_se(r_design, want), want["se"]), want["indicator"]


# --------------------------------------------------------------------------- contrasts


@pytest.mark.parametrize("cap", sorted(CASES))
def test_every_contrast_on_the_capped_design(
    designs: dict[float, SurveyDesign], cap: float
) -> None:
    # svyglm(y ~ I(g == group), sub): the coefficient is the group's mean minus the
    # rest's; its linearised values are (y − m_g)/W_g in the group, −(y − m_r)/W_r in
    # the rest (W: the weight sums), and its SE the design's variance of them.
    design = designs[cap]
    frame = design.frame
    rows = CASES[cap]["contrasts"]
    assert len(rows) == 72
    z = sps.norm.ppf(0.975)
    ps = []
    for want in rows:
        ind = want["indicator"]
        if ind in ("lonely", "lonely_dissatisfied", "feel_safe", "feel_safe_women"):
            x, where = _share_values(frame, ind)
        else:
            x, where = _values(frame, ind)
        answered = where & ~np.isnan(x)
        mine = (frame[want["by"]] == want["group"]).to_numpy()
        domain = design.domain(answered)
        y, w = x[domain.rows], domain.weights
        g = mine[domain.rows]
        m_g = (w * y)[g].sum() / w[g].sum()
        m_r = (w * y)[~g].sum() / w[~g].sum()
        values = np.where(g, (y - m_g) / w[g].sum(), -(y - m_r) / w[~g].sum())
        influence = Influence(domain, np.zeros(len(domain), dtype=np.intp), values, 1)
        se = math.sqrt(design.variance(influence)[0])
        where_ = (ind, want["by"], want["group"])
        assert (int(g.sum()), int((~g).sum())) == (want["n_group"], want["n_rest"]), where_
        assert close(m_g, want["estimate_group"]) and close(m_r, want["estimate_rest"]), where_
        d = m_g - m_r
        assert close(d, want["difference"]) and close(se, want["se"]), (where_, se, want["se"])
        assert close(d - z * se, want["ci_low"]) and close(d + z * se, want["ci_high"]), where_
        p = 2 * sps.norm.sf(abs(d / se))
        assert close(p, want["p"]), where_
        ps.append(p)
    # Holm over all 72 contrasts of the file
    order = np.argsort(ps)
    holm = np.minimum(
        1, np.maximum.accumulate((len(ps) - np.arange(len(ps))) * np.array(ps)[order])
    )
    adjusted = np.empty(len(ps))
    adjusted[order] = holm
    for got, want in zip(adjusted, rows, strict=True):
        assert close(got, want["p_adjusted"]), want["indicator"]


def _share_values(frame: pd.DataFrame, indicator: str) -> tuple[np.ndarray, np.ndarray]:
    """A share indicator's 0/1 answer (NaN: none) and its where domain."""
    everyone = np.ones(len(frame), dtype=bool)
    if indicator.startswith("lonely"):
        u = frame["ucla3"].to_numpy(dtype=float)
        where = everyone
        if indicator == "lonely_dissatisfied":
            where = (frame["life_sat"] <= 5).to_numpy()
        return np.where(np.isnan(u), np.nan, (u >= 7).astype(float)), where
    fs = frame["feel_safe"]
    y = np.where(fs.isna(), np.nan, fs.isin(SAFE).astype(float))
    where = everyone if indicator == "feel_safe" else (frame["sex"] == "Kvinde").to_numpy()
    return y, where


# --------------------------------------------------------------------------- the engine


def test_conjugate_gradients_match_the_dense_solve(
    designs: dict[float, SurveyDesign], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Too many margin cells for a dense pseudo-inverse within _BLOCK_BYTES: the exact
    # residual comes from conjugate gradients on the sparse cross tables, to ~1e-13.
    design = designs[5]
    monkeypatch.setattr(design_module, "_BLOCK_BYTES", 1)
    sparse_design = declare_design(
        design.frame, weights=design.weights, calibration=design.calibration.cells, bounded=True
    )
    assert sparse_design._engine.inverse is None and design._engine.inverse is not None
    # ... and with the cross tables sparse too (margins of many cells): the same again.
    monkeypatch.setattr(design_module, "_DENSE_CELLS", 0)
    all_sparse = declare_design(
        design.frame, weights=design.weights, calibration=design.calibration.cells, bounded=True
    )
    assert not any(isinstance(t, np.ndarray) for row in all_sparse._engine.cross for t in row)
    for want in CASES[5]["estimates"]:
        if want["kind"] == "mean":
            assert _mean_se(sparse_design, want) == pytest.approx(_mean_se(design, want), rel=1e-10)
            assert _mean_se(all_sparse, want) == pytest.approx(_mean_se(design, want), rel=1e-10)
