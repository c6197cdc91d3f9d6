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

__all__ = ["ChartJob", "Helper", "draw_charts", "helper"]

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

    @property
    def pid(self) -> int:
        return self._process.pid

    def draw(self, job: ChartJob) -> Chart | None:
        """The chart drawn by the helper; None when it cannot (then never again)."""
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
        for pipe in (process.stdin, process.stdout):
            with contextlib.suppress(OSError):
                if pipe is not None:
                    pipe.close()
        with contextlib.suppress(OSError):
            process.kill()
        process.wait()


def _start() -> Helper | None:
    """A helper process importing the chart modules, or None where none can be started."""
    if not sys.executable:
        return None
    import json

    try:
        process = subprocess.Popen(
            [sys.executable, "-c", _BOOT, json.dumps(sys.path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            close_fds=True,  # the report's lock stays this process's alone
        )
    except (OSError, ValueError, subprocess.SubprocessError):
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
    as soon as a chart and all before it are drawn (always from this thread).

    With a ``helper``, a thread feeds it the next job (largest first) whenever it is
    free while this thread draws the others; whatever the helper does not draw is drawn
    here.
    """
    charts: list[Chart | None] = [None] * len(jobs)
    order = deque(sorted(range(len(jobs)), key=lambda i: -jobs[i].size))
    lock = threading.Lock()
    drawn_there: queue.Queue[int | None] = queue.Queue()
    said = 0

    def take() -> int | None:
        with lock:
            return order.popleft() if order else None

    def say() -> None:
        nonlocal said
        while said < len(jobs) and charts[said] is not None:
            step(jobs[said].label)
            said += 1

    def feed(there: Helper) -> None:
        try:
            while (i := take()) is not None:
                chart = there.draw(jobs[i])
                if chart is None:
                    with lock:
                        order.appendleft(i)  # drawn here instead
                    return
                charts[i] = chart
                drawn_there.put(i)
        finally:
            drawn_there.put(None)

    feeder = None
    if helper is not None and len(jobs) > 1:
        feeder = threading.Thread(target=feed, args=(helper,), name="panelkit-charts", daemon=True)
        feeder.start()
    while (i := take()) is not None:
        charts[i] = jobs[i].here()
        say()
    if feeder is not None:
        while drawn_there.get() is not None:  # the helper's last charts
            say()
        feeder.join()
    for i, job in enumerate(jobs):  # any the helper handed back after this thread finished
        if charts[i] is None:
            charts[i] = job.here()
        say()
    return [c for c in charts if c is not None]


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
