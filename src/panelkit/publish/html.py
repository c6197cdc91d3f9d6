"""The report as one self-contained HTML page.

Everything the page needs is inside it: the CSS in a ``<style>`` element, the
charts as ``data:`` URIs. It asks no other host for anything (no web fonts, no
scripts, no links out), so it can be published as is, mailed, or opened offline.
Tables carry ``data-indicator``/``data-by``/``data-group`` on each row, so a
script (or a test) can find a figure without parsing the layout.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from panelkit.disclosure import Suppression
from panelkit.publish import palette
from panelkit.publish.texts import (
    NumberKind,
    decimal,
    estimate_interval_text,
    estimate_text,
    format_difference,
    format_difference_interval,
    format_value,
    number_kind,
    p_text,
    pct_nbsp,
    thousands_text,
)
from panelkit.publish.words import texts
from panelkit.results import Estimate, EstimateKind, Lang

if TYPE_CHECKING:
    from panelkit.publish.charts import Chart
    from panelkit.publish.content import ReportContent
_NBSP = "\u00a0"

_CSS = (
    palette.css_variables()
    + """
* { box-sizing: border-box; }
html { font-size: 100%; }
body { margin: 0; color: var(--ink); background: var(--page);
  font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header, main, footer { max-width: 62rem; margin: 0 auto; padding: 0 1.25rem; }
header { padding-top: 2rem; border-bottom: 3px solid var(--accent); padding-bottom: 1rem; }
h1 { font-size: 1.9rem; line-height: 1.2; margin: 0 0 .4rem; }
h2 { font-size: 1.4rem; margin: 2.5rem 0 .6rem; padding-top: .5rem; border-top: 1px solid var(--rule); }
h3 { font-size: 1.1rem; margin: 1.6rem 0 .4rem; }
p, li { max-width: 46rem; }
.lede { color: var(--muted); margin: 0; }
nav ol { columns: 2; padding-left: 1.2rem; margin: .4rem 0 0; }
a { color: var(--accent); }
.factbox { background: var(--box); border-left: 6px solid var(--accent); padding: .6rem 1.2rem 1rem;
  margin: 1rem 0; max-width: 46rem; }
.factbox h3 { margin-top: .4rem; }
.factbox ul { padding-left: 1.1rem; margin: 0; }
.factbox li { margin: .5rem 0; }
.factbox .source { color: var(--muted); font-size: .9rem; }
figure { margin: 1rem 0 1.5rem; }
figure img { display: block; width: 100%; max-width: 48rem; height: auto; border: 1px solid var(--rule); }
figcaption { color: var(--muted); font-size: .9rem; margin-top: .3rem; max-width: 48rem; }
.table-wrap { overflow-x: auto; margin: .6rem 0 1.2rem; }
table { border-collapse: collapse; font-size: .9rem; min-width: 24rem; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { padding: .3rem .6rem; border-bottom: 1px solid var(--rule); vertical-align: top; text-align: left; }
thead th { border-bottom: 2px solid var(--ink); }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) { background: var(--band); }
tbody th { font-weight: normal; min-width: 10rem; }
td.suppressed { color: var(--muted); font-style: italic; }
td.ref { min-width: 9rem; }
td.test { min-width: 7rem; }
ul.files { columns: 2; }
ul.files li, nav li { margin: .15rem 0; }
ul.files a, nav a { display: inline-block; min-height: 24px; padding: .1rem 0; }
.skip { position: absolute; left: -999rem; top: 0; }
.skip:focus { left: 1rem; top: .5rem; background: var(--page); padding: .4rem .8rem; z-index: 1;
  outline: 3px solid var(--accent); }
a:focus-visible, .table-wrap:focus-visible, main:focus-visible { outline: 3px solid var(--accent);
  outline-offset: 2px; }
main:focus { outline: none; }
h1, h2, h3, p, li, dd, figcaption, caption { overflow-wrap: anywhere; hyphens: auto; }
@media (max-width: 40rem) {
  header, main, footer { padding: 0 .75rem; }
  nav ol, ul.files { columns: 1; }
  dl.facts { grid-template-columns: 1fr; }
  dl.facts dd { margin-bottom: .4rem; }
  tbody th { min-width: 7rem; }
  h1 { font-size: 1.5rem; }
}
.note { border-left: 4px solid var(--note-rule); background: var(--note-bg); padding: .5rem 1rem; max-width: 46rem; }
.small { color: var(--muted); font-size: .9rem; }
.contrast { display: inline-block; max-width: 8.5em; white-space: normal; color: var(--ink); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1.2rem; max-width: 46rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
footer { color: var(--muted); font-size: .9rem; border-top: 1px solid var(--rule); margin-top: 3rem;
  padding-top: .8rem; padding-bottom: 2rem; }
@media print {
  nav, .skip { display: none; }
  body { font-size: 10.5pt; }
  header, main, footer { max-width: none; padding: 0; }
  h2, h3, caption { break-after: avoid; }
  figure, tr { break-inside: avoid; }
  .table-wrap { overflow: visible; }
  tbody tr:nth-child(even) { background: none; }
  a { color: var(--ink); text-decoration: none; }
}
"""
)

# URLs in source notes are shown without their scheme: readable and citable, but no
# link for a browser to follow and nothing that looks like a request to another host.
_URL = re.compile(r"https?://", re.IGNORECASE)


def _h(text: object) -> str:
    return html.escape(str(text), quote=True)


def _plain(text: str) -> str:
    return _h(_URL.sub("", text))


def date_text(day: dt.date, lang: Lang) -> str:
    """ "1. januar 2024" / "1 January 2024"."""
    t = texts(lang).page
    return t.date.format(day=day.day, month=t.months[day.month - 1], year=day.year)


def share_text(e: Estimate, lang: Lang) -> str:
    """How the report prints an estimate: a share "21,9 %", a mean "7,11", a quantile "8"."""
    assert e.estimate is not None
    kind = number_kind(e.kind)
    return (
        pct_nbsp(e.estimate, lang)
        if kind is NumberKind.SHARE
        else estimate_text(e.estimate, kind, lang)
    )


def ci_text(e: Estimate, lang: Lang) -> str:
    """How the report prints an interval: "19,5–24,5" (pct.), "7,02–7,20" (units)."""
    if e.ci_low is None or e.ci_high is None:
        return ""  # a quantile bound R leaves undefined (formats §8.3)
    return estimate_interval_text(e.ci_low, e.ci_high, number_kind(e.kind), lang)


def series_label(content: ReportContent, e: Estimate) -> str:
    """An estimate row's name: the indicator's label, and for a distribution's answer or a
    quantile what the row is ("… – Tryg", "… – median")."""
    from panelkit.publish.tables import measure_text

    label = content.label(e.indicator)
    if e.kind in (EstimateKind.DISTRIBUTION, EstimateKind.QUANTILE):
        return f"{label} – {measure_text(e, content.lang)}"
    return label


# --------------------------------------------------------------------------- notes


def report_notes(content: ReportContent, *, comparisons: bool = True) -> list[tuple[str, str]]:
    """The method notes as (topic, text), shared by the HTML page and the workbook.

    ``comparisons=False`` leaves out the comparisons' notes (the page shows them
    beside the comparisons table).
    """
    from panelkit.publish.tables import comparison_notes

    lang = content.lang
    e = content.estimates
    t = texts(lang).page
    notes: list[tuple[str, str]] = []
    w = e.weighting
    if w is not None:
        margins = ", ".join(dict.fromkeys(m.margin for m in w.margins))
        notes.append((t.weighting, t.weighting_note.format(margins=margins)))
    else:
        notes.append((t.weighting, t.unweighted))
    notes.append((t.shares_topic, t.shares_note))
    notes.append((t.se_topic, t.se_note))
    notes.append((t.ci_topic, _ci_note(content)))
    notes.append((t.suppression_topic, _suppression_note(content)))
    for text in comparison_notes(content.comparisons, lang) if comparisons else ():
        notes.append((t.comparisons_topic, text))
    if content.waves is not None:
        method = texts(lang).adjust_methods[str(content.waves.adjust)]
        prev, cur = content.waves.previous_name, content.waves.current_name
        linked = content.waves.linked
        text = (
            (t.change_linked if linked else t.change_independent).format(cur=cur, prev=prev)
            + (t.change_adjusted.format(method=method) if method else "")
            + (t.change_linked_end if linked else t.change_independent_end)
        )
        if any(c.kind is EstimateKind.MEAN for c in content.waves.changes):
            text += t.means_change
        notes.append((t.change_plain, text))
    notes.extend(kind_notes(content))
    r = e.survey
    notes.append(
        (
            t.data_topic,
            t.rows.format(
                read=thousands_text(r.rows_read, lang),
                used=thousands_text(r.rows_used, lang),
                rejected=thousands_text(r.rows_rejected, lang),
            )
            + t.aggregates_note,
        )
    )
    return notes


def _ci_note(content: ReportContent) -> str:
    t = texts(content.lang).page
    method = str(content.estimates.ci_method)
    fallback = any(e.ci_method != method for e in content.estimates.estimates if not e.suppressed)
    text = {"logit": t.ci_logit, "wilson": t.ci_wilson}.get(method, t.ci_beta)
    return text + (t.ci_fallback if fallback else "")


def _suppression_note(content: ReportContent) -> str:
    t = texts(content.lang).page
    min_n = content.estimates.min_n
    if min_n <= 0:
        return t.suppression_off
    return t.suppression_note.format(min_n=min_n)


# --------------------------------------------------------------------------- page


def report_html(
    content: ReportContent,
    charts: Sequence[Chart],
    *,
    files: Sequence[str],
    vector: bool = False,
    extra_css: str = "",
) -> str:
    """The whole report page. For the PDF: ``vector``, the charts as SVG rather than PNG;
    ``extra_css``, rules after the page's own (so they win over them)."""
    lang = content.lang
    t = texts(lang).page
    by_name = {c.name: c for c in charts}
    sections: list[tuple[str, str, str]] = []  # (id, heading, body)

    sections.append(("facts", t.facts, _facts(content)))
    sections.append(("indicators", t.indicators, _indicators(content, by_name, vector)))
    sections.append(("groups", t.groups, _groups(content, by_name, vector)))
    sections.append(("comparison", t.comparison, _comparison(content)))
    prev = content.waves.previous_name if content.waves is not None else None
    change_head = t.change.format(prev=prev) if prev else t.change_plain
    sections.append(("change", change_head, _waves(content, by_name, vector)))
    sections.append(("weighting", t.weighting, _weighting(content)))
    sections.append(("method", t.method, _method(content)))
    sections.append(("sources", t.sources, _sources(content)))
    sections.append(("files", t.files, _files(files, lang)))

    r = content.estimates.survey
    lede = [] if content.title == content.survey_title else [content.survey_title]
    if content.area:
        lede.append(content.area)
    lede.append(f"{thousands_text(r.rows_used, lang)} {t.answers}")
    if content.created is not None:
        lede.append(date_text(content.created, lang))
    nav = "".join(f'<li><a href="#{sid}">{_h(head)}</a></li>' for sid, head, _ in sections)
    body = "\n".join(
        f'<section id="{sid}">\n<h2>{_h(head)}</h2>\n{text}</section>'
        for sid, head, text in sections
    )
    made = t.made.format(version=content.version)
    if content.created is not None:
        made += f", {date_text(content.created, lang)}"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang.value}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="panelkit {_h(content.version)}">\n'
        f"<title>{_h(content.title)}</title>\n<style>{_CSS}{extra_css}</style>\n</head>\n<body>\n"
        f'<a class="skip" href="#content">{_h(texts(lang).skip_link)}</a>\n'
        f"<header>\n<h1>{_h(content.title)}</h1>\n"
        f'<p class="lede">{" · ".join(_h(x) for x in lede)}</p>\n'
        f'<nav aria-label="{_h(t.contents)}"><ol>{nav}</ol></nav>\n</header>\n'
        f'<main id="content" tabindex="-1">\n{body}\n</main>\n'
        f"<footer>{_h(made)}.</footer>\n</body>\n</html>\n"
    )


def _figure(chart: Chart | None, lang: Lang, vector: bool, note: str | None = None) -> str:
    if chart is None:
        return ""
    kind, image = ("svg+xml", chart.svg) if vector else ("png", chart.png)
    data = base64.b64encode(image).decode("ascii")
    caption = note or texts(lang).page.chart_note
    return (
        f'<figure>\n<img src="data:image/{kind};base64,{data}" alt="{_h(chart.alt)}">\n'
        f"<figcaption>{_h(caption)}</figcaption>\n</figure>\n"
    )


def _table(head: Sequence[tuple[str, bool]], rows: Sequence[str], caption: str) -> str:
    """A table with its caption, in a region that scrolls sideways on a narrow screen:
    focusable (``tabindex``) so a keyboard can scroll it, and named by the caption."""
    num_class = ' class="num"'
    cells = "".join(f'<th scope="col"{num_class if num else ""}>{_h(h)}</th>' for h, num in head)
    return (
        f'<div class="table-wrap" role="region" tabindex="0" aria-label="{_h(caption)}">'
        f"<table><caption>{_h(caption)}</caption>\n<thead><tr>{cells}</tr></thead>\n<tbody>\n"
        + "".join(rows)
        + "</tbody></table></div>\n"
    )


def _row_attrs(e: Estimate) -> str:
    return (
        f' data-indicator="{_h(e.indicator)}" data-by="{_h(e.by or "")}"'
        f' data-group="{_h(e.group or "")}"'
    )


def _estimate_cells(e: Estimate, lang: Lang) -> str:
    if e.suppressed or e.estimate is None:
        return (
            '<td class="num"></td>'
            f'<td class="num suppressed">{_h(texts(lang).page.suppressed)}</td><td class="num"></td>'
        )
    return (
        f'<td class="num">{thousands_text(e.n, lang)}</td><td class="num">{_h(share_text(e, lang))}</td>'
        f'<td class="num">{_h(ci_text(e, lang))}</td>'
    )


def _facts(content: ReportContent) -> str:
    box = content.factbox
    out = box.html(3)
    if box.omitted:
        items = ", ".join(
            content.label(o.indicator) + ("" if o.group is None else f" ({o.group})")
            for o in box.omitted
        )
        out += f'<p class="small">{_h(texts(content.lang).page.omitted.format(items=items))}</p>\n'
    return out


def _indicators(content: ReportContent, charts: dict[str, Chart], vector: bool) -> str:
    lang = content.lang
    t = texts(lang).page
    rows = [
        f'<tr{_row_attrs(e)}><th scope="row">{_h(series_label(content, e))}</th>'
        f"{_estimate_cells(e, lang)}</tr>\n"
        for e in content.estimates.estimates
        if e.by is None
    ]
    kinds = any(e.kind is not EstimateKind.SHARE for e in content.estimates.estimates)
    value = texts(lang).kinds["estimate_head"] if kinds else t.share
    head = [(t.indicator, False), (t.n, True), (value, True), (t.ci, True)]
    out = _figure(charts.get("indicators"), lang, vector) + _table(head, rows, t.indicators)
    # The means and each distribution's answers have charts of their own (formats §8).
    answers = texts(lang).kinds["answers_note"]
    for name in sorted(n for n in charts if n == "means" or n.startswith("answers-")):
        note = answers if name.startswith("answers-") else None
        out += _figure(charts[name], lang, vector, note)
    return out


def _groups(content: ReportContent, charts: dict[str, Chart], vector: bool) -> str:
    """Per breakdown: its chart, and a table with one row per indicator, one column per group."""
    from panelkit.publish.content import by_heading
    from panelkit.publish.content import slug as _slug

    lang = content.lang
    t = texts(lang).page
    if not content.by:
        return f"<p>{_h(t.no_groups)}</p>\n"
    marks = _contrast_marks(content)
    out = []
    for by in content.by:
        out.append(f"<h3>{_h(by_heading(content, by))}</h3>\n")
        question = content.by_questions.get(by)
        if question:
            out.append(f'<p class="small">{_h(t.question)}: {_h(question)}</p>\n')
        out.append(_figure(charts.get(f"groups-{_slug(by)}"), lang, vector))
        blocks: dict[tuple[str, str | None, float | None], list[Estimate]] = {}
        for e in content.estimates.estimates:
            if e.by == by:
                blocks.setdefault(e.series, []).append(e)
        overall = {e.series: e for e in content.estimates.estimates if e.by is None}
        groups = list(dict.fromkeys(e.group or "" for rows in blocks.values() for e in rows))
        head = [(t.indicator, False), *((g, True) for g in groups), (t.all, True)]
        rows = []
        for series, estimates in blocks.items():
            by_group = {e.group or "": e for e in estimates}
            cells = "".join(
                _group_cell(by_group[g], lang, marks.get(_mark_key(by_group[g])))
                if g in by_group
                else "<td></td>"
                for g in groups
            )
            total = overall.get(series)
            cells += _group_cell(total, lang) if total is not None else "<td></td>"
            rows.append(
                f'<tr data-indicator="{_h(series[0])}" data-by="{_h(by)}">'
                f'<th scope="row">{_h(series_label(content, estimates[0]))}</th>{cells}</tr>\n'
            )
        out.append(_table(head, rows, by_heading(content, by)))
    out.append(f'<p class="small">{_h(_contrast_note(content))}</p>\n')
    return "".join(out)


def _mark_key(e: Estimate) -> tuple[str, str | None, str | None, str | None]:
    return (e.indicator, e.by, e.group, e.category)


def _contrast_marks(
    content: ReportContent,
) -> dict[tuple[str, str | None, str | None, str | None], bool]:
    """The groups significantly above (True) or below (False) the rest of their domain
    after adjustment (formats §8.4), for whatever kinds the contrasts cover."""
    found = content.estimates.contrasts
    if found is None:
        return {}
    alpha = content.comparisons.rules.alpha
    return {
        (c.indicator, c.by, c.group, getattr(c, "category", None)): c.difference > 0
        for c in found.contrasts
        if c.p_adjusted < alpha and c.difference != 0
    }


def _contrast_note(content: ReportContent) -> str:
    k = texts(content.lang).kinds
    found = content.estimates.contrasts
    if found is None:
        return k["contrast_off"]
    alpha = decimal(f"{content.comparisons.rules.alpha:g}", content.lang)
    method = texts(content.lang).adjust_methods[str(content.settings.get("adjust", "holm"))]
    return k["contrast_note"].format(alpha=alpha, method=method, n=len(found.contrasts))


def _group_cell(e: Estimate, lang: Lang, higher: bool | None = None) -> str:
    """An estimate with its interval and n under it; a suppressed one shows neither. A
    group significantly above or below the rest (``higher``) is marked and says so."""
    attrs = _row_attrs(e)
    if e.suppressed or e.estimate is None:
        return f'<td class="num suppressed"{attrs}>{_h(texts(lang).page.suppressed)}</td>'
    mark = ""
    if higher is not None:
        k = texts(lang).kinds
        symbol, words = (k["higher_mark"], k["higher"]) if higher else (k["lower_mark"], k["lower"])
        side = "higher" if higher else "lower"
        mark = (
            f'<br><span class="small contrast" data-contrast="{side}">{symbol} {_h(words)}</span>'
        )
    return (
        f'<td class="num"{attrs}>{_h(share_text(e, lang))}<br><span class="small">'
        f"{_h(ci_text(e, lang))}<br>n{_NBSP}={_NBSP}{thousands_text(e.n, lang)}</span>{mark}</td>"
    )


def _comparison(content: ReportContent) -> str:
    from panelkit.publish.tables import comparison_notes, test_text
    from panelkit.publish.texts import pp_interval_text, pp_text
    from panelkit.publish.words import verdict_text

    lang = content.lang
    t = texts(lang).page
    cs = content.comparisons
    if not cs.comparisons:
        return f"<p>{_h(t.no_comparison if content.baselines_given else t.no_baselines)}</p>\n"
    notes = comparison_notes(cs, lang)
    out = [f'<p class="note">{_h(notes[0])}</p>\n']
    rows = []
    for c in cs.comparisons:
        est = cs.estimate_of(c)
        attrs = (
            f' data-indicator="{_h(c.indicator)}" data-by="{_h(c.by or "")}"'
            f' data-group="{_h(c.group or "")}"'
        )
        label = content.label(c.indicator) + ("" if c.group is None else f" ({c.group})")
        b = c.baseline
        where = b.area if b.group is None else f"{b.area}, {b.group}"
        ref = (
            f"{_h(pct_nbsp(b.estimate, lang))} ({_h(where)})<br>"
            f'<span class="small">{_h(c.baseline.source)}</span>'
        )
        if c.suppressed or c.difference is None or est is None or est.estimate is None:
            numbers = (
                f'<td class="num suppressed">{_h(t.suppressed)}</td>'
                + '<td class="num"></td>' * 2
                + "<td></td>"
            )
            panel = f'<td class="num suppressed">{_h(t.suppressed)}</td>'
        else:
            assert c.ci_low is not None and c.ci_high is not None
            assert c.p_adjusted is not None and c.verdict is not None
            panel = (
                f'<td class="num">{_h(share_text(est, lang))}<br>'
                f'<span class="small">{_h(ci_text(est, lang))}</span></td>'
            )
            numbers = (
                f'<td class="num">{_h(pp_text(c.difference, lang))}<br><span class="small">'
                f"{_h(pp_interval_text(c.ci_low, c.ci_high, lang))}</span></td>"
                f'<td class="test">{_h(test_text(c.test, lang))}</td>'
                f'<td class="num">{_h(p_text(c.p_adjusted, lang))}</td>'
                f"<td>{_h(verdict_text(c.verdict, lang))}</td>"
            )
        rows.append(
            f'<tr{attrs}><th scope="row">{_h(label)}</th>{panel}<td class="ref">{ref}</td>'
            f"{numbers}</tr>\n"
        )
    head = [
        (t.indicator, False),
        (t.panel, True),
        (t.reference, False),
        (t.diff, True),
        (t.test, False),
        (t.p_adj, True),
        (t.verdict, False),
    ]
    out.append(_table(head, rows, t.comparison))
    out.extend(f'<p class="small">{_h(n)}</p>\n' for n in notes[1:])
    return "".join(out)


def _units(kind: EstimateKind) -> NumberKind:
    """How a change's or an attrition row's figures are written: percent, or units."""
    return NumberKind.MEAN if kind is EstimateKind.MEAN else NumberKind.SHARE


def _value(value: float, kind: EstimateKind, lang: Lang) -> str:
    return (
        pct_nbsp(value, lang)
        if kind is EstimateKind.SHARE
        else format_value(value, _units(kind), lang)
    )


def _difference(difference: float, low: float, high: float, kind: EstimateKind, lang: Lang) -> str:
    """A difference and its interval: points for a share, units for a mean."""
    units = _units(kind)
    return (
        f'{_h(format_difference(difference, units, lang))}<br><span class="small">'
        f"{_h(format_difference_interval(low, high, units, lang))}</span>"
    )


def _waves(content: ReportContent, charts: dict[str, Chart], vector: bool) -> str:
    from panelkit.publish.tables import se_method_text
    from panelkit.publish.words import change_text

    lang = content.lang
    t = texts(lang).page
    w = content.waves
    if w is None:
        return f"<p>{_h(t.no_previous)}</p>\n"
    rows = []
    for c in w.changes:
        attrs = f' data-indicator="{_h(c.indicator)}" data-by="" data-group=""'
        label = content.label(c.indicator)

        def side(value: float | None, n: int, kind: EstimateKind = c.kind) -> str:
            if value is None:
                return f'<td class="num suppressed">{_h(t.suppressed)}</td>'
            return (
                f'<td class="num">{_h(_value(value, kind, lang))}<br>'
                f'<span class="small">n = {thousands_text(n, lang)}</span></td>'
            )

        if c.suppressed or c.difference is None:
            cells = (
                side(None, c.n_previous)
                + side(None, c.n_current)
                + '<td class="num"></td>' * 2
                + "<td></td>"
            )
        else:
            assert c.ci_low is not None and c.ci_high is not None
            assert c.p_adjusted is not None and c.verdict is not None
            cells = (
                side(c.previous, c.n_previous)
                + side(c.current, c.n_current)
                + f'<td class="num">{_difference(c.difference, c.ci_low, c.ci_high, c.kind, lang)}'
                f'</td><td class="num">{_h(p_text(c.p_adjusted, lang))}</td>'
                f"<td>{_h(change_text(c.verdict, lang))}</td>"
            )
        rows.append(f'<tr{attrs}><th scope="row">{_h(label)}</th>{cells}</tr>\n')
    head = [
        (t.indicator, False),
        (w.previous_name, True),
        (w.current_name, True),
        (
            t.change_col_means
            if any(c.kind is EstimateKind.MEAN for c in w.changes)
            else t.change_col,
            True,
        ),
        (t.p_adj, True),
        (t.verdict, False),
    ]
    return (
        _figure(charts.get("waves"), lang, vector)
        + _table(head, rows, t.change.format(prev=w.previous_name))
        + f'<p class="small se-method">{_h(se_method_text(w, lang))}</p>\n'
        + _attrition(content)
    )


def _attrition(content: ReportContent) -> str:
    """Linked waves: who answered again beside who left, in the previous wave."""
    w = content.waves
    if w is None or not w.attrition:
        return ""
    lang = content.lang
    t = texts(lang).page
    rows = []
    for r in w.attrition:
        name = content.label(r.item) if r.category is None else f"{r.item}: {r.category}"
        if r.suppressed or r.difference is None:
            cells = f'<td class="num suppressed" colspan="4">{_h(t.suppressed)}</td>'
        else:
            assert r.stayed is not None and r.left is not None
            assert r.ci_low is not None and r.ci_high is not None and r.p_adjusted is not None
            cells = (
                f'<td class="num">{_h(_value(r.stayed, r.kind, lang))}<br><span class="small">'
                f"n = {thousands_text(r.n_stayed, lang)}</span></td>"
                f'<td class="num">{_h(_value(r.left, r.kind, lang))}<br><span class="small">'
                f"n = {thousands_text(r.n_left, lang)}</span></td>"
                f'<td class="num">{_difference(r.difference, r.ci_low, r.ci_high, r.kind, lang)}'
                f'</td><td class="num">{_h(p_text(r.p_adjusted, lang))}</td>'
            )
        rows.append(f'<tr><th scope="row">{_h(name)}</th>{cells}</tr>\n')
    head = [
        (t.attrition_item, False),
        (t.answered_again, True),
        (t.left, True),
        (
            t.attrition_diff_means
            if any(r.kind is EstimateKind.MEAN for r in w.attrition)
            else t.attrition_diff,
            True,
        ),
        (t.p_adj, True),
    ]
    intro = t.attrition_intro.format(prev=w.previous_name, cur=w.current_name)
    return f'<h3 id="attrition">{_h(t.attrition)}</h3>\n<p>{_h(intro)}</p>\n' + _table(
        head, rows, t.attrition
    )


def _weighting(content: ReportContent) -> str:
    from panelkit.publish.tables import margin_suppression, weighting_facts
    from panelkit.publish.texts import count_text

    lang = content.lang
    t = texts(lang).page
    w = content.estimates.weighting
    if w is None:
        return f"<p>{_h(t.unweighted)}</p>\n"
    facts = "".join(f"<dt>{_h(k)}</dt><dd>{_h(v)}</dd>" for k, v in weighting_facts(w, lang))
    min_n = content.estimates.min_n
    rows = []
    for m, reason in zip(w.margins, margin_suppression(w, min_n), strict=True):
        if reason is None:
            n = thousands_text(m.n, lang)
            sample = _h(pct_nbsp(m.sample_share, lang))
        else:  # a small cell of the sample is not published (nor its share)
            n, sample = _h(count_text(None, reason, min_n, lang)), ""
        rows.append(
            f"<tr><td>{_h(m.margin)}</td><td>{_h(m.category)}</td>"
            f'<td class="num">{n}</td><td class="num">{sample}</td>'
            f'<td class="num">{_h(pct_nbsp(m.target_share, lang))}</td>'
            f'<td class="num">{_h(pct_nbsp(m.weighted_share, lang))}</td></tr>\n'
        )
    head = [
        (t.margin, False),
        (t.category, False),
        (t.n, True),
        (t.sample, True),
        (t.target, True),
        (t.weighted, True),
    ]
    return f'<dl class="facts">{facts}</dl>\n' + _table(head, rows, t.weighting)


def kind_notes(content: ReportContent) -> list[tuple[str, str]]:
    """The notes on means, distributions and quantiles (when the run has them), on the
    groups' contrasts with the rest, and each Rao–Scott test of association (formats §8.4)."""
    lang = content.lang
    k = texts(lang).kinds
    e = content.estimates
    notes: list[tuple[str, str]] = []
    if any(row.kind is not EstimateKind.SHARE for row in e.estimates):
        notes.append((k["kinds_topic"], k["kinds_note"]))
    if e.contrasts is None:
        return notes
    method = texts(lang).adjust_methods[str(content.settings.get("adjust", "holm"))]
    n = len(e.contrasts.contrasts)
    notes.append((k["contrast_topic"], k["contrast_method"].format(method=method, n=n)))
    tests = e.contrasts.tests
    if tests:
        bys = ", ".join(dict.fromkeys(content.by_titles.get(t.by, t.by) for t in tests))
        notes.append((k["tests_heading"], k["tests_note"].format(by=bys)))
    for t in tests:
        line = k["test_line"].format(
            label=content.label(t.indicator),
            by=content.by_titles.get(t.by, t.by),
            f=decimal(f"{t.f:.2f}", lang),
            ndf=decimal(f"{t.ndf:.2f}", lang),
            ddf=decimal(f"{t.ddf:.1f}", lang),
            p=p_text(t.p, lang),
        )
        notes.append((k["tests_heading"], line))
    return notes


def _method(content: ReportContent) -> str:
    lang = content.lang
    t = texts(lang).page
    out = [
        f"<h3>{_h(topic)}</h3>\n<p>{_h(text)}</p>\n"
        if i == 0 or topic != notes[i - 1][0]
        else f"<p>{_h(text)}</p>\n"
        for notes in [report_notes(content, comparisons=False)]
        for i, (topic, text) in enumerate(notes)
    ]
    hidden = [e for e in content.estimates.estimates if e.suppressed]
    out.append(f"<h3>{_h(t.suppressed_rows)}</h3>\n")
    if not hidden:
        out.append(f"<p>{_h(t.none_suppressed)}</p>\n")
        return "".join(out)
    rows = [
        f"<tr{_row_attrs(e)}><td>{_h(content.label(e.indicator))}</td>"
        f"<td>{_h(content.by_titles.get(e.by, e.by) if e.by else '')}</td>"
        f"<td>{_h(e.group if e.group is not None else t.all)}</td>"
        f"<td>{_h(_reason(e, content.estimates.min_n, lang))}</td></tr>\n"
        for e in hidden
    ]
    head = [(t.indicator, False), (t.by, False), (t.group, False), (t.reason, False)]
    out.append(_table(head, rows, t.suppressed_rows))
    return "".join(out)


def _reason(e: Estimate, min_n: int, lang: Lang) -> str:
    t = texts(lang).page
    if e.suppression == Suppression.PRIMARY:
        return t.reason_primary.format(min_n=min_n)
    if e.suppression == Suppression.SECONDARY:
        return t.reason_secondary
    return t.reason_empty


def _sources(content: ReportContent) -> str:
    lang = content.lang
    items: list[str] = []
    names = {i.role: i.name for i in content.inputs}
    r = content.estimates.survey
    items.append(
        f"{_h(content.survey_title)}: {thousands_text(r.rows_used, lang)} {_h(texts(lang).page.answers)}"
        + (f" ({_h(names['data'])})" if "data" in names else "")
        + "."
    )
    if content.waves is not None and content.previous_estimates is not None:
        pr = content.previous_estimates.survey
        items.append(
            f"{_h(content.waves.previous_name)}: {thousands_text(pr.rows_used, lang)} "
            f"{_h(texts(lang).page.answers)}"
            + (f" ({_h(names['previous data'])})" if "previous data" in names else "")
            + "."
        )
    if content.margins is not None:
        lines = " ".join(content.margins.comments)
        what = texts(lang).page.population_margins
        file = f" ({_h(names['margins'])})" if "margins" in names else ""
        items.append(
            f'{what}{file}: <span class="small">{_plain(lines)}</span>'
            if lines
            else f"{what}{file}."
        )
    seen: set[tuple[str, str, str | None]] = set()
    for c in content.comparisons.comparisons:
        b = c.baseline
        key = (b.id, b.area, b.group)
        if key in seen:
            continue
        seen.add(key)
        where = b.area if b.group is None else f"{b.area}, {b.group}"
        text = f"{b.source}" + ("" if b.year is None else f" ({b.year})") + f": {where}"
        if b.note:
            text += f" – {b.note}"
        items.append(_plain(text) + ".")
    sources = {i.source for i in content.indicators if i.source}
    for s in sorted(sources):
        items.append(_plain(s) + ".")
    return "<ul>\n" + "".join(f"<li>{x}</li>\n" for x in items) + "</ul>\n"


def _files(files: Sequence[str], lang: Lang) -> str:
    links = "".join(
        f'<li><a href="{_h(name)}">{_h(name)}</a></li>\n' for name in files if name != "index.html"
    )
    return f'<p>{_h(texts(lang).page.files_intro)}</p>\n<ul class="small files">\n{links}</ul>\n'
