"""The palette (publish/palette.py): WCAG contrast and colour-vision deficiencies.

Contrast is WCAG 2.x's relative-luminance ratio. The deficiencies are simulated with
the Machado, Oliveira & Fernandes (2009) matrices at full severity, applied in linear
sRGB; two colours count as apart when their CIELAB distance (ΔE*ab, D65) stays at
least 15 after the simulation (about five times a just-noticeable difference).
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pytest

from panelkit.publish import palette

# Machado et al. (2009), table for severity 1.0.
CVD = {
    "protanopia": [
        [0.152286, 1.052583, -0.204868],
        [0.114503, 0.786281, 0.099216],
        [-0.003882, -0.048116, 1.051998],
    ],
    "deuteranopia": [
        [0.367322, 0.860646, -0.227968],
        [0.280085, 0.672501, 0.047413],
        [-0.011820, 0.042940, 0.968881],
    ],
    "tritanopia": [
        [1.255528, -0.076749, -0.178779],
        [-0.078411, 0.930809, 0.147602],
        [0.004733, 0.691367, 0.303900],
    ],
}
APART = 15.0


def linear(colour: str) -> np.ndarray:
    c = np.array([int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def luminance(colour: str) -> float:
    return float(np.dot([0.2126, 0.7152, 0.0722], linear(colour)))


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def lab(rgb_linear: np.ndarray) -> np.ndarray:
    xyz = (
        np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
        @ rgb_linear
    )
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def seen(colour: str, deficiency: str | None) -> np.ndarray:
    rgb = linear(colour)
    if deficiency is not None:
        rgb = np.clip(np.array(CVD[deficiency]) @ rgb, 0, 1)
    return lab(rgb)


def test_the_contrast_formula_matches_wcag_examples() -> None:
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)  # the classic fail
    assert contrast("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)  # the classic pass


def test_a_simulation_keeps_grey_grey_and_merges_red_and_green() -> None:
    # Each matrix row sums to 1: a neutral colour is seen as itself.
    for m in CVD.values():
        assert np.array(m).sum(axis=1) == pytest.approx([1, 1, 1], abs=1e-3)
    red, green = "#D62728", "#2CA02C"  # matplotlib's default red and green
    normal = np.linalg.norm(seen(red, None) - seen(green, None))
    for d in ("protanopia", "deuteranopia"):
        assert np.linalg.norm(seen(red, d) - seen(green, d)) < normal / 2


@pytest.mark.parametrize(("text", "background"), palette.TEXT_PAIRS)
def test_text_reaches_4_5_to_1(text: str, background: str) -> None:
    assert contrast(text, background) >= 4.5


@pytest.mark.parametrize(("colour", "background"), palette.GRAPHIC_PAIRS)
def test_graphics_reach_3_to_1(colour: str, background: str) -> None:
    assert contrast(colour, background) >= 3.0


@pytest.mark.parametrize("deficiency", [None, *CVD])
def test_series_colours_stay_apart(deficiency: str | None) -> None:
    for a, b in itertools.combinations(palette.SERIES, 2):
        distance = float(np.linalg.norm(seen(a, deficiency) - seen(b, deficiency)))
        assert distance >= APART, (deficiency, a, b, round(distance, 1))


def test_charts_and_page_use_no_colour_outside_the_palette() -> None:
    """Every hex colour in the publishing code is one of the palette's."""
    named = {v.upper() for k, v in vars(palette).items() if k.isupper() and isinstance(v, str)}
    named |= set(palette.ANSWER_SHADES)
    src = Path(palette.__file__).parent
    modules = sorted(p for p in src.glob("*.py") if p.name != "palette.py")
    assert {"charts.py", "kindcharts.py", "html.py", "report.py"} <= {p.name for p in modules}
    for module in modules:
        text = module.read_text(encoding="utf-8")
        # Six or eight hex digits (#RRGGBB, #RRGGBBAA), and the short #RGB outside "&#123;".
        used = {c.upper() for c in re.findall(r"#(?:[0-9A-Fa-f]{8}|[0-9A-Fa-f]{6})\b", text)}
        assert used <= named, (module.name, sorted(used - named))
        assert not re.findall(r"(?<![&\w])#[0-9A-Fa-f]{3}\b", text), module.name


def test_the_answer_scales_come_from_the_palette() -> None:
    from panelkit.publish import kindcharts

    assert kindcharts.ANSWER_COLOURS is palette.ANSWER_COLOURS
    for k, colours in palette.ANSWER_COLOURS.items():
        assert len(colours) == k and kindcharts.answer_colours(k) == colours


@pytest.mark.parametrize("fill", palette.ANSWER_SHADES)
def test_an_answer_segment_stands_out_and_its_label_reads(fill: str) -> None:
    # The label is in TEXT_PAIRS (4.5:1); the segment itself reaches 3:1 against the page
    # or against the outline drawn round it, so its edge is seen either way.
    assert (palette.text_colour(fill), fill) in palette.TEXT_PAIRS
    assert contrast(palette.text_colour(fill), fill) >= 4.5
    assert max(contrast(fill, around) for around in palette.SEGMENT_SURROUNDS) >= 3.0


@pytest.mark.parametrize("k", [8, 9, 11])
def test_longer_answer_scales_label_readably(k: int) -> None:
    """Beyond the palette's seven, the scale is matplotlib's PuOr: labels still reach 4.5:1."""
    from panelkit.publish.kindcharts import answer_colours

    for fill in answer_colours(k):
        assert contrast(palette.text_colour(fill), fill) >= 4.5, fill


@pytest.mark.parametrize("deficiency", [None, *CVD])
def test_neighbouring_answers_stay_apart(deficiency: str | None) -> None:
    """Adjacent segments of a stacked bar differ for the common colour-vision deficiencies."""
    for colours in palette.ANSWER_COLOURS.values():
        for a, b in itertools.pairwise(colours):
            distance = float(np.linalg.norm(seen(a, deficiency) - seen(b, deficiency)))
            assert distance >= APART, (deficiency, a, b, round(distance, 1))


def test_css_variables_carry_the_palette() -> None:
    css = palette.css_variables()
    assert css.startswith(":root {") and f"--accent: {palette.BLUE.lower()};" in css
