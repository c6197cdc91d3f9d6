"""What ``schema init`` drafts, and how a variable is drafted from its values.

The plain data of a draft (:class:`SchemaDraft` of :class:`DraftBlock` of
:class:`DraftVariable`), the "no answer" answers every platform's labels are
checked against, and the inference from the data alone that every drafter
falls back on. The platform drafters (``surveyxact``, ``spss``, ``qualtrics``)
and the platform-neutral ``metadata`` build on this module.

Inference only guesses, and says so in the file: types from the values,
categories from the distinct answers (of a closed question, or of a column
where few answers repeat, each at least ``min_n`` times), never bounds for
numbers (an observed range would turn next year's oldest respondent into a
row error), and never a respondent's own answer: a value seen fewer than
``min_n`` times, or the smallest and largest number, is a single respondent's
answer and stays out of the schema (``disclosure.extremes_shown``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Final

from panelkit.disclosure import extremes_shown
from panelkit.input.schema import Category, VarType

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "IDENTIFIER",
    "MAX_CODES",
    "DraftBlock",
    "DraftVariable",
    "SchemaDraft",
    "SourceKind",
    "as_text",
    "cell_texts",
    "heading",
    "identifiers",
    "infer_variable",
    "looks_like_id",
    "missing_note",
    "missing_reason",
    "no_answer_kinds",
    "no_labels",
    "numbers_note",
    "parse_number",
    "split_answers",
    "text_of",
]


class SourceKind(StrEnum):
    """What a schema was drafted from."""

    SURVEYXACT = "surveyxact"
    SPSS = "spss"
    QUALTRICS = "qualtrics"
    CSV = "csv"
    XLSX = "xlsx"


@dataclass(frozen=True)
class DraftVariable:
    """One variable of a draft: what the schema file will say about it."""

    name: str
    column: str
    type: VarType
    text: str | None = None
    categories: tuple[Category, ...] = ()  # empty for a multi with the default 0/1 labels
    missing: tuple[str, ...] = ()
    missing_note: str | None = None  # the comment above ``missing:``
    notes: tuple[str, ...] = ()  # comments above the variable: what to check


@dataclass(frozen=True)
class DraftBlock:
    """The variables of one question, under a comment naming it."""

    heading: str
    variables: tuple[DraftVariable, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SchemaDraft:
    """A schema drafted from a source, before it is written."""

    kind: SourceKind
    source: str  # one line naming the source, for the header
    data: Path  # the export the schema is for
    inputs: tuple[Path, ...]  # every file read (never written over)
    blocks: tuple[DraftBlock, ...]
    title: str | None = None
    id: str | None = None
    sheet: str | None = None
    skip_rows: tuple[int, ...] = ()
    notes: tuple[str, ...] = field(default=())  # header lines about this source

    @property
    def variables(self) -> tuple[DraftVariable, ...]:
        return tuple(v for b in self.blocks for v in b.variables)


# ============================================================================ "no answer" answers

_DONT_KNOW: Final = "don't know"
_PREFER_NOT: Final = "prefer not to say"
_NOT_RELEVANT: Final = "not relevant"
# Normalised (see _normal): lower case, no apostrophes, other punctuation as spaces.
_NO_ANSWER: Final[dict[str, str]] = {
    phrase: kind
    for kind, phrases in (
        (
            _DONT_KNOW,
            (
                "ved ikke", "ved ej", "vet ikke", "vet ej", "vet inte", "dont know", "do not know",
                "kan ikke huske", "husker ikke", "minns inte", "kommer inte ihåg", "cant remember",
                "dont remember", "kan ikke vurdere", "kan ikke bedømme", "kan inte bedöma",
                "kan ej bedöma", "kan ikke svare", "kan inte svara", "cannot say", "cant say",
                "unsure", "not sure", "usikker", "osäker", "ved ikke kan ikke svare",
            ),
        ),
        (
            _PREFER_NOT,
            (
                "ønsker ikke at svare", "ønsker ikke å svare", "ønsker ikke at oplyse",
                "ønsker ikke å oppgi", "vil ikke svare", "vil helst ikke svare", "vil ikke oplyse",
                "vil ikke oppgi", "vill inte svara", "vill ej svara", "vill helst inte svara",
                "vill inte uppge", "prefer not to say", "prefer not to answer",
                "rather not say", "id rather not say", "would rather not say",
                "i would rather not say", "refused", "no answer", "uoplyst",
            ),
        ),
        (
            _NOT_RELEVANT,
            (
                "ikke relevant", "ej relevant", "inte relevant", "ikke aktuelt", "ikke aktuel",
                "ikke aktuell", "ej aktuellt", "inte aktuellt", "ej tillämpligt",
                "inte tillämpligt", "not applicable", "not relevant", "irrelevant", "n a",
            ),
        ),
    )
    for phrase in phrases
}  # fmt: skip
_PARENTHESES: Final = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_APOSTROPHES: Final = re.compile(r"[’'´`‘]")
_PUNCTUATION: Final = re.compile(r"[^\w]+")
# "Ikke relevant/ vet ikke", "Don't know or prefer not to say"
_PARTS: Final = re.compile(r"\s*(?:/|,|;|\||\s(?:eller|or|el\.)\s)\s*", re.IGNORECASE)


def _normal(text: str) -> str:
    text = _APOSTROPHES.sub("", _PARENTHESES.sub(" ", text).casefold())
    return " ".join(_PUNCTUATION.sub(" ", text).replace("_", " ").split())


def no_answer_kinds(label: str) -> tuple[tuple[str, ...], bool]:
    """The kinds of "no answer" ``label`` looks like, and whether all of it does.

    "Vet ikke" is all "don't know"; "Ikke relevant/ vet ikke" is all "not
    relevant" and "don't know"; "Annet/vil ikke svare" is only partly
    "prefer not to say" (it is also "other", a real answer).
    """
    whole = _normal(label)
    if whole in _NO_ANSWER:
        return (_NO_ANSWER[whole],), True
    parts = [_normal(p) for p in _PARTS.split(_PARENTHESES.sub(" ", label))]
    parts = [p for p in parts if p]
    kinds = [_NO_ANSWER[p] for p in parts if p in _NO_ANSWER]
    return tuple(dict.fromkeys(kinds)), bool(parts) and len(kinds) == len(parts)


@dataclass(frozen=True)
class _Answers:
    categories: tuple[Category, ...]
    missing: tuple[str, ...]
    missing_note: str | None
    notes: tuple[str, ...]


def split_answers(
    pairs: Sequence[tuple[str, str]], declared_missing: Iterable[str] = ()
) -> _Answers:
    """Categories and missing answers from (code, label) pairs in the platform's order.

    Labels that look like "no answer" (or whose code the platform declares
    missing) go to missing; a label given twice keeps its first code.
    """
    declared = set(declared_missing)
    kept: list[Category] = []
    missing: list[str] = []
    reasons: list[str] = []
    notes: list[str] = []
    seen: dict[str, str] = {}
    for code, label in pairs:
        key = label.strip().casefold()
        if key in seen:
            notes.append(
                f'code {code} has the same label as code {seen[key]} ("{label}"); both are '
                f"read as that answer, so code {code} is left out"
            )
            continue
        seen[key] = code
        kinds, whole = no_answer_kinds(label)
        if code in declared or (kinds and whole):
            missing.append(label)
            reasons.append(missing_reason(code, label, declared))
        else:
            kept.append(Category(code, label))
            if kinds:
                notes.append(
                    f'"{label}" partly looks like '
                    + " and ".join(f'"{k}"' for k in kinds)
                    + ": kept as an answer; move it to missing: if it means no answer"
                )
    if not kept:  # a schema needs at least one category: keep them all
        return _Answers(
            tuple(Category(c, lab) for c, lab in pairs if seen[lab.strip().casefold()] == c),
            (),
            None,
            (
                *notes,
                "every answer looks like no answer; all are kept as categories: check them",
            ),
        )
    return _Answers(
        tuple(kept), tuple(missing), missing_note(reasons) if missing else None, tuple(notes)
    )


def missing_reason(code: str, label: str, declared: set[str]) -> str:
    if code in declared:
        return f'"{label}" is declared missing in the .sav'
    kinds, _whole = no_answer_kinds(label)
    return f'"{label}" looks like ' + " and ".join(f'"{k}"' for k in kinds)


def missing_note(reasons: Sequence[str]) -> str:
    return (
        "; ".join(dict.fromkeys(reasons))
        + ": counted as no answer, never as an error (move to categories: to count it)"
    )


def cell_texts(series: pd.Series) -> pd.Series:
    """Cells as stripped text ("" for empty); 3 for 3.0, as validation reads codes."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    text = np.array([*(as_text(v) for v in uniques), ""], dtype=object)
    return pd.Series(text[codes], index=series.index, dtype=object)


_WHOLE_TEXT: Final = re.compile(r"^([+-]?\d+)\.0+$")
_DECIMAL_COMMA: Final = re.compile(r"^([+-]?\d*),(\d+)$")


def as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    return _WHOLE_TEXT.sub(r"\1", str(value).strip())


def parse_number(text: str) -> float:
    if "_" in text:  # float() reads "1_000"; validation does not
        return math.nan
    try:
        value = float(_DECIMAL_COMMA.sub(r"\1.\2", text))
    except ValueError:
        return math.nan
    return value if math.isfinite(value) else math.nan


def _show_number(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 2**53 else f"{value:.6g}"


# Whole numbers with at most this many distinct values are the codes of a category.
MAX_CODES: Final = 10
# Text with at most this many distinct answers, each at most this long, is a category.
_MAX_LABELS: Final = 20
_MAX_LABEL_LENGTH: Final = 60

_NOTE_CODES: Final = "the codes seen in the data, in numeric order: give them labels (code: label)"
_NOTE_ORDER: Final = (
    "the answers seen in the data, in alphabetical order: put them in their natural order"
)
_NOTE_FREE_TEXT: Final = (
    "many different answers, so free text: panelkit only uses whether it was answered"
)
# {min_n} is the run's min-n; the answers themselves are never named.
_NOTE_RARE: Final = (
    "answers given fewer than {min_n} times, so free text: panelkit only uses whether it was "
    "answered"
)
_NOTE_EMPTY: Final = "no answers in the data, so the type is a guess: check it"
_NOTE_NUMBERS: Final = (
    "an open question whose answers are all numbers: if it asks for a number, make it "
    "type: integer (or number)"
)


def infer_variable(
    name: str,
    column: str,
    texts: pd.Series,
    *,
    text: str | None = None,
    closed: bool = False,
    binary: bool = False,
    free_text: bool = False,
    min_n: int,
) -> DraftVariable:
    """A variable from its values alone (``closed``: the platform says it is a closed question).

    Text answers become categories only when each is given at least ``min_n`` times
    (the run's min-n): a rarer one is a respondent's own words, which a schema (and so
    a codebook) must not hold. The smallest and largest number are not named unless
    ``min_n`` is 0, as ``describe`` shows them only then.
    """
    import pandas as pd

    answered = texts[texts != ""]
    distinct = [str(v) for v in pd.unique(answered)]
    if free_text:
        # An open question stays text even if every answer is a number: a phone
        # number must not end up as a min/max in a codebook. Say so instead.
        numeric = bool(distinct) and not any(math.isnan(parse_number(v)) for v in distinct)
        return DraftVariable(
            name, column, VarType.TEXT, text, notes=(_NOTE_NUMBERS,) if numeric else ()
        )
    values = [v for v in distinct if not no_answer_kinds(v)[1]]
    no_answer = [v for v in distinct if no_answer_kinds(v)[1]]
    if not distinct:
        return DraftVariable(name, column, VarType.TEXT, text, notes=(_NOTE_EMPTY,))
    numbers = [parse_number(v) for v in values]
    if values and not any(math.isnan(x) for x in numbers):
        whole = all(x.is_integer() for x in numbers)
        if binary and set(values) <= {"0", "1"}:
            return DraftVariable(name, column, VarType.MULTI, text)
        if whole and (closed or len(values) <= MAX_CODES):
            ordered = sorted(values, key=lambda v: (parse_number(v), v))
            return _categorical(name, column, text, ordered, no_answer, _NOTE_CODES)
        answers = split_answers([(v, v) for v in sorted(no_answer, key=str.casefold)])
        return DraftVariable(
            name,
            column,
            VarType.INTEGER if whole else VarType.NUMBER,
            text,
            missing=answers.missing,
            missing_note=answers.missing_note,
            notes=(numbers_note(numbers, min_n),),
        )
    longest = max((len(v) for v in values), default=0)
    repeated = 2 * len(values) <= len(answered)
    few = len(values) <= _MAX_LABELS and longest <= _MAX_LABEL_LENGTH and repeated
    if closed or (few and _each_given(answered, values, min_n)):
        ordered = sorted(values, key=lambda v: (v.casefold(), v))
        note = _NOTE_ORDER if len(values) > 1 else None
        return _categorical(name, column, text, ordered, no_answer, note)
    note = _NOTE_RARE.format(min_n=min_n) if few else _NOTE_FREE_TEXT
    return DraftVariable(name, column, VarType.TEXT, text, notes=(note,))


def _each_given(answered: pd.Series, values: Sequence[str], min_n: int) -> bool:
    """Whether every one of ``values`` is among ``answered`` at least ``min_n`` times."""
    counts = answered.value_counts()
    return bool((counts.reindex(list(values), fill_value=0) >= min_n).all())


def numbers_note(numbers: Sequence[float], min_n: int) -> str:
    """The comment above a number: its observed range only when ``describe`` would show it."""
    if extremes_shown(min_n):
        return (
            f"numbers from {_show_number(min(numbers))} to {_show_number(max(numbers))} in "
            "the data; add min: and max: to catch typing errors"
        )
    return (
        "numbers in the data (the smallest and largest are single respondents' answers, so "
        "not shown); add min: and max: to catch typing errors"
    )


def _categorical(
    name: str,
    column: str,
    text: str | None,
    values: Sequence[str],
    no_answer: Sequence[str],
    note: str | None,
) -> DraftVariable:
    answers = split_answers(
        [(v, v) for v in values] + [(v, v) for v in sorted(no_answer, key=str.casefold)]
    )
    notes = ((note,) if note else ()) + answers.notes
    return DraftVariable(
        name,
        column,
        VarType.CATEGORY,
        text,
        categories=answers.categories,
        missing=answers.missing,
        missing_note=answers.missing_note,
        notes=notes,
    )


IDENTIFIER: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def identifiers(columns: Sequence[str]) -> list[str]:
    """A valid, unique variable name for every column: the column itself where it is one."""
    names: list[str] = []
    taken: set[str] = set()
    for column in columns:
        base = column if column.isidentifier() else "_".join(re.findall(r"\w+", column))
        base = base.strip("_") or "var"
        if not base[0].isalpha() and base[0] != "_":
            base = "v_" + base
        name, k = base, 2
        while name.casefold() in taken:
            name, k = f"{base}_{k}", k + 1
        taken.add(name.casefold())
        names.append(name)
    return names


def text_of(name: str, column: str) -> str | None:
    """A column name that had to be changed into a variable name is its question."""
    return None if name == column else column


def no_labels(var: DraftVariable, where: str) -> DraftVariable:
    """Say that a closed question's categories come from the data, not the platform."""
    notes = tuple(
        f"no labels {where}; {n}" if n in (_NOTE_CODES, _NOTE_ORDER) else n for n in var.notes
    )
    return replace(var, notes=notes)


def heading(column: str, text: str | None) -> str:
    return f"{column}: {text}" if text else column


_ID_NAMES: Final = frozenset(
    {
        "id", "respondent", "respondentid", "respondent_id", "responseid", "response_id",
        "respid", "resp_id", "caseid", "case_id", "lbnr", "løbenummer", "serial",
    }
)  # fmt: skip


def looks_like_id(column: str, texts: pd.Series) -> bool:
    folded = column.casefold()
    if folded not in _ID_NAMES and not folded.endswith("_id"):
        return False
    return bool((texts != "").all()) and not bool(texts.duplicated().any())
