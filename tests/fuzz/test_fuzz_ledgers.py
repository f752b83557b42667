"""Fuzzing: random ledgers, well-formed or mangled, written as CSV, XLSX and Parquet, held to
the invariants of tests/fuzz/invariants.py through the CLI and the API.

A well-formed ledger (tests/fuzz/ledgers.py) must be read (exit 0) with its figures exact:
rows read = the rows written; pence read = the sum, in Decimal, of the amount cells that are
readable; rows and pence counted = those of the rows with a payee, a readable amount and a
readable (or blank) date; a row dated 'today' or 'now' never gets the run's date. A mangled
file (random bytes, flipped bytes, cut short) may be refused, but only with a documented exit
status and a message, and with nothing written.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from make_corpus import csv_rows, unsafe_cells

import spendkit
from spendkit.errors import SpendkitError
from tests.fuzz.budget import budget
from tests.fuzz.invariants import Run, assert_safe, classify, never_dated_today
from tests.fuzz.ledgers import (
    CSV_STYLES,
    CsvStyle,
    Ledger,
    ledgers,
    write_csv,
    write_parquet,
    write_xlsx,
    xlsx_text,
)
from tests.trust.hostile import spendkit_process

OUTPUTS = st.sampled_from([".csv", ".xlsx", ".parquet"])


def assert_figures(got: Run | None, ledger: Ledger) -> None:
    """The run's figures are the ledger's own, computed independently of spendkit."""
    assert got is not None, "a well-formed ledger was refused"
    rec = got.reconciliation
    sure, maybe = ledger.surely_counted(), ledger.maybe_counted()
    assert rec["rows_read"] == ledger.rows_read, rec
    assert rec["pence_read"] == ledger.pence_read, rec
    assert len(sure) <= rec["rows_counted"] <= len(sure) + len(maybe), rec
    if not maybe:
        assert rec["pence_counted"] == sum(r.amount.pence or 0 for r in sure), rec
    never_dated_today(got, ledger.relative_ids())


@budget(24)
@given(ledger=ledgers(), style=CSV_STYLES, out=OUTPUTS)
def test_csv_ledgers(ledger: Ledger, style: CsvStyle, out: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_csv(ledger, style, Path(tmp) / "ledger.csv")
        got = classify(path, Path(tmp) / "out", out)
        assert_figures(got, ledger)
        assert got is not None
        # the API gives the CLI's figures
        assert spendkit.classify(path, place="Wigan").summary()["reconciliation"] == got.reconciliation


@budget(12)
@given(ledger=ledgers(), numbers=st.booleans(), date_cells=st.booleans(), notes=st.booleans(),
       out=OUTPUTS)
def test_xlsx_ledgers(ledger: Ledger, numbers: bool, date_cells: bool, notes: bool, out: str) -> None:
    for row in ledger.rows:  # what a workbook can hold decides whether the row has a payee
        row.payee = xlsx_text(row.payee)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_xlsx(ledger, Path(tmp) / "ledger.xlsx", numbers=numbers, date_cells=date_cells,
                          notes_sheet=notes)
        assert_figures(classify(path, Path(tmp) / "out", out), ledger)


@budget(12)
@given(ledger=ledgers(titles=False), typed=st.booleans(), out=OUTPUTS)
def test_parquet_ledgers(ledger: Ledger, typed: bool, out: str) -> None:
    ledger.blank_after = set()  # a Parquet file has no blank lines
    with tempfile.TemporaryDirectory() as tmp:
        path = write_parquet(ledger, Path(tmp) / "ledger.parquet", typed=typed)
        assert_figures(classify(path, Path(tmp) / "out", out), ledger)


@st.composite
def mangled(draw: st.DrawFn) -> tuple[str, bytes]:
    """(suffix, bytes): random bytes, or a ledger (CSV or XLSX) with bytes flipped, inserted
    or cut off."""
    kind = draw(st.sampled_from(["random", "csv", "xlsx"]))
    if kind == "random":
        return draw(st.sampled_from([".csv", ".xlsx", ".parquet", ".zip"])), draw(st.binary(max_size=4000))
    ledger = draw(ledgers(max_rows=8))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"x.{kind}"
        if kind == "csv":
            write_csv(ledger, draw(CSV_STYLES), path)
        else:
            write_xlsx(ledger, path, numbers=True, date_cells=True, notes_sheet=False)
        data = bytearray(path.read_bytes())
    how = draw(st.sampled_from(["flip", "insert", "cut"]))
    at = draw(st.integers(0, len(data) - 1))
    if how == "flip":
        for i in draw(st.lists(st.integers(0, len(data) - 1), min_size=1, max_size=8)):
            data[i] = draw(st.integers(0, 255))
    elif how == "insert":
        data[at:at] = draw(st.binary(min_size=1, max_size=64))
    else:
        del data[at:]
    return f".{kind}", bytes(data)


@budget(30)
@given(file=mangled(), out=st.sampled_from([".csv", ".xlsx"]))
def test_mangled_files_are_read_or_refused_cleanly(file: tuple[str, bytes], out: str) -> None:
    suffix, data = file
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"ledger{suffix}"
        path.write_bytes(data)
        classify(path, Path(tmp) / "out", out)  # every invariant, whichever way it ends
        # the API: a result, or an error the user can act on; never another exception
        with contextlib.suppress(SpendkitError):
            spendkit.classify(path, place="Wigan")


@budget(6)
@given(ledger=ledgers(max_rows=12, titles=False))
def test_report_and_rank_exports_hold_no_runnable_cell(ledger: Ledger) -> None:
    """Payee names, departments and a ledger's own headers reach report and rank files as
    text: every sheet of the workbook, the CSV figures and CSV on stdout. (In a child process:
    a workbook writer that fails on a control character leaves the interpreter unfit to
    report it.)"""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = write_csv(ledger, CsvStyle("utf-8", ",", False, "\n"), folder / "ledger.csv")
        for command, extra in (("rank", []), ("report", ["--by", "department", "--by", ledger.header[-1]])):
            outs = [folder / f"{command}.xlsx", folder / f"{command}.csv"]
            proc = spendkit_process(command, path, "--place", "Wigan", "--format", "csv", *extra,
                                    *[a for o in outs for a in ("--out", str(o))])
            assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
            for out in outs:
                assert_safe(out)
            unsafe = unsafe_cells([c for row in csv_rows(proc.stdout) for c in row])
            assert unsafe == [], f"{command} --format csv: cells a spreadsheet would run: {unsafe[:5]}"
