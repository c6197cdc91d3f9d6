"""Baselines (formats §5): published figures that panel estimates are compared with.

A baselines file is CSV (UTF-8, a byte-order mark tolerated) with the header
``baseline_id,area,group,estimate_pct,ci_low_pct,ci_high_pct,n,source,year``
in any order, optionally preceded by ``#`` comment lines; extra columns (such
as ``note``) are allowed. A spreadsheet saved with Danish settings writes ``;``
between fields and a decimal comma; both are accepted.

Every problem is a ``SettingsError`` of one line naming the file, the line and
the column, e.g. ``baselines.csv line 4, estimate_pct: "15,x" is not a number``.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from panelkit.errors import SettingsError
from panelkit.results import EstimateKind

COLUMNS = (
    "baseline_id",
    "area",
    "group",
    "estimate_pct",
    "ci_low_pct",
    "ci_high_pct",
    "n",
    "source",
    "year",
)

# Optional columns for a mean's baseline, in the variable's own units (formats §5).
UNIT_COLUMNS = ("estimate", "ci_low", "ci_high")

# Years outside this range are almost surely a typo ("21" for 2021).
_YEARS = (1900, 2100)


@dataclass(frozen=True)
class Baseline:
    """One published figure: a proportion for an area (and optionally a group).

    ``estimate``, ``ci_low`` and ``ci_high`` are proportions (0–1), converted from
    the file's percent columns. The interval is taken to be a 95% interval.
    """

    id: str
    area: str
    group: str | None  # None: the whole population of the area
    estimate: float
    ci_low: float | None
    ci_high: float | None
    n: int | None
    source: str
    year: int | None
    note: str | None = None
    # SHARE: the percent columns, stored as proportions; MEAN: the unit columns (a mean
    # in the variable's own units, e.g. 7.4 on a 0-10 scale)
    kind: EstimateKind = EstimateKind.SHARE

    @property
    def fixed(self) -> bool:
        """True when the figure comes without uncertainty (neither an interval nor n)."""
        return self.ci_low is None and self.n is None

    def describe(self) -> str:
        """How to name the baseline in a message: ``id (area, group)``."""
        return _describe(self.id, self.area, self.group)


def load_baselines(path: str | Path) -> tuple[Baseline, ...]:
    """Read and check a baselines file; the baselines come in file order."""
    p = Path(path)
    from panelkit.input.schema import read_text_file  # pulls in yaml: not at CLI start-up

    text = read_text_file(p, SettingsError)
    return parse_baselines(text, p.name)


def parse_baselines(text: str, where: str = "baselines") -> tuple[Baseline, ...]:
    """Check the text of a baselines file; ``where`` names the file in messages."""
    text = text.removeprefix("\ufeff")
    header: list[str] | None = None
    delimiter = ","
    baselines: list[Baseline] = []
    first_line: dict[tuple[str, str, str | None], int] = {}

    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if header is None:
            # A spreadsheet saved with Danish settings writes ';' between fields.
            if ";" in stripped and "," not in stripped:
                delimiter = ";"
            fields = [f.strip().lower() for f in _split(raw, delimiter)]
            header = _check_header(fields, where, number)
            continue

        fields = [f.strip() for f in _split(raw, delimiter)]
        while len(fields) > len(header) and fields[-1] == "":  # a trailing empty column
            fields.pop()
        if len(fields) != len(header):
            raise SettingsError(
                f"{where} line {number}: expected {len(header)} fields as in the header, "
                f"got {len(fields)}; quote a value that contains {delimiter!r}"
            )
        row = dict(zip(header, fields, strict=True))
        baseline = _parse_row(row, _Cell(where, number))
        # Areas and groups match ignoring case, so they must be unique that way too.
        key = (baseline.id, baseline.area.casefold(), (baseline.group or "").casefold() or None)
        if key in first_line:
            raise SettingsError(
                f"{where} line {number}, baseline_id: baseline {baseline.describe()} is repeated "
                f"(first on line {first_line[key]}); give each id, area and group once"
            )
        first_line[key] = number
        baselines.append(baseline)

    if header is None:
        raise SettingsError(
            f"{where}: no header; the first line must name the columns {','.join(COLUMNS)}"
        )
    return tuple(baselines)


def find_baseline(
    baselines: Iterable[Baseline], ref_id: str, area: str | None, group: str | None
) -> Baseline:
    """The baseline with this id, area and group (None: the whole population).

    Areas and groups match ignoring case and outer white space. ``area=None``
    accepts the id's only area; with several, the area must be named.
    """
    pool = tuple(baselines)
    same_id = [b for b in pool if b.id == ref_id.strip()]
    if not same_id:
        ids = ", ".join(dict.fromkeys(b.id for b in pool)) or "(none)"
        raise SettingsError(f'no baseline has the id "{ref_id}"; the baselines file has: {ids}')
    areas = list(dict.fromkeys(b.area for b in same_id))
    if area is None:
        if len(areas) > 1:
            raise SettingsError(
                f'baseline "{ref_id}" exists for several areas ({", ".join(areas)}); '
                "name the area in the indicator's baseline"
            )
        area = areas[0]
    in_area = [b for b in same_id if _same(b.area, area)]
    if not in_area:
        raise SettingsError(
            f'baseline "{ref_id}" has no area "{area}"; its areas are: {", ".join(areas)}'
        )
    for b in in_area:
        if (b.group is None and group is None) or (
            b.group is not None and group is not None and _same(b.group, group)
        ):
            return b
    groups = ", ".join(_group_name(b.group) for b in in_area)
    raise SettingsError(
        f'baseline "{ref_id}" in {in_area[0].area} has no group {_group_name(group)}; '
        f"its groups are: {groups}"
    )


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class _Cell:
    """Where a row is, to build a message about one of its cells."""

    where: str
    line: int

    def fail(self, column: str, problem: str) -> SettingsError:
        return SettingsError(f"{self.where} line {self.line}, {column}: {problem}")


def _split(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter, skipinitialspace=True), [])


def _check_header(fields: list[str], where: str, line: int) -> list[str]:
    while fields and fields[-1] == "":  # a trailing empty column
        fields.pop()
    missing = [c for c in COLUMNS if c not in fields]
    repeated = sorted({f for f in fields if f and fields.count(f) > 1})
    if missing or repeated or "" in fields:
        if missing:
            what = f"missing {', '.join(missing)}"
        elif repeated:
            what = f"{', '.join(repeated)} given twice"
        else:
            what = "a column has no name"
        raise SettingsError(
            f"{where} line {line}, header: {what}; expected the columns {','.join(COLUMNS)} "
            "(any order; extra columns such as note are allowed)"
        )
    return fields


def _parse_row(row: dict[str, str], cell: _Cell) -> Baseline:
    baseline_id = row["baseline_id"]
    if not baseline_id:
        raise cell.fail("baseline_id", "is empty; give every baseline an id")
    area = row["area"]
    if not area:
        # The verdict sentence names the area ("ca. på niveau med København").
        raise cell.fail("area", "is empty; name the area the figure describes, e.g. København")
    source = row["source"]
    if not source:
        raise cell.fail(
            "source", "is empty; name where the figure is published, e.g. Sundhedsprofil 2021"
        )

    if row.get("estimate"):
        return _mean_row(row, cell, baseline_id, area, source)
    if row.get("ci_low") or row.get("ci_high"):
        given = "ci_low" if row.get("ci_low") else "ci_high"
        raise cell.fail(
            given,
            "belongs to a mean's baseline (estimate); a share's interval is ci_low_pct, ci_high_pct",
        )
    if not row["estimate_pct"]:
        raise cell.fail(
            "estimate_pct",
            "is empty; give the figure in percent, e.g. 15 or 15.5 (or a mean in the "
            "variable's units under estimate)",
        )
    estimate = _percent(row["estimate_pct"], "estimate_pct", cell)
    low = _percent(row["ci_low_pct"], "ci_low_pct", cell) if row["ci_low_pct"] else None
    high = _percent(row["ci_high_pct"], "ci_high_pct", cell) if row["ci_high_pct"] else None
    if (low is None) != (high is None):
        given, empty = (
            ("ci_low_pct", "ci_high_pct") if high is None else ("ci_high_pct", "ci_low_pct")
        )
        raise cell.fail(
            empty, f"is empty but {given} is given; give both ends of the interval or neither"
        )
    if low is not None and high is not None:
        shown = f"{_show(low)}–{_show(high)}"
        if low > estimate:
            raise cell.fail(
                "ci_low_pct",
                f"the interval {shown} does not contain the estimate {_show(estimate)}; "
                "ci_low_pct must not exceed estimate_pct",
            )
        if high < estimate:
            raise cell.fail(
                "ci_high_pct",
                f"the interval {shown} does not contain the estimate {_show(estimate)}; "
                "ci_high_pct must not be below estimate_pct",
            )
        if low == high:
            raise cell.fail(
                "ci_high_pct",
                f"the interval {shown} has no width; leave both ends empty for a fixed value",
            )

    return Baseline(
        id=baseline_id,
        area=area,
        group=row["group"] or None,
        estimate=estimate / 100.0,
        ci_low=None if low is None else low / 100.0,
        ci_high=None if high is None else high / 100.0,
        n=_positive_int(row["n"], cell),
        source=source,
        year=_year(row["year"], cell),
        note=row.get("note") or None,
    )


def _mean_row(
    row: dict[str, str], cell: _Cell, baseline_id: str, area: str, source: str
) -> Baseline:
    """A mean's baseline: ``estimate`` (and ``ci_low``, ``ci_high``) in the variable's units."""
    for column in ("estimate_pct", "ci_low_pct", "ci_high_pct"):
        if row[column]:
            raise cell.fail(
                column,
                "is given beside estimate; a baseline is a share (estimate_pct, in percent) "
                "or a mean (estimate, in the variable's units), not both",
            )
    estimate = _units(row["estimate"], "estimate", cell)
    low = _units(row["ci_low"], "ci_low", cell) if row.get("ci_low") else None
    high = _units(row["ci_high"], "ci_high", cell) if row.get("ci_high") else None
    if (low is None) != (high is None):
        given, empty = ("ci_low", "ci_high") if high is None else ("ci_high", "ci_low")
        raise cell.fail(
            empty, f"is empty but {given} is given; give both ends of the interval or neither"
        )
    if low is not None and high is not None and not low < estimate < high:
        raise cell.fail(
            "ci_low",
            f"the interval {_show(low)}–{_show(high)} does not hold the estimate "
            f"{_show(estimate)} inside it; give ci_low < estimate < ci_high",
        )
    n = _positive_int(row["n"], cell)
    if n is not None and low is None:
        raise cell.fail(
            "n",
            "a mean's n gives no standard error without its spread; give ci_low and ci_high, "
            "or leave n empty for a fixed value",
        )
    return Baseline(
        id=baseline_id,
        area=area,
        group=row["group"] or None,
        estimate=estimate,
        ci_low=low,
        ci_high=high,
        n=n,
        source=source,
        year=_year(row["year"], cell),
        note=row.get("note") or None,
        kind=EstimateKind.MEAN,
    )


def _finite(text: str) -> float:
    """A cell's number, a decimal comma (Danish spreadsheets) accepted; nan if it is none."""
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return math.nan
    return value if math.isfinite(value) else math.nan


def _units(text: str, column: str, cell: _Cell) -> float:
    value = _finite(text)
    if math.isnan(value):
        raise cell.fail(column, f'"{text}" is not a number; write the mean in its units, e.g. 7.4')
    return value


def _percent(text: str, column: str, cell: _Cell) -> float:
    value = _finite(text.removesuffix("%"))  # a trailing percent sign is accepted
    if math.isnan(value):
        raise cell.fail(column, f'"{text}" is not a number; write the percent, e.g. 15 or 15.5')
    if not 0.0 <= value <= 100.0:
        raise cell.fail(
            column, f"{text} is outside 0–100; give a percent (15 for 15%), not a proportion"
        )
    return value


def _positive_int(text: str, cell: _Cell) -> int | None:
    if not text:
        return None
    if not _digits(text) or int(text) == 0:
        raise cell.fail(
            "n", f'"{text}" is not a positive whole number; write the number of answers, e.g. 1340'
        )
    return int(text)


def _year(text: str, cell: _Cell) -> int | None:
    if not text:
        return None
    if not _digits(text) or not _YEARS[0] <= int(text) <= _YEARS[1]:
        raise cell.fail("year", f'"{text}" is not a year; write four digits, e.g. 2021')
    return int(text)


def _digits(text: str) -> bool:
    # str.isdigit alone accepts "²" and other digits int() refuses.
    return text.isascii() and text.isdigit()


def _show(percent: float) -> str:
    return f"{percent:g}"


def _same(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def _group_name(group: str | None) -> str:
    return "(whole population)" if group is None else f'"{group}"'


def _describe(baseline_id: str, area: str, group: str | None) -> str:
    return f'"{baseline_id}" ({area}, {"whole population" if group is None else group})'
