"""Where a payee is: the one place a postcode becomes local, sub-regional, regional, national,
outside the UK or unknown, with the evidence in words.

For each distinct input (the ledger's postcode, the supplier file's, a register's) the first
postcode that parses is chosen, looked up in the ONS Postcode Directory for its district, and
the district classed against the place's rings (``reference.districts.Place``).

Columns added to the ledger's rows: ``schema.PLACE_COLUMNS`` (postcode, postcode_source,
district_code, district_name, geography, geography_evidence); ``postcode_raw`` is dropped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spendkit.distinct import as_text, group_codes, spread_categorical
from spendkit.normalise import postcodes
from spendkit.reference.districts import Districts, Place
from spendkit.reference.postcode_index import OUTSIDE_UK, PostcodeIndex
from spendkit.reference.suppliers import SupplierFile, supplier_facts
from spendkit.schema import PLACE_COLUMNS, names


def place_rows(rows: pd.DataFrame, index: PostcodeIndex, place: Place, districts: Districts,
               supplier_file: SupplierFile | None = None) -> pd.DataFrame:
    """Add postcode, district and geography columns, deciding once per distinct input."""
    keys = ["postcode_raw"]
    if supplier_file is not None:
        keys += ["supplier_row", "supplier_match"]  # the supplier's postcode follows from its row
    if "reg_postcode" in rows:
        keys += ["reg_postcode", "reg_label"]
    codes, first = group_codes([rows[k] for k in keys])
    sub = rows[keys].iloc[first].reset_index(drop=True)
    inputs = pd.DataFrame({"postcode_raw": as_text(sub["postcode_raw"])})
    if supplier_file is not None:
        inputs["supplier_postcode"] = supplier_facts(sub, supplier_file, "postcode_raw")
        inputs["supplier_match"] = as_text(sub["supplier_match"])
    if "reg_postcode" in rows:
        inputs["reg_postcode"] = as_text(sub["reg_postcode"])
        inputs["reg_label"] = as_text(sub["reg_label"])
    parts = decide_places(inputs, index, place, districts, with_suppliers=supplier_file is not None)
    out = rows.drop(columns=["postcode_raw"])
    for col in names(PLACE_COLUMNS):
        out[col] = spread_categorical(parts[col], codes, out.index)
    return out


def decide_places(inputs: pd.DataFrame, index: PostcodeIndex, place: Place, districts: Districts,
                  *, with_suppliers: bool) -> pd.DataFrame:
    """One row per distinct input: the postcode chosen, its district, class and evidence."""
    candidates = [(inputs["postcode_raw"], pd.Series("ledger", index=inputs.index))]
    if with_suppliers:
        label = "supplier file (" + inputs["supplier_match"] + ")"
        candidates.append((inputs["supplier_postcode"], label))
        no_match = inputs["supplier_match"] == ""
    else:
        no_match = pd.Series(False, index=inputs.index)
    if "reg_postcode" in inputs:
        candidates.append((inputs["reg_postcode"], inputs["reg_label"]))
    chosen = pd.Series("", index=inputs.index, dtype="str")
    source = pd.Series("", index=inputs.index, dtype="str")
    problem = pd.Series("", index=inputs.index, dtype="str")
    for raw, label in candidates:
        formatted, reason = postcodes.normalise(raw)
        take = (chosen == "") & (formatted != "")
        chosen = chosen.mask(take, formatted)
        source = source.mask(take, label)
        first_problem = (problem == "") & (chosen == "") & (reason != "no postcode")
        problem = problem.mask(first_problem, reason + " (" + label + ")")
    nothing = "no postcode in the ledger" + (" or the supplier file" if with_suppliers else "")
    problem = problem.mask((chosen == "") & (problem == ""),
                           pd.Series(np.where(no_match, "no postcode, and the payee is not in the "
                                                        "supplier file", nothing), index=inputs.index))
    problem = problem.where(chosen == "", "")

    parts = pd.DataFrame({"postcode": chosen, "postcode_source": source, "problem": problem})
    found = index.lookup(postcodes.compact(chosen))
    parts["district_code"] = found["district"].astype("str").to_numpy()
    parts["district_name"] = districts.name_column(parts["district_code"]).fillna("")
    parts["geography"] = classify_geography(parts["district_code"], place, districts)
    parts["geography_evidence"] = _evidence(parts, found, place)
    return parts


def _evidence(parts: pd.DataFrame, found: pd.DataFrame, place: Place) -> pd.Series:
    pc, src = parts["postcode"], parts["postcode_source"]
    phrase = parts["geography"].map({
        "local": "the place",
        "sub_regional": "sub-regional, " + place.sub_regional_label,
        "regional": "regional, " + place.regional_label,
        "national": "elsewhere in the UK",
        "outside_uk": "outside the UK",
    }).fillna("")
    located = "postcode " + pc + " (" + src + ") is in " + parts["district_name"] + " (" \
        + parts["district_code"] + "): " + phrase
    located = located.where(~found["terminated"].to_numpy(), located + " [terminated postcode]")
    ev = parts["problem"].copy()
    has_pc = pc != ""
    ev = ev.mask(has_pc & ~found["found"].to_numpy(),
                 "postcode " + pc + " (" + src + ") is not in the ONS Postcode Directory")
    ev = ev.mask(has_pc & found["found"].to_numpy() & (parts["district_code"] == ""),
                 "postcode " + pc + " (" + src + ") has no district in the ONS Postcode Directory")
    ev = ev.mask(has_pc & (parts["district_code"] != ""), located)
    return ev


def classify_geography(district: pd.Series, place: Place, districts: Districts) -> pd.Series:
    """District code per row ('' if none) -> geography class."""
    d = district.fillna("")
    cls = pd.Series("national", index=d.index, dtype="str")
    cls = cls.mask(d.isin(place.regional), "regional")
    cls = cls.mask(d.isin(place.sub_regional), "sub_regional")
    cls = cls.mask(d.isin(place.local), "local")
    cls = cls.mask(d.isin(list(OUTSIDE_UK)), "outside_uk")
    cls = cls.mask(d == "", "unknown")
    return cls
