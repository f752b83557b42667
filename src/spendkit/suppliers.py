"""A supplier file (the finance system's supplier master, or an analyst's list) joined to
ledger rows: on supplier id where both have one, else on the normalised name.

Column contract of ``SupplierFile.frame`` (one row per supplier, first one wins):
supplier_id, payee_key, name, postcode_raw, plus the file's own columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import normalise, postcodes
from .columns import detect_columns
from .errors import InputFileError
from .read import read_tables


@dataclass
class SupplierFile:
    frame: pd.DataFrame
    info: dict[str, Any] = field(default_factory=dict)


def load_suppliers(path: Path) -> SupplierFile:
    tables = read_tables(path)
    if len(tables) != 1:
        raise InputFileError(f"{path}: a supplier file must hold one table (this holds {len(tables)}).")
    table = tables[0]
    frame = table.frame
    cmap = detect_columns(frame, table.source, kind="suppliers")
    col = cmap.get
    out = pd.DataFrame(index=frame.index)
    out["supplier_id"] = normalise.clean_text(frame[col("supplier_id")]) if col("supplier_id") else ""
    out["name"] = normalise.clean_text(frame[col("payee")]) if col("payee") else ""
    out["payee_key"] = normalise.name_key(out["name"])
    pc = frame[col("postcode")].str.strip() if col("postcode") else pd.Series("", index=frame.index)
    if col("address"):
        pc = pc.mask(pc == "", postcodes.extract(frame[col("address")]))
    out["postcode_raw"] = pc
    out["source_row"] = table.row_numbers
    info = {"file": table.source, "rows": len(out), "columns": dict(cmap.roles), "notes": list(cmap.notes)}
    dup_ids = out["supplier_id"].ne("") & out["supplier_id"].duplicated()
    if dup_ids.any():
        info["notes"].append(f"{int(dup_ids.sum())} repeated supplier id(s): the first row of each is used")
    return SupplierFile(out, info)


def join_suppliers(rows: pd.DataFrame, suppliers: SupplierFile) -> pd.DataFrame:
    """Per ledger row: the matching supplier's postcode_raw and how it matched ('' if none)."""
    sf = suppliers.frame
    result = pd.DataFrame({"supplier_postcode": "", "supplier_match": ""}, index=rows.index)
    by_id = sf[sf["supplier_id"] != ""].drop_duplicates("supplier_id").set_index("supplier_id")
    if not by_id.empty and (rows["supplier_id"] != "").any():
        hit = rows["supplier_id"].map(by_id["postcode_raw"])
        found = hit.notna() & (rows["supplier_id"] != "")
        result.loc[found, "supplier_postcode"] = hit[found]
        result.loc[found, "supplier_match"] = "supplier id"
    by_name = sf[sf["payee_key"] != ""].drop_duplicates("payee_key").set_index("payee_key")
    todo = result["supplier_match"] == ""
    if not by_name.empty and todo.any():
        hit = rows.loc[todo, "payee_key"].map(by_name["postcode_raw"])
        found = hit.notna()
        idx = hit.index[found]
        result.loc[idx, "supplier_postcode"] = hit[found]
        result.loc[idx, "supplier_match"] = "name"
    return result
