"""Classified rows -> the figures: spend, rows and payees per class, and the reconciliation.

The summary is a plain dict, the same one the JSON output prints (see
docs/json-schema.md). Sums are over int64 pence, never floats; the order of
every list is fixed, so the same input gives the same document.

One implementation for both engines. An engine hands over ``ClassCounts``, a few small
engine-neutral tables (per class pence, rows and distinct payees for each family; pence per
combination of classes; the reconciliation's counts and rejection kinds), and ``document``
makes every figure from them. The local engine counts its rows with pandas (``count_rows``),
the Spark engine with one GROUPING SETS query (``engines.spark.grouping``). Distinct payees
cannot be summed from finer groups, so each engine counts them per class and for the
influenceable rows itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

import pandas as pd

from spendkit.aggregate.coverage import (
    COLUMN,
    UnknownPayees,
    family_figure,
    measure,
    next_step,
    payees_carrying,
    suppliers_command,
    unknown_payees,
)
from spendkit.reference.size_rules import get_rule
from spendkit.schema import GEOGRAPHY_CLASSES, SECTOR_CLASSES, SIZE_CLASSES

if TYPE_CHECKING:
    from spendkit.aggregate.result import Result
    from spendkit.config import Settings
    from spendkit.reference.districts import Districts, Place

SCHEMA_VERSION = "2.0"

# A rejection reason with its values taken out is its kind ("Net Amount: '…' is not an
# amount"): quoted cells, then anything in brackets. Regular expressions that Python and
# Spark (Java) read alike: the Spark engine runs them with regexp_replace.
REASON_KIND = ((r"'[^']*'", "'…'"), (r"\([^)]*\)", "(…)"))
# The families of classes with their column in the rows; the finest grouping of counted rows.
FAMILIES = (("geography", "geography", GEOGRAPHY_CLASSES), ("size", "size_band", SIZE_CLASSES),
            ("sector", "sector", SECTOR_CLASSES))
FINE_KEYS = ("geography", "size_band", "sector", "influenceable", "sme")


@dataclass
class ClassCounts:
    """Everything the figures are made from, counted by an engine over its rows.

    ``classes``: for each family's column (geography, size_band, sector), a table indexed by
    class with ``pence``, ``rows`` and ``payees`` (distinct payee keys) of the counted rows.
    ``fine``: the ``FINE_KEYS`` columns and ``pence``, one row per combination of classes met
    in the counted rows (a class column's dtype gives the order of ``excluded_pence``).
    ``rejected_by_reason``: rejected rows per reason kind (``reason_kinds``).
    ``rejected_unread_amounts``: rejected rows whose amount cell could not be read (their
    pence are unknown, not 0). ``rows_undated``: counted rows with no date. ``spans``: the
    counted rows' dates, one row per distinct (first month, last month) of their periods, with
    the earliest day and the latest last day (``date_spans``). ``unknown``: per family (place,
    size, sector), the influenceable payees whose class is unknown and the largest of their net
    pence (``coverage.UnknownPayees``), to count how many carry most of the unknown spend.
    """

    classes: dict[str, pd.DataFrame]
    fine: pd.DataFrame
    influenceable_payees: int
    rows_counted: int
    pence_counted: int
    rows_rejected: int
    pence_rejected: int
    rejected_by_reason: dict[str, int]
    rejected_unread_amounts: int = 0
    rows_undated: int = 0
    spans: pd.DataFrame | None = None
    unknown: dict[str, UnknownPayees] | None = None


def reason_kinds(reasons: pd.Series) -> pd.Series:
    """Each rejection reason's kind (``REASON_KIND``)."""
    for pattern, repl in REASON_KIND:
        reasons = reasons.str.replace(pattern, repl, regex=True)
    return reasons


def class_counts(rows: pd.DataFrame, by: str) -> pd.DataFrame:
    """pence, rows and distinct payees of ``rows`` per class of column ``by``."""
    g = rows.groupby(by, sort=False, observed=True)
    return pd.DataFrame({"pence": g["amount_pence"].sum(), "rows": g.size(),
                         "payees": g["payee_key"].nunique()})


def date_spans(rows: pd.DataFrame) -> pd.DataFrame:
    """Per distinct (first month, last month) of the dated rows' periods: the first day and
    the last day met (``ClassCounts.spans``; the Spark engine makes the same table)."""
    dated = rows[rows["payment_date"].notna()]
    first = dated["payment_date"]
    last = dated["period_end"].fillna(first) if "period_end" in dated else first
    g = pd.DataFrame({"first_month": first.dt.to_period("M").astype("str"),
                      "last_month": last.dt.to_period("M").astype("str"), "first": first, "last": last})
    return g.groupby(["first_month", "last_month"], sort=True).agg(first=("first", "min"), last=("last", "max")
                                                                    ).reset_index()


def coverage(spans: pd.DataFrame | None) -> dict[str, Any] | None:
    """The dates the counted rows cover: first and last day, and the calendar months inside
    that range that no row's date (or period) falls in."""
    if spans is None or spans.empty:
        return None
    covered: set[pd.Period] = set()
    for a, b in zip(spans["first_month"], spans["last_month"], strict=True):  # per distinct span
        covered.update(pd.period_range(a, b, freq="M"))
    every = pd.period_range(min(covered), max(covered), freq="M")
    return {"from": pd.Timestamp(spans["first"].min()).date().isoformat(),
            "to": pd.Timestamp(spans["last"].max()).date().isoformat(),
            "months": len(every), "months_missing": [str(m) for m in every if m not in covered]}


def count_rows(rows: pd.DataFrame, rejected: pd.DataFrame) -> ClassCounts:
    """The local engine's counts: its counted and rejected rows, grouped with pandas."""
    fine = (rows.groupby(list(FINE_KEYS), sort=False, observed=True, dropna=False)["amount_pence"]
            .sum().rename("pence").reset_index())
    influenceable = rows["influenceable"].fillna(False).astype(bool)
    by_reason: dict[str, int] = {}
    if len(rejected):
        by_reason = {k: int(v) for k, v in reason_kinds(rejected["reason"]).value_counts().items()}
    return ClassCounts(
        classes={by: class_counts(rows, by) for _, by, _ in FAMILIES},
        fine=fine,
        influenceable_payees=int(rows.loc[influenceable, "payee_key"].nunique()),
        rows_counted=len(rows),
        pence_counted=int(rows["amount_pence"].sum()),
        rows_rejected=len(rejected),
        pence_rejected=int(rejected["amount_pence"].sum()) if len(rejected) else 0,
        rejected_by_reason=by_reason,
        rejected_unread_amounts=int(rejected["amount_pence"].isna().sum()) if len(rejected) else 0,
        rows_undated=int(rows["payment_date"].isna().sum()),
        spans=date_spans(rows),
        unknown={family: unknown_payees(rows[influenceable.to_numpy()], family) for family in COLUMN},
    )


def summarise(result: Result) -> dict[str, Any]:
    """The whole classify document of the local engine's result."""
    return document(count_rows(result.rows, result.rejected), inputs=result.inputs,
                    suppliers=result.suppliers, directory=result.directory, place=result.place,
                    districts=result.districts, settings=result.settings,
                    registers=result.registers)


def document(counts: ClassCounts, *, inputs: list[dict[str, Any]], suppliers: dict[str, Any] | None,
             directory: str, place: Place, districts: Districts, settings: Settings,
             registers: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The whole classify document, from any engine's counts and what it read."""
    return {
        "schema_version": SCHEMA_VERSION,
        "spendkit_version": version("spendkit"),
        "inputs": inputs,
        "supplier_file": suppliers,
        "postcode_directory": directory,
        "registers": registers or [],
        "place": place.to_dict(districts),
        "reconciliation": reconcile(counts, inputs),
        **{family: class_figures(counts.classes[by], classes, counts.pence_counted)
           for family, by, classes in FAMILIES},
        "headline": headline(counts, settings),
        "cross": {
            "geography_by_size": crosstab(counts.fine, "geography", GEOGRAPHY_CLASSES,
                                          "size_band", SIZE_CLASSES),
            "geography_by_sector": crosstab(counts.fine, "geography", GEOGRAPHY_CLASSES,
                                            "sector", SECTOR_CLASSES),
        },
        "bases": BASES,
        "list_payees": suppliers_command([i["file"] for i in inputs],
                                         [d["name"] for d in place.to_dict(districts)["local"]]),
    }


def class_figures(counted: pd.DataFrame, classes: tuple[str, ...], total: int
                  ) -> dict[str, dict[str, Any]]:
    """{class: {pence, rows, payees, share}} for every class, in the given order, from a
    ``class_counts`` table; ``total`` is the pence the shares are of."""
    out = {}
    for c in classes:
        p = int(counted["pence"].get(c, 0))
        out[c] = {"pence": p, "rows": int(counted["rows"].get(c, 0)),
                  "payees": int(counted["payees"].get(c, 0)),
                  "share": round(p / total, 6) if total else None}
    return out


def breakdown(rows: pd.DataFrame, by: str, classes: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """{class: {pence, rows, payees, share}} of ``rows`` for every class, in the given order."""
    return class_figures(class_counts(rows, by), classes, int(rows["amount_pence"].sum()))


def reconcile(counts: ClassCounts, inputs: list[dict[str, Any]]) -> dict[str, Any]:
    """Rows and pence read = counted + rejected; rejections by kind; files' totals rows; the
    dates covered; and what was checked, in words.

    Rows and pence read are counted as each table is read (``inputs``), before its rows are
    split into counted and rejected, so ``balanced`` fails if a row or a penny goes missing
    after. ``pence_read`` is every amount that could be read, totals rows apart; a rejected
    row whose amount could not be read weighs nothing in either side, and is counted in
    ``rejected_amount_unreadable`` instead."""
    out: dict[str, Any] = {
        "rows_read": sum(i["rows_read"] for i in inputs),
        "rows_counted": counts.rows_counted,
        "rows_rejected": counts.rows_rejected,
        "pence_read": sum(i["pence_read"] for i in inputs),
        "pence_counted": counts.pence_counted,
        "pence_rejected": counts.pence_rejected,
        "rejected_amount_unreadable": counts.rejected_unread_amounts,
        "rows_undated": counts.rows_undated,
        "blank_rows_skipped": sum(i["blank_rows"] for i in inputs),
        "rejected_by_reason": dict(sorted(counts.rejected_by_reason.items())),
        "dates": coverage(counts.spans),
    }
    out["balanced"] = (out["rows_read"] == out["rows_counted"] + out["rows_rejected"]
                       and out["pence_read"] == out["pence_counted"] + out["pence_rejected"])
    out["checked"] = checked(out, inputs)
    totals = [i["totals_rows"] for i in inputs if "totals_rows" in i]
    if totals:
        out["totals_rows"] = {"rows": sum(t["rows"] for t in totals),
                              "pence": sum(t["pence"] for t in totals),
                              "all_match": all(t["matches"] for t in totals)}
    return out


def checked(rec: dict[str, Any], inputs: list[dict[str, Any]]) -> str:
    """What the reconciliation checked, in one sentence: tables, rows, pence, dates."""
    files = len({i["file"] for i in inputs})
    sheets = sum(1 for i in inputs if i.get("sheet") is not None)
    parts = [f"{files:,} file(s)" + (f" ({sheets:,} sheet(s))" if sheets else ""),
             f"{rec['rows_read']:,} rows", "their pence"]
    dates = rec["dates"]
    if dates:
        missing = dates["months_missing"]
        gap = (f"{len(missing)} month(s) missing inside: {', '.join(missing[:12])}"
               + (" ..." if len(missing) > 12 else "")) if missing else "no month missing"
        parts.append(f"dates {dates['from']} to {dates['to']} ({gap})")
    if rec["rows_undated"]:
        parts.append(f"{rec['rows_undated']:,} counted row(s) UNDATED")
    if rec["rejected_amount_unreadable"]:
        parts.append(f"{rec['rejected_amount_unreadable']:,} rejected row(s) with an unreadable amount "
                     "(pence unknown)")
    return "Checked " + "; ".join(parts)


def crosstab(fine: pd.DataFrame, a: str, a_classes: tuple[str, ...], b: str,
             b_classes: tuple[str, ...]) -> dict[str, dict[str, int]]:
    """{a class: {b class: pence}}, every class present, integer pence."""
    sums = fine.groupby([a, b], sort=False, observed=True)["pence"].sum()
    return {x: {y: int(sums.get((x, y), 0)) for y in b_classes} for x in a_classes}


BASES = {
    "headline": "influenceable spend: all counted spend less the sectors in headline.exclude "
                "(public bodies and individuals by default); headline.excluded_sectors names them",
    "geography": "all counted spend", "size": "all counted spend", "sector": "all counted spend",
    "cross": "all counted spend (pence only)",
}
HEADLINE_MEASURES = ("local", "sub_regional", "local_or_sub_regional", "sme", "vcfse")


def headline(counts: ClassCounts, settings: Settings) -> dict[str, Any]:
    """The committee's figures: shares of influenceable spend that are local, SME, VCFSE, each
    with its coverage and bounds (``coverage.measure``); a share whose family is known for less
    than ``headline.min_coverage`` of the spend is null, and ``coverage`` says what to supply
    (``next_step``; the document's ``list_payees`` is the command that lists the payees)."""
    fine = counts.fine
    influenceable = fine["influenceable"].fillna(False).astype(bool)
    inf = fine[influenceable]
    excluded = fine[~influenceable].groupby("sector", sort=True, observed=True)["pence"].sum()
    total = int(inf["pence"].sum())

    def share(mask: pd.Series) -> float | None:
        return round(int(inf.loc[mask, "pence"].sum()) / total, 6) if total else None

    rule = get_rule(settings.organisations.size_rule)
    least = settings.headline.min_coverage
    measures = {m: measure(inf, m, total, least) for m in HEADLINE_MEASURES}
    families: dict[str, dict[str, Any]] = {}
    for family in COLUMN:
        fig = family_figure(inf, family, total, least)
        unknown = (counts.unknown or {}).get(family)
        carrying = payees_carrying(unknown) if unknown is not None else None
        families[family] = {**fig, "payees_carrying_unknown": carrying,
                            "next_step": None if fig["enough_evidence"] or not total else
                            next_step(family, fig, carrying, "influenceable spend")}
    return {
        "influenceable_pence": total,
        "influenceable_payees": counts.influenceable_payees,
        "excluded_sectors": list(settings.headline.exclude),
        "excluded_pence": {k: int(v) for k, v in excluded.items()},
        **{f"{m}_share": measures[m]["share"] for m in HEADLINE_MEASURES},
        "unknown_place_share": share(inf["geography"] == "unknown"),
        "unknown_size_share": share(inf["size_band"] == "unknown"),
        "unknown_sector_share": share(inf["sector"] == "unknown"),
        "size_rule": {"id": rule.id, "name": rule.name},
        "vcfse_includes_guarantee_companies": settings.organisations.guarantee_is_vcfse,
        "min_coverage": least,
        "measures": measures,
        "coverage": families,
    }
