"""How much each figure knows: coverage, bounds, and what to supply when it knows too little.

A share such as "local 16.1%" counts the spend *known* to be local. Spend whose place is
unknown is in the denominator but in neither the local nor the non-local part, so:

* **coverage**: the share of the denominator's spend on which the measure's family is known
  (place for local and sub-regional, size for SME, sector for VCFSE);
* **bounds**: ``low`` = the share if every unknown were out (the share as counted), ``high``
  = the share if every unknown were in (``low`` + the unknown share);
* **enough evidence**: coverage at or above ``[headline] min_coverage``; below it the share
  is given as null, never as a known figure, and ``next_step`` says what to supply.

One implementation for every figure: the classify headline (from either engine's
``ClassCounts``), a report's headline, and each organisation of a league table all call
``measure`` on a table of pence by class (``fine``), and ``unknown_payees`` /
``payees_carrying`` for how concentrated the unknown spend is.

    fine = fine_table(rows)                        # pence per combination of classes
    measure(fine, "local", total, 0.5)             # {'pence': ..., 'share': ..., 'coverage': ...}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from spendkit.money import money

# measure -> the family whose knowledge it needs
FAMILY = {"local": "place", "sub_regional": "place", "local_or_sub_regional": "place",
          "sme": "size", "vcfse": "sector"}
# family -> the rows' class column (its class "unknown" is what is not known)
COLUMN = {"place": "geography", "size": "size_band", "sector": "sector"}
# how many payees, largest unknown spend first, are kept to count the ones carrying TARGET
TOP_UNKNOWN = 10_000
TARGET = 0.8
REMEDY = {
    "place": "a supplier file with postcodes (--suppliers FILE), or the registers' registered "
             "addresses (installed once with spendkit registers add/fetch; every run then uses them)",
    "size": "staff and turnover in a supplier file (--suppliers FILE), or the Companies House "
            "and charity registers (spendkit registers add/fetch)",
    "sector": "a sector or legal form in a supplier file (--suppliers FILE), or the charity "
              "and company registers (spendkit registers add/fetch)",
}


def in_mask(frame: pd.DataFrame, measure: str) -> pd.Series:
    """The rows (or fine groups) counted in ``measure``."""
    if measure == "local_or_sub_regional":
        return frame["geography"].isin(["local", "sub_regional"])
    if measure in ("local", "sub_regional"):
        return frame["geography"] == measure
    if measure == "sme":
        return frame["sme"].fillna(False).astype(bool)
    if measure == "vcfse":
        return frame["sector"] == "vcfse"
    raise KeyError(measure)


def known_mask(frame: pd.DataFrame, family: str) -> pd.Series:
    """The rows (or fine groups) whose class in ``family`` is known."""
    return frame[COLUMN[family]] != "unknown"  # (a Categorical compares without a copy as text)


def fine_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Pence per combination of the class columns the rows hold (what ``measure`` reads)."""
    keys = [c for c in ("geography", "size_band", "sector", "sme") if c in rows]
    return (rows.groupby(keys, sort=False, observed=True, dropna=False)["amount_pence"].sum()
            .rename("pence").reset_index())


def families_of(frame: pd.DataFrame) -> list[str]:
    """The families whose class column the table holds, in order."""
    return [f for f, c in COLUMN.items() if c in frame]


def family_figure(fine: pd.DataFrame, family: str, total: int, min_coverage: float) -> dict[str, Any]:
    """{known_pence, unknown_pence, coverage, enough_evidence} of ``family`` over ``total``."""
    unknown = int(fine.loc[~known_mask(fine, family), "pence"].sum())
    coverage = round((total - unknown) / total, 6) if total else None
    return {"known_pence": total - unknown, "unknown_pence": unknown, "coverage": coverage,
            "enough_evidence": coverage is not None and coverage >= min_coverage}


def measure(fine: pd.DataFrame, name: str, total: int, min_coverage: float) -> dict[str, Any]:
    """One share with what it knows: pence in, share (null below ``min_coverage``), coverage,
    bounds (``low``: every unknown out; ``high``: every unknown in), enough_evidence."""
    fam = family_figure(fine, FAMILY[name], total, min_coverage)
    inside = int(fine.loc[in_mask(fine, name), "pence"].sum())
    if not total:
        return {"pence": inside, "share": None, "coverage": None, "low": None, "high": None,
                "enough_evidence": False}
    low, high = sorted((round(inside / total, 6), round((inside + fam["unknown_pence"]) / total, 6)))
    return {"pence": inside, "share": round(inside / total, 6) if fam["enough_evidence"] else None,
            "coverage": fam["coverage"], "low": low, "high": high,
            "enough_evidence": fam["enough_evidence"]}


@dataclass
class UnknownPayees:
    """Per family: the distinct payees with spend of unknown class in the denominator, and the
    net pence of the largest of them (at most ``TOP_UNKNOWN``, largest first, positive only)."""

    payees: int
    top_pence: np.ndarray
    positive_pence: int  # the net unknown pence of every payee whose net is positive


def unknown_payees(rows: pd.DataFrame, family: str) -> UnknownPayees:
    """``UnknownPayees`` of ``rows`` (already the denominator's rows), by numpy: per payee
    (the payee key's category codes) the int64 sum of its unknown pence."""
    mask = (~known_mask(rows, family)).to_numpy(dtype=bool)
    key = rows["payee_key"]
    if not isinstance(key.dtype, pd.CategoricalDtype):
        key = key.astype("category")
    codes = key.cat.codes.to_numpy()[mask]
    pence = rows["amount_pence"].to_numpy(dtype="int64")[mask]
    sums = np.zeros(len(key.cat.categories), dtype="int64")
    np.add.at(sums, codes, pence)  # exact int64 sums, no float
    seen = np.bincount(codes, minlength=len(sums)) > 0
    positive = sums[seen & (sums > 0)]
    return UnknownPayees(int(seen.sum()), np.sort(positive)[::-1][:TOP_UNKNOWN], int(positive.sum()))


def payees_carrying(unknown: UnknownPayees, target: float = TARGET) -> dict[str, Any]:
    """How many payees, largest first, carry ``target`` of the unknown spend (of the payees
    with net positive unknown spend). ``at_least`` when more than ``TOP_UNKNOWN`` are needed."""
    total = unknown.positive_pence
    cum = np.cumsum(unknown.top_pence)
    if total <= 0 or not len(cum):
        return {"target": target, "payees": 0, "of": unknown.payees, "at_least": False}
    k = int(np.searchsorted(cum, target * total, side="left") + 1)
    return {"target": target, "payees": min(k, len(cum)), "of": unknown.payees,
            "at_least": k > len(cum)}  # the kept payees (TOP_UNKNOWN) do not reach the target


def next_step(family: str, figure: dict[str, Any], carrying: dict[str, Any] | None, base: str) -> str:
    """One line: what to supply to know more about ``family``, and how many payees matter most
    (the command that lists them, ``suppliers_command``, names the inputs: the document
    gives it once, as ``list_payees``)."""
    text = (f"Not enough evidence on {family}: {1 - (figure['coverage'] or 0):.1%} of {base} "
            f"({money(figure['unknown_pence'])}) has no known {family}. Next: {REMEDY[family]}")
    if carrying and carrying["payees"]:
        many = f"{'at least ' if carrying['at_least'] else ''}{carrying['payees']:,}"
        text += (f"; {many} of {carrying['of']:,} payees carry {carrying['target']:.0%} of the "
                 "unknown spend: list them, largest first, with spendkit suppliers")
    return text + "."


def suppliers_command(files: list[str], places: list[str]) -> str:
    """The `spendkit suppliers` command that lists the payees of these files (biggest spend
    first, with the facts each one lacks), to fill in and pass back with --suppliers."""
    quoted = [f'"{f}"' if " " in f else f for f in dict.fromkeys(files)]
    shown = " ".join(quoted[:3]) + (" ..." if len(quoted) > 3 else "")
    place = " ".join(f'--place "{p}"' if " " in p else f"--place {p}" for p in places)
    return f"spendkit suppliers {shown} {place} --out suppliers.csv".replace("  ", " ")
