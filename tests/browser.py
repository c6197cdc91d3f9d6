"""A real headless Chromium for the tests, and axe-core to check pages in it.

Chromium and its driver are Debian's (``apt-get install chromium chromium-driver``);
axe-core is the npm package, pinned to ``AXE_VERSION`` and installed into
``~/.cache/panelkit-tools`` (never into the repository) the first time it is needed.
``python tests/browser.py`` installs it ahead of time (``.ci/run`` does so).

The browser is started once per test session (``browser`` fixture) with a fresh
profile and everything that would reach the network turned off.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from panelkit.publish.statement import AXE_RULES, AXE_VERSION

TOOLS = Path.home() / ".cache" / "panelkit-tools"
AXE_JS = TOOLS / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
TAGS = AXE_RULES
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


def installed_axe_version() -> str | None:
    package = AXE_JS.parent / "package.json"
    if not package.is_file():
        return None
    return str(json.loads(package.read_text(encoding="utf-8")).get("version"))


def install_axe() -> Path:
    """axe.min.js of ``AXE_VERSION``, installed with npm when it is not there yet."""
    if installed_axe_version() == AXE_VERSION and AXE_JS.is_file():
        return AXE_JS
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed to install axe-core: apt-get install -y npm")
    TOOLS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [npm, "install", "--prefix", str(TOOLS), "--no-audit", "--no-fund", "--silent",
         f"axe-core@{AXE_VERSION}"],
        check=True,
    )  # fmt: skip
    if installed_axe_version() != AXE_VERSION:
        raise RuntimeError(f"npm did not install axe-core {AXE_VERSION} into {TOOLS}")
    return AXE_JS


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not path.exists():
            return f"{path} not found: apt-get install -y {package}"
    return None


class Browser:
    """One Chromium session: open a page, resize the window, run axe on the page."""

    def __init__(self, driver: Any, axe: str) -> None:
        self.driver = driver
        self._axe = axe

    def open(self, path: Path, *, width: int = 1280, height: int = 900) -> None:
        self.driver.set_window_rect(0, 0, width, height)
        self.driver.get(path.resolve().as_uri())

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def axe(self, path: Path, *, width: int = 1280) -> list[dict[str, Any]]:
        """axe's violations on the page at ``path`` in a window ``width`` px wide."""
        self.open(path, width=width)
        self.js(self._axe)
        result = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]},"
            " resultTypes: ['violations']})"
            ".then(r => done(r.violations), e => done([{id: 'axe-error', help: String(e),"
            " impact: 'critical', nodes: []}]));",
            list(TAGS),
        )
        return list(result)


def summary(violations: list[dict[str, Any]]) -> list[str]:
    """One line per rule: id, impact, element count and the first element's selector."""
    return [
        f"{v['id']} ({v.get('impact')}): {len(v['nodes'])} element(s), e.g. "
        f"{v['nodes'][0]['target'] if v['nodes'] else '-'}: {v.get('help')}"
        for v in violations
    ]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """A headless Chromium for the whole session, with axe-core ready to inject."""
    reason = chromium_missing()
    if reason is not None:
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    axe = install_axe().read_text(encoding="utf-8")
    profile = tempfile.mkdtemp(prefix="panelkit-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_script_timeout(60)
    try:
        yield Browser(driver, axe)
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    print(install_axe())
    sys.exit(0)
