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

import numpy as np
import pytest
import yaml
from tests.helpers import invoke

from panelkit.stats.comparison import Adjust, adjust_p

DATA = Path(__file__).parent / "data"
RTOL = 1e-6
NUMBERS = ("current", "previous", "difference", "diff_se", "diff_ci_low", "diff_ci_high")
FIELDS = [
    "indicator", "by", "group", "n_current", "n_previous", "current", "previous",
    "difference", "diff_se", "diff_ci_low", "diff_ci_high", "p_value", "p_adjusted",
    "se_method",
]  # fmt: skip


def project(case: str, tmp_path: Path, *, means: bool = True) -> Path:
    """A copy of a reference case; ``means=False``: its share indicators only."""
    folder = tmp_path / case
    shutil.copytree(DATA / case, folder)
    if not means:
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
    assert len(wanted) == len(rows) == len(expected["waves"])
    assert {r["indicator"] for r in wanted} >= {"life_satisfaction"}  # the means too
    for want in wanted:
        got = rows[key(want)]
        assert list(got) == FIELDS
        assert got["se_method"] == "linked"
        assert (got["n_current"], got["n_previous"]) == (want["n_current"], want["n_previous"])
        for field in (*NUMBERS, "p_value"):
            assert got[field] == pytest.approx(want[field], rel=RTOL, abs=1e-12), (key(want), field)
    # p adjusted (Holm) across all the run's rows, as R adjusted them.
    for want in wanted:
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


# --------------------------------------------------------------------------- the variance


def _designs(tmp_path: Path, *, shift_previous_ids: bool):
    """Both waves of linked-waves raked to their own margins, and their members."""
    import pandas as pd

    from panelkit.input.indicators import load_indicators
    from panelkit.input.margins import load_margins
    from panelkit.jobs import load_survey
    from panelkit.stats.design import declare_design
    from panelkit.stats.linked import match_members

    folder = project("linked-waves", tmp_path)
    waves = []
    for year in ("2024", "2023"):
        survey = load_survey(folder / f"panel-{year}.csv", folder / f"schema-{year}.yaml")
        design = declare_design(survey, load_margins(folder / f"margins-{year}.csv", survey.schema))
        waves.append((design, load_indicators(folder / "indicators.yaml", survey.schema)))
    ids = [pd.Series(d.frame["member"].astype(object)) for d, _ in waves]
    if shift_previous_ids:  # no member in common
        ids[1] = (ids[1].astype(int) + 10**7).astype(str).astype(object)
    members = match_members(ids[0], ids[1], current_name="2024", previous_name="2023")
    return (*waves[0], *waves[1], members)


def test_with_no_member_in_common_linked_and_independent_agree(tmp_path: Path) -> None:
    """Shown by hand: with every member in one wave only, u is each wave's z in its own
    rows, so M/(M−1)·Σ(u − ū)² differs from the two waves' n/(n−1)·Σ(z − z̄)² only by
    the factors and the means; here within 0.1 % (formats §9)."""
    from panelkit.stats.linked import linearise, linked_variance

    cur, cur_inds, prev, prev_inds, members = _designs(tmp_path, shift_previous_ids=True)
    assert members.linked == 0 and members.count == cur.n + prev.n
    assert {i.kind for i in cur_inds} == {"share", "mean"}
    for ind_c, ind_p in zip(cur_inds, prev_inds, strict=True):
        breakdowns = [(cur.overall(), prev.overall())]
        breakdowns.append((cur.breakdown("age_group"), prev.breakdown("age_group")))
        for b_c, b_p in breakdowns:
            lc, lp = linearise(cur, ind_c, b_c), linearise(prev, ind_p, b_p)
            linked = linked_variance(cur, lc.influence, prev, lp.influence, members)
            independent = cur.variance(lc.influence) + prev.variance(lp.influence)
            # The exact relation: the linked sum of squares is the waves' own sums of
            # squares about the pooled mean ū.
            z_c = cur.scores(lc.influence.domain, _matrix(lc.influence))
            z_p = -prev.scores(lp.influence.domain, _matrix(lp.influence))
            u = np.vstack([z_c, z_p])
            m = members.count
            assert linked == pytest.approx(m / (m - 1) * ((u - u.mean(0)) ** 2).sum(0), rel=1e-12)
            assert np.sqrt(linked) == pytest.approx(np.sqrt(independent), rel=1e-3)


def _matrix(influence) -> np.ndarray:
    out = np.zeros((len(influence.values), influence.groups))
    out[np.arange(len(influence.values)), influence.group] = influence.values
    return out


def test_coverage_of_the_linked_interval_in_simulated_panels() -> None:
    """400 simulated panels of 800 members (fixed seed): wave 1 asks 500 of them, wave 2
    asks 350 of those again and 150 new ones; a person's answers share a random effect
    (sd 2: the latent answers correlate 0.8 within a person). The true change of the share is
    Φ(−c₂/s) − Φ(−c₁/s). The linked 95 % interval covers it in 93-97 % of the panels;
    the independent one, too wide, in more than 98 %."""
    import pandas as pd
    from scipy.special import ndtr

    from panelkit.stats.design import declare_design
    from panelkit.stats.estimation import share
    from panelkit.stats.linked import linked_variance, match_members

    rng = np.random.default_rng(20261202)
    reps, people, n1, kept, new = 400, 800, 500, 350, 150
    sd_person = 2.0
    c1, c2 = 0.3, 0.05
    scale = np.sqrt(1 + sd_person**2)
    truth = ndtr(-c2 / scale) - ndtr(-c1 / scale)
    a = rng.normal(0.0, sd_person, (reps, people))
    e = rng.normal(size=(reps, 2, people))
    y = a[:, None, :] + e > np.array([c1, c2])[None, :, None]
    order = rng.permuted(np.tile(np.arange(people), (reps, 1)), axis=1)
    z = 1.959963984540054
    covered = np.zeros((2, reps), dtype=bool)
    for r in range(reps):
        first = order[r, :n1]
        second = np.concatenate([first[:kept], order[r, n1 : n1 + new]])
        waves = []
        for t, who in enumerate((second, first)):  # this wave, then the previous one
            design = declare_design(pd.DataFrame({"member": who.astype(str).astype(object)}))
            lin = share(
                design.domain(np.ones(design.n, dtype=bool)), y[r, 1 - t, who], design.overall()
            )
            waves.append((design, lin))
        (cur, lc), (prev, lp) = waves
        members = match_members(
            cur.frame["member"], prev.frame["member"], current_name="2", previous_name="1"
        )
        diff = lc.estimate[0] - lp.estimate[0]
        se_linked = np.sqrt(linked_variance(cur, lc.influence, prev, lp.influence, members)[0])
        se_indep = np.sqrt(cur.variance(lc.influence)[0] + prev.variance(lp.influence)[0])
        covered[0, r] = abs(diff - truth) <= z * se_linked
        covered[1, r] = abs(diff - truth) <= z * se_indep
    linked, independent = covered.mean(axis=1)
    assert 0.93 <= linked <= 0.97, (linked, independent)
    assert independent > 0.98, independent


# --------------------------------------------------------------------------- bad input


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def _error(folder: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(folder)
    code, out, err = invoke("summarize", "--format", "json")
    assert code == 1 and out == ""
    return err.strip()


@pytest.mark.parametrize(
    ("year", "wave"),
    [("2023", "previous wave (schema-2023.yaml)"), ("2024", "this wave (schema-2024.yaml)")],
)
def test_a_linked_wave_whose_schema_has_no_id(
    year: str, wave: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = project("linked-waves", tmp_path)
    _edit(folder / f"schema-{year}.yaml", "id: member ", "# no id ")
    assert _error(folder, monkeypatch) == (
        f"Error: {wave}: linked waves need the panel-member id; add id: VARIABLE (a variable "
        "of type: id) to its schema, or remove linked: true from previous: in panelkit.yaml"
    )


def _prefix_ids(path: Path, prefix: str) -> None:
    """Put ``prefix`` before every row's first cell (the member id) of a wave's CSV."""
    head, *rows = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([head, *(prefix + r for r in rows)]) + "\n", encoding="utf-8")


def test_ids_of_different_types_in_the_two_waves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = project("linked-waves", tmp_path)
    _prefix_ids(folder / "panel-2023.csv", "P")
    assert _error(folder, monkeypatch) == (
        "Error: linked waves: the panel-member ids are whole numbers in panel-2024.csv but "
        "text in panel-2023.csv; both waves need the same id (check that both schemas' id: "
        "name the panel-member number, or remove linked: true)"
    )


def test_an_id_repeated_within_a_wave_names_both_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = project("linked-waves", tmp_path)
    path = folder / "panel-2023.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    first_id = lines[2].split(",")[0]
    lines[5] = ",".join([first_id, *lines[5].split(",")[1:]])  # line 6 repeats line 3's id
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert _error(folder, monkeypatch) == (
        "Error: panel-2023.csv: 1 of 600 rows have errors (first: line 6, member: repeats the "
        "id on line 3; ids must be unique); run `panelkit validate` to see them, fix the "
        "export, or pass --drop-invalid to leave those rows out"
    )


def test_linked_must_be_true_or_false(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = project("linked-waves", tmp_path)
    _edit(folder / "panelkit.yaml", "linked: true", "linked: sometimes")
    assert _error(folder, monkeypatch) == (
        "Error: panelkit.yaml: previous.linked: expected true or false, got 'sometimes'"
    )


def test_no_member_in_common_warns_and_treats_the_waves_as_independent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = project("linked-waves", tmp_path)
    _prefix_ids(folder / "panel-2023.csv", "9999")
    monkeypatch.chdir(folder)
    code, out, err = invoke("summarize", "--format", "json", "--min-n", "0")
    assert code == 0
    warning = (
        "linked waves, but no member answered both (600 previous, 550 current respondents): "
        "the waves are treated as independent samples"
    )
    assert err.strip() == f"Warning: {warning}"
    doc = json.loads(out)
    assert doc["notes"] == [f"warning: {warning}"]
    assert {r["se_method"] for r in doc["waves"]} == {"independent"}
    expected = {
        key(r): r for r in json.loads((DATA / "linked-waves/expected.json").read_text())["waves"]
    }
    for row in doc["waves"]:
        assert row["diff_se"] == pytest.approx(expected[key(row)]["diff_se_independent"], rel=RTOL)


def test_margins_of_other_variables_in_each_wave_are_noted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """linked-own rakes 2022 to age group × sex only and 2023 to that and area; R raked
    each wave to its own (its README), and the rows above match it."""
    doc = run_json(project("linked-own", tmp_path), monkeypatch)
    assert doc["notes"] == [
        "linked members: 260 (500 previous, 480 current respondents)",
        "the waves' margins differ (previous: age_group|sex; current: age_group|sex, area): "
        "each wave is raked to its own",
    ]


def test_waves_without_linked_have_the_independent_se_and_no_member_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = project("linked-waves", tmp_path)
    _edit(folder / "panelkit.yaml", "  linked: true", "  # not linked")
    doc = run_json(folder, monkeypatch)
    assert [r["se_method"] for r in doc["waves"]] == ["independent"] * len(doc["waves"])
    assert doc["notes"] == []


def test_which_members_are_linked_is_never_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = project("linked-waves", tmp_path)
    monkeypatch.chdir(folder)
    code, out, _ = invoke("summarize", "--format", "json", "--by", "age_group")
    assert code == 0
    lines = (folder / "panel-2024.csv").read_text().splitlines()[1:]
    members = {line.split(",")[0] for line in lines}
    assert len(members) == 550
    assert not any(f'"{m}"' in out for m in members)  # no id as a JSON string
    assert not any(f" {m}," in out or f" {m}\n" in out for m in members)  # nor as a number


# --------------------------------------------------------------------------- attrition


def test_attrition_compares_who_answered_again_with_who_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hand calculation: the previous wave's members found in this wave's export stayed,
    the others left; each group's share (or mean) is Σw·y / Σw over its answers, with R's raked
    weights of the previous wave (linked-own/expected.json ``weights``). The SE of the
    difference is that of the contrast's linearised values (stayed minus left), which is
    var(stayed) + var(left) − 2·cov from the design's covariance of the two groups."""
    import pandas as pd

    folder = project("linked-own", tmp_path)
    doc = run_json(folder, monkeypatch)
    rows = {(r["item"], r["category"]): r for r in doc["attrition"]}
    weights = json.loads((DATA / "linked-own/expected.json").read_text())["weights"]["previous"]
    before = pd.read_csv(folder / "panel-2022.csv", dtype={"member": str})
    again = set(pd.read_csv(folder / "panel-2023.csv", dtype={"panel_id": str})["panel_id"])
    w = before["member"].map(weights).to_numpy()
    stayed = before["member"].isin(again).to_numpy()
    assert rows[("trust_neighbours", None)]["n_stayed"] + rows[("trust_neighbours", None)][
        "n_left"
    ] == int(before["q1"].isin(["Helt enig", "Delvis enig", "Hverken enig eller uenig",
                                 "Delvis uenig", "Helt uenig"]).sum())  # fmt: skip
    cases = {
        ("trust_neighbours", None): (
            before["q1"].isin(["Helt enig", "Delvis enig"]),
            before["q1"].notna() & (before["q1"] != "Ved ikke"),
        ),
        ("volunteers", None): (before["q2"] == "Ja", before["q2"].notna()),
        ("sex", "Kvinde"): (before["sex"] == "Kvinde", before["sex"].notna()),
        # A mean: each group's weighted mean of the 0-10 answers ("Ved ikke" is no answer).
        ("life_satisfaction", None): (
            pd.to_numeric(before["q3"], errors="coerce").fillna(0.0),
            pd.to_numeric(before["q3"], errors="coerce").notna(),
        ),
    }
    for item, (yes, answered) in cases.items():
        row = rows[item]
        y, a = yes.to_numpy(), answered.to_numpy()
        for group, inside in (("stayed", stayed), ("left", ~stayed)):
            mask = a & inside
            assert row[f"n_{group}"] == int(mask.sum())
            assert row[group] == pytest.approx((w * y)[mask].sum() / w[mask].sum(), rel=1e-9)
        assert row["difference"] == pytest.approx(row["stayed"] - row["left"], rel=1e-12)
        assert row["ci_low"] == pytest.approx(row["difference"] - 1.959963984540054 * row["se"])
    assert {r["item"] for r in doc["attrition"]} == {
        "age_group", "sex", "trust_neighbours", "volunteers", "lonely_women",
        "trust_dissatisfied", "life_satisfaction", "life_sat_volunteers",
    }  # fmt: skip
    # Holm across the table's rows.
    p = [r["p_value"] for r in doc["attrition"]]
    assert [r["p_adjusted"] for r in doc["attrition"]] == pytest.approx(
        list(adjust_p(p, Adjust.HOLM)), rel=1e-12
    )


def test_attrition_se_is_the_contrast_of_the_two_groups(tmp_path: Path) -> None:
    from panelkit.stats.estimation import answers
    from panelkit.stats.linked import attrition

    _, _, prev, prev_inds, members = _designs(tmp_path, shift_previous_ids=False)
    rows = {r.item: r for r in attrition(prev, members, prev_inds, (), min_n=0)}
    again = np.isin(members.previous, members.current)
    assert {i.kind for i in prev_inds} == {"share", "mean"}
    for ind in prev_inds:
        domain, y = answers(prev, ind)  # "yes" of a share, the number of a mean
        values = []
        for inside in (again, ~again):  # each group's ratio, linearised: (y − ȳ)/Σw inside
            keep = inside[domain.rows]
            w_in = domain.weights[keep].sum()
            y_bar = (domain.weights * y)[keep].sum() / w_in
            values.append(np.where(keep, (y - y_bar) / w_in, 0.0))
        cov = prev.covariance(domain, np.column_stack(values))
        se = np.sqrt(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])
        assert rows[ind.id].se == pytest.approx(se, rel=1e-9)


def test_attrition_small_groups_are_suppressed_with_their_sibling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """lonely_women: 130 stayed and 103 left; with --min-n 110 the left group is primary
    suppressed, and the stayed group with it (else the previous wave's published figure
    and the stayed group's would give the left one away)."""
    folder = project("linked-own", tmp_path)
    monkeypatch.chdir(folder)
    code, out, err = invoke("summarize", "--format", "json", "--min-n", "110")
    assert code == 0, err
    row = next(r for r in json.loads(out)["attrition"] if r["item"] == "lonely_women")
    assert (row["n_stayed"], row["n_left"], row["suppressed"]) == (130, 103, True)
    assert all(row[k] is None for k in ("stayed", "left", "difference", "se", "p_value"))


# --------------------------------------------------------------------------- the report


def test_the_report_says_which_se_and_shows_attrition(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = project("linked-own", tmp_path, means=False)  # the estimate charts: shares
    monkeypatch.chdir(folder)
    code, _, err = invoke("report", "--out", "rep", "--lang", "en")
    assert code == 0, err
    page = (folder / "rep/index.html").read_text(encoding="utf-8")
    assert "The waves are linked: 260 panel members answered both in 2022 and 2023." in page
    assert '<h3 id="attrition">Attrition</h3>' in page
    csv = (folder / "rep/tables/attrition.csv").read_text(encoding="utf-8")
    assert csv.splitlines()[0] == (
        "item,category,n_stayed,n_left,stayed,left,difference,se,ci_low,ci_high,p_value,"
        "p_adjusted,suppressed"
    )
    waves = (folder / "rep/tables/waves.csv").read_text(encoding="utf-8").splitlines()
    assert waves[0].endswith("se_method,verdict_text") and ",linked," in waves[1]


def test_an_unlinked_report_says_the_waves_are_independent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = project("linked-own", tmp_path, means=False)
    _edit(folder / "panelkit.yaml", "  linked: true", "  # not linked")
    monkeypatch.chdir(folder)
    code, _, err = invoke("report", "--out", "rep", "--lang", "en")
    assert code == 0, err
    page = (folder / "rep/index.html").read_text(encoding="utf-8")
    assert "standard error treats the waves as independent samples." in page
    assert 'id="attrition"' not in page
    assert not (folder / "rep/tables/attrition.csv").exists()


def test_summarize_adjusts_the_waves_as_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = project("linked-waves", tmp_path)
    rows = run_json(folder, monkeypatch, "--by", "age_group", "--adjust", "bh")["waves"]
    p = [r["p_value"] for r in rows]
    assert [r["p_adjusted"] for r in rows] == pytest.approx(list(adjust_p(p, Adjust.BH)))
    rows = run_json(folder, monkeypatch, "--adjust", "none")["waves"]
    assert [r["p_adjusted"] for r in rows] == [r["p_value"] for r in rows]


# --------------------------------------------------------------------------- means in tables


def test_a_mean_change_is_in_its_units_in_the_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The waves sheet gives a share's change in points (×100) and a mean's in its own
    units (×1, R's difference of linked-waves/expected.json), with the percent format
    off on the mean's row; the CSV says each row's kind; the attrition table likewise."""
    from panelkit.jobs import summarize
    from panelkit.project import resolve_files, resolve_settings
    from panelkit.publish.tables import attrition_frame, waves_csv, waves_sheet
    from panelkit.results import Lang

    folder = project("linked-waves", tmp_path)
    files = resolve_files(cwd=folder)
    waves = summarize(files, resolve_settings(files, min_n=0)).waves
    assert waves is not None
    expected = {
        r["indicator"]: r
        for r in json.loads((DATA / "linked-waves/expected.json").read_text())["waves"]
        if r["by"] is None
    }
    sheet = waves_sheet(waves, Lang.EN, name="Change")
    assert sheet.header[6] == "Change (pp; means: units)"
    by_id = {row[1]: (i, row) for i, row in enumerate(sheet.rows)}
    i, mean_row = by_id["life_satisfaction"]
    assert mean_row[5] == pytest.approx(expected["life_satisfaction"]["current"], rel=RTOL)
    assert mean_row[6] == pytest.approx(expected["life_satisfaction"]["difference"], rel=RTOL)
    assert sheet.unit_rows == (i,)
    _, share_row = by_id["volunteers"]
    assert share_row[6] == pytest.approx(100 * expected["volunteers"]["difference"], rel=RTOL)
    csv = waves_csv(waves, Lang.EN).splitlines()
    kinds = [line.split(",")[csv[0].split(",").index("kind")] for line in csv[1:]]
    assert kinds == ["share", "share", "share", "mean"]
    frame = attrition_frame(waves, Lang.EN).set_index("Item")
    mean = next(r for r in waves.attrition or () if r.item == "life_satisfaction")
    assert str(mean.kind) == "mean" and 5 < (mean.stayed or 0) < 10
    assert frame.loc["mean life satisfaction (0-10)", "Difference (pp; means: units)"] == (
        pytest.approx(mean.difference, rel=RTOL)
    )


def test_distributions_and_quantiles_have_no_change_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """§9 measures the change of shares and means: a distribution (one row per answer)
    or a quantile in a project with a previous wave is estimated, not compared."""
    folder = project("linked-waves", tmp_path)
    with (folder / "indicators.yaml").open("a", encoding="utf-8") as f:
        f.write(
            "  - {id: lonely_answers, kind: distribution, variable: lonely,"
            " label: {da: ensomhed, en: loneliness}}\n"
            "  - {id: life_sat_median, kind: quantile, variable: life_sat,"
            " label: {da: median, en: median}}\n"
        )
    doc = run_json(folder, monkeypatch)
    assert {r["indicator"] for r in doc["estimates"]} >= {"lonely_answers", "life_sat_median"}
    assert [r["indicator"] for r in doc["waves"]] == [
        "trust_neighbours", "volunteers", "often_lonely", "life_satisfaction"
    ]  # fmt: skip
    assert {r["item"] for r in doc["attrition"]} >= {"life_satisfaction"}
    assert not {r["item"] for r in doc["attrition"]} & {"lonely_answers", "life_sat_median"}


def test_a_mean_verdict_is_its_side_when_significant() -> None:
    """The verdict rules' percentage points are for shares; a mean's change of 0.3 points
    (30 "pp" if read as a share) that is significant is simply above."""
    from panelkit.results import Estimate, EstimateKind
    from panelkit.stats.comparison import Verdict, compare_waves

    def row(value: float, se: float) -> Estimate:
        return Estimate(
            indicator="m", by=None, group=None, n=400, n_positive=None, estimate=value,
            se=se, ci_low=value - 1, ci_high=value + 1, ci_method="t", suppressed=False,
            kind=EstimateKind.MEAN,
        )  # fmt: skip

    (big,) = compare_waves([row(7.3, 0.05)], [row(7.0, 0.05)])
    assert (big.verdict, str(big.kind)) == (Verdict.ABOVE, "mean")
    (small,) = compare_waves([row(7.01, 0.05)], [row(7.0, 0.05)])
    assert small.verdict is Verdict.SAME
    # A mean whose SE is 0 is not given a share's p(1 − p)/n.
    (none,) = compare_waves([row(7.0, 0.0)], [row(7.0, 0.0)])
    assert none.diff_se == 0.0 and none.verdict is Verdict.SAME
