"""Numbers in words: each kind of number is written as its language writes it."""

from panelkit.publish.texts import (
    NumberKind,
    answers_text,
    format_difference,
    format_difference_interval,
    format_interval,
    format_value,
    pct_words,
)
from panelkit.results import Lang


def test_a_share_is_percent_and_a_mean_is_units() -> None:
    assert format_value(0.146, NumberKind.SHARE, Lang.DA) == "14,6 %"
    assert format_value(0.146, NumberKind.SHARE, Lang.EN) == "14.6%"
    assert format_value(3.456, NumberKind.MEAN, Lang.DA, decimals=2) == "3,46"
    assert format_value(1340, NumberKind.COUNT, Lang.DA) == "1340"
    assert format_interval(3.1, 3.6, NumberKind.MEAN, Lang.DA) == "3,1–3,6"
    assert format_interval(0.195, 0.245, NumberKind.SHARE, Lang.EN) == "19.5–24.5"


def test_differences_in_points_or_units() -> None:
    assert format_difference(-0.004, NumberKind.SHARE, Lang.DA) == "\u22120,4"
    assert format_difference(0.3, NumberKind.MEAN, Lang.EN) == "+0.3"
    assert format_difference(-0.01, NumberKind.MEAN, Lang.DA) == "0,0"
    assert (
        format_difference_interval(-0.021, 0.013, NumberKind.SHARE, Lang.DA) == "\u22122,1 til +1,3"
    )


def test_counts_and_running_text() -> None:
    assert answers_text(1343, Lang.DA) == "ca. 1340 svar"
    assert answers_text(13_404, Lang.DA) == "ca. 13.400 svar"
    assert answers_text(1343, Lang.EN) == "about 1,340 responses"
    assert answers_text(1, Lang.EN) == "1 response"
    assert pct_words(0.225, Lang.DA) == "23 pct."
    assert pct_words(0.225, Lang.EN) == "23%"
