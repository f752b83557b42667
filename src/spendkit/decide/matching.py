"""Payees matched to the registers' common frame (``spendkit.reference.registries``).

``match_payees`` joins distinct payees to that frame: by company number, then
charity number, then exact name key, then (carefully) a fuzzy name; every
result says how, with the evidence, and payees that could not be matched say why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from spendkit.decide.fuzzy_names import fuzzy_pairs
from spendkit.errors import ColumnError
from spendkit.normalise.values import clean_text, name_key
from spendkit.reference.registries import (
    CHARITY_REGISTRIES,
    NAME_PRIORITY,
    REGISTRIES,
    TEXT_COLUMNS,
    normalise_charity_numbers,
    normalise_company_numbers,
    text_column,
)

MATCH_COLUMNS = ["org_id", "match_method", "match_score", "match_evidence", "linked_org_ids"]

# Words that say nothing about which organisation a name is. A key made only of these
# (and numbers or single letters) is never fuzzy-matched: "CARE SERVICES" is thousands
# of companies, and one typo away from thousands more.
GENERIC_WORDS = frozenset([
    "COUNCIL", "SERVICES", "SERVICE", "TRUST", "TRUSTS", "CARE", "SOLUTIONS", "CONSULTING",
    "CONSULTANCY", "CONSULTANTS", "HOLDINGS", "GROUP", "UK", "GB", "NORTH", "SOUTH", "EAST",
    "WEST", "NORTHERN", "SOUTHERN", "EASTERN", "WESTERN", "CENTRAL", "NATIONAL",
    "INTERNATIONAL", "BRITISH", "BRITAIN", "ENGLAND", "LONDON", "MANAGEMENT", "ENTERPRISES",
    "ENTERPRISE", "ASSOCIATES", "PARTNERS", "PARTNERSHIP", "COMPANY", "CO", "AND", "OF", "THE",
    "FOR", "LTD", "LIMITED", "PLC", "HOME", "HOMES", "HEALTH", "HEALTHCARE", "SUPPORT",
    "SUPPLIES", "SUPPLY", "PROPERTY", "PROPERTIES", "CONSTRUCTION", "BUILDING", "BUILDERS",
    "TRADING", "INVESTMENTS", "DEVELOPMENTS", "DEVELOPMENT", "TECHNOLOGY", "TECHNOLOGIES",
    "SYSTEMS", "COMMUNITY", "CENTRE", "ASSOCIATION", "SOCIETY", "FOUNDATION", "CHARITY",
    "CHARITABLE", "PROJECT", "PROJECTS", "NETWORK", "HOUSING", "CLEANING", "SECURITY",
    "TRAINING", "EDUCATION", "TRANSPORT", "LOCAL", "REGIONAL", "SOCIAL", "FAMILY", "FAMILIES",
])

# Payees that are people or personal data: never matched to an organisation.
_REDACTED_ANYWHERE = r"\b(?:REDACTED|PERSONAL DATA|PERSONAL INFORMATION|WITHHELD|DATA PROTECTION|GDPR)\b"
_REDACTED_WHOLE = (r"(?:PRIVATE |NAMED )?INDIVIDUALS?|CONFIDENTIAL|NOT DISCLOSED|UNDISCLOSED|ANONYMOUS"
                   r"|PRIVATE|PERSONAL|SENSITIVE|PERSON|CLIENT|CLIENTS|SERVICE USER|SERVICE USERS")
_TITLE = r"^(?:MR|MRS|MS|MISS|MX|DR|MASTER|SIR|DAME|PROF|REV|REVD)\b"
_ORGANISATION_WORDS = (r"\b(?:LTD|LIMITED|PLC|LLP|CIC|CIO|INC|COMPANY|PARTNERS|PARTNERSHIP|ASSOCIATES|"
                       r"SURGERY|PRACTICE|TRUST|SERVICES|GROUP)\b")

# A payee whose name ends in one of these is a company, never a registered charity or
# society (a CIC cannot be a charity; charities are not PLCs or LLPs): name matches to those
# registers are ruled out for it.
_COMPANY_ONLY_SUFFIX = r"\b(?:CIC|C\.I\.C|COMMUNITY INTEREST COMPANY|PLC|P\.L\.C|LLP|L\.L\.P)\.?\s*$"
NOT_COMPANY_REGISTRIES = (*CHARITY_REGISTRIES, "mutuals")

_ACTIVE_STATUS = r"(?i)^\s*(?:active|registered|live|open|current|up[- ]to[- ]date)"
_INACTIVE_STATUS = (r"(?i)removed|dissolved|deregistered|de-registered|cancell?ed|ceased|closed|converted"
                    r"|struck off|liquidation|receivership|administration|insolven|dormant company")

def redacted_or_individual(names: pd.Series) -> pd.Series:
    """Why a payee must not be matched to an organisation ('' where it may be)."""
    t = text_column(names).str.upper().str.replace(r"[^A-Z0-9&]+", " ", regex=True).str.strip()
    redacted = t.str.contains(_REDACTED_ANYWHERE, regex=True) | t.str.fullmatch(_REDACTED_WHOLE)
    person = t.str.contains(_TITLE, regex=True) & ~t.str.contains(_ORGANISATION_WORDS, regex=True)
    reason = pd.Series("", index=names.index, dtype="str")
    reason = reason.mask(person, "looks like an individual")
    return reason.mask(redacted, "redacted or personal data")


def generic_key(keys: pd.Series) -> pd.Series:
    """True where a name key is made only of generic words, numbers and single letters."""
    tokens = text_column(keys).str.split(" ")
    exploded = tokens.explode()
    plain = exploded.isin(list(GENERIC_WORDS)) | exploded.str.fullmatch(r"\d+|[A-Z]?") | exploded.isna()
    return plain.groupby(level=0).all().reindex(keys.index, fill_value=True).astype(bool)


def match_payees(payees: pd.DataFrame, registry: pd.DataFrame, *, fuzzy_threshold: float = 92.0,
                 min_key_length: int = 8) -> pd.DataFrame:
    """One row per payee (same index): the registry entry it is, how that was decided, and why.

    ``payees``: one row per distinct payee with ``payee_key`` (``name_key`` of the name; computed
    when missing or empty), ``name``, ``company_number`` and ``charity_number`` ("" if none).
    Order: company number -> charity number -> exact name key -> fuzzy name key
    (``rapidfuzz`` token_sort_ratio >= ``fuzzy_threshold``, only for keys of at least
    ``min_key_length`` characters that are not all generic words, compared within blocks
    of keys sharing their first three characters). Redacted and individual-looking payees
    are never matched. Columns: org_id, match_method ("company number" | "charity number" |
    "name" | "fuzzy name" | ""), match_score (100 for exact, NaN when unmatched),
    match_evidence, linked_org_ids (the same organisation on other registers), and the
    registry's columns prefixed ``reg_``.
    """
    reg = _prepare_registry(registry)
    index = payees.index
    names = clean_text(text_column(payees.get("name"), index))
    key = text_column(payees.get("payee_key"), index)
    key = key.where(key != "", name_key(names))
    comp = normalise_company_numbers(
        text_column(payees.get("company_number"), index)).to_numpy(dtype=object)
    char = normalise_charity_numbers(
        text_column(payees.get("charity_number"), index)).to_numpy(dtype=object)
    keys = key.to_numpy(dtype=object)
    excluded = redacted_or_individual(names).to_numpy(dtype=object)
    company_only = names.str.upper().str.contains(_COMPANY_ONLY_SUFFIX, regex=True).to_numpy(dtype=bool)

    m = _Matches.none(len(payees))
    open_ = excluded == ""
    _by_company_number(m, reg, comp, open_ & (comp != ""))
    _by_charity_number(m, reg, char, open_ & (m.chosen < 0) & (char != ""))
    _by_name(m, reg, keys, company_only, open_ & (m.chosen < 0) & (keys != ""))
    # fuzzy name key, for distinctive keys only
    short = key.str.len().to_numpy() < min_key_length
    generic = generic_key(key).to_numpy()
    todo = open_ & (m.chosen < 0) & (m.ambiguous == "") & ~short & ~generic
    _by_fuzzy_name(m, reg, keys, company_only, todo, fuzzy_threshold)
    _why_unmatched(m, comp, char, keys, excluded, short, generic)
    return _assemble(index, reg, m.chosen, m.method, m.score, m.evidence, m.also)


@dataclass
class _Matches:
    """Per payee: the registry row chosen (-1 for none), how, the score, the evidence, why a
    name match was ambiguous, and the other registers' ids of the same organisation."""

    chosen: np.ndarray
    method: np.ndarray
    score: np.ndarray
    evidence: np.ndarray
    ambiguous: np.ndarray
    also: np.ndarray

    @classmethod
    def none(cls, n: int) -> _Matches:
        return cls(chosen=np.full(n, -1, dtype=np.int64), method=np.full(n, "", dtype=object),
                   score=np.full(n, np.nan), evidence=np.full(n, "", dtype=object),
                   ambiguous=np.full(n, "", dtype=object), also=np.full(n, "", dtype=object))


def _by_company_number(m: _Matches, reg: pd.DataFrame, comp: np.ndarray, todo: np.ndarray) -> None:
    """A Companies House row first; else a charity whose company it is."""
    if not todo.any():
        return
    cand = reg[reg["company_number"].isin(pd.unique(comp[todo]))]
    cand = cand.assign(_ch=(cand["registry"] != "companies_house").astype(int)) \
        .sort_values(["_ch", "_rank", "_prio"]).drop_duplicates("company_number")
    hit = pd.Series(cand["_pos"].to_numpy(), index=cand["company_number"].to_numpy())
    pos = pd.Series(comp).map(hit).to_numpy()
    ok = todo & ~pd.isna(pos)
    r = pos[ok].astype(np.int64)
    m.chosen[ok], m.method[ok], m.score[ok] = r, "company number", 100.0
    via_charity = _at(reg, "registry", r) != "companies_house"
    ev = _at(reg, "_label", r) + " " + _at(reg, "org_id", r) + " by company number"
    ev = np.where(via_charity, ev + " " + comp[ok] + " (the charity's registered company)", ev)
    m.evidence[ok] = ev


def _by_charity_number(m: _Matches, reg: pd.DataFrame, char: np.ndarray, todo: np.ndarray) -> None:
    if not todo.any():
        return
    charities = reg[reg["registry"].isin(CHARITY_REGISTRIES)]
    cand = charities[charities["_charity_key"].isin(pd.unique(char[todo]))] \
        .sort_values(["_prio", "_rank"]).drop_duplicates("_charity_key")
    hit = pd.Series(cand["_pos"].to_numpy(), index=cand["_charity_key"].to_numpy())
    pos = pd.Series(char).map(hit).to_numpy()
    ok = todo & ~pd.isna(pos)
    r = pos[ok].astype(np.int64)
    m.chosen[ok], m.method[ok], m.score[ok] = r, "charity number", 100.0
    m.evidence[ok] = _at(reg, "_label", r) + " " + _at(reg, "org_id", r) + " by charity number"


def _by_name(m: _Matches, reg: pd.DataFrame, keys: np.ndarray, company_only: np.ndarray,
             todo: np.ndarray) -> None:
    """Exact name key."""
    if not todo.any():
        return
    p = np.flatnonzero(todo)
    wanted = pd.DataFrame({"p": p, "name_key": keys[p]})
    cand = reg.loc[reg["name_key"].isin(pd.unique(keys[p])), ["name_key", "_pos"]]
    pairs = wanted.merge(cand, on="name_key").rename(columns={"_pos": "r"})
    pairs["score"] = 100.0
    pairs = _compatible(pairs, reg, company_only)
    matched, amb = _resolve(pairs, reg, fuzzy=False)
    mp, mr = matched["p"].to_numpy(), matched["r"].to_numpy()
    m.chosen[mp], m.method[mp], m.score[mp], m.also[mp] = mr, "name", 100.0, matched["also"].to_numpy()
    m.evidence[mp] = ("exact name match to '" + _at(reg, "name", mr) + "' ("
                      + _at(reg, "_label", mr) + " " + _at(reg, "org_id", mr) + ")")
    m.ambiguous[amb.index.to_numpy()] = amb.to_numpy()


def _by_fuzzy_name(m: _Matches, reg: pd.DataFrame, keys: np.ndarray, company_only: np.ndarray,
                   todo: np.ndarray, threshold: float) -> None:
    if not todo.any():
        return
    pairs = _compatible(fuzzy_pairs(keys, np.flatnonzero(todo), reg, threshold), reg, company_only)
    if not len(pairs):
        return
    matched, amb = _resolve(pairs, reg, fuzzy=True)
    mp, mr = matched["p"].to_numpy(), matched["r"].to_numpy()
    ms = np.round(matched["score"].to_numpy(dtype=float), 1)
    m.chosen[mp], m.method[mp], m.score[mp], m.also[mp] = mr, "fuzzy name", ms, matched["also"].to_numpy()
    m.evidence[mp] = ("fuzzy name match " + pd.Series(ms).map("{:.1f}".format).to_numpy(dtype=object)
                      + " to '" + _at(reg, "name", mr) + "' ("
                      + _at(reg, "_label", mr) + " " + _at(reg, "org_id", mr) + ")")
    m.ambiguous[amb.index.to_numpy()] = amb.to_numpy()


def _why_unmatched(m: _Matches, comp: np.ndarray, char: np.ndarray, keys: np.ndarray,
                   excluded: np.ndarray, short: np.ndarray, generic: np.ndarray) -> None:
    """The evidence of payees left unmatched: why."""
    none = m.chosen < 0
    if not none.any():
        return
    c = np.where(comp != "", "company number " + comp + " not in the registers loaded; ", "")
    h = np.where(char != "", "charity number " + char + " not in the registers loaded; ", "")
    k = np.where(keys == "", "no name", np.where(
        short, "name too short for fuzzy matching",
        np.where(generic, "name too generic for fuzzy matching", "no close name")))
    text = np.where(excluded != "", "not matched: " + excluded,
                    np.where(m.ambiguous != "", "not matched: " + m.ambiguous,
                             "no registry match (" + c.astype(object) + h.astype(object)
                             + k.astype(object) + ")"))
    m.evidence[none] = text[none]


def _compatible(pairs: pd.DataFrame, reg: pd.DataFrame, company_only: np.ndarray) -> pd.DataFrame:
    """Drop candidate pairs whose register the payee's own name rules out ("... CIC" is no charity)."""
    if pairs.empty or not company_only.any():
        return pairs
    ruled_out = company_only[pairs["p"].to_numpy()] & np.isin(
        _at(reg, "registry", pairs["r"].to_numpy()), NOT_COMPANY_REGISTRIES)
    return pairs[~ruled_out]


def _at(reg: pd.DataFrame, column: str, rows: np.ndarray) -> np.ndarray:
    """``reg[column]`` at positions ``rows``, as a NumPy array (without converting the whole column)."""
    picked = reg[column].take(np.asarray(rows, dtype=np.int64))
    return picked.to_numpy(dtype=object) if isinstance(picked.dtype, pd.StringDtype) else picked.to_numpy()


def _per_value(values: pd.Series, fn: Callable[[pd.Series], pd.Series]) -> np.ndarray:
    """``fn`` evaluated once per distinct value of a low-cardinality column, spread back."""
    if not len(values):
        return fn(pd.Series([], dtype="str")).to_numpy()
    codes, uniques = pd.factorize(values)
    return fn(pd.Series(uniques, dtype="str")).to_numpy()[codes]


def _prepare_registry(registry: pd.DataFrame) -> pd.DataFrame:
    """The registry with the helper columns matching uses (positions, rank, entity...)."""
    need = ["org_id", "registry", "number", "name"]
    missing = [c for c in need if c not in registry]
    if missing:
        raise ColumnError(f"the registry frame has no {', '.join(missing)} column(s).",
                          hint="Build it with spendkit.registries.load_registries().")
    reg = registry.reset_index(drop=True)
    for c in TEXT_COLUMNS:
        if c in reg:
            reg[c] = text_column(reg[c])
        elif c != "name_key":
            reg[c] = pd.Series("", index=reg.index, dtype="str")
    if "name_key" not in registry:
        reg["name_key"] = name_key(reg["name"])
    reg["income_pounds"] = pd.to_numeric(reg["income_pounds"], errors="coerce").astype("float64") \
        if "income_pounds" in reg else np.nan
    reg["_pos"] = np.arange(len(reg), dtype=np.int64)

    def rank(status: pd.Series) -> pd.Series:
        inactive = status.str.contains(_INACTIVE_STATUS, regex=True)
        active = status.str.contains(_ACTIVE_STATUS, regex=True)
        return pd.Series(np.where(inactive, 2, np.where(active, 0, 1)).astype(np.int8))

    reg["_rank"] = _per_value(reg["status"], rank)
    reg["_prio"] = _per_value(reg["registry"], lambda r: r.map(NAME_PRIORITY).fillna(9).astype(np.int8))
    reg["_entity"] = ("COH:" + reg["company_number"]).where(reg["company_number"] != "", reg["org_id"])
    labels = {k: v[0] for k, v in REGISTRIES.items()}
    reg["_label"] = pd.Series(_per_value(reg["registry"], lambda r: r.map(labels).fillna(r)), dtype="str")
    charity = pd.Series(_per_value(reg["registry"], lambda r: r.isin(CHARITY_REGISTRIES)), dtype=bool)
    reg["_charity"] = charity
    charity_key = pd.Series("", index=reg.index, dtype="str")
    if charity.any():
        charity_key[charity] = normalise_charity_numbers(reg.loc[charity, "number"])
    reg["_charity_key"] = charity_key
    # CIOs are on Companies House (CE/CS numbers) and on a charity register, usually with no
    # number linking the two: a name match treats them as one organisation (see _resolve).
    cio_form = _per_value(reg["legal_form"], lambda f: f.str.contains(
        "Charitable Incorporated Organisation", case=False, regex=False))
    reg["_cio"] = (reg["registry"] == "companies_house") & (reg["number"].str.match(r"^C[ES]\d{6}$") | cio_form)
    return reg


def _resolve(pairs: pd.DataFrame, reg: pd.DataFrame, *, fuzzy: bool
             ) -> tuple[pd.DataFrame, pd.Series]:
    """Candidate (payee p, registry row r, score) pairs -> one match per payee, or 'ambiguous'.

    Active/registered entries win over others; rows that are one organisation on two
    registers count once (a charity and its company, by company number; a CIO on Companies
    House and the one charity of the same name among the candidates). More than one
    organisation left is ambiguous, and says which. The matches carry ``also``: the other
    registers' ids of the same organisation among the candidates."""
    if pairs.empty:
        return pairs.assign(score=pd.Series(dtype=float), also=pd.Series(dtype="str")), \
            pd.Series([], dtype="str")
    r = pairs["r"].to_numpy()
    pairs = pairs.assign(rank=_at(reg, "_rank", r), entity=_at(reg, "_entity", r),
                         prio=_at(reg, "_prio", r), charity=_at(reg, "_charity", r),
                         cio=_at(reg, "_cio", r))
    if pairs["cio"].any():
        charities = pairs[pairs["charity"]].groupby("p")["entity"].agg(["nunique", "first"])
        one = charities.loc[charities["nunique"] == 1, "first"]
        same = pairs["cio"] & pairs["p"].isin(one.index)
        pairs.loc[same, "entity"] = pairs.loc[same, "p"].map(one)
    pairs = pairs[pairs["rank"] == pairs.groupby("p")["rank"].transform("min")]
    n_entities = pairs.groupby("p")["entity"].transform("nunique")
    ordered = pairs[n_entities == 1].sort_values(["p", "prio", "score"], ascending=[True, True, False])
    single = ordered.drop_duplicates("p")
    others = ordered[ordered.duplicated("p")]
    also = pd.Series(_at(reg, "org_id", others["r"].to_numpy()), index=others["p"].to_numpy()) \
        .groupby(level=0).agg(lambda ids: ";".join(sorted(set(ids))))
    linked = single["p"].map(also).astype(object)
    single = single.assign(also=linked.where(linked.notna(), "").to_numpy())
    multi = pairs[n_entities > 1].sort_values(["p", "score", "prio"], ascending=[True, False, True]) \
        .drop_duplicates(["p", "entity"])
    if multi.empty:
        return single[["p", "r", "score", "also"]], pd.Series([], dtype="str")
    mr = multi["r"].to_numpy()
    desc = "'" + _at(reg, "name", mr) + "' " + _at(reg, "org_id", mr)
    if fuzzy:
        desc = desc + " (" + multi["score"].round(1).map("{:.1f}".format).to_numpy(dtype=object) + ")"
    multi = multi.assign(desc=desc)
    count = multi.groupby("p").size()
    listed = multi.groupby("p").head(3).groupby("p")["desc"].agg(", ".join)
    what = "ambiguous fuzzy name" if fuzzy else "ambiguous name"
    text = what + ": " + count.astype(str) + " organisations: " + listed \
        + np.where(count > 3, ", ...", "")
    return single[["p", "r", "score", "also"]], text.astype("str")


def _assemble(index: pd.Index, reg: pd.DataFrame, chosen: np.ndarray, method: np.ndarray,
              score: np.ndarray, evidence: np.ndarray, also: np.ndarray) -> pd.DataFrame:
    columns = [c for c in reg.columns if not c.startswith("_") and c != "org_id"]
    hit = chosen >= 0
    picked = reg[columns].iloc[np.maximum(chosen, 0)].reset_index(drop=True) if len(reg) \
        else pd.DataFrame({c: pd.Series([np.nan] * len(chosen)) for c in columns})
    linked = _linked_org_ids(reg, chosen, also)
    org_ids = _at(reg, "org_id", np.maximum(chosen, 0)) if len(reg) else np.full(len(chosen), "")
    out = pd.DataFrame({
        "org_id": pd.Series(np.where(hit, org_ids, ""), dtype="str"),
        "match_method": pd.Series(method, dtype="str"),
        "match_score": pd.Series(score, dtype="float64"),
        "match_evidence": pd.Series(evidence, dtype="str"),
        "linked_org_ids": pd.Series(linked, dtype="str"),
    })
    for c in columns:
        col = picked[c]
        if c == "income_pounds":
            out[f"reg_{c}"] = col.astype("float64").where(hit, np.nan)
        else:
            out[f"reg_{c}"] = text_column(col).where(hit, "")
    out.index = index
    return out


def _linked_org_ids(reg: pd.DataFrame, chosen: np.ndarray, also: np.ndarray) -> np.ndarray:
    """For each matched payee, the other registers' ids of the same organisation (';'-joined):
    rows sharing its company number, and rows the name match found to be the same CIO."""
    out = np.full(len(chosen), "", dtype=object)
    hit = np.flatnonzero(chosen >= 0)
    if not len(hit):
        return out
    rows = chosen[hit]
    ent = _at(reg, "_entity", rows)
    same = reg.loc[reg["_entity"].isin(pd.unique(ent)) & reg["_entity"].str.startswith("COH:"),
                   ["_entity", "org_id"]]
    links = pd.DataFrame({"i": hit, "_entity": ent, "own": _at(reg, "org_id", rows)})
    pairs = links.merge(same, on="_entity")[["i", "own", "org_id"]]
    extra = pd.DataFrame({"i": hit, "own": links["own"].to_numpy(),
                          "org_id": pd.Series(also[hit], dtype="str").str.split(";")}).explode("org_id")
    # a charity's linked company, as its own register gives it (Companies House loaded or not)
    coy = _at(reg, "company_number", rows)
    own_company = pd.DataFrame({"i": hit, "own": links["own"].to_numpy(),
                                "org_id": np.where(coy != "", "GB-COH-" + coy, "")})
    pairs = pd.concat([pairs, extra, own_company], ignore_index=True)
    pairs = pairs[(pairs["org_id"].fillna("") != "") & (pairs["org_id"] != pairs["own"])]
    if pairs.empty:
        return out
    joined = pairs.drop_duplicates(["i", "org_id"]).sort_values(["i", "org_id"]) \
        .groupby("i")["org_id"].agg(";".join)
    out[joined.index.to_numpy()] = joined.to_numpy()
    return out
