"""Classified rows -> the report: breakdowns by any dimension, trends, repeated rows, periods.

    result = spendkit.classify(["apr.csv", "may.csv"], place="Wigan")
    rep = build_report(result, by=["department", "month"], fy="2024/25")
    rep.breakdowns[0].table          # one row per department, pence per class
    rep.to_dict()                      # the document `spendkit report --format json` prints

Every figure is a sum of int64 pence. What the report leaves out of the classified rows
(repeated rows, rows outside the period, undated rows under a date filter) is counted and
shown, so that classified = reported + left out, to the penny.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from spendkit.aggregate.summary import breakdown as class_breakdown
from spendkit.errors import ColumnError, ConfigError

if TYPE_CHECKING:
    from spendkit.aggregate.result import Result

SCHEMA_VERSION = "1.0"
TIME_DIMENSIONS = ("month", "quarter", "fy", "year")
ALIASES = {"service_area": "department", "directorate": "department", "financial_year": "fy",
           "calendar_year": "year", "category": "expense_type"}
DIMENSION_TITLES = {"fy": "financial year", "year": "calendar year", "month": "month",
                    "quarter": "quarter", "department": "department", "expense_type": "expense type"}
UNDATED = "undated"
BLANK = "(blank)"
# Which class columns a report breaks down, in this order; size and sector appear only when the
# rows carry them.
FAMILIES = {"geography": "geography", "size": "size_band", "sector": "sector"}
DENOMINATORS = {
    "all": "all counted spend",
    "influenceable": "influenceable spend (public bodies and individuals left out, or the "
                     "sectors named in headline.exclude)",
}


# ---------------------------------------------------------------- classes and dimensions

def class_order(family: str) -> tuple[str, ...]:
    from spendkit.schema import GEOGRAPHY_CLASSES, SECTOR_CLASSES, SIZE_CLASSES

    return {"geography": GEOGRAPHY_CLASSES, "size": SIZE_CLASSES, "sector": SECTOR_CLASSES}[family]


def families(rows: pd.DataFrame) -> list[str]:
    """The class families the rows carry: geography always; size and sector when present."""
    return [f for f, col in FAMILIES.items() if col in rows.columns]


def classes(rows: pd.DataFrame, family: str) -> tuple[str, ...]:
    """The family's classes in their fixed order, then any other value the rows hold."""
    known = class_order(family)
    extra = sorted(set(rows[FAMILIES[family]].astype("str").unique()) - set(known))
    return (*known, *extra)


def _family(rows: pd.DataFrame, class_column: str) -> str:
    name = {v: k for k, v in FAMILIES.items()}.get(class_column, class_column)
    if name not in FAMILIES or FAMILIES[name] not in rows.columns:
        raise ColumnError(f"no class column '{class_column}'.",
                          hint=f"The rows carry: {', '.join(families(rows))}.")
    return name


def dimension(rows: pd.DataFrame, by: str) -> tuple[str, pd.Series, bool]:
    """(name, one text label per row, chronological?) for ``by``: a time dimension or a column."""
    key = re.sub(r"[^a-z0-9]+", "_", by.strip().lower()).strip("_")
    if by in rows.columns and by not in TIME_DIMENSIONS:
        return by, _labels(rows[by]), False
    key = ALIASES.get(key, key)
    if key in TIME_DIMENSIONS:
        return key, periods(rows["payment_date"], key), True
    if key in rows.columns:
        return key, _labels(rows[key]), False
    folded = {re.sub(r"[^a-z0-9]+", "_", str(c).lower()).strip("_"): c for c in rows.columns}
    if key in folded:
        return str(folded[key]), _labels(rows[folded[key]]), False
    choices = ", ".join([*TIME_DIMENSIONS, *(str(c) for c in groupable_columns(rows))])
    raise ColumnError(f"--by '{by}': there is no such column.", hint=f"Choose one of: {choices}.")


def groupable_columns(rows: pd.DataFrame) -> list[str]:
    return [str(c) for c in rows.columns if c not in ("payee_key", "amount_pence", "payment_date")]


def _labels(values: pd.Series) -> pd.Series:
    if str(values.dtype).startswith("datetime"):
        return values.dt.strftime("%Y-%m-%d").fillna(UNDATED)
    text = values.astype("str").fillna("").str.strip()
    return text.mask(text.isin(["", "nan", "<NA>", "None"]), BLANK)


def periods(dates: pd.Series, kind: str) -> pd.Series:
    """Dates -> '2024-04' (month), '2024/25 Q1' (financial-year quarter: Q1 is April-June),
    '2024/25' (UK financial year, 1 April-31 March) or '2024' (calendar year); 'undated'."""
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


# ---------------------------------------------------------------- breakdown

def breakdown(rows: pd.DataFrame, class_column: str = "geography", by: str = "department"
              ) -> pd.DataFrame:
    """One row per value of ``by``: rows, payees, pence, then pence and share per class.

    Columns: ``group``, ``rows``, ``payees``, ``pence``, ``<class>_pence`` for every class
    (int64), ``<class>_share`` (of the group's pence; NaN when the group nets to zero).
    Undated rows form an 'undated' group and blank values a '(blank)' group, so the groups
    always add up to the rows' total. Time groups run in date order; others by spend, largest
    first.
    """
    family = _family(rows, class_column)
    _name, groups, chronological = dimension(rows, by)
    return _breakdown(rows, family, groups, chronological)


def _breakdown(rows: pd.DataFrame, family: str, groups: pd.Series, chronological: bool
               ) -> pd.DataFrame:
    cls = rows[FAMILIES[family]].astype("str")
    order = classes(rows, family)
    pence = rows["amount_pence"].astype("int64")
    per_class = pence.groupby([groups, cls], sort=False).sum().unstack(fill_value=0)
    per_class = per_class.reindex(columns=list(order), fill_value=0).astype("int64")
    g = pd.DataFrame({"rows": groups.groupby(groups, sort=False).size(),
                      "payees": rows["payee_key"].groupby(groups, sort=False).nunique(),
                      "pence": pence.groupby(groups, sort=False).sum().astype("int64")})
    out = g.join(per_class.add_suffix("_pence"))
    total = out["pence"].replace(0, np.nan)
    for c in order:
        out[f"{c}_share"] = (out[f"{c}_pence"] / total).round(6)
    out.index.name = "group"
    out = out.reset_index()
    if chronological:
        out = out.assign(_last=out["group"] == UNDATED).sort_values(["_last", "group"]).drop(
            columns="_last")
    else:
        out = out.assign(_neg=-out["pence"]).sort_values(["_neg", "group"]).drop(columns="_neg")
    return out.reset_index(drop=True)


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


# ---------------------------------------------------------------- periods

def parse_fy(text: str) -> tuple[date, date]:
    """'2024/25' (also '2024-25', '2024/2025', 'FY2024/25') -> (1 April 2024, 31 March 2025)."""
    m = re.fullmatch(r"\s*(?:FY\s*)?(\d{4})\s*[/-]\s*(\d{2}|\d{4})\s*", str(text), re.IGNORECASE)
    if m:
        start, end = int(m[1]), m[2]
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
                return date(int(m[order[0]]), int(m[order[1]]), int(m[order[2]]))
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
        start, end = date(int(year), 1, 1), date(int(year), 12, 31)
        label = f"calendar year {year}"
    if start and end and start > end:
        raise ConfigError(f"the period starts ({start}) after it ends ({end}).")
    info: dict[str, Any] = {"from": start.isoformat() if start else None,
                            "to": end.isoformat() if end else None}
    d = rows["payment_date"]
    if start is None and end is None:
        keep = pd.Series(True, index=rows.index)
        info["label"] = "all dates"
    else:
        keep = d.notna()
        if start is not None:
            keep &= d >= pd.Timestamp(start)
        if end is not None:
            keep &= d < pd.Timestamp(end) + pd.Timedelta(days=1)
        info["label"] = label or f"{start or 'the start'} to {end or 'the end'}"
    info["outside"] = _count(rows[(d.notna() & ~keep).to_numpy()])
    info["undated"] = _count(rows[(d.isna() & ~keep).to_numpy()])
    return keep, info


def parse_share(value: Any, where: str) -> float | None:
    """'15.7%' or 0.157 -> 0.157; '' -> None. A bare number above 1 is refused as ambiguous."""
    text = str(value).strip() if value is not None else ""
    if text in ("", "nan", "NaN", "None"):
        return None
    try:
        number = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise ConfigError(f"{where}: '{value}' is not a share.",
                          hint="Write a share as 15.7% or 0.157.") from None
    if not (text.endswith("%") or -1 <= number <= 1) or np.isnan(number):
        raise ConfigError(f"{where}: '{value}' is ambiguous as a share.",
                          hint="Write 15.7% (with the sign) or 0.157.")
    return round(number, 6)


def _count(rows: pd.DataFrame) -> dict[str, int]:
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


# ---------------------------------------------------------------- headline shares and trends

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
    from spendkit.schema import LABELS

    left_out = sorted(rows.loc[~rows["influenceable"].astype(bool), "sector"].unique())
    names = ", ".join(LABELS.get(s, s).lower() for s in left_out)
    return f"influenceable spend ({names} left out)" if names else "influenceable spend (nothing left out)"


def base_rows(rows: pd.DataFrame, denominator: str) -> pd.DataFrame:
    """The rows whose spend is the denominator of the headline shares."""
    return rows[rows["influenceable"].astype(bool)] if denominator == "influenceable" else rows


def headline(rows: pd.DataFrame, denominator: str) -> dict[str, Any]:
    base = base_rows(rows, denominator)
    total = int(base["amount_pence"].sum())
    out: dict[str, Any] = {"shares_of": denominator, "shares_of_text": denominator_text(rows, denominator),
                           "denominator_pence": total, "pence": int(rows["amount_pence"].sum())}
    for name, mask in headline_masks(base).items():
        p = int(base.loc[mask, "amount_pence"].sum())
        out[name] = {"pence": p, "share": round(p / total, 6) if total else None}
    return out


def trends(rows: pd.DataFrame, denominator: str = "auto") -> dict[str, Any]:
    """Headline shares month by month and financial year by year, with the change in
    percentage points (``_change_pp``: on the period before; ``_yoy_pp``: on the same month a
    year before). Undated rows cannot be placed in time and are counted in ``undated``."""
    denominator = resolve_denominator(rows, denominator)
    base = base_rows(rows, denominator)
    dated = base[base["payment_date"].notna()]
    out: dict[str, Any] = {"shares_of": denominator, "undated": _count(base[base["payment_date"].isna()])}
    for kind, name in (("month", "monthly"), ("fy", "yearly")):
        table = _shares_by(dated, periods(dated["payment_date"], kind))
        for m in headline_masks(dated):
            share = table[f"{m}_share"]
            table[f"{m}_change_pp"] = ((share - share.shift()) * 100).round(2)
            if kind == "month":
                ago = pd.PeriodIndex(table["period"], freq="M") - 12
                prior = dict(zip(table["period"], share, strict=True))
                table[f"{m}_yoy_pp"] = ((share - pd.Series([prior.get(str(p)) for p in ago],
                                                           dtype="float64")) * 100).round(2)
        out[name] = table
    return out


def _shares_by(rows: pd.DataFrame, period: pd.Series) -> pd.DataFrame:
    g = rows["amount_pence"].groupby(period)
    table = pd.DataFrame({"rows": g.size(), "pence": g.sum().astype("int64")})
    for m, mask in headline_masks(rows).items():
        p = rows["amount_pence"].where(mask, 0).groupby(period).sum().astype("int64")
        table[f"{m}_pence"] = p
        table[f"{m}_share"] = (p / table["pence"].replace(0, np.nan)).round(6)
    table.index.name = "period"
    return table.sort_index().reset_index()


# ---------------------------------------------------------------- the report

@dataclass
class Report:
    """A classified run, narrowed to a period and with repeated rows dropped, ready to render."""

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
            out += [Breakdown(fam, name, _breakdown(self.rows, fam, groups, chronological),
                              classes(self.rows, fam)) for fam in families(self.rows)]
        return out

    @cached_property
    def trends(self) -> dict[str, Any]:
        return trends(self.rows, self.shares_of)

    @cached_property
    def headline(self) -> dict[str, Any]:
        return headline(self.rows, self.shares_of)

    def class_totals(self) -> dict[str, dict[str, dict[str, Any]]]:
        return {f: class_breakdown(self.rows, FAMILIES[f], classes(self.rows, f))
                for f in families(self.rows)}

    def reconciliation(self) -> dict[str, Any]:
        """Classified = reported + repeats dropped + outside the period + undated, in rows and pence."""
        rec = self.summary["reconciliation"]
        reported = _count(self.rows)
        dropped = _count(self.duplicates) if not self.keep_duplicates else _count(self.rows.iloc[:0])
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
        out = period_notes(self.duplicates, self.period, self.keep_duplicates)
        out += unknown_notes(self.class_totals())
        return [*out, self.lm3["label"]] if self.lm3 else out

    def method(self) -> dict[str, Any]:
        s = self.summary
        out = {"period": self.period["label"], "shares_of": DENOMINATORS[self.shares_of],
               "duplicates": "kept" if self.keep_duplicates else
               "rows repeating an earlier file's row (transaction id, amount, payee) dropped; "
               "the first occurrence kept",
               "place": s["place"], "postcode_directory": s["postcode_directory"],
               "supplier_file": s["supplier_file"], "spendkit_version": version("spendkit")}
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
            "duplicates": {**_count(self.duplicates), "kept": self.keep_duplicates,
                           "rows_listed": records(self.duplicates[DUPLICATE_COLUMNS].head(100))},
            "notes": self.notes(),
            "classification": self.summary,
        }
        if self.lm3:
            doc["lm3"] = self.lm3
        return doc

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



UNKNOWN_WARNING = 0.05  # an unknown share above this is pointed out


def unknown_notes(totals: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    """Unknowns shown, not hidden: where much spend has no known place, size or sector, the
    shares of that class are lower bounds, and the remedy is more evidence."""
    from spendkit.money import money

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


def period_notes(duplicated: pd.DataFrame, period: dict[str, Any], kept: bool) -> list[str]:
    """What a report leaves out of the classified rows, in words."""
    from spendkit.money import money

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
    return out


DUPLICATE_COLUMNS = ["source_file", "source_row", "transaction_id", "payee", "amount_pence"]


OUTPUT_FORMATS = (".xlsx", ".html", ".json", ".csv", ".parquet")


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame -> JSON-safe records: ints stay ints, NaN becomes null, dates ISO."""
    out = []
    for rec in frame.to_dict("records"):
        clean = {}
        for k, v in rec.items():
            if isinstance(v, np.integer):
                v = int(v)
            elif isinstance(v, (float, np.floating)):
                v = None if np.isnan(v) else float(v)
            elif isinstance(v, pd.Timestamp):
                v = v.date().isoformat()
            elif v is pd.NA or v is pd.NaT:
                v = None
            elif isinstance(v, np.bool_):
                v = bool(v)
            clean[str(k)] = v
        out.append(clean)
    return out


STATUS_REPORTED = "reported"


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
        from spendkit.aggregate.rank import lm3, read_respend

        rep.lm3 = lm3(rows, read_respend(Path(respend)), str(respend), rep.shares_of)
    return rep


def check_options(date_from: str | date | None = None,
                  date_to: str | date | None = None, fy: str | None = None,
                  year: int | None = None) -> None:
    """Fail on a bad period before reading any ledger (column names are checked after)."""
    filter_rows(pd.DataFrame({"payment_date": pd.Series([], dtype="datetime64[ns]"),
                              "amount_pence": pd.Series([], dtype="int64")}),
                date_from, date_to, fy, year)


