"""`panelkit compare` through Typer's CliRunner: exit codes, exact lines, the numbers."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from helpers import invoke
from panelkit import jobs
from panelkit.bundled import bundled_demo
from panelkit.project import resolve_files
from panelkit.stats.comparison import ComparisonSet


@pytest.fixture(scope="module")
def expected() -> ComparisonSet:
    return jobs.compare_baselines(resolve_files(cwd=Path(bundled_demo().data).parent))


def pp(value: float) -> str:
    text = f"{100 * value:+.1f}".replace(".", ",").replace("-", "−")
    return "0,0" if text in ("+0,0", "−0,0") else text


def test_table_shows_the_comparison_and_the_caveats(in_tmp: Path, expected: ComparisonSet) -> None:
    code, out, err = invoke("compare")
    assert code == 0, err
    assert "using the bundled demo survey" in err
    (c,) = expected.comparisons
    assert c.estimate is not None and c.difference is not None and c.ci_low is not None
    assert c.ci_high is not None and c.p_adjusted is not None
    assert f"{100 * c.estimate:.1f}".replace(".", ",") + " %" in out
    assert f"{pp(c.difference)} ({pp(c.ci_low)} til {pp(c.ci_high)})" in out
    assert f"{c.p_adjusted:.3f}".replace(".", ",") in out
    assert "ca. på niveau med" in out and "én stikprøve (fast værdi)" in out
    flat = " ".join(out.split())
    assert "ikke formuleret ens med spørgsmålene i Region Hovedstaden Sundhedsprofil 2021" in flat
    assert "behandles som en fast værdi" in flat
    assert "Rækker læst: 1340 = brugt 1340 + afvist 0" in out


def test_json_equals_the_library(in_tmp: Path, expected: ComparisonSet) -> None:
    code, out, err = invoke("compare", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["adjust"] == "holm"
    assert doc["rules"] == {"alpha": 0.05, "same_pp": 2.0, "small_pp": 5.0}
    assert doc["survey"] == {"rows_read": 1340, "rows_used": 1340, "rows_rejected": 0}
    (row,) = doc["comparisons"]
    (c,) = expected.comparisons
    assert row["indicator"] == "poor_health" and row["baseline_id"] == c.baseline.id
    for key in ("estimate", "difference", "diff_ci_low", "diff_ci_high", "p_value", "p_adjusted"):
        assert row[key] == pytest.approx(c.to_dict()[key], rel=1e-12)
    assert row["baseline_fixed"] is True and row["test"] == "one-sample"
    assert row["verdict"] == "same" and row["verdict_text"] == "ca. på niveau med"
    assert any("ikke formuleret ens" in n for n in doc["notes"])


def test_csv_md_and_xlsx(in_tmp: Path, expected: ComparisonSet) -> None:
    (c,) = expected.comparisons
    code, out, err = invoke("compare", "--format", "csv")
    assert code == 0, err
    frame = pd.read_csv(io.StringIO(out))
    assert frame.loc[0, "difference"] == pytest.approx(c.difference, rel=1e-9)
    assert frame.loc[0, "verdict_text"] == "ca. på niveau med"

    code, out, err = invoke("compare", "--format", "md")
    assert code == 0, err
    assert out.startswith("| Indikator | n | Andel | 95 % KI | Reference |")
    assert "\n|---|---:|---:|---:|---|---|---:|---:|---|---:|---|\n" in out
    assert "- Spørgsmålene i borgerpanelet er ikke formuleret ens" in out

    code, out, err = invoke("compare", "--format", "xlsx", "--out", "cmp.xlsx")
    assert code == 0, err
    wb = load_workbook(in_tmp / "cmp.xlsx")
    assert wb.sheetnames == ["Sammenligning", "Noter"]
    ws = wb["Sammenligning"]
    head = [x.value for x in ws[1]]
    share = ws.cell(row=2, column=head.index("Andel") + 1)
    assert share.value == pytest.approx(c.estimate) and share.number_format == "0.0%"
    assert ws.freeze_panes == "A2"

    code, _, err = invoke("compare", "--format", "xlsx")
    assert code == 2 and "xlsx needs a file; add --out FILE.xlsx" in err


def test_english_groups_and_bh(in_tmp: Path) -> None:
    code, out, err = invoke("compare", "--by", "sex", "--adjust", "bh", "--lang", "en")
    assert code == 0, err
    assert "rate their own health as less good or poor (sex = Kvinde)" in out
    assert "about the same as" in out and "one-sample (fixed value)" in out
    assert "not worded like the questions" in " ".join(out.split())
    assert "3 comparisons with the Benjamini–Hochberg method" in " ".join(out.split())
    code, out, err = invoke("compare", "--by", "sex", "--format", "json", "--adjust", "none")
    doc = json.loads(out)
    assert [(r["by"], r["group"]) for r in doc["comparisons"]] == [
        (None, None), ("sex", "Mand"), ("sex", "Kvinde"),
    ]  # fmt: skip
    assert all(r["p_adjusted"] == r["p_value"] for r in doc["comparisons"])


def test_rules_options_decide_the_verdict(in_tmp: Path) -> None:
    # With alpha 0.99 and no minimum difference, −0.4 points is "lidt under".
    code, out, _ = invoke(
        "compare", "--format", "json", "--alpha", "0.99", "--same-pp", "0", "--small-pp", "5"
    )
    assert code == 0
    assert json.loads(out)["comparisons"][0]["verdict"] == "slightly_below"


def project_copy(folder: Path) -> Path:
    """The bundled demo's files, copied so the test can change them."""
    demo = bundled_demo()
    for name in ("data", "schema", "margins", "indicators", "baselines"):
        shutil.copy(getattr(demo, name), folder / Path(getattr(demo, name)).name.replace(
            "borgerpanel-2022.yaml", f"{name}.yaml"
        ))  # fmt: skip
    return folder


def files_args(folder: Path) -> list[str]:
    return [
        "borgerpanel-2022.csv", "--schema", "schema.yaml", "--margins", "amager-oest-2021.csv",
        "--indicators", "indicators.yaml", "--baselines", "sundhedsprofil-2021.csv",
    ]  # fmt: skip


def test_errors_are_one_line(in_tmp: Path) -> None:
    project_copy(in_tmp)
    args = files_args(in_tmp)

    code, _, err = invoke("compare", *args[:-2])  # no baselines
    assert (code, err) == (
        1,
        "Error: no baselines given; pass --baselines FILE or set baselines: in panelkit.yaml\n",
    )

    code, _, err = invoke("compare", *args, "--format", "csv", "--out", "sundhedsprofil-2021.csv")
    assert (code, err) == (
        1,
        "Error: sundhedsprofil-2021.csv: is an input of this run; choose another output name so "
        "the input is kept\n",
    )

    code, _, err = invoke("compare", *args, "--alpha", "1.5")
    assert (code, err) == (
        1,
        "Error: verdict rules: alpha 1.5 must be between 0 and 1, e.g. 0.05; set --alpha, "
        "--same-pp and --small-pp (or alpha:, same_pp:, small_pp: in panelkit.yaml)\n",
    )

    code, _, err = invoke("compare", *args, "--adjust", "bonferroni")
    assert code == 2 and "bonferroni" in err

    indicators = in_tmp / "indicators.yaml"
    text = indicators.read_text()
    indicators.write_text(text.replace("id: selvvurderet-helbred-daarligt", "id: helbred"))
    code, _, err = invoke("compare", *args)
    assert (code, err) == (
        1,
        'Error: indicators.yaml: indicator poor_health: no baseline has the id "helbred"; the '
        "baselines file has: selvvurderet-helbred-daarligt, selvvurderet-helbred-godt, "
        "ensomhed-svaer, stress-hoej, ensomhed (baselines file sundhedsprofil-2021.csv)\n",
    )

    indicators.write_text(
        text.replace("baseline: {id: selvvurderet-helbred-daarligt, area: Amager Øst}", "")
    )
    code, _, err = invoke("compare", *args)
    assert (code, err) == (
        1,
        "Error: indicators.yaml: no indicator names a baseline; add baseline: {id: …, area: …} "
        "to an indicator (formats §4)\n",
    )


def test_library_options_from_panelkit_yaml(in_tmp: Path) -> None:
    project_copy(in_tmp)
    (in_tmp / "panelkit.yaml").write_text(
        "data: borgerpanel-2022.csv\nschema: schema.yaml\nmargins: amager-oest-2021.csv\n"
        "indicators: indicators.yaml\nbaselines: sundhedsprofil-2021.csv\n"
        "adjust: none\nalpha: 0.99\nsame_pp: 0\nlang: en\n"
    )
    files = resolve_files(cwd=in_tmp)
    result = jobs.compare_baselines(files)
    assert str(result.adjust) == "none" and result.rules.alpha == 0.99
    assert str(result.comparisons[0].verdict) == "slightly_below"
    # An option given wins over panelkit.yaml.
    assert str(jobs.compare_baselines(files, alpha=0.05).comparisons[0].verdict) == "same"
    code, out, _ = invoke("compare")
    assert code == 0 and "slightly below" in out  # lang: en from panelkit.yaml
