"""One row per payee: spend, classes, evidence, and the facts still missing.

The table is also a supplier file: an analyst fills in the blank fact columns (Postcode,
Company Number, Employees, Turnover, Sector...) and passes it back with ``--suppliers``,
where it wins over weaker evidence. Columns spendkit fills for information start with
"spendkit:" and are ignored when the file is read back.

Made with a supplier file, the list keeps what the team typed there (the round trip): for
each payee the file lists, its non-empty cells win in the fact columns, every other column
of the file is kept under its own header, and the suppliers the file lists that these
ledgers did not pay are kept too, at the end, with no spend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from spendkit.distinct import as_text
from spendkit.reference.suppliers import SupplierFile, join_suppliers

if TYPE_CHECKING:
    from spendkit.aggregate.result import Result

FILL_IN = ["Supplier ID", "Supplier Name", "Postcode", "Company Number", "Charity Number",
           "Legal Form", "Employees", "Turnover", "Balance Sheet", "Sector", "SME",
           "Part of Large Group"]
# The role (normalise.columns) of each fill-in column, in FILL_IN's order.
FILL_ROLES = ("supplier_id", "payee", "postcode", "company_number", "charity_number", "legal_form",
              "employees", "turnover", "balance_sheet", "sector", "sme_flag", "large_group")
INFO_PREFIX = "spendkit: "


def supplier_list(result: Result, suppliers: SupplierFile | None = None,
                  typed: pd.DataFrame | None = None, *, unresolved: bool = False) -> pd.DataFrame:
    """Payees merged by name key ("ACME LTD", "Acme Limited." are one), biggest spend first.
    With the run's supplier file (``suppliers``, and ``typed``: its cells as written, indexed
    by row number), what the file holds is kept (``keep_typed``). When the run matched payees
    to registers, each payee's match (or why none) and an ambiguous payee's candidates are
    listed; ``unresolved`` keeps only the payees with no register entry, with each one's share
    of all the spend and the cumulative share down the list (the review list: decide the top
    few in a decisions file and most of the spend is resolved).

    The per-payee figures come from several group-bys, joined by the name key; the key is
    grouped as text, not as the rows' Categorical: pandas gives a group-by of no rows (no payee
    has a supplier id) int8 category codes whatever the number of categories, and joining that
    to a key of more than 127 payees fails ("Buffer dtype mismatch")."""
    rows = result.rows.assign(payee_key=as_text(result.rows["payee_key"]))
    g = rows.groupby("payee_key", sort=False)
    first = g.first()
    spelling = rows.groupby(["payee_key", "payee"], sort=False).size().reset_index(name="n")
    spelling = spelling.sort_values(["payee_key", "n", "payee"], ascending=[True, False, True])
    commonest = spelling.drop_duplicates("payee_key").set_index("payee_key")["payee"]
    variants = spelling.groupby("payee_key")["payee"].agg(lambda s: " | ".join(sorted(s)))
    ids = rows[rows["supplier_id"] != ""].groupby("payee_key")["supplier_id"].agg(
        lambda s: s.value_counts().index[0])
    out = pd.DataFrame(index=first.index)
    # (pandas cannot reindex an empty categorical-indexed Series by a larger categorical index)
    out["Supplier ID"] = ids.reindex(out.index).fillna("") if len(ids) else ""
    out["Supplier Name"] = commonest.reindex(out.index)
    out["Postcode"] = first["postcode"]
    out["Company Number"] = first["company_number"]
    out["Charity Number"] = first["charity_number"]
    for col in FILL_IN[5:]:
        out[col] = ""
    info = {
        "spend (£)": _pounds(g["amount_pence"].sum()),
        "rows": g.size(),
        "name variants": variants,
        "place": first["geography"],
        "district": first["district_name"],
        "place evidence": first["geography_evidence"],
        "size band": first["size_band"],
        "size evidence": first["size_evidence"],
        "sector": first["sector"],
        "sector evidence": first["sector_evidence"],
    }
    for name, values in info.items():
        out[INFO_PREFIX + name] = values.reindex(out.index)
    out[INFO_PREFIX + "missing"] = _missing(first)
    pence = g["amount_pence"].sum().reindex(out.index)
    if "org_id" in first:
        matched = as_text(first["org_id"]) != ""
        out[INFO_PREFIX + "register match"] = as_text(first["org_id"]).where(
            matched, as_text(first["match_evidence"])).reindex(out.index)
        cands = first["match_candidates"] if "match_candidates" in first else pd.Series("", index=first.index)
        out[INFO_PREFIX + "candidates"] = as_text(cands).reindex(out.index)
    out = out.assign(_pence=pence).sort_values(["_pence", "Supplier Name"], ascending=[False, True])
    if unresolved:
        out = _review(out, first)
    out = out.drop(columns="_pence")
    if suppliers is not None and typed is not None:
        out = keep_typed(out, suppliers, typed)
    return out.reset_index(drop=True)


def keep_typed(out: pd.DataFrame, suppliers: SupplierFile, typed: pd.DataFrame) -> pd.DataFrame:
    """The list (indexed by payee key) with the supplier file's own cells kept: each payee's
    line of the file (matched as classify matches it: supplier id, else name) gives its
    non-empty cells to the fact columns; the file's other columns follow them under their own
    headers; the file's lines no payee matched are added at the end (no spend)."""
    keys = pd.DataFrame({"supplier_id": out["Supplier ID"].astype("str"),
                         "payee_key": pd.Series(out.index, index=out.index, dtype="str")})
    position = join_suppliers(keys, suppliers)["supplier_row"].to_numpy()
    lines = suppliers.frame["source_row"].to_numpy()
    typed = typed.astype("str")
    matched = typed.reindex(pd.Index(lines[position.clip(0)]).where(position >= 0, -1))
    matched.index = out.index
    roles = suppliers.info.get("columns", {})
    fill = {col: roles[role] for col, role in zip(FILL_IN, FILL_ROLES, strict=True)
            if roles.get(role) in typed.columns}
    for col, header in fill.items():
        mine = matched[header].fillna("")
        out[col] = mine.where(mine.str.strip() != "", out[col])
    extra = [h for h in typed.columns if h not in fill.values() and not str(h).startswith(INFO_PREFIX)]
    names = {h: h if h not in out.columns else f"{h} (supplier file)" for h in extra}
    at = len(FILL_IN)
    for h in reversed(extra):
        out.insert(at, names[h], matched[h].fillna(""))
    unpaid = typed[~typed.index.isin(lines[position[position >= 0]])]
    if len(unpaid):
        added = pd.DataFrame("", index=unpaid.index, columns=out.columns)
        for col, h in [*fill.items(), *((names[h], h) for h in extra)]:
            added[col] = unpaid[h]
        added[INFO_PREFIX + "spend (£)"] = "0.00"
        added[INFO_PREFIX + "rows"] = 0
        out = pd.concat([out, added])
    return out


def _review(out: pd.DataFrame, first: pd.DataFrame) -> pd.DataFrame:
    """The payees with no register entry, biggest spend first, with their share of all the spend
    (payments net of credits, payees with a net credit counting as none) and the cumulative share."""
    total = int(out["_pence"].clip(lower=0).sum())
    open_ = as_text(first["org_id"]).reindex(out.index) == "" if "org_id" in first \
        else pd.Series(True, index=out.index)
    out = out[open_.to_numpy()].copy()
    spend = out["_pence"].clip(lower=0).astype("int64")
    share = spend * 10_000 // max(total, 1)  # basis points, exact integers
    cumulative = spend.cumsum() * 10_000 // max(total, 1)
    out[INFO_PREFIX + "share of spend"] = _percent(share)
    out[INFO_PREFIX + "cumulative share"] = _percent(cumulative)
    return out


def _percent(basis_points: pd.Series) -> pd.Series:
    return (basis_points // 100).astype(str) + "." + (basis_points % 100).astype(str).str.zfill(2) + "%"


def _missing(first: pd.DataFrame) -> pd.Series:
    parts = [
        (first["geography"] == "unknown", "postcode"),
        (first["size_band"] == "unknown", "size (employees, turnover)"),
        (first["sector"] == "unknown", "sector"),
    ]
    out = pd.Series("", index=first.index, dtype="str")
    for mask, label in parts:
        out = out.mask(mask & (out != ""), out + ", " + label)
        out = out.mask(mask & (out == ""), label)
    return out


def _pounds(pence: pd.Series) -> pd.Series:
    from spendkit.money import pounds

    return pounds(pence)
