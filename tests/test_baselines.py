"""The baselines loader (formats §5): a good file, and one exact message per problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from panelkit.errors import SettingsError
from panelkit.input.baselines import Baseline, find_baseline, load_baselines, parse_baselines

HEADER = "baseline_id,area,group,estimate_pct,ci_low_pct,ci_high_pct,n,source,year"

GOOD = (
    "\ufeff# Baselines for the Amager Øst fact box\n"
    "# source: Region Hovedstaden, Sundhedsprofil 2021\n"
    f"{HEADER},note\n"
    "selvvurderet-helbred-daarligt,Amager Øst,,15,,,,Region Hovedstaden Sundhedsprofil 2021,2021,\n"
    "ensomhed,Region Hovedstaden,16-24,18.5,16.1,21.2,,Sundhedsprofil 2021,2021,95% CI\n"
    'ensomhed,Region Hovedstaden,,"12,5",,,2400,Sundhedsprofil 2021,,"from table 3, p. 12"\n'
    "\n"
)


def write(tmp_path: Path, text: str, name: str = "baselines.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_file_is_read_in_order(tmp_path: Path) -> None:
    got = load_baselines(write(tmp_path, GOOD))
    assert got == (
        Baseline(
            id="selvvurderet-helbred-daarligt",
            area="Amager Øst",
            group=None,
            estimate=0.15,
            ci_low=None,
            ci_high=None,
            n=None,
            source="Region Hovedstaden Sundhedsprofil 2021",
            year=2021,
            note=None,
        ),
        Baseline(
            id="ensomhed",
            area="Region Hovedstaden",
            group="16-24",
            estimate=0.185,
            ci_low=0.161,
            ci_high=0.212,
            n=None,
            source="Sundhedsprofil 2021",
            year=2021,
            note="95% CI",
        ),
        Baseline(
            id="ensomhed",
            area="Region Hovedstaden",
            group=None,
            estimate=0.125,  # a quoted decimal comma
            ci_low=None,
            ci_high=None,
            n=2400,
            source="Sundhedsprofil 2021",
            year=None,
            note="from table 3, p. 12",
        ),
    )
    assert [b.fixed for b in got] == [True, False, False]


def test_columns_in_another_order_and_semicolons() -> None:
    text = (
        "source;year;baseline_id;area;group;estimate_pct;ci_low_pct;ci_high_pct;n\n"
        "Sundhedsprofil 2021;2021;ensomhed;København;;12,5;11,0;14,1;\n"
    )
    (b,) = parse_baselines(text, "b.csv")
    assert (b.id, b.area, b.estimate, b.ci_low, b.ci_high) == (
        "ensomhed",
        "København",
        0.125,
        0.11,
        0.141,
    )


def test_only_the_header_gives_no_baselines() -> None:
    assert parse_baselines(HEADER + "\n", "b.csv") == ()


def test_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="file not found; check the path"):
        load_baselines(tmp_path / "nope.csv")


def row(**change: str) -> str:
    values = {
        "baseline_id": "ensomhed",
        "area": "København",
        "group": "",
        "estimate_pct": "15",
        "ci_low_pct": "",
        "ci_high_pct": "",
        "n": "",
        "source": "Sundhedsprofil 2021",
        "year": "2021",
    }
    values.update(change)
    return ",".join(values[c] for c in HEADER.split(","))


def problem(*lines: str) -> str:
    text = "# a comment: line 1\n" + HEADER + "\n" + "\n".join(lines) + "\n"
    with pytest.raises(SettingsError) as info:
        parse_baselines(text, "baselines.csv")
    message = str(info.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"estimate_pct": "abc"},
            'baselines.csv line 3, estimate_pct: "abc" is not a number; '
            "write the percent, e.g. 15 or 15.5",
        ),
        (
            {"estimate_pct": ""},
            "baselines.csv line 3, estimate_pct: is empty; give the figure in percent, "
            "e.g. 15 or 15.5 (or a mean in the variable's units under estimate)",
        ),
        (
            {"estimate_pct": "115"},
            "baselines.csv line 3, estimate_pct: 115 is outside 0–100; "
            "give a percent (15 for 15%), not a proportion",
        ),
        (
            {"ci_low_pct": "-1", "ci_high_pct": "20"},
            "baselines.csv line 3, ci_low_pct: -1 is outside 0–100; "
            "give a percent (15 for 15%), not a proportion",
        ),
        (
            {"ci_low_pct": "16", "ci_high_pct": "20"},
            "baselines.csv line 3, ci_low_pct: the interval 16–20 does not contain the "
            "estimate 15; ci_low_pct must not exceed estimate_pct",
        ),
        (
            {"ci_low_pct": "10", "ci_high_pct": "14.5"},
            "baselines.csv line 3, ci_high_pct: the interval 10–14.5 does not contain the "
            "estimate 15; ci_high_pct must not be below estimate_pct",
        ),
        (
            {"ci_low_pct": "15", "ci_high_pct": "15"},
            "baselines.csv line 3, ci_high_pct: the interval 15–15 has no width; "
            "leave both ends empty for a fixed value",
        ),
        (
            {"ci_low_pct": "12"},
            "baselines.csv line 3, ci_high_pct: is empty but ci_low_pct is given; "
            "give both ends of the interval or neither",
        ),
        (
            {"n": "0"},
            'baselines.csv line 3, n: "0" is not a positive whole number; '
            "write the number of answers, e.g. 1340",
        ),
        (
            {"n": "12.5"},
            'baselines.csv line 3, n: "12.5" is not a positive whole number; '
            "write the number of answers, e.g. 1340",
        ),
        (
            {"baseline_id": ""},
            "baselines.csv line 3, baseline_id: is empty; give every baseline an id",
        ),
        (
            {"source": ""},
            "baselines.csv line 3, source: is empty; name where the figure is published, "
            "e.g. Sundhedsprofil 2021",
        ),
        (
            {"area": ""},
            "baselines.csv line 3, area: is empty; name the area the figure describes, "
            "e.g. København",
        ),
        (
            {"year": "21"},
            'baselines.csv line 3, year: "21" is not a year; write four digits, e.g. 2021',
        ),
    ],
)
def test_cell_problems(change: dict[str, str], message: str) -> None:
    assert problem(row(**change)) == message


def test_wrong_header_lists_the_expected_columns() -> None:
    with pytest.raises(SettingsError) as info:
        parse_baselines("id,area,group,estimate,source\n", "b.csv")
    assert str(info.value) == (
        "b.csv line 1, header: missing baseline_id, estimate_pct, ci_low_pct, ci_high_pct, "
        "n, year; expected the columns "
        "baseline_id,area,group,estimate_pct,ci_low_pct,ci_high_pct,n,source,year "
        "(any order; extra columns such as note are allowed)"
    )


def test_repeated_header_column() -> None:
    with pytest.raises(SettingsError, match=r"^b.csv line 1, header: n given twice; expected"):
        parse_baselines(HEADER + ",n\n", "b.csv")


def test_duplicate_id_area_group_ignoring_case() -> None:
    message = problem(row(), row(estimate_pct="16", area="københavn"))
    assert message == (
        'baselines.csv line 4, baseline_id: baseline "ensomhed" (københavn, whole population) '
        "is repeated (first on line 3); give each id, area and group once"
    )


def test_same_id_in_another_group_is_fine() -> None:
    text = HEADER + "\n" + row() + "\n" + row(group="16-24") + "\n"
    assert len(parse_baselines(text)) == 2


def test_wrong_number_of_fields() -> None:
    assert problem(row() + ",x,y") == (
        "baselines.csv line 3: expected 9 fields as in the header, got 11; "
        "quote a value that contains ','"
    )


def test_no_header() -> None:
    with pytest.raises(SettingsError, match="no header; the first line must name the columns"):
        parse_baselines("# only a comment\n", "b.csv")


BASES = parse_baselines(
    HEADER
    + "\n"
    + "\n".join(
        [
            row(area="København"),
            row(area="Region Hovedstaden"),
            row(area="Region Hovedstaden", group="16-24"),
            row(baseline_id="helbred", area="Amager Øst"),
        ]
    )
)


def test_find_baseline() -> None:
    assert find_baseline(BASES, "ensomhed", "region hovedstaden ", "16-24").group == "16-24"
    assert find_baseline(BASES, "ensomhed", "København", None).group is None
    # The id's only area need not be named.
    assert find_baseline(BASES, "helbred", None, None).area == "Amager Øst"


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        (
            ("trivsel", "København", None),
            'no baseline has the id "trivsel"; the baselines file has: ensomhed, helbred',
        ),
        (
            ("ensomhed", "Amager Øst", None),
            'baseline "ensomhed" has no area "Amager Øst"; its areas are: '
            "København, Region Hovedstaden",
        ),
        (
            ("ensomhed", "Region Hovedstaden", "65+"),
            'baseline "ensomhed" in Region Hovedstaden has no group "65+"; '
            'its groups are: (whole population), "16-24"',
        ),
        (
            ("ensomhed", None, None),
            'baseline "ensomhed" exists for several areas (København, Region Hovedstaden); '
            "name the area in the indicator's baseline",
        ),
    ],
)
def test_find_baseline_explains_what_exists(
    ref: tuple[str, str | None, str | None], message: str
) -> None:
    with pytest.raises(SettingsError) as info:
        find_baseline(BASES, *ref)
    assert str(info.value) == message
