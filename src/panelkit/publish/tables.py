"""Estimate tables as the terminal, JSON, CSV, Excel and Markdown show them.

Every writer returns bytes, so the caller decides where they go (atomically),
and the same result always gives the same bytes.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from panelkit.disclosure import Suppression, margin_reasons
from panelkit.files import safe_frame, safe_value
from panelkit.publish.texts import (  # the number formatters (texts owns them)
    MEAN_DECIMALS,
    NumberKind,
    decimal,
    estimate_interval_text,
    estimate_text,
    excel_format,
    format_difference,
    format_difference_interval,
    format_value,
    number_kind,
    p_text,
    scale_number,
    se_text,
    swap_separators,
)
from panelkit.publish.words import change_text, plural, texts, verdict_text
from panelkit.results import Estimate, EstimateKind, EstimateSet, Lang, WeightingResult

if TYPE_CHECKING:
    import pandas as pd
    from openpyxl import Workbook

    from panelkit.input.baselines import Baseline
    from panelkit.stats.comparison import Comparison, ComparisonSet, WaveSet


class OutputFormat(StrEnum):
    """What `summarize --format` writes."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"
    MD = "md"


def _figures(e: Estimate) -> tuple[Any, ...]:
    """A row's numbers in the order of every estimates sheet: n, n positive, estimate, SE,
    interval (None where suppressed, as the row holds them)."""
    return (e.n, e.n_positive, e.estimate, e.se, e.ci_low, e.ci_high)


def _label(result: EstimateSet, indicator: str, lang: Lang) -> str:
    return result.labels.get(indicator, {}).get(lang.value, indicator)


def suppressed_text(e: Estimate, lang: Lang) -> str:
    """A suppressed figure's cell: "undertrykt", "undertrykt (sekundært)", "ingen svar"."""
    t = texts(lang)
    if e.suppression == Suppression.SECONDARY:
        return f"{t.suppressed} ({t.reasons['secondary']})"
    if e.suppression == Suppression.EMPTY:
        return t.reasons["empty"]
    return t.suppressed


def suppression_notes(estimates: Sequence[Estimate], min_n: int, lang: Lang) -> tuple[str, ...]:
    """What is suppressed and why, primary and secondary told apart; empty when nothing is."""
    primary = sum(e.suppressed and e.suppression in (None, Suppression.PRIMARY) for e in estimates)
    secondary = sum(e.suppression == Suppression.SECONDARY for e in estimates)
    empty = sum(e.suppression == Suppression.EMPTY for e in estimates)
    t = texts(lang)
    notes = []
    if primary:
        notes.append(plural(t.primary_note, primary).format(n=primary, min_n=min_n))
    if secondary:
        notes.append(plural(t.secondary_note, secondary).format(n=secondary))
    if empty:
        notes.append(plural(t.empty_note, empty).format(n=empty))
    return tuple(notes)


def has_kinds(estimates: Sequence[Estimate]) -> bool:
    """Whether any row is not a share (a mean, a distribution's answer, a quantile)."""
    return any(e.kind is not EstimateKind.SHARE for e in estimates)


def measure_text(e: Estimate, lang: Lang, scale: tuple[float, float] | None = None) -> str:
    """What a row measures, in a table's "Mål" column: "andel", "gennemsnit (0–10)", the
    answer of a distribution's row, "median" or "25 %-fraktil"."""
    k = texts(lang).kinds
    if e.kind is EstimateKind.DISTRIBUTION:
        return e.category or ""
    if e.kind is EstimateKind.QUANTILE:
        q = e.quantile if e.quantile is not None else 0.5
        if q == 0.5:
            return k["median"]
        return k["quantile"].format(q=decimal(f"{100 * q:g}", lang))
    if e.kind is EstimateKind.MEAN:
        if scale is None:
            return k["mean"]
        low, high = (scale_number(v, lang) for v in scale)
        return k["mean_scale"].format(low=low, high=high)
    return k["share"]


def estimate_cells(e: Estimate, lang: Lang) -> tuple[str, str, str]:
    """A row's estimate, SE and interval as a table shows them, formatted for its kind
    (percent and points for shares, units for means, values for quantiles)."""
    kind = number_kind(e.kind)
    if e.suppressed or e.estimate is None:
        return suppressed_text(e, lang), "", ""
    se = "" if e.se is None else se_text(e.se, kind, lang)
    if e.ci_low is None or e.ci_high is None:
        interval = ""
    else:
        interval = estimate_interval_text(e.ci_low, e.ci_high, kind, lang)
    return estimate_text(e.estimate, kind, lang), se, interval


def display_frame(result: EstimateSet, lang: Lang) -> pd.DataFrame:
    """The estimates as text cells for a person to read (percent, units, intervals).

    With a row of another kind than a share, a "Mål" column says what each row
    measures and the estimate and SE columns are headed "Estimat" and "SE" (a
    share's SE in points "1,2 pp", a mean's in its units)."""
    import pandas as pd

    kinds = has_kinds(result.estimates)
    k = texts(lang).kinds
    rows = []
    before: Estimate | None = None
    for e in result.estimates:
        estimate, se, interval = estimate_cells(e, lang)
        if kinds and se and number_kind(e.kind) is NumberKind.SHARE:
            se += k["pp"]
        # The label once per indicator: on its first overall row (a distribution's
        # answers and a quantile's rows follow it).
        first = e.by is None and (
            before is None or before.indicator != e.indicator or before.by is not None
        )
        before = e
        row: list[Any] = [
            _label(result, e.indicator, lang) if first else "",
            e.by or "",
            e.group if e.group is not None else texts(lang).all_groups,
        ]
        if kinds:
            row.append(measure_text(e, lang, result.scales.get(e.indicator)))
        row += [e.n, estimate, se, interval, e.ci_method]
        rows.append(tuple(row))
    head = list(texts(lang).estimate_head)
    if kinds:
        head[4:6] = [k["estimate_head"], k["se_head"]]
        head.insert(3, k["measure_head"])
    return pd.DataFrame(rows, columns=head)


def contrasts_frame(result: EstimateSet, lang: Lang) -> pd.DataFrame:
    """Each group against the rest of its domain as text cells (shares in percent and
    points, means in their units), with the p-value and the adjusted one."""
    import pandas as pd

    rows = []
    for c in result.contrasts.contrasts if result.contrasts else ():
        kind = NumberKind.SHARE if c.kind is EstimateKind.SHARE else NumberKind.MEAN
        rows.append(
            (
                _label(result, c.indicator, lang),
                c.by,
                c.group,
                format_value(c.estimate_group, kind, lang),
                format_value(c.estimate_rest, kind, lang),
                format_difference(c.difference, kind, lang),
                format_difference_interval(c.ci_low, c.ci_high, kind, lang),
                p_text(c.p, lang),
                p_text(c.p_adjusted, lang),
            )
        )
    return pd.DataFrame(rows, columns=list(texts(lang).contrast_head))


def tests_frame(result: EstimateSet, lang: Lang) -> pd.DataFrame:
    """The Rao–Scott tests of association as text cells."""
    import pandas as pd

    rows = [
        (
            _label(result, t.indicator, lang),
            t.by,
            decimal(f"{t.f:.2f}", lang),
            decimal(f"{t.ndf:.2f}", lang),
            decimal(f"{t.ddf:.1f}", lang),
            p_text(t.p, lang),
        )
        for t in (result.contrasts.tests if result.contrasts else ())
    ]
    return pd.DataFrame(rows, columns=list(texts(lang).test_head))


def contrast_notes(result: EstimateSet, lang: Lang) -> tuple[str, ...]:
    """How many contrasts and tests were left out, and why (formats §8.4)."""
    if result.contrasts is None:
        return ()
    notes = result.contrasts.notes()
    words = texts(lang).contrast_left_out
    out = []
    for what, counts in notes.items():
        total = sum(counts.values())
        if total:
            why = ", ".join(f"{words[k]} {v}" for k, v in counts.items() if v)
            out.append(f"{total} {words[what]} ({why}).")
    return tuple(out)


def _records(
    estimates: Sequence[Estimate], result: EstimateSet, lang: Lang
) -> list[dict[str, Any]]:
    out = []
    for e in estimates:
        row = {"label": _label(result, e.indicator, lang)}
        row.update(e.to_dict())
        out.append(row)
    return out


def render_estimates(result: EstimateSet, fmt: OutputFormat, lang: Lang, *, version: str) -> bytes:
    """The estimates in ``fmt`` as bytes (UTF-8 text, or an xlsx workbook)."""
    if fmt is OutputFormat.JSON:
        return (json.dumps(result.to_dict(version), ensure_ascii=False, indent=2) + "\n").encode(
            "utf-8"
        )
    if fmt is OutputFormat.CSV:
        return estimates_csv(result, lang).encode("utf-8")
    if fmt is OutputFormat.XLSX:
        return estimates_xlsx(result, lang)
    if fmt is OutputFormat.MD:
        return estimates_markdown(result, lang).encode("utf-8")
    frame = display_frame(result, lang)
    notes = suppression_notes(result.estimates, result.min_n, lang)
    return (frame.to_string(index=False) + "\n" + "".join(f"\n{n}" for n in notes) + "\n").encode(
        "utf-8"
    )


def estimates_csv(result: EstimateSet, lang: Lang) -> str:
    """Machine-readable CSV: the §6 and §8.3 fields (shares as proportions 0–1, means and
    quantiles in the variable's units) plus the indicator label; every row has every
    column (``category`` and ``quantile`` when a distribution or a quantile is there)."""
    import pandas as pd

    records = _records(result.estimates, result, lang)
    columns = [c for c in _CSV_COLUMNS if any(c in r for r in records)]
    return csv_text(pd.DataFrame(records, columns=columns or None))


# The estimates CSV's columns, in this order (those no row has are left out).
_CSV_COLUMNS = (
    "label", "indicator", "kind", "by", "group", "category", "quantile", "n", "n_positive",
    "estimate", "se", "ci_low", "ci_high", "ci_method", "df", "deff", "suppressed",
    "suppression",
)  # fmt: skip


def csv_text(frame: pd.DataFrame) -> str:
    """A frame as CSV text: every text cell formula-safe, numbers as they are."""
    return safe_frame(frame).to_csv(index=False, float_format="%.10g", lineterminator="\n")


def estimates_markdown(result: EstimateSet, lang: Lang) -> str:
    """A Markdown pipe table of the display frame."""
    frame = display_frame(result, lang)
    header = "| " + " | ".join(frame.columns) + " |"
    texts_end = 4 if has_kinds(result.estimates) else 3  # the text columns, then numbers
    align = "|" + "|".join("---" if i < texts_end else "---:" for i in range(len(frame.columns)))
    align += "|"
    body = [
        "| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |"
        for row in frame.itertuples(index=False)
    ]
    r = result.survey
    foot = "\n" + texts(lang).rows_line.format(
        read=r.rows_read, used=r.rows_used, rejected=r.rows_rejected
    )
    notes = suppression_notes(result.estimates, result.min_n, lang)
    listed = "\n" + "".join(f"- {n}\n" for n in notes) if notes else ""
    return "\n".join([header, align, *body]) + "\n" + foot + "\n" + listed


def estimates_xlsx(result: EstimateSet, lang: Lang) -> bytes:
    """A workbook with one formatted sheet of estimates (frozen header): shares in percent
    cells, means with two decimals, quantiles as values; with another kind than a share, a
    "Mål" column says what each row measures."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = texts(lang).sheet_indicators
    kinds = has_kinds(result.estimates)
    rows: list[list[Any]] = []
    for e in result.estimates:
        row: list[Any] = [
            _label(result, e.indicator, lang),
            e.by if e.by else None,
            e.group if e.group is not None else texts(lang).all_groups,
        ]
        if kinds:
            row.append(measure_text(e, lang, result.scales.get(e.indicator)))
        row += [
            *_figures(e),
            e.ci_method,
            suppression_text(e.suppression, lang) if e.suppressed else None,
        ]
        rows.append(row)
    head = list(texts(lang).estimate_xlsx_head)
    first = 6
    if kinds:
        head[5] = texts(lang).kinds["estimate_head"]
        head.insert(3, texts(lang).kinds["measure_head"])
        first = 7
    columns = tuple(range(first, first + 4))
    fill_sheet(ws, head, rows, percent_columns=columns)
    apply_kind_formats(ws, result.estimates, columns)
    notes = suppression_notes(result.estimates, result.min_n, lang)
    if notes:
        fill_sheet(wb.create_sheet(texts(lang).sheet_notes), ["Note"], [[n] for n in notes])
    return workbook_bytes(wb)


def kind_formats(
    estimates: Sequence[Estimate], columns: Sequence[int]
) -> tuple[tuple[int, int, str], ...]:
    """(row, column, number format) for the rows that are not shares: a mean's estimate and
    interval with two decimals and its SE with three, a quantile's as the value it is. Rows
    count from 2 (under the header); ``columns`` are the estimate, SE and interval columns."""
    out = []
    for i, e in enumerate(estimates, start=2):
        kind = number_kind(e.kind)
        if kind is NumberKind.SHARE:
            continue
        fmt = excel_format(kind)
        for j, col in enumerate(columns):
            out.append((i, col, fmt + "0" if j == 1 and kind is NumberKind.MEAN else fmt))
    return tuple(out)


def apply_kind_formats(ws: Any, estimates: Sequence[Estimate], columns: Sequence[int]) -> None:
    """Set :func:`kind_formats` on a filled sheet."""
    for row, col, fmt in kind_formats(estimates, columns):
        ws.cell(row=row, column=col).number_format = fmt


def fill_sheet(
    ws: Any, header: list[str], rows: list[list[Any]], *, percent_columns: Sequence[int] = ()
) -> None:
    """Write a header and rows; percent format on the given 1-based columns; frozen header; widths.

    Every text cell is made formula-safe here (and stripped of the control characters a
    workbook cannot hold), so no sheet can carry a formula from a label; numbers stay numbers.
    """
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    header = [_sheet_text(h) for h in header]
    rows = [[_sheet_text(v) for v in row] for row in rows]
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    for col in percent_columns:
        for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
            cell.number_format = "0.0%"
    ws.freeze_panes = "A2"
    for idx, title in enumerate(header, start=1):
        longest = max(
            [len(str(title))]
            + [
                len(str(r[idx - 1]))
                for r in rows
                if r[idx - 1] is not None and idx not in percent_columns
            ]
        )
        ws.column_dimensions[get_column_letter(idx)].width = min(max(10, longest + 2), 60)


def _sheet_text(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return safe_value(ILLEGAL_CHARACTERS_RE.sub("", value))


def workbook_bytes(wb: Workbook) -> bytes:
    """Save a workbook with fixed timestamps, so the same content gives the same bytes."""
    import datetime as dt

    from panelkit.audit import source_time

    # A fixed stamp (2000-01-01 without SOURCE_DATE_EPOCH) keeps the bytes the same.
    stamp = (source_time() or dt.datetime(2000, 1, 1, tzinfo=dt.UTC)).replace(tzinfo=None)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.creator = "panelkit"
    raw = io.BytesIO()
    wb.save(raw)
    # openpyxl stamps each zip member with the current time; rewrite them with a fixed one.
    source = zipfile.ZipFile(io.BytesIO(raw.getvalue()))
    fixed = io.BytesIO()
    date_time = (
        max(1980, stamp.year),
        stamp.month,
        stamp.day,
        stamp.hour,
        stamp.minute,
        stamp.second,
    )
    # openpyxl also writes the time of saving as the "modified" property: put the stamp back.
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode("ascii")
    with zipfile.ZipFile(fixed, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=date_time)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o600 << 16
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + iso + rb"\g<2>",
                    data,
                )
            target.writestr(member, data)
    return fixed.getvalue()


# --------------------------------------------------------------------------- workbook sheets


@dataclass(frozen=True)
class Sheet:
    """One table of a workbook: a (localised) sheet name, header, rows and cell formats.

    ``percent_columns`` are 1-based columns holding proportions (shown as "0.0%");
    ``formats`` gives other 1-based columns a number format; in ``unit_rows`` (0-based
    rows of ``rows``: a mean's) the percent columns hold numbers in their own units.
    """

    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    percent_columns: tuple[int, ...] = ()
    formats: tuple[tuple[int, str], ...] = ()
    cell_formats: tuple[tuple[int, int, str], ...] = ()  # (row, column, format): one cell's
    unit_rows: tuple[int, ...] = ()


def workbook(sheets: Sequence[Sheet]) -> bytes:
    """A workbook with one formatted sheet per table (deterministic bytes)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        ws = wb.create_sheet(_sheet_name(sheet.name))
        fill_sheet(
            ws,
            list(sheet.header),
            [list(r) for r in sheet.rows],
            percent_columns=sheet.percent_columns,
        )
        for col, number_format in sheet.formats:
            for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
                cell.number_format = number_format
        for row, col, number_format in sheet.cell_formats:
            ws.cell(row=row, column=col).number_format = number_format
        for row in sheet.unit_rows:
            for col in sheet.percent_columns:
                ws.cell(row=row + 2, column=col).number_format = _UNITS_FORMAT
        if sheet.rows:
            ws.auto_filter.ref = ws.dimensions
    return workbook_bytes(wb)


def _sheet_name(name: str) -> str:
    # Excel refuses these characters and names over 31 characters.
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in name).strip()
    return cleaned[:31] or "Ark"


_PP_FORMAT = '+0.0;"\u2212"0.0;0.0'
_UNITS_FORMAT = "0.00"  # a mean beside proportions
_P_FORMAT = "0.000"
_INT_FORMAT = "0"


def suppression_text(reason: str | None, lang: Lang) -> str:
    """Why a row is suppressed, in words."""
    return texts(lang).reasons.get(reason or "primary", reason or "")


def estimates_sheet(
    result: EstimateSet,
    lang: Lang,
    *,
    name: str,
    groups: bool,
    by_titles: dict[str, str] | None = None,
) -> Sheet:
    """The overall rows (``groups=False``) or the group rows of the estimates as a sheet
    (with another kind than a share: a "Mål" column, numbers formatted per kind)."""
    rows: list[tuple[Any, ...]] = []
    kinds = has_kinds(result.estimates)
    chosen = [e for e in result.estimates if (e.by is not None) == groups]
    for e in chosen:
        by = (by_titles or {}).get(e.by, e.by) if e.by is not None else None
        measure = (measure_text(e, lang, result.scales.get(e.indicator)),) if kinds else ()
        rows.append(
            (
                _label(result, e.indicator, lang),
                e.indicator,
                by if by else None,
                e.group if e.group is not None else texts(lang).all_groups,
                *measure,
                *_figures(e),
                e.ci_method if not e.suppressed else None,
                suppression_text(e.suppression, lang) if e.suppressed else None,
            )
        )
    head: tuple[str, ...] = texts(lang).estimate_sheet_head
    extra = 0
    if kinds:
        k = texts(lang).kinds
        head = (*head[:4], k["measure_head"], *head[4:6], k["estimate_head"], *head[7:])
        extra = 1
    if not groups:  # no by/group columns for the overall rows
        rows = [r[:2] + r[4:] for r in rows]
        head = head[:2] + head[4:]
        columns = tuple(range(5 + extra, 9 + extra))
        counts = ((3 + extra, _INT_FORMAT), (4 + extra, _INT_FORMAT))
    else:
        columns = tuple(range(7 + extra, 11 + extra))
        counts = ((5 + extra, _INT_FORMAT), (6 + extra, _INT_FORMAT))
    return Sheet(
        name, head, tuple(rows), columns, counts, cell_formats=kind_formats(chosen, columns)
    )


# --------------------------------------------------------------------------- comparisons


def test_text(test: str, lang: Lang) -> str:
    """Which test a comparison used, in words."""
    return texts(lang).tests[str(test)]


def baseline_text(baseline: Baseline, lang: Lang) -> str:
    """A baseline as a table cell: "15,0 % (Amager Øst)", "34,0 % (Danmark, Kvinder)" or,
    for a mean, "7,40 (Danmark)"."""
    where = baseline.area if baseline.group is None else f"{baseline.area}, {baseline.group}"
    kind = number_kind(baseline.kind)
    return f"{estimate_text(baseline.estimate, kind, lang)} ({where})"


def comparison_frame(result: ComparisonSet, lang: Lang) -> pd.DataFrame:
    """The comparisons as text cells for a person to read."""
    import pandas as pd

    rows = []
    for c in result.comparisons:
        label = result.labels.get(c.indicator, {}).get(lang.value, c.indicator)
        if c.suppressed or c.estimate is None or c.difference is None:
            numbers = (texts(lang).suppressed, "", "", "", "", "")
        else:
            assert c.ci_low is not None and c.ci_high is not None and c.p_adjusted is not None
            assert c.verdict is not None
            kind = number_kind(c.kind)
            digits = MEAN_DECIMALS if kind is NumberKind.MEAN else 1
            numbers = (
                estimate_text(c.estimate, kind, lang),
                _estimate_interval(result, c, lang),
                format_difference(c.difference, kind, lang, digits),
                f"{format_difference(c.ci_low, kind, lang, digits)} {texts(lang).numbers.to} "
                f"{format_difference(c.ci_high, kind, lang, digits)}",
                p_text(c.p_adjusted, lang),
                verdict_text(c.verdict, lang),
            )
        rows.append(
            (
                label,
                c.by or "",
                c.group if c.group is not None else texts(lang).all_groups,
                c.n,
                numbers[0],
                numbers[1],
                baseline_text(c.baseline, lang),
                f"{c.baseline.source}",
                numbers[2],
                numbers[3],
                test_text(c.test, lang),
                numbers[4],
                numbers[5],
            )
        )
    return pd.DataFrame(rows, columns=list(texts(lang).comparison_head))


def _estimate_interval(result: ComparisonSet, c: Comparison, lang: Lang) -> str:
    est = result.estimate_of(c)
    if est is None or est.ci_low is None or est.ci_high is None:
        return ""
    return estimate_interval_text(est.ci_low, est.ci_high, number_kind(est.kind), lang)


def comparison_notes(result: ComparisonSet, lang: Lang) -> tuple[str, ...]:
    """What a reader must know to read the comparisons: wording, fixed values, tests, rules."""
    if not result.comparisons:
        return ()
    sources = ", ".join(result.sources)
    r = result.rules
    tested = sum(c.p_value is not None for c in result.comparisons)
    alpha = f"{r.alpha:g}"
    same, small = f"{r.same_pp:g}", f"{r.small_pp:g}"
    t = texts(lang)
    alpha, same, small = (decimal(x, lang) for x in (alpha, same, small))
    method = t.adjust_methods[str(result.adjust)]
    notes = [t.comparison_wording_note.format(sources=sources)]
    if result.any_fixed:
        notes.append(t.comparison_fixed_note)
    notes.append(
        t.comparison_difference_note
        + (
            t.comparison_adjusted.format(
                tested=tested, comparisons=plural(t.comparisons_word, tested), method=method
            )
            if method
            else t.comparison_not_adjusted
        )
    )
    notes.append(t.comparison_rule_note.format(alpha=alpha, same=same, small=small))
    if any(c.kind is EstimateKind.MEAN for c in result.comparisons):
        notes.append(t.kinds["mean_difference_note"])
        notes.append(
            t.kinds["mean_rule_note"].format(
                same=same,
                small=small,
                same_units=decimal(f"{r.same_pp / 10:g}", lang),
                small_units=decimal(f"{r.small_pp / 10:g}", lang),
            )
        )
    return tuple(notes)


def comparisons_sheet(result: ComparisonSet, lang: Lang, *, name: str) -> Sheet:
    """The comparisons as a workbook sheet (shares as proportions, differences in pp)."""
    rows = []
    cells: list[tuple[int, int, str]] = []
    for i, c in enumerate(result.comparisons, start=2):
        b = c.baseline
        mean = c.kind is EstimateKind.MEAN
        if mean:  # a mean's numbers in its units, not percent and points
            units = excel_format(NumberKind.MEAN)
            cells += [(i, 6, units), (i, 7, units + "0"), (i, 8, units)]
            cells += [(i, col, units) for col in (14, 15, 16)]

        def pp(value: float | None, mean: bool = mean) -> float | None:
            if value is None or mean:
                return value
            return round(100.0 * value, 10)

        rows.append(
            (
                result.labels.get(c.indicator, {}).get(lang.value, c.indicator),
                c.indicator,
                c.by if c.by else None,
                c.group if c.group is not None else texts(lang).all_groups,
                c.n,
                c.estimate,
                c.se,
                b.estimate,
                b.area,
                b.group if b.group else None,
                b.source,
                b.year,
                texts(lang).yes if c.baseline_fixed else None,
                pp(c.difference),
                pp(c.ci_low),
                pp(c.ci_high),
                test_text(c.test, lang),
                c.p_value,
                c.p_adjusted,
                None if c.verdict is None else verdict_text(c.verdict, lang),
            )
        )
    formats = (
        (5, _INT_FORMAT),
        (12, _INT_FORMAT),
        (14, _PP_FORMAT),
        (15, _PP_FORMAT),
        (16, _PP_FORMAT),
        (18, _P_FORMAT),
        (19, _P_FORMAT),
    )
    head = texts(lang).comparison_sheet_head
    return Sheet(name, head, tuple(rows), (6, 7, 8), formats, cell_formats=tuple(cells))


def comparisons_csv(result: ComparisonSet, lang: Lang) -> str:
    """Machine-readable CSV of the comparisons (proportions, as the JSON output)."""
    import pandas as pd

    records = comparisons_document(result, "", lang)["comparisons"]
    columns = ["label", *_COMPARISON_KEYS, "verdict_text"]
    return csv_text(pd.DataFrame(records, columns=columns))


def comparisons_document(result: ComparisonSet, version: str, lang: Lang) -> dict[str, Any]:
    """The JSON document of `panelkit compare --format json`: the numbers
    (:meth:`ComparisonSet.to_dict`), then each comparison's verdict in words."""
    doc = result.to_dict(version, lang)
    for record, c in zip(doc["comparisons"], result.comparisons, strict=True):
        record["verdict_text"] = None if c.verdict is None else verdict_text(c.verdict, lang)
    return doc


_COMPARISON_KEYS = (
    "indicator", "kind", "by", "group", "n", "estimate", "se", "baseline_id", "baseline_area",
    "baseline_group", "baseline", "baseline_ci_low", "baseline_ci_high", "baseline_n",
    "baseline_se", "baseline_source", "baseline_year", "baseline_fixed", "difference",
    "diff_se", "diff_ci_low", "diff_ci_high", "level", "test", "statistic", "p_value",
    "p_adjusted", "adjust", "verdict", "suppressed", "se_fallback",
)  # fmt: skip


def markdown_table(frame: pd.DataFrame, right: Sequence[str] = ()) -> str:
    """A Markdown pipe table; the columns named in ``right`` (numbers) are right-aligned."""
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    align = "|" + "|".join("---:" if c in right else "---" for c in frame.columns) + "|"
    body = [
        "| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |"
        for row in frame.itertuples(index=False)
    ]
    return "\n".join([header, align, *body]) + "\n"


# The comparison columns that hold numbers (right-aligned in Markdown).
_CMP_NUMBERS = {0 + i for i in (3, 4, 5, 8, 9, 11)}


def comparison_cards(result: ComparisonSet, lang: Lang) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each comparison as a title and (field, value) lines: narrow enough for a terminal."""
    frame = comparison_frame(result, lang)
    cols = list(frame.columns)
    cards = []
    for row in frame.itertuples(index=False):
        values = dict(zip(cols, (str(v) for v in row), strict=True))
        title = values[cols[0]]
        if values[cols[1]]:
            title += f" ({values[cols[1]]} = {values[cols[2]]})"
        share = values[cols[4]]
        if values[cols[5]]:
            share += f" ({values[cols[5]]})"
        lines = [
            (cols[3], values[cols[3]]),
            (f"{cols[4]} ({cols[5]})", share),
            (cols[6], values[cols[6]]),
            (cols[7], values[cols[7]]),
            (
                cols[8],
                f"{values[cols[8]]} ({values[cols[9]]})" if values[cols[8]] else "",
            ),
            (cols[10], values[cols[10]]),
            (cols[11], values[cols[11]]),
            (cols[12], values[cols[12]]),
        ]
        cards.append((title, [(k, v) for k, v in lines if v]))
    return cards


def render_comparisons(
    result: ComparisonSet, fmt: OutputFormat, lang: Lang, *, version: str
) -> bytes:
    """The comparisons in ``fmt`` as bytes (UTF-8 text, or an xlsx workbook)."""
    notes = (*comparison_notes(result, lang), *comparison_suppression_notes(result, lang))
    if fmt is OutputFormat.JSON:
        doc = comparisons_document(result, version, lang)
        doc["notes"] = list(notes)
        return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    if fmt is OutputFormat.CSV:
        return comparisons_csv(result, lang).encode("utf-8")
    name = texts(lang).sheet_comparison
    if fmt is OutputFormat.XLSX:
        notes_sheet = Sheet(texts(lang).sheet_notes, ("Note",), tuple((n,) for n in notes))
        return workbook([comparisons_sheet(result, lang, name=name), notes_sheet])
    frame = comparison_frame(result, lang)
    if not any(c.by for c in result.comparisons):
        frame = frame.drop(columns=frame.columns[[1, 2]])
    if fmt is OutputFormat.MD:
        right = [c for i, c in enumerate(texts(lang).comparison_head) if i in _CMP_NUMBERS]
        text = markdown_table(frame, right=right)
        return (text + "\n" + "".join(f"- {n}\n" for n in notes)).encode("utf-8")
    return (frame.to_string(index=False) + "\n\n" + "\n".join(notes) + "\n").encode("utf-8")


def comparison_suppression_notes(result: ComparisonSet, lang: Lang) -> tuple[str, ...]:
    """:func:`suppression_notes` of the estimates that were compared."""
    return suppression_notes(result.estimates, result.min_n, lang)


# --------------------------------------------------------------------------- waves


def waves_sheet(result: WaveSet, lang: Lang, *, name: str) -> Sheet:
    """The changes since the previous wave as a workbook sheet."""
    head = tuple(
        h.format(prev=result.previous_name, cur=result.current_name)
        for h in texts(lang).wave_sheet_head
    )
    rows = []
    for c in result.changes:
        scale = 1.0 if c.kind is EstimateKind.MEAN else 100.0  # a mean's change: its units
        rows.append(
            (
                result.labels.get(c.indicator, {}).get(lang.value, c.indicator),
                c.indicator,
                c.n_previous,
                c.n_current,
                c.previous,
                c.current,
                None if c.difference is None else round(scale * c.difference, 10),
                None if c.ci_low is None else round(scale * c.ci_low, 10),
                None if c.ci_high is None else round(scale * c.ci_high, 10),
                c.p_value,
                c.p_adjusted,
                None if c.verdict is None else change_text(c.verdict, lang),
            )
        )
    formats = (
        (3, _INT_FORMAT),
        (4, _INT_FORMAT),
        (7, _PP_FORMAT),
        (8, _PP_FORMAT),
        (9, _PP_FORMAT),
        (10, _P_FORMAT),
        (11, _P_FORMAT),
    )
    means = tuple(i for i, c in enumerate(result.changes) if c.kind is EstimateKind.MEAN)
    return Sheet(name, head, tuple(rows), (5, 6), formats, unit_rows=means)


def waves_csv(result: WaveSet, lang: Lang) -> str:
    """Machine-readable CSV of the changes (proportions)."""
    import pandas as pd

    records = []
    for c in result.changes:
        row: dict[str, Any] = {
            "label": result.labels.get(c.indicator, {}).get(lang.value, c.indicator),
            "previous_wave": result.previous_name,
            "current_wave": result.current_name,
        }
        row.update(c.to_dict())
        row["verdict_text"] = None if c.verdict is None else change_text(c.verdict, lang)
        records.append(row)
    return csv_text(pd.DataFrame(records))


def se_method_text(result: WaveSet, lang: Lang) -> str:
    """Which SE the changes used, in words, with how many members are linked (never who)."""
    prev, cur = result.previous_name, result.current_name
    if result.linked and result.linked_members is not None:
        k = swap_separators(f"{result.linked_members:,}", lang)
        return texts(lang).se_linked.format(k=k, prev=prev, cur=cur)
    return texts(lang).se_independent


def attrition_frame(result: WaveSet, lang: Lang) -> pd.DataFrame:
    """The attrition table (linked waves): proportions (a mean indicator: its weighted
    means), differences in points (a mean's: in its units)."""
    import pandas as pd

    def pp(value: float | None, kind: EstimateKind) -> float | None:
        scale = 1.0 if kind is EstimateKind.MEAN else 100.0  # a mean's difference: its units
        return None if value is None else round(scale * value, 10)

    rows = [
        (
            r.item if r.category is not None else result.labels.get(r.item, {}).get(
                lang.value, r.item
            ),
            r.category or "",
            r.n_stayed, r.n_left, r.stayed, r.left,
            pp(r.difference, r.kind), pp(r.ci_low, r.kind), pp(r.ci_high, r.kind),
            r.p_value, r.p_adjusted,
        )
        for r in result.attrition or ()
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=list(texts(lang).attrition_head))


def attrition_sheet(result: WaveSet, lang: Lang, *, name: str) -> Sheet:
    """The attrition table as a workbook sheet."""
    frame = attrition_frame(result, lang)
    rows = tuple(
        tuple(None if v is None or v != v else v for v in row)
        for row in frame.itertuples(index=False)
    )
    formats = ((3, _INT_FORMAT), (4, _INT_FORMAT), (7, _PP_FORMAT), (8, _PP_FORMAT),
               (9, _PP_FORMAT), (10, _P_FORMAT), (11, _P_FORMAT))  # fmt: skip
    means = tuple(i for i, r in enumerate(result.attrition or ()) if r.kind is EstimateKind.MEAN)
    return Sheet(name, tuple(frame.columns), rows, (5, 6), formats, unit_rows=means)


def attrition_csv(result: WaveSet, lang: Lang) -> str:
    """Machine-readable CSV of the attrition table (the JSON's fields, proportions)."""
    import pandas as pd

    return csv_text(pd.DataFrame([r.to_dict() for r in result.attrition or ()]))


# --------------------------------------------------------------------------- weighting


def margin_suppression(weighting: WeightingResult, min_n: int) -> tuple[Suppression | None, ...]:
    """Per margin cell, why its respondent count (and sample share) is not published, or None
    (:func:`panelkit.disclosure.margin_reasons`, the rule of every output)."""
    cells = weighting.margins
    return margin_reasons(
        [(m.margin, m.n) for m in cells], min_n, categories=[m.category for m in cells]
    )


def margins_sheet(weighting: WeightingResult, lang: Lang, *, name: str, min_n: int = 0) -> Sheet:
    """Each margin cell: respondents, sample share, target share, weighted share; a count a
    reader could single people out by is shown as "<20" or "skjult" (:func:`margin_suppression`)."""
    from panelkit.publish.texts import count_text

    rows = tuple(
        (
            m.margin,
            m.category,
            m.n if reason is None else count_text(None, reason, min_n, lang),
            m.sample_share if reason is None else None,
            m.target_share,
            m.weighted_share,
            m.target,
        )
        for m, reason in zip(weighting.margins, margin_suppression(weighting, min_n), strict=True)
    )
    return Sheet(name, texts(lang).margin_head, rows, (4, 5, 6), ((3, _INT_FORMAT),))


def weighting_facts(weighting: WeightingResult, lang: Lang) -> tuple[tuple[str, str], ...]:
    """The weighting diagnostics as (what, value) pairs in words."""

    def num(value: float, spec: str) -> str:
        # Danish swaps the separators: 60.877 and 1,37.
        return swap_separators(format(value, spec), lang)

    w = texts(lang).weighting_facts
    converged = w["converged_yes"] if weighting.converged else w["converged_no"]
    facts = [
        (w["method"], w["method_value"]),
        (w["converged"], converged.format(iterations=weighting.iterations)),
        (w["deff"], num(weighting.deff_kish, ".2f")),
        (w["n_effective"], num(weighting.n_effective, ",.0f")),
        (
            w["range"],
            w["range_value"].format(
                low=num(weighting.weight_min, ".3g"),
                high=num(weighting.weight_max, ".3g"),
                ratio=num(weighting.weight_ratio, ".1f"),
            ),
        ),
        (w["sum"], num(weighting.weight_sum, ",.0f")),
    ]
    if weighting.cap is not None:
        cap = w["cap_value"].format(cap=num(weighting.cap, "g"), rounds=weighting.trim_rounds)
        facts.append((w["cap"], cap))
    return tuple(facts)


def margins_csv(weighting: WeightingResult, min_n: int = 0) -> str:
    """Machine-readable CSV of the margin checks; a suppressed cell has no n and no sample
    share, and ``suppression`` says why (:func:`margin_suppression`)."""
    frame = weighting.margins_frame()
    reasons = margin_suppression(weighting, min_n)
    if any(reasons):
        import numpy as np

        hidden = np.array([r is not None for r in reasons])
        frame["n"] = frame["n"].astype("Int64").mask(hidden)
        frame["sample_share"] = frame["sample_share"].mask(hidden)
        frame["suppression"] = list(reasons)
    return csv_text(frame)
