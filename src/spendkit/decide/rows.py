"""The classification of a ledger's rows, step by step, shared by both engines: the driver's
set-up (``prepare``), then the row steps in order (``classify_rows``): the supplier file's
join, registry matches (identifiers and facts from the public registers), place, then size
and sector, each decided once per distinct payee and its facts and spread back to the rows.
The columns each step adds and drops are listed in ``spendkit.schema``.

Registry matching is three steps, so that an engine can match once for all its rows: each
row's payee (``match_keys``, made distinct by ``distinct_keys``), the distinct payees matched
(``match_registers``: the match table), and the table joined onto the rows
(``join_matches``). The local engine runs the three in ``registry_rows``; the Spark engine
collects every payee of the run to the driver, matches them there, and each batch joins the
broadcast table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from spendkit.config import Settings
from spendkit.decide import organisations, sectors
from spendkit.decide.place import place_rows
from spendkit.distinct import as_text, group_codes, spread, spread_categorical
from spendkit.errors import InputFileError
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

__all__ = ["MATCH_COLUMNS", "MATCH_KEYS", "Prepared", "classify_rows", "distinct_keys",
           "join_matches", "load_registries_for", "match_keys", "match_registers",
           "organisation_rows", "prepare", "registry_rows", "supplier_rows"]

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
                  registry: Registers | None = None, *,
                  matches: pd.DataFrame | None = None) -> pd.DataFrame:
    """Normalised ledger rows -> classified rows: the supplier file's join, registry matches
    (when ``registry`` is given: the payees matched here; or ``matches``, a match table
    ``match_registers`` made for every payee of the run), place, then size and sector. Both
    engines run exactly this (the Spark engine on each Arrow batch, with ``matches``)."""
    supplier_file = prepared.supplier_file
    rows = supplier_rows(rows, supplier_file)
    if matches is not None:
        rows = join_matches(rows, supplier_file, matches)
    elif registry is not None:
        rows = registry_rows(rows, supplier_file, registry, prepared.decisions)
    rows = place_rows(rows, prepared.index, prepared.place, prepared.districts, supplier_file)
    return organisation_rows(rows, supplier_file, settings, prepared.rules)


def supplier_rows(rows: pd.DataFrame, supplier_file: SupplierFile | None) -> pd.DataFrame:
    """``rows`` joined to the supplier file, if any (``SUPPLIER_HELPERS``: its row, how matched)."""
    return rows if supplier_file is None else rows.join(join_suppliers(rows, supplier_file))


def load_registries_for(settings: Settings) -> pd.DataFrame | None:
    """The registers this run uses: the files given for it and the installed ones
    (``reference.registries.store.registers_for_run``); None when there are none."""
    from spendkit.reference.registries.store import registers_for_run

    return registers_for_run(settings)


MATCH_KEYS = ("name", "payee_key", "company_number", "charity_number")  # a payee, as matched
MATCH_COLUMNS = (*REGISTRY_COLUMNS, "reg_postcode", "reg_label")  # what a match adds to its rows


def registry_rows(rows: pd.DataFrame, supplier_file: SupplierFile | None, registry: Registers,
                  decisions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Match each distinct payee to a register entry (``decide.matching``: the decisions file,
    identifiers, then names) and add its identifier, evidence and facts; its postcode becomes a
    candidate for placing the payee. ``registry``: installed name indexes, or a register frame.
    The local engine's step: ``match_keys`` -> ``match_registers`` on the distinct keys ->
    ``join_matches`` (the Spark engine runs the same three, matching once on the driver)."""
    codes, distinct = distinct_keys(match_keys(rows, supplier_file))
    return _join(rows, codes, distinct, match_registers(distinct, registry, decisions))


def match_keys(rows: pd.DataFrame, supplier_file: SupplierFile | None) -> pd.DataFrame:
    """Each row's payee as the registers are matched on it (``MATCH_KEYS``, "" where none):
    its name and name key, and the ledger's company and charity numbers, or the supplier
    file's where the ledger gives none. ``rows``: joined to the supplier file, if any."""
    numbers = rows[["payee", "payee_key", "company_number", "charity_number"]].rename(
        columns={"payee": "name"}).fillna("")
    if supplier_file is not None:
        for col in ("company_number", "charity_number"):
            known = supplier_facts(rows, supplier_file, col)
            numbers[col] = as_text(numbers[col]).mask(numbers[col] == "", known)
    return numbers


def distinct_keys(keys: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """(the distinct payee of each row, the distinct payees as text: one row each)."""
    codes, first = group_codes([keys[c] for c in keys.columns])
    return codes, keys.iloc[first].astype("str").fillna("").reset_index(drop=True)


def match_registers(payees: pd.DataFrame, registry: Registers,
                    decisions: pd.DataFrame | None = None) -> pd.DataFrame:
    """The match table: one row per distinct payee of ``payees`` (``MATCH_KEYS``, as
    ``distinct_keys`` gives them), with the register entry it is (``decide.matching
    .match_payees``) as ``MATCH_COLUMNS``: the identifier, how it was matched, the register's
    facts, its postcode and the label that says where the postcode came from."""
    from spendkit.decide.matching import match_payees

    payees = payees[list(MATCH_KEYS)].reset_index(drop=True)
    matched = match_payees(payees, registry, decisions=decisions)
    postcode = matched["reg_postcode"].fillna("").astype("str")
    crowd = matched["reg_postcode_share"].where(matched["reg_registry"] == "companies_house", 0)
    where = matched["reg_registry"].fillna("").astype("str").str.replace("_", " ").str.title() \
        + " " + matched["org_id"].fillna("").astype("str")
    where = where.mask(crowd > FORMATION_AGENT_COMPANIES,
                       where + ", registered office shared by " + crowd.astype(str)
                       + " companies: weak evidence of place")
    dissolved = matched["reg_status"].str.contains(_GONE, regex=True)
    where = where.mask(dissolved, where + ", " + matched["reg_status"].str.lower() + ": the address may be old")
    table = payees.copy()
    for col in REGISTRY_COLUMNS:
        table[col] = matched.get(col, "")
    table["reg_postcode"] = postcode
    table["reg_label"] = "registry: " + where
    return table


def join_matches(rows: pd.DataFrame, supplier_file: SupplierFile | None,
                 matches: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with their payees' matches (``MATCH_COLUMNS``) from a match table made by
    ``match_registers`` (the Spark engine's, made once on the driver for every payee)."""
    codes, distinct = distinct_keys(match_keys(rows, supplier_file))
    return _join(rows, codes, distinct, matches)


def _join(rows: pd.DataFrame, codes: np.ndarray, distinct: pd.DataFrame,
          matches: pd.DataFrame) -> pd.DataFrame:
    keys = list(MATCH_KEYS)
    at = pd.MultiIndex.from_frame(matches[keys]).get_indexer(pd.MultiIndex.from_frame(distinct[keys]))
    if (at < 0).any():  # the table was made from these very rows: they changed since
        missing = distinct.loc[at < 0, "name"].iloc[0]
        raise InputFileError(f"payee '{missing}' was not among the payees matched to the registers "
                             "for this run: the ledgers changed while they were classified.",
                             hint="Classify them again.")
    picked = matches.take(at).reset_index(drop=True)
    out = rows.copy()
    for col in MATCH_COLUMNS:
        out[col] = spread(picked[col], codes, out.index)
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
