"""Hostile but valid YAML (issue 15, family 1): every YAML file goes through one safe loader.

Aliases are refused (they can expand without bound), nesting is bounded, and a
key given twice in one mapping is an error naming both lines, for the schema,
the indicators file and panelkit.yaml alike.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import invoke
from panelkit.errors import PanelkitError, SchemaError, SettingsError
from panelkit.input.yamlfile import load_yaml, load_yaml_text

API = Path(__file__).parent / "data" / "api-strat"
SCHEMA, DATA, MARGINS, INDICATORS = (
    API / "schema.yaml",
    API / "data.csv",
    API / "margins.csv",
    API / "indicators.yaml",
)

BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(9)
)
DEEP = "a: " + "[" * 5000 + "]" * 5000 + "\n"
DEEP_BLOCK = "".join("  " * i + f"k{i}:\n" for i in range(150)) + "  " * 150 + "x: 1\n"
ALIAS_MSG = (
    "line {line}, column {col}: YAML anchors and aliases (&name, *name) are not allowed; "
    "write each value out in full"
)
DEPTH_MSG = (
    "line {line}, column {col}: nested more than 100 levels deep; a panelkit file needs only a few"
)

# which file -> (its text, the Error line's message after "<file name>: ")
CASES: dict[str, tuple[str, str, str]] = {
    "schema: duplicate id key": (
        "schema",
        SCHEMA.read_text(encoding="utf-8") + "id: stype\n",
        'line 20: the key "id" is given twice in one mapping (first on line 3); keep one',
    ),
    "schema: alias": (
        "schema",
        "name: &n api\ntitle: *n\nvariables: {snum: {type: id}}\n",
        ALIAS_MSG.format(line=1, col=7),
    ),
    "schema: deep flow nesting": ("schema", DEEP, DEPTH_MSG.format(line=1, col=103)),
    "indicators: positive given twice": (
        "indicators",
        'indicators:\n  - id: a\n    variable: awards\n    positive: ["Yes"]\n'
        '    positive: ["No"]\n',
        'line 5: the key "positive" is given twice in one mapping (first on line 4); keep one',
    ),
    "indicators: billion laughs": (
        "indicators",
        BILLION_LAUGHS,
        ALIAS_MSG.format(line=1, col=4),
    ),
    "indicators: deep block nesting": (
        "indicators",
        DEEP_BLOCK,
        DEPTH_MSG.format(line=100, col=199),
    ),
    "panelkit.yaml: data given twice": (
        "project",
        "data: data.csv\nschema: schema.yaml\ndata: other.csv\n",
        'line 3: the key "data" is given twice in one mapping (first on line 1); keep one',
    ),
    "panelkit.yaml: billion laughs": ("project", BILLION_LAUGHS, ALIAS_MSG.format(line=1, col=4)),
    "panelkit.yaml: deep nesting": ("project", DEEP, DEPTH_MSG.format(line=1, col=103)),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_hostile_yaml_gives_one_error_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    which, text, message = CASES[case]
    monkeypatch.chdir(tmp_path)
    name = {"schema": "schema.yaml", "indicators": "indicators.yaml", "project": "panelkit.yaml"}
    (tmp_path / name[which]).write_text(text, encoding="utf-8")
    if which == "project":
        args: list[str | Path] = ["validate"]
    else:
        files = {"schema": SCHEMA, "indicators": INDICATORS}
        files[which] = tmp_path / name[which]
        args = [
            "summarize", DATA, "--schema", files["schema"], "--margins", MARGINS,
            "--indicators", files["indicators"], "--format", "json",
        ]  # fmt: skip
    code, out, err = invoke(*args)
    assert (code, out, err) == (1, "", f"Error: {name[which]}: {message}\n")


def test_duplicate_key_error_kind_follows_the_file(tmp_path: Path) -> None:
    p = tmp_path / "x.yaml"
    p.write_text("a: 1\na: 2\n", encoding="utf-8")
    with pytest.raises(SettingsError):
        load_yaml(p, SettingsError)
    with pytest.raises(SchemaError):
        load_yaml(p, SchemaError)


def test_plain_yaml_still_loads(tmp_path: Path) -> None:
    p = tmp_path / "x.yaml"
    p.write_text("a: 1\nb: {c: [1, 2], d: x}\n'1': one\n1: int one\n", encoding="utf-8")
    assert load_yaml(p, SchemaError) == {
        "a": 1,
        "b": {"c": [1, 2], "d": "x"},
        "1": "one",
        1: "int one",
    }


def test_oversized_file_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    p = tmp_path / "big.yaml"
    p.write_bytes(b"# " + b"x" * 6_000_000 + b"\n")
    with pytest.raises(SettingsError, match=r"^big\.yaml: larger than 5 MB"):
        load_yaml(p, SettingsError)


_keys = st.sampled_from(["a", "b", "id", "data", "positive", "1"])
_scalars = st.one_of(st.integers(-5, 5), st.sampled_from(["x", "Yes", "'1'", "~", "true"]))


@st.composite
def _documents(draw: st.DrawFn) -> str:
    """YAML text mixing duplicate keys, anchors, aliases and deep nesting."""
    parts = []
    for _ in range(draw(st.integers(1, 6))):
        key = draw(_keys)
        kind = draw(st.sampled_from(["scalar", "anchor", "alias", "deep_flow", "deep_block"]))
        if kind == "scalar":
            parts.append(f"{key}: {draw(_scalars)}")
        elif kind == "anchor":
            parts.append(f"{key}: &{key}x [{draw(_scalars)}, {draw(_scalars)}]")
        elif kind == "alias":
            parts.append(f"{key}: [*{draw(_keys)}x, *{draw(_keys)}x]")
        elif kind == "deep_flow":
            depth = draw(st.integers(1, 3000))
            parts.append(f"{key}: " + "[" * depth + "]" * depth)
        else:
            depth = draw(st.integers(1, 300))
            parts.append(
                f"{key}:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(depth))
                + "  " * (depth + 1) + "v: 1"
            )  # fmt: skip
    return "\n".join(parts) + "\n"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_documents())
def test_generated_hostile_yaml_is_a_clean_error_or_a_value(text: str) -> None:
    try:
        value = load_yaml_text(text, "gen.yaml", SettingsError)
    except PanelkitError as exc:
        message = str(exc)
        assert message.startswith("gen.yaml: ")
        assert "\n" not in message
        return
    # It loaded: then it had no alias, no duplicate key and is shallow.
    assert "*" not in text and "&" not in text
    assert isinstance(value, dict)


def _outcome(text: str) -> tuple[str, object]:
    try:
        return ("value", load_yaml_text(text, "gen.yaml", SettingsError))
    except PanelkitError as exc:
        return ("error", str(exc))


def _pure_python_outcome(text: str) -> tuple[str, object]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(yaml, "__with_libyaml__", False)
        return _outcome(text)


_plain = st.recursive(
    st.one_of(st.integers(-1000, 1000), st.booleans(), st.none(), st.text(max_size=12)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)


@st.composite
def _plain_documents(draw: st.DrawFn) -> str:
    """Ordinary YAML as PyYAML writes it, in block or flow style."""
    return str(yaml.safe_dump(draw(_plain), default_flow_style=draw(st.booleans())))


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_documents(), _plain_documents()))
def test_libyaml_and_the_pure_python_parser_agree(text: str) -> None:
    # libyaml parses the files (the fast path); the pure-Python parser is what the errors
    # quote: the same value, or the same error line, either way.
    assert _outcome(text) == _pure_python_outcome(text)


SHIPPED_YAML = sorted(
    [*(Path(__file__).parents[1] / "data").rglob("*.yaml"), *(API.parent).rglob("*.yaml")]
)


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")
@pytest.mark.parametrize("path", SHIPPED_YAML, ids=lambda p: p.name)
def test_shipped_yaml_loads_the_same_by_libyaml(path: Path) -> None:
    text = path.read_text(encoding="utf-8-sig")
    assert _outcome(text)[0] == "value"
    assert _outcome(text) == _pure_python_outcome(text)


def test_a_file_libyaml_rejects_gets_the_pure_python_parsers_words() -> None:
    # libyaml says "did not find expected ',' or '}'"; the message quotes PyYAML's parser.
    assert _outcome("a: {b: 1\n\n\nc: 2\n") == (
        "error",
        "gen.yaml: line 4, column 2: not valid YAML (expected ',' or '}', but got ':'); "
        "check the indentation and quoting",
    )
