"""Contrasts and tests of association (formats §8.4, §8.5) against R survey 4.1.1.

The numbers are R's, in tests/data/api-analyses/expected.json and
tests/data/analyses-own/expected.json (their README.md give the R calls: ``svyglm(y ~
I(g == group), sub)`` for a contrast's difference and SE, ``svychisq(~y + g, sub)`` for
a test, Holm over all contrasts of the file). Every one is reproduced through the
command line's JSON to 1e-6 relative.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import invoke
from panelkit.stats.comparison import Adjust, adjust_p
from panelkit.stats.contrasts import group_contrasts
from panelkit.stats.design import Breakdown, declare_design

DATA = Path(__file__).parent / "data"
REL = 1e-6
CONTRAST_KEYS = ("estimate_group", "estimate_rest", "difference", "se", "ci_low", "ci_high", "p")
TEST_KEYS = ("f", "ndf", "ddf", "p")
CASES = {"api-analyses": ("stype",), "analyses-own": ("age_group", "area")}


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


@pytest.mark.parametrize("case", sorted(CASES))
def test_share_contrasts_and_tests_are_rs(case: str, tmp_path: Path) -> None:
    indicators = shares_only(case, tmp_path)
    ids = {i["id"] for i in yaml.safe_load(indicators.read_text())["indicators"]}
    assert ids  # api-analyses: 2 shares; analyses-own: 4 (2 of a scale score)
    r = expected(case)
    want = [c for c in r["contrasts"] if c["indicator"] in ids]
    tests = [t for t in r["tests"] if t["indicator"] in ids]
    assert (len(want), len(tests)) == {"api-analyses": (6, 2), "analyses-own": (32, 8)}[case]
    doc = run_case(case, indicators)
    assert_rows(doc["contrasts"], want, CONTRAST_KEYS)
    assert_rows(doc["tests"], tests, TEST_KEYS)
    assert all(t["statistic"] == "rao-scott" for t in doc["tests"])
    # Holm across these contrasts (the run's family), from R's p-values: sorted
    # ascending, p̃(i) = max_{j≤i} min(1, (m − j + 1) p(j)).
    p = np.array([c["p"] for c in want])
    order = np.argsort(p)
    holm = np.empty_like(p)
    holm[order] = np.maximum.accumulate(np.minimum(1, (len(p) - np.arange(len(p))) * p[order]))
    assert [c["p_adjusted"] for c in doc["contrasts"]] == pytest.approx(holm, rel=REL)
    assert {c["adjust"] for c in doc["contrasts"]} == {"holm"}
    assert doc["left_out"] == {
        "contrasts_left_out": {"suppressed": 0, "empty": 0, "undefined": 0},
        "tests_left_out": {"suppressed": 0, "too_few": 0, "undefined": 0},
    }


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
    assert c.se[0] == pytest.approx(c.se[1], rel=1e-9, abs=1e-12)
    assert c.p()[0] == pytest.approx(c.p()[1], rel=1e-9, nan_ok=True)


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
    margins = [np.unique(np.array([r[k] for r in rows]), return_inverse=True)[1] for k in (3, 4)]
    inside = np.array([r[5] for r in rows])
    inside[0] = True
    design = declare_design(
        pd.DataFrame({"y": y}), weights=w, calibration=[m.reshape(-1) for m in margins],
        sweeps=sweeps,
    )  # fmt: skip
    domain = design.domain(inside)
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
