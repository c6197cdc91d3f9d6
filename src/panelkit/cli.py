"""The command line: parses options, calls one library function, renders the result.

Heavy libraries are imported inside the commands, so ``panelkit --help`` is instant.
Every PanelkitError becomes one ``Error: …`` line and exit 1 (a traceback only
with ``--debug``); a wrong command line exits 2.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from panelkit import __version__
from panelkit.errors import PanelkitError
from panelkit.publish.tables import OutputFormat
from panelkit.results import CiMethod, Lang

if TYPE_CHECKING:
    from rich.console import Console

    from panelkit.input.validation import SurveyData
    from panelkit.jobs import WeightedSurvey
    from panelkit.project import ProjectFiles
    from panelkit.results import EstimateSet, WeightingResult


class _Group(TyperGroup):
    """Turns a PanelkitError from any command into one line and exit 1."""

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except PanelkitError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            typer.echo(f"Error: {exc}", err=True)
            ctx.exit(1)


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
) -> None:
    ctx.obj = {"debug": debug}


# ----------------------------------------------------------------------------- shared options

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
DropOpt = Annotated[
    bool, typer.Option("--drop-invalid", help="Leave out rows with errors instead of refusing.")
]
CapOpt = Annotated[
    float | None,
    typer.Option(
        "--cap", help="Trim weights to at most X times the mean weight.", show_default=False
    ),
]
LangOpt = Annotated[Lang, typer.Option("--lang", help="Language of labels and texts.")]


def _console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def _files(
    data: Path | None,
    schema: Path | None,
    margins: Path | None = None,
    indicators: Path | None = None,
    baselines: Path | None = None,
) -> ProjectFiles:
    from panelkit.project import Origin, resolve_files

    files = resolve_files(
        data=data, schema=schema, margins=margins, indicators=indicators, baselines=baselines
    )
    if files.origin is Origin.DEMO:
        _console(stderr=True).print(
            "No data and no panelkit.yaml: using the bundled demo survey "
            "(synthetic Amager Øst panel; `panelkit demo DIR` writes it as a project)."
        )
    return files


def _reconciliation_line(read: int, used: int, rejected: int, lang: Lang = Lang.EN) -> str:
    if lang is Lang.DA:
        return f"Rækker læst: {read} = brugt {used} + afvist {rejected}"
    return f"Rows read: {read} = used {used} + rejected {rejected}"


# ----------------------------------------------------------------------------- validate


@app.command()
def validate(
    data: DataArg = None,
    schema: SchemaOpt = None,
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
    from panelkit.jobs import load_survey

    files = _files(data, schema)
    survey = load_survey(files.data, files.schema)
    if rejects is not None:
        from panelkit.files import guard_not_input
        from panelkit.input.validation import write_rejects

        guard_not_input(rejects, files.inputs())
        write_rejects(survey.report, rejects)
    _render_validation(survey)
    if not survey.report.ok:
        raise typer.Exit(1)


_MAX_SHOWN_PROBLEMS = 50


def _render_validation(survey: SurveyData) -> None:
    from rich.table import Table

    report = survey.report
    console = _console()
    summary = Table(title=f"{report.source.name} against {survey.schema.name}", show_header=False)
    summary.add_row("Rows read", str(report.rows_read))
    summary.add_row("Rows valid", str(report.rows_valid))
    summary.add_row("Rows rejected", str(report.rows_rejected))
    summary.add_row("Variables", str(len(survey.schema.variables) + len(survey.schema.derived)))
    summary.add_row('Missing answers (e.g. "Ved ikke")', str(report.missing_answers))
    console.print(summary)
    if report.problems:
        table = Table(title="Problems", show_lines=False)
        table.add_column(survey.unit.capitalize(), justify="right")
        table.add_column("Column")
        table.add_column("Problem")
        for p in report.problems[:_MAX_SHOWN_PROBLEMS]:
            table.add_row(str(p.line), p.column, p.message)
        console.print(table)
        more = len(report.problems) - _MAX_SHOWN_PROBLEMS
        if more > 0:
            console.print(f"… and {more} more problems (--rejects FILE lists them all).")
    console.print(_reconciliation_line(report.rows_read, report.rows_valid, report.rows_rejected))
    console.print(
        "Valid."
        if report.ok
        else f"{len(report.problems)} problems in {report.rows_rejected} rows."
    )


# ----------------------------------------------------------------------------- weight


@app.command()
def weight(
    data: DataArg = None,
    schema: SchemaOpt = None,
    margins: MarginsOpt = None,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Where to write the weights (.csv or .parquet).")
    ] = Path("weights.csv"),
    cap: CapOpt = None,
    drop_invalid: DropOpt = False,
) -> None:
    """Rake the respondents to the population margins and write one weight per respondent."""
    from panelkit.jobs import write_weights

    files = _files(data, schema, margins)
    weighted = write_weights(files, out, cap=cap, drop_invalid=drop_invalid)
    _render_weighting(weighted)
    _console().print(f"Weights written to {out}")


def _render_weighting(weighted: WeightedSurvey, lang: Lang = Lang.EN) -> None:
    console = _console()
    r = weighted.reconciliation
    console.print(_reconciliation_line(r.rows_read, r.rows_used, r.rows_rejected, lang))
    if weighted.weighting is not None:
        _print_diagnostics(console, weighted.weighting)


def _print_diagnostics(console: Console, w: WeightingResult) -> None:
    from rich.table import Table

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
            m.margin,
            m.category,
            str(m.n),
            f"{m.sample_share:.1%}",
            f"{m.target_share:.1%}",
            f"{m.weighted_share:.1%}",
        )
    console.print(table)


# ----------------------------------------------------------------------------- summarize


@app.command()
def summarize(
    data: DataArg = None,
    schema: SchemaOpt = None,
    margins: MarginsOpt = None,
    indicators: IndicatorsOpt = None,
    by: Annotated[
        list[str] | None,
        typer.Option(
            "--by", "-b", help="Break down by this variable (repeatable).", show_default=False
        ),
    ] = None,
    ci: Annotated[
        CiMethod, typer.Option("--ci", help="Confidence interval method.")
    ] = CiMethod.LOGIT,
    min_n: Annotated[
        int, typer.Option("--min-n", help="Suppress estimates from fewer respondents (0: off).")
    ] = 20,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="What to write.")
    ] = OutputFormat.TABLE,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Write to this file instead of the terminal.", show_default=False
        ),
    ] = None,
    lang: LangOpt = Lang.DA,
    cap: CapOpt = None,
    drop_invalid: DropOpt = False,
) -> None:
    """Weighted indicators with standard errors and confidence intervals."""
    from panelkit.jobs import summarize as run_summarize
    from panelkit.publish.tables import render_estimates

    files = _files(data, schema, margins, indicators)
    result = run_summarize(
        files, by=by or (), ci=ci, min_n=min_n, cap=cap, drop_invalid=drop_invalid
    )
    if output_format is OutputFormat.TABLE and out is None:
        _render_estimates(result, lang)
        return
    from panelkit.files import guard_not_input, write_bytes_atomic

    payload = render_estimates(result, output_format, lang, version=__version__)
    if out is None:
        if output_format is OutputFormat.XLSX:
            raise typer.BadParameter(
                "xlsx needs a file; add --out FILE.xlsx", param_hint="--format"
            )
        sys.stdout.write(payload.decode("utf-8"))
        return
    guard_not_input(out, files.inputs())
    write_bytes_atomic(out, payload)
    r = result.survey
    _console(stderr=True).print(
        _reconciliation_line(r.rows_read, r.rows_used, r.rows_rejected, lang)
    )
    _console(stderr=True).print(f"Written to {out}")


def _render_estimates(result: EstimateSet, lang: Lang) -> None:
    from rich.table import Table

    from panelkit.publish.tables import display_frame

    console = _console()
    frame = display_frame(result, lang)
    title = "Indikatorer" if lang is Lang.DA else "Indicators"
    table = Table(title=title)
    for i, col in enumerate(frame.columns):
        table.add_column(str(col), justify="left" if i < 3 else "right")
    for row in frame.itertuples(index=False):
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)
    r = result.survey
    console.print(_reconciliation_line(r.rows_read, r.rows_used, r.rows_rejected, lang))
    if result.weighting is not None:
        w = result.weighting
        if lang is Lang.DA:
            console.print(
                f"Vægtet (raking): designeffekt {w.deff_kish:.2f}, effektivt n {w.n_effective:.0f}".replace(
                    ".", ","
                )
            )
        else:
            console.print(
                f"Weighted (raking): design effect {w.deff_kish:.2f}, effective n {w.n_effective:.0f}"
            )
    suppressed = sum(e.suppressed for e in result.estimates)
    if suppressed:
        note = (
            f"{suppressed} estimater undertrykt (færre end {result.min_n} svar)."
            if lang is Lang.DA
            else f"{suppressed} estimates suppressed (fewer than {result.min_n} answers)."
        )
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


def main() -> None:
    """Console-script entry point."""
    app()
