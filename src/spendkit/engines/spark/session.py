"""Spark sessions for the Spark engine: pyspark's presence checked, a local session, or the
session the command line should use."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from spendkit.errors import ConfigError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def require_pyspark() -> None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise ConfigError("the Spark engine needs pyspark, which is not installed.",
                          hint="pip install 'spendkit[spark]' (and Java 17 or 21).") from None


def local_session(cores: int | str = 2, *, driver_memory: str = "1g", shuffle_partitions: int = 4,
                  app_name: str = "spendkit") -> SparkSession:
    """A small Spark session on this machine (``local[cores]``), its Python workers this Python."""
    require_pyspark()
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (SparkSession.builder.master(f"local[{cores}]").appName(app_name)
             .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.driver.memory", driver_memory)
             .config("spark.sql.execution.arrow.maxRecordsPerBatch", "50000")
             .config("spark.pyspark.python", os.environ["PYSPARK_PYTHON"])
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def session() -> SparkSession:
    """The session to use from the command line: the one spark-submit (or PYSPARK_SUBMIT_ARGS
    with --master) configures, else a local session on every core of this machine."""
    require_pyspark()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    if "PYSPARK_GATEWAY_PORT" in os.environ or "--master" in os.environ.get("PYSPARK_SUBMIT_ARGS", ""):
        return SparkSession.builder.appName("spendkit").getOrCreate()
    return local_session("*", driver_memory="2g", shuffle_partitions=max(4, os.cpu_count() or 4))
