"""Which classified rows a report counts: the period (financial year, calendar year or dates),
repeated rows dropped, and what is left out, in words.

    rows, repeated, period, status = prepare(result, fy="2024/25")
    period["label"]        # 'financial year 2024/25'
    period["undated"]      # {'rows': 3, 'pence': 12000}: undated rows cannot be placed in a period

Every count is of rows and int64 pence, so that classified = reported + left out, to the penny.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from spendkit.config import check_year
from spendkit.errors import ConfigError
from spendkit.money import money

if TYPE_CHECKING:
    from spendkit.aggregate.result import Result

UNDATED = "undated"
STATUS_REPORTED = "reported"
DUPLICATE_COLUMNS = ["source_file", "source_row", "transaction_id", "payee", "amount_pence"]


def periods(dates: pd.Series, kind: str, ends: pd.Series | None = None) -> pd.Series:
    """Dates -> '2024-04' (month), '2024/25 Q1' (financial-year quarter: Q1 is April-June),
    '2024/25' (UK financial year, 1 April-31 March) or '2024' (calendar year); 'undated'.

    With ``ends`` (the ledger's ``period_end``), a row whose date is a period that ends in a
    later month (quarter, year) than it starts is labelled with both, '2010-07 to 2010-09': its
    amount is not split between them, nor put in the first."""
    out = _labels(dates, kind)
    if ends is None:
        return out
    last = _labels(pd.to_datetime(ends).where(pd.to_datetime(dates).notna()), kind)
    return out.where((last == out) | (last == UNDATED), out + " to " + last).astype("str")


def _labels(dates: pd.Series, kind: str) -> pd.Series:
    d = pd.to_datetime(dates)
    if kind == "month":
        out = d.dt.strftime("%Y-%m")
    elif kind == "year":
        out = d.dt.strftime("%Y")
    else:
        start = d.dt.year - (d.dt.month < 4).astype("int64")
        fy = start.astype("Int64").astype("str") + "/" + \
            ((start + 1) % 100).astype("Int64").astype("str").str.zfill(2)
        out = fy if kind == "fy" else fy + " Q" + (((d.dt.month - 4) % 12) // 3 + 1).astype(
            "Int64").astype("str")
    return out.where(d.notna(), UNDATED).astype("str")


def parse_fy(text: str) -> tuple[date, date]:
    """'2024/25' (also '2024-25', '2024/2025', 'FY2024/25') -> (1 April 2024, 31 March 2025)."""
    m = re.fullmatch(r"\s*(?:FY\s*)?(\d{4})\s*[/-]\s*(\d{2}|\d{4})\s*", str(text), re.IGNORECASE)
    if m:
        start, end = check_year(int(m[1]), "--fy"), m[2]
        if int(end) == (start + 1) % (100 if len(end) == 2 else 10_000):
            return date(start, 4, 1), date(start + 1, 3, 31)
    raise ConfigError(f"--fy '{text}' is not a UK financial year.",
                      hint="Write it as 2024/25 (1 April 2024 to 31 March 2025).")


def parse_date(text: str | date, option: str = "--from") -> date:
    """'2024-04-01' or '01/04/2024' (day first, as UK ledgers write dates)."""
    if isinstance(text, date):
        return text
    for pattern, order in ((r"(\d{4})-(\d{1,2})-(\d{1,2})", (1, 2, 3)),
                           (r"(\d{1,2})/(\d{1,2})/(\d{4})", (3, 2, 1))):
        m = re.fullmatch(pattern, str(text).strip())
        if m:
            try:
                return date(check_year(int(m[order[0]]), option), int(m[order[1]]), int(m[order[2]]))
            except ValueError:
                break
    raise ConfigError(f"{option} '{text}' is not a date.",
                      hint="Write a date as 2024-04-01 or 01/04/2024 (day first).")


def filter_rows(rows: pd.DataFrame, date_from: str | date | None = None,
                date_to: str | date | None = None, fy: str | None = None,
                year: int | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Rows paid within the period (both ends included), and what was left out.

    ``fy`` ('2024/25') and ``year`` (a calendar year) are alternatives to ``date_from`` /
    ``date_to``. Undated rows cannot be placed in a period: under any date filter they are
    left out, and counted in ``undated``.
    """
    keep, info = period_mask(rows, date_from, date_to, fy, year)
    return rows[keep.to_numpy()].reset_index(drop=True), info


def period_mask(rows: pd.DataFrame, date_from: str | date | None = None,
                date_to: str | date | None = None, fy: str | None = None,
                year: int | None = None) -> tuple[pd.Series, dict[str, Any]]:
    """(True for rows within the period, what the period is and what it leaves out)."""
    if sum(x is not None for x in (fy, year)) + (date_from is not None or date_to is not None) > 1:
        raise ConfigError("give one period: --fy, --year, or --from/--to.")
    start = parse_date(date_from, "--from") if date_from is not None else None
    end = parse_date(date_to, "--to") if date_to is not None else None
    label = None
    if fy is not None:
        start, end = parse_fy(fy)
        label = f"financial year {start.year}/{(start.year + 1) % 100:02d}"
    elif year is not None:
        year = check_year(year, "--year")
        start, end = date(year, 1, 1), date(year, 12, 31)
        label = f"calendar year {year}"
    if start and end and start > end:
        raise ConfigError(f"the period starts ({start}) after it ends ({end}).")
    info: dict[str, Any] = {"from": start.isoformat() if start else None,
                            "to": end.isoformat() if end else None}
    d = rows["payment_date"]
    last = rows["period_end"].fillna(d) if "period_end" in rows else d  # a period's last day
    if start is None and end is None:
        keep = pd.Series(True, index=rows.index)
        info["label"] = "all dates"
    else:
        keep = d.notna()
        if start is not None:
            keep &= d >= pd.Timestamp(start)
        if end is not None:
            keep &= last < pd.Timestamp(end) + pd.Timedelta(days=1)
        info["label"] = label or f"{start or 'the start'} to {end or 'the end'}"
    info["outside"] = count_rows(rows[(d.notna() & ~keep).to_numpy()])
    info["undated"] = count_rows(rows[(d.isna() & ~keep).to_numpy()])
    # Rows whose period (a month, a quarter) is only partly within: outside, and said so.
    lo = pd.Timestamp(start) if start else pd.Timestamp.min
    hi = pd.Timestamp(end) + pd.Timedelta(days=1) if end else pd.Timestamp.max
    partly = d.notna() & ~keep & (last >= lo) & (d < hi)
    info["partly_inside"] = count_rows(rows[partly.to_numpy()])
    return keep, info


def check_options(date_from: str | date | None = None,
                  date_to: str | date | None = None, fy: str | None = None,
                  year: int | None = None) -> None:
    """Fail on a bad period before reading any ledger (column names are checked after)."""
    filter_rows(pd.DataFrame({"payment_date": pd.Series([], dtype="datetime64[ns]"),
                              "amount_pence": pd.Series([], dtype="int64")}),
                date_from, date_to, fy, year)


def count_rows(rows: pd.DataFrame) -> dict[str, int]:
    """Rows and pence: {'rows': n, 'pence': total}."""
    return {"rows": len(rows), "pence": int(rows["amount_pence"].sum())}


# ---------------------------------------------------------------- repeated rows


def duplicates(rows: pd.DataFrame) -> pd.Series:
    """True for each row that repeats a row of an *earlier* input table: the same transaction
    id, amount and payee. Rows without a transaction id are never called repeats.

    Within one table a repeated key is taken as genuine (several lines of one invoice), so a
    row repeats only its n-th twin in an earlier table: if both files hold two such lines, both
    of the second file's are repeats. The first occurrence is the one kept.
    """
    if "transaction_id" not in rows or rows.empty:
        return pd.Series(False, index=rows.index)
    # Tables are concatenated in order; a new table starts where the file changes or the row
    # numbers restart (the same file given twice).
    new = (rows["source_file"] != rows["source_file"].shift()) | \
        (rows["source_row"] <= rows["source_row"].shift())
    table = new.cumsum()
    key = rows["transaction_id"].astype("str") + "\x1f" + rows["amount_pence"].astype("str") + \
        "\x1f" + rows["payee_key"].astype("str")
    nth = key.groupby([key, table]).cumcount()
    twin = key + "\x1f" + nth.astype("str")
    return twin.duplicated(keep="first") & (rows["transaction_id"].astype("str") != "")


def prepare(result: Result, *, date_from: str | date | None = None, date_to: str | date | None = None,
            fy: str | None = None, year: int | None = None, keep_duplicates: bool = False
            ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any], pd.Series]:
    """(rows to report, repeated rows, period info, status): duplicates dropped first, then the
    period. ``status`` says, per classified row, 'reported' or why it is not."""
    rows = result.rows
    repeat = duplicates(rows).to_numpy()
    status = pd.Series(STATUS_REPORTED, index=rows.index, dtype="str")
    if not keep_duplicates:
        status[repeat] = "duplicate of an earlier file's row"
    rest = rows[status.to_numpy() == STATUS_REPORTED]
    keep, period = period_mask(rest, date_from, date_to, fy, year)
    left = keep.index[~keep.to_numpy()]
    status[left] = np.where(rows.loc[left, "payment_date"].isna(), "undated",
                            f"outside {period['label']}")
    reported = rows[status.to_numpy() == STATUS_REPORTED].reset_index(drop=True)
    return reported, rows[repeat].reset_index(drop=True), period, status


def period_notes(duplicated: pd.DataFrame, period: dict[str, Any], kept: bool) -> list[str]:
    """What a report leaves out of the classified rows, in words."""
    out = []
    if len(duplicated):
        what = "kept (--keep-duplicates)" if kept else "dropped; the first occurrence is kept"
        out.append(f"{len(duplicated):,} row(s), {money(int(duplicated['amount_pence'].sum()))}, "
                   f"repeat a row of an earlier file (same transaction id, amount and payee): {what}.")
    if period["undated"]["rows"]:
        u = period["undated"]
        out.append(f"{u['rows']:,} undated row(s), {money(u['pence'])}, left out: they cannot be "
                   f"placed in {period['label']}.")
    if period["outside"]["rows"]:
        o = period["outside"]
        out.append(f"{o['rows']:,} row(s), {money(o['pence'])}, paid outside {period['label']}, "
                   "left out.")
    partly = period.get("partly_inside", {"rows": 0})
    if partly["rows"]:
        out.append(f"{partly['rows']:,} of them, {money(partly['pence'])}, are dated by a period (a month, "
                   f"a quarter) only partly within {period['label']}: left out, not split.")
    return out
