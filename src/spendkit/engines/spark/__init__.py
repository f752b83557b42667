"""The Spark engine: the same classifier, run on Apache Spark (local mode or any cluster).

    from spendkit.spark import classify_spark, local_session
    spark = local_session()                      # or the cluster's session (Databricks, Fabric, EMR)
    result = classify_spark(spark, ["s3://bucket/ledgers/*.csv"], settings)
    result.summary()["geography"]["local"]       # the same dict as spendkit.classify(...).summary()
    result.write_parquet("s3://bucket/classified/")

It differs from the local engine only in reading and counting (docs/spark.md says more):

* ``session``: pyspark's presence, a local session, the command line's session.
* ``driver``: ``classify_spark`` and ``SparkResult``; reads CSV files or a DataFrame, sets up
  with ``decide.rows.prepare`` and reads the registers (as the local engine does), matches
  the run's distinct payees to them once (``decide.rows.match_registers``), broadcasts the
  reference data and the match table.
* ``executor``: each Arrow batch through ``normalise.ledger.to_ledger`` and
  ``decide.rows.classify_rows`` (the local engine's steps), out in one fixed schema; with
  registers, a first pass (``run_keys``) gives the driver the payees to match.
* ``grouping``: one GROUPING SETS query gives ``aggregate.summary.ClassCounts``, from which
  ``aggregate.summary.document`` makes the classify document, as for the local engine.

Not on this engine: XLSX/zip input, title rows above the header. Use the local engine for
those (docs/spark.md).
"""

from spendkit.engines.spark.driver import (
    DATAFRAME_SOURCE,
    SparkResult,
    as_uri,
    classify_for_cli,
    classify_spark,
)
from spendkit.engines.spark.executor import BLANK_REASON, OUTPUT_COLUMNS
from spendkit.engines.spark.session import local_session, session

__all__ = ["BLANK_REASON", "DATAFRAME_SOURCE", "OUTPUT_COLUMNS", "SparkResult", "as_uri",
           "classify_for_cli", "classify_spark", "local_session", "session"]
