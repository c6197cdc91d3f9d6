"""`panelkit describe`: the codebook's numbers against a hand computation, and no free text.

The hand computation reads the export with plain pandas, maps the codes to
labels itself and counts; the weighted shares use the weights that
jobs.weight_survey gives the same files.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from helpers import invoke
from panelkit import __version__
from panelkit.errors import DataError
from panelkit.jobs import describe, weight_survey
from panelkit.project import ProjectFiles, resolve_files
from panelkit.publish.codebook import (
    CodebookFormat,
    VariableKind,
    codebook_markdown,
    render_codebook,
)
from panelkit.results import Lang

N = 80
SECRET = "HEMMELIG"  # every free-text answer contains it; no output may

SCHEMA = """
name: lille
id: respondent_id
variables:
  respondent_id: {column: respondent, type: id}
  sex: {column: s_1, type: category, text: "Køn", categories: {1: Mand, 2: Kvinde}}
  age: {column: s_2, type: integer, text: "Alder", min: 15, max: 110}
  height: {column: s_4, type: number, text: "Højde i meter"}
  lonely:
    column: q_1
    text: "Jeg føler mig ofte ensom"
    type: category
    categories: [Meget enig, Enig, Uenig]
    missing: [Ved ikke, Ønsker ikke at svare]
  info: {column: q_9_1, type: multi, text: "Lokalavisen"}
  comment: {column: q_10, type: text, text: "Kommentarer"}
derived:
  age_group: {from: age, bins: [15, 30, 111], labels: ["15-29", "30+"]}
"""

MARGINS = """variable,category,target
sex,Mand,5100
sex,Kvinde,4900
age_group,15-29,2500
age_group,30+,7500
"""


def export_frame() -> pd.DataFrame:
    rng = np.random.default_rng(20240607)
    lonely = np.array(["Meget enig", "Enig", "Uenig", "Ved ikke", "Ønsker ikke at svare", ""])
    return pd.DataFrame(
        {
            "respondent": [f"R{i:03d}" for i in range(N)],
            "s_1": rng.choice(["1", "2"], N, p=[0.35, 0.65]),
            "s_2": rng.integers(16, 90, N).astype(str),
            "s_4": [
                "" if i % 10 == 0 else f"{h:.2f}".replace(".", ",")
                for i, h in enumerate(rng.normal(1.72, 0.09, N))
            ],
            "q_1": lonely[rng.choice(6, N, p=[0.2, 0.3, 0.25, 0.1, 0.05, 0.1])],
            "q_9_1": rng.choice(["0", "1", ""], N, p=[0.5, 0.4, 0.1]),
            "q_10": [f"{SECRET} svar nummer {i}" if i % 3 == 0 else "" for i in range(N)],
        }
    )


@pytest.fixture
def project(tmp_path: Path) -> ProjectFiles:
    (tmp_path / "schema.yaml").write_text(SCHEMA, "utf-8")
    (tmp_path / "margins.csv").write_text(MARGINS, "utf-8")
    data = tmp_path / "export.csv"
    data.write_bytes(export_frame().to_csv(sep=";", index=False).encode("cp1252"))
    return resolve_files(
        data=data,
        schema=tmp_path / "schema.yaml",
        margins=tmp_path / "margins.csv",
        cwd=tmp_path,
    )


def unweighted(files: ProjectFiles) -> ProjectFiles:
    return resolve_files(data=files.data, schema=files.schema, cwd=files.data.parent)


# --------------------------------------------------------------------------- numbers


def test_counts_and_shares_by_hand(project: ProjectFiles) -> None:
    book = describe(unweighted(project), min_n=0)  # every count shown, to check each by hand
    raw = export_frame()
    assert book.weighting is None
    assert (book.survey.rows_read, book.survey.rows_used) == (N, N)

    # sex: codes 1/2 are Mand/Kvinde; share of those who answered
    sex = book.variable("sex")
    by_hand = raw["s_1"].map({"1": "Mand", "2": "Kvinde"}).value_counts()
    assert [(a.label, a.code, a.n) for a in sex.answers] == [
        ("Mand", "1", by_hand["Mand"]),
        ("Kvinde", "2", by_hand["Kvinde"]),
    ]
    assert sex.answers[0].share == pytest.approx(by_hand["Mand"] / N, abs=1e-15)
    assert (sex.answered, sex.empty, sex.missing) == (N, 0, ())

    # lonely: "Ved ikke" and "Ønsker ikke at svare" are missing answers, "" is empty
    lonely = book.variable("lonely")
    counts = raw["q_1"].value_counts()
    answered = counts[["Meget enig", "Enig", "Uenig"]].sum()
    assert lonely.answered == answered
    assert [(a.label, a.n) for a in lonely.answers] == [
        (label, counts[label]) for label in ("Meget enig", "Enig", "Uenig")
    ]
    for a in lonely.answers:
        assert a.share == pytest.approx(counts[a.label] / answered, abs=1e-15)
        assert a.weighted_share is None
    assert [(m.label, m.n) for m in lonely.missing] == [
        ("Ved ikke", counts["Ved ikke"]),
        ("Ønsker ikke at svare", counts["Ønsker ikke at svare"]),
    ]
    assert lonely.empty == counts[""]
    assert lonely.answered + lonely.empty + sum(m.n or 0 for m in lonely.missing) == N

    # multi: 0/1 are Ikke valgt/Valgt, empty cells are no answer
    info = book.variable("info")
    assert info.kind is VariableKind.MULTI
    multi = raw["q_9_1"].value_counts()
    assert [(a.label, a.n) for a in info.answers] == [
        ("Ikke valgt", multi["0"]),
        ("Valgt", multi["1"]),
    ]
    assert info.empty == multi[""]

    # derived: counted like a category
    group = book.variable("age_group")
    ages = raw["s_2"].astype(int)
    assert group.kind is VariableKind.DERIVED
    assert [(a.label, a.n) for a in group.answers] == [
        ("15-29", int((ages < 30).sum())),
        ("30+", int((ages >= 30).sum())),
    ]


def test_number_distribution_by_hand(project: ProjectFiles) -> None:
    book = describe(unweighted(project), min_n=0)
    raw = export_frame()
    heights = pd.to_numeric(raw["s_4"].str.replace(",", "."), errors="coerce").dropna()
    s = book.variable("height").numbers
    assert s is not None
    assert s.n == len(heights) == N - 8
    assert s.mean == pytest.approx(heights.mean(), rel=1e-12)
    assert s.sd == pytest.approx(heights.std(), rel=1e-12)  # pandas: ddof=1
    assert (s.min, s.max) == (heights.min(), heights.max())
    assert (s.q1, s.median, s.q3) == pytest.approx(
        tuple(heights.quantile([0.25, 0.5, 0.75])), rel=1e-12
    )
    assert s.weighted_mean is None
    assert book.variable("height").empty == 8
    ages = book.variable("age").numbers
    assert (
        ages is not None
        and ages.n == N
        and ages.mean == pytest.approx(raw["s_2"].astype(int).mean())
    )


def test_weighted_shares_use_the_raking_weights(project: ProjectFiles) -> None:
    book = describe(project, min_n=0)
    weights = weight_survey(project).weighting.weights  # type: ignore[union-attr]
    raw = export_frame()
    assert book.weighting is not None
    # the weighted shares of the raking variables hit the margins
    sex = book.variable("sex")
    assert [a.weighted_share for a in sex.answers] == pytest.approx([0.51, 0.49], abs=1e-9)
    # by hand for a variable that is not raked on
    w = pd.Series(weights)
    valid = raw["q_1"].isin(["Meget enig", "Enig", "Uenig"])
    by_hand = w[valid].groupby(raw["q_1"][valid]).sum() / w[valid].sum()
    lonely = book.variable("lonely")
    for a in lonely.answers:
        assert a.weighted_share == pytest.approx(by_hand[a.label], rel=1e-12)
    # n stays unweighted
    assert [a.n for a in lonely.answers] == [
        int((raw["q_1"] == label).sum()) for label in ("Meget enig", "Enig", "Uenig")
    ]
    heights = pd.to_numeric(raw["s_4"].str.replace(",", "."), errors="coerce")
    ok = heights.notna()
    numbers = book.variable("height").numbers
    assert numbers is not None
    assert numbers.weighted_mean == pytest.approx(np.average(heights[ok], weights=w[ok]), rel=1e-12)


def test_free_text_shows_only_how_many_answered(project: ProjectFiles) -> None:
    comment = describe(project).variable("comment")
    assert comment.kind is VariableKind.TEXT
    assert (comment.answered, comment.empty) == (27, N - 27)
    assert (comment.answers, comment.numbers, comment.missing) == ((), None, ())


def test_drop_invalid(project: ProjectFiles) -> None:
    frame = export_frame()
    frame.loc[5, "s_2"] = "7"  # below the minimum 15
    frame.loc[5, "q_1"] = "Ved ikke"
    frame.to_csv(project.data, sep=";", index=False, encoding="cp1252")
    files = unweighted(project)
    with pytest.raises(DataError) as info:
        describe(files)
    assert "line 7, s_2: below the minimum 15" in str(info.value)
    book = describe(files, drop_invalid=True, min_n=0)
    assert (book.survey.rows_read, book.survey.rows_used, book.survey.rows_rejected) == (
        N,
        N - 1,
        1,
    )
    kept = frame.drop(index=5)
    lonely = book.variable("lonely")
    assert {m.label: m.n for m in lonely.missing}["Ved ikke"] == int(
        (kept["q_1"] == "Ved ikke").sum()
    )
    assert lonely.empty is not None
    assert lonely.answered + lonely.empty + sum(m.n or 0 for m in lonely.missing) == N - 1


# --------------------------------------------------------------------------- outputs


def all_text_of_xlsx(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return "".join(zf.read(name).decode("utf-8", "replace") for name in zf.namelist())


def test_no_free_text_in_any_output(project: ProjectFiles) -> None:
    book = describe(project)
    for lang in Lang:
        for fmt in (CodebookFormat.JSON, CodebookFormat.MD):
            assert SECRET not in render_codebook(book, fmt, lang, version="x").decode("utf-8")
        xlsx = render_codebook(book, CodebookFormat.XLSX, lang, version="x")
        assert SECRET not in all_text_of_xlsx(xlsx)
        assert "svar nummer" not in all_text_of_xlsx(xlsx)


def test_json_document(project: ProjectFiles) -> None:
    doc = json.loads(
        render_codebook(describe(project, min_n=0), CodebookFormat.JSON, Lang.EN, version="9")
    )
    assert doc["panelkit_version"] == "9" and doc["min_n"] == 0
    assert doc["survey"] == {"rows_read": N, "rows_used": N, "rows_rejected": 0}
    assert doc["weighting"]["method"] == "raking"
    lonely = next(v for v in doc["variables"] if v["name"] == "lonely")
    assert set(lonely) == {
        "name", "column", "text", "type", "rows", "answered", "empty", "empty_suppression",
        "missing", "answers", "numbers",
    }  # fmt: skip
    assert lonely["missing"][0]["label"] == "Ved ikke"
    assert 0 <= lonely["answers"][0]["share"] <= 1
    assert [v["name"] for v in doc["variables"]] == [
        "respondent_id", "sex", "age", "height", "lonely", "info", "comment", "age_group",
    ]  # fmt: skip


def test_xlsx_is_deterministic_and_readable(project: ProjectFiles) -> None:
    book = describe(project)
    first = render_codebook(book, CodebookFormat.XLSX, Lang.DA, version="x")
    assert render_codebook(describe(project), CodebookFormat.XLSX, Lang.DA, version="x") == first
    wb = load_workbook(io.BytesIO(first))
    assert wb.sheetnames == ["Variabler", "Svar", "Tal", "Noter"]
    answers = list(wb["Svar"].iter_rows(values_only=True))
    assert answers[0] == ("Variabel", "Kode", "Svar", "n", "Andel", "Vægtet andel")
    assert answers[1][:3] == ("sex", "1", "Mand")
    assert wb["Svar"]["E2"].number_format == "0.0%"
    numbers = list(wb["Tal"].iter_rows(values_only=True))
    assert [r[0] for r in numbers[1:]] == ["age", "height"]


def test_markdown_in_danish(project: ProjectFiles) -> None:
    text = codebook_markdown(describe(unweighted(project)), Lang.DA)
    assert text.startswith("# Kodebog: lille\n\nRækker læst: 80 = brugt 80 + afvist 0  \n")
    assert (
        "| Variabel | Spørgsmål | Type | Svar | n | Andel |\n|---|---|---|---|---:|---:|\n" in text
    )
    assert "|  |  |  | Ved ikke (mangler) |" in text
    assert "| comment | Kommentarer | fritekst | Besvaret | 27 | 33,8 % |\n| age_group |" in text


# --------------------------------------------------------------------------- the command


def test_cli_table(project: ProjectFiles) -> None:
    code, out, err = invoke(
        "describe", project.data, "-s", project.schema, "-m", project.margins, "--lang", "en"
    )
    assert code == 0, err
    assert "Codebook: lille" in out
    assert "Rows read: 80 = used 80 + rejected 0" in out
    assert "n is unweighted" in out
    assert SECRET not in out and SECRET not in err


def test_cli_json_to_stdout_and_files(project: ProjectFiles, in_tmp: Path) -> None:
    base = ("describe", project.data, "-s", project.schema, "-m", project.margins)
    code, out, err = invoke(*base, "--format", "json")
    assert code == 0, err
    assert json.loads(out)["panelkit_version"] == __version__
    for name in ("book.md", "book.xlsx", "book.json"):
        code, out, err = invoke(*base, "--out", name)
        assert (code, out) == (0, ""), err
        assert err == f"Rækker læst: 80 = brugt 80 + afvist 0\nWritten to {name}\n"
        data = (in_tmp / name).read_bytes()
        assert SECRET not in (all_text_of_xlsx(data) if name.endswith("xlsx") else data.decode())


def test_cli_usage_errors(project: ProjectFiles) -> None:
    base = ("describe", project.data, "-s", project.schema)
    code, _, err = invoke(*base, "--format", "xlsx")
    assert code == 2 and "xlsx needs a file; add --out FILE.xlsx" in err
    code, _, err = invoke(*base, "--out", "book.txt")
    assert code == 2 and "book.txt: expected a .md, .xlsx or .json file" in err


def test_cli_refuses_row_errors_in_one_line(project: ProjectFiles) -> None:
    frame = export_frame()
    frame.loc[2, "s_1"] = "9"
    frame.to_csv(project.data, sep=";", index=False)
    code, out, err = invoke("describe", project.data, "-s", project.schema)
    assert (code, out) == (1, "")
    assert err.startswith("Error: export.csv: 1 of 80 rows have errors (first: line 4, s_1:")
    assert err.count("\n") == 1
    code, out, err = invoke("describe", project.data, "-s", project.schema, "--drop-invalid")
    assert code == 0, err
    assert "Rækker læst: 80 = brugt 79 + afvist 1" in out


def test_cli_never_writes_over_an_input(project: ProjectFiles) -> None:
    data = project.data.with_suffix(".xlsx")
    export_frame().to_excel(data, index=False)
    before = data.read_bytes()
    code, out, err = invoke("describe", data, "-s", project.schema, "--out", data)
    assert (code, out) == (1, "")
    assert (
        err
        == f"Error: {data}: is an input of this run; choose another output name so the input is kept\n"
    )
    assert data.read_bytes() == before


def test_cli_demo(in_tmp: Path) -> None:
    code, out, err = invoke("describe", "--lang", "en")
    assert code == 0, err
    assert "using the bundled demo survey" in err
    assert "Codebook: borgerpanel-2022" in out
    assert "Weighted (raking)" in out
