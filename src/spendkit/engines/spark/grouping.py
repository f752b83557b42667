"""The Spark engine's counts: one GROUPING SETS query over the classified rows gives the
engine-neutral ``aggregate.summary.ClassCounts`` (and the per-file counts of ``inputs``);
``aggregate.summary.document`` makes every figure from them, as for the local engine.

Only a few hundred rows come back to the driver. Distinct payees are counted per grouping set
(``COUNT(DISTINCT payee_key)``): they cannot be summed from finer groups.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import pandas as pd

from spendkit.aggregate.summary import FAMILIES, REASON_KIND, ClassCounts
from spendkit.engines.spark.executor import BLANK_REASON
from spendkit.normalise.ledger import totals_check

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

KEYS = ["status", "file", "kind", "geography", "size_band", "sector", "influenceable", "sme"]
SETS = {
    "files": ["status", "file", "kind"],
    "fine": ["status", "geography", "size_band", "sector", "influenceable", "sme"],
    "geography": ["status", "geography"],
    "size": ["status", "size_band"],
    "sector": ["status", "sector"],
    "influenceable": ["status", "influenceable"],
}


def gid(cols: list[str]) -> int:
    """Spark's grouping_id() for a grouping set: a 1 bit for each key not grouped, first key highest."""
    return sum(1 << (len(KEYS) - 1 - i) for i, k in enumerate(KEYS) if k not in cols)


def group(frame: DataFrame) -> dict[str, pd.DataFrame]:
    """One Spark job: per payee and class first (small), then every grouping set at once.
    Returns a pandas table per grouping set (``SETS``), with rows, pence, stated, payees."""
    from pyspark.sql import functions as F

    reason = F.col("rejected_reason")
    status = (F.when(reason.isNull(), F.lit("counted"))
              .when(reason == BLANK_REASON, F.lit("blank")).otherwise(F.lit("rejected")))
    kind = reason
    for pattern, repl in REASON_KIND:
        kind = F.regexp_replace(kind, pattern, repl)
    base = frame.select(status.alias("status"), F.col("source_file").alias("file"),
                        kind.alias("kind"), "geography", "size_band", "sector", "influenceable",
                        "sme", "payee_key", "amount_pence", "totals_row_pence")
    per_payee = base.groupBy(*KEYS, "payee_key").agg(
        F.count(F.lit(1)).alias("rows"), F.sum("amount_pence").alias("pence"),
        F.sum("totals_row_pence").alias("stated"))
    # GROUPING SETS in SQL (DataFrame.groupingSets is Spark 4 only; this runs on 3.5 too).
    view = f"spendkit_per_payee_{uuid.uuid4().hex}"
    per_payee.createOrReplaceTempView(view)
    try:
        keys = ", ".join(f"`{k}`" for k in KEYS)
        sets = ", ".join("(" + ", ".join(f"`{c}`" for c in cols) + ")" for cols in SETS.values())
        grouped = per_payee.sparkSession.sql(
            f"SELECT {keys}, SUM(`rows`) AS `rows`, SUM(`pence`) AS `pence`, "
            "SUM(`stated`) AS `stated`, COUNT(DISTINCT `payee_key`) AS `payees`, "
            f"grouping_id() AS `gid` FROM `{view}` GROUP BY {keys} GROUPING SETS ({sets})").collect()
    finally:
        per_payee.sparkSession.catalog.dropTempView(view)
    got = pd.DataFrame([r.asDict() for r in grouped],
                       columns=[*KEYS, "rows", "pence", "stated", "payees", "gid"])
    for c in ("rows", "pence", "stated", "payees", "gid"):
        got[c] = got[c].fillna(0).astype("int64")
    return {name: got.loc[got["gid"] == gid(cols), [*cols, "rows", "pence", "stated", "payees"]]
            .reset_index(drop=True) for name, cols in SETS.items()}


def _status(part: pd.DataFrame, status: str) -> pd.DataFrame:
    return part[part["status"] == status]


def class_counts(parts: dict[str, pd.DataFrame]) -> ClassCounts:
    """The grouping sets -> the counts the summary is made from (as ``summary.count_rows``
    makes them from the local engine's rows)."""
    files = parts["files"]
    counted, rejected = _status(files, "counted"), _status(files, "rejected")
    by_reason = rejected.groupby("kind")["rows"].sum()
    fine = _status(parts["fine"], "counted")
    influenceable = _status(parts["influenceable"], "counted")
    return ClassCounts(
        classes={by: _status(parts[family], "counted").set_index(by)[["pence", "rows", "payees"]]
                 for family, by, _ in FAMILIES},
        fine=fine[[*SETS["fine"][1:], "pence"]].reset_index(drop=True),
        influenceable_payees=int(influenceable.loc[influenceable["influenceable"].fillna(False)
                                                   .astype(bool), "payees"].sum()),
        rows_counted=int(counted["rows"].sum()),
        pence_counted=int(counted["pence"].sum()),
        rows_rejected=int(rejected["rows"].sum()),
        pence_rejected=int(rejected["pence"].sum()),
        rejected_by_reason={k: int(v) for k, v in by_reason.items()},
    )


def file_counts(parts: dict[str, pd.DataFrame], unnamed: str) -> list[dict[str, Any]]:
    """Per file (``unnamed`` for DataFrame rows), sorted by name: its rows read and blank rows,
    and its totals rows checked against the sum of its other rows (``totals_check``, as the
    local engine checks them): the counts of the summary's ``inputs``."""
    files = parts["files"].assign(file=parts["files"]["file"].fillna(unnamed))
    rejected = files["status"] == "rejected"
    is_total = rejected & files["kind"].fillna("").str.startswith("totals row")
    out = []
    for name in sorted(set(files["file"])):
        mine = files["file"] == name
        counted = files[mine & (files["status"] == "counted")]
        got: dict[str, Any] = {
            "file": name,
            "rows_read": int(counted["rows"].sum() + files[mine & rejected]["rows"].sum()),
            "blank_rows": int(files[mine & (files["status"] == "blank")]["rows"].sum()),
        }
        tot = files[mine & is_total]
        if len(tot):
            stated = int(tot["stated"].sum())
            others = int(counted["pence"].sum() + files[mine & rejected & ~is_total]["pence"].sum())
            got["totals_rows"] = {"rows": int(tot["rows"].sum()), "pence": stated,
                                  **totals_check(stated, others)}
        out.append(got)
    return out
