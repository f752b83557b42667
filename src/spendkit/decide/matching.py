"""Payees matched to the registers (``spendkit.reference.registries``): identifiers first, then
names, carefully.

``match_payees`` takes the distinct payees and the registers' name indexes
(``reference.registries.name_index``: installed, memory-mapped; or built in memory from a
register frame given for one run) and decides, per payee, the register entry it is: a team's
decisions file first, then company number, charity number, the name exactly, the name without a
qualifier or either side of 't/a', a truncated name's unique completion, and a fuzzy name with
a margin over the runner-up. Every result says how and how sure; an ambiguous payee stays
unknown with its candidates kept; payees that could not be matched say why. Candidates come from
joins on the indexes (binary searches and word postings), never from a loop over the registers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa

from spendkit.decide.fuzzy_names import ALONE_WORD_DF, slips, word_candidates, words_explained
from spendkit.errors import ColumnError
from spendkit.normalise.values import clean_text
from spendkit.reference.registries import (
    CHARITY_REGISTRIES,
    NAME_PRIORITY,
    REGISTRIES,
    TEXT_COLUMNS,
    normalise_charity_numbers,
    normalise_company_numbers,
    text_column,
)
from spendkit.reference.registries.name_index import NameIndex, normalise_names, tokens_of
from spendkit.reference.registries.name_index import load as load_index

MATCH_COLUMNS = ["org_id", "match_method", "match_score", "match_evidence", "linked_org_ids",
                 "match_candidates"]

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


Registers: TypeAlias = "pd.DataFrame | NameIndex | Sequence[NameIndex]"
FUZZY_THRESHOLD = 90.0  # the similarity (rapidfuzz ratio) a fuzzy match needs...
FUZZY_MARGIN = 5.0  # ...and its lead over the next organisation's
TRUNCATED_LENGTHS = frozenset({31, 32, 34, 35, 39, 40})  # finance systems' field limits (and a cut at a space)
_QUALIFIER_BRACKET = r"[\s_\-]*\(([^()]*)\)?\s*$"  # the closing bracket may be cut off
_QUALIFIER_DASH = r"\s+[-–]\s+((?:[A-Za-z.']+\s*){1,3})$"
_TRADING_AS = r"(?i)\s+(?:t/a|t\\a|t/as|trading as|t\.a\.)\s+"
_PARTIAL_FORMS = ("LIMITED", "LTD", "PLC", "LLP")


def match_payees(payees: pd.DataFrame, registry: Registers, *, decisions: Decisions | None = None,
                 fuzzy_threshold: float = FUZZY_THRESHOLD, margin: float = FUZZY_MARGIN,
                 min_key_length: int = 8) -> pd.DataFrame:
    """One row per payee (same index): the register entry it is, how that was decided, and why.

    ``payees``: one row per distinct payee with ``name``, ``company_number`` and
    ``charity_number`` ("" if none). ``registry``: the registers, as installed name indexes
    (``NameIndex``, one per register), or a register frame (indexed in memory for this run).
    ``decisions``: a team's decisions (``read_decisions``), applied before anything else.

    Order: the decisions file -> company number -> charity number -> the name exactly (current
    or previous name; with or without its legal form) -> the name without a branch or place
    qualifier, or the company's own name before 't/a' -> the unique register name a truncated name
    is the start of -> a fuzzy name (see ``_by_fuzzy_name``). Each step takes only payees no earlier step
    decided; a step that finds several organisations leaves the payee ambiguous (unknown, the
    candidates kept) and no later step tries it. Redacted and individual-looking payees are never
    matched, public bodies never by name. Columns: org_id, match_method ("decisions file" |
    "company number" | "charity number" | "name" | "truncated name" | "fuzzy name" | ""),
    match_score (100 for exact, NaN when unmatched), match_evidence, linked_org_ids (the same
    organisation on other registers), match_candidates (an ambiguous payee's candidates), and the
    register's columns prefixed ``reg_``.
    """
    pool = _Pool(as_indexes(registry))
    index = payees.index
    names = clean_text(text_column(payees.get("name"), index)).reset_index(drop=True)
    comp = normalise_company_numbers(
        text_column(payees.get("company_number"), index)).to_numpy(dtype=object)
    char = normalise_charity_numbers(
        text_column(payees.get("charity_number"), index)).to_numpy(dtype=object)
    excluded = redacted_or_individual(names).to_numpy(dtype=object)
    public = _public_bodies(names)
    company_only = names.str.upper().str.contains(_COMPANY_ONLY_SUFFIX, regex=True).to_numpy(dtype=bool)
    variants = name_variants(names)
    original = variants[variants["how"] == ""].set_index("p")
    key0 = original["key"].reindex(range(len(names)), fill_value="").to_numpy(dtype=object)

    m = _Matches.none(len(names))
    if decisions is not None:
        _by_decision(m, pool, decisions, original["full"].reindex(range(len(names)), fill_value=""))
    open_ = lambda: (excluded == "") & (m.chosen < 0) & (m.ambiguous == "") & (m.decided == "")  # noqa: E731
    _by_number(m, pool, "C", comp, open_() & (comp != ""))
    _by_number(m, pool, "H", char, open_() & (char != ""))
    by_name = open_() & (public == "") & (key0 != "")
    _by_exact_name(m, pool, variants, company_only, by_name)
    _by_exact_name(m, pool, variants, company_only, open_() & by_name, qualified=True)
    _by_truncated_name(m, pool, names, original, company_only, open_() & by_name)
    short = np.array([len(k) < min_key_length for k in key0], dtype=bool)
    generic = generic_key(pd.Series(key0, dtype="str")).to_numpy()
    todo = open_() & by_name & ~short & ~generic
    _by_fuzzy_name(m, pool, variants, company_only, todo, fuzzy_threshold, margin)
    _why_unmatched(m, comp, char, key0, excluded, public, short, generic)
    reg = pool.with_links(m.chosen)
    return _assemble(index, reg, m)


def as_indexes(registry: pd.DataFrame | NameIndex | Sequence[NameIndex]) -> list[NameIndex]:
    """The registers to match against, as name indexes (a frame is indexed in memory)."""
    if isinstance(registry, pd.DataFrame):
        missing = [c for c in ("org_id", "registry", "number", "name") if c not in registry]
        if missing:
            raise ColumnError(f"the registry frame has no {', '.join(missing)} column(s).",
                              hint="Build it with spendkit.registries.load_registries().")
        # installed registers whose rows the run did not read: matched by their index alone,
        # the link tables and notices' declarations added to the rows a match fetches
        out = [load_index(Path(d)) for d in (registry.attrs.get("index_only", {}) or {}).values()]
        for ix in out:
            ix.links, ix.declarations = registry.attrs.get("links"), registry.attrs.get("declarations")
        return [*out, NameIndex.from_frame(registry)] if len(registry) else out
    if isinstance(registry, NameIndex):
        return [registry]
    return list(registry)


# ---------------------------------------------------------------- payees' names

def name_variants(names: pd.Series) -> pd.DataFrame:
    """Each payee's name as written (``how`` "") and the other names it may be registered under:
    without a trailing branch or place qualifier (``(Manchester)``, ``_(GLASGOW)``,
    ``- Leeds branch``) and, when it has a legal form, the name before ``t/a`` / ``trading as``
    (a trading name is never a registered name). Columns p, how, text, full, key."""
    names = names.reset_index(drop=True)
    p = np.arange(len(names))
    frames = [pd.DataFrame({"p": p, "how": "", "text": names.to_numpy(dtype=object)})]
    bracket = names.str.extract(_QUALIFIER_BRACKET, expand=False)
    has = bracket.notna().to_numpy()
    if has.any():
        frames.append(pd.DataFrame({"p": p[has], "how": "without the qualifier '(" + bracket[has] + ")'",
                                    "text": names[has].str.replace(_QUALIFIER_BRACKET, "", regex=True)}))
    dash = names.str.extract(_QUALIFIER_DASH, expand=False)
    has = dash.notna().to_numpy()
    if has.any():
        frames.append(pd.DataFrame({"p": p[has], "how": "without the qualifier '- " + dash[has].str.strip() + "'",
                                    "text": names[has].str.replace(_QUALIFIER_DASH, "", regex=True)}))
    split = names.str.split(_TRADING_AS, n=1, regex=True)
    has = (split.str.len() == 2).to_numpy()
    if has.any():
        parts = split[has]
        frames.append(pd.DataFrame({"p": p[has], "how": "the name before 't/a'", "text": parts.str[0]}))
    out = pd.concat(frames, ignore_index=True)
    full, key = normalise_names(pd.Series(out["text"], dtype="str"))
    out["full"] = full.to_numpy(zero_copy_only=False)
    out["key"] = key.to_numpy(zero_copy_only=False)
    out = out[(out["key"] != "") | (out["how"] == "")]
    # 'J Smith t/a ...' is a person trading under a name: only a name with a legal form (or of
    # three words or more) before 't/a' ('Acme Ltd t/a Widgets') may be a registered name
    before = out["how"] == "the name before 't/a'"
    out = out[~before | (out["full"] != out["key"]) | (out["key"].str.count(" ") >= 2)]
    return out.drop_duplicates(["p", "key"]).reset_index(drop=True)


def _public_bodies(names: pd.Series) -> np.ndarray:
    """Why a payee's name says it is a public body ('' where it does not): never matched by name."""
    from spendkit.decide.sectors import sector_from_name

    found = sector_from_name(names)
    public = (found["sector"] == "public").to_numpy()
    return np.where(public, "a public body (" + found["sector_evidence"].astype(str).to_numpy(dtype=object) + ")", "")


# ---------------------------------------------------------------- the register rows in play

class _Pool:
    """The register rows candidates come from, fetched from the indexes as needed. A row is
    known by its global id (its index's offset + its position there) and, once fetched, by its
    position ``r`` in ``reg`` (which only grows, so positions stay valid)."""

    def __init__(self, indexes: list[NameIndex]) -> None:
        self.indexes = indexes
        self.offsets = np.cumsum([0, *(ix.n_rows for ix in indexes)]).astype(np.int64)
        self.frames: list[pd.DataFrame] = []
        self.gids = np.zeros(0, np.int64)
        self._reg: pd.DataFrame | None = None
        self._where = pd.Index(np.zeros(0, np.int64))

    def gid(self, i: int, rows: np.ndarray) -> np.ndarray:
        return self.offsets[i] + np.asarray(rows, dtype=np.int64)

    def add(self, gids: np.ndarray) -> None:
        new = np.setdiff1d(np.unique(np.asarray(gids, dtype=np.int64)), self.gids)
        if not len(new):
            return
        for i, ix in enumerate(self.indexes):
            mine = new[(new >= self.offsets[i]) & (new < self.offsets[i + 1])]
            if len(mine):
                rows = ix.rows(mine - self.offsets[i])
                rows["_gid"] = mine
                self.frames.append(rows)
        self.gids = np.concatenate([self.gids, new])
        self._reg = None

    @property
    def reg(self) -> pd.DataFrame:
        if self._reg is None:
            frame = pd.concat(self.frames, ignore_index=True) if self.frames else _empty_rows()
            self._reg = _prepare_registry(frame)
            self._where = pd.Index(self._reg["_gid"].to_numpy(dtype=np.int64))
        return self._reg

    def r(self, gids: np.ndarray) -> np.ndarray:
        """Positions in ``reg`` of fetched rows."""
        _ = self.reg
        return self._where.get_indexer(np.asarray(gids, dtype=np.int64))

    def by_id(self, kind: str, values: np.ndarray) -> pd.DataFrame:
        """(q, gid) for every row holding one of ``values`` as an identifier of ``kind``."""
        qs, gs = [], []
        for i, ix in enumerate(self.indexes):
            q, rows = ix.by_id(kind, values)
            qs.append(q)
            gs.append(self.gid(i, rows))
        return _pairs(qs, gs)

    def with_links(self, chosen: np.ndarray) -> pd.DataFrame:
        """``reg`` with every row sharing a chosen row's company number (the same organisation
        on another register), for ``linked_org_ids``."""
        reg = self.reg
        hit = chosen[chosen >= 0]
        if len(hit) and len(self.indexes) > 1:
            numbers = pd.unique(_at(reg, "company_number", hit))
            numbers = numbers[numbers != ""]
            if len(numbers):
                self.add(self.by_id("C", np.asarray(numbers, dtype=object))["gid"].to_numpy())
        return self.reg


def _pairs(qs: list[np.ndarray], gs: list[np.ndarray], **extra: list[np.ndarray]) -> pd.DataFrame:
    out = {"q": np.concatenate(qs) if qs else np.zeros(0, np.int64),
           "gid": np.concatenate(gs) if gs else np.zeros(0, np.int64)}
    for k, v in extra.items():
        out[k] = np.concatenate(v) if v else np.zeros(0)
    return pd.DataFrame(out)


def _empty_rows() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series([], dtype="str") for c in TEXT_COLUMNS})
    frame["income_pounds"] = pd.Series([], dtype="float64")
    frame["previous_names"] = pd.Series([], dtype="str")
    frame["postcode_share"] = pd.Series([], dtype="int32")
    frame["_gid"] = pd.Series([], dtype="int64")
    return frame


@dataclass
class _Matches:
    """Per payee: the register row chosen (-1 for none; a position in the pool's ``reg``), how,
    the score, the evidence, why a name match was ambiguous and its candidates, the other
    registers' ids of the same organisation, and a decision of the decisions file."""

    chosen: np.ndarray
    method: np.ndarray
    score: np.ndarray
    evidence: np.ndarray
    ambiguous: np.ndarray
    candidates: np.ndarray
    also: np.ndarray
    decided: np.ndarray

    @classmethod
    def none(cls, n: int) -> _Matches:
        def text() -> np.ndarray:
            return np.full(n, "", dtype=object)
        return cls(chosen=np.full(n, -1, dtype=np.int64), method=text(), score=np.full(n, np.nan),
                   evidence=text(), ambiguous=text(), candidates=text(), also=text(), decided=text())

    def take(self, p: np.ndarray, r: np.ndarray, method: str, score: np.ndarray | float,
             evidence: np.ndarray, also: np.ndarray | str = "") -> None:
        self.chosen[p], self.method[p], self.score[p] = r, method, score
        self.evidence[p], self.also[p] = evidence, also


# ---------------------------------------------------------------- decisions

Decisions: TypeAlias = pd.DataFrame  # columns: payee (as written), org_id (an org-id, or "none"), row


def read_decisions(path: Path) -> Decisions:
    """A decisions file: CSV with columns ``payee`` and ``org_id`` (an org-id such as
    GB-COH-01234567, or ``none``: this payee is in no register); other columns (a note, who
    decided) are kept but not read. A bad file is an error naming the file, row and column."""
    from spendkit.errors import InputFileError

    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputFileError(f"{path}: the decisions file cannot be read ({exc}).",
                             hint="A CSV with columns payee,org_id (org_id an org-id or 'none').") from None
    cols = {c.strip().lower().replace(" ", "_"): c for c in raw.columns}
    if "payee" not in cols or "org_id" not in cols:
        raise InputFileError(f"{path}: the decisions file needs columns 'payee' and 'org_id' "
                             f"(it has {', '.join(map(repr, raw.columns))}).",
                             hint="A CSV with columns payee,org_id (org_id an org-id or 'none').")
    out = pd.DataFrame({"payee": raw[cols["payee"]].str.strip(), "org_id": raw[cols["org_id"]].str.strip(),
                        "row": np.arange(2, len(raw) + 2)})
    org = out["org_id"].str.upper().str.replace(r"\s+", "", regex=True)
    ok = org.str.fullmatch(r"NONE|GB-(?:COH|CHC|SC|NIC|MPR)-[A-Z0-9]+")
    if not ok.all():
        bad = out[~ok].iloc[0]
        raise InputFileError(f"{path}: row {bad['row']}, column 'org_id': '{bad['org_id']}' is not an "
                             "org-id (GB-COH-, GB-CHC-, GB-SC-, GB-NIC-, GB-MPR-) or 'none'.",
                             hint="Write the register's org-id, or 'none' for a payee in no register.")
    out["org_id"] = org.where(org != "NONE", "none")
    out = out[out["payee"] != ""]
    out["full"] = normalise_names(pd.Series(out["payee"], dtype="str"))[0].to_numpy(zero_copy_only=False)
    repeated = out[out.duplicated("full", keep=False)]
    if len(repeated) and repeated.groupby("full")["org_id"].nunique().max() > 1:
        first = repeated.iloc[0]
        raise InputFileError(f"{path}: row {first['row']}: '{first['payee']}' is decided twice, differently.",
                             hint="Keep one decision per payee.")
    out.attrs["source"] = str(path)
    return out.drop_duplicates("full").reset_index(drop=True)


def _by_decision(m: _Matches, pool: _Pool, decisions: Decisions, full: pd.Series) -> None:
    """The decisions file first: a payee it names (its name normalised as the register's are)
    is that organisation, or (``none``) in no register, whatever the later steps would say."""
    if decisions.empty:
        return
    source = Path(str(decisions.attrs.get("source", "decisions file"))).name
    d = pd.DataFrame({"p": np.arange(len(full)), "full": full.to_numpy(dtype=object)}) \
        .merge(decisions[["full", "org_id", "row"]], on="full")
    if d.empty:
        return
    p, org, row = d["p"].to_numpy(), d["org_id"].to_numpy(dtype=object), d["row"].astype(str).to_numpy(dtype=object)
    where = "decisions file " + source + " row " + row
    none = org == "none"
    m.decided[p[none]] = "in no register (" + where[none] + ")"
    named = ~none
    found = pool.by_id("O", org[named])
    pool.add(found["gid"].to_numpy())
    first = found.drop_duplicates("q")
    qp = p[named][first["q"].to_numpy()]
    r = pool.r(first["gid"].to_numpy())
    reg = pool.reg
    m.take(qp, r, "decisions file", 100.0,
           "decided: " + _at(reg, "_label", r) + " " + _at(reg, "org_id", r) + " (" + where[named][first["q"].to_numpy()] + ")")
    missing = np.setdiff1d(np.arange(int(named.sum())), first["q"].to_numpy())
    m.decided[p[named][missing]] = (org[named][missing] + ", which is in none of the registers loaded ("
                                   + where[named][missing] + ")")


# ---------------------------------------------------------------- identifiers

def _by_number(m: _Matches, pool: _Pool, kind: str, numbers: np.ndarray, todo: np.ndarray) -> None:
    """Company numbers ('C': a Companies House row first, else a charity whose company it is) or
    charity numbers ('H')."""
    p = np.flatnonzero(todo)
    if not len(p):
        return
    found = pool.by_id(kind, numbers[p])
    if found.empty:
        return
    pool.add(found["gid"].to_numpy())
    reg = pool.reg
    r = pool.r(found["gid"].to_numpy())
    cand = pd.DataFrame({"q": found["q"].to_numpy(), "r": r,
                         "ch": (_at(reg, "registry", r) != "companies_house").astype(int) if kind == "C"
                         else _at(reg, "_prio", r),
                         "rank": _at(reg, "_rank", r), "prio": _at(reg, "_prio", r)})
    cand = cand.sort_values(["q", "ch", "rank", "prio"]).drop_duplicates("q")
    qp, r = p[cand["q"].to_numpy()], cand["r"].to_numpy()
    ev = _at(reg, "_label", r) + " " + _at(reg, "org_id", r)
    if kind == "C":
        via_charity = _at(reg, "registry", r) != "companies_house"
        ev = ev + " by company number"
        ev = np.where(via_charity, ev + " " + numbers[qp] + " (the charity's registered company)", ev)
        m.take(qp, r, "company number", 100.0, ev)
    else:
        m.take(qp, r, "charity number", 100.0, ev + " by charity number")


# ---------------------------------------------------------------- names, exactly

def _by_exact_name(m: _Matches, pool: _Pool, variants: pd.DataFrame, company_only: np.ndarray,
                   todo: np.ndarray, *, qualified: bool = False) -> None:
    """The name's key equal to a register name's key (current or previous name): the name as
    written, or (``qualified``) one of its other variants."""
    v = variants[(variants["how"] != "") == qualified]
    v = v[todo[v["p"].to_numpy()] & (v["key"] != "")].reset_index(drop=True)
    if v.empty:
        return
    qs, gs, kinds, fulls = [], [], [], []
    keys = v["key"].to_numpy(dtype=object)
    for i, ix in enumerate(pool.indexes):
        q, e = ix.by_key(keys)
        ent = ix.entries(e)
        qs.append(q)
        gs.append(pool.gid(i, ent["row"].to_numpy()))
        kinds.append(ent["kind"].to_numpy())
        fulls.append(ent["full"].to_numpy(dtype=object))
    found = _pairs(qs, gs, kind=kinds, efull=fulls)
    if found.empty:
        return
    pool.add(found["gid"].to_numpy())
    reg = pool.reg
    q = found["q"].to_numpy()
    pairs = pd.DataFrame({"p": v["p"].to_numpy()[q], "r": pool.r(found["gid"].to_numpy()), "score": 100.0,
                          "exact": found["efull"].to_numpy(dtype=object) == v["full"].to_numpy(dtype=object)[q],
                          "previous": found["kind"].to_numpy() == 1, "how": v["how"].to_numpy(dtype=object)[q]})
    # of one payee's variants, the first that finds anything decides; a register's current name
    # wins over another organisation's former name (a name is free for reuse once changed)
    pairs["vorder"] = v.index.to_numpy()[q] * 2 + pairs["previous"].to_numpy(dtype=int)
    pairs = pairs[pairs["vorder"] == pairs.groupby("p")["vorder"].transform("min")]
    pairs = pairs.sort_values(["p", "exact"], ascending=[True, False])
    pairs = _compatible(pairs, reg, company_only)
    matched, amb, cands = _resolve(pairs, reg, fuzzy=False)
    if len(matched):
        info = pairs.drop_duplicates(["p", "r"]).set_index(["p", "r"])
        at = info.loc[list(zip(matched["p"], matched["r"], strict=True))]
        mp, mr = matched["p"].to_numpy(), matched["r"].to_numpy()
        what = np.where(at["exact"].to_numpy(), "name exact", "name without legal form").astype(object)
        previous = at["previous"].to_numpy(dtype=bool)
        what = np.where(previous, "previous " + what, what)
        how = at["how"].to_numpy(dtype=object)
        ev = (what + np.where(previous, " (now '", " ('") + _at(reg, "name", mr) + "') "
              + _at(reg, "_label", mr) + " " + _at(reg, "org_id", mr) + np.where(how != "", ", " + how, ""))
        m.take(mp, mr, "name", 100.0, ev, matched["also"].to_numpy())
    _set_ambiguous(m, amb, cands)


def _set_ambiguous(m: _Matches, amb: pd.Series, cands: pd.Series) -> None:
    if len(amb):
        m.ambiguous[amb.index.to_numpy()] = amb.to_numpy(dtype=object)
        m.candidates[cands.index.to_numpy()] = cands.to_numpy(dtype=object)


# ---------------------------------------------------------------- truncated names

def _by_truncated_name(m: _Matches, pool: _Pool, names: pd.Series, original: pd.DataFrame,
                       company_only: np.ndarray, todo: np.ndarray) -> None:
    """A name of a finance system's field length (32, 35 or 40 characters, or one less when the
    cut fell on a space) that is the start of exactly one organisation's register name."""
    lengths = names.str.len().to_numpy()
    p = np.flatnonzero(todo & np.isin(lengths, list(TRUNCATED_LENGTHS)))
    if not len(p):
        return
    full = original["full"].reindex(p).fillna("").to_numpy(dtype=object)
    words = [f.split(" ") for f in full]
    # cut in its legal form ('... LIMITE', '... L'): the rest must be a register name exactly;
    # cut elsewhere: the name must be the start of exactly one register name
    in_form = np.array([len(w) > 1 and any(f.startswith(w[-1]) and f != w[-1] for f in _PARTIAL_FORMS)
                        for w in words], dtype=bool)
    # cut after one letter ('... DR L'): a legal form or any word; too little to go on
    one_letter = np.array([len(w) > 1 and len(w[-1]) == 1 and w[-1].isalpha() for w in words], dtype=bool)
    query = np.array([" ".join(w[:-1]) if cut else " ".join(w) for w, cut in zip(words, in_form, strict=True)],
                     dtype=object)
    keep = np.array([len(q) >= 12 for q in query], dtype=bool) & ~one_letter
    p, query, in_form = p[keep], query[keep], in_form[keep]
    if not len(p):
        return
    qs, gs = [], []
    counts = np.zeros(len(p), np.int64)
    stripped_keys = normalise_names(pd.Series(query[in_form], dtype="str"))[1]
    for i, ix in enumerate(pool.indexes):
        q, e, count = ix.by_prefix(list(query))
        q, e = q[~in_form[q]], e[~in_form[q]]
        counts += np.where(in_form, 0, count)
        qk, ek = ix.by_key(stripped_keys)
        qs += [q, np.flatnonzero(in_form)[qk]]
        gs += [pool.gid(i, ix.entries(e, ("row",))["row"].to_numpy()),
               pool.gid(i, ix.entries(ek, ("row",))["row"].to_numpy())]
    found = _pairs(qs, gs)
    crowded = counts > 20
    if crowded.any():
        m.ambiguous[p[crowded]] = ("ambiguous truncated name: the start of " + counts[crowded].astype(str)
                                   + " register names")
    found = found[~crowded[found["q"].to_numpy()]]
    if found.empty:
        return
    pool.add(found["gid"].to_numpy())
    reg = pool.reg
    pairs = pd.DataFrame({"p": p[found["q"].to_numpy()], "r": pool.r(found["gid"].to_numpy()), "score": 100.0})
    pairs = _compatible(pairs.drop_duplicates(["p", "r"]), reg, company_only)
    matched, amb, cands = _resolve(pairs, reg, fuzzy=False, what="ambiguous truncated name")
    mp, mr = matched["p"].to_numpy(), matched["r"].to_numpy()
    cut = in_form[pd.Index(p).get_indexer(mp)]
    how = np.where(cut, " characters, cut in its legal form) is exactly '",
                   " characters) is the start of one register name only, '")
    ev = ("prefix of a truncated name: '" + names.to_numpy(dtype=object)[mp] + "' (" + lengths[mp].astype(str)
          + how + _at(reg, "name", mr) + "' " + _at(reg, "_label", mr) + " " + _at(reg, "org_id", mr))
    m.take(mp, mr, "truncated name", 100.0, ev, matched["also"].to_numpy())
    _set_ambiguous(m, amb, cands)


# ---------------------------------------------------------------- fuzzy names

def _by_fuzzy_name(m: _Matches, pool: _Pool, variants: pd.DataFrame, company_only: np.ndarray,
                   todo: np.ndarray, threshold: float, margin: float) -> None:
    """Names close to a register name, carefully.

    Candidates share the payee's rarest distinctive word (term-frequency: a word in at most
    ``SINGLE_WORD_DF`` register names alone, a commoner one with the next rarest too; generic
    words and words in more than ``MAX_WORD_DF`` names never). A candidate is accepted when its
    similarity (rapidfuzz ``ratio``: edits, word order counting) reaches ``threshold`` *and* every word the two names do not share is
    explained: the payee's word is in no register name at all (a typing slip) and is close to
    the candidate's word, or the two differ only by a plural 's'. Two names that differ by a
    real word ('ACME BUILDING' and 'ACME BUILDERS', 'ACME NORTH' and 'ACME SOUTH') are different
    organisations, however close their spelling. The best candidate must lead the next
    organisation's accepted score by ``margin``, or the payee is ambiguous."""
    from rapidfuzz import fuzz, process

    v = variants[todo[variants["p"].to_numpy()] & (variants["key"] != "")].reset_index(drop=True)
    if v.empty:
        return
    parent, words = tokens_of(pa.array(v["key"].to_numpy(dtype=object), type=pa.string()))
    wtext = np.asarray(words.to_numpy(zero_copy_only=False), dtype=object)
    found_q, found_g, found_key = [], [], []
    df_total = np.zeros(len(wtext), np.int64)
    per_index = []
    for ix in pool.indexes:
        wid, df = ix.words(wtext)
        df_total += df
        per_index.append((wid, df))
    qlen = v["key"].str.len().to_numpy()
    # a query whose only distinctive words are ones no register holds (typing slips: 'GAMA
    # NETWORK SOLUTIONS') also looks for the words a slip away ('GAMMA')
    known = pd.Series((df_total > 0) & ~pd.Series(wtext).isin(GENERIC_WORDS).to_numpy())
    lacking = ~known.groupby(parent).any().reindex(range(len(v)), fill_value=False).to_numpy()
    slipped = np.flatnonzero((df_total == 0) & lacking[parent]
                             & pd.Series(wtext).str.fullmatch(r"[A-Z]{4,}").to_numpy())
    extra_w, extra_q = slips(wtext[slipped], parent[slipped]) if len(slipped) <= 5_000 else \
        (np.zeros(0, dtype=object), np.zeros(0, np.int64))
    for i, ix in enumerate(pool.indexes):
        wid, df = per_index[i]
        ewid, edf = ix.words(extra_w) if len(extra_w) else (np.zeros(0, np.int64), np.zeros(0, np.int64))
        q, e = word_candidates(ix, parent, wtext, wid, df, GENERIC_WORDS)
        # every known word a slip away (in at most ALONE_WORD_DF names) gives its entries too
        hit = (edf > 0) & (edf <= ALONE_WORD_DF) & ~pd.Series(extra_w, dtype=object).isin(GENERIC_WORDS).to_numpy()
        qs, es = ix.postings(ewid[hit], extra_q[hit])
        q, e = np.concatenate([q, qs]), np.concatenate([e, es])
        # a similarity of r needs |a - b| <= (1 - r)(a + b): lengths that cannot come near are dropped
        # before any name is read (near: within 10 points of the threshold, for the runner-up)
        la, lb = qlen[q], ix.key_lengths[e]
        fits = np.abs(la - lb) <= (1 - (threshold - 10) / 100) * (la + lb)
        q, e = q[fits], e[fits]
        if not len(q):
            continue
        ent = ix.entries(e, ("key", "row"))
        found_q.append(q)
        found_g.append(pool.gid(i, ent["row"].to_numpy()))
        found_key.append(ent["key"].to_numpy(dtype=object))
    if not found_q:
        return
    q = np.concatenate(found_q)
    gid = np.concatenate(found_g)
    ckey = np.concatenate(found_key)
    qkey = v["key"].to_numpy(dtype=object)[q]
    score = process.cpdist(list(qkey), list(ckey), scorer=fuzz.ratio, workers=-1)
    near = score >= threshold - 20
    q, gid, ckey, score = q[near], gid[near], ckey[near], np.asarray(score)[near].astype(float)
    if not len(q):
        return
    # which payee words no register name holds (typing slips)
    unknown = set(wtext[df_total == 0])
    ok = np.array([s >= threshold and words_explained(a, b, unknown) for s, a, b in
                   zip(score, v["key"].to_numpy(dtype=object)[q], ckey, strict=True)], dtype=bool)
    pairs = pd.DataFrame({"p": v["p"].to_numpy()[q], "gid": gid, "score": score, "ok": ok})
    pool.add(pairs.loc[pairs["ok"], "gid"].to_numpy())
    reg = pool.reg
    pairs["r"] = pool.r(pairs["gid"].to_numpy())
    pairs = pairs.sort_values(["p", "score"], ascending=[True, False])
    accepted = pairs[pairs["ok"]].drop_duplicates(["p", "r"])
    if accepted.empty:
        return
    accepted = _compatible(accepted, reg, company_only)
    r = accepted["r"].to_numpy()
    accepted = accepted.assign(entity=_at(reg, "_entity", r), rank=_at(reg, "_rank", r))
    accepted = accepted[accepted["rank"] == accepted.groupby("p")["rank"].transform("min")]
    accepted = accepted.sort_values(["p", "score"], ascending=[True, False])
    best = accepted.drop_duplicates("p").set_index("p")
    best_gid, best_entity = pairs["p"].map(best["gid"]), accepted["p"].map(best["entity"])
    # the runner-up for the evidence: another entry's best score, accepted or not
    rival_any = pairs[pairs["gid"] != best_gid].groupby("p")["score"].max()
    # the margin is over another organisation's accepted score (its previous name is no rival)
    rival_ok = accepted[accepted["entity"] != best_entity].groupby("p")["score"].max()
    lead = best["score"] - rival_ok.reindex(best.index).fillna(-np.inf)
    clear = (lead >= margin).to_numpy()
    bp, br = best.index.to_numpy(), best["r"].to_numpy()
    bs = best["score"].to_numpy()
    nxt = rival_any.reindex(best.index).to_numpy()
    nxt_text = np.where(np.isnan(nxt), "no other candidate",
                        "next " + pd.Series(nxt / 100).map("{:.2f}".format).to_numpy(dtype=object))
    ev = ("fuzzy " + pd.Series(bs / 100).map("{:.2f}".format).to_numpy(dtype=object) + ", " + nxt_text
          + ": '" + _at(reg, "name", br) + "' " + _at(reg, "_label", br) + " " + _at(reg, "org_id", br))
    m.take(bp[clear], br[clear], "fuzzy name", np.round(bs[clear], 1), ev[clear])
    unclear = bp[~clear]
    if len(unclear):
        amb = accepted[accepted["p"].isin(unclear)].drop_duplicates(["p", "entity"])
        ar = amb["r"].to_numpy()
        desc = (_at(reg, "org_id", ar) + " '" + _at(reg, "name", ar) + "' ("
                + (amb["score"] / 100).map("{:.2f}".format).to_numpy(dtype=object) + ")")
        listed = pd.Series(desc, index=amb["p"].to_numpy()).groupby(level=0).agg("; ".join)
        count = amb.groupby("p").size()
        m.ambiguous[listed.index.to_numpy()] = ("ambiguous fuzzy name: " + count.astype(str)
                                                + " organisations within " + f"{margin / 100:.2f}" + ": "
                                                + listed).to_numpy(dtype=object)
        m.candidates[listed.index.to_numpy()] = listed.to_numpy(dtype=object)


def _why_unmatched(m: _Matches, comp: np.ndarray, char: np.ndarray, keys: np.ndarray,
                   excluded: np.ndarray, public: np.ndarray, short: np.ndarray,
                   generic: np.ndarray) -> None:
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
                    np.where(m.decided != "", "not matched: " + m.decided,
                             np.where(m.ambiguous != "", "not matched: " + m.ambiguous,
                                      np.where(public != "", "not matched by name: " + public,
                                               "no registry match (" + c.astype(object) + h.astype(object)
                                               + k.astype(object) + ")"))))
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


def _resolve(pairs: pd.DataFrame, reg: pd.DataFrame, *, fuzzy: bool, what: str = ""
             ) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Candidate (payee p, registry row r, score) pairs -> one match per payee, or 'ambiguous'.

    Active/registered entries win over others; rows that are one organisation on two
    registers count once (a charity and its company, by company number; a CIO on Companies
    House and the one charity of the same name among the candidates). More than one
    organisation left is ambiguous, and says which (and, third, lists the candidates). The
    matches carry ``also``: the other registers' ids of the same organisation among the
    candidates."""
    if pairs.empty:
        return pairs.assign(score=pd.Series(dtype=float), also=pd.Series(dtype="str")), \
            pd.Series([], dtype="str"), pd.Series([], dtype="str")
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
        return single[["p", "r", "score", "also"]], pd.Series([], dtype="str"), pd.Series([], dtype="str")
    mr = multi["r"].to_numpy()
    desc = "'" + _at(reg, "name", mr) + "' " + _at(reg, "org_id", mr)
    if fuzzy:
        desc = desc + " (" + multi["score"].round(1).map("{:.1f}".format).to_numpy(dtype=object) + ")"
    multi = multi.assign(desc=desc, cand=_at(reg, "org_id", mr) + " '" + _at(reg, "name", mr) + "'")
    count = multi.groupby("p").size()
    listed = multi.groupby("p").head(3).groupby("p")["desc"].agg(", ".join)
    what = what or ("ambiguous fuzzy name" if fuzzy else "ambiguous name")
    text = what + ": " + count.astype(str) + " organisations: " + listed \
        + np.where(count > 3, ", ...", "")
    candidates = multi.groupby("p").head(10).groupby("p")["cand"].agg("; ".join)
    return single[["p", "r", "score", "also"]], text.astype("str"), candidates.astype("str")


def _assemble(index: pd.Index, reg: pd.DataFrame, m: _Matches) -> pd.DataFrame:
    chosen, method, score, evidence, also = m.chosen, m.method, m.score, m.evidence, m.also
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
        "match_candidates": pd.Series(m.candidates, dtype="str"),
    })
    for c in columns:
        col = picked[c]
        if c == "postcode_share":
            out[f"reg_{c}"] = pd.to_numeric(col, errors="coerce").where(hit, 0).fillna(0).astype("int64")
        elif c == "income_pounds":
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
