"""Where spendkit's time goes on a synthetic ledger, in-process.

    python scripts/bench/profile_spendkit.py              # the 1M-row CSV
    python scripts/bench/profile_spendkit.py --size 100k

Two passes over ``spendkit.classify(ledger, place="Wigan", suppliers=...)``, then
``result.summary()`` (what the CLI prints) and ``spendkit.output.export.write_table(result.rows,
X.parquet)``:

1. stage timings without a profiler: the pipeline's own functions are wrapped with a
   timer at run time (inclusive seconds; nested stages are indented under their parent);
2. cProfile: the spendkit functions by cumulative time, and the hottest functions overall
   by own time (cProfile slows Python-level code more than library code, so read its
   numbers as shares, not seconds). The raw stats go to bench/out/profile-SIZE.pstats.

The report goes to stdout and bench/out/profile-SIZE.txt.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import importlib
import io
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench" / "out"

# (module, attribute, depth): wrapped where the caller looks them up. Missing ones are skipped,
# so the list survives the pipeline changing.
STAGES = [
    ("spendkit.engines.local", "Districts", 1),
    ("spendkit.engines.local", "resolve_place", 1),
    ("spendkit.engines.local", "load_suppliers", 1),
    ("spendkit.engines.local", "load_ledgers", 1),
    ("spendkit.normalise.ledger", "read_tables", 2),
    ("spendkit.normalise.ledger", "to_ledger", 2),
    ("spendkit.normalise.ledger", "detect_columns", 3),
    ("spendkit.normalise.ledger", "clean_text", 3),
    ("spendkit.normalise.ledger", "name_key", 3),
    ("spendkit.normalise.ledger", "parse_amounts", 3),
    ("spendkit.normalise.ledger", "parse_dates", 3),
    ("spendkit.normalise.ledger", "_totals_rows", 3),
    ("spendkit.normalise.ledger", "_ledger_postcodes", 3),
    ("spendkit.engines.local", "concat_frames", 1),
    ("spendkit.engines.local", "join_suppliers", 1),
    ("spendkit.engines.local", "place_rows", 1),
    ("spendkit.decide.place", "decide_places", 2),
    ("spendkit.engines.local", "organisation_rows", 1),
]


def wrap_stages() -> dict[str, list[float]]:
    spent: dict[str, list[float]] = {}
    for mod_name, attr, depth in STAGES:
        mod = importlib.import_module(mod_name)
        fn = getattr(mod, attr, None)
        if fn is None:
            continue
        key = f"{'  ' * (depth - 1)}{attr}"
        spent[key] = [0.0, 0]

        def timed(*a, __fn=fn, __key=key, **k):
            t = time.perf_counter()
            try:
                return __fn(*a, **k)
            finally:
                spent[__key][0] += time.perf_counter() - t
                spent[__key][1] += 1

        if isinstance(fn, type):  # a class (Districts): time its construction
            setattr(mod, attr, timed)
        else:
            setattr(mod, attr, functools.wraps(fn)(timed))
    return spent


def job(ledger: Path, suppliers: Path, out: Path) -> dict[str, float]:
    import spendkit
    from spendkit.output import export

    t0 = time.perf_counter()
    result = spendkit.classify(ledger, place="Wigan", suppliers=suppliers)
    t1 = time.perf_counter()
    result.summary()
    t2 = time.perf_counter()
    export.write_table(result.rows, out)
    t3 = time.perf_counter()
    return {"classify": t1 - t0, "summary": t2 - t1, "write_table (parquet)": t3 - t2,
            "total": t3 - t0}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", default="1m")
    args = ap.parse_args(argv)
    ledger, suppliers = OUT / f"ledger-{args.size}.csv", OUT / "suppliers.csv"
    if not ledger.exists():
        sys.exit(f"{ledger} is missing: run scripts/bench/generate.py --sizes {args.size}")
    out = OUT / f"profile-{args.size}.parquet"
    report = io.StringIO()

    def say(text: str = "") -> None:
        print(text)
        report.write(text + "\n")

    t = time.perf_counter()
    import pandas  # noqa: F401  (imports are not the pipeline's time)

    import spendkit.engines.local  # noqa: F401
    say(f"imports: {time.perf_counter() - t:.2f} s")
    spent = wrap_stages()
    parts = job(ledger, suppliers, out)
    say(f"\n## Stage timings, {ledger.name}, no profiler (inclusive seconds)\n")
    for k, v in parts.items():
        say(f"{k:24s} {v:7.2f} s")
    say("")
    for k, (secs, calls) in spent.items():
        if calls:
            say(f"{k:28s} {secs:7.2f} s  ({calls} call{'s' if calls > 1 else ''})")

    prof = cProfile.Profile()
    prof.enable()
    job(ledger, suppliers, out)
    prof.disable()
    prof.dump_stats(OUT / f"profile-{args.size}.pstats")
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.sort_stats("cumulative").print_stats(r"spendkit/(?!.*bench)", 45)
    stats.sort_stats("tottime").print_stats(30)
    say(f"\n## cProfile, {ledger.name}\n")
    say(buf.getvalue().replace(str(ROOT) + "/", ""))
    (OUT / f"profile-{args.size}.txt").write_text(report.getvalue())


if __name__ == "__main__":
    main()
