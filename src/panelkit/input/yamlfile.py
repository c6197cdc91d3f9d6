"""The one YAML loader for every file panelkit reads (schema, indicators, panelkit.yaml).

Plain ``yaml.safe_load`` builds no Python objects but still lets a file expand
aliases without bound (a few lines that take gigabytes), nest until Python's
recursion limit, and give a key twice (the second silently wins). This loader
refuses anchors and aliases, bounds depth and size, and makes a duplicate key an
error naming its lines, all as one-line errors of the caller's kind.

Files are parsed by libyaml (PyYAML's C parser, a tenth of the pure-Python parser's
time) after a pass over its events for the same refusals; a file libyaml rejects is
parsed again by the pure-Python loader, whose messages the errors quote.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Final

MAX_DEPTH: Final = 100
MAX_BYTES: Final = 5_000_000


class _Refused(Exception):
    """Raised inside the loader; turned into the caller's one-line error."""

    def __init__(self, line: int, column: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.message = message


def _alias(mark: Any) -> _Refused:
    return _Refused(
        mark.line + 1,
        mark.column + 1,
        "YAML anchors and aliases (&name, *name) are not allowed; write each value out in full",
    )


def _too_deep(mark: Any) -> _Refused:
    return _Refused(
        mark.line + 1,
        mark.column + 1,
        f"nested more than {MAX_DEPTH} levels deep; a panelkit file needs only a few",
    )


def _check_events(text: str) -> None:
    """The loader's refusals (an anchor or alias, a node deeper than ``MAX_DEPTH``) on
    libyaml's events, before libyaml composes anything: its composer resolves aliases
    and recurses in C without a bound."""
    import yaml

    depth = 0
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _alias(event.start_mark)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _too_deep(event.start_mark)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.ScalarEvent) and depth + 1 > MAX_DEPTH:
            raise _too_deep(event.start_mark)


@functools.cache
def _loader_class(fast: bool) -> type:
    """The safe loader: on libyaml (``fast``, its events checked first by `_check_events`)
    or pure Python (refusing as it composes)."""
    import yaml

    class Composer(yaml.SafeLoader):
        """SafeLoader without aliases and with bounded nesting."""

        _depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            event = self.peek_event()
            mark = event.start_mark
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                raise _alias(mark)
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise _too_deep(mark)
            try:
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

    class Loader(yaml.CSafeLoader if fast else Composer):  # type: ignore[misc]
        """The safe loader with unique keys."""

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                except TypeError:
                    continue  # unhashable: the base class reports it with its mark
                line = key_node.start_mark.line + 1
                if first is not None:
                    raise _Refused(
                        line,
                        None,
                        f'the key "{key}" is given twice in one mapping (first on line {first}); '
                        "keep one",
                    )
                seen[key] = line
            return super().construct_mapping(node, deep=deep)

    Loader.add_constructor("tag:yaml.org,2002:map", Loader.construct_yaml_map)
    return Loader


def _read_text(path: Path, error: type[Exception]) -> str:
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise error(f"{path}: file not found; check the path") from None
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror})") from None
    if len(data) > MAX_BYTES:
        raise error(
            f"{path.name}: larger than {MAX_BYTES // 1_000_000} MB; "
            "a panelkit settings file is small text, check that this is the right file"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise error(f"{path.name}: not UTF-8 text; save the file as UTF-8") from None


def load_yaml_text(text: str, name: str, error: type[Exception]) -> Any:
    """Parse YAML text safely; ``name`` is the file name errors start with."""
    import yaml

    if len(text) > MAX_BYTES:
        raise error(f"{name}: larger than {MAX_BYTES // 1_000_000} MB; check the file")
    try:
        return _parse(text)
    except _Refused as exc:
        where = f"line {exc.line}" + (f", column {exc.column}" if exc.column else "")
        raise error(f"{name}: {where}: {exc.message}") from None
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        where = f" line {mark.line + 1}, column {mark.column + 1}:" if mark is not None else ""
        problem = exc.problem or ""
        if "tag" in problem:
            tag = problem.rsplit(" ", 1)[-1]
            raise error(
                f"{name}:{where} the YAML tag {tag} is not allowed (it would build a Python "
                "object); remove it and write plain text, numbers, lists and mappings"
            ) from None
        raise error(
            f"{name}:{where} not valid YAML ({problem}); check the indentation and quoting"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}:" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise error(
            f"{name}:{where} not valid YAML ({problem}); check the indentation and quoting"
        ) from None
    except RecursionError:
        raise error(f"{name}: nested too deeply; a panelkit file needs only a few levels") from None


def _parse(text: str) -> Any:
    """The document, by libyaml where PyYAML has it; a document libyaml rejects is parsed
    again in pure Python, so that the error is always that parser's (its messages and
    marks are the ones panelkit's errors quote)."""
    import yaml

    if getattr(yaml, "__with_libyaml__", False):
        try:
            _check_events(text)
            return _load(text, fast=True)
        except yaml.YAMLError:
            pass
    return _load(text, fast=False)


def _load(text: str, *, fast: bool) -> Any:
    loader = _loader_class(fast)(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def load_yaml(path: Path, error: type[Exception]) -> Any:
    """Read a YAML file through the safe loader, as one-line errors of kind ``error``."""
    return load_yaml_text(_read_text(path, error), path.name, error)
