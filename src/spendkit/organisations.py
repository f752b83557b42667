"""Who a payee is: size band and sector from every source of evidence, strongest first.

Decided once per distinct payee (name key plus the facts given for it), then spread back to
the rows. Sources, in order of strength (the first that decides wins; a weaker source that
disagrees is kept in ``size_conflict`` / ``sector_conflict``):

size:   supplier file figures (staff, turnover, balance sheet) > supplier file or ledger SME
        flag > "part of a large group" / public limited company > charity income and
        Companies House accounts category (weak)
sector: supplier file sector or VCSE flag > ledger VCSE flag > registry (registered charity,
        CIC, co-operative...) > legal form (supplier file, Companies House category) > name

Columns added (per row): size_band (micro | small | medium | sme | large | unknown; ``sme``
means an SME whose band is not known), size_evidence, size_strength, size_conflict, sme
(True / False / <NA>), sector (vcfse | public | individual | private | unknown),
sector_evidence, sector_strength, sector_conflict, influenceable (bool).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import sectors, sizes
from .normalise import SPACE_CHARS

SIZE_CLASSES = ("micro", "small", "medium", "sme", "large", "unknown")
SECTOR_CLASSES = ("vcfse", "private", "public", "individual", "unknown")
_SP = f"[{SPACE_CHARS}]*"  # what \s* matches, spelt out so that the flags are read in RE2
YES = f"(?i){_SP}(yes|y|true|1|sme|x|✓){_SP}"
NO = f"(?i){_SP}(no|n|false|0|non[- ]?sme|large){_SP}"
SECTOR_WORDS = {  # a supplier file's own sector column
    "vcfse": "vcfse", "vcse": "vcfse", "vcs": "vcfse", "voluntary": "vcfse", "charity": "vcfse",
    "social enterprise": "vcfse", "third sector": "vcfse", "community": "vcfse",
    "public": "public", "public sector": "public", "public body": "public", "government": "public",
    "private": "private", "private sector": "private", "commercial": "private", "business": "private",
    "individual": "individual", "person": "individual", "personal": "individual",
}


@dataclass
class OrganisationSettings:
    size_rule: str = sizes.DEFAULT_RULE
    guarantee_is_vcfse: bool = False
    exclude_from_headline: Sequence[str] = ("public", "individual")
    rules: sectors.Rules | None = None
    notes: list[str] = field(default_factory=list)


def decide(payees: pd.DataFrame, settings: OrganisationSettings) -> pd.DataFrame:
    """One row per distinct payee -> size and sector columns (same index).

    ``payees`` has ``name`` and optional evidence columns: ``sme_flag``, ``vcse_flag`` (the
    ledger's), ``sup_*`` (supplier file: employees, turnover, balance_sheet, sme_flag,
    vcse_flag, sector, legal_form, large_group), ``reg_*`` (matched registry record:
    registry, org_id, legal_form, accounts_category, income_pounds, status).
    """
    idx = payees.index

    def col(name: str) -> pd.Series:
        return payees[name].fillna("").astype("str") if name in payees else pd.Series("", index=idx, dtype="str")

    rule = sizes.get_rule(settings.size_rule)
    rules = settings.rules or sectors.load_rules()

    # ---- size
    figures = sizes.size_band(_number(col("sup_employees")), _number(col("sup_turnover")),
                              _number(col("sup_balance_sheet")), rule)
    figures = _prefix_evidence(figures, "size_evidence", "supplier file: ")
    sup_flag = _flag_size(col("sup_sme_flag"), "supplier file SME flag")
    ledger_flag = _flag_size(col("sme_flag"), "ledger SME flag")
    group = sizes.not_sme(col("sup_large_group").str.fullmatch(YES),
                          "supplier file: part of a large group, not an SME", strength="strong")
    form_text = col("sup_legal_form").where(col("sup_legal_form") != "", col("reg_legal_form"))
    is_plc = pd.Series(sectors.contains(form_text, r"(?i)\bplc\b|public limited")
                       | sectors.contains(col("name"), r"(?i)\b(?:plc|p\.l\.c)\.?$"), index=form_text.index)
    plc = sizes.not_sme(is_plc, "public limited company (legal form or name): not an SME")
    layers = [(figures, "supplier file figures"), (sup_flag, "supplier file SME flag"),
              (ledger_flag, "ledger SME flag"), (group, "supplier file group"), (plc, "legal form")]
    if "reg_registry" in payees:
        charity_income = _number(col("reg_income_pounds")).where(
            col("reg_registry").str.contains("charit|oscr|ccni"), np.nan)
        layers += [(sizes.band_from_income(charity_income, rule), "charity income"),
                   (sizes.band_from_accounts_category(col("reg_accounts_category")),
                    "Companies House accounts")]
    size = sizes.combine(*(f for f, _ in layers), sources=[label for _, label in layers])
    sme = pd.Series(pd.NA, index=idx, dtype="boolean")
    sme = sme.mask(size["size_band"].isin([*sizes.SME_BANDS, "sme"]), True)
    sme = sme.mask(size["size_band"] == "large", False)

    # ---- sector
    sector_col = col("sup_sector").str.lower().str.strip().map(SECTOR_WORDS).fillna("unknown")
    from_sector = _sector_frame(sector_col, "supplier file sector '" + col("sup_sector") + "'", "strong")
    from_sup_vcse = _sector_frame(np.where(col("sup_vcse_flag").str.fullmatch(YES), "vcfse", "unknown"),
                                  "supplier file VCSE flag '" + col("sup_vcse_flag") + "'", "strong", idx)
    from_ledger_vcse = _sector_frame(np.where(col("vcse_flag").str.fullmatch(YES), "vcfse", "unknown"),
                                     "ledger VCSE flag '" + col("vcse_flag") + "'", "strong", idx)
    reg = col("reg_registry")
    # The FCA register also lists building and friendly societies (private mutual businesses).
    society = (reg == "mutuals") & col("reg_legal_form").str.contains(
        r"(?i)co-?operative|community benefit|bencom|registered society") & ~col(
        "reg_legal_form").str.contains(r"(?i)building society|friendly society")
    charity = reg.str.contains("charit|oscr|ccni") | society
    from_registry = _sector_frame(np.where(charity, "vcfse", "unknown"),
                                  "registered: " + col("reg_org_id") + " (" + reg.str.replace("_", " ") + ")",
                                  "strong", idx)
    from_form = sectors.sector_from_legal_form(form_text, rules,
                                               guarantee_is_vcfse=settings.guarantee_is_vcfse)
    from_name = sectors.sector_from_name(col("name"), rules)
    sector = _combine_sectors([from_sector, from_sup_vcse, from_ledger_vcse, from_registry, from_form,
                               from_name],
                              ["supplier file", "supplier file", "ledger", "registry", "legal form", "name"])
    out = pd.concat([size[["size_band", "size_evidence", "size_strength", "size_conflict"]], sector],
                    axis=1)
    out["size_band"] = out["size_band"].astype("str")
    out["sme"] = sme
    out["influenceable"] = ~out["sector"].isin(list(settings.exclude_from_headline))
    return out


def _number(text: pd.Series) -> pd.Series:
    clean = text.str.replace(f"[£,{SPACE_CHARS}]", "", regex=True)
    return pd.to_numeric(clean.where(clean != "", np.nan), errors="coerce").astype("float64")


def _prefix_evidence(frame: pd.DataFrame, column: str, prefix: str) -> pd.DataFrame:
    known = frame["size_band"] != "unknown"
    frame[column] = frame[column].mask(known, prefix + frame[column])
    return frame


def _flag_size(flag: pd.Series, label: str) -> pd.DataFrame:
    yes, no = flag.str.fullmatch(YES), flag.str.fullmatch(NO)
    band = np.where(yes, "sme", np.where(no, "large", "unknown"))
    evidence = pd.Series(np.where(yes | no, label + " '" + flag + "'", ""), index=flag.index, dtype="str")
    return pd.DataFrame({"size_band": band, "size_evidence": evidence,
                         "size_strength": np.where(yes | no, "strong", "")}, index=flag.index)


def _sector_frame(sector: np.ndarray | pd.Series, evidence: pd.Series, strength: str,
                  index: pd.Index | None = None) -> pd.DataFrame:
    index = evidence.index if index is None else index
    s = pd.Series(np.asarray(sector, dtype=object), index=index).astype("str")
    return pd.DataFrame({"sector": s, "sector_evidence": evidence.where(s != "unknown", ""),
                         "sector_strength": np.where(s != "unknown", strength, "")}, index=index)


def _combine_sectors(frames: list[pd.DataFrame], labels: list[str]) -> pd.DataFrame:
    """First decided sector wins; a later source that decides otherwise is a conflict."""
    index = frames[0].index
    sector = pd.Series("unknown", index=index, dtype="str")
    evidence = pd.Series("", index=index, dtype="str")
    strength = pd.Series("", index=index, dtype="str")
    conflict = pd.Series("", index=index, dtype="str")
    for frame, label in zip(frames, labels, strict=True):
        s = frame["sector"].astype("str")
        ev = frame["sector_evidence"].fillna("").astype("str")
        take = (sector == "unknown") & (s != "unknown")
        differs = (sector != "unknown") & (s != "unknown") & (s != sector)
        sector = sector.mask(take, s)
        evidence = evidence.mask(take, ev)
        strength = strength.mask(take, frame["sector_strength"].astype("str"))
        note = label + " says " + s + " (" + ev + ")"
        conflict = conflict.mask(differs, (conflict + "; ").where(conflict != "", "") + note)
    unknown_why = frames[-1]["sector_evidence"].fillna("").astype("str")
    evidence = evidence.mask(sector == "unknown", unknown_why)
    return pd.DataFrame({"sector": sector, "sector_evidence": evidence, "sector_strength": strength,
                         "sector_conflict": conflict}, index=index)
