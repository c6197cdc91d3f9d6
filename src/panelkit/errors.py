"""The one exception tree panelkit raises.

Every message is a single line a person can act on: it names the file, line,
column or setting, says what was expected, and how to fix it. The CLI prints
``Error: <message>`` and exits 1.
"""

from __future__ import annotations


class PanelkitError(Exception):
    """Something in the data, a file or a setting is wrong; the user can fix it."""


class ExportError(PanelkitError):
    """The raw survey export cannot be read."""


class SchemaError(PanelkitError):
    """The schema file is malformed or inconsistent."""


class SettingsError(PanelkitError):
    """A margins, indicators, baselines or project file, or an option, is wrong."""


class DataError(PanelkitError):
    """The export does not fit its schema (a missing column, refused row errors)."""


class WeightingError(PanelkitError):
    """Raking cannot produce weights that meet the margins."""


class OutputError(PanelkitError):
    """An output cannot be written where it was asked to go."""


class AuditError(PanelkitError):
    """A run record cannot be read, or the files it names no longer match it."""


class DependencyError(PanelkitError):
    """An optional output needs a library that is not installed (``report --pdf``)."""


# Longest name or value the terminal shows, and longest Error: line.
SHOWN_CHARS = 80
WORD_CHARS = 300  # a word of an error line longer than any real path is a hostile name
LINE_CHARS = 1000


def shown(text: object, limit: int = SHOWN_CHARS) -> str:
    """A name or value from an export as the terminal may show it: control characters
    (newlines, terminal escape codes) written as ``\\n``, ``\\x1b`` …, and at most
    ``limit`` characters then ``…``, so a hostile cell can neither break a line nor
    drive the screen."""
    raw = str(text)
    if raw.isprintable() and len(raw) <= limit:
        return raw  # the common case: nothing to do
    escaped = "".join(c if c.isprintable() else repr(c)[1:-1] for c in raw)
    return escaped if len(escaped) <= limit else escaped[:limit] + "…"


def one_line(message: object) -> str:
    """An error message as one terminal line: escaped as :func:`shown`, each overlong
    word (a 10,000-character column name) shortened, the whole at most LINE_CHARS."""
    words = str(shown(message, limit=10 * LINE_CHARS)).split(" ")
    return shown(" ".join(shown(w, limit=WORD_CHARS) for w in words), limit=LINE_CHARS)
