"""The shipped demo's files: their names and where they are.

Light on purpose (no numpy, no pandas): the CLI finds the bundled demo with it before
anything heavy is loaded, so a report's chart helpers start at once. The generator
that made the demo's exports is :mod:`panelkit.demo`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from panelkit.errors import SettingsError

DATA_NAME = "borgerpanel-2022.csv"
PREVIOUS_DATA_NAME = "borgerpanel-2021.csv"  # last year's wave, linked (formats §9)
PREVIOUS_LABEL = "2021"
CURRENT_LABEL = "2022"
SCHEMA_NAME = "borgerpanel-2022.yaml"
MARGINS_NAME = "amager-oest-2021.csv"
INDICATORS_NAME = "borgerpanel-2022.yaml"
BASELINES_NAME = "sundhedsprofil-2021.csv"


@dataclass(frozen=True)
class DemoFiles:
    """The files of a demo project (or of the shipped demo, then ``project_file`` is None)."""

    data: Path
    schema: Path
    margins: Path
    indicators: Path
    baselines: Path
    project_file: Path | None = None
    previous: Path | None = None  # last year's export


def bundled_data_dir() -> Path:
    """The shipped data folder: ``panelkit/_data`` in a wheel, else the repository's ``data/``."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_data", here.parents[1] / "data"):
        if candidate.is_dir():
            return candidate
    raise SettingsError(
        f"the bundled demo data is missing (looked in {here / '_data'} and "
        f"{here.parents[1] / 'data'}); reinstall panelkit, or pass your own files"
    )


def bundled_demo() -> DemoFiles:
    """Paths of the shipped demo export, schema, margins, indicators and baselines."""
    root = bundled_data_dir()
    files = replace(
        demo_layout(root, data=root / "demo" / DATA_NAME),
        previous=root / "demo" / PREVIOUS_DATA_NAME,
    )
    for path in (
        files.data,
        files.schema,
        files.margins,
        files.indicators,
        files.baselines,
        files.previous,
    ):
        if path is not None and not path.is_file():
            raise SettingsError(f"{path}: bundled demo file missing; reinstall panelkit")
    return files


def demo_layout(root: Path, *, data: Path) -> DemoFiles:
    """A demo's files under ``root``: the same sub-folders in the shipped data and in a
    project `panelkit demo` writes."""
    return DemoFiles(
        data=data,
        schema=root / "schemas" / SCHEMA_NAME,
        margins=root / "margins" / MARGINS_NAME,
        indicators=root / "indicators" / INDICATORS_NAME,
        baselines=root / "baselines" / BASELINES_NAME,
    )
