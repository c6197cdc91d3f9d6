"""``report --pdf``: report.pdf holds the report's text and figures, tagged, with embedded
fonts, numbered pages and vector charts, and the same bytes on a rerun.

The demo report is made once for the module through the command line; its text is read
back with pypdf (an independent reader) and checked against the folder's own
``factbox.txt`` and ``tables/estimates.csv`` (the figures recomputed in the report's
format here). Without Pango the command says what to install in one Error line.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers import invoke
from panelkit.demo import write_demo_project
from panelkit.errors import DependencyError

EPOCH = "1700000000"  # 14 November 2023
INSTALL_LINE = (
    "Error: report --pdf needs WeasyPrint and the Pango library; install them with: "
    "apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core "
    "(and pip install weasyprint)\n"
)


def _pdf_support() -> str | None:
    """Why report --pdf cannot run here, or None."""
    from panelkit.publish.pdf import check_pdf_support

    try:
        check_pdf_support()
    except DependencyError as exc:
        return str(exc)
    return None


class Built:
    """The demo report folder made with --pdf, and its PDF read back."""

    def __init__(self, out: Path) -> None:
        from pypdf import PdfReader

        self.out = out
        self.pdf = (out / "report.pdf").read_bytes()
        self.reader = PdfReader(io.BytesIO(self.pdf))
        self.pages = [page.extract_text() for page in self.reader.pages]
        self.text = "\n".join(self.pages)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pdf") / "amager"
    write_demo_project(root)
    return root


def _report(project: Path, out: str) -> Path:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        mp.chdir(project)
        code, stdout, err = invoke("report", "--pdf", "--out", out)
    assert code == 0, err
    assert stdout == f"Rapport skrevet: {out}/index.html (29 filer)\n"  # 28 and report.pdf
    return project / out


@pytest.fixture(scope="module")
def built(project: Path) -> Iterator[Built]:
    reason = _pdf_support()
    if reason is not None:
        pytest.skip(reason)  # .ci/run installs Pango, so CI runs these
    yield Built(_report(project, "rapport"))


def _squeezed(text: str) -> str:
    """Text without any white space: a line break or a non-breaking space in the PDF's
    layout is no difference (hyphenation is off, so no word gains a hyphen)."""
    return re.sub(r"\s+", "", text)


# --------------------------------------------------------------------------- text


def test_every_fact_box_sentence_is_in_the_pdf_text(built: Built) -> None:
    lines = (built.out / "factbox.txt").read_text(encoding="utf-8").splitlines()
    bullets = [line.removeprefix("• ") for line in lines if line.startswith("• ")]
    assert len(bullets) == 6
    text = _squeezed(built.text)
    for bullet in bullets:
        assert _squeezed(bullet) in text, bullet
    # Danish letters come back as letters, not as lookalikes or missing glyphs.
    for word in ("fællesskab", "Amager Øst", "dårligt", "spørgsmål", "højere"):
        assert word in built.text, word


def _decimal(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}".replace(".", ",")


def _figures(row: dict[str, str]) -> str:
    """An overall row of estimates.csv as the report prints it, squeezed: its count
    ("1.261"), estimate and interval: a share "21,9 %" "19,3–24,7", a mean "7,11"
    "6,96–7,25", a quantile "6" "6–7"."""
    kind = row["kind"]
    est, low, high = (float(row[k]) for k in ("estimate", "ci_low", "ci_high"))
    if kind in ("share", "distribution"):
        figure = _decimal(100 * est, 1) + "%"
        interval = f"{_decimal(100 * low, 1)}–{_decimal(100 * high, 1)}"
    elif kind == "mean":
        figure, interval = _decimal(est, 2), f"{_decimal(low, 2)}–{_decimal(high, 2)}"
    else:
        assert kind == "quantile", kind
        figure, interval = f"{est:g}", f"{low:g}–{high:g}"
    n = f"{int(row['n']):,}".replace(",", ".")
    return n + figure + interval


def test_every_overall_figure_is_in_the_pdf_text(built: Built) -> None:
    raw = (built.out / "tables" / "estimates.csv").read_text(encoding="utf-8")
    rows = [r for r in csv.DictReader(io.StringIO(raw)) if not r["by"]]
    assert {r["kind"] for r in rows} == {"share", "mean", "distribution", "quantile"}
    assert len(rows) == 23 and not any(r["suppressed"] == "True" for r in rows)
    text = _squeezed(built.text)
    for row in rows:
        assert _figures(row) in text, (row["indicator"], row["category"], row["quantile"])


def test_every_page_is_numbered_of_all(built: Built) -> None:
    count = len(built.pages)
    assert count > 5
    for number, page in enumerate(built.pages, start=1):
        assert re.search(rf"(?m)^{number} / {count}$", page), number


# --------------------------------------------------------------------------- structure


def _resources(built: Built) -> Iterator[Any]:
    """Every resource dictionary once: the pages' and each form XObject's (WeasyPrint
    draws the charts' parts as forms)."""
    todo = [page.get("/Resources") for page in built.reader.pages]
    seen: set[int] = set()
    while todo:
        ref = todo.pop()
        if ref is None:
            continue
        res = ref.get_object()
        if id(res) in seen:
            continue
        seen.add(id(res))
        yield res
        for xobject in (res.get("/XObject") or {}).values():
            form = xobject.get_object()
            if form.get("/Subtype") == "/Form":
                todo.append(form.get("/Resources"))


def test_the_pdf_is_tagged_for_assistive_technology(built: Built) -> None:
    catalog = built.reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    assert catalog["/MarkInfo"]["/Marked"].value is True
    assert catalog["/Lang"] == "da"
    assert b"pdfuaid:part" in catalog["/Metadata"].get_object().get_data()  # PDF/UA-1
    # Every chart is a Figure with its alt text, as the page's <img alt>.
    figures: list[Any] = []
    todo = [catalog["/StructTreeRoot"].get_object()]
    while todo:
        node = todo.pop()
        kids = node.get("/K")
        if kids is None:
            continue
        kids = kids.get_object()
        for kid in kids if isinstance(kids, list) else [kids]:
            kid = kid.get_object()
            if isinstance(kid, dict):
                if kid.get("/S") == "/Figure":
                    figures.append(kid)
                todo.append(kid)
    # one Figure per chart, with the alt text of the page's <img>
    page = (built.out / "index.html").read_text(encoding="utf-8")
    alts = [html.unescape(a) for a in re.findall(r'<img src="data:[^"]*" alt="([^"]*)"', page)]
    assert len(alts) == len(list((built.out / "charts").glob("*.svg"))) == 8
    assert sorted(str(f.get("/Alt")) for f in figures) == sorted(alts)


def test_every_font_is_embedded(built: Built) -> None:
    fonts = {}
    for res in _resources(built):
        for font in (res.get("/Font") or {}).values():
            font = font.get_object()
            assert font["/Subtype"] != "/Type3", font  # a Type 3 font has no font file
            descendants = font.get("/DescendantFonts")
            described = descendants[0].get_object() if descendants else font
            descriptor = described["/FontDescriptor"].get_object()
            fonts[font["/BaseFont"]] = [k for k in descriptor if k.startswith("/FontFile")]
    assert any("DejaVu" in str(name) for name in fonts)
    assert all(fonts.values()), fonts


def test_the_charts_are_vector_graphics(built: Built) -> None:
    """No raster image anywhere (no image XObject, no inline image); the charts are
    drawn as forms whose labels are text (BT … Tj), not outlines."""
    images, text_forms = 0, 0
    for res in _resources(built):
        for xobject in (res.get("/XObject") or {}).values():
            form = xobject.get_object()
            images += form.get("/Subtype") == "/Image"
            if form.get("/Subtype") == "/Form":
                data = form.get_data()
                text_forms += b"BT" in data and (b"Tj" in data or b"TJ" in data)
    assert images == 0
    assert all(not page.images for page in built.reader.pages)
    assert text_forms > 100  # every tick, label and value of the eight charts


# --------------------------------------------------------------------------- run


def test_the_run_record_lists_the_pdf(built: Built) -> None:
    import hashlib

    run = json.loads((built.out / "run.json").read_text(encoding="utf-8"))
    listed = {o["file"]: o for o in run["outputs"]}
    assert listed["report.pdf"]["sha256"] == hashlib.sha256(built.pdf).hexdigest()
    assert listed["report.pdf"]["bytes"] == len(built.pdf)
    assert "report.pdf" in (built.out / "index.html").read_text(encoding="utf-8")
    assert "report.pdf" in (built.out / "tilgaengelighed.md").read_text(encoding="utf-8")
    info = built.reader.metadata
    assert info is not None and info["/CreationDate"] == "D:20231114"  # SOURCE_DATE_EPOCH


def test_a_rerun_gives_the_same_bytes(built: Built, project: Path) -> None:
    again = _report(project, "igen")
    assert (again / "report.pdf").read_bytes() == built.pdf


def _no_weasyprint(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading WeasyPrint fails as it does without Pango (cffi cannot open the library)."""
    import builtins
    import sys

    real_import = builtins.__import__

    def no_pango(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "weasyprint" or name.startswith("weasyprint."):
            raise OSError("cannot load library 'libpango-1.0-0': no such file")
        return real_import(name, *args, **kwargs)

    for module in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setattr(builtins, "__import__", no_pango)


@pytest.mark.parametrize("how", ["option", "panelkit.yaml"])
def test_without_pango_the_command_says_what_to_install(
    how: str, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Refused before any work, whether --pdf or pdf: true in panelkit.yaml asked for it."""
    import shutil

    copy = tmp_path / "p"
    shutil.copytree(project, copy)
    monkeypatch.chdir(copy)
    args = ["report", "--out", "r"]
    if how == "option":
        args.append("--pdf")
    else:
        settings = copy / "panelkit.yaml"
        settings.write_text(settings.read_text() + "pdf: true\n")
    _no_weasyprint(monkeypatch)
    code, out, err = invoke(*args)
    assert (code, out, err) == (1, "", INSTALL_LINE)
    assert not (copy / "r").exists()


def test_the_pdf_setting_is_checked_and_the_option_wins(project: Path, tmp_path: Path) -> None:
    import shutil

    from panelkit.errors import SettingsError
    from panelkit.project import resolve_files, resolve_settings

    copy = tmp_path / "p"
    shutil.copytree(project, copy)
    settings = copy / "panelkit.yaml"
    base = settings.read_text()
    settings.write_text(base + "pdf: true\n")
    files = resolve_files(cwd=copy)
    assert resolve_settings(files).pdf is True
    assert resolve_settings(files, pdf=False).pdf is False  # --no-pdf
    settings.write_text(base + "pdf: yes please\n")
    with pytest.raises(SettingsError) as caught:
        resolve_settings(resolve_files(cwd=copy))
    assert str(caught.value) == "panelkit.yaml: pdf: expected true or false, got 'yes please'"


@pytest.mark.parametrize("lang", ["da", "en"])
def test_the_accessibility_statement_names_the_pdf_only_when_there_is_one(lang: str) -> None:
    from panelkit.publish.statement import statement_markdown
    from panelkit.publish.words import texts
    from panelkit.results import Lang

    t = texts(Lang(lang))
    without = statement_markdown("T", "1.0", Lang(lang))
    assert "report.pdf" not in without
    sections = statement_markdown("T", "1.0", Lang(lang), pdf=True).split("\n## ")
    checked, not_covered = sections[1], sections[2]
    assert checked.rstrip().endswith(t.statement_pdf[0])  # last of what was checked
    assert not_covered.rstrip().endswith(t.statement_pdf[1])  # last of what was not
