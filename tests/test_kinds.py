"""Indicator kinds (formats §8.2, §8.3, §8.5): means, distributions, quantiles and deff.

Sources of every expected number: R 4.2.2 with survey 4.1.1, in
tests/data/api-analyses/expected.json and tests/data/analyses-own/expected.json (and
expected-capped.json); the R calls are in each folder's README.md:

    sub <- subset(r, <domain and answered (and group)>)
    svymean(~x, sub, deff = "replace")                   # mean, se, deff
    confint(svymean(~x, sub), df = degf(sub))            # mean CI
    svyciprop(~I(x == answer), sub, method = "logit")    # a distribution's answer
    svyquantile(~x, sub, qs, ci = TRUE); SE(q)           # quantiles (qrule "math", Woodruff)

Other numbers are worked out by hand in the test that uses them.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from panelkit.cli import app
from panelkit.errors import SettingsError
from panelkit.input.indicators import Condition, Indicator, load_indicators
from panelkit.input.schema import load_schema
from panelkit.results import EstimateKind
from panelkit.stats.design import SurveyDesign
from panelkit.stats.estimation import _qrule_ranked, _ranked, estimate

DATA = Path(__file__).parent / "data"
API = DATA / "api-analyses"
OWN = DATA / "analyses-own"
RTOL = 1e-6
runner = CliRunner()


def summarize_json(folder: Path, *args: str) -> dict:
    result = runner.invoke(
        app,
        [
            "summarize", str(folder / "data.csv"), "--schema", str(folder / "schema.yaml"),
            "--margins", str(folder / "margins.csv"), "--format", "json", *args,
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def key(row: dict) -> tuple:
    return (row["indicator"], row["by"], row["group"], row.get("category"), row.get("quantile"))


def assert_reproduces(ours: list[dict], expected: list[dict]) -> None:
    """Every R row, in R's order, with every number to 1e-6 relative."""
    assert [key(r) for r in ours] == [key(r) for r in expected]
    for got, want in zip(ours, expected, strict=True):
        where = key(want)
        for field in ("kind", "n", "n_positive", "ci_method"):
            if field in want:
                assert got[field] == want[field], (where, field)
        for field in ("estimate", "se", "ci_low", "ci_high", "deff"):
            if field in want:
                assert math.isclose(got[field], want[field], rel_tol=RTOL), (where, field)
        # formats §8.3: what each kind's row has and has not
        assert ("n_positive" in got) == (want["kind"] in ("share", "distribution")), where
        assert ("deff" in got) == (want["kind"] != "quantile"), where
        assert got["suppressed"] is False


# --------------------------------------------------------------------------- R's numbers


@pytest.mark.parametrize("way", ["level sums", "respondents"])
def test_api_analyses_every_estimate_is_rs(way: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Both ways of the design: shares, answers and quantiles' F̂ from level sums, and
    # from the respondents' values (where those sums would not fit its memory bound).
    if way == "respondents":
        monkeypatch.setattr(SurveyDesign, "levels_fit", lambda *_: False)
    doc = summarize_json(
        API, "--indicators", str(API / "indicators.yaml"), "--by", "stype", "--min-n", "0"
    )
    expected = json.loads((API / "expected.json").read_text())["estimates"]
    assert len(expected) == 60  # 12 mean, 16 quantile, 24 distribution, 8 share rows
    assert_reproduces(doc["estimates"], expected)


@pytest.mark.parametrize("way", ["level sums", "respondents"])
def test_analyses_own_every_estimate_is_rs(way: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if way == "respondents":
        monkeypatch.setattr(SurveyDesign, "levels_fit", lambda *_: False)
    # Scale scores (ucla3, ucla3_index: formats 8.1), number and category domains, missing
    # answers and weights from 0.58 to 5.39 times the mean.
    doc = summarize_json(
        OWN, "--indicators", str(OWN / "indicators.yaml"),
        "--by", "age_group", "--by", "area", "--min-n", "0",
    )  # fmt: skip
    expected = json.loads((OWN / "expected.json").read_text())["estimates"]
    assert len(expected) == 198
    assert_reproduces(doc["estimates"], expected)


@pytest.mark.parametrize("case", [0, 1])
def test_analyses_own_capped_every_estimate_is_rs(case: int) -> None:
    # formats 8.5 with --cap: R's bounded calibrate() (cap 5 binds, cap 6 does not).
    cases = json.loads((OWN / "expected-capped.json").read_text())["cases"]
    want = cases[case]
    doc = summarize_json(
        OWN, "--indicators", str(OWN / "indicators.yaml"), "--by", "age_group",
        "--by", "area", "--min-n", "0", "--cap", str(want["cap"]),
    )  # fmt: skip
    assert_reproduces(doc["estimates"], want["estimates"])


# --------------------------------------------------------------------------- quantiles


def test_the_math_rule_by_hand() -> None:
    x = np.array([4.0, 1.0, 3.0, 2.0])
    w = np.ones(4)
    # Sorted 1 2 3 4, cumulative weights 1 2 3 4 of 4. p = 0.5: the last cumulative
    # weight at most 2 is that of 2, exactly 2, so 2; p = 0.6: at most 2.4 is 2 again,
    # not exactly, so the next value, 3.
    ranked = _ranked(x, w)  # sorted once, as for a group's quantiles
    assert _qrule_ranked(ranked, 0.5) == 2.0
    assert _qrule_ranked(ranked, 0.6) == 3.0
    assert _qrule_ranked(ranked, 1.0) == 4.0
    # As R: when even the first value's weight is above p·Σw (here 0.1·4 = 0.4 < 1),
    # "the last one at most p·Σw" falls back to the first, and the next value is taken.
    assert _qrule_ranked(ranked, 0.1) == 2.0
    # Weights: 1 (w 3), 2 (w 1): cumulative 3 4 of 4; p = 0.5 → at most 2: none → 2.
    weighted = _ranked(np.array([1.0, 2.0]), np.array([3.0, 1.0]))
    assert _qrule_ranked(weighted, 0.5) == 2.0
    assert _qrule_ranked(weighted, 0.75) == 1.0


def quantile_frame(values: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"x": np.array(values, dtype=np.float64)})


def test_a_woodruff_bound_outside_0_1_is_null_and_so_is_the_se() -> None:
    # Ten answers 1..10, weights 1, p = 0.1. The quantile: cumulative weights 1..10 of 10,
    # at most 1 is exactly 1, so 1. F̂ = share at most 1 = 0.1; its SE (no calibration):
    # 10/9 · Σ((y − 0.1)/10)² = 10/9 · (0.81 + 9 · 0.01)/100 = 0.01, se 0.1.
    # t(0.975, 9) = 2.2622: F̂ − t·se = −0.126 < 0, so no lower bound and no SE;
    # F̂ + t·se = 0.3262: at most 3.262 is 3 (not exactly), so the next value, 4.
    ind = Indicator("x_p10", "x", (), kind=EstimateKind.QUANTILE, quantiles=(0.1, 0.5))
    low_row, median = estimate(quantile_frame([float(i) for i in range(1, 11)]), [ind], min_n=0)
    assert low_row.to_dict() == {
        "indicator": "x_p10", "kind": "quantile", "by": None, "group": None,
        "quantile": 0.1, "n": 10, "estimate": 1.0, "se": None, "ci_low": None,
        "ci_high": 4.0, "ci_method": "woodruff", "df": 9, "suppressed": False,
        "suppression": None,
    }  # fmt: skip
    # The median: 5 (exactly 5 of 10); F̂ = 0.5, se² = 10/9 · 10 · 0.25/100 = 0.02778,
    # se 0.16667; 0.5 ∓ 2.2622 · 0.16667 = 0.1230, 0.8770: values 2 and 9, and the SE
    # is (9 − 2)/(2 · 2.2622).
    assert (median.estimate, median.ci_low, median.ci_high) == (5.0, 2.0, 9.0)
    assert median.se is not None
    t = 2.2621571628  # qt(0.975, 9)
    assert math.isclose(median.se, 7 / (2 * t), rel_tol=1e-9)


# --------------------------------------------------------------------------- properties


def random_frame(data: st.DataObject) -> tuple[pd.DataFrame, np.ndarray]:
    n = data.draw(st.integers(min_value=3, max_value=60), label="n")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    answers = ["a", "b", "c"]
    frame = pd.DataFrame(
        {
            "answer": pd.Categorical(rng.choice(answers, n), categories=answers),
            "group": pd.Categorical(rng.choice(["g", "h"], n), categories=["g", "h"]),
            "x": rng.integers(0, 5, n).astype(np.float64),
            "flag": rng.integers(0, 2, n).astype(np.float64),
        }
    )
    weights = rng.uniform(0.2, 5.0, n)
    return frame, weights


KINDS = (
    Indicator("answers", "answer", (), kind=EstimateKind.DISTRIBUTION),
    Indicator("x_mean", "x", (), kind=EstimateKind.MEAN),
    Indicator("x_share", "x", (), positive_range=(2.0, None)),
    Indicator(
        "answer_mean", "answer", (), kind=EstimateKind.MEAN,
        scores=(("a", 1.0), ("b", 2.0), ("c", 4.0)),
    ),
)  # fmt: skip
QUANTILES = Indicator("x_q", "x", (), kind=EstimateKind.QUANTILE, quantiles=(0.25, 0.5, 0.9))


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_a_distribution_sums_to_one_in_every_group(data: st.DataObject) -> None:
    frame, weights = random_frame(data)
    rows = estimate(frame, KINDS[:1], weights=weights, by=["group"], min_n=0)
    totals: dict[tuple, float] = {}
    for e in rows:
        if e.estimate is not None:
            totals[(e.by, e.group)] = totals.get((e.by, e.group), 0.0) + e.estimate
    assert totals and all(math.isclose(t, 1.0, rel_tol=1e-12) for t in totals.values())
    assert [e.category for e in rows[:3]] == ["a", "b", "c"]  # the schema's order


def _numbers(e: object) -> tuple:
    return tuple(getattr(e, f) for f in ("estimate", "se", "ci_low", "ci_high", "deff"))


def _same(a: tuple, b: tuple) -> bool:
    return all(
        (x is None and y is None)
        or (x is not None and y is not None and math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12))
        for x, y in zip(a, b, strict=True)
    )


@settings(max_examples=30, deadline=None)
@given(data=st.data(), factor=st.floats(min_value=1e-3, max_value=1e3))
def test_scaling_every_weight_changes_no_estimate(data: st.DataObject, factor: float) -> None:
    frame, weights = random_frame(data)
    a = estimate(frame, KINDS, weights=weights, by=["group"], min_n=0)
    b = estimate(frame, KINDS, weights=weights * factor, by=["group"], min_n=0)
    for x, y in zip(a, b, strict=True):
        assert _same(_numbers(x), _numbers(y)), (x, y)


@settings(max_examples=30, deadline=None)
@given(data=st.data(), power=st.integers(min_value=-20, max_value=20))
def test_scaling_every_weight_changes_no_quantile(data: st.DataObject, power: int) -> None:
    # The rule turns on a cumulative weight being exactly p·Σw, so the factor is a power
    # of two: it scales every sum exactly (any other factor may round a tie either way).
    frame, weights = random_frame(data)
    a = estimate(frame, [QUANTILES], weights=weights, by=["group"], min_n=0)
    b = estimate(frame, [QUANTILES], weights=weights * 2.0**power, by=["group"], min_n=0)
    for x, y in zip(a, b, strict=True):
        assert _same(_numbers(x), _numbers(y)), (x, y)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_a_mean_of_a_0_1_variable_is_the_share(data: st.DataObject) -> None:
    frame, weights = random_frame(data)
    mean = Indicator("flag_mean", "flag", (), kind=EstimateKind.MEAN)
    share = Indicator("flag_share", "flag", (), positive_range=(1.0, None))
    margins = [pd.factorize(frame["group"])[0].astype(np.intp)]  # raked on group, say
    m = estimate(frame, [mean], weights=weights, calibration=margins, by=["group"], min_n=0)
    s = estimate(frame, [share], weights=weights, calibration=margins, by=["group"], min_n=0)
    for x, y in zip(m, s, strict=True):
        assert _same((x.estimate, x.se, x.deff), (y.estimate, y.se, y.deff)), (x, y)
        assert x.kind is EstimateKind.MEAN and x.ci_method == "t"


# --------------------------------------------------------------------------- indicators file


@pytest.fixture(scope="module")
def api_schema():  # type: ignore[no-untyped-def]
    return load_schema(API / "schema.yaml")


def load(tmp_path: Path, text: str, schema) -> tuple[Indicator, ...]:  # type: ignore[no-untyped-def]
    path = tmp_path / "indicators.yaml"
    path.write_text("indicators:\n  - " + text + "\n", encoding="utf-8")
    return load_indicators(path, schema)


def test_the_kinds_load(tmp_path: Path, api_schema) -> None:  # type: ignore[no-untyped-def]
    (ind,) = load(tmp_path, "{id: q, kind: quantile, variable: enroll}", api_schema)
    assert (ind.kind, ind.quantiles) == (EstimateKind.QUANTILE, (0.5,))  # the default median
    (ind,) = load(
        tmp_path,
        "{id: m, kind: mean, variable: api_band, scores: {'800+': 4, '<600': 1, "
        "'600-699': 2, '700-799': 3}, where: {yr_rnd: ['No']}}",
        api_schema,
    )
    # Stored in the schema's order, whatever the file's.
    assert ind.scores == (("<600", 1.0), ("600-699", 2.0), ("700-799", 3.0), ("800+", 4.0))
    assert ind.where == (Condition("yr_rnd", values=("No",)),)
    (ind,) = load(tmp_path, "{id: d, kind: distribution, variable: awards}", api_schema)
    assert (ind.kind, ind.positive) == (EstimateKind.DISTRIBUTION, ())
    (ind,) = load(tmp_path, "{id: s, variable: awards, positive: ['Yes']}", api_schema)
    assert ind.kind is EstimateKind.SHARE


KIND_MISTAKES = [
    ("{id: a, kind: average, variable: api00}",
     'indicators.a.kind: "average" is not a kind; expected one of share, mean, distribution, '
     "quantile"),
    ("{id: a, kind: mean, variable: api00, positive: {min: 700}}",
     "indicators.a.positive: belongs to a share, not to a mean; leave it out or set kind: share"),
    ("{id: a, variable: awards, positive: ['Yes'], scores: {'No': 0, 'Yes': 1}}",
     "indicators.a.scores: belongs to a mean, not to a share; leave it out or set kind: mean"),
    ("{id: a, kind: distribution, variable: awards, quantiles: [0.5]}",
     "indicators.a.quantiles: belongs to a quantile, not to a distribution; leave it out or set "
     "kind: quantile"),
    ("{id: a, kind: mean, variable: awards}",
     "indicators.a.scores: missing; awards has answers, not numbers; give every answer a "
     "score, e.g. {No: 1, …}"),
    ("{id: a, kind: mean, variable: awards, scores: {'Yes': 1}}",
     'indicators.a.scores: every answer of awards needs a score; missing "No"'),
    ("{id: a, kind: mean, variable: awards, scores: {'No': 0, 'Yes': one}}",
     'indicators.a.scores.Yes: expected a number, got "one"'),
    ("{id: a, kind: mean, variable: awards, scores: {'No': 0, 'Maybe': 1}}",
     'indicators.a.scores.Maybe: "Maybe" is not an answer to awards; expected one of "No", '
     '"Yes"'),
    ("{id: a, kind: mean, variable: api00, scores: {'1': 1}}",
     "indicators.a.scores: api00 is numeric; its values are the scores, leave scores out"),
    ("{id: a, kind: quantile, variable: api00, quantiles: [0.5, 1]}",
     "indicators.a.quantiles[1]: 1 is not strictly between 0 and 1"),
    ("{id: a, kind: quantile, variable: api00, quantiles: []}",
     "indicators.a.quantiles: is empty; list the quantiles, e.g. [0.25, 0.5, 0.75]"),
    ("{id: a, kind: quantile, variable: awards}",
     "indicators.a.variable: awards is not numeric; a quantile is of an integer or number "
     "variable"),
    ("{id: a, kind: distribution, variable: api00}",
     "indicators.a.variable: api00 has no answer categories; a distribution is of a category, "
     "multi or derived variable"),
    ("{id: a, kind: mean}", "indicators.a.variable: missing; an indicator needs id and variable"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), KIND_MISTAKES)
def test_kind_mistakes_are_one_exact_line(
    tmp_path: Path, api_schema, text: str, message: str
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SettingsError) as caught:
        load(tmp_path, text, api_schema)
    assert str(caught.value) == f"indicators.yaml: {message}"


def test_a_key_of_another_kind_is_an_error_line_of_the_cli(tmp_path: Path) -> None:
    indicators = tmp_path / "indicators.yaml"
    indicators.write_text(
        "indicators:\n  - {id: api_mean, kind: mean, variable: api00, quantiles: [0.5]}\n"
    )
    result = runner.invoke(
        app,
        [
            "summarize", str(API / "data.csv"), "--schema", str(API / "schema.yaml"),
            "--indicators", str(indicators), "--format", "json",
        ],
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: indicators.yaml: indicators.api_mean.quantiles: belongs to a quantile, not to "
        "a mean; leave it out or set kind: quantile"
    )


# --------------------------------------------------------------------------- disclosure


def rows_of(doc: dict, indicator: str) -> list[dict]:
    return [r for r in doc["estimates"] if r["indicator"] == indicator]


def test_every_kind_is_suppressed_on_its_rows_n() -> None:
    # --min-n 60: High and Middle have 50 schools each (primary); beside Elementary's 100
    # and the overall 200 they hide 100 together, enough. The median enrolment of schools
    # with API 700+ has 73 (Elementary 46, High 15, Middle 12): all three groups primary.
    doc = summarize_json(
        API, "--indicators", str(API / "indicators.yaml"), "--by", "stype", "--min-n", "60"
    )
    for row in doc["estimates"]:
        small = row["n"] < 60
        assert row["suppressed"] is small, key(row)
        if small:
            assert row["suppression"] == "primary"
            numbers = ("estimate", "se", "ci_low", "ci_high", "deff", "n_positive")
            assert all(row.get(f) is None for f in numbers), key(row)
    answers = rows_of(doc, "api_band_answers")
    assert [r["category"] for r in answers if r["group"] == "High"] == [
        "<600", "600-699", "700-799", "800+"
    ]  # fmt: skip
    median = rows_of(doc, "enroll_median_high_api")
    assert [(r["group"], r["n"], r["suppressed"]) for r in median] == [
        (None, 73, False), ("Elementary", 46, True), ("High", 15, True), ("Middle", 12, True),
    ]  # fmt: skip


def test_a_distributions_answers_of_one_group_are_hidden_together(tmp_path: Path) -> None:
    # --min-n 20, by stype, a distribution on schools with API 700+ (73: E 46, H 15, M 12):
    # High and Middle are primary; their 27 together are enough. Every answer of one group
    # shares its fate, so no answer's count is n minus the others.
    path = API / "indicators.yaml"
    text = path.read_text() + (
        "  - id: awards_high_api\n    kind: distribution\n    variable: awards\n"
        "    where: {api00: {min: 700}}\n"
    )
    (tmp_path / "indicators.yaml").write_text(text)
    doc = summarize_json(API, "--indicators", str(tmp_path / "indicators.yaml"), "--by", "stype")
    fate: dict[tuple, set] = {}
    for r in rows_of(doc, "awards_high_api"):
        fate.setdefault((r["by"], r["group"]), set()).add((r["suppressed"], r["suppression"]))
    assert fate == {
        (None, None): {(False, None)},
        ("stype", "Elementary"): {(False, None)},
        ("stype", "High"): {(True, "primary")},
        ("stype", "Middle"): {(True, "primary")},
    }


def test_a_share_nested_in_a_distribution_of_its_variable_is_hidden(tmp_path: Path) -> None:
    # 8 of the 200 schools have API below 450 (E 3, H 2, M 3, counted in data.csv). The
    # share of awards among the other 192 beside the distribution of awards among all 200
    # would give those 8 schools' "Yes" count by difference: the smaller domain is hidden.
    # A share alone, with nothing of its variable to be subtracted from, is shown.
    indicators = tmp_path / "indicators.yaml"
    share = (
        "  - {id: awards_450, variable: awards, positive: ['Yes'], where: {api00: {min: 450}}}\n"
    )
    indicators.write_text(
        "indicators:\n  - {id: awards_all, kind: distribution, variable: awards}\n" + share
    )
    doc = summarize_json(API, "--indicators", str(indicators), "--by", "stype")
    nested = rows_of(doc, "awards_450")
    assert [(r["n"], r["suppression"]) for r in nested] == [
        (192, "secondary"), (97, "secondary"), (48, "secondary"), (47, "secondary")
    ]  # fmt: skip
    assert not any(r["suppressed"] for r in rows_of(doc, "awards_all"))
    indicators.write_text("indicators:\n" + share)
    alone = summarize_json(API, "--indicators", str(indicators), "--by", "stype")
    assert not any(r["suppressed"] for r in alone["estimates"])
