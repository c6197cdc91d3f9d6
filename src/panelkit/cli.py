"""The command line: parses options, calls one library function, renders the result.

Heavy libraries are imported inside the commands, so ``panelkit --help`` is instant.
Every PanelkitError becomes one ``Error: …`` line and exit 1 (a traceback only
with ``--debug``); a wrong command line exits 2.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast

import typer
from typer.core import TyperGroup
from typer.exceptions import TyperException

from panelkit import __version__
from panelkit.disclosure import Suppression
from panelkit.errors import DataError, OutputError, PanelkitError, one_line, shown
from panelkit.publish.tables import OutputFormat
from panelkit.publish.texts import decimal
from panelkit.publish.words import texts as catalogue
from panelkit.results import CiMethod, Lang
from panelkit.timings import step

if TYPE_CHECKING:
    from rich.console import Console

    from panelkit.input.validation import SurveyData
    from panelkit.jobs import WeightedSurvey
    from panelkit.project import ProjectFiles, Settings
    from panelkit.results import EstimateSet, Reconciliation, WeightingResult


class _Group(TyperGroup):
    """Turns any failure of a command into one ``Error:`` line and exit 1."""

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            with _timings():
                return super().invoke(ctx)
        except (typer.Exit, typer.Abort, TyperException):
            raise  # Typer's own: usage errors (exit 2) and deliberate exits
        except Exception as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            typer.echo(f"Error: {one_line(_message(exc))}", err=True)
            ctx.exit(1)


@contextlib.contextmanager
def _timings() -> Iterator[None]:
    """With ``PANELKIT_TIMINGS=FILE``: append the command's seconds per step (and its peak
    memory) to FILE as one JSON line (docs/performance.md); for ``make bench``."""
    target = os.environ.get("PANELKIT_TIMINGS")
    if not target:
        yield
        return
    import json
    import resource
    import time

    from panelkit.timings import recording

    start = time.perf_counter()
    with recording() as seconds:
        try:
            yield
        finally:
            line = {
                "steps": seconds,
                "total": time.perf_counter() - start,
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
            with Path(target).open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(line) + "\n")


def _message(exc: Exception) -> str:
    """What an ``Error:`` line says: a PanelkitError's own words; for anything else, what
    failed and the way to a traceback (a bug, or a file system refusing)."""
    if isinstance(exc, PanelkitError):
        return str(exc)
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror or exc}; check the path, its permissions and free space"
    if isinstance(exc, UnicodeError):
        return f"cannot decode or encode text ({exc}); save the file as UTF-8"
    if isinstance(exc, RecursionError | MemoryError):
        return f"the input is too deeply nested or too large ({type(exc).__name__})"
    return f"{type(exc).__name__}: {exc} (a bug in panelkit; `panelkit --debug …` shows where)"


# Set once per invocation by the top-level --no-cache option.
_USE_CACHE: ContextVar[bool] = ContextVar("panelkit_use_cache", default=True)

app = typer.Typer(
    cls=_Group,
    help="Analyse citizen-panel surveys: validate, weight, estimate, publish.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"panelkit {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option("--debug", help="Show a traceback on errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache", help="Parse .xlsx/.sav exports again instead of using the parquet cache."
        ),
    ] = False,
) -> None:
    ctx.obj = {"debug": debug}
    _USE_CACHE.set(not no_cache)
    # Checked before any heavy import: numpy's f2py, which scipy pulls in, parses
    # SOURCE_DATE_EPOCH itself at import time and dies with a traceback on a bad value.
    from panelkit.audit import source_date

    source_date()


# ----------------------------------------------------------------------------- shared options

# Typer reads these enums from the module's globals when it builds the commands.
from panelkit.publish.codebook import CodebookFormat  # noqa: E402  (light: no pandas at import)
from panelkit.publish.factbox import FactBoxFormat  # noqa: E402
from panelkit.stats.comparison import Adjust  # noqa: E402

DataArg = Annotated[
    Path | None,
    typer.Argument(help="The survey export (.csv .txt .xlsx .sav .parquet).", show_default=False),
]
SchemaOpt = Annotated[
    Path | None,
    typer.Option("--schema", "-s", help="Schema YAML (formats §2).", show_default=False),
]
MarginsOpt = Annotated[
    Path | None,
    typer.Option("--margins", "-m", help="Population margins CSV (§3).", show_default=False),
]
IndicatorsOpt = Annotated[
    Path | None,
    typer.Option("--indicators", "-i", help="Indicators YAML (§4).", show_default=False),
]
BaselinesOpt = Annotated[
    Path | None,
    typer.Option("--baselines", help="Baselines CSV (formats §5).", show_default=False),
]
OutFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--out", "-o", help="Write to this file instead of the terminal.", show_default=False
    ),
]
ByOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--by", "-b", help="Break down by this variable (repeatable).", show_default=False
    ),
]
LangOpt = Annotated[
    Lang | None,
    typer.Option("--lang", help="Language of labels and texts (default da).", show_default=False),
]
CiOpt = Annotated[
    CiMethod | None,
    typer.Option("--ci", help="Confidence interval method (default logit).", show_default=False),
]
MinNOpt = Annotated[
    int | None,
    typer.Option(
        "--min-n",
        help="Suppress estimates from fewer respondents (0: off; default 20).",
        show_default=False,
    ),
]
CapOpt = Annotated[
    float | None,
    typer.Option(
        "--cap", help="Trim weights to at most X times the mean weight.", show_default=False
    ),
]
DropOpt = Annotated[
    bool | None,
    typer.Option(
        "--drop-invalid",
        help="Leave out rows with errors instead of refusing.",
        show_default=False,
    ),
]
AdjustOpt = Annotated[
    Adjust | None,
    typer.Option(
        "--adjust",
        help="Adjust p-values across the run's comparisons (default holm).",
        show_default=False,
    ),
]
ContrastsOpt = Annotated[
    bool | None,
    typer.Option(
        "--contrasts/--no-contrasts",
        help="Each group against the rest of its domain, and tests of association "
        "(summarize: off unless asked; report: on unless --no-contrasts).",
        show_default=False,
    ),
]
PdfOpt = Annotated[
    bool | None,
    typer.Option(
        "--pdf/--no-pdf",
        help="Also write report.pdf: tagged (PDF/UA), fonts embedded, charts as vectors "
        "(needs WeasyPrint and the Pango library).",
        show_default=False,
    ),
]
AlphaOpt = Annotated[
    float | None,
    typer.Option(
        "--alpha",
        help="Adjusted p below this is a difference (default 0.05).",
        show_default=False,
    ),
]
SamePpOpt = Annotated[
    float | None,
    typer.Option(
        "--same-pp",
        help="Differences under this many points are 'about the same' (default 2).",
        show_default=False,
    ),
]
SmallPpOpt = Annotated[
    float | None,
    typer.Option(
        "--small-pp",
        help="Differences under this many points are 'slightly' below/above (default 5).",
        show_default=False,
    ),
]


def _run_template(
    data: DataArg = None,
    schema: SchemaOpt = None,
    margins: MarginsOpt = None,
    indicators: IndicatorsOpt = None,
    baselines: BaselinesOpt = None,
    by: ByOpt = None,
    lang: LangOpt = None,
    ci: CiOpt = None,
    min_n: MinNOpt = None,
    cap: CapOpt = None,
    drop_invalid: DropOpt = None,
    adjust: AdjustOpt = None,
    contrasts: ContrastsOpt = None,
    pdf: PdfOpt = None,
    alpha: AlphaOpt = None,
    same_pp: SamePpOpt = None,
    small_pp: SmallPpOpt = None,
) -> None:
    """The options the commands share (their order is the --help order)."""


_FILE_OPTIONS = ("data", "schema", "margins", "indicators", "baselines")
ANALYSIS = (*_FILE_OPTIONS, "by", "lang", "ci", "min_n", "cap", "drop_invalid",
            "adjust", "alpha", "same_pp", "small_pp")  # fmt: skip


@dataclass(frozen=True)
class Run:
    """What a command's shared options resolve to: its files and its settings."""

    files: ProjectFiles
    settings: Settings


def _run(**given: Any) -> Run:
    """Files from the file options (else panelkit.yaml, else the demo); settings from the
    rest, through the one resolver (option > panelkit.yaml > default)."""
    from panelkit.project import resolve_settings

    files = _files(**{k: given.pop(k, None) for k in _FILE_OPTIONS})
    if given.get("by") is not None:
        given["by"] = tuple(given["by"]) or None  # no --by: not given
    if given.get("drop_invalid") is False:
        given["drop_invalid"] = None  # a flag left off is not given
    return Run(files, resolve_settings(files, **given))


_Command = TypeVar("_Command", bound=Callable[..., Any])


def _with_run(*names: str, **own: Any) -> Callable[[_Command], _Command]:
    """Give a command the shared options ``names`` (``own``: a different Annotated type for
    one of them, e.g. its own help text); the command receives them as ``run: Run``."""
    template = inspect.signature(_run_template, eval_str=True).parameters

    def wrap(func: _Command) -> _Command:
        rest = [p for p in inspect.signature(func, eval_str=True).parameters.values()]
        rest = [p for p in rest if p.name != "run"]
        shared = [
            template[n].replace(annotation=own[n]) if n in own else template[n] for n in names
        ]

        @functools.wraps(func)
        def command(**kwargs: Any) -> Any:
            run = _run(**{n: kwargs.pop(n) for n in names})
            return func(run=run, **kwargs)

        params = [*shared, *rest]
        command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in params}
        return cast(_Command, command)

    return wrap


def _console(stderr: bool = False) -> Console:
    from rich.console import Console

    # No markup: labels, values and paths are data, and "[/x]" in one must print as is.
    return Console(stderr=stderr, highlight=False, soft_wrap=False, markup=False)


def _files(
    data: Path | None,
    schema: Path | None,
    margins: Path | None = None,
    indicators: Path | None = None,
    baselines: Path | None = None,
) -> ProjectFiles:
    from panelkit.project import Origin, default_cache_dir, resolve_files

    files = resolve_files(
        data=data, schema=schema, margins=margins, indicators=indicators, baselines=baselines
    )
    if _USE_CACHE.get():
        from dataclasses import replace

        files = replace(files, cache_dir=default_cache_dir())
    if files.origin is Origin.DEMO:
        _console(stderr=True).print(
            "No data and no panelkit.yaml: using the bundled demo survey "
            "(synthetic Amager Øst panel; `panelkit demo DIR` writes it as a project)."
        )
    return files


_OUT_EXAMPLES = {"summarize": "indicators.json", "compare": "compare.md",
                 "factbox": "fakta.md", "describe": "codebook.md"}  # fmt: skip


def _out_given(out: Path, example: str) -> Path:
    """``--out ""`` reaches a command as Path("."): refuse it in words, not a traceback."""
    if not out.name:
        raise OutputError(f"--out: no file name; give one, e.g. --out {example}")
    return out


def _emit(
    payload: bytes,
    out: Path | None,
    run: Run,
    *,
    command: str,
    binary: bool,
    survey: Reconciliation,
    uses: Sequence[str] = ("margins", "indicators", "baselines"),
    extra: Mapping[str, object] | None = None,
) -> None:
    """Write to ``--out`` (atomically, never over an input, with its run record, and say
    so on stderr) or print to the terminal (refused for binary formats)."""
    from panelkit.jobs import write_output

    if out is None:
        if binary:
            raise typer.BadParameter(
                "xlsx needs a file; add --out FILE.xlsx", param_hint="--format"
            )
        sys.stdout.write(payload.decode("utf-8"))
        return
    _out_given(out, _OUT_EXAMPLES.get(command, "out.txt"))
    write_output(
        run.files, out, payload, command=command, uses=uses, settings=run.settings,
        extra=extra, survey=survey,
    )  # fmt: skip
    err = _console(stderr=True)
    r = survey
    err.print(_reconciliation_line(r.rows_read, r.rows_used, r.rows_rejected, run.settings.lang))
    err.print(f"Written to {shown(out, 1000)}")


def _reconciliation_line(read: int, used: int, rejected: int, lang: Lang = Lang.EN) -> str:
    return catalogue(lang).cli.rows.format(read=read, used=used, rejected=rejected)


# ----------------------------------------------------------------------------- validate


@app.command()
@_with_run("data", "schema", "lang")
def validate(
    run: Run,
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects",
            help="Write line, column and problem of every row error to this CSV.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Read an export, check it against its schema and report every problem."""
    from panelkit.jobs import validate_export

    survey = validate_export(run.files, rejects=rejects)
    lang = run.settings.lang
    _render_validation(survey, lang)
    report = survey.report
    if not report.ok:
        # One Error: line as on every exit 1 (in English, as every Error: line is).
        raise DataError(
            f"{report.source.name}: {len(report.problems)} problems in {report.rows_rejected} "
            "rows (listed above); fix the export, or pass --drop-invalid to the analysis "
            "commands to leave those rows out"
        )


_MAX_SHOWN_PROBLEMS = 50


def _render_validation(survey: SurveyData, lang: Lang) -> None:
    from rich.table import Table

    (against, read, valid, rejected, variables, missing, problems, column, problem, more_text,
     ok_text, bad_text) = catalogue(lang).cli.validation  # fmt: skip
    report = survey.report
    console = _console()
    summary = Table(
        title=f"{shown(report.source.name)} {against} {shown(survey.schema.name)}",
        show_header=False,
    )
    summary.add_row(read, str(report.rows_read))
    summary.add_row(valid, str(report.rows_valid))
    summary.add_row(rejected, str(report.rows_rejected))
    summary.add_row(variables, str(len(survey.schema.names)))
    summary.add_row(missing, str(report.missing_answers))
    console.print(summary)
    if report.problems:
        table = Table(title=problems, show_lines=False)
        table.add_column(survey.unit.capitalize(), justify="right")
        table.add_column(column)
        table.add_column(problem)
        for p in report.problems[:_MAX_SHOWN_PROBLEMS]:
            # The analyst's own screen: the value is shown, as the contract's example does,
            # escaped and shortened, so a cell cannot drive the terminal.
            table.add_row(str(p.line), shown(p.column), shown(p.detail, 200))
        console.print(table)
        more = len(report.problems) - _MAX_SHOWN_PROBLEMS
        if more > 0:
            console.print(more_text.format(more=more))
    console.print(
        _reconciliation_line(report.rows_read, report.rows_valid, report.rows_rejected, lang)
    )
    console.print(
        ok_text
        if report.ok
        else bad_text.format(problems=len(report.problems), rows=report.rows_rejected)
    )


# ----------------------------------------------------------------------------- weight


@app.command()
@_with_run("data", "schema", "margins", "cap", "drop_invalid")
def weight(
    run: Run,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Where to write the weights (.csv or .parquet).")
    ] = Path("weights.csv"),
) -> None:
    """Rake the respondents to the population margins and write one weight per respondent."""
    from panelkit.jobs import write_weights

    weighted = write_weights(run.files, _out_given(out, "weights.csv"), run.settings)
    _render_weighting(weighted)
    _console().print(f"Weights written to {shown(out, 1000)}")


def _render_weighting(weighted: WeightedSurvey, lang: Lang = Lang.EN) -> None:
    console = _console()
    r = weighted.reconciliation
    console.print(_reconciliation_line(r.rows_read, r.rows_used, r.rows_rejected, lang))
    if weighted.weighting is not None:
        _print_diagnostics(console, weighted.weighting)


def _print_diagnostics(console: Console, w: WeightingResult) -> None:
    from rich.table import Table
    from rich.text import Text

    head = Table(title="Weighting (raking)", show_header=False)
    head.add_row("Converged", f"{'yes' if w.converged else 'no'} after {w.iterations} iterations")
    head.add_row("Design effect (Kish)", f"{w.deff_kish:.3f}")
    head.add_row("Effective n", f"{w.n_effective:.1f}")
    head.add_row(
        "Weights min / max (ratio)",
        f"{w.weight_min:.4g} / {w.weight_max:.4g} ({w.weight_ratio:.2f})",
    )
    head.add_row("Sum of weights", f"{w.weight_sum:.6g}")
    if w.cap is not None:
        head.add_row("Cap", f"{w.cap:g} × mean weight ({w.trim_rounds} trimming rounds)")
    console.print(head)
    table = Table(title="Margins")
    for col, justify in (
        ("Margin", "left"),
        ("Category", "left"),
        ("n", "right"),
        ("Sample", "right"),
        ("Target", "right"),
        ("Weighted", "right"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for m in w.margins:
        table.add_row(
            Text(shown(m.margin)),  # names from the files: shown as text, never as markup
            Text(shown(m.category)),
            str(m.n),
            f"{m.sample_share:.1%}",
            f"{m.target_share:.1%}",
            f"{m.weighted_share:.1%}",
        )
    console.print(table)


# ----------------------------------------------------------------------------- summarize


@app.command()
@_with_run("data", "schema", "margins", "indicators", "by", "ci", "min_n", "lang", "cap",
           "drop_invalid", "contrasts", "adjust",
           adjust=Annotated[Adjust | None, typer.Option(
               "--adjust", help="Adjust the p-values of contrasts and wave changes across the run "
               "(default holm).", show_default=False)])  # fmt: skip
def summarize(
    run: Run,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="What to write.")
    ] = OutputFormat.TABLE,
    out: OutFileOpt = None,
) -> None:
    """Weighted indicators with standard errors and confidence intervals."""
    from panelkit.jobs import summarize as run_summarize
    from panelkit.publish.tables import render_estimates
    from panelkit.stats.comparison import WaveSet

    result = run_summarize(run.files, run.settings)
    lang = run.settings.lang
    waves = result.waves
    if isinstance(waves, WaveSet):
        err = _console(stderr=True)
        for line in waves.warnings:
            err.print(f"Warning: {shown(line, 1000)}", markup=False, soft_wrap=True)
    with step("publish"):
        if output_format is OutputFormat.TABLE and out is None:
            _render_estimates(result, lang)
            return
        payload = render_estimates(result, output_format, lang, version=__version__)
        extra: dict[str, object] = {"format": str(output_format)}
        if run.settings.contrasts:
            extra.update(contrasts=True, adjust=str(run.settings.adjust))
        _emit(
            payload, out, run, command="summarize", binary=output_format is OutputFormat.XLSX,
            survey=result.survey, uses=("margins", "indicators"), extra=extra,
        )  # fmt: skip


def _render_estimates(result: EstimateSet, lang: Lang) -> None:
    from rich.table import Table
    from rich.text import Text

    from panelkit.publish.tables import display_frame, has_kinds, suppression_notes

    console = _console()
    frame = display_frame(result, lang)
    title = catalogue(lang).cli.estimates_title
    # indicator, breakdown, group (and what a row measures); the rest are numbers
    texts = list(frame.columns[: 4 if has_kinds(result.estimates) else 3])
    if not any(e.by for e in result.estimates):
        # no breakdown: the breakdown and group columns would only say "All"
        frame = frame.drop(columns=texts[1:3])
    table = Table(title=title)
    for col in frame.columns:
        if col == texts[0]:
            # the label takes what the numbers leave; numbers never wrap
            table.add_column(str(col), ratio=1, min_width=12, overflow="fold")
        elif col in texts:
            # what a row measures ("gennemsnit (0–10)", an answer) wraps too, so the
            # numbers still fit an 80-column terminal
            table.add_column(str(col), min_width=8, overflow="fold")
        else:
            table.add_column(str(col), justify="right", no_wrap=True)
    for row in frame.itertuples(index=False):
        table.add_row(*(Text("" if v is None else shown(v, 200)) for v in row))
    console.print(table)
    r = result.survey
    console.print(_reconciliation_line(r.rows_read, r.rows_used, r.rows_rejected, lang))
    if result.weighting is not None:
        w = result.weighting
        console.print(
            catalogue(lang).cli.weighted.format(
                deff=decimal(f"{w.deff_kish:.2f}", lang), n_effective=f"{w.n_effective:.0f}"
            )
        )
    for note in suppression_notes(result.estimates, result.min_n, lang):
        console.print(note)
    if result.contrasts is not None:
        _render_contrasts(result, lang)


def _render_contrasts(result: EstimateSet, lang: Lang) -> None:
    from rich.table import Table

    from panelkit.publish.tables import contrast_notes, contrasts_frame, tests_frame

    console = _console()
    words = catalogue(lang).cli
    for frame, title, texts in (
        (contrasts_frame(result, lang), words.contrasts_title, 3),
        (tests_frame(result, lang), words.tests_title, 2),
    ):
        if frame.empty:
            continue
        table = Table(title=title)
        for i, col in enumerate(frame.columns):
            if i == 0:
                table.add_column(str(col), ratio=1, min_width=20, overflow="fold")
            else:
                table.add_column(str(col), justify="left" if i < texts else "right", no_wrap=True)
        for row in frame.itertuples(index=False):
            table.add_row(*(str(v) for v in row))
        console.print(table)
    for note in contrast_notes(result, lang):
        console.print(note)


# ----------------------------------------------------------------------------- demo


@app.command()
def demo(
    directory: Annotated[Path, typer.Argument(help="Folder to write the demo project into.")],
    n: Annotated[int, typer.Option("--n", help="Number of respondents.")] = 1340,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed", help="Random seed (default: the demo's fixed seed).", show_default=False
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Write into a non-empty folder.")] = False,
) -> None:
    """Write a ready-to-run demo project (synthetic export, schema, margins, indicators, baselines)."""
    from panelkit.demo import DEMO_SEED, write_demo_project

    if n < 1:
        raise typer.BadParameter(f"{n}; expected at least 1", param_hint="--n")
    files = write_demo_project(
        directory, n=n, seed=DEMO_SEED if seed is None else seed, force=force
    )
    console = _console()
    console.print(f"Demo project written to {directory}:")
    for name in ("data", "schema", "margins", "indicators", "baselines", "project_file"):
        path = getattr(files, name)
        if path is not None:
            console.print(f"  {name:<11} {path}")
    console.print(f"Next: cd {directory} && panelkit summarize")


# ----------------------------------------------------------------------------- report commands

if TYPE_CHECKING:
    from panelkit.stats.comparison import ComparisonSet


@app.command()
@_with_run(*ANALYSIS)
def compare(
    run: Run,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="What to write.")
    ] = OutputFormat.TABLE,
    out: OutFileOpt = None,
) -> None:
    """Each estimate beside its baseline: difference (pp) with CI, test, adjusted p, verdict."""
    from panelkit.jobs import compare_baselines
    from panelkit.publish.tables import render_comparisons

    result = compare_baselines(run.files, run.settings)
    lang = run.settings.lang
    if output_format is OutputFormat.TABLE and out is None:
        _render_comparisons(result, lang)
        return
    payload = render_comparisons(result, output_format, lang, version=__version__)
    _emit(
        payload, out, run, command="compare", binary=output_format is OutputFormat.XLSX,
        survey=result.survey, extra={"format": str(output_format)},
    )  # fmt: skip


def _render_comparisons(result: ComparisonSet, lang: Lang) -> None:
    from rich.table import Table
    from rich.text import Text

    from panelkit.publish.tables import (
        comparison_cards,
        comparison_notes,
        comparison_suppression_notes,
    )

    console = _console()
    # One small two-column table per comparison: a wide table is unreadable at 80 columns.
    for title, lines in comparison_cards(result, lang):
        table = Table(title=Text(shown(title, 200)), show_header=False, title_justify="left")
        table.add_column(style="bold")
        table.add_column()
        for key, value in lines:
            table.add_row(Text(key), Text(shown(value, 200)))
        console.print(table)
    for note in (*comparison_notes(result, lang), *comparison_suppression_notes(result, lang)):
        console.print(f"• {note}")
    r = result.survey
    console.print(_reconciliation_line(r.rows_read, r.rows_used, r.rows_rejected, lang))


@app.command()
@_with_run(*(n for n in ANALYSIS if n != "by"))
def factbox(
    run: Run,
    output_format: Annotated[
        FactBoxFormat, typer.Option("--format", "-f", help="What to write.")
    ] = FactBoxFormat.TEXT,
    out: OutFileOpt = None,
) -> None:
    """The district plan's fact box (layout and templates from the indicators file)."""
    from panelkit.jobs import make_factbox

    result = make_factbox(run.files, run.settings)
    payload = result.box.render(output_format).encode("utf-8")
    _emit(
        payload, out, run, command="factbox", binary=False, survey=result.survey,
        extra={"format": str(output_format)},
    )  # fmt: skip
    _print_omitted(result.box.omitted, result.labels, result.box.lang, result.min_n)


def _print_omitted(omitted: Any, labels: dict[str, dict[str, str]], lang: Lang, min_n: int) -> None:
    """Figures the fact box left out, on stderr: never their numbers."""
    console = _console(stderr=True)
    words = catalogue(lang).cli
    for o in omitted:
        label = labels.get(o.indicator, {}).get(lang.value, o.indicator)
        group = "" if o.group is None else f" ({o.by} = {o.group})"
        secondary = o.suppression == Suppression.SECONDARY
        why = (
            (words.omitted_secondary if secondary else words.omitted_primary.format(min_n=min_n))
            if str(o.reason) == "suppressed"
            else words.omitted_none
        )
        console.print(
            words.omitted.format(why=why, indicator=o.indicator, group=group, label=label)
        )


class _ProgressBar:
    """A rich progress bar on stderr, shown from the library's first step report.

    Not on a terminal (a log, a test) there is no bar at all, so an error stays
    the one line it is.
    """

    def __init__(self, console: Console) -> None:
        self.console = console
        self.bar: Any = None
        self.task: Any = None

    def update(self, label: str, done: int, total: int) -> None:
        if not self.console.is_terminal:
            return
        if self.bar is None:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self.bar = Progress(
                TextColumn("{task.description}", markup=False),
                BarColumn(),
                MofNCompleteColumn(),
                console=self.console,
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task(label, total=total)
        self.bar.update(self.task, description=label, completed=done, total=total)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


@app.command()
@_with_run(*ANALYSIS, "contrasts", "pdf")
def report(
    run: Run,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="The report folder (new or empty; --force replaces an earlier report).",
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the earlier report in --out.")
    ] = False,
) -> None:
    """The yearly report: HTML, workbook, CSV tables, charts, fact boxes and run.json
    (with --pdf also report.pdf)."""
    from panelkit.jobs import write_report

    target = out if out is not None else run.files.out
    if target is None:
        raise typer.BadParameter("give the report folder, e.g. --out report", param_hint="--out")
    _out_given(target, "rapport")
    console = _console(stderr=True)
    bar = _ProgressBar(console)
    try:
        result = write_report(run.files, target, run.settings, force=force, progress=bar.update)
    finally:
        bar.stop()
    lang_used = result.lang
    r = result.survey
    console.print(_reconciliation_line(r.rows_read, r.rows_used, r.rows_rejected, lang_used))
    if result.previous_survey is not None:
        p = result.previous_survey
        head = catalogue(lang_used).cli.previous_wave
        console.print(
            head + _reconciliation_line(p.rows_read, p.rows_used, p.rows_rejected, lang_used)
        )
    for note in result.notes:  # primary and secondary suppression told apart
        console.print(note)
    _print_omitted(result.omitted, result.labels, lang_used, result.min_n)
    words = catalogue(lang_used).cli
    verb = words.report_replaced if result.replaced else words.report_written
    _console().print(
        words.report_done.format(verb=verb, index=f"{target}/index.html", n=len(result.files))
    )


# ----------------------------------------------------------------------------- metadata commands

if TYPE_CHECKING:
    from panelkit.publish.codebook import Codebook

schema_app = typer.Typer(
    help="Schemas from the survey platform's own metadata.",
    no_args_is_help=True,
)
app.add_typer(schema_app, name="schema")


@schema_app.command("init")
def schema_init(
    sources: Annotated[
        list[Path],
        typer.Argument(
            help="The export: a SurveyXact workbook, or its dataset.csv, structure.csv and "
            "labels.csv (or their folder); an SPSS .sav; a Qualtrics CSV; or any .csv/.xlsx.",
            metavar="SOURCE",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Where to write the schema (YAML).")
    ] = Path("schema.yaml"),
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
    min_n: Annotated[
        int | None,
        typer.Option(
            "--min-n",
            help="Infer a category from the data only when every answer occurs N times or "
            "more; else free text (0: off; default 20).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Write a starter schema from the platform's questions, codes and labels."""
    from panelkit.jobs import init_schema
    from panelkit.project import resolve_settings_here

    result = init_schema(sources, out, force=force, settings=resolve_settings_here(min_n=min_n))
    console = _console()
    types = ", ".join(f"{n} {t}" for t, n in result.types)
    console.print(f"Schema written to {result.path}: {result.variables} variables ({types}).")
    console.print(f"Source: {result.source}")
    if result.with_missing:
        console.print(
            f'{result.with_missing} variables have answers such as "don\'t know" under '
            "missing: (counted as no answer); each is marked with a comment."
        )
    if result.notes:
        console.print(f"{result.notes} variables carry a comment asking you to check them.")
    console.print(f"Next: panelkit validate {result.data} --schema {result.path}")


DescribeMinNOpt = Annotated[
    int | None,
    typer.Option(
        "--min-n",
        help="Hide counts from 1 to N-1, and what would reveal them (0: off; default 20).",
        show_default=False,
    ),
]


@app.command()
@_with_run("data", "schema", "margins", "lang", "drop_invalid", "min_n", "cap",
           min_n=DescribeMinNOpt)  # fmt: skip
def describe(
    run: Run,
    output_format: Annotated[
        CodebookFormat, typer.Option("--format", "-f", help="What to write.")
    ] = CodebookFormat.TABLE,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Write to this file (.md, .xlsx or .json) instead of the terminal.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """The codebook: every variable with its question, answers, shares and missing counts."""
    from panelkit.jobs import describe as run_describe
    from panelkit.publish.codebook import codebook_format_for, render_codebook

    fmt = output_format
    if fmt is CodebookFormat.TABLE and out is not None:
        found = codebook_format_for(out)
        if found is None:
            raise typer.BadParameter(
                f"{shown(out.name)}: expected a .md, .xlsx or .json file, or --format md|xlsx|json",
                param_hint="--out",
            )
        fmt = found
    if fmt is CodebookFormat.XLSX and out is None:
        raise typer.BadParameter("xlsx needs a file; add --out FILE.xlsx", param_hint="--format")
    lang = run.settings.lang
    codebook = run_describe(run.files, run.settings)
    if fmt is CodebookFormat.TABLE:
        _render_codebook(codebook, lang)
        return
    payload = render_codebook(codebook, fmt, lang, version=__version__)
    _emit(
        payload, out, run, command="describe", binary=fmt is CodebookFormat.XLSX,
        survey=codebook.survey, uses=("margins",), extra={"format": str(fmt)},
    )  # fmt: skip


def _render_codebook(codebook: Codebook, lang: Lang) -> None:
    from rich.table import Table
    from rich.text import Text

    from panelkit.publish.codebook import display_header, display_sections, summary_lines

    console = _console()
    head = display_header(codebook, lang)
    table = Table(title=f"{catalogue(lang).codebook_words['title']}: {codebook.schema}")
    table.add_column(f"{head[0]} ({head[2].lower()})", overflow="fold")
    for i, title in enumerate(head[3:], start=3):
        table.add_column(title, justify="right" if i >= 4 else "left", overflow="fold")
    # Text cells: a label such as "[blank]" is data, not rich markup.
    for section in display_sections(codebook, lang):
        name, question, kind = section[0][:3]
        table.add_row(Text(shown(name), style="bold"), Text(shown(question, 200), style="italic"))
        table.add_row(Text(kind, style="dim"), *(Text(shown(c)) for c in section[0][3:]))
        for k, row in enumerate(section[1:], start=1):
            cells = (Text(shown(c)) for c in row[3:])
            table.add_row("", *cells, end_section=k == len(section) - 1)
        if len(section) == 1:
            table.rows[-1].end_section = True
    console.print(table)
    for line in summary_lines(codebook, lang):
        console.print(line)


# ----------------------------------------------------------------------------- audit


@app.command()
def verify(
    target: Annotated[
        Path,
        typer.Argument(
            help="A report folder, a folder with *.run.json files, or one FILE.run.json.",
            metavar="DIR|FILE",
            show_default=False,
        ),
    ],
) -> None:
    """Check that the inputs and outputs named by run records still have their SHA-256."""
    from panelkit.errors import AuditError
    from panelkit.jobs import verify as run_verify

    result = run_verify(target)
    console = _console()
    for record in result.records:
        console.print(f"{record.record}" + (f" ({record.command})" if record.command else ""))
        for f in record.files:
            role = f.role if f.kind == "input" else ""
            console.print(f"  {f.status:<8} {f.kind:<7} {role:<17} {f.path}")
    if not result.ok:
        raise AuditError(result.summary())
    console.print(result.ok_line())


def main() -> None:
    """Console-script entry point (and ``python -m panelkit``).

    Once the command has ended and its output is flushed, the process ends without
    Python's teardown, which frees the modules of pandas, numpy and scipy one by one:
    a fifth of a second of a demo run, that the operating system does at once. Nothing
    of panelkit's is left to it: every file is written and closed (atomically) by then,
    the chart helpers are ended, and panelkit registers no atexit work.
    """
    try:
        app()
        code: object = 0
    except SystemExit as stop:
        code = stop.code
    if code is None:
        code = 0
    elif not isinstance(code, int):  # as sys.exit does with a message
        sys.stderr.write(f"{code}\n")
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # e.g. the reader of a pipe went away: what was not written is lost
        code = code or 1
    os._exit(code)
