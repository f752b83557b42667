"""Invariants as properties, over generated ledgers (hypothesis).

Each generated row knows what it should become: its amount in pence (or that the amount is
unreadable), whether its date is readable, whether it has a payee. So the figures are
checked against the ledger itself, not only against each other:

* rows counted + rows rejected = rows read = rows written;
* pence counted = the sum of the readable amounts of the rows that should count, and pence
  counted + pence rejected = every readable amount in the file;
* the figures do not depend on the order of the rows;
* nor on how the rows are split across files: twelve monthly files give the annual result.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spendkit

HEADER = ["Transaction Number", "Supplier Name", "Net Amount", "Payment Date", "Postcode"]

# (text, pence) for readable amounts; pence None for unreadable ones
AMOUNTS = st.one_of(
    st.integers(-10**9, 10**9).map(lambda p: (_plain(p), p)),
    st.integers(0, 10**8).map(lambda p: (f"£{p // 100:,}.{p % 100:02d}", p)),
    st.integers(1, 10**8).map(lambda p: (f"({p // 100:,}.{p % 100:02d})", -p)),
    st.integers(1, 10**8).map(lambda p: (f"{p // 100}.{p % 100:02d}-", -p)),
    st.integers(1, 10**8).map(lambda p: (f"{p // 100}.{p % 100:02d} CR", -p)),
    st.integers(0, 10**6).map(lambda p: (f"{p}", p * 100)),
    st.sampled_from([("N/A", None), ("1e309", None), ("£", None), ("--5", None), ("", None),
                     ("12,34", None), ("TBC", None), ("1.2.3", None), ("nan", None)]),
)
DATES = st.one_of(
    st.dates(min_value=dt.date(2000, 1, 1),
             max_value=dt.date(2030, 12, 31)).flatmap(
        lambda d: st.sampled_from([(d.strftime("%d/%m/%Y"), True), (d.isoformat(), True),
                                   (d.strftime("%d-%b-%Y"), True)])),
    st.sampled_from([("31/02/2024", False), ("00/00/0000", False), ("2024-13-01", False),
                     ("yesterday", False), ("", True)]),  # a blank date is kept, undated
)
POSTCODES = st.sampled_from(["WN1 1YN", "wn5 0lh", "BL1 1AA", "WA1 1UH", "M1 1AE", "L1 8JQ",
                             "SW1A 1AA", "BT1 1AA", "CF10 1AA", "GY1 1EW", "IM1 1AA", "GIR 0AA",
                             "ZZ9 9ZZ", "AB1", "TBC", ""])
PAYEES = st.one_of(
    st.sampled_from(["Acme Supplies Ltd", "ACME SUPPLIES LIMITED", "Wigan Food Bank",
                     "Bolton Builders", "J Smith", "Café Nero Ltd", "O'Brien & Sons"]),
    st.sampled_from(["REDACTED", "Redacted - personal data", "Personal Information"]),
    st.just(""),  # no payee: rejected
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghij&'-", min_size=3, max_size=20)
      .filter(lambda s: s.strip() != "" and s.strip().lower() not in ("total", "totals")),
)


def _plain(p: int) -> str:
    sign, p = ("-", -p) if p < 0 else ("", p)
    return f"{sign}{p // 100}.{p % 100:02d}"


@dataclass
class Row:
    payee: str
    amount: tuple[str, int | None]
    date: tuple[str, bool]
    postcode: str
    month: int

    @property
    def counts(self) -> bool:
        return self.payee.strip() != "" and self.amount[1] is not None and self.date[1]


ROWS = st.lists(st.builds(Row, PAYEES, AMOUNTS, DATES, POSTCODES, st.integers(1, 12)),
                min_size=1, max_size=40)


def write(path: Path, rows: list[tuple[int, Row]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for n, r in rows:
            w.writerow([f"T{n:05d}", r.payee, r.amount[0], r.date[0], r.postcode])
    return path


def figures(result: Any) -> dict[str, Any]:
    s = result.summary()
    rec = dict(s["reconciliation"])
    del rec["checked"]  # says how many files were read: the one figure a split changes
    return {"geography": s["geography"], "reconciliation": rec}


def check_invariants(rows: list[Row], seed: int) -> dict[str, int]:
    """Classify ``rows`` whole, shuffled and split into twelve monthly files, asserting every
    invariant; return what was checked (for scripts/reliability.py)."""
    numbered = list(enumerate(rows, start=1))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        whole = spendkit.classify(write(folder / "annual.csv", numbered), place="Wigan")
        rec = whole.summary()["reconciliation"]

        # rows: counted + rejected = read = rows in the ledger; none lost
        assert rec["rows_read"] == len(rows)
        assert rec["rows_counted"] + rec["rows_rejected"] == rec["rows_read"]
        assert len(whole.rows) == rec["rows_counted"] and len(whole.rejected) == rec["rows_rejected"]
        assert rec["rows_counted"] == sum(r.counts for r in rows)
        assert set(whole.rows["transaction_id"]) | set(whole.rejected["Transaction Number"]) \
            == {f"T{n:05d}" for n, _ in numbered}
        assert (whole.rejected["reason"] != "").all()

        # pence: counted + rejected = every readable amount in the file
        readable = sum(r.amount[1] for r in rows if r.amount[1] is not None)
        assert rec["pence_counted"] == sum(r.amount[1] for r in rows if r.counts)
        assert rec["pence_counted"] + rec["pence_rejected"] == readable == rec["pence_read"]
        assert rec["balanced"] is True
        geo = whole.summary()["geography"]
        assert sum(v["pence"] for v in geo.values()) == rec["pence_counted"]
        assert sum(v["rows"] for v in geo.values()) == rec["rows_counted"]

        # order: the same rows shuffled give the same figures
        shuffled = numbered[:]
        random.Random(seed).shuffle(shuffled)
        again = spendkit.classify(write(folder / "shuffled.csv", shuffled), place="Wigan")
        assert figures(again) == figures(whole)

        # split: twelve monthly files (empty months as header-only files) give the annual result
        months = [write(folder / f"2024-{m:02d}.csv", [(n, r) for n, r in numbered if r.month == m])
                  for m in range(1, 13)]
        split = spendkit.classify(months, place="Wigan")
        assert figures(split) == figures(whole)
        assert len(split.summary()["inputs"]) == 12
    return {"ledgers": 1, "files": 14, "rows": len(rows), "rows_counted": rec["rows_counted"],
            "rows_rejected": rec["rows_rejected"], "rows_lost": len(rows) - rec["rows_counted"]
            - rec["rows_rejected"], "pence": abs(readable)}


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=ROWS, seed=st.integers(0, 2**32 - 1))
def test_ledger_invariants(rows: list[Row], seed: int) -> None:
    check_invariants(rows, seed)
