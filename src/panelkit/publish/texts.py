"""Numbers in words, per language: the one place that knows decimal commas, "pct.",
percentage points, counts, intervals and p-values.

Each kind of number has its own formatter (:class:`NumberKind`): a share is shown in
percent, a mean in the variable's own units, a count as a whole number, a difference
of shares in percentage points and a difference of means in units. Tables, charts,
fact boxes and the HTML call these, so a new kind of estimate needs no new branches.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from panelkit.disclosure import Suppression
from panelkit.publish.words import NumberWords, texts
from panelkit.results import EstimateKind, Lang

_MINUS = "\u2212"  # a typographic minus: "−0,4" reads as a number, "-0,4" as a dash
NBSP = "\u00a0"  # keeps "23,1 %" and "n = 212" on one line when text wraps
# Below this many answers a count is shown exactly; from it on, "ca." to the nearest 10.
EXACT_BELOW = 100


class NumberKind(StrEnum):
    """What a figure measures, which decides how it is written."""

    SHARE = "share"  # a proportion 0..1, shown in percent
    MEAN = "mean"  # a mean in the variable's units
    COUNT = "count"  # a whole number of respondents
    VALUE = "value"  # a value of the variable (a quantile): as few digits as it needs


# Decimals of a mean in tables (fact boxes round to one, as running text does).
MEAN_DECIMALS = 2


def number_kind(kind: EstimateKind) -> NumberKind:
    """How an estimate of ``kind`` is written: shares and a distribution's answers in
    percent, a mean in its units, a quantile as the value it is."""
    if kind is EstimateKind.MEAN:
        return NumberKind.MEAN
    if kind is EstimateKind.QUANTILE:
        return NumberKind.VALUE
    return NumberKind.SHARE


def words(lang: Lang) -> NumberWords:
    """The number words of ``lang`` (from the catalogue, :mod:`panelkit.publish.words`)."""
    return texts(lang).numbers


def decimal(text: str, lang: Lang) -> str:
    """A number written with "." as each language writes it (Danish: decimal comma)."""
    return text.replace(".", words(lang).decimal)


def swap_separators(text: str, lang: Lang) -> str:
    """A number formatted with "," thousands and "." decimals, as ``lang`` writes it."""
    w = words(lang)
    return text.translate(str.maketrans(",.", w.thousands + w.decimal))


# --------------------------------------------------------------------------- shares


def pct(value: float, lang: Lang, decimals: int = 1) -> str:
    """A proportion as a percent for display: Danish decimal comma."""
    return decimal(f"{100 * value:.{decimals}f}", lang)


def pct_text(value: float, lang: Lang) -> str:
    """A share with its sign as each language sets it: "14,6 %" / "14.6%"."""
    return pct(value, lang) + words(lang).percent


def pct_nbsp(value: float, lang: Lang) -> str:
    """:func:`pct_text` that does not wrap: "14,6\u00a0%" (a no-break space) / "14.6%"."""
    return pct(value, lang) + words(lang).percent.replace(" ", NBSP)


def pct_words(value: float, lang: Lang, decimals: int = 0) -> str:
    """A proportion as running text prints it: "22 pct." / "22,1 pct." / "22%"."""
    # Half up, as a reader rounds (22.5 → 23), not Python's half to even; the
    # rounding to 10 places first removes float noise (100 · 0.145 = 14.4999…).
    percent = Decimal(repr(round(100.0 * value, 10)))
    shown = percent.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = f"{shown:f}"
    if text.startswith("-") and shown == 0:
        text = text[1:]
    return decimal(text, lang) + words(lang).pct_word


def interval_text(low: float, high: float, lang: Lang) -> str:
    """A confidence interval of a share in percent: "19,5–24,5"."""
    return f"{pct(low, lang)}–{pct(high, lang)}"


# --------------------------------------------------------------------------- differences


def _signed(value: float, decimals: int, lang: Lang) -> str:
    text = f"{value:+.{decimals}f}"
    if float(text) == 0:
        text = f"{0:.{decimals}f}"
    return decimal(text.replace("-", _MINUS), lang)


def pp_text(difference: float, lang: Lang, decimals: int = 1) -> str:
    """A difference of proportions as signed percentage points: "+3,1" / "−0,4"."""
    return _signed(100 * difference, decimals, lang)


def pp_interval_text(low: float, high: float, lang: Lang) -> str:
    """A confidence interval of a difference in percentage points: "−2,1 til +1,3"."""
    return f"{pp_text(low, lang)} {words(lang).to} {pp_text(high, lang)}"


def p_text(p: float, lang: Lang) -> str:
    """A p-value as a reader sees it: three decimals, "<0,001" below that."""
    return decimal("<0.001" if p < 0.0005 else f"{p:.3f}", lang)


# --------------------------------------------------------------------------- means and counts


def number_text(value: float, lang: Lang, digits: int = 4) -> str:
    """A number in its own units, ``digits`` significant digits: "3,142" / "1234"."""
    text = f"{value:.{digits}g}" if abs(value) < 10**digits else f"{value:.0f}"
    return decimal(text, lang)


def thousands_text(n: int, lang: Lang) -> str:
    """A whole number with thousands separators: "1.338" / "1,338"."""
    return f"{n:,}".replace(",", words(lang).thousands)


def answers_text(n: int, lang: Lang) -> str:
    """How many answers: "ca. 1340 svar" / "about 1,340 responses"; exact under 100."""
    w = words(lang)
    if n < EXACT_BELOW:
        return f"{n} {w.answer if n == 1 else w.answers}"
    rounded = (n + 5) // 10 * 10
    if w.group_short_numbers or rounded >= 10_000:
        # Danish writes four-digit numbers without a separator, longer ones with ".".
        shown = f"{rounded:,}".replace(",", w.thousands)
    else:
        shown = str(rounded)
    return f"{w.about} {shown} {w.answers}"


# --------------------------------------------------------------------------- by kind


def format_value(value: float, kind: NumberKind, lang: Lang, decimals: int = 1) -> str:
    """An estimate as a table shows it: a share "14,6 %", a mean "3,4", a count "1340"."""
    if kind is NumberKind.SHARE:
        return (
            pct_text(value, lang)
            if decimals == 1
            else pct(value, lang, decimals) + (words(lang).percent)
        )
    if kind is NumberKind.COUNT:
        return str(round(value))
    if kind is NumberKind.VALUE:
        return number_text(value, lang)
    return _signed(value, decimals, lang).lstrip("+")


def estimate_text(value: float, kind: NumberKind, lang: Lang) -> str:
    """An estimate in a table: a share "14,6 %", a mean "7,23", a quantile "47"."""
    return format_value(value, kind, lang, MEAN_DECIMALS if kind is NumberKind.MEAN else 1)


def se_text(se: float, kind: NumberKind, lang: Lang) -> str:
    """A standard error in a table: a share's in points ("1,2"), a mean's in its units
    with one decimal more than the mean ("0,056"), a quantile's as a value."""
    if kind is NumberKind.SHARE:
        return pct(se, lang)
    if kind is NumberKind.VALUE:
        return number_text(se, lang, 3)
    return decimal(f"{se:.{MEAN_DECIMALS + 1}f}", lang)


def estimate_interval_text(low: float, high: float, kind: NumberKind, lang: Lang) -> str:
    """An estimate's interval in a table: "19,5–24,5" (pct.), "7,12–7,34", "45–49"."""
    if kind is NumberKind.SHARE:
        return interval_text(low, high, lang)
    return f"{estimate_text(low, kind, lang)}–{estimate_text(high, kind, lang)}"


def mean_words(value: float, lang: Lang) -> str:
    """A mean as running text prints it, one decimal rounded half up: "7,2"."""
    shown = Decimal(repr(round(value, 10))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    text = f"{shown:f}"
    if text.startswith("-") and shown == 0:
        text = text[1:]
    return decimal(text.replace("-", _MINUS), lang)


def scale_number(value: float, lang: Lang) -> str:
    """An end of a scale: "0", "10", "2,5"."""
    return decimal(f"{value:g}", lang)


def excel_format(kind: NumberKind) -> str:
    """The workbook number format of an estimate of ``kind``."""
    if kind is NumberKind.SHARE:
        return "0.0%"
    if kind is NumberKind.MEAN:
        return "0." + "0" * MEAN_DECIMALS
    return "General"


def format_interval(low: float, high: float, kind: NumberKind, lang: Lang) -> str:
    """A confidence interval of an estimate: "19,5–24,5" (pct.) or "3,1–3,6" (units)."""
    if kind is NumberKind.SHARE:
        return interval_text(low, high, lang)
    return f"{format_value(low, kind, lang)}–{format_value(high, kind, lang)}"


def format_difference(difference: float, kind: NumberKind, lang: Lang, decimals: int = 1) -> str:
    """A signed difference: percentage points for shares ("−0,4"), else units ("+0,3")."""
    if kind is NumberKind.SHARE:
        return pp_text(difference, lang, decimals)
    return _signed(difference, decimals, lang)


def format_difference_interval(low: float, high: float, kind: NumberKind, lang: Lang) -> str:
    """A confidence interval of a difference: "−2,1 til +1,3" (pp or units)."""
    to = words(lang).to
    return f"{format_difference(low, kind, lang)} {to} {format_difference(high, kind, lang)}"


def count_text(n: int | None, reason: Suppression | None, min_n: int, lang: Lang) -> str:
    """A count as a person reads it: the number, "<20" (primary) or "skjult" (secondary)."""
    if n is not None:
        return str(n)
    return f"<{min_n}" if reason == Suppression.PRIMARY else words(lang).hidden
