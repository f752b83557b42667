"""The invariants every run must keep, whatever the input, checked through the CLI
(tests/helpers.py ``run``):

* no traceback: the exit status is one of the documented ones (0, 2-7), never 1;
* the user's input file is never changed;
* on failure: a message naming the file, and the output folder exactly as it was (no partial
  file, no temporary file);
* on success: rows counted + rejected = rows read, pence counted + rejected = pence read, the
  reconciliation balanced; the written files hold exactly the rows counted and rejected;
* no runnable cell in any export: no text cell starting with = + - @ (after optional
  whitespace or control characters), tab or carriage return unless it is a number, and no
  formula cell in a workbook (every sheet, headers included).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from make_corpus import csv_rows, read_table, unsafe_cells

from tests.helpers import run

DOCUMENTED = {0, 2, 3, 4, 5, 6, 7}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def export_cells(path: Path) -> tuple[list[str], int]:
    """Every text cell of an export (every sheet of a workbook, headers too) and its number
    of formula cells."""
    if path.suffix == ".xlsx":
        import openpyxl

        book = openpyxl.load_workbook(path)
        cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
        return ([c.value for c in cells if isinstance(c.value, str)],
                sum(c.data_type == "f" for c in cells))
    if path.suffix == ".csv":
        return [c for row in csv_rows(path.read_text(encoding="utf-8-sig")) for c in row], 0
    return [], 0


def assert_safe(path: Path) -> None:
    cells, formulas = export_cells(path)
    assert formulas == 0, f"{path.name}: {formulas} formula cells"
    unsafe = unsafe_cells(cells)
    assert unsafe == [], f"{path.name}: cells a spreadsheet would run: {unsafe[:5]}"


def assert_no_traceback(result: Any) -> None:
    bug = result.exception is not None and not isinstance(result.exception, SystemExit)
    assert not bug, f"a traceback: {result.exception!r}"
    assert "Traceback" not in result.output, result.output[-2000:]
    assert result.exit_code in DOCUMENTED, (result.exit_code, result.output[-2000:])


@dataclass
class Run:
    """A successful classify run: its reconciliation and the rows it wrote."""

    reconciliation: dict[str, Any]
    rows: list[list[str]]  # the classified file, header first
    rejected: list[list[str]]  # the rejected file, header first

    def column(self, name: str) -> list[str]:
        head = self.rows[0]
        return [r[head.index(name)] for r in self.rows[1:]] if name in head else []


def classify(path: Path, work: Path, suffix: str = ".csv", *args: str) -> Run | None:
    """``spendkit classify PATH --place Wigan --format json --out WORK/out.SUFFIX``, holding it
    to every invariant; the run's figures and files if it succeeded, None if it refused."""
    work.mkdir(parents=True, exist_ok=True)
    (work / "keep.txt").write_text("there before\n")
    before, content = listing(work), digest(path)
    out = work / f"out{suffix}"
    result = run("classify", path, "--place", "Wigan", "--format", "json", "--out", out, *args)
    assert_no_traceback(result)
    assert digest(path) == content, "the input file was changed"
    if result.exit_code != 0:
        assert "spendkit: error:" in result.stderr and path.name in result.stderr, result.stderr
        assert listing(work) == before, f"files left by a failed run: {listing(work)}"
        return None
    rejected = out.with_name(f"out.rejected{suffix}")
    assert listing(work) == sorted({*before, out.name, rejected.name})
    rec = json.loads(result.stdout)["reconciliation"]
    assert rec["rows_counted"] + rec["rows_rejected"] == rec["rows_read"], rec
    assert rec["pence_counted"] + rec["pence_rejected"] == rec["pence_read"], rec
    assert rec["balanced"] is True, rec
    rows, _, _ = read_table(out)
    rejected_rows, _, _ = read_table(rejected)
    assert len(rows) - 1 == rec["rows_counted"] and len(rejected_rows) - 1 == rec["rows_rejected"]
    for path_out in (out, rejected):
        assert_safe(path_out)
    return Run(rec, rows, rejected_rows)


def never_dated_today(got: Run, relative_ids: set[str]) -> None:
    """Rows dated 'today' or 'now' are rejected or undated: never given the run's date."""
    today = dt.date.today().isoformat()
    for txn, date in zip(got.column("transaction_id"), got.column("payment_date"), strict=True):
        if txn in relative_ids:
            assert not date.startswith(today), f"{txn}: a relative date read as {date}"
