"""The parquet cache gives the same validated data as parsing the workbook again."""

from __future__ import annotations

import stat
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from panelkit.input.cache import read_export_cached
from panelkit.input.exports import read_export
from panelkit.input.schema import load_schema
from panelkit.input.validation import validate

API = Path(__file__).parent / "data" / "api-strat"


def workbook(path: Path, rows: int = 200) -> Path:
    data = pd.read_csv(API / "data.csv", dtype=str).head(rows)
    wb = Workbook()
    ws = wb.active
    ws.append(list(data.columns))
    for record in data.itertuples(index=False):
        # numbers as numbers, the way a workbook holds them
        ws.append([int(v) if v.isdigit() else v for v in record])
    wb.save(path)
    return path


def test_second_read_comes_from_the_cache_with_equal_data(tmp_path: Path) -> None:
    source = workbook(tmp_path / "api.xlsx")
    cache = tmp_path / "cache"
    schema = load_schema(API / "schema.yaml")
    first = read_export_cached(source, cache_dir=cache)
    entries = list(cache.glob("*.parquet"))
    assert len(entries) == 1
    # personal data: only the owner may read the copy
    assert stat.S_IMODE(entries[0].stat().st_mode) == 0o600
    second = read_export_cached(source, cache_dir=cache)
    assert second is not first and second.unit == first.unit == "row"
    assert list(second.lines) == list(first.lines) == list(range(2, 202))
    a, b = validate(first, schema), validate(second, schema)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    assert a.report.ok and b.report.ok


def test_changed_bytes_make_a_new_entry(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    source = workbook(tmp_path / "api.xlsx", rows=50)
    read_export_cached(source, cache_dir=cache)
    workbook(source, rows=60)
    again = read_export_cached(source, cache_dir=cache)
    assert again.rows == 60
    assert len(list(cache.glob("*.parquet"))) == 2


def test_a_damaged_entry_is_read_again(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    source = workbook(tmp_path / "api.xlsx", rows=20)
    read_export_cached(source, cache_dir=cache)
    (entry,) = cache.glob("*.parquet")
    entry.write_bytes(b"not parquet")
    raw = read_export_cached(source, cache_dir=cache)
    assert raw.rows == 20
    pd.testing.assert_frame_equal(
        validate(raw, load_schema(API / "schema.yaml")).frame,
        validate(read_export(source), load_schema(API / "schema.yaml")).frame,
    )


def test_no_cache_dir_and_csv_are_read_directly(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    read_export_cached(workbook(tmp_path / "api.xlsx", rows=10), cache_dir=None)
    read_export_cached(API / "data.csv", cache_dir=cache)
    assert not cache.exists()


def test_commands_use_the_cache_unless_told_not_to(tmp_path: Path, _private_cache: Path) -> None:
    from typer.testing import CliRunner

    from panelkit.cli import app

    source = workbook(tmp_path / "api.xlsx", rows=30)
    args = ["validate", str(source), "--schema", str(API / "schema.yaml")]
    result = CliRunner().invoke(app, ["--no-cache", *args])
    assert result.exit_code == 0, result.stderr
    assert not list(_private_cache.glob("*.parquet"))
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert len(list(_private_cache.glob("*.parquet"))) == 1
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0 and again.stdout == result.stdout
