"""The script an analyst would typically write in pandas: row-wise ``apply`` with Python
functions and dict lookups.

    python scripts/bench/baseline_pandas.py LEDGER.csv SUPPLIERS.csv OUT.parquet

Same job as `spendkit classify` and baseline_duckdb.py (read, clean amounts, drop rows
that cannot be read, place each payee by postcode, aggregate, write Parquet); prints
{"geography": {class: {pence, rows, payees}}} as JSON.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

OUT = Path(__file__).resolve().parents[2] / "bench" / "out"
CLASSES = ("local", "sub_regional", "regional", "national", "outside_uk", "unknown")


def main(ledger: str, suppliers: str, out: str) -> None:
    df = pd.read_csv(ledger, dtype=str, keep_default_na=False)
    sup = pd.read_csv(suppliers, dtype=str, keep_default_na=False)
    lookup = pd.read_parquet(OUT / "postcodes.parquet")
    classes = pd.read_parquet(OUT / "classes-wigan.parquet")
    postcode_district = dict(zip(lookup["postcode"], lookup["district"], strict=True))
    district_class = dict(zip(classes["district"], classes["class"], strict=True))
    supplier_postcode = dict(zip(sup["Supplier ID"], sup["Postcode"], strict=True))

    def parse_amount(text: str) -> float | None:
        t = text.replace("£", "").replace(",", "").strip().upper()
        negative = False
        if t.startswith("(") and t.endswith(")"):
            negative, t = True, t[1:-1]
        if t.endswith("CR"):
            negative, t = True, t[:-2].strip()
        if t.startswith("-"):
            negative, t = True, t[1:]
        try:
            pence = round(float(t) * 100)
        except ValueError:
            return None
        return -pence if negative else pence

    def place(row: pd.Series) -> str:
        pc = row["Supplier Postcode"].strip() or supplier_postcode.get(row["Supplier ID"], "")
        district = postcode_district.get(pc.upper().replace(" ", ""))
        if district is None:
            return "unknown"
        return district_class.get(district, "national")

    df["amount_pence"] = df["Net Amount"].apply(parse_amount)
    df["payment_date"] = pd.to_datetime(df["Payment Date"], dayfirst=True, format="mixed",
                                        errors="coerce")
    ok = (df["amount_pence"].notna() & (df["Supplier Name"].str.strip() != "")
          & ~(df["payment_date"].isna() & (df["Payment Date"].str.strip() != "")))
    df = df[ok].copy()
    df["amount_pence"] = df["amount_pence"].astype("int64")
    df["geography"] = df.apply(place, axis=1)
    df["payee"] = df["Supplier Name"].str.strip().str.upper()
    summary = df.groupby("geography").agg(pence=("amount_pence", "sum"), rows=("amount_pence", "size"),
                                          payees=("payee", "nunique"))
    df.drop(columns=["payee"]).to_parquet(out, index=False)
    got = {g: {k: int(v) for k, v in r.items()} for g, r in summary.iterrows()}
    result = {c: got.get(c, {"pence": 0, "rows": 0, "payees": 0}) for c in CLASSES}
    sys.stdout.write(json.dumps({"geography": result}) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:4])
