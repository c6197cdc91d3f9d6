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
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from typer.testing import CliRunner

from helpers import unpacked
from panelkit.cli import app
from panelkit.disclosure import Suppression, apply_suppression, margin_reasons, suppression_reasons
from panelkit.results import Estimate

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


def write_project(
    folder: Path, schema: str, indicators: str, margins: str, data: pd.DataFrame
) -> Path:
    """A small-cell project in ``folder``: schema, indicators, margins, baselines, export."""
    (folder / "schema.yaml").write_text(schema, "utf-8")
    (folder / "indicators.yaml").write_text(indicators, "utf-8")
    (folder / "margins.csv").write_text(margins, "utf-8")
    (folder / "baselines.csv").write_text(BASELINES, "utf-8")
    data.to_csv(folder / "export.csv", sep=";", index=False)
    (folder / "panelkit.yaml").write_text(
        "data: export.csv\nschema: schema.yaml\nmargins: margins.csv\n"
        "indicators: indicators.yaml\nbaselines: baselines.csv\nlabel: '2024'\n",
        "utf-8",
    )
    return folder


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(write_project(tmp_path, SCHEMA, INDICATORS, MARGINS, export()))
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


def test_a_hidden_cell_is_never_the_one_solution_of_a_joint_table() -> None:
    """Two blocks of four small cells and one small cell between them (a bridge): every
    row and column hides 30 or more together, yet rows 0-1 minus columns 0-1 is the
    bridge cell alone; the exact check hides more until no cell is the one solution."""
    small = {(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (1, 2)}
    table = [[15 if (x, y) in small else 100 for y in range(4)] for x in range(4)]
    cells = [("a|b", f"{x}|{y}", table[x][y]) for x in range(4) for y in range(4)]
    reasons = joint_reasons(cells, 20)
    hidden = [i for i, r in enumerate(reasons) if r is not None]
    assert len(hidden) > len(small)
    assert not any(determined(joint_relations(cells), hidden, i) for i in hidden)


def test_estimate_rows_count_who_is_in_no_group_and_a_hidden_overall_row() -> None:
    def rows(overall: int, *groups: int) -> list[Estimate]:
        return [row(None, overall), *(row(f"g{j}", n) for j, n in enumerate(groups))]

    # 115 in the domain, 110 in the groups: all shown, 115 − 110 gave 5 people away.
    out = apply_suppression(rows(115, 50, 60), 20)
    assert [e.suppression for e in out] == [None, Suppression.SECONDARY, None]
    # A hidden overall row (as nested domains hide one) was the sum of its shown groups.
    out = apply_suppression(rows(300, 100, 200), 20, hide=[0])
    assert [e.suppression for e in out] == [Suppression.SECONDARY, Suppression.SECONDARY, None]


# --------------------------------------------------------------------------- properties
# Whatever the counts: every shown count is 0 or min_n or more, and where a published
# total minus the shown counts gives what is hidden, that is 0 or min_n or more (or the
# whole group is hidden: the total itself is published); no hidden cell is ever the one
# solution of what is shown.

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def row(group: str | None, n: int) -> Estimate:
    reason = Suppression.EMPTY if group is not None and n == 0 else None
    return Estimate(
        "x", None if group is None else "g", group, n, n // 2, 0.5, 0.1, 0.3, 0.7, "logit",
        reason is not None, suppression=reason,
    )  # fmt: skip


def joint_reasons(cells: list[tuple[str, str, int]], min_n: int) -> tuple:
    pairs = [(m, n) for m, _c, n in cells]
    return margin_reasons(pairs, min_n, categories=[c for _m, c, _n in cells])


def joint_relations(cells: list[tuple[str, str, int]]) -> list[tuple[list[int], int | None]]:
    """Each margin adds up to the respondents (None); each row and column of ``a|b`` to the
    cell of margin a or b when given, else to a published total (None)."""
    out: list[tuple[list[int], int | None]] = []
    for margin in dict.fromkeys(m for m, _c, _n in cells):
        out.append(([i for i, c in enumerate(cells) if c[0] == margin], None))
    one_way = {(m, c): i for i, (m, c, _n) in enumerate(cells) if "|" not in m}
    joint = [(i, c.split("|")) for i, (m, c, _n) in enumerate(cells) if m == "a|b"]
    for axis, margin in ((0, "a"), (1, "b")):
        for label in dict.fromkeys(parts[axis] for _i, parts in joint):
            members = [i for i, parts in joint if parts[axis] == label]
            out.append((members, one_way.get((margin, label))))
    return out


def determined(relations: list[tuple[list[int], int | None]], hidden: list[int], i: int) -> bool:
    """Whether hidden cell ``i`` follows from the shown ones: its unit vector lies in the
    span of the relations over the hidden cells (a rank test)."""
    column = {c: k for k, c in enumerate(hidden)}
    matrix = np.zeros((len(relations), len(hidden)))
    for r, (members, total) in enumerate(relations):
        for c in members:
            if c in column:
                matrix[r, column[c]] += 1
        if total in column:
            matrix[r, column[total]] -= 1
    unit = np.zeros((1, len(hidden)))
    unit[0, column[i]] = 1
    rank = np.linalg.matrix_rank
    return bool(rank(matrix) == rank(np.vstack([matrix, unit])))


def assert_safe(counts: list[int], hidden: set[int], parts: list[int], total: int, min_n: int):
    shown = [i for i in parts if i not in hidden]
    if not shown:
        return  # the whole group is hidden: what remains is its published total
    by_difference = total - sum(counts[i] for i in shown)
    assert by_difference == 0 or by_difference >= min_n, (parts, by_difference)
    for i in parts:  # a hidden cell alone in what the difference gives
        if i in hidden and counts[i] == by_difference:
            assert not 0 < counts[i] < min_n


@PROPERTY
@given(st.lists(st.integers(0, 80), min_size=2, max_size=8), st.integers(1, 40))
def test_no_hidden_set_of_counts_is_small(counts: list[int], min_n: int) -> None:
    reasons = suppression_reasons(counts, min_n)
    hidden = {i for i, r in enumerate(reasons) if r is not None}
    assert all(counts[i] == 0 or counts[i] >= min_n for i in range(len(counts)) if i not in hidden)
    assert_safe(counts, hidden, list(range(len(counts))), sum(counts), min_n)


@PROPERTY
@given(
    st.integers(2, 4),
    st.integers(2, 4),
    st.data(),
    st.integers(1, 40),
    st.booleans(),
    st.booleans(),
)
def test_no_margin_cell_is_recoverable(
    rows: int, cols: int, data: st.DataObject, min_n: int, with_a: bool, with_b: bool
) -> None:
    table = np.array(
        data.draw(st.lists(st.integers(0, 60), min_size=rows * cols, max_size=rows * cols))
    ).reshape(rows, cols)
    cells = [("a", f"a{x}", int(table[x].sum())) for x in range(rows) if with_a]
    cells += [("b", f"b{y}", int(table[:, y].sum())) for y in range(cols) if with_b]
    cells += [("a|b", f"a{x}|b{y}", int(table[x, y])) for x in range(rows) for y in range(cols)]
    reasons = joint_reasons(cells, min_n)
    counts = [n for _m, _c, n in cells]
    hidden = {i for i, r in enumerate(reasons) if r is not None}
    assert all(counts[i] == 0 or counts[i] >= min_n for i in range(len(cells)) if i not in hidden)
    relations = joint_relations(cells)
    for members, total in relations:
        if total is None:  # the respondents, or a one-way total no margin shows
            assert_safe(counts, hidden, members, sum(counts[i] for i in members), min_n)
        elif total not in hidden:
            assert_safe(counts, hidden, members, counts[total], min_n)
    order = sorted(hidden)
    assert not [i for i in order if determined(relations, order, i)]


@PROPERTY
@given(
    st.lists(st.integers(0, 80), min_size=1, max_size=6),
    st.integers(0, 30),
    st.integers(1, 40),
    st.sets(st.integers(0, 6)),
)
def test_no_estimate_row_is_recoverable(
    groups: list[int], rest: int, min_n: int, hide: set[int]
) -> None:
    estimates = [row(None, sum(groups) + rest), *(row(f"g{j}", n) for j, n in enumerate(groups))]
    out = apply_suppression(estimates, min_n, hide=sorted(h for h in hide if h <= len(groups)))
    counts = [e.n for e in out]
    hidden = {i for i, e in enumerate(out) if e.suppressed}
    assert all(counts[i] >= min_n for i in range(len(out)) if i not in hidden)
    parts = list(range(1, len(out)))
    if 0 not in hidden:
        assert_safe(counts, hidden, parts, counts[0], min_n)
        alone = [i for i in parts if i in hidden and counts[i] > 0]
        if set(parts) - hidden:  # one hidden group alone is the overall minus the shown
            assert len(alone) != 1 or rest > 0
    elif rest == 0 and counts[0] > 0:
        assert any(i in hidden for i in parts)  # the hidden overall row is no sum of shown groups


# --------------------------------------------------------------------------- every output
# The breakdown is area, not sex: formats §6 keeps ``n`` on a suppressed estimate row, so
# ``--by sex`` publishes the group sizes (15 and 500) by contract; what it hides there is
# the "yes" count and share, as the nested-domain rows below check.


def commands(by: str) -> list[list[str]]:
    """Every command and format, with ``--by by`` where there is a breakdown."""
    return [
        ["validate", "--rejects", "out/rejects.csv"],
        ["weight", "--out", "out/weights.csv"],
        ["weight", "--out", "out/weights.parquet"],
        *(["describe", "--format", f, "--out", f"out/book-{f}.{e}"]
          for f, e in (("json", "json"), ("md", "md"), ("xlsx", "xlsx"))),
        *(["describe", "--format", f] for f in ("table", "json", "md")),
        *(["summarize", "--by", by, "--format", f, "--out", f"out/est-{f}.{e}"]
          for f, e in (("table", "txt"), ("json", "json"), ("csv", "csv"), ("xlsx", "xlsx"),
                       ("md", "md"))),
        *(["summarize", "--by", by, "--format", f] for f in ("table", "json", "csv", "md")),
        *(["compare", "--by", by, "--format", f, "--out", f"out/cmp-{f}.{e}"]
          for f, e in (("table", "txt"), ("json", "json"), ("csv", "csv"), ("xlsx", "xlsx"),
                       ("md", "md"))),
        *(["factbox", "--format", f, "--out", f"out/fakta-{f}.{e}"]
          for f, e in (("text", "txt"), ("md", "md"), ("html", "html"))),
        ["report", "--by", by, "--out", "out/report"],
    ]  # fmt: skip


COMMANDS = commands("area")

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


def every_output(project: Path, run_commands: list[list[str]]) -> dict[str, bytes]:
    """What the commands print (but weight's screen) and write (but the weights file)."""
    outputs: dict[str, bytes] = {}
    for args in run_commands:
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
    return outputs


def without_deff(blob: bytes) -> bytes:
    """The text with every design effect blanked: a ratio of two variances is neither a
    count nor a share, but this project's (0.9797 by area) reads as the men's share."""
    blob = re.sub(rb'"deff": [-+.\deE]+', b'"deff": null', blob)
    if b",deff," not in blob:
        return blob
    rows = list(csv.reader(io.StringIO(blob.decode("utf-8"))))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    column = None
    for row in rows:
        if "deff" in row and column is None:
            column = row.index("deff")
        elif column is not None and len(row) > column:
            row[column] = ""
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def test_no_output_reveals_a_small_count(project: Path) -> None:
    outputs = every_output(project, COMMANDS)
    yes_17_28 = 0
    for name, data in outputs.items():
        texts, _pixels = unpacked(name, data)
        for blob in map(without_deff, texts):
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


# --------------------------------------------------------------------------- union, joint
# A second project: two small cells of one margin (area: Syd 5 and Øst 7 beside Nord 503)
# reveal their 12 together unless Nord is hidden too; a joint margin agegroup|sex with
# 17-29|Mand 12 beside a sex margin (Mand 300) reveals the 12 as 300 − 288 (30+|Mand)
# unless the joint table's rows and columns are protected with it; and a breakdown by
# district (Midt 8, Havn 9 beside Vest 498) reveals the 17's "yes" count unless Vest's
# row is suppressed too.

JOINT_SCHEMA = """
name: fuge
id: respondent_id
variables:
  respondent_id: {column: rid, type: id}
  sex: {column: s_1, type: category, categories: {1: Mand, 2: Kvinde}}
  agegroup: {column: s_2, type: category, categories: {1: 17-29, 2: 30+}}
  area: {column: s_3, type: category, categories: {1: Nord, 2: Syd, 3: Øst}}
  district: {column: s_4, type: category, categories: {1: Vest, 2: Midt, 3: Havn}}
  lonely: {column: q_1, type: category, categories: [Ja, Nej]}
"""
JOINT_INDICATORS = """
factbox:
  - lonely
indicators:
  - id: lonely
    variable: lonely
    positive: [Ja]
    baseline: ensom
    label: {da: "føler sig ensomme", en: "feel lonely"}
"""
JOINT_MARGINS = (
    "variable,category,target\n"
    "sex,Mand,31234\nsex,Kvinde,32345\n"
    "area,Nord,60000\narea,Syd,1800\narea,Øst,1779\n"
    "agegroup|sex,17-29|Mand,5000\nagegroup|sex,17-29|Kvinde,5200\n"
    "agegroup|sex,30+|Mand,26234\nagegroup|sex,30+|Kvinde,27145\n"
)
# agegroup|sex cells (17-29|Mand, 17-29|Kvinde, 30+|Mand, 30+|Kvinde) and the others.
JOINT_CELLS = (12, 41, 288, 174)
AREAS, DISTRICTS = (503, 5, 7), (498, 8, 9)


def joint_export() -> pd.DataFrame:
    sex = ["1"] * 12 + ["2"] * 41 + ["1"] * 288 + ["2"] * 174
    age = ["1"] * 53 + ["2"] * 462
    n = len(sex)
    # Spread so that no area or district lines up with the age and sex cells.
    area = np.repeat(["1", "2", "3"], AREAS)[(np.arange(n) * 7) % n]
    district = np.repeat(["1", "2", "3"], DISTRICTS)[(np.arange(n) * 11 + 3) % n]
    return pd.DataFrame(
        {
            "rid": [f"R{i:04d}" for i in range(n)],
            "s_1": sex,
            "s_2": age,
            "s_3": area,
            "s_4": district,
            "q_1": ["Ja" if i % 3 == 0 else "Nej" for i in range(n)],
        }
    )


@pytest.fixture
def joint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(
        write_project(tmp_path, JOINT_SCHEMA, JOINT_INDICATORS, JOINT_MARGINS, joint_export())
    )
    return tmp_path


def test_the_joint_fixture_is_what_it_says(joint: Path) -> None:
    doc = json.loads(run("summarize", "--format", "json", "--by", "district", "--min-n", "0"))
    cells = {(m["margin"], m["category"]): m["n"] for m in doc["weighting"]["margins"]}
    assert [cells[("agegroup|sex", c)] for c in ("17-29|Mand", "17-29|Kvinde", "30+|Mand",
            "30+|Kvinde")] == list(JOINT_CELLS)  # fmt: skip
    assert (cells[("sex", "Mand")], cells[("sex", "Kvinde")]) == (300, 215)
    assert tuple(cells[("area", a)] for a in ("Nord", "Syd", "Øst")) == AREAS
    groups = [e["n"] for e in doc["estimates"] if e["by"] == "district"]
    assert tuple(groups) == DISTRICTS


def test_hidden_cells_are_protected_together_in_the_json(joint: Path) -> None:
    """Before: Nord (503) shown beside Syd and Øst hidden (12 by difference); 30+|Mand
    (288) shown beside the sex margin's Mand 300; Vest's "yes" count shown beside the
    hidden Midt and Havn (17 respondents by difference)."""
    doc = json.loads(run("summarize", "--format", "json", "--by", "district"))
    cells = {(m["margin"], m["category"]): m for m in doc["weighting"]["margins"]}
    assert cells[("area", "Nord")]["suppression"] == "secondary"
    assert [cells[("area", a)]["suppression"] for a in ("Syd", "Øst")] == ["primary"] * 2
    joint_cells = [m for (margin, _c), m in cells.items() if margin == "agegroup|sex"]
    assert [(m["n"], m["sample_share"]) for m in joint_cells] == [(None, None)] * 4
    assert [m["suppression"] for m in joint_cells] == ["primary", *["secondary"] * 3]
    assert cells[("sex", "Mand")]["n"] == 300  # the one-way totals stay: nothing to solve
    rows = {e["group"]: e for e in doc["estimates"] if e["by"] == "district"}
    assert (rows["Vest"]["n"], rows["Vest"]["suppression"]) == (498, "secondary")
    assert rows["Vest"]["n_positive"] is None and rows["Vest"]["estimate"] is None


# The counts that would give the 12 or 17 away, and their sample shares as any output
# spells them: Nord 503 (0.9767, 97.7 %), 30+|Mand 288 (0.5592, 55.9 %), 30+|Kvinde 174
# (0.3379, 33.8 %), 17-29|Kvinde 41 (0.0796, 8.0 %: too common a number to search for).
JOINT_FORBIDDEN = re.compile(
    rb"(?<![\w.,])(503|288|174|0[.,]9767\d*|97[.,]7\d*|0[.,]5592\d*|55[.,]9\d*"
    rb"|0[.,]3378\d*|0[.,]3379\d*|33[.,]8\d*)(?!\w|[.,]\d)"  # not 288.69 nor c503f (a hash)
)


def test_no_output_reveals_hidden_cells_by_difference(joint: Path) -> None:
    outputs = every_output(joint, commands("district"))
    margin_records = vest_rows = 0
    for name, data in outputs.items():
        texts, _pixels = unpacked(name, data)
        for packed in texts:
            # An embedded image is searched decoded (unpacked), not as base64 letters.
            blob = re.sub(rb"base64,[A-Za-z0-9+/=]+", b"base64,", packed)
            found = JOINT_FORBIDDEN.search(blob)
            assert found is None, (name, found and blob[found.start() - 80 : found.end() + 40])
        if name.endswith((".json", ".csv", ".xlsx")) and not name.startswith("std"):
            for record in structured(name, data):
                values = list(record.values())
                # A joint margin cell, and Nord, have no count and no sample share.
                if "agegroup|sex" in values or (
                    "Nord" in values and {"sample_share", "Stikprøve", "Sample"} & set(record)
                ):
                    margin_records += 1
                    for key in ("n", "sample_share", "Stikprøve", "Sample"):
                        assert record.get(key) in (None, "", "<20", "skjult", "hidden"), (
                            name,
                            record,
                        )
                # Vest's estimate row has no "yes" count and no share.
                if "Vest" in values and ("feel lonely" in values or "lonely" in values
                                         or "føler sig ensomme" in values):  # fmt: skip
                    vest_rows += 1
                    for key in ("n_positive", "estimate", "n ja", "Andel", "n yes", "Share"):
                        assert record.get(key) in (None, ""), (name, record)
    assert margin_records >= 10 and vest_rows >= 6  # the checks saw the rows they are about
