"""Time `spendkit classify` end to end on a 1,000,000-row CSV ledger with postcodes.

The ledger is the sample ledger repeated (with its supplier postcodes joined on
as a 'Supplier Postcode' column), written once to bench/out/. Each run is a
fresh process (so imports and index loading count), timed three times;
the median wall time and peak memory are printed. Results go in docs/performance.md.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000


def ledger() -> Path:
    path = OUT / f"ledger-{ROWS}.csv"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    base = pd.read_csv(ROOT / "data/samples/ledger.csv", dtype=str, encoding="cp1252", keep_default_na=False)
    sup = pd.read_csv(ROOT / "data/samples/suppliers.csv", dtype=str, keep_default_na=False)
    base = base.merge(sup[["Supplier ID", "Postcode"]].rename(columns={"Postcode": "Supplier Postcode"}),
                      on="Supplier ID", how="left").fillna("")
    frame = pd.concat([base] * (ROWS // len(base) + 1), ignore_index=True).iloc[:ROWS]
    frame.to_csv(path, index=False)
    return path


def main() -> None:
    path = ledger()
    spendkit = Path(sys.executable).with_name("spendkit")
    out = OUT / "classified.parquet"
    print(f"{path.name}: {path.stat().st_size / 1e6:.0f} MB, {ROWS:,} rows")
    cmd = ["/usr/bin/time", "-f", "%e %M", str(spendkit), "classify", str(path), "--place", "Wigan",
           "--out", str(out), "--format", "json"]
    walls, peaks = [], []
    for _ in range(3):
        t = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        walls.append(time.perf_counter() - t)
        peaks.append(int(done.stderr.strip().splitlines()[-1].split()[1]) / 1024)
    wall = statistics.median(walls)
    print(f"classify -> parquet: median {wall:.2f} s ({ROWS / wall:,.0f} rows/s), "
          f"peak memory {max(peaks):,.0f} MB")


if __name__ == "__main__":
    main()
