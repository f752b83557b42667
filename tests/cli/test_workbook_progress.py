"""Progress while a workbook is written: its rows counted up to all of them, said as steps of
``spendkit.progress`` (shown by the command line's spinner only when stderr is a terminal and
not --quiet: tests/cli/test_progress.py), and file names, never folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from spendkit.cli import reports
from spendkit.progress import counting, listening


def test_rows_written_are_said_as_steps() -> None:
    seen: list[str] = []
    with listening(seen.append):
        advance = counting("Writing report.xlsx")
        advance(20_000, 210_068)
        advance(210_068, 210_068)
    assert seen == ["Writing report.xlsx: 20,000 of 210,068 rows",
                    "Writing report.xlsx: 210,068 of 210,068 rows"]


def test_nothing_is_said_when_nobody_listens() -> None:
    counting("Writing report.xlsx")(1, 2)  # no listener: nothing happens, nothing fails


def test_each_out_file_is_written_with_its_rows_counted(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    calls: list[tuple[str, object]] = []

    def fake_save(thing: object, path: Path, suffix: str, progress: object = None) -> None:
        path.write_text("x")
        calls.append((suffix, progress))

    monkeypatch.setattr("spendkit.output.save.save_output", fake_save)
    reports._emit(object(), "table", [tmp_path / "report.xlsx"], True, lambda *a, **k: None)
    assert [s for s, _ in calls] == [".xlsx"]
    seen: list[str] = []
    with listening(seen.append):
        calls[0][1](5, 10)  # type: ignore[operator]
    assert seen == ["Writing report.xlsx: 5 of 10 rows"]
    assert (tmp_path / "report.xlsx").read_text() == "x"  # put in place whole
