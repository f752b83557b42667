"""Who a payee is: size band and sector from every source of evidence, strongest first.

Decided once per distinct payee (name key plus the facts given for it), then spread back to
the rows. Sources, in order of strength (the first that decides wins; a weaker source that
disagrees is kept in ``size_conflict`` / ``sector_conflict``):

size:   supplier file figures (staff, turnover, balance sheet) > supplier file or ledger SME
        flag > "part of a large group" / public limited company > charity income and
        Companies House accounts category (weak)
sector: supplier file sector or VCSE flag > ledger VCSE flag > registry (registered charity,
        CIC, co-operative...) > a charity number (the ledger's or the supplier file's column, or
        printed in the name with a word that says so) > legal form (supplier file, Companies
        House category) > name. A charity number outranks "Ltd" in the name: charitable
        companies are limited companies. A company number decides no sector (it says "a
        registered company"; its legal form comes from the register) and is named in the
        evidence of a payee left unknown.

Columns added (per row): size_band (micro | small | medium | sme | large | unknown; ``sme``
means an SME whose band is not known), size_evidence, size_strength, size_conflict, sme
(True / False / <NA>), sector (vcfse | public | individual | private | unknown),
sector_evidence, sector_strength, sector_conflict, influenceable (bool).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from spendkit.decide import sectors, sizes
from spendkit.decide.precedence import first_known, layers
from spendkit.distinct import on_distinct_rows
from spendkit.normalise.identifiers import charity_numbers_in_names, charity_register
from spendkit.normalise.values import SPACE_CHARS
from spendkit.reference import size_rules

_SP = f"[{SPACE_CHARS}]*"  # what \s* matches, spelt out so that the flags are read in RE2
YES = f"(?i){_SP}(yes|y|true|1|sme|x|✓){_SP}"
# A VCSE flag column may also name the kind ("VCSE", "Charity", "Social enterprise").
VCSE_YES = (f"(?i){_SP}(yes|y|true|1|x|✓|vc?f?se|vcs|voluntary(?: sector)?|charity|charitable|"
            f"third sector|social enterprise|community (?:group|organisation)){_SP}")
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
    size_rule: str = size_rules.DEFAULT_RULE
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
    rules = settings.rules or sectors.load_rules()
    names = payees["name"].fillna("").astype("str") if "name" in payees else pd.Series("", index=payees.index,
                                                                                       dtype="str")
    # The name is distinct per payee but decides little: a sector rule, or "plc" at its end.
    # Everything else is decided once per distinct combination of the facts and those two.
    by_name = sectors.sector_from_name(names, rules).add_prefix("name_")
    by_name["name_plc"] = sectors.contains(names, r"(?i)\b(?:plc|p\.l\.c)\.?$")
    by_name["name_charity_number"] = charity_numbers_in_names(names)
    facts = pd.concat([payees.drop(columns=["name", "payee_key"], errors="ignore"), by_name], axis=1)
    # Size and sector read different facts: each is decided once per distinct combination of its own.
    size = on_distinct_rows(lambda d: _size(d, settings), facts[[c for c in _SIZE_FACTS if c in facts]])
    sector = on_distinct_rows(lambda d: _sector(d, settings, rules), facts[[c for c in _SECTOR_FACTS if c in facts]])
    out = pd.concat([size[["size_band", "size_evidence", "size_strength", "size_conflict"]], sector], axis=1)
    out["sme"] = size["sme"]
    out["influenceable"] = ~out["sector"].isin(list(settings.exclude_from_headline))
    return out


_SIZE_FACTS = ("sup_employees", "sup_turnover", "sup_balance_sheet", "sup_sme_flag", "sme_flag",
               "sup_large_group", "sup_legal_form", "reg_legal_form", "name_plc", "reg_registry",
               "reg_income_pounds", "reg_accounts_category", "reg_sme_declared")
_SECTOR_FACTS = ("sup_sector", "sup_vcse_flag", "vcse_flag", "reg_registry", "reg_legal_form", "reg_org_id",
                 "reg_vcse_declared", "charity_number", "sup_charity_number", "name_charity_number", "company_number",
                 "sup_company_number", "sup_legal_form", "name_sector", "name_sector_evidence",
                 "name_sector_strength")


def _column(payees: pd.DataFrame) -> Callable[[str], pd.Series]:
    def col(name: str) -> pd.Series:
        return (payees[name].fillna("").astype("str") if name in payees
                else pd.Series("", index=payees.index, dtype="str"))
    return col


def _legal_form(col: Callable[[str], pd.Series]) -> pd.Series:
    return col("sup_legal_form").where(col("sup_legal_form") != "", col("reg_legal_form"))


def _size(payees: pd.DataFrame, settings: OrganisationSettings) -> pd.DataFrame:
    idx = payees.index
    col = _column(payees)
    rule = size_rules.get_rule(settings.size_rule)
    figures = sizes.size_band(_number(col("sup_employees")), _number(col("sup_turnover")),
                              _number(col("sup_balance_sheet")), rule)
    figures = _prefix_evidence(figures, "size_evidence", "supplier file: ")
    sup_flag = _flag_size(col("sup_sme_flag"), "supplier file SME flag")
    ledger_flag = _flag_size(col("sme_flag"), "ledger SME flag")
    group = sizes.not_sme(col("sup_large_group").str.fullmatch(YES),
                          "supplier file: part of a large group, not an SME", strength="strong")
    is_plc = pd.Series(sectors.contains(_legal_form(col), r"(?i)\bplc\b|public limited")
                       | payees["name_plc"].to_numpy(dtype=bool), index=idx)
    plc = sizes.not_sme(is_plc, "public limited company (legal form or name): not an SME")
    sources = [(figures, "supplier file figures"), (sup_flag, "supplier file SME flag"),
               (ledger_flag, "ledger SME flag"), (group, "supplier file group"), (plc, "legal form")]
    if "reg_registry" in payees:
        charity_income = _number(col("reg_income_pounds")).where(
            col("reg_registry").str.contains("charit|oscr|ccni"), np.nan)
        sources += [(sizes.band_from_income(charity_income, rule), "charity income"),
                    (sizes.band_from_accounts_category(col("reg_accounts_category")),
                     "Companies House accounts"),
                    (_flag_size(col("reg_sme_declared"), _DECLARED_SME, strength="weak"),
                     "procurement notice")]
    size = sizes.combine(*(f for f, _ in sources), sources=[label for _, label in sources])
    sme = pd.Series(pd.NA, index=idx, dtype="boolean")
    sme = sme.mask(size["size_band"].isin([*sizes.SME_BANDS, "sme"]), True)
    sme = sme.mask(size["size_band"] == "large", False)
    out = size[["size_band", "size_evidence", "size_strength", "size_conflict"]].astype("str")
    out["sme"] = sme
    return out


def _sector(payees: pd.DataFrame, settings: OrganisationSettings, rules: sectors.Rules) -> pd.DataFrame:
    idx = payees.index
    col = _column(payees)
    sector_col = col("sup_sector").str.lower().str.strip().map(SECTOR_WORDS).fillna("unknown")
    from_sector = _sector_frame(sector_col, "supplier file sector '" + col("sup_sector") + "'", "strong")
    from_sup_vcse = _sector_frame(np.where(col("sup_vcse_flag").str.fullmatch(VCSE_YES), "vcfse", "unknown"),
                                  "supplier file VCSE flag '" + col("sup_vcse_flag") + "'", "strong", idx)
    from_ledger_vcse = _sector_frame(np.where(col("vcse_flag").str.fullmatch(VCSE_YES), "vcfse", "unknown"),
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
    from_number = _charity_number(col)
    from_notice = _sector_frame(np.where(col("reg_vcse_declared") == "yes", "vcfse", "unknown"),
                                pd.Series(_DECLARED_VCSE, index=idx, dtype="str"), "weak", idx)
    from_form = sectors.sector_from_legal_form(_legal_form(col), rules,
                                               guarantee_is_vcfse=settings.guarantee_is_vcfse)
    from_name = payees[["name_sector", "name_sector_evidence", "name_sector_strength"]].rename(
        columns=lambda c: c.removeprefix("name_"))
    out = _combine_sectors([from_sector, from_sup_vcse, from_ledger_vcse, from_registry, from_number, from_notice,
                            from_form, from_name],
                           ["supplier file", "supplier file", "ledger", "registry", "charity number",
                            "procurement notice", "legal form", "name"])
    company = col("company_number").where(col("company_number") != "", col("sup_company_number"))
    note = ((out["sector"] == "unknown") & (company != "")).to_numpy()
    if note.any():
        out.loc[note, "sector_evidence"] = (
            out.loc[note, "sector_evidence"] + "; company number " + company[note]
            + ": a registered company (its legal form, and so its sector, comes from the Companies "
              "House register: --companies)")
    return out


# Where a charity number comes from, strongest first.
_CHARITY_NUMBER_SOURCES = (("charity_number", "the ledger's charity number column"),
                           ("sup_charity_number", "the supplier file"),
                           ("name_charity_number", "printed in the name"))


def _charity_number(col: Callable[[str], pd.Series]) -> pd.DataFrame:
    """VCFSE (strong) where a charity number of a register's shape is given: the ledger's
    column, the supplier file's, or one printed in the name beside a word that says so. The
    evidence names the number, its register and where it was read."""
    number = pd.Series("", index=col("charity_number").index, dtype="str")
    where = number.copy()
    for column, label in _CHARITY_NUMBER_SOURCES:
        value = col(column).str.strip()
        take = (number == "") & (value != "") & (charity_register(value) != "")
        number = number.mask(take, value)
        where = where.mask(take, label)
    register = charity_register(number)
    known = number != ""
    evidence = ("registered charity " + number + " (" + register + "; " + where
                + "): a charity, whatever legal form its name shows")
    return _sector_frame(np.where(known, "vcfse", "unknown"), evidence.where(known, ""), "strong",
                         number.index)


def _number(text: pd.Series) -> pd.Series:
    clean = text.str.replace(f"[£,{SPACE_CHARS}]", "", regex=True)
    return pd.to_numeric(clean.where(clean != "", np.nan), errors="coerce").astype("float64")


def _prefix_evidence(frame: pd.DataFrame, column: str, prefix: str) -> pd.DataFrame:
    known = frame["size_band"] != "unknown"
    frame[column] = frame[column].mask(known, prefix + frame[column])
    return frame


def _flag_size(flag: pd.Series, label: str, strength: str = "strong") -> pd.DataFrame:
    yes, no = flag.str.fullmatch(YES), flag.str.fullmatch(NO)
    band = np.where(yes, "sme", np.where(no, "large", "unknown"))
    evidence = pd.Series(np.where(yes | no, label + " '" + flag + "'", ""), index=flag.index, dtype="str")
    return pd.DataFrame({"size_band": band, "size_evidence": evidence,
                         "size_strength": np.where(yes | no, strength, "")}, index=flag.index)


# A supplier's own declaration in a procurement notice (OCDS ``details.scale`` / ``details.vcse``,
# read from an installed or given notices register): self-declared and unchecked, so it decides
# only where no register figure or category does, and a disagreeing register shows as a conflict.
_DECLARED_SME = "procurement notice: the supplier's own SME declaration"
_DECLARED_VCSE = "procurement notice: the supplier's own VCSE declaration 'yes' (self-declared)"


def _sector_frame(sector: np.ndarray | pd.Series, evidence: pd.Series, strength: str,
                  index: pd.Index | None = None) -> pd.DataFrame:
    index = evidence.index if index is None else index
    s = pd.Series(np.asarray(sector, dtype=object), index=index).astype("str")
    return pd.DataFrame({"sector": s, "sector_evidence": evidence.where(s != "unknown", ""),
                         "sector_strength": np.where(s != "unknown", strength, "")}, index=index)


def _combine_sectors(frames: list[pd.DataFrame], labels: list[str]) -> pd.DataFrame:
    """First decided sector wins; a later source that decides otherwise is a conflict. Where
    none decides, the evidence is the last source's (the name's) reason."""
    index = frames[0].index
    sector, evidence, strength = (layers(frames, c, missing) for c, missing in (
        ("sector", "unknown"), ("sector_evidence", ""), ("sector_strength", "")))
    won = first_known(sector, labels, evidence, strength)
    won.evidence[won.source == ""] = evidence[-1, won.source == ""]
    return pd.DataFrame({"sector": won.value, "sector_evidence": won.evidence, "sector_strength": won.extra[0],
                         "sector_conflict": won.conflict}, index=index).astype("str")
