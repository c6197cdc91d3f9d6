"""Estimate tables as the terminal, JSON, CSV, Excel and Markdown show them.

Every writer returns bytes, so the caller decides where they go (atomically),
and the same result always gives the same bytes.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from panelkit.files import safe_cell
from panelkit.results import Estimate, EstimateSet, Lang

if TYPE_CHECKING:
    import pandas as pd
    from openpyxl import Workbook


class OutputFormat(StrEnum):
    """What `summarize --format` writes."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"
    MD = "md"


_HEAD = {
    Lang.DA: ("Indikator", "Opdelt efter", "Gruppe", "n", "Andel", "SE (pp)", "95 % KI", "Metode"),
    Lang.EN: ("Indicator", "By", "Group", "n", "Share", "SE (pp)", "95% CI", "Method"),
}
_SUPPRESSED = {Lang.DA: "undertrykt", Lang.EN: "suppressed"}
_ALL = {Lang.DA: "Alle", Lang.EN: "All"}


def pct(value: float, lang: Lang, decimals: int = 1) -> str:
    """A proportion as a percent for display: Danish decimal comma."""
    text = f"{100 * value:.{decimals}f}"
    return text.replace(".", ",") if lang is Lang.DA else text


def _label(result: EstimateSet, indicator: str, lang: Lang) -> str:
    return result.labels.get(indicator, {}).get(lang.value, indicator)


def display_frame(result: EstimateSet, lang: Lang) -> pd.DataFrame:
    """The estimates as text cells for a person to read (percent, intervals)."""
    import pandas as pd

    rows = []
    for e in result.estimates:
        if e.suppressed or e.estimate is None:
            share, se, interval = _SUPPRESSED[lang], "", ""
        else:
            share = pct(e.estimate, lang) + " %"
            se = pct(e.se or 0.0, lang)
            interval = f"{pct(e.ci_low or 0.0, lang)}–{pct(e.ci_high or 0.0, lang)}"
        rows.append(
            (
                _label(result, e.indicator, lang) if e.by is None else "",
                e.by or "",
                e.group if e.group is not None else _ALL[lang],
                e.n,
                share,
                se,
                interval,
                e.ci_method,
            )
        )
    return pd.DataFrame(rows, columns=list(_HEAD[lang]))


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
    return (frame.to_string(index=False) + "\n").encode("utf-8")


def estimates_csv(result: EstimateSet, lang: Lang) -> str:
    """Machine-readable CSV: the §6 fields (proportions 0–1) plus the indicator label."""
    import pandas as pd

    frame = pd.DataFrame(_records(result.estimates, result, lang))
    for col in ("label", "indicator", "by", "group"):
        frame[col] = frame[col].map(lambda v: v if v is None else safe_cell(str(v)))
    return frame.to_csv(index=False, float_format="%.10g", lineterminator="\n")


def estimates_markdown(result: EstimateSet, lang: Lang) -> str:
    """A Markdown pipe table of the display frame."""
    frame = display_frame(result, lang)
    header = "| " + " | ".join(frame.columns) + " |"
    align = "|" + "|".join("---" if i < 3 else "---:" for i in range(len(frame.columns))) + "|"
    body = [
        "| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |"
        for row in frame.itertuples(index=False)
    ]
    r = result.survey
    foot = (
        f"\nRækker læst {r.rows_read}, brugt {r.rows_used}, afvist {r.rows_rejected}."
        if lang is Lang.DA
        else f"\nRows read {r.rows_read}, used {r.rows_used}, rejected {r.rows_rejected}."
    )
    return "\n".join([header, align, *body]) + "\n" + foot + "\n"


_XLSX_HEAD = {
    Lang.DA: (
        "Indikator",
        "Opdelt efter",
        "Gruppe",
        "n",
        "n ja",
        "Andel",
        "SE",
        "KI nedre",
        "KI øvre",
        "Metode",
        "Undertrykt",
    ),
    Lang.EN: (
        "Indicator",
        "By",
        "Group",
        "n",
        "n yes",
        "Share",
        "SE",
        "CI low",
        "CI high",
        "Method",
        "Suppressed",
    ),
}


def estimates_xlsx(result: EstimateSet, lang: Lang) -> bytes:
    """A workbook with one formatted sheet of estimates (percent cells, frozen header)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Indikatorer" if lang is Lang.DA else "Indicators"
    rows: list[list[Any]] = []
    for e in result.estimates:
        rows.append(
            [
                safe_cell(_label(result, e.indicator, lang)),
                safe_cell(e.by) if e.by else None,
                safe_cell(e.group) if e.group is not None else _ALL[lang],
                e.n,
                e.n_positive,
                e.estimate,
                e.se,
                e.ci_low,
                e.ci_high,
                e.ci_method,
                _SUPPRESSED[lang] if e.suppressed else None,
            ]
        )
    fill_sheet(ws, list(_XLSX_HEAD[lang]), rows, percent_columns=(6, 7, 8, 9))
    return workbook_bytes(wb)


def fill_sheet(
    ws: Any, header: list[str], rows: list[list[Any]], *, percent_columns: Sequence[int] = ()
) -> None:
    """Write a header and rows; percent format on the given 1-based columns; frozen header; widths."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

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


def workbook_bytes(wb: Workbook) -> bytes:
    """Save a workbook with fixed timestamps, so the same content gives the same bytes."""
    import datetime as dt

    stamp = dt.datetime.fromtimestamp(
        int(os.environ.get("SOURCE_DATE_EPOCH", "946684800")), tz=dt.UTC
    ).replace(tzinfo=None)
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
    with zipfile.ZipFile(fixed, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=date_time)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o600 << 16
            target.writestr(member, source.read(info.filename))
    return fixed.getvalue()
