"""Population margins (formats §3): the targets that raking weights the sample to.

A margins file is CSV with the header ``variable,category,target``, optionally
preceded by ``#`` comment lines that carry the source. ``a|b`` with a category
``x|y`` is a joint cell of the cross of ``a`` and ``b`` (post-stratification).
Every problem is a ``SettingsError`` of one line naming the file and the line.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from panelkit.errors import SettingsError
from panelkit.input.schema import Schema, read_text_file

HEADER = ("variable", "category", "target")

# Builds the one-line error for a file line.
_Fail = Callable[[int, str], SettingsError]

# Margins whose totals differ by more than this (relative to the larger) disagree.
TOTAL_TOLERANCE = 0.005


@dataclass(frozen=True)
class Margin:
    """One raking margin: a variable (or a cross of variables) and its cell targets."""

    name: str  # "sex" or "age_group|sex"
    variables: tuple[str, ...]  # ("age_group", "sex")
    cells: tuple[tuple[str, ...], ...]  # label tuples in file order, e.g. (("17-29", "Kvinde"),)
    targets: tuple[float, ...]  # as given: population counts or shares
    line: int = 0  # the file line of the margin's first cell (0: not from a file)

    @property
    def total(self) -> float:
        return math.fsum(self.targets)

    def cell_name(self, index: int) -> str:
        """How cell ``index`` is written in the file, e.g. ``17-29|Kvinde``."""
        return "|".join(self.cells[index])


@dataclass(frozen=True)
class Margins:
    """All margins of one file, in file order."""

    margins: tuple[Margin, ...]
    path: Path | None = None
    comments: tuple[str, ...] = ()  # leading '#' lines, without the '#' and outer white space
    shares: bool = False  # True: targets are shares (every margin sums to 1)

    @property
    def variables(self) -> tuple[str, ...]:
        """Every weighting variable, once, in order of first use."""
        seen: dict[str, None] = {}
        for m in self.margins:
            seen.update(dict.fromkeys(m.variables))
        return tuple(seen)

    @property
    def source(self) -> str:
        """How to name the file in a message."""
        return self.path.name if self.path is not None else "margins"


def load_margins(path: str | Path, schema: Schema) -> Margins:
    """Read and check a margins file (UTF-8, a byte-order mark tolerated)."""
    p = Path(path)
    text = read_text_file(p, SettingsError)
    return parse_margins(text, schema, p)


def parse_margins(text: str, schema: Schema, path: Path | None = None) -> Margins:
    """Check the text of a margins file against ``schema`` and build Margins."""
    where = path.name if path is not None else "margins"
    text = text.removeprefix("\ufeff")

    def fail(line: int, problem: str) -> SettingsError:
        return SettingsError(f"{where} line {line}: {problem}")

    usable = _usable_variables(schema)
    comments: list[str] = []
    header_seen = False
    delimiter = ","
    # Per margin name: variables, cells, targets, the line of each cell.
    order: list[str] = []
    found: dict[str, tuple[tuple[str, ...], list[tuple[str, ...]], list[float], list[int]]] = {}

    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            if not header_seen:
                comments.append(stripped.lstrip("#").strip())
            continue
        if not header_seen:
            # A spreadsheet saved in Danish settings writes ';' between fields.
            if ";" in stripped and "," not in stripped:
                delimiter = ";"
            fields = [f.strip().lower() for f in _split(stripped, delimiter)]
            if tuple(fields) != HEADER:
                raise fail(
                    number,
                    f'the header must be "variable,category,target", got "{stripped}"',
                )
            header_seen = True
            continue

        fields = [f.strip() for f in _split(raw, delimiter)]
        while len(fields) > 3 and fields[-1] == "":  # a trailing empty column
            fields.pop()
        if len(fields) != 3:
            raise fail(number, f"expected 3 fields (variable,category,target), got {len(fields)}")
        var_text, cat_text, target_text = fields
        variables = tuple(v.strip() for v in var_text.split("|"))
        name = "|".join(variables)
        if not var_text:
            raise fail(number, "the variable is empty")
        for v in variables:
            _check_variable(v, schema, usable, number, fail)
        if len(set(variables)) != len(variables):
            raise fail(number, f'"{name}" names a variable twice; cross different variables')
        # A single variable's label may itself contain '|'; only a cross is split.
        parts = (
            (cat_text,) if len(variables) == 1 else tuple(c.strip() for c in cat_text.split("|"))
        )
        if len(parts) != len(variables):
            raise fail(
                number,
                f'category "{cat_text}" has {len(parts)} part(s) but "{name}" crosses '
                f"{len(variables)} variable(s); write one label per variable, separated by |",
            )
        cell = tuple(
            _canonical_label(v, c, schema, number, fail)
            for v, c in zip(variables, parts, strict=True)
        )
        target = _parse_target(target_text, delimiter, number, fail)

        if name not in found:
            order.append(name)
            found[name] = (variables, [], [], [])
        _, cells, targets, lines = found[name]
        if cell in cells:
            first = lines[cells.index(cell)]
            raise fail(
                number,
                f'the cell {name} = "{"|".join(cell)}" is repeated (first on line {first}); '
                "give each cell once",
            )
        cells.append(cell)
        targets.append(target)
        lines.append(number)

    if not header_seen or not order:
        raise SettingsError(
            f"{where}: no margins; expected the header variable,category,target "
            "and one line per cell"
        )

    margins = tuple(
        Margin(
            name=name,
            variables=found[name][0],
            cells=tuple(found[name][1]),
            targets=tuple(found[name][2]),
            line=found[name][3][0],
        )
        for name in order
    )
    shares = _check_totals(margins, fail)
    return Margins(margins=margins, path=path, comments=tuple(comments), shares=shares)


def _split(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter, skipinitialspace=True), [])


def _usable_variables(schema: Schema) -> tuple[str, ...]:
    return tuple(n for n in schema.names if schema.labels_of(n) is not None)


def _check_variable(
    name: str, schema: Schema, usable: tuple[str, ...], line: int, fail: _Fail
) -> None:
    if name in usable:
        return
    choices = ", ".join(usable) or "(none)"
    if name not in schema.names:
        raise fail(line, f'unknown variable "{name}"; expected one of {choices}')
    if schema.is_numeric(name):
        raise fail(
            line,
            f'"{name}" is a numeric variable; a margin needs categories: group it with a '
            f"derived variable (bins) in the schema, or use one of {choices}",
        )
    kind = schema.variable(name).type.value
    article = "an" if kind[0] in "aeiou" else "a"
    raise fail(
        line,
        f'"{name}" is {article} {kind} variable; a margin needs categories: use one of {choices}',
    )


def _canonical_label(variable: str, label: str, schema: Schema, line: int, fail: _Fail) -> str:
    # Labels match as raw answers do (formats §2): ignoring case and outer white space.
    labels = schema.labels_of(variable) or ()
    for known in labels:
        if known.casefold() == label.casefold():
            return known
    raise fail(
        line,
        f'"{label}" is not a category of {variable}; expected one of {", ".join(labels)}',
    )


MAX_TARGET = 1e12  # about 125 times the world population


def _parse_target(text: str, delimiter: str, line: int, fail: _Fail) -> float:
    # The contract's own example ends a line with a '# …' remark; allow it.
    value_text = text.split("#", 1)[0].strip()
    if delimiter == ";":
        value_text = value_text.replace(",", ".")  # decimal comma
    try:
        value = float(value_text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise fail(line, f'target "{text}" is not a number')
    if value < 0:
        raise fail(
            line, f"target {value_text} is negative; a target is a count or a share, 0 or more"
        )
    if value > MAX_TARGET:
        # Squares of weights this large overflow a float; no population is this big.
        raise fail(
            line,
            f"target {value_text} is too large; a population count is at most "
            f"{MAX_TARGET:,.0f} (give counts or shares of the population)",
        )
    return value


def _check_totals(margins: tuple[Margin, ...], fail: _Fail) -> bool:
    """Every margin must total the same population; shares and counts do not mix.

    Returns True when the targets are shares.
    """
    for m in margins:
        if m.total <= 0:
            raise fail(m.line, f"margin {m.name}: its targets total 0; give population counts")
    is_share = [abs(m.total - 1.0) <= TOTAL_TOLERANCE for m in margins]
    first = margins[0]
    for m, share in zip(margins[1:], is_share[1:], strict=True):
        if share != is_share[0]:
            a, b = (first, m) if is_share[0] else (m, first)
            raise fail(
                m.line,
                f"margin {a.name} gives shares (total {_fmt(a.total)}) but margin {b.name} "
                f"gives counts (total {_fmt(b.total)}); give every margin as counts or every "
                "margin as shares",
            )
        if abs(m.total - first.total) > TOTAL_TOLERANCE * max(m.total, first.total):
            gap = abs(m.total - first.total) / max(m.total, first.total)
            raise fail(
                m.line,
                f"margin {m.name} totals {_fmt(m.total)} but margin {first.name} totals "
                f"{_fmt(first.total)} ({gap:.1%} apart, more than 0.5%); every margin must "
                "total the same population",
            )
    return is_share[0]


def _fmt(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e6 else f"{value:.0f}"
