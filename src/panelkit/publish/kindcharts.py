"""Charts of the kinds beyond a share (formats §8): means with their intervals, and a
distribution's answers as stacked horizontal bars, as deterministic PNG and SVG.

They use the machinery of :mod:`panelkit.publish.charts` (style, figure, images, row
layout), so they render the same way and give the same bytes on every run. Only
aggregates reach them; a suppressed row keeps its name and loses its numbers (a
distribution's bar is hidden whole when any of its answers is suppressed).

The colours are the palette's (:data:`panelkit.publish.palette.ANSWER_COLOURS`,
``MEAN_COLOUR``, ``SEGMENT_EDGE``), whose contrast tests/test_palette.py checks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from panelkit.publish import charts as _c
from panelkit.publish import palette
from panelkit.publish.texts import decimal, mean_words, pct_words, scale_number
from panelkit.publish.words import texts
from panelkit.results import Estimate, EstimateKind, Lang

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.ticker import Formatter

# The answer scales' colours are the palette's (publish/palette.py, checked there).
ANSWER_COLOURS = palette.ANSWER_COLOURS
SEGMENT_EDGE = palette.SEGMENT_EDGE
MEAN_COLOUR = palette.MEAN_COLOUR
lightness = palette.lightness
text_colour = palette.text_colour

# A segment narrower than this (percent) has no room for its label; the legend and the
# alt text still give its share.
LABEL_MIN_PCT = 4.0


def answer_colours(k: int) -> tuple[str, ...]:
    """``k`` colours of the diverging answer scale, in the answers' order."""
    if k in ANSWER_COLOURS:
        return ANSWER_COLOURS[k]
    import matplotlib

    cmap = matplotlib.colormaps["PuOr"]
    return tuple(matplotlib.colors.to_hex(cmap(i / (k - 1))).upper() for i in range(k))[::-1]


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class MeanPoint:
    """One row of a mean's panel: the whole domain or one group; None when suppressed."""

    label: str
    value: _c.Interval | None
    n: int | None = None


@dataclass(frozen=True)
class MeanPanel:
    """One mean indicator: its rows and the scale its axis spans (None: the data's range)."""

    label: str
    points: tuple[MeanPoint, ...]
    scale: tuple[float, float] | None = None


@dataclass(frozen=True)
class AnswerBar:
    """One bar of a distribution: each answer's share in the answers' order; None when any
    answer of the bar is suppressed."""

    label: str
    shares: tuple[float, ...] | None
    n: int | None = None


@dataclass(frozen=True)
class AnswerChart:
    """A distribution indicator: its answers and one bar for all and per group."""

    indicator: str
    label: str
    answers: tuple[str, ...]
    bars: tuple[AnswerBar, ...]


def _mean_interval(e: Estimate) -> _c.Interval | None:
    if e.suppressed or e.estimate is None or e.ci_low is None or e.ci_high is None:
        return None
    return _UnitInterval(e.estimate, e.ci_low, e.ci_high)


@dataclass(frozen=True)
class _UnitInterval(_c.Interval):
    """An interval in a variable's own units (not a proportion)."""

    def __post_init__(self) -> None:
        if not self.ci_low <= self.estimate + 1e-9 <= self.ci_high + 2e-9:
            raise ValueError(f"interval {self.ci_low!r}–{self.ci_high!r} lacks {self.estimate!r}")


def _row_label(e: Estimate, lang: Lang) -> str:
    return texts(lang).chart.overall if e.by is None else e.group or ""


def mean_panels(
    estimates: Sequence[Estimate],
    labels: Mapping[str, str],
    scales: Mapping[str, tuple[float, float]],
    lang: Lang,
) -> tuple[MeanPanel, ...]:
    """One panel per mean indicator: the whole domain first, then every group of every
    breakdown, in the estimates' order."""
    points: dict[str, list[MeanPoint]] = {}
    for e in estimates:
        if e.kind is not EstimateKind.MEAN:
            continue
        value = _mean_interval(e)
        points.setdefault(e.indicator, []).append(
            MeanPoint(_row_label(e, lang), value, e.n if value is not None else None)
        )
    return tuple(
        MeanPanel(labels.get(ind, ind), tuple(pts), scales.get(ind)) for ind, pts in points.items()
    )


def answer_charts(
    estimates: Sequence[Estimate], labels: Mapping[str, str], lang: Lang
) -> tuple[AnswerChart, ...]:
    """One chart per distribution indicator: a bar for all, then one per group."""
    series: dict[str, dict[tuple[str | None, str | None], list[Estimate]]] = {}
    for e in estimates:
        if e.kind is EstimateKind.DISTRIBUTION:
            series.setdefault(e.indicator, {}).setdefault((e.by, e.group), []).append(e)
    out = []
    for indicator, rows in series.items():
        answers = tuple(e.category or "" for e in next(iter(rows.values())))
        bars = []
        for group_rows in rows.values():
            first = group_rows[0]
            hidden = any(e.suppressed or e.estimate is None for e in group_rows)
            shares = None if hidden else tuple(e.estimate or 0.0 for e in group_rows)
            bars.append(AnswerBar(_row_label(first, lang), shares, None if hidden else first.n))
        out.append(AnswerChart(indicator, labels.get(indicator, indicator), answers, tuple(bars)))
    return tuple(out)


# --------------------------------------------------------------------------- means


def _mean_axis(panels: Sequence[MeanPanel]) -> list[tuple[float, float]]:
    """Each panel's x range: its scale, else its intervals' range with a margin."""
    out = []
    for panel in panels:
        if panel.scale is not None and panel.scale[1] > panel.scale[0]:
            out.append(panel.scale)
            continue
        values = [v for p in panel.points if p.value for v in (p.value.ci_low, p.value.ci_high)]
        low, high = (min(values), max(values)) if values else (0.0, 1.0)
        pad = (high - low) * 0.2 or 1.0
        out.append((low - pad, high + pad))
    return out


def mean_chart(
    panels: Sequence[MeanPanel], *, lang: Lang, title: _c.ChartTitle, name: str = "means"
) -> _c.Chart:
    """Small multiples, one panel per mean: a dot per row with its 95 % interval, the axis
    spanning the variable's scale; suppressed rows are noted, not drawn."""
    from matplotlib.ticker import MaxNLocator

    k = texts(lang).kinds
    heading = title.text(lang)
    ticks = [
        [_c._wrap(_c._with_n(p.label, p.n, lang) if p.value else p.label, 24) for p in pn.points]
        for pn in panels
    ]
    layouts = [_c._rows(t, minimum=0.3) for t in ticks]
    titles = [_c._wrap(panel.label, 70) for panel in panels]
    heights = [
        max(total, 0.3) + 0.45 + _c._LINE * (t.count("\n") + 1)
        for (_, total), t in zip(layouts, titles, strict=True)
    ]
    ranges = _mean_axis(panels)
    with _c._style():
        fig = _c._figure(sum(heights) - 0.3 if panels else 0.8, heading)
        if not panels:
            _c._empty(fig.add_subplot(), lang)
        else:
            axes = fig.subplots(len(panels), 1, height_ratios=heights, squeeze=False)
            for i, (panel, ax) in enumerate(zip(panels, axes[:, 0], strict=True)):
                centres, total = layouts[i]
                low, high = ranges[i]
                _mean_panel(ax, panel, centres, lang, (low, high))
                _c._panel_title(ax, titles[i])
                ax.set_yticks(centres, labels=ticks[i])
                ax.set_ylim(max(total, 0.3), 0)
                ax.set_xlim(low, high)
                ax.xaxis.set_major_locator(MaxNLocator(nbins=10, steps=[1, 2, 5, 10]))
                ax.xaxis.set_major_formatter(
                    _formatter(lambda x: decimal(f"{x:g}", lang))  # scale values, "2,5"
                )
                ax.xaxis.grid(True, color=_c._GRID, linewidth=0.6)
                ax.set_axisbelow(True)
                ax.tick_params(axis="y", length=0)
                if panel.scale is not None:
                    a, b = (scale_number(v, lang) for v in panel.scale)
                    ax.set_xlabel(k["mean_axis_scale"].format(low=a, high=b))
                else:
                    ax.set_xlabel(k["mean_axis"])
            _mean_legend(fig, lang)
        png, svg = _c._images(fig)
    return _c.Chart(name, heading, png, svg, _mean_alt(panels, heading, lang))


def _formatter(func: Callable[[float], str]) -> Formatter:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda x, _pos: func(x))


def _mean_panel(
    ax: Axes,
    panel: MeanPanel,
    centres: Sequence[float],
    lang: Lang,
    span: tuple[float, float],
) -> None:
    shown = [(p.value, y) for p, y in zip(panel.points, centres, strict=True) if p.value]
    if shown:
        ax.errorbar(
            [v.estimate for v, _ in shown],
            [y for _, y in shown],
            xerr=[
                [v.estimate - v.ci_low for v, _ in shown],
                [v.ci_high - v.estimate for v, _ in shown],
            ],
            fmt="o",
            markersize=5,
            markerfacecolor=MEAN_COLOUR,
            markeredgecolor=MEAN_COLOUR,
            ecolor=_c._BLACK,
            elinewidth=1.1,
            capsize=2.5,
            zorder=3,
        )
        box = {"facecolor": "white", "edgecolor": "none", "pad": 0.6}
        for v, y in shown:
            ax.annotate(
                mean_words(v.estimate, lang),
                (v.ci_high, y),
                xytext=(5, 0),
                textcoords="offset points",
                va="center",
                ha="left",
                fontsize=7.5,
                bbox=box,
            )
    for p, y in zip(panel.points, centres, strict=True):
        if p.value is None:
            ax.text(span[0], y, "  " + texts(lang).chart.suppressed, va="center", ha="left",
                    fontsize=7.5, style="italic", color=_c._NOTE)  # fmt: skip


def _mean_legend(fig: object, lang: Lang) -> None:
    from matplotlib.lines import Line2D

    w = texts(lang).chart
    k = texts(lang).kinds
    handles = [
        Line2D(
            [], [], color=MEAN_COLOUR, marker="o", ls="none", markersize=5, label=k["mean_axis"]
        ),
        Line2D([], [], color=_c._BLACK, marker="|", lw=1.1, markersize=7, label=w.ci),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=2)  # type: ignore[attr-defined]


def _mean_alt(panels: Sequence[MeanPanel], heading: str, lang: Lang) -> str:
    w = texts(lang).chart
    k = texts(lang).kinds
    parts = [f"{k['mean_alt']}: {heading}."]
    if not panels:
        parts.append(f"{w.nothing}.")
    for panel in panels:
        rows = []
        for p in panel.points:
            if p.value is None:
                rows.append(f"{p.label}: {w.suppressed}")
                continue
            v = p.value
            interval = f"{mean_words(v.ci_low, lang)}–{mean_words(v.ci_high, lang)}"
            rows.append(f"{p.label}: {mean_words(v.estimate, lang)} ({w.ci_short} {interval})")
        parts.append(f"{panel.label}: " + "; ".join(rows) + ".")
    return " ".join(parts).replace(_c.NBSP, " ")


# --------------------------------------------------------------------------- distributions


def answer_chart(
    chart: AnswerChart, *, lang: Lang, title: _c.ChartTitle, name: str | None = None
) -> _c.Chart:
    """Stacked horizontal bars, one per row (all, then each group): every answer a segment
    in the diverging scale, labelled with its whole percent where it fits; the legend
    lists the answers in order."""
    from matplotlib.patches import Patch

    k = texts(lang).kinds
    heading = title.text(lang)
    colours = answer_colours(len(chart.answers))
    labels = [
        _c._wrap(_c._with_n(b.label, b.n, lang) if b.shares else b.label, 30) for b in chart.bars
    ]
    centres, total = _c._rows(labels, minimum=0.34)
    total = max(total, 0.6)
    legend_rows = 1 + sum(len(a) + 6 for a in chart.answers) // 100
    with _c._style():
        fig = _c._figure(total + 0.25 * legend_rows, heading)
        ax = fig.add_subplot()
        for bar, y in zip(chart.bars, centres, strict=True):
            if bar.shares is None:
                ax.text(1, y, texts(lang).chart.suppressed, va="center", ha="left",
                        fontsize=7.5, style="italic", color=_c._NOTE)  # fmt: skip
                continue
            left = 0.0
            for share, colour in zip(bar.shares, colours, strict=True):
                width = 100 * share
                ax.barh(y, width, left=left, height=0.24, color=colour,
                        edgecolor=SEGMENT_EDGE, linewidth=0.5)  # fmt: skip
                if width >= LABEL_MIN_PCT:
                    ax.text(left + width / 2, y, _segment_text(share, width, lang),
                            ha="center", va="center", fontsize=7, color=text_colour(colour))  # fmt: skip
                left += width
        ax.set_yticks(centres, labels=labels)
        ax.set_ylim(total, 0)
        ax.set_xlim(0, 100)
        ax.set_xticks(range(0, 101, 20))
        ax.xaxis.set_major_formatter(_formatter(lambda x: _c.format_tick(x, lang)))
        ax.set_xlabel(k["distribution_axis"])
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        handles = [
            Patch(facecolor=c, edgecolor=SEGMENT_EDGE, linewidth=0.5, label=a)
            for a, c in zip(chart.answers, colours, strict=True)
        ]
        ncols = len(handles) if sum(len(a) + 6 for a in chart.answers) <= 100 else 3
        fig.legend(handles=handles, loc="outside lower center", ncols=ncols)
        png, svg = _c._images(fig)
    return _c.Chart(
        name or f"answers-{chart.indicator}", heading, png, svg, _answer_alt(chart, heading, lang)
    )


def _segment_text(share: float, width: float, lang: Lang) -> str:
    """A segment's label: "43 %" where there is room, else the bare number "4"."""
    text = pct_words(share, lang).replace(texts(lang).numbers.pct_word, "")
    return text + texts(lang).numbers.percent.replace(" ", _c.NBSP) if width >= 8 else text


def _answer_alt(chart: AnswerChart, heading: str, lang: Lang) -> str:
    w = texts(lang).chart
    k = texts(lang).kinds
    parts = [f"{k['distribution_alt']}: {heading}."]
    for bar in chart.bars:
        if bar.shares is None:
            parts.append(f"{bar.label}: {w.suppressed}.")
            continue
        answers = ", ".join(
            f"{a} {pct_words(s, lang)}" for a, s in zip(chart.answers, bar.shares, strict=True)
        )
        parts.append(f"{_c._with_n(bar.label, bar.n, lang)}: {answers}".rstrip(".") + ".")
    return " ".join(parts).replace(_c.NBSP, " ")
