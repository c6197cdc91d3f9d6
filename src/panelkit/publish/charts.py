"""Charts for the yearly report: indicators, groups and wave on wave, as PNG and SVG bytes.

Only aggregates reach this module: the records below hold shares and their
intervals, never a respondent. A suppressed estimate is represented without
its numbers (``None``), so it cannot be drawn by mistake.

Rendering uses matplotlib's object API (``Figure`` + Agg canvas), never pyplot,
and every setting lives in a temporary style/rc context, so the caller's
matplotlib state is untouched. The same input gives byte-identical files:
fixed font (DejaVu Sans, bundled with matplotlib), fixed dpi, fixed SVG hash
salt, and no software name or date in the file metadata.
"""

from __future__ import annotations

import io
import itertools
import math
import re
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from panelkit.publish import palette
from panelkit.publish.texts import NBSP, decimal, pct_nbsp, thousands_text
from panelkit.publish.words import texts
from panelkit.results import Estimate, EstimateKind, Lang

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.transforms import Bbox
    from matplotlib.typing import RcKeyType

__all__ = [
    "Chart",
    "ChartRow",
    "ChartTitle",
    "GroupPanel",
    "GroupPoint",
    "Interval",
    "WaveRow",
    "format_count",
    "format_pct",
    "format_tick",
    "group_chart",
    "indicator_chart",
    "panels_from_estimates",
    "rows_from_estimates",
    "wave_chart",
    "wave_rows_from_estimates",
]

# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Chart:
    """One rendered chart: a file-name stem, its title, the two images and alt text."""

    name: str
    title: str
    png: bytes
    svg: bytes
    alt: str


def _check_share(value: float, what: str) -> None:
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise ValueError(f"{what} must be a proportion between 0 and 1, got {value!r}")


def _check_interval(estimate: float, ci_low: float, ci_high: float) -> None:
    for value, what in ((estimate, "estimate"), (ci_low, "ci_low"), (ci_high, "ci_high")):
        _check_share(value, what)
    # A little slack: intervals computed on another scale can round past the estimate.
    if not (ci_low <= estimate + 1e-9 and estimate <= ci_high + 1e-9):
        raise ValueError(f"interval {ci_low!r}–{ci_high!r} does not contain {estimate!r}")


@dataclass(frozen=True)
class Interval:
    """A share and its 95 % confidence interval, all proportions (0–1)."""

    estimate: float
    ci_low: float
    ci_high: float

    def __post_init__(self) -> None:
        _check_interval(self.estimate, self.ci_low, self.ci_high)


@dataclass(frozen=True)
class ChartRow:
    """One bar of the indicator chart (proportions 0–1); ``n`` is shown beside the label."""

    label: str
    estimate: float
    ci_low: float
    ci_high: float
    baseline: float | None = None
    baseline_label: str | None = None  # legend text, e.g. "Region Hovedstaden 2021"
    n: int | None = None

    def __post_init__(self) -> None:
        _check_interval(self.estimate, self.ci_low, self.ci_high)
        if self.baseline is not None:
            _check_share(self.baseline, "baseline")


@dataclass(frozen=True)
class GroupPoint:
    """One group in a panel; ``value`` is None when the estimate is suppressed."""

    group: str
    value: Interval | None
    n: int | None = None


@dataclass(frozen=True)
class GroupPanel:
    """One indicator's small multiple: its groups in display order, and the overall share."""

    label: str
    points: tuple[GroupPoint, ...]
    overall: float | None = None

    def __post_init__(self) -> None:
        if self.overall is not None:
            _check_share(self.overall, "overall")


@dataclass(frozen=True)
class WaveRow:
    """One indicator in two waves; a side is None when suppressed there."""

    label: str
    previous: Interval | None
    current: Interval | None


@dataclass(frozen=True)
class ChartTitle:
    """What is shown and for whom; n (one per wave, if several) is formatted per language."""

    what: str  # "Indikatorer"
    who: str  # "Amager Øst borgerpanel 2022"
    n: int | tuple[int, ...] | None = None

    def text(self, lang: Lang) -> str:
        """E.g. "Indikatorer, Amager Øst borgerpanel 2022 (n = 1.338)"."""
        head = f"{self.what}, {self.who}" if self.who else self.what
        if self.n is None:
            return head
        counts = (self.n,) if isinstance(self.n, int) else self.n
        joined = f" {texts(lang).chart.and_} ".join(format_count(c, lang) for c in counts)
        return f"{head} (n = {joined})"


# --------------------------------------------------------------------------- words, numbers


_NBSP = NBSP  # keeps "23,1 %" and "n = 212" on one line when labels wrap


def _number(value: float, lang: Lang, decimals: int) -> str:
    return decimal(f"{value:.{decimals}f}", lang)


def format_pct(value: float, lang: Lang, decimals: int = 1) -> str:
    """A proportion as a percent number without the sign: 0.225 -> "22,5" (da) / "22.5" (en)."""
    return _number(100 * value, lang, decimals)


def format_count(n: int, lang: Lang) -> str:
    """A count with thousands separators: 1338 -> "1.338" (da) / "1,338" (en)."""
    return thousands_text(n, lang)


def format_tick(value: float, lang: Lang) -> str:
    """A percent-axis tick (already 0–100): whole numbers bare, otherwise one decimal."""
    if abs(value - round(value)) < 1e-9:
        return str(round(value))
    return _number(value, lang, 1)


def _pct_text(value: float, lang: Lang) -> str:
    """A share with its percent sign, as Danish and English typeset it."""
    return pct_nbsp(value, lang)


def _interval_text(value: Interval, lang: Lang) -> str:
    w = texts(lang).chart
    low, high = format_pct(value.ci_low, lang), format_pct(value.ci_high, lang)
    return f"{_pct_text(value.estimate, lang)} ({w.ci_short} {low}–{high})"


def _with_n(label: str, n: int | None, lang: Lang) -> str:
    if n is None:
        return label
    return f"{label} (n{_NBSP}={_NBSP}{format_count(n, lang)})"


def _wrap(text: str, width: int) -> str:
    # Hyphens stay put so "17-29" and "Sundheds-profil" style words are never split.
    lines = textwrap.wrap(text, width=width, break_on_hyphens=False) or [""]
    return "\n".join(lines)


# --------------------------------------------------------------------------- from estimates


def _label(labels: Mapping[str, str], indicator: str) -> str:
    return labels.get(indicator, indicator)


def _interval(e: Estimate) -> Interval | None:
    """The numbers of a drawable estimate; None when suppressed (or without a value)."""
    if e.suppressed or e.estimate is None:
        return None
    if e.ci_low is None or e.ci_high is None:
        # §6: only suppressed rows have null intervals; anything else is a caller bug.
        raise ValueError(f"estimate for {e.indicator!r} has no confidence interval")
    return Interval(e.estimate, e.ci_low, e.ci_high)


def rows_from_estimates(
    estimates: Sequence[Estimate],
    labels: Mapping[str, str],
    baselines: Mapping[str, float] | None = None,
    baseline_label: str | None = None,
) -> tuple[ChartRow, ...]:
    """Rows for `indicator_chart` from the overall estimates; suppressed ones are left out.

    ``labels`` maps indicator id to its label in the chart language; ``baselines``
    maps indicator id to the baseline proportion (0–1), named ``baseline_label``.
    """
    rows = []
    for e in estimates:
        if e.by is not None:
            continue
        value = _interval(e)
        if value is None:
            continue
        baseline = None if baselines is None else baselines.get(e.indicator)
        rows.append(
            ChartRow(
                label=_label(labels, e.indicator),
                estimate=value.estimate,
                ci_low=value.ci_low,
                ci_high=value.ci_high,
                baseline=baseline,
                baseline_label=baseline_label if baseline is not None else None,
                n=e.n,
            )
        )
    return tuple(rows)


def panels_from_estimates(
    estimates: Sequence[Estimate], labels: Mapping[str, str], *, by: str
) -> tuple[GroupPanel, ...]:
    """Panels for `group_chart`: one per indicator broken down by ``by``, groups in given order.

    Suppressed groups keep their name but lose their numbers (and their n).
    """
    overall: dict[str, float | None] = {}
    points: dict[str, list[GroupPoint]] = {}
    for e in estimates:
        if e.by is None:
            value = _interval(e)
            overall[e.indicator] = None if value is None else value.estimate
        elif e.by == by and e.group is not None:
            value = _interval(e)
            point = GroupPoint(e.group, value, e.n if value is not None else None)
            points.setdefault(e.indicator, []).append(point)
    return tuple(
        GroupPanel(_label(labels, ind), tuple(pts), overall.get(ind)) for ind, pts in points.items()
    )


def wave_rows_from_estimates(
    previous: Sequence[Estimate], current: Sequence[Estimate], labels: Mapping[str, str]
) -> tuple[WaveRow, ...]:
    """Rows for `wave_chart`: overall estimates of indicators measured in both waves.

    Order follows the current wave; an indicator suppressed in one wave keeps the other.
    Shares only: the chart's axis is percent (the change table has the means).
    """
    before = {e.indicator: e for e in previous if e.by is None and e.kind is EstimateKind.SHARE}
    rows = []
    for e in current:
        if e.by is not None or e.indicator not in before or e.kind is not EstimateKind.SHARE:
            continue
        rows.append(
            WaveRow(_label(labels, e.indicator), _interval(before[e.indicator]), _interval(e))
        )
    return tuple(rows)


# --------------------------------------------------------------------------- rendering

# Every colour comes from the palette (publish/palette.py, checked for contrast and
# colour-vision deficiencies); shapes and line styles carry the meaning as well.
_BLACK = palette.INK
_ORANGE = palette.ORANGE
_GREEN = palette.GREEN
_BLUE = palette.BLUE
_PURPLE = palette.PURPLE
_SKY_LIGHT = palette.BAR_FILL
_GRID = palette.GRID
_NOTE = palette.MUTED
_DASHED = (0, (4, 2))

# Baseline markers: shape differs as well as colour, so greyscale prints still work.
_BASELINE_MARKERS = (("D", _ORANGE), ("^", _GREEN), ("s", _PURPLE), ("v", palette.GREY))

_DPI = 150
_WIDTH = 7.5  # inches: the text width of an A4 report page
_FONT_SIZE = 8.5
_LINE = _FONT_SIZE * 1.25 / 72  # inches per line of label text
_LABEL_WIDTH = 38  # characters per line of a row label
_TITLE_WIDTH = 80
_PAD = 0.125  # inches (9 pt) of white round a saved chart
_GAP = 3 / 72  # inches between the parts of a chart (constrained layout's pad)
_OVERHEAD = 1.5  # inches for a one-line title, the x axis and the legend around the plot

_RC: dict[RcKeyType, Any] = {
    "font.family": ["sans-serif"],
    # Only the bundled font, so layout is the same on every machine; SVG text
    # then names "'DejaVu Sans', sans-serif" so viewers without it fall back sensibly.
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": _FONT_SIZE,
    "svg.fonttype": "none",  # real text: searchable, accessible, smaller
    # Unhinted glyphs: a quarter of the PNG draw's time goes to FreeType's autohinter, and at
    # 150 dpi the difference is a shade of softness (the SVG has real text either way).
    "text.hinting": "none",
    "svg.hashsalt": "panelkit",  # clip-path ids are otherwise random per run
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": _FONT_SIZE + 0.5,
    "axes.titlelocation": "left",
    "legend.frameon": False,
    "legend.fontsize": _FONT_SIZE,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
}


@contextmanager
def _style() -> Iterator[None]:
    """matplotlib's own defaults plus ours, for this block only (a user's matplotlibrc is ignored)."""
    import matplotlib
    import matplotlib.style

    with matplotlib.style.context("default"), matplotlib.rc_context(_RC):
        yield


def _figure(plot_height: float, heading: str) -> Figure:
    """A titled figure on an Agg canvas, tall enough for the plot, its title and legend."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # "(n = 1.072 og 1.340)" stays on one line: a wrapped title must not strand "(n".
    head, bracket, counts = heading.rpartition(" (n = ")
    if bracket:
        heading = head + " " + ("(n = " + counts).replace(" ", _NBSP)
    title = _wrap(heading, _TITLE_WIDTH)
    height = plot_height + _OVERHEAD + 0.2 * title.count("\n")
    fig = Figure(figsize=(_WIDTH, height), dpi=_DPI)  # laid out once, by `_lay_out`
    FigureCanvasAgg(fig)
    fig.suptitle(title, x=0.0, ha="left", fontsize=_FONT_SIZE + 2.5, fontweight="bold")
    return fig


def _lay_out(fig: Figure, renderer: Any) -> Bbox:
    """Place the title, the stacked axes and the legend, measuring each axes once; return
    the drawing's box (pixels).

    What matplotlib's constrained layout does for these charts (one column of axes,
    a title on top, a legend at the bottom, ``_GAP`` round everything), in one pass
    instead of its two: every axes' decorations (tick labels, title, axis label) are
    measured once, they do not change as the axes moves, and the axes share the height
    that is left in the proportions they were made with (``height_ratios``). The same
    measurements give the box a tight bounding box would, without measuring again.
    """
    from matplotlib.transforms import Bbox

    width, height = fig.bbox.width, fig.bbox.height  # pixels
    gap = _GAP * fig.dpi
    axes = fig.axes
    places = [ax.get_position().transformed(fig.transFigure) for ax in axes]
    boxes = [
        ax.get_tightbbox(renderer, for_layout_only=True) or place
        for ax, place in zip(axes, places, strict=True)
    ]
    lefts = [max(p.x0 - b.x0, 0.0) for p, b in zip(places, boxes, strict=True)]
    rights = [max(b.x1 - p.x1, 0.0) for p, b in zip(places, boxes, strict=True)]
    tops = [max(b.y1 - p.y1, 0.0) for p, b in zip(places, boxes, strict=True)]
    bottoms = [max(p.y0 - b.y0, 0.0) for p, b in zip(places, boxes, strict=True)]
    # For layout only, an axes title and axis label count as one pixel wide: their widths.
    titles = [ax.title.get_window_extent(renderer).width if ax.get_title() else 0.0 for ax in axes]
    labels = [ax.xaxis.label.get_window_extent(renderer).width for ax in axes]
    left, right = gap + max(lefts, default=0.0), width - gap - max(rights, default=0.0)
    top, bottom = height - gap, gap
    parts: list[Bbox] = []
    title = getattr(fig, "_suptitle", None)  # the Text of `Figure.suptitle`
    if title is not None:
        title.set_y(1 - gap / height)
        title.set_va("top")
        parts.append(title.get_window_extent(renderer))
        top -= parts[-1].height + gap
    for legend in fig.legends:  # "outside lower center": the legend sits at the bottom
        parts.append(legend.get_window_extent(renderer))
        bottom = max(bottom, parts[-1].y1 + gap)
    ratios = [p.height for p in places]
    free = top - bottom - sum(tops) - sum(bottoms) - 2 * gap * (len(axes) - 1)
    y = top
    centre = (left + right) / 2
    for i, ax in enumerate(axes):
        h = max(free * ratios[i] / sum(ratios), 1.0)
        y -= tops[i] + h
        ax.set_position((left / width, y / height, (right - left) / width, h / height))
        parts.append(
            Bbox.from_extents(
                min(left - lefts[i], centre - labels[i] / 2),
                y - bottoms[i],
                max(right + rights[i], left + titles[i], centre + labels[i] / 2),
                y + h + tops[i],
            )
        )
        y -= bottoms[i] + 2 * gap
    return Bbox.union(parts)


def _images(fig: Figure) -> tuple[bytes, bytes]:
    """PNG and SVG bytes without anything that changes between runs.

    The figure is laid out once (`_lay_out`) and drawn once per format: the Agg draw's
    pixels are cropped to the drawing's tight box (plus ``_PAD``) for the PNG, and the SVG
    is drawn into the same box. Constrained layout with ``savefig(bbox_inches="tight")``
    per format laid out and drew every figure twice per format, and text layout is most
    of a chart's cost.
    """
    import numpy as np
    from matplotlib.transforms import Bbox
    from PIL import Image

    # An axis without a label (every y axis, most x axes) would have its empty label
    # placed beside its tick labels, measured again for it, at each layout and draw: 5-8 %
    # of a chart's time for nothing drawn (and the same bytes without).
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if not axis.label.get_text():
                axis.label.set_visible(False)
                axis.set_label_coords(0.0, 0.0)
    canvas = fig.canvas
    tight = _lay_out(fig, canvas.get_renderer()).transformed(  # type: ignore[attr-defined]
        fig.dpi_scale_trans.inverted()
    )  # inches
    canvas.draw()
    if not fig.bbox_inches.padded(0.01).contains(tight.x0, tight.y0) or not (
        fig.bbox_inches.padded(0.01).contains(tight.x1, tight.y1)
    ):
        return _saved_images(fig, tight.padded(_PAD))  # something reaches past the canvas
    box = tight.padded(_PAD)
    # The box in whole pixels (rows counted from the top, as the buffer's).
    height = round(fig.get_figheight() * _DPI)
    left, right = math.floor(box.x0 * _DPI), math.ceil(box.x1 * _DPI)
    top, bottom = height - math.ceil(box.y1 * _DPI), height - math.floor(box.y0 * _DPI)
    drawn = np.asarray(canvas.buffer_rgba())[:, :, :3]  # type: ignore[attr-defined]  # opaque
    # The padding may reach past the canvas (a title starts at its left edge): white there.
    pixels = np.full((bottom - top, right - left, 3), 255, dtype=np.uint8)
    rows = slice(max(top, 0), min(bottom, drawn.shape[0]))
    cols = slice(max(left, 0), min(right, drawn.shape[1]))
    pixels[rows.start - top : rows.stop - top, cols.start - left : cols.stop - left] = drawn[
        rows, cols
    ]
    png, svg = io.BytesIO(), io.BytesIO()
    # RGB (the background is white, so alpha says nothing) at zlib level 3: half the time
    # of matplotlib's RGBA at level 6, and a smaller file. No text chunks: no software name.
    # The pixels are ours alone by now: Pillow compresses them without the GIL, on the
    # other core, while matplotlib draws the SVG.
    with ThreadPoolExecutor(max_workers=1) as pool:
        encoded = pool.submit(
            Image.fromarray(pixels).save, png, format="png", compress_level=3, dpi=(_DPI, _DPI)
        )
        inches = Bbox.from_extents(left, height - bottom, right, height - top).transformed(
            fig.dpi_scale_trans.inverted()
        )
        fig.savefig(
            svg,
            format="svg",
            dpi=_DPI,
            bbox_inches=inches,
            metadata={"Date": None, "Creator": None},
        )
        encoded.result()
    return png.getvalue(), _stable_ids(svg.getvalue())


def _saved_images(fig: Figure, box: Any) -> tuple[bytes, bytes]:
    """PNG and SVG drawn into ``box`` (inches) by ``savefig``: for a drawing wider than its
    canvas, which a crop of the canvas would cut."""
    png, svg = io.BytesIO(), io.BytesIO()
    common: dict[str, Any] = {"dpi": _DPI, "bbox_inches": box}
    fig.savefig(png, format="png", metadata={"Software": None}, **common)
    fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None}, **common)
    return png.getvalue(), _stable_ids(svg.getvalue())


# matplotlib names SVG clip paths by hashing, among other things, the id() of a Python
# object, so the names can change between runs; markers are named by a hash too.
_SVG_ID = re.compile(rb"\b([mp])([0-9a-f]{10})\b")


def _stable_ids(svg: bytes) -> bytes:
    """Rename the SVG's generated ids in order of first appearance: p1, p2, …, m1, …"""
    names: dict[bytes, bytes] = {}
    counts = {b"m": 0, b"p": 0}

    def rename(match: re.Match[bytes]) -> bytes:
        token = match.group(0)
        if token not in names:
            kind = match.group(1)
            counts[kind] += 1
            names[token] = kind + str(counts[kind]).encode("ascii")
        return names[token]

    return _SVG_ID.sub(rename, svg)


def _x_upper(values: Sequence[float]) -> float:
    """Right end of the percent axis, always from 0: room for the values and their labels,
    ending on a tick, at most 100."""
    if not values:
        return 100.0
    top = 100 * max(values) + 12  # value labels sit right of the whiskers
    step = _x_step(top)
    return float(min(100, max(20, step * math.ceil(top / step))))


def _x_step(upper: float) -> int:
    return 5 if upper <= 20 else 10 if upper <= 60 else 20


def _percent_axis(ax: Axes, upper: float, lang: Lang, *, label: bool) -> None:
    from matplotlib.ticker import FixedLocator, FuncFormatter

    ax.set_xlim(0, upper)
    # Only the ticks in view: a MultipleLocator also gives one beyond each end, which
    # matplotlib makes tick objects for (and labels, on every pass) without drawing them.
    step = _x_step(upper)
    ticks = [float(step * k) for k in range(round(upper / step) + 1)]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: format_tick(x, lang)))
    ax.xaxis.grid(True, color=_GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    ax.tick_params(axis="y", length=0)
    if label:
        ax.set_xlabel(texts(lang).chart.axis)


def _rows(labels: Sequence[str], minimum: float) -> tuple[list[float], float]:
    """Row centres and total height, in inches from the top, sized to each wrapped label."""
    centres, top = [], 0.0
    for text in labels:
        height = max(minimum, (text.count("\n") + 1) * _LINE + 0.14)
        centres.append(top + height / 2)
        top += height
    return centres, top


def _value_label(
    ax: Axes, x: float, y: float, value: float, lang: Lang, *, gap: float = 5.0
) -> None:
    """The estimate as text, ``gap`` points right of ``x`` (the whisker or marker end)."""
    # The white box keeps grid and reference lines from running through the digits.
    box = {"facecolor": "white", "edgecolor": "none", "pad": 0.6}
    ax.annotate(
        _pct_text(value, lang),
        (100 * x, y),
        xytext=(gap, 0),
        textcoords="offset points",
        va="center",
        ha="left",
        fontsize=7.5,
        bbox=box,
    )


def _panel_title(ax: Axes, text: str) -> None:
    """A panel's bold title over its axes, at the top edge (plus the title pad).

    Placed there by hand (``y=1``) rather than by matplotlib, which measures every tick
    label of both axes to see whether one reaches above the axes, three times per panel
    (layout, PNG, SVG): in these charts none does (the x ticks are at the bottom), so it
    always came to the same place, and the measuring was a tenth of a chart's time.
    """
    ax.set_title(text, fontweight="bold", y=1.0)


def _note(ax: Axes, y: float, text: str) -> None:
    ax.text(0.8, y, text, va="center", ha="left", fontsize=7.5, style="italic", color=_NOTE)


def _empty(ax: Axes, lang: Lang) -> None:
    ax.text(0.5, 0.5, texts(lang).chart.nothing, transform=ax.transAxes, ha="center", va="center")
    ax.set_yticks([])


# --------------------------------------------------------------------------- charts


def indicator_chart(
    rows: Sequence[ChartRow], *, lang: Lang, title: ChartTitle, name: str = "indicators"
) -> Chart:
    """Horizontal bars of the overall shares with 95 % CI whiskers and baselines where given."""
    w = texts(lang).chart
    heading = title.text(lang)
    labels = [_wrap(_with_n(r.label, r.n, lang), _LABEL_WIDTH) for r in rows]
    centres, total = _rows(labels, minimum=0.42)
    total = max(total, 0.8)
    kinds = list(dict.fromkeys(_baseline_kind(r, lang) for r in rows if r.baseline is not None))
    with _style():
        fig = _figure(total, heading)
        ax = fig.add_subplot()
        if not rows:
            _empty(ax, lang)
        else:
            est = [100 * r.estimate for r in rows]
            # A light fill, so the baseline marker stands out on the bar in greyscale too.
            bars = ax.barh(centres, est, height=0.26, color=_SKY_LIGHT, edgecolor=_BLUE, lw=0.6)
            whiskers = _whiskers(
                ax,
                [
                    (Interval(r.estimate, r.ci_low, r.ci_high), y)
                    for r, y in zip(rows, centres, strict=True)
                ],
                color=_BLACK,
            )
            handles: list[Any] = [bars, whiskers]
            legend = [w.share, w.ci]
            for kind, (marker, colour) in zip(kinds, itertools.cycle(_BASELINE_MARKERS)):
                points = [
                    (100 * r.baseline, y)
                    for r, y in zip(rows, centres, strict=True)
                    if r.baseline is not None and _baseline_kind(r, lang) == kind
                ]
                handles.append(
                    ax.scatter(
                        [x for x, _ in points],
                        [y for _, y in points],
                        marker=marker,
                        s=38,
                        color=colour,
                        edgecolors=_BLACK,
                        linewidths=0.7,
                        zorder=4,
                    )
                )
                legend.append(kind)
            for r, y in zip(rows, centres, strict=True):
                if r.baseline is not None and r.baseline > r.ci_high:
                    _value_label(ax, r.baseline, y, r.estimate, lang, gap=8.0)  # clear the marker
                else:
                    _value_label(ax, r.ci_high, y, r.estimate, lang)
            ax.set_yticks(centres, labels=labels)
            fig.legend(handles, legend, loc="outside lower center", ncols=_legend_columns(legend))
        ax.set_ylim(total, 0)  # first row on top
        upper = _x_upper([max(r.ci_high, r.baseline or 0.0) for r in rows])
        _percent_axis(ax, upper, lang, label=True)
        png, svg = _images(fig)
    return Chart(name, heading, png, svg, _indicator_alt(rows, heading, lang))


def warm_up() -> None:
    """Draw two throwaway charts and discard them.

    A process's first chart pays once for what later charts reuse (fonts opened, glyphs
    and text layouts cached, Pillow's PNG encoder loaded): about a sixth of a second.
    A chart helper calls this while it waits for its first job. The caches change no
    chart's bytes (the helpers draw in any order and give the same bytes)."""
    point = Interval(0.25, 0.2, 0.3)
    title = ChartTitle("Æøå", "1,5 %", 1340)
    indicator_chart(
        [ChartRow("Æøå", 0.25, 0.2, 0.3, baseline=0.2, baseline_label="Region", n=1340)],
        lang=Lang.DA,
        title=title,
    )
    group_chart(
        [GroupPanel("Æøå", (GroupPoint("17-29 år", point, 164), GroupPoint("65+", None)), 0.25)],
        lang=Lang.DA,
        title=title,
    )


def _legend_columns(texts: Sequence[str]) -> int:
    """One legend row when it fits the page width, else two columns (long baseline names)."""
    return len(texts) if sum(len(t) + 8 for t in texts) <= 100 else 2


def _baseline_kind(row: ChartRow, lang: Lang) -> str:
    return row.baseline_label or texts(lang).chart.baseline


def _whiskers(
    ax: Axes, points: Sequence[tuple[Interval, float]], *, color: str, **marker: Any
) -> Any:
    """95 % CI whiskers (and, given a marker, the estimate) at the given heights."""
    return ax.errorbar(
        [100 * v.estimate for v, _ in points],
        [y for _, y in points],
        xerr=[
            [100 * (v.estimate - v.ci_low) for v, _ in points],
            [100 * (v.ci_high - v.estimate) for v, _ in points],
        ],
        fmt=marker.pop("fmt", "none"),
        ecolor=color,
        elinewidth=1.1,
        capsize=2.5,
        zorder=3,
        **marker,
    )


def group_chart(
    panels: Sequence[GroupPanel], *, lang: Lang, title: ChartTitle, name: str = "groups"
) -> Chart:
    """Small multiples, one panel per indicator: groups with 95 % CIs; suppressed groups noted."""
    heading = title.text(lang)
    ticks = [
        [
            _wrap(p.group if p.value is None else _with_n(p.group, p.n, lang), 24)
            for p in panel.points
        ]
        for panel in panels
    ]
    layouts = [_rows(t, minimum=0.3) for t in ticks]
    titles = [_wrap(panel.label, 70) for panel in panels]  # bold, over the axes only
    # A panel's share of the height: its rows, its wrapped title and its tick labels.
    heights = [
        max(total, 0.3) + 0.3 + _LINE * (t.count("\n") + 1)
        for (_, total), t in zip(layouts, titles, strict=True)
    ]
    values = [p.value.ci_high for panel in panels for p in panel.points if p.value is not None] + [
        panel.overall for panel in panels if panel.overall is not None
    ]
    upper = _x_upper(values)
    with _style():
        fig = _figure(sum(heights) - 0.3 if panels else 0.8, heading)
        if not panels:
            ax = fig.add_subplot()
            _empty(ax, lang)
            _percent_axis(ax, upper, lang, label=True)
        else:
            axes = fig.subplots(len(panels), 1, sharex=True, height_ratios=heights, squeeze=False)
            for i, (panel, ax) in enumerate(zip(panels, axes[:, 0], strict=True)):
                centres, total = layouts[i]
                _group_panel(ax, panel, centres, lang)
                _panel_title(ax, titles[i])
                ax.set_yticks(centres, labels=ticks[i])
                ax.set_ylim(max(total, 0.3), 0)
                _percent_axis(ax, upper, lang, label=i == len(panels) - 1)
                # sharex hides inner tick labels; each panel keeps its own scale visible.
                ax.tick_params(axis="x", labelbottom=True)
            _group_legend(fig, panels, lang)
        png, svg = _images(fig)
    return Chart(name, heading, png, svg, _group_alt(panels, heading, lang))


def _group_panel(ax: Axes, panel: GroupPanel, centres: Sequence[float], lang: Lang) -> None:
    shown = [
        (p.value, y) for p, y in zip(panel.points, centres, strict=True) if p.value is not None
    ]
    if panel.overall is not None:
        ax.axvline(100 * panel.overall, color=_BLACK, lw=0.9, ls=_DASHED, zorder=1)
    if shown:
        _whiskers(
            ax,
            shown,
            color=_BLACK,
            fmt="o",
            markersize=5,
            markerfacecolor=_BLUE,
            markeredgecolor=_BLUE,
        )
        for v, y in shown:
            _value_label(ax, v.ci_high, y, v.estimate, lang)
    for p, y in zip(panel.points, centres, strict=True):
        if p.value is None:
            _note(ax, y, texts(lang).chart.suppressed)


def _group_legend(fig: Figure, panels: Sequence[GroupPanel], lang: Lang) -> None:
    from matplotlib.lines import Line2D

    w = texts(lang).chart
    handles = [
        Line2D([], [], color=_BLUE, marker="o", ls="none", markersize=5, label=w.share),
        Line2D([], [], color=_BLACK, marker="|", lw=1.1, markersize=7, label=w.ci),
    ]
    if any(p.overall is not None for p in panels):
        handles.append(Line2D([], [], color=_BLACK, lw=0.9, ls=_DASHED, label=w.overall))
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles))


def wave_chart(
    rows: Sequence[WaveRow],
    *,
    lang: Lang,
    title: ChartTitle,
    previous_name: str,
    current_name: str,
    name: str = "waves",
) -> Chart:
    """Paired dots per indicator: the previous and the current wave, each with its 95 % CI."""
    w = texts(lang).chart
    heading = title.text(lang)
    labels = [_wrap(r.label, _LABEL_WIDTH) for r in rows]
    centres, total = _rows(labels, minimum=0.6)
    total = max(total, 0.8)
    offset = 0.1  # previous above, current below, so the whiskers never overlap
    sides = (
        (previous_name, -offset, "o", _ORANGE, [r.previous for r in rows]),
        (current_name, offset, "D", _BLUE, [r.current for r in rows]),
    )
    values = [v.ci_high for r in rows for v in (r.previous, r.current) if v is not None]
    with _style():
        fig = _figure(total, heading)
        ax = fig.add_subplot()
        if not rows:
            _empty(ax, lang)
        else:
            # Thin rules between indicators, so each pair of dots reads as one.
            for edge in _row_bottoms(centres)[:-1]:
                ax.axhline(edge, color=_GRID, lw=0.6, zorder=0)
            handles = []
            for wave, dy, marker, colour, picked in sides:
                placed = [(v, y + dy) for v, y in zip(picked, centres, strict=True)]
                drawn = [(v, y) for v, y in placed if v is not None]
                handles.append(
                    _whiskers(
                        ax,
                        drawn,
                        color=colour,
                        fmt=marker,
                        markersize=5.5,
                        markerfacecolor=colour,
                        markeredgecolor=_BLACK,
                        markeredgewidth=0.6,
                    )
                )
                for v, y in drawn:
                    _value_label(ax, v.ci_high, y, v.estimate, lang)
                for side, y in placed:
                    if side is None:
                        _note(ax, y, f"{wave}: {w.suppressed}")
            ax.set_yticks(centres, labels=labels)
            fig.legend(handles, [previous_name, current_name], loc="outside lower center", ncols=2)
        ax.set_ylim(total, 0)
        _percent_axis(ax, _x_upper(values), lang, label=True)
        png, svg = _images(fig)
    alt = _wave_alt(rows, heading, lang, previous_name, current_name)
    return Chart(name, heading, png, svg, alt)


def _row_bottoms(centres: Sequence[float]) -> list[float]:
    """Where each row of `_rows` ends: rows stack from 0 and a centre is mid-row."""
    bottoms, edge = [], 0.0
    for c in centres:
        edge = 2 * c - edge
        bottoms.append(edge)
    return bottoms


# --------------------------------------------------------------------------- alt texts


def _indicator_alt(rows: Sequence[ChartRow], heading: str, lang: Lang) -> str:
    w = texts(lang).chart
    intro = f"{w.bar_alt}: {heading}. {w.bar_intro}"
    parts = [intro] if rows else [intro, f"{w.nothing}."]
    for r in rows:
        label = _with_n(r.label, r.n, lang)
        text = f"{label}: {_interval_text(Interval(r.estimate, r.ci_low, r.ci_high), lang)}"
        if r.baseline is not None:
            text += f"; {r.baseline_label or w.baseline}: {_pct_text(r.baseline, lang)}"
        parts.append(text + ".")
    return " ".join(parts).replace(_NBSP, " ")


def _group_alt(panels: Sequence[GroupPanel], heading: str, lang: Lang) -> str:
    w = texts(lang).chart
    parts = [f"{w.group_alt}: {heading}."]
    if not panels:
        parts.append(f"{w.nothing}.")
    for panel in panels:
        groups = [
            f"{p.group}: {w.suppressed if p.value is None else _interval_text(p.value, lang)}"
            for p in panel.points
        ]
        if panel.overall is not None:
            groups.append(f"{w.overall}: {_pct_text(panel.overall, lang)}")
        parts.append(f"{panel.label}: " + "; ".join(groups) + ".")
    return " ".join(parts).replace(_NBSP, " ")


def _wave_alt(
    rows: Sequence[WaveRow], heading: str, lang: Lang, previous_name: str, current_name: str
) -> str:
    w = texts(lang).chart
    parts = [f"{w.wave_alt} ({previous_name} {w.and_} {current_name}): {heading}."]
    if not rows:
        parts.append(f"{w.nothing}.")
    for r in rows:
        sides = [
            f"{wave}: {w.suppressed if v is None else _interval_text(v, lang)}"
            for wave, v in ((previous_name, r.previous), (current_name, r.current))
        ]
        parts.append(f"{r.label}: " + "; ".join(sides) + ".")
    return " ".join(parts).replace(_NBSP, " ")
