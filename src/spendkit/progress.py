"""Progress of long work, for whoever is watching: each stage says what it starts (``step``:
"Reading march.csv (2 of 12)", "Reading the registers", "Classifying 210,068 rows",
"Writing report.xlsx"), and a listener, if one is set for this thread of work (``listening``),
shows it. The command line listens only when stderr is a terminal (a spinner with the step);
in a pipe, in cron or from Python nothing listens, and a step costs a lookup.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar

Listener = Callable[[str], None]
_LISTENER: ContextVar[Listener | None] = ContextVar("spendkit_progress", default=None)


def step(what: str) -> None:
    """Say that ``what`` starts (no trailing punctuation: the listener adds its own)."""
    listener = _LISTENER.get()
    if listener is not None:
        listener(what)


@contextlib.contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Send the steps of the work done inside (in this thread) to ``listener``."""
    token = _LISTENER.set(listener)
    try:
        yield
    finally:
        _LISTENER.reset(token)


def counting(what: str) -> Callable[[int, int], None]:
    """A ``progress(done, total)`` callback (a workbook's rows as they are written) that says
    each count as a step: "Writing report.xlsx: 40,000 of 210,068 rows"."""
    def advance(done: int, total: int) -> None:
        step(f"{what}: {done:,} of {total:,} rows")
    return advance
