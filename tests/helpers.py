"""Helpers the tests share: the CLI run through Typer's runner, and the sample ledger split
into monthly files."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from spendkit.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def split_by_month(samples: Path, result, folder: Path, *, overlap: int = 0) -> list[Path]:
    """The sample CSV cut into one file per payment month (rows that are not counted go in
    with April). With ``overlap``, May's file also repeats April's last ``overlap`` counted
    rows."""
    with open(samples / "ledger.csv", encoding="cp1252", newline="") as f:
        lines = list(csv.reader(f))
    header, body = lines[0], lines[1:]
    # source_row is the row a spreadsheet shows, not the CSV line (a quoted line break makes one
    # row two lines), so map data rows by transaction number instead.
    month = dict(zip(result.rows["transaction_id"], result.rows["payment_date"].dt.strftime("%Y-%m"),
                     strict=True))
    groups: dict[str, list[list[str]]] = {}
    txn = header.index("Transaction Number")
    for row in body:
        groups.setdefault(month.get(row[txn], "2024-04"), []).append(row)
    if overlap:  # April's last counted rows (rows with unreadable values went to April too)
        counted = [r for r in groups["2024-04"] if r[txn] in month]
        groups["2024-05"] = counted[-overlap:] + groups["2024-05"]
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in sorted(groups):
        path = folder / f"{name}.csv"
        with open(path, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(groups[name])
        paths.append(path)
    return paths
