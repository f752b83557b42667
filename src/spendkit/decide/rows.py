"""The classification of a ledger's rows, step by step, shared by both engines: the driver's
set-up (``prepare``), then the row steps in order (``classify_rows``): the supplier file's
join, registry matches (identifiers and facts from the public registers), place, then size
and sector, each decided once per distinct payee and its facts and spread back to the rows.
The columns each step adds and drops are listed in ``spendkit.schema``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from spendkit.config import Settings
from spendkit.decide import organisations, sectors
from spendkit.decide.place import place_rows
from spendkit.distinct import as_text, group_codes, spread, spread_categorical
from spendkit.read.headers import FACT_ROLES
from spendkit.reference.districts import Districts, Place, resolve_place
from spendkit.reference.postcode_index import PostcodeIndex
from spendkit.reference.suppliers import (
    SupplierFile,
    join_suppliers,
    load_suppliers,
    supplier_facts,
)
from spendkit.schema import DECIDE_HELPERS, REGISTRY_COLUMNS

if TYPE_CHECKING:
    from spendkit.decide.matching import Registers

__all__ = ["Prepared", "classify_rows", "load_registries_for", "organisation_rows", "prepare",
           "registry_rows"]

FORMATION_AGENT_COMPANIES = 500  # a registered office shared by more companies is weak evidence


@dataclass
class Prepared:
    """What a run sets up once from its settings, before any row (on the driver, for Spark)."""

    districts: Districts
    index: PostcodeIndex
    place: Place
    supplier_file: SupplierFile | None
    rules: sectors.Rules  # plain text and flags: a Spark task can take it as it is
    decisions: pd.DataFrame | None = None  # the decisions file (decide.matching.read_decisions)


def prepare(settings: Settings) -> Prepared:
    """Districts, postcode index, the resolved place, the supplier file and the sector rules
    (a bad rules file fails here, before any row is read)."""
    districts = Districts()
    index = PostcodeIndex.load(settings.postcodes)
    place = resolve_place(settings.place.districts, districts, index,
                          settings.place.sub_regional, settings.place.regional)
    supplier_file = load_suppliers(settings.suppliers) if settings.suppliers else None
    decisions = None
    if settings.registries.decisions is not None:
        from spendkit.decide.matching import read_decisions

        decisions = read_decisions(settings.registries.decisions)
    return Prepared(districts, index, place, supplier_file,
                    sectors.load_rules(settings.organisations.rules), decisions)


def classify_rows(rows: pd.DataFrame, prepared: Prepared, settings: Settings,
                  registry: Registers | None = None) -> pd.DataFrame:
    """Normalised ledger rows -> classified rows: the supplier file's join, registry matches
    (when ``registry`` is given), place, then size and sector. Both engines run exactly this
    (the Spark engine on each Arrow batch)."""
    supplier_file = prepared.supplier_file
    if supplier_file is not None:
        rows = rows.join(join_suppliers(rows, supplier_file))
    if registry is not None:
        rows = registry_rows(rows, supplier_file, registry, prepared.decisions)
    rows = place_rows(rows, prepared.index, prepared.place, prepared.districts, supplier_file)
    return organisation_rows(rows, supplier_file, settings, prepared.rules)


def load_registries_for(settings: Settings) -> pd.DataFrame | None:
    """The registers this run uses: the files given for it and the installed ones
    (``reference.registries.store.registers_for_run``); None when there are none."""
    from spendkit.reference.registries.store import registers_for_run

    return registers_for_run(settings)


def registry_rows(rows: pd.DataFrame, supplier_file: SupplierFile | None, registry: Registers,
                  decisions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Match each distinct payee to a register entry (``decide.matching``: the decisions file,
    identifiers, then names) and add its identifier, evidence and facts; its postcode becomes a
    candidate for placing the payee. ``registry``: installed name indexes, or a register frame."""
    from spendkit.decide.matching import match_payees

    numbers = rows[["payee", "payee_key", "company_number", "charity_number"]].rename(
        columns={"payee": "name"}).fillna("")
    if supplier_file is not None:
        for col in ("company_number", "charity_number"):
            known = supplier_facts(rows, supplier_file, col)
            numbers[col] = as_text(numbers[col]).mask(numbers[col] == "", known)
    codes, first = group_codes([numbers[c] for c in numbers.columns])
    distinct = numbers.iloc[first].astype("str").reset_index(drop=True)
    matched = match_payees(distinct, registry, decisions=decisions)
    postcode = matched["reg_postcode"].fillna("").astype("str")
    crowd = matched["reg_postcode_share"].where(matched["reg_registry"] == "companies_house", 0)
    where = matched["reg_registry"].fillna("").astype("str").str.replace("_", " ").str.title() \
        + " " + matched["org_id"].fillna("").astype("str")
    where = where.mask(crowd > FORMATION_AGENT_COMPANIES,
                       where + ", registered office shared by " + crowd.astype(str)
                       + " companies: weak evidence of place")
    dissolved = matched["reg_status"].str.contains(_GONE, regex=True)
    where = where.mask(dissolved, where + ", " + matched["reg_status"].str.lower() + ": the address may be old")
    out = rows.copy()
    for col in REGISTRY_COLUMNS:
        out[col] = spread(matched[col], codes, out.index) if col in matched else ""
    out["reg_postcode"] = spread(postcode, codes, out.index)
    out["reg_label"] = spread("registry: " + where, codes, out.index)
    return out


_GONE = r"(?i)dissolved|removed|struck off|liquidation|converted|closed"


def organisation_rows(rows: pd.DataFrame, supplier_file: SupplierFile | None,
                      settings: Settings, rules: sectors.Rules) -> pd.DataFrame:
    """Add size and sector columns, deciding once per distinct payee and its facts."""
    org = settings.organisations
    # Everything the decision reads is a function of these keys (supplier facts of the supplier
    # row, registry facts of the match): group on them, read the evidence of one row per group.
    keys = [c for c in ("payee", "company_number", "charity_number", "sme_flag", "vcse_flag",
                        "supplier_row", "org_id") if c in rows]
    codes, first = group_codes([rows[k] for k in keys])
    sub = rows.iloc[first].reset_index(drop=True)
    evidence = sub[["payee", "payee_key", "company_number", "charity_number", "sme_flag",
                    "vcse_flag"]].rename(columns={"payee": "name"})
    if supplier_file is not None:
        for fact in (*FACT_ROLES, "charity_number", "company_number"):
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
    out = rows.drop(columns=[c for c in DECIDE_HELPERS if c in rows])
    for col in decided.columns:
        out[col] = spread_categorical(decided[col], codes, out.index)
    return out
