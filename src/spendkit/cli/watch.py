"""Progress on stderr while a command works, only where a person is watching: stderr is a
terminal and --quiet is not given. In a pipe, a redirect or cron nothing is written (not a
character: no spinner, no escape codes). The steps come from ``spendkit.progress``."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

from spendkit.cli.app import console


def watched() -> bool:
    """Is a person watching stderr (a terminal)?"""
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


@contextlib.contextmanager
def progress(quiet: bool, first: str = "Starting") -> Iterator[None]:
    """A spinner on stderr naming the step under way ("Reading march.csv (2 of 12)…"), removed
    when the work is done; nothing at all when not ``watched()`` or ``quiet``."""
    if quiet or not watched():
        yield
        return
    from spendkit.progress import listening

    with console(stderr=True).status(f"{first}…") as status, \
            listening(lambda what: status.update(f"{what}…")):
        yield
