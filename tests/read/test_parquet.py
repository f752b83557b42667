"""Parquet ledgers -> text, as a finance system would write the values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from spendkit.errors import EXIT_INPUT, InputFileError
from spendkit.read.parquet import open_parquet, parquet_parts, read_parquet_bytes


def ledger_table() -> pa.Table:
    return pa.table({
        "Supplier Name": pa.array(["Acme Ltd", None, "Beta", "Gamma"]),
        "Transaction": pa.array([4100001, 4100002, None, -7], pa.int64()),
        "Net Amount": pa.array([1234.5, 0.1 + 0.2, None, 3703.6800000000003], pa.float64()),
        "Gross": pa.array([Decimal("1234.50"), Decimal("-0.05"), None, Decimal("10.00")],
                          pa.decimal128(12, 2)),
        "Payment Date": pa.array([dt.date(2024, 4, 1), None, dt.date(2025, 3, 31),
                                  dt.date(2024, 12, 25)], pa.date32()),
        "Posted": pa.array([dt.datetime(2024, 4, 1), dt.datetime(2024, 4, 1, 13, 5, 9), None,
                            dt.datetime(2024, 4, 2)], pa.timestamp("us")),
        "Paid": pa.array([True, False, None, True]),
    })


def write(path: Path, table: pa.Table, **kw) -> Path:
    pq.write_table(table, path, **kw)
    return path


def test_typed_columns_come_out_as_text(tmp_path: Path) -> None:
    path = write(tmp_path / "ledger.parquet", ledger_table())
    t = read_parquet_bytes(path.read_bytes(), str(path))
    assert t.headers == ["Supplier Name", "Transaction", "Net Amount", "Gross", "Payment Date",
                         "Posted", "Paid"]
    assert t.frame.to_dict("list") == {
        "Supplier Name": ["Acme Ltd", "", "Beta", "Gamma"],
        "Transaction": ["4100001", "4100002", "", "-7"],  # digits, never '4100001.0'
        "Net Amount": ["1234.5", "0.3", "", "3703.68"],  # binary noise -> 15 digits
        "Gross": ["1234.50", "-0.05", "", "10.00"],  # decimals exactly, scale kept
        "Payment Date": ["2024-04-01", "", "2025-03-31", "2024-12-25"],
        "Posted": ["2024-04-01", "2024-04-01 13:05:09", "", "2024-04-02"],
        "Paid": ["true", "false", "", "true"],
    }
    assert t.header_row == 1
    assert t.row_numbers.tolist() == [2, 3, 4, 5]  # record N is row N + 1
    assert t.source == str(path)


def test_large_and_small_floats_have_no_exponent(tmp_path: Path) -> None:
    table = pa.table({"Payee": list("ABCDE"),
                      "Amount": pa.array([1e20, 12345678.9, 5e-7, float("nan"), -250000.0])})
    t = read_parquet_bytes(write(tmp_path / "f.parquet", table).read_bytes(), "f.parquet")
    assert t.frame["Amount"].tolist() == ["100000000000000000000", "12345678.9", "0.0000005", "",
                                          "-250000"]


def test_blank_records_are_dropped_and_row_numbers_keep_their_place(tmp_path: Path) -> None:
    table = pa.table({"Payee": pa.array(["A", None, "C"]),
                      "Amount": pa.array([1, None, 3], pa.int32())})
    t = read_parquet_bytes(write(tmp_path / "b.parquet", table).read_bytes(), "b.parquet")
    assert t.frame.to_dict("list") == {"Payee": ["A", "C"], "Amount": ["1", "3"]}
    assert t.row_numbers.tolist() == [2, 4]
    assert t.blank_rows == 1


def test_parts_number_rows_on_from_the_previous_part(tmp_path: Path) -> None:
    table = pa.table({"Payee": [f"P{i}" for i in range(10)], "Amount": list(range(10))})
    path = write(tmp_path / "parts.parquet", table, row_group_size=3)
    parts = list(parquet_parts(open_parquet(path, str(path)), str(path), 4))
    assert [p.part for p in parts] == list(range(len(parts)))
    numbers = [n for p in parts for n in p.row_numbers.tolist()]
    assert numbers == list(range(2, 12))
    assert [v for p in parts for v in p.frame["Payee"]] == [f"P{i}" for i in range(10)]
    assert all(len(p.frame) <= 4 for p in parts)


def test_empty_file_gives_the_header_and_no_rows(tmp_path: Path) -> None:
    table = pa.table({"Payee": pa.array([], pa.string()), "Amount": pa.array([], pa.float64())})
    t = read_parquet_bytes(write(tmp_path / "e.parquet", table).read_bytes(), "e.parquet")
    assert t.headers == ["Payee", "Amount"]
    assert len(t.frame) == 0 and t.row_numbers.tolist() == []


def test_damaged_file_is_an_input_error(tmp_path: Path) -> None:
    good = write(tmp_path / "g.parquet", ledger_table()).read_bytes()
    with pytest.raises(InputFileError) as err:
        read_parquet_bytes(good[: len(good) // 2], "cut.parquet")
    assert err.value.exit_code == EXIT_INPUT
    assert str(err.value).startswith("cut.parquet: the Parquet file is damaged")
