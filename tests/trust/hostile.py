"""What the named hostile cases (tests/trust/test_*_cases.py) share: small ledgers written on
the spot, the CLI run in process (Typer's runner) or, where a failure could take the test
session with it (an abort, a hang, memory), in a child process with limits."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

from make_corpus import csv_rows, unsafe_cells
from typer.testing import CliRunner, Result

from spendkit.cli import app

HEADER = ["Transaction Number", "Supplier Name", "Net Amount", "Payment Date", "Postcode",
          "Service Area"]
DOCUMENTED = {0, 2, 3, 4, 5, 6, 7}


def ledger(path: Path, payees: list[str], *, amount: str = "10.00", date: str = "01/02/2024",
           postcode: str = "WN1 1YN", header: list[str] | None = None,
           department: str = "Highways") -> Path:
    """A CSV ledger of one row per payee."""
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header or HEADER)
        for i, payee in enumerate(payees, start=1):
            w.writerow([f"T{i:05d}", payee, amount, date, postcode, department])
    return path


def cli(*args: Any, env: dict[str, str] | None = None) -> Result:
    """The CLI in process, with a wide terminal (so tables are not wrapped)."""
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "250", **(env or {})})


def no_traceback(result: Result) -> None:
    bug = result.exception is not None and not isinstance(result.exception, SystemExit)
    assert not bug, f"a traceback: {result.exception!r}"
    assert "Traceback" not in result.output
    assert result.exit_code in DOCUMENTED, (result.exit_code, result.output[-1500:])


def refused(result: Result, code: int, *names: str) -> None:
    """Refused with exit ``code``, the message naming each of ``names``."""
    no_traceback(result)
    assert result.exit_code == code, (result.exit_code, result.output[-1500:])
    assert "spendkit: error:" in result.stderr
    for name in names:
        assert name in result.stderr, (name, result.stderr)


def ok(result: Result) -> dict[str, Any] | None:
    """Exit 0; the JSON document when the run printed one."""
    no_traceback(result)
    assert result.exit_code == 0, result.output[-1500:]
    return json.loads(result.stdout) if result.stdout.lstrip().startswith("{") else None


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def export_cells(path: Path) -> tuple[list[str], list[str]]:
    """(text cells, formula cells) of a CSV or of every sheet of a workbook, headers included."""
    if path.suffix == ".xlsx":
        import openpyxl

        book = openpyxl.load_workbook(path)
        cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
        return ([c.value for c in cells if isinstance(c.value, str)],
                [f"{c.parent.title}!{c.coordinate}" for c in cells if c.data_type == "f"])
    return [c for row in csv_rows(path.read_text(encoding="utf-8-sig")) for c in row], []


def safe_export(path: Path, *hostile: str) -> list[str]:
    """No formula cell and no runnable text in ``path``; each ``hostile`` text that reached it
    is there as text behind an apostrophe. Returns the text cells."""
    cells, formulas = export_cells(path)
    assert formulas == [], f"{path.name}: formula cells {formulas[:5]}"
    assert unsafe_cells(cells) == [], f"{path.name}: runnable cells {unsafe_cells(cells)[:5]}"
    for text in hostile:
        assert not any(c == text for c in cells), f"{path.name}: {text!r} written raw"
    return cells


def _limits(memory: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))


def spendkit_process(*args: Any, timeout: float = 120, memory: int = 3 * 1024**3,
                     env: dict[str, str] | None = None, cwd: Path | None = None
                     ) -> subprocess.CompletedProcess[str]:
    """``python -m spendkit ARGS`` in a child process whose address space is capped, so that
    an abort, a runaway allocation or a hang fails this test and nothing else."""
    return subprocess.run([sys.executable, "-m", "spendkit", *[str(a) for a in args]],
                          capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env={**os.environ, **(env or {})}, preexec_fn=lambda: _limits(memory),
                          check=False)


def process_refused(proc: subprocess.CompletedProcess[str], code: int, *names: str) -> None:
    assert proc.returncode == code, (proc.returncode, proc.stderr[-1500:])
    assert "Traceback" not in proc.stderr, proc.stderr[-1500:]
    for name in names:
        assert name in proc.stderr, (name, proc.stderr[-1500:])
