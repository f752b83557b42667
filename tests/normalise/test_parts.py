"""A large ledger is read and normalised in parts (bounded memory): the answer must not change.

The parts are forced small here (a few rows each) by lowering the size at which a file is
streamed and the rows a part holds; the result is compared with reading the file whole.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import spendkit
from spendkit import read
from spendkit.normalise import ledger
from spendkit.read import csvstream

POSTCODES = ["WN1 1YN", "BL1 1RU", "M1 1AA", "N1 2UD", "", "TBC"]


def _ledger_csv(path: Path) -> Path:
    lines = ["Transaction No,Supplier Name,Payment Date,Supplier Postcode,Service Area,Net Amount"]
    total = 0
    for i in range(60):
        pence = 1000 + 37 * i
        amount = f"{pence // 100}.{pence % 100:02d}"
        if i % 9 == 4:
            amount += "5"  # a fraction of a penny: rounded, and a note that counts them
            pence += 1
        if i % 17 == 3:
            amount, pence = "n/a", 0  # unreadable: rejected, in a later part too
        date = "00:00:00" if i % 13 == 5 else f"{1 + i % 28:02d}/{1 + i % 12:02d}/2024"
        lines.append(f"T{i},Firm {i % 11} Ltd,{date},{POSTCODES[i % len(POSTCODES)]},"
                     f"Dept {i % 3},{amount}")
        total += pence
        if i == 40:
            lines.append(",,,,,")  # a blank row in a later part: skipped, and counted
    lines.append(f",Total,,,,{total // 100}.{total % 100:02d}")  # the file's own total, last part
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _in_parts(monkeypatch: pytest.MonkeyPatch, rows: int) -> None:
    monkeypatch.setattr(csvstream, "STREAM_MIN_BYTES", 0)
    monkeypatch.setattr(ledger, "CHUNK_ROWS", rows)


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Equal cell for cell (a Categorical's categories may be listed in another order)."""
    assert list(a.columns) == list(b.columns)
    for c in a.columns:
        left, right = a[c], b[c]
        if isinstance(left.dtype, pd.CategoricalDtype) or isinstance(right.dtype, pd.CategoricalDtype):
            left, right = left.astype("object"), right.astype("object")
        pd.testing.assert_series_equal(left, right, check_names=False)


def test_parts_give_the_same_rows_rejections_and_figures(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = _ledger_csv(tmp_path / "ledger.csv")
    whole = spendkit.classify(path, place="Wigan")
    _in_parts(monkeypatch, 7)
    assert [t.part for t in read.iter_tables(path, chunk_rows=7)][:3] == [0, 1, 2]
    parts = spendkit.classify(path, place="Wigan")
    _same(whole.rows, parts.rows)
    _same(whole.rejected, parts.rejected)
    assert parts.summary() == whole.summary()
    info = parts.inputs[0]
    assert info["rows_read"] == 61 and info["blank_rows"] == 1
    assert info["totals_rows"]["matches"] is True
    assert any("were a bare '00:00:00'" in n for n in info["notes"])
    total = parts.rejected[parts.rejected["reason"].str.startswith("totals row")]
    assert total["reason"].tolist() == [f"totals row ({info['totals_rows']['summary']}; not a payment)"]


def test_categoricals_survive_joining_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _in_parts(monkeypatch, 5)
    rows = spendkit.classify(_ledger_csv(tmp_path / "ledger.csv"), place="Wigan").rows
    for c in ("payee", "payee_key", "department", "geography", "size_band", "sector"):
        assert isinstance(rows[c].dtype, pd.CategoricalDtype), c


def test_parquet_ledger_same_figures_as_its_csv(tmp_path: Path) -> None:
    csv_path = _ledger_csv(tmp_path / "ledger.csv")
    frame = pd.read_csv(csv_path, dtype="str", keep_default_na=False)
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp_path / "ledger.parquet")
    a = spendkit.classify(csv_path, place="Wigan").summary()
    b = spendkit.classify(tmp_path / "ledger.parquet", place="Wigan").summary()
    for key in ("reconciliation", "geography", "size", "sector", "headline"):
        assert a[key] == b[key], key


def test_notes_of_parts_merge_counts_and_keep_the_rest_verbatim() -> None:
    merged = ledger.merge_notes([
        ["read sheet '2024-25'", "3 amount(s) in 'Net 2' were rounded", "date: 1200 value(s) were bare"],
        ["3 amount(s) in 'Net 2' were rounded", "date: 1,000 value(s) were bare", "no postcode column"],
        ["no postcode column"],
    ])
    assert merged == ["read sheet '2024-25'", "6 amount(s) in 'Net 2' were rounded",
                      "date: 2,200 value(s) were bare", "no postcode column"]
