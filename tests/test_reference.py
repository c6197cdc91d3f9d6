"""panelkit reproduces R's survey package on the api-strat reference case, through the CLI.

Source of every expected number: tests/data/api-strat/expected.json, computed with
R 4.2.2 and survey 4.1.1 (the R code is in shared/reference/README.md, copied below):

    d <- svydesign(ids = ~1, weights = ~rep(1, 200), data = apistrat)
    r <- rake(d, list(~stype, ~sch.wide), list(pop.types, pop.schwide),
              control = list(maxit = 1000, epsilon = 1e-13))
    svyciprop(~I(awards == "Yes"), r, method = "logit")            # estimate, CI
    SE(svymean(~I(awards == "Yes"), r))                            # se
    svyciprop(~I(both == "Yes"), subset(r, yr.rnd == "No"), method = "logit")
    svyciprop(~I(awards == "Yes"), subset(r, stype == "E"), method = "logit")
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from panelkit.cli import app
from panelkit.jobs import summarize
from panelkit.project import resolve_files

API = Path(__file__).parent / "data" / "api-strat"
EXPECTED = json.loads((API / "expected.json").read_text())
RTOL = 1e-6


@pytest.fixture(scope="module")
def cli_json() -> dict:
    result = CliRunner().invoke(
        app,
        [
            "summarize", str(API / "data.csv"), "--schema", str(API / "schema.yaml"),
            "--margins", str(API / "margins.csv"), "--indicators", str(API / "indicators.yaml"),
            "--by", "stype", "--by", "api_band", "--min-n", "0", "--format", "json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def key(row: dict) -> tuple:
    return (row["indicator"], row["by"], row["group"])


def test_every_r_estimate_is_reproduced(cli_json: dict) -> None:
    ours = {key(r): r for r in cli_json["estimates"]}
    # 4 indicators x (overall + 3 school types + 4 API bands) = 32 rows, less the two
    # bands below 700 of the API-700+ indicator, which have no school (reported as empty).
    assert len(EXPECTED["estimates"]) == 30
    for expected in EXPECTED["estimates"]:
        got = ours[key(expected)]
        assert (got["n"], got["n_positive"]) == (expected["n"], expected["n_positive"]), key(
            expected
        )
        assert got["ci_method"] == "logit"
        for field in ("estimate", "se", "ci_low", "ci_high"):
            assert math.isclose(got[field], expected[field], rel_tol=RTOL), (key(expected), field)


def test_empty_groups_are_reported_suppressed(cli_json: dict) -> None:
    r_keys = {key(r) for r in EXPECTED["estimates"]}
    extra = [r for r in cli_json["estimates"] if key(r) not in r_keys]
    assert [(r["indicator"], r["group"], r["n"], r["suppressed"]) for r in extra] == [
        ("awards_high_api", "<600", 0, True),
        ("awards_high_api", "600-699", 0, True),
    ]


def test_groups_r_cannot_estimate_still_get_an_interval(tmp_path: Path) -> None:
    # R's logit interval is undefined where a group's answers are all "yes" (R drops such
    # rows). Counted by hand from data.csv: among schools with API >= 850, High has 1 of 1
    # and Middle 3 of 3 eligible for awards, Elementary 8 of 9. The all-"yes" groups still get an interval
    # inside [0, 1] that is not of zero width, and say which method made it.
    indicators = tmp_path / "indicators.yaml"
    indicators.write_text(
        "indicators:\n"
        "  - {id: awards_850, variable: awards, positive: ['Yes'], where: {api00: {min: 850}}}\n"
    )
    result = CliRunner().invoke(
        app,
        [
            "summarize", str(API / "data.csv"), "--schema", str(API / "schema.yaml"),
            "--margins", str(API / "margins.csv"), "--indicators", str(indicators),
            "--by", "stype", "--min-n", "0", "--format", "json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    rows = {r["group"]: r for r in json.loads(result.stdout)["estimates"]}
    assert (rows["High"]["n"], rows["Middle"]["n"], rows["Elementary"]["n"]) == (1, 3, 9)
    for group in ("High", "Middle"):
        row = rows[group]
        assert row["estimate"] == 1.0
        assert 0.0 <= row["ci_low"] < row["estimate"] <= row["ci_high"] <= 1.0
        assert row["ci_method"] == "beta"
    assert rows["Elementary"]["ci_method"] == "logit"


def test_raked_weighting_summary(cli_json: dict) -> None:
    w = cli_json["weighting"]
    weights = list(EXPECTED["weights"].values())
    # Kish: deff = n Σw² / (Σw)², n_eff = (Σw)² / Σw², from R's weights
    total, squares = sum(weights), sum(x * x for x in weights)
    assert w["converged"] is True
    assert math.isclose(w["weight_sum"], 6194, rel_tol=1e-9)
    assert math.isclose(w["deff_kish"], len(weights) * squares / total**2, rel_tol=RTOL)
    assert math.isclose(w["n_effective"], total**2 / squares, rel_tol=RTOL)
    assert math.isclose(w["weight_min"], min(weights), rel_tol=RTOL)
    assert math.isclose(w["weight_max"], max(weights), rel_tol=RTOL)
    assert cli_json["survey"] == {"rows_read": 200, "rows_used": 200, "rows_rejected": 0}


def _scaled_margins(tmp: Path, factor: float) -> Path:
    lines = (API / "margins.csv").read_text().splitlines()
    out = [lines[0], lines[1]]
    for line in lines[2:]:
        variable, category, target = line.split(",")
        out.append(f"{variable},{category},{float(target) * factor!r}")
    path = tmp / f"margins-{factor!r}.csv"
    path.write_text("\n".join(out) + "\n")
    return path


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(factor=st.floats(min_value=1e-3, max_value=1e3))
def test_multiplying_the_targets_changes_no_estimate(tmp_path: Path, factor: float) -> None:
    files = resolve_files(
        data=API / "data.csv", schema=API / "schema.yaml", margins=API / "margins.csv",
        indicators=API / "indicators.yaml",
    )  # fmt: skip
    scaled = resolve_files(
        data=API / "data.csv", schema=API / "schema.yaml",
        margins=_scaled_margins(tmp_path, factor), indicators=API / "indicators.yaml",
    )  # fmt: skip
    a = summarize(files, by=["stype"], min_n=0)
    b = summarize(scaled, by=["stype"], min_n=0)
    for x, y in zip(a.estimates, b.estimates, strict=True):
        for field in ("estimate", "se", "ci_low", "ci_high"):
            assert math.isclose(getattr(x, field), getattr(y, field), rel_tol=1e-8, abs_tol=1e-12)
    assert b.weighting is not None and a.weighting is not None
    assert math.isclose(b.weighting.weight_sum, factor * a.weighting.weight_sum, rel_tol=1e-9)
    assert (b.weighting.weights > 0).all()


def test_small_margin_cells_are_hidden_in_the_json(tmp_path: Path) -> None:
    # api-strat's sample has 50 high schools; with --min-n 60 that margin cell is small.
    result = CliRunner().invoke(
        app,
        [
            "summarize", str(API / "data.csv"), "--schema", str(API / "schema.yaml"),
            "--margins", str(API / "margins.csv"), "--indicators", str(API / "indicators.yaml"),
            "--min-n", "60", "--format", "json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    cells = {c["category"]: c for c in json.loads(result.stdout)["weighting"]["margins"]}
    assert cells["High"]["n"] is None and cells["High"]["sample_share"] is None
    assert cells["High"]["suppression"] == "primary"
    assert cells["Elementary"]["n"] == 100
