"""The schema loader checks every key and names the key path in its errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from panelkit.errors import SchemaError
from panelkit.input.schema import Category, VarType, load_schema, parse_schema

HERE = Path(__file__).parent

GOOD = """
name: borgerpanel-2022
title: Borgerpanelundersøgelse om bydelsplan 2022
id: respondent_id
source: {sheet: Dataset, skip_rows: [2, 3]}
variables:
  respondent_id: {column: respondent, type: id}
  age: {column: s_2, type: integer, min: 15, max: 110}
  sex:
    column: s_1
    type: category
    categories: {1: Mand, 2: Kvinde}
  miss_community:
    column: q_7_3
    text: Jeg savner at føle mig som en del af et fællesskab
    type: category
    categories: [Meget enig, Enig, Hverken enig eller uenig, Uenig, Meget uenig]
    missing: [Ved ikke]
  info_lokalavis: {column: q_9_1, type: multi}
  comment: {column: q_10, type: text}
derived:
  age_group:
    from: age
    bins: [15, 17, 30, 45, 65, 111]
    labels: ["15-16", "17-29", "30-44", "45-64", "65+"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "schema.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_schema_is_read_in_file_order(tmp_path: Path) -> None:
    schema = load_schema(write(tmp_path, GOOD))
    assert schema.name == "borgerpanel-2022"
    assert schema.id == "respondent_id"
    assert schema.source.sheet == "Dataset"
    assert schema.source.skip_rows == (2, 3)
    assert schema.names == (
        "respondent_id",
        "age",
        "sex",
        "miss_community",
        "info_lokalavis",
        "comment",
        "age_group",
    )
    sex = schema.variable("sex")
    # YAML reads the codes 1 and 2 as integers; they become the text codes "1" and "2".
    assert sex.categories == (Category("1", "Mand"), Category("2", "Kvinde"))
    assert schema.variable("info_lokalavis").labels == ("Ikke valgt", "Valgt")
    assert schema.variable("miss_community").missing == ("Ved ikke",)
    assert schema.variable("comment").type is VarType.TEXT
    assert schema.labels_of("age_group") == ("15-16", "17-29", "30-44", "45-64", "65+")
    assert schema.labels_of("age") is None


def test_reference_schema_loads() -> None:
    schema = load_schema(HERE / "data" / "api-strat" / "schema.yaml")
    assert schema.labels_of("stype") == ("Elementary", "High", "Middle")
    assert schema.labels_of("api_band") == ("<600", "600-699", "700-799", "800+")


def mutate(change: str, old: str, new: str) -> str:
    assert old in GOOD, change
    return GOOD.replace(old, new, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            mutate("min not a number", "min: 15,", "min: femten,"),
            'schema.yaml: variables.age.min: expected a number, got "femten"',
        ),
        (
            mutate("unknown type", "type: integer", "type: integr"),
            'schema.yaml: variables.age.type: unknown type "integr"; expected one of '
            "id, integer, number, category, text, multi",
        ),
        (
            mutate("unknown key", "type: integer,", "type: integer, minimum: 3,"),
            "schema.yaml: variables.age.minimum: unknown key; expected one of categories, column, "
            "description, max, min, missing, text, type",
        ),
        (
            mutate("unknown top key", "title:", "titel:"),
            "schema.yaml: titel: unknown key; expected one of derived, description, id, name, "
            "source, title, variables",
        ),
        (
            mutate("labels do not match bins", '"65+"]', '"65-79", "80+"]'),
            "schema.yaml: derived.age_group.labels: 6 bins make 5 groups, but 6 labels are given; "
            "give one label per group",
        ),
        (
            mutate("bins not increasing", "[15, 17, 30", "[15, 30, 17"),
            "schema.yaml: derived.age_group.bins: expected at least two numbers in increasing order",
        ),
        (
            mutate("boolean label", "[Meget enig, Enig,", "[Meget enig, yes,"),
            "schema.yaml: variables.miss_community.categories[1]: YAML read true as a boolean; "
            'quote it ("Yes") to use it as text',
        ),
        (
            mutate("categories malformed", "categories: {1: Mand, 2: Kvinde}", "categories: Mand"),
            "schema.yaml: variables.sex.categories: expected a list of labels or a mapping of "
            'code: label, got "Mand"',
        ),
        (
            mutate("duplicate label", "Uenig, Meget uenig]", "Uenig, Uenig]"),
            "schema.yaml: variables.miss_community.categories: the label 'uenig' appears twice; "
            "each answer once",
        ),
        (
            mutate("derived from text", "from: age", "from: comment"),
            'schema.yaml: derived.age_group.from: "comment" is not a numeric variable; expected one of age',
        ),
        (
            mutate("id not a variable", "id: respondent_id", "id: respondent"),
            'schema.yaml: id: "respondent" is not a variable; expected one of respondent_id, age, sex, '
            "miss_community, info_lokalavis, comment",
        ),
        (
            mutate("column reused", "column: q_10", "column: q_9_1"),
            'schema.yaml: variables.comment.column: column "q_9_1" is already used by variable '
            "info_lokalavis; map each column once",
        ),
        (
            mutate("category without categories", "categories: {1: Mand, 2: Kvinde}", "text: Køn"),
            "schema.yaml: variables.sex.categories: missing; a category variable lists its answers "
            "(a list, or code: label)",
        ),
        (
            mutate("bad skip_rows", "skip_rows: [2, 3]", "skip_rows: [1]"),
            "schema.yaml: source.skip_rows[0]: expected a whole number of at least 2, got 1",
        ),
        (
            mutate("missing also a category", "missing: [Ved ikke]", "missing: [enig]"),
            "schema.yaml: variables.miss_community.missing: 'enig' is both a category and a missing answer",
        ),
    ],
)
def test_schema_errors_name_the_key_path(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(SchemaError) as info:
        load_schema(write(tmp_path, text))
    assert str(info.value) == message


def test_python_object_tag_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "name: !!python/object/apply:os.system ['echo hacked']\nvariables: {}\n")
    with pytest.raises(SchemaError) as info:
        load_schema(path)
    assert str(info.value) == (
        "schema.yaml: line 1, column 7: the YAML tag "
        "'tag:yaml.org,2002:python/object/apply:os.system' is not allowed (it would build a "
        "Python object); remove it and write plain text, numbers, lists and mappings"
    )


def test_broken_yaml_names_line(tmp_path: Path) -> None:
    path = write(tmp_path, "name: x\nvariables:\n  a: {column: a, type: id\n")
    with pytest.raises(SchemaError, match=r"^schema.yaml: line 4, column 1: not valid YAML"):
        load_schema(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match=r"nope.yaml: file not found; check the path$"):
        load_schema(tmp_path / "nope.yaml")


def test_top_level_not_a_mapping() -> None:
    with pytest.raises(SchemaError) as info:
        parse_schema(yaml.safe_load("- a\n- b\n"))
    assert (
        str(info.value) == "schema: (top level): expected a mapping of keys to values, got a list"
    )
