"""The schema (formats §2): which raw column is which variable, and what it may hold.

The YAML is loaded with panelkit's safe loader (``yamlfile``) and then checked key by key, so a
mistake is reported with its key path (``variables.age.min: expected a number,
got "femten"``) instead of surfacing later as a confusing validation result.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from panelkit.errors import SchemaError

MULTI_DEFAULT_CATEGORIES: tuple[tuple[str, str], ...] = (("0", "Ikke valgt"), ("1", "Valgt"))


class VarType(StrEnum):
    """The type of a schema variable."""

    ID = "id"
    INTEGER = "integer"
    NUMBER = "number"
    CATEGORY = "category"
    TEXT = "text"  # free text: personal data, never written to any output
    MULTI = "multi"  # one 0/1 column of a multiple-choice question

    @property
    def is_numeric(self) -> bool:
        return self in (VarType.INTEGER, VarType.NUMBER)

    @property
    def is_categorical(self) -> bool:
        return self in (VarType.CATEGORY, VarType.MULTI)


@dataclass(frozen=True)
class Category:
    code: str
    label: str


@dataclass(frozen=True)
class Variable:
    """One raw column mapped to a named variable."""

    name: str
    column: str
    type: VarType
    text: str | None = None
    categories: tuple[Category, ...] = ()
    missing: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(c.label for c in self.categories)


@dataclass(frozen=True)
class Derived:
    """A variable computed from another by cutting it into left-closed bins."""

    name: str
    source: str
    bins: tuple[float, ...]
    labels: tuple[str, ...]


class ScoreMethod(StrEnum):
    """How a scale score combines its answered items' points (formats §8.1)."""

    SUM = "sum"
    MEAN = "mean"


@dataclass(frozen=True)
class Score:
    """A scale score (formats §8.1): the sum or mean of several items' points, times ``multiply``.

    ``points`` maps each answer label of the category items to its points (integer and
    number items score their value). ``reverse`` holds, per reversed item, the (min, max)
    its points are turned around with (max + min − points). Fewer than ``min_answered``
    answered items: the score is missing.
    """

    name: str
    items: tuple[str, ...]
    points: tuple[tuple[str, float], ...]
    method: ScoreMethod
    min_answered: int
    reverse: tuple[tuple[str, float, float], ...]
    multiply: float
    text: str | None = None


@dataclass(frozen=True)
class Source:
    sheet: str | None = None
    header_row: int = 1
    skip_rows: tuple[int, ...] = ()


@dataclass(frozen=True)
class Schema:
    """A checked schema. ``variables`` and ``derived`` keep the file's order."""

    name: str
    title: str | None
    id: str | None
    source: Source
    variables: tuple[Variable, ...]
    derived: tuple[Derived, ...]
    path: Path | None = None
    scores: tuple[Score, ...] = ()  # the `derived:` entries with `score:` (numbers)

    @property
    def names(self) -> tuple[str, ...]:
        return (
            tuple(v.name for v in self.variables)
            + tuple(d.name for d in self.derived)
            + tuple(s.name for s in self.scores)
        )

    def variable(self, name: str) -> Variable:
        for v in self.variables:
            if v.name == name:
                return v
        raise KeyError(name)

    def labels_of(self, name: str) -> tuple[str, ...] | None:
        """The ordered labels of a categorical or derived variable; None for others."""
        for d in self.derived:
            if d.name == name:
                return d.labels
        for v in self.variables:
            if v.name == name:
                return v.labels if v.type.is_categorical else None
        if any(s.name == name for s in self.scores):
            return None
        raise KeyError(name)

    def is_numeric(self, name: str) -> bool:
        """Whether ``name`` holds numbers: an integer or number variable, or a score."""
        return any(v.name == name and v.type.is_numeric for v in self.variables) or any(
            s.name == name for s in self.scores
        )


_TOP_KEYS = {"name", "title", "id", "source", "variables", "derived", "description"}
_VAR_KEYS = {"column", "type", "text", "categories", "missing", "min", "max", "description"}
_DERIVED_KEYS = {"from", "bins", "labels", "text", "description"}
_SCORE_KEYS = {
    "score", "points", "method", "min_answered", "reverse", "multiply", "text", "description",
}  # fmt: skip
_SOURCE_KEYS = {"sheet", "header_row", "skip_rows"}


class _Checker:
    """Walks the parsed YAML and raises SchemaError naming the file and key path."""

    def __init__(self, path: Path | None) -> None:
        self.where = f"{path.name}: " if path is not None else "schema: "

    def fail(self, keypath: str, problem: str) -> SchemaError:
        return SchemaError(f"{self.where}{keypath}: {problem}")

    def mapping(self, value: Any, keypath: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(
                keypath, f"expected a mapping of keys to values, got {show_value(value)}"
            )
        for key in value:
            if not isinstance(key, str):
                raise self.fail(keypath, f"keys must be names, got {show_value(key)}")
        return value

    def known_keys(self, value: Mapping[str, Any], allowed: set[str], keypath: str) -> None:
        unknown = sorted(set(value) - allowed)
        if unknown:
            where = f"{keypath}.{unknown[0]}" if keypath else unknown[0]
            raise self.fail(
                where,
                f"unknown key; expected one of {', '.join(sorted(allowed))}",
            )

    def text(self, value: Any, keypath: str) -> str:
        if isinstance(value, bool):
            raise self.fail(
                keypath,
                f'YAML read {show_value(value)} as a boolean; quote it ("{_yaml_word(value)}") '
                "to use it as text",
            )
        if isinstance(value, int | float) and not isinstance(value, bool):
            return number_text(value)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(keypath, f"expected text, got {show_value(value)}")
        return value.strip()

    def number(self, value: Any, keypath: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            raise self.fail(keypath, f"expected a number, got {show_value(value)}")
        return float(value)

    def whole(self, value: Any, keypath: str, minimum: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(
                keypath, f"expected a whole number of at least {minimum}, got {show_value(value)}"
            )
        return value

    def sequence(self, value: Any, keypath: str) -> Sequence[Any]:
        if isinstance(value, str) or not isinstance(value, Sequence):
            raise self.fail(keypath, f"expected a list, got {show_value(value)}")
        return value


def show_value(value: Any) -> str:
    """A value as a message quotes it: text in quotes, YAML booleans as true/false."""
    if isinstance(value, str):
        return f'"{value}"'
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return str(value)


def _yaml_word(value: bool) -> str:
    return "Yes" if value else "No"


def number_text(value: float) -> str:
    """A number without a spurious .0."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_schema(document: Any, path: Path | None = None) -> Schema:
    """Check a parsed schema document and build a Schema."""
    c = _Checker(path)
    top = c.mapping(document, "(top level)")
    c.known_keys(top, _TOP_KEYS, "")
    name = c.text(top["name"], "name") if "name" in top else (path.stem if path else "schema")
    title = c.text(top["title"], "title") if top.get("title") is not None else None
    if "variables" not in top:
        raise c.fail(
            "variables", "missing; a schema maps raw columns to variables under `variables:`"
        )
    raw_vars = c.mapping(top["variables"], "variables")
    if not raw_vars:
        raise c.fail("variables", "is empty; list at least one variable")
    variables = tuple(_parse_variable(c, n, spec) for n, spec in raw_vars.items())
    seen_columns: dict[str, str] = {}
    for v in variables:
        if v.column in seen_columns:
            raise c.fail(
                f"variables.{v.name}.column",
                f'column "{v.column}" is already used by variable {seen_columns[v.column]}; '
                "map each column once",
            )
        seen_columns[v.column] = v.name

    derived: list[Derived] = []
    raw_derived = c.mapping(top.get("derived") or {}, "derived")
    known = {v.name: v for v in variables}
    for dname in raw_derived:
        if dname in known:
            raise c.fail(f"derived.{dname}", "this name is already a variable; choose another")
    # Scores first: a `bins:` variable may cut a score, wherever the score stands in the file.
    scores = tuple(
        _parse_score(c, dname, spec, known)
        for dname, spec in raw_derived.items()
        if isinstance(spec, Mapping) and "score" in spec
    )
    for dname, spec in raw_derived.items():
        if not (isinstance(spec, Mapping) and "score" in spec):
            derived.append(_parse_derived(c, dname, spec, known, {s.name for s in scores}))

    id_name: str | None = None
    if top.get("id") is not None:
        id_name = c.text(top["id"], "id")
        if id_name not in known:
            raise c.fail("id", f'"{id_name}" is not a variable; expected one of {", ".join(known)}')
        if known[id_name].type is not VarType.ID:
            ids = [n for n, v in known.items() if v.type is VarType.ID]
            raise c.fail(
                "id",
                f'"{id_name}" is a {known[id_name].type} variable, not an id; name a variable of '
                f"type: id ({', '.join(ids) or 'none yet: give the id column type: id'})",
            )

    source = _parse_source(c, top.get("source"))
    return Schema(
        name=name,
        title=title,
        id=id_name,
        source=source,
        variables=variables,
        derived=tuple(derived),
        path=path,
        scores=scores,
    )


def _parse_variable(c: _Checker, name: str, spec: Any) -> Variable:
    kp = f"variables.{name}"
    spec = c.mapping(spec, kp)
    c.known_keys(spec, _VAR_KEYS, kp)
    if "type" not in spec:
        raise c.fail(
            f"{kp}.type", f"missing; expected one of {', '.join(t.value for t in VarType)}"
        )
    try:
        vtype = VarType(spec["type"])
    except ValueError:
        raise c.fail(
            f"{kp}.type",
            f"unknown type {show_value(spec['type'])}; expected one of {', '.join(t.value for t in VarType)}",
        ) from None
    column = c.text(spec["column"], f"{kp}.column") if "column" in spec else name
    text = c.text(spec["text"], f"{kp}.text") if spec.get("text") is not None else None

    categories: tuple[Category, ...] = ()
    if "categories" in spec:
        if not vtype.is_categorical:
            raise c.fail(
                f"{kp}.categories",
                f"only category and multi variables have categories, this is {vtype}",
            )
        categories = _parse_categories(c, spec["categories"], f"{kp}.categories")
    elif vtype is VarType.CATEGORY:
        raise c.fail(
            f"{kp}.categories",
            "missing; a category variable lists its answers (a list, or code: label)",
        )
    elif vtype is VarType.MULTI:
        categories = tuple(Category(code, label) for code, label in MULTI_DEFAULT_CATEGORIES)

    missing: tuple[str, ...] = ()
    if spec.get("missing") is not None:
        items = c.sequence(spec["missing"], f"{kp}.missing")
        missing = tuple(c.text(item, f"{kp}.missing[{i}]") for i, item in enumerate(items))
        clash = {m.casefold() for m in missing} & {x.label.casefold() for x in categories}
        if clash:
            raise c.fail(
                f"{kp}.missing", f"{sorted(clash)[0]!r} is both a category and a missing answer"
            )

    lo = c.number(spec["min"], f"{kp}.min") if spec.get("min") is not None else None
    hi = c.number(spec["max"], f"{kp}.max") if spec.get("max") is not None else None
    if (lo is not None or hi is not None) and not vtype.is_numeric:
        raise c.fail(
            f"{kp}.{'min' if lo is not None else 'max'}",
            f"only integer and number variables have bounds, this is {vtype}",
        )
    if lo is not None and hi is not None and lo > hi:
        raise c.fail(f"{kp}.min", f"{number_text(lo)} is above max {number_text(hi)}")
    return Variable(name, column, vtype, text, categories, missing, lo, hi)


def _parse_categories(c: _Checker, value: Any, kp: str) -> tuple[Category, ...]:
    if isinstance(value, Mapping):
        pairs = [
            (c.text(code, f"{kp} (code {show_value(code)})"), c.text(label, f"{kp}.{code}"))
            for code, label in value.items()
        ]
    elif isinstance(value, list):
        pairs = []
        for i, item in enumerate(value):
            label = c.text(item, f"{kp}[{i}]")
            pairs.append((label, label))
    else:
        raise c.fail(
            kp, f"expected a list of labels or a mapping of code: label, got {show_value(value)}"
        )
    if not pairs:
        raise c.fail(kp, "is empty; list the answers")
    labels = [p[1].casefold() for p in pairs]
    codes = [p[0].casefold() for p in pairs]
    for seen, what in ((labels, "label"), (codes, "code")):
        dup = next((x for i, x in enumerate(seen) if x in seen[:i]), None)
        if dup is not None:
            raise c.fail(kp, f"the {what} {dup!r} appears twice; each answer once")
    by_code = {code: raw for raw, code in zip((p[0] for p in pairs), codes, strict=True)}
    for (code, label), folded in zip(pairs, labels, strict=True):
        other = by_code.get(folded)
        if other is not None and other.casefold() != code.casefold():
            raise c.fail(
                kp,
                f'the label "{label}" (code {code}) is also the code of another answer '
                f'({other}: "{pairs[codes.index(folded)][1]}"), so a raw "{label}" could mean '
                "either; relabel it in words or change the codes",
            )
    return tuple(Category(code, label) for code, label in pairs)


def _parse_derived(
    c: _Checker,
    name: str,
    spec: Any,
    known: Mapping[str, Variable],
    scores: set[str] | frozenset[str] = frozenset(),
) -> Derived:
    kp = f"derived.{name}"
    spec = c.mapping(spec, kp)
    c.known_keys(spec, _DERIVED_KEYS, kp)
    for key in ("from", "bins", "labels"):
        if key not in spec:
            raise c.fail(f"{kp}.{key}", "missing; a derived variable needs from, bins and labels")
    source = c.text(spec["from"], f"{kp}.from")
    numeric = [n for n, v in known.items() if v.type.is_numeric] + sorted(scores)
    if source not in numeric:
        raise c.fail(
            f"{kp}.from",
            f'"{source}" is not a numeric variable; expected one of {", ".join(numeric) or "(none)"}',
        )
    bins = tuple(
        c.number(b, f"{kp}.bins[{i}]") for i, b in enumerate(c.sequence(spec["bins"], f"{kp}.bins"))
    )
    if len(bins) < 2 or any(b >= a for a, b in zip(bins[1:], bins[:-1], strict=False)):
        raise c.fail(f"{kp}.bins", "expected at least two numbers in increasing order")
    labels = tuple(
        c.text(x, f"{kp}.labels[{i}]")
        for i, x in enumerate(c.sequence(spec["labels"], f"{kp}.labels"))
    )
    if len(labels) != len(bins) - 1:
        raise c.fail(
            f"{kp}.labels",
            f"{len(bins)} bins make {len(bins) - 1} groups, but {len(labels)} labels are given; "
            "give one label per group",
        )
    if len(set(labels)) != len(labels):
        raise c.fail(f"{kp}.labels", "a label appears twice; each group needs its own")
    return Derived(name, source, bins, labels)


_SCORE_ITEM_TYPES = (VarType.CATEGORY, VarType.INTEGER, VarType.NUMBER)


def _parse_score(c: _Checker, name: str, spec: Any, known: Mapping[str, Variable]) -> Score:
    """A scale score (formats §8.1), every item and every answer's points checked."""
    kp = f"derived.{name}"
    spec = c.mapping(spec, kp)
    c.known_keys(spec, _SCORE_KEYS, kp)
    raw_items = c.sequence(spec["score"], f"{kp}.score")
    if not raw_items:
        raise c.fail(f"{kp}.score", "is empty; list the variables the score adds up")
    items: list[Variable] = []
    for i, raw in enumerate(raw_items):
        item = _score_item(c, c.text(raw, f"{kp}.score[{i}]"), f"{kp}.score[{i}]", known)
        if item in items:
            raise c.fail(f"{kp}.score[{i}]", f"{item.name} is listed twice; list each item once")
        items.append(item)

    categorical = [v for v in items if v.type is VarType.CATEGORY]
    points = _score_points(c, spec.get("points"), f"{kp}.points", categorical)
    method_text = c.text(spec["method"], f"{kp}.method") if "method" in spec else "sum"
    try:
        method = ScoreMethod(method_text)
    except ValueError:
        raise c.fail(
            f"{kp}.method",
            f'unknown method "{method_text}"; expected sum or mean (of the answered items)',
        ) from None
    k = len(items)
    min_answered = k
    if spec.get("min_answered") is not None:
        value = spec["min_answered"]
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= k:
            raise c.fail(
                f"{kp}.min_answered",
                f"expected a whole number from 1 to {k} (the score has {k} items), "
                f"got {show_value(value)}",
            )
        min_answered = value
    multiply = c.number(spec["multiply"], f"{kp}.multiply") if "multiply" in spec else 1.0
    if multiply == 0:
        raise c.fail(f"{kp}.multiply", "is 0, which makes every score 0; give e.g. 1 or 4")

    by_name = {v.name: v for v in items}
    reverse: list[tuple[str, float, float]] = []
    raw_reverse = spec.get("reverse") or []
    for i, raw in enumerate(c.sequence(raw_reverse, f"{kp}.reverse")):
        rkp = f"{kp}.reverse[{i}]"
        rname = c.text(raw, rkp)
        if rname not in by_name:
            raise c.fail(
                rkp, f'"{rname}" is not an item of the score; expected one of {", ".join(by_name)}'
            )
        if any(r[0] == rname for r in reverse):
            raise c.fail(rkp, f"{rname} is listed twice; list each reversed item once")
        var = by_name[rname]
        if var.type is VarType.CATEGORY:
            values = [p for _, p in points]
            reverse.append((rname, min(values), max(values)))
        elif var.min is None or var.max is None:
            raise c.fail(
                rkp,
                f"{rname} is a {var.type} item without min: and max: in the schema, so its "
                f"points cannot be reversed (max + min − value); give variables.{rname} "
                "min: and max:",
            )
        else:
            reverse.append((rname, var.min, var.max))
    text = c.text(spec["text"], f"{kp}.text") if spec.get("text") is not None else None
    return Score(
        name,
        tuple(v.name for v in items),
        points,
        method,
        min_answered,
        tuple(reverse),
        multiply,
        text,
    )


def _score_item(c: _Checker, item: str, kp: str, known: Mapping[str, Variable]) -> Variable:
    usable = [n for n, v in known.items() if v.type in _SCORE_ITEM_TYPES]
    if item not in known:
        close = difflib.get_close_matches(item, usable, n=3, cutoff=0.6)
        hint = (
            f"did you mean {' or '.join(close)}?"
            if close
            else f"expected one of {', '.join(usable) or '(none)'}"
        )
        raise c.fail(kp, f'"{item}" is not a variable of the schema; {hint}')
    var = known[item]
    if var.type not in _SCORE_ITEM_TYPES:
        raise c.fail(
            kp,
            f"{item} is {'an' if var.type.value[0] in 'aeiou' else 'a'} {var.type} variable; "
            "a score adds category, integer or number "
            "variables, so leave it out of score:",
        )
    return var


def _score_points(
    c: _Checker, value: Any, kp: str, categorical: Sequence[Variable]
) -> tuple[tuple[str, float], ...]:
    """Points per answer label, in the order given; every answer of every category item."""
    if value is None:
        if categorical:
            first = categorical[0]
            raise c.fail(
                kp,
                f"missing; {first.name} is a category item, so give every answer points, "
                f"e.g. points: {{{first.labels[0]}: 1, …}}",
            )
        return ()
    if not isinstance(value, Mapping) or not value:
        raise c.fail(kp, f"expected a mapping of answer: points, got {show_value(value)}")
    labels = {label.casefold(): label for v in categorical for label in v.labels}
    points: dict[str, float] = {}
    for raw_label, raw_points in value.items():
        label = c.text(raw_label, f"{kp} (answer {show_value(raw_label)})")
        if label.casefold() not in labels:
            owners = ", ".join(v.name for v in categorical) or "(no category items)"
            raise c.fail(
                f"{kp}.{label}",
                f'"{label}" is not an answer of the score\'s category items ({owners}); '
                f"expected answers among {', '.join(dict.fromkeys(labels.values())) or '(none)'}",
            )
        points[labels[label.casefold()]] = c.number(raw_points, f"{kp}.{label}")
    for v in categorical:
        lacking = [label for label in v.labels if label not in points]
        if lacking:
            raise c.fail(
                kp,
                f'"{lacking[0]}" (an answer of {v.name}) has no points; give every answer of '
                f"{v.name} points, or list it under missing: in the schema",
            )
    return tuple(points.items())


def _parse_source(c: _Checker, value: Any) -> Source:
    if value is None:
        return Source()
    spec = c.mapping(value, "source")
    c.known_keys(spec, _SOURCE_KEYS, "source")
    sheet = c.text(spec["sheet"], "source.sheet") if spec.get("sheet") is not None else None
    header_row = c.whole(spec.get("header_row", 1), "source.header_row", 1)
    skip = spec.get("skip_rows") or []
    skip_rows = tuple(
        c.whole(x, f"source.skip_rows[{i}]", header_row + 1)
        for i, x in enumerate(c.sequence(skip, "source.skip_rows"))
    )
    return Source(sheet, header_row, skip_rows)


def read_text_file(path: Path, error: type[Exception] = SchemaError) -> str:
    """A settings file's text (UTF-8, a byte-order mark tolerated), as one-line errors."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise error(f"{path}: file not found; check the path") from None
    except UnicodeDecodeError:
        raise error(f"{path.name}: not UTF-8 text; save the file as UTF-8") from None
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror})") from None


def load_yaml(path: Path, error: type[Exception] = SchemaError) -> Any:
    """Read a YAML file through panelkit's one safe loader (see ``yamlfile``)."""
    from panelkit.input.yamlfile import load_yaml as safe_load_yaml

    return safe_load_yaml(path, error)


def load_schema(path: str | Path) -> Schema:
    """Load and check a schema file."""
    p = Path(path)
    return parse_schema(load_yaml(p, SchemaError), p)
