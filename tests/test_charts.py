"""Report charts: deterministic bytes, Danish number formats, baselines, no suppressed numbers."""

from __future__ import annotations

import pytest
from defusedxml import ElementTree

from panelkit.publish.charts import (
    Chart,
    ChartRow,
    ChartTitle,
    GroupPanel,
    GroupPoint,
    Interval,
    WaveRow,
    format_count,
    format_pct,
    format_tick,
    group_chart,
    indicator_chart,
    panels_from_estimates,
    rows_from_estimates,
    wave_chart,
    wave_rows_from_estimates,
)
from panelkit.results import Estimate, Lang

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_NS = "{http://www.w3.org/2000/svg}"
NBSP = "\u00a0"

LABELS = {
    "lonely": "i alderen 17-29 år er enig eller meget enig i, at de ofte føler sig mere "
    "ensomme end de bryder sig om",
    "health": "vurderer eget helbred som mindre godt eller dårligt",
    "community": "savner at føle sig som en del af et fællesskab",
    "secret": "hemmelig indikator med for få svar",
}
TITLE = ChartTitle("Indikatorer", "Amager Øst borgerpanel 2022", 1338)


def est(
    indicator: str,
    value: float | None,
    *,
    n: int = 300,
    by: str | None = None,
    group: str | None = None,
) -> Estimate:
    """An estimate with a ±4 pp interval; value None makes it suppressed (numbers null, §6)."""
    if value is None:
        return Estimate(indicator, by, group, n, 0, None, None, None, None, "logit", True)
    return Estimate(
        indicator=indicator,
        by=by,
        group=group,
        n=n,
        n_positive=round(n * value),
        estimate=value,
        se=0.02,
        ci_low=value - 0.04,
        ci_high=value + 0.04,
        ci_method="logit",
        suppressed=False,
    )


ESTIMATES = (
    est("lonely", 0.2311, n=212),
    est("health", 0.143, n=1290),
    est("community", 0.225, n=1338),
    est("secret", None, n=12),
    est("health", 0.12, by="age_group", group="17-29", n=210),
    est("health", None, by="age_group", group="30-44", n=9),
    est("health", 0.19, by="age_group", group="45-64", n=400),
)


def texts(chart: Chart) -> list[str]:
    """Every text element of the SVG (one per line of a wrapped label), spaces normalised."""
    root = ElementTree.fromstring(chart.svg)
    return [(t.text or "").replace(NBSP, " ") for t in root.iter(f"{SVG_NS}text")]


def all_text(chart: Chart) -> str:
    return "\n".join(texts(chart))


@pytest.fixture(scope="module")
def da_chart() -> Chart:
    rows = rows_from_estimates(ESTIMATES, LABELS, {"health": 0.15}, "Region Hovedstaden 2021")
    return indicator_chart(rows, lang=Lang.DA, title=TITLE)


# --------------------------------------------------------------------------- formats


def test_danish_and_english_numbers() -> None:
    assert format_pct(0.225, Lang.DA) == "22,5"
    assert format_pct(0.225, Lang.EN) == "22.5"
    assert format_count(1338, Lang.DA) == "1.338"
    assert format_count(1338, Lang.EN) == "1,338"
    assert format_tick(22.5, Lang.DA) == "22,5"
    assert format_tick(20.0, Lang.DA) == "20"
    assert TITLE.text(Lang.DA) == "Indikatorer, Amager Øst borgerpanel 2022 (n = 1.338)"
    two = ChartTitle("Udvikling", "Amager Øst borgerpanel", (1204, 1338))
    assert two.text(Lang.DA).endswith("(n = 1.204 og 1.338)")


def test_records_refuse_impossible_numbers() -> None:
    with pytest.raises(ValueError, match="does not contain"):
        ChartRow("x", 0.5, 0.6, 0.7)
    with pytest.raises(ValueError, match="between 0 and 1"):
        Interval(23.1, 17.8, 29.4)  # percent instead of proportion


# --------------------------------------------------------------------------- determinism


def test_same_input_gives_identical_bytes(da_chart: Chart) -> None:
    rows = rows_from_estimates(ESTIMATES, LABELS, {"health": 0.15}, "Region Hovedstaden 2021")
    again = indicator_chart(rows, lang=Lang.DA, title=TITLE)
    assert again.png == da_chart.png
    assert again.svg == da_chart.svg
    assert again.alt == da_chart.alt
    assert da_chart.png.startswith(PNG_SIGNATURE)
    assert b"Software" not in da_chart.png
    assert b"<dc:date>" not in da_chart.svg and b"Matplotlib v" not in da_chart.svg


def test_rendering_leaves_callers_matplotlib_settings_alone(da_chart: Chart) -> None:
    import matplotlib

    before = dict(matplotlib.rcParams)
    indicator_chart(rows_from_estimates(ESTIMATES, LABELS), lang=Lang.DA, title=TITLE)
    assert dict(matplotlib.rcParams) == before


# --------------------------------------------------------------------------- indicator chart


def test_svg_has_title_danish_numbers_and_axis(da_chart: Chart) -> None:
    words = texts(da_chart)
    assert "Indikatorer, Amager Øst borgerpanel 2022 (n = 1.338)" in words
    assert da_chart.title == TITLE.text(Lang.DA)
    assert "Andel (pct.)" in words
    assert "22,5 %" in words  # value label with decimal comma
    assert "fællesskab (n = 1.338)" in words  # wrapped label, Danish thousands
    assert not any("22.5" in w for w in words)
    assert "22,5 %" in da_chart.alt


def test_baseline_marker_only_when_given(da_chart: Chart) -> None:
    assert "Region Hovedstaden 2021" in texts(da_chart)
    assert "Region Hovedstaden 2021: 15,0 %" in da_chart.alt
    plain = indicator_chart(rows_from_estimates(ESTIMATES, LABELS), lang=Lang.DA, title=TITLE)
    assert "Region Hovedstaden 2021" not in all_text(plain)
    assert "Referenceværdi" not in all_text(plain)
    assert plain.svg != da_chart.svg


def test_each_baseline_source_gets_its_own_legend_entry() -> None:
    rows = [
        ChartRow("a", 0.2, 0.15, 0.25, baseline=0.18, baseline_label="Sundhedsprofil 2021"),
        ChartRow("b", 0.3, 0.25, 0.35, baseline=0.28, baseline_label="Københavns Kommune"),
        ChartRow("c", 0.4, 0.35, 0.45, baseline=0.5),
    ]
    words = texts(indicator_chart(rows, lang=Lang.DA, title=TITLE))
    for legend in ("Sundhedsprofil 2021", "Københavns Kommune", "Referenceværdi"):
        assert words.count(legend) == 1


def test_suppressed_estimate_is_never_drawn(da_chart: Chart) -> None:
    rows = rows_from_estimates(ESTIMATES, LABELS)
    assert [r.label for r in rows] == [LABELS["lonely"], LABELS["health"], LABELS["community"]]
    assert "hemmelig" not in all_text(da_chart)
    assert "hemmelig" not in da_chart.alt
    assert b"hemmelig" not in da_chart.svg


def test_rows_from_estimates_refuses_a_visible_estimate_without_interval() -> None:
    broken = Estimate("x", None, None, 50, 10, 0.2, 0.05, None, None, "logit", False)
    with pytest.raises(ValueError, match="no confidence interval"):
        rows_from_estimates([broken], {})


def test_english_labels() -> None:
    labels = {"lonely": "aged 17-29 often feel lonely", "health": "rate their health as poor"}
    rows = rows_from_estimates(ESTIMATES, labels, {"health": 0.15})
    title = ChartTitle("Indicators", "Amager Øst citizen panel 2022", 1338)
    chart = indicator_chart(rows, lang=Lang.EN, title=title)
    words = texts(chart)
    assert "Indicators, Amager Øst citizen panel 2022 (n = 1,338)" in words
    assert "Share (%)" in words
    assert "95% confidence interval" in words
    assert "Reference value" in words
    assert "14.3%" in words
    assert "Andel (pct.)" not in words
    assert chart.alt.startswith("Bar chart:")


def test_nothing_to_show_still_renders() -> None:
    chart = indicator_chart([], lang=Lang.DA, title=TITLE)
    assert "Ingen tal at vise" in texts(chart)
    assert chart.png.startswith(PNG_SIGNATURE)


# --------------------------------------------------------------------------- group chart


def test_group_chart_notes_suppressed_groups_without_numbers() -> None:
    panels = panels_from_estimates(ESTIMATES, LABELS, by="age_group")
    assert len(panels) == 1
    (panel,) = panels
    assert panel.overall == pytest.approx(0.143)
    assert panel.points[1] == GroupPoint("30-44", None, None)
    chart = group_chart(panels, lang=Lang.DA, title=TITLE, name="groups-age")
    words = texts(chart)
    assert chart.name == "groups-age"
    assert "undertrykt" in words
    assert "30-44" in words  # the group is named, without its n
    assert "17-29 (n = 210)" in words
    assert "12,0 %" in words and "19,0 %" in words
    assert "Alle" in words
    assert "30-44: undertrykt" in chart.alt
    again = group_chart(panels, lang=Lang.DA, title=TITLE, name="groups-age")
    assert (again.png, again.svg) == (chart.png, chart.svg)


def test_group_chart_english() -> None:
    panel = GroupPanel("rate their health as poor", (GroupPoint("65+", None),))
    words = texts(group_chart([panel], lang=Lang.EN, title=TITLE))
    assert "suppressed" in words
    assert "Share (%)" in words


# --------------------------------------------------------------------------- wave chart


def test_wave_chart_names_the_waves_and_skips_suppressed_side() -> None:
    previous = (est("health", 0.161, n=1180), est("community", None, n=5), est("old", 0.3))
    rows = wave_rows_from_estimates(previous, ESTIMATES, LABELS)
    assert [r.label for r in rows] == [LABELS["health"], LABELS["community"]]
    assert rows[1].previous is None
    title = ChartTitle("Udvikling", "Amager Øst borgerpanel", (1180, 1338))
    chart = wave_chart(rows, lang=Lang.DA, title=title, previous_name="2021", current_name="2022")
    words = texts(chart)
    assert "2021" in words and "2022" in words
    assert "2021: undertrykt" in words
    assert "16,1 %" in words and "14,3 %" in words and "22,5 %" in words
    assert "Udvikling, Amager Øst borgerpanel (n = 1.180 og 1.338)" in words
    again = wave_chart(rows, lang=Lang.DA, title=title, previous_name="2021", current_name="2022")
    assert (again.png, again.svg) == (chart.png, chart.svg)


def test_wave_chart_english() -> None:
    rows = [WaveRow("read the local paper", Interval(0.5, 0.45, 0.55), None)]
    title = ChartTitle("Change", "Amager Øst citizen panel", 1338)
    words = texts(
        wave_chart(rows, lang=Lang.EN, title=title, previous_name="2021", current_name="2022")
    )
    assert "2022: suppressed" in words
    assert "50.0%" in words


def _png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG_SIGNATURE)
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def test_a_drawing_wider_than_its_canvas_is_saved_whole() -> None:
    """A legend entry longer than the page is not cut at the canvas edge: the chart is
    saved into the drawing's own box, wider than the usual 7.5 inches at 150 dpi."""
    long = "Region Hovedstadens Sundhedsprofil " * 8
    rows = [ChartRow("a", 0.2, 0.15, 0.25, baseline=0.18, baseline_label=long.strip())]
    usual = indicator_chart([ChartRow("a", 0.2, 0.15, 0.25)], lang=Lang.DA, title=TITLE)
    wide = indicator_chart(rows, lang=Lang.DA, title=TITLE)
    assert _png_size(usual.png)[0] <= 7.5 * 150 + 2 * 0.125 * 150 + 2
    assert _png_size(wide.png)[0] > 7.5 * 150 + 2 * 0.125 * 150 + 2
    assert long.strip() in texts(wide)  # the whole legend entry, in the SVG as well
    again = indicator_chart(rows, lang=Lang.DA, title=TITLE)
    assert (wide.png, wide.svg) == (again.png, again.svg)


def test_an_axis_label_is_drawn_only_where_it_has_text() -> None:
    # `_images` hides empty axis labels (matplotlib would place and measure them for
    # nothing); a label with text must stay and be drawn.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from panelkit.publish.charts import _images

    def drawn(xlabel: str) -> tuple[bytes, Figure]:
        fig = Figure(figsize=(4, 2), dpi=50)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        ax.plot([0, 1], [0, 1])
        ax.set_xlabel(xlabel)
        png, _svg = _images(fig)
        return png, fig

    labelled, fig = drawn("Andel (%)")
    assert fig.axes[0].xaxis.label.get_visible()
    assert not fig.axes[0].yaxis.label.get_visible()
    unlabelled, _fig = drawn("")
    assert labelled != unlabelled
