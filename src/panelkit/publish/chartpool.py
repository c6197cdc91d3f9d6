"""Drawing the report's charts on both cores, in helper processes.

A chart takes a fraction of a second of matplotlib, all of it holding the GIL, so a
thread cannot share the work; other processes can. `helpers()` starts a helper process
early (at the start of a report job, so its imports of matplotlib overlap this process's
reading and estimating). Where it can fork (Linux, two cores or more), the helper forks a
second drawer once its imports are done: two drawers for one import of matplotlib, and
this process then leaves the charts to them, never importing matplotlib itself (that
import was a quarter of its part of the work). With one helper, `draw_charts` hands it
the next chart whenever it is free and draws the others here. Charts are independent and
deterministic, so the bytes do not depend on which process drew them.

The helper is a plain ``python -c`` child talking pickles over its stdin and stdout (the
worker over two pipes of its own), not :mod:`multiprocessing`: no forkserver left
running for the life of the caller, no process-wide start method or preload changed, no
re-import of the caller's ``__main__`` script, no fork of this multi-threaded process
(the helper forks before it has a second thread: no BLAS threads are started in it).
Where no process can be started, or a helper fails or dies, its charts are drawn by the
other or here: the same bytes, silently. Their stderr goes nowhere (the library never
prints); they end when `helpers()` exits (at the end of their input, or killed together
after ``_GRACE``), the worker reaped by the helper and the helper by this process, and
they also end by themselves when this process goes (their input closes).
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import queue
import signal
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

__all__ = [
    "ChartJob",
    "Drawing",
    "Helper",
    "Helpers",
    "draw_charts",
    "helper",
    "helpers",
    "start_charts",
]

# The child's first act: this process's import path, then the loop below.
_BOOT = (
    "import sys, json; sys.path[:] = json.loads(sys.argv[1]); "
    "from panelkit.publish.chartpool import _serve; _serve()"
)


@dataclass(frozen=True)
class ChartJob:
    """One chart to draw: a module-level drawing function of ``charts``/``kindcharts``
    and its arguments (frozen records, so they pickle), the progress step said once it
    is drawn, and its size (rows drawn) to hand out the largest first. Any other
    deterministic module-level function may be a job too (the report's workbook, whose
    modules the helper also imports); an empty label says no step for it."""

    draw: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    label: str = ""
    size: int = 1

    def here(self) -> Any:
        """The chart (or other result), made in this process."""
        return self.draw(*self.args, **self.kwargs)


class Helper:
    """A helper drawing charts over a pair of pipes: the helper process (``process``), or
    the worker it forked; `draw` one job at a time, `close` when done."""

    def __init__(
        self, send: IO[bytes], receive: IO[bytes], process: subprocess.Popen[bytes] | None
    ) -> None:
        self._send = send
        self._receive = receive
        self._process = process
        self._broken = False
        self._turn = threading.Lock()  # one job at a time on the pipes, whoever asks

    @property
    def pid(self) -> int | None:
        """The helper process's id; None for the worker it forked (its parent reaps it)."""
        return None if self._process is None else self._process.pid

    def draw(self, job: ChartJob) -> Any:
        """The chart drawn by the helper; None when it cannot (then never again)."""
        with self._turn:
            if self._broken:
                return None
            try:
                message = pickle.dumps((job.draw, job.args, dict(job.kwargs)), protocol=5)
                self._send.write(message)
                self._send.flush()
                ok, chart = pickle.load(self._receive)
            except Exception:  # not picklable, helper gone, garbled reply: draw it here
                self._broken = True
                return None
        if not ok:  # it raised there: drawn here, it raises here with its own traceback
            return None
        return chart

    @property
    def busy(self) -> bool:
        """Whether a job is on its way there or back (its feeder waits for the chart)."""
        return self._turn.locked()

    def end_input(self) -> None:
        """No more jobs: the helper ends after the chart it may be drawing."""
        self._broken = True
        with contextlib.suppress(OSError):
            self._send.close()  # a write under way finishes first (the file's own lock)

    def close(self, grace: float) -> None:
        """End the helper and reap it: at the end of its input, or killed (with the worker
        it forked: they share a process group) if it has not ended within ``grace``
        seconds."""
        self.end_input()
        process = self._process
        if process is not None:
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except OSError:
                    with contextlib.suppress(OSError):
                        process.kill()
                process.wait()
        # By now nothing writes to it: a feeder thread reading it has had its reply or EOF.
        with contextlib.suppress(OSError):
            self._receive.close()


# Seconds a helper may take to finish the chart it is drawing once its input has ended,
# and to end when it draws nothing (it exits without Python's shutdown: milliseconds).
_GRACE = 5.0
_IDLE = 0.1


def _can_fork() -> bool:
    # Linux only: a forked child of a process that has loaded system frameworks is not
    # safe on macOS, and Windows has no fork. One core has nothing to share.
    return sys.platform.startswith("linux") and (os.cpu_count() or 1) >= 2


def _start(worker: bool = False) -> list[Helper]:
    """A helper process importing the chart modules and, with ``worker``, a second drawer
    it forks from itself once they are imported (one import of matplotlib for two
    drawers); empty where no process can be started."""
    if not sys.executable:
        return []
    import json

    fds: tuple[int, ...] = ()
    if worker and _can_fork():
        jobs_r, jobs_w = os.pipe()
        replies_r, replies_w = os.pipe()
        fds = (jobs_r, replies_w)
    try:
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                _BOOT,
                json.dumps([str(p) for p in sys.path]),
                ",".join(map(str, fds)),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            close_fds=True,  # the report's lock stays this process's alone
            pass_fds=fds,
            process_group=0,  # with its worker, ended as one if it must be killed
            # no BLAS threads: the helper forks, and it draws (no linear algebra)
            env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
        )
    except (OSError, ValueError, TypeError, subprocess.SubprocessError):
        if fds:
            for fd in (jobs_r, jobs_w, replies_r, replies_w):
                os.close(fd)
        return []
    assert process.stdin is not None and process.stdout is not None
    started = [Helper(process.stdin, process.stdout, process)]
    if fds:
        os.close(jobs_r)
        os.close(replies_w)
        started.append(Helper(os.fdopen(jobs_w, "wb"), os.fdopen(replies_r, "rb"), None))
    return started


@contextlib.contextmanager
def helper() -> Iterator[Helper | None]:
    """A helper process for `draw_charts` for this block (None if it cannot start); it is
    ended when the block ends, however it ends."""
    with helpers(worker=False) as started:
        yield started[0] if started else None


@contextlib.contextmanager
def helpers(*, worker: bool = True) -> Iterator[list[Helper]]:
    """The helpers for this block: a helper process and, where it can fork (Linux, two
    cores or more) and ``worker``, a second drawer forked from it; empty where no process
    can start. They are ended when the block ends, however it ends."""
    started = _start(worker)
    try:
        yield started
    finally:
        # A helper ends only after its worker, so it is given time while either draws; an
        # idle one ends at once, and one still importing has no job or worker to wait for.
        grace = _GRACE if any(one.busy for one in started) else _IDLE
        for one in started:  # every input ended first, so they end together
            one.end_input()
        for one in started:  # the process first
            one.close(grace)


Helpers = Helper | Sequence[Helper] | None


def draw_charts(
    jobs: Sequence[ChartJob], step: Callable[[str], None], helper: Helpers = None
) -> list[Any]:
    """Every job's chart, in the jobs' order, with ``step(job.label)`` said in that order
    (`start_charts`, then at once `Drawing.finish`)."""
    return start_charts(jobs, helper).finish(step)


def start_charts(jobs: Sequence[ChartJob], helper: Helpers = None) -> Drawing:
    """Start drawing: a thread per helper feeds it the next job (largest first) whenever
    it is free, from now on. With one helper this process draws the rest in
    `Drawing.finish`, so what it does in between overlaps the helper's charts; with two or
    more it leaves them the charts (matplotlib is then never imported here) and draws
    only what a helper could not."""
    return Drawing(jobs, helper)


class Drawing:
    """The charts of `start_charts` being drawn; `finish` gives them."""

    def __init__(self, jobs: Sequence[ChartJob], helper: Helpers) -> None:
        self._jobs = list(jobs)
        self._charts: list[Any] = [None] * len(jobs)
        self._order = deque(sorted(range(len(jobs)), key=lambda i: -jobs[i].size))
        self._lock = threading.Lock()
        self._drawn_there: queue.Queue[int | None] = queue.Queue()
        self._said = 0
        there = [] if helper is None else [helper] if isinstance(helper, Helper) else helper
        self._here_too = len(there) < 2  # two drawers there: matplotlib never loads here
        if self._here_too and len(jobs) < 2:
            there = []  # one job, and this process draws anyway: no pickling
        self._feeders = [
            threading.Thread(target=self._feed, args=(h,), name="panelkit-charts", daemon=True)
            for h in there
        ]
        for feeder in self._feeders:
            feeder.start()

    def _take(self) -> int | None:
        with self._lock:
            return self._order.popleft() if self._order else None

    def _feed(self, there: Helper) -> None:
        try:
            while (i := self._take()) is not None:
                chart = there.draw(self._jobs[i])
                if chart is None:
                    with self._lock:
                        self._order.appendleft(i)  # drawn here instead
                    return
                self._charts[i] = chart
                self._drawn_there.put(i)
        finally:
            self._drawn_there.put(None)

    def _say(self, step: Callable[[str], None]) -> None:
        while self._said < len(self._jobs) and self._charts[self._said] is not None:
            if label := self._jobs[self._said].label:
                step(label)
            self._said += 1

    def finish(self, step: Callable[[str], None]) -> list[Any]:
        """Every chart, in the jobs' order, drawing here what the helper has not taken;
        ``step(job.label)`` is said in that order as soon as a chart and all before it
        are drawn, always from this thread."""
        try:
            while self._here_too and (i := self._take()) is not None:
                self._charts[i] = self._jobs[i].here()
                self._say(step)
            ended = 0
            while ended < len(self._feeders):  # the helpers' last charts
                if self._drawn_there.get() is None:
                    ended += 1
                self._say(step)
        except BaseException:
            with self._lock:
                self._order.clear()  # the helpers stop after the chart they are drawing
            raise
        for feeder in self._feeders:
            feeder.join()
        for i, job in enumerate(self._jobs):  # any the helper handed back after the loop
            if self._charts[i] is None:
                self._charts[i] = job.here()
            self._say(step)
        return [c for c in self._charts if c is not None]


def _serve() -> None:
    """The helper process: import the chart modules, fork the worker if asked (its pipes'
    descriptors in ``sys.argv[2]``), then draw what comes until the end of input."""
    # The pipes are the protocol's alone: anything printed goes nowhere.
    receive = os.fdopen(os.dup(0), "rb")
    send = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    # Imported before the first job arrives: this overlaps the parent's own work.
    import matplotlib.backends.backend_agg
    import matplotlib.backends.backend_svg
    import matplotlib.figure  # noqa: F401
    import PIL.PngImagePlugin  # noqa: F401

    from panelkit.publish import charts, kindcharts  # noqa: F401

    # Its first job comes once the report's process has read and estimated: the first
    # chart's one-off costs are paid meanwhile, and before the fork, once for both drawers.
    # Only a speed-up: should it fail, the real charts still come, or fail, on their own.
    with contextlib.suppress(Exception):
        charts.warm_up()
    # The workbook is made here too: openpyxl is imported while this process waits, not
    # in the report's process while the drawers want both cores.
    import openpyxl  # noqa: F401

    from panelkit.publish import tables  # noqa: F401

    # What is loaded by now lives as long as this process: kept out of the collector's
    # passes (the charts' many short-lived objects set those off), and so, after the fork,
    # out of the pages a pass would write to and copy. About -2.5 % of the demo report.
    gc.freeze()
    fds = [int(fd) for fd in sys.argv[2].split(",") if fd] if len(sys.argv) > 2 else []
    forked = False
    if fds:
        # The worker's pipes; it is reaped by the kernel as it ends (SIGCHLD ignored), and
        # this process ends only after it (waitpid below), so none is left a zombie.
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)
        jobs, replies = fds
        try:
            child = os.fork()  # this process has one thread (no BLAS threads): safe to fork
        except OSError:  # no worker: its pipes closed, so the report sees it gone at once
            child = -1
        if child == 0:
            receive.close()
            send.close()
            _loop(os.fdopen(jobs, "rb"), os.fdopen(replies, "wb"))
            os._exit(0)  # nothing of the parent's to run or flush
        forked = child > 0
        os.close(jobs)
        os.close(replies)
    _loop(receive, send)
    if forked:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(-1, 0)  # returns when the worker has ended (then: no child)
    # Everything sent is flushed: no Python shutdown (a tenth of a second the report's
    # process would wait for, with matplotlib loaded).
    os._exit(0)


def _loop(receive: IO[bytes], send: IO[bytes]) -> None:
    """Read a job, draw it, write ``(ok, chart)``; return at the end of the input."""
    while True:
        try:
            draw, args, kwargs = pickle.load(receive)
        except EOFError:
            return
        try:
            reply: tuple[bool, Any] = (True, draw(*args, **kwargs))
        except Exception:
            reply = (False, None)
        send.write(pickle.dumps(reply, protocol=5))
        send.flush()
