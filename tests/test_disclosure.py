"""Disclosure control: the codebook's small counts, and every output saying what is suppressed."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from panelkit.cli import app
from panelkit.jobs import describe
from panelkit.project import ProjectFiles, resolve_files
from panelkit.publish.codebook import (
    CodebookFormat,
    render_codebook,
    suppression_reasons,
)
from panelkit.results import Lang

API = Path(__file__).parent / "data" / "api-strat"
runner = CliRunner()

SCHEMA = """
name: lille
id: respondent_id
variables:
  respondent_id: {column: respondent, type: id}
  sex: {column: s_1, type: category, categories: {1: Mand, 2: Kvinde, 3: Andet}}
  lonely: {column: q_1, type: category, categories: [Enig, Uenig], missing: [Ved ikke]}
  age: {column: s_2, type: integer, min: 15, max: 110}
  visits: {column: q_2, type: integer}
  comment: {column: q_3, type: text}
"""


@pytest.fixture
def small(tmp_path: Path) -> ProjectFiles:
    """90 respondents: 5 "Andet", 4 "Ved ikke" and 6 empty, visits answered by 12."""
    n = 90
    frame = pd.DataFrame(
        {
            "respondent": [f"R{i}" for i in range(n)],
            "s_1": ["1"] * 40 + ["2"] * 45 + ["3"] * 5,
            "q_1": ["Enig"] * 50 + ["Uenig"] * 30 + ["Ved ikke"] * 4 + [""] * 6,
            "s_2": [str(20 + (i * 7) % 70) for i in range(n)],
            "q_2": [str(i) for i in range(12)] + [""] * (n - 12),
            "q_3": ["Jeg hedder Ib"] * 3 + [""] * (n - 3),
        }
    )
    (tmp_path / "schema.yaml").write_text(SCHEMA, "utf-8")
    frame.to_csv(tmp_path / "export.csv", sep=";", index=False)
    return resolve_files(
        data=tmp_path / "export.csv", schema=tmp_path / "schema.yaml", cwd=tmp_path
    )


def test_suppression_rules() -> None:
    """Two hidden counts of 4 and 6 used to be the end of it ("two: no more"), but then
    the total minus the shown 50 gives the 10 of them together, a count under 20 worked
    out by difference, which the brief forbids: the hidden ones must add up to 20 or
    more (or be all of the group)."""
    assert suppression_reasons([40, 45, 5], 20) == ["secondary", None, "primary"]
    assert suppression_reasons([50, 4, 6], 20) == ["secondary", "primary", "primary"]
    assert suppression_reasons([50, 30, 12, 15], 20) == [None, None, "primary", "primary"]
    assert suppression_reasons([50, 30, 4, 6], 20) == [None, "secondary", "primary", "primary"]
    assert suppression_reasons([5, 0, 100], 20) == ["primary", "secondary", "secondary"]
    assert suppression_reasons([5, 0], 20) == ["primary", "secondary"]  # a 0 can be the second
    assert suppression_reasons([0, 30], 20) == [None, None]  # nobody reveals no one
    assert suppression_reasons([7], 20) == [None]  # a lone count is its (shown) total
    assert suppression_reasons([40, 5], 0) == [None, None]


def test_codebook_hides_small_counts_and_what_reveals_them(small: ProjectFiles) -> None:
    book = describe(small)
    assert book.min_n == 20
    sex = book.variable("sex")
    assert [(a.label, a.n, a.share, a.suppression) for a in sex.answers] == [
        ("Mand", None, None, "secondary"),  # 40 = 90 − 45 − 5 would give "Andet" away
        ("Kvinde", 45, 0.5, None),
        ("Andet", None, None, "primary"),
    ]
    lonely = book.variable("lonely")
    assert [a.n for a in lonely.answers] == [50, 30]
    # The empty cells (6) and "Ved ikke" (4) add up to 90 − 80: both hidden, nothing more.
    assert (lonely.empty, lonely.empty_suppression) == (None, "primary")
    assert [(m.n, m.suppression) for m in lonely.missing] == [(None, "primary")]
    age, visits = book.variable("age").numbers, book.variable("visits").numbers
    assert age is not None and visits is not None
    assert age.n == 90 and age.median is not None and (age.min, age.max) == (None, None)
    assert visits.n == 12 and visits.suppression == "primary"
    assert (visits.mean, visits.median, visits.max) == (None, None, None)

    shown = describe(small, min_n=0)
    assert [a.n for a in shown.variable("sex").answers] == [40, 45, 5]
    assert shown.variable("lonely").empty == 6
    age0 = shown.variable("age").numbers
    assert age0 is not None and (age0.min, age0.max) == (20, 83)


def test_every_codebook_format_says_so(small: ProjectFiles) -> None:
    book = describe(small)
    md = render_codebook(book, CodebookFormat.MD, Lang.DA, version="x").decode()
    assert "|  |  |  | Mand | skjult |  |\n" in md
    assert "|  |  |  | Andet | <20 |  |\n" in md
    assert "|  |  |  | Ved ikke (mangler) | <20 |  |\n" in md
    assert "|  |  |  | fordeling: undertrykt |  |  |\n" in md  # visits
    for line in (
        "<20: et antal fra 1 til 19 vises ikke, og heller ikke andelen (primær undertrykkelse).",
        "skjult: vises ikke, så et antal under 20 ikke kan regnes ud fra totalen "
        "(sekundær undertrykkelse).",
        "Talvariable med færre end 20 svar vises uden fordeling.",
        "Mindste og største værdi er enkeltpersoners svar og vises ikke (kun med min-n 0).",
    ):
        assert f"{line}  \n" in md, line
    assert "| min:" not in md and "| maks:" not in md

    doc = json.loads(render_codebook(book, CodebookFormat.JSON, Lang.EN, version="x"))
    sex = next(v for v in doc["variables"] if v["name"] == "sex")
    assert sex["answers"][2] == {
        "label": "Andet", "code": "3", "n": None, "share": None, "weighted_share": None,
        "suppression": "primary",
    }  # fmt: skip
    lonely = next(v for v in doc["variables"] if v["name"] == "lonely")
    assert (lonely["empty"], lonely["empty_suppression"]) == (None, "primary")
    assert lonely["missing"] == [{"label": "Ved ikke", "n": None, "suppression": "primary"}]

    wb = load_workbook(io.BytesIO(render_codebook(book, CodebookFormat.XLSX, Lang.EN, version="x")))
    answers = list(wb["Answers"].iter_rows(values_only=True))
    assert ("sex", "3", "Andet", "<20", None, None) in answers
    assert ("sex", "1", "Mand", "hidden", None, None) in answers
    variables = {r[0]: r for r in wb["Variables"].iter_rows(values_only=True)}
    assert variables["lonely"][6:] == ("<20", None)  # empty hidden, so no sum of missing
    numbers = {r[0]: r for r in wb["Numbers"].iter_rows(values_only=True)}
    assert numbers["age"][4] is None and numbers["age"][8] is None  # min, max
    assert numbers["visits"][1:] == (12, *(None,) * 8)
    notes = [r[0] for r in wb["Notes"].iter_rows(values_only=True)]
    assert "hidden: not shown, so that a count under 20 cannot be worked out from the total " \
        "(secondary suppression)." in notes  # fmt: skip


def test_describe_min_n_option(small: ProjectFiles) -> None:
    base = ["describe", str(small.data), "-s", str(small.schema), "--lang", "en"]
    result = runner.invoke(app, [*base, "--format", "json", "--min-n", "0"])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["min_n"] == 0
    assert [a["n"] for a in doc["variables"][1]["answers"]] == [40, 45, 5]
    result = runner.invoke(app, base)
    assert result.exit_code == 0, result.stderr
    assert "<20" in result.stdout and "hidden" in result.stdout
    assert "(primary suppression)" in result.stdout and "Jeg hedder Ib" not in result.stdout
    result = runner.invoke(app, [*base, "--min-n", "-1"])
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: --min-n -1: expected 0 or more (0 turns suppression off)\n",
    )


SUMMARIZE = [
    "summarize", str(API / "data.csv"), "-s", str(API / "schema.yaml"),
    "-i", str(API / "indicators.yaml"), "--by", "stype", "--by", "awards", "--min-n", "30",
]  # fmt: skip
PRIMARY_EN = (
    "3 figures are suppressed because they rest on fewer than 30 answers (primary suppression)."
)
SECONDARY_EN = (
    "2 figures are suppressed so that a suppressed figure cannot be worked out from the total "
    "and the other groups (secondary suppression)."
)


def test_summarize_says_what_is_suppressed(tmp_path: Path) -> None:
    """The API 700+ schools by type: High (15) and Middle (12) are suppressed, which once
    was all ("1 figure" secondary, awards only); but 73 − 46 shown Elementary gives the 27
    of them together, under 30 by difference, so Elementary is secondary too (2 figures)."""
    result = runner.invoke(app, [*SUMMARIZE, "--format", "md", "--lang", "en"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.endswith(f"\n\n- {PRIMARY_EN}\n- {SECONDARY_EN}\n")
    assert "| suppressed (secondary) |" in result.stdout
    table = tmp_path / "e.txt"
    runner.invoke(app, [*SUMMARIZE, "--format", "table", "--out", str(table), "--lang", "en"])
    assert table.read_text().endswith(f"\n\n{PRIMARY_EN}\n{SECONDARY_EN}\n")
    result = runner.invoke(app, SUMMARIZE)  # the terminal table, in Danish
    assert "3 tal er undertrykt, fordi de bygger på færre end 30 svar (primær" in result.stdout
    assert "(sekundær undertrykkelse)" in result.stdout

    out = tmp_path / "e.xlsx"
    result = runner.invoke(app, [*SUMMARIZE, "--format", "xlsx", "--out", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.stderr
    wb = load_workbook(out)
    assert [r[0] for r in wb["Notes"].iter_rows(values_only=True)] == [
        "Note",
        PRIMARY_EN,
        SECONDARY_EN,
    ]
    reasons = [r[-1] for r in wb["Indicators"].iter_rows(values_only=True)][1:]
    assert sorted(r for r in reasons if r) == [*["secondary"] * 2, *["too few answers"] * 3]

    result = runner.invoke(app, [*SUMMARIZE, "--format", "json"])
    rows = json.loads(result.stdout)["estimates"]
    assert sorted(str(r["suppression"]) for r in rows if r["suppressed"]) == [
        "primary", "primary", "primary", "secondary", "secondary",
    ]  # fmt: skip


def test_the_report_hides_small_weighting_cells() -> None:
    """Only 17-29|Mand (8) and 17-29|Kvinde (25) were hidden once, but the sex margin shows
    Mand 60, and 60 − 52 (30+|Mand) is the 8. The joint table's columns add up to the sex
    cells and its rows to the age totals, so in this 2 × 2 table all four cells go."""
    import numpy as np

    from panelkit.publish.tables import margin_suppression, margins_csv, margins_sheet
    from panelkit.results import MarginCheck, WeightingResult

    cells = [("sex", "Mand", 60), ("sex", "Kvinde", 70), ("age|sex", "17-29|Mand", 8),
             ("age|sex", "17-29|Kvinde", 25), ("age|sex", "30+|Mand", 52),
             ("age|sex", "30+|Kvinde", 45)]  # fmt: skip
    w = WeightingResult(
        weights=np.ones(130), method="raking", converged=True, iterations=3, deff_kish=1.0,
        n_effective=130.0, weight_min=1.0, weight_max=1.0, weight_sum=130.0,
        margins=tuple(MarginCheck(m, c, n, n / 130, 0.25, 0.25, 100.0) for m, c, n in cells),
    )  # fmt: skip
    assert margin_suppression(w, 20) == (None, None, "primary", *["secondary"] * 3)
    assert margin_suppression(w, 0) == (None,) * 6
    lines = margins_csv(w, 20).splitlines()
    assert lines[0].endswith(",suppression")
    assert lines[3].startswith("age|sex,17-29|Mand,,,") and lines[3].endswith(",primary")
    assert lines[4].startswith("age|sex,17-29|Kvinde,,,") and lines[4].endswith(",secondary")
    rows = margins_sheet(w, Lang.DA, name="Marginer", min_n=20).rows
    assert [r[2:4] for r in rows[2:4]] == [("<20", None), ("skjult", None)]
    assert "suppression" not in margins_csv(w, 0)
