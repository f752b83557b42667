"""The Spark engine's GROUPING SETS counts equal the local engine's pandas counts on the same
classified rows, so one ``aggregate.summary.document`` gives both engines' figures."""

from __future__ import annotations

import importlib

import pandas as pd
import pytest

pytest.importorskip("pyspark")

from spendkit.aggregate.summary import count_rows
from spendkit.engines.spark import driver, grouping

# the package re-exports a function named like this module
session = importlib.import_module("spendkit.engines.spark.session")
pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")  # pyspark on pandas 3


def test_grouping_id_has_a_bit_for_each_key_not_grouped() -> None:
    n = len(grouping.KEYS)
    assert grouping.gid(grouping.KEYS) == 0
    assert grouping.gid([k for k in grouping.KEYS if k != "sme"]) == 1  # the last key: lowest bit
    assert grouping.gid(grouping.KEYS[1:]) == 1 << (n - 1)
    assert len({grouping.gid(cols) for cols in grouping.SETS.values()}) == len(grouping.SETS)


def test_the_facade_is_the_driver() -> None:
    import spendkit.spark

    assert spendkit.spark.classify_spark is driver.classify_spark
    assert spendkit.spark.local_session is session.local_session


def test_grouping_sets_count_as_pandas_does(spark, result) -> None:
    rows, rejected = result.rows, result.rejected
    columns = ["source_file", "geography", "size_band", "sector", "influenceable", "sme",
               "payee_key", "amount_pence", "payment_date"]
    counted = rows[columns].astype({c: "str" for c in ("source_file", "geography", "size_band",
                                                       "sector", "payee_key")})
    counted = counted.assign(rejected_reason=None, totals_row_pence=0,
                             sme=counted["sme"].astype("boolean"),
                             influenceable=counted["influenceable"].astype("boolean"))
    rej = pd.DataFrame({"source_file": rejected["source_file"].astype("str"),
                        "rejected_reason": rejected["reason"].astype("str"),
                        "amount_pence": rejected["amount_pence"].astype("Int64"),
                        "payee_key": "", "totals_row_pence": 0,
                        "payment_date": pd.Series(pd.NaT, index=rejected.index, dtype="datetime64[ns]")})
    both = pd.concat([counted, rej], ignore_index=True)
    both["amount_pence"] = both["amount_pence"].astype("Int64")  # missing: an unreadable amount
    spark_counts = grouping.class_counts(grouping.group(spark.createDataFrame(both)))
    local = count_rows(rows, rejected)
    assert spark_counts.rows_counted == local.rows_counted
    assert spark_counts.pence_counted == local.pence_counted
    assert spark_counts.rows_rejected == local.rows_rejected
    assert spark_counts.pence_rejected == local.pence_rejected
    assert (spark_counts.rejected_unread_amounts, spark_counts.rows_undated) == \
        (local.rejected_unread_amounts, local.rows_undated)
    assert spark_counts.influenceable_payees == local.influenceable_payees
    for by, table in local.classes.items():
        got = spark_counts.classes[by]
        for cls, want in table.iterrows():
            assert int(got.loc[cls, "pence"]) == int(want["pence"]), (by, cls)
            assert int(got.loc[cls, "payees"]) == int(want["payees"]), (by, cls)
    assert int(spark_counts.fine["pence"].sum()) == int(local.fine["pence"].sum())
