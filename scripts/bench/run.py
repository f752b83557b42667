"""The benchmark suite: spendkit against the floor and the baselines, on the same files, in one run.

    python scripts/bench/run.py                      # 100k and 1M rows (a few minutes)
    python scripts/bench/run.py --sizes 100k,1m,10m  # with 10M rows (much longer)
    python scripts/bench/run.py --runs 5             # more runs per measurement

Generates the ledgers first if they are missing (generate.py), exports the reference
tables for the baselines (reference.py), then for each size times, end to end (read,
classify, aggregate, write Parquet), each in a fresh process:

* ``spendkit classify FILE --place Wigan --suppliers suppliers.csv --out X.parquet
  --format json`` on the CSV (and the Parquet, if spendkit reads it; XLSX at 100k);
* the floor: ``pyarrow.csv.read_csv`` of the CSV alone;
* hand-written DuckDB SQL doing the same job (baseline_duckdb.py), on CSV and Parquet;
* the pandas script an analyst would typically write (baseline_pandas.py), at 100k only.

Each measurement is run ``--runs`` times (default 3), interleaved (run 1 of everything,
then run 2...) so that a busy machine slows every tool alike; the median wall time, rows
per second and the highest peak RSS (``/usr/bin/time -f "%e %M"``) are reported, with
the ratio to DuckDB on the CSV of the same size and whether the figures (pence, rows and
payees per class) are the same as DuckDB's. Then the issue's other targets: ``spendkit
--version`` / ``--help``, loading the postcode index in a fresh process, and reading the
100k-row XLSX (spendkit's reader against raw python-calamine).

Prints Markdown and writes it to bench/out/results.md (and the raw numbers to
bench/out/results.json).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

import reference  # noqa: E402

PY = sys.executable
SPENDKIT = str(Path(sys.executable).with_name("spendkit"))
FLOOR = "import sys, pyarrow.csv as c; t = c.read_csv(sys.argv[1]); print(t.num_rows)"
INDEX_LOAD = """
import json, time
t0 = time.perf_counter()
from spendkit.reference.postcode_index import PostcodeIndex
t1 = time.perf_counter()
index = PostcodeIndex.load()
t2 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "count": len(index.postcodes)}))
"""
XLSX_READ = """
import json, sys, time
which, path = sys.argv[1], sys.argv[2]
if which == "calamine":
    from python_calamine import CalamineWorkbook
    t = time.perf_counter()
    n = len(CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python())
else:
    from spendkit.read.files import read_tables
    import pandas, numpy  # imported by the reader: not part of the read
    t = time.perf_counter()
    n = len(read_tables(path)[0].frame)
print(json.dumps({"seconds": time.perf_counter() - t, "rows": n}))
"""


@dataclass
class Job:
    size: str
    tool: str
    fmt: str
    cmd: list[str]
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)  # user + sys seconds
    peaks_mb: list[float] = field(default_factory=list)
    figures: dict | None = None
    error: str | None = None


def timed(cmd: list[str], mem_limit_gb: float | None = None, timeout: float | None = None
          ) -> tuple[float, float, subprocess.CompletedProcess, float]:
    """(wall seconds, peak RSS MB, completed process, CPU seconds) for one fresh process."""
    def limit() -> None:
        if mem_limit_gb:
            cap = int(mem_limit_gb * 1024**3)
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        t = time.perf_counter()
        done = subprocess.run(["/usr/bin/time", "-o", tf.name, "-f", "%e %M %U %S", *cmd],
                              capture_output=True, text=True, preexec_fn=limit, timeout=timeout,
                              cwd=ROOT)
        wall = time.perf_counter() - t
        last = [ln for ln in tf.read().splitlines() if ln.strip()][-1].split()
    return wall, int(last[1]) / 1024, done, float(last[2]) + float(last[3])


def machine() -> dict:
    mem = next((ln.split()[1] for ln in Path("/proc/meminfo").read_text().splitlines()
                if ln.startswith("MemTotal")), "0")
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor())

    def ver(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "-"

    return {"nproc": os.cpu_count(), "memory_gb": round(int(mem) / 1024**2, 1), "cpu": cpu,
            "python": platform.python_version(),
            "versions": {n: ver(n) for n in ("spendkit", "duckdb", "pyarrow", "pandas", "numpy",
                                             "python-calamine")}}


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def jobs_for(size: str, spendkit_parquet: str | None) -> list[Job]:
    csv, parquet = OUT / f"ledger-{size}.csv", OUT / f"ledger-{size}.parquet"
    sup = str(OUT / "suppliers.csv")

    def spendkit(path: Path, fmt: str) -> list[str]:
        return [SPENDKIT, "classify", str(path), "--place", "Wigan", "--suppliers", sup,
                "--out", str(OUT / f"classified-spendkit-{size}-{fmt}.parquet"), "--format", "json"]

    def duckdb(path: Path, fmt: str) -> list[str]:
        return [PY, str(HERE / "baseline_duckdb.py"), str(path), sup,
                str(OUT / f"classified-duckdb-{size}-{fmt}.parquet")]

    jobs = [Job(size, "pyarrow read_csv (floor)", "csv", [PY, "-c", FLOOR, str(csv)]),
            Job(size, "DuckDB SQL (baseline)", "csv", duckdb(csv, "csv")),
            Job(size, "DuckDB SQL (baseline)", "parquet", duckdb(parquet, "parquet")),
            Job(size, "spendkit classify", "csv", spendkit(csv, "csv"))]
    pq_job = Job(size, "spendkit classify", "parquet", spendkit(parquet, "parquet"))
    if spendkit_parquet:
        pq_job.error = spendkit_parquet
    jobs.append(pq_job)
    if size == "100k":
        jobs.append(Job(size, "spendkit classify", "xlsx", spendkit(OUT / "ledger-100k.xlsx", "xlsx")))
        jobs.append(Job(size, "pandas row-wise apply", "csv",
                        [PY, str(HERE / "baseline_pandas.py"), str(csv), sup,
                         str(OUT / f"classified-pandas-{size}.parquet")]))
    return jobs


def snapshot_source() -> Path:
    """Copy src/spendkit to bench/out/snapshot/ and run every spendkit process from the copy
    (PYTHONPATH beats the editable install's .pth entry), so that edits made to src/ while
    the suite runs cannot change or break the code being measured. Retried until a warm-up
    classify of the 100k ledger succeeds (someone may be half-way through an edit)."""
    dest = OUT / "snapshot"
    for attempt in range(5):
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(ROOT / "src" / "spendkit", dest / "spendkit",
                        ignore=shutil.ignore_patterns("__pycache__"))
        # Byte-compiled as pip compiles an installed package: a machine with
        # PYTHONDONTWRITEBYTECODE set would otherwise compile every module in every run.
        compileall.compile_dir(dest, quiet=1)
        os.environ["PYTHONPATH"] = str(dest)
        done = subprocess.run([SPENDKIT, "classify", str(OUT / "ledger-100k.csv"), "--place", "Wigan",
                               "--suppliers", str(OUT / "suppliers.csv"), "--format", "json"],
                              capture_output=True, text=True, cwd=ROOT)
        if done.returncode == 0:
            return dest
        print(f"snapshot of src/ does not run yet (attempt {attempt + 1}): "
              f"{(done.stderr.strip().splitlines() or [''])[-1][:160]}", flush=True)
        time.sleep(20)
    raise SystemExit("spendkit in src/ does not run: nothing to measure")


def probe_parquet() -> str | None:
    """None if spendkit reads a Parquet ledger; else why not (its own error message)."""
    path = OUT / "ledger-100k.parquet"
    if not path.exists():
        path = next(OUT.glob("ledger-*.parquet"))
    done = subprocess.run([SPENDKIT, "classify", str(path), "--place", "Wigan", "--format", "json"],
                          capture_output=True, text=True, cwd=ROOT)
    if done.returncode == 0:
        return None
    msg = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[0]
    msg = msg.removeprefix("spendkit: error: ").replace(str(path), path.name)
    return f"not supported yet (spendkit says: {msg[:140]})"


def figures(stdout: str) -> dict | None:
    try:
        doc = json.loads(stdout)
    except ValueError:
        return None
    if not isinstance(doc, dict):
        return None
    geo = doc.get("geography") or {}
    return {c: {k: v.get(k) for k in ("pence", "rows", "payees")} for c, v in geo.items()}


def run_jobs(jobs: list[Job], runs: int, mem_limit_gb: float | None, timeout: float) -> None:
    """Run every job ``runs`` times, interleaved. ``mem_limit_gb`` caps spendkit's and the pandas
    script's address space (so a run that would exhaust a shared machine fails instead)."""
    for r in range(runs):
        for job in jobs:
            if job.error:
                continue
            print(f"  run {r + 1}/{runs}: {job.size} {job.tool} [{job.fmt}] ...", end=" ", flush=True)
            capped = mem_limit_gb if job.tool.startswith(("spendkit", "pandas")) else None
            try:
                wall, peak, done, cpu = timed(job.cmd, capped, timeout)
            except subprocess.TimeoutExpired:
                job.error = f"did not finish in {timeout:.0f} s"
                print(job.error)
                continue
            if done.returncode != 0:
                tail = (done.stderr.strip().splitlines() or [""])[-1]
                tail = tail if len(tail) <= 200 else tail[:120] + " … " + tail[-70:]
                job.error = f"failed (exit {done.returncode}, peak {peak:,.0f} MB): {tail}"
                print(job.error)
                continue
            job.walls.append(wall)
            job.cpus.append(cpu)
            job.peaks_mb.append(peak)
            if job.figures is None:
                job.figures = figures(done.stdout)
            print(f"{wall:.2f} s (CPU {cpu:.2f} s), {peak:,.0f} MB; load {loadavg()}", flush=True)


def median_of(cmd: list[str], n: int, key: str | None = None) -> tuple[float, list[float], dict]:
    """Median over ``n`` fresh processes: of the wall time, or of ``key`` in their JSON output."""
    values, last = [], {}
    for _ in range(n):
        wall, _peak, done, _cpu = timed(cmd)
        if done.returncode != 0:
            raise RuntimeError(f"{cmd}: {done.stderr.strip()[-300:]}")
        if key:
            last = json.loads(done.stdout)
            values.append(last[key])
        else:
            values.append(wall)
    return statistics.median(values), values, last


def targets(sizes: list[str], jobs: list[Job], runs: int) -> list[dict]:
    out = []
    for flag in ("--version", "--help"):
        med, vals, _ = median_of([SPENDKIT, flag], 10)
        out.append({"target": f"`spendkit {flag}` under 0.3 s", "measured": f"{med:.2f} s "
                    f"(median of 10; best {min(vals):.2f}, worst {max(vals):.2f})", "met": med < 0.3,
                    "value": med, "limit": 0.3})
    load, vals, info = median_of([PY, "-c", INDEX_LOAD], 5, key="load")
    imp, _, _ = median_of([PY, "-c", INDEX_LOAD], 3, key="import")
    out.append({"target": "postcode index, once built, loaded in under 0.5 s",
                "measured": f"{load:.3f} s for `PostcodeIndex.load()` in a fresh process (median of 5; "
                            f"{info['count']:,} postcodes), plus {imp:.2f} s to import spendkit.reference.postcode_index",
                "met": load < 0.5, "value": load, "limit": 0.5})
    xlsx = OUT / "ledger-100k.xlsx"
    if xlsx.exists():  # interleaved, so that both readers see the same machine
        n = max(runs, 5)
        cal_v, sk_v = [], []
        for _ in range(n):
            cal_v.append(median_of([PY, "-c", XLSX_READ, "calamine", str(xlsx)], 1, key="seconds")[0])
            sk_v.append(median_of([PY, "-c", XLSX_READ, "spendkit", str(xlsx)], 1, key="seconds")[0])
        cal, sk = statistics.median(cal_v), statistics.median(sk_v)
        out.append({"target": "100k-row XLSX read within 2× of the fastest reader (calamine, raw)",
                    "measured": f"spendkit's reader {sk:.2f} s vs python-calamine raw {cal:.2f} s "
                                f"(medians of {n}, interleaved): {sk / cal:.2f}×; best {min(sk_v):.2f} s "
                                f"vs {min(cal_v):.2f} s: {min(sk_v) / min(cal_v):.2f}×",
                    "met": sk / cal <= 2.0, "value": sk / cal, "limit": 2.0})
    by = {(j.size, j.tool, j.fmt): j for j in jobs}
    sk, dd = by.get(("1m", "spendkit classify", "csv")), by.get(("1m", "DuckDB SQL (baseline)", "csv"))
    if sk and dd and sk.walls and dd.walls:
        w, d = statistics.median(sk.walls), statistics.median(dd.walls)
        wb, db = min(sk.walls), min(dd.walls)
        out.append({"target": "1M-row CSV end to end within 2× of DuckDB", "measured":
                    f"median {w:.2f} s vs DuckDB {d:.2f} s: {w / d:.2f}×; best of runs {wb:.2f} s vs "
                    f"{db:.2f} s: {wb / db:.2f}×", "met": w / d <= 2.0, "value": w / d, "limit": 2.0})
        out.append({"target": "1M-row CSV end to end under 5 s", "measured":
                    f"median {w:.2f} s (best {wb:.2f} s)", "met": w < 5.0, "value": w, "limit": 5.0})
        out.append({"target": "peak memory under 1.5 GB for 1M rows", "measured":
                    f"{max(sk.peaks_mb):,.0f} MB", "met": max(sk.peaks_mb) < 1536,
                    "value": max(sk.peaks_mb), "limit": 1536})
    elif sk and sk.error:
        out.append({"target": "1M-row CSV end to end", "measured": sk.error, "met": False})
    sk10 = by.get(("10m", "spendkit classify", "csv"))
    if sk10:
        if sk10.walls:
            out.append({"target": "10M rows complete under 6 GB", "measured":
                        f"completed, peak {max(sk10.peaks_mb):,.0f} MB",
                        "met": max(sk10.peaks_mb) < 6144, "value": max(sk10.peaks_mb), "limit": 6144})
        else:
            out.append({"target": "10M rows complete under 6 GB", "measured": sk10.error or "not run",
                        "met": False})
    return out


def markdown(jobs: list[Job], goals: list[dict], facts: dict, runs: int, started: str,
             loads: tuple[str, str]) -> str:
    base = {j.size: j for j in jobs if j.tool.startswith("DuckDB") and j.fmt == "csv" and j.walls}
    lines = [f"Run {started}; {facts['nproc']} cores, {facts['memory_gb']} GB, {facts['cpu']}; "
             f"Python {facts['python']}; " + ", ".join(f"{k} {v}" for k, v in facts["versions"].items())
             + f". Load average before / after: {loads[0]} / {loads[1]}.", "",
             f"Median of {runs} runs, each a fresh process (imports and index loading included), "
             "the runs interleaved across tools; best = fastest run (least disturbed by other work "
             "on the machine); CPU = median user+sys seconds (DuckDB uses both cores); peak = "
             "highest peak RSS of the runs. × DuckDB = wall time / DuckDB's on the CSV of the "
             "same size. Figures = pence, rows and payees per class, compared with DuckDB's.", "",
             "| Rows | Tool | Input | Median wall | Best wall | CPU (user+sys) | Rows/s | Peak RSS "
             "| × DuckDB | × DuckDB (best) | Figures |",
             "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for j in jobs:
        n = generate.SIZES[j.size]
        if not j.walls:
            lines.append(f"| {n:,} | {j.tool} | {j.fmt} | – | – | – | – | – | – | – | "
                         f"{j.error or 'not run'} |")
            continue
        wall = statistics.median(j.walls)
        b = base.get(j.size)
        ratio = f"{wall / statistics.median(b.walls):.2f}×" if b else "–"
        best = f"{min(j.walls) / min(b.walls):.2f}×" if b else "–"
        if j.tool.startswith("pyarrow"):
            same = "(read only)"
        elif j.figures is None:
            same = "–"
        elif b is None or b.figures is None:
            same = "?"
        elif j is b:
            same = "baseline"
        else:
            same = "same" if j.figures == b.figures else "differ: " + _diff(j.figures, b.figures)
        lines.append(f"| {n:,} | {j.tool} | {j.fmt} | {wall:.2f} s | {min(j.walls):.2f} s | "
                     f"{statistics.median(j.cpus):.2f} s | {n / wall:,.0f} | "
                     f"{max(j.peaks_mb):,.0f} MB | {ratio} | {best} | {same} |")
    lines += ["", "| Target (issue 6) | Measured | Met |", "|---|---|---|"]
    for g in goals:
        lines.append(f"| {g['target']} | {g['measured']} | {'yes' if g['met'] else '**no**'} |")
    return "\n".join(lines) + "\n"


def _diff(a: dict, b: dict) -> str:
    out = []
    for c in b:
        x, y = a.get(c, {}), b[c]
        if x != y:
            out.append(f"{c} rows {x.get('rows', 0) - y['rows']:+,}, "
                       f"£{(x.get('pence', 0) - y['pence']) / 100:+,.2f}")
    return "; ".join(out)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100k,1m", help="comma-separated from 100k, 1m, 10m "
                                                        "(default 100k,1m; 10m takes many minutes)")
    ap.add_argument("--runs", type=int, default=3, help="runs per measurement (median reported)")
    ap.add_argument("--mem-limit-gb", type=float, default=None,
                    help="address-space cap for each spendkit / pandas process "
                         "(default: 12 GB for 10m, none otherwise)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per process")
    args = ap.parse_args(argv)
    sizes = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    started = time.strftime("%Y-%m-%d %H:%M")
    facts = machine()
    load_before = loadavg()
    generate.main(["--sizes", ",".join(sorted(set(sizes) | {"100k"}, key=list(generate.SIZES).index))])
    reference.export()
    snap = snapshot_source()
    print(f"measuring a snapshot of src/spendkit taken {time.strftime('%H:%M:%S')} ({snap})")
    parquet = probe_parquet()
    print(f"spendkit and Parquet input: {parquet or 'supported'}")
    jobs: list[Job] = []
    for size in sizes:
        size_jobs = jobs_for(size, parquet)
        limit = args.mem_limit_gb if args.mem_limit_gb is not None else (12 if size == "10m" else None)
        print(f"{size}: {len(size_jobs)} measurements × {args.runs} runs")
        run_jobs(size_jobs, args.runs, limit, args.timeout)
        jobs += size_jobs
    print("targets ...", flush=True)
    goals = targets(sizes, jobs, args.runs)
    text = markdown(jobs, goals, facts, args.runs, started, (load_before, loadavg()))
    print()
    print(text)
    tag = "-".join(sizes)
    (OUT / "results.md").write_text(text)
    (OUT / f"results-{tag}.md").write_text(text)
    (OUT / "results.json").write_text(raw := json.dumps({
        "started": started, "machine": facts, "runs": args.runs,
        "jobs": [{"size": j.size, "rows": generate.SIZES[j.size], "tool": j.tool, "input": j.fmt,
                  "walls": j.walls, "cpus": j.cpus, "peaks_mb": j.peaks_mb, "figures": j.figures, "error": j.error}
                 for j in jobs],
        "targets": goals}, indent=2))
    (OUT / f"results-{tag}.json").write_text(raw)
    print(f"wrote {OUT / 'results.md'} (and results-{tag}.md, results.json, results-{tag}.json)")


if __name__ == "__main__":
    main()
