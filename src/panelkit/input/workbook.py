"""Excel workbook exports (.xlsx): one sheet of responses, read after the zip is checked.

A workbook is a zip of XML parts: one that would unpack to too much, or whose
XML declares a DTD (entity expansion), is refused before openpyxl opens it. A
platform's own workbook layout (SurveyXact's Dataset and Labels sheets) comes in
as a :class:`~panelkit.input.raw.WorkbookLayout`, so this module knows none.
"""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from panelkit.errors import ExportError
from panelkit.input.raw import (
    ExportFormat,
    RawExport,
    ReadRequest,
    WorkbookLayout,
    assemble,
    clean_cells,
    clip,
    letter_label,
    printable,
)

__all__ = [
    "MAX_XLSX_COMPRESSION_RATIO",
    "MAX_XLSX_UNPACKED_BYTES",
    "XLSX_RATIO_CHECK_BYTES",
    "read_sheet_rows",
    "read_workbook",
    "sheet_names",
]

# A workbook whose parts unpack to more than this is refused before openpyxl
# opens it (a "zip bomb" would otherwise exhaust memory). 1 GiB is far more
# than any panel survey needs; bigger data belongs in a CSV.
MAX_XLSX_UNPACKED_BYTES: Final = 1 << 30
# ... and so is a part bigger than XLSX_RATIO_CHECK_BYTES that unpacks to more
# than this many times its packed size (real sheets compress 5-30 times).
MAX_XLSX_COMPRESSION_RATIO: Final = 100
XLSX_RATIO_CHECK_BYTES: Final = 10 << 20
# An XML part whose prolog (before the root element) is longer than this is
# refused: Excel writes ~60 bytes; a long one can only hide a DTD from the check.
_MAX_XML_PROLOG: Final = 64 << 10
_BOMS_UTF16: Final = (b"\xff\xfe", b"\xfe\xff")


def _openpyxl() -> Any:
    # openpyxl takes ~0.1 s to import; CSV runs should not pay for it.
    import openpyxl

    return openpyxl


def read_workbook(req: ReadRequest) -> RawExport:
    """Read one sheet of a workbook: ``req.sheet``, else the data sheet of a layout in
    ``req.layouts`` that knows the workbook, else the first; header at ``req.header_row``."""
    p, shown, header_row, skip = req.path, req.shown, req.header_row, req.skip
    with _open_workbook(p, shown) as book:
        names = book.sheetnames
        layout = next((lay for lay in req.layouts if lay.data_sheet(names) is not None), None)
        name = _pick_sheet(shown, names, req.sheet, layout)
        ws = book[name]
        if not hasattr(ws, "iter_rows"):
            raise ExportError(
                f'{shown}: sheet "{clip(name)}" is a chart sheet, not a table; set '
                "source.sheet to the sheet with the responses"
            )
        # read-only sheets trust the <dimension> tag, which some tools write wrong
        ws.reset_dimensions()
        rows = ws.iter_rows(min_row=header_row, values_only=True)
        header = next(rows, None)
        body = [tuple(r) for r in rows]
        companion = layout.companion(names, name) if layout is not None else None
        companion_rows = _sheet_rows(book, companion) if companion else None
    if header is None or (not body and all(v is None for v in header)):
        if header_row == 1:
            raise ExportError(
                f'{shown}: sheet "{clip(name)}" is empty; expected a header row with the column '
                "names followed by one row per respondent"
            )
        raise ExportError(
            f'{shown}: sheet "{clip(name)}" has nothing in or below row {header_row} to use as '
            "the header; check header_row"
        )
    width = max([len(header), *(len(r) for r in body)])
    padded = [r + (None,) * (width - len(r)) for r in body] if body else []
    cells = pd.DataFrame(padded, columns=range(width), dtype=object)
    names_ = [_header_name(v) for v in (*header, *(None,) * (width - len(header)))]
    columns = [clean_cells(cells[j]) for j in range(width)]
    frame, lines = assemble(
        shown,
        names_,
        columns,
        np.arange(header_row + 1, header_row + 1 + len(body), dtype=np.int64),
        row_numbers=np.arange(header_row + 1, header_row + 1 + len(body), dtype=np.int64),
        skip=skip,
        header_at=f'in the header, row {header_row} of sheet "{clip(name)}"',
        label=letter_label,
        drop_trailing_empty=True,
    )
    raw = RawExport(p, ExportFormat.XLSX, frame, lines, "row")
    if layout is None or companion is None or companion_rows is None:
        return raw
    return layout.finish(raw, shown, companion, companion_rows)


def _pick_sheet(
    shown: str, names: Sequence[str], wanted: str | None, layout: WorkbookLayout | None = None
) -> str:
    if not names:
        raise ExportError(f"{shown} has no sheets; export the data again")
    listed = ", ".join(f'"{clip(n)}"' for n in names[:20]) + (", …" if len(names) > 20 else "")
    if wanted is None:
        picked = layout.data_sheet(names) if layout is not None else None
        return picked if picked is not None else names[0]
    if wanted in names:
        return wanted
    close = [n for n in names if n.strip().casefold() == wanted.strip().casefold()]
    if len(close) == 1:
        return close[0]
    raise ExportError(
        f'{shown} has no sheet named "{clip(wanted)}"; its sheets are {listed}; set '
        "source.sheet to one of them"
    )


@contextmanager
def _open_workbook(p: Path, shown: str) -> Iterator[Any]:
    """A workbook opened read-only after the zip checks; any failure is one ExportError."""
    _check_workbook_zip(p, shown)
    with warnings.catch_warnings():
        # openpyxl warns about styles and extensions it ignores: noise here
        warnings.simplefilter("ignore")
        try:
            book = _openpyxl().load_workbook(p, read_only=True, data_only=True, keep_links=False)
        except Exception as exc:  # openpyxl raises KeyError, ValueError, ... on broken parts
            raise _unreadable_workbook(shown, exc) from exc
        try:
            yield book
        except ExportError:
            raise
        except Exception as exc:
            raise _unreadable_workbook(shown, exc) from exc
        finally:
            book.close()


def _unreadable_workbook(shown: str, exc: Exception) -> ExportError:
    return ExportError(
        f"{shown} is not a readable Excel workbook ({type(exc).__name__}); open and save it "
        "again in Excel, or export the data as CSV"
    )


def _sheet_rows(book: Any, name: str) -> list[tuple[object, ...]]:
    ws = book[name]
    if not hasattr(ws, "iter_rows"):
        return []
    ws.reset_dimensions()
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


def sheet_names(path: str | Path) -> tuple[str, ...]:
    """The sheet names of a workbook (checked as :func:`read_export` checks it)."""
    shown = printable(str(path))
    with _open_workbook(Path(path), shown) as book:
        return tuple(book.sheetnames)


def read_sheet_rows(path: str | Path, sheets: Sequence[str]) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the named sheets (matched ignoring case), cells as openpyxl reads them.

    For a workbook's small tables beside the data, such as SurveyXact's
    ``Structure`` and ``Labels``. Raises ExportError naming a missing sheet.
    """
    shown = printable(str(path))
    with _open_workbook(Path(path), shown) as book:
        return {s: _sheet_rows(book, _pick_sheet(shown, book.sheetnames, s)) for s in sheets}


def _header_name(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a year typed as a header, 2022.0 -> "2022"
    return str(value).replace("\ufeff", "").strip()


def _check_workbook_zip(p: Path, shown: str) -> None:
    """Refuse what is not a workbook, or could exhaust memory or the XML parser."""
    try:
        is_zip = zipfile.is_zipfile(p)
    except OSError as exc:
        raise ExportError(
            f"{shown} cannot be read ({exc.strerror or type(exc).__name__}); check that it is a "
            "file you may read"
        ) from exc
    if not is_zip:
        raise ExportError(f"{shown} is not an Excel workbook (.xlsx is a zip file); {_not_zip(p)}")
    try:
        with zipfile.ZipFile(p) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
            if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
                raise ExportError(
                    f"{shown} is a zip file but not an Excel workbook (it has no "
                    "[Content_Types].xml and xl/ parts); save the export as .xlsx from Excel or "
                    "the survey platform"
                )
            unpacked = sum(i.file_size for i in infos)
            if unpacked > MAX_XLSX_UNPACKED_BYTES:
                raise ExportError(
                    f"{shown} unpacks to {unpacked / 2**20:.0f} MB, more than the limit of "
                    f"{MAX_XLSX_UNPACKED_BYTES / 2**20:.0f} MB for a workbook; export the data "
                    "as CSV instead"
                )
            for info in infos:
                ratio = info.file_size / max(info.compress_size, 1)
                if info.file_size > XLSX_RATIO_CHECK_BYTES and ratio > MAX_XLSX_COMPRESSION_RATIO:
                    raise ExportError(
                        f"{shown}: the part {clip(info.filename)} unpacks to {ratio:.0f} times "
                        f"its packed size, more than the limit of {MAX_XLSX_COMPRESSION_RATIO} "
                        "(a zip bomb?); export the data as CSV instead"
                    )
            for info in infos:
                if info.filename.lower().endswith((".xml", ".rels", ".vml")):
                    with zf.open(info) as member:
                        head = member.read(_MAX_XML_PROLOG)
                    if _declares_dtd(head):
                        raise ExportError(
                            f"{shown}: the part {clip(info.filename)} declares a DTD "
                            "(<!DOCTYPE …>), which Excel never writes and which can hide an "
                            "entity-expansion attack; open and save the workbook again in "
                            "Excel, or export CSV"
                        )
    except ExportError:
        raise
    except Exception as exc:  # BadZipFile, zlib.error, encrypted or exotic members, ...
        raise ExportError(
            f"{shown} is not a readable Excel workbook (broken zip: {type(exc).__name__}); open "
            "and save it again in Excel, or export the data as CSV"
        ) from exc


def _not_zip(p: Path) -> str:
    try:
        with p.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return "save the export as .xlsx or .csv"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return (
            "this is an old .xls file or a password-protected workbook; remove any password "
            "and save it as .xlsx, or export CSV"
        )
    if head and b"\x00" not in head:
        return "it looks like text; if it is a CSV export, give it the extension .csv"
    return "save the export as .xlsx or .csv"


def _declares_dtd(head: bytes) -> bool:
    """Whether an XML part's prolog declares a DTD, or is too long to tell."""
    if head.startswith(_BOMS_UTF16) or head[:2] in (b"<\x00", b"\x00<"):
        order = "utf-16-be" if head.startswith(b"\xfe\xff") or head[:1] == b"\x00" else "utf-16-le"
        text = head.decode(order, errors="replace")
    else:
        text = head.decode("latin-1")  # only the ASCII markup matters
    pos = 0
    while True:
        while pos < len(text) and text[pos] in "\ufeff\xef\xbb\xbf \t\r\n":
            pos += 1
        if text.startswith("<?", pos):
            close, closer = text.find("?>", pos), "?>"
        elif text.startswith("<!--", pos):
            close, closer = text.find("-->", pos + 4), "-->"
        else:
            # "<!" here can only open a DTD; anything else is the root element (or
            # not XML at all, which the parser will report)
            return text.startswith("<!", pos)
        if close < 0:
            return len(head) >= _MAX_XML_PROLOG  # a prolog too long to check
        pos = close + len(closer)
