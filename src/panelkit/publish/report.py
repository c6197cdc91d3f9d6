"""The yearly report: every output of one run as bytes, and the folder they go into.

``render_report`` turns a :class:`ReportContent` (aggregates only: estimates,
comparisons, wave changes, weighting diagnostics, the fact box) into a mapping
of relative file name → bytes; ``write_report_folder`` writes that mapping as
one folder, atomically: everything goes into a temporary sibling folder that is
then swapped into place, so an interrupted run leaves the previous report whole.

Nothing here reads a respondent row. The same content gives the same bytes:
charts and workbooks are deterministic, and the only date is the one in
``SOURCE_DATE_EPOCH`` (none without it). ``run.json`` is the run record of
:mod:`panelkit.audit`, with the report's own counts added.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from panelkit.audit import RUN_FILE, run_record
from panelkit.disclosure import Suppression
from panelkit.errors import OutputError
from panelkit.publish.content import ReportContent, by_heading
from panelkit.publish.content import slug as _slug
from panelkit.publish.words import texts
from panelkit.results import EstimateKind

if TYPE_CHECKING:
    from panelkit.publish.chartpool import ChartJob, Helpers
    from panelkit.publish.factbox import FactBox
    from panelkit.publish.tables import Sheet

# Called after each step with (what was done, steps done, steps in all).
Progress = Callable[[str, int, int], None]

HTML_FILE = "index.html"
WORKBOOK_FILE = "report.xlsx"
PDF_FILE = "report.pdf"  # with --pdf (publish/pdf.py)


# --------------------------------------------------------------------------- rendering


def chart_count(content: ReportContent) -> int:
    """How many charts the report draws (for progress totals)."""
    kinds = {e.kind for e in content.estimates.estimates}
    means = 1 if EstimateKind.MEAN in kinds else 0
    answers = len(
        {e.indicator for e in content.estimates.estimates if e.kind is EstimateKind.DISTRIBUTION}
    )
    return 1 + len(content.by) + (1 if content.waves is not None else 0) + means + answers


RENDER_STEPS = 4  # tables, workbook, fact boxes and HTML, run.json (plus one per chart)


def render_report(
    content: ReportContent,
    progress: Callable[[str], None] | None = None,
    *,
    pdf: bool = False,
    helper: Helpers = None,
) -> dict[str, bytes]:
    """Every file of the report folder: relative name → bytes, run.json last; ``pdf``:
    also ``report.pdf`` (:mod:`panelkit.publish.pdf`, one step more); ``helper``: a
    process drawing some of the charts (:func:`panelkit.publish.chartpool.helper`)."""
    step = progress or (lambda _label: None)
    lang = content.lang
    out: dict[str, bytes] = {}
    # The helpers (if any) draw the charts from here on, and make the workbook last (the
    # smallest job: it fills a drawer's idle end); the tables are made here meanwhile. Both
    # are said after the charts, as the steps have always come.
    from panelkit.publish.chartpool import ChartJob, start_charts
    from panelkit.publish.tables import workbook

    book_job = ChartJob(workbook, (report_sheets(content),), size=0)
    drawing = start_charts([*_chart_jobs(content), book_job], helper)
    tables = _csv_tables(content)
    *charts, book = drawing.finish(step)
    for chart in charts:
        out[f"charts/{chart.name}.png"] = chart.png
        out[f"charts/{chart.name}.svg"] = chart.svg

    out.update(tables)
    steps = texts(lang).report_steps
    step(steps["tables"])
    out[WORKBOOK_FILE] = book
    step(steps["workbook"])

    from panelkit.publish.html import report_html

    box = content.factbox
    out["factbox.md"] = box.markdown().encode("utf-8")
    out["factbox.html"] = _factbox_page(box, content).encode("utf-8")
    out["factbox.txt"] = box.text().encode("utf-8")
    from panelkit.publish.statement import STATEMENT_FILE, statement_markdown

    statement = statement_markdown(content.title, content.version, lang, pdf=pdf)
    out[STATEMENT_FILE] = statement.encode("utf-8")
    listed = sorted([*out, RUN_FILE, *([PDF_FILE] if pdf else [])])
    out[HTML_FILE] = report_html(content, charts, files=listed).encode("utf-8")
    step(steps["factbox_html"])
    if pdf:
        from panelkit.publish.pdf import report_pdf

        out[PDF_FILE] = report_pdf(content, charts, files=listed)
        step(steps["pdf"])

    out[RUN_FILE] = run_json(content, out)
    step(steps["run_record"])
    return dict(sorted(out.items()))


def _chart_jobs(content: ReportContent) -> list[ChartJob]:
    """What each chart draws (its records, title and name) and the step said after it."""
    from panelkit.publish import charts as ch
    from panelkit.publish.chartpool import ChartJob

    lang = content.lang
    labels = {i.id: content.label(i.id) for i in content.indicators}
    n = content.estimates.survey.rows_used
    baselines = {
        c.indicator: c.baseline.estimate
        for c in content.comparisons.comparisons
        if c.by is None and not c.suppressed
    }
    names = {
        c.indicator: _baseline_name(c.baseline.source, c.baseline.area, content.area)
        for c in content.comparisons.comparisons
        if c.by is None
    }
    # The share charts show shares; means and distributions have charts of their own.
    shares = [e for e in content.estimates.estimates if e.kind is EstimateKind.SHARE]
    rows = tuple(
        row
        for e in shares
        for row in ch.rows_from_estimates(
            [e], labels, baselines, names.get(e.indicator)
        )  # one call per row, so each baseline keeps its own name
    )
    t = texts(lang)
    chart_step = t.report_steps["chart"]
    what = t.chart_indicators
    title = ch.ChartTitle(what, content.who, n)
    out = [
        ChartJob(
            ch.indicator_chart,
            (rows,),
            {"lang": lang, "title": title, "name": "indicators"},
            chart_step.format(what=what.lower()),
            len(rows),
        )
    ]
    out.extend(_kind_chart_jobs(content, labels, n))
    for by in content.by:
        panels = ch.panels_from_estimates(shares, labels, by=by)
        heading = by_heading(content, by)
        title = ch.ChartTitle(f"{what} {heading.lower()}", content.who, n)
        out.append(
            ChartJob(
                ch.group_chart,
                (panels,),
                {"lang": lang, "title": title, "name": f"groups-{_slug(by)}"},
                chart_step.format(what=heading.lower()),
                sum(len(p.points) + 1 for p in panels),
            )
        )
    if content.waves is not None and content.previous_estimates is not None:
        w = content.waves
        wave_rows = ch.wave_rows_from_estimates(
            [e for e in content.previous_estimates.estimates if e.kind is EstimateKind.SHARE],
            shares,
            labels,
        )
        what = t.chart_change
        n_prev = content.previous_estimates.survey.rows_used
        title = ch.ChartTitle(
            f"{what} {w.previous_name}–{w.current_name}", content.who, (n_prev, n)
        )
        kwargs = {
            "lang": lang,
            "title": title,
            "previous_name": w.previous_name,
            "current_name": w.current_name,
            "name": "waves",
        }
        out.append(
            ChartJob(
                ch.wave_chart,
                (wave_rows,),
                kwargs,
                chart_step.format(what=what.lower()),
                len(wave_rows),
            )
        )
    return out


def _kind_chart_jobs(content: ReportContent, labels: dict[str, str], n: int) -> list[ChartJob]:
    """The means' chart (all and every group, with intervals) and one stacked bar chart
    of answers per distribution (formats §8)."""
    from panelkit.publish import kindcharts as kc
    from panelkit.publish.chartpool import ChartJob
    from panelkit.publish.charts import ChartTitle

    lang = content.lang
    t = texts(lang)
    k = t.kinds
    estimates = content.estimates.estimates
    out = []
    panels = kc.mean_panels(estimates, labels, content.estimates.scales, lang)
    if panels:
        title = ChartTitle(k["chart_means"], content.who, n)
        out.append(
            ChartJob(
                kc.mean_chart,
                (panels,),
                {"lang": lang, "title": title, "name": "means"},
                t.report_steps["chart"].format(what=k["chart_means"].lower()),
                sum(len(p.points) + 1 for p in panels),
            )
        )
    for chart in kc.answer_charts(estimates, labels, lang):
        title = ChartTitle(f"{k['chart_distribution']}: {chart.label}", content.who, n)
        out.append(
            ChartJob(
                kc.answer_chart,
                (chart,),
                {"lang": lang, "title": title, "name": f"answers-{_slug(chart.indicator)}"},
                t.report_steps["chart"].format(what=chart.label),
                len(chart.bars),
            )
        )
    return out


def _baseline_name(source: str, area: str, own_area: str | None) -> str:
    if own_area is not None and area.strip().casefold() == own_area.strip().casefold():
        return source
    return f"{source} ({area})"


# --------------------------------------------------------------------------- tables


def _csv_tables(content: ReportContent) -> dict[str, bytes]:
    from panelkit.publish.tables import (
        attrition_csv,
        comparisons_csv,
        estimates_csv,
        margins_csv,
        waves_csv,
    )

    lang = content.lang
    out = {"tables/estimates.csv": estimates_csv(content.estimates, lang).encode("utf-8")}
    if content.comparisons.comparisons:
        out["tables/comparisons.csv"] = comparisons_csv(content.comparisons, lang).encode("utf-8")
    if content.waves is not None:
        out["tables/waves.csv"] = waves_csv(content.waves, lang).encode("utf-8")
        if content.waves.attrition:
            out["tables/attrition.csv"] = attrition_csv(content.waves, lang).encode("utf-8")
    if content.estimates.weighting is not None:
        weighting = margins_csv(content.estimates.weighting, content.estimates.min_n)
        out["tables/weighting.csv"] = weighting.encode("utf-8")
    return out


def report_sheets(content: ReportContent) -> list[Sheet]:
    """The workbook's sheets: one per table of the report, and the notes."""
    from panelkit.publish.tables import (
        Sheet,
        attrition_sheet,
        comparisons_sheet,
        estimates_sheet,
        margins_sheet,
        waves_sheet,
        weighting_facts,
    )

    lang = content.lang
    names = texts(lang).report_sheets
    sheets = [estimates_sheet(content.estimates, lang, name=names["overall"], groups=False)]
    if content.by:
        sheets.append(
            estimates_sheet(
                content.estimates,
                lang,
                name=names["groups"],
                groups=True,
                by_titles=dict(content.by_titles),
            )
        )
    if content.comparisons.comparisons:
        sheets.append(comparisons_sheet(content.comparisons, lang, name=names["comparisons"]))
    if content.waves is not None:
        sheets.append(waves_sheet(content.waves, lang, name=names["waves"]))
        if content.waves.attrition:
            sheets.append(attrition_sheet(content.waves, lang, name=names["attrition"]))
    w = content.estimates.weighting
    if w is not None:
        head = texts(lang).weighting_sheet_head
        sheets.append(Sheet(names["weighting"], head, weighting_facts(w, lang)))
        sheets.append(margins_sheet(w, lang, name=names["margins"], min_n=content.estimates.min_n))
    from panelkit.publish.html import report_notes

    notes = tuple(report_notes(content))  # workbook() makes every text cell formula-safe
    head = texts(lang).notes_sheet_head
    sheets.append(Sheet(names["notes"], head, notes))
    return sheets


def _factbox_page(box: FactBox, content: ReportContent) -> str:
    """The fact box as a small page of its own (to paste into the district plan's site)."""
    import html

    title = html.escape(f"{box.heading} – {content.title}")
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{content.lang.value}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n</head>\n<body>\n<main>\n"
        f"<h1>{html.escape(content.title)}</h1>\n{box.html()}</main>\n</body>\n</html>\n"
    )


# --------------------------------------------------------------------------- run.json


def run_json(content: ReportContent, outputs: Mapping[str, bytes]) -> bytes:
    """The run record (:func:`panelkit.audit.run_record`) with the report's counts."""
    e = content.estimates
    prev = content.previous_estimates
    return run_record(
        command="report",
        version=content.version,
        inputs=content.inputs,
        outputs=outputs,
        settings=content.settings,
        survey=e.survey,
        created=content.created,
        extra={
            "previous_survey": None if prev is None else prev.survey.to_dict(),
            "estimates": len(e.estimates),
            "suppressed": sum(x.suppressed for x in e.estimates),
            "suppressed_secondary": sum(
                x.suppression == Suppression.SECONDARY for x in e.estimates
            ),
            "comparisons": len(content.comparisons.comparisons),
        },
    )


# --------------------------------------------------------------------------- the folder

_HELD: dict[Path, int] = {}  # report locks this process holds: target -> depth


@contextlib.contextmanager
def report_lock(out: Path) -> Iterator[None]:
    """Hold ``.NAME.lock`` beside the report folder (``fcntl.flock``) for the whole run.

    A second run into the same folder at once is refused rather than interleaved. The
    lock file is private (0600) and removed when the run ends; one a killed run left
    holds no lock and is taken over. Re-entrant within one process.
    """
    import fcntl

    target = Path(out).resolve()
    if target in _HELD:
        _HELD[target] += 1
        try:
            yield
        finally:
            _HELD[target] -= 1
        return
    lock = target.parent / f".{target.name}.lock"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise OutputError(
                    f"--out {out}: another panelkit report is being written into this folder "
                    f"now (it holds {lock.name}); wait for it to finish, then run again"
                ) from None
            try:
                same = lock.stat().st_ino == os.fstat(fd).st_ino
            except OSError:
                same = False
            if same:  # not a lock file that its last holder had just removed
                break
            os.close(fd)
    except OSError as exc:
        raise OutputError(
            f"--out {out}: cannot write here ({exc.strerror}); choose another place"
        ) from None
    _HELD[target] = 1
    try:
        yield
    finally:
        del _HELD[target]
        lock.unlink(missing_ok=True)  # still holding it: no one else can be using it
        os.close(fd)


def check_report_folder(out: Path, *, force: bool, inputs: Sequence[Path]) -> None:
    """Refuse a target that is an input, holds an input, is a file, or is a non-empty
    folder without ``force``; even with it, a folder that is not an earlier report, or
    that holds anything its run record does not list unchanged (the user's own files)."""
    target = Path(out).resolve()
    for item in inputs:
        path = Path(item).resolve()
        if path == target:
            raise OutputError(
                f"--out {out}: is an input of this run; choose a new folder for the report"
            )
        if target in path.parents:
            raise OutputError(
                f"--out {out}: holds an input of this run ({_shown(path)}); choose a folder "
                "outside the project's data, e.g. --out report"
            )
    if not target.exists():
        return
    if not target.is_dir():
        raise OutputError(f"--out {out}: is a file, not a folder; choose a folder for the report")
    if not any(target.iterdir()):
        return
    if not force:
        raise OutputError(
            f"--out {out}: folder is not empty; choose an empty or new folder, or add --force "
            "to replace the earlier report in it"
        )
    if not _is_report(target):
        raise OutputError(
            f"--out {out}: folder is not empty and holds no earlier report ({RUN_FILE}); "
            "--force only replaces a panelkit report, so choose an empty or new folder"
        )
    _only_its_own_files(out, target)


def _only_its_own_files(out: Path, target: Path) -> None:
    """Refuse, naming the file, when the earlier report's folder holds a file its run
    record does not list, or a listed one that was changed since: --force would lose it."""
    from panelkit.audit import FileStatus, verify

    for f in verify(target / RUN_FILE).files:
        if f.kind != "output" or f.status in (FileStatus.OK, FileStatus.MISSING):
            continue
        if f.status is FileStatus.EXTRA:
            why = "which the earlier report did not write"
        else:
            why = "which was changed after the earlier report wrote it"
        raise OutputError(
            f"--out {out}: holds {f.path}, {why}; --force replaces only an earlier report's "
            "own files, so move it out of the folder or choose another one"
        )


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the working folder when inside it."""
    try:
        return path.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def _is_report(folder: Path) -> bool:
    """A folder whose ``run.json`` is a panelkit report's run record."""
    from panelkit.audit import load_record
    from panelkit.errors import AuditError

    record = folder / RUN_FILE
    if not record.is_file():
        return False
    try:
        doc = load_record(record)
    except AuditError:
        return False
    return doc.get("command", "report") == "report"


def _was_report(folder: Path) -> bool:
    """A folder a killed swap moved away (``.NAME.*.old``) that has a panelkit run.json:
    putting it back loses nothing, so the marker alone is enough here."""

    try:
        doc = json.loads((folder / RUN_FILE).read_bytes()[: 16 << 20])
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(doc, dict) and "panelkit_version" in doc


def _tidy_after_interruption(target: Path) -> None:
    """Undo what a killed run left beside ``target``; called while holding the lock, so
    no other run is using these.

    A run killed while building leaves its ``.NAME.*.new`` folder; one killed
    between the two renames of the swap leaves the earlier report as
    ``.NAME.*.old`` and no ``NAME``: put that report back, then remove the rest.
    """
    if not target.parent.is_dir():
        return
    leftovers = sorted(target.parent.glob(f".{target.name}.*.old"))
    if not target.exists() and leftovers and _was_report(leftovers[-1]):
        leftovers.pop().rename(target)
    for folder in [*leftovers, *target.parent.glob(f".{target.name}.*.new")]:
        if folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder, ignore_errors=True)


def write_report_folder(
    out: Path, outputs: Mapping[str, bytes], *, force: bool, inputs: Sequence[Path]
) -> bool:
    """Write ``outputs`` as the folder ``out``; True when an earlier report was replaced.

    The files go into a private temporary sibling folder (``.NAME.panelkit-*.new``,
    0700) first; then the old folder (if any) is renamed away, the new one renamed in,
    and the old one deleted. An interruption before the swap leaves the old report as
    it was, and the next run removes the leftovers. Runs under :func:`report_lock`.
    """
    with report_lock(out):
        return _write_locked(out, outputs, force=force, inputs=inputs)


def _write_locked(
    out: Path, outputs: Mapping[str, bytes], *, force: bool, inputs: Sequence[Path]
) -> bool:
    target = Path(out)
    parent = target.resolve().parent
    _tidy_after_interruption(target.resolve())
    check_report_folder(out, force=force, inputs=inputs)
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(
            tempfile.mkdtemp(prefix=f".{target.name}.panelkit-", suffix=".new", dir=parent)
        )
    except OSError as exc:
        raise OutputError(
            f"--out {out}: cannot write here ({exc.strerror}); choose another place"
        ) from None
    try:
        for name, data in outputs.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        # mkdtemp's folder is private while it is built; a report is meant to be read by
        # others, so it gets the usual mode just before it is swapped in.
        umask = os.umask(0)
        os.umask(umask)
        staging.chmod(0o777 & ~umask)
        replaced = _swap(staging, target.resolve())
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(
            f"--out {out}: cannot write the report ({exc.strerror}); check the folder"
        ) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return replaced


def _swap(staging: Path, target: Path) -> bool:
    """Rename ``staging`` to ``target``; an existing ``target`` is moved away first, then deleted."""
    if not target.exists():
        staging.rename(target)
        return False
    old = Path(
        tempfile.mkdtemp(prefix=f".{target.name}.panelkit-", suffix=".old", dir=target.parent)
    )
    old.rmdir()  # only its unique name is wanted
    target.rename(old)
    try:
        staging.rename(target)
    except BaseException:
        old.rename(target)  # put the earlier report back
        raise
    shutil.rmtree(old, ignore_errors=True)
    return True
