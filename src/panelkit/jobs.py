"""The jobs behind the commands: each CLI command calls one function here.

A job reads its inputs, runs the library steps in order (read → validate →
weight → estimate) and returns a typed result; it never prints.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from panelkit.disclosure import Suppression
from panelkit.errors import SchemaError, SettingsError
from panelkit.project import ProjectFiles, Settings, resolve_settings
from panelkit.publish.words import texts
from panelkit.results import CiMethod, Estimate, EstimateSet, Reconciliation, WeightingResult
from panelkit.timings import step

if TYPE_CHECKING:
    import pandas as pd

    from panelkit.input.indicators import Indicator
    from panelkit.input.margins import Margins
    from panelkit.input.schema import Schema
    from panelkit.input.validation import SurveyData
    from panelkit.stats.comparison import Adjust
    from panelkit.stats.design import SurveyDesign


def _settings(files: ProjectFiles, settings: Settings | None, given: Mapping[str, Any]) -> Settings:
    """A job's settings: ``settings`` as given (else panelkit.yaml's, else the defaults),
    with the keyword settings ``given`` (``min_n=0``) on top; see project.resolve_settings."""
    if settings is None:
        return resolve_settings(files, **given)
    changes = {k: v for k, v in given.items() if v is not None}
    return replace(settings, **changes) if changes else settings


def load_survey(data: Path, schema: Path | Schema, *, cache_dir: Path | None = None) -> SurveyData:
    """Read an export and validate it against its schema (all rows, errors in the report).

    With ``cache_dir``, a parsed .xlsx/.sav export is kept there as parquet and
    reused while its bytes are unchanged (see input/cache.py).
    """
    from panelkit.input.cache import read_export_cached
    from panelkit.input.schema import Schema, load_schema
    from panelkit.input.validation import validate

    checked = schema if isinstance(schema, Schema) else load_schema(schema)
    with step("read"):
        raw = read_export_cached(
            data,
            sheet=checked.source.sheet,
            header_row=checked.source.header_row,
            skip_rows=checked.source.skip_rows,
            cache_dir=cache_dir,
        )
    with step("validate"):
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
    """The usable rows of a survey and the design declared on them (weights, calibration)."""

    survey: SurveyData
    design: SurveyDesign

    @property
    def margins(self) -> Margins | None:
        return self.design.margins

    @property
    def weighting(self) -> WeightingResult | None:
        """The raking and its diagnostics (None: no margins, all weights 1)."""
        return self.design.weighting

    @property
    def reconciliation(self) -> Reconciliation:
        return self.survey.reconciliation()

    def weights_frame(self, *, categories: bool = False) -> pd.DataFrame:
        """One row per used respondent: the id (or line), ``weight`` and the weighting
        variables, as text (``categories``: as the survey's Categoricals, which a CSV
        writer formats once per category instead of once per row)."""
        import pandas as pd

        survey = self.survey
        schema = survey.schema
        key = schema.id if schema.id is not None else survey.unit
        ids = survey.frame[schema.id] if schema.id is not None else pd.Series(survey.lines)
        # the arrays, not the Series (whose index is the usable rows'); an Arrow-backed
        # id column stays Arrow, not a million Python strings
        columns: dict[str, object] = {key: ids.array, "weight": self.design.weights}
        if self.margins is not None:
            for var in dict.fromkeys(v for m in self.margins.margins for v in m.variables):
                column = survey.frame[var]
                text = isinstance(column.dtype, pd.CategoricalDtype) and all(
                    type(c) is str for c in column.dtype.categories
                )
                kept = categories and text
                columns[var] = column.array if kept else column.astype(object).to_numpy()
        return pd.DataFrame(columns)


def weight_survey(
    files: ProjectFiles, settings: Settings | None = None, **given: Any
) -> WeightedSurvey:
    """Validate, then declare the design: raked to the margins (if any), with
    ``settings.cap`` and ``settings.drop_invalid`` (None: panelkit.yaml's, else the defaults)."""
    settings = _settings(files, settings, given)
    cap = settings.cap
    survey = load_survey(files.data, files.schema, cache_dir=files.cache_dir).usable(
        settings.drop_invalid
    )
    if files.margins is None and cap is not None:
        raise SettingsError(
            "--cap needs margins to rake to; pass --margins FILE (or remove cap: from "
            "panelkit.yaml)"
        )
    return _declare(survey, files.margins, cap=cap)


def _declare(survey: SurveyData, margins: Path | None, *, cap: float | None) -> WeightedSurvey:
    """The one survey design of a wave: its usable rows raked to ``margins`` (None: weights 1)."""
    from panelkit.input.margins import load_margins
    from panelkit.stats.design import declare_design

    with step("weight"):
        loaded = None if margins is None else load_margins(margins, survey.schema)
        design = declare_design(survey, loaded, cap=None if loaded is None else cap)
    return WeightedSurvey(survey, design)


def analyse_wave(
    weighted: WeightedSurvey,
    indicators: Sequence[Indicator],
    *,
    by: Sequence[str] = (),
    ci: CiMethod = CiMethod.LOGIT,
    min_n: int = 20,
    empty_groups: bool = True,
    contrasts: Adjust | None = None,
) -> EstimateSet:
    """One wave's indicators on its design, overall and by each ``by`` variable (the
    current wave and the previous one alike). ``empty_groups=False`` leaves out the
    groups no one in an indicator's domain can belong to (age 30-44 of an indicator
    about 17-29 year olds): they are not figures at all, rather than suppressed.
    ``contrasts``: also each group against the rest of its domain and the tests of
    association (formats §8.4), p-values adjusted this way (None: neither)."""
    from panelkit.stats.estimation import estimate_indicators

    with step("estimate"):
        rows = estimate_indicators(weighted.design, indicators, by=by, ci=ci, min_n=min_n)
        contrast_set = None
        if contrasts is not None:
            from panelkit.stats.contrasts import contrast_indicators

            contrast_set = contrast_indicators(
                weighted.design, indicators, rows, by=by, min_n=min_n, adjust=contrasts
            )
    if not empty_groups:
        rows = tuple(
            e for e in rows if not (e.suppression == Suppression.EMPTY and e.by is not None)
        )
    return EstimateSet(
        survey=weighted.reconciliation,
        weighting=weighted.weighting,
        estimates=rows,
        ci_method=ci,
        min_n=min_n,
        labels=indicator_labels(indicators),
        contrasts=contrast_set,
        scales=indicator_scales(indicators),
    )


def write_weights(
    files: ProjectFiles, out: Path, settings: Settings | None = None, **given: Any
) -> WeightedSurvey:
    """Weight the survey and write one row per respondent to ``out`` (CSV, or parquet by
    extension), with its run record beside it.

    CSV text cells (ids, labels) are formula-safe; parquet keeps the values as they are
    (typed cells, which no spreadsheet runs as formulas, and ids that still join).
    """
    from panelkit.files import guard_not_input, safe_csv

    if files.margins is None:
        raise SettingsError(
            "weighting needs margins; pass --margins FILE or set margins: in panelkit.yaml"
        )
    suffix = out.suffix.lower()
    if suffix not in (".parquet", ".csv", ".txt"):
        raise SettingsError(f"--out {out.name}: expected a .csv or .parquet file name")
    guard_not_input(out, files.inputs())
    settings = _settings(files, settings, given)
    weighted = weight_survey(files, settings)
    with step("publish"):
        frame = weighted.weights_frame(categories=suffix != ".parquet")
        if suffix == ".parquet":
            import io

            buffer = io.BytesIO()
            frame.to_parquet(buffer, index=False)
            payload = buffer.getvalue()
        else:
            payload = safe_csv(frame, float_format="%.15g")
        write_output(
            files,
            out,
            payload,
            command="weight",
            uses=("margins",),
            settings=settings,
            survey=weighted.reconciliation,
        )
    return weighted


# The settings a command's run record keeps (others: all of Settings).
_SETTINGS_USED = {
    "validate": (),
    "weight": ("cap", "drop_invalid"),
    "describe": ("lang", "min_n", "drop_invalid"),
    "summarize": ("lang", "by", "ci", "min_n", "cap", "drop_invalid"),
}


def write_output(
    files: ProjectFiles,
    out: Path,
    payload: bytes,
    *,
    command: str,
    uses: Sequence[str] = ("margins", "indicators", "baselines"),
    settings: Settings | None = None,
    extra: Mapping[str, object] | None = None,
    survey: Reconciliation | None = None,
) -> Path:
    """Write one output of ``command`` atomically, never over an input, and its run record
    ``<out>.run.json`` beside it (:mod:`panelkit.audit`); returns the record's path.

    ``uses``: the input roles the command read besides data and schema; ``settings``: the
    run's resolved settings (those the command uses are recorded); ``extra``: more to
    record (format, ...).
    """
    from panelkit.audit import project_root
    from panelkit.audit import write_output as write_with_record
    from panelkit.files import guard_not_input

    guard_not_input(out, files.inputs())
    recorded: dict[str, object] = {}
    if settings is not None:
        used = _SETTINGS_USED.get(command)
        recorded.update((k, v) for k, v in settings.record().items() if used is None or k in used)
    recorded.update(extra or {})
    return write_with_record(
        out,
        payload,
        command=command,
        inputs=_input_roles(files, uses=uses, previous=False),
        settings=recorded,
        survey=survey,
        project=project_root(files.project_file),
    )


def summarize(files: ProjectFiles, settings: Settings | None = None, **given: Any) -> EstimateSet:
    """Weighted indicators with standard errors and confidence intervals (formats §6);
    ``settings`` None: panelkit.yaml's, else the defaults."""
    from panelkit.input.indicators import load_indicators

    if files.indicators is None:
        raise SettingsError(
            "no indicators given; pass --indicators FILE or set indicators: in panelkit.yaml"
        )
    settings = _settings(files, settings, given)
    by, ci, min_n = settings.by or (), settings.ci, settings.min_n
    weighted = weight_survey(files, settings)
    schema = weighted.survey.schema
    check_by(schema, by)
    indicators = load_indicators(files.indicators, schema)
    contrasts = settings.adjust if settings.contrasts else None
    result = analyse_wave(weighted, indicators, by=by, ci=ci, min_n=min_n, contrasts=contrasts)
    if files.previous is None:
        return result
    _, waves = compare_previous(files, settings, weighted, indicators, result.estimates, by=by)
    return replace(result, waves=waves)


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


def indicator_scales(indicators: Sequence[Indicator]) -> dict[str, tuple[float, float]]:
    """Each mean's scale (min, max), where the schema gives it."""
    return {i.id: i.scale for i in indicators if i.scale is not None}


# ----------------------------------------------------------------------------- report jobs

if TYPE_CHECKING:
    from collections.abc import Callable

    from panelkit.input.baselines import Baseline
    from panelkit.input.indicators import IndicatorFile
    from panelkit.publish.chartpool import Helpers
    from panelkit.publish.factbox import FactBox, FactRef, Omission
    from panelkit.publish.report import Progress
    from panelkit.results import Lang
    from panelkit.stats.comparison import ComparisonSet, WaveSet
    from panelkit.stats.linked import AttritionRow


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
    opts: Settings,
    *,
    default_by: bool,
    compare_groups: bool,
    need_baselines: bool,
    step: Callable[[str], None],
    report_contrasts: bool = False,
) -> _Analysis:
    from panelkit.input.indicators import load_indicator_file
    from panelkit.publish.factbox import layout_from_data
    from panelkit.stats.comparison import ComparisonSet, compare

    steps = texts(opts.lang).job_steps
    indicators_file = files.indicators
    if indicators_file is None:
        raise SettingsError(
            "no indicators given; pass --indicators FILE or set indicators: in panelkit.yaml"
        )
    if need_baselines and files.baselines is None:
        raise SettingsError(
            "no baselines given; pass --baselines FILE or set baselines: in panelkit.yaml"
        )
    weighted = weight_survey(files, opts)
    step(steps["read"])
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
    # The report marks each group against the rest unless told not to (formats §8.4).
    contrasts = opts.adjust if report_contrasts and opts.contrasts is not False else None
    estimates = analyse_wave(
        weighted,
        ind_file.indicators,
        by=by,
        ci=opts.ci,
        min_n=opts.min_n,
        empty_groups=False,
        contrasts=contrasts,
    )
    rows = estimates.estimates
    step(steps["estimated"])
    matched = _matched_baselines(files, ind_file)
    if need_baselines and not matched:
        raise SettingsError(
            f"{indicators_file.name}: no indicator names a baseline; add "
            "baseline: {id: …, area: …} to an indicator (formats §4)"
        )
    comparisons = compare(
        rows,
        matched,
        groups=compare_groups,
        adjust=opts.adjust,
        rules=opts.rules,
        scales=estimates.scales,
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
    step(steps["compared"])
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


def compare_baselines(
    files: ProjectFiles, settings: Settings | None = None, **given: Any
) -> ComparisonSet:
    """Each estimate beside its baseline: difference, test, adjusted p and verdict.

    With ``by`` the groups are compared with their indicator's baseline too (and are
    part of the family the p-values are adjusted across).
    """
    opts = _settings(files, settings, given)
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


def make_factbox(
    files: ProjectFiles, settings: Settings | None = None, **given: Any
) -> FactBoxResult:
    """The district plan's fact box: layout and templates from the indicators file."""
    opts = _settings(files, settings, given)
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
    settings: Settings | None = None,
    *,
    force: bool = False,
    progress: Progress | None = None,
    **given: Any,
) -> ReportResult:
    """Build the yearly report and write it as the folder ``out``, atomically, holding
    the folder's lock from the first check to the swap (a second run is refused).
    With ``pdf`` (setting) also ``report.pdf``; WeasyPrint and Pango are checked first."""
    from panelkit.publish.chartpool import helpers
    from panelkit.publish.report import report_lock

    opts = _settings(files, settings, given)
    if opts.pdf:  # say what to install before any work, not after it
        from panelkit.publish.pdf import check_pdf_support

        check_pdf_support()
    # The charts' helper process starts first: its imports overlap the reading and estimating.
    with report_lock(out), helpers() as charts:
        return _write_report(files, out, opts, force=force, progress=progress, charts=charts)


def _write_report(
    files: ProjectFiles,
    out: Path,
    opts: Settings,
    *,
    force: bool = False,
    progress: Progress | None = None,
    charts: Helpers = None,
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
    from panelkit.timings import step as timed

    steps = texts(opts.lang).job_steps
    inputs = files.inputs()
    check_report_folder(out, force=force, inputs=inputs)  # before the work, not after
    created = source_date()
    # Steps: read+weight, estimate, compare, (previous wave), fact box, charts, render, write.
    done = 0
    total = 4 + (1 if files.previous is not None else 0) + RENDER_STEPS + (1 if opts.pdf else 0) + 1

    def step(label: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(label, done, total)

    analysis = _analyse(
        files,
        opts,
        default_by=True,
        compare_groups=False,
        need_baselines=False,
        step=step,
        report_contrasts=True,
    )
    previous, waves = None, None
    if files.previous is not None:
        previous, waves = _previous_wave(files, opts, analysis)
        step(steps["previous"])
    box = _factbox(analysis, opts.lang)
    step(steps["factbox"])

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
        settings=opts.record(analysis.by),
        created=created,
        baselines_given=analysis.baselines_given,
    )
    total += chart_count(content)
    with timed("publish"):
        outputs = render_report(content, step, pdf=opts.pdf, helper=charts)
        replaced = write_report_folder(out, outputs, force=force, inputs=inputs)
    step(steps["folder"])
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
    files: ProjectFiles, opts: Settings, analysis: _Analysis
) -> tuple[EstimateSet, WaveSet]:
    """Last year's wave beside this one: the overall rows of every indicator."""
    current = [e for e in analysis.estimates.estimates if e.by is None]
    return compare_previous(
        files, opts, analysis.weighted, analysis.indicator_file.indicators, current
    )


def compare_previous(
    files: ProjectFiles,
    opts: Settings,
    weighted: WeightedSurvey,
    indicators: Sequence[Indicator],
    current: Sequence[Estimate],
    *,
    by: Sequence[str] = (),
) -> tuple[EstimateSet, WaveSet]:
    """Last year's export, validated, weighted to its own margins and estimated with this
    year's indicators (and ``by``), and the change of every row of ``current`` found in
    both waves; for linked waves (formats §9) with the SE of the members' summed values."""
    from panelkit.input.indicators import parse_indicators
    from panelkit.input.schema import load_yaml
    from panelkit.stats.comparison import WaveSet, compare_waves

    prev = files.previous
    assert prev is not None and files.indicators is not None
    survey = load_survey(prev.data, prev.schema, cache_dir=files.cache_dir).usable(
        opts.drop_invalid
    )
    schema = survey.schema
    where = f"previous wave ({prev.schema.name})"
    try:
        prev_indicators = parse_indicators(
            load_yaml(files.indicators, SettingsError), schema, files.indicators
        )
        check_by(schema, by)
    except SettingsError as exc:
        raise SettingsError(
            f"{where}: {exc}; the previous schema must have every variable and answer the "
            "indicators and --by use"
        ) from None
    # Without margins of its own the previous wave is unweighted, whatever the cap.
    prev_weighted = _declare(survey, prev.margins, cap=opts.cap)
    previous = analyse_wave(prev_weighted, prev_indicators, by=by, ci=opts.ci, min_n=opts.min_n)
    notes = list(_margin_notes(weighted.margins, prev_weighted.margins))
    linked_ses, linked, members, attrition = None, None, None, None
    if prev.linked:
        linked_ses, linked, members, attrition, note = _linked(
            files, opts, weighted, prev_weighted, indicators, prev_indicators, by
        )
        notes.insert(0, note)
    changes = compare_waves(
        current, previous.estimates, adjust=opts.adjust, rules=opts.rules, linked=linked_ses
    )
    names = texts(opts.lang).wave_names
    waves = WaveSet(
        changes=changes,
        labels=indicator_labels(indicators),
        previous_name=prev.label or names["previous"],
        current_name=_current_label(files) or names["current"],
        previous_survey=previous.survey,
        adjust=opts.adjust,
        rules=opts.rules,
        linked_members=linked,
        members=members,
        notes=tuple(notes),
        attrition=attrition,
    )
    return previous, waves


def _linked(
    files: ProjectFiles,
    opts: Settings,
    weighted: WeightedSurvey,
    prev_weighted: WeightedSurvey,
    indicators: Sequence[Indicator],
    prev_indicators: Sequence[Indicator],
    by: Sequence[str],
) -> tuple[
    dict[tuple[str, str | None, str | None], float] | None,
    int,
    int,
    tuple[AttritionRow, ...],
    str,
]:
    """The linked SEs of the changes (None: no member in common, the waves are then
    independent), how many members are linked, how many in all, the attrition table
    and the note on the members (a count, never who)."""
    from panelkit.stats.linked import attrition, linked_ses, match_members, member_ids

    prev = files.previous
    assert prev is not None
    cur_design, prev_design = weighted.design, prev_weighted.design
    members = match_members(
        member_ids(cur_design, weighted.survey.schema.id, f"this wave ({files.schema.name})"),
        member_ids(
            prev_design, prev_weighted.survey.schema.id, f"previous wave ({prev.schema.name})"
        ),
        current_name=files.data.name,
        previous_name=prev.data.name,
    )
    n_prev, n_cur = prev_design.n, cur_design.n
    if members.linked == 0:
        note = (
            f"warning: linked waves, but no member answered both ({n_prev} previous, {n_cur} "
            "current respondents): the waves are treated as independent samples"
        )
        return None, 0, members.count, (), note
    by_id = {i.id: i for i in prev_indicators}
    pairs = [(i, by_id[i.id]) for i in indicators if i.id in by_id]
    ses = linked_ses(cur_design, prev_design, pairs, members, by=by)
    margins = prev_weighted.margins
    table = attrition(
        prev_design,
        members,
        prev_indicators,
        () if margins is None else margins.variables,
        min_n=opts.min_n,
        adjust=opts.adjust,
    )
    note = f"linked members: {members.linked} ({n_prev} previous, {n_cur} current respondents)"
    return ses, members.linked, members.count, table, note


def _margin_notes(current: Margins | None, previous: Margins | None) -> tuple[str, ...]:
    """A note when the waves are raked to margins of different variables."""

    def shown(m: Margins | None) -> str:
        if m is None:
            return "none (unweighted)"
        return ", ".join("|".join(x.variables) for x in m.margins)

    def sets(m: Margins | None) -> set[tuple[str, ...]]:
        return set() if m is None else {tuple(x.variables) for x in m.margins}

    if sets(current) == sets(previous):
        return ()
    return (
        f"the waves' margins differ (previous: {shown(previous)}; current: {shown(current)}): "
        "each wave is raked to its own",
    )


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
    score = next((s for s in schema.scores if s.name == name), None)
    if score is not None:
        return score.text
    try:
        return schema.variable(name).text
    except KeyError:
        return None


# ----------------------------------------------------------------------------- metadata jobs

if TYPE_CHECKING:
    from panelkit.input.metadata import SchemaInitResult
    from panelkit.publish.codebook import Codebook


def init_schema(
    sources: Sequence[Path],
    out: Path,
    *,
    force: bool = False,
    settings: Settings | None = None,
) -> SchemaInitResult:
    """Draft a schema from an export and its platform's metadata, and write it to ``out``.

    Refuses to replace an existing file unless ``force``, and never writes over a source.
    ``settings.min_n`` (None: the defaults') keeps single respondents' answers out of
    what is inferred from the data (input/draft.py).
    """
    from panelkit.audit import write_output as write_with_record
    from panelkit.errors import OutputError
    from panelkit.files import guard_not_input
    from panelkit.input.metadata import draft_schema, init_result, render_schema
    from panelkit.input.schema import parse_schema
    from panelkit.input.yamlfile import load_yaml_text

    guard_not_input(out, sources)
    if out.is_dir():
        raise OutputError(f"{out} is a folder; give --out a file name such as schema.yaml")
    if out.exists() and not force:
        raise OutputError(
            f"{out} already exists; pass --force to replace it, or choose another --out"
        )
    min_n = (settings or Settings()).min_n
    draft = draft_schema(sources, min_n=min_n)
    guard_not_input(out, draft.inputs)
    text = render_schema(draft, name=out.stem)
    # The draft must load as any schema does; a failure here is a bug, not the user's.
    parse_schema(load_yaml_text(text, out.name, SchemaError), out)
    write_with_record(
        out,
        text.encode("utf-8"),
        command="schema init",
        inputs=[("source", p) for p in draft.inputs if p.is_file()],
        settings={"source": str(draft.kind), "force": force, "min_n": min_n},
        survey=None,
    )
    return init_result(draft, out)


def describe(files: ProjectFiles, settings: Settings | None = None, **given: Any) -> Codebook:
    """The codebook: every variable's answers (weighted shares when margins are given).

    Counts from 1 to ``settings.min_n`` − 1 are suppressed, with what would reveal them
    (publish/codebook.py; 0: off); ``settings`` None: panelkit.yaml's, else the defaults.
    """
    from panelkit.publish.codebook import build_codebook

    settings = _settings(files, settings, given)
    weighted = weight_survey(files, settings)
    return build_codebook(weighted.survey, weighted.weighting, min_n=settings.min_n)


# ----------------------------------------------------------------------------- audit

if TYPE_CHECKING:
    from panelkit.audit import Verification


def verify(target: Path) -> Verification:
    """``panelkit verify``: check the files named by the run records in ``target`` (a folder,
    or one record) against their SHA-256; see :mod:`panelkit.audit`."""
    from panelkit.audit import verify as verify_records

    return verify_records(target)
