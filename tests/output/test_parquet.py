"""The classified Parquet and its rejected rows: types every reader takes (DATE, int64,
decimal) and the run's record in the footer, read back with pyarrow and DuckDB."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from spendkit.api import classify_and_export, rejected_path
from spendkit.config import PlaceSettings, Settings

LEDGER = "Supplier,Amount,Date\nAcme Ltd,12.50,01/04/2024\nBeta plc,not money,02/04/2024\nGamma,-3.01,03/05/2024\n"


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("parquet")
    ledger = folder / "ledger.csv"
    ledger.write_text(LEDGER, encoding="utf-8")
    out = folder / "classified.parquet"
    _, summary = classify_and_export([ledger], Settings(place=PlaceSettings(districts=["Wigan"])), out=out)
    return out, summary


def record(path: Path) -> dict:
    return json.loads(pq.read_metadata(path).metadata[b"spendkit"])


def test_dates_are_parquet_dates_and_pence_int64(written) -> None:
    schema = pq.read_schema(written[0])
    assert schema.field("payment_date").type == pa.date32()
    assert schema.field("period_end").type == pa.date32()
    assert schema.field("amount_pence").type == pa.int64()
    assert schema.field("amount").type == pa.decimal128(18, 2)
    assert not any(pa.types.is_timestamp(f.type) for f in schema)


def test_rejected_pence_stay_nullable_int64(written) -> None:
    rejected = pq.read_table(rejected_path(written[0]))
    assert rejected.schema.field("amount_pence").type == pa.int64()
    assert rejected.column("amount_pence").to_pylist() == [None]
    assert record(rejected_path(written[0]))["reconciliation"]["rows_rejected"] == 1


def test_the_footer_carries_the_runs_record(written) -> None:
    out, summary = written
    got = record(out)
    assert got["reconciliation"] == json.loads(json.dumps(summary["reconciliation"]))
    assert got["reconciliation"]["rows_read"] == 3 and got["reconciliation"]["balanced"] is True
    assert [i["file"] for i in got["inputs"]] == ["ledger.csv"]  # its name, not where it was
    assert got["schema_version"] == summary["schema_version"]
    assert got["spendkit_version"] == summary["spendkit_version"]
    assert got["place"]["local"][0]["name"] == "Wigan"
    assert got["headline"]["size_rule"]["id"] == summary["headline"]["size_rule"]["id"]


def test_duckdb_reads_the_dates_the_pence_and_the_record(written) -> None:
    duckdb = pytest.importorskip("duckdb", reason="duckdb is in the dev extra")
    out = str(written[0])
    rows = duckdb.sql(f"select payment_date, amount_pence, amount from read_parquet('{out}') "
                      "order by payment_date").fetchall()
    assert [(str(d), p, str(a)) for d, p, a in rows] == [("2024-04-01", 1250, "12.50"),
                                                          ("2024-05-03", -301, "-3.01")]
    [(value,)] = duckdb.sql(f"select value from parquet_kv_metadata('{out}') "
                          "where key = 'spendkit'").fetchall()
    assert json.loads(value)["reconciliation"]["pence_counted"] == 949


def test_a_ledger_column_differing_only_in_case_is_kept_apart(written) -> None:
    """'Amount' beside spendkit's 'amount' would make Spark and DuckDB refuse the file."""
    names = pq.read_schema(written[0]).names
    assert "Amount (ledger)" in names and "Amount" not in names
    assert len({n.lower() for n in names}) == len(names)
