"""Scale scores (formats §8.1): schema `derived:` entries with `score:`, computed in validation.

Every expected score below is worked out by hand in the test from the items' points; the
analyses-own case is checked against its items read straight from data.csv, and through
R's share of `ucla3 >= 7` (tests/data/analyses-own/expected.json, R 4.2.2 / survey 4.1.1).
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from panelkit.errors import SchemaError
from panelkit.input.exports import read_export
from panelkit.input.raw import ExportFormat, RawExport
from panelkit.input.schema import ScoreMethod, load_schema, parse_schema
from panelkit.input.validation import SurveyData, validate

OWN = Path(__file__).parent / "data" / "analyses-own"
ANSWERS = ["Aldrig", "Nogle gange", "Ofte"]
POINTS = {"Aldrig": 1, "Nogle gange": 2, "Ofte": 3}

VARIABLES: dict[str, Any] = {
    "kode": {"column": "kode", "type": "id"},
    "a": {"column": "a", "type": "category", "categories": ANSWERS, "missing": ["Ved ikke"]},
    "b": {"column": "b", "type": "category", "categories": ANSWERS, "missing": ["Ved ikke"]},
    "c": {"column": "c", "type": "category", "categories": ANSWERS, "missing": ["Ved ikke"]},
    "n": {"column": "n", "type": "integer", "min": 0, "max": 10, "missing": ["Ved ikke"]},
    "x": {"column": "x", "type": "number"},
    "note": {"column": "note", "type": "text"},
    "level": {"column": "level", "type": "category", "categories": {1: "Lav", 2: "Høj"}},
}


def schema_doc(**derived: Any) -> dict[str, Any]:
    return {"name": "t", "variables": copy.deepcopy(VARIABLES), "derived": derived}


def survey(rows: dict[str, list[str]], **derived: Any) -> SurveyData:
    """Validate ``rows`` (raw cells as text; absent columns are empty) against the schema."""
    n = len(next(iter(rows.values())))
    columns = {v["column"]: rows.get(v["column"], [""] * n) for v in VARIABLES.values()}
    columns["kode"] = [str(i + 1) for i in range(n)]
    raw = RawExport(
        path=Path("export.csv"),
        format=ExportFormat.CSV,
        frame=pd.DataFrame(columns, dtype=object),
        lines=np.arange(2, n + 2),
        unit="line",
    )
    return validate(raw, parse_schema(schema_doc(**derived), Path("scores.yaml")))


def scores(rows: dict[str, list[str]], **spec: Any) -> list[float]:
    data = survey(rows, s=spec)
    assert data.report.ok, data.report.problems
    return [float(v) for v in data.frame["s"]]


def same(got: list[float], want: list[float]) -> bool:
    return len(got) == len(want) and all(
        (math.isnan(g) and math.isnan(w)) or math.isclose(g, w, rel_tol=1e-12)
        for g, w in zip(got, want, strict=True)
    )


NAN = math.nan
ROWS = {
    "a": ["Aldrig", "Ofte", "Nogle gange", "", "Ved ikke"],
    "b": ["Aldrig", "Nogle gange", "Ofte", "Ofte", ""],
    "c": ["Nogle gange", "ofte ", "", "Aldrig", "Ved ikke"],
}


# ----------------------------------------------------------------------------- computed


def test_sum_needs_every_item_by_default() -> None:
    got = scores(ROWS, score=["a", "b", "c"], points=POINTS)
    # row 1: 1+1+2; row 2: 3+2+3 ("ofte " is Ofte); rows 3-5 miss an item: no score
    assert same(got, [4, 8, NAN, NAN, NAN])


def test_sum_with_min_answered_adds_the_answered_items_without_rescaling() -> None:
    got = scores(ROWS, score=["a", "b", "c"], points=POINTS, min_answered=2)
    # row 3: 2+3 (c empty); row 4: 3+1 (a empty); row 5: only b answered (and empty): none
    assert same(got, [4, 8, 5, 4, NAN])


def test_mean_of_the_answered_items_times_multiply() -> None:
    got = scores(
        ROWS, score=["a", "b", "c"], points=POINTS, method="mean", min_answered=2, multiply=5
    )
    # row 1: (1+1+2)/3*5; row 2: (3+2+3)/3*5; row 3: (2+3)/2*5; row 4: (3+1)/2*5
    assert same(got, [20 / 3, 40 / 3, 12.5, 10, NAN])


def test_reverse_turns_points_around_the_points_range() -> None:
    got = scores(ROWS, score=["a", "b", "c"], points=POINTS, reverse=["c"], min_answered=2)
    # c reversed: 3 + 1 - points. row 1: 1+1+(4-2); row 2: 3+2+(4-3); row 4: 3+(4-1)
    assert same(got, [4, 6, 5, 6, NAN])


def test_points_need_not_start_at_one_and_reverse_uses_their_min_and_max() -> None:
    points = {"Aldrig": 0, "Nogle gange": 1, "Ofte": 4}
    got = scores(ROWS, score=["a", "b"], points=points, reverse=["a"], min_answered=1)
    # a reversed: 4 + 0 - points. row 1: (4-0)+0; row 2: (4-4)+1; row 3: (4-1)+4;
    # row 4: b only, 4; row 5: nothing answered ("Ved ikke" is missing): none
    assert same(got, [4, 1, 7, 4, NAN])


def test_integer_and_number_items_score_their_value() -> None:
    rows = {"n": ["0", "7", "10", "", "Ved ikke"], "x": ["1,5", "2", "", "3", "4"]}
    assert same(scores(rows, score=["n", "x"]), [1.5, 9, NAN, NAN, NAN])
    # n reversed within its schema min 0 and max 10: 10 - n
    got = scores(rows, score=["n", "x"], reverse=["n"], method="mean", min_answered=1)
    assert same(got, [(10 + 1.5) / 2, (3 + 2) / 2, 0, 3, 4])


def test_category_and_integer_items_mix() -> None:
    rows = {"a": ["Ofte", "Aldrig", ""], "n": ["4", "", "9"]}
    got = scores(rows, score=["a", "n"], points=POINTS, multiply=2, min_answered=1)
    assert same(got, [(3 + 4) * 2, 1 * 2, 9 * 2])


def test_a_score_is_a_number_variable() -> None:
    data = survey(
        ROWS,
        s={"score": ["a", "b", "c"], "points": POINTS, "text": "Hvor ofte (3-9)"},
        s_group={"from": "s", "bins": [3, 6, 10], "labels": ["3-5", "6-9"]},
    )
    schema = data.schema
    assert schema.is_numeric("s") and schema.labels_of("s") is None
    assert schema.names[-2:] == ("s_group", "s")
    score = schema.scores[0]
    assert (score.method, score.min_answered, score.multiply) == (ScoreMethod.SUM, 3, 1.0)
    assert score.text == "Hvor ofte (3-9)"
    assert data.frame["s"].dtype == np.float64
    # bins cut the score like any number: 4 -> 3-5, 8 -> 6-9, missing -> missing
    groups = data.frame["s_group"]
    assert list(groups.cat.categories) == ["3-5", "6-9"]
    assert list(groups.iloc[:2]) == ["3-5", "6-9"] and groups.iloc[2:].isna().all()


def test_a_row_error_in_an_item_leaves_that_item_unanswered() -> None:
    data = survey({"a": ["Ofte", "Sjældent"], "b": ["Ofte", "Ofte"]}, s={
        "score": ["a", "b"], "points": POINTS, "min_answered": 1})  # fmt: skip
    assert [p.line for p in data.report.problems] == [3]
    assert same([float(v) for v in data.frame["s"]], [6, 3])


def test_the_callers_frame_is_not_changed() -> None:
    frame = pd.DataFrame({"a": ["Ofte"], "b": ["Aldrig"]}, dtype=object)
    before = frame.copy()
    rows = {c: list(frame[c]) for c in frame.columns}
    scores(rows, score=["a", "b"], points=POINTS)
    pd.testing.assert_frame_equal(frame, before)


# ----------------------------------------------------------------------------- errors


def error(**spec: Any) -> str:
    with pytest.raises(SchemaError) as info:
        parse_schema(schema_doc(s=spec), Path("scores.yaml"))
    return str(info.value)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"score": ["a", "b"], "points": {"Aldrig": 1, "Nogle gange": 2}},
            'scores.yaml: derived.s.points: "Ofte" (an answer of a) has no points; give every '
            "answer of a points, or list it under missing: in the schema",
        ),
        (
            {"score": ["a", "b"]},
            "scores.yaml: derived.s.points: missing; a is a category item, so give every "
            "answer points, e.g. points: {Aldrig: 1, …}",
        ),
        (
            {"score": ["a", "d"], "points": POINTS},
            'scores.yaml: derived.s.score[1]: "d" is not a variable of the schema; expected one '
            "of a, b, c, n, x, level",
        ),
        (
            {"score": ["a", "bb"], "points": POINTS},
            'scores.yaml: derived.s.score[1]: "bb" is not a variable of the schema; did you '
            "mean b?",
        ),
        (
            {"score": ["a", "note"], "points": POINTS},
            "scores.yaml: derived.s.score[1]: note is a text variable; a score adds category, "
            "integer or number variables, so leave it out of score:",
        ),
        (
            {"score": ["kode"]},
            "scores.yaml: derived.s.score[0]: kode is an id variable; a score adds category, "
            "integer or number variables, so leave it out of score:",
        ),
        (
            {"score": ["a", "x"], "points": POINTS, "reverse": ["x"]},
            "scores.yaml: derived.s.reverse[0]: x is a number item without min: and max: in the "
            "schema, so its points cannot be reversed (max + min − value); give variables.x "
            "min: and max:",
        ),
        (
            {"score": ["a", "b"], "points": POINTS, "min_answered": 3},
            "scores.yaml: derived.s.min_answered: expected a whole number from 1 to 2 (the "
            "score has 2 items), got 3",
        ),
        (
            {"score": ["a", "b"], "points": POINTS, "min_answered": 0},
            "scores.yaml: derived.s.min_answered: expected a whole number from 1 to 2 (the "
            "score has 2 items), got 0",
        ),
        (
            {"score": ["a", "b"], "points": POINTS, "min_answered": True},
            "scores.yaml: derived.s.min_answered: expected a whole number from 1 to 2 (the "
            "score has 2 items), got true",
        ),
        (
            {"score": ["a", "b"], "points": POINTS, "mehtod": "sum"},
            "scores.yaml: derived.s.mehtod: unknown key; expected one of description, method, "
            "min_answered, multiply, points, reverse, score, text",
        ),
        (
            {"score": ["a", "b"], "points": POINTS, "bins": [1, 2]},
            "scores.yaml: derived.s.bins: unknown key; expected one of description, method, "
            "min_answered, multiply, points, reverse, score, text",
        ),
        (
            {"score": ["a", "b"], "points": POINTS, "method": "median"},
            'scores.yaml: derived.s.method: unknown method "median"; expected sum or mean (of '
            "the answered items)",
        ),
        (
            {"score": ["a", "b"], "points": {**POINTS, "Ved ikke": 0}},
            'scores.yaml: derived.s.points.Ved ikke: "Ved ikke" is not an answer of the '
            "score's category items (a, b); expected answers among Aldrig, Nogle gange, Ofte",
        ),
        (
            {"score": ["a", "b"], "points": {**POINTS, "Ofte": "tre"}},
            'scores.yaml: derived.s.points.Ofte: expected a number, got "tre"',
        ),
        (
            {"score": ["a", "b"], "points": POINTS, "reverse": ["c"]},
            'scores.yaml: derived.s.reverse[0]: "c" is not an item of the score; expected one '
            "of a, b",
        ),
        (
            {"score": ["a", "a"], "points": POINTS},
            "scores.yaml: derived.s.score[1]: a is listed twice; list each item once",
        ),
        (
            {"score": [], "points": POINTS},
            "scores.yaml: derived.s.score: is empty; list the variables the score adds up",
        ),
        (
            {"score": "a", "points": POINTS},
            'scores.yaml: derived.s.score: expected a list, got "a"',
        ),
        (
            {"score": ["a", "b"], "points": POINTS, "multiply": 0},
            "scores.yaml: derived.s.multiply: is 0, which makes every score 0; give e.g. 1 or 4",
        ),
        (
            {"score": ["a", "level"], "points": POINTS},
            'scores.yaml: derived.s.points: "Lav" (an answer of level) has no points; give '
            "every answer of level points, or list it under missing: in the schema",
        ),
    ],
)
def test_schema_errors_name_the_file_the_score_and_the_fix(
    spec: dict[str, Any], message: str
) -> None:
    assert error(**spec) == message


def test_a_score_may_not_reuse_a_variable_name() -> None:
    doc = schema_doc(a={"score": ["b", "c"], "points": POINTS})
    with pytest.raises(SchemaError) as info:
        parse_schema(doc, Path("scores.yaml"))
    assert str(info.value) == (
        "scores.yaml: derived.a: this name is already a variable; choose another"
    )


def test_bins_of_a_text_variable_still_name_the_numbers_including_scores() -> None:
    doc = schema_doc(
        s={"score": ["a", "b"], "points": POINTS},
        g={"from": "note", "bins": [0, 5], "labels": ["low"]},
    )
    with pytest.raises(SchemaError) as info:
        parse_schema(doc, Path("scores.yaml"))
    assert str(info.value) == (
        'scores.yaml: derived.g.from: "note" is not a numeric variable; expected one of n, x, s'
    )


def test_a_yaml_boolean_answer_in_points_says_to_quote_it(tmp_path: Path) -> None:
    path = tmp_path / "scores.yaml"
    path.write_text(
        "name: t\nvariables:\n  q: {column: q, type: category, categories: ['Yes', 'No']}\n"
        "derived:\n  s: {score: [q], points: {Yes: 1, 'No': 0}}\n",
        encoding="utf-8",
    )
    with pytest.raises(SchemaError) as info:
        load_schema(path)
    assert str(info.value) == (
        'scores.yaml: derived.s.points (answer true): YAML read true as a boolean; quote it ("Yes") '
        "to use it as text"
    )


# ----------------------------------------------------------------------------- a property


@settings(max_examples=60, deadline=None)
@given(
    k=st.integers(1, 4),
    lo=st.integers(-3, 3),
    width=st.integers(1, 5),
    data=st.data(),
)
def test_reversing_every_item_of_a_sum_maps_s_to_k_times_max_plus_min_minus_s(
    k: int, lo: int, width: int, data: st.DataObject
) -> None:
    """Fully answered rows: sum of (max + min − p_i) = k(max + min) − s; partly answered
    rows have no score either way (min_answered defaults to all)."""
    hi = lo + width
    labels = [f"svar {v}" for v in range(lo, hi + 1)]
    points = {label: v for label, v in zip(labels, range(lo, hi + 1), strict=True)}
    rows = data.draw(
        st.lists(st.lists(st.sampled_from([*labels, ""]), min_size=k, max_size=k), min_size=1)
    )
    doc: dict[str, Any] = {
        "name": "p",
        "variables": {
            f"q{j}": {"column": f"q{j}", "type": "category", "categories": labels} for j in range(k)
        },
        "derived": {
            "plain": {"score": [f"q{j}" for j in range(k)], "points": points},
            "turned": {
                "score": [f"q{j}" for j in range(k)],
                "points": points,
                "reverse": [f"q{j}" for j in range(k)],
            },
        },
    }
    frame = pd.DataFrame({f"q{j}": [r[j] for r in rows] for j in range(k)}, dtype=object)
    raw = RawExport(Path("p.csv"), ExportFormat.CSV, frame, np.arange(2, len(rows) + 2), "line")
    out = validate(raw, parse_schema(doc, Path("p.yaml"))).frame
    full = np.array(["" not in r for r in rows])
    plain, turned = out["plain"].to_numpy(), out["turned"].to_numpy()
    assert np.array_equal(turned[full], k * (hi + lo) - plain[full])
    assert np.isnan(plain[~full]).all() and np.isnan(turned[~full]).all()
    # and by hand: the plain sum is the points added up
    want = [sum(points[x] for x in r) for r, f in zip(rows, full, strict=True) if f]
    assert list(plain[full]) == want


# ----------------------------------------------------------------------------- analyses-own


def own() -> SurveyData:
    return validate(read_export(OWN / "data.csv"), load_schema(OWN / "schema.yaml"))


def test_analyses_own_scores_are_those_of_make_data_and_reference_r() -> None:
    """ucla3: q2_1 + q2_2 + (4 − q2_3), all three answered; ucla3_index: the mean of the
    answered ones (at least two) × 5 (reference.R), from the raw cells of data.csv."""
    data = own()
    assert data.report.ok
    raw = pd.read_csv(OWN / "data.csv", dtype=str, keep_default_na=False, encoding="utf-8")
    points = {"Sjældent eller aldrig": 1.0, "En gang imellem": 2.0, "Ofte": 3.0}
    p = pd.DataFrame(
        {
            "q2_1": raw["q2_1"].map(points),  # "" and "Ved ikke" map to NaN: not answered
            "q2_2": raw["q2_2"].map(points),
            "q2_3": 4.0 - raw["q2_3"].map(points),
        }
    )
    answered = p.notna().sum(axis=1)
    ucla3 = p.sum(axis=1).where(answered == 3)
    index = (p.mean(axis=1) * 5).where(answered >= 2)
    np.testing.assert_allclose(data.frame["ucla3"], ucla3, rtol=0, atol=1e-12)
    np.testing.assert_allclose(data.frame["ucla3_index"], index, rtol=0, atol=1e-12)
    # the ranges 8.1 promises: 3-9 and 5-15, and what missing answers leave out
    assert data.frame["ucla3"].min() == 3 and data.frame["ucla3"].max() == 9
    assert data.frame["ucla3_index"].min() == 5 and data.frame["ucla3_index"].max() == 15
    assert int(data.frame["ucla3"].notna().sum()) == 318  # R's n of `lonely`
    assert int(answered.eq(2).sum()) > 0  # some index scores stand on two items


def test_analyses_own_share_of_the_score_matches_r(tmp_path: Path) -> None:
    """`lonely` (ucla3 >= 7) and `lonely_dissatisfied` (on life_sat <= 5) as R's svyciprop."""
    from panelkit.jobs import summarize
    from panelkit.project import resolve_files

    indicators = tmp_path / "indicators.yaml"
    indicators.write_text(
        "indicators:\n"
        "  - {id: lonely, variable: ucla3, positive: {min: 7}}\n"
        "  - id: lonely_dissatisfied\n"
        "    variable: ucla3\n"
        "    positive: {min: 7}\n"
        "    where: {life_sat: {max: 5}}\n",
        encoding="utf-8",
    )
    files = resolve_files(
        data=OWN / "data.csv",
        schema=OWN / "schema.yaml",
        margins=OWN / "margins.csv",
        indicators=indicators,
    )
    result = summarize(files, by=["age_group", "area"], min_n=0)
    ours = {(e.indicator, e.by, e.group): e for e in result.estimates}
    expected = json.loads((OWN / "expected.json").read_text(encoding="utf-8"))["estimates"]
    rows = [r for r in expected if r["indicator"] in ("lonely", "lonely_dissatisfied")]
    assert len(rows) == 2 * (1 + 4 + 4)
    for row in rows:
        got = ours[(row["indicator"], row["by"], row["group"])]
        assert got.n == row["n"], row
        for key in ("estimate", "se", "ci_low", "ci_high"):
            assert math.isclose(getattr(got, key), row[key], rel_tol=1e-6), (key, row)


def test_describe_summarises_a_score_as_a_number() -> None:
    from panelkit.publish.codebook import VariableKind, build_codebook

    data = own()
    entry = build_codebook(data, None, min_n=0).variable("ucla3_index")
    assert entry.kind is VariableKind.SCORE and entry.column is None
    assert entry.numbers is not None
    values = data.frame["ucla3_index"].dropna()
    assert entry.numbers.n == len(values) == entry.answered
    assert entry.numbers.mean == pytest.approx(values.sum() / len(values), rel=1e-12)
    assert (entry.numbers.min, entry.numbers.max) == (5, 15)
