"""The synthetic demo survey: generator, shipped files and demo project."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from panelkit import bundled, demo
from panelkit.errors import SettingsError

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SCHEMA = DATA / "schemas" / "borgerpanel-2022.yaml"
MARGINS = DATA / "margins" / "amager-oest-2021.csv"
INDICATORS = DATA / "indicators" / "borgerpanel-2022.yaml"
BASELINES = DATA / "baselines" / "sundhedsprofil-2021.csv"

POPULATION = 60_877
AREA_COUNTS = {
    "Amagerbro Øst": 23_426,
    "Nordøstamager": 8_438,
    "Sundbyøster": 14_390,
    "Villakvartererne": 14_623,
}
LIKERT_COLUMNS = ["q_7_1", "q_7_2", "q_7_3", "q_7_4"]


@pytest.fixture(scope="module")
def schema() -> dict:
    return yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def export() -> bytes:
    return demo.demo_export_bytes()


def _margins() -> pd.DataFrame:
    return pd.read_csv(MARGINS, comment="#", encoding="utf-8")


# --------------------------------------------------------------------------- the export


def test_shipped_export_is_what_the_code_generates(export: bytes) -> None:
    shipped = bundled.bundled_demo().data
    assert shipped == DATA / "demo" / "borgerpanel-2022.csv"
    assert shipped.read_bytes() == export


def test_shipped_previous_wave_is_what_the_code_generates() -> None:
    previous = bundled.bundled_demo().previous
    assert previous == DATA / "demo" / "borgerpanel-2021.csv"
    assert previous.read_bytes() == demo.previous_wave_bytes()
    assert previous.read_bytes().count(b"\r\n") == round(demo.DEMO_SIZE * 0.8) + 1


def test_the_previous_wave_is_the_same_panel_a_year_before() -> None:
    """Half of the 2022 respondents answered in 2021 too: the same id, sex and area, a
    year younger, and answers that agree far more often than two people's would; the
    other 2021 respondents have ids no 2022 respondent has (they left)."""
    import io

    def read(data: bytes) -> pd.DataFrame:
        return pd.read_csv(io.BytesIO(data), sep=";", encoding="cp1252", dtype=str)

    now = read(demo.demo_export_bytes()).set_index("respondent")
    before = read(demo.previous_wave_bytes()).set_index("respondent")
    both = now.index.intersection(before.index)
    assert len(before) == round(0.8 * demo.DEMO_SIZE) and len(both) == demo.DEMO_SIZE // 2
    assert before.index.is_unique and (before.drop(both).index.astype(int) > 101340).all()
    a, b = now.loc[both], before.loc[both]
    assert (a["s_1"] == b["s_1"]).all() and (a["s_3"] == b["s_3"]).all()
    assert (a["s_2"].astype(int) - b["s_2"].astype(int) == 1).all()
    assert (b["s_2"].astype(int) >= 17).all()
    same = (a["q_7_2"].fillna("") == b["q_7_2"].fillna("")).mean()
    strangers = (now["q_7_2"].iloc[:500].fillna("").to_numpy()
                 == now["q_7_2"].iloc[500:1000].fillna("").to_numpy()).mean()  # fmt: skip
    assert same > 0.6 > 0.4 > strangers
    assert demo.previous_wave_bytes() == demo.previous_wave_bytes()  # deterministic


def test_same_seed_same_bytes_other_seed_other_bytes(export: bytes) -> None:
    assert demo.demo_export_bytes(demo.DEMO_SIZE, demo.DEMO_SEED) == export
    assert demo.demo_export_bytes(seed=demo.DEMO_SEED + 1) != export


def test_export_is_surveyxact_style_csv(export: bytes) -> None:
    text = export.decode("cp1252")  # strict: every byte is cp1252
    assert b"\xf8" in export and b"\xc3\xb8" not in export  # ø as cp1252, not UTF-8
    assert export.endswith(b"\r\n")
    assert export.count(b"\n") == export.count(b"\r\n")  # no bare LF
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["respondent", "s_1", "s_2", "s_3"]
    assert len(body) == demo.DEMO_SIZE
    assert {len(r) for r in body} == {len(header)}
    frame = pd.DataFrame(body, columns=header)
    assert set(frame["s_1"]) == {"1", "2"}
    for column in LIKERT_COLUMNS:
        assert "Ved ikke" in set(frame[column]), column
        assert "" in set(frame[column]), column  # a few empty answers too
    assert frame["respondent"].is_unique


def test_bytes_are_the_frame_as_csv_writer_writes_it(export: bytes) -> None:
    frame = demo.demo_frame()
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(frame.columns)
    writer.writerows(frame.itertuples(index=False))
    assert buffer.getvalue().encode("cp1252") == export


def test_frame_fits_the_schema(schema: dict) -> None:
    frame = demo.demo_frame()
    assert all(isinstance(v, str) for v in frame.to_numpy().ravel())
    for name, spec in schema["variables"].items():
        column = frame[spec["column"]]
        answered = column[column != ""]
        if spec["type"] == "category":
            # The export holds the codes of a code: label mapping, else the labels.
            allowed = {str(c) for c in spec["categories"]}
            allowed |= set(spec.get("missing", []))
            assert set(answered) <= allowed, name
        elif spec["type"] == "multi":
            assert set(answered) == {"0", "1"}, name
        elif spec["type"] == "integer":
            ages = answered.astype(int)
            assert ages.min() >= spec["min"] and ages.max() <= spec["max"], name
    # The weighting variables are never empty: raking refuses a respondent without them.
    for column in ("s_1", "s_2", "s_3"):
        assert (frame[column] != "").all()


def test_free_text_exercises_the_defences() -> None:
    comments = demo.demo_frame()["q_10"]
    answered = comments[comments != ""]
    assert 0.1 < len(answered) / len(comments) < 0.4
    assert answered.str.startswith("=").any() and answered.str.startswith("+").any()
    assert answered.str.contains(";").any()  # needs CSV quoting
    assert answered.nunique() > 50  # varied, not one canned answer


def test_invalid_rows_plant_one_problem_each() -> None:
    clean = demo.demo_frame(500)
    bad = demo.demo_frame(500, invalid_rows=3)
    changed = (clean != bad).any(axis=1)
    assert changed.sum() == 3 and not changed.iloc[0]
    assert (bad["s_2"] == "7").sum() == 1
    assert (~bad["s_3"].isin(AREA_COUNTS)).sum() == 1
    assert bad["respondent"].duplicated().sum() == 1


@pytest.mark.parametrize("kwargs", [{"n": 0}, {"n": 10, "invalid_rows": 10}, {"n": True}])
def test_bad_sizes_are_refused(kwargs: dict) -> None:
    with pytest.raises(SettingsError):
        demo.demo_frame(**kwargs)


# --------------------------------------------------------------------------- the design


def test_poststratified_rates_are_the_designed_population_rates(schema: dict) -> None:
    """The generator's design is what DEMO_TARGETS says, checked by hand.

    Post-stratification: each respondent of age group × sex cell c gets the weight
    N_c / n_c (population count of c from the margins file over respondents in c), so
    every cell counts as much as it does in the population. The answers depend on the
    cell only, so the weighted share of "yes" among those who answered estimates the
    population rate. With n = 200,000 its standard error is at most about 0.003 (the
    17-29 domain has ~24,000 people), and the design hits each target within 0.002;
    0.01 leaves room for both.
    """
    frame = demo.demo_frame(200_000, seed=11)
    columns = {name: spec["column"] for name, spec in schema["variables"].items()}
    age = frame[columns["age"]].astype(int)
    data = pd.DataFrame(
        {
            "age_group": pd.cut(
                age, [17, 30, 45, 65, 111], right=False, labels=["17-29", "30-44", "45-64", "65+"]
            ).astype(str),
            "sex": frame[columns["sex"]].map({"1": "Mand", "2": "Kvinde"}),
        }
    )
    cell = data["age_group"] + "|" + data["sex"]  # spelled as the margins file spells it
    population = _margins().query("variable == 'age_group|sex'").set_index("category")["target"]
    weight = cell.map(population) / cell.map(cell.value_counts())

    indicators = yaml.safe_load(INDICATORS.read_text(encoding="utf-8"))["indicators"]
    # The shares have designed targets; the means, distributions and quantiles show them off.
    indicators = [i for i in indicators if i.get("kind", "share") == "share"]
    assert {i["id"] for i in indicators} == set(demo.DEMO_TARGETS)
    for ind in indicators:
        if ind["variable"] in schema["variables"]:
            spec = schema["variables"][ind["variable"]]
            answers = frame[spec["column"]]
            answered = (answers != "") & ~answers.isin(spec.get("missing", []))
            yes = answers.isin(ind["positive"])
        else:  # a scale score (formats 8.1): its items' points added up, all items answered
            spec = schema["derived"][ind["variable"]]
            points = pd.DataFrame(
                {
                    i: frame[schema["variables"][i]["column"]].map(spec["points"])
                    for i in spec["score"]
                }
            )
            score = points.sum(axis=1).where(points.notna().all(axis=1))
            answered = score.notna()
            yes = score >= ind["positive"]["min"]
        for key, allowed in ind.get("where", {}).items():
            answered &= data[key].isin(allowed)
        estimate = (weight * (yes & answered)).sum() / (weight * answered).sum()
        raw = yes[answered].mean()
        target = demo.DEMO_TARGETS[ind["id"]]
        assert estimate == pytest.approx(target, abs=0.01), ind["id"]
        if ind["id"] == "poor_health":
            # The panel is older than the district: unweighted, poor health is overstated.
            assert raw - target > 0.02


def test_panel_is_skewed_like_a_real_one() -> None:
    frame = demo.demo_frame(100_000, seed=3)
    age = frame["s_2"].astype(int)
    women = (frame["s_1"] == "2").mean()
    assert 0.57 < women < 0.63
    cells = _margins().query("variable == 'age_group|sex'")
    pop_young = cells[cells["category"].str.startswith("17-29")]["target"].sum() / POPULATION
    pop_old = cells[cells["category"].str.startswith("65+")]["target"].sum() / POPULATION
    assert (age < 30).mean() < pop_young - 0.1
    assert (age >= 65).mean() > pop_old + 0.1
    assert age.min() == 17 and age.max() <= 95


def test_later_questions_hang_together_and_with_age_area_and_sex() -> None:
    """Life satisfaction, the loneliness score and safety, on 200,000 respondents (shares
    with standard errors below 0.005): the directions the generator's tables give them."""
    frame = demo.demo_frame(200_000, seed=7)
    young = frame["s_2"].astype(int) < 30
    old = frame["s_2"].astype(int).between(45, 64)
    life = pd.to_numeric(frame["q_5"].where(frame["q_5"] != ""))
    assert set(frame["q_5"]) == {str(v) for v in range(11)} | {""}  # no "Ved ikke"
    assert 7.0 < life.mean() < 7.7
    assert life[young].mean() < life[old].mean() - 0.3
    points = {"Sjældent eller aldrig": 1, "En gang imellem": 2, "Ofte": 3}
    items = pd.DataFrame({c: frame[c].map(points) for c in ("q_6_1", "q_6_2", "q_6_3")})
    score = items.sum(axis=1).where(items.notna().all(axis=1))  # "" and "Ved ikke": NaN
    lonely = (score >= 7)[score.notna()]
    assert 0.08 < lonely.mean() < 0.16
    assert lonely[young].mean() > lonely[old].mean() + 0.05
    assert items.corr().min().min() > 0.3  # a scale: the three items go together
    assert life.corr(score) < -0.2  # the lonely are less satisfied
    safe = frame["q_8"].map({a: i + 1 for i, a in enumerate(demo.SAFE)})
    by_area = safe.groupby(frame["s_3"]).mean()
    assert by_area["Villakvartererne"] > by_area["Amagerbro Øst"] + 0.3
    assert safe[frame["s_1"] == "2"].mean() < safe[frame["s_1"] == "1"].mean()
    assert {"Ved ikke", ""} <= set(frame["q_8"]) and {"Ved ikke", ""} <= set(frame["q_6_1"])


def test_both_shipped_waves_give_the_loneliness_score() -> None:
    from panelkit.input.exports import read_export
    from panelkit.input.schema import load_schema
    from panelkit.input.validation import validate

    for name in (bundled.DATA_NAME, bundled.PREVIOUS_DATA_NAME):
        survey = validate(read_export(DATA / "demo" / name), load_schema(SCHEMA))
        assert survey.report.ok, name
        score = survey.frame["ucla3"]
        items = survey.frame[["lack_company", "left_out", "isolated"]]
        assert score.notna().equals(items.notna().all(axis=1)), name
        assert set(score.dropna()) <= set(range(3, 10)) and score.max() == 9, name


# --------------------------------------------------------------------------- data files


def test_margins_total_the_district_and_name_their_sources() -> None:
    margins = _margins()
    assert set(margins.groupby("variable")["target"].sum()) == {POPULATION}
    area = margins.query("variable == 'area'")
    assert dict(zip(area["category"], area["target"], strict=True)) == AREA_COUNTS
    assert len(margins.query("variable == 'age_group|sex'")) == 8
    header = [
        line for line in MARGINS.read_text(encoding="utf-8").splitlines() if line.startswith("#")
    ]
    assert any(line.startswith("# source:") for line in header)
    assert any("illustrative" in line for line in header)


def test_baselines_hold_fixed_published_figures() -> None:
    baselines = pd.read_csv(BASELINES, comment="#", dtype=str, keep_default_na=False)
    assert list(baselines.columns[:9]) == [
        "baseline_id", "area", "group", "estimate_pct", "ci_low_pct", "ci_high_pct", "n", "source", "year",
    ]  # fmt: skip
    assert (baselines[["ci_low_pct", "ci_high_pct", "n"]] == "").all().all()
    assert (baselines["source"] != "").all() and (baselines["year"] == "2021").all()
    baselines["estimate_pct"].astype(float)  # every estimate is a number
    key = ("selvvurderet-helbred-daarligt", "Amager Øst", "")
    rows = baselines.set_index(["baseline_id", "area", "group"])
    assert rows.loc[key, "estimate_pct"] == "15"
    indicators = yaml.safe_load(INDICATORS.read_text(encoding="utf-8"))["indicators"]
    for ind in indicators:
        if "baseline" in ind:
            ref = ind["baseline"]
            assert (ref["id"], ref["area"], "") in rows.index


# --------------------------------------------------------------------------- bundled and project


def test_bundled_demo_points_at_the_shipped_files() -> None:
    files = bundled.bundled_demo()
    assert bundled.bundled_data_dir() == DATA
    assert (files.schema, files.margins, files.indicators, files.baselines) == (
        SCHEMA,
        MARGINS,
        INDICATORS,
        BASELINES,
    )
    assert files.project_file is None


def test_missing_data_dir_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bundled, "__file__", str(tmp_path / "site" / "panelkit" / "bundled.py"))
    with pytest.raises(SettingsError, match="bundled demo data is missing"):
        bundled.bundled_data_dir()


def test_write_demo_project(tmp_path: Path) -> None:
    target = tmp_path / "project"
    files = demo.write_demo_project(target, n=300, seed=5)
    assert files.data.read_bytes() == demo.demo_export_bytes(300, 5)
    shipped = bundled.bundled_demo()
    for name in ("schema", "margins", "indicators", "baselines"):
        assert getattr(files, name).read_bytes() == getattr(shipped, name).read_bytes()
    assert files.project_file == target / "panelkit.yaml"
    settings = yaml.safe_load(files.project_file.read_text(encoding="utf-8"))
    assert set(settings) == {
        "data", "schema", "margins", "indicators", "baselines", "out", "label", "previous",
    }  # fmt: skip
    assert settings["label"] == "2022"
    assert settings["out"] == "output"
    # Last year's wave of the same panel: fewer respondents, the same schema and margins.
    assert files.previous is not None
    assert files.previous.read_bytes() == demo.previous_wave_bytes(300, 5)
    assert settings["previous"] == {
        "data": "data/borgerpanel-2021.csv",
        "schema": settings["schema"],
        "margins": settings["margins"],
        "label": "2021",
        "linked": True,
    }
    for key in ("data", "schema", "margins", "indicators", "baselines"):
        assert not Path(settings[key]).is_absolute()
        assert target / settings[key] == getattr(files, key)
    assert not [p for p in target.rglob("*") if p.name.endswith(".tmp")]


def test_write_demo_project_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        demo.write_demo_project(tmp_path)
    message = str(caught.value)
    assert str(tmp_path) in message and "--force" in message and "\n" not in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # nothing written

    files = demo.write_demo_project(tmp_path, force=True)
    assert files.data.is_file() and (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


@pytest.mark.slow
def test_a_million_respondents_in_seconds() -> None:
    start = time.perf_counter()
    frame = demo.demo_frame(1_000_000)
    elapsed = time.perf_counter() - start
    assert frame.shape == (1_000_000, 20)
    assert frame["respondent"].is_unique
    # Vectorised it takes about 2 s; a loop per respondent would take minutes.
    assert elapsed < 15
