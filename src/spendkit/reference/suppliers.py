"""A supplier file (the finance system's supplier master, or an analyst's list) joined to
ledger rows: on supplier id where both have one, else on the normalised name.

Column contract of ``SupplierFile.frame`` (one row per line of the file): supplier_id,
name, payee_key, postcode_raw, source_row, and the facts it gives ("" when not):
company_number, charity_number, sme_flag, vcse_flag, legal_form, employees, turnover,
balance_sheet, sector, large_group.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from spendkit.distinct import as_text, group_codes, spread_categorical
from spendkit.errors import InputFileError
from spendkit.normalise import postcodes
from spendkit.normalise import values as normalise
from spendkit.normalise.columns import detect_columns
from spendkit.read.files import read_tables
from spendkit.read.headers import FACT_ROLES


@dataclass
class SupplierFile:
    frame: pd.DataFrame
    info: dict[str, Any] = field(default_factory=dict)


def load_suppliers(path: Path) -> SupplierFile:
    tables = read_tables(path, every_sheet=False)  # the sheet most like a supplier list
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
    for role in ("company_number", "charity_number", *FACT_ROLES):
        out[role] = normalise.clean_text(frame[col(role)]) if col(role) else ""
    out["source_row"] = table.row_numbers
    notes = [*table.notes, *cmap.notes]
    if table.blank_rows:
        notes.append(f"{table.blank_rows:,} blank row(s) skipped")
    info = {"file": table.source, "rows": len(out), "columns": dict(cmap.roles), "notes": notes}
    dup_ids = out["supplier_id"].ne("") & out["supplier_id"].duplicated()
    if dup_ids.any():
        notes.append(f"{int(dup_ids.sum())} repeated supplier id(s): the first row of each is used")
    unusable = int((out["supplier_id"].eq("") & out["payee_key"].eq("")).sum())
    if unusable:
        notes.append(f"{unusable:,} row(s) without a name or a supplier id skipped (they can match "
                     "no payee)")
    notes += conflict_notes(out)
    return SupplierFile(out, info)


# What a row says of its payee: the more of these it fills, the more evidence it holds.
EVIDENCE = ("postcode_raw", "company_number", "charity_number", *FACT_ROLES)


def conflict_notes(frame: pd.DataFrame) -> list[str]:
    """A note for rows of one payee (the same name key: 'Acme Ltd' and 'ACME LIMITED') that
    disagree on a fact both fill in (a postcode, a size...): a name match uses the row with the
    most evidence (the first of equals; ``join_suppliers``), and the note says so."""
    keyed = frame[frame["payee_key"].ne("") & frame["payee_key"].duplicated(keep=False)]
    if keyed.empty:
        return []
    fields: list[str] = []
    payees: set[str] = set()
    for column in EVIDENCE:
        value = keyed[column].astype("str").str.upper().str.replace(r"\s+", "", regex=True)
        given = value.ne("")
        distinct = value[given].groupby(keyed.loc[given, "payee_key"]).nunique()
        clash = distinct.index[distinct > 1]
        if len(clash):
            fields.append(column.removesuffix("_raw").replace("_", " "))
            payees.update(clash)
    if not payees:
        return []
    first = sorted(payees)[0]
    rows = keyed.loc[keyed["payee_key"] == first, "source_row"].tolist()
    return [f"{len(payees):,} payee(s) with conflicting rows ({', '.join(fields)}), e.g. "
            f"'{first}' on rows {', '.join(map(str, rows))}: a match on the name uses the row "
            "with the most facts filled in (the first of equals); give each row a supplier id "
            "to match them apart"]


def join_suppliers(rows: pd.DataFrame, suppliers: SupplierFile) -> pd.DataFrame:
    """Per ledger row: the position of its supplier in the file (-1 if none) and how it matched.
    Decided once per distinct (supplier id, payee key)."""
    codes, first = group_codes([rows["supplier_id"], rows["payee_key"]])
    sub = rows[["supplier_id", "payee_key"]].iloc[first].reset_index(drop=True).apply(as_text)
    sf = suppliers.frame.reset_index(drop=True)
    position = pd.Series(-1, index=sub.index, dtype="int64")
    how = pd.Series("", index=sub.index, dtype="str")
    ids = sf["supplier_id"]
    by_id = pd.Series(ids.index, index=ids)[(ids != "").to_numpy()]
    by_id = by_id[~by_id.index.duplicated()]
    if len(by_id) and (sub["supplier_id"] != "").any():
        hit = sub["supplier_id"].map(by_id)
        found = hit.notna() & (sub["supplier_id"] != "")
        position[found] = hit[found].astype("int64")
        how[found] = "supplier id"
    # By name: of the rows with one name key, the one with the most evidence (the first of equals).
    evidence = sf[list(EVIDENCE)].ne("").sum(axis=1)
    keys = sf["payee_key"].loc[evidence.sort_values(ascending=False, kind="stable").index]
    by_name = pd.Series(keys.index, index=keys)[(keys != "").to_numpy()]
    by_name = by_name[~by_name.index.duplicated()]
    todo = position < 0
    if len(by_name) and todo.any():
        hit = sub.loc[todo, "payee_key"].map(by_name)
        found = hit.index[hit.notna()]
        position[found] = hit[found].astype("int64")
        how[found] = "name"
    return pd.DataFrame({"supplier_row": position.to_numpy()[codes],
                         "supplier_match": spread_categorical(how, codes, rows.index)}, index=rows.index)


def supplier_facts(joined: pd.DataFrame, suppliers: SupplierFile, column: str) -> pd.Series:
    """The supplier file's ``column`` for each joined ledger row ("" where unmatched)."""
    values = suppliers.frame[column].reset_index(drop=True)
    pos = joined["supplier_row"].to_numpy()
    out = pd.Series(values.take(pos.clip(0)).to_numpy(), index=joined.index, dtype="str")
    return out.where(pos >= 0, "")
