"""The progress bar while a workbook is written: on stderr, only when it is a terminal and not
--quiet; the rows counted up to all of them."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from spendkit.cli import reports


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_bar_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    err = _Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    with reports._writing(quiet=False) as progress:
        advance = progress(Path("out/report.xlsx"))
        advance(20_000, 210_068)
        advance(210_068, 210_068)
    text = err.getvalue()
    assert "Writing report.xlsx" in text and "210,068 of 210,068 rows" in text
    assert "out/" not in text


@pytest.mark.parametrize("quiet,terminal", [(True, True), (False, False)])
def test_no_bar_when_quiet_or_piped(monkeypatch: pytest.MonkeyPatch, quiet: bool,
                                     terminal: bool) -> None:
    err = _Terminal() if terminal else io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    with reports._writing(quiet=quiet) as progress:
        assert progress(Path("report.xlsx")) is None
    assert err.getvalue() == ""
