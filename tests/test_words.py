"""Every word lives in the catalogue (publish/words.py): no other module branches on the
language, and the Danish and the English catalogues say the same things."""

from __future__ import annotations

import ast
import dataclasses
import string
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from panelkit.publish.words import DANISH, ENGLISH, Texts

SRC = Path(__file__).resolve().parents[1] / "src" / "panelkit"
CATALOGUE = SRC / "publish" / "words.py"
LANGS = {"DA", "EN"}
LANG_VALUES = {"da", "en"}

# Places that may name a language outside the catalogue, and why. Empty: a default
# (``lang: Lang = Lang.DA``), the enum itself and ``Lang(value)`` parsing the ``lang:``
# setting are not branches, and the scan does not flag them.
ALLOWED: set[tuple[str, int]] = set()


def _is_lang(node: ast.AST) -> bool:
    """``Lang.DA``/``Lang.EN`` (also ``results.Lang.DA``), or the literal "da"/"en"."""
    if isinstance(node, ast.Attribute) and node.attr in LANGS:
        base = node.value
        return (isinstance(base, ast.Name) and base.id == "Lang") or (
            isinstance(base, ast.Attribute) and base.attr == "Lang"
        )
    return isinstance(node, ast.Constant) and node.value in LANG_VALUES


def _is_lang_member(node: ast.AST) -> bool:
    return _is_lang(node) and not isinstance(node, ast.Constant)


def _names_da(node: ast.AST) -> bool:
    """A test that reads a variable or attribute named ``da``."""
    return any(
        (isinstance(n, ast.Name) and n.id == "da")
        or (isinstance(n, ast.Attribute) and n.attr == "da")
        for n in ast.walk(node)
    )


def _is_condition_on_da(node: ast.AST) -> bool:
    if isinstance(node, ast.If | ast.IfExp | ast.While):
        return _names_da(node.test)
    return isinstance(node, ast.BoolOp) and any(
        isinstance(v, ast.Name | ast.Attribute) and _names_da(v) for v in node.values
    )


def language_branches(source: str, filename: str = "<source>") -> list[str]:
    """Each place in ``source`` that chooses words by language, as ``file:line: what``:
    a comparison with a language (==, !=, is, is not, in, not in), a dict keyed by one,
    a tuple, list or set display of ``Lang`` members, or a condition on ``da``."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            inner = [
                e for x in sides if isinstance(x, ast.Tuple | ast.List | ast.Set) for e in x.elts
            ]
            if any(_is_lang(x) for x in sides + inner):
                found.append((node.lineno, "compares with a language"))
        elif isinstance(node, ast.Dict):
            if any(k is not None and _is_lang(k) for k in node.keys):
                found.append((node.lineno, "a dict keyed by language"))
        elif isinstance(node, ast.Tuple | ast.List | ast.Set):
            if any(_is_lang_member(x) for x in node.elts):
                found.append((node.lineno, "a display of languages"))
        elif _is_condition_on_da(node):
            found.append((node.lineno, "a condition on da"))
    return [f"{filename}:{line}: {what}" for line, what in sorted(set(found))]


def test_no_module_but_the_catalogue_branches_on_the_language() -> None:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if path == CATALOGUE:
            continue
        rel = path.relative_to(SRC.parent).as_posix()
        for hit in language_branches(path.read_text(encoding="utf-8"), rel):
            line = int(hit.split(":")[1])
            if (rel, line) not in ALLOWED:
                found.append(hit)
    assert found == [], "words belong in publish/words.py (texts(lang)):\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("source", "what"),
    [
        ('title = "Indikatorer" if lang is Lang.DA else "Indicators"\n', "compares"),
        ("if lang == Lang.EN:\n    x = 1\n", "compares"),
        ("ok = lang in (Lang.DA,)\n", "compares"),
        ('ok = lang.value != "da"\n', "compares"),
        ('HEAD = {Lang.DA: ("Indikator",), Lang.EN: ("Indicator",)}\n', "a dict keyed"),
        ('PAIRS = ((Lang.DA, "ja"), (Lang.EN, "yes"))\n', "a display"),
        ('da = opts.da\ntext = "ja" if da else "yes"\n', "a condition on da"),
        ('if settings.da:\n    x = "ja"\n', "a condition on da"),
        ('x = da and "ja" or "yes"\n', "a condition on da"),
    ],
)
def test_the_scan_finds_a_planted_branch(source: str, what: str) -> None:
    found = language_branches(source, "planted.py")
    assert found, source
    assert any(what in hit for hit in found), found
    assert found[0].startswith("planted.py:")


def test_the_scan_leaves_defaults_and_parsing_alone() -> None:
    source = (
        "def f(lang: Lang = Lang.DA) -> str:\n"
        "    return texts(Lang(lang)).yes\n"
        'LANGUAGES = ("da", "en")\n'
    )
    assert language_branches(source) == []


# --------------------------------------------------------------------------- the catalogue


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def _leaves(da: object, en: object, where: str) -> Iterator[tuple[str, str, str]]:
    """The pairs of strings at the same place in both catalogues; a difference in shape
    (a field, a key, a tuple's length, a type) fails on the spot."""
    if dataclasses.is_dataclass(da) and not isinstance(da, type):
        assert type(da) is type(en), where
        for f in dataclasses.fields(da):
            yield from _leaves(getattr(da, f.name), getattr(en, f.name), f"{where}.{f.name}")
    elif isinstance(da, Mapping):
        assert isinstance(en, Mapping), where
        assert list(da) == list(en), f"{where}: the keys differ"
        for key in da:
            yield from _leaves(da[key], en[key], f"{where}[{key!r}]")
    elif isinstance(da, tuple):
        assert isinstance(en, tuple) and len(da) == len(en), f"{where}: the lengths differ"
        for i, (a, b) in enumerate(zip(da, en, strict=True)):
            yield from _leaves(a, b, f"{where}[{i}]")
    elif isinstance(da, str):
        assert isinstance(en, str), where
        yield where, da, en
    else:
        assert type(da) is type(en), where  # e.g. NumberWords' bool


# Entries one language leaves empty on purpose.
EMPTY = {"texts.adjust_methods['none']"}


def test_danish_and_english_fill_the_same_fields_with_the_same_placeholders() -> None:
    pairs = list(_leaves(DANISH, ENGLISH, "texts"))
    assert len(pairs) > 300  # the whole catalogue was walked, nested entries too
    for where, da, en in pairs:
        if where not in EMPTY:
            assert da and en, f"{where} is empty in one language"
        assert _placeholders(da) == _placeholders(en), f"{where}: {da!r} / {en!r}"


def test_every_texts_field_is_in_both_catalogues() -> None:
    names = {f.name for f in dataclasses.fields(Texts)}
    assert {"page", "cli", "numbers", "chart"} <= names
    for catalogue in (DANISH, ENGLISH):
        assert all(getattr(catalogue, n) is not None for n in names)
