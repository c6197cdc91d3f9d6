"""What the report shows (:class:`ReportContent`) and the names derived from it.

Both the page (:mod:`panelkit.publish.html`) and the folder
(:mod:`panelkit.publish.report`) need these; they live here so neither imports the other
back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from panelkit.audit import InputFile
from panelkit.publish.words import texts
from panelkit.results import EstimateSet, Lang

if TYPE_CHECKING:
    from panelkit.input.indicators import Indicator
    from panelkit.input.margins import Margins
    from panelkit.publish.factbox import FactBox
    from panelkit.stats.comparison import ComparisonSet, WaveSet


@dataclass(frozen=True, eq=False)
class ReportContent:
    """Everything the report shows; aggregates only."""

    title: str
    survey_title: str
    lang: Lang
    estimates: EstimateSet
    indicators: tuple[Indicator, ...]
    by: tuple[str, ...]
    comparisons: ComparisonSet
    factbox: FactBox
    version: str
    area: str | None = None
    by_titles: Mapping[str, str] = field(default_factory=dict)
    by_questions: Mapping[str, str] = field(default_factory=dict)
    waves: WaveSet | None = None
    previous_estimates: EstimateSet | None = None
    margins: Margins | None = None
    inputs: tuple[InputFile, ...] = ()
    settings: Mapping[str, Any] = field(default_factory=dict)
    created: dt.date | None = None
    baselines_given: bool = False

    def label(self, indicator: str) -> str:
        return self.estimates.labels.get(indicator, {}).get(self.lang.value, indicator)

    @property
    def who(self) -> str:
        """Who the figures describe, for chart titles."""
        return f"{self.area} – {self.survey_title}" if self.area else self.survey_title


def slug(name: str) -> str:
    """A file-name-safe form of a variable name: letters, digits, "-" and "_"."""
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "-" for ch in name)


def by_heading(content: ReportContent, by: str) -> str:
    """ "Efter køn" / "By sex": how a breakdown is named in headings."""
    title = content.by_titles.get(by, by)
    # A plain word ("Køn") reads lower-case after "efter"; names such as "ISCED" stay.
    if title[:1].isupper() and title[1:2].islower():
        title = title[:1].lower() + title[1:]
    return texts(content.lang).by_heading.format(title=title)
