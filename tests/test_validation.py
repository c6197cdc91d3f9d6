"""Validation turns a raw export into typed data, and every bad cell into a row error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from panelkit.errors import DataError
from panelkit.input.exports import read_export
from panelkit.input.schema import load_schema
from panelkit.input.validation import SurveyData, rejects_csv, validate

SCHEMA = """
name: t
id: respondent_id
variables:
  respondent_id: {column: respondent, type: id}
  age: {column: s_2, type: integer, min: 15, max: 110}
  height: {column: s_4, type: number}
  sex: {column: s_1, type: category, categories: {1: Mand, 2: Kvinde}}
  lonely:
    column: q_1
    type: category
    categories: [Meget enig, Enig, Uenig]
    missing: [Ved ikke]
  info_lokalavis: {column: q_9_1, type: multi}
  comment: {column: q_10, type: text}
derived:
  age_group: {from: age, bins: [15, 30, 111], labels: ["15-29", "30+"]}
"""

HEADER = "respondent;s_1;s_2;s_4;q_1;q_9_1;q_10"


def run(tmp_path: Path, rows: list[str], schema: str = SCHEMA) -> SurveyData:
    (tmp_path / "schema.yaml").write_text(schema, encoding="utf-8")
    data = tmp_path / "export.csv"
    data.write_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode("cp1252"))
    return validate(read_export(data), load_schema(tmp_path / "schema.yaml"))


def test_clean_rows_become_typed_columns(tmp_path: Path) -> None:
    survey = run(
        tmp_path,
        [
            "1;1;23;1,75;  meget ENIG ;1;Dejligt kvarter",
            "2;Kvinde;67;1.62;Ved ikke;0;",
            "3;2;40;;;Valgt;=cmd()",
        ],
    )
    f = survey.frame
    assert survey.report.ok
    assert survey.report.rows_read == 3 and survey.report.rows_valid == 3
    # code 1 and label "Kvinde" both arrive as labels; case and surrounding space are ignored
    assert list(f["sex"]) == ["Mand", "Kvinde", "Kvinde"]
    assert list(f["sex"].cat.categories) == ["Mand", "Kvinde"]
    assert f["lonely"].iloc[0] == "Meget enig"
    # "Ved ikke" is a recognised missing answer: no answer, and no error
    assert pd.isna(f["lonely"].iloc[1]) and pd.isna(f["lonely"].iloc[2])
    assert survey.report.missing_answers == 1
    # decimal comma and point both read as numbers
    assert f["height"].iloc[0] == pytest.approx(1.75)
    assert f["height"].iloc[1] == pytest.approx(1.62)
    assert np.isnan(f["height"].iloc[2])
    assert list(f["info_lokalavis"]) == ["Valgt", "Ikke valgt", "Valgt"]
    # free text is reduced to answered-or-not: the text itself never leaves validation
    assert list(f["comment"]) == [True, False, True]
    assert list(f["age_group"]) == ["15-29", "30+", "30+"]
    assert list(survey.lines) == [2, 3, 4]


def test_row_errors_cite_line_column_and_problem(tmp_path: Path) -> None:
    survey = run(
        tmp_path,
        [
            "1;1;23;1,75;Enig;1;",
            "2;3;7;x;Enig;2;",
            "1;1;23.5;1;Måske;1;",
            "4;1;200;1;Enig;;",
        ],
    )
    messages = [str(p) for p in survey.report.problems]
    assert messages == [
        'line 3, s_1: "3" is not an answer of sex; expected one of Mand, Kvinde (or codes 1, 2)',
        "line 3, s_2: 7 is below the minimum 15",
        'line 3, s_4: "x" is not a number',
        'line 3, q_9_1: "2" is not an answer of info_lokalavis; expected one of Ikke valgt, Valgt '
        "(or codes 0, 1)",
        "line 4, respondent: repeats the id on line 2; ids must be unique",
        "line 4, s_2: 23.5 is not a whole number",
        'line 4, q_1: "Måske" is not an answer of lonely; expected one of Meget enig, Enig, Uenig; '
        "no answer: Ved ikke",
        "line 5, s_2: 200 is above the maximum 110",
    ]
    report = survey.report
    assert (report.rows_read, report.rows_valid, report.rows_rejected) == (4, 1, 3)
    assert report.rejected_lines == (3, 4, 5)


def test_analysis_refuses_row_errors_unless_dropped(tmp_path: Path) -> None:
    survey = run(tmp_path, ["1;1;23;1;Enig;1;", "2;1;7;1;Enig;1;"])
    with pytest.raises(DataError) as info:
        survey.usable(drop_invalid=False)
    # The error line names the row and the rule, never the respondent's answer (7).
    assert str(info.value) == (
        "export.csv: 1 of 2 rows have errors (first: line 3, s_2: below the minimum 15); "
        "run `panelkit validate` to see them, fix the export, or pass --drop-invalid to leave "
        "those rows out"
    )
    used = survey.usable(drop_invalid=True)
    assert used.rows == 1 and list(used.lines) == [2]
    r = used.reconciliation()
    assert (r.rows_read, r.rows_used, r.rows_rejected) == (2, 1, 1)


def test_missing_column_is_fatal_and_suggests_closest(tmp_path: Path) -> None:
    schema = SCHEMA.replace("column: q_10", "column: q_11")
    with pytest.raises(DataError) as info:
        run(tmp_path, ["1;1;23;1;Enig;1;"], schema=schema)
    assert str(info.value) == (
        'export.csv: column "q_11" (variable comment in schema.yaml) is not in the export; '
        "closest in the export: q_1, q_10, q_9_1; fix `column:` in the schema or export that column"
    )


def test_rejects_file_lists_problems_without_free_text(tmp_path: Path) -> None:
    survey = run(
        tmp_path, ["1;1;7;1;Enig;1;Mit navn er Hanne Hansen", "2;1;30;1;Enig;1;=HYPERLINK()"]
    )
    text = rejects_csv(survey.report).decode("utf-8")
    assert text == "line,column,problem\n2,s_2,below the minimum 15\n"
    assert "Hanne" not in text


def test_validation_does_not_mutate_the_raw_frame(tmp_path: Path) -> None:
    (tmp_path / "schema.yaml").write_text(SCHEMA, encoding="utf-8")
    data = tmp_path / "export.csv"
    data.write_text(HEADER + "\n1;1;23;1,5;Enig;1;hej\n", encoding="utf-8")
    raw = read_export(data)
    before = raw.frame.copy()
    validate(raw, load_schema(tmp_path / "schema.yaml"))
    pd.testing.assert_frame_equal(raw.frame, before)
