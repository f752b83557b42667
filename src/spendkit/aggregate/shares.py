"""Headline shares (local, local or sub-regional, SME, VCFSE) of a denominator, and their trends
month by month and year by year.

    headline(rows, "influenceable")   # {'local': {'pence': ..., 'share': 0.157}, ...}
    trends(rows)["monthly"]           # one row per month, with the change in percentage points

The denominator is all counted spend, or influenceable spend (public bodies and individuals,
or the sectors named in headline.exclude, left out).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from spendkit.aggregate.coverage import (
    FAMILY,
    families_of,
    family_figure,
    fine_table,
    known_mask,
    measure,
    next_step,
    payees_carrying,
    unknown_payees,
)
from spendkit.aggregate.periods import count_rows, periods
from spendkit.config import MIN_COVERAGE, check_share
from spendkit.errors import ConfigError
from spendkit.schema import LABELS

DENOMINATORS = {
    "all": "all counted spend",
    "influenceable": "influenceable spend (public bodies and individuals left out, or the "
                     "sectors named in headline.exclude)",
}


def headline_masks(rows: pd.DataFrame) -> dict[str, pd.Series]:
    """The headline measures the rows allow: local always; SME and VCFSE when present."""
    out = {"local": rows["geography"] == "local",
           "local_or_sub_regional": rows["geography"].isin(["local", "sub_regional"])}
    if "sme" in rows:
        out["sme"] = rows["sme"].fillna(False).astype(bool)
    if "sector" in rows:
        out["vcfse"] = rows["sector"] == "vcfse"
    return out


def resolve_denominator(rows: pd.DataFrame, denominator: str = "auto") -> str:
    """'all' or 'influenceable': ``auto`` is influenceable when the rows say which spend is."""
    if denominator == "auto":
        return "influenceable" if "influenceable" in rows else "all"
    if denominator not in DENOMINATORS:
        raise ConfigError(f"--shares-of '{denominator}': use all or influenceable.")
    if denominator == "influenceable" and "influenceable" not in rows:
        raise ConfigError("influenceable spend needs the sector classes, which these rows lack.",
                          hint="Use --shares-of all.")
    return denominator


def denominator_text(rows: pd.DataFrame, denominator: str) -> str:
    """'influenceable spend (public bodies, individuals left out)': the sectors actually left out."""
    if denominator != "influenceable" or "influenceable" not in rows:
        return DENOMINATORS["all"]
    left_out = sorted(rows.loc[~rows["influenceable"].astype(bool), "sector"].unique())
    names = ", ".join(LABELS.get(s, s).lower() for s in left_out)
    return f"influenceable spend ({names} left out)" if names else "influenceable spend (nothing left out)"


def base_rows(rows: pd.DataFrame, denominator: str) -> pd.DataFrame:
    """The rows whose spend is the denominator of the headline shares."""
    return rows[rows["influenceable"].astype(bool)] if denominator == "influenceable" else rows


def headline(rows: pd.DataFrame, denominator: str, min_coverage: float = MIN_COVERAGE
             ) -> dict[str, Any]:
    """The headline shares of the rows' spend, of the ``denominator``'s spend, each with its
    coverage and bounds (``coverage.measure``: null below ``min_coverage``), and per family
    (place, size, sector) what is known and, where too little is, the next step."""
    base = base_rows(rows, denominator)
    total = int(base["amount_pence"].sum())
    out: dict[str, Any] = {"shares_of": denominator, "shares_of_text": denominator_text(rows, denominator),
                           "denominator_pence": total, "pence": int(rows["amount_pence"].sum()),
                           "min_coverage": min_coverage}
    fine = fine_table(base)
    for name in headline_masks(base):
        out[name] = measure(fine, name, total, min_coverage)
    out["coverage"] = {}
    for family in families_of(fine):
        fig = family_figure(fine, family, total, min_coverage)
        carrying = payees_carrying(unknown_payees(base, family))
        out["coverage"][family] = {**fig, "payees_carrying_unknown": carrying,
                                   "next_step": None if fig["enough_evidence"] or not total else
                                   next_step(family, fig, carrying, "the spend the shares are of")}
    return out


def trends(rows: pd.DataFrame, denominator: str = "auto", min_coverage: float = MIN_COVERAGE
           ) -> dict[str, Any]:
    """Headline shares month by month and financial year by year, with the change in
    percentage points (``_change_pp``: on the period before; ``_yoy_pp``: on the same month a
    year before), and each period's coverage of the measure's family (``_coverage``): a share
    whose period is below ``min_coverage`` is empty (NaN; null in JSON), as in the headline.
    Undated rows cannot be placed in time and are counted in ``undated``."""
    denominator = resolve_denominator(rows, denominator)
    base = base_rows(rows, denominator)
    dated = base[base["payment_date"].notna()]
    out: dict[str, Any] = {"shares_of": denominator, "undated": count_rows(base[base["payment_date"].isna()]),
                           "min_coverage": min_coverage}
    for kind, name in (("month", "monthly"), ("fy", "yearly")):
        table = _shares_by(dated, periods(dated["payment_date"], kind, dated.get("period_end")),
                           min_coverage)
        for m in headline_masks(dated):
            share = table[f"{m}_share"]
            table[f"{m}_change_pp"] = ((share - share.shift()) * 100).round(2)
            if kind == "month":
                # A period of several months ('2010-07 to 2010-09') has no one month a year before.
                ago = [str(pd.Period(p, "M") - 12) if len(p) == 7 and p[4] == "-" else None
                       for p in table["period"]]
                prior = dict(zip(table["period"], share, strict=True))
                table[f"{m}_yoy_pp"] = ((share - pd.Series([prior.get(p) for p in ago],
                                                           dtype="float64")) * 100).round(2)
        out[name] = table
    return out


def _shares_by(rows: pd.DataFrame, period: pd.Series, min_coverage: float) -> pd.DataFrame:
    g = rows["amount_pence"].groupby(period)
    table = pd.DataFrame({"rows": g.size(), "pence": g.sum().astype("int64")})
    total = table["pence"].replace(0, np.nan)
    for m, mask in headline_masks(rows).items():
        p = rows["amount_pence"].where(mask, 0).groupby(period).sum().astype("int64")
        unknown = rows["amount_pence"].where(~known_mask(rows, FAMILY[m]), 0).groupby(period).sum()
        coverage = ((total - unknown) / total).round(6)
        table[f"{m}_pence"] = p
        table[f"{m}_share"] = (p / total).round(6).where(coverage >= min_coverage)
        table[f"{m}_coverage"] = coverage
    table.index.name = "period"
    return table.sort_index().reset_index()


def parse_share(value: Any, where: str) -> float | None:
    """'15.7%' or 0.157 -> 0.157; '' -> None. A bare number above 1 is refused as ambiguous;
    a share must be a finite number from 0% to 100% (config.check_share)."""
    text = str(value).strip() if value is not None else ""
    if text in ("", "None"):
        return None
    try:
        number = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise ConfigError(f"{where}: '{value}' is not a share.",
                          hint="Write a share as 15.7% or 0.157.") from None
    if not text.endswith("%") and 1 < abs(number) < np.inf:
        raise ConfigError(f"{where}: '{value}' is ambiguous as a share.",
                          hint="Write 15.7% (with the sign) or 0.157.")
    return round(check_share(number, text, where), 6)
