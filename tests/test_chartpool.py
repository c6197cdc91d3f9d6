"""The charts' helper process: the same bytes as drawing here, steps in order, nothing left
running, and every failure of the helper drawn here instead."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from panelkit.publish import chartpool
from panelkit.publish.chartpool import ChartJob, Helper, draw_charts, helper, helpers
from panelkit.publish.charts import (
    Chart,
    ChartRow,
    ChartTitle,
    GroupPanel,
    GroupPoint,
    Interval,
    group_chart,
    indicator_chart,
)
from panelkit.results import Lang

TITLE = ChartTitle("Indikatorer", "Amager Øst borgerpanel 2022", 1338)
ROWS = (
    ChartRow("føler sig ensomme", 0.23, 0.19, 0.27, baseline=0.2, n=212),
    ChartRow("vurderer eget helbred som dårligt", 0.14, 0.12, 0.16, n=1290),
)
PANELS = (
    GroupPanel(
        "vurderer eget helbred som dårligt",
        (
            GroupPoint("17-29", Interval(0.12, 0.08, 0.16), 210),
            GroupPoint("30-44", None),
            GroupPoint("45-64", Interval(0.19, 0.15, 0.23), 400),
        ),
        overall=0.143,
    ),
)


def jobs() -> list[ChartJob]:
    """Four small charts, the smallest first, so the order drawn is not the order given."""
    kw = {"lang": Lang.DA, "title": TITLE}
    return [
        ChartJob(indicator_chart, (ROWS[:1],), {**kw, "name": "one"}, "one", 1),
        ChartJob(group_chart, (PANELS,), {**kw, "name": "groups"}, "groups", 4),
        ChartJob(indicator_chart, (ROWS,), {**kw, "name": "two"}, "two", 2),
        ChartJob(group_chart, (PANELS * 2,), {**kw, "name": "twice"}, "twice", 8),
    ]


@pytest.fixture(scope="module")
def here() -> list[Chart]:
    return draw_charts(jobs(), lambda _label: None)


@pytest.fixture
def started() -> Iterator[Helper]:
    with helper() as h:
        assert h is not None  # this machine can start a process
        yield h


def gone(pid: int) -> bool:
    """The process has ended and been reaped (no zombie waits for anyone)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_the_helper_draws_the_same_bytes_as_this_process(started: Helper, here: list[Chart]):
    assert [started.draw(job) for job in jobs()] == here  # name, title, PNG, SVG, alt text


def test_both_together_give_every_chart_in_order_with_steps_in_order(
    started: Helper, here: list[Chart]
) -> None:
    steps: list[str] = []
    drawn = draw_charts(jobs(), steps.append, started)
    assert drawn == here
    assert steps == ["one", "groups", "two", "twice"]  # the jobs' order, not the drawing's


def test_a_workbook_job_is_made_there_with_the_same_bytes_and_no_step(
    started: Helper, here: list[Chart]
) -> None:
    # The report hands the helpers its workbook too, as the last (smallest) job.
    from panelkit.publish.tables import Sheet, workbook

    sheets = (
        Sheet("Andele", ("indikator", "andel"), (("ensomme", 0.23), ("helbred", 0.14)), (2,)),
    )
    book = ChartJob(workbook, (sheets,), size=0)
    steps: list[str] = []
    *drawn, made = draw_charts([*jobs(), book], steps.append, started)
    assert drawn == here
    assert made == workbook(sheets) and made.startswith(b"PK")  # a zip: the .xlsx
    assert steps == ["one", "groups", "two", "twice"]  # an empty label is no step
    assert started.draw(book) == made


def test_no_process_is_left_behind() -> None:
    with helper() as h:
        assert h is not None
        pid = h.pid
        draw_charts(jobs()[:2], lambda _label: None, h)
    assert gone(pid)


def test_no_process_is_left_behind_when_the_report_fails() -> None:
    with pytest.raises(KeyboardInterrupt), helper() as h:
        assert h is not None
        pid = h.pid
        raise KeyboardInterrupt
    assert gone(pid)


def test_where_no_process_can_start_the_charts_are_drawn_here(
    monkeypatch: pytest.MonkeyPatch, here: list[Chart]
) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise OSError("no processes here")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    steps: list[str] = []
    with helper() as h:
        assert h is None
        assert draw_charts(jobs(), steps.append, h) == here
    assert steps == ["one", "groups", "two", "twice"]


def test_a_helper_that_dies_leaves_its_charts_to_this_process(
    started: Helper, here: list[Chart]
) -> None:
    started._process.kill()
    started._process.wait()
    steps: list[str] = []
    assert draw_charts(jobs(), steps.append, started) == here
    assert steps == ["one", "groups", "two", "twice"]
    assert started.draw(jobs()[0]) is None  # and it is asked no more


def test_a_job_the_helper_cannot_take_is_drawn_here(started: Helper) -> None:
    def local(rows: tuple[ChartRow, ...], **kwargs: object) -> Chart:  # not picklable
        return indicator_chart(rows, lang=Lang.DA, title=TITLE, name="local")

    job = ChartJob(local, (ROWS,), {}, "local")
    assert started.draw(job) is None
    (chart,) = draw_charts([job], lambda _label: None, started)
    assert chart == indicator_chart(ROWS, lang=Lang.DA, title=TITLE, name="local")


def test_a_chart_that_fails_fails_here_with_its_own_error(started: Helper) -> None:
    # A caller bug (no such language) raises in the helper; drawn here, it raises the same.
    bad = ChartJob(indicator_chart, (ROWS,), {"lang": "xx", "title": TITLE}, "bad", 9)
    assert started.draw(bad) is None
    with pytest.raises(Exception) as raised:
        bad.here()
    with pytest.raises(type(raised.value)):
        draw_charts([bad, *jobs()], lambda _label: None, started)


def test_the_helper_process_prints_nothing(capfd: pytest.CaptureFixture[str]) -> None:
    with helper() as h:
        draw_charts(jobs(), lambda _label: None, h)
    assert capfd.readouterr() == ("", "")


def test_after_a_failed_drawing_the_helper_still_draws_the_same_bytes(
    started: Helper, here: list[Chart]
) -> None:
    bad = ChartJob(indicator_chart, (ROWS,), {"lang": "xx", "title": TITLE}, "bad", 0)
    with pytest.raises(Exception):  # noqa: B017  (whatever a bad language raises)
        draw_charts([*jobs(), bad], lambda _label: None, started)
    assert draw_charts(jobs(), lambda _label: None, started) == here


def test_a_helper_ended_while_it_draws_is_gone_and_its_charts_drawn_here(
    here: list[Chart],
) -> None:
    from panelkit.publish.chartpool import start_charts

    with helper() as h:
        assert h is not None
        pid = h.pid
        drawing = start_charts(jobs(), h)  # the helper is handed a chart at once
    assert gone(pid)
    assert drawing.finish(lambda _label: None) == here


# Two drawers where the machine can fork: the helper process forks a worker once the chart
# modules are imported, and this process leaves the charts to the two of them.
forks = pytest.mark.skipif(
    not chartpool._can_fork(), reason="the worker is forked only on Linux with 2+ cores"
)


def children(pid: int) -> list[int]:
    """The processes ``pid`` started that are still there (Linux's /proc)."""
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def worker_of(pid: int) -> int:
    """The worker the helper ``pid`` forks (once its imports are done)."""
    deadline = time.monotonic() + 60
    while not (found := children(pid)):
        assert time.monotonic() < deadline, "the helper never forked its worker"
        time.sleep(0.02)
    (worker,) = found
    return worker


def group_ended(pgid: int) -> bool:
    """No process is left in the helper's process group (its worker inherits it)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def ended(pid: int) -> bool:
    """The process is gone: not running, and no zombie left of it."""
    return not Path(f"/proc/{pid}").exists()


@forks
def test_two_drawers_give_every_chart_and_this_process_draws_none(
    here: list[Chart], monkeypatch: pytest.MonkeyPatch
) -> None:
    def not_here(self: ChartJob) -> Chart:
        raise AssertionError(f"{self.label} was drawn in this process")

    steps: list[str] = []
    with helpers() as started:
        assert len(started) == 2
        monkeypatch.setattr(ChartJob, "here", not_here)
        assert draw_charts(jobs(), steps.append, started) == here
    assert steps == ["one", "groups", "two", "twice"]


@forks
def test_the_helper_and_its_worker_are_both_gone_after_the_block() -> None:
    with helpers() as started:
        pid = started[0].pid
        worker = worker_of(pid)
        draw_charts(jobs()[:2], lambda _label: None, started)
    assert gone(pid) and ended(worker)


@forks
def test_both_are_gone_when_the_block_ends_while_they_draw(here: list[Chart]) -> None:
    from panelkit.publish.chartpool import start_charts

    with helpers() as started:
        pid = started[0].pid
        worker = worker_of(pid)
        drawing = start_charts(jobs(), started)  # each is handed a chart at once
    assert gone(pid) and ended(worker)
    assert drawing.finish(lambda _label: None) == here  # what they had not drawn: here


@forks
def test_a_worker_that_dies_leaves_its_charts_to_the_helper(here: list[Chart]) -> None:
    with helpers() as started:
        pid = started[0].pid
        worker = worker_of(pid)
        os.kill(worker, signal.SIGKILL)
        steps: list[str] = []
        assert draw_charts(jobs(), steps.append, started) == here
        assert steps == ["one", "groups", "two", "twice"]
        assert started[1].draw(jobs()[0]) is None  # and it is asked no more
    assert gone(pid) and ended(worker)


@forks
def test_a_block_ended_before_the_helper_is_ready_leaves_nothing_behind() -> None:
    # Ended at once (a report refused before its charts): the helper, still importing,
    # is killed after the idle grace, before it has forked a worker.
    with helpers() as started:
        pid = started[0].pid
    assert gone(pid) and group_ended(pid)


@forks
def test_where_the_helper_cannot_fork_it_draws_alone(
    here: list[Chart], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The helper's fork fails (no processes left for it): it closes the worker's pipes and
    # draws alone; the worker is seen gone at its first job.
    refuse = "import os\ndef no(): raise OSError('no more processes')\nos.fork = no\n"
    monkeypatch.setattr(chartpool, "_BOOT", refuse + chartpool._BOOT)
    steps: list[str] = []
    with helpers() as started:
        pid = started[0].pid
        assert draw_charts(jobs(), steps.append, started) == here
        assert started[1].draw(jobs()[0]) is None and started[0].draw(jobs()[0]) == here[0]
    assert steps == ["one", "groups", "two", "twice"]
    assert gone(pid) and group_ended(pid)


# Draws the module's charts in a fresh process, after warm_up() if argv[1] says so, and
# prints the SHA-256 of their bytes.
_DRAW_FRESH = """
import hashlib, sys
sys.path.insert(0, sys.argv[2])
import test_chartpool as t
from panelkit.publish import charts
if sys.argv[1] == "warm":
    charts.warm_up()
drawn = [t.indicator_chart(t.ROWS, lang=t.Lang.DA, title=t.TITLE),
         t.group_chart(t.PANELS, lang=t.Lang.DA, title=t.TITLE)]
print(hashlib.sha256(b"".join(c.png + c.svg for c in drawn)).hexdigest())
"""


def test_a_warmed_up_helper_draws_the_bytes_of_a_cold_process() -> None:
    # The helper draws throwaway charts while it waits (charts.warm_up): the caches that
    # leaves must change no byte of the charts drawn after it.
    def digest(how: str) -> str:
        out = subprocess.run(
            [sys.executable, "-c", _DRAW_FRESH, how, str(Path(__file__).parent)],
            capture_output=True, text=True, check=True, timeout=300,
        )  # fmt: skip
        return out.stdout.strip()

    assert digest("warm") == digest("cold")
