"""Compare XLSX readers on a 100,000-row ledger: python-calamine (used) vs openpyxl.

Writes the workbook to bench/out/ once, then times each reader three times and
prints the median. Results are recorded in docs/performance.md.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
ROWS = 100_000


def workbook() -> Path:
    path = OUT / f"ledger-{ROWS}.xlsx"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    base = pd.read_csv(ROOT / "data/samples/ledger.csv", dtype=str, encoding="cp1252",
                       keep_default_na=False)
    frame = pd.concat([base] * (ROWS // len(base) + 1), ignore_index=True).iloc[:ROWS]
    frame["Net Amount"] = pd.to_numeric(frame["Net Amount"].str.replace(r"[£,\s]", "", regex=True),
                                        errors="coerce")
    frame.to_excel(path, index=False, sheet_name="Payments", engine="openpyxl")
    return path


def calamine(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    return len(CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python())


def openpyxl_read_only(path: Path) -> int:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    return sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))


def spendkit_reader(path: Path) -> int:
    from spendkit.read.files import read_tables

    return len(read_tables(path)[0].frame)


def main() -> None:
    path = workbook()
    print(f"{path.name}: {path.stat().st_size / 1e6:.1f} MB")
    for fn in (calamine, openpyxl_read_only, spendkit_reader):
        times = []
        for _ in range(3):
            t = time.perf_counter()
            n = fn(path)
            times.append(time.perf_counter() - t)
        print(f"{fn.__name__:20s} rows={n:>7} median {statistics.median(times):6.2f} s")


if __name__ == "__main__":
    main()
