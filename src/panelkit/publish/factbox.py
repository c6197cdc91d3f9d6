"""The district plan's fact box: short bullets with a figure, a comparison and a source.

    • 22 pct. savner at føle sig som en del af et fællesskab og 25 pct. vil gerne
      have mere information om, hvor de kan opsøge fællesskaber (ca. 1340 svar.
      Borgerpanelundersøgelse om bydelsplan 2022)

Each indicator is written by a template (``Indicator.factbox[lang]``, else
``"{pct} {label}"``). Several indicators can share a bullet; their texts are
joined with "og"/"and". A suppressed estimate never appears: its part is left
out (the whole bullet when nothing remains) and listed in ``FactBox.omitted``.

Placeholders (``PLACEHOLDERS``); write ``{{`` and ``}}`` for literal braces:

``{pct}``            the estimate, whole percent: "22 pct." / "22%"
``{pct1}``           with one decimal: "22,1 pct." / "22.1%"
``{label}``          the indicator's label in the language
``{area}``           the survey's area (``build_factbox(area=…)``), e.g. "Amager Øst"
``{group}``          the group of the row shown (a layout entry with by/group)
``{n}``              answers behind the figure: "ca. 210 svar" / "about 210 responses"
``{verdict}``        the comparison sentence: "Det er ca. på niveau med København."
``{baseline}``       the baseline's figure, whole percent: "18 pct." / "18%"
``{baseline_area}``  the baseline's area, e.g. "Region Hovedstaden"
``{mean}``           a mean, one decimal: "7,2" (kind ``mean``, formats §8.2)
``{scale_min}``      the low end of a mean's scale, e.g. "0" (from the schema)
``{scale_max}``      its high end, e.g. "10"
``{answers}``        a distribution's answers: "14 pct. Fremragende, …, og 3 pct. Dårligt"
``{value}``          a quantile: the median if asked for, else the first quantile

``{pct}`` and ``{pct1}`` belong to shares, ``{mean}`` and the scale to means,
``{answers}`` to distributions and ``{value}`` to quantiles; a placeholder of
another kind is an error naming the indicator. A distribution or quantile with
any row suppressed is left out whole.

When a part has a comparison and its template does not use ``{verdict}``, the
sentence is added after the bullet's text ("Det er …" for a one-part bullet,
"De 22 pct. er …" when several figures share the bullet, so it is clear which
one is compared).
"""

from __future__ import annotations

import html
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from panelkit.disclosure import Suppression
from panelkit.errors import SettingsError
from panelkit.publish.texts import (
    answers_text,
    mean_words,
    number_text,
    pct_words,
    scale_number,
)
from panelkit.publish.words import texts, verdict_text
from panelkit.results import Estimate, EstimateKind, Lang
from panelkit.stats.comparison import Comparison, Verdict

DEFAULT_TEMPLATE = "{pct} {label}"
PLACEHOLDERS = (
    "pct",
    "pct1",
    "label",
    "area",
    "group",
    "n",
    "verdict",
    "baseline",
    "baseline_area",
    "mean",
    "scale_min",
    "scale_max",
    "answers",
    "value",
)
# The placeholders that belong to one kind of indicator only.
_KIND_PLACEHOLDERS: dict[str, tuple[EstimateKind, ...]] = {
    "pct": (EstimateKind.SHARE,),
    "pct1": (EstimateKind.SHARE,),
    "mean": (EstimateKind.MEAN,),
    "scale_min": (EstimateKind.MEAN,),
    "scale_max": (EstimateKind.MEAN,),
    "answers": (EstimateKind.DISTRIBUTION,),
    "value": (EstimateKind.QUANTILE,),
}
_DEFAULTS = {
    EstimateKind.MEAN: "default_mean",
    EstimateKind.DISTRIBUTION: "default_distribution",
    EstimateKind.QUANTILE: "default_quantile",
}


class IndicatorLike(Protocol):
    """What the fact box needs of an indicator (``input.indicators.Indicator``)."""

    @property
    def id(self) -> str: ...
    @property
    def source(self) -> str | None: ...  # names the survey in the bullet, else survey_title
    @property
    def kind(self) -> EstimateKind: ...
    @property
    def scale(self) -> tuple[float, float] | None: ...
    def label(self, lang: str) -> str: ...
    def factbox_text(self, lang: str) -> str | None: ...


@dataclass(frozen=True)
class FactRef:
    """One figure in a bullet: an indicator's overall row, or one group of a breakdown."""

    indicator: str
    by: str | None = None
    group: str | None = None

    def describe(self) -> str:
        return self.indicator if self.by is None else f"{self.indicator} ({self.by} = {self.group})"


class FactBoxFormat(StrEnum):
    """What `panelkit factbox --format` writes."""

    TEXT = "text"
    MD = "md"
    HTML = "html"


class OmitReason(StrEnum):
    """Why a figure is not in the fact box."""

    SUPPRESSED = "suppressed"  # too few answers (or secondary suppression)
    MISSING = "missing"  # no estimate row for it


@dataclass(frozen=True)
class Omission:
    """A figure the layout asked for that the fact box leaves out."""

    indicator: str
    by: str | None
    group: str | None
    reason: OmitReason
    bullet: int  # 0-based position of its bullet in the layout
    suppression: Suppression | None = None  # the estimate's (panelkit.disclosure)


@dataclass(frozen=True)
class FactPart:
    """One figure as written in its bullet."""

    indicator: str
    by: str | None
    group: str | None
    text: str
    estimate: float
    n: int
    comparison: Comparison | None = None
    kind: EstimateKind = EstimateKind.SHARE


@dataclass(frozen=True)
class Bullet:
    """One bullet: its figures, the sentence they make, and its source."""

    parts: tuple[FactPart, ...]
    text: str  # without the source
    source: str  # without the parentheses

    def line(self) -> str:
        """The bullet as one line of plain text: text and source in parentheses."""
        return f"{self.text} ({self.source})" if self.source else self.text


@dataclass(frozen=True)
class FactBox:
    """A fact box in one language; render it with ``markdown``, ``html`` or ``text``."""

    lang: Lang
    bullets: tuple[Bullet, ...]
    omitted: tuple[Omission, ...] = ()

    @property
    def heading(self) -> str:
        return texts(self.lang).factbox_heading

    def text(self) -> str:
        lines = [self.heading, *(f"• {b.line()}" for b in self.bullets)]
        return "\n".join(lines) + "\n"

    def markdown(self, heading_level: int = 3) -> str:
        head = "#" * heading_level + " " + _md(self.heading)
        items = [f"- {_md(b.line())}" for b in self.bullets]
        return "\n".join([head, "", *items]) + "\n"

    def render(self, fmt: FactBoxFormat) -> str:
        """The box as plain text, Markdown or an HTML fragment."""
        fmt = FactBoxFormat(fmt)
        if fmt is FactBoxFormat.MD:
            return self.markdown()
        if fmt is FactBoxFormat.HTML:
            return self.html()
        return self.text()

    def html(self, heading_level: int = 2) -> str:
        """An HTML ``<section>``; its heading is ``<h2>`` for a host page's ``<h1>``."""
        items = []
        for b in self.bullets:
            source = f' <span class="source">({_h(b.source)})</span>' if b.source else ""
            items.append(f"<li>{_h(b.text)}{source}</li>")
        return (
            f'<section class="factbox" lang="{_h(str(self.lang))}">\n'
            f"<h{heading_level}>{_h(self.heading)}</h{heading_level}>\n"
            "<ul>\n" + "".join(f"{item}\n" for item in items) + "</ul>\n</section>\n"
        )


def build_factbox(
    estimates: Sequence[Estimate],
    indicators: Sequence[IndicatorLike],
    *,
    survey_title: str,
    n_answers: int | None = None,
    comparisons: Sequence[Comparison] = (),
    lang: Lang = Lang.DA,
    area: str | None = None,
    bullets: Sequence[Sequence[str | FactRef] | str | FactRef] | None = None,
) -> FactBox:
    """Write the fact box.

    ``bullets`` is the layout: per bullet, the indicator ids (or ``FactRef``\\s for
    a group row) it joins; default one bullet per indicator, overall rows.
    ``n_answers`` (the survey's answers, e.g. ``rows_used``) and ``survey_title``
    make each bullet's source, ``(ca. 1340 svar. Borgerpanelundersøgelse …)``
    (an indicator's own ``source`` replaces the title for its figure); a
    compared figure adds its baseline's source.
    """
    lang = Lang(lang)
    by_id = {ind.id: ind for ind in indicators}
    layout = _layout(bullets, indicators, by_id)
    # Check every template now, so a typo shows even while its figure is suppressed.
    for refs in layout:
        for ref in refs:
            _template(by_id[ref.indicator], lang)
    rows: dict[tuple[str, str | None, str | None], list[Estimate]] = {}
    for e in estimates:  # a distribution's answers and a quantile's rows share their key
        rows.setdefault((e.indicator, e.by, e.group), []).append(e)
    compared: dict[tuple[str, str | None, str | None], Comparison] = {}
    for c in comparisons:
        compared.setdefault((c.indicator, c.by, c.group), c)

    built: list[Bullet] = []
    omitted: list[Omission] = []
    for position, refs in enumerate(layout):
        parts: list[tuple[FactPart, bool]] = []  # and whether its template placed the verdict
        titles: list[str] = []  # the survey each figure comes from
        for ref in refs:
            series = rows.get((ref.indicator, ref.by, ref.group), [])
            hidden = next((e for e in series if e.suppressed or e.estimate is None), None)
            est = hidden or (series[0] if series else None)
            if est is None or hidden is not None:
                reason = OmitReason.MISSING if est is None else OmitReason.SUPPRESSED
                omitted.append(
                    Omission(
                        ref.indicator,
                        ref.by,
                        ref.group,
                        reason,
                        position,
                        None if est is None else est.suppression,
                    )
                )
                continue
            comparison = compared.get((ref.indicator, ref.by, ref.group))
            if comparison is not None and comparison.verdict is None:
                comparison = None
            indicator = by_id[ref.indicator]
            parts.append(_part(indicator, ref, tuple(series), comparison, lang, area))
            titles.append(indicator.source or survey_title)
        if parts:
            built.append(_bullet(parts, _survey_source(titles, n_answers, lang), lang, area))
    return FactBox(lang=lang, bullets=tuple(built), omitted=tuple(omitted))


def layout_from_data(data: Any, where: str = "factbox") -> tuple[tuple[FactRef, ...], ...]:
    """A layout from YAML data: a list of bullets, each an id, a list of ids, or
    mappings ``{indicator: ID, by: VAR, group: LABEL}``.

    ``[[miss_community, want_info], lonely_17_29]`` gives two bullets.
    """
    if not isinstance(data, list):
        raise SettingsError(
            f"{where}: the bullets must be a list, e.g. [[miss_community, want_info], lonely]"
        )
    layout = []
    for i, bullet in enumerate(data, start=1):
        items = bullet if isinstance(bullet, list) else [bullet]
        if not items:
            raise SettingsError(f"{where}: bullet {i} is empty; name at least one indicator")
        layout.append(tuple(_ref_from_data(item, f"{where}: bullet {i}") for item in items))
    return tuple(layout)


# --------------------------------------------------------------------------- numbers


def verdict_sentence(
    comparison: Comparison, lang: Lang, subject: str | None = None, area: str | None = None
) -> str:
    """The comparison as a sentence: "Det er ca. på niveau med resten af København."

    With a ``subject`` ("22 pct."): "De 22 pct. er …", for a bullet with several
    figures. When the baseline describes the survey's own ``area`` (another
    survey of the same place), it is named by its source instead:
    "Det er under tallet fra Region Hovedstaden Sundhedsprofil 2021."
    """
    if comparison.verdict is None:
        raise ValueError("a suppressed comparison has no verdict")
    lang = Lang(lang)
    b = comparison.baseline
    group = "" if b.group is None else f" ({b.group})"
    words = verdict_text(comparison.verdict, lang)
    same = comparison.verdict is Verdict.SAME
    own_area = area is not None and b.area.strip().casefold() == area.strip().casefold()
    t = texts(lang)
    who = t.factbox_it if subject is None else t.factbox_subject.format(subject=subject)
    if own_area:
        return t.factbox_own_area.format(who=who, verdict=words, source=b.source, group=group)
    template = t.factbox_same if same else t.factbox_level
    return template.format(who=who, verdict=words, place=f"{b.area}{group}")


# --------------------------------------------------------------------------- building


def _layout(
    bullets: Sequence[Sequence[str | FactRef] | str | FactRef] | None,
    indicators: Sequence[IndicatorLike],
    by_id: Mapping[str, IndicatorLike],
) -> list[tuple[FactRef, ...]]:
    if bullets is None:
        return [(FactRef(ind.id),) for ind in indicators]
    layout: list[tuple[FactRef, ...]] = []
    for bullet in bullets:
        items = [bullet] if isinstance(bullet, str | FactRef) else list(bullet)
        refs = tuple(item if isinstance(item, FactRef) else FactRef(item) for item in items)
        for ref in refs:
            if ref.indicator not in by_id:
                known = ", ".join(by_id) or "(none)"
                raise SettingsError(
                    f'fact box layout: "{ref.indicator}" is not an indicator; '
                    f"expected one of {known}"
                )
        layout.append(refs)
    return layout


def _ref_from_data(item: Any, where: str) -> FactRef:
    if isinstance(item, str) and item.strip():
        return FactRef(item.strip())
    if isinstance(item, dict):
        unknown = sorted(set(item) - {"indicator", "by", "group"})
        if unknown:
            raise SettingsError(
                f"{where}: unknown key {', '.join(map(str, unknown))}; use indicator, by, group"
            )
        ind, by, group = item.get("indicator"), item.get("by"), item.get("group")
        if not isinstance(ind, str) or not ind.strip():
            raise SettingsError(f"{where}: give the indicator's id as indicator: ID")
        if (by is None) != (group is None):
            raise SettingsError(
                f"{where}: {ind} needs both by and group (e.g. by: age_group, group: '17-29') "
                "or neither"
            )
        if by is not None and not (isinstance(by, str) and isinstance(group, str)):
            raise SettingsError(
                f"{where}: {ind}: by and group must be text; quote the group label, e.g. '17-29'"
            )
        return FactRef(ind.strip(), by, group)
    raise SettingsError(
        f"{where}: {item!r} is not an indicator id; write the id, or "
        "{indicator: ID, by: VAR, group: LABEL}"
    )


def _template(indicator: IndicatorLike, lang: Lang) -> tuple[str, set[str]]:
    """The indicator's template in ``lang`` (or the default) and the placeholders it uses."""
    kind = EstimateKind(getattr(indicator, "kind", EstimateKind.SHARE))
    default = texts(lang).kinds[_DEFAULTS[kind]] if kind in _DEFAULTS else DEFAULT_TEMPLATE
    template = indicator.factbox_text(lang.value) or default
    used: set[str] = set()
    where = f"indicator {indicator.id}: fact box template ({lang.value})"
    known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        raise SettingsError(
            f"{where}: unbalanced braces; write {{{{ and }}}} for a literal brace"
        ) from None
    for _literal, name, spec, conversion in fields:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            shown = (
                "{"
                + name
                + ("!" + conversion if conversion else "")
                + (":" + spec if spec else "")
                + "}"
            )
            raise SettingsError(f"{where}: unknown placeholder {shown}; use one of {known}")
        owners = _KIND_PLACEHOLDERS.get(name)
        if owners is not None and kind not in owners:
            fitting = (
                ", ".join("{" + p + "}" for p, k in _KIND_PLACEHOLDERS.items() if kind in k)
                or "{label}"
            )
            raise SettingsError(
                f"{where}: {{{name}}} belongs to {owners[0]} indicators, and this one is a "
                f"{kind}; use {fitting}"
            )
        used.add(name)
    return template, used


def _part(
    indicator: IndicatorLike,
    ref: FactRef,
    series: tuple[Estimate, ...],
    comparison: Comparison | None,
    lang: Lang,
    area: str | None,
) -> tuple[FactPart, bool]:
    template, used = _template(indicator, lang)
    where = f"indicator {indicator.id}: fact box template ({lang.value}) uses"
    est = series[0]
    assert est.estimate is not None
    values: dict[str, str] = {
        "label": indicator.label(lang.value),
        "n": answers_text(est.n, lang),
        "area": area or "",
        "group": ref.group or "",
    }
    values.update(_figures(indicator, series, lang, where, used))
    if "area" in used and not area:
        raise SettingsError(f"{where} {{area}} but no area is set; give the survey's area")
    if "group" in used and ref.group is None:
        raise SettingsError(
            f"{where} {{group}} but the fact box shows its overall row; "
            "name a group in the layout ({indicator, by, group}) or drop {group}"
        )
    if comparison is not None:
        values["verdict"] = verdict_sentence(comparison, lang, area=area)
        values["baseline"] = _words(comparison.baseline.estimate, est.kind, lang)
        values["baseline_area"] = comparison.baseline.area
    else:
        for name in ("verdict", "baseline", "baseline_area"):
            if name in used:
                raise SettingsError(
                    f"{where} {{{name}}} but {ref.describe()} has no baseline comparison; "
                    "give the indicator a baseline and run with baselines"
                )
    text = template.format_map(values).strip()
    part = FactPart(
        indicator=ref.indicator,
        by=ref.by,
        group=ref.group,
        text=text,
        estimate=est.estimate,
        n=est.n,
        comparison=comparison,
        kind=est.kind,
    )
    return part, "verdict" in used


def _words(value: float, kind: EstimateKind, lang: Lang) -> str:
    """A figure in running text: a share "22 pct.", a mean "7,2"."""
    return mean_words(value, lang) if kind is EstimateKind.MEAN else pct_words(value, lang)


def _figures(
    indicator: IndicatorLike,
    series: tuple[Estimate, ...],
    lang: Lang,
    where: str,
    used: set[str],
) -> dict[str, str]:
    """The kind's own placeholders: a share's percent, a mean and its scale, a
    distribution's answers, a quantile's value."""
    est = series[0]
    assert est.estimate is not None
    if est.kind is EstimateKind.MEAN:
        out = {"mean": mean_words(est.estimate, lang)}
        scale = indicator.scale
        if scale is None:
            if used & {"scale_min", "scale_max"}:
                raise SettingsError(
                    f"{where} {{scale_min}}/{{scale_max}} but {indicator.id}'s variable has no "
                    "scale; give it min: and max: in the schema (or scores:)"
                )
            return out
        out["scale_min"], out["scale_max"] = (scale_number(v, lang) for v in scale)
        return out
    if est.kind is EstimateKind.DISTRIBUTION:
        shown = [
            texts(lang)
            .kinds["answer_part"]
            .format(pct=pct_words(e.estimate or 0.0, lang), answer=e.category or "")
            for e in series
        ]
        joined = ", ".join(shown[:-1]) + f" {texts(lang).and_word} {shown[-1]}"
        return {"answers": joined if len(shown) > 1 else shown[0]}
    if est.kind is EstimateKind.QUANTILE:
        chosen = next((e for e in series if e.quantile == 0.5), est)
        return {"value": number_text(chosen.estimate or 0.0, lang)}
    return {"pct": pct_words(est.estimate, lang), "pct1": pct_words(est.estimate, lang, 1)}


def _bullet(
    parts: list[tuple[FactPart, bool]], survey_source: str, lang: Lang, area: str | None
) -> Bullet:
    shown = [p.text for p, _ in parts]
    head, last = shown[:-1], shown[-1]
    text = f"{', '.join(head)} {texts(lang).and_word} {last}" if head else last

    sentences: list[str] = []
    baseline_sources: list[str] = []
    for part, placed in parts:
        if part.comparison is None:
            continue
        baseline_sources.append(part.comparison.baseline.source)
        if not placed:
            # With several figures in the bullet, say which one is compared.
            subject = None if len(parts) == 1 else _words(part.estimate, part.kind, lang)
            sentences.append(verdict_sentence(part.comparison, lang, subject, area))
    if sentences:
        if not text.endswith((".", "!", "?")):
            text += "."
        text = " ".join([text, *sentences])

    source = survey_source
    if baseline_sources:
        listed = "; ".join(dict.fromkeys(baseline_sources))
        source = f"{source}. {texts(lang).factbox_compared}: {listed}" if source else listed
    return Bullet(parts=tuple(p for p, _ in parts), text=text, source=source)


def _survey_source(titles: list[str], n_answers: int | None, lang: Lang) -> str:
    title = "; ".join(dict.fromkeys(t.strip().rstrip(".") for t in titles if t.strip()))
    if n_answers is None:
        return title
    count = answers_text(n_answers, lang)
    return f"{count}. {title}" if title else count


# --------------------------------------------------------------------------- escaping

# Characters that Markdown would read as formatting, a link or raw HTML.
_MD_SPECIAL = set("\\`*_[]<>|&#")


def _md(text: str) -> str:
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in text)


def _h(text: str) -> str:
    return html.escape(text, quote=True)
