"""Every output shows every kind (formats §8): tables, CSV, XLSX, Markdown, compare with a
mean's baseline, fact boxes with {mean}, the report's new charts; a suppressed row of any
kind shows no number anywhere."""

from __future__ import annotations

import io
import itertools
import json
import shutil
from pathlib import Path
from statistics import NormalDist

import pytest
from openpyxl import load_workbook

from helpers import invoke
from panelkit.bundled import bundled_demo
from panelkit.disclosure import Suppression
from panelkit.errors import SettingsError
from panelkit.input.baselines import parse_baselines
from panelkit.publish.factbox import build_factbox
from panelkit.publish.kindcharts import (
    ANSWER_COLOURS,
    answer_chart,
    answer_charts,
    lightness,
    mean_panels,
)
from panelkit.publish.tables import (
    OutputFormat,
    display_frame,
    estimates_csv,
    estimates_markdown,
    estimates_xlsx,
    render_estimates,
)
from panelkit.results import Estimate, EstimateKind, EstimateSet, Lang, Reconciliation
from panelkit.stats.comparison import Verdict, VerdictRules, compare

HEAD = "baseline_id,area,group,estimate_pct,ci_low_pct,ci_high_pct,n,source,year"


def row(**given: object) -> Estimate:
    base: dict[str, object] = {
        "indicator": "x", "by": None, "group": None, "n": 500, "n_positive": None,
        "estimate": None, "se": None, "ci_low": None, "ci_high": None, "ci_method": "t",
        "suppressed": False, "df": 499,
    }  # fmt: skip
    base.update(given)
    return Estimate(**base)  # type: ignore[arg-type]


def kinds_set() -> EstimateSet:
    """One of each kind, and the same again for a group of 12 (suppressed, primary)."""
    rows = [
        row(indicator="lonely", n_positive=80, estimate=0.16, se=0.012, ci_low=0.138,
            ci_high=0.185, ci_method="logit", deff=1.3),
        row(indicator="life", kind=EstimateKind.MEAN, estimate=7.2345, se=0.0512,
            ci_low=7.134, ci_high=7.336, deff=1.4),
        row(indicator="health", kind=EstimateKind.DISTRIBUTION, category="Godt",
            n_positive=300, estimate=0.6, se=0.02, ci_low=0.56, ci_high=0.64, ci_method="logit"),
        row(indicator="health", kind=EstimateKind.DISTRIBUTION, category="Dårligt",
            n_positive=200, estimate=0.4, se=0.02, ci_low=0.36, ci_high=0.44, ci_method="logit"),
        row(indicator="age", kind=EstimateKind.QUANTILE, quantile=0.5, estimate=47.0, se=1.25,
            ci_low=45.0, ci_high=49.0, ci_method="woodruff"),
    ]  # fmt: skip
    hidden = [
        Estimate(**{**r.__dict__, "by": "area", "group": "Lille", "n": 12, "n_positive": None,
                    "estimate": None, "se": None, "ci_low": None, "ci_high": None,
                    "suppressed": True, "suppression": Suppression.PRIMARY, "deff": None})
        for r in rows
    ]  # fmt: skip
    labels = {i: {"da": f"{i} da", "en": f"{i} en"} for i in ("lonely", "life", "health", "age")}
    return EstimateSet(
        survey=Reconciliation(512, 512, 0),
        weighting=None,
        estimates=tuple(rows + hidden),
        labels=labels,
        scales={"life": (0.0, 10.0)},
    )


def test_the_terminal_and_markdown_tables_write_each_kind_in_its_units() -> None:
    frame = display_frame(kinds_set(), Lang.DA)
    assert list(frame.columns) == [
        "Indikator", "Opdelt efter", "Gruppe", "Mål", "n", "Estimat", "SE", "95 % KI", "Metode",
    ]  # fmt: skip
    cells = [tuple(r)[3:8] for r in frame.itertuples(index=False)]
    assert cells[:5] == [
        ("andel", 500, "16,0 %", "1,2 pp", "13,8–18,5"),
        ("gennemsnit (0–10)", 500, "7,23", "0,051", "7,13–7,34"),  # units, not percent
        ("Godt", 500, "60,0 %", "2,0 pp", "56,0–64,0"),
        ("Dårligt", 500, "40,0 %", "2,0 pp", "36,0–44,0"),
        ("median", 500, "47", "1,25", "45–49"),
    ]
    # The label once per indicator: a distribution's second answer does not repeat it.
    assert list(frame["Indikator"][:5]) == ["lonely da", "life da", "health da", "", "age da"]
    md = estimates_markdown(kinds_set(), Lang.EN)
    assert "| life en |  | All | mean (0–10) | 500 | 7.23 | 0.051 | 7.13–7.34 | t |" in md
    assert "| age en |  | All | median | 500 | 47 | 1.25 | 45–49 | woodruff |" in md


def test_share_only_tables_keep_their_columns() -> None:
    only = kinds_set()
    shares = EstimateSet(only.survey, None, only.estimates[:1], labels=only.labels)
    assert list(display_frame(shares, Lang.DA).columns) == [
        "Indikator", "Opdelt efter", "Gruppe", "n", "Andel", "SE (pp)", "95 % KI", "Metode",
    ]  # fmt: skip


def test_csv_has_every_column_for_every_row_in_the_kinds_units() -> None:
    text = estimates_csv(kinds_set(), Lang.DA)
    head, *lines = text.splitlines()
    assert head == (
        "label,indicator,kind,by,group,category,quantile,n,n_positive,estimate,se,ci_low,"
        "ci_high,ci_method,df,deff,suppressed,suppression"
    )
    assert lines[1] == "life da,life,mean,,,,,500,,7.2345,0.0512,7.134,7.336,t,499,1.4,False,"
    assert lines[3].startswith("health da,health,distribution,,,Dårligt,,500,200,0.4,")
    assert lines[4].startswith("age da,age,quantile,,,,0.5,500,,47,1.25,45,49,woodruff,499,,")


def test_xlsx_formats_each_kind_for_what_it_is() -> None:
    ws = load_workbook(io.BytesIO(estimates_xlsx(kinds_set(), Lang.DA))).active
    head = [c.value for c in ws[1]]
    assert head[3] == "Mål" and head[6] == "Estimat"
    share, mean, answer, _, quantile = (ws[i] for i in range(2, 7))
    assert (share[6].value, share[6].number_format) == (0.16, "0.0%")
    assert (mean[6].value, mean[6].number_format) == (7.2345, "0.00")  # not 723 %
    assert mean[7].number_format == "0.000" and mean[3].value == "gennemsnit (0–10)"
    assert (answer[3].value, answer[6].number_format) == ("Godt", "0.0%")
    assert (quantile[3].value, quantile[6].value, quantile[6].number_format) == (
        "median", 47.0, "General",
    )  # fmt: skip


def test_json_rows_say_their_kind() -> None:
    doc = json.loads(render_estimates(kinds_set(), OutputFormat.JSON, Lang.DA, version="t"))
    kinds = [(r["kind"], r.get("category"), r.get("quantile")) for r in doc["estimates"][:5]]
    assert kinds == [("share", None, None), ("mean", None, None), ("distribution", "Godt", None),
                     ("distribution", "Dårligt", None), ("quantile", None, 0.5)]  # fmt: skip


def test_a_suppressed_row_of_any_kind_shows_no_number_in_any_format() -> None:
    result = kinds_set()
    frame = display_frame(result, Lang.DA)
    for r in frame.itertuples(index=False):
        if r[2] == "Lille":
            assert tuple(r)[5:8] == ("undertrykt", "", "")
    md = estimates_markdown(result, Lang.DA)
    assert md.count("| Lille |") == 5 and md.count("undertrykt |") == 5
    csv_lines = [line for line in estimates_csv(result, Lang.DA).splitlines() if ",Lille," in line]
    assert len(csv_lines) == 5
    for line in csv_lines:
        cells = line.split(",")
        # n is shown (12), every number after it is empty
        assert cells[7] == "12" and cells[8:13] == ["", "", "", "", ""], line
    ws = load_workbook(io.BytesIO(estimates_xlsx(result, Lang.DA))).active
    for cells in ws.iter_rows(min_row=7, values_only=True):
        assert cells[2] == "Lille" and cells[5:10] == (None,) * 5
    doc = json.loads(render_estimates(result, OutputFormat.JSON, Lang.DA, version="t"))
    for r in doc["estimates"][5:]:
        assert r["estimate"] is r["se"] is r["ci_low"] is r["ci_high"] is None


# --------------------------------------------------------------------------- fact boxes


class _Ind:
    def __init__(self, id: str, kind: EstimateKind, template: str, scale=None) -> None:  # type: ignore[no-untyped-def]
        self.id, self.kind, self.template, self.scale = id, kind, template, scale
        self.source = None

    def label(self, lang: str) -> str:
        return "tilfredshed"

    def factbox_text(self, lang: str) -> str | None:
        return self.template


def test_factbox_mean_and_scale() -> None:
    ind = _Ind("life", EstimateKind.MEAN,
               "gennemsnitlig {label} {mean} på en skala fra {scale_min} til {scale_max}",
               (0.0, 10.0))  # fmt: skip
    # 7.25 rounds half up to 7.3 (Python's round would give 7.2)
    est = row(indicator="life", kind=EstimateKind.MEAN, estimate=7.25, se=0.05, ci_low=7.15,
              ci_high=7.35)  # fmt: skip
    box = build_factbox([est], [ind], survey_title="Panel", n_answers=500)
    assert box.bullets[0].text == "gennemsnitlig tilfredshed 7,3 på en skala fra 0 til 10"


def test_factbox_distribution_quantile_and_wrong_placeholders() -> None:
    answers = [
        row(indicator="h", kind=EstimateKind.DISTRIBUTION, category=c, estimate=v, se=0.01,
            ci_low=v - 0.02, ci_high=v + 0.02)
        for c, v in (("Godt", 0.62), ("Dårligt", 0.38))
    ]  # fmt: skip
    median = row(indicator="q", kind=EstimateKind.QUANTILE, quantile=0.5, estimate=47.0, se=1.0,
                 ci_low=45.0, ci_high=49.0)  # fmt: skip
    inds = [_Ind("h", EstimateKind.DISTRIBUTION, "Helbred: {answers}"),
            _Ind("q", EstimateKind.QUANTILE, "medianalder {value} år")]  # fmt: skip
    box = build_factbox([*answers, median], inds, survey_title="Panel")
    assert [b.text for b in box.bullets] == [
        "Helbred: 62 pct. Godt og 38 pct. Dårligt", "medianalder 47 år",
    ]  # fmt: skip
    with pytest.raises(SettingsError, match=r"\{pct\} belongs to share indicators.*use \{mean\}"):
        build_factbox([], [_Ind("life", EstimateKind.MEAN, "{pct} {label}")], survey_title="P")
    # a suppressed answer hides the whole distribution
    hidden = [answers[0], Estimate(**{**answers[1].__dict__, "estimate": None, "suppressed": True})]
    box = build_factbox(hidden, inds[:1], survey_title="Panel")
    assert box.bullets == () and box.omitted[0].indicator == "h"


# --------------------------------------------------------------------------- compare


def test_a_mean_baseline_is_read_in_its_units() -> None:
    (b,) = parse_baselines(
        f"{HEAD},estimate,ci_low,ci_high\nls,Danmark,,,,,,Profil,2021,7.0,6.9,7.1\n"
    )
    assert (b.kind, b.estimate, b.ci_low, b.ci_high) == (EstimateKind.MEAN, 7.0, 6.9, 7.1)
    with pytest.raises(SettingsError, match="line 2, estimate_pct: is given beside estimate"):
        parse_baselines(f"{HEAD},estimate\nls,Danmark,,15,,,,Profil,2021,7.0\n")
    with pytest.raises(SettingsError, match="line 2, n: a mean's n gives no standard error"):
        parse_baselines(f"{HEAD},estimate\nls,Danmark,,,,,900,Profil,2021,7.0\n")


def test_compare_a_mean_with_its_baseline_by_hand() -> None:
    (b,) = parse_baselines(
        f"{HEAD},estimate,ci_low,ci_high\nls,Danmark,,,,,,Profil,2021,7.0,6.9,7.1\n"
    )
    est = row(indicator="life", kind=EstimateKind.MEAN, estimate=7.2, se=0.05, ci_low=7.1,
              ci_high=7.3)  # fmt: skip
    (c,) = compare([est], {"life": b}, scales={"life": (0.0, 10.0)})
    # baseline SE from its 95 % interval: (7.1 − 6.9) / (2 · 1.959964) = 0.0510213
    b_se = 0.2 / (2 * 1.959963984540054)
    assert c.baseline_se == pytest.approx(0.0510213, rel=1e-6)
    # difference 0.2 points; diff_se = sqrt(0.05² + 0.0510213²) = 0.0714365
    assert c.difference == pytest.approx(0.2)
    assert c.diff_se == pytest.approx((0.05**2 + b_se**2) ** 0.5)
    assert c.diff_se == pytest.approx(0.0714365, rel=1e-6)
    # z = 0.2 / 0.0714365 = 2.79969; p = 2 · (1 − Φ(2.79969)) = 0.005115
    assert c.statistic == pytest.approx(2.79969, rel=1e-5)
    assert c.p_value == pytest.approx(2 * (1 - NormalDist().cdf(0.2 / c.diff_se)))
    assert c.p_value == pytest.approx(0.005115, abs=1e-6)
    # 0.2 points on a 0-10 scale is 2 % of its length: not under same_pp (2), under
    # small_pp (5) → "lidt over"
    assert c.verdict is Verdict.SLIGHTLY_ABOVE and c.kind is EstimateKind.MEAN
    (unknown,) = compare([est], {"life": b})  # no scale: significance alone
    assert unknown.verdict is Verdict.ABOVE


def test_verdict_rules_on_a_scale() -> None:
    rules = VerdictRules()
    assert rules.verdict(0.19, 0.001, 10.0) is Verdict.SAME  # 1.9 % of the scale
    assert rules.verdict(-0.3, 0.001, 10.0) is Verdict.SLIGHTLY_BELOW
    assert rules.verdict(-0.5, 0.001, 10.0) is Verdict.BELOW  # exactly 5 %: not "slightly"
    assert rules.verdict(0.9, 0.2, 10.0) is Verdict.SAME  # not significant
    assert rules.verdict(0.03, 0.001) is Verdict.SLIGHTLY_ABOVE  # a share: 3 pp, as before


def _demo_project(folder: Path) -> list[str]:
    demo = bundled_demo()
    for src, name in ((demo.data, "data.csv"), (demo.schema, "schema.yaml"),
                      (demo.margins, "margins.csv"), (demo.indicators, "indicators.yaml")):  # fmt: skip
        shutil.copy(src, folder / name)
    text = (folder / "indicators.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "    kind: mean                  # the mean of the 0-10 answer; its scale comes from the "
        "schema\n",
        "    kind: mean\n    baseline: {id: livstilfredshed, area: Danmark}\n",
    )
    (folder / "indicators.yaml").write_text(text, encoding="utf-8")
    # the demo's baselines, with the unit columns and one mean's baseline added
    lines = demo.baselines.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("baseline_id"))
    body = [f"{line},,," for line in lines[start + 1 :] if line.strip()]
    (folder / "baselines.csv").write_text(
        "\n".join([lines[start] + ",estimate,ci_low,ci_high", *body,
                   "livstilfredshed,Danmark,,,,,,Testkilde,2021,,7.4,7.3,7.5"]) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    return ["data.csv", "--schema", "schema.yaml", "--margins", "margins.csv",
            "--indicators", "indicators.yaml", "--baselines", "baselines.csv"]  # fmt: skip


def test_cli_compare_with_a_mean_baseline(in_tmp: Path) -> None:
    args = _demo_project(in_tmp)
    code, out, err = invoke("summarize", *args[:-2], "--format", "json")
    assert code == 0, err
    life = next(r for r in json.loads(out)["estimates"] if r["indicator"] == "life_satisfaction")
    code, out, err = invoke("compare", *args, "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    (c,) = [r for r in doc["comparisons"] if r["indicator"] == "life_satisfaction"]
    b_se = 0.2 / (2 * 1.959963984540054)
    assert c["kind"] == "mean" and c["baseline"] == 7.4
    assert c["difference"] == pytest.approx(life["estimate"] - 7.4, abs=1e-12)
    assert c["diff_se"] == pytest.approx((life["se"] ** 2 + b_se**2) ** 0.5, rel=1e-12)
    assert "skalaens længde" in " ".join(doc["notes"])
    code, out, err = invoke("compare", *args, "--format", "md")
    line = next(x for x in out.splitlines() if x.startswith("| tilfredshed med livet"))
    assert "7,40 (Danmark)" in line and " %" not in line.split("|")[2]
    # a share compared with a mean's figure is refused, naming the columns
    text = (in_tmp / "indicators.yaml").read_text(encoding="utf-8")
    (in_tmp / "indicators.yaml").write_text(
        text.replace(
            "    baseline: {id: selvvurderet-helbred-daarligt, area: Amager Øst}",
            "    baseline: {id: livstilfredshed, area: Danmark}",
        ),
        encoding="utf-8",
    )
    code, _, err = invoke("compare", *args)
    assert code == 1 and err.startswith(
        "Error: indicators.yaml: indicator poor_health: is a share but baseline "
        '"livstilfredshed" (Danmark, whole population) is a mean; give the baseline\'s figure '
        "under estimate_pct (the share in percent)"
    )


# --------------------------------------------------------------------------- charts


def test_the_answer_scale_reads_in_grey_and_every_segment_is_labelled() -> None:
    for colours in ANSWER_COLOURS.values():
        lum = [lightness(c) for c in colours]
        # neighbours and the two ends differ by 10 in L*, so greyscale tells them apart
        assert all(abs(a - b) >= 10 for a, b in itertools.pairwise(lum)), colours
        assert len(lum) < 2 or abs(lum[0] - lum[-1]) >= 10, colours
    result = kinds_set()
    (chart,) = answer_charts(result.estimates, {"health": "Helbred"}, Lang.DA)
    assert chart.answers == ("Godt", "Dårligt") and chart.bars[1].shares is None  # suppressed
    from panelkit.publish.charts import ChartTitle

    drawn = answer_chart(chart, lang=Lang.DA, title=ChartTitle("Svar", "Panel", 500))
    again = answer_chart(chart, lang=Lang.DA, title=ChartTitle("Svar", "Panel", 500))
    assert (drawn.png, drawn.svg) == (again.png, again.svg)
    svg = drawn.svg.decode("utf-8")
    assert "60\u00a0%" in svg and "40\u00a0%" in svg and "undertrykt" in svg
    assert drawn.alt.endswith("Alle (n = 500): Godt 60 pct., Dårligt 40 pct. Lille: undertrykt.")
    (panel,) = mean_panels(result.estimates, {"life": "Liv"}, result.scales, Lang.DA)
    assert panel.scale == (0.0, 10.0) and panel.points[1].value is None


def test_the_report_holds_the_new_charts_and_marks(in_tmp: Path) -> None:
    code, _, err = invoke("report", "--out", "r")
    assert code == 0, err
    charts = {p.name for p in (in_tmp / "r" / "charts").iterdir()}
    assert {"means.png", "means.svg", "answers-feel_safe_answers.png",
            "answers-health_answers.svg"} <= charts  # fmt: skip
    page = (in_tmp / "r" / "index.html").read_text(encoding="utf-8")
    assert 'alt="Prikdiagram over gennemsnit med 95 %-konfidensinterval: Gennemsnit' in page
    assert 'alt="Stablet vandret søjlediagram over svarene i procent: Svarfordeling' in page
    assert 'data-contrast="higher">▲ signifikant højere end resten' in page
    assert "Rao–Scott-test (F)" in page and "tilfredshed med livet (0-10)</th>" in page
    code, _, err = invoke("report", "--out", "r2", "--no-contrasts")
    assert code == 0, err
    page = (in_tmp / "r2" / "index.html").read_text(encoding="utf-8")
    assert "data-contrast" not in page and "kør med --contrasts" in page
