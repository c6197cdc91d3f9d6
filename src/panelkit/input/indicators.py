"""Indicators (formats §4): which answers count as "yes", among whom.

An indicators file is YAML, loaded with panelkit's safe loader (``yamlfile``) and checked key by
key against the schema, so a typo is reported with its file and key path
(``indicators.yaml: indicators.lonely_17_29.positive[1]: "Enigg" is not an
answer to lonely; …``) instead of surfacing later as an estimate of zero.

```yaml
source: Borgerpanelet 2024            # optional default for every indicator
area: Amager Øst                      # optional: the survey's area, {area} in fact boxes
factbox:                              # optional: the fact box's bullets, in order; a list
  - [lonely_17_29, high_trust]        #   joins figures in one bullet; a mapping
  - {indicator: lonely_17_29, by: sex, group: Kvinde}   # shows one group's row
breakdowns:                           # optional: how reports name a --by variable
  age_group: {da: Aldersgruppe, en: Age group}
indicators:
  - id: lonely_17_29
    variable: lonely                  # a category/multi variable ...
    positive: [Meget enig, Enig]      # ... and the answers that count as "yes"
    where: {age_group: ["17-29"]}     # optional domain; all keys must hold
    label: {da: "…", en: "…"}         # or one string for both languages
    baseline: {id: ensomhed-tils, area: Region Hovedstaden}   # or just the id
    factbox: {da: "…", en: "…"}       # optional fact-box template (or one string)
    source: Borgerpanelet 2024        # optional: names the survey in fact boxes
  - id: high_trust
    variable: trust_0_10              # a numeric variable ...
    positive: {min: 8, max: 10}       # ... and the inclusive range that counts as "yes"
  - id: life_satisfaction             # kind (formats §8.2): share (default), mean,
    kind: mean                        #   distribution or quantile
    variable: life_sat
  - id: feel_safe_mean                # the mean of an answer scale: every answer a score
    kind: mean
    variable: feel_safe
    scores: {Meget utryg: 1, Utryg: 2, Tryg: 3, Meget tryg: 4}
  - id: health_answers                # every answer's share
    kind: distribution
    variable: health
  - id: age_quartiles
    kind: quantile
    variable: age
    quantiles: [0.25, 0.5, 0.75]      # default [0.5]
```

``positive`` belongs to a share, ``scores`` to a mean of a category variable,
``quantiles`` to a quantile; a key of another kind is an error naming the
indicator and the key.

`where` maps variables to a list of labels ("one of"), a single label, or
``{min:, max:}`` (inclusive; either may be left out) for a numeric variable.
It is structured data; nothing in the file is ever evaluated. Labels match the
schema's labels ignoring case and surrounding space, and are stored in the
schema's spelling. An unquoted ``yes``/``no``/``on``/``off`` (which YAML reads as
a boolean) where a label is expected is an error that says to quote it.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from panelkit.errors import SettingsError
from panelkit.input.schema import Schema, ScoreMethod, load_yaml, number_text, show_value
from panelkit.results import EstimateKind

LANGUAGES: tuple[str, ...] = ("da", "en")

_TOP_KEYS = frozenset({"indicators", "source", "description", "area", "factbox", "breakdowns"})
_INDICATOR_KEYS = frozenset(
    {
        *("id", "variable", "positive", "where", "label", "baseline", "factbox", "source"),
        *("description", "kind", "scores", "quantiles"),
    }
)
# The keys that belong to one kind only (formats §8.2).
_KIND_KEYS = {
    "positive": EstimateKind.SHARE,
    "scores": EstimateKind.MEAN,
    "quantiles": EstimateKind.QUANTILE,
}
_KIND_NAMES = {
    EstimateKind.SHARE: "a share",
    EstimateKind.MEAN: "a mean",
    EstimateKind.DISTRIBUTION: "a distribution",
    EstimateKind.QUANTILE: "a quantile",
}
_RANGE_KEYS = frozenset({"min", "max"})
_BASELINE_KEYS = frozenset({"id", "area", "group"})
# What PyYAML (YAML 1.1) reads as a boolean; used to suggest the label that was meant.
_YAML_TRUE = frozenset({"yes", "true", "on"})
_YAML_FALSE = frozenset({"no", "false", "off"})


@dataclass(frozen=True)
class Condition:
    """One key of a ``where``: the variable's value is one of ``values`` (labels of a
    categorical variable), or lies in ``[min, max]`` (a numeric one; None = open)."""

    variable: str
    values: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class BaselineRef:
    """Which row of a baselines file (formats §5) an indicator is compared with."""

    id: str
    area: str | None = None
    group: str | None = None


@dataclass(frozen=True)
class Indicator:
    """What to estimate of ``variable`` among the respondents in the domain ``where``
    who gave a non-missing answer, by ``kind`` (formats §4, §8.2):

    - share (the default): the weighted share whose answer is in ``positive`` (or,
      for a numeric variable, in ``positive_range``);
    - mean: the weighted mean of a number, or of a category variable's ``scores``;
    - distribution: every answer's share, in the schema's order;
    - quantile: the weighted ``quantiles`` of a number.

    ``labels`` and ``factbox`` are (language, text) pairs so the indicator stays
    hashable; use :meth:`label` and :meth:`factbox_text` to read them.
    """

    id: str
    variable: str
    positive: tuple[str, ...]
    where: tuple[Condition, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    baseline: BaselineRef | None = None
    factbox: tuple[tuple[str, str], ...] | None = None
    source: str | None = None
    # For a numeric variable: (min, max), inclusive, None = open. Then positive == ().
    positive_range: tuple[float | None, float | None] | None = None
    kind: EstimateKind = EstimateKind.SHARE
    # A mean of a category variable: (label, score) for every answer, schema order.
    scores: tuple[tuple[str, float], ...] | None = None
    quantiles: tuple[float, ...] = ()  # a quantile's probabilities, each in (0, 1)
    # A mean's scale: the smallest and largest value the variable (its scores, the
    # score's points) can take, None when the schema does not say (formats §8.2).
    scale: tuple[float, float] | None = None

    def label(self, lang: str = "da") -> str:
        """The label in ``lang``, else in the other language, else the id."""
        return _pick(self.labels, lang) or self.id

    @property
    def label_map(self) -> dict[str, str]:
        """The labels as a dict, language -> text."""
        return dict(self.labels)

    def factbox_text(self, lang: str = "da") -> str | None:
        """The fact-box template in ``lang``, else in the other language, else None."""
        return _pick(self.factbox or (), lang)


def _pick(pairs: Sequence[tuple[str, str]], lang: str) -> str | None:
    texts = dict(pairs)
    if lang in texts:
        return texts[lang]
    for other in LANGUAGES:
        if other in texts:
            return texts[other]
    return next(iter(texts.values()), None)


# --------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class IndicatorFile:
    """An indicators file as a whole: the indicators and the file-level settings.

    ``factbox`` is the raw layout of the fact box's bullets (checked for shape and
    ids here; ``publish.factbox.layout_from_data`` turns it into references), or
    None for one bullet per indicator.
    """

    indicators: tuple[Indicator, ...]
    area: str | None = None
    source: str | None = None
    factbox: tuple[Any, ...] | None = None
    path: Path | None = None
    # variable -> (language, name) pairs: how reports name a breakdown ("Aldersgruppe")
    breakdowns: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()

    def breakdown_name(self, variable: str, lang: str = "da") -> str | None:
        """The name of a breakdown variable in ``lang`` (else the other language), or None."""
        names = dict(self.breakdowns).get(variable)
        return None if names is None else _pick(names, lang)


def load_indicators(path: str | Path, schema: Schema) -> tuple[Indicator, ...]:
    """Load an indicators file and check it against ``schema``.

    Raises SettingsError (one line naming the file and key path) on any problem.
    """
    p = Path(path)
    return parse_indicators(load_yaml(p, SettingsError), schema, p)


def load_indicator_file(path: str | Path, schema: Schema) -> IndicatorFile:
    """Load an indicators file with its file-level keys (``area``, ``source``, ``factbox``)."""
    p = Path(path)
    document = load_yaml(p, SettingsError)
    indicators = parse_indicators(document, schema, p)
    c = _Checker(p, schema)
    top = c.mapping(document, "(top level)", 'expected a mapping with the key "indicators"')
    return IndicatorFile(
        indicators=indicators,
        area=c.optional_text(top.get("area"), "area"),
        source=c.optional_text(top.get("source"), "source"),
        factbox=_parse_factbox(c, top.get("factbox"), {i.id for i in indicators}),
        path=p,
        breakdowns=_parse_breakdowns(c, top.get("breakdowns")),
    )


def _parse_breakdowns(
    c: _Checker, value: Any
) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    if value is None:
        return ()
    spec = c.mapping(value, "breakdowns", "expected a mapping of variable: name, e.g. {sex: Køn}")
    out = []
    for name, names in spec.items():
        kp = f"breakdowns.{name}"
        variable = c.variable(name, kp)
        if c.schema.labels_of(variable) is None:
            raise c.fail(
                kp,
                f"{variable} has no answer categories; a breakdown is a category, multi or "
                "derived variable",
            )
        texts = c.texts_by_language(names, kp)
        if not texts:
            raise c.fail(kp, "expected the breakdown's name, e.g. Køn or {da: Køn, en: Sex}")
        out.append((variable, texts))
    return tuple(out)


def _parse_factbox(c: _Checker, value: Any, ids: set[str]) -> tuple[Any, ...] | None:
    """Check the fact box layout's shape and that every id is an indicator of the file."""
    if value is None:
        return None
    items = c.sequence(value, "factbox")
    if not items:
        raise c.fail("factbox", "is empty; list the bullets, e.g. [[miss_community, lonely]]")
    for i, bullet in enumerate(items):
        parts = bullet if isinstance(bullet, list) else [bullet]
        if not parts:
            raise c.fail(f"factbox[{i}]", "is an empty bullet; name at least one indicator")
        for j, part in enumerate(parts):
            kp = f"factbox[{i}]" if not isinstance(bullet, list) else f"factbox[{i}][{j}]"
            ref = part.get("indicator") if isinstance(part, Mapping) else part
            if not isinstance(ref, str) or not ref.strip():
                raise c.fail(
                    kp,
                    f"expected an indicator id or {{indicator: ID, by: VAR, group: LABEL}}, "
                    f"got {show_value(part)}",
                )
            if ref.strip() not in ids:
                close = difflib.get_close_matches(ref.strip(), sorted(ids), n=1)
                hint = f"did you mean {close[0]}? " if close else ""
                raise c.fail(
                    kp,
                    f'"{ref}" is not an indicator of this file; {hint}expected one of '
                    f"{', '.join(sorted(ids))}",
                )
    return tuple(items)


def parse_indicators(
    document: Any, schema: Schema, path: Path | None = None
) -> tuple[Indicator, ...]:
    """Check a parsed indicators document against ``schema`` and build the indicators."""
    c = _Checker(path, schema)
    top = c.mapping(document, "(top level)", 'expected a mapping with the key "indicators"')
    c.known_keys(top, _TOP_KEYS, "")
    if "indicators" not in top:
        raise c.fail("indicators", "missing; list the indicators under `indicators:`")
    default_source = c.optional_text(top.get("source"), "source")
    items = c.sequence(top["indicators"], "indicators")
    if not items:
        raise c.fail("indicators", "is empty; list at least one indicator")
    seen: dict[str, str] = {}
    out: list[Indicator] = []
    for i, item in enumerate(items):
        ind = _parse_indicator(c, item, f"indicators[{i}]", default_source)
        if ind.id in seen:
            raise c.fail(
                f"indicators[{i}].id",
                f'"{ind.id}" is already the id of {seen[ind.id]}; give each indicator its own id',
            )
        seen[ind.id] = f"indicators[{i}]"
        out.append(ind)
    return tuple(out)


def _parse_indicator(c: _Checker, item: Any, kp: str, default_source: str | None) -> Indicator:
    spec = c.mapping(item, kp, "expected a mapping with id, variable and positive")
    # Name the indicator by its id in later messages once the id is known to be usable.
    if "id" not in spec:
        raise c.fail(f"{kp}.id", "missing; every indicator needs an id")
    ind_id = c.text(spec["id"], f"{kp}.id")
    kp = f"indicators.{ind_id}"
    c.known_keys(spec, _INDICATOR_KEYS, kp)
    kind = _parse_kind(c, spec.get("kind", "share"), f"{kp}.kind")
    for key, owner in _KIND_KEYS.items():
        if key in spec and owner is not kind:
            raise c.fail(
                f"{kp}.{key}",
                f"belongs to {_KIND_NAMES[owner]}, not to {_KIND_NAMES[kind]}; leave it out "
                f"or set kind: {owner}",
            )
    if "variable" not in spec:
        need = "id, variable and positive" if kind is EstimateKind.SHARE else "id and variable"
        raise c.fail(f"{kp}.variable", f"missing; an indicator needs {need}")
    variable = c.variable(spec["variable"], f"{kp}.variable")
    positive: tuple[str, ...] = ()
    positive_range = None
    scores = None
    quantiles: tuple[float, ...] = ()
    if kind is EstimateKind.SHARE:
        if "positive" not in spec:
            raise c.fail(f"{kp}.positive", "missing; an indicator needs id, variable and positive")
        positive, positive_range = _parse_positive(c, spec["positive"], variable, kp)
    elif kind is EstimateKind.MEAN:
        scores = _parse_scores(c, spec.get("scores"), variable, kp)
    elif kind is EstimateKind.DISTRIBUTION:
        if c.schema.labels_of(variable) is None:
            raise c.fail(
                f"{kp}.variable",
                f"{variable} has no answer categories; a distribution is of a category, "
                "multi or derived variable",
            )
    else:
        if not c.schema.is_numeric(variable):
            raise c.fail(
                f"{kp}.variable",
                f"{variable} is not numeric; a quantile is of an integer or number variable",
            )
        quantiles = _parse_quantiles(c, spec.get("quantiles", [0.5]), f"{kp}.quantiles")
    where = _parse_where(c, spec.get("where"), f"{kp}.where")
    labels = c.texts_by_language(spec.get("label"), f"{kp}.label") or ()
    factbox = c.texts_by_language(spec.get("factbox"), f"{kp}.factbox")
    baseline = _parse_baseline(c, spec.get("baseline"), f"{kp}.baseline")
    source = c.optional_text(spec.get("source"), f"{kp}.source") or default_source
    return Indicator(
        id=ind_id,
        variable=variable,
        positive=positive,
        where=where,
        labels=labels,
        baseline=baseline,
        factbox=factbox,
        source=source,
        positive_range=positive_range,
        kind=kind,
        scores=scores,
        quantiles=quantiles,
        scale=_scale(c.schema, variable, scores) if kind is EstimateKind.MEAN else None,
    )


def _scale(
    schema: Schema, variable: str, scores: tuple[tuple[str, float], ...] | None
) -> tuple[float, float] | None:
    """The range a mean's values can take: the scores', the schema's min/max, or a
    scale score's (its items' points summed or averaged, times ``multiply``)."""
    if scores:
        values = [s for _, s in scores]
        return (min(values), max(values))
    score = next((s for s in schema.scores if s.name == variable), None)
    if score is None:
        v = schema.variable(variable)
        return None if v.min is None or v.max is None else (v.min, v.max)
    ranges = []
    points = [p for _, p in score.points]
    for item in score.items:
        v = schema.variable(item)
        if v.type.is_numeric:
            if v.min is None or v.max is None:
                return None
            ranges.append((v.min, v.max))
        else:
            ranges.append((min(points), max(points)))
    if score.method is ScoreMethod.MEAN:
        low, high = min(r[0] for r in ranges), max(r[1] for r in ranges)
    else:
        lows = sorted(r[0] for r in ranges)
        # A sum over fewer answered items (min_answered) can go lower, never rescaled.
        low = sum(lows[: score.min_answered]) if lows[0] >= 0 else sum(lows)
        high = sum(r[1] for r in ranges)
    ends = (low * score.multiply, high * score.multiply)
    return (min(ends), max(ends))


def _parse_kind(c: _Checker, value: Any, kp: str) -> EstimateKind:
    text = c.text(value, kp)
    try:
        return EstimateKind(text.casefold())
    except ValueError:
        raise c.fail(
            kp, f'"{text}" is not a kind; expected one of {", ".join(map(str, EstimateKind))}'
        ) from None


def _parse_scores(
    c: _Checker, value: Any, variable: str, kp: str
) -> tuple[tuple[str, float], ...] | None:
    """A mean's scores: none for a numeric variable, one per answer for a category one."""
    labels = c.schema.labels_of(variable)
    if labels is None:
        if value is not None:
            raise c.fail(
                f"{kp}.scores",
                f"{variable} is numeric; its values are the scores, leave scores out",
            )
        if not c.schema.is_numeric(variable):
            raise c.fail(f"{kp}.variable", c.not_usable(variable, "a mean is of"))
        return None
    if value is None:
        raise c.fail(
            f"{kp}.scores",
            f"missing; {variable} has answers, not numbers; give every answer a score, "
            f"e.g. {{{labels[0]}: 1, …}}",
        )
    spec = c.mapping(value, f"{kp}.scores", "expected a mapping of answer: score")
    given: dict[str, float] = {}
    for key, score in spec.items():
        label = c.label(key, variable, labels, f"{kp}.scores.{key}")
        given[label] = c.number(score, f"{kp}.scores.{key}")
    missing = [x for x in labels if x not in given]
    if missing:
        raise c.fail(
            f"{kp}.scores",
            f"every answer of {variable} needs a score; missing {_quoted(missing)}",
        )
    return tuple((x, given[x]) for x in labels)


def _parse_quantiles(c: _Checker, value: Any, kp: str) -> tuple[float, ...]:
    items = [value] if isinstance(value, int | float) and not isinstance(value, bool) else value
    items = c.sequence(items, kp)
    if not items:
        raise c.fail(kp, "is empty; list the quantiles, e.g. [0.25, 0.5, 0.75]")
    out = []
    for i, item in enumerate(items):
        q = c.number(item, f"{kp}[{i}]")
        if not 0 < q < 1:
            raise c.fail(f"{kp}[{i}]", f"{number_text(q)} is not strictly between 0 and 1")
        out.append(q)
    return tuple(dict.fromkeys(out))


def _parse_positive(
    c: _Checker, value: Any, variable: str, kp: str
) -> tuple[tuple[str, ...], tuple[float | None, float | None] | None]:
    labels = c.schema.labels_of(variable)
    if labels is not None:
        if isinstance(value, Mapping):
            raise c.fail(
                f"{kp}.positive",
                f"{variable} has answers, not numbers; list the answers that count as yes",
            )
        items = [value] if isinstance(value, str | bool | int | float) else value
        items = c.sequence(items, f"{kp}.positive")
        if not items:
            raise c.fail(f"{kp}.positive", "is empty; list the answers that count as yes")
        chosen = [c.label(x, variable, labels, f"{kp}.positive[{i}]") for i, x in enumerate(items)]
        return tuple(dict.fromkeys(chosen)), None
    if c.schema.is_numeric(variable):
        if not isinstance(value, Mapping):
            raise c.fail(
                f"{kp}.positive",
                f"{variable} is numeric; give the range that counts as yes as {{min: …, max: …}}",
            )
        lo, hi = c.range(value, f"{kp}.positive")
        return (), (lo, hi)
    raise c.fail(f"{kp}.variable", c.not_usable(variable, "an indicator counts answers of"))


def _parse_where(c: _Checker, value: Any, kp: str) -> tuple[Condition, ...]:
    if value is None:
        return ()
    spec = c.mapping(
        value, kp, 'expected a mapping of variable: answers, e.g. {age_group: ["17-29"]}'
    )
    out: list[Condition] = []
    for name, cond in spec.items():
        ckp = f"{kp}.{name}"
        variable = c.variable(name, ckp)
        labels = c.schema.labels_of(variable)
        if labels is not None:
            if isinstance(cond, Mapping):
                raise c.fail(
                    ckp,
                    f"{variable} has answers, not numbers; min/max only apply to numeric "
                    "variables; list the answers instead",
                )
            items = [cond] if isinstance(cond, str | bool | int | float) else cond
            items = c.sequence(items, ckp)
            if not items:
                raise c.fail(ckp, "is empty; list the answers that define the domain")
            values = tuple(
                dict.fromkeys(
                    c.label(x, variable, labels, f"{ckp}[{i}]") for i, x in enumerate(items)
                )
            )
            out.append(Condition(variable, values=values))
        elif c.schema.is_numeric(variable):
            if not isinstance(cond, Mapping):
                raise c.fail(ckp, f"{variable} is numeric; give the range as {{min: …, max: …}}")
            lo, hi = c.range(cond, ckp)
            out.append(Condition(variable, min=lo, max=hi))
        else:
            raise c.fail(ckp, c.not_usable(variable, "a domain is defined by"))
    return tuple(out)


def _parse_baseline(c: _Checker, value: Any, kp: str) -> BaselineRef | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        return BaselineRef(c.text(value, kp))
    c.known_keys(c.mapping(value, kp, ""), _BASELINE_KEYS, kp)
    if "id" not in value:
        raise c.fail(f"{kp}.id", "missing; name the baseline_id of the baselines file")
    return BaselineRef(
        id=c.text(value["id"], f"{kp}.id"),
        area=c.optional_text(value.get("area"), f"{kp}.area"),
        group=c.optional_text(value.get("group"), f"{kp}.group"),
    )


# --------------------------------------------------------------------------- checking


class _Checker:
    """Checks values of the parsed YAML; raises SettingsError naming file and key path."""

    def __init__(self, path: Path | None, schema: Schema) -> None:
        self.where = f"{path.name}: " if path is not None else "indicators: "
        self.schema = schema

    def fail(self, keypath: str, problem: str) -> SettingsError:
        return SettingsError(f"{self.where}{keypath}: {problem}")

    def mapping(self, value: Any, keypath: str, expected: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(keypath, f"{expected or 'expected a mapping'}, got {show_value(value)}")
        for key in value:
            if not isinstance(key, str):
                hint = _bool_hint(key) if isinstance(key, bool) else ""
                raise self.fail(keypath, f"keys must be names, got {show_value(key)}{hint}")
        return value

    def known_keys(self, value: Mapping[str, Any], allowed: frozenset[str], keypath: str) -> None:
        unknown = [k for k in value if k not in allowed]
        if unknown:
            where = f"{keypath}.{unknown[0]}" if keypath else unknown[0]
            close = difflib.get_close_matches(unknown[0], allowed, n=1)
            hint = f'did you mean "{close[0]}"? ' if close else ""
            raise self.fail(
                where, f"unknown key; {hint}expected one of {', '.join(sorted(allowed))}"
            )

    def sequence(self, value: Any, keypath: str) -> Sequence[Any]:
        if isinstance(value, str) or not isinstance(value, Sequence):
            raise self.fail(keypath, f"expected a list, got {show_value(value)}")
        return value

    def text(self, value: Any, keypath: str) -> str:
        if isinstance(value, bool):
            word = "Yes" if value else "No"
            raise self.fail(
                keypath, f'YAML read {show_value(value)} as a boolean; quote it ("{word}")'
            )
        if isinstance(value, int | float):
            return number_text(value)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(keypath, f"expected text, got {show_value(value)}")
        return value.strip()

    def optional_text(self, value: Any, keypath: str) -> str | None:
        return None if value is None else self.text(value, keypath)

    def number(self, value: Any, keypath: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            raise self.fail(keypath, f"expected a number, got {show_value(value)}")
        return float(value)

    def range(self, value: Mapping[str, Any], keypath: str) -> tuple[float | None, float | None]:
        self.known_keys(value, _RANGE_KEYS, keypath)
        lo = self.number(value["min"], f"{keypath}.min") if value.get("min") is not None else None
        hi = self.number(value["max"], f"{keypath}.max") if value.get("max") is not None else None
        if lo is None and hi is None:
            raise self.fail(keypath, "give min, max or both (inclusive)")
        if lo is not None and hi is not None and lo > hi:
            raise self.fail(f"{keypath}.min", f"{number_text(lo)} is above max {number_text(hi)}")
        return lo, hi

    def variable(self, value: Any, keypath: str) -> str:
        name = self.text(value, keypath)
        names = self.schema.names
        if name in names:
            return name
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
        if close:
            raise self.fail(keypath, f'"{name}" is not in the schema; did you mean {_or(close)}?')
        raise self.fail(
            keypath, f'"{name}" is not in the schema; its variables are {_listing(names)}'
        )

    def label(self, value: Any, variable: str, labels: Sequence[str], keypath: str) -> str:
        if isinstance(value, bool):
            words = _YAML_TRUE if value else _YAML_FALSE
            meant = [x for x in labels if x.casefold() in words]
            hint = f'; quote the label ("{meant[0]}")' if meant else _bool_hint(value)
            raise self.fail(keypath, f"YAML read {show_value(value)} as a boolean{hint}")
        text = self.text(value, keypath)
        if text in labels:
            return text
        folded = [x for x in labels if x.casefold() == text.casefold()]
        if len(folded) == 1:
            return folded[0]
        if text.casefold() in {m.casefold() for m in self._missing(variable)}:
            raise self.fail(
                keypath,
                f'"{text}" is a missing answer of {variable} (the schema\'s `missing`), '
                "never counted; expected one of " + _quoted(labels),
            )
        raise self.fail(
            keypath,
            f'"{text}" is not an answer to {variable}; expected one of {_quoted(labels)}',
        )

    def _missing(self, variable: str) -> tuple[str, ...]:
        if variable in {d.name for d in self.schema.derived}:
            return ()
        return self.schema.variable(variable).missing

    def texts_by_language(self, value: Any, keypath: str) -> tuple[tuple[str, str], ...] | None:
        if value is None:
            return None
        if not isinstance(value, Mapping):
            text = self.text(value, keypath)
            return tuple((lang, text) for lang in LANGUAGES)
        self.known_keys(self.mapping(value, keypath, ""), frozenset(LANGUAGES), keypath)
        return tuple((lang, self.text(value[lang], f"{keypath}.{lang}")) for lang in value)

    def not_usable(self, variable: str, role: str) -> str:
        kind = str(self.schema.variable(variable).type)
        article = "an" if kind[0] in "aeiou" else "a"
        return (
            f"{variable} is {article} {kind} variable; {role} a category, multi or numeric variable"
        )


def _bool_hint(value: bool) -> str:
    return f'; quote the label ("{"Yes" if value else "No"}")'


def _quoted(labels: Sequence[str]) -> str:
    return _listing([f'"{x}"' for x in labels])


def _or(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _listing(items: Sequence[str], limit: int = 20) -> str:
    shown = ", ".join(items[:limit])
    return shown if len(items) <= limit else f"{shown}, … ({len(items) - limit} more)"
