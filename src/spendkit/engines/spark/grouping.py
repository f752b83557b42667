"""The Spark engine's counts: one GROUPING SETS query over the classified rows gives the
engine-neutral ``aggregate.summary.ClassCounts`` (and the per-file counts of ``inputs``);
``aggregate.summary.document`` makes every figure from them, as for the local engine.

Only a few hundred rows come back to the driver. Distinct payees are counted per grouping set
(``COUNT(DISTINCT payee_key)``): they cannot be summed from finer groups.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from spendkit.aggregate.coverage import COLUMN, TOP_UNKNOWN, UnknownPayees
from spendkit.aggregate.summary import FAMILIES, REASON_KIND, ClassCounts
from spendkit.engines.spark.executor import BLANK_REASON
from spendkit.errors import InputFileError
from spendkit.money import INT64_MAX, money
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
                        "sme", "payee_key", "amount_pence", "totals_row_pence", "payment_date")
    pence = F.col("amount_pence")
    per_payee = base.groupBy(*KEYS, "payee_key").agg(
        F.count(F.lit(1)).alias("rows"), F.sum(pence).alias("pence"),
        F.sum("totals_row_pence").alias("stated"),
        # |pence| summed as decimals (exact, never wrapping), to refuse a run int64 cannot sum
        F.sum(F.abs(pence.cast("decimal(38,0)"))).alias("abs_pence"),
        F.sum(pence.isNull().cast("long")).alias("unread"),
        F.sum(F.col("payment_date").isNull().cast("long")).alias("undated"))
    # GROUPING SETS in SQL (DataFrame.groupingSets is Spark 4 only; this runs on 3.5 too).
    view = f"spendkit_per_payee_{uuid.uuid4().hex}"
    per_payee.createOrReplaceTempView(view)
    try:
        keys = ", ".join(f"`{k}`" for k in KEYS)
        sets = ", ".join("(" + ", ".join(f"`{c}`" for c in cols) + ")" for cols in SETS.values())
        grouped = per_payee.sparkSession.sql(
            f"SELECT {keys}, SUM(`rows`) AS `rows`, SUM(`pence`) AS `pence`, "
            "SUM(`stated`) AS `stated`, COUNT(DISTINCT `payee_key`) AS `payees`, "
            "SUM(`abs_pence`) AS `abs_pence`, SUM(`unread`) AS `unread`, SUM(`undated`) AS `undated`, "
            f"grouping_id() AS `gid` FROM `{view}` GROUP BY {keys} GROUPING SETS ({sets})").collect()
    finally:
        per_payee.sparkSession.catalog.dropTempView(view)
    got = pd.DataFrame([r.asDict() for r in grouped], columns=[*KEYS, *COUNTS, "abs_pence", "gid"])
    files = got[(got["gid"] == gid(SETS["files"])) & (got["status"] != "blank")]
    check_sum_fits(files["file"], [int(v or 0) for v in files["abs_pence"]])
    for c in (*COUNTS, "gid"):
        got[c] = got[c].fillna(0).astype("int64")
    return {name: got.loc[got["gid"] == gid(cols), [*cols, *COUNTS]]
            .reset_index(drop=True) for name, cols in SETS.items()}


COUNTS = ["rows", "pence", "stated", "payees", "unread", "undated"]


def check_sum_fits(files: pd.Series, abs_pence: list[int]) -> None:
    """Refuse the run when the sum of every |amount| is past int64 (then Spark's sums may have
    wrapped): the local engine's ``normalise.ledger.check_sums_fit``, on Spark's exact sums."""
    if sum(abs_pence) > INT64_MAX:
        names = ", ".join(dict.fromkeys(str(f) for f in files.fillna("(DataFrame)")))
        raise InputFileError(
            f"{names}: the amounts add up to more than {money(INT64_MAX)}, past what can be summed exactly.",
            hint="The amount column is likely broken (cells such as 9999999999.99 repeated): check "
                 "it, or map the right one with --column amount=HEADER.")


def date_spans(frame: DataFrame) -> pd.DataFrame:
    """The counted rows' ``aggregate.summary.date_spans`` table, from one small Spark query."""
    from pyspark.sql import functions as F

    first = F.col("payment_date")
    last = F.coalesce(F.col("period_end"), first)
    dated = frame.filter(F.col("rejected_reason").isNull() & first.isNotNull())
    got = (dated.groupBy(F.date_format(first, "yyyy-MM").alias("first_month"),
                         F.date_format(last, "yyyy-MM").alias("last_month"))
           .agg(F.min(first).alias("first"), F.max(last).alias("last")).collect())
    out = pd.DataFrame([r.asDict() for r in got], columns=["first_month", "last_month", "first", "last"])
    return out.sort_values(["first_month", "last_month"]).reset_index(drop=True)


def unknown_payees(frame: DataFrame) -> dict[str, UnknownPayees]:
    """Per family, the counted influenceable rows' payees of unknown class: how many, and the
    net pence of the largest ``TOP_UNKNOWN`` (``aggregate.coverage.unknown_payees``, as the
    local engine counts them): one small query per family, at most TOP_UNKNOWN rows back."""
    from pyspark.sql import functions as F

    rows = frame.filter(F.col("rejected_reason").isNull() & F.coalesce(F.col("influenceable"), F.lit(False)))
    per = rows.groupBy("payee_key").agg(*(
        F.sum(F.when(F.col(col) == "unknown", F.col("amount_pence"))).alias(family)
        for family, col in COLUMN.items()))
    sums = per.agg(*(F.count(F.col(f)).alias(f"n_{f}") for f in COLUMN),
                   *(F.sum(F.when(F.col(f) > 0, F.col(f))).alias(f"p_{f}") for f in COLUMN)).collect()[0]
    out = {}
    for family in COLUMN:
        top = per.filter(F.col(family) > 0).orderBy(F.col(family).desc()).limit(TOP_UNKNOWN)
        pence = np.array([int(r[0]) for r in top.select(family).collect()], dtype="int64")
        out[family] = UnknownPayees(int(sums[f"n_{family}"]), pence, int(sums[f"p_{family}"] or 0))
    return out


def _status(part: pd.DataFrame, status: str) -> pd.DataFrame:
    return part[part["status"] == status]


def class_counts(parts: dict[str, pd.DataFrame], spans: pd.DataFrame | None = None,
                 unknown: dict[str, UnknownPayees] | None = None) -> ClassCounts:
    """The grouping sets (and the ``date_spans`` of the counted rows) -> the counts the summary
    is made from (as ``summary.count_rows`` makes them from the local engine's rows)."""
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
        rejected_unread_amounts=int(rejected["unread"].sum()),
        rows_undated=int(counted["undated"].sum()),
        spans=spans,
        unknown=unknown,
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
            # every amount read, totals rows apart (their amount_pence is 0), as the local engine
            "pence_read": int(counted["pence"].sum() + files[mine & rejected]["pence"].sum()),
        }
        tot = files[mine & is_total]
        if len(tot):
            stated = int(tot["stated"].sum())
            others = int(counted["pence"].sum() + files[mine & rejected & ~is_total]["pence"].sum())
            got["totals_rows"] = {"rows": int(tot["rows"].sum()), "pence": stated,
                                  **totals_check(stated, others)}
        out.append(got)
    return out
