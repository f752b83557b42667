"""``spendkit.spark``: the Spark engine by its documented path (see ``spendkit.engines.spark``)."""

from spendkit.engines.spark import SparkResult, classify_spark, local_session, session

__all__ = ["SparkResult", "classify_spark", "local_session", "session"]
