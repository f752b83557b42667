"""One row per payee: spend, classes, evidence, and the facts still missing.

The table is also a supplier file: an analyst fills in the blank fact columns (Postcode,
Company Number, Employees, Turnover, Sector...) and passes it back with ``--suppliers``,
where it wins over weaker evidence. Columns spendkit fills for information start with
"spendkit:" and are ignored when the file is read back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from spendkit.distinct import as_text

if TYPE_CHECKING:
    from spendkit.aggregate.result import Result

FILL_IN = ["Supplier ID", "Supplier Name", "Postcode", "Company Number", "Charity Number",
           "Legal Form", "Employees", "Turnover", "Balance Sheet", "Sector", "SME",
           "Part of Large Group"]
INFO_PREFIX = "spendkit: "


def supplier_list(result: Result) -> pd.DataFrame:
    """Payees merged by name key ("ACME LTD", "Acme Limited." are one), biggest spend first.

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
    out["Supplier ID"] = ids.reindex(out.index).fillna("")
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
    out = out.assign(_pence=pence).sort_values(["_pence", "Supplier Name"], ascending=[False, True])
    return out.drop(columns="_pence").reset_index(drop=True)


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
