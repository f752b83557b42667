"""Classified rows -> the figures: spend, rows and payees per class, and the reconciliation.

The summary is a plain dict, the same one the JSON output prints (see
docs/json-schema.md). Sums are over int64 pence, never floats; the order of
every list is fixed, so the same input gives the same document.
"""

from __future__ import annotations

from importlib.metadata import version
from typing import TYPE_CHECKING, Any

from spendkit.decide.sizes import get_rule
from spendkit.schema import GEOGRAPHY_CLASSES, SECTOR_CLASSES, SIZE_CLASSES

if TYPE_CHECKING:
    import pandas as pd

    from spendkit.aggregate.result import Result

SCHEMA_VERSION = "1.1"


def breakdown(rows: pd.DataFrame, by: str, classes: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """{class: {pence, rows, payees, share}} for every class, in the given order."""
    g = rows.groupby(by, sort=False, observed=True)
    pence = g["amount_pence"].sum()
    count = g.size()
    payees = g["payee_key"].nunique()
    total = int(rows["amount_pence"].sum())
    out = {}
    for c in classes:
        p = int(pence.get(c, 0))
        out[c] = {"pence": p, "rows": int(count.get(c, 0)), "payees": int(payees.get(c, 0)),
                  "share": round(p / total, 6) if total else None}
    return out


def reconcile(result: Result) -> dict[str, Any]:
    rows, rejected = result.rows, result.rejected
    counted = int(rows["amount_pence"].sum())
    rej = int(rejected["amount_pence"].sum()) if len(rejected) else 0
    rows_read = sum(i["rows_read"] for i in result.inputs)
    by_reason: dict[str, int] = {}
    if len(rejected):
        kinds = (rejected["reason"].str.replace(r"'[^']*'", "'…'", regex=True)
                 .str.replace(r"\([^)]*\)", "(…)", regex=True))
        by_reason = {k: int(v) for k, v in kinds.value_counts().sort_index().items()}
    out = {
        "rows_read": rows_read,
        "rows_counted": len(rows),
        "rows_rejected": len(rejected),
        "pence_read": counted + rej,
        "pence_counted": counted,
        "pence_rejected": rej,
        "blank_rows_skipped": sum(i["blank_rows"] for i in result.inputs),
        "rejected_by_reason": by_reason,
    }
    out["balanced"] = (out["rows_read"] == out["rows_counted"] + out["rows_rejected"]
                       and out["pence_read"] == out["pence_counted"] + out["pence_rejected"])
    totals = [i["totals_rows"] for i in result.inputs if "totals_rows" in i]
    if totals:
        out["totals_rows"] = {"rows": sum(t["rows"] for t in totals),
                              "pence": sum(t["pence"] for t in totals),
                              "all_match": all(t["matches"] for t in totals)}
    return out


def summarise(result: Result) -> dict[str, Any]:
    """The whole classify document."""
    return {
        "schema_version": SCHEMA_VERSION,
        "spendkit_version": version("spendkit"),
        "inputs": result.inputs,
        "supplier_file": result.suppliers,
        "postcode_directory": result.directory,
        "place": result.place.to_dict(result.districts),
        "reconciliation": reconcile(result),
        "geography": breakdown(result.rows, "geography", GEOGRAPHY_CLASSES),
        "size": breakdown(result.rows, "size_band", SIZE_CLASSES),
        "sector": breakdown(result.rows, "sector", SECTOR_CLASSES),
        "headline": headline(result),
        "cross": {
            "geography_by_size": crosstab(result.rows, "geography", GEOGRAPHY_CLASSES,
                                          "size_band", SIZE_CLASSES),
            "geography_by_sector": crosstab(result.rows, "geography", GEOGRAPHY_CLASSES,
                                            "sector", SECTOR_CLASSES),
        },
    }


def crosstab(rows: pd.DataFrame, a: str, a_classes: tuple[str, ...], b: str,
             b_classes: tuple[str, ...]) -> dict[str, dict[str, int]]:
    """{a class: {b class: pence}}, every class present, integer pence."""
    sums = rows.groupby([a, b], sort=False, observed=True)["amount_pence"].sum()
    return {x: {y: int(sums.get((x, y), 0)) for y in b_classes} for x in a_classes}


def headline(result: Result) -> dict[str, Any]:
    """The committee's figures: shares of influenceable spend that are local, SME, VCFSE."""
    settings = result.settings
    rows = result.rows[["amount_pence", "payee_key", "geography", "size_band", "sector", "sme",
                        "influenceable"]]  # only what the figures need: no copy of the whole ledger
    inf = rows[rows["influenceable"]]
    excluded = rows[~rows["influenceable"]].groupby("sector", sort=True)["amount_pence"].sum()
    return headline_figures(inf, excluded, int(inf["payee_key"].nunique()), settings)


def headline_figures(inf: pd.DataFrame, excluded: pd.Series, payees: int, settings: Any,
                     pence: str = "amount_pence") -> dict[str, Any]:
    """The headline document from the influenceable rows (or per-class sums: the Spark engine
    passes grouped rows with a ``pence`` column), the excluded pence by sector, and payees."""
    total = int(inf[pence].sum())

    def share(mask: pd.Series) -> float | None:
        return round(int(inf.loc[mask, pence].sum()) / total, 6) if total else None

    rule = get_rule(settings.organisations.size_rule)
    return {
        "influenceable_pence": total,
        "influenceable_payees": payees,
        "excluded_sectors": list(settings.headline.exclude),
        "excluded_pence": {k: int(v) for k, v in excluded.items()},
        "local_share": share(inf["geography"] == "local"),
        "sub_regional_share": share(inf["geography"] == "sub_regional"),
        "local_or_sub_regional_share": share(inf["geography"].isin(["local", "sub_regional"])),
        "sme_share": share(inf["sme"].fillna(False).astype(bool)),
        "vcfse_share": share(inf["sector"] == "vcfse"),
        "unknown_place_share": share(inf["geography"] == "unknown"),
        "unknown_size_share": share(inf["size_band"] == "unknown"),
        "unknown_sector_share": share(inf["sector"] == "unknown"),
        "size_rule": {"id": rule.id, "name": rule.name},
        "vcfse_includes_guarantee_companies": settings.organisations.guarantee_is_vcfse,
    }
