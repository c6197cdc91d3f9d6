"""Drawing the report's charts on both cores: a helper process draws some, this one the rest.

A chart takes a fraction of a second of matplotlib, all of it holding the GIL, so a
thread cannot share the work; a second process can. `helper()` starts one early (at the
start of a report job, so its imports of matplotlib overlap this process's reading and
estimating) and `draw_charts` hands it the next chart whenever it is free, drawing the
others here. Charts are independent and deterministic, so the bytes do not depend on
which process drew them.

The helper is a plain ``python -c`` child talking pickles over its stdin and stdout,
not :mod:`multiprocessing`: no forkserver left running for the life of the caller, no
process-wide start method or preload changed, no re-import of the caller's ``__main__``
script, no fork of this multi-threaded process. Where no process can be started, or the
helper fails or dies, its charts are drawn here: the same bytes, silently. Its stderr goes
nowhere (the library never prints), and it is ended and reaped when `helper()` exits;
it also exits by itself when this process goes (its stdin closes).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from panelkit.publish.charts import Chart

__all__ = ["ChartJob", "Drawing", "Helper", "draw_charts", "helper", "start_charts"]

# The child's first act: this process's import path, then the loop below.
_BOOT = (
    "import sys, json; sys.path[:] = json.loads(sys.argv[1]); "
    "from panelkit.publish.chartpool import _serve; _serve()"
)


@dataclass(frozen=True)
class ChartJob:
    """One chart to draw: a module-level drawing function of ``charts``/``kindcharts``
    and its arguments (frozen records, so they pickle), the progress step said once it
    is drawn, and its size (rows drawn) to hand out the largest first."""

    draw: Callable[..., Chart]
    args: tuple[Any, ...]
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    label: str = ""
    size: int = 1

    def here(self) -> Chart:
        """The chart, drawn in this process."""
        return self.draw(*self.args, **self.kwargs)


class Helper:
    """A started helper process; `draw` one job at a time, `close` when done."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self._process = process
        self._broken = False
        self._turn = threading.Lock()  # one job at a time on the pipes, whoever asks

    @property
    def pid(self) -> int:
        return self._process.pid

    def draw(self, job: ChartJob) -> Chart | None:
        """The chart drawn by the helper; None when it cannot (then never again)."""
        with self._turn:
            if self._broken:
                return None
            send: IO[bytes] | None = self._process.stdin
            receive: IO[bytes] | None = self._process.stdout
            try:
                assert send is not None and receive is not None
                message = pickle.dumps((job.draw, job.args, dict(job.kwargs)), protocol=5)
                send.write(message)
                send.flush()
                ok, chart = pickle.load(receive)
            except Exception:  # not picklable, helper gone, garbled reply: draw it here
                self._broken = True
                return None
        if not ok:  # it raised there: drawn here, it raises here with its own traceback
            return None
        return chart

    def close(self) -> None:
        """End the helper and reap it (it holds no state worth a goodbye)."""
        process = self._process
        # Killed first: a feeder thread waiting for its reply then gets end of file and
        # lets go of the pipe, which could not be closed under it.
        with contextlib.suppress(OSError):
            process.kill()
        process.wait()
        for pipe in (process.stdin, process.stdout):
            with contextlib.suppress(OSError):
                if pipe is not None:
                    pipe.close()


def _start() -> Helper | None:
    """A helper process importing the chart modules, or None where none can be started."""
    if not sys.executable:
        return None
    import json

    try:
        process = subprocess.Popen(
            [sys.executable, "-c", _BOOT, json.dumps([str(p) for p in sys.path])],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            close_fds=True,  # the report's lock stays this process's alone
        )
    except (OSError, ValueError, TypeError, subprocess.SubprocessError):
        return None
    return Helper(process)


@contextlib.contextmanager
def helper() -> Iterator[Helper | None]:
    """A helper process for `draw_charts` for this block (None if it cannot start); it is
    ended when the block ends, however it ends."""
    started = _start()
    try:
        yield started
    finally:
        if started is not None:
            started.close()


def draw_charts(
    jobs: Sequence[ChartJob], step: Callable[[str], None], helper: Helper | None = None
) -> list[Chart]:
    """Every job's chart, in the jobs' order, with ``step(job.label)`` said in that order
    (`start_charts`, then at once `Drawing.finish`)."""
    return start_charts(jobs, helper).finish(step)


def start_charts(jobs: Sequence[ChartJob], helper: Helper | None = None) -> Drawing:
    """Start drawing: with a ``helper``, a thread feeds it the next job (largest first)
    whenever it is free, from now on; this process draws the rest in `Drawing.finish`, so
    what it does in between overlaps the helper's charts."""
    return Drawing(jobs, helper)


class Drawing:
    """The charts of `start_charts` being drawn; `finish` gives them."""

    def __init__(self, jobs: Sequence[ChartJob], helper: Helper | None) -> None:
        self._jobs = list(jobs)
        self._charts: list[Chart | None] = [None] * len(jobs)
        self._order = deque(sorted(range(len(jobs)), key=lambda i: -jobs[i].size))
        self._lock = threading.Lock()
        self._drawn_there: queue.Queue[int | None] = queue.Queue()
        self._said = 0
        self._feeder: threading.Thread | None = None
        if helper is not None and len(jobs) > 1:
            self._feeder = threading.Thread(
                target=self._feed, args=(helper,), name="panelkit-charts", daemon=True
            )
            self._feeder.start()

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
            step(self._jobs[self._said].label)
            self._said += 1

    def finish(self, step: Callable[[str], None]) -> list[Chart]:
        """Every chart, in the jobs' order, drawing here what the helper has not taken;
        ``step(job.label)`` is said in that order as soon as a chart and all before it
        are drawn, always from this thread."""
        try:
            while (i := self._take()) is not None:
                self._charts[i] = self._jobs[i].here()
                self._say(step)
        except BaseException:
            with self._lock:
                self._order.clear()  # the helper stops after the chart it is drawing
            raise
        if self._feeder is not None:
            while self._drawn_there.get() is not None:  # the helper's last charts
                self._say(step)
            self._feeder.join()
        for i, job in enumerate(self._jobs):  # any the helper handed back after the loop
            if self._charts[i] is None:
                self._charts[i] = job.here()
            self._say(step)
        return [c for c in self._charts if c is not None]


def _serve() -> None:
    """The helper's loop: read a job, draw it, write ``(ok, chart)``; end at end of input."""
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
