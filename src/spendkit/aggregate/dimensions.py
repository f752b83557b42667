"""Class families and the dimensions rows are broken down by: one table per family and dimension.

    breakdown(rows, "geography", by="month")   # one row per month: rows, payees, pence per class

A dimension is a time (month, quarter, fy, year) or any column of the rows (department,
'Service Area'...). The groups always add up to the rows' total: undated rows form an 'undated'
group and blank values a '(blank)' group.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from spendkit.aggregate.periods import UNDATED, periods
from spendkit.errors import ColumnError
from spendkit.schema import GEOGRAPHY_CLASSES, SECTOR_CLASSES, SIZE_CLASSES

TIME_DIMENSIONS = ("month", "quarter", "fy", "year")
ALIASES = {"service_area": "department", "directorate": "department", "financial_year": "fy",
           "calendar_year": "year", "category": "expense_type"}
DIMENSION_TITLES = {"fy": "financial year", "year": "calendar year", "month": "month",
                    "quarter": "quarter", "department": "department", "expense_type": "expense type"}
BLANK = "(blank)"
# Which class columns a report breaks down, in this order; size and sector appear only when the
# rows carry them.
FAMILIES = {"geography": "geography", "size": "size_band", "sector": "sector"}


def class_order(family: str) -> tuple[str, ...]:
    """The classes of a family (geography, size, sector) in their fixed order."""
    return {"geography": GEOGRAPHY_CLASSES, "size": SIZE_CLASSES, "sector": SECTOR_CLASSES}[family]


def families(rows: pd.DataFrame) -> list[str]:
    """The class families the rows carry: geography always; size and sector when present."""
    return [f for f, col in FAMILIES.items() if col in rows.columns]


def classes(rows: pd.DataFrame, family: str) -> tuple[str, ...]:
    """The family's classes in their fixed order, then any other value the rows hold."""
    known = class_order(family)
    extra = sorted(set(rows[FAMILIES[family]].astype("str").unique()) - set(known))
    return (*known, *extra)


def family_of(rows: pd.DataFrame, class_column: str) -> str:
    """The family (geography, size, sector) of a class column or family name the rows carry."""
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
        return key, periods(rows["payment_date"], key, rows.get("period_end")), True
    if key in rows.columns:
        return key, _labels(rows[key]), False
    folded = {re.sub(r"[^a-z0-9]+", "_", str(c).lower()).strip("_"): c for c in rows.columns}
    if key in folded:
        return str(folded[key]), _labels(rows[folded[key]]), False
    choices = ", ".join([*TIME_DIMENSIONS, *(str(c) for c in groupable_columns(rows))])
    raise ColumnError(f"--by '{by}': there is no such column.", hint=f"Choose one of: {choices}.")


def groupable_columns(rows: pd.DataFrame) -> list[str]:
    """The columns a breakdown can group by (not the key, amount or date)."""
    return [str(c) for c in rows.columns if c not in ("payee_key", "amount_pence", "payment_date")]


def _labels(values: pd.Series) -> pd.Series:
    if str(values.dtype).startswith("datetime"):
        return values.dt.strftime("%Y-%m-%d").fillna(UNDATED)
    text = values.astype("str").fillna("").str.strip()
    return text.mask(text.isin(["", "nan", "<NA>", "None"]), BLANK)


def breakdown(rows: pd.DataFrame, class_column: str = "geography", by: str = "department"
              ) -> pd.DataFrame:
    """One row per value of ``by``: rows, payees, pence, then pence and share per class.

    Columns: ``group``, ``rows``, ``payees``, ``pence``, ``<class>_pence`` for every class
    (int64), ``<class>_share`` (of the group's pence; NaN when the group nets to zero).
    Undated rows form an 'undated' group and blank values a '(blank)' group, so the groups
    always add up to the rows' total. Time groups run in date order; others by spend, largest
    first.
    """
    family = family_of(rows, class_column)
    _name, groups, chronological = dimension(rows, by)
    return breakdown_table(rows, family, groups, chronological)


def breakdown_table(rows: pd.DataFrame, family: str, groups: pd.Series, chronological: bool
                    ) -> pd.DataFrame:
    """``breakdown`` over groups already labelled, one label per row (see ``dimension``)."""
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
