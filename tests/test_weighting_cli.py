"""Every fatal weighting problem is one clear `Error:` line and exit 1 from the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from panelkit.cli import app

API = Path(__file__).parent / "data" / "api-strat"
MARGINS = (API / "margins.csv").read_text().splitlines()
DATA = (API / "data.csv").read_text().splitlines()


def weight(
    tmp: Path, data: list[str] | None, margins: list[str] | None, *extra: str
) -> tuple[int, str]:
    data_path, margins_path = API / "data.csv", API / "margins.csv"
    if data is not None:
        data_path = tmp / "data.csv"
        data_path.write_text("\n".join(data) + "\n")
    if margins is not None:
        margins_path = tmp / "margins.csv"
        margins_path.write_text("\n".join(margins) + "\n")
    result = CliRunner().invoke(
        app,
        [
            "weight", str(data_path), "--schema", str(API / "schema.yaml"),
            "--margins", str(margins_path), "--out", str(tmp / "w.csv"), *extra,
        ],
    )  # fmt: skip
    return result.exit_code, result.stderr


def test_margins_whose_totals_disagree(tmp_path: Path) -> None:
    margins = [*MARGINS[:-2], "sch_wide,No,1072", "sch_wide,Yes,6122"]
    assert weight(tmp_path, None, margins) == (
        1,
        "Error: margins.csv line 6: margin sch_wide totals 7194 but margin stype totals 6194 "
        "(13.9% apart, more than 0.5%); every margin must total the same population\n",
    )


def test_target_cell_without_respondents(tmp_path: Path) -> None:
    data = [DATA[0]] + [line for line in DATA[1:] if ',"M",' not in line]
    assert weight(tmp_path, data, None) == (
        1,
        'Error: cannot weight: margin stype: cell "Middle" (target 1018) has no respondents; '
        "collapse categories or drop the margin\n",
    )


def test_respondents_in_a_category_without_target(tmp_path: Path) -> None:
    margins = [
        "variable,category,target",
        "stype,Elementary,4421",
        "stype,Middle,1018",
        "sch_wide,No,941",
        "sch_wide,Yes,4498",
    ]
    assert weight(tmp_path, None, margins) == (
        1,
        'Error: cannot weight: margin stype has no target for "High" (50 respondents); add '
        "targets for them, or collapse them into categories that have targets\n",
    )


def test_respondent_missing_a_weighting_variable(tmp_path: Path) -> None:
    data = list(DATA)
    data[5] = data[5].replace('"Yes"', '""', 1)  # line 6 of the file loses sch.wide
    assert weight(tmp_path, data, None) == (
        1,
        "Error: cannot weight: 1 respondent has no answer to sch_wide (line 6); every respondent "
        "needs an answer to each weighting variable: leave those respondents out, or drop the "
        "margin\n",
    )


def test_contradictory_margins_do_not_converge(tmp_path: Path) -> None:
    # The joint cells put 1494 high schools in the population, the stype margin 755.
    margins = [
        *MARGINS[:5],
        "stype|sch_wide,Elementary|No,500",
        "stype|sch_wide,Elementary|Yes,3000",
        "stype|sch_wide,High|No,300",
        "stype|sch_wide,High|Yes,1194",
        "stype|sch_wide,Middle|No,200",
        "stype|sch_wide,Middle|Yes,1000",
    ]
    assert weight(tmp_path, None, margins) == (
        1,
        "Error: cannot weight: raking did not converge in 1000 iterations (margin stype still "
        'misses cell "High" by 98%); the margins contradict each other or a cell of their cross '
        "is nearly empty: check that joint and single margins agree, collapse sparse "
        "categories, or drop a margin\n",
    )


def test_cap_that_the_margins_cannot_meet(tmp_path: Path) -> None:
    # 100 sampled elementary schools stand for 4421 of 6194: their mean weight must be
    # 44.21, that is 44.21 / (6194 / 200) = 1.43 times the mean weight, above the cap 1.1.
    assert weight(tmp_path, None, None, "--cap", "1.1") == (
        1,
        "Error: cannot weight: with the cap 1.1 margin stype cannot be met: its cell "
        '"Elementary" needs an average weight of 1.43 × the mean weight (100 respondents for a '
        "target of 4421); use a cap of at least 1.43, or collapse categories\n",
    )


@pytest.mark.parametrize("cap", ["0.5", "1"])
def test_cap_must_be_above_one(tmp_path: Path, cap: str) -> None:
    code, err = weight(tmp_path, None, None, "--cap", cap)
    assert (code, err) == (
        1,
        "Error: the weight cap must be a number above 1 (weights are capped at cap × the mean "
        f"weight), got {float(cap):g}\n",
    )


def test_cap_that_holds_bounds_every_weight(tmp_path: Path) -> None:
    code, err = weight(tmp_path, None, None, "--cap", "1.5")
    assert code == 0, err
    rows = (tmp_path / "w.csv").read_text().splitlines()[1:]
    weights = [float(r.split(",")[1]) for r in rows]
    mean = sum(weights) / len(weights)
    assert max(weights) <= 1.5 * mean * (1 + 1e-9)
    assert abs(sum(weights) - 6194) < 1e-6


def test_weights_as_parquet(tmp_path: Path) -> None:
    import pandas as pd

    result = CliRunner().invoke(
        app,
        [
            "weight", str(API / "data.csv"), "--schema", str(API / "schema.yaml"),
            "--margins", str(API / "margins.csv"), "--out", str(tmp_path / "w.parquet"),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    frame = pd.read_parquet(tmp_path / "w.parquet")
    assert list(frame.columns) == ["snum", "weight", "stype", "sch_wide"]
    assert len(frame) == 200 and abs(frame["weight"].sum() - 6194) < 1e-6


def test_the_weights_csv_is_pandas_writer_of_the_text_frame(tmp_path: Path) -> None:
    # The CSV writer takes the weighting variables as the survey's Categoricals (formatted
    # once per category); its bytes are those of pandas' writer on the frame as text.
    import pandas as pd

    from panelkit.files import safe_frame
    from panelkit.jobs import weight_survey
    from panelkit.project import resolve_files

    files = resolve_files(
        data=API / "data.csv", schema=API / "schema.yaml", margins=API / "margins.csv"
    )
    weighted = weight_survey(files)
    kept = weighted.weights_frame(categories=True)
    assert isinstance(kept["stype"].dtype, pd.CategoricalDtype)
    text = weighted.weights_frame()
    assert text["stype"].dtype != kept["stype"].dtype
    out = tmp_path / "w.csv"
    result = CliRunner().invoke(
        app,
        [
            "weight", str(API / "data.csv"), "--schema", str(API / "schema.yaml"),
            "--margins", str(API / "margins.csv"), "--out", str(out),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    pandas_bytes = safe_frame(text).to_csv(index=False, float_format="%.15g", lineterminator="\n")
    assert out.read_bytes() == pandas_bytes.encode("utf-8")
