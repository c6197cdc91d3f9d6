"""The yearly report: its content, not just its files.

One demo project (1,340 respondents and last year's wave) is reported once for
the module; the numbers in the HTML page, the workbook, the CSV tables and the
fact boxes are checked against estimates recomputed with ``jobs.summarize``.
"""

from __future__ import annotations

import html
import io
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from helpers import invoke, spellings, unpacked
from panelkit import jobs
from panelkit.demo import write_demo_project
from panelkit.errors import OutputError, SettingsError
from panelkit.jobs import ReportResult
from panelkit.project import resolve_files
from panelkit.results import Estimate, EstimateSet

EPOCH = "1700000000"  # 14 November 2023
NBSP = "\u00a0"
BY = ["area", "age_group", "sex"]  # the weighting variables: the report's default breakdown
BY_TITLES = {"area": "Område", "age_group": "Aldersgruppe", "sex": "Køn"}


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def source_date() -> Iterator[None]:
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    yield
    if old is None:
        del os.environ["SOURCE_DATE_EPOCH"]
    else:
        os.environ["SOURCE_DATE_EPOCH"] = old


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("report") / "amager"
    write_demo_project(root)
    return root


class Built:
    """One report run: the result, its folder's files as bytes, and the progress calls."""

    def __init__(self, result: ReportResult, out: Path, calls: list[tuple[str, int, int]]):
        self.result = result
        self.out = out
        self.calls = calls
        self.files = {
            p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()
        }

    def text(self, name: str) -> str:
        return self.files[name].decode("utf-8")


@pytest.fixture(scope="module")
def built(project: Path, source_date: None) -> Built:
    calls: list[tuple[str, int, int]] = []
    out = project.parent / "out"
    result = jobs.write_report(resolve_files(cwd=project), out, progress=lambda *a: calls.append(a))
    return Built(result, out, calls)


@pytest.fixture(scope="module")
def expected(project: Path) -> EstimateSet:
    """The estimates recomputed the way `panelkit summarize --by …` computes them."""
    return jobs.summarize(resolve_files(cwd=project), by=BY)


@pytest.fixture(scope="module")
def unsuppressed(project: Path) -> dict[tuple[str, str | None, str | None], Estimate]:
    """The same estimates without suppression: what must never show."""
    rows = jobs.summarize(resolve_files(cwd=project), by=BY, min_n=0).estimates
    return {(e.indicator, e.by, e.group): e for e in rows}


def shown(expected: EstimateSet) -> list[Estimate]:
    # Groups no one in an indicator's domain belongs to (n = 0) are left out of the report.
    return [e for e in expected.estimates if not (e.by is not None and e.n == 0)]


def pct(value: float) -> str:
    """A share as the report prints it, recomputed here: 0.2191 → "21,9 %"."""
    return f"{100 * value:.1f}".replace(".", ",") + NBSP + "%"


def ci(e: Estimate) -> str:
    assert e.ci_low is not None and e.ci_high is not None
    low, high = (f"{100 * v:.1f}".replace(".", ",") for v in (e.ci_low, e.ci_high))
    return f"{low}–{high}"


def pp(value: float) -> str:
    text = f"{100 * value:+.1f}".replace(".", ",").replace("-", "−")
    return "0,0" if text in ("+0,0", "−0,0") else text


# --------------------------------------------------------------------------- HTML parsing


class Page(HTMLParser):
    """Every element carrying data-indicator, with its section and its text; every URL."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.section = ""
        self.cells: list[tuple[str, dict[str, str], list[str]]] = []
        self.open: list[tuple[str, list[str]]] = []  # (tag, text parts) being collected
        self.urls: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.styles: list[str] = []
        self.tags: set[str] = set()
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.tags.add(tag)
        if tag == "section":
            self.section = values.get("id", "")
        if tag == "style":
            self._in_style = True
        for key, value in values.items():
            if key in ("src", "href", "srcset", "action", "poster", "data", "xlink:href"):
                self.urls.append((tag, key, value))
            if key == "style":
                self.styles.append(value)
        if "data-indicator" in values:
            parts: list[str] = []
            self.cells.append((self.section, values, parts))
            self.open.append((tag, parts))
        elif self.open and tag not in ("br",):
            self.open.append((tag, self.open[-1][1]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False
        if self.open and self.open[-1][0] == tag:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)
        if self.open:
            self.open[-1][1].append(data)


@pytest.fixture(scope="module")
def page(built: Built) -> Page:
    parser = Page()
    parser.feed(built.text("index.html"))
    return parser


def cell(page: Page, section: str, indicator: str, by: str | None, group: str | None) -> str:
    found = [
        "".join(parts)
        for sec, attrs, parts in page.cells
        if sec == section
        and attrs["data-indicator"] == indicator
        and attrs.get("data-by", "") == (by or "")
        and attrs.get("data-group", "") == (group or "")
    ]
    assert len(found) == 1, (section, indicator, by, group, found)
    return found[0]


# --------------------------------------------------------------------------- the folder


def test_the_folder_holds_every_output(built: Built) -> None:
    names = set(built.files)
    assert {
        "index.html",
        "report.xlsx",
        "run.json",
        "factbox.md",
        "factbox.html",
        "factbox.txt",
        "tilgaengelighed.md",
        "tables/estimates.csv",
        "tables/comparisons.csv",
        "tables/waves.csv",
        "tables/weighting.csv",
    } <= names
    charts = {"indicators", "groups-area", "groups-age_group", "groups-sex", "waves"}
    assert {f"charts/{c}.{ext}" for c in charts for ext in ("png", "svg")} <= names
    assert set(built.result.files) == names
    for name in names:
        if name.endswith(".png"):
            assert built.files[name].startswith(b"\x89PNG\r\n\x1a\n")
    # No temporary folder is left beside the report.
    assert [p.name for p in built.out.parent.iterdir() if p.name.startswith(".")] == []


def test_progress_is_reported_step_by_step(built: Built) -> None:
    done = [d for _, d, _ in built.calls]
    assert done == list(range(1, len(done) + 1))
    assert built.calls[-1][1] == built.calls[-1][2]  # the bar ends full
    assert all(label for label, _, _ in built.calls)


def test_run_json_records_inputs_settings_versions_and_rows(built: Built, project: Path) -> None:
    import hashlib

    run = json.loads(built.text("run.json"))
    assert run["created"] == "2023-11-14"
    roles = {i["role"]: i for i in run["inputs"]}
    assert set(roles) >= {"data", "schema", "margins", "indicators", "baselines", "project"}
    assert {"previous data", "previous schema", "previous margins"} <= set(roles)
    data = project / "data" / "borgerpanel-2022.csv"
    assert roles["data"]["sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
    survey = run["survey"]
    assert survey["rows_read"] == survey["rows_used"] + survey["rows_rejected"] == 1340
    prev = run["previous_survey"]
    assert prev["rows_read"] == prev["rows_used"] + prev["rows_rejected"] == 1072
    assert run["settings"]["by"] == BY and run["settings"]["min_n"] == 20
    assert run["settings"]["adjust"] == "holm" and run["settings"]["lang"] == "da"
    assert set(run["versions"]) == {
        "panelkit", "python", "numpy", "pandas", "scipy", "matplotlib", "openpyxl",
    }  # fmt: skip
    outputs = {o["file"]: o["sha256"] for o in run["outputs"]}
    assert set(outputs) == set(built.files) - {"run.json"}
    for name, digest in outputs.items():
        assert hashlib.sha256(built.files[name]).hexdigest() == digest


def test_run_json_names_inputs_by_path_and_verifies(built: Built) -> None:
    from panelkit.audit import FileStatus, verify

    run = json.loads(built.text("run.json"))
    assert run["command"] == "report" and run["suppressed_secondary"] >= 0
    roles = {i["role"]: i for i in run["inputs"]}
    # Relative to the report folder: the project can move as a whole and still verify.
    assert roles["data"]["path"] == "../amager/data/borgerpanel-2022.csv"
    assert roles["data"]["file"] == "borgerpanel-2022.csv"
    result = verify(built.out)
    assert result.ok and len(result.files) == len(run["inputs"]) + len(run["outputs"])
    assert {f.status for f in result.files} == {FileStatus.OK}


def test_a_rerun_gives_identical_bytes_and_replaces_the_report(built: Built, project: Path) -> None:
    again = jobs.write_report(resolve_files(cwd=project), built.out, force=True)
    assert again.replaced
    files = {
        p.relative_to(built.out).as_posix(): p.read_bytes()
        for p in built.out.rglob("*")
        if p.is_file()
    }
    assert files.keys() == built.files.keys()
    for name, data in files.items():
        assert data == built.files[name], f"{name} differs on a rerun"


# --------------------------------------------------------------------------- HTML


def test_html_numbers_equal_the_estimates(page: Page, built: Built, expected: EstimateSet) -> None:
    checked = 0
    # The shares here; every kind's cells: tests/test_kinds_publish.py.
    for e in (e for e in shown(expected) if e.kind == "share"):
        if e.by is None:
            text = cell(page, "indicators", e.indicator, None, None)
            assert e.estimate is not None
            assert pct(e.estimate) in text and ci(e) in text, text
            assert f"{e.n:,}".replace(",", ".") in text
        else:
            text = cell(page, "groups", e.indicator, e.by, e.group)
            if e.suppressed:
                assert text == "undertrykt"
            else:
                assert e.estimate is not None
                assert pct(e.estimate) in text and ci(e) in text
                assert f"n{NBSP}={NBSP}{e.n:,}".replace(",", ".") in text
        checked += 1
    assert checked == len([e for e in shown(expected) if e.kind == "share"]) > 50


def test_html_comparison_and_waves_equal_the_tests(
    page: Page, project: Path, expected: EstimateSet
) -> None:
    from panelkit.stats.comparison import compare_waves

    files = resolve_files(cwd=project)
    comparisons = jobs.compare_baselines(files).comparisons
    assert [c.indicator for c in comparisons] == ["poor_health"]
    c = comparisons[0]
    assert c.difference is not None and c.p_adjusted is not None
    text = cell(page, "comparison", "poor_health", None, None)
    assert pp(c.difference) in text
    assert "15,0" + NBSP + "% (Amager Øst)" in text
    assert f"{c.p_adjusted:.3f}".replace(".", ",") in text
    assert "ca. på niveau med" in text and "én stikprøve (fast værdi)" in text

    previous = jobs.summarize(
        replace(files, data=files.previous.data, margins=files.previous.margins)  # type: ignore[union-attr]
    )
    # the shares' changes in percent and points (a mean's change is in its units)
    current = [e for e in expected.estimates if e.by is None and e.kind == "share"]
    for change in compare_waves(current, previous.estimates):
        text = cell(page, "change", change.indicator, None, None)
        assert change.previous is not None and change.current is not None
        assert change.difference is not None
        assert pct(change.previous) in text and pct(change.current) in text
        assert pp(change.difference) in text


def test_html_has_every_section_and_the_wording_caveat(built: Built) -> None:
    page = built.text("index.html")
    assert page.startswith('<!DOCTYPE html>\n<html lang="da">')
    for sid in ("facts", "indicators", "groups", "comparison", "change", "weighting",
                "method", "sources"):  # fmt: skip
        assert f'<section id="{sid}">' in page
    text = html.unescape(page)
    assert "ikke formuleret ens" in text  # panel and health-profile questions differ
    assert "fast værdi" in text
    for words in ("raking", "Taylor-linearisering", "logit", "færre end 20 svar",
                  "sekundær undertrykkelse", "Udvikling siden 2021", "14. november 2023"):  # fmt: skip
        assert words in text, words
    assert "Efter område" in text and "Efter aldersgruppe" in text and "Efter køn" in text


def test_html_asks_no_other_host(page: Page, built: Built) -> None:
    assert page.urls, "the page has images and links"
    for tag, attr, value in page.urls:
        v = value.strip().lower()
        assert not v.startswith(("http:", "https:", "//", "ftp:", "file:")), (tag, attr, value)
        if attr == "src":
            assert v.startswith("data:image/png;base64,"), (tag, value[:40])
    for css in page.styles:
        assert "@import" not in css
        for url in re.findall(r"url\(([^)]*)\)", css):
            assert url.strip("'\" ").startswith("data:")
    assert not page.tags & {"script", "link", "iframe", "object", "embed", "base"}
    raw = built.text("index.html").lower()
    assert "http:" not in raw and "https:" not in raw and "://" not in raw


# --------------------------------------------------------------------------- workbook


def test_workbook_cells_are_numbers_with_percent_format(
    built: Built, expected: EstimateSet
) -> None:
    wb = load_workbook(io.BytesIO(built.files["report.xlsx"]))
    assert wb.sheetnames == [
        "Indikatorer",
        "Grupper",
        "Sammenligning",
        "Udvikling",
        "Frafald",
        "Vægtning",
        "Marginer",
        "Noter",
    ]  # fmt: skip  (Frafald: the demo's waves are linked)
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2"
        assert all(c.font.b for c in ws[1])
        assert ws.column_dimensions["A"].width >= 10

    overall = wb["Indikatorer"]
    head = [c.value for c in overall[1]]
    # With means, distributions and quantiles: "Mål" says what a row is (formats §8).
    assert head[:6] == ["Indikator", "Id", "Mål", "n", "n ja", "Estimat"]
    rows = {r[1].value: r for r in overall.iter_rows(min_row=2) if r[2].value == "andel"}
    for e in (e for e in expected.estimates if e.by is None and e.kind == "share"):
        row = rows[e.indicator]
        share = row[head.index("Estimat")]
        assert isinstance(share.value, float) and share.number_format == "0.0%"
        assert share.value == pytest.approx(e.estimate, abs=1e-12)
        low = row[head.index("KI nedre")]
        assert low.value == pytest.approx(e.ci_low, abs=1e-12) and low.number_format == "0.0%"
        assert row[head.index("n")].value == e.n

    groups = wb["Grupper"]
    head = [c.value for c in groups[1]]
    found = {
        (r[1].value, r[head.index("Opdelt efter")].value, r[head.index("Gruppe")].value): r
        for r in groups.iter_rows(min_row=2)
    }
    for e in (e for e in shown(expected) if e.by is not None and e.kind == "share"):
        assert e.by is not None
        row = found[(e.indicator, BY_TITLES[e.by], e.group)]
        share = row[head.index("Estimat")]
        if e.suppressed:
            assert share.value is None and row[head.index("n ja")].value is None
            assert row[head.index("Undertrykt")].value in ("for få svar", "sekundært")
        else:
            assert share.value == pytest.approx(e.estimate, abs=1e-12)
            assert share.number_format == "0.0%"

    cmp_sheet = wb["Sammenligning"]
    head = [c.value for c in cmp_sheet[1]]
    (row,) = list(cmp_sheet.iter_rows(min_row=2))
    assert row[head.index("Reference")].value == 0.15
    assert row[head.index("Reference")].number_format == "0.0%"
    assert row[head.index("Fast værdi")].value == "ja"
    assert row[head.index("Vurdering")].value == "ca. på niveau med"


def test_csv_tables_hold_the_estimates(built: Built, expected: EstimateSet) -> None:
    frame = pd.read_csv(io.BytesIO(built.files["tables/estimates.csv"]), keep_default_na=False)
    assert len(frame) == len(shown(expected))
    for e, (_, row) in zip(shown(expected), frame.iterrows(), strict=True):
        assert row["indicator"] == e.indicator
        if e.suppressed:
            assert row["estimate"] == "" and row["n_positive"] == ""
        else:
            assert float(row["estimate"]) == pytest.approx(e.estimate, rel=1e-9)


# --------------------------------------------------------------------------- fact box


def fact_number(value: float) -> str:
    from decimal import ROUND_HALF_UP, Decimal

    return str(Decimal(repr(100 * value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def mean(value: float | None) -> str:
    """A mean as the fact box writes it: one decimal, half up, decimal comma."""
    from decimal import ROUND_HALF_UP, Decimal

    assert value is not None
    return str(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)).replace(
        ".", ","
    )


def test_fact_box_reads_like_the_district_plan(built: Built, expected: EstimateSet) -> None:
    est = {e.indicator: e.estimate for e in expected.estimates if e.by is None}
    n = fact_number
    text = built.text("factbox.txt")
    source = "(ca. 1340 svar. Borgerpanelundersøgelse om bydelsplan 2022)"
    assert text == (
        "Fakta\n"
        f"• {n(est['miss_community'])} pct. savner at føle sig som en del af et fællesskab og "
        f"{n(est['want_information'])} pct. vil gerne have mere information om, hvor de kan "
        f"opsøge fællesskaber {source}\n"
        f"• {n(est['help_neighbour'])} pct. er enig eller meget enig i, at de gerne vil hjælpe "
        f"naboen, hvis de er syge og har brug for hjælp til indkøb {source}\n"
        f"• {n(est['lonely_17_29'])} pct. i alderen 17-29 år er enig eller meget enig i, at de "
        f"ofte føler sig mere ensomme end de bryder sig om {source}\n"
        f"• {n(est['poor_health'])} pct. i Amager Øst angiver, at de har et mindre godt eller "
        "dårligt selvvurderet helbred. Det er ca. på niveau med tallet fra Region Hovedstaden "
        "Sundhedsprofil 2021. (ca. 1340 svar. Borgerpanelundersøgelse om bydelsplan 2022. "
        "Sammenligning: Region Hovedstaden Sundhedsprofil 2021)\n"
        f"• Gennemsnitlig tilfredshed med livet er {mean(est['life_satisfaction'])} på en skala "
        f"fra 0 til 10. {source}\n"
        f"• Den gennemsnitlige ensomhedsscore er {mean(est['loneliness_score'])} på en skala fra "
        f"3 til 9 (tre spørgsmål; højere er mere ensom). {source}\n"
    )
    # The demo's own numbers land on the district plan's: 22, 26, 89, 23 and 15 pct.
    assert [n(est[i]) for i in ("miss_community", "want_information", "help_neighbour",
                                "lonely_17_29", "poor_health")] == ["22", "26", "89", "23", "15"]  # fmt: skip
    md = built.text("factbox.md")
    assert md.startswith("### Fakta\n\n- 22 pct. savner") and md.count("\n- ") == 6
    box = built.text("factbox.html")
    assert '<section class="factbox" lang="da">' in box and box.count("<li>") == 6
    assert '<section class="factbox" lang="da">' in built.text("index.html")


# --------------------------------------------------------------------------- data protection


def comments(project: Path) -> list[str]:
    """The free-text answers planted in the export's comment column (q_10)."""
    raw = pd.read_csv(
        project / "data" / "borgerpanel-2022.csv",
        sep=";",
        encoding="cp1252",
        dtype=str,
        keep_default_na=False,
    )
    answers = sorted({c.strip() for c in raw["q_10"] if c.strip()})
    # "Ved ikke" is also an answer category of the schema (a label the report may print).
    return [c for c in answers if c.casefold() not in {"ved ikke"}]


def test_no_free_text_answer_in_any_output(built: Built, project: Path) -> None:
    answers = comments(project)
    assert len(answers) > 30  # the planted strings, with their endings
    assert any(a.startswith("Jeg hedder Mette Jensen") for a in answers)
    probes: dict[str, set[bytes]] = {}
    for answer in answers:
        probes[answer] = spellings(answer)
        if len(answer) >= 12:  # a long answer's first words alone must not show either
            probes[answer] |= spellings(answer[:24])
    seen_pixels: set[int] = set()
    for name, data in built.files.items():
        texts, pixels = unpacked(name, data)
        for blob in texts:
            for answer, forms in probes.items():
                for probe in forms:
                    assert probe not in blob, f"free text {answer!r} in {name}"
        for blob in pixels:
            if hash(blob) in seen_pixels:  # the page embeds the same charts
                continue
            seen_pixels.add(hash(blob))
            for answer in answers:  # pixels hold no text; a few bytes can match by chance
                if len(answer) >= 8:
                    assert answer.encode("utf-8") not in blob, f"{answer!r} in {name}"


def test_no_suppressed_number_anywhere(
    built: Built,
    expected: EstimateSet,
    unsuppressed: dict[tuple[str, str | None, str | None], Estimate],
) -> None:
    hidden = [e for e in shown(expected) if e.suppressed and e.n > 0]
    assert hidden, "the demo has suppressed groups (lonely_17_29 by area)"
    # What the report shows legitimately: a hidden figure that happens to equal one of these
    # in print proves nothing, so only the others are searched for.
    visible = set()
    for e in shown(expected):
        for v in (e.estimate, e.ci_low, e.ci_high):
            if v is not None:
                visible.add(pct(v))
                visible.add(f"{100 * v:.1f}".replace(".", ","))
    # The linked waves' tables: each wave's shares, the changes and the attrition rows.
    assert expected.waves is not None and expected.waves.attrition
    for c in expected.waves.changes:
        for v in (c.previous, c.difference, c.ci_low, c.ci_high):
            if v is not None:
                visible.add(f"{abs(100 * v):.1f}".replace(".", ","))
    for r in expected.waves.attrition:
        for v in (r.stayed, r.left, r.difference, r.ci_low, r.ci_high):
            if v is not None:
                visible.add(f"{abs(100 * v):.1f}".replace(".", ","))
    machine = [
        name for name in built.files if name.endswith((".csv", ".json", ".xlsx", ".svg", ".html"))
    ]
    for e in hidden:
        raw = unsuppressed[(e.indicator, e.by, e.group)]
        for value in (raw.estimate, raw.se, raw.ci_low, raw.ci_high):
            assert value is not None
            exact = {repr(value), f"{value:.10g}", f"{value:.15g}"}
            for name in machine:
                for blob in unpacked(name, built.files[name])[0]:
                    for probe in exact:
                        assert probe.encode() not in blob, f"{e} value {probe} in {name}"
        for value in (raw.estimate, raw.ci_low, raw.ci_high):
            assert value is not None
            shown_text = f"{100 * value:.1f}".replace(".", ",")
            if shown_text in visible:
                continue
            # Not as a number of its own: "4,4 %" may be the end of a visible "24,4 %".
            alone = re.compile(rf"(?<![\d,]){re.escape(shown_text)}(?![\d])")
            for name in ("index.html", "factbox.txt", "factbox.md", "factbox.html"):
                assert not alone.search(built.text(name)), (e, shown_text, name)
            for name in (n for n in built.files if n.endswith(".svg")):
                assert not alone.search(built.text(name)), (e, shown_text, name)


# --------------------------------------------------------------------------- atomicity, refusals


def test_an_interrupted_run_leaves_the_earlier_report(
    built: Built, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from panelkit.publish import report as report_module

    out = tmp_path / "r"
    shutil.copytree(built.out, out)  # the earlier report
    before = {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def interrupted(staging: Path, target: Path) -> bool:
        assert (staging / "index.html").is_file()  # the new report was complete
        raise KeyboardInterrupt

    # No charts, to keep the test quick; the swap is what is interrupted.
    monkeypatch.setattr(report_module, "_chart_jobs", lambda content: [])
    monkeypatch.setattr(report_module, "_swap", interrupted)
    with pytest.raises(KeyboardInterrupt):
        jobs.write_report(resolve_files(cwd=project), out, by=(), force=True)
    after = {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in tmp_path.iterdir()] == ["r"]  # the staging folder is gone


def test_refusals(project: Path, tmp_path: Path) -> None:
    files = resolve_files(cwd=project)
    full = tmp_path / "full"
    full.mkdir()
    (full / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match=r"folder is not empty; .*--force"):
        jobs.write_report(files, full)
    with pytest.raises(OutputError, match=r"holds no earlier report \(run.json\)"):
        jobs.write_report(files, full, force=True)
    assert (full / "notes.txt").read_text() == "mine"
    with pytest.raises(OutputError, match="is an input of this run"):
        jobs.write_report(files, files.data)
    with pytest.raises(OutputError, match=r"holds an input of this run"):
        jobs.write_report(files, project, force=True)


def test_english_report_without_a_date(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    out = tmp_path / "en"
    result = jobs.write_report(resolve_files(cwd=project), out, lang="en", by=("sex",), min_n=30)
    page = html.unescape((out / "index.html").read_text())
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert "By sex" in page and "Change since 2021" in page and "not worded like" in page
    assert "about the same as" in page and "Made with panelkit" in page
    assert "2023" not in page and json.loads((out / "run.json").read_text())["created"] is None
    wb = load_workbook(out / "report.xlsx")
    assert wb.sheetnames[:3] == ["Indicators", "Groups", "Comparison"]
    assert (out / "factbox.txt").read_text().startswith("Facts\n• 22% miss feeling part")
    assert result.lang.value == "en"


def test_project_settings_are_checked(project: Path, tmp_path: Path) -> None:
    shutil.copytree(project, tmp_path / "p")
    settings = tmp_path / "p" / "panelkit.yaml"
    settings.write_text(settings.read_text() + "min_n: -3\n")
    with pytest.raises(SettingsError, match=r"^panelkit.yaml: min_n: expected a whole number"):
        jobs.make_factbox(resolve_files(cwd=tmp_path / "p"))
    settings.write_text(settings.read_text().replace("min_n: -3", "adjust: bonferroni"))
    with pytest.raises(SettingsError, match=r"^panelkit.yaml: adjust: expected one of holm, bh"):
        jobs.make_factbox(resolve_files(cwd=tmp_path / "p"))


# --------------------------------------------------------------------------- command line


@pytest.fixture
def in_project(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the demo project as the working folder."""
    copy = tmp_path / "p"
    shutil.copytree(project, copy)
    # No breakdown unless asked: fewer charts, a quicker test.
    settings = copy / "panelkit.yaml"
    settings.write_text(settings.read_text() + "by: []\n")
    monkeypatch.chdir(copy)
    return copy


def test_cli_report_writes_the_folder(in_project: Path) -> None:
    code, out, err = invoke("report", "--out", "rapport")
    assert code == 0, err
    assert (
        out == "Rapport skrevet: rapport/index.html (22 filer)\n"
    )  # attrition.csv, 6 kind charts, tilgaengelighed.md
    assert "Rækker læst: 1340 = brugt 1340 + afvist 0" in err
    assert "Forrige runde: Rækker læst: 1072 = brugt 1072 + afvist 0" in err
    assert (in_project / "rapport" / "index.html").is_file()
    # Again into the same folder: refused without --force, replaced with it.
    code, _, err = invoke("report", "--out", "rapport")
    assert code == 1
    assert err == (
        "Error: --out rapport: folder is not empty; choose an empty or new folder, or add "
        "--force to replace the earlier report in it\n"
    )
    code, out, err = invoke("report", "--out", "rapport", "--force")
    assert code == 0, err
    assert out.startswith("Rapport erstattet: rapport/index.html")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--out", "data/borgerpanel-2022.csv"],
            "Error: --out data/borgerpanel-2022.csv: is an input of this run; choose a new "
            "folder for the report\n",
        ),
        (
            ["--out", "data", "--force"],
            "Error: --out data: holds an input of this run (data/borgerpanel-2022.csv); choose "
            "a folder outside the project's data, e.g. --out report\n",
        ),
        (
            ["--out", "panelkit.yaml"],
            "Error: --out panelkit.yaml: is an input of this run; choose a new folder for the "
            "report\n",
        ),
        (
            ["--out", "x", "--by", "agegroup"],
            "Error: --by agegroup: not a categorical variable of the schema; did you mean "
            "age_group? expected one of sex, area, health, lack_company, left_out, isolated, "
            "help_neighbour, lonely, miss_community, want_information, feel_safe, "
            "info_lokalavis, info_facebook, info_biblioteket, info_kulturhuset, info_opslag, "
            "age_group\n",
        ),
    ],
)
def test_cli_report_refusals(in_project: Path, args: list[str], message: str) -> None:
    code, _out, err = invoke("report", *args)
    assert (code, err) == (1, message)
    assert not (in_project / "x").exists()


def test_cli_report_refuses_a_folder_that_is_not_a_report(in_project: Path) -> None:
    (in_project / "docs").mkdir()
    (in_project / "docs" / "keep.txt").write_text("mine")
    code, _, err = invoke("report", "--out", "docs", "--force")
    assert code == 1
    assert err == (
        "Error: --out docs: folder is not empty and holds no earlier report (run.json); "
        "--force only replaces a panelkit report, so choose an empty or new folder\n"
    )
    assert (in_project / "docs" / "keep.txt").read_text() == "mine"


def test_cli_report_unknown_baseline(in_project: Path) -> None:
    path = in_project / "indicators" / "borgerpanel-2022.yaml"
    path.write_text(path.read_text().replace("id: selvvurderet-helbred-daarligt", "id: helbred-x"))
    code, _, err = invoke("report", "--out", "x")
    assert code == 1
    assert err.startswith(
        'Error: borgerpanel-2022.yaml: indicator poor_health: no baseline has the id "helbred-x"; '
        "the baselines file has: selvvurderet-helbred-daarligt, "
    )
    assert err.endswith(" (baselines file sundhedsprofil-2021.csv)\n") and err.count("\n") == 1
    assert not (in_project / "x").exists()


# --------------------------------------------------------------------------- as a reader sees it


def test_chromium_renders_the_page(built: Built, tmp_path: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium is not on PATH (apt-get install chromium to render the report)")
    from PIL import Image

    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}", "--window-size=1280,4000",
            (built.out / "index.html").as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )  # fmt: skip
    image = Image.open(shot).convert("L")
    assert image.size == (1280, 4000)
    low, high = image.getextrema()
    assert low < 60 and high > 240  # dark text on a light page, not a blank one
    histogram = image.histogram()
    assert sum(histogram[:128]) > 20_000  # plenty of ink: headings, text, charts


def test_charts_drawn_in_this_process_alone_give_the_same_report(
    built: Built, project: Path, source_date: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where no helper process can start, the report is the same, byte for byte, and its
    steps come in the same order (the charts are drawn on both cores otherwise)."""
    from panelkit.publish import chartpool

    monkeypatch.setattr(chartpool, "_start", lambda worker=False: [])
    calls: list[tuple[str, int, int]] = []
    out = project.parent / "alone"
    result = jobs.write_report(resolve_files(cwd=project), out, progress=lambda *a: calls.append(a))
    assert Built(result, out, calls).files == built.files
    assert calls == built.calls
