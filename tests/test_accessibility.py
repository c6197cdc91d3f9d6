"""The report and the fact box in a real browser: axe-core finds nothing, and a 320 px
screen needs no sideways scrolling of the page.

Four pages, each built once for the module: the demo report in Danish and in English,
a report of two linked waves broken down by group (with suppressed cells), and the
fact box embedded in a minimal host page (as the district plan's site would). axe-core
(tests/browser.py, pinned) checks the WCAG 2.0/2.1/2.2 A and AA rules and the best
practices, at a desktop width and at 320 px (where the tables scroll inside their
focusable region).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from browser import Browser, summary
from helpers import invoke
from panelkit.publish.statement import AXE_RULES, AXE_VERSION, STATEMENT_FILE

DATA = Path(__file__).parent / "data"
PAGES = ("demo-da", "demo-en", "linked", "host")
WIDTHS = (1280, 320)
pytestmark = pytest.mark.slow


def _report(cwd: Path, out: Path, *args: str) -> Path:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        code, _, err = invoke("report", "--out", str(out), *args)
    finally:
        os.chdir(old)
    assert code == 0, err
    return out / "index.html"


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    root = tmp_path_factory.mktemp("a11y")
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = "1700000000"
    demo = root / "amager"
    code, _, err = invoke("demo", str(demo))
    assert code == 0, err
    linked = root / "linked"
    shutil.copytree(DATA / "linked-own", linked)
    # Charts of means are issue 12's (not wired into the report yet): the share indicators.
    path = linked / "indicators.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["indicators"] = [i for i in doc["indicators"] if "kind" not in i]
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    old_cwd = Path.cwd()
    os.chdir(demo)
    try:
        code, box, err = invoke("factbox", "--format", "html")
    finally:
        os.chdir(old_cwd)
    assert code == 0, err
    host = root / "host.html"
    host.write_text(
        '<!DOCTYPE html>\n<html lang="da">\n<head>\n<meta charset="utf-8">\n'
        "<title>Distriktsplan for Amager Øst</title>\n</head>\n<body>\n<main>\n"
        f"<h1>Distriktsplan for Amager Øst</h1>\n{box}</main>\n</body>\n</html>\n",
        encoding="utf-8",
    )
    yield {
        "demo-da": _report(demo, root / "da"),
        "demo-en": _report(demo, root / "en", "--lang", "en"),
        "linked": _report(linked, root / "lk", "--lang", "en", "--by", "age_group", "--by", "sex"),
        "host": host,
    }
    if old is None:
        del os.environ["SOURCE_DATE_EPOCH"]
    else:
        os.environ["SOURCE_DATE_EPOCH"] = old


def test_the_linked_report_has_suppressed_cells_and_a_linked_wave(pages: dict[str, Path]) -> None:
    page = pages["linked"].read_text(encoding="utf-8")
    assert 'class="num suppressed"' in page and "The waves are linked" in page


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_violation(
    browser: Browser, pages: dict[str, Path], name: str, width: int
) -> None:
    violations = browser.axe(pages[name], width=width)
    assert summary(violations) == []


def _page_width(browser: Browser) -> int:
    """How wide the page is laid out: wider than the viewport means sideways scrolling."""
    return int(browser.js("return document.documentElement.scrollWidth"))


def _viewport_width(browser: Browser) -> int:
    return int(browser.js("return document.documentElement.clientWidth"))


@pytest.mark.parametrize("name", PAGES)
def test_a_320_px_screen_does_not_scroll_sideways(
    browser: Browser, pages: dict[str, Path], name: str
) -> None:
    browser.open(pages[name], width=320)
    assert _page_width(browser) <= _viewport_width(browser)


def test_200_percent_zoom_does_not_scroll_sideways(
    browser: Browser, pages: dict[str, Path]
) -> None:
    """200 % zoom of a 1280 px window is a 640 px one with twice the text: CSS zoom."""
    browser.open(pages["demo-da"], width=640)
    browser.js("document.documentElement.style.zoom = '2'")
    assert _page_width(browser) <= _viewport_width(browser)


def test_tables_scroll_in_a_named_focusable_region(
    browser: Browser, pages: dict[str, Path]
) -> None:
    browser.open(pages["demo-da"], width=320)
    regions = browser.js(
        "return [...document.querySelectorAll('.table-wrap')].map(e => [e.tabIndex,"
        " e.getAttribute('role'), e.getAttribute('aria-label'),"
        " e.querySelector('caption').textContent, e.scrollWidth > e.clientWidth])"
    )
    assert regions and all(r[0] == 0 and r[1] == "region" and r[2] == r[3] for r in regions)
    assert any(r[4] for r in regions)  # at 320 px some table does scroll, inside its region


def test_the_first_tab_reaches_the_skip_link(browser: Browser, pages: dict[str, Path]) -> None:
    from selenium.webdriver.common.keys import Keys

    browser.open(pages["demo-da"])
    browser.driver.find_element("tag name", "body").send_keys(Keys.TAB)
    link = browser.js("const a = document.activeElement; return [a.className, a.textContent]")
    assert link == ["skip", "Gå til indholdet"]


def test_the_folder_has_an_accessibility_statement_draft(pages: dict[str, Path]) -> None:
    da = (pages["demo-da"].parent / STATEMENT_FILE).read_text(encoding="utf-8")
    en = (pages["demo-en"].parent / STATEMENT_FILE).read_text(encoding="utf-8")
    tool = f"axe-core {AXE_VERSION}"
    assert da.startswith("# Tilgængelighedserklæring (udkast): ") and tool in da
    assert "## Hvad automatiske kontroller ikke dækker" in da and "skærmlæser" in da
    assert en.startswith("# Accessibility statement (draft): ") and tool in en
    assert "## What automatic checks do not cover" in en
    assert ", ".join(AXE_RULES) in en and "{" not in da + en
