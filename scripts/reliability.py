"""Measure spendkit's reliability and write the figures into docs/reliability.md.

    python scripts/reliability.py [--examples N] [--check | --families-only]

Runs every case of the hostile-input corpus (scripts/make_corpus.py) through the CLI twice,
writing CSV and then XLSX, and N generated ledgers through the invariants of
tests/trust/test_invariants.py (each whole, shuffled, and split into twelve monthly files),
and counts the named hostile cases of tests/trust and the fuzz tests of tests/fuzz by family.
Then it rewrites the parts of docs/reliability.md between the ``<!-- figures -->``,
``<!-- families -->`` and ``<!-- cases -->`` markers; the prose around them is written by
hand. ``--check`` writes nothing and exits 1 if any case or invariant failed;
``--families-only`` rewrites only the families table (seconds, not minutes).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "reliability.md"
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT / "tests" / "trust")]

import make_corpus  # noqa: E402

# tests/trust and tests/fuzz files -> the family of issue 14 (or the promise) their cases test
FAMILIES = {
    "test_corpus.py": "the hostile-input corpus, case by case (below)",
    "test_invariants.py": "invariants on generated ledgers",
    "test_exports.py": "safe exports",
    "test_faults.py": "faults: killed runs, output errors, damaged caches",
    "test_limits.py": "limits: the memory guard",
    "test_injection_cases.py": "1. formula injection",
    "test_overwrite_cases.py": "2. a user's files destroyed",
    "test_bomb_cases.py": "3, 5. small files that expand (workbooks, Parquet)",
    "test_value_cases.py": "4, 8. exact money, no relative dates, values validated",
    "test_text_cases.py": "6. realistic text: control characters, time zones, terminal text",
    "test_notes_cases.py": "7. notes, never silence",
    "test_special_cases.py": "9. special and unreadable files, pipes, long names",
    "test_outputs_ii.py": "1, 2, 9. the output path: neutralising, inputs never overwritten, atomic writes, pipes",
    "test_guard_ii.py": "3, 5, 6, 7, 8, 9. the input guard, terminal text, notes, values at the edge",
    "test_fuzz_ledgers.py": "fuzzing: random and mangled CSV, XLSX and Parquet ledgers",
}

EXIT_WORDS = {0: "read (exit 0)", 3: "refused: input (exit 3)", 4: "refused: columns (exit 4)",
              5: "refused: settings (exit 5)", 6: "refused: output (exit 6)"}


def run_corpus(work: Path) -> tuple[list[make_corpus.Case], dict[str, list[make_corpus.Outcome]]]:
    """Every case, written out as CSV and as XLSX: {suffix: outcomes in case order}."""
    folder = work / "corpus"
    cases = make_corpus.build(folder)
    outcomes: dict[str, list[make_corpus.Outcome]] = {".csv": [], ".xlsx": []}
    for case in cases:
        for suffix, runs in outcomes.items():
            runs.append(make_corpus.check(case, folder, work / "out" / f"{case.name}{suffix}",
                                          out_name=f"out{suffix}"))
    for path in folder.iterdir():
        if not os.access(path, os.R_OK):
            path.chmod(0o644)
    return cases, outcomes


def run_invariants(examples: int) -> tuple[Counter, list[str]]:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from test_invariants import AMOUNTS, DATES, PAYEES, POSTCODES, Row, check_invariants

    totals: Counter = Counter()
    failures: list[str] = []
    # larger ledgers than the test's (which keeps `make test` quick); derandomized, so the
    # figures are the same from one run to the next
    ledgers = st.lists(st.builds(Row, PAYEES, AMOUNTS, DATES, POSTCODES, st.integers(1, 12)),
                       min_size=10, max_size=300)

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(rows=ledgers, seed=st.integers(0, 2**32 - 1))
    def run(rows: list, seed: int) -> None:
        totals.update(check_invariants(rows, seed))

    try:
        run()
    except AssertionError as exc:  # hypothesis shrinks and re-raises the smallest failure
        failures.append(f"{type(exc).__name__}: {exc}")
    return totals, failures


def count_cases() -> Counter:
    """{test file: tests collected} for tests/trust and tests/fuzz (pytest's own count: each
    parametrised case is one)."""
    import pytest

    class Collect:
        def __init__(self) -> None:
            self.files: Counter = Counter()

        def pytest_collection_modifyitems(self, items: list) -> None:
            self.files = Counter(Path(item.nodeid.split("::")[0]).name for item in items)

    collect = Collect()
    with contextlib.redirect_stdout(io.StringIO()):
        pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", "--rootdir", str(ROOT),
                     str(ROOT / "tests" / "trust"), str(ROOT / "tests" / "fuzz")], plugins=[collect])
    return collect.files


def families(counts: Counter) -> str:
    trust = sum(n for f, n in counts.items() if f != "test_fuzz_ledgers.py")
    lines = [f"{trust} named cases in `tests/trust/` (each states its expected behaviour first), "
             f"and {counts['test_fuzz_ledgers.py']} fuzz tests in `tests/fuzz/`.", "",
             "| Family | File | Cases |", "|---|---|---|"]
    for name in [*FAMILIES, *sorted(set(counts) - set(FAMILIES))]:
        if counts[name]:
            folder = "fuzz" if name.startswith("test_fuzz") else "trust"
            lines.append(f"| {FAMILIES.get(name, name)} | `tests/{folder}/{name}` | {counts[name]} |")
    return "\n".join(lines)


def figures(cases: list[make_corpus.Case], outcomes: dict[str, list[make_corpus.Outcome]],
            inv: Counter, inv_failures: list[str]) -> str:
    every = [o for runs in outcomes.values() for o in runs]
    ran = [o for o in every if not o.skipped]
    csv_runs = [o for o in outcomes[".csv"] if not o.skipped]
    failed = [o for o in ran if o.problems]
    by_exit = Counter(c.expected_exit for c in cases)
    by_category = Counter(c.category for c in cases)
    lines = [
        f"Measured by `make reliability` (scripts/reliability.py) with spendkit {_version()}.",
        "",
        "| Figure | Value |",
        "|---|---|",
        f"| Hostile or broken inputs tried | {len(cases)} (each run writing CSV and again writing "
        f"XLSX: {len(ran)} runs; {len(every) - len(ran)} skipped: file permissions do not bind root) |",
        f"| Generated ledgers tried (invariants) | {inv['ledgers']:,} ledgers, {inv['rows']:,} rows, "
        f"{inv['files']:,} files (each whole, shuffled, and as 12 monthly files) |",
        f"| Cases whose outcome differed from the documented one | {len(failed)} |",
        f"| Invariant failures | {len(inv_failures)} |",
        f"| Rows lost (read, but neither counted nor rejected) | "
        f"{sum(o.rows_lost for o in ran) + inv['rows_lost']} |",
        f"| Tracebacks | {sum(o.traceback for o in ran)} |",
        f"| Unsafe cells exported (text a spreadsheet would run, and formula cells) | "
        f"{sum(o.unsafe_cells for o in ran)} |",
        f"| Partial output files left by a failed run | "
        f"{sum(any('output folder changed' in p for p in o.problems) for o in ran)} |",
        f"| Corpus rows counted / rejected (with their reasons) | "
        f"{sum(o.rows_counted for o in csv_runs):,} / {sum(o.rows_rejected for o in csv_runs):,} |",
        f"| Generated rows counted / rejected (with their reasons) | "
        f"{inv['rows_counted']:,} / {inv['rows_rejected']:,} |",
        "",
        "Cases by documented outcome: "
        + ", ".join(f"{EXIT_WORDS.get(k, f'exit {k}')}: {n}" for k, n in sorted(by_exit.items())) + ".",
        "",
        "Cases by category: " + ", ".join(f"{k}: {n}" for k, n in sorted(by_category.items())) + ".",
    ]
    for o in failed:
        lines.append(f"\n- **{o.name}** ({o.category}): " + "; ".join(o.problems))
    for f in inv_failures:
        lines.append(f"\n- invariants: {f}")
    return "\n".join(lines)


def _version() -> str:
    from importlib.metadata import version

    return version("spendkit")


def case_table(cases: list[make_corpus.Case], outcomes: dict[str, list[make_corpus.Outcome]]) -> str:
    runs = {o.name: [] for o in outcomes[".csv"]}
    for o in (*outcomes[".csv"], *outcomes[".xlsx"]):
        runs[o.name].append(o)
    lines = ["| Case | Category | What it is | Documented outcome | Seen |", "|---|---|---|---|---|"]
    for c in cases:
        if c.expected_exit:
            promise = f"exit {c.expected_exit}; message holds " + ", ".join(
                f"`{_cell(m)}`" for m in c.message_contains)
        else:
            promise = f"exit 0; {c.rows_counted} counted, {c.rows_rejected} rejected"
            if c.pence_counted is not None:
                promise += f"; {c.pence_counted:,} pence"
            if c.geography:
                promise += "; " + ", ".join(f"{k} {v}" for k, v in c.geography.items())
        got = runs[c.name]
        problems = [p for o in got for p in o.problems]
        seen = "skipped (root)" if all(o.skipped for o in got) else (
            "as documented" if not problems else "**differs**: " + _cell("; ".join(problems)))
        lines.append(f"| `{c.name}` | {c.category} | {_cell(c.about)} | {promise} | {seen} |")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def replace_between(doc: str, marker: str, body: str) -> str:
    pattern = re.compile(rf"(<!-- {marker}:start -->\n).*?(\n<!-- {marker}:end -->)", re.DOTALL)
    if not pattern.search(doc):
        raise SystemExit(f"{DOC}: the <!-- {marker}:start/end --> markers are missing")
    return pattern.sub(lambda m: m[1] + body + m[2], doc)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=40, help="generated ledgers (default 40)")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--check", action="store_true", help="write nothing; exit 1 on any failure")
    what.add_argument("--families-only", action="store_true", help="rewrite only the families table")
    args = parser.parse_args(argv)
    table = families(count_cases())
    if args.families_only:
        DOC.write_text(replace_between(DOC.read_text(), "families", table))
        print(table)
        return 0
    start = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        cases, outcomes = run_corpus(Path(tmp))
    inv, inv_failures = run_invariants(args.examples)
    seconds = time.monotonic() - start
    text = figures(cases, outcomes, inv, inv_failures)
    print(text)
    print(f"\n({seconds:.0f} s)")
    bad = any(o.problems for runs in outcomes.values() for o in runs) or inv_failures
    if not args.check:
        doc = DOC.read_text()
        doc = replace_between(doc, "figures", text)
        doc = replace_between(doc, "families", table)
        doc = replace_between(doc, "cases", case_table(cases, outcomes))
        DOC.write_text(doc)
        print(f"\nwrote {DOC.relative_to(ROOT)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
