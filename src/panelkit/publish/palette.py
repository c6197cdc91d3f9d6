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
)

#: (graphic colour, background) pairs that carry meaning.
GRAPHIC_PAIRS = (
    *((colour, WHITE) for colour in (INK, *SERIES)),
    (BLUE, BAR_FILL),  # a bar's outline is next to its fill as well as to the page
    (INK, BAR_FILL),  # whiskers and marker edges drawn over a bar
)


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
