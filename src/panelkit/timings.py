"""Where a run's time goes: wall seconds per step (read, validate, weight, estimate, publish).

The library marks its steps with :func:`step`; nothing is recorded unless a caller
asks with :func:`recording` (the CLI does when ``PANELKIT_TIMINGS`` names a file,
and writes the record there; ``make bench`` reads it). Steps are exclusive: a step
inside another pauses the outer one, so the seconds add up to the recorded span.
The library never prints them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["STEPS", "recording", "step"]

# The steps of a job, in order.
STEPS = ("read", "validate", "weight", "estimate", "publish")

_RECORD: ContextVar[_Record | None] = ContextVar("panelkit_timings", default=None)


class _Record:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.stack: list[tuple[str, float]] = []  # open steps and when they (re)started


@contextmanager
def recording() -> Iterator[dict[str, float]]:
    """Record the steps run inside this block; the dict fills in as they finish."""
    record = _Record()
    token = _RECORD.set(record)
    try:
        yield record.seconds
    finally:
        _RECORD.reset(token)


@contextmanager
def step(name: str) -> Iterator[None]:
    """Count the time of this block towards ``name`` (a no-op unless recording)."""
    record = _RECORD.get()
    if record is None:
        yield
        return
    now = time.perf_counter()
    if record.stack:  # pause the enclosing step
        outer, since = record.stack[-1]
        record.seconds[outer] = record.seconds.get(outer, 0.0) + now - since
    record.stack.append((name, now))
    try:
        yield
    finally:
        end = time.perf_counter()
        _, since = record.stack.pop()
        record.seconds[name] = record.seconds.get(name, 0.0) + end - since
        if record.stack:  # the enclosing step goes on from here
            outer, _ = record.stack[-1]
            record.stack[-1] = (outer, end)
