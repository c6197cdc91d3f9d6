"""Which files and settings a run uses: command-line options, else ``panelkit.yaml``, else the
bundled demo (files) or the defaults (settings)."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from panelkit.disclosure import DEFAULT_MIN_N
from panelkit.errors import SettingsError
from panelkit.results import CiMethod, Lang
from panelkit.stats.comparison import Adjust, VerdictRules

PROJECT_FILE = "panelkit.yaml"
_KEYS = ("data", "schema", "margins", "indicators", "baselines", "out")
_PREVIOUS_KEYS = ("data", "schema", "margins", "label", "linked")
# Analysis settings panelkit.yaml may give; a command-line option overrides each.
_SETTING_KEYS = (
    "lang",
    "min_n",
    "ci",
    "by",
    "cap",
    "adjust",
    "title",
    "alpha",
    "same_pp",
    "small_pp",
    "drop_invalid",
    "contrasts",
    "pdf",
)
_CHOICES = {
    "lang": ("da", "en"),
    "ci": ("logit", "wilson", "beta"),
    "adjust": ("holm", "bh", "none"),
}


class Origin(StrEnum):
    """Where a run's files came from."""

    OPTIONS = "options"
    PROJECT = "project"  # panelkit.yaml
    DEMO = "demo"  # the bundled demo survey


@dataclass(frozen=True)
class PreviousWave:
    """Last year's export, to compare wave on wave."""

    data: Path
    schema: Path
    margins: Path | None = None
    label: str | None = None
    # The schemas' id: is the same panel-member id in both waves (formats §9).
    linked: bool = False


@dataclass(frozen=True)
class ProjectFiles:
    """The resolved input files of one run (None where not given)."""

    data: Path
    schema: Path
    margins: Path | None = None
    indicators: Path | None = None
    baselines: Path | None = None
    out: Path | None = None
    origin: Origin = Origin.OPTIONS
    project_file: Path | None = None
    previous: PreviousWave | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)
    # where parsed .xlsx/.sav exports are cached (input/cache.py); None: no cache
    cache_dir: Path | None = None

    def inputs(self) -> tuple[Path, ...]:
        """Every input file, for hashing and for refusing to overwrite them."""
        items = [self.data, self.schema, self.margins, self.indicators, self.baselines]
        if self.previous is not None:
            items += [self.previous.data, self.previous.schema, self.previous.margins]
        if self.project_file is not None:
            items.append(self.project_file)
        return tuple(p for p in items if p is not None)


def default_cache_dir() -> Path:
    """Where this user's cache of parsed exports lives (input/cache.py):
    ``PANELKIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/panelkit``, else ``~/.cache/panelkit``."""
    if os.environ.get("PANELKIT_CACHE_DIR"):
        return Path(os.environ["PANELKIT_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "panelkit"


def resolve_files(
    *,
    data: Path | None = None,
    schema: Path | None = None,
    margins: Path | None = None,
    indicators: Path | None = None,
    baselines: Path | None = None,
    cwd: Path | None = None,
) -> ProjectFiles:
    """Fill in what the options leave out, from panelkit.yaml or the bundled demo."""
    given = {
        "data": data,
        "schema": schema,
        "margins": margins,
        "indicators": indicators,
        "baselines": baselines,
    }
    cwd = Path.cwd() if cwd is None else cwd
    project_file = cwd / PROJECT_FILE
    if project_file.is_file():
        settings = _read_project(project_file)
        base = project_file.parent
        from_file = {k: (base / settings[k]) if settings.get(k) else None for k in _KEYS}
        merged = {k: given[k] if given[k] is not None else from_file[k] for k in given}
        if merged["data"] is None or merged["schema"] is None:
            missing = "data" if merged["data"] is None else "schema"
            raise SettingsError(
                f"{project_file.name}: no `{missing}:` key and no --{missing} option; "
                f"add `{missing}: PATH` to {PROJECT_FILE} or pass --{missing}"
            )
        return ProjectFiles(
            data=_existing(merged["data"], "data"),
            schema=_existing(merged["schema"], "schema"),
            margins=_maybe(merged["margins"], "margins"),
            indicators=_maybe(merged["indicators"], "indicators"),
            baselines=_maybe(merged["baselines"], "baselines"),
            out=from_file["out"],
            origin=Origin.PROJECT,
            project_file=project_file,
            previous=_previous(settings.get("previous"), base, project_file),
            settings=settings,
        )
    if data is None and schema is None:
        from panelkit.bundled import CURRENT_LABEL, PREVIOUS_LABEL, bundled_demo

        demo = bundled_demo()
        return ProjectFiles(
            data=demo.data,
            schema=demo.schema,
            margins=margins if margins is not None else demo.margins,
            indicators=indicators if indicators is not None else demo.indicators,
            baselines=baselines if baselines is not None else demo.baselines,
            origin=Origin.DEMO,
            previous=PreviousWave(
                demo.previous, demo.schema, demo.margins, label=PREVIOUS_LABEL, linked=True
            )
            if demo.previous is not None
            else None,
            settings={"label": CURRENT_LABEL},
        )
    if data is None or schema is None:
        missing = "data" if data is None else "schema"
        raise SettingsError(
            f"no {missing} given; pass {'the export as DATA' if missing == 'data' else '--schema FILE'}, "
            f"or write a {PROJECT_FILE} (see `panelkit demo DIR` for an example)"
        )
    return ProjectFiles(
        data=_existing(data, "data"),
        schema=_existing(schema, "schema"),
        margins=_maybe(margins, "margins"),
        indicators=_maybe(indicators, "indicators"),
        baselines=_maybe(baselines, "baselines"),
        origin=Origin.OPTIONS,
    )


def _existing(path: Path, what: str) -> Path:
    if not path.exists():
        raise SettingsError(f"{path}: {what} file not found; check the path")
    if path.is_dir():
        if what.endswith("data") and _surveyxact_folder(path):
            return path  # a SurveyXact export: dataset.csv with its structure and labels
        raise SettingsError(f"{path}: is a folder; give the {what} file")
    return path


def _surveyxact_folder(path: Path) -> bool:
    """A folder holding SurveyXact's dataset.csv (any case: Windows users rename freely)."""
    from panelkit.input.surveyxact import dataset_in

    return dataset_in(path) is not None


def _maybe(path: Path | None, what: str) -> Path | None:
    return None if path is None else _existing(path, what)


def _read_project(path: Path) -> Mapping[str, Any]:
    from panelkit.input.schema import load_yaml

    doc = load_yaml(path, SettingsError)
    if doc is None:
        doc = {}
    if not isinstance(doc, Mapping):
        raise SettingsError(
            f"{path.name}: expected keys such as data: and schema:, got a {type(doc).__name__}"
        )
    # label: this wave's name beside previous.label, e.g. "2022" and "2021".
    allowed = set(_KEYS) | {"previous", "label", *_SETTING_KEYS}
    unknown = sorted(str(k) for k in doc if k not in allowed)
    if unknown:
        raise SettingsError(
            f"{path.name}: {unknown[0]}: unknown key; expected one of {', '.join(sorted(allowed))}"
        )
    for key in _KEYS:
        value = doc.get(key)
        if value is not None and not isinstance(value, str):
            raise SettingsError(f"{path.name}: {key}: expected a file path, got {value!r}")
    return doc


def _previous(value: Any, base: Path, project_file: Path) -> PreviousWave | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or "data" not in value or "schema" not in value:
        raise SettingsError(
            f"{project_file.name}: previous: expected data: and schema: (and optionally margins:, label:, linked:) "
            "of last year's export"
        )
    unknown = sorted(str(k) for k in value if k not in _PREVIOUS_KEYS)
    if unknown:
        raise SettingsError(
            f"{project_file.name}: previous.{unknown[0]}: unknown key; expected one of {', '.join(_PREVIOUS_KEYS)}"
        )
    margins = value.get("margins")
    label = value.get("label")
    linked = value.get("linked", False)
    if not isinstance(linked, bool):
        raise SettingsError(
            f"{project_file.name}: previous.linked: expected true or false, got {linked!r}"
        )
    return PreviousWave(
        data=_existing(base / str(value["data"]), "previous data"),
        schema=_existing(base / str(value["schema"]), "previous schema"),
        margins=_existing(base / str(margins), "previous margins") if margins else None,
        label=str(label) if label is not None else None,
        linked=linked,
    )


@dataclass(frozen=True)
class Settings:
    """A run's analysis settings, resolved once (option, else ``panelkit.yaml``, else the
    default) and checked; every command takes one. Choices are enums, strings are
    converted (``Settings(lang="en")``).
    """

    lang: Lang = Lang.DA
    min_n: int = DEFAULT_MIN_N
    ci: CiMethod = CiMethod.LOGIT
    by: tuple[str, ...] | None = None  # None: given nowhere (the report then uses the margins)
    cap: float | None = None
    adjust: Adjust = Adjust.HOLM
    alpha: float = 0.05
    same_pp: float = 2.0
    small_pp: float = 5.0
    drop_invalid: bool = False
    title: str | None = None
    # Contrasts and tests (formats §8.4): summarize only with True (--contrasts); the
    # report unless False (--no-contrasts, or contrasts: false in panelkit.yaml).
    contrasts: bool | None = None
    pdf: bool = False  # the report also as report.pdf (--pdf, or pdf: true in panelkit.yaml)

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalise once, here
        set_(self, "lang", Lang(self.lang))
        set_(self, "ci", CiMethod(self.ci))
        set_(self, "adjust", Adjust(self.adjust))
        if self.by is not None:
            set_(self, "by", tuple(self.by))
        if self.min_n < 0:
            raise SettingsError(
                f"--min-n {self.min_n}: expected 0 or more (0 turns suppression off)"
            )
        try:
            VerdictRules(alpha=self.alpha, same_pp=self.same_pp, small_pp=self.small_pp)
        except SettingsError as exc:
            raise SettingsError(
                f"verdict rules: {exc}; set --alpha, --same-pp and --small-pp "
                "(or alpha:, same_pp:, small_pp: in panelkit.yaml)"
            ) from None

    @property
    def rules(self) -> VerdictRules:
        return VerdictRules(alpha=self.alpha, same_pp=self.same_pp, small_pp=self.small_pp)

    def record(self, by: Sequence[str] | None = None) -> dict[str, object]:
        """As run.json records them; ``by``: the breakdown actually used."""
        return {
            "lang": str(self.lang),
            "by": list(self.by or () if by is None else by),
            "ci": str(self.ci),
            "min_n": self.min_n,
            "cap": self.cap,
            "drop_invalid": self.drop_invalid,
            "adjust": str(self.adjust),
            "alpha": self.alpha,
            "same_pp": self.same_pp,
            "small_pp": self.small_pp,
            "title": self.title,
        }


def resolve_settings(files: ProjectFiles, **given: Any) -> Settings:
    """The one place precedence is decided: each setting ``given`` (not None) wins, then
    the run's ``panelkit.yaml``, then the default. ``given`` takes Settings' field names."""
    name = files.project_file.name if files.project_file is not None else PROJECT_FILE
    return _resolve(files.settings, name, given)


def resolve_settings_here(cwd: Path | None = None, **given: Any) -> Settings:
    """:func:`resolve_settings` for a command that has no project files yet (``schema
    init``): the options ``given``, then the ``panelkit.yaml`` in ``cwd`` if there is one."""
    project_file = (Path.cwd() if cwd is None else cwd) / PROJECT_FILE
    raw = _read_project(project_file) if project_file.is_file() else {}
    return _resolve(raw, project_file.name, given)


def _resolve(raw: Mapping[str, Any], name: str, given: Mapping[str, Any]) -> Settings:
    unknown = sorted(set(given) - set(_SETTING_KEYS))
    if unknown:
        raise TypeError(f"resolve_settings: unknown setting {unknown[0]!r}")
    values: dict[str, Any] = {}
    for key in _SETTING_KEYS:
        if given.get(key) is not None:
            values[key] = given[key]
        elif raw.get(key) is not None:
            values[key] = _setting(key, raw[key], name)
    return Settings(**values)


def _setting(key: str, value: Any, where: str) -> Any:
    def fail(expected: str) -> SettingsError:
        return SettingsError(f"{where}: {key}: expected {expected}, got {value!r}")

    if key in _CHOICES:
        if str(value) not in _CHOICES[key]:
            raise fail("one of " + ", ".join(_CHOICES[key]))
        return str(value)
    if key == "min_n":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise fail("a whole number, 0 or more (0 turns suppression off)")
        return value
    if key in ("drop_invalid", "contrasts", "pdf"):
        if not isinstance(value, bool):
            raise fail("true or false")
        return value
    if key == "title":
        if not isinstance(value, str) or not value.strip():
            raise fail("the report's title as text")
        return value.strip()
    if key == "by":
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(v, str) and v for v in items):
            raise fail("a variable name or a list of them, e.g. [age_group, area]")
        return tuple(items)
    # cap, alpha, same_pp, small_pp: numbers
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < 0
    ):
        raise fail("a number, 0 or more")
    return float(value)
