"""The margins file (formats §3): what it accepts and every error it reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from panelkit.errors import SettingsError
from panelkit.input.margins import Margin, Margins, load_margins, parse_margins
from panelkit.input.schema import Schema, parse_schema

API = Path(__file__).parent / "data" / "api-strat"


@pytest.fixture(scope="module")
def schema() -> Schema:
    return parse_schema(
        {
            "name": "panel",
            "id": "rid",
            "variables": {
                "rid": {"column": "respondent", "type": "id"},
                "age": {"column": "s_2", "type": "integer", "min": 15, "max": 110},
                "sex": {
                    "column": "s_1",
                    "type": "category",
                    "categories": {1: "Mand", 2: "Kvinde"},
                },
                "area": {"column": "bydel", "type": "category", "categories": ["Nord", "Syd"]},
                "remark": {"column": "q_9", "type": "text"},
            },
            "derived": {
                "age_group": {
                    "from": "age",
                    "bins": [15, 30, 65, 111],
                    "labels": ["15-29", "30-64", "65+"],
                }
            },
        },
        Path("panel.yaml"),
    )


def parse(text: str, schema: Schema) -> Margins:
    return parse_margins(text, schema, Path("margins.csv"))


def error(text: str, schema: Schema) -> str:
    with pytest.raises(SettingsError) as info:
        parse(text, schema)
    return str(info.value)


GOOD = """\
# Kilde: Danmarks Statistik, FOLK1A, 1. januar 2024
# Bydel Nord og Syd
variable,category,target
sex,Mand,29876
sex,Kvinde,31001
age_group,15-29,17234
age_group,30-64,30000
age_group,65+,13643

age_group|sex,15-29|Kvinde,8801
age_group|sex,15-29|Mand,8433
age_group|sex,30-64|Kvinde,15000
age_group|sex,30-64|Mand,15000
age_group|sex,65+|Kvinde,7200
age_group|sex,65+|Mand,6443
"""


def test_reads_margins_cells_and_comments(schema: Schema) -> None:
    m = parse(GOOD, schema)
    assert m.comments == ("Kilde: Danmarks Statistik, FOLK1A, 1. januar 2024", "Bydel Nord og Syd")
    assert not m.shares
    assert [x.name for x in m.margins] == ["sex", "age_group", "age_group|sex"]
    assert m.margins[0] == Margin("sex", ("sex",), (("Mand",), ("Kvinde",)), (29876.0, 31001.0), 4)
    joint = m.margins[2]
    assert joint.variables == ("age_group", "sex")
    assert joint.cells[0] == ("15-29", "Kvinde")
    assert joint.line == 10
    assert joint.total == 60877.0
    assert joint.cell_name(0) == "15-29|Kvinde"
    assert m.variables == ("sex", "age_group")
    assert m.path == Path("margins.csv")


def test_shares(schema: Schema) -> None:
    m = parse(
        "variable,category,target\nsex,Mand,0.49\nsex,Kvinde,0.51\narea,Nord,1\narea,Syd,0\n",
        schema,
    )
    assert m.shares
    assert m.margins[0].targets == (0.49, 0.51)


def test_labels_match_like_answers_and_are_stored_as_in_the_schema(schema: Schema) -> None:
    m = parse("Variable, Category ,TARGET\n sex , mand ,10\nsex,KVINDE,10\n", schema)
    assert m.margins[0].cells == (("Mand",), ("Kvinde",))


def test_danish_spreadsheet_csv_and_trailing_remarks(schema: Schema) -> None:
    # Semicolons with decimal commas, as a spreadsheet in Danish settings saves it,
    # and the '# …' remark after a target that the contract's own example shows.
    m = parse("variable;category;target\nsex;Mand;0,49\nsex;Kvinde;0,51   # rest\n", schema)
    assert m.margins[0].targets == (0.49, 0.51)
    assert parse("variable,category,target\nsex,Mand,5  # note\nsex,Kvinde,5,\n", schema)


def test_reference_file_with_byte_order_mark(tmp_path: Path) -> None:
    from panelkit.input.schema import load_schema

    api_schema = load_schema(API / "schema.yaml")
    target = tmp_path / "margins.csv"
    target.write_bytes(b"\xef\xbb\xbf" + (API / "margins.csv").read_bytes())
    m = load_margins(target, api_schema)
    assert [x.name for x in m.margins] == ["stype", "sch_wide"]
    assert m.margins[0].targets == (4421.0, 755.0, 1018.0)
    assert m.comments == (
        "source: apipop (all 6194 California schools), R survey package data(api)",
    )
    assert m.source == "margins.csv"


def test_totals_within_half_a_percent_are_accepted(schema: Schema) -> None:
    m = parse(
        "variable,category,target\nsex,Mand,500\nsex,Kvinde,500\narea,Nord,497\narea,Syd,500\n",
        schema,
    )
    assert [x.total for x in m.margins] == [1000.0, 997.0]


# --------------------------------------------------------------------------- errors

HEAD = "variable,category,target\n"


def test_unknown_variable(schema: Schema) -> None:
    assert error(HEAD + "sex,Mand,1\ngender,Kvinde,1\n", schema) == (
        'margins.csv line 3: unknown variable "gender"; expected one of sex, area, age_group'
    )


def test_unknown_category(schema: Schema) -> None:
    assert error(HEAD + "sex,Mand,1\nsex,Mandlig,1\n", schema) == (
        'margins.csv line 3: "Mandlig" is not a category of sex; expected one of Mand, Kvinde'
    )


def test_unknown_category_in_a_joint_cell(schema: Schema) -> None:
    assert error(HEAD + "age_group|sex,15-24|Mand,1\n", schema) == (
        'margins.csv line 2: "15-24" is not a category of age_group; '
        "expected one of 15-29, 30-64, 65+"
    )


def test_numeric_variable(schema: Schema) -> None:
    assert error(HEAD + "age,15,100\n", schema) == (
        'margins.csv line 2: "age" is a numeric variable; a margin needs categories: group it '
        "with a derived variable (bins) in the schema, or use one of sex, area, age_group"
    )


def test_text_and_id_variables(schema: Schema) -> None:
    assert error(HEAD + "remark,x,100\n", schema) == (
        'margins.csv line 2: "remark" is a text variable; a margin needs categories: '
        "use one of sex, area, age_group"
    )
    assert error(HEAD + "sex|rid,Mand|1,100\n", schema) == (
        'margins.csv line 2: "rid" is an id variable; a margin needs categories: '
        "use one of sex, area, age_group"
    )


def test_target_not_a_number(schema: Schema) -> None:
    assert error(HEAD + "sex,Mand,ca. 500\n", schema) == (
        'margins.csv line 2: target "ca. 500" is not a number'
    )
    assert (
        error(HEAD + "sex,Mand,nan\n", schema) == 'margins.csv line 2: target "nan" is not a number'
    )
    assert error(HEAD + "sex,Mand,\n", schema) == 'margins.csv line 2: target "" is not a number'


def test_negative_target(schema: Schema) -> None:
    assert error(HEAD + "sex,Mand,-5\n", schema) == (
        "margins.csv line 2: target -5 is negative; a target is a count or a share, 0 or more"
    )


def test_repeated_cell(schema: Schema) -> None:
    text = HEAD + "sex,Mand,1\nsex,Kvinde,1\nsex,mand,2\n"
    assert error(text, schema) == (
        'margins.csv line 4: the cell sex = "Mand" is repeated (first on line 2); '
        "give each cell once"
    )
    joint = HEAD + "age_group|sex,65+|Mand,1\nage_group | sex,65+|Mand,1\n"
    assert error(joint, schema) == (
        'margins.csv line 3: the cell age_group|sex = "65+|Mand" is repeated (first on line 2); '
        "give each cell once"
    )


def test_wrong_header(schema: Schema) -> None:
    assert error("# kilde\nvar,cat,target\nsex,Mand,1\n", schema) == (
        'margins.csv line 2: the header must be "variable,category,target", got "var,cat,target"'
    )
    assert error("sex,Mand,1\n", schema) == (
        'margins.csv line 1: the header must be "variable,category,target", got "sex,Mand,1"'
    )


def test_totals_disagree(schema: Schema) -> None:
    text = HEAD + "sex,Mand,29876\nsex,Kvinde,31001\narea,Nord,30000\narea,Syd,30000\n"
    assert error(text, schema) == (
        "margins.csv line 4: margin area totals 60000 but margin sex totals 60877 "
        "(1.4% apart, more than 0.5%); every margin must total the same population"
    )


def test_shares_mixed_with_counts(schema: Schema) -> None:
    text = HEAD + "sex,Mand,0.5\nsex,Kvinde,0.5\narea,Nord,300\narea,Syd,700\n"
    assert error(text, schema) == (
        "margins.csv line 4: margin sex gives shares (total 1) but margin area gives counts "
        "(total 1000); give every margin as counts or every margin as shares"
    )
    text = HEAD + "area,Nord,300\narea,Syd,700\nsex,Mand,0.5\nsex,Kvinde,0.5\n"
    assert error(text, schema) == (
        "margins.csv line 4: margin sex gives shares (total 1) but margin area gives counts "
        "(total 1000); give every margin as counts or every margin as shares"
    )


def test_margin_totalling_zero(schema: Schema) -> None:
    assert error(HEAD + "sex,Mand,0\nsex,Kvinde,0\n", schema) == (
        "margins.csv line 2: margin sex: its targets total 0; give population counts"
    )


def test_wrong_number_of_fields(schema: Schema) -> None:
    assert error(HEAD + "sex,Mand\n", schema) == (
        "margins.csv line 2: expected 3 fields (variable,category,target), got 2"
    )
    assert error(HEAD + "sex,Mand,1,2\n", schema) == (
        "margins.csv line 2: expected 3 fields (variable,category,target), got 4"
    )


def test_joint_cell_with_the_wrong_number_of_labels(schema: Schema) -> None:
    assert error(HEAD + "age_group|sex,65+,1\n", schema) == (
        'margins.csv line 2: category "65+" has 1 part(s) but "age_group|sex" crosses '
        "2 variable(s); write one label per variable, separated by |"
    )


def test_variable_crossed_with_itself(schema: Schema) -> None:
    assert error(HEAD + "sex|sex,Mand|Mand,1\n", schema) == (
        'margins.csv line 2: "sex|sex" names a variable twice; cross different variables'
    )


def test_empty_variable(schema: Schema) -> None:
    assert error(HEAD + ",Mand,1\n", schema) == "margins.csv line 2: the variable is empty"


def test_no_margins(schema: Schema) -> None:
    message = (
        "margins.csv: no margins; expected the header variable,category,target "
        "and one line per cell"
    )
    assert error("# only a comment\n", schema) == message
    assert error(HEAD, schema) == message


def test_file_problems(tmp_path: Path, schema: Schema) -> None:
    missing = tmp_path / "nope.csv"
    with pytest.raises(SettingsError) as info:
        load_margins(missing, schema)
    assert str(info.value) == f"{missing}: file not found; check the path"
    latin = tmp_path / "latin.csv"
    latin.write_bytes("variable,category,target\nsex,Mand,1\n# Ø\n".encode("cp1252"))
    with pytest.raises(SettingsError) as info:
        load_margins(latin, schema)
    assert str(info.value) == "latin.csv: not UTF-8 text; save the file as UTF-8"
