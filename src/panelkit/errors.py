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
