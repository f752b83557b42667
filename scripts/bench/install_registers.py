"""How long `spendkit registers add` takes, and its peak memory, for a Companies House register
in the real BasicCompanyData layout (all 55 columns quoted, the publisher's header).

    python scripts/bench/install_registers.py generate --rows 1000000   # the CSV, once
    python scripts/bench/install_registers.py run --rows 1000000        # install it, timed
    python scripts/bench/install_registers.py load --rows 1000000       # a run's reading of it

``run`` installs into a fresh data folder under the bench folder with ``/usr/bin/time -v``
(wall time, peak RSS) and prints one JSON line. Files go in ``SPENDKIT_BENCH_DIR`` (default
``/tmp/spendkit-bench-install``). Names are made of words drawn at random (distinct companies,
realistic lengths), numbers are unique and sequential, postcodes are postcode-shaped.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

ROOT = Path(__file__).resolve().parents[2]
HEADER_FROM = ROOT / "tests" / "data" / "registries" / "BasicCompanyData-2024-05-01.csv"
OUT = Path(os.environ.get("SPENDKIT_BENCH_DIR", "/tmp/spendkit-bench-install"))
WORDS = ["NORTH", "SOUTH", "EAST", "WEST", "CITY", "VALLEY", "HILL", "RIVER", "BRIDGE", "PARK", "GREEN", "BLUE", "RED", "OAK", "ASH", "ELM", "STONE", "MILL", "FARM", "CROWN", "STAR", "BRIGHT", "SWIFT", "PRIME", "ROYAL", "UNITED", "ALPHA", "APEX", "SUMMIT", "CARE", "BUILD", "HOMES", "FOODS", "ENERGY", "SYSTEMS", "DIGITAL", "MEDIA", "TRAVEL", "MOTORS", "PROPERTY", "HEALTH", "CONSULTING", "SOLUTIONS", "ENGINEERING", "LOGISTICS", "DESIGN", "TRADING", "CLEANING", "SECURITY"]
FORMS = ["LIMITED", "LTD", "LIMITED", "LLP", "PLC", "CIC"]
CATEGORY = ["Private Limited Company"] * 90 + ["Community Interest Company"] * 3 + \
    ["PRI/LBG/NSC (Private, Limited by guarantee, no share capital, use of 'Limited' exemption)"] * 4 + \
    ["Limited Liability Partnership"] * 3
ACCOUNTS = ["MICRO ENTITY"] * 40 + ["TOTAL EXEMPTION FULL"] * 25 + ["DORMANT"] * 10 + \
    ["SMALL"] * 10 + ["NO ACCOUNTS FILED"] * 10 + ["FULL"] * 5
AREAS = ["AB", "B", "BL", "BS", "CF", "CH", "E", "EC", "G", "L", "LS", "M", "N", "NE", "NW", "S", "SE", "SW", "W", "WN"]
CHUNK = 500_000


def path_for(rows: int) -> Path:
    return OUT / f"BasicCompanyData-2026-11-01-{rows}.csv"


def generate(rows: int) -> Path:
    header = HEADER_FROM.read_bytes().split(b"\n", 1)[0]
    columns = header.decode().count(",") + 1
    target = path_for(rows)
    if target.exists():
        return target
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261202)
    tmp = target.with_suffix(".tmp")
    with open(tmp, "wb") as out:
        out.write(header + b"\n")
        for start in range(0, rows, CHUNK):
            n = min(CHUNK, rows - start)
            out.write(_chunk(rng, start, n, columns))
    tmp.replace(target)
    return target


def _pick(rng: np.random.Generator, values: list[str], n: int) -> pa.Array:
    return pa.array(np.asarray(values, dtype=object)[rng.integers(0, len(values), n)], pa.string())


def _chunk(rng: np.random.Generator, start: int, n: int, columns: int) -> bytes:
    words = [_pick(rng, WORDS, n) for _ in range(3)]
    serial = pa.array((np.arange(start, start + n) % 997).astype(str), pa.string())
    name = pc.binary_join_element_wise(words[0], words[1], words[2], serial, _pick(rng, FORMS, n), " ")
    number = pa.array(np.char.zfill((np.arange(start, start + n) + 1).astype(str), 8), pa.string())
    district = pa.array(rng.integers(1, 40, n).astype(str), pa.string())
    inward = pa.array([f"{d}{a}{b}" for d, a, b in zip(rng.integers(1, 10, n),
                                                       rng.choice(list("ABDEFGHJLNPQRSTUWXYZ"), n),
                                                       rng.choice(list("ABDEFGHJLNPQRSTUWXYZ"), n),
                                                       strict=True)], pa.string())
    postcode = pc.binary_join_element_wise(pc.binary_join_element_wise(_pick(rng, AREAS, n), district, ""),
                                           inward, " ")
    sic = _pick(rng, ["62020 - Information technology consultancy activities",
                      "41100 - Development of building projects", "88990 - Other social work activities n.e.c.",
                      "56101 - Licensed restaurants", "99999 - Dormant Company"], n)
    cells: list[pa.Array] = [pa.array([""] * n, pa.string())] * columns
    cells = list(cells)
    at = {"name": 0, "number": 1, "line1": 4, "town": 6, "country": 8, "postcode": 9, "category": 10,
          "status": 11, "origin": 12, "incorporated": 14, "accounts": 19, "sic1": 26}
    cells[at["name"]] = name
    cells[at["number"]] = number
    cells[at["line1"]] = _pick(rng, ["1 HIGH STREET", "UNIT 4 MILL LANE", "20-22 WENLOCK ROAD"], n)
    cells[at["town"]] = _pick(rng, ["LONDON", "MANCHESTER", "WIGAN", "LEEDS", "GLASGOW"], n)
    cells[at["country"]] = _pick(rng, ["ENGLAND", "UNITED KINGDOM", "SCOTLAND", "WALES"], n)
    cells[at["postcode"]] = postcode
    cells[at["category"]] = _pick(rng, CATEGORY, n)
    cells[at["status"]] = _pick(rng, ["Active"] * 95 + ["Liquidation"] * 5, n)
    cells[at["origin"]] = pa.array(["United Kingdom"] * n, pa.string())
    cells[at["incorporated"]] = _pick(rng, ["01/04/2015", "12/11/2020", "30/06/1998"], n)
    cells[at["accounts"]] = _pick(rng, ACCOUNTS, n)
    cells[at["sic1"]] = sic
    quoted = [pc.binary_join_element_wise('"', c, '"', "") for c in cells]
    lines = pc.binary_join_element_wise(*quoted, ",")
    return ("\n".join(lines.to_pylist()) + "\n").encode("utf-8")


def run(rows: int) -> dict[str, object]:
    csv = generate(rows)
    data = OUT / f"data-{rows}"
    shutil.rmtree(data, ignore_errors=True)
    env = {**os.environ, "SPENDKIT_DATA_DIR": str(data), "PYTHONPATH": str(ROOT / "src")}
    started = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-v", sys.executable, "-m", "spendkit", "registers", "add",
                           str(csv)], env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(proc.stdout + proc.stderr)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)[1])
    cpu = sum(float(re.search(rf"{what} time \(seconds\): ([\d.]+)", proc.stderr)[1])
              for what in ("User", "System"))
    store = data / "registers" / "companies_house" / "organisations.parquet"
    return {"rows": rows, "csv_mb": round(csv.stat().st_size / 1e6), "seconds": round(wall, 1), "cpu_seconds": round(cpu, 1),
            "peak_rss_mb": round(rss / 1024), "store_mb": round(store.stat().st_size / 1e6, 1),
            "load_1m": round(os.getloadavg()[0], 1)}


LOAD = ("import time; t = time.perf_counter(); "
        "from spendkit.config import Settings; "
        "from spendkit.reference.registries.store import registers_for_run; "
        "f = registers_for_run(Settings()); "
        "print(len(f), round(time.perf_counter() - t, 2))")


def load(rows: int) -> dict[str, object]:
    """A run's reading of the installed register (after ``run``): rows, seconds, peak RSS."""
    data = OUT / f"data-{rows}"
    env = {**os.environ, "SPENDKIT_DATA_DIR": str(data), "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run(["/usr/bin/time", "-v", sys.executable, "-c", LOAD], env=env,
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(proc.stdout + proc.stderr)
    count, seconds = proc.stdout.split()
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)[1])
    cpu = sum(float(re.search(rf"{what} time \(seconds\): ([\d.]+)", proc.stderr)[1])
              for what in ("User", "System"))
    return {"rows": int(count), "load_seconds": float(seconds), "process_cpu_seconds": round(cpu, 1),
            "peak_rss_mb": round(rss / 1024),
            "load_1m": round(os.getloadavg()[0], 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=["generate", "run", "load"])
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()
    if args.what == "generate":
        print(generate(args.rows))
    else:
        print(json.dumps(run(args.rows) if args.what == "run" else load(args.rows)))


if __name__ == "__main__":
    main()
