"""Spark reads the local engine's classified Parquet: dates as DATE (a nanosecond timestamp is
an 'Illegal Parquet type' to Spark), pence as long, the amount as decimal, rejected pence null.

Skipped when pyspark or Java is not available (the ``spark`` fixture)."""

from __future__ import annotations

from pathlib import Path

import pytest

import spendkit
from spendkit.api import classify_and_export, rejected_path
from spendkit.config import PlaceSettings, Settings

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")  # pyspark on pandas 3

LEDGER = "Supplier,Amount,Date\nAcme Ltd,12.50,01/04/2024\nBeta plc,not money,02/04/2024\nGamma,-3.01,03/05/2024\n"


def test_spark_reads_the_classified_parquet(spark, tmp_path: Path) -> None:
    from pyspark.sql import functions as F
    from pyspark.sql.types import DateType, DecimalType, LongType

    ledger = tmp_path / "ledger.csv"
    ledger.write_text(LEDGER, encoding="utf-8")
    out = tmp_path / "classified.parquet"
    classify_and_export([ledger], Settings(place=PlaceSettings(districts=["Wigan"])), out=out)

    rows = spark.read.parquet(str(out))
    types = {f.name: f.dataType for f in rows.schema.fields}
    assert types["payment_date"] == DateType() and types["period_end"] == DateType()
    assert types["amount_pence"] == LongType() and types["amount"] == DecimalType(18, 2)
    got = rows.orderBy("payment_date").select(F.col("payment_date").cast("string"), "amount_pence").collect()
    assert [tuple(r) for r in got] == [("2024-04-01", 1250), ("2024-05-03", -301)]

    rejected = spark.read.parquet(str(rejected_path(out)))
    assert dict((f.name, f.dataType) for f in rejected.schema.fields)["amount_pence"] == LongType()
    assert [r.amount_pence for r in rejected.collect()] == [None]


def test_the_spark_engines_parquet_has_dates_and_the_runs_record(spark, tmp_path: Path) -> None:
    """`classify --engine spark --out x.parquet`: every part file has DATE dates and the run's
    record (the local engine's, for the same ledger) under the footer key `spendkit`; Spark,
    pyarrow and DuckDB read it."""
    import json

    import pyarrow.parquet as pq
    from pyspark.sql.types import DateType

    from spendkit.aggregate.records import run_record
    from spendkit.engines.spark import classify_for_cli

    ledger = tmp_path / "ledger.csv"
    ledger.write_text(LEDGER, encoding="utf-8")
    out = tmp_path / "classified.parquet"
    settings = Settings(place=PlaceSettings(districts=["Wigan"]))
    _result, summary = classify_for_cli([ledger], settings, out=out)

    rows = spark.read.parquet(str(out))
    types = {f.name: f.dataType for f in rows.schema.fields}
    assert types["payment_date"] == DateType() and types["period_end"] == DateType()
    got = sorted((str(r.payment_date), r.amount_pence) for r in rows.collect() if r.rejected_reason is None)
    assert got == [("2024-04-01", 1250), ("2024-05-03", -301)]

    parts = sorted(out.glob("part-*.parquet"))
    assert parts and not list(out.glob(".*.spendkit-tmp"))
    want = json.loads(json.dumps(run_record(summary), default=str))
    for part in parts:
        record = json.loads(pq.read_metadata(part).metadata[b"spendkit"])
        assert record == want
        assert str(pq.read_schema(part).field("payment_date").type) == "date32[day]"
    assert want["inputs"][0]["file"] == "ledger.csv"  # a name, never the machine's path
    assert want["reconciliation"]["pence_counted"] == 1250 - 301
    local = spendkit.classify(ledger, settings=settings).summary()
    for key in ("reconciliation", "geography", "headline", "place"):
        assert want[key] == json.loads(json.dumps(local[key], default=str)), key

    duckdb = pytest.importorskip("duckdb")
    glob = str(out / "*.parquet")
    con = duckdb.connect()
    (value,) = con.execute("SELECT DISTINCT decode(value) FROM parquet_kv_metadata(?) "
                           "WHERE decode(key) = 'spendkit'", [glob]).fetchone() or ("",)
    assert json.loads(value) == want
    typed = con.execute("SELECT typeof(payment_date), sum(amount_pence) FROM read_parquet(?) "
                        "WHERE rejected_reason IS NULL GROUP BY 1", [glob]).fetchall()
    assert typed == [("DATE", 1250 - 301)]


def test_stamp_parquet_rewrites_every_part_file_whole(tmp_path: Path) -> None:
    """Without Spark: a partitioned folder of part files (several row groups each) gets the
    record in every footer; rows, types, other metadata and row groups are kept; a part's
    stale Hadoop checksum is removed; hidden and _-files are left alone."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    from spendkit.engines.spark.driver import stamp_parquet

    folder = tmp_path / "classified.parquet"
    parts = []
    for n, key in enumerate(("a", "b")):
        sub = folder / f"geography={key}"
        sub.mkdir(parents=True)
        table = pa.table({"amount_pence": pa.array(range(n * 10, n * 10 + 10), pa.int64()),
                          "payment_date": pa.array([19814 + i for i in range(10)], pa.date32())}
                         ).replace_schema_metadata({"org.apache.spark.version": "4.0.0"})
        part = sub / f"part-0000{n}.snappy.parquet"
        pq.write_table(table, part, row_group_size=4)
        (sub / f".{part.name}.crc").write_bytes(b"stale")
        parts.append((part, table))
    (folder / "_SUCCESS").write_bytes(b"")
    (folder / ".hidden.parquet").write_bytes(b"not parquet")

    assert stamp_parquet(str(folder), {"spendkit_version": "x", "pence": 1}) == 2
    for part, table in parts:
        meta = pq.read_metadata(part)
        assert json.loads(meta.metadata[b"spendkit"]) == {"spendkit_version": "x", "pence": 1}
        assert meta.metadata[b"org.apache.spark.version"] == b"4.0.0"
        assert meta.num_row_groups == 3
        assert pq.read_table(part).equals(table)
        assert not (part.parent / f".{part.name}.crc").exists()
        assert not list(part.parent.glob("*.spendkit-tmp"))
    assert (folder / ".hidden.parquet").read_bytes() == b"not parquet"


def test_a_store_pyarrow_cannot_open_is_refused_before_any_change() -> None:
    import pyarrow as pa

    from spendkit.engines.spark.driver import stamp_parquet

    with pytest.raises((pa.ArrowException, ValueError, OSError)):
        stamp_parquet("nosuchscheme://bucket/classified.parquet", {})
