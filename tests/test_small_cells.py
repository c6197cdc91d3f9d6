"""Small cells: one disclosure rule (panelkit.disclosure) in every output of every command.

The fixture is built here: 515 respondents, 15 women and 500 men (the sex margin),
60 men aged 17-28 and 13 aged 29, and indicators on the same question for all ages,
ages 17-29 and ages 17-28 (two nested domains 13 people apart). With --min-n 20 no
output may show the women's count, the men's count or sample share (the total minus
it is the women's), or the "yes" count or share of the ages 17-28 (the 17-29 figure
minus it is the 13 people's).
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from helpers import unpacked
from panelkit.cli import app

runner = CliRunner()
N, WOMEN, MEN = 515, 15, 500

SCHEMA = """
name: smaa
id: respondent_id
variables:
  respondent_id: {column: rid, type: id}
  sex: {column: s_1, type: category, categories: {1: Mand, 2: Kvinde}}
  area: {column: s_2, type: category, categories: {1: Nord, 2: Syd}}
  age: {column: s_3, type: integer, min: 15, max: 110}
  lonely: {column: q_1, type: category, categories: [Ja, Nej]}
"""
INDICATORS = """
factbox:
  - lonely
  - lonely_17_29
  - lonely_17_28
indicators:
  - id: lonely
    variable: lonely
    positive: [Ja]
    baseline: ensom
    label: {da: "føler sig ensomme", en: "feel lonely"}
  - id: lonely_17_29
    variable: lonely
    positive: [Ja]
    where: {age: {min: 17, max: 29}}
    label: {da: "unge der føler sig ensomme", en: "young people who feel lonely"}
  - id: lonely_17_28
    variable: lonely
    positive: [Ja]
    where: {age: {min: 17, max: 28}}
    label: {da: "yngre der føler sig ensomme", en: "younger people who feel lonely"}
"""
MARGINS = (
    "variable,category,target\nsex,Mand,31234\nsex,Kvinde,32345\narea,Nord,33456\narea,Syd,30123\n"
)
BASELINES = (
    "baseline_id,area,group,estimate_pct,ci_low_pct,ci_high_pct,n,source,year\n"
    "ensom,Byen,,31,,,,Sundhedsprofil,2021\n"
)


def export() -> pd.DataFrame:
    """Men: 60 aged 17-28 (23 lonely), 13 aged 29 (3 lonely), 427 aged 30-79; women 40+."""
    men_age = [17 + i % 12 for i in range(60)] + [29] * 13 + [30 + i % 50 for i in range(427)]
    men_yes = [i < 23 for i in range(60)] + [i < 3 for i in range(13)] + [i % 3 == 0 for i in range(427)]  # fmt: skip
    women_age = [40 + i for i in range(WOMEN)]
    women_yes = [i % 2 == 0 for i in range(WOMEN)]
    return pd.DataFrame(
        {
            "rid": [f"R{i:04d}" for i in range(N)],
            "s_1": ["1"] * MEN + ["2"] * WOMEN,
            "s_2": ["1" if i % 5 < 3 else "2" for i in range(N)],
            "s_3": [str(a) for a in men_age + women_age],
            "q_1": ["Ja" if y else "Nej" for y in men_yes + women_yes],
        }
    )


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "schema.yaml").write_text(SCHEMA, "utf-8")
    (tmp_path / "indicators.yaml").write_text(INDICATORS, "utf-8")
    (tmp_path / "margins.csv").write_text(MARGINS, "utf-8")
    (tmp_path / "baselines.csv").write_text(BASELINES, "utf-8")
    export().to_csv(tmp_path / "export.csv", sep=";", index=False)
    (tmp_path / "panelkit.yaml").write_text(
        "data: export.csv\nschema: schema.yaml\nmargins: margins.csv\n"
        "indicators: indicators.yaml\nbaselines: baselines.csv\nlabel: '2024'\n",
        "utf-8",
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (args, result.stderr)
    return result.stdout


def margin_cells(doc: dict) -> dict[str, dict]:
    return {m["category"]: m for m in doc["weighting"]["margins"]}


# --------------------------------------------------------------------------- bug 1


def test_summarize_json_hides_the_sibling_of_a_small_margin_cell(project: Path) -> None:
    """Bug 1: the JSON hid the 15 women but showed the 500 men beside rows_used 515."""
    doc = json.loads(run("summarize", "--format", "json", "--min-n", "20"))
    assert doc["survey"]["rows_used"] == N
    cells = margin_cells(doc)
    assert {k: cells["Kvinde"][k] for k in ("n", "sample_share", "suppression")} == {
        "n": None, "sample_share": None, "suppression": "primary",
    }  # fmt: skip
    assert {k: cells["Mand"][k] for k in ("n", "sample_share", "suppression")} == {
        "n": None, "sample_share": None, "suppression": "secondary",
    }  # fmt: skip
    assert cells["Nord"]["n"] == 309 and "suppression" not in cells["Nord"]
    shown = json.loads(run("summarize", "--format", "json", "--min-n", "0"))
    assert margin_cells(shown)["Mand"]["n"] == MEN


def test_describe_json_hides_margin_cells_as_summarize_does(project: Path) -> None:
    doc = json.loads(run("describe", "--format", "json"))
    summarized = json.loads(run("summarize", "--format", "json"))
    assert doc["weighting"]["margins"] == summarized["weighting"]["margins"]
    assert margin_cells(doc)["Mand"]["suppression"] == "secondary"
    sex = next(v for v in doc["variables"] if v["name"] == "sex")
    assert [(a["n"], a["suppression"]) for a in sex["answers"]] == [
        (None, "secondary"), (None, "primary"),
    ]  # fmt: skip


# --------------------------------------------------------------------------- nested domains


def test_nested_domains_a_few_respondents_apart_hide_the_smaller(project: Path) -> None:
    doc = json.loads(run("summarize", "--format", "json", "--by", "area"))
    rows = {(e["indicator"], e["group"]): e for e in doc["estimates"]}
    assert rows[("lonely_17_29", None)]["n_positive"] == 26  # published
    smaller = rows[("lonely_17_28", None)]
    assert (smaller["n"], smaller["suppressed"], smaller["suppression"]) == (60, True, "secondary")
    assert smaller["n_positive"] is None and smaller["estimate"] is None
    # Per area the two domains differ by 13 people too (8 Nord, 5 Syd): hidden in both.
    for area in ("Nord", "Syd"):
        assert rows[("lonely_17_28", area)]["suppressed"], area
    # The whole sample holds ages 17-29 but is 442 people more: both published.
    assert not rows[("lonely", None)]["suppressed"]
    off = json.loads(run("summarize", "--format", "json", "--min-n", "0"))
    assert next(e for e in off["estimates"] if e["indicator"] == "lonely_17_28")["n_positive"] == 23


def test_nesting_is_decided_from_the_respondents_not_the_labels() -> None:
    from panelkit.disclosure import nested_domain_rows

    ages = np.array([20, 25, 29, 29, 40, 50])
    splits = [(np.zeros(6, dtype=np.intp), 1)]
    # Different conditions, the same people: nothing between them to reveal.
    same = [ages <= 29, ages < 30]
    assert nested_domain_rows(["x", "x"], same, splits, 20) == []
    # Nested, 2 apart: the smaller (index 1) is hidden; another question is no family.
    nested = [ages <= 29, ages <= 28]
    assert nested_domain_rows(["x", "x"], nested, splits, 20) == [(1, 0, 0)]
    assert nested_domain_rows(["x", "y"], nested, splits, 20) == []
    assert nested_domain_rows(["x", "x"], nested, splits, 2) == []  # 2 apart is not below 2
    overlap = [ages <= 29, (ages >= 25) & (ages <= 40)]  # neither holds the other
    assert nested_domain_rows(["x", "x"], overlap, splits, 20) == []


def test_margin_rule_is_per_margin() -> None:
    from panelkit.disclosure import Suppression, margin_reasons

    cells = [("sex", 15), ("sex", 500), ("area", 300), ("area", 215)]
    assert margin_reasons(cells, 20) == (Suppression.PRIMARY, Suppression.SECONDARY, None, None)
    assert margin_reasons(cells, 0) == (None,) * 4


# --------------------------------------------------------------------------- every output
# The breakdown is area, not sex: formats §6 keeps ``n`` on a suppressed estimate row, so
# ``--by sex`` publishes the group sizes (15 and 500) by contract; what it hides there is
# the "yes" count and share, as the nested-domain rows below check.

COMMANDS: list[list[str]] = [
    ["validate", "--rejects", "out/rejects.csv"],
    ["weight", "--out", "out/weights.csv"],
    ["weight", "--out", "out/weights.parquet"],
    *(["describe", "--format", f, "--out", f"out/book-{f}.{e}"]
      for f, e in (("json", "json"), ("md", "md"), ("xlsx", "xlsx"))),
    *(["describe", "--format", f] for f in ("table", "json", "md")),
    *(["summarize", "--by", "area", "--format", f, "--out", f"out/est-{f}.{e}"]
      for f, e in (("table", "txt"), ("json", "json"), ("csv", "csv"), ("xlsx", "xlsx"),
                   ("md", "md"))),
    *(["summarize", "--by", "area", "--format", f] for f in ("table", "json", "csv", "md")),
    *(["compare", "--by", "area", "--format", f, "--out", f"out/cmp-{f}.{e}"]
      for f, e in (("table", "txt"), ("json", "json"), ("csv", "csv"), ("xlsx", "xlsx"),
                   ("md", "md"))),
    *(["factbox", "--format", f, "--out", f"out/fakta-{f}.{e}"]
      for f, e in (("text", "txt"), ("md", "md"), ("html", "html"))),
    ["report", "--by", "area", "--out", "out/report"],
]  # fmt: skip

# The men's count, and their sample share as any output spells it (0.9709, 97.1 %, 97,1).
FORBIDDEN = re.compile(rb"(?<![\d.,])(500|0[.,]97\d*|97[.,]1\d*)(?![\d])")


def structured(name: str, data: bytes) -> list[dict]:
    """The records of a JSON, CSV or workbook output, as dicts of column: value."""
    if name.endswith(".json"):
        doc = json.loads(data)
        out: list[dict] = []

        def walk(x: object) -> None:
            if isinstance(x, dict):
                out.append(x)
                for v in x.values():
                    walk(v)
            elif isinstance(x, list):
                for v in x:
                    walk(v)

        walk(doc)
        return out
    if name.endswith(".csv"):
        lines = [ln for ln in data.decode("utf-8").splitlines() if ln and not ln.startswith("#")]
        return list(csv.DictReader(io.StringIO("\n".join(lines))))
    wb = load_workbook(io.BytesIO(data))
    rows: list[dict] = []
    for ws in wb.worksheets:
        values = list(ws.iter_rows(values_only=True))
        for i, head in enumerate(values):  # a table starts at a row of column titles
            if head and head[0] in ("Indikator", "Indicator", "Margin", "Variabel", "Variable"):
                rows += [dict(zip(head, r, strict=False)) for r in values[i + 1 :] if any(r)]
                break
    return rows


def test_no_output_reveals_a_small_count(project: Path) -> None:
    outputs: dict[str, bytes] = {}
    for args in COMMANDS:
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.stderr)
        if args[0] != "weight":  # weight's own screen shows the analyst the raking cells
            outputs[f"stdout of [{' '.join(args)}]"] = result.stdout.encode()
            outputs[f"stderr of [{' '.join(args)}]"] = result.stderr.encode()
    for p in sorted((project / "out").rglob("*")):
        # The weights file is one row per respondent by design (formats: weight).
        if p.is_file() and not p.name.startswith("weights."):
            outputs[p.relative_to(project).as_posix()] = p.read_bytes()
    assert len([n for n in outputs if n.startswith("out/report/")]) >= 10
    assert "out/report/run.json" in outputs and "out/report/report.xlsx" in outputs

    yes_17_28 = 0
    for name, data in outputs.items():
        texts, _pixels = unpacked(name, data)
        for blob in texts:
            found = FORBIDDEN.search(blob)
            assert found is None, (name, found and blob[found.start() - 80 : found.end() + 40])
        if name.endswith((".json", ".csv", ".xlsx")) and not name.startswith("std"):
            for record in structured(name, data):
                values = list(record.values())
                # An estimate row of the ages 17-28 has no "yes" count and no share.
                if "lonely_17_28" in values or "yngre der føler sig ensomme" in values:
                    yes_17_28 += 1
                    for key in ("n_positive", "estimate", "n ja", "Andel", "n yes", "Share"):
                        assert record.get(key) in (None, ""), (name, record)
                # A margin cell of the women has no count.
                if "Kvinde" in values and ("sample_share" in record or "Stikprøve" in record):
                    assert record.get("n") in (None, "", "<20"), (name, record)
    assert yes_17_28 >= 8  # the check above saw the rows it is about
