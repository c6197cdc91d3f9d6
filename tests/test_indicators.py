"""The indicators file (formats §4): loading, and every mistake as one exact line."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from panelkit.errors import SettingsError
from panelkit.input.indicators import BaselineRef, Condition, Indicator, load_indicators
from panelkit.input.schema import Schema, load_schema, parse_schema

SCHEMA = """
name: panel
id: respondent_id
variables:
  respondent_id: {column: id, type: id}
  age: {column: s_2, type: integer, min: 15, max: 110}
  sex: {column: s_1, type: category, categories: {1: Mand, 2: Kvinde}}
  lonely:
    column: q_7
    type: category
    categories: [Meget enig, Enig, Hverken enig eller uenig, Uenig, Meget uenig]
    missing: [Ved ikke]
  member: {column: q_8, type: category, categories: ["Yes", "No"]}
  comment: {column: q_9, type: text}
  trust: {column: q_10, type: integer, min: 0, max: 10}
derived:
  age_group:
    from: age
    bins: [15, 17, 30, 45, 65, 111]
    labels: ["15-16", "17-29", "30-44", "45-64", "65+"]
"""


@pytest.fixture(scope="module")
def schema() -> Schema:
    return parse_schema(yaml.safe_load(SCHEMA))


def load(tmp_path: Path, text: str, schema: Schema) -> tuple[Indicator, ...]:
    path = tmp_path / "indicators.yaml"
    path.write_text(text, encoding="utf-8")
    return load_indicators(path, schema)


def test_loads_the_contract_example(tmp_path: Path, schema: Schema) -> None:
    text = """
source: Borgerpanelet 2024
indicators:
  - id: lonely_17_29
    variable: lonely
    positive: [Meget enig, Enig]
    where: {age_group: ["17-29"]}
    label:
      da: "i alderen 17-29 år er enig eller meget enig"
      en: "aged 17-29 agree"
    baseline: {id: ensomhed-tils, area: Region Hovedstaden}
  - id: lonely_age
    variable: lonely
    positive: meget ENIG            # one answer; case and spaces as in the schema
    where: {age: {min: 17, max: 29}, sex: Kvinde}
    label: Ensomme kvinder
    baseline: ensomhed-tils
    factbox: {da: "{pct} af kvinderne", en: "{pct} of women"}
    source: Egen undersøgelse
  - id: high_trust
    variable: trust
    positive: {min: 8}
"""
    first, second, third = load(tmp_path, text, schema)
    assert first == Indicator(
        id="lonely_17_29",
        variable="lonely",
        positive=("Meget enig", "Enig"),
        where=(Condition("age_group", values=("17-29",)),),
        labels=(("da", "i alderen 17-29 år er enig eller meget enig"), ("en", "aged 17-29 agree")),
        baseline=BaselineRef("ensomhed-tils", area="Region Hovedstaden"),
        source="Borgerpanelet 2024",
    )
    assert first.label("en") == "aged 17-29 agree" and first.factbox_text("da") is None
    assert second.positive == ("Meget enig",)
    assert second.where == (
        Condition("age", min=17.0, max=29.0),
        Condition("sex", values=("Kvinde",)),
    )
    assert second.label("en") == second.label("da") == "Ensomme kvinder"
    assert second.baseline == BaselineRef("ensomhed-tils")
    assert second.factbox_text("en") == "{pct} of women"
    assert second.source == "Egen undersøgelse"
    assert third.positive == () and third.positive_range == (8.0, None)
    assert third.label("da") == "high_trust"  # no label: the id
    assert hash(first) != hash(second)  # indicators are hashable


def test_label_falls_back_to_the_other_language() -> None:
    only_da = Indicator("x", "v", ("a",), labels=(("da", "dansk"),))
    assert only_da.label("en") == "dansk"
    assert only_da.label_map == {"da": "dansk"}
    assert only_da.factbox_text("en") is None


def test_the_reference_case_loads() -> None:
    data = Path(__file__).parent / "data" / "api-strat"
    indicators = load_indicators(data / "indicators.yaml", load_schema(data / "schema.yaml"))
    assert [i.id for i in indicators] == [
        "awards",
        "comp_imp",
        "both_targets_non_yr_rnd",
        "awards_high_api",
    ]
    assert indicators[2].where == (Condition("yr_rnd", values=("No",)),)
    assert indicators[3].where == (Condition("api00", min=700.0, max=1000.0),)


ONE = "indicators:\n  - "
ERRORS = [
    # file structure
    ("", 'indicators.yaml: (top level): expected a mapping with the key "indicators", got nothing'),
    ("indicator: []", 'indicators.yaml: indicator: unknown key; did you mean "indicators"? '
     "expected one of area, breakdowns, description, factbox, indicators, source"),
    ("source: x", "indicators.yaml: indicators: missing; list the indicators under `indicators:`"),
    ("indicators: []", "indicators.yaml: indicators: is empty; list at least one indicator"),
    ("indicators: {a: 1}", "indicators.yaml: indicators: expected a list, got a mapping"),
    (ONE + "lonely", 'indicators.yaml: indicators[0]: expected a mapping with id, variable and '
     'positive, got "lonely"'),
    ("indicators:\n  - {id: a, variable: lonely\n", "indicators.yaml: line 3, column 1: not valid "
     "YAML (expected ',' or '}', but got '<stream end>'); check the indentation and quoting"),
    # keys
    (ONE + "{id: a, variable: lonely, positive: [Enig], wehre: {sex: [Mand]}}",
     'indicators.yaml: indicators.a.wehre: unknown key; did you mean "where"? expected one of '
     "baseline, description, factbox, id, kind, label, positive, quantiles, scores, source, variable, where"),
    (ONE + "{variable: lonely, positive: [Enig]}",
     "indicators.yaml: indicators[0].id: missing; every indicator needs an id"),
    (ONE + "{id: a, positive: [Enig]}",
     "indicators.yaml: indicators.a.variable: missing; an indicator needs id, variable and "
     "positive"),
    (ONE + "{id: a, variable: lonely}",
     "indicators.yaml: indicators.a.positive: missing; an indicator needs id, variable and "
     "positive"),
    (ONE + "{id: a, variable: lonely, positive: [Enig]}\n"
     "  - {id: a, variable: sex, positive: [Mand]}",
     'indicators.yaml: indicators[1].id: "a" is already the id of indicators[0]; '
     "give each indicator its own id"),
    (ONE + "{id: yes, variable: lonely, positive: [Enig]}",
     'indicators.yaml: indicators[0].id: YAML read true as a boolean; quote it ("Yes")'),
    # the variable
    (ONE + "{id: a, variable: lonly, positive: [Enig]}",
     'indicators.yaml: indicators.a.variable: "lonly" is not in the schema; did you mean lonely?'),
    (ONE + "{id: a, variable: xyzzy, positive: [Enig]}",
     'indicators.yaml: indicators.a.variable: "xyzzy" is not in the schema; its variables are '
     "respondent_id, age, sex, lonely, member, comment, trust, age_group"),
    (ONE + "{id: a, variable: comment, positive: [Enig]}",
     "indicators.yaml: indicators.a.variable: comment is a text variable; an indicator counts "
     "answers of a category, multi or numeric variable"),
    (ONE + "{id: a, variable: respondent_id, positive: [Enig]}",
     "indicators.yaml: indicators.a.variable: respondent_id is an id variable; an indicator counts "
     "answers of a category, multi or numeric variable"),
    # positive
    (ONE + "{id: a, variable: lonely, positive: [Enig, Meget enigt]}",
     'indicators.yaml: indicators.a.positive[1]: "Meget enigt" is not an answer to lonely; '
     'expected one of "Meget enig", "Enig", "Hverken enig eller uenig", "Uenig", "Meget uenig"'),
    (ONE + "{id: a, variable: lonely, positive: [Ved ikke]}",
     'indicators.yaml: indicators.a.positive[0]: "Ved ikke" is a missing answer of lonely (the '
     "schema's `missing`), never counted; expected one of \"Meget enig\", \"Enig\", "
     '"Hverken enig eller uenig", "Uenig", "Meget uenig"'),
    (ONE + "{id: a, variable: member, positive: [No]}",
     "indicators.yaml: indicators.a.positive[0]: YAML read false as a boolean; "
     'quote the label ("No")'),
    (ONE + "{id: a, variable: member, positive: yes}",
     "indicators.yaml: indicators.a.positive[0]: YAML read true as a boolean; "
     'quote the label ("Yes")'),
    (ONE + "{id: a, variable: lonely, positive: []}",
     "indicators.yaml: indicators.a.positive: is empty; list the answers that count as yes"),
    (ONE + "{id: a, variable: lonely, positive: {min: 1}}",
     "indicators.yaml: indicators.a.positive: lonely has answers, not numbers; list the answers "
     "that count as yes"),
    (ONE + "{id: a, variable: trust, positive: [8, 9, 10]}",
     "indicators.yaml: indicators.a.positive: trust is numeric; give the range that counts as yes "
     "as {min: …, max: …}"),
    (ONE + "{id: a, variable: trust, positive: {min: 9, max: 8}}",
     "indicators.yaml: indicators.a.positive.min: 9 is above max 8"),
    (ONE + "{id: a, variable: trust, positive: {}}",
     "indicators.yaml: indicators.a.positive: give min, max or both (inclusive)"),
    (ONE + "{id: a, variable: trust, positive: {min: high}}",
     'indicators.yaml: indicators.a.positive.min: expected a number, got "high"'),
    # where
    (ONE + "{id: a, variable: lonely, positive: [Enig], where: \"age >= 17 and age < 30\"}",
     "indicators.yaml: indicators.a.where: expected a mapping of variable: answers, e.g. "
     '{age_group: ["17-29"]}, got "age >= 17 and age < 30"'),
    (ONE + "{id: a, variable: lonely, positive: [Enig], where: {agegroup: ['17-29']}}",
     'indicators.yaml: indicators.a.where.agegroup: "agegroup" is not in the schema; '
     "did you mean age_group?"),
    (ONE + "{id: a, variable: lonely, positive: [Enig], where: {age_group: ['18-29']}}",
     'indicators.yaml: indicators.a.where.age_group[0]: "18-29" is not an answer to age_group; '
     'expected one of "15-16", "17-29", "30-44", "45-64", "65+"'),
    (ONE + "{id: a, variable: lonely, positive: [Enig], where: {member: [off]}}",
     'indicators.yaml: indicators.a.where.member[0]: YAML read false as a boolean; '
     'quote the label ("No")'),
    (ONE + "{id: a, variable: lonely, positive: [Enig], where: {sex: [on]}}",
     'indicators.yaml: indicators.a.where.sex[0]: YAML read true as a boolean; '
     'quote the label ("Yes")'),
    (ONE + "{id: a, variable: lonely, positive: [Enig], where: {age_group: {min: 17}}}",
     "indicators.yaml: indicators.a.where.age_group: age_group has answers, not numbers; min/max "
     "only apply to numeric variables; list the answers instead"),
    (ONE + "{id: a, variable: lonely, positive: [Enig], where: {age: [17, 18]}}",
     "indicators.yaml: indicators.a.where.age: age is numeric; give the range as "
     "{min: …, max: …}"),
    (ONE + "{id: a, variable: lonely, positive: [Enig], where: {age: {min: 30, max: 17}}}",
     "indicators.yaml: indicators.a.where.age.min: 30 is above max 17"),
    (ONE + "{id: a, variable: lonely, positive: [Enig], where: {age: {from: 17}}}",
     "indicators.yaml: indicators.a.where.age.from: unknown key; expected one of max, min"),
    (ONE + "{id: a, variable: lonely, positive: [Enig], where: {comment: [x]}}",
     "indicators.yaml: indicators.a.where.comment: comment is a text variable; a domain is defined "
     "by a category, multi or numeric variable"),
    (ONE + "{id: a, variable: lonely, positive: [Enig], where: {sex: []}}",
     "indicators.yaml: indicators.a.where.sex: is empty; list the answers that define the domain"),
    # label, baseline
    (ONE + "{id: a, variable: lonely, positive: [Enig], label: {dk: x}}",
     "indicators.yaml: indicators.a.label.dk: unknown key; expected one of da, en"),
    (ONE + "{id: a, variable: lonely, positive: [Enig], baseline: {id: x, region: y}}",
     "indicators.yaml: indicators.a.baseline.region: unknown key; expected one of area, group, id"),
    (ONE + "{id: a, variable: lonely, positive: [Enig], baseline: {area: y}}",
     "indicators.yaml: indicators.a.baseline.id: missing; name the baseline_id of the baselines "
     "file"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), ERRORS)
def test_mistakes_are_one_exact_line(
    tmp_path: Path, schema: Schema, text: str, message: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        load(tmp_path, text, schema)
    assert str(caught.value) == message
    assert "\n" not in message


def test_missing_file_names_the_path(tmp_path: Path, schema: Schema) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(SettingsError, match=r"nope\.yaml: file not found; check the path"):
        load_indicators(path, schema)
