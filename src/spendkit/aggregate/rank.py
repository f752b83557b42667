"""Suppliers ranked: top N overall and within each class, concentration, leakage, the CLES view.
(The local multiplier, LM3, is in ``aggregate.lm3``.)

A supplier is a payee key (the normalised name: case, punctuation and legal suffix ignored),
shown by its commonest spelling. Where one supplier's rows fall in several classes (two
postcodes, say), the class with the most spend is shown. Spend is int64 pence throughout.

    ranking = rank_suppliers(rows, top=20)
    ranking.overall            # rank, payee, pence, share, cumulative_share, geography, ...
    ranking.concentration      # {'suppliers': 9, 'of': 214, 'target': 0.8, ...}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from spendkit.aggregate.coverage import families_of, family_figure, fine_table
from spendkit.aggregate.dimensions import FAMILIES, classes, families
from spendkit.aggregate.display import Display, Displayed, rank_display
from spendkit.aggregate.periods import period_notes, prepare
from spendkit.aggregate.records import records
from spendkit.config import MIN_COVERAGE
from spendkit.errors import ConfigError

if TYPE_CHECKING:
    from spendkit.aggregate.documents import RankDocument
    from spendkit.aggregate.result import Result

ATTRIBUTES = ("geography", "district_name", "postcode", "size_band", "sme", "sector")
NON_LOCAL = ("sub_regional", "regional", "national", "outside_uk")
CLES_TOP = 300


def suppliers(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per supplier, largest spend first: payee (commonest spelling), payee_key, pence,
    rows, and the attributes present (geography, district_name, postcode, size_band, sme,
    sector), each the value carrying the most of the supplier's spend."""
    key = rows["payee_key"]
    spell = rows.groupby(["payee_key", "payee"], sort=False).size().rename("n").reset_index()
    spell = spell.sort_values(["payee_key", "n", "payee"], ascending=[True, False, True])
    out = spell.drop_duplicates("payee_key").set_index("payee_key")[["payee"]]
    out["pence"] = rows["amount_pence"].groupby(key).sum().astype("int64")
    out["rows"] = key.groupby(key).size()
    for col in (c for c in ATTRIBUTES if c in rows.columns):
        values = yes_no(rows[col]) if col == "sme" else rows[col].astype("str")
        by = rows["amount_pence"].groupby([key, values]).sum().rename("p").reset_index()
        by = by.sort_values(["payee_key", "p", col], ascending=[True, False, True])
        out[col] = by.drop_duplicates("payee_key").set_index("payee_key")[col]
    out = out.reset_index().assign(_neg=lambda f: -f["pence"])
    out = out.sort_values(["_neg", "payee", "payee_key"]).drop(columns="_neg")
    return out.reset_index(drop=True)[["payee", "payee_key", "pence", "rows",
                                       *(c for c in ATTRIBUTES if c in rows.columns)]]


def yes_no(flags: pd.Series) -> pd.Series:
    """A nullable bool column as text: 'yes', 'no', 'unknown'."""
    return flags.map({True: "yes", False: "no"}).fillna("unknown").astype("str")


def top(table: pd.DataFrame, n: int | None, total: int | None = None) -> pd.DataFrame:
    """The first ``n`` rows of a suppliers table with rank, share and cumulative share of
    ``total`` (default: the table's own total). Rank is by position: 1, 2, 3..."""
    total = int(table["pence"].sum()) if total is None else total
    out = table.copy()
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    denom = total if total else np.nan
    out.insert(out.columns.get_loc("rows") + 1, "share", (out["pence"] / denom).round(6))
    out.insert(out.columns.get_loc("share") + 1, "cumulative_share",
               (out["pence"].cumsum() / denom).round(6))
    return out if n is None else out.head(n).reset_index(drop=True)


def concentration(table: pd.DataFrame, target: float = 0.8) -> dict[str, Any]:
    """How many suppliers, largest first, make up ``target`` of the spend."""
    total = int(table["pence"].sum())
    cum = table["pence"].cumsum()
    k = int(np.searchsorted(cum.to_numpy(), target * total, side="left") + 1) if total > 0 else 0
    k = min(k, len(table))
    return {"target": target, "suppliers": k, "of": len(table), "pence": int(cum.iloc[k - 1]) if k else 0,
            "total_pence": total}


def rankings(rows: pd.DataFrame, n: int | None = 20, table: pd.DataFrame | None = None
             ) -> list[tuple[str, str, pd.DataFrame]]:
    """(key, title, top-n table) overall, then within each class: every place class, SME (when
    present), every size band, every sector. Shares are of the class's own spend."""
    from spendkit.schema import LABELS

    table = suppliers(rows) if table is None else table
    out = [("all", "All suppliers", top(table, n))]
    for fam in families(rows):
        col = FAMILIES[fam]
        values = rows[col].astype("str")
        for c in classes(rows, fam):
            within = _within(rows, values == c, table, n)
            if within is not None:
                out.append((f"{fam}={c}", f"{LABELS.get(c, c)} suppliers", within.assign(**{col: c})))
        if fam == "size" and "sme" in rows:
            within = _within(rows, rows["sme"].fillna(False).astype(bool), table, n)
            if within is not None:
                out.append(("sme", "SME suppliers (all bands)", within))
    return out


def _within(rows: pd.DataFrame, mask: pd.Series, table: pd.DataFrame, n: int | None
            ) -> pd.DataFrame | None:
    """The suppliers table restricted to the rows in ``mask``: their spend and rows there."""
    if not mask.any():
        return None
    key = rows["payee_key"][mask.to_numpy()]
    sub = table.set_index("payee_key").loc[key.unique()].copy()
    sub["pence"] = rows["amount_pence"][mask.to_numpy()].groupby(key).sum().astype("int64")
    sub["rows"] = key.groupby(key).size()
    sub = sub.reset_index().assign(_neg=lambda f: -f["pence"])
    sub = sub.sort_values(["_neg", "payee", "payee_key"]).drop(columns="_neg")
    return top(sub.reset_index(drop=True)[list(table.columns)], n)


def leakage(rows: pd.DataFrame, category: str | None = None) -> tuple[str, pd.DataFrame]:
    """Per category (expense type, else department) in which local suppliers are also paid:
    the spend outside the place and its largest supplier. Only influenceable spend when the
    rows say which it is; payees of unknown place are left out (not known to be outside).

    Returns (category column, table sorted by the largest non-local supplier's spend)."""
    if category is None:
        category = "expense_type" if (rows.get("expense_type", pd.Series([], dtype="str"))
                                      .astype("str").str.strip() != "").any() else "department"
    if "influenceable" in rows:
        rows = rows[rows["influenceable"].astype(bool)]
    cat = rows[category].astype("str").str.strip().replace("", "(blank)")
    local = rows["geography"] == "local"
    outside = rows["geography"].isin(NON_LOCAL)
    local_pence = rows["amount_pence"].where(local, 0).groupby(cat).sum()
    local_n = rows["payee_key"].where(local).groupby(cat).nunique()
    cols = ["category", "local_pence", "local_suppliers", "non_local_pence",
            "largest_non_local", "largest_non_local_pence", "largest_non_local_place"]
    paid_locally = local_pence[local_pence > 0].index
    far = rows[outside & cat.isin(paid_locally)]
    if far.empty:
        return category, pd.DataFrame(columns=cols)
    far_cat = cat[far.index]
    per = far.groupby([far_cat, far["payee_key"]])["amount_pence"].sum().rename("p").reset_index()
    per.columns = ["category", "payee_key", "p"]
    per = per.sort_values(["category", "p", "payee_key"], ascending=[True, False, True])
    biggest = per.drop_duplicates("category").set_index("category")
    names = suppliers(far)
    names = names.set_index("payee_key")
    out = pd.DataFrame({
        "local_pence": local_pence.reindex(biggest.index).astype("int64"),
        "local_suppliers": local_n.reindex(biggest.index).astype("int64"),
        "non_local_pence": far["amount_pence"].groupby(far_cat).sum().reindex(biggest.index).astype("int64"),
        "largest_non_local": names["payee"].reindex(biggest["payee_key"]).to_numpy(),
        "largest_non_local_pence": biggest["p"].astype("int64"),
        "largest_non_local_place": (names["district_name"].replace("", "?") + " (" +
                                    names["geography"] + ")").reindex(biggest["payee_key"]).to_numpy(),
    })
    out.index.name = "category"
    out = out.reset_index().assign(_neg=lambda f: -f["largest_non_local_pence"])
    return category, out.sort_values(["_neg", "category"]).drop(columns="_neg").reset_index(drop=True)[cols]


def cles(rows: pd.DataFrame, n: int = CLES_TOP) -> pd.DataFrame:
    """The CLES (Preston) view: the top ``n`` suppliers by value, with place, size and sector."""
    return top(suppliers(rows), n)


@dataclass(repr=False)
class Ranking(Displayed):
    """What ``spendkit.make_ranking`` returns: every ranking of the suppliers in ``rows`` (the
    rows a report counts): ``overall`` (a DataFrame), ``by_class``, ``concentration``,
    ``leakage``, ``cles``, ``to_dict()`` (the JSON document) and ``document()`` (typed)."""

    rows: pd.DataFrame
    n: int = 20
    period: dict[str, Any] = field(default_factory=dict)
    duplicates: pd.DataFrame | None = None
    method: dict[str, Any] = field(default_factory=dict)
    keep_duplicates: bool = False
    reading_notes: list[str] = field(default_factory=list)  # the run's (Result.notes)
    min_coverage: float = MIN_COVERAGE

    def __post_init__(self) -> None:
        self.all_suppliers = top(suppliers(self.rows), None)
        self.overall = self.all_suppliers.head(self.n)
        self.by_class = rankings(self.rows, self.n, self.all_suppliers.drop(
            columns=["rank", "share", "cumulative_share"]))
        self.concentration = concentration(self.all_suppliers)
        self.leakage_category, self.leakage = leakage(self.rows)
        self.cles = self.all_suppliers.head(CLES_TOP)

    def notes(self) -> list[str]:
        dups = self.duplicates if self.duplicates is not None else self.rows.iloc[:0]
        period = period_notes(dups, self.period, self.keep_duplicates) if self.period else []
        return [*self.reading_notes, *period]

    def coverage(self) -> dict[str, dict[str, Any]]:
        """Per family (place, size, sector): the spend whose class is known and unknown, and
        the share known (``coverage.family_figure``, of all the ranked spend), so a ranking
        within a class (local suppliers, say) is read with how much spend has no known class."""
        fine = fine_table(self.rows)
        total = int(self.rows["amount_pence"].sum())
        return {f: family_figure(fine, f, total, self.min_coverage) for f in families_of(fine)}

    def long(self) -> pd.DataFrame:
        """Every ranking in one tidy table (the CSV and Parquet layout)."""
        parts = [t.assign(ranking=key)[["ranking", *t.columns]] for key, _title, t in self.by_class]
        return pd.concat(parts, ignore_index=True)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": "1.1", "command": "rank", "spendkit_version": version("spendkit"),
            "method": self.method, "period": self.period,
            "pence": int(self.rows["amount_pence"].sum()), "suppliers": len(self.all_suppliers),
            "coverage": self.coverage(),
            "concentration": self.concentration,
            "rankings": [{"key": k, "title": t, "suppliers": records(f)} for k, t, f in self.by_class],
            "leakage": {"category": self.leakage_category, "rows": records(self.leakage)},
            "cles": records(self.cles),
        }

    def document(self) -> RankDocument:
        """The rank document, typed: ``ranking.document().concentration.suppliers``."""
        from spendkit.aggregate.documents import validate

        return validate("rank", self.to_dict())  # type: ignore[return-value]

    def _display(self) -> Display:
        return rank_display({"suppliers": len(self.all_suppliers), "concentration": self.concentration,
                             "pence": int(self.rows["amount_pence"].sum()), "period": self.period
                             or {"label": "all dates"}}, records(self.overall.head(5)))


def rank_result(result: Result, *, top: int = 20, keep_duplicates: bool = False, **period: Any
                ) -> Ranking:
    """Rank the suppliers of a classification (period options as ``periods.prepare``)."""
    check_top(top)
    rows, dups, info, _status = prepare(result, keep_duplicates=keep_duplicates, **period)
    summary = result.summary()
    method = {
        "period": info["label"],
        "supplier": "payee key (name with case, punctuation and legal suffix ignored); the "
                    "commonest spelling shown",
        "shares": "of each ranking's own spend",
        "leakage": ("influenceable spend" if "influenceable" in rows else "all spend")
                   + "; payees of unknown place left out",
        "place": summary["place"]["local_basis"],
        "postcode_directory": summary["postcode_directory"],
        "registers": summary.get("registers", []),
    }
    return Ranking(rows, top, info, dups, method, keep_duplicates, list(result.notes),
                   result.settings.headline.min_coverage)


def check_top(top: int) -> None:
    if top < 1:
        raise ConfigError(f"--top {top}: give a number of suppliers, 1 or more.")

