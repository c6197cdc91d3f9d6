"""The jobs behind the commands: each CLI command calls one function here.

A job reads its inputs, runs the library steps in order (read → validate →
weight → estimate) and returns a typed result; it never prints.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from panelkit.errors import SettingsError
from panelkit.project import ProjectFiles, RunSettings
from panelkit.results import CiMethod, EstimateSet, Reconciliation, WeightingResult

if TYPE_CHECKING:
    import pandas as pd

    from panelkit.input.indicators import Indicator
    from panelkit.input.margins import Margins
    from panelkit.input.schema import Schema
    from panelkit.input.validation import SurveyData


def load_survey(data: Path, schema: Path | Schema, *, cache_dir: Path | None = None) -> SurveyData:
    """Read an export and validate it against its schema (all rows, errors in the report).

    With ``cache_dir``, a parsed .xlsx/.sav export is kept there as parquet and
    reused while its bytes are unchanged (see input/cache.py).
    """
    from panelkit.input.cache import read_export_cached
    from panelkit.input.schema import Schema, load_schema
    from panelkit.input.validation import validate

    checked = schema if isinstance(schema, Schema) else load_schema(schema)
    raw = read_export_cached(
        data,
        sheet=checked.source.sheet,
        header_row=checked.source.header_row,
        skip_rows=checked.source.skip_rows,
        cache_dir=cache_dir,
    )
    return validate(raw, checked)


def validate_export(files: ProjectFiles, *, rejects: Path | None = None) -> SurveyData:
    """``panelkit validate``: read and check the export; with ``rejects``, write every row
    error (line, column, problem; never the answer) there as CSV, with its run record."""
    from panelkit.files import guard_not_input
    from panelkit.input.validation import rejects_csv

    if rejects is not None:
        guard_not_input(rejects, files.inputs())
    survey = load_survey(files.data, files.schema, cache_dir=files.cache_dir)
    if rejects is not None:
        r = survey.report
        write_output(
            files,
            rejects,
            rejects_csv(r),
            command="validate",
            uses=(),
            survey=Reconciliation(r.rows_read, r.rows_valid, r.rows_rejected),
        )
    return survey


@dataclass(frozen=True, eq=False)
class WeightedSurvey:
    """The usable rows of a survey and their weights (None: no margins, all weights 1)."""

    survey: SurveyData
    margins: Margins | None
    weighting: WeightingResult | None

    @property
    def reconciliation(self) -> Reconciliation:
        return self.survey.reconciliation()

    def weights_frame(self) -> pd.DataFrame:
        """One row per used respondent: the id (or line), ``weight`` and the weighting variables."""
        import numpy as np
        import pandas as pd

        survey = self.survey
        schema = survey.schema
        key = schema.id if schema.id is not None else survey.unit
        ids = survey.frame[schema.id] if schema.id is not None else pd.Series(survey.lines)
        weights = self.weighting.weights if self.weighting is not None else np.ones(survey.rows)
        columns: dict[str, object] = {key: ids.to_numpy(), "weight": weights}
        if self.margins is not None:
            for var in dict.fromkeys(v for m in self.margins.margins for v in m.variables):
                columns[var] = survey.frame[var].astype(object).to_numpy()
        return pd.DataFrame(columns)


def weight_survey(
    files: ProjectFiles, *, cap: float | None = None, drop_invalid: bool = False
) -> WeightedSurvey:
    """Validate, then rake to the margins (if any)."""
    from panelkit.input.margins import load_margins
    from panelkit.stats.weighting import rake

    survey = load_survey(files.data, files.schema, cache_dir=files.cache_dir).usable(drop_invalid)
    if files.margins is None:
        if cap is not None:
            raise SettingsError("--cap needs margins to rake to; pass --margins FILE")
        return WeightedSurvey(survey, None, None)
    margins = load_margins(files.margins, survey.schema)
    weighting = rake(survey.frame, margins, cap=cap, lines=survey.lines)
    return WeightedSurvey(survey, margins, weighting)


def write_weights(
    files: ProjectFiles, out: Path, *, cap: float | None = None, drop_invalid: bool = False
) -> WeightedSurvey:
    """Weight the survey and write one row per respondent to ``out`` (CSV, or parquet by
    extension), with its run record beside it.

    CSV text cells (ids, labels) are formula-safe; parquet keeps the values as they are
    (typed cells, which no spreadsheet runs as formulas, and ids that still join).
    """
    from panelkit.files import guard_not_input, safe_frame

    if files.margins is None:
        raise SettingsError(
            "weighting needs margins; pass --margins FILE or set margins: in panelkit.yaml"
        )
    suffix = out.suffix.lower()
    if suffix not in (".parquet", ".csv", ".txt"):
        raise SettingsError(f"--out {out.name}: expected a .csv or .parquet file name")
    guard_not_input(out, files.inputs())
    weighted = weight_survey(files, cap=cap, drop_invalid=drop_invalid)
    frame = weighted.weights_frame()
    if suffix == ".parquet":
        import io

        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        payload = buffer.getvalue()
    else:
        text = safe_frame(frame).to_csv(index=False, float_format="%.15g", lineterminator="\n")
        payload = text.encode("utf-8")
    write_output(
        files,
        out,
        payload,
        command="weight",
        uses=("margins",),
        settings={"cap": cap, "drop_invalid": drop_invalid},
        survey=weighted.reconciliation,
    )
    return weighted


# The settings a command's run record keeps (others: all of RunOptions).
_SETTINGS_USED = {"summarize": ("lang", "by", "ci", "min_n", "cap", "drop_invalid")}


def write_output(
    files: ProjectFiles,
    out: Path,
    payload: bytes,
    *,
    command: str,
    uses: Sequence[str] = ("margins", "indicators", "baselines"),
    options: RunOptions | None = None,
    settings: Mapping[str, object] | None = None,
    survey: Reconciliation | None = None,
) -> Path:
    """Write one output of ``command`` atomically, never over an input, and its run record
    ``<out>.run.json`` beside it (:mod:`panelkit.audit`); returns the record's path.

    ``uses``: the input roles the command read besides data and schema; ``options``: the
    run's options, recorded as resolved (given, else panelkit.yaml, else the defaults);
    ``settings``: more to record (format, language, ...).
    """
    from panelkit.audit import project_root
    from panelkit.audit import write_output as write_with_record
    from panelkit.files import guard_not_input

    guard_not_input(out, files.inputs())
    recorded: dict[str, object] = {}
    if options is not None:
        resolved = _resolve(files, options)
        used = _SETTINGS_USED.get(command)
        recorded.update(
            (k, v)
            for k, v in resolved.settings(resolved.by or ()).items()
            if used is None or k in used
        )
    recorded.update(settings or {})
    return write_with_record(
        out,
        payload,
        command=command,
        inputs=_input_roles(files, uses=uses, previous=False),
        settings=recorded,
        survey=survey,
        project=project_root(files.project_file),
    )


def summarize(
    files: ProjectFiles,
    *,
    by: Sequence[str] = (),
    ci: CiMethod = CiMethod.LOGIT,
    min_n: int = 20,
    cap: float | None = None,
    drop_invalid: bool = False,
) -> EstimateSet:
    """Weighted indicators with standard errors and confidence intervals (formats §6)."""
    from panelkit.input.indicators import load_indicators
    from panelkit.stats.estimation import estimate

    if files.indicators is None:
        raise SettingsError(
            "no indicators given; pass --indicators FILE or set indicators: in panelkit.yaml"
        )
    if min_n < 0:
        raise SettingsError(f"--min-n {min_n}: expected 0 or more (0 turns suppression off)")
    weighted = weight_survey(files, cap=cap, drop_invalid=drop_invalid)
    schema = weighted.survey.schema
    check_by(schema, by)
    indicators = load_indicators(files.indicators, schema)
    w = weighted.weighting
    estimates = estimate(
        weighted.survey.frame,
        indicators,
        weights=None if w is None else w.weights,
        calibration=() if w is None else w.calibration,
        by=by,
        ci=ci,
        min_n=min_n,
    )
    return EstimateSet(
        survey=weighted.reconciliation,
        weighting=w,
        estimates=estimates,
        ci_method=ci,
        min_n=min_n,
        labels=indicator_labels(indicators),
    )


def check_by(schema: Schema, by: Sequence[str]) -> None:
    """A breakdown variable must be categorical (a category, multi or derived variable)."""
    import difflib

    usable = [n for n in schema.names if schema.labels_of(n) is not None]
    for name in by:
        if name not in schema.names or schema.labels_of(name) is None:
            close = difflib.get_close_matches(name, usable, n=3)
            hint = f"did you mean {', '.join(close)}? " if close else ""
            raise SettingsError(
                f"--by {name}: not a categorical variable of the schema; {hint}"
                f"expected one of {', '.join(usable)}"
            )


def indicator_labels(indicators: Sequence[Indicator]) -> dict[str, dict[str, str]]:
    return {i.id: {lang: i.label(lang) for lang in ("da", "en")} for i in indicators}


# ----------------------------------------------------------------------------- report jobs (issue 4)

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from panelkit.input.baselines import Baseline
    from panelkit.input.indicators import IndicatorFile
    from panelkit.publish.factbox import FactBox, FactRef, Omission
    from panelkit.publish.report import Progress
    from panelkit.results import Lang
    from panelkit.stats.comparison import Adjust, ComparisonSet, VerdictRules, WaveSet


# The options a command line gives are the settings panelkit.yaml gives: one record.
# None means "not given here": an option wins, then panelkit.yaml, then the default.
RunOptions = RunSettings
NO_OPTIONS = RunOptions()  # nothing given on the command line


@dataclass(frozen=True)
class _Resolved:
    lang: Lang
    by: tuple[str, ...] | None  # None: not given anywhere
    ci: CiMethod
    min_n: int
    cap: float | None
    drop_invalid: bool
    adjust: Adjust
    rules: VerdictRules
    title: str | None

    @property
    def da(self) -> bool:
        return self.lang.value == "da"

    def settings(self, by: Sequence[str]) -> dict[str, object]:
        """As run.json records them."""
        return {
            "lang": str(self.lang),
            "by": list(by),
            "ci": str(self.ci),
            "min_n": self.min_n,
            "cap": self.cap,
            "drop_invalid": self.drop_invalid,
            "adjust": str(self.adjust),
            "alpha": self.rules.alpha,
            "same_pp": self.rules.same_pp,
            "small_pp": self.rules.small_pp,
            "title": self.title,
        }


def _resolve(files: ProjectFiles, options: RunOptions) -> _Resolved:
    """Options given win; then panelkit.yaml's settings; then the defaults."""
    from panelkit.project import run_settings
    from panelkit.results import Lang
    from panelkit.stats.comparison import DEFAULT_RULES, Adjust, VerdictRules

    project = run_settings(files)

    def pick(name: str, default: object) -> Any:
        given = getattr(options, name)
        if given is not None:
            return given
        value = getattr(project, name)
        return default if value is None else value

    min_n = pick("min_n", 20)
    if min_n < 0:
        raise SettingsError(f"--min-n {min_n}: expected 0 or more (0 turns suppression off)")
    try:
        rules = VerdictRules(
            alpha=pick("alpha", DEFAULT_RULES.alpha),
            same_pp=pick("same_pp", DEFAULT_RULES.same_pp),
            small_pp=pick("small_pp", DEFAULT_RULES.small_pp),
        )
    except SettingsError as exc:
        raise SettingsError(
            f"verdict rules: {exc}; set --alpha, --same-pp and --small-pp "
            "(or alpha:, same_pp:, small_pp: in panelkit.yaml)"
        ) from None
    return _Resolved(
        lang=Lang(pick("lang", Lang.DA)),
        by=pick("by", None),
        ci=CiMethod(pick("ci", CiMethod.LOGIT)),
        min_n=min_n,
        cap=pick("cap", None),
        drop_invalid=bool(pick("drop_invalid", False)),
        adjust=Adjust(pick("adjust", Adjust.HOLM)),
        rules=rules,
        title=pick("title", None),
    )


def summarize_project(files: ProjectFiles, options: RunOptions = NO_OPTIONS) -> EstimateSet:
    """``summarize`` with its options resolved: given, else panelkit.yaml, else the defaults."""
    resolved = _resolve(files, options)
    return summarize(
        files,
        by=resolved.by or (),
        ci=resolved.ci,
        min_n=resolved.min_n,
        cap=resolved.cap,
        drop_invalid=resolved.drop_invalid,
    )


@dataclass(frozen=True, eq=False)
class _Analysis:
    """One survey read, weighted, estimated and compared with its baselines."""

    weighted: WeightedSurvey
    margins_used: Margins | None
    indicator_file: IndicatorFile
    estimates: EstimateSet
    by: tuple[str, ...]
    layout: tuple[tuple[FactRef, ...], ...] | None
    comparisons: ComparisonSet
    baselines_given: bool


def _analyse(
    files: ProjectFiles,
    opts: _Resolved,
    *,
    default_by: bool,
    compare_groups: bool,
    need_baselines: bool,
    step: Callable[[str], None],
) -> _Analysis:
    from panelkit.input.indicators import load_indicator_file
    from panelkit.publish.factbox import layout_from_data
    from panelkit.stats.comparison import ComparisonSet, compare
    from panelkit.stats.estimation import estimate

    da = opts.da
    indicators_file = files.indicators
    if indicators_file is None:
        raise SettingsError(
            "no indicators given; pass --indicators FILE or set indicators: in panelkit.yaml"
        )
    if need_baselines and files.baselines is None:
        raise SettingsError(
            "no baselines given; pass --baselines FILE or set baselines: in panelkit.yaml"
        )
    weighted = weight_survey(files, cap=opts.cap, drop_invalid=opts.drop_invalid)
    step("Data læst, kontrolleret og vægtet" if da else "Data read, checked and weighted")
    schema = weighted.survey.schema
    ind_file = load_indicator_file(indicators_file, schema)
    layout = None
    if ind_file.factbox is not None:
        layout = layout_from_data(list(ind_file.factbox), f"{indicators_file.name}: factbox")
    by = list(opts.by) if opts.by is not None else []
    if opts.by is None and default_by and weighted.margins is not None:
        # Without --by the report breaks down by the weighting variables: the groups
        # the population figures describe, and always categorical.
        by = list(weighted.margins.variables)
    check_by(schema, by)
    for ref in (r for bullet in layout or () for r in bullet):
        if ref.by is None:
            continue
        check_by(schema, [ref.by])
        labels = schema.labels_of(ref.by) or ()
        if ref.group not in labels:
            raise SettingsError(
                f'{indicators_file.name}: factbox: "{ref.group}" is not a group of {ref.by}; '
                f"expected one of {', '.join(labels)}"
            )
        if ref.by not in by:
            by.append(ref.by)
    w = weighted.weighting
    rows = estimate(
        weighted.survey.frame,
        ind_file.indicators,
        weights=None if w is None else w.weights,
        calibration=() if w is None else w.calibration,
        by=by,
        ci=opts.ci,
        min_n=opts.min_n,
    )
    # A group no one in the domain can belong to (age 30-44 of an indicator about
    # 17-29 year olds) is not a figure at all: leave it out rather than call it suppressed.
    rows = tuple(e for e in rows if not (e.suppression == "empty" and e.by is not None))
    estimates = EstimateSet(
        survey=weighted.reconciliation,
        weighting=w,
        estimates=rows,
        ci_method=opts.ci,
        min_n=opts.min_n,
        labels=indicator_labels(ind_file.indicators),
    )
    step("Indikatorer beregnet" if da else "Indicators estimated")
    matched = _matched_baselines(files, ind_file)
    if need_baselines and not matched:
        raise SettingsError(
            f"{indicators_file.name}: no indicator names a baseline; add "
            "baseline: {id: …, area: …} to an indicator (formats §4)"
        )
    comparisons = compare(
        rows, matched, groups=compare_groups, adjust=opts.adjust, rules=opts.rules
    )
    compared = {(c.indicator, c.by, c.group) for c in comparisons}
    comparison_set = ComparisonSet(
        comparisons=comparisons,
        labels=estimates.labels,
        survey=estimates.survey,
        adjust=opts.adjust,
        rules=opts.rules,
        min_n=opts.min_n,
        estimates=tuple(e for e in rows if (e.indicator, e.by, e.group) in compared),
    )
    step("Sammenlignet med referencer" if da else "Compared with baselines")
    return _Analysis(
        weighted=weighted,
        margins_used=weighted.margins,
        indicator_file=ind_file,
        estimates=estimates,
        by=tuple(by),
        layout=layout,
        comparisons=comparison_set,
        baselines_given=files.baselines is not None,
    )


def _matched_baselines(files: ProjectFiles, ind_file: IndicatorFile) -> dict[str, Baseline]:
    from panelkit.input.baselines import load_baselines
    from panelkit.stats.comparison import match_baselines

    if files.baselines is None:
        return {}
    baselines = load_baselines(files.baselines)
    try:
        return match_baselines(ind_file.indicators, baselines)
    except SettingsError as exc:
        # Name both files: the id is written in one and missing from the other.
        where = ind_file.path.name if ind_file.path is not None else "indicators"
        raise SettingsError(f"{where}: {exc} (baselines file {files.baselines.name})") from None


def _factbox(analysis: _Analysis, lang: Lang) -> FactBox:
    from panelkit.publish.factbox import build_factbox

    ind_file = analysis.indicator_file
    schema = analysis.weighted.survey.schema
    try:
        return build_factbox(
            analysis.estimates.estimates,
            ind_file.indicators,
            survey_title=schema.title or schema.name,
            n_answers=analysis.estimates.survey.rows_used,
            comparisons=[c for c in analysis.comparisons.comparisons if c.by is None],
            lang=lang,
            area=ind_file.area,
            bullets=analysis.layout,
        )
    except SettingsError as exc:
        raise SettingsError(
            f"{ind_file.path.name if ind_file.path else 'indicators'}: {exc}"
        ) from None


def _no_step(_label: str) -> None:
    return None


def compare_baselines(files: ProjectFiles, options: RunOptions = NO_OPTIONS) -> ComparisonSet:
    """Each estimate beside its baseline: difference, test, adjusted p and verdict.

    With ``by`` the groups are compared with their indicator's baseline too (and are
    part of the family the p-values are adjusted across).
    """
    opts = _resolve(files, options)
    analysis = _analyse(
        files,
        opts,
        default_by=False,
        compare_groups=bool(opts.by),
        need_baselines=True,
        step=_no_step,
    )
    return analysis.comparisons


@dataclass(frozen=True)
class FactBoxResult:
    """The fact box of one run, and the rows behind it."""

    box: FactBox
    survey: Reconciliation
    min_n: int
    labels: dict[str, dict[str, str]]


def make_factbox(files: ProjectFiles, options: RunOptions = NO_OPTIONS) -> FactBoxResult:
    """The district plan's fact box: layout and templates from the indicators file."""
    opts = _resolve(files, options)
    analysis = _analyse(
        files,
        opts,
        default_by=False,
        compare_groups=False,
        need_baselines=False,
        step=_no_step,
    )
    return FactBoxResult(
        box=_factbox(analysis, opts.lang),
        survey=analysis.estimates.survey,
        min_n=opts.min_n,
        labels=analysis.estimates.labels,
    )


@dataclass(frozen=True)
class ReportResult:
    """What `write_report` wrote."""

    out: Path
    files: tuple[str, ...]  # relative to out
    survey: Reconciliation
    previous_survey: Reconciliation | None
    omitted: tuple[Omission, ...]  # figures the fact box left out (suppressed)
    suppressed: int  # estimate rows suppressed
    replaced: bool  # an earlier report in out was replaced
    lang: Lang
    min_n: int
    labels: dict[str, dict[str, str]]  # indicator -> language -> label
    notes: tuple[str, ...] = ()  # what is suppressed and why (primary, secondary)


def write_report(
    files: ProjectFiles,
    out: Path,
    options: RunOptions = NO_OPTIONS,
    *,
    force: bool = False,
    progress: Progress | None = None,
) -> ReportResult:
    """Build the yearly report and write it as the folder ``out``, atomically, holding
    the folder's lock from the first check to the swap (a second run is refused)."""
    from panelkit.publish.report import report_lock

    with report_lock(out):
        return _write_report(files, out, options, force=force, progress=progress)


def _write_report(
    files: ProjectFiles,
    out: Path,
    options: RunOptions = NO_OPTIONS,
    *,
    force: bool = False,
    progress: Progress | None = None,
) -> ReportResult:
    """Build the yearly report and write it as the folder ``out``, atomically.

    ``progress(label, done, total)`` is called after each step. Without ``by``
    (option or panelkit.yaml) the report breaks down by the weighting variables.
    """
    from panelkit import __version__
    from panelkit.audit import input_files, project_root, source_date
    from panelkit.publish.report import (
        RENDER_STEPS,
        ReportContent,
        chart_count,
        check_report_folder,
        render_report,
        write_report_folder,
    )
    from panelkit.publish.tables import suppression_notes

    opts = _resolve(files, options)
    da = opts.da
    inputs = files.inputs()
    check_report_folder(out, force=force, inputs=inputs)  # before the work, not after
    created = source_date()
    # Steps: read+weight, estimate, compare, (previous wave), fact box, charts, render, write.
    done = 0
    total = 4 + (1 if files.previous is not None else 0) + RENDER_STEPS + 1

    def step(label: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(label, done, total)

    analysis = _analyse(
        files, opts, default_by=True, compare_groups=False, need_baselines=False, step=step
    )
    previous, waves = None, None
    if files.previous is not None:
        previous, waves = _previous_wave(files, opts, analysis)
        step("Forrige runde beregnet" if da else "Previous wave estimated")
    box = _factbox(analysis, opts.lang)
    step("Faktaboks skrevet" if da else "Fact box written")

    schema = analysis.weighted.survey.schema
    survey_title = schema.title or schema.name
    content = ReportContent(
        title=opts.title or survey_title,
        survey_title=survey_title,
        lang=opts.lang,
        estimates=analysis.estimates,
        indicators=analysis.indicator_file.indicators,
        by=analysis.by,
        comparisons=analysis.comparisons,
        factbox=box,
        version=__version__,
        area=analysis.indicator_file.area,
        by_titles={
            b: analysis.indicator_file.breakdown_name(b, opts.lang.value) or _by_title(schema, b)
            for b in analysis.by
        },
        by_questions={b: q for b in analysis.by if (q := _by_question(schema, b))},
        waves=waves,
        previous_estimates=previous,
        margins=analysis.margins_used,
        # run.json sits in the report folder: input paths are recorded relative to it.
        inputs=input_files(
            _input_roles(files), base=Path(out).resolve(), project=project_root(files.project_file)
        ),
        settings=opts.settings(analysis.by),
        created=created,
        baselines_given=analysis.baselines_given,
    )
    total += chart_count(content)
    outputs = render_report(content, step)
    replaced = write_report_folder(out, outputs, force=force, inputs=inputs)
    step("Mappen skrevet" if da else "Folder written")
    return ReportResult(
        out=out,
        files=tuple(outputs),
        survey=analysis.estimates.survey,
        previous_survey=None if previous is None else previous.survey,
        omitted=box.omitted,
        suppressed=sum(e.suppressed for e in analysis.estimates.estimates),
        replaced=replaced,
        lang=opts.lang,
        min_n=opts.min_n,
        labels=analysis.estimates.labels,
        notes=suppression_notes(analysis.estimates.estimates, opts.min_n, opts.lang),
    )


def _previous_wave(
    files: ProjectFiles, opts: _Resolved, analysis: _Analysis
) -> tuple[EstimateSet, WaveSet]:
    """Last year's export, validated, weighted and estimated with this year's indicators."""
    from panelkit.input.indicators import parse_indicators
    from panelkit.input.margins import load_margins
    from panelkit.input.schema import load_yaml
    from panelkit.stats.comparison import WaveSet, compare_waves
    from panelkit.stats.estimation import estimate
    from panelkit.stats.weighting import rake

    prev = files.previous
    assert prev is not None and files.indicators is not None
    survey = load_survey(prev.data, prev.schema, cache_dir=files.cache_dir).usable(
        opts.drop_invalid
    )
    schema = survey.schema
    try:
        indicators = parse_indicators(
            load_yaml(files.indicators, SettingsError), schema, files.indicators
        )
    except SettingsError as exc:
        raise SettingsError(
            f"previous wave ({prev.schema.name}): {exc}; the previous schema must have every "
            "variable and answer the indicators use"
        ) from None
    weighting = None
    if prev.margins is not None:
        margins = load_margins(prev.margins, schema)
        weighting = rake(survey.frame, margins, cap=opts.cap, lines=survey.lines)
    rows = estimate(
        survey.frame,
        indicators,
        weights=None if weighting is None else weighting.weights,
        calibration=() if weighting is None else weighting.calibration,
        ci=opts.ci,
        min_n=opts.min_n,
    )
    previous = EstimateSet(
        survey=survey.reconciliation(),
        weighting=weighting,
        estimates=rows,
        ci_method=opts.ci,
        min_n=opts.min_n,
        labels=indicator_labels(indicators),
    )
    current = [e for e in analysis.estimates.estimates if e.by is None]
    changes = compare_waves(current, rows, adjust=opts.adjust, rules=opts.rules)
    da = opts.da
    waves = WaveSet(
        changes=changes,
        labels=analysis.estimates.labels,
        previous_name=prev.label or ("forrige runde" if da else "previous wave"),
        current_name=_current_label(files) or ("denne runde" if da else "this wave"),
        previous_survey=previous.survey,
        adjust=opts.adjust,
        rules=opts.rules,
    )
    return previous, waves


def _current_label(files: ProjectFiles) -> str | None:
    value = files.settings.get("label")
    return None if value is None else str(value)


def _input_roles(
    files: ProjectFiles, *, uses: Sequence[str] | None = None, previous: bool = True
) -> list[tuple[str, Path]]:
    """The run's input files by role, for its run record: ``uses`` limits them to the
    roles the command reads (data and schema always, and the project file)."""
    roles: list[tuple[str, Path | None]] = [
        ("data", files.data),
        ("schema", files.schema),
        ("margins", files.margins),
        ("indicators", files.indicators),
        ("baselines", files.baselines),
        ("project", files.project_file),
    ]
    if uses is not None:
        keep = {"data", "schema", "project", *uses}
        roles = [(role, path) for role, path in roles if role in keep]
    if previous and files.previous is not None:
        roles += [
            ("previous data", files.previous.data),
            ("previous schema", files.previous.schema),
            ("previous margins", files.previous.margins),
        ]
    return [(role, path) for role, path in roles if path is not None]


def _by_title(schema: Schema, name: str) -> str:
    """A breakdown's name for headings: the variable's short text, else its name."""
    text = _variable_text(schema, name)
    if text and len(text) <= 40 and not text.rstrip().endswith("?"):
        return text
    return name


def _by_question(schema: Schema, name: str) -> str | None:
    """The question behind a breakdown, when its text is one."""
    text = _variable_text(schema, name)
    return text if text and text.rstrip().endswith("?") else None


def _variable_text(schema: Schema, name: str) -> str | None:
    derived = {d.name: d for d in schema.derived}
    if name in derived:  # derived variables keep no text of their own: use their source's
        name = derived[name].source
    try:
        return schema.variable(name).text
    except KeyError:
        return None


# ----------------------------------------------------------------------------- metadata jobs (issue 7)

if TYPE_CHECKING:
    from panelkit.input.metadata import SchemaInitResult
    from panelkit.publish.codebook import Codebook


def init_schema(sources: Sequence[Path], out: Path, *, force: bool = False) -> SchemaInitResult:
    """Draft a schema from an export and its platform's metadata, and write it to ``out``.

    Refuses to replace an existing file unless ``force``, and never writes over a source.
    """
    import yaml

    from panelkit.audit import write_output as write_with_record
    from panelkit.errors import OutputError
    from panelkit.files import guard_not_input
    from panelkit.input.metadata import draft_schema, init_result, render_schema
    from panelkit.input.schema import parse_schema

    guard_not_input(out, sources)
    if out.is_dir():
        raise OutputError(f"{out} is a folder; give --out a file name such as schema.yaml")
    if out.exists() and not force:
        raise OutputError(
            f"{out} already exists; pass --force to replace it, or choose another --out"
        )
    draft = draft_schema(sources)
    guard_not_input(out, draft.inputs)
    text = render_schema(draft, name=out.stem)
    # The draft must load as any schema does; a failure here is a bug, not the user's.
    parse_schema(yaml.safe_load(text), out)
    write_with_record(
        out,
        text.encode("utf-8"),
        command="schema init",
        inputs=[("source", p) for p in draft.inputs if p.is_file()],
        settings={"source": str(draft.kind), "force": force},
        survey=None,
    )
    return init_result(draft, out)


def describe(
    files: ProjectFiles, *, drop_invalid: bool = False, min_n: int | None = None
) -> Codebook:
    """The codebook: every variable's answers (weighted shares when margins are given).

    Counts from 1 to ``min_n`` − 1 are suppressed, with what would reveal them
    (publish/codebook.py); ``min_n`` None: panelkit.yaml's ``min_n``, else 20; 0: off.
    """
    from panelkit.publish.codebook import build_codebook

    chosen = _resolve(files, RunOptions(min_n=min_n)).min_n
    weighted = weight_survey(files, drop_invalid=drop_invalid)
    return build_codebook(weighted.survey, weighted.weighting, min_n=chosen)


# ----------------------------------------------------------------------------- audit (issue 6)

if TYPE_CHECKING:
    from panelkit.audit import Verification


def verify(target: Path) -> Verification:
    """``panelkit verify``: check the files named by the run records in ``target`` (a folder,
    or one record) against their SHA-256; see :mod:`panelkit.audit`."""
    from panelkit.audit import verify as verify_records

    return verify_records(target)
