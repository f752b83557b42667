"""The local multiplier (LM3, NEF's Local Multiplier 3), estimated from the rows a report counts
and a file of re-spend shares.

    shares = read_respend(Path("respend.csv"))   # supplier,class,respend / ,vcfse,60%
    lm3(rows, shares)["lm3"]                     # (R1 + R2 + R3) / R1, a lower bound
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from spendkit.aggregate.dimensions import FAMILIES, families
from spendkit.aggregate.shares import base_rows, parse_share, resolve_denominator
from spendkit.errors import InputFileError
from spendkit.money import money
from spendkit.normalise.values import name_key
from spendkit.read.guard import check_path, unreadable


def read_respend(path: Path) -> pd.DataFrame:
    """A re-spend file: CSV with ``respend`` (share of income re-spent in the place: 0.45 or
    45%) and ``supplier`` (a name) or ``class`` (local, sme, vcfse, micro...) on each row."""
    check_path(path, "a re-spend file")
    try:
        frame = pd.read_csv(path, dtype="str", keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputFileError(f"{path}: not a readable CSV ({exc}).") from None
    except OSError as exc:
        raise unreadable(path, exc) from None
    frame.columns = [c.strip().lower() for c in frame.columns]
    if "respend" not in frame or not ({"supplier", "class"} & set(frame.columns)):
        raise InputFileError(f"{path}: needs a 'respend' column and a 'supplier' or 'class' column.",
                             hint="e.g. supplier,class,respend / Acme Ltd,,0.45 / ,vcfse,60%")
    for c in ("supplier", "class"):
        if c not in frame:
            frame[c] = ""
    frame["share"] = [parse_share(v, f"{path} row {i + 2}") for i, v in enumerate(frame["respend"])]
    empty = (frame["supplier"].str.strip() == "") & (frame["class"].str.strip() == "")
    if empty.any() or frame["share"].isna().any():
        row = int(np.flatnonzero(empty | frame["share"].isna())[0]) + 2
        raise InputFileError(f"{path} row {row}: give a supplier or a class, and a respend share.")
    return frame[["supplier", "class", "share"]]


def lm3(rows: pd.DataFrame, respend: pd.DataFrame, path: str = "", shares_of: str = "auto"
        ) -> dict[str, Any]:
    """LM3 = (R1 + R2 + R3) / R1 (NEF's Local Multiplier 3), estimated from these rows:
    R1 the spend (the headline shares' denominator: see ``shares.DENOMINATORS``), R2 the part paid to
    local suppliers, R3 what those suppliers re-spend in the place, by the shares given. Local
    spend with no share given counts as re-spending nothing, so the estimate is a lower bound."""
    base = base_rows(rows, resolve_denominator(rows, shares_of))
    local = base[base["geography"] == "local"]
    share = pd.Series(np.nan, index=local.index)
    named = respend[respend["supplier"].str.strip() != ""]
    if len(named):
        by_key = dict(zip(name_key(named["supplier"]), named["share"], strict=True))
        share = local["payee_key"].map(by_key).astype("float64")
    for cls, s in zip(respend["class"], respend["share"], strict=True):
        cls = cls.strip().lower()
        if not cls:
            continue
        if cls == "sme" and "sme" in local:
            hit = local["sme"].fillna(False).astype(bool)
        else:
            cols = [FAMILIES[f] for f in families(local)]
            hit = local[cols].astype("str").eq(cls).any(axis=1)
        share = share.mask(share.isna() & hit, s)
    r1 = int(base["amount_pence"].sum())
    r2 = int(local["amount_pence"].sum())
    covered = share.notna()
    r3 = int(np.round((local["amount_pence"] * share.fillna(0)).sum()))
    uncovered = int(local.loc[~covered, "amount_pence"].sum())
    value = round((r1 + r2 + r3) / r1, 4) if r1 else None
    label = (f"LM3 estimate {value} from the re-spend shares in {path or 'the file given'}: "
             f"R1 {money(r1)}, R2 (local) {money(r2)}, R3 (local re-spend) {money(r3)}"
             + (f"; {money(uncovered)} of local spend had no share and counts as none "
                "(a lower bound)" if uncovered else "") + ".")
    return {"lm3": value, "r1_pence": r1, "r2_pence": r2, "r3_pence": r3,
            "local_pence_without_share": uncovered, "estimate": True, "label": label,
            "formula": "(R1 + R2 + R3) / R1, NEF Local Multiplier 3"}
