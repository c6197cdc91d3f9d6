"""Helpers shared by the CLI tests."""

from __future__ import annotations

import base64
import html
import io
import re
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from panelkit.cli import app


def invoke(*args: str | Path) -> tuple[int, str, str]:
    """Run the CLI in-process: (exit code, stdout, stderr)."""
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def unpacked(name: str, data: bytes) -> tuple[list[bytes], list[bytes]]:
    """An output file's bytes and what it holds packed: (text-like blobs, decoded pixels).

    Workbook parts, PNG text chunks, the PNGs embedded in an HTML page, and a
    parquet file's cells are opened too, so a search for personal text sees them.
    """
    texts, pixels = [data], []
    if name.endswith(".xlsx"):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            texts += [z.read(m) for m in z.namelist()]
    elif name.endswith(".png"):
        # The compressed pixel stream is no text (a search of it only finds chance bytes
        # such as b"500"): the PNG's text is its other chunks, its pixels are decoded.
        texts = [data[:8]]
        pos, idat = 8, b""
        while pos < len(data):
            length = int.from_bytes(data[pos : pos + 4], "big")
            kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
            if kind == b"IDAT":
                idat += body
            else:
                texts.append(data[pos : pos + 12 + length])
                if kind == b"zTXt":
                    texts.append(zlib.decompress(body[body.index(b"\0") + 2 :]))
            pos += 12 + length
        pixels.append(zlib.decompress(idat))
    elif name.endswith(".parquet"):
        import pandas as pd

        texts.append(pd.read_parquet(io.BytesIO(data)).to_csv().encode("utf-8"))
    elif name.endswith(".html"):
        # The embedded images' base64 is no text either: searched decoded, as PNGs.
        texts = [re.sub(rb"data:image/png;base64,[A-Za-z0-9+/=]+", b"data:image/png;base64,", data)]
        for m in re.finditer(rb"data:image/png;base64,([A-Za-z0-9+/=]+)", data):
            inner_texts, inner_pixels = unpacked("x.png", base64.b64decode(m.group(1)))
            texts += inner_texts
            pixels += inner_pixels
    return texts, pixels


def spellings(text: str) -> set[bytes]:
    """The ways a text can be spelled in a file: as is, escaped for HTML/XML/JSON/CSV."""
    spelled = {
        text,
        html.escape(text),
        html.escape(text, quote=False),
        text.replace('"', '""'),
        text.replace('"', '\\"'),
        text.replace("'", "&apos;"),
    }
    return {s.encode(enc) for s in spelled for enc in ("utf-8", "cp1252") if s}


def zip_of(members: dict[str, bytes]) -> bytes:
    """A zip file holding ``members`` (name: bytes), for workbook-shaped fixtures."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def random_design(
    rows: Sequence[Sequence[Any]], weights: Any, frame: Any, sweeps: int | None
) -> tuple[Any, Any]:
    """A design raked on two margins, and its domain, from Hypothesis rows whose items 3
    and 4 are the margin cells and item 5 says whether the respondent is in the domain
    (the first always is)."""
    import numpy as np

    from panelkit.stats.design import declare_design

    margins = [np.unique(np.array([r[k] for r in rows]), return_inverse=True)[1] for k in (3, 4)]
    inside = np.array([r[5] for r in rows])
    inside[0] = True
    design = declare_design(
        frame, weights=weights, calibration=[m.reshape(-1) for m in margins], sweeps=sweeps
    )
    return design, design.domain(inside)
