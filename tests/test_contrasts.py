"""Contrasts and tests of association (formats §8.4, §8.5) against R survey 4.1.1.

The numbers are R's, in tests/data/{api-analyses,analyses-own,contrasts-own}/expected.json
(and analyses-own/expected-capped.json); their README.md and reference.R give the R calls:
``svyglm(y ~ I(g == group), sub)`` for a contrast's difference and SE (contrasts-own:
``svycontrast`` of ``svyratio(covmat = TRUE)``, checked against svyglm), ``svychisq(~y +
g, sub)`` for a test, ``p.adjust`` (Holm, BH) over all contrasts of the file. Every one is
reproduced through the command line's JSON to 1e-6 relative.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import invoke, random_design
from panelkit.stats.comparison import Adjust, adjust_p
from panelkit.stats.contrasts import Association, association, group_contrasts
from panelkit.stats.design import Breakdown, SurveyDesign, declare_design

DATA = Path(__file__).parent / "data"
REL = 1e-6
CONTRAST_KEYS = ("estimate_group", "estimate_rest", "difference", "se", "ci_low", "ci_high", "p")
TEST_KEYS = ("f", "ndf", "ddf", "p")
CASES = {
    "api-analyses": ("stype",),
    "analyses-own": ("age_group", "area"),
    "contrasts-own": ("sex", "education"),
}


def expected(case: str) -> dict:
    return json.loads((DATA / case / "expected.json").read_text(encoding="utf-8"))


def run_case(case: str, indicators: Path, *extra: str) -> dict:
    folder = DATA / case
    by = [a for b in CASES[case] for a in ("--by", b)]
    code, out, err = invoke(
        "summarize", folder / "data.csv", "--schema", folder / "schema.yaml",
        "--margins", folder / "margins.csv", "--indicators", indicators, *by,
        "--contrasts", "--min-n", "0", "--format", "json", *extra,
    )  # fmt: skip
    assert code == 0, err
    return json.loads(out)


def shares_only(case: str, tmp_path: Path) -> Path:
    """The case's indicators file with only its shares."""
    doc = yaml.safe_load((DATA / case / "indicators.yaml").read_text(encoding="utf-8"))
    doc["indicators"] = [i for i in doc["indicators"] if "kind" not in i]
    path = tmp_path / "indicators.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def key(row: dict) -> tuple:
    return (row["indicator"], row["by"], row.get("group"))


def assert_rows(got: list[dict], want: list[dict], keys: tuple[str, ...]) -> None:
    assert [key(r) for r in got] == [key(r) for r in want]
    for g, w in zip(got, want, strict=True):
        for k in keys:
            assert g[k] == pytest.approx(w[k], rel=REL, abs=1e-12), (key(w), k)


# Every contrast and test of each case's file, in order: (contrasts, tests).
COUNTS = {"api-analyses": (15, 4), "analyses-own": (72, 12), "contrasts-own": (25, 4)}
NO_LEFT_OUT = {
    "contrasts_left_out": {"suppressed": 0, "empty": 0, "undefined": 0},
    "tests_left_out": {"suppressed": 0, "too_few": 0, "undefined": 0},
}


@pytest.mark.parametrize("way", ["level sums", "respondents"])
@pytest.mark.parametrize("case", sorted(COUNTS))
def test_every_contrast_and_test_is_rs(
    case: str, way: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Shares and means (contrasts), shares and distributions (tests): every number of
    the file, and p_adjusted = R's p.adjust(p, "holm") over all of the file's contrasts
    (the run's family, formats §8.4: every indicator and breakdown, no test). Both ways
    of the design: from level sums (answers with a few values), and from the
    respondents' values (where those sums would not fit its memory bound)."""
    if way == "respondents":
        monkeypatch.setattr(SurveyDesign, "levels_fit", lambda *_: False)
    r = expected(case)
    assert (len(r["contrasts"]), len(r["tests"])) == COUNTS[case]
    doc = run_case(case, DATA / case / "indicators.yaml")
    assert_rows(doc["contrasts"], r["contrasts"], (*CONTRAST_KEYS, "p_adjusted"))
    assert_rows(doc["tests"], r["tests"], TEST_KEYS)
    assert {c["adjust"] for c in doc["contrasts"]} == {"holm"}
    assert all(t["statistic"] == "rao-scott" and "p_adjusted" not in t for t in doc["tests"])
    assert doc["left_out"] == NO_LEFT_OUT


@pytest.mark.parametrize("case", sorted(COUNTS))
def test_contrasts_by_kind(case: str) -> None:
    """§8.4: contrasts for shares and means only, tests for shares and distributions
    only; a quantile has neither (and is not counted as left out)."""
    doc = yaml.safe_load((DATA / case / "indicators.yaml").read_text(encoding="utf-8"))
    kinds = {i["id"]: i.get("kind", "share") for i in doc["indicators"]}
    r = expected(case)
    assert {kinds[c["indicator"]] for c in r["contrasts"]} == {"share", "mean"}
    assert {kinds[t["indicator"]] for t in r["tests"]} == {"share", "distribution"}
    with_contrasts = {i for i, k in kinds.items() if k in ("share", "mean")}
    with_tests = {i for i, k in kinds.items() if k in ("share", "distribution")}
    assert {c["indicator"] for c in r["contrasts"]} == with_contrasts
    assert {t["indicator"] for t in r["tests"]} == with_tests


def test_holm_and_bh_are_rs_p_adjust_on_the_whole_family() -> None:
    """contrasts-own: R's p.adjust(p, "holm") and p.adjust(p, "BH") over its 25
    contrasts (5 indicators × (2 + 3) groups, two breakdowns)."""
    r = expected("contrasts-own")["contrasts"]
    indicators = DATA / "contrasts-own" / "indicators.yaml"
    holm = run_case("contrasts-own", indicators)["contrasts"]
    assert [c["p_adjusted"] for c in holm] == pytest.approx([c["p_adjusted"] for c in r], rel=REL)
    bh = run_case("contrasts-own", indicators, "--adjust", "bh")["contrasts"]
    assert {c["adjust"] for c in bh} == {"bh"}
    assert [c["p_adjusted"] for c in bh] == pytest.approx([c["p_adjusted_bh"] for c in r], rel=REL)
    # BH is not Holm here: the family matters.
    assert [c["p_adjusted"] for c in bh] != pytest.approx([c["p_adjusted"] for c in holm])


@pytest.mark.parametrize("cap", [5, 6])
def test_every_contrast_and_test_on_the_capped_design(cap: int) -> None:
    """analyses-own with --cap: R's calibrate(bounds = c(0, cap)) design
    (expected-capped.json), every contrast and test through the JSON."""
    capped = json.loads((DATA / "analyses-own" / "expected-capped.json").read_text("utf-8"))
    (r,) = [c for c in capped["cases"] if c["cap"] == cap]
    doc = run_case("analyses-own", DATA / "analyses-own" / "indicators.yaml", "--cap", str(cap))
    assert_rows(doc["contrasts"], r["contrasts"], (*CONTRAST_KEYS, "p_adjusted"))
    assert_rows(doc["tests"], r["tests"], TEST_KEYS)


def test_missing_by_answers_are_in_neither_group_nor_rest() -> None:
    """contrasts-own: 21 respondents have no education; in every domain the group and
    its rest add up to the respondents with an education, as in R."""
    doc = run_case("contrasts-own", DATA / "contrasts-own" / "indicators.yaml")
    rows = {(e["indicator"], e["by"], e["group"]): e["n"] for e in doc["estimates"]}
    for c in expected("contrasts-own")["contrasts"]:
        groups = [k for k in rows if k[:2] == (c["indicator"], c["by"])]
        assert c["n_group"] + c["n_rest"] == sum(rows[k] for k in groups)
        assert c["n_group"] == rows[(c["indicator"], c["by"], c["group"])]
        if c["by"] == "education":
            assert c["n_group"] + c["n_rest"] < rows[(c["indicator"], None, None)]


def test_ddf_counts_the_whole_sample_in_a_domain(tmp_path: Path) -> None:
    """8.4: ddf = ndf × (N − 1) with N every respondent (200 schools), not the domain's 179."""
    doc = run_case("api-analyses", shares_only("api-analyses", tmp_path))
    (test,) = [t for t in doc["tests"] if t["indicator"] == "both_targets_non_yr_rnd"]
    assert test["ddf"] == pytest.approx(test["ndf"] * 199, rel=1e-12)


def test_without_contrasts_the_json_is_unchanged(tmp_path: Path) -> None:
    folder = DATA / "api-analyses"
    args = (
        "summarize", folder / "data.csv", "--schema", folder / "schema.yaml",
        "--margins", folder / "margins.csv", "--indicators", shares_only("api-analyses", tmp_path),
        "--by", "stype", "--format", "json",
    )  # fmt: skip
    code, out, _ = invoke(*args)
    assert code == 0
    doc = json.loads(out)
    assert list(doc) == [
        "panelkit_version", "survey", "weighting", "ci_method", "min_n", "estimates",
    ]  # fmt: skip
    code, with_contrasts, _ = invoke(*args, "--contrasts")
    both = json.loads(with_contrasts)
    assert both["estimates"] == doc["estimates"]
    assert list(both)[-3:] == ["contrasts", "tests", "left_out"]


def test_adjust_bh_and_none(tmp_path: Path) -> None:
    indicators = shares_only("api-analyses", tmp_path)
    none = run_case("api-analyses", indicators, "--adjust", "none")["contrasts"]
    assert all(c["p_adjusted"] == c["p"] and c["adjust"] == "none" for c in none)
    bh = run_case("api-analyses", indicators, "--adjust", "bh")["contrasts"]
    p = [c["p"] for c in none]
    # Benjamini–Hochberg by hand: sorted ascending, p̃(i) = min_{j≥i} m/j · p(j).
    order = np.argsort(p)
    ranked = np.array(p)[order] * len(p) / np.arange(1, len(p) + 1)
    want = np.empty(len(p))
    want[order] = np.minimum.accumulate(ranked[::-1])[::-1]
    assert [c["p_adjusted"] for c in bh] == pytest.approx(want, rel=1e-12)
    assert {c["adjust"] for c in bh} == {"bh"}


def test_adjust_bad_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    indicators = shares_only("api-analyses", tmp_path)
    folder = DATA / "api-analyses"
    base = (
        "summarize", folder / "data.csv", "--schema", folder / "schema.yaml",
        "--margins", folder / "margins.csv", "--indicators", indicators, "--by", "stype",
        "--contrasts", "--format", "json",
    )  # fmt: skip
    code, _, err = invoke(*base, "--adjust", "bonferroni")
    # The command line itself is wrong: exit 2 with Typer's usage error (as compare).
    words = " ".join(err.replace("│", " ").split())
    assert code == 2
    assert (
        "Invalid value for '--adjust': Value error, 'bonferroni' is not one of "
        "'holm', 'bh', 'none'."
    ) in words
    monkeypatch.chdir(tmp_path)
    (tmp_path / "panelkit.yaml").write_text("adjust: bonferroni\n", encoding="utf-8")
    code, _, err = invoke(*base)
    assert (code, err) == (
        1,
        "Error: panelkit.yaml: adjust: expected one of holm, bh, none, got 'bonferroni'\n",
    )
    without = tuple(a for a in base if a != "--contrasts")
    (tmp_path / "panelkit.yaml").write_text("contrasts: maybe\n", encoding="utf-8")
    code, _, err = invoke(*without)
    assert (code, err) == (
        1,
        "Error: panelkit.yaml: contrasts: expected true or false, got 'maybe'\n",
    )
    # From panelkit.yaml: contrasts on, BH; an option given wins.
    (tmp_path / "panelkit.yaml").write_text("contrasts: true\nadjust: bh\n", encoding="utf-8")
    code, out, _ = invoke(*without)
    assert code == 0 and {c["adjust"] for c in json.loads(out)["contrasts"]} == {"bh"}
    code, out, _ = invoke(*base, "--adjust", "none")
    assert code == 0 and {c["adjust"] for c in json.loads(out)["contrasts"]} == {"none"}


def test_suppressed_groups_leave_their_contrasts_out(tmp_path: Path) -> None:
    """--min-n 60: High and Middle (50 schools each) are suppressed, so only Elementary
    (100, its rest 100; in the domain 179: 89 and 90) is set against its rest."""
    indicators = shares_only("api-analyses", tmp_path)
    doc = run_case("api-analyses", indicators, "--min-n", "60")
    shown = {key(c) for c in doc["contrasts"]}
    assert shown == {
        ("awards", "stype", "Elementary"),
        ("both_targets_non_yr_rnd", "stype", "Elementary"),
    }
    assert doc["left_out"]["contrasts_left_out"] == {"suppressed": 4, "empty": 0, "undefined": 0}
    hidden = {key(e) for e in doc["estimates"] if e["suppressed"]}
    assert not shown & hidden
    # A suppressed row's numbers appear nowhere: not as a group's estimate, nor a rest's.
    r = {key(c): c for c in expected("api-analyses")["contrasts"]}
    values = {round(c[k], 9) for c in doc["contrasts"] for k in CONTRAST_KEYS}
    for k in hidden:
        if k in r:
            assert round(r[k]["estimate_group"], 9) not in values
    # The Holm family is the contrasts shown.
    p = sorted(c["p"] for c in doc["contrasts"])
    assert sorted(c["p_adjusted"] for c in doc["contrasts"]) == pytest.approx(
        [min(1.0, 2 * p[0]), max(min(1.0, 2 * p[0]), p[1])], rel=1e-12
    )
    # The rest of Elementary in the 179 domain is 90: with --min-n 95 it is too small.
    doc = run_case("api-analyses", indicators, "--min-n", "95")
    assert {key(c) for c in doc["contrasts"]} == {("awards", "stype", "Elementary")}
    assert doc["left_out"]["contrasts_left_out"]["suppressed"] == 5
    # Tests publish no group figure; a test is left out only with its domain.
    assert len(doc["tests"]) == 2
    doc = run_case("api-analyses", indicators, "--min-n", "190")
    assert [t["indicator"] for t in doc["tests"]] == ["awards"]
    assert doc["left_out"]["tests_left_out"] == {"suppressed": 1, "too_few": 0, "undefined": 0}


def test_a_domain_of_one_group_has_no_contrast_and_no_test(tmp_path: Path) -> None:
    path = tmp_path / "indicators.yaml"
    path.write_text(
        "indicators:\n  - id: awards_e\n    variable: awards\n    positive: ['Yes']\n"
        "    where: {stype: [Elementary]}\n",
        encoding="utf-8",
    )
    doc = run_case("api-analyses", path)
    assert doc["contrasts"] == [] and doc["tests"] == []
    assert doc["left_out"] == {
        "contrasts_left_out": {"suppressed": 0, "empty": 3, "undefined": 0},
        "tests_left_out": {"suppressed": 0, "too_few": 1, "undefined": 0},
    }


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 1), st.floats(0, 10), st.floats(0.2, 5), st.integers(0, 2)),
        min_size=4,
        max_size=40,
    )
)
def test_two_groups_are_antisymmetric(rows: list[tuple[int, float, float, int]]) -> None:
    """With two groups, each group's rest is the other group: A − rest(A) = −(B − rest(B)),
    with the same SE (the linearised values are each other's negatives)."""
    import pandas as pd

    g = np.array([r[0] for r in rows])
    if len(set(g.tolist())) < 2:
        g[0], g[1] = 0, 1
    y = np.array([r[1] for r in rows])
    w = np.array([r[2] for r in rows])
    cell = np.array([r[3] for r in rows])
    cell = np.unique(cell, return_inverse=True)[1].reshape(-1)
    design = declare_design(pd.DataFrame({"y": y}), weights=w, calibration=[cell])
    domain = design.domain(np.ones(len(y), dtype=bool))
    c = group_contrasts(design, domain, y, Breakdown("g", g, ("a", "b")))
    assert c.difference[0] == pytest.approx(-c.difference[1], abs=1e-12)
    assert c.estimate_group[0] == pytest.approx(c.estimate_rest[1], rel=1e-12)
    # The two SEs come from sums of the same squares in another order, so they agree to
    # rounding on the scale of the values: where raking explains nearly all of y, an SE
    # of 6e-5 beside values up to 2 differs by 5e-12 (a case Hypothesis found).
    scale = max(1.0, float(np.abs(y).max()))
    assert c.se[0] == pytest.approx(c.se[1], rel=1e-9, abs=1e-9 * scale)
    assert c.p()[0] == pytest.approx(c.p()[1], rel=1e-9, nan_ok=True)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", None]),  # the group (None: by unanswered)
            st.one_of(st.none(), st.floats(0, 10)),  # the mean's value (None: missing)
            st.sampled_from(["Ja", "Nej", None]),  # the share's answer
            st.booleans(),  # in the where domain
            st.floats(0.2, 5),
            st.integers(0, 2),  # a raking cell
        ),
        min_size=6,
        max_size=40,
    )
)
def test_two_groups_are_antisymmetric_for_shares_and_means(
    rows: list[tuple[str | None, float | None, str | None, bool, float, int]],
) -> None:
    """Through contrast_indicators, for a share and a mean in a ``where`` domain with
    missing answers and missing groups on a raked design: with two groups, a − rest(a)
    = −(b − rest(b)) with the same SE and p, and rest(a) = b; or both are left out."""
    import pandas as pd

    from panelkit.input.indicators import Condition, Indicator
    from panelkit.results import EstimateKind
    from panelkit.stats.contrasts import contrast_indicators
    from panelkit.stats.estimation import estimate_indicators

    cols = list(zip(*rows, strict=True))
    frame = pd.DataFrame(
        {
            "g": pd.Categorical(cols[0], categories=["a", "b"]),
            "x": np.array([np.nan if v is None else v for v in cols[1]]),
            "yes": pd.Categorical(cols[2], categories=["Ja", "Nej"]),
            "d": pd.Categorical(["in" if v else "out" for v in cols[3]], categories=["in", "out"]),
        }
    )
    cell = np.unique(np.array(cols[5]), return_inverse=True)[1].reshape(-1)
    design = declare_design(frame, weights=np.array(cols[4]), calibration=[cell])
    where = (Condition("d", ("in",)),)
    inds = [
        Indicator("s", "yes", ("Ja",), where=where),
        Indicator("m", "x", (), where=where, kind=EstimateKind.MEAN),
    ]
    rows_ = estimate_indicators(design, inds, by=["g"], min_n=0)
    got = contrast_indicators(design, inds, rows_, by=["g"], min_n=0)
    for ind in ("s", "m"):
        pair = [c for c in got.contrasts if c.indicator == ind]
        assert len(pair) in (0, 2)
        if pair:
            a, b = pair
            assert (a.group, b.group) == ("a", "b")
            assert a.difference == pytest.approx(-b.difference, abs=1e-9)
            assert a.estimate_rest == pytest.approx(b.estimate_group, rel=1e-12, abs=1e-12)
            assert a.se == pytest.approx(b.se, rel=1e-9)
            assert a.p == pytest.approx(b.p, rel=1e-9, abs=1e-15)
            assert (a.ci_low, a.ci_high) == pytest.approx((-b.ci_high, -b.ci_low), abs=1e-9)


def test_a_means_rest_below_min_n_is_left_out(tmp_path: Path) -> None:
    """Disclosure for means (formats §8.4, disclosure.contrast_suppression): exercise of
    the very satisfied (life_sat 8-10) in contrasts-own has 86 respondents: Grundskole
    10, Erhvervsuddannelse 23, Videregående 49 and 4 without an education. With --min-n
    35 the Videregående row is shown (the 37 others hide the two small groups), but its
    rest is 33 respondents: its contrast is left out; with --min-n 33 it is shown."""
    path = tmp_path / "indicators.yaml"
    path.write_text(
        "indicators:\n  - id: exercise_very_satisfied\n    kind: mean\n"
        "    variable: exercise\n    where: {life_sat: {min: 8}}\n",
        encoding="utf-8",
    )
    doc = run_case("contrasts-own", path, "--min-n", "35")
    rows = {key(e): e for e in doc["estimates"]}
    top = ("exercise_very_satisfied", "education", "Videregående")
    assert [rows[(*top[:2], g)]["n"] for g in ("Grundskole", "Erhvervsuddannelse")] == [10, 23]
    assert rows[top]["n"] == 49 and not rows[top]["suppressed"]
    assert rows[("exercise_very_satisfied", None, None)]["n"] == 86
    assert doc["contrasts"] == []
    # Mand (21) primary, Kvinde secondary, Grundskole and Erhvervsuddannelse primary, and
    # Videregående for its rest of 33.
    assert doc["left_out"]["contrasts_left_out"] == {"suppressed": 5, "empty": 0, "undefined": 0}
    doc = run_case("contrasts-own", path, "--min-n", "33")
    (shown,) = doc["contrasts"]
    assert key(shown) == top and not rows[top]["suppressed"]
    assert doc["left_out"]["contrasts_left_out"]["suppressed"] == 4


def test_adjust_is_comparisons_own() -> None:
    """One Holm/BH implementation for compare and contrasts (stats/comparison.py)."""
    assert adjust_p([0.01, 0.04], Adjust.HOLM) == pytest.approx((0.02, 0.04))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 2),
            st.floats(-50, 700),
            st.floats(0.2, 5),
            st.integers(0, 3),
            st.integers(0, 1),
            st.booleans(),
        ),
        min_size=3,
        max_size=40,
    ),
    st.sampled_from([None, 10]),
)
def test_cell_covariance_is_the_covariance_of_its_values(
    rows: list[tuple[int, float, float, int, int, bool]], sweeps: int | None
) -> None:
    """cell_covariance(cell, y, a, b) = covariance of the matrix a[cell]·y + b[cell] (the
    design's general engine), raked on two margins, in a domain."""
    import pandas as pd

    cell = np.array([r[0] for r in rows])
    y = np.array([r[1] for r in rows])
    w = np.array([r[2] for r in rows])
    design, domain = random_design(rows, w, pd.DataFrame({"y": y}), sweeps)
    inside = np.isin(np.arange(len(rows)), domain.rows)
    rng = np.random.default_rng(len(rows))
    a, b = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    c, v = cell[inside], y[inside]
    e = a[c] * v[:, None] + b[c]
    want = design.covariance(domain, e)
    got = design.cell_covariance(domain, c, v, a, b)
    # Equal up to rounding of the values' own size (either may call a rounding residue 0).
    size = float(
        ((domain.weights[:, None] * (np.abs(a[c] * v[:, None]) + np.abs(b[c]))) ** 2).sum()
    )
    assert np.abs(got - want).max() <= 1e-10 * max(size, float(np.abs(want).max()))


def test_the_terminal_shows_contrasts_tests_and_what_was_left_out(tmp_path: Path) -> None:
    folder = DATA / "api-analyses"
    code, out, err = invoke(
        "summarize", folder / "data.csv", "--schema", folder / "schema.yaml",
        "--margins", folder / "margins.csv", "--indicators", shares_only("api-analyses", tmp_path),
        "--by", "stype", "--contrasts", "--min-n", "60", "--lang", "en",
    )  # fmt: skip
    assert code == 0, err
    assert "Groups against the rest" in out and "Tests of association" in out
    # awards, Elementary against the rest: R's 0.318811 → +31.9 points, p 2.4e-05.
    assert "+31.9" in out and "<0.001" in out
    assert "4 contrasts with the rest left out (suppressed 4)." in out


def test_the_terminal_shows_a_means_contrast_in_its_units(monkeypatch: pytest.MonkeyPatch) -> None:
    """contrasts-own, life satisfaction of Videregående against the rest: R's 7.374 and
    6.106, difference 1.268 (0.734 to 1.803) on the 0-10 scale, not in percent."""
    monkeypatch.setenv("COLUMNS", "200")
    folder = DATA / "contrasts-own"
    code, out, err = invoke(
        "summarize", folder / "data.csv", "--schema", folder / "schema.yaml",
        "--margins", folder / "margins.csv", "--indicators", folder / "indicators.yaml",
        "--by", "sex", "--by", "education", "--contrasts", "--min-n", "0", "--lang", "en",
    )  # fmt: skip
    assert code == 0, err
    table = out[out.index("Groups against the rest") :]
    (line,) = [
        row for row in table.splitlines()
        if row.startswith("│ mean life satisfaction (0-10) ") and "Videregående" in row
    ]  # fmt: skip
    cells = [c.strip() for c in line.strip("│").split("│")]
    assert cells[3:7] == ["7.4", "6.1", "+1.3", "+0.7 to +1.8"]
    assert "%" not in line


def _rao_scott(g: list[int], y: list[int], w: list[float]) -> Association | None:
    """The test of answer ``y`` by group ``g`` on a plain weighted design, as R's
    ``svychisq(~y + g, svydesign(ids = ~1, weights = ~w, data = df))``."""
    groups = np.array(g, dtype=np.int8)
    design = declare_design(pd.DataFrame({"g": groups}), weights=np.array(w))
    domain = design.domain(np.ones(len(g), dtype=bool))
    return association(design, domain, np.array(y), Breakdown("g", groups, ("0", "1", "2")))


def test_a_singular_table_has_no_test_as_in_r() -> None:
    # Each group gave a single answer. R 4.2.2, survey 4.1.1:
    #   df <- data.frame(g = factor(c(0,1,1,1,2,0,1,2)), y = factor(c(0,2,2,2,1,0,2,1)),
    #                    w = c(1,2,1.4859,3.264,2,1.5,1,2.5))
    #   svychisq(~y + g, svydesign(ids = ~1, weights = ~w, data = df))
    #   Error: system is computationally singular: reciprocal condition number = 1.66375e-17
    # (numpy's solve went on and gave F = 6.87, p = 0.009 before.)
    g, y = [0, 1, 1, 1, 2, 0, 1, 2], [0, 2, 2, 2, 1, 0, 2, 1]
    assert _rao_scott(g, y, [1, 2, 1.4859, 3.264, 2, 1.5, 1, 2.5]) is None


def test_a_table_with_empty_cells_that_is_not_singular_is_tested_as_in_r() -> None:
    # Three of the nine cells empty, the system still of full rank. R 4.2.2, survey 4.1.1:
    #   df <- data.frame(g = factor(c(0,0,1,1,1,2,0,1,2,2,0,2)),
    #                    y = factor(c(0,1,2,2,1,1,0,2,1,0,1,1)),
    #                    w = c(1,2,1.4859,3.264,2,1.5,1,2.5,0.8,1.7,2.2,1.1))
    #   svychisq(~y + g, svydesign(ids = ~1, weights = ~w, data = df))
    #   F = 2.25450266992, ndf = 3.6209201763, ddf = 39.8301219393, p = 0.0860855510282
    g, y = [0, 0, 1, 1, 1, 2, 0, 1, 2, 2, 0, 2], [0, 1, 2, 2, 1, 1, 0, 2, 1, 0, 1, 1]
    test = _rao_scott(g, y, [1, 2, 1.4859, 3.264, 2, 1.5, 1, 2.5, 0.8, 1.7, 2.2, 1.1])
    assert test is not None
    got = (test.f, test.ndf, test.ddf, test.p)
    want = (2.25450266992, 3.6209201763, 39.8301219393, 0.0860855510282)
    assert got == pytest.approx(want, rel=1e-6)
