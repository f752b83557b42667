"""Spark reads the local engine's classified Parquet: dates as DATE (a nanosecond timestamp is
an 'Illegal Parquet type' to Spark), pence as long, the amount as decimal, rejected pence null.

Skipped when pyspark or Java is not available (the ``spark`` fixture)."""

from __future__ import annotations

from pathlib import Path

import pytest

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
