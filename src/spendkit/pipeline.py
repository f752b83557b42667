"""The pipeline: ledgers -> rows with a place class and the evidence for it.

    result = classify(["ledger.csv"], Settings(place=PlaceSettings(districts=["Wigan"])))
    result.summary()["geography"]["local"]["pence"]

Columns added to the ledger's rows (see ``ledger.py`` for the rest):

==================  =========================================================
postcode            the postcode used, normalised ('WN1 1YN'); '' if none
postcode_source     where it came from: 'ledger', 'supplier file (supplier id)' ...
district_code       ONS district code of the postcode ('' if unknown)
district_name       its name ('Wigan')
geography           local | sub_regional | regional | national | outside_uk | unknown
geography_evidence  the reason, in words
==================  =========================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import organisations, postcodes, sectors
from .columns import FACT_ROLES
from .config import Settings
from .distinct import as_text, group_codes, spread, spread_categorical
from .ledger import concat_frames, load_ledgers
from .places import Districts, Place, PostcodeIndex, classify_geography, resolve_place
from .suppliers import SupplierFile, join_suppliers, load_suppliers, supplier_facts


@dataclass
class Result:
    """Everything a report needs: counted rows, rejected rows, and how they were decided."""

    rows: pd.DataFrame
    rejected: pd.DataFrame
    inputs: list[dict[str, Any]]
    place: Place
    districts: Districts
    directory: str
    settings: Settings = field(default_factory=Settings)
    suppliers: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        from .aggregate import summarise

        return summarise(self)


def classify(ledgers: Sequence[str | Path], settings: Settings | None = None) -> Result:
    """Read, normalise and place every row of ``ledgers``."""
    settings = settings or Settings()
    districts = Districts()
    index = PostcodeIndex.load(settings.postcodes)
    place = resolve_place(settings.place.districts, districts, index,
                          settings.place.sub_regional, settings.place.regional)
    supplier_file = load_suppliers(settings.suppliers) if settings.suppliers else None
    loaded = load_ledgers([Path(p) for p in ledgers], settings)
    rows = concat_frames([ledger.rows for ledger in loaded])
    rejected = concat_frames([ledger.rejected for ledger in loaded])
    if supplier_file is not None:
        rows = rows.join(join_suppliers(rows, supplier_file))
    registry = _load_registries(settings)
    if registry is not None:
        rows = registry_rows(rows, supplier_file, registry)
    rows = place_rows(rows, index, place, districts, supplier_file)
    rows = organisation_rows(rows, supplier_file, settings)
    return Result(rows=rows, rejected=rejected, inputs=[ledger.info for ledger in loaded],
                  place=place, districts=districts, directory=index.source, settings=settings,
                  suppliers=supplier_file.info if supplier_file else None)


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
    for col in ("postcode", "postcode_source", "district_code", "district_name", "geography",
                "geography_evidence"):
        out[col] = spread_categorical(parts[col], codes, out.index)
    return out


REGISTRY_COLUMNS = ("org_id", "match_method", "match_evidence", "reg_registry", "reg_legal_form",
                    "reg_accounts_category", "reg_income_pounds", "reg_status")
FORMATION_AGENT_COMPANIES = 500  # a registered office shared by more companies is weak evidence


def _load_registries(settings: Settings) -> pd.DataFrame | None:
    r = settings.registries
    if not any((r.companies, r.charities, r.oscr, r.ccni, r.mutuals)):
        return None
    from .registries import load_registries

    return load_registries(companies=r.companies or None, charities=r.charities or None,
                           oscr=r.oscr or None, ccni=r.ccni or None, mutuals=r.mutuals or None)


def registry_rows(rows: pd.DataFrame, supplier_file: SupplierFile | None,
                  registry: pd.DataFrame) -> pd.DataFrame:
    """Match each distinct payee to a registry record (number, name, then fuzzy name) and add
    its identifier, evidence and facts; its postcode becomes a candidate for placing the payee."""
    from .registries import match_payees

    numbers = rows[["payee", "payee_key", "company_number", "charity_number"]].rename(
        columns={"payee": "name"}).fillna("")
    if supplier_file is not None:
        for col in ("company_number", "charity_number"):
            known = supplier_facts(rows, supplier_file, col)
            numbers[col] = as_text(numbers[col]).mask(numbers[col] == "", known)
    codes, first = group_codes([numbers[c] for c in numbers.columns])
    distinct = numbers.iloc[first].astype("str").reset_index(drop=True)
    matched = match_payees(distinct, registry)
    shared = registry.loc[registry["registry"] == "companies_house", "postcode"].value_counts()
    postcode = matched["reg_postcode"].fillna("").astype("str")
    crowd = postcode.map(shared).fillna(0).astype(int)
    where = matched["reg_registry"].fillna("").astype("str").str.replace("_", " ").str.title() \
        + " " + matched["org_id"].fillna("").astype("str")
    where = where.mask(crowd > FORMATION_AGENT_COMPANIES,
                       where + ", registered office shared by " + crowd.astype(str)
                       + " companies: weak evidence of place")
    out = rows.copy()
    for col in REGISTRY_COLUMNS:
        out[col] = spread(matched[col], codes, out.index) if col in matched else ""
    out["reg_postcode"] = spread(postcode, codes, out.index)
    out["reg_label"] = spread("registry: " + where, codes, out.index)
    return out


def organisation_rows(rows: pd.DataFrame, supplier_file: SupplierFile | None,
                      settings: Settings) -> pd.DataFrame:
    """Add size and sector columns, deciding once per distinct payee and its facts."""
    org = settings.organisations
    rules = sectors.load_rules(org.rules)
    # Everything the decision reads is a function of these keys (supplier facts of the supplier
    # row, registry facts of the match): group on them, read the evidence of one row per group.
    keys = [c for c in ("payee", "company_number", "charity_number", "sme_flag", "vcse_flag",
                        "supplier_row", "org_id") if c in rows]
    codes, first = group_codes([rows[k] for k in keys])
    sub = rows.iloc[first].reset_index(drop=True)
    evidence = sub[["payee", "payee_key", "company_number", "charity_number", "sme_flag",
                    "vcse_flag"]].rename(columns={"payee": "name"})
    if supplier_file is not None:
        for fact in FACT_ROLES:
            evidence[f"sup_{fact}"] = supplier_facts(sub, supplier_file, fact)
    for col in REGISTRY_COLUMNS:
        if col.startswith("reg_") and col in sub:
            evidence[col] = sub[col].astype("str")
    if "org_id" in sub:
        evidence["reg_org_id"] = sub["org_id"].astype("str")
    evidence = evidence.fillna("")
    decided = organisations.decide(
        evidence,
        organisations.OrganisationSettings(size_rule=org.size_rule,
                                           guarantee_is_vcfse=org.guarantee_is_vcfse,
                                           exclude_from_headline=settings.headline.exclude,
                                           rules=rules))
    out = rows.drop(columns=[c for c in ("supplier_row", "supplier_match", "reg_postcode", "reg_label",
                                         "reg_legal_form", "reg_accounts_category",
                                         "reg_income_pounds", "reg_status") if c in rows])
    for col in decided.columns:
        out[col] = spread_categorical(decided[col], codes, out.index)
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
