"""Classified rows -> the report: breakdowns by any dimension, trends, repeated rows, periods.

    result = spendkit.classify(["apr.csv", "may.csv"], place="Wigan")
    rep = build_report(result, by=["department", "month"], fy="2024/25")
    rep.breakdowns[0].table          # one row per department, pence per class
    rep.to_dict()                      # the document `spendkit report --format json` prints

Every figure is a sum of int64 pence. What the report leaves out of the classified rows
(repeated rows, rows outside the period, undated rows under a date filter) is counted and
shown, so that classified = reported + left out, to the penny.

The parts: ``periods`` (which rows are counted), ``dimensions`` (class families and the
breakdown tables), ``shares`` (headline shares and trends), ``lm3`` (the local multiplier).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from spendkit.aggregate.dimensions import (
    DIMENSION_TITLES,
    FAMILIES,
    breakdown_table,
    classes,
    dimension,
    families,
)
from spendkit.aggregate.display import Display, Displayed, report_display
from spendkit.aggregate.lm3 import lm3, read_respend
from spendkit.aggregate.periods import DUPLICATE_COLUMNS, count_rows, period_notes, prepare
from spendkit.aggregate.records import records
from spendkit.aggregate.shares import DENOMINATORS, headline, resolve_denominator, trends
from spendkit.aggregate.summary import breakdown as class_breakdown
from spendkit.money import money

if TYPE_CHECKING:
    from spendkit.aggregate.documents import ReportDocument
    from spendkit.aggregate.result import Result

SCHEMA_VERSION = "2.0"
UNKNOWN_WARNING = 0.05  # an unknown share above this is pointed out


@dataclass
class Breakdown:
    family: str  # geography | size | sector
    by: str  # the dimension's name: department, month, 'Service Area'...
    table: pd.DataFrame
    classes: tuple[str, ...]

    @property
    def title(self) -> str:
        return f"{self.family.capitalize()} by {DIMENSION_TITLES.get(self.by, self.by)}"

    def long(self) -> pd.DataFrame:
        """Tidy: one row per group and class (the CSV and Parquet layout)."""
        t = self.table
        parts = [pd.DataFrame({"family": self.family, "by": self.by, "group": t["group"], "class": c,
                               "pence": t[f"{c}_pence"], "share_of_group": t[f"{c}_share"]})
                 for c in self.classes]
        order = {g: i for i, g in enumerate(t["group"])}
        out = pd.concat(parts, ignore_index=True)
        out["_g"], out["_c"] = out["group"].map(order), out["class"].map(self.classes.index)
        return out.sort_values(["_g", "_c"]).drop(columns=["_g", "_c"]).reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        groups = []
        for rec in self.table.to_dict("records"):
            groups.append({"group": rec["group"], "rows": int(rec["rows"]),
                           "payees": int(rec["payees"]), "pence": int(rec["pence"]),
                           "classes": {c: {"pence": int(rec[f"{c}_pence"]),
                                           "share": _num(rec[f"{c}_share"])} for c in self.classes}})
        return {"family": self.family, "by": self.by, "groups": groups}


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


@dataclass(repr=False)
class Report(Displayed):
    """What ``spendkit.make_report`` returns: a classified run (``result``), narrowed to a
    period and with repeated rows dropped (``rows``), ready to render: ``headline``,
    ``breakdowns``, ``trends``, ``reconciliation()``, ``to_dict()`` (the JSON document) and
    ``document()`` (the same, typed)."""

    result: Result
    rows: pd.DataFrame  # the rows reported
    duplicates: pd.DataFrame  # rows dropped as repeats of an earlier file's rows
    period: dict[str, Any]
    status: pd.Series  # per classified row: 'reported', or why it is left out
    by: list[str] = field(default_factory=list)
    shares_of: str = "all"
    keep_duplicates: bool = False
    lm3: dict[str, Any] | None = None

    @cached_property
    def summary(self) -> dict[str, Any]:
        return self.result.summary()

    @cached_property
    def breakdowns(self) -> list[Breakdown]:
        """Every class family against every ``by``, in that order (a bad ``by`` raises)."""
        out = []
        for b in self.by:
            name, groups, chronological = dimension(self.rows, b)
            out += [Breakdown(fam, name, breakdown_table(self.rows, fam, groups, chronological),
                              classes(self.rows, fam)) for fam in families(self.rows)]
        return out

    @cached_property
    def trends(self) -> dict[str, Any]:
        return trends(self.rows, self.shares_of, self.result.settings.headline.min_coverage)

    @cached_property
    def headline(self) -> dict[str, Any]:
        return headline(self.rows, self.shares_of, self.result.settings.headline.min_coverage)

    def class_totals(self) -> dict[str, dict[str, dict[str, Any]]]:
        return {f: class_breakdown(self.rows, FAMILIES[f], classes(self.rows, f))
                for f in families(self.rows)}

    def reconciliation(self) -> dict[str, Any]:
        """Classified = reported + repeats dropped + outside the period + undated, in rows and pence."""
        rec = self.summary["reconciliation"]
        reported = count_rows(self.rows)
        dropped = (count_rows(self.duplicates) if not self.keep_duplicates
                   else count_rows(self.rows.iloc[:0]))
        left = [dropped, self.period["outside"], self.period["undated"]]
        return {
            "rows_counted": rec["rows_counted"], "pence_counted": rec["pence_counted"],
            "duplicates_dropped": dropped, "outside_period": self.period["outside"],
            "undated_left_out": self.period["undated"],
            "rows_reported": reported["rows"], "pence_reported": reported["pence"],
            "balanced": (rec["rows_counted"] == reported["rows"] + sum(x["rows"] for x in left)
                         and rec["pence_counted"] == reported["pence"] + sum(x["pence"] for x in left)),
        }

    def notes(self) -> list[str]:
        out = [*self.result.notes, *period_notes(self.duplicates, self.period, self.keep_duplicates)]
        out += unknown_notes(self.class_totals())
        return [*out, self.lm3["label"]] if self.lm3 else out

    def method(self) -> dict[str, Any]:
        s = self.summary
        out = {"period": self.period["label"], "shares_of": DENOMINATORS[self.shares_of],
               "duplicates": "kept" if self.keep_duplicates else
               "rows repeating an earlier file's row (transaction id, amount, payee) dropped; "
               "the first occurrence kept",
               "place": s["place"], "postcode_directory": s["postcode_directory"],
               "supplier_file": s["supplier_file"], "registers": s.get("registers", []),
               "spendkit_version": version("spendkit")}
        if "headline" in s:
            out["size_rule"] = s["headline"].get("size_rule")
            out["vcfse_includes_guarantee_companies"] = s["headline"].get(
                "vcfse_includes_guarantee_companies")
        return out

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (`spendkit report --format json`): same inputs, same bytes."""
        doc: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION, "command": "report",
            "spendkit_version": version("spendkit"),
            "method": self.method(), "period": self.period,
            "reconciliation": self.reconciliation(), "headline": self.headline,
            "classes": self.class_totals(),
            "breakdowns": [b.to_dict() for b in self.breakdowns],
            "trends": {k: (records(v) if isinstance(v, pd.DataFrame) else v)
                       for k, v in self.trends.items()},
            "duplicates": {**count_rows(self.duplicates), "kept": self.keep_duplicates,
                           "rows_listed": records(self.duplicates[DUPLICATE_COLUMNS].head(100))},
            "notes": self.notes(),
            "classification": self.summary,
        }
        if self.lm3:
            doc["lm3"] = self.lm3
        return doc

    def document(self) -> ReportDocument:
        """The report document, typed: ``rep.document().headline.local.share``."""
        from spendkit.aggregate.documents import validate

        return validate("report", self.to_dict())  # type: ignore[return-value]

    def _display(self) -> Display:
        return report_display({"reconciliation": self.reconciliation(), "headline": self.headline,
                               "period": self.period, "method": self.method(),
                               "breakdowns": self.breakdowns})

    def long(self) -> pd.DataFrame:
        """Every figure in one tidy table (the CSV and Parquet layout): the class totals
        (``by`` = 'all'), then each breakdown; one row per group and class. Within each
        (family, by) the pence add up to the reported total."""
        parts = []
        for fam, section in self.class_totals().items():
            parts.append(pd.DataFrame({
                "family": fam, "by": "all", "group": "all", "class": list(section),
                "pence": [v["pence"] for v in section.values()],
                "share_of_group": [v["share"] for v in section.values()]}))
        parts += [b.long() for b in self.breakdowns]
        out = pd.concat(parts, ignore_index=True)
        out["pence"] = out["pence"].astype("int64")
        return out


def unknown_notes(totals: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    """Unknowns shown, not hidden: where much spend has no known place, size or sector, the
    shares of that class are lower bounds, and the remedy is more evidence."""
    what = {"geography": ("place", "a supplier file with postcodes (--suppliers)"),
            "size": ("size", "staff and turnover in the supplier file, or registry data"),
            "sector": ("sector", "the supplier file's sector or legal form, or registry data")}
    out = []
    for fam, section in totals.items():
        unknown = section.get("unknown", {})
        if (unknown.get("share") or 0) > UNKNOWN_WARNING:
            name, remedy = what[fam]
            out.append(f"The {name} of {unknown['share']:.1%} of spend ({money(unknown['pence'])}, "
                       f"{unknown['payees']:,} payees) is unknown: shares by {name} are lower "
                       f"bounds. More evidence helps: {remedy}.")
    return out


def build_report(result: Result, *, by: Sequence[str] = (), date_from: str | date | None = None,
                 date_to: str | date | None = None, fy: str | None = None, year: int | None = None,
                 keep_duplicates: bool = False, shares_of: str = "auto",
                 respend: str | Path | None = None) -> Report:
    """A report over an existing classification (e.g. from ``spendkit.classify``)."""
    rows, repeated, period, status = prepare(result, date_from=date_from, date_to=date_to, fy=fy,
                                             year=year, keep_duplicates=keep_duplicates)
    rep = Report(result, rows, repeated, period, status, list(by),
                 resolve_denominator(rows, shares_of), keep_duplicates)
    _ = rep.breakdowns  # a bad --by fails here, before anything is written
    if respend is not None:
        rep.lm3 = lm3(rows, read_respend(Path(respend)), str(respend), rep.shares_of)
    return rep
