"""The one set of colours of panelkit's charts and report page.

Every colour a chart or the page uses is named here, so the contrast checks of
``tests/test_palette.py`` see all of them: text at least 4.5:1 against the
background it sits on (WCAG 1.4.3), graphics that carry meaning at least 3:1
(WCAG 1.4.11), and the series colours still apart from each other for the
common colour-vision deficiencies (protan, deutan, tritan). Meaning is never
carried by colour alone: charts add marker shapes, line styles and labels.

The series colours start from Okabe & Ito (2008); orange is darkened to
``#B35C00`` so that it reaches 3:1 on white.
"""

from __future__ import annotations

from collections.abc import Mapping

# --------------------------------------------------------------------------- backgrounds

WHITE = "#FFFFFF"  # page and chart background
BAND = "#F3F6F9"  # every other table row
BOX = "#EEF5FB"  # the fact box
NOTE_BG = "#FDF6E7"  # a note box

# --------------------------------------------------------------------------- text

INK = "#1B1B1B"  # body text, chart text, whiskers and reference lines
MUTED = "#595959"  # secondary text: sources, captions, chart notes

# --------------------------------------------------------------------------- series

BLUE = "#0072B2"  # the accent and links; shares; the current wave
ORANGE = "#B35C00"  # the previous wave; a second series
GREEN = "#009E73"
PURPLE = "#CC79A7"
GREY = MUTED

#: Categorical series in order of use (charts with several groups or answers).
SERIES = (BLUE, ORANGE, GREEN, PURPLE, GREY)

# --------------------------------------------------------------------------- answer scales

# A distribution's answers as stacked bars: a diverging scale (ColorBrewer PuOr's colours,
# safe for the common colour-vision deficiencies), orange at one end, purple at the other,
# a pale neutral between, ``k`` colours for ``k`` answers. Chosen so the CIE lightness L*
# differs by at least 10 between every two neighbours and between the two ends
# (tests/test_kinds_publish.py), so the segments also read apart in greyscale; each
# segment is outlined (SEGMENT_EDGE) and labelled in black or white (`text_colour`).
ANSWER_COLOURS: Mapping[int, tuple[str, ...]] = {
    1: ("#998EC3",),
    2: ("#E66101", "#5E3C99"),
    3: ("#F1A340", "#F7F7F7", "#998EC3"),
    4: ("#E66101", "#FDB863", "#998EC3", "#542788"),
    5: ("#E66101", "#FDB863", "#F7F7F7", "#B2ABD2", "#5E3C99"),
    6: ("#B35806", "#F1A340", "#FEE0B6", "#B2ABD2", "#8073AC", "#542788"),
    7: ("#7F3B08", "#E66101", "#FDB863", "#F7F7F7", "#B2ABD2", "#8073AC", "#2D004B"),
}
SEGMENT_EDGE = "#404040"  # the outline between segments (and round the pale neutral)
DARK_TEXT = "#000000"  # a segment's label on a light fill
LIGHT_TEXT = WHITE  # a segment's label on a dark fill
MEAN_COLOUR = BLUE  # a mean's point, as the group charts' points

#: Every colour of the answer scales, once.
ANSWER_SHADES = tuple(dict.fromkeys(c for k in sorted(ANSWER_COLOURS) for c in ANSWER_COLOURS[k]))


def _luminance(colour: str) -> float:
    """Relative luminance (WCAG 2) of a ``#RRGGBB`` colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def lightness(colour: str) -> float:
    """CIE L* (0 black – 100 white) of a ``#RRGGBB`` colour: how light it prints in grey."""
    y = _luminance(colour)
    return 116 * y ** (1 / 3) - 16 if y > 0.008856 else 903.3 * y


def text_colour(fill: str) -> str:
    """DARK_TEXT or LIGHT_TEXT, whichever contrasts more with ``fill``."""
    lum = _luminance(fill)
    return DARK_TEXT if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else LIGHT_TEXT


# --------------------------------------------------------------------------- decoration

# These do not carry meaning on their own, so they need no 3:1: a bar's light fill
# sits inside a BLUE outline (the outline is the graphical object), grid and table
# rules only help the eye, and the note's border goes with its words.
BAR_FILL = "#A2D6F3"  # Okabe & Ito's sky blue at 55 % on white
GRID = "#D9D9D9"
RULE = "#D0D0D0"
NOTE_RULE = "#E69F00"

#: Backgrounds text and graphics are placed on.
BACKGROUNDS = (WHITE, BAND, BOX, NOTE_BG)

#: (text colour, background) pairs the page and the charts use.
TEXT_PAIRS = (
    *((INK, bg) for bg in BACKGROUNDS),
    *((MUTED, bg) for bg in BACKGROUNDS),
    *((BLUE, bg) for bg in BACKGROUNDS),  # links
    *((text_colour(fill), fill) for fill in ANSWER_SHADES),  # an answer segment's label
)

#: (graphic colour, background) pairs that carry meaning.
GRAPHIC_PAIRS = (
    *((colour, WHITE) for colour in (INK, *SERIES)),
    (BLUE, BAR_FILL),  # a bar's outline is next to its fill as well as to the page
    (INK, BAR_FILL),  # whiskers and marker edges drawn over a bar
    (SEGMENT_EDGE, WHITE),  # the outline round every answer segment
)

#: Each answer segment stands out from what is round it: the page or its outline.
SEGMENT_SURROUNDS = (WHITE, SEGMENT_EDGE)


def css_variables() -> str:
    """The page's colours as CSS custom properties (``:root { --ink: …; }``)."""
    names = {
        "ink": INK,
        "muted": MUTED,
        "rule": RULE,
        "band": BAND,
        "accent": BLUE,
        "box": BOX,
        "note-bg": NOTE_BG,
        "note-rule": NOTE_RULE,
        "page": WHITE,
    }
    body = " ".join(f"--{name}: {colour.lower()};" for name, colour in names.items())
    return f":root {{ {body} }}"
