"""Ambiguous schemas (issue 15, family 2): a code/label clash or a non-id `id:` is an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import invoke

DATA = b"rid;kids;town\n1;2;A\n2;1;B\n"
BASE = "name: s\nvariables:\n  rid: {type: id}\n  town: {type: text}\n"

CASES: dict[str, tuple[str, str]] = {
    "label is another code": (
        BASE
        + '  kids:\n    type: category\n    categories: {1: "0", 2: "1", 3: "2", 4: "3 eller flere"}\n',
        'schema.yaml: variables.kids.categories: the label "1" (code 2) is also the code of '
        'another answer (1: "0"), so a raw "1" could mean either; relabel it in words or change '
        "the codes",
    ),
    "label is another code, text codes": (
        BASE + "  kids:\n    type: category\n    categories: {a: b, b: c}\n",
        'schema.yaml: variables.kids.categories: the label "b" (code a) is also the code of '
        'another answer (b: "c"), so a raw "b" could mean either; relabel it in words or change '
        "the codes",
    ),
    "id names a text variable": (
        "id: town\n" + BASE + "  kids: {type: integer}\n",
        'schema.yaml: id: "town" is a text variable, not an id; name a variable of type: id (rid)',
    ),
    "id names a category variable, no id variable": (
        "id: kids\nname: s\nvariables:\n  kids: {type: category, categories: [A, B]}\n",
        'schema.yaml: id: "kids" is a category variable, not an id; name a variable of type: id '
        "(none yet: give the id column type: id)",
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_ambiguous_schema_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    schema, message = CASES[case]
    monkeypatch.chdir(tmp_path)
    Path("schema.yaml").write_text(schema, encoding="utf-8")
    Path("data.csv").write_bytes(DATA)
    code, out, err = invoke("validate", "data.csv", "--schema", "schema.yaml")
    assert (code, out, err) == (1, "", f"Error: {message}\n")


def test_label_equal_to_its_own_code_is_fine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("schema.yaml").write_text(
        "id: rid\n" + BASE + '  kids: {type: category, categories: {1: "1", 2: "2", 3: "3+"}}\n',
        encoding="utf-8",
    )
    Path("data.csv").write_bytes(DATA)
    code, _, err = invoke("validate", "data.csv", "--schema", "schema.yaml")
    assert (code, err) == (0, "")
